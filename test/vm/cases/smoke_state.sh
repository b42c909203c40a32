# Smoke test of the harness: every case starts from a clean state, whatever
# the cases before it did (in a full run, smoke_pods and smoke_ipvsadm leave
# services, pods, kube-ipvs0 and sysctls behind; so does this case, at its end).
# vm-timeout: 60

check_eq empty_ipvs_table 0 "$(ipvsadm -Sn | wc -l)"
check_eq only_lo lo "$(ip -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')"
check_eq only_netns_vmcase vmcase "$(ip netns list)"
check_eq no_addresses "127.0.0.1/8" "$(ip -o -4 addr show | awk '{ print $4 }')"
check_eq sysctl_vs_conntrack 0 "$(cat /proc/sys/net/ipv4/vs/conntrack)"
check_eq sysctl_ip_forward 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
check_eq no_stray_httpd "" "$(pidof httpd)"
check_eq tmp_is_clean "" "$(find /tmp -mindepth 1 ! -path /tmp/vm ! -name '.*')"
check ip_vs_loaded ipvs_loaded
check test_tree_read_only sh -c '! touch test/vm/x 2>/dev/null'
check_eq cwd /src "$(pwd)"
check kipvs_present [ -x ./kipvs ]

# Leave a mess for whatever runs next.
ipvsadm -A -t 10.1.1.1:80 && vip_add 10.1.1.1 && pod_create dirty 10.244.9.9 &&
	pod_http dirty && echo 1 >/proc/sys/net/ipv4/vs/conntrack && touch /tmp/dirty "$VM_TMP/dirty"
(sleep 1000 &)
