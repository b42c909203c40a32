# Graceful termination and restarts, with real connections through a VIP to
# pods: a TCP endpoint removed from its slice while a connection to it is open
# stays at weight 0 and the connection keeps carrying data; the destination
# goes once the connection has ended (after IPVS forgets it: CLOSE state,
# 10 s after an RST) plus the 5 s drain re-check. A removed UDP destination
# goes at once although it has a connection entry. A restart over an
# unchanged cluster writes nothing: the counters go on and an open connection
# keeps working. With --ipvs-graceful-timeout 3s a still-busy TCP destination
# is deleted after 3 s.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

# echo.sh: one TCP connection on stdin/stdout; answers "POD LINE" to each
# line; after "stop" it reads no more, so killing it then closes a socket
# with unread data: the kernel sends an RST.
cat >"$VM_TMP/echo.sh" <<'EOF'
#!/bin/sh
while read -r l; do
	case $l in stop) exec sleep 1000 ;; esac
	echo "$POD $l"
done
EOF
chmod +x "$VM_TMP/echo.sh"
echo_server() { # POD — one connection on port 9000
	(exec /usr/bin/ip netns exec "$1" env POD="$1" nc -l -p 9000 -e "$VM_TMP/echo.sh") \
		</dev/null >/dev/null 2>&1 &
	wait_until 10 _vm_listening $! 9000
}
pod_kill() { for _p in $(ip netns pids "$1"); do kill -KILL "$_p"; done; }

# conn_open NAME FD HOST PORT / conn_say NAME FD TEXT: a client connection
# whose input stays open (FD holds the write end of its fifo).
conn_open() {
	mkfifo "$VM_TMP/$1.in"
	nc "$3" "$4" <"$VM_TMP/$1.in" >"$VM_TMP/$1.out" 2>&1 &
	eval "exec $2>\"\$VM_TMP/\$1.in\""
}
conn_say() {
	echo "$3" >&"$2"
	wait_until 5 grep -q " $3\$" "$VM_TMP/$1.out"
	grep " $3\$" "$VM_TMP/$1.out"
}

must pod_create pod4 10.244.2.1
must pod_create pod5 10.244.2.2
must echo_server pod4
must echo_server pod5

SVC=/api/v1/namespaces/default/services
SL=/apis/discovery.k8s.io/v1/namespaces/default/endpointslices
MP=application/merge-patch+json
eps() { # IP... → endpoints JSON array
	_s=
	for _ip in "$@"; do
		_s="$_s${_s:+,}{\"addresses\":[\"$_ip\"],\"conditions\":{\"ready\":true}}"
	done
	printf '[%s]' "$_s"
}
must api POST $SVC '{"apiVersion":"v1","kind":"Service","metadata":{"name":"echo","namespace":"default"},"spec":{"clusterIP":"10.96.20.1","clusterIPs":["10.96.20.1"],"ports":[{"name":"e","protocol":"TCP","port":9000,"targetPort":9000}]}}'
must api POST $SL "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"echo-a\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"echo\"}},\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"e\",\"protocol\":\"TCP\",\"port\":9000}],\"endpoints\":$(eps 10.244.2.1 10.244.2.2)}"
must api POST $SVC '{"apiVersion":"v1","kind":"Service","metadata":{"name":"dns","namespace":"default"},"spec":{"clusterIP":"10.96.20.2","clusterIPs":["10.96.20.2"],"ports":[{"name":"d","protocol":"UDP","port":53,"targetPort":53}]}}'
must api POST $SL "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"dns-a\",\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"dns\"}},\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"d\",\"protocol\":\"UDP\",\"port\":53}],\"endpoints\":$(eps 10.244.2.1 10.244.2.2)}"

trap 'echo "--- kipvs log"; cat "$VM_TMP"/kipvs*.log' EXIT
must start_kipvs "$VM_TMP/kipvs1.log" --ipvs-sync-period 5s
VE=$(hexap 10.96.20.1 9000)
VD=$(hexap 10.96.20.2 53)
must ipvs_wait 30 "+TCP $VE -> $(hexap 10.244.2.1 9000) Masq 1" "+TCP $VE -> $(hexap 10.244.2.2 9000) Masq 1" \
	"+UDP $VD -> $(hexap 10.244.2.1 53) Masq 1" "+UDP $VD -> $(hexap 10.244.2.2 53) Masq 1"

# --- TCP: drain while a connection is open -------------------------------------
conn_open a 4 10.96.20.1 9000
check held_hello conn_say a 4 hello
busy=$(awk '{ print $1; exit }' "$VM_TMP/a.out")
case $busy in pod4) busy_ip=10.244.2.1 other=pod5 other_ip=10.244.2.2 ;; *) busy_ip=10.244.2.2 other=pod4 other_ip=10.244.2.1 ;; esac
B=$(hexap $busy_ip 9000)
diag "the held connection went to $busy"
api_step busy_dest_weight_0 20 PATCH $SL/echo-a "{\"endpoints\":$(eps $other_ip)}" $MP "+TCP $VE -> $B Masq 0"
check_eq busy_dest_saved "-a -t 10.96.20.1:9000 -r $busy_ip:9000 -m -w 0" \
	"$(save_vs 10.96.20.1:9000 | grep -- "-r $busy_ip:")"
check held_data_flows_at_weight_0 conn_say a 4 again
# Two drain re-checks later it is still there: its connection is active.
sleep 11
check_eq still_draining "-a -t 10.96.20.1:9000 -r $busy_ip:9000 -m -w 0" \
	"$(save_vs 10.96.20.1:9000 | grep -- "-r $busy_ip:")"
check held_data_flows_after_11s conn_say a 4 later
echo stop >&4
echo unread >&4
sleep 0.5
pod_kill $busy
exec 4>&-
diag "connections when the server was killed: $(ipvsadm -L -n -c | grep ":9000" | tr -s ' ' | tr '\n' ';')"
# IPVS keeps a reset connection 10 s (CLOSE state); kipvs re-checks every 5 s.
check_ipvs dest_gone_after_close 40 "-TCP $VE -> $B "

# --- UDP: no draining ----------------------------------------------------------
# A datagram (TFTP read request) gives a destination a connection entry.
curl -s --max-time 1 tftp://10.96.20.2:53/x >/dev/null 2>&1
ipvsadm -L -n -c >"$VM_TMP/conns"
udp_ip=$(awk '$1 == "UDP" && $5 ~ /:53$/ { split($6, a, ":"); print a[1]; exit }' "$VM_TMP/conns")
check udp_connection_entry test -n "$udp_ip"
udp_keep=10.244.2.1
[ "$udp_ip" = 10.244.2.1 ] && udp_keep=10.244.2.2
api_step udp_dest_deleted_at_once 4 PATCH $SL/dns-a "{\"endpoints\":$(eps $udp_keep)}" $MP \
	"-UDP $VD -> $(hexap "${udp_ip:-10.244.2.1}" 53) "

# --- restart over an unchanged cluster -----------------------------------------
must echo_server $busy
conn_open b 5 10.96.20.1 9000
check restart_held_before conn_say b 5 one
conns() { ipvsadm -L -n --stats -t 10.96.20.1:9000 | awk '$1 == "TCP" { print $3 }'; }
conns_ge() { [ "$(conns)" -ge "$1" ]; }
wait_until 5 conns_ge 2
before=$(conns)
must stop_kipvs
ipvsadm -S -n >"$VM_TMP/before"
must start_kipvs "$VM_TMP/kipvs2.log" --ipvs-sync-period 5s --ipvs-graceful-timeout 3s
check_eq restart_no_writes "" "$(grep -E 'event=(sync|bind|unbind|link|sysctl_set|ipvs_timeouts) ' "$VM_TMP/kipvs2.log" | grep -v ' changes=0 ')"
check_eq restart_writes_metric 0 "$(metric kipvs_kernel_writes_total)"
check_same restart_table_unchanged "cat $VM_TMP/before" "ipvsadm -S -n"
sleep 2.5
after=$(conns)
diag "connections counted on 10.96.20.1:9000: $before before the restart, $after after"
check restart_counters_not_reset test "${before:-0}" -ge 2 -a "${after:-0}" -ge "${before:-0}"
check restart_held_connection conn_say b 5 two

# --- --ipvs-graceful-timeout 3s: a busy destination goes anyway -----------------
O=$(hexap $other_ip 9000)
api_step timeout_weight_0 20 PATCH $SL/echo-a "{\"endpoints\":$(eps $busy_ip)}" $MP "+TCP $VE -> $O Masq 0"
# Due 3 s after kipvs set weight 0; the re-check runs every 5 s. Measured
# between kipvs's log lines of the two passes (each written right after its
# kernel writes, and timed as the guest read it: hence 200 ms of slack).
if check_ipvs timeout_dest_deleted 20 "-TCP $VE -> $O "; then
	awk '/event=sync kind=dirty/ { d = $1 } /event=sync kind=drain/ && d { print int(($1 - d) * 1000); exit }' \
		"$VM_TMP/kipvs2.log" >"$VM_TMP/drained_ms"
	diag "weight 0 -> deleted: $(cat "$VM_TMP/drained_ms") ms (kipvs log times)"
	check timeout_not_before_3s test "$(cat "$VM_TMP/drained_ms")" -ge 2800 -a "$(cat "$VM_TMP/drained_ms")" -lt 9000
fi
stop_kipvs
check_eq clean_exit 0 $?
