# Ownership, drift repair, `kipvs diff` and `kipvs cleanup` on the fixture
# cluster. Virtual servers made with ipvsadm that kipvs does not own (an
# unrelated address, a service-CIDR-like address not bound on kube-ipvs0, a
# node address with a port outside the NodePort range) survive every full
# sync and both cleanups. Tampering with what kipvs owns (ipvsadm -d, -D, -e,
# ip addr del of a VIP) is repaired by the next full sync; with the daemon
# stopped `kipvs diff` prints exactly the commands that repair it (exit 1),
# and running them makes it exit 0. Cleanup removes kipvs's virtual servers
# and kube-ipvs0; a second one has nothing to do. Node addresses follow
# rtnetlink: an address added to a node interface gets the NodePorts at once
# (not at the next full sync), and loses them when it goes.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh
F=test/fixtures/k8s

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

# Foreign virtual servers, there before kipvs starts.
must ipvsadm -A -t 203.0.113.5:80 -s wlc
must ipvsadm -a -t 203.0.113.5:80 -r 203.0.113.6:80 -m -w 3
must ipvsadm -A -t 10.96.99.99:80 -s rr
must ipvsadm -a -t 10.96.99.99:80 -r 10.244.9.9:80 -m
must ipvsadm -A -u 10.96.99.99:53 -s rr
must ipvsadm -A -t 172.18.0.2:8080 -s sh
ipvsadm -S -n | sort >"$VM_TMP/foreign"
foreign_only() { ipvsadm -S -n | grep -E -- ' (203\.0\.113\.5|10\.96\.99\.99|172\.18\.0\.2):(80|53|8080) ' | sort; }

./kipvs render -f $F/services.json -f $F/endpointslices.json $NODE >"$VM_TMP/render"
sort "$VM_TMP/render" "$VM_TMP/foreign" >"$VM_TMP/want"
n_owned=$(grep -c '^-A' "$VM_TMP/render")

trap 'echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log' EXIT
must start_kipvs "$VM_TMP/kipvs1.log" --ipvs-sync-period 2s
check_same synced_plus_foreign "cat $VM_TMP/want" "ipvsadm -S -n | sort"
# Two more full passes (one every 2 s), and the foreign ones are untouched.
fulls() { [ "$(grep -c 'event=sync kind=full' "$VM_TMP/kipvs1.log")" -ge "$1" ]; }
check two_more_full_syncs wait_until 15 fulls 3
check_same foreign_survive_syncs "cat $VM_TMP/foreign" foreign_only
check_eq later_syncs_change_nothing "" "$(grep 'event=sync kind=full' "$VM_TMP/kipvs1.log" | sed 1d | grep -v ' changes=0 ')"
check_same diff_in_sync "true" "./kipvs diff --log-level warn --kubeconfig $VM_HOST_FILES/kubeconfig $NODE"

# --- drift is repaired by the next full sync ---------------------------------
tamper() {
	ipvsadm -d -t 10.96.33.44:80 -r 10.244.1.7:8080 &&
		ipvsadm -D -t 10.96.200.7:443 &&
		ipvsadm -e -t 10.96.0.10:53 -r 10.244.0.3:53 -m -w 5 &&
		ip addr del 10.96.14.200/32 dev kube-ipvs0
}
in_sync() { ipvsadm -S -n | sort | cmp -s - "$VM_TMP/want" && ip -o addr show dev kube-ipvs0 | grep -q ' 10.96.14.200/32 '; }
must tamper
_now
t0=$NOW
wait_until 15 in_sync
rc=$?
_now
diag "repaired $(((NOW - t0) / 1000)) ms after the tampering (full sync every 2 s)"
check_eq drift_repaired 0 $rc
check_same repaired_table "cat $VM_TMP/want" "ipvsadm -S -n | sort"
check repair_logged grep -q 'event=sync kind=full .* changes=[1-9]' "$VM_TMP/kipvs1.log"
check_same foreign_survive_repair "cat $VM_TMP/foreign" foreign_only
# kube-ipvs0 itself deleted: the next full sync makes it again and binds all.
./kipvs render -f $F/services.json -f $F/endpointslices.json $NODE --bound | sort >"$VM_TMP/want_bound"
bound_ok() { bound | cmp -s - "$VM_TMP/want_bound"; }
must ip link del kube-ipvs0
check link_recreated wait_until 15 bound_ok
check_same link_recreated_table "cat $VM_TMP/want" "ipvsadm -S -n | sort"

# --- kipvs diff: what a sync would do, as commands ------------------------------
must stop_kipvs
must tamper
cat >"$VM_TMP/diff_want" <<'EOF'
ip addr add 10.96.14.200/32 dev kube-ipvs0
ipvsadm -A -t 10.96.200.7:443 -s rr
ipvsadm -a -t 10.96.200.7:443 -r 10.244.1.40:8443 -m -w 1
ipvsadm -a -t 10.96.200.7:443 -r 10.244.2.41:8443 -m -w 1
ipvsadm -a -t 10.96.33.44:80 -r 10.244.1.7:8080 -m -w 1
ipvsadm -e -t 10.96.0.10:53 -r 10.244.0.3:53 -m -w 1
EOF
./kipvs diff --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE >"$VM_TMP/diff_out" 2>"$VM_TMP/diff_err"
check_eq diff_exit_1 1 $?
check_same diff_commands "sort $VM_TMP/diff_want" "sort $VM_TMP/diff_out"
check_not diff_changed_nothing in_sync
sed 's|^ip |/usr/bin/ip |' "$VM_TMP/diff_out" >"$VM_TMP/diff.sh"
check diff_commands_run sh -e "$VM_TMP/diff.sh"
check_same diff_commands_repair "cat $VM_TMP/want" "ipvsadm -S -n | sort"
check_same diff_in_sync_again "true" "./kipvs diff --log-level warn --kubeconfig $VM_HOST_FILES/kubeconfig $NODE"
must start_kipvs "$VM_TMP/kipvs2.log" --ipvs-sync-period 2s
check_eq nothing_left_to_do "kipvs_kernel_writes_total 0" "kipvs_kernel_writes_total $(metric kipvs_kernel_writes_total)"
must stop_kipvs

# --- cleanup -----------------------------------------------------------------
./kipvs cleanup $NODE >"$VM_TMP/cleanup1" 2>&1
check_eq cleanup_exit_0 0 $?
check_eq cleanup_says "removed $n_owned virtual servers, kube-ipvs0 and the nftables tables ip/ip6 kipvs, 4 foreign left alone" "$(cat "$VM_TMP/cleanup1")"
check_same cleanup_leaves_foreign_only "cat $VM_TMP/foreign" "ipvsadm -S -n | sort"
check_not kube_ipvs0_removed ip link show kube-ipvs0
./kipvs cleanup $NODE >"$VM_TMP/cleanup2" 2>&1
check_eq cleanup_again_exit_0 0 $?
check_eq cleanup_again_nothing "nothing to do (4 foreign virtual servers left alone)" "$(cat "$VM_TMP/cleanup2")"
check_same foreign_survive_cleanups "cat $VM_TMP/foreign" "ipvsadm -S -n | sort"

# --- node addresses follow rtnetlink ---------------------------------------------
# No --node-ip: the node's addresses inside --nodeport-addresses get the
# NodePorts (30080 and 31443 in the fixtures); full syncs only every 60 s.
ipvsadm -C
nodeport_lines() { ipvsadm -S -n | grep -E -- "-[Aa] -t $1:(30080|31443) " | sort; }
NODE="--hostname-override node-b"
must start_kipvs "$VM_TMP/kipvs3.log" --nodeport-addresses 172.18.0.0/24 --ipvs-sync-period 60s
check_eq nodeports_on_eth9 "$(grep -E -- ' 172\.18\.0\.2:(30080|31443) ' "$VM_TMP/render" | sort)" "$(nodeport_lines 172.18.0.2)"
must ip addr add 172.18.0.3/24 dev eth9
check_ipvs nodeports_follow_new_address 10 "=TCP $(hexap 172.18.0.3 30080) rr persistent " \
	"+TCP $(hexap 172.18.0.3 31443) rr"
check_eq nodeports_on_new_address "$(grep -E -- ' 172\.18\.0\.2:(30080|31443) ' "$VM_TMP/render" | sed 's/172\.18\.0\.2/172.18.0.3/' | sort)" "$(nodeport_lines 172.18.0.3)"
must ip addr del 172.18.0.3/24 dev eth9
check_ipvs nodeports_leave_with_address 10 "-TCP $(hexap 172.18.0.3 30080) " "-TCP $(hexap 172.18.0.3 31443) "
check_eq nodeports_stay_on_eth9 "$(grep -E -- ' 172\.18\.0\.2:(30080|31443) ' "$VM_TMP/render" | sort)" "$(nodeport_lines 172.18.0.2)"
stop_kipvs
check_eq clean_exit 0 $?

# --- another cluster's NodePort range ------------------------------------------
# Stale virtual servers on a node address: 20080 is a NodePort only under
# --service-node-port-range 20000-22767 (then kipvs's: cleanup removes it),
# 30999 only under the default range (then foreign: left alone, as are the
# fixture's 30080 and 31443 under the other range).
must ipvsadm -A -t 172.18.0.2:20080 -s rr
must ipvsadm -A -t 172.18.0.2:30999 -s rr
vs_on() { ipvsadm -S -n | grep -c -- "^-A -t 172.18.0.2:$1 "; }
./kipvs cleanup $NODE --nodeport-addresses 172.18.0.0/24 --service-node-port-range 20000-22767 \
	>"$VM_TMP/cleanup3" 2>&1
check_eq cleanup_custom_range_exit_0 0 $?
check_eq custom_range_stale_nodeport_removed 0 "$(vs_on 20080)"
check_eq custom_range_default_range_port_kept 1 "$(vs_on 30999)"
check_eq custom_range_fixture_nodeport_kept 1 "$(vs_on 30080)"
./kipvs cleanup $NODE --nodeport-addresses 172.18.0.0/24 >"$VM_TMP/cleanup4" 2>&1
check_eq default_range_removes_its_nodeports "0 0" "$(vs_on 30999) $(vs_on 30080)"
