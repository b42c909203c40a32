# The data path with real packets, IPv4 and IPv6 (issue #13, "How to show it
# works" 1-8): two nodes each running kipvs run against the fake apiserver,
# pods, an outside client behind a router (test/vm/files/datapath_lib.sh
# draws the topology; datapath.host.sh seeds the Services). Each backend
# answers with the address it saw, so every check says which address
# arrived:
#   1 client -> NodePort (ETP Cluster) -> backend on the other node: answered,
#     the backend saw node-a; with kipvs's nft tables removed it fails and the
#     reply is seen bypassing node-a; a full pass (SIGHUP) repairs it
#   2 ETP Local: the backend saw the client; node-b (no local endpoint) does
#     not answer; health-check node port 200 on node-a, 503 on node-b
#   3 hairpin: a pod reaches itself through its Service's VIP
#   4 node-a itself reaches a ClusterIP and a NodePort on its own address
#   5 loadBalancerSourceRanges: inside connects, outside dropped, the node
#     connects (when a range holds it; when none does it is refused, as
#     kube-proxy refuses it since #119656)
#   6 node-a's 2222 is not reachable on a ClusterIP (pod, outside, node);
#     port 80 of the same VIP is
#   7 --cluster-cidr: outside -> ClusterIP masqueraded, pod -> ClusterIP not;
#     --masquerade-all: pod traffic masqueraded too
#   8 a restart of kipvs during a long-lived masqueraded connection: it
#     survives and the restart wrote nothing to nftables (nft monitor)
# vm-net: apiserver
# vm-timeout: 300

. test/vm/files/daemon_lib.sh
. test/vm/files/datapath_lib.sh

# kipvs's tables, as `nft delete table` names them.
KIPVS_TABLES="ip kipvs
ip6 kipvs"
A_FLAGS="--hostname-override node-a --node-ip $A4 --node-ip $A6 --ipvs-sync-period 300s"
# Every pod address: 10.244.1.x / fd00:244:1::x on node-a, .2.x / :2:: on
# node-b (fd00:244::/48 would hold neither IPv6 pod).
CIDR_FLAGS="--cluster-cidr 10.244.0.0/16,fd00:244::/32"
NODE="$A_FLAGS"

trap 'for f in kipvs-a kipvs-b kipvs-a2 kipvs-a3; do [ -s "$VM_TMP/$f.log" ] && { echo "--- $f"; cat "$VM_TMP/$f.log"; }; done' EXIT
must topo_setup
must kipvs_b_start "$VM_TMP/kipvs-b.log" $CIDR_FLAGS
must start_kipvs "$VM_TMP/kipvs-a.log" $CIDR_FLAGS
A_PID=$KIPVS_PID

# Both nodes programmed every Service: NodePorts on their node IPs.
must ipvs_wait 30 "=TCP $(hexap $A4 30001) " "=TCP $(hexap 10.96.0.17 80) "
check node_b_programmed wait_until 30 sh -c "/usr/bin/ip netns exec $NS_B ipvsadm -Ln | grep -q '$B4:30002'"

bypass_b=$(bypass_count b)
for f in 4 6; do
	eval "a=\$A$f b=\$B$f c=\$C$f cx=\$C${f}X"
	if [ $f = 4 ]; then vip() { echo "10.96.0.$1"; }; lb=203.0.113.5 lb8=203.0.113.8; else vip() { echo "fd00:10:96::$1"; }; lb=fd00:113::5 lb8=fd00:113::8; fi
	A=$(canon $a) C=$(canon $c)

	# 1: outside -> NodePort (ETP Cluster) -> node-b's pod, masqueraded to node-a.
	check_eq v$f.1_nodeport_remote_sees_node_a "$A" "$(ask $NS_CLIENT $a 30001)"

	# 2: ETP Local keeps the client's address; node-b has no local endpoint.
	check_eq v$f.2_local_sees_client "$C" "$(ask $NS_CLIENT $a 30002)"
	# node-b sends it to node-a's pod unmasqueraded (kube-proxy's IPVS mode
	# falls back to the cluster's endpoints, #97081): the reply leaves
	# node-a straight to the client, which drops it.
	from_a=$(bypass_count a)
	check_eq v$f.2_no_local_endpoint_no_answer FAIL "$(ask_fail $NS_CLIENT $b 30002)"
	check_sh v$f.2_no_local_endpoint_reply_bypassed_node_b "[ $(bypass_count a) -gt $from_a ]"
	check_eq v$f.2_hc_node_a_200 200 "$(hc_status $NS_CLIENT $a 32001)"
	check_eq v$f.2_hc_node_b_503 503 "$(hc_status $NS_CLIENT $b 32001)"

	# 3: hairpin.
	P2=$(canon $([ $f = 4 ] && echo 10.244.1.2 || echo fd00:244:1::2))
	got=$(ask poda2 $(vip 13) 80)
	check_sh v$f.3_hairpin_answered "[ '$got' != FAIL ]"
	diag "hairpin: poda2 ($P2) reached itself through $(vip 13), seen from $got"

	# 4: node-a itself -> ClusterIP (backend on node-b) and its own NodePort.
	check_eq v$f.4_node_to_clusterip_sees_node_a "$A" "$(ask "" $(vip 11) 80)"
	check_eq v$f.4_node_to_own_nodeport_sees_node_a "$A" "$(ask "" $a 30001)"

	# 5: loadBalancerSourceRanges: the client's first address and the
	# nodes' network; then the client's first address only. The Services
	# are ETP Cluster: kube-proxy masquerades LB traffic then
	# (KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ), so the pod sees a node-a
	# address, not the client's.
	got=$(ask $NS_CLIENT $lb 80 $c)
	check_sh v$f.5_source_in_range_connects "[ '$got' != FAIL ]"
	check_sh v$f.5_source_in_range_masqueraded "[ '$got' != '$C' ]"
	check_eq v$f.5_source_out_of_range_dropped FAIL "$(ask_fail $NS_CLIENT $lb 80 $cx)"
	got=$(ask "" $lb 80)
	check_sh v$f.5_node_in_range_connects "[ '$got' != FAIL ]"
	got=$(ask $NS_CLIENT $lb8 80 $c)
	check_sh v$f.5_nonode_source_in_range_connects "[ '$got' != FAIL ]"
	check_sh v$f.5_nonode_source_in_range_masqueraded "[ '$got' != '$C' ]"
	check_eq v$f.5_nonode_node_refused FAIL "$(ask_fail "" $lb8 80)"

	# 6: the host's 2222 is there (on the node IP) but not behind any VIP.
	check_eq v$f.6_host_service_on_node_ip "node-2222 $C" "$(ask $NS_CLIENT $a 2222)"
	check_eq v$f.6_vip_2222_from_pod FAIL "$(ask_fail poda2 $(vip 16) 2222)"
	check_eq v$f.6_vip_2222_from_outside FAIL "$(ask_fail $NS_CLIENT $(vip 16) 2222)"
	check_eq v$f.6_vip_2222_from_node FAIL "$(ask_fail "" $(vip 16) 2222)"
	check_eq v$f.6_vip_80_from_pod "$P2" "$(ask poda2 $(vip 16) 80)"
	check_sh v$f.6_vip_80_from_outside "[ '$(ask $NS_CLIENT $(vip 16) 80)' != FAIL ]"
	check_sh v$f.6_vip_80_from_node "[ '$(ask "" $(vip 16) 80)' != FAIL ]"

	# 7: --cluster-cidr: from outside the cluster CIDR masqueraded, pods not.
	check_eq v$f.7_outside_to_clusterip_masqueraded "$A" "$(ask $NS_CLIENT $(vip 17) 80)"
	check_eq v$f.7_pod_to_clusterip_not_masqueraded "$P2" "$(ask poda2 $(vip 17) 80)"
done
# No reply of node-b's pod bypassed node-a where node-a masqueraded.
check_eq no_reply_bypassed_node_a "$bypass_b" "$(bypass_count b)"

# --- 1 without the rules: kipvs's tables removed, the same request fails ------------
echo "$KIPVS_TABLES" | while read -r t; do nft delete table $t; done
check_sh tables_removed '! nft list tables | grep -q kipvs'
bypass_b=$(bypass_count b)
check_eq v4.1_without_nft_fails FAIL "$(ask_fail $NS_CLIENT $A4 30001)"
check_eq v6.1_without_nft_fails FAIL "$(ask_fail $NS_CLIENT $A6 30001)"
# Why: node-b's pod answered the client directly, past node-a.
check_sh without_nft_reply_bypassed_node_a "[ $(bypass_count b) -gt $bypass_b ]"
diag "router: $(($(bypass_count b) - bypass_b)) packets from node-b's pod to the client while the tables were gone"
kill -HUP $A_PID # a full pass repairs the drift
check tables_repaired wait_until 20 sh -c "nft list tables | grep -q 'ip kipvs'"
check_eq v4.1_repaired "$(canon $A4)" "$(ask $NS_CLIENT $A4 30001)"
check_eq v6.1_repaired "$(canon $A6)" "$(ask $NS_CLIENT $A6 30001)"

# --- 8: a restart during long-lived masqueraded connections ---------------------------
for f in 4 6; do
	eval "a=\$A$f"
	case $a in *:*) to="TCP6:[$a]:30001" ;; *) to="TCP4:$a:30001" ;; esac
	mkfifo "$VM_TMP/held$f.in"
	(exec /usr/bin/ip netns exec $NS_CLIENT socat -T 60 STDIO "$to" <"$VM_TMP/held$f.in" \
		>"$VM_TMP/held$f.out" 2>&1) &
	eval "exec $((f - 1))>\"\$VM_TMP/held$f.in\"" # fd 3 (IPv4), 5 (IPv6) keep it open
	wait_until 10 test -s "$VM_TMP/held$f.out"
	check_eq v$f.8_held_connection_masqueraded "$(canon $a)" "$(head -n 1 "$VM_TMP/held$f.out")"
done
for t in $(echo "$KIPVS_TABLES" | awk '{ print $1 }' | sort -u); do
	nft -a list table $t kipvs >"$VM_TMP/before.$t" 2>&1
done
nft monitor ruleset >"$VM_TMP/monitor" 2>&1 &
monitor=$!
must stop_kipvs
must start_kipvs "$VM_TMP/kipvs-a2.log" $CIDR_FLAGS
A_PID=$KIPVS_PID
check restart_full_pass_done wait_until 20 grep -q 'event=sync kind=full' "$VM_TMP/kipvs-a2.log"
sleep 1
kill $monitor
check_eq restart_wrote_nothing_to_nft "" "$(cat "$VM_TMP/monitor")"
for t in $(echo "$KIPVS_TABLES" | awk '{ print $1 }' | sort -u); do
	check_same restart_same_$t "cat $VM_TMP/before.$t" "nft -a list table $t kipvs"
done
echo ping4 >&3
echo ping6 >&5
check v4.8_held_connection_survived wait_until 10 grep -q '^ping4$' "$VM_TMP/held4.out"
check v6.8_held_connection_survived wait_until 10 grep -q '^ping6$' "$VM_TMP/held6.out"
exec 3>&- 5>&-

# --- 7 again with --masquerade-all: pod traffic masqueraded too -------------------------
must stop_kipvs
must start_kipvs "$VM_TMP/kipvs-a3.log" --masquerade-all
A_PID=$KIPVS_PID
for f in 4 6; do
	eval "a=\$A$f"
	vip=$([ $f = 4 ] && echo 10.96.0.17 || echo fd00:10:96::17)
	check_eq v$f.7_masquerade_all_pod_masqueraded "$(canon $a)" "$(ask poda2 $vip 80)"
	check_eq v$f.7_masquerade_all_outside_masqueraded "$(canon $a)" "$(ask $NS_CLIENT $vip 80)"
done

must stop_kipvs
kill $B_PID
wait $B_PID
trap - EXIT
