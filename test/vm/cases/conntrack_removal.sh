# The endpoint a UDP flow is pinned to leaves (issue #14): a client sends one
# datagram every 100 ms from a fixed port to a Service with two endpoints
# that answer with their name; the one that has been answering is removed
# through the API: within one second answers come from the other one, and
# none from the removed one after that second, every time: ten rounds for a
# ClusterIP over IPv4 (the issue's ten), four each for a NodePort reached from
# an outside host and a ClusterIP over IPv6. (On this kernel IPVS's expire_nodest_conn also
# drops the flow's IPVS and conntrack entries once the destination is gone:
# conntrack_nocleanup measures the same rounds without kipvs's clean-up.)
# vm-net: apiserver
# vm-timeout: 300

. test/vm/files/daemon_lib.sh
. test/vm/files/flow_lib.sh
. test/vm/files/conntrack_lib.sh

must ct_node
trap 'echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log; for f in "$VM_TMP"/*.out; do echo "--- $f"; flow_summary "$f"; done' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --node-ip 172.18.0.2 --node-ip fd00:18::2
check_eq expire_nodest_conn 1 "$(cat /proc/sys/net/ipv4/vs/expire_nodest_conn)"
must svc r4 10.96.46.1 UDP
must slice r4 UDP IPv4 10.244.2.1 10.244.2.2
must svc rn 10.96.46.2 UDP 30056
must slice rn UDP IPv4 10.244.2.1 10.244.2.2
must svc r6 fd00:10:96::46 UDP "" IPv6
must slice r6 UDP IPv6 fd00:244::2:1 fd00:244::2:2
flow r4 cli 10.96.46.1 53 40041 udp 400
flow rn out 172.18.0.2 30056 40042 udp 400
flow r6 cli fd00:10:96::46 53 40043 udp 400
for f in r4 rn r6; do must wait_until 10 answered_since "$VM_TMP/$f.out" 0; done

removal_rounds clusterip r4 r4 10
check_eq clusterip_10_rounds 10 "$ROUNDS_OK"
removal_rounds nodeport rn rn 4
check_eq nodeport_4_rounds 4 "$ROUNDS_OK"
removal_rounds ipv6 r6 r6 4 6
check_eq ipv6_4_rounds 4 "$ROUNDS_OK"
check_sh cleanup_ran '[ "$(metric "kipvs_conntrack_cleanup_total{result=\"ok\"}")" -ge 18 ]'
diag "entries the clean-up deleted itself: $(metric kipvs_conntrack_entries_deleted_total) (the rest the kernel's expire_nodest_conn had already dropped)"
must stop_kipvs
