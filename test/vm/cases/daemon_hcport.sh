# Health-check node ports with a real kipvs run: two LoadBalancer Services
# with externalTrafficPolicy Local, one with a ready endpoint on this node
# (200, X-Load-Balancing-Endpoint-Weight 1) and one whose only endpoint is on
# another node (503, weight 0), answered on any path and method, over IPv4 and
# IPv6 (the wildcard), with kube-proxy's headers and body. The count follows
# the endpoint (terminating: 503); the port closes when its Service goes, and
# moves when its healthCheckNodePort changes. A port already taken is logged
# once, counted, and opened at a later sync once free.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up
must pod_create pod1 10.244.1.1

SVC=/api/v1/namespaces/default/services
SL=/apis/discovery.k8s.io/v1/namespaces/default/endpointslices
MP=application/merge-patch+json

svc_lb_local() { # NAME CLUSTER-IP HEALTH-CHECK-PORT NODE-PORT
	printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","namespace":"default"},
"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local","healthCheckNodePort":%s,
"clusterIP":"%s","clusterIPs":["%s"],
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":%s}]}}' \
		"$1" "$3" "$2" "$2" "$4"
}
slice() { # SERVICE IP NODE [CONDITIONS]
	_c=${4:-}
	[ -n "$_c" ] || _c='{"ready":true}'
	printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
"metadata":{"name":"%s-a","namespace":"default","labels":{"kubernetes.io/service-name":"%s"}},
"addressType":"IPv4","ports":[{"name":"http","protocol":"TCP","port":8080}],
"endpoints":[{"addresses":["%s"],"nodeName":"%s","conditions":%s}]}' \
		"$1" "$1" "$2" "$3" "$_c"
}
# probe URL → HTTP status, the weight header and the body in $VM_TMP/hc.*
probe() {
	rm -f "$VM_TMP/hc.h" "$VM_TMP/hc.b"
	curl -s --max-time 5 -D "$VM_TMP/hc.h" -o "$VM_TMP/hc.b" -w '%{http_code}' "$@"
}
weight() { tr -d '\r' <"$VM_TMP/hc.h" | sed -n 's/^X-Load-Balancing-Endpoint-Weight: //p'; }
header() { tr -d '\r' <"$VM_TMP/hc.h" | grep -i "^$1: " | sed 's/^[^:]*: //'; }
listening() { grep -q "$(printf ':%04X ' "$1").* 0A " /proc/net/tcp6 /proc/net/tcp; }
body() { # NAMESPACE NAME COUNT HEALTHY — kube-proxy's body, byte for byte
	printf '{\n\t"service": {\n\t\t"namespace": "%s",\n\t\t"name": "%s"\n\t},\n\t"localEndpoints": %s,\n\t"serviceProxyHealthy": %s\n}' \
		"$@"
}

trap 'echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 60s

must api POST $SVC "$(svc_lb_local with-local 10.96.20.1 32100 30100)"
must api POST $SL "$(slice with-local 10.244.1.1 node-b)"
must api POST $SVC "$(svc_lb_local no-local 10.96.20.2 32101 30101)"
must api POST $SL "$(slice no-local 10.244.9.9 node-c)"
check port_32100_open wait_until 20 listening 32100
check port_32101_open wait_until 20 listening 32101

# One local ready endpoint: 200, weight 1, on any path and method.
check_eq local_200 200 "$(probe http://127.0.0.1:32100/)"
check_eq local_weight_1 1 "$(weight)"
check_eq local_content_type application/json "$(header Content-Type)"
check_eq local_nosniff nosniff "$(header X-Content-Type-Options)"
body default with-local 1 true >"$VM_TMP/want.b"
check cmp_local_body cmp "$VM_TMP/want.b" "$VM_TMP/hc.b"
check_eq local_any_path_post 200 "$(probe -X POST http://127.0.0.1:32100/some/where?x=1)"
check_eq local_ipv6 200 "$(probe 'http://[::1]:32100/healthz')"
check_eq local_node_ip 200 "$(probe http://172.18.0.2:32100/)"

# The only endpoint is on node-c: 503, weight 0.
check_eq remote_503 503 "$(probe http://127.0.0.1:32101/)"
check_eq remote_weight_0 0 "$(weight)"
body default no-local 0 true >"$VM_TMP/want.b"
check cmp_remote_body cmp "$VM_TMP/want.b" "$VM_TMP/hc.b"

# The local endpoint starts terminating: it no longer counts.
must api PATCH $SL/with-local-a "$(slice with-local 10.244.1.1 node-b \
	'{"ready":false,"serving":true,"terminating":true}')" $MP
check terminating_503 wait_until 20 sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:32100/)" = 503 ]'
check_eq terminating_weight_0 0 "$(probe http://127.0.0.1:32100/ >/dev/null; weight)"
must api PATCH $SL/with-local-a "$(slice with-local 10.244.1.1 node-b)" $MP
check ready_again_200 wait_until 20 sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:32100/)" = 200 ]'

# The Service goes: its port closes; a changed port moves.
must api DELETE $SVC/no-local
check port_closed_with_service wait_until 20 sh -c '! grep -q "$(printf ":%04X " 32101).* 0A " /proc/net/tcp6 /proc/net/tcp'
check_not closed_port_refuses curl -s --max-time 5 http://127.0.0.1:32101/
must api PATCH $SVC/with-local '{"spec":{"healthCheckNodePort":32103}}' $MP
check port_moved wait_until 20 listening 32103
check_eq moved_port_200 200 "$(probe http://127.0.0.1:32103/)"
check old_port_closed wait_until 5 sh -c '! grep -q "$(printf ":%04X " 32100).* 0A " /proc/net/tcp6 /proc/net/tcp'

# A port that is taken: logged once, counted, retried at later syncs.
socat TCP-LISTEN:32102,reuseaddr,fork /dev/null &
squatter=$!
wait_until 10 listening 32102
must api POST $SVC "$(svc_lb_local taken 10.96.20.3 32102 30102)"
check taken_logged wait_until 20 grep -q 'event=health_check_listen_failed service=default/taken port=32102 .*err=Address already in use' "$VM_TMP/kipvs.log"
must api POST $SL "$(slice taken 10.244.1.1 node-b)" # another sync: retried, quietly
wait_until 20 sh -c '[ "$(metric kipvs_health_check_listen_failures_total)" -ge 2 ]'
check_eq taken_logged_once 1 "$(grep -c 'event=health_check_listen_failed' "$VM_TMP/kipvs.log")"
check taken_counted_each_try test "$(metric kipvs_health_check_listen_failures_total)" -ge 2
kill $squatter
wait $squatter 2>/dev/null
must api PATCH $SL/taken-a '{"metadata":{"labels":{"touch":"1"}}}' $MP # a sync
check taken_opened_later wait_until 20 grep -q 'event=health_check_opened service=default/taken port=32102 failed_before=[1-9]' "$VM_TMP/kipvs.log"
check_eq taken_200 200 "$(probe http://127.0.0.1:32102/)"
check_eq metric_open_ports 2 "$(metric kipvs_health_check_node_ports)"

must stop_kipvs
trap - EXIT
