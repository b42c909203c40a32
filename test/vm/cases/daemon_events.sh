# kipvs run follows changes made through the API (curl from the guest to the
# fake apiserver): a Service is added (virtual server + VIP), its slice scaled
# up and down (destinations follow; three pods answer 3/3/3 under rr and a
# removed one gets no new requests), its port changed, its type made NodePort,
# session affinity and the scheduler annotation set (edited in place: the
# counters and a held connection survive), then deleted. Each change's
# API-write -> kernel latency is measured (/proc/net/ip_vs polled every ~2 ms).
# Bad objects (invalid clusterIP, unknown protocol, a 10 MiB watch event, a
# malformed watch line) are logged, and later changes still converge.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up
for i in 1 2 3; do
	must pod_create pod$i 10.244.1.$i
	must pod_http pod$i 8080
done

V=$(hexap 10.96.10.1 80)
V81=$(hexap 10.96.10.1 81)
NP=$(hexap 172.18.0.2 30080)
P1=$(hexap 10.244.1.1 8080) P2=$(hexap 10.244.1.2 8080) P3=$(hexap 10.244.1.3 8080)

svc_web() { # PORT
	printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
"spec":{"clusterIP":"10.96.10.1","clusterIPs":["10.96.10.1"],
"ports":[{"name":"http","protocol":"TCP","port":%s,"targetPort":8080}]}}' "$1"
}
eps() { # IP... → endpoints JSON array
	_s=
	for _ip in "$@"; do
		_s="$_s${_s:+,}{\"addresses\":[\"$_ip\"],\"conditions\":{\"ready\":true}}"
	done
	printf '[%s]' "$_s"
}
slice_web() { # IP...
	printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
"metadata":{"name":"web-a","namespace":"default","labels":{"kubernetes.io/service-name":"web"}},
"addressType":"IPv4","ports":[{"name":"http","protocol":"TCP","port":8080}],"endpoints":%s}' \
		"$(eps "$@")"
}
SVC=/api/v1/namespaces/default/services
SL=/apis/discovery.k8s.io/v1/namespaces/default/endpointslices
MP=application/merge-patch+json

trap 'echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 60s
check_eq empty_table "" "$(ipvsadm -S -n)"

# --- scenario: a service comes, scales, changes, goes ---------------------------
api_step svc_added 20 POST $SVC "$(svc_web 80)" "" "+TCP $V rr"
check vip_bound wait_until 5 sh -c 'ip -o addr show dev kube-ipvs0 | grep -q " 10.96.10.1/32 "'

api_step slice_added 20 POST $SL "$(slice_web 10.244.1.1)" "" "+TCP $V -> $P1 Masq 1"
api_step scaled_up 20 PATCH $SL/web-a "{\"endpoints\":$(eps 10.244.1.1 10.244.1.2 10.244.1.3)}" $MP \
	"+TCP $V -> $P1 Masq 1" "+TCP $V -> $P2 Masq 1" "+TCP $V -> $P3 Masq 1"
check_eq scaled_up_table "-A -t 10.96.10.1:80 -s rr
-a -t 10.96.10.1:80 -r 10.244.1.1:8080 -m -w 1
-a -t 10.96.10.1:80 -r 10.244.1.2:8080 -m -w 1
-a -t 10.96.10.1:80 -r 10.244.1.3:8080 -m -w 1" "$(save_vs 10.96.10.1:80)"
# The seed's check: nine requests, three per pod.
check_eq rr_3_3_3 "$(printf 'pod1 3\npod2 3\npod3 3')" "$(spread 9 10.96.10.1 80)"

api_step scaled_down 20 PATCH $SL/web-a "{\"endpoints\":$(eps 10.244.1.1 10.244.1.3)}" $MP \
	"-TCP $V -> $P2 Masq 1"
# pod2 served connections that linger (TIME_WAIT, two minutes in IPVS): it
# drains at weight 0 rather than going at once, and new requests avoid it.
check_eq removed_pod_drains_at_weight_0 "-a -t 10.96.10.1:80 -r 10.244.1.2:8080 -m -w 0" \
	"$(save_vs 10.96.10.1:80 | grep 10.244.1.2)"
check_eq removed_pod_avoided "$(printf 'pod1 3\npod3 3')" "$(spread 6 10.96.10.1 80)"

api_step port_changed 20 PATCH $SVC/web "{\"spec\":{\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":81,\"targetPort\":8080}]}}" $MP \
	"-TCP $V " "+TCP $V81 rr" "+TCP $V81 -> $P1 Masq 1" "+TCP $V81 -> $P3 Masq 1"
check_eq port_changed_table "" "$(save_vs 10.96.10.1:80)"

api_step nodeport 20 PATCH $SVC/web "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":81,\"targetPort\":8080,\"nodePort\":30080}]}}" $MP \
	"+TCP $NP rr" "+TCP $NP -> $P1 Masq 1" "+TCP $NP -> $P3 Masq 1"
check_eq nodeport_table "-A -t 172.18.0.2:30080 -s rr
-a -t 172.18.0.2:30080 -r 10.244.1.1:8080 -m -w 1
-a -t 172.18.0.2:30080 -r 10.244.1.3:8080 -m -w 1" "$(save_vs 172.18.0.2:30080)"
check_eq nodeport_answers_on_node_ip 1 "$(spread 1 172.18.0.2 30080 | grep -c '^pod[13] 1$')"

api_step affinity 20 PATCH $SVC/web '{"spec":{"sessionAffinity":"ClientIP"}}' $MP \
	"=TCP $V81 rr persistent " "=TCP $NP rr persistent "
check_eq affinity_table "-A -t 10.96.10.1:81 -s rr -p 10800" "$(save_vs 10.96.10.1:81 | head -n 1)"

# The scheduler annotation is applied with an edit: the virtual server is never
# deleted, so its counters go on and an open connection keeps working.
spread 3 10.96.10.1 81 >/dev/null
# The kernel folds its per-CPU counters into these every 2 s.
conns() { ipvsadm -L -n --stats -t 10.96.10.1:81 | awk '$1 == "TCP" { print $3 }'; }
conns_ge() { [ "$(conns)" -ge "$1" ]; }
wait_until 5 conns_ge 3
before=$(conns)
mkfifo "$VM_TMP/held.in"
nc 10.96.10.1 81 <"$VM_TMP/held.in" >"$VM_TMP/held.out" 2>&1 &
held=$!
exec 3>"$VM_TMP/held.in"
check held_established wait_until 5 sh -c "ipvsadm -L -n -c | grep -q 'ESTABLISHED.*10.96.10.1:81'"
api_step scheduler_annotation 20 PATCH $SVC/web '{"metadata":{"annotations":{"kipvs.io/scheduler":"wrr"}}}' $MP \
	"=TCP $V81 wrr persistent "
sleep 2.5
after=$(conns)
diag "connections counted on 10.96.10.1:81: $before before the edit, $after after"
check counters_not_reset test "${before:-0}" -ge 1 -a "${after:-0}" -ge "${before:-0}"
printf 'GET / HTTP/1.0\r\nHost: web\r\n\r\n' >&3
wait_until 5 grep -q '^pod' "$VM_TMP/held.out"
exec 3>&-
check_eq held_connection_answered 1 "$(grep -c '^pod[13]$' "$VM_TMP/held.out")"
kill $held 2>/dev/null

api_step svc_deleted 20 DELETE $SVC/web "" "" "-TCP $V81 " "-TCP $NP "
check vip_unbound wait_until 5 sh -c '! ip -o addr show dev kube-ipvs0 | grep -q " 10.96.10.1/"'
must api DELETE $SL/web-a
check_eq table_empty_again "" "$(ipvsadm -S -n)"
lat_report "event->kernel latency (API write returned -> /proc/net/ip_vs shows it)" >"$VM_TMP/lat.txt"
diag "$(cat "$VM_TMP/lat.txt")"
# One figure per API step above (nine), each a time within the step's limit.
check_eq latency_measured 9 "$(wc -l <"$VM_TMP/latencies")"
check latency_in_range awk '!($1 ~ /^[0-9.]+$/ && $1 >= 0 && $1 <= 20000) { bad = 1 } END { exit bad }' \
	"$VM_TMP/latencies"
# kipvs's own clock: from the watch event's bytes reaching it to the kernel's
# ack, on each dirty pass that programmed one (the log line and the metric).
grep 'event=sync kind=dirty' "$VM_TMP/kipvs.log" | sed -n 's/.* event_to_kernel_ms=\([0-9.]*\).*/\1/p' \
	>"$VM_TMP/e2k"
diag "event->kernel inside kipvs (event_to_kernel_ms of the dirty passes): $(sort -n "$VM_TMP/e2k" |
	awk '{ v[NR] = $1 } END { if (NR) printf "%d passes, median %.2f ms, max %.2f ms", NR, v[int((NR + 1) / 2)], v[NR] }')"
check event_to_kernel_logged test "$(wc -l <"$VM_TMP/e2k")" -ge 6
check event_to_kernel_metric test "$(metric kipvs_event_to_kernel_seconds_count)" -ge 6

# --- bad input: logged, the rest keeps working ----------------------------------
# Stored as sent (/_fake/seed?raw=1): the fake would refuse them itself.
must ctl POST '/_fake/seed?raw=1' '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad-ip","namespace":"default"},"spec":{"clusterIP":"10.96.300.1","clusterIPs":["10.96.300.1"],"ports":[{"name":"a","protocol":"TCP","port":80,"targetPort":80}]}}'
must ctl POST '/_fake/seed?raw=1' '{"apiVersion":"v1","kind":"Service","metadata":{"name":"bad-proto","namespace":"default"},"spec":{"clusterIP":"10.96.10.2","clusterIPs":["10.96.10.2"],"ports":[{"name":"a","protocol":"FOO","port":80,"targetPort":80},{"name":"b","protocol":"TCP","port":81,"targetPort":81}]}}'
check_ipvs bad_proto_other_port_programmed 20 "+TCP $(hexap 10.96.10.2 81) rr" "-TCP $(hexap 10.96.10.2 80) "
# One line naming the object and the field.
check bad_ip_logged wait_until 5 grep -q 'level=warn .* obj=default/bad-ip field=spec.clusterIPs' "$VM_TMP/kipvs.log"
check bad_proto_logged grep -q 'level=warn .* obj=default/bad-proto field=spec.ports\[0\].protocol' "$VM_TMP/kipvs.log"
check_eq bad_ip_not_programmed "" "$(ipvsadm -S -n | grep -v 10.96.10.2)"

must ctl POST /_fake/faults '{"type":"watch-huge","resource":"services","bytes":10485760}'
check huge_event_logged wait_until 30 grep -q 'event=watch_event_too_large' "$VM_TMP/kipvs.log"
must ctl POST /_fake/faults '{"type":"watch-malformed","resource":"endpointslices"}'
must api POST $SL '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"bad-proto-a","namespace":"default","labels":{"kubernetes.io/service-name":"bad-proto"}},"addressType":"IPv4","ports":[{"name":"b","protocol":"TCP","port":81}],"endpoints":[{"addresses":["10.244.1.1"],"conditions":{"ready":true}}]}'
check malformed_line_logged wait_until 30 grep -q 'event=watch_event_malformed resource=endpointslices' "$VM_TMP/kipvs.log"
api_step after_bad_input 30 POST $SVC '{"apiVersion":"v1","kind":"Service","metadata":{"name":"after","namespace":"default"},"spec":{"clusterIP":"10.96.10.3","clusterIPs":["10.96.10.3"],"ports":[{"name":"a","protocol":"TCP","port":80,"targetPort":8080}]}}' "" \
	"+TCP $(hexap 10.96.10.3 80) rr"
check_ipvs slice_after_bad_input 30 "+TCP $(hexap 10.96.10.2 81) -> $(hexap 10.244.1.1 81) Masq 1"
check kipvs_still_running kill -0 "$KIPVS_PID"
check_eq no_errors_logged "" "$(grep -E 'level=err' "$VM_TMP/kipvs.log")"
stop_kipvs
check_eq clean_exit 0 $?
