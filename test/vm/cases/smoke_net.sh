# Smoke test of the harness's network: the host companion (smoke_net.host.sh)
# serves a file; the guest fetches it through the one forwarded address
# ($VM_APISERVER), several times (one connection each), and reaches nothing
# else: not the host's other loopback ports, not the gateway, not the outside.
# vm-net: apiserver
# vm-timeout: 90

[ -n "${VM_APISERVER:-}" ] || { diag "no VM_APISERVER"; exit 1; }
want=$(cat "$VM_HOST_FILES/www/file")
check_eq fetch "$want" "$(curl -s --max-time 10 "http://$VM_APISERVER/file")"
# Every connection is forwarded afresh (not only the first).
for i in 1 2 3; do curl -s --max-time 10 "http://$VM_APISERVER/file?$i"; done >"$VM_TMP/3"
check_eq three_connections "$(printf '%s\n%s\n%s' "$want" "$want" "$want")" "$(cat "$VM_TMP/3")"
check_eq eth0_address 10.0.2.15/24 "$(ip -o -4 addr show dev eth0 | awk '{ print $4 }')"

# Each of these must fail (refused, or dropped by qemu's restrict=on); they
# run side by side, each given 3 s to connect and 5 s in all.
decoy=$(cat "$VM_HOST_FILES/decoy_port")
try() { curl -s --connect-timeout 3 --max-time 5 "$2" >/dev/null 2>&1; echo $? >"$VM_TMP/$1.rc"; }
try host_decoy_port "http://10.0.2.2:$decoy/" &
try host_ssh telnet://10.0.2.2:22 &
try other_port_same_ip "http://${VM_APISERVER%:*}:80/" &
try outside http://1.1.1.1/ &
wait
for t in host_decoy_port host_ssh other_port_same_ip outside; do
	check_not "$t" [ "$(cat "$VM_TMP/$t.rc")" = 0 ]
done
