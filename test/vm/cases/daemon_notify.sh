# systemd's notify protocol, received on a unix datagram socket (socat) named
# by NOTIFY_SOCKET, with WATCHDOG_USEC=1000000: while the apiserver refuses
# every request kipvs pings the watchdog but is not ready and programs
# nothing; once the API answers it sends READY=1 with the table already
# programmed, then STATUS= lines with the counts; WATCHDOG=1 every 0.5 s;
# STOPPING=1 on SIGTERM, last.
# vm-net: apiserver
# vm-timeout: 120

. test/vm/files/daemon_lib.sh
F=test/fixtures/k8s

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

sock=$VM_TMP/notify.sock
# -v writes each datagram after a "> DATE TIME  length=N from=A to=B" line.
socat -u -v UNIX-RECV:"$sock" /dev/null 2>"$VM_TMP/notify.raw" &
must wait_until 10 test -S "$sock"
msgs() {
	sed -E 's/> [0-9]{4}\/[0-9]{2}\/[0-9]{2} [0-9:.]+  length=[0-9]+ from=[0-9]+ to=[0-9]+$//' \
		"$VM_TMP/notify.raw" | grep -v '^$'
}
count() { msgs | grep -c "^$1\$"; }
has() { msgs | grep -q "^$1"; }

./kipvs render -f $F/services.json -f $F/endpointslices.json $NODE | sort >"$VM_TMP/want"

must ctl POST /_fake/faults '{"type":"refuse","method":"GET","count":-1}'
trap 'echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"; echo "--- notifications"; msgs' EXIT
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000
must spawn_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 2s
unset NOTIFY_SOCKET WATCHDOG_USEC
sleep 4
check not_ready_without_api test "$(count READY=1)" -eq 0
check_eq nothing_programmed_without_api "" "$(ipvsadm -S -n)"
check watchdog_before_ready test "$(count WATCHDOG=1)" -ge 3

must ctl DELETE /_fake/faults
check ready wait_until 60 has READY=1
# READY=1 comes after the first full sync: the table is complete by then.
check_same table_complete_at_ready "cat $VM_TMP/want" "ipvsadm -S -n | sort"
check_eq ready_once 1 "$(count READY=1)"
n_vs=$(grep -c '^-A' "$VM_TMP/want")
n_dests=$(grep -c '^-a' "$VM_TMP/want")
check status_counts wait_until 5 has "STATUS=services=7 virtual-servers=$n_vs destinations=$n_dests bound=9 draining=0 last-sync=20"
check_eq ready_before_status READY=1 "$(msgs | grep -E '^(READY|STATUS)=' | head -n 1)"
_now
t0=$NOW
w0=$(count WATCHDOG=1)
sleep 3
w1=$(count WATCHDOG=1)
_now
win=$(((NOW - t0) / 1000))
diag "WATCHDOG=1 pings in $win ms with WATCHDOG_USEC=1000000: $((w1 - w0)) (one every 500 ms)"
# One every 500 ms, give or take two (the window's ends are not the pings').
check watchdog_pings test $((w1 - w0)) -ge $((win / 500 - 2)) -a $((w1 - w0)) -le $((win / 500 + 2))
stop_kipvs
check_eq clean_exit 0 $?
sleep 0.5
check_eq stopping_last STOPPING=1 "$(msgs | tail -n 1)"
check_eq stopping_once 1 "$(count STOPPING=1)"
