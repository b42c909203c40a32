# Helpers for VM test cases (POSIX sh, busybox). /init sources this file before
# each case, so a case calls these directly. See test/vm/README.md.
#
# Results go to the results port ($VM_RESULT_DEV) as "KIPVS:" lines, which test/vm/run.sh
# turns into TAP: every check is one "ok"/"not ok" line named CASE/NAME, and
# diagnostics written before a result are printed after it.

# busybox sh runs its own applets before searching PATH: make `ip` iproute2's
# (busybox's has no netns). In a nested `sh -c`, call /usr/bin/ip by path.
ip() { /usr/bin/ip "$@"; }

VM_RESULT_DEV=${VM_RESULT_DEV:-/dev/vport0p1}
VM_TMP=${VM_TMP:-/tmp/vm}
mkdir -p "$VM_TMP"

_vm_out() { printf 'KIPVS:%s\n' "$*" >>"$VM_RESULT_DEV"; }

# diag TEXT... — a diagnostic line, shown after the next result.
diag() { _vm_out "# $*"; }

# _vm_diag_file FILE [LINES] — a file's first LINES (60) lines as diagnostics.
_vm_diag_file() {
	[ -s "$1" ] || return 0
	_n=$(wc -l <"$1")
	head -n "${2:-60}" "$1" | sed 's/^/KIPVS:#   /' >>"$VM_RESULT_DEV"
	[ "$_n" -gt "${2:-60}" ] && diag "  ... ($_n lines in all)"
	return 0
}

_vm_check_name() {
	case "$1" in
	"" | *[!A-Za-z0-9_.:=+-]*)
		diag "bad check name '$1' (use letters, digits, _ . : = + -)"
		return 1
		;;
	esac
	return 0
}

_vm_pass() { _vm_out "ok $1"; return 0; }
_vm_fail() { _vm_out "fail $1"; return 1; }

# check NAME CMD [ARG...] — passes when CMD exits 0.
check() {
	_name=$1
	shift
	_vm_check_name "$_name" || { _vm_fail "$_name"; return 1; }
	"$@" >"$VM_TMP/.out" 2>&1
	_rc=$?
	[ $_rc -eq 0 ] && { _vm_pass "$_name"; return 0; }
	diag "command: $*"
	diag "exit status: $_rc; output:"
	_vm_diag_file "$VM_TMP/.out"
	_vm_fail "$_name"
}

# check_sh NAME 'SHELL CODE' — passes when the code (eval'd in a subshell of
# the case, so lib.sh functions such as ip() apply) exits 0. For pipelines and
# tests: check_sh no_vip '! ip addr show dev kube-ipvs0 | grep -q 10.96.0.1'
check_sh() {
	_vm_check_name "$1" || { _vm_fail "$1"; return 1; }
	(eval "$2") >"$VM_TMP/.out" 2>&1 </dev/null
	_rc=$?
	[ $_rc -eq 0 ] && { _vm_pass "$1"; return 0; }
	diag "code: $2"
	diag "exit status: $_rc; output:"
	_vm_diag_file "$VM_TMP/.out"
	_vm_fail "$1"
}

# check_not NAME CMD [ARG...] — passes when CMD exits non-zero.
check_not() {
	_name=$1
	shift
	_vm_check_name "$_name" || { _vm_fail "$_name"; return 1; }
	"$@" >"$VM_TMP/.out" 2>&1
	_rc=$?
	[ $_rc -ne 0 ] && { _vm_pass "$_name"; return 0; }
	diag "command: $*"
	diag "expected failure, got exit status 0; output:"
	_vm_diag_file "$VM_TMP/.out"
	_vm_fail "$_name"
}

# check_eq NAME EXPECTED ACTUAL — string equality; a diff on failure.
check_eq() {
	_vm_check_name "$1" || { _vm_fail "$1"; return 1; }
	[ "$2" = "$3" ] && { _vm_pass "$1"; return 0; }
	printf '%s\n' "$2" >"$VM_TMP/.exp"
	printf '%s\n' "$3" >"$VM_TMP/.act"
	diag "expected (-) vs actual (+):"
	diff -u "$VM_TMP/.exp" "$VM_TMP/.act" | tail -n +3 >"$VM_TMP/.diff"
	_vm_diag_file "$VM_TMP/.diff"
	_vm_fail "$1"
}

# _vm_capture DIR CMDSTRING — runs CMDSTRING (eval, in a subshell) and keeps
# its stdout, stderr and exit status in DIR/out, DIR/err, DIR/rc.
_vm_capture() {
	mkdir -p "$1"
	(eval "$2") >"$1/out" 2>"$1/err" </dev/null
	echo $? >"$1/rc"
}

# check_same NAME "CMD1" "CMD2" — both command strings (shell syntax, run with
# eval) must give byte-identical stdout, stderr and exit status. CMD1 is the
# reference (e.g. ipvsadm), CMD2 the candidate (e.g. ./kipvs).
check_same() {
	_vm_check_name "$1" || { _vm_fail "$1"; return 1; }
	rm -rf "$VM_TMP/.a" "$VM_TMP/.b"
	_vm_capture "$VM_TMP/.a" "$2"
	_vm_capture "$VM_TMP/.b" "$3"
	_same=1
	for _s in out err rc; do
		cmp -s "$VM_TMP/.a/$_s" "$VM_TMP/.b/$_s" && continue
		if [ $_same = 1 ]; then
			diag "reference: $2"
			diag "candidate: $3"
		fi
		_same=0
		case $_s in
		out) diag "stdout differs (- reference, + candidate):" ;;
		err) diag "stderr differs (- reference, + candidate):" ;;
		rc) diag "exit status differs: reference $(cat "$VM_TMP/.a/rc"), candidate $(cat "$VM_TMP/.b/rc")" ;;
		esac
		if [ $_s != rc ]; then
			diff -u "$VM_TMP/.a/$_s" "$VM_TMP/.b/$_s" | tail -n +3 >"$VM_TMP/.diff"
			# A difference diff cannot show (e.g. a missing final newline).
			[ -s "$VM_TMP/.diff" ] || cmp "$VM_TMP/.a/$_s" "$VM_TMP/.b/$_s" >"$VM_TMP/.diff" 2>&1
			_vm_diag_file "$VM_TMP/.diff" 40
		fi
	done
	[ $_same = 1 ] && { _vm_pass "$1"; return 0; }
	_vm_fail "$1"
}

# skip NAME REASON — one skipped check.
skip() { _vm_out "skip $1 $2"; }

# skip_case REASON — the whole case is skipped (ends it, exit status 77).
skip_case() {
	_vm_out "skipcase $*"
	exit 77
}

# must CMD [ARG...] — a setup step: if it fails, the case ends as failed
# (exit status 1) with the command and its output as diagnostics. Its output
# is passed on; but inside $(...) it could only end that subshell: don't.
must() {
	"$@" >"$VM_TMP/.out" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ]; then
		diag "setup failed (exit status $_rc): $*"
		_vm_diag_file "$VM_TMP/.out"
		exit 1
	fi
	cat "$VM_TMP/.out"
}

# wait_until SECONDS CMD [ARG...] — retries CMD every 0.1 s until it succeeds;
# returns 1 if it never did.
wait_until() {
	_end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}

# ipvs_loaded — true when the ip_vs module is loaded.
ipvs_loaded() { grep -q '^ip_vs ' /proc/modules; }

# ipvs_unload — removes every ip_vs module (schedulers first).
ipvs_unload() {
	_n=0
	while ipvs_loaded && [ $_n -lt 5 ]; do
		for _m in $(awk '$1 ~ /^ip_vs/ { print $1 }' /proc/modules); do
			rmmod "$_m" 2>/dev/null
		done
		_n=$((_n + 1))
	done
	! grep -q '^ip_vs' /proc/modules
}

# vip_add ADDR... — binds addresses on a dummy kube-ipvs0 (created if absent),
# as kube-proxy does with service VIPs.
vip_add() {
	[ -e /sys/class/net/kube-ipvs0 ] || {
		ip link add kube-ipvs0 type dummy && ip link set kube-ipvs0 up
	} || return 1
	for _a in "$@"; do
		case $_a in
		*:*) ip addr add "$_a/128" dev kube-ipvs0 nodad || return 1 ;;
		*) ip addr add "$_a/32" dev kube-ipvs0 || return 1 ;;
		esac
	done
}

# --- pods: network namespaces behind a veth ----------------------------------
# pod_create NAME IP [IP6] — netns NAME (at most 12 characters) with eth0
# holding IP/32 (and IP6/128), default routes via the node end of the veth
# (169.254.1.1 and fe80::1, the same on every pod's veth), and a route to the
# pod on the node. Turns on IPv4/IPv6 forwarding in the node namespace.
pod_create() {
	_p=$1 _ip=$2 _ip6=${3:-}
	_vh=vh-$_p
	ip netns add "$_p" || return 1
	# One `ip -batch` per side: each ip start costs ~0.1 s under emulation.
	{
		echo "link add $_vh type veth peer name eth0 netns $_p"
		echo "link set $_vh addrgenmode none"
		echo "addr add 169.254.1.1/32 dev $_vh scope link"
		[ -n "$_ip6" ] && echo "addr add fe80::1/64 dev $_vh nodad"
		echo "link set $_vh up"
		echo "route add $_ip/32 dev $_vh"
		[ -n "$_ip6" ] && echo "route add $_ip6/128 dev $_vh"
	} | ip -batch - || return 1
	{
		echo "link set lo up"
		echo "link set eth0 up"
		echo "addr add $_ip/32 dev eth0"
		echo "route add 169.254.1.1 dev eth0 scope link"
		echo "route add default via 169.254.1.1 dev eth0"
		if [ -n "$_ip6" ]; then
			echo "addr add $_ip6/128 dev eth0 nodad"
			echo "route add ::/0 via fe80::1 dev eth0"
		fi
	} | ip -n "$_p" -batch - || return 1
	echo 1 >/proc/sys/net/ipv4/ip_forward
	[ -z "$_ip6" ] || echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
}

# pod_exec NAME CMD [ARG...] — runs CMD inside the pod.
pod_exec() {
	_p=$1
	shift
	ip netns exec "$_p" "$@"
}

# pod_http NAME [PORT] [TEXT] — busybox httpd in the pod on PORT (80) serving
# TEXT (default: the pod's name) plus a newline at /; returns once it listens.
pod_http() {
	_p=$1 _port=${2:-80} _text=${3:-$1}
	_dir=$VM_TMP/pods/$_p-$_port
	mkdir -p "$_dir"
	printf '%s\n' "$_text" >"$_dir/index.html"
	# exec, so that $! is httpd itself (a function call would fork a subshell)
	(exec /usr/bin/ip netns exec "$_p" busybox httpd -f -p "$_port" -h "$_dir") \
		</dev/null >/dev/null 2>&1 &
	wait_until 10 _vm_listening $! "$_port"
}

# _vm_listening PID PORT — PID (in whatever namespace) listens on TCP PORT.
_vm_listening() {
	_hex=$(printf ':%04X ' "$2")
	cat "/proc/$1/net/tcp" "/proc/$1/net/tcp6" 2>/dev/null |
		awk -v p="$_hex" 'index($2 " ", p) && $4 == "0A" { f = 1 } END { exit !f }'
}

# pod_delete NAME — kills what runs in the pod, removes its namespace.
pod_delete() {
	for _pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$_pid"; done
	ip netns del "$1"
}

# http_get HOST PORT [PATH] — prints the body of GET http://HOST:PORT/PATH
# (HOST may be IPv6, bare). Busybox nc: ~20x quicker to start than curl under
# emulation. Gives up after 5 s; exit status 1 when there was no answer.
http_get() {
	printf 'GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' "${3:-}" "$1" |
		timeout 5 nc -w 3 "$1" "$2" 2>/dev/null |
		awk 'b { print; next } /^\r?$/ { b = 1 } END { exit !b }'
}

# spread N HOST PORT [PATH] — N requests with http_get; prints "ANSWER COUNT"
# lines sorted by answer (no answer counts as "ERROR").
spread() {
	_n=$1
	shift
	_i=0
	while [ $_i -lt "$_n" ]; do
		http_get "$@" || echo ERROR
		_i=$((_i + 1))
	done | sort | uniq -c | awk '{ print $2, $1 }'
}
