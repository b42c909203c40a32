# Smoke test of the harness: "vm-netns: init" runs the case in the VM's own
# network namespace, where settings only it may change can be changed (as
# kube-proxy does on a node), and puts back everything the case changed: the
# harness compares the namespace with its state at boot after the case and
# fails check "state_restored" if anything is left. So this case makes a mess.
# vm-netns: init
# vm-timeout: 120

check_eq pristine_links lo "$(ip -o link show | awk -F': ' '{ print $2 }' | grep -v '^eth0$' | tr '\n' ' ' | sed 's/ $//')"
check_eq pristine_ipvs 0 "$(ipvsadm -Sn | wc -l)"
check_sh conntrack_max_writable 'echo 131072 >/proc/sys/net/netfilter/nf_conntrack_max'
check_sh conntrack_hashsize_writable 'echo 32768 >/sys/module/nf_conntrack/parameters/hashsize'
check_eq conntrack_hashsize 32768 "$(cat /sys/module/nf_conntrack/parameters/hashsize)"

# The mess.
must ipvsadm -A -t 10.96.0.1:80 -s wlc
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.1.1:8080 -m
must vip_add 10.96.0.1 fd00:96::1
must pod_create p1 10.244.1.1 fd00:244::1
must pod_http p1 8080
must sysctl -w net.ipv4.vs.conntrack=1 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
must sysctl -w net.core.somaxconn=1024 net.ipv4.ip_local_port_range="20000 30000"
must ip addr add 10.9.9.9/32 dev lo
must ip route add 10.77.0.0/16 dev kube-ipvs0 table 100
must ip rule add from 10.244.0.0/16 lookup 100 pref 1000
must ip link add tun9 type ipip remote 192.0.2.1 local 10.9.9.9
must modprobe ip_vs_sh
check_eq served_through_ipvs p1 "$(http_get 10.96.0.1 80)"
