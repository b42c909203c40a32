# A daemon that survives a hostile API server: kipvs run (the ASan+UBSan
# build) against the fake apiserver while the host companion's driver keeps
# adding, deleting and changing Services and EndpointSlices (endpoint flaps,
# scaling, port, type, affinity, scheduler and traffic-policy changes) and
# injects faults at random: dropped watch streams, 410 Gone (ERROR events and
# a compacted history), 500s, 429 with Retry-After, a trickled list, a list
# cut mid-JSON, a 3 MiB object (taken) and a 10 MiB watch event (refused),
# reset connections, an expired token (401 until the rotated token is in the
# file kipvs reads) and one refused (422) list. At the end, faults off: the
# kernel table and kube-ipvs0 equal `kipvs render` of the API server's final
# objects byte for byte, a full sync finds nothing to repair, kipvs never
# crashed, its RSS did not grow after the first minute, every fault that
# reached it left its log line and its metric, and it exits 0 on SIGTERM
# with no sanitizer report and no leak. KIPVS_SOAK_SECONDS on the host sets
# the churn's length: 90 s with 7 of the 12 kinds of fault, chosen at random
# (make test); make soak: 300 s with all of them, again and again.
# vm-net: apiserver
# vm-asan: yes
# vm-timeout: 420

. test/vm/files/daemon_lib.sh
. "$VM_HOST_FILES/soak.env"

must test -x ./kipvs-asan
must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

# kipvs reads its token from a file (tokenFile), as from a projected
# service-account token; the driver rotates it (soak-status data.token).
cp "$VM_HOST_FILES/kipvs-token" "$VM_TMP/kipvs-token"
cat >"$VM_TMP/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: https://$VM_APISERVER
    certificate-authority: $VM_HOST_FILES/ca.crt
users:
- name: kipvs
  user:
    tokenFile: $VM_TMP/kipvs-token
contexts:
- name: fake
  context:
    cluster: fake
    user: kipvs
current-context: fake
EOF
STATUS=/api/v1/namespaces/kube-system/configmaps/soak-status
field() { # NAME < ConfigMap JSON: one string of its data
	sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}
status() { # sets PHASE and TOKEN from soak-status
	api GET $STATUS >"$VM_TMP/status.json" 2>/dev/null || return 1
	PHASE=$(field phase <"$VM_TMP/status.json")
	TOKEN=$(field token <"$VM_TMP/status.json")
}
seeded() { status && [ -n "$PHASE" ]; }
must wait_until 150 seeded

# The case's log keeps its last 400 lines: kipvs's without the dirty passes.
trap 'echo "--- kipvs log (no dirty passes; last 250 lines)"
grep -v "event=sync kind=dirty" "$VM_TMP/kipvs.log" | tail -n 250' EXIT
# A leak at exit, any ASan report or UBSan error fails kipvs (exit status 23
# for leaks); reports go to its stderr, the log. A small quarantine (freed
# memory ASan holds back to catch use after free; 256 MiB by default), so
# that it is full within the first minute and RSS then shows kipvs's own
# memory (with 16 MiB, and a cluster that still grew, the floors rose for
# about five minutes).
export ASAN_OPTIONS=detect_leaks=1:exitcode=23:abort_on_error=0:quarantine_size_mb=4:malloc_context_size=10
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
KIPVS_BIN=./kipvs-asan
KIPVS_KUBECONFIG=$VM_TMP/kubeconfig
must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 10s
SYNC_S=10

# RSS every 2 s, from the go on: "SECONDS_SINCE_GO RSS_KB".
rss_sampler() {
	_t0=${EPOCHREALTIME%.*}
	while [ -r /proc/$KIPVS_PID/status ]; do
		while read -r _k _v _u; do
			[ "$_k" = VmRSS: ] && echo "$((${EPOCHREALTIME%.*} - _t0)) $_v" && break
		done </proc/$KIPVS_PID/status
		read -t 2 -u 9 _x
	done >"$VM_TMP/rss"
}
rss_sampler &
sampler=$!
must api POST /api/v1/namespaces/kube-system/configmaps \
	'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"soak-go","namespace":"kube-system"}}'
_now
go_us=$NOW

# --- the soak: follow the driver, hand kipvs its rotated tokens ----------------
alive=1
rotations=0
limit=$((SOAK_SECONDS + 120))
while :; do
	if ! kill -0 "$KIPVS_PID" 2>/dev/null; then
		alive=0
		break
	fi
	if status && [ -n "$TOKEN" ] && [ "$TOKEN" != "$(cat "$VM_TMP/kipvs-token")" ]; then
		echo "$TOKEN" >"$VM_TMP/kipvs-token.new" && mv "$VM_TMP/kipvs-token.new" "$VM_TMP/kipvs-token"
		rotations=$((rotations + 1))
	fi
	[ "$PHASE" = done ] && break
	_now
	[ $(((NOW - go_us) / 1000000)) -ge $limit ] && break
	read -t 3 -u 9 _x
done
_now
diag "the driver churned for $(((NOW - go_us) / 1000000)) s (SOAK_SECONDS=$SOAK_SECONDS); kipvs was handed $rotations rotated tokens"
check kipvs_never_crashed test $alive = 1
check_eq driver_done done "$PHASE"
FIRED=$(field fired <"$VM_TMP/status.json")
diag "driver: $(field changes <"$VM_TMP/status.json") changes, seed $(field seed <"$VM_TMP/status.json"), write failures $(field write_failures <"$VM_TMP/status.json")"
diag "faults that reached kipvs: $FIRED"

# --- faults off: the table must be what the API says ---------------------------
_now
off_us=$NOW
./kipvs render --kubeconfig "$VM_TMP/kubeconfig" $NODE >"$VM_TMP/want.raw" 2>"$VM_TMP/render.err"
must test $? -eq 0
sort "$VM_TMP/want.raw" >"$VM_TMP/want"
./kipvs render --kubeconfig "$VM_TMP/kubeconfig" $NODE --bound | sort >"$VM_TMP/want_bound"
diag "render: $(grep -c '^-A' "$VM_TMP/want") virtual servers, $(grep -c '^-a' "$VM_TMP/want") destinations, $(wc -l <"$VM_TMP/want_bound") addresses"
converged() {
	ipvsadm -S -n | sort | cmp -s - "$VM_TMP/want" && bound | cmp -s - "$VM_TMP/want_bound"
}
# The longest kipvs may wait before asking again is its 30 s backoff cap
# (or the refused list's quiet 30 s retry); then one sync period.
wait_until $((30 + 2 * SYNC_S + 20)) converged
conv=$?
_now
diag "converged $(((NOW - off_us) / 1000)) ms after the faults stopped"
check_eq converged 0 $conv
# One more full sync: it re-reads the kernel and must find nothing to repair.
fulls() { grep -c 'event=sync kind=full' "$VM_TMP/kipvs.log"; }
f0=$(fulls)
more_fulls() { [ "$(fulls)" -gt "$f0" ]; }
check full_sync_ran wait_until $((2 * SYNC_S + 10)) more_fulls
last_full=$(grep 'event=sync kind=full' "$VM_TMP/kipvs.log" | tail -n 1)
diag "last full sync: ${last_full#* }"
check_sh full_sync_repaired_nothing "echo '$last_full' | grep -q ' changes=0 failed=0 addr_removed=0 '"
check_same table_equals_render "cat $VM_TMP/want" "ipvsadm -S -n | sort"
check_same bound_equals_render "cat $VM_TMP/want_bound" bound

# --- every fault left its evidence ---------------------------------------------
fired() { # NAME: how many times that fault reached kipvs
	for _kv in $FIRED; do
		case $_kv in "$1="*) echo "${_kv#*=}" && return ;; esac
	done
	echo 0
}
LOG=$VM_TMP/kipvs.log
n() { grep -c -E -- "$1" "$LOG"; }
curl -s --max-time 20 http://127.0.0.1:10249/metrics >"$VM_TMP/metrics"
msum() { # METRIC [LABEL-REGEX]: the sum of its series
	awk -v m="$1" -v l="${2:-}" 'index($1, m) == 1 && (substr($1, length(m) + 1, 1) == "{" ||
		$1 == m) && (l == "" || $1 ~ l) { s += $2 } END { printf "%d\n", s }' "$VM_TMP/metrics"
}
evidence() { # NAME WANT OP GOT: one check, the numbers in the diagnostics
	diag "$1: $4 (want $3 $2)"
	check "$1" test "$4" "-$3" "$2"
}
F500=$(fired e500) F429=$(fired e429) F401=$(fired e401) FTR=$(fired truncate) FREF=$(fired refuse)
FDROP=$(fired drop) F410=$(fired w410) FHUGE=$(fired huge) FTRK=$(fired trickle)
FREJ=$(fired reject) FBIG=$(fired big) FTOK=$(fired token)
evidence log_500 "$F500" eq "$(n 'event=kube_request_failed .* status=500 ')"
evidence metric_500 "$F500" eq "$(msum kipvs_api_request_failures_total 'code="500"')"
evidence log_429 "$F429" eq "$(n 'event=kube_request_failed .* status=429 ')"
evidence metric_429 "$F429" eq "$(msum kipvs_api_request_failures_total 'code="429"')"
# Retry-After: 3 is honoured: no 429 is retried sooner.
check_sh log_429_retry_after "! grep -E 'event=kube_request_failed .* status=429 ' '$LOG' |
	sed -n 's/.* retry_in=\\([0-9.]*\\)s.*/\\1/p' | awk '\$1 < 3.0 { bad = 1 } END { exit !bad }'"
evidence log_401 "$F401" eq "$(n 'level=error event=kube_request_failed .* status=401 ')"
evidence metric_401 "$F401" eq "$(msum kipvs_api_request_failures_total 'code="401"')"
[ "$FTOK" -gt 0 ] && evidence token_reloaded 1 ge "$(n 'event=token_reloaded ')"
evidence log_truncated "$FTR" eq "$(n 'event=kube_request_failed .* op=list .* err="invalid answer"')"
evidence metric_truncated "$FTR" eq "$(msum kipvs_api_request_failures_total 'code="invalid"')"
# Cut streams and reset connections: "error" (no complete answer). Resets
# are not counted one for one: libcurl silently sends a request again once
# when a reused connection dies before answering, so a pair of resets shows
# as one failure or none (seen in a whole make test: 4 resets, 1 drop, 2 cuts).
evidence log_cut "$FDROP" ge "$(n 'event=kube_request_failed .* op=watch .* err=')"
evidence metric_cut "$FDROP" ge "$(msum kipvs_api_request_failures_total 'code="error"')"
evidence metric_watch_restarts "$FDROP" ge "$(msum kipvs_watch_restarts_total)"
evidence log_410 "$F410" ge "$(n 'event=watch_expired ')"
evidence log_relist_410 "$F410" ge "$(n 'event=relist .* reason=410')"
evidence metric_relists $((F410 + FHUGE)) ge "$(msum kipvs_watch_relists_total)"
# A compacted history: the re-watch from kipvs's old resourceVersion is the
# fake's own 410 ("too old resource version"), not an injected ERROR event.
FCOMP=$(fired compact)
[ "$FCOMP" -gt 0 ] && evidence log_410_compacted "$FCOMP" ge "$(n 'event=watch_expired .* message="too old resource version')"
# The 10 MiB events are dropped, the 3 MiB objects are not. A 10 MiB event
# is either read up to kipvs's 8 MiB limit (watch_event_too_large, then a
# relist) or its stream breaks first (seen once in a 300 s soak: the fake
# took the fault, kipvs's new watch got an empty reply): so no more
# too-large logs than 10 MiB events, and every event that did not show as
# too large shows as one more broken watch than the other faults explain.
NHUGE=$(n 'event=watch_event_too_large ')
NCUT=$(n 'event=kube_request_failed .* op=watch .* err=')
evidence log_too_large "$FHUGE" le "$NHUGE"
[ "$FHUGE" -ge 3 ] && evidence log_too_large_seen 1 ge "$NHUGE"
evidence log_relist_too_large "$NHUGE" eq "$(n 'event=relist .* reason=event-too-large')"
evidence log_huge_accounted $((FDROP + FHUGE)) ge $((NCUT + NHUGE))
diag "3 MiB objects taken: $FBIG"
evidence log_trickle "$FTRK" ge "$(n 'event=list_slow ')"
if [ "$FREJ" -gt 0 ]; then
	evidence log_rejected "$FREJ" eq "$(n 'event=api_rejected .* status=422 ')"
	evidence log_rejected_recovered 1 ge "$(n 'event=api_rejected_recovered ')"
	evidence metric_rejected "$FREJ" eq "$(msum kipvs_api_rejected_total 'code="422"')"
fi
for k in e500 e429 e401 truncate refuse drop w410 compact huge trickle big token reject; do
	[ "$(fired $k)" -gt 0 ] || diag "note: no $k fault reached kipvs in this run"
done

# --- memory: the RSS curve ------------------------------------------------------
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
echo "--- RSS samples (seconds since the go:kB)"
awk '{ printf "%s:%s%s", $1, $2, NR % 10 ? " " : "\n" } END { print "" }' "$VM_TMP/rss"
diag "RSS of kipvs (ASan build), kB, every ~10 s from the go: $(awk '$1 >= next_t { printf "%s%ds=%d", sep, $1, $2; sep = " "; next_t = $1 + 10 }' "$VM_TMP/rss")"
# Growth after the first minute: the floor (lowest sample) of the window
# after it against the floor of the last window, each W seconds (60, less
# in a short run). Floors, because a 3 MiB object or a 10 MiB event lifts
# RSS for a while (its buffers, then ASan's quarantine) without any growth;
# memory that stays shows in the floor.
end_s=$(tail -n 1 "$VM_TMP/rss" | awk '{ print $1 }')
W=$(((end_s - 60) / 2))
[ $W -gt 60 ] && W=60
floor() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b && (m == "" || $2 < m) { m = $2 } END { print m + 0 }' "$VM_TMP/rss"; }
first=$(floor 60 $((60 + W)))
last=$(floor $((end_s - W)) $((end_s + 1)))
peak=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$VM_TMP/rss")
diag "RSS floor ${first} kB in [60 s, $((60 + W)) s), ${last} kB in the last $W s (to $end_s s); peak ${peak} kB; growth after the first minute: $((last - first)) kB"
# The tolerance: these floors moved by -1.0 to +0.9 MiB in four runs (three
# of 90 s, one of 10 min, whose one-minute floors all stayed within 1.4 MiB);
# twice that is growth.
RSS_TOL_KB=2048
check rss_no_growth_after_first_minute test $W -ge 10 -a $((last - first)) -le $RSS_TOL_KB

# --- a clean exit -----------------------------------------------------------------
check kipvs_still_running kill -0 "$KIPVS_PID"
stop_kipvs
check_eq clean_exit_no_leak 0 $?
check_eq no_sanitizer_report "" "$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: ' "$LOG")"
