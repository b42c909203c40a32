# Helpers for the daemon_* VM cases and the daemon benchmarks (POSIX sh,
# busybox), sourced after test/vm/lib.sh:  . test/vm/files/daemon_lib.sh
#
# The case's host companion (test/vm/files/daemon_companion.sh) runs the fake
# apiserver and leaves kubeconfig, ca.crt and token in $VM_HOST_FILES.
#
#   api METHOD PATH [BODY [CONTENT-TYPE]]   the Kubernetes API with the token;
#                                 the body of the answer on stdout, 0 iff 2xx
#   ctl METHOD PATH [BODY]        the fake's control API (/_fake/...)
#   start_kipvs LOG [ARGS...]     ./kipvs run against it ($NODE flags, plus ARGS),
#                                 stderr to LOG, each line prefixed with the
#                                 time it arrived ($EPOCHREALTIME); waits for
#                                 event=ready (60 s). Sets KIPVS_PID.
#   stop_kipvs                    SIGTERM, then waits for it
#   now_us                        microseconds since the epoch, without a fork
#   hexap IP PORT                 IP:PORT as /proc/net/ip_vs writes it
#   ipvs_wait SECS PRED...        polls /proc/net/ip_vs (builtins only: every
#                                 ~2 ms) until every PRED holds; POLL_MS is the
#                                 time it took. PRED: +LINE (this line is there),
#                                 =PREFIX (a line starts with it) or -PREFIX
#                                 (no line starts with it); lines
#                                 are "TCP 0A600A01:0050 rr [persistent T]" and
#                                 "TCP 0A600A01:0050 -> 0AF40101:1F90 Masq W"
#   check_ipvs NAME SECS PRED...  a check: ipvs_wait, with "NAME: N ms" as a
#                                 diagnostic shown with its result
#   lat_add NAME MS / lat_report  collect latencies; print median and max
#   save_vs VIP:PORT              `ipvsadm -S -n` lines of one virtual server
#   bound                         the addresses on kube-ipvs0, sorted
#   metric NAME                   the value of one kipvs metric line

NODE="--hostname-override node-b --node-ip 172.18.0.2"
NL='
'
API_TOKEN=$(cat "$VM_HOST_FILES/token" 2>/dev/null)

api() {
	_ct=${4:-application/json}
	_code=$(curl -sS --max-time 20 --cacert "$VM_HOST_FILES/ca.crt" \
		-H "Authorization: Bearer $API_TOKEN" -H "Content-Type: $_ct" \
		-o "$VM_TMP/.api.body" -w '%{http_code}' -X "$1" "https://$VM_APISERVER$2" \
		${3:+--data-binary "$3"})
	cat "$VM_TMP/.api.body"
	case $_code in 2??) return 0 ;; esac
	echo "HTTP $_code from $1 $2" >&2
	return 1
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

start_kipvs() {
	_log=$1
	shift
	rm -f "$_log.fifo"
	mkfifo "$_log.fifo" || return 1
	(_ts_reader <"$_log.fifo" >"$_log") &
	./kipvs run --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE "$@" >"$_log.fifo" 2>&1 &
	KIPVS_PID=$!
	wait_until 60 grep -q 'event=ready' "$_log" && return 0
	echo "kipvs was not ready after 60 s; its log:"
	cat "$_log"
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
	_t0=$NOW
	while :; do
		ipvs_snap
		_now
		if _ipvs_preds "$@"; then
			POLL_MS=$(((NOW - _t0) / 1000)).$((((NOW - _t0) % 1000) / 100))
			return 0
		fi
		[ $((NOW - _t0)) -ge $_lim ] && break
		sleep 0.002
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
		diag "$_cn: $POLL_MS ms"
		_vm_pass "$_cn"
		return 0
	fi
	diag "command: ipvs_wait $*"
	_vm_diag_file "$VM_TMP/.ipvs_wait"
	_vm_fail "$_cn"
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
