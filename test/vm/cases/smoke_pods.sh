# Smoke test of the harness: three pods (network namespaces serving HTTP)
# behind a masquerading IPVS service answer in turn under rr, 3/3/3 for nine
# requests from the node (pods as lib.sh's pod_create makes them).
# vm-timeout: 120

for i in 1 2 3; do
	must pod_create pod$i 10.244.1.$i fd00:244::$i
	must pod_http pod$i 8080
done
check_eq pod_direct_curl pod2 "$(curl -s --max-time 5 http://10.244.1.2:8080/)"
check_eq pod_direct_v6 pod3 "$(http_get fd00:244::3 8080)"
must vip_add 10.96.0.10 10.96.0.11
must sysctl -w net.ipv4.vs.conntrack=1
must ipvsadm -A -t 10.96.0.10:80 -s rr
for i in 1 2 3; do
	must ipvsadm -a -t 10.96.0.10:80 -r 10.244.1.$i:8080 -m
done
check_eq rr_3_3_3 "$(printf 'pod1 3\npod2 3\npod3 3')" "$(spread 9 10.96.0.10 80)"

# A pod reaches a service through the node. (Not one that may send it back to
# itself: that hairpin needs SNAT, which plain IPVS does not do.)
must ipvsadm -A -t 10.96.0.11:80 -s rr
must ipvsadm -a -t 10.96.0.11:80 -r 10.244.1.1:8080 -m
check_eq from_pod pod1 "$(pod_exec pod3 curl -s --max-time 5 http://10.96.0.11/)"

# Taking a destination out moves its share to the others.
must ipvsadm -d -t 10.96.0.10:80 -r 10.244.1.2:8080
check_eq rr_after_delete "$(printf 'pod1 2\npod3 2')" "$(spread 4 10.96.0.10 80)"
