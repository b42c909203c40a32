# The same runs as conntrack_udp and conntrack_removal with the clean-up
# turned off (kipvs-testtool run --no-conntrack-cleanup, test-only): proof
# that those cases need the feature. A client that sent to a UDP ClusterIP
# (v4 and v6) or a NodePort (from an outside host) before it had endpoints
# stays black-holed after one appears (no answer within 3 s, the stale entry
# is still there); conntrack_udp shows answers within 1 s with the clean-up.
# Also measured, not asserted (the kernel's own timing): three removal
# rounds as in conntrack_removal, where IPVS's expire_nodest_conn alone
# moves the flow. Last, a kernel without nf_conntrack_netlink: one warning,
# the metrics say so, IPVS is programmed as always.
# vm-net: apiserver
# vm-timeout: 240

. test/vm/files/daemon_lib.sh
. test/vm/files/flow_lib.sh
. test/vm/files/conntrack_lib.sh

must ct_node
trap 'echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log; for f in "$VM_TMP"/*.out; do echo "--- $f"; flow_summary "$f"; done' EXIT
KIPVS_BIN=$T
must start_kipvs "$VM_TMP/kipvs.log" --no-conntrack-cleanup --node-ip 172.18.0.2 --node-ip fd00:18::2
check cleanup_off_logged grep -q "event=conntrack_cleanup_off reason=test-tuning" "$VM_TMP/kipvs.log"

# --- 0 -> N without the clean-up: black-holed ----------------------------------------
zero_to_n_flows
must wait_until 10 stale 10.96.45.1
must wait_until 10 stale fd00:10:96::45 ipv6
must wait_until 10 stale 172.18.0.2
must zero_to_n_endpoints
must ipvs_wait 20 "=UDP $(hexap 10.96.45.1 53) -> $(hexap 10.244.2.1 53) "
_now
while [ $((NOW / 1000)) -lt $((AN + 3000)) ]; do
	read -t 0.1 -u 9 _x
	_now
done
check_eq v4_no_answer_in_3s 0 "$(answers "$VM_TMP/v4.out" "$A4")"
check_eq v6_no_answer_in_3s 0 "$(answers "$VM_TMP/v6.out" "$A6")"
check_eq nodeport_no_answer_in_3s 0 "$(answers "$VM_TMP/np.out" "$AN")"
check v4_stale_entry_kept stale 10.96.45.1
check v6_stale_entry_kept stale fd00:10:96::45 ipv6
check nodeport_stale_entry_kept stale 172.18.0.2
check_eq no_conntrack_target "" "$(grep "event=conntrack_" "$VM_TMP/kipvs.log" | grep -v conntrack_cleanup_off)"

# --- removal without the clean-up: measured ------------------------------------------
must svc r4 10.96.46.1 UDP
must slice r4 UDP IPv4 10.244.2.1 10.244.2.2
flow r4 cli 10.96.46.1 53 40041 udp 60
must wait_until 10 answered_since "$VM_TMP/r4.out" 0
removal_rounds no_cleanup r4 r4 3
diag "removal rounds that held without the clean-up: $ROUNDS_OK of 3 (expire_nodest_conn alone)"
must stop_kipvs

# --- a kernel without nf_conntrack_netlink: said once, counted, IPVS as always --------
# The module is made unloadable (the kernel's module loader is /bin/false for
# the moment), as on a kernel built without it.
rmmod nf_conntrack_netlink 2>/dev/null
must sh -c '! grep -q "^nf_conntrack_netlink " /proc/modules'
mp=$(cat /proc/sys/kernel/modprobe)
trap 'echo "$mp" >/proc/sys/kernel/modprobe; echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log' EXIT
must sh -c 'echo /bin/false >/proc/sys/kernel/modprobe'
KIPVS_BIN=
must start_kipvs "$VM_TMP/kipvs-noctnl.log" --node-ip 172.18.0.2 --node-ip fd00:18::2
must slice_set r4 10.244.2.2
check no_ctnetlink_ipvs_programmed ipvs_wait 20 "-UDP $(hexap 10.96.46.1 53) -> $(hexap 10.244.2.1 53) " \
	"=UDP $(hexap 10.96.46.1 53) -> $(hexap 10.244.2.2 53) "
unavailable_counted() { [ "$(metric 'kipvs_conntrack_cleanup_total{result="unavailable"}')" -ge 1 ] 2>/dev/null; }
check no_ctnetlink_metric_unavailable wait_until 10 unavailable_counted
check_eq no_ctnetlink_available 0 "$(metric kipvs_conntrack_cleanup_available)"
check_eq no_ctnetlink_said_once 1 "$(grep -c "event=conntrack_cleanup_unavailable" "$VM_TMP/kipvs-noctnl.log")"
must stop_kipvs
echo "$mp" >/proc/sys/kernel/modprobe
