# Helpers for the conntrack_* VM cases and the conntrack benchmark (POSIX sh,
# busybox), sourced after daemon_lib.sh and flow_lib.sh.
#
# ct_node [NO_PODS]  the node as the cases need it: conntrack on (a ct rule in
#   nftables, as any node's firewall or CNI has), the uplink eth9 (172.18.0.2,
#   fd00:18::2) with the routes that send service addresses nothing claims
#   out of it (what a node's default route does), NAT in use (the CNI's
#   masquerade of what leaves the cluster, never the service range: entries
#   then carry NAT state, and the reply of a flow IPVS takes over clashes with
#   the flow's stale entry and is dropped — the black hole), pods cli, pod1 and pod2
#   (v4 and v6) with UDP echo servers on port 53 answering their name, and an
#   outside host `out` (192.168.77.2, fd00:77::2) behind a veth.
# svc NAME IP PROTO [NODEPORT [FAMILY]]   a Service, port 53 (targetPort 53)
# slice NAME PROTO FAMILY IP...           its EndpointSlice (ready endpoints);
#                                         AT_MS as api_at
# slice_set NAME IP...                    the slice's endpoints replaced; AT_MS
# flow NAME NS DST PORT SRCPORT [PROTO [SECONDS]]
#                                         a flow-client in the background, its
#                                         lines in $VM_TMP/NAME.out
# zero_to_n_flows                         the 0 -> N runs' flows, started
#                                         before their Services exist: v4 and
#                                         v6 from cli to 10.96.45.1:53 and
#                                         [fd00:10:96::45]:53, np from out to
#                                         the NodePort 172.18.0.2:30055
# zero_to_n_endpoints                     their Services, a second later one
#                                         endpoint each (pod1) through the
#                                         API; A4, A6, AN = when (ms)
# stale VIP [FAMILY]                      there is an entry to VIP that no
#                                         backend answered (reply source VIP)
# api_at METHOD PATH BODY [CT]            an API write; AT_MS = when the
#                                         answer's status line arrived (ms)
# first_answer FILE AFTER_MS [FROM]       epoch ms of the first answer after
#                                         AFTER_MS (from FROM); empty if none
# answers FILE AFTER_MS [FROM]            how many answers after AFTER_MS
# backend FILE                            who answered last
# pod_ip POD [6]                          pod1/pod2's address

T=./kipvs-testtool
SVC=/api/v1/namespaces/default/services
SL=/apis/discovery.k8s.io/v1/namespaces/default/endpointslices
MP=application/merge-patch+json

ct_node() {
	cat >"$VM_TMP/ct.nft" <<'EOF'
table inet node {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		ct state invalid counter
	}
	chain out {
		type filter hook output priority 0; policy accept;
		ct state invalid counter
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth9" meta nfproto ipv4 ip daddr != 10.96.0.0/16 masquerade
		oifname "eth9" meta nfproto ipv6 ip6 daddr != fd00:10:96::/112 masquerade
	}
}
EOF
	nft -f "$VM_TMP/ct.nft" || return 1
	{
		echo "link add eth9 type dummy"
		echo "addr add 172.18.0.2/24 dev eth9"
		echo "addr add fd00:18::2/64 dev eth9 nodad"
		echo "link set eth9 up"
		echo "route add 10.96.0.0/16 via 172.18.0.1 dev eth9"
		echo "route add fd00:10:96::/112 via fd00:18::1 dev eth9"
	} | ip -batch - || return 1
	[ -n "${1:-}" ] && return 0
	pod_create cli 10.244.9.1 fd00:244::9:1 || return 1
	pod_create pod1 10.244.2.1 fd00:244::2:1 || return 1
	pod_create pod2 10.244.2.2 fd00:244::2:2 || return 1
	ip netns add out || return 1
	{
		echo "link add vh-out type veth peer name eth0 netns out"
		echo "addr add 192.168.77.1/24 dev vh-out"
		echo "addr add fd00:77::1/64 dev vh-out nodad"
		echo "link set vh-out up"
	} | ip -batch - || return 1
	{
		echo "link set lo up"
		echo "addr add 192.168.77.2/24 dev eth0"
		echo "addr add fd00:77::2/64 dev eth0 nodad"
		echo "link set eth0 up"
		echo "route add default via 192.168.77.1"
		echo "route add ::/0 via fd00:77::1"
	} | ip -n out -batch - || return 1
	for _p in pod1 pod2; do
		(exec /usr/bin/ip netns exec $_p $T flow-echo $_p 53 udp >"$VM_TMP/$_p.echo" 2>&1) &
	done
	wait_until 10 grep -q listening "$VM_TMP/pod1.echo" &&
		wait_until 10 grep -q listening "$VM_TMP/pod2.echo"
}

pod_ip() {
	case $1$2 in
	pod1) echo 10.244.2.1 ;;
	pod2) echo 10.244.2.2 ;;
	pod16) echo fd00:244::2:1 ;;
	pod26) echo fd00:244::2:2 ;;
	esac
}

_eps() {
	_s=
	for _ip in "$@"; do
		_s="$_s${_s:+,}{\"addresses\":[\"$_ip\"],\"conditions\":{\"ready\":true}}"
	done
	printf '[%s]' "$_s"
}

svc() {
	_np= _t=ClusterIP
	[ -n "${4:-}" ] && { _t=NodePort; _np=",\"nodePort\":$4"; }
	_fam=${5:-IPv4}
	api POST $SVC "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"default\"},\"spec\":{\"type\":\"$_t\",\"clusterIP\":\"$2\",\"clusterIPs\":[\"$2\"],\"ipFamilies\":[\"$_fam\"],\"ports\":[{\"name\":\"d\",\"protocol\":\"$3\",\"port\":53,\"targetPort\":53$_np}]}}" >/dev/null
}

slice() {
	_n=$1 _pr=$2 _fam=$3
	shift 3
	api_at POST $SL "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"$_n-a\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"$_n\"}},\"addressType\":\"$_fam\",\"ports\":[{\"name\":\"d\",\"protocol\":\"$_pr\",\"port\":53}],\"endpoints\":$(_eps "$@")}"
}

slice_set() {
	_n=$1
	shift
	api_at PATCH "$SL/$_n-a" "{\"endpoints\":$(_eps "$@")}" $MP
}

flow() {
	(exec /usr/bin/ip netns exec "$2" $T flow-client "$3" "$4" "$5" "${6:-udp}" 100 "${7:-120}" \
		>"$VM_TMP/$1.out" 2>&1) &
}

zero_to_n_flows() {
	flow v4 cli 10.96.45.1 53 40031
	flow v6 cli fd00:10:96::45 53 40032
	flow np out 172.18.0.2 30055 40033
}

zero_to_n_endpoints() {
	svc a 10.96.45.1 UDP || return 1
	svc b fd00:10:96::45 UDP "" IPv6 || return 1
	svc c 10.96.45.3 UDP 30055 || return 1
	sleep 1
	slice a UDP IPv4 10.244.2.1 || return 1
	A4=$AT_MS
	slice b UDP IPv6 fd00:244::2:1 || return 1
	A6=$AT_MS
	slice c UDP IPv4 10.244.2.1 || return 1
	AN=$AT_MS
}

stale() {
	conntrack -L ${2:+-f $2} -p udp --orig-dst "$1" 2>/dev/null | grep -q "src=$1 "
}

api_at() {
	_api_start "$@"
	AT_MS=$((API_AT / 1000))
	_api_finish >/dev/null
}

first_answer() {
	awk -v t="$2" -v f="${3:-}" '$1 == "R" && $2 > t && (f == "" || $4 == f) { print $2; exit }' "$1"
}

answers() {
	awk -v t="$2" -v f="${3:-}" '$1 == "R" && $2 > t && (f == "" || $4 == f) { n++ } END { print n + 0 }' "$1"
}

backend() {
	awk '$1 == "R" { n = $4 } END { print n }' "$1"
}

# answers_since FILE AFTER_MS: there is an answer after AFTER_MS (for wait_until).
answered_since() {
	[ -n "$(first_answer "$1" "$2" "${3:-}")" ]
}

# removal_rounds WHAT FLOW SLICE N [6]: N times, the endpoint that answers
# FLOW now is removed from SLICE through the API; the round holds when the
# other one answers within 1 s of the API's answer and the removed one never
# after that second (watched for another second). Then it comes back (the
# flow stays where it is, so the next round removes the other one). One diag
# line per round (switch time, datagrams lost); ROUNDS_OK = rounds that held.
removal_rounds() {
	_rr_what=$1 _rr_f=$VM_TMP/$2.out _rr_sl=$3 _rr_n=$4 _rr_fam=${5:-}
	ROUNDS_OK=0
	_rr_i=0
	while [ $_rr_i -lt "$_rr_n" ]; do
		_rr_i=$((_rr_i + 1))
		_now
		wait_until 5 answered_since "$_rr_f" $((NOW / 1000 - 300))
		_rr_b=$(backend "$_rr_f")
		_rr_o=pod1
		[ "$_rr_b" = pod1 ] && _rr_o=pod2
		slice_set "$_rr_sl" "$(pod_ip $_rr_o $_rr_fam)" || return 1
		_rr_at=$AT_MS
		wait_until 3 answered_since "$_rr_f" "$_rr_at" "$_rr_o"
		_rr_sw=$(first_answer "$_rr_f" "$_rr_at" "$_rr_o")
		_now
		while [ $((NOW / 1000)) -lt $((_rr_at + 2000)) ]; do
			read -t 0.05 -u 9 _x
			_now
		done
		_rr_late=$(answers "$_rr_f" $((_rr_at + 1000)) "$_rr_b")
		_rr_lost=$(awk -v a="$_rr_at" -v b=$((_rr_at + 1000)) '$1 == "S" && $2 >= a && $2 < b { s[$3] = 1 }
			$1 == "R" { r[$3] = 1 } END { for (k in s) if (!(k in r)) n++; print n + 0 }' "$_rr_f")
		if [ -n "$_rr_sw" ] && [ $((_rr_sw - _rr_at)) -le 1000 ] && [ "$_rr_late" = 0 ]; then
			ROUNDS_OK=$((ROUNDS_OK + 1))
			_rr_res=ok
		else
			_rr_res=FAILED
		fi
		diag "$_rr_what round $_rr_i: removed $_rr_b, $_rr_o answered after $((${_rr_sw:-999999999999} - _rr_at)) ms, $_rr_late answers from $_rr_b after 1 s, $_rr_lost of the datagrams sent in that second lost: $_rr_res"
		slice_set "$_rr_sl" "$(pod_ip pod1 $_rr_fam)" "$(pod_ip pod2 $_rr_fam)" || return 1
		sleep 1
	done
}
