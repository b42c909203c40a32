# kipvs's nftables tables on the real kernel, with `kipvs run` against the
# fake apiserver (the packet filter's fixture cluster, nft_table.host.sh):
#   - `nft list table ip|ip6 kipvs` is what `kipvs render --nft` says, after
#     the first full pass and after a dirty pass (a Service deleted); both
#     sides are nft's own listing (the rendering loaded into a scratch
#     namespace), so the comparison is exact
#   - drift (an element, a rule, the whole ip6 table gone) is shown by
#     `kipvs diff` and repaired by the next periodic full pass
#   - a restart over the unchanged cluster writes nothing (nft monitor, the
#     log's nft_writes=0, identical rule handles)
#   - `kipvs cleanup` removes kipvs's tables only
#   - issue #13 test 9: an admin's own nft table and iptables-nft rules are
#     byte-identical before and after a sync, a tamper-repair and cleanup
# vm-net: apiserver
# vm-timeout: 300

. test/vm/files/daemon_lib.sh

NODE="--hostname-override node-a --node-ip 172.18.0.2 --node-ip fd00:18::2"
KC="--kubeconfig $VM_HOST_FILES/kubeconfig"
SCRATCH=nftscratch

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip addr add fd00:18::2/64 dev eth9 nodad
must ip link set eth9 up
must ip netns add $SCRATCH

# The admin's own rules: an nft table, iptables-nft and ip6tables-nft rules
# (FORWARD and a chain of their own: nothing in this case forwards, so no
# counter moves).
must nft -f - <<'NFT'
table inet admin {
	set blocked {
		type ipv4_addr
		elements = { 192.0.2.99 }
	}
	chain input {
		type filter hook input priority 10; policy accept;
		ip saddr @blocked drop
	}
	chain keep {
		tcp dport 2222 accept
	}
}
NFT
must iptables-nft -A FORWARD -s 192.0.2.0/24 -j DROP
must iptables-nft -N ADMIN-SSH
must iptables-nft -A ADMIN-SSH -p tcp --dport 22 -m comment --comment "admin ssh" -j ACCEPT
must ip6tables-nft -A FORWARD -s 2001:db8:99::/48 -j DROP
# Everything but kipvs's tables; chain policy counters ([packets:bytes])
# move with traffic, the rules do not.
_admin_snap() {
	nft list table inet admin
	nft list table ip filter
	nft list table ip6 filter
	iptables-nft-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
	ip6tables-nft-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
	nft list tables | grep -v ' kipvs$'
}
# (nft warns on stderr that iptables-nft manages its tables)
admin_snap() { _admin_snap 2>&1; }
admin_snap >"$VM_TMP/admin.before"
check admin_rules_present grep -q 'admin ssh' "$VM_TMP/admin.before"

# want: the rendering of the cluster as it is now, loaded into the scratch
# namespace, so `nft list` there is nft's own text for what kipvs means.
want() {
	./kipvs render --nft $KC $NODE >"$VM_TMP/render.nft" 2>"$VM_TMP/render.err" || return 1
	ip netns exec $SCRATCH nft flush ruleset &&
		ip netns exec $SCRATCH nft -f "$VM_TMP/render.nft"
}
# norm [NS] FAM: table FAM kipvs as nft lists it (in netns NS), its sets'
# elements sorted: an interval set lists its elements in the order they were
# added, which is the only difference between two equal tables.
norm() {
	_x=
	[ $# = 2 ] && { _x="ip netns exec $1"; shift; }
	$_x nft -t list table $1 kipvs 2>&1 || return 0
	for _s in $($_x nft -t list table $1 kipvs | awk '$1 == "set" { print $2 }'); do
		echo "set $_s:"
		$_x nft list set $1 kipvs $_s | tr -d '\n\t' |
			sed -n 's/.*elements = { \(.*\) }.*/\1/p' | tr ',' '\n' | sed 's/^ *//' | sort
	done
}
# same_as_rendered NAME: both tables as the rendering says.
same_as_rendered() {
	for fam in ip ip6; do
		check_same "$1_$fam" "norm $SCRATCH $fam" "norm $fam"
	done
}
listed_equal() { # the kernel's tables equal the rendering's (quiet)
	for fam in ip ip6; do
		[ "$(norm $SCRATCH $fam)" = "$(norm $fam)" ] || return 1
	done
}

trap 'echo "--- kipvs logs"; cat "$VM_TMP"/kipvs*.log; cat "$VM_TMP/render.err" 2>/dev/null' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 10s
must want
same_as_rendered listed_as_rendered
check first_pass_one_rebuild_each sh -c "grep 'event=sync kind=full' '$VM_TMP/kipvs.log' | head -n 1 | grep -q 'nft_writes=[1-9]'"
check bad_range_logged grep -q 'obj=shop/checkout.*loadBalancerSourceRanges\[4\]' "$VM_TMP/kipvs.log"
check_eq metric_nft_available 1 "$(metric kipvs_nft_available)"
check_eq metric_lb_allow_ip 4 "$(metric 'kipvs_nft_elements{family="ip",set="lb_allow"}')"
check_eq metric_txn_failed 0 "$(metric 'kipvs_nft_transactions_total{result="failed"}')"
check_eq in_sync_diff_empty "" "$(./kipvs diff $KC $NODE 2>/dev/null)"

# A dirty pass: a Service goes, its elements go (and only they).
must api DELETE /api/v1/namespaces/shop/services/sig
must want
check sig_elements_gone wait_until 20 sh -c "! nft list set ip kipvs clusterip | grep -q 'sctp . 3868'"
check dirty_pass_as_rendered wait_until 10 listed_equal
same_as_rendered after_delete

# Drift: an element, a rule and a whole table removed by hand (kipvs
# stopped meanwhile, so that only kipvs diff runs until it is resumed).
kill -STOP $KIPVS_PID
must nft delete element ip kipvs clusterip '{ 10.96.0.1 . tcp . 443 }'
h=$(nft -a list chain ip kipvs vip_guard | awk '/@hc_port return/ { print $NF }')
must nft delete rule ip kipvs vip_guard handle "$h"
must nft delete table ip6 kipvs
nft monitor >"$VM_TMP/diff.monitor" 2>&1 &
monitor=$!
sleep 1
./kipvs diff $KC $NODE >"$VM_TMP/diff.out" 2>"$VM_TMP/diff.err"
check_eq diff_says_out_of_sync 1 $?
sleep 1
kill $monitor
check_eq diff_wrote_nothing "" "$(cat "$VM_TMP/diff.monitor")"
check diff_shows_element grep -qx 'nft add element ip kipvs clusterip { 10.96.0.1 . tcp . 443 }' "$VM_TMP/diff.out"
check diff_shows_ip6_table grep -q 'table ip6 kipvs' "$VM_TMP/diff.out"
check_not diff_changed_nothing nft list table ip6 kipvs
kill -CONT $KIPVS_PID
# The next periodic full pass (every 10 s) repairs all of it.
check drift_repaired_within_a_period wait_until 25 listed_equal
same_as_rendered repaired
check_same admin_untouched_by_repair "cat $VM_TMP/admin.before" admin_snap

# A restart over the unchanged cluster writes nothing to nf_tables.
nft -a list ruleset >"$VM_TMP/handles.before" 2>&1
must stop_kipvs
nft monitor >"$VM_TMP/monitor" 2>&1 &
monitor=$!
sleep 1
must start_kipvs "$VM_TMP/kipvs2.log" --ipvs-sync-period 10s
check restart_full_pass wait_until 20 grep -q 'event=sync kind=full' "$VM_TMP/kipvs2.log"
sleep 1
kill $monitor
check_eq restart_monitor_silent "" "$(cat "$VM_TMP/monitor")"
check restart_nft_writes_0 grep -q 'event=sync kind=full.* nft_writes=0 ' "$VM_TMP/kipvs2.log"
check_same restart_same_handles "cat $VM_TMP/handles.before" "nft -a list ruleset 2>&1"
must stop_kipvs
check_same admin_untouched_by_sync "cat $VM_TMP/admin.before" admin_snap

# kipvs cleanup: its tables go, nothing else does.
./kipvs cleanup >"$VM_TMP/cleanup.out" 2>&1
check_eq cleanup_ok 0 $?
check cleanup_says grep -qx 'removed [1-9][0-9]* virtual servers, kube-ipvs0 and the nftables tables ip/ip6 kipvs, 0 foreign left alone' "$VM_TMP/cleanup.out"
check_not cleanup_removed_ip nft list table ip kipvs
check_not cleanup_removed_ip6 nft list table ip6 kipvs
check_same admin_untouched_by_cleanup "cat $VM_TMP/admin.before" admin_snap
./kipvs cleanup >"$VM_TMP/cleanup2.out" 2>&1
check_eq cleanup_again_nothing_to_do 0 $?
check cleanup_again_says grep -q '^nothing to do' "$VM_TMP/cleanup2.out"

ip netns del $SCRATCH
trap - EXIT
