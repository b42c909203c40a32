# Stale UDP conntrack entries are deleted (issue #14), with real datagrams:
# a client sending one datagram every 100 ms from a fixed port to a service
# address before kipvs programmed it (its datagrams went out of the node's
# uplink, or to the node's closed port, and left an entry) keeps that entry
# alive for ever; with NAT in use on the node (conntrack_lib's ct_node), the
# replies of the flow IPVS then takes over clash with it and are dropped.
# Once the Service exists and an endpoint appears through the API, answers
# must start within one second — for a ClusterIP over IPv4 and IPv6, and for
# a NodePort reached from an outside host (conntrack_nocleanup: without the
# clean-up none of the three gets an answer).
# A TCP connection to an endpoint that leaves is not cut; SCTP, measured,
# recovers on its own and is never touched. kipvs diff lists the deletions
# a sync would make; --log-level debug logs each deletion; the metrics count.
# vm-net: apiserver
# vm-timeout: 300

. test/vm/files/daemon_lib.sh
. test/vm/files/flow_lib.sh
. test/vm/files/conntrack_lib.sh

must ct_node
trap 'echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log; for f in "$VM_TMP"/*.out; do echo "--- $f"; flow_summary "$f"; done' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --log-level debug --node-ip 172.18.0.2 --node-ip fd00:18::2

# --- 0 -> N, stale entries from before the Service was programmed ---------------
zero_to_n_flows
check v4_stale_entry wait_until 10 stale 10.96.45.1
check v6_stale_entry wait_until 10 stale fd00:10:96::45 ipv6
check nodeport_stale_entry wait_until 10 stale 172.18.0.2
must zero_to_n_endpoints
within_1s() { # FILE AFTER_MS NAME
	wait_until 5 answered_since "$1" "$2"
	_f=$(first_answer "$1" "$2")
	diag "$3: first answer $((${_f:-999999999999} - $2)) ms after the endpoint was written"
	[ -n "$_f" ] && [ $((_f - $2)) -le 1000 ]
}
check v4_answers_within_1s within_1s "$VM_TMP/v4.out" "$A4" v4
check v6_answers_within_1s within_1s "$VM_TMP/v6.out" "$A6" v6
check nodeport_answers_within_1s within_1s "$VM_TMP/np.out" "$AN" nodeport
check_sh v4_stale_entry_deleted '! stale 10.96.45.1'
check_sh v6_stale_entry_deleted '! stale fd00:10:96::45 ipv6'
check_sh nodeport_stale_entry_deleted '! stale 172.18.0.2'
check_sh deletions_logged_at_debug 'grep "event=conntrack_deleted why=newly_active" "$VM_TMP/kipvs.log" | grep -q "orig=10.244.9.1:40031->10.96.45.1:53"'
check_sh cleanup_logged 'grep -q "event=conntrack_cleanup targets=1 dumps=1 deleted=1 " "$VM_TMP/kipvs.log"'

# --- TCP: a connection to an endpoint that leaves is not cut ------------------------
cat >"$VM_TMP/echo.sh" <<'EOF'
#!/bin/sh
while read -r l; do echo "$POD $l"; done
EOF
chmod +x "$VM_TMP/echo.sh"
for p in pod1 pod2; do
	(exec /usr/bin/ip netns exec $p env POD=$p nc -l -p 9000 -e "$VM_TMP/echo.sh") </dev/null >/dev/null 2>&1 &
done
must api POST $SVC '{"apiVersion":"v1","kind":"Service","metadata":{"name":"mixed","namespace":"default"},"spec":{"clusterIP":"10.96.47.1","clusterIPs":["10.96.47.1"],"ports":[{"name":"t","protocol":"TCP","port":9000,"targetPort":9000},{"name":"d","protocol":"UDP","port":53,"targetPort":53}]}}'
must api POST $SL "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"mixed-a\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"mixed\"}},\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"t\",\"protocol\":\"TCP\",\"port\":9000},{\"name\":\"d\",\"protocol\":\"UDP\",\"port\":53}],\"endpoints\":$(_eps 10.244.2.1 10.244.2.2)}"
must ipvs_wait 20 "+TCP $(hexap 10.96.47.1 9000) -> $(hexap 10.244.2.1 9000) Masq 1" \
	"+TCP $(hexap 10.96.47.1 9000) -> $(hexap 10.244.2.2 9000) Masq 1"
mkfifo "$VM_TMP/tcp.in"
(exec /usr/bin/ip netns exec cli nc 10.96.47.1 9000 <"$VM_TMP/tcp.in" >"$VM_TMP/tcp.txt" 2>&1) &
exec 4>"$VM_TMP/tcp.in"
say() { echo "$1" >&4; wait_until 5 grep -q " $1\$" "$VM_TMP/tcp.txt"; }
check tcp_hello say hello
busy=$(awk '{ print $1; exit }' "$VM_TMP/tcp.txt")
other=pod1
[ "$busy" = pod1 ] && other=pod2
flow mixed cli 10.96.47.1 53 40034
wait_until 5 answered_since "$VM_TMP/mixed.out" 0
must api PATCH $SL/mixed-a "{\"endpoints\":$(_eps "$(pod_ip $other)")}" $MP
must ipvs_wait 20 "+TCP $(hexap 10.96.47.1 9000) -> $(hexap "$(pod_ip "$busy")" 9000) Masq 0" \
	"-UDP $(hexap 10.96.47.1 53) -> $(hexap "$(pod_ip "$busy")" 53) "
sleep 1
check tcp_connection_carries_on say again
check_sh tcp_entry_kept 'conntrack -L -p tcp --orig-dst 10.96.47.1 2>/dev/null | grep -q "dport=9000 .*src=$(pod_ip "$busy") "'
check_sh udp_target_for_the_same_endpoint 'grep -q "event=conntrack_target why=dest_gone vs=udp/10.96.47.1:53 rs=$(pod_ip "$busy"):53" "$VM_TMP/kipvs.log"'
check_sh no_tcp_target '! grep "event=conntrack_target" "$VM_TMP/kipvs.log" | grep -q "vs=tcp"'
exec 4>&-

# --- SCTP: measured to recover by itself (a new INIT replaces the entry) ----------
modprobe sctp 2>/dev/null
(exec /usr/bin/ip netns exec pod1 $T flow-echo pod1 53 sctp >"$VM_TMP/pod1.secho" 2>&1) &
wait_until 10 grep -q listening "$VM_TMP/pod1.secho"
for k in rto_min rto_initial; do echo 100 >/proc/sys/net/sctp/$k 2>/dev/null; ip netns exec cli sh -c "echo 100 >/proc/sys/net/sctp/$k" 2>/dev/null; done
ip netns exec cli sh -c 'echo 300 >/proc/sys/net/sctp/rto_max; echo 50 >/proc/sys/net/sctp/max_init_retransmits' 2>/dev/null
flow sctp cli 10.96.48.1 53 40035 sctp
check sctp_stale_entry wait_until 10 sh -c 'conntrack -L -p sctp --orig-dst 10.96.48.1 2>/dev/null | grep -q src=10.96.48.1'
must svc s 10.96.48.1 SCTP
must slice s SCTP IPv4 10.244.2.1
AS=$AT_MS
wait_until 5 answered_since "$VM_TMP/sctp.out" "$AS"
_f=$(first_answer "$VM_TMP/sctp.out" "$AS")
diag "sctp: first answer $((${_f:-999999999999} - AS)) ms after the endpoint was written, no clean-up"
check sctp_answers_without_cleanup test -n "$_f"
check_sh no_sctp_target '! grep "event=conntrack_target" "$VM_TMP/kipvs.log" | grep -q "vs=sctp"'

# --- metrics --------------------------------------------------------------------------
check_eq metric_available 1 "$(metric kipvs_conntrack_cleanup_available)"
check_sh metric_ok 'test "$(metric "kipvs_conntrack_cleanup_total{result=\"ok\"}")" -ge 4'
check_sh metric_deleted 'test "$(metric kipvs_conntrack_entries_deleted_total)" -ge 3'
check_eq metric_no_error "" "$(metric 'kipvs_conntrack_cleanup_total{result="error"}' | grep -v '^0$')"

# --- kipvs diff: the deletions a sync would make ----------------------------------------
must stop_kipvs
must api PATCH $SL/a-a "{\"endpoints\":$(_eps 10.244.2.2)}" $MP
must svc d 10.96.45.9 UDP
must slice d UDP IPv4 10.244.2.2
./kipvs diff --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE --node-ip 172.18.0.2 --node-ip fd00:18::2 >"$VM_TMP/diff" 2>&1
check_eq diff_exit_status 1 $?
check_sh diff_lists_ipvs_change 'grep -qx "ipvsadm -d -u 10.96.45.1:53 -r 10.244.2.1:53" "$VM_TMP/diff"'
check_sh diff_lists_conntrack_deletion 'grep -qx "conntrack -D -p udp --orig-dst 10.96.45.1 --orig-port-dst 53 --reply-src 10.244.2.1 --reply-port-src 53  # dest_gone" "$VM_TMP/diff"'
check_sh diff_lists_newly_active 'grep -qx "conntrack -D -p udp --orig-dst 10.96.45.9 --orig-port-dst 53  # newly_active, not replies from 10.244.2.2:53" "$VM_TMP/diff"'
_vm_diag_file "$VM_TMP/diff"
