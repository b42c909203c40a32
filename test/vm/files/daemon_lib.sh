# Helpers for the daemon_* VM cases and the daemon benchmarks (POSIX sh,
# busybox), sourced after test/vm/lib.sh:  . test/vm/files/daemon_lib.sh
#
# The case's host companion (test/vm/files/daemon_companion.sh) runs the fake
# apiserver and leaves kubeconfig, ca.crt and token in $VM_HOST_FILES.
#
#   api METHOD PATH [BODY [CONTENT-TYPE]]   the Kubernetes API with the token;
#                                 the body of the answer on stdout, 0 iff 2xx
#   api_step NAME SECS METHOD PATH BODY CONTENT-TYPE PRED...
#                                 a check: one API write, then every PRED (see
#                                 ipvs_wait) within SECS, polled from the moment
#                                 the answer arrived; the time is a latency
#                                 sample (lat_add)
#   ctl METHOD PATH [BODY]        the fake's control API (/_fake/...)
#   start_kipvs LOG [ARGS...]     ./kipvs run against it ($NODE flags, plus ARGS),
#                                 stderr to LOG, each line prefixed with the
#                                 time it arrived ($EPOCHREALTIME); waits for
#                                 event=ready (60 s). Sets KIPVS_PID.
#   spawn_kipvs LOG [ARGS...]     the same without waiting
#                                 (KIPVS_BIN: the program, ./kipvs;
#                                 KIPVS_KUBECONFIG: its kubeconfig, the
#                                 companion's)
#   stop_kipvs                    SIGTERM, then waits for it
#   _now / now_us                 NOW = µs since the epoch (no fork) / print it
#   hexap IP PORT                 IP:PORT as /proc/net/ip_vs writes it
#   ipvs_wait SECS PRED...        polls /proc/net/ip_vs (builtins only: every
#                                 ~2 ms) until every PRED holds; POLL_MS is the
#                                 time it took (from $POLL_FROM, µs, if set),
#                                 POLL_N the looks it took. PRED: +LINE (this
#                                 line is there), =PREFIX (a line starts with
#                                 it) or -PREFIX (no line starts with it); lines
#                                 are "TCP 0A600A01:0050 rr [persistent T]" and
#                                 "TCP 0A600A01:0050 -> 0AF40101:1F90 Masq W"
#   check_ipvs NAME SECS PRED...  a check: ipvs_wait, with "NAME: N ms" as a
#                                 diagnostic shown with its result
#   lat_add NAME MS / lat_report  collect latencies; print median and max
#   save_vs VIP:PORT              `ipvsadm -S -n` lines of one virtual server
#   bound                         the addresses on kube-ipvs0, sorted
#   metric NAME                   the value of one kipvs metric line

NODE="--hostname-override node-b --node-ip 172.18.0.2"
# fd 9: a fifo nobody writes, so `read -t 0.002 -u 9` is a sleep without a
# fork (busybox's sleep is not a builtin: ~50 ms per call under emulation).
mkfifo "$VM_TMP/.tick" 2>/dev/null
exec 9<>"$VM_TMP/.tick"
NL='
'
API_TOKEN=$(cat "$VM_HOST_FILES/token" 2>/dev/null)

# _api_start METHOD PATH [BODY [CONTENT-TYPE]]: sends the request and returns
# when the status line of the answer arrives (API_AT, API_STATUS), while curl
# goes on in the background; _api_finish waits for it, prints the body and
# returns 0 iff 2xx. (curl takes ~0.5 s to start and as long to exit under
# emulation: this is how API_AT is the answer's arrival, not curl's exit.)
_api_start() {
	_ct=${4:-application/json}
	_hf=$VM_TMP/.api.head
	rm -f "$_hf" "$VM_TMP/.api.body"
	mkfifo "$_hf" || return 1
	# curl opens (and closes, and reopens) the header file at start: the
	# reader holds the fifo read-write so it never sees an end of file, and
	# a line after curl's exit ends the wait if no answer ever came.
	exec 6<>"$_hf"
	{
		curl -sS --max-time 20 --cacert "$VM_HOST_FILES/ca.crt" \
			-H "Authorization: Bearer $API_TOKEN" -H "Content-Type: $_ct" \
			-D "$_hf" -o "$VM_TMP/.api.body" -w '%{http_code}' -X "$1" \
			"https://$VM_APISERVER$2" ${3:+--data-binary "$3"} >"$VM_TMP/.api.code"
		echo CURL-EXITED >"$_hf"
	} 6<&- &
	_api_pid=$!
	_api_what="$1 $2"
	API_STATUS=
	while IFS= read -r _l <&6; do
		case $_l in
		HTTP/*)
			_l=${_l#* }
			API_STATUS=${_l%% *}
			break
			;;
		CURL-EXITED) break ;;
		esac
	done
	_now
	API_AT=$NOW
}
_api_finish() {
	wait $_api_pid
	exec 6<&-
	cat "$VM_TMP/.api.body" 2>/dev/null
	_code=$(cat "$VM_TMP/.api.code")
	case $_code in 2??) return 0 ;; esac
	echo "HTTP $_code from $_api_what" >&2
	return 1
}
api() {
	_api_start "$@"
	_api_finish
}

ctl() {
	curl -sS --max-time 20 --cacert "$VM_HOST_FILES/ca.crt" -H 'Content-Type: application/json' \
		-X "$1" "https://$VM_APISERVER$2" ${3:+--data-binary "$3"}
}

# _now: NOW = microseconds since the epoch (no fork, unlike $(now_us)).
_now() {
	_t=$EPOCHREALTIME
	NOW=$((${_t%.*} * 1000000 + 1${_t#*.} - 1000000))
}
now_us() {
	_now
	echo $NOW
}

# A log line gets the time it was read: the reader blocks on the pipe, so
# that is when kipvs wrote it.
_ts_reader() {
	while IFS= read -r _l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$_l"
	done
}

spawn_kipvs() {
	_log=$1
	shift
	rm -f "$_log.fifo"
	mkfifo "$_log.fifo" || return 1
	(_ts_reader <"$_log.fifo" >"$_log") &
	${KIPVS_BIN:-./kipvs} run --kubeconfig "${KIPVS_KUBECONFIG:-$VM_HOST_FILES/kubeconfig}" $NODE "$@" \
		>"$_log.fifo" 2>&1 &
	KIPVS_PID=$!
}

start_kipvs() {
	spawn_kipvs "$@" || return 1
	wait_until 60 grep -q 'event=ready' "$1" && return 0
	echo "kipvs was not ready after 60 s; its log:"
	cat "$1"
	return 1
}

stop_kipvs() {
	[ -n "${KIPVS_PID:-}" ] || return 0
	kill -TERM "$KIPVS_PID" 2>/dev/null
	wait "$KIPVS_PID"
	_rc=$?
	KIPVS_PID=
	return $_rc
}

hexap() {
	_o1=${1%%.*} _r=${1#*.}
	_o2=${_r%%.*} _r=${_r#*.}
	_o3=${_r%%.*} _o4=${_r#*.}
	printf '%02X%02X%02X%02X:%04X' "$_o1" "$_o2" "$_o3" "$_o4" "$2"
}

# IPVS_SNAP: /proc/net/ip_vs, one normalised line per service / destination.
ipvs_snap() {
	IPVS_SNAP=$NL
	_svc=
	while read -r _a _b _c _d _e _f; do
		case $_a in
		TCP | UDP | SCTP)
			_svc="$_a $_b"
			IPVS_SNAP="$IPVS_SNAP$_a $_b $_c${_d:+ $_d $_e}$NL"
			;;
		-\>) IPVS_SNAP="$IPVS_SNAP$_svc -> $_b $_c $_d$NL" ;;
		esac
	done </proc/net/ip_vs
}

_ipvs_preds() {
	for _p in "$@"; do
		case $_p in
		+*) case $IPVS_SNAP in *"$NL${_p#+}$NL"*) ;; *) return 1 ;; esac ;;
		=*) case $IPVS_SNAP in *"$NL${_p#=}"*) ;; *) return 1 ;; esac ;;
		-*) case $IPVS_SNAP in *"$NL${_p#-}"*) return 1 ;; esac ;;
		esac
	done
	return 0
}

ipvs_wait() {
	_lim=$(($1 * 1000000))
	shift
	_now
	_t0=${POLL_FROM:-$NOW}
	POLL_N=0
	while :; do
		ipvs_snap
		POLL_N=$((POLL_N + 1))
		_now
		if _ipvs_preds "$@"; then
			POLL_MS=$(((NOW - _t0) / 1000)).$((((NOW - _t0) % 1000) / 100))
			return 0
		fi
		[ $((NOW - _t0)) -ge $_lim ] && break
		read -t 0.002 -u 9 _x
	done
	POLL_MS=timeout
	echo "not converged after $((_lim / 1000000)) s; wanted: $*"
	printf '%s\n' "/proc/net/ip_vs (normalised):$IPVS_SNAP"
	return 1
}

check_ipvs() {
	_cn=$1
	shift
	if ipvs_wait "$@" >"$VM_TMP/.ipvs_wait" 2>&1; then
		if [ "$POLL_N" = 1 ]; then
			diag "$_cn: $POLL_MS ms (there at the first look: an upper bound)"
		else
			diag "$_cn: $POLL_MS ms"
		fi
		_vm_pass "$_cn"
		return 0
	fi
	diag "command: ipvs_wait $*"
	_vm_diag_file "$VM_TMP/.ipvs_wait"
	_vm_fail "$_cn"
}

api_step() {
	_name=$1 _secs=$2
	_api_start "$3" "$4" "$5" "$6"
	shift 6
	_rc=1
	case $API_STATUS in
	2??)
		POLL_FROM=$API_AT
		ipvs_wait "$_secs" "$@" >"$VM_TMP/.step.wait" 2>&1
		_rc=$?
		POLL_FROM=
		;;
	esac
	_api_finish >"$VM_TMP/.step.api" 2>&1 || _rc=2
	case $_rc in
	0)
		lat_add "$_name" "$POLL_MS"
		if [ "$POLL_N" = 1 ]; then
			diag "$_name: $POLL_MS ms (there at the first look: an upper bound)"
		else
			diag "$_name: $POLL_MS ms"
		fi
		_vm_pass "$_name"
		return 0
		;;
	1)
		diag "command: ipvs_wait $*"
		_vm_diag_file "$VM_TMP/.step.wait"
		;;
	2)
		diag "API write of $_name failed:"
		_vm_diag_file "$VM_TMP/.step.api" 10
		;;
	esac
	_vm_fail "$_name"
}

lat_add() {
	echo "$2 $1" >>"$VM_TMP/latencies"
}

lat_report() { # WHAT
	[ -s "$VM_TMP/latencies" ] || return 0
	sort -n "$VM_TMP/latencies" | awk -v what="$1" '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s: %d changes, median %.1f ms, max %.1f ms\n", what, NR, m, v[NR] }'
}

save_vs() {
	ipvsadm -S -n | grep -E -- "^-[Aa] -[tu] $1( |$)"
}

bound() {
	ip -o addr show dev kube-ipvs0 2>/dev/null | awk '{ split($4, a, "/"); print a[1] }' | sort
}

metric() {
	curl -s --max-time 10 http://127.0.0.1:10249/metrics | awk -v n="$1" '$1 == n { print $2 }'
}
