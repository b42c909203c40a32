# ipvs/netif against the real kernel, iproute2 as the oracle: the dummy
# kube-ipvs0 (created down and NOARP, found again, never confused with
# another link), /32 and /128 addresses, listing with and without a link,
# removal, and address-change notifications.

T=./kipvs-testtool

idx=$($T netif-test ensure kube-ipvs0)
check created ip link show kube-ipvs0
check_eq same_index "$idx" "$($T netif-test ensure kube-ipvs0)"
check_eq index "$idx" "$($T netif-test index kube-ipvs0)"
check dummy_kind sh -c '/usr/bin/ip -d link show kube-ipvs0 | grep -q "dummy"'
check noarp sh -c '/usr/bin/ip link show kube-ipvs0 | grep -q NOARP'
check left_down sh -c '! /usr/bin/ip link show kube-ipvs0 | grep -q "[<,]UP[,>]"'
check_not ensure_refuses_non_dummy $T netif-test ensure lo

must $T netif-test add kube-ipvs0 10.96.0.1
must $T netif-test add kube-ipvs0 10.96.0.10
must $T netif-test add kube-ipvs0 fd00:10:96::1
check v4_is_32 sh -c '/usr/bin/ip -4 addr show dev kube-ipvs0 | grep -q "inet 10.96.0.1/32"'
check v6_is_128 sh -c '/usr/bin/ip -6 addr show dev kube-ipvs0 | grep -q "inet6 fd00:10:96::1/128"'
check_eq add_twice_is_eexist "netif-test: add: File exists" "$($T netif-test add kube-ipvs0 10.96.0.1 2>&1)"
check_eq addrs "$idx 10.96.0.1/32
$idx 10.96.0.10/32
$idx fd00:10:96::1/128" "$($T netif-test addrs kube-ipvs0 | sort)"

# Addresses elsewhere: listed by "local" (everything but kube-ipvs0).
must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up
check local_has_node_addr sh -c "$T netif-test local kube-ipvs0 | grep -q ' 172.18.0.2/24'"
check local_excludes_vips sh -c "! $T netif-test local kube-ipvs0 | grep -q 10.96.0"
check local_has_lo sh -c "$T netif-test local kube-ipvs0 | grep -q ' 127.0.0.1/8'"

must $T netif-test del kube-ipvs0 10.96.0.10
check_eq removed "$idx 10.96.0.1/32
$idx fd00:10:96::1/128" "$($T netif-test addrs kube-ipvs0 | sort)"
check_eq del_absent "netif-test: del: Cannot assign requested address" "$($T netif-test del kube-ipvs0 10.96.0.10 2>&1)"

# Notifications: two address changes are seen.
$T netif-test monitor 2 20 > "$VM_TMP/mon.out" 2>&1 &
mon=$!
wait_until 5 grep -q listening "$VM_TMP/mon.out"
ip addr add 172.18.0.3/24 dev eth9
ip addr del 172.18.0.3/24 dev eth9
wait $mon
check_eq monitor_saw_two "listening
events 2" "$(cat "$VM_TMP/mon.out")"

check_not delete_refuses_non_dummy_type sh -c "ip link add vx0 type veth peer name vx1 && $T netif-test delete vx0"
must $T netif-test delete kube-ipvs0
check gone sh -c '! /usr/bin/ip link show kube-ipvs0 2>/dev/null'
check delete_absent_ok $T netif-test delete kube-ipvs0
