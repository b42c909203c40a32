# Benchmark (VM): UDP conntrack clean-up with 100,000 unrelated entries in
# the table (conntrack -R, generated here). Prints (1) the ways of finding
# one destination's entries in that table — the kernel-filtered dump kipvs
# uses, an unfiltered dump with kipvs's parser, libnl-nf-3 (the README's
# library choice rests on these), and (2) for a `kipvs run` whose UDP flow's
# endpoint is removed through the API, five times: the event loop's time
# for it (the dirty pass's duration_ms + the clean-up's loop share, loop_us;
# the issue's bound is 5 ms; kipvs at its default log level) and the
# worker's time (worker_ms). Checks only that the clean-up ran and left the
# 100,000 entries alone.
# vm-net: apiserver
# vm-netns: init
# vm-timeout: 600

. test/vm/files/daemon_lib.sh
. test/vm/files/flow_lib.sh
. test/vm/files/conntrack_lib.sh

N=100000
HS=/sys/module/nf_conntrack/parameters/hashsize
hs0=$(cat $HS)
trap 'stop_kipvs >/dev/null 2>&1; nft delete table inet node 2>/dev/null; conntrack -F >/dev/null 2>&1; echo $hs0 >$HS' EXIT
must sh -c "echo 300000 >/proc/sys/net/netfilter/nf_conntrack_max"
must ct_node
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++)
	printf "-I -p udp -s 10.%d.%d.%d -d 192.0.2.%d --sport %d --dport %d -t 1200\n",
		100 + int(i / 65536), int(i / 256) % 256, i % 256, i % 200, 1024 + i % 50000, 1000 + i % 3000 }' >"$VM_TMP/ct.lst"
_now
t0=$NOW
conntrack -R "$VM_TMP/ct.lst" >/dev/null 2>&1
_now
unrelated() { conntrack -L -p udp 2>/dev/null | grep -c " dst=192\.0\.2\."; }
U0=$(unrelated)
echo "table: $U0 unrelated UDP entries loaded in $(((NOW - t0) / 1000)) ms"
check_eq filled "$N" "$U0"

echo "finding one destination's entries in the table (best of 3):"
# One entry to find (found=1 below).
conntrack -I -p udp -s 10.244.9.1 -d 10.96.0.10 --sport 40000 --dport 53 -r 10.244.2.1 \
	-q 10.244.9.1 --reply-port-src 53 --reply-port-dst 40000 -t 600 >/dev/null 2>&1
$T ct-test time udp 10.96.0.10 53 3 | sed 's/^/  /'
conntrack -D -p udp -d 10.96.0.10 >/dev/null 2>&1

must start_kipvs "$VM_TMP/kipvs.log" --node-ip 172.18.0.2
must svc r4 10.96.46.1 UDP
must slice r4 UDP IPv4 10.244.2.1 10.244.2.2
flow r4 cli 10.96.46.1 53 40041 udp 300
must wait_until 20 answered_since "$VM_TMP/r4.out" 0
# Plans carried out; a plan that deleted nothing is logged at debug only.
plans() { metric kipvs_conntrack_cleanup_duration_seconds_count; }
plans_above() { [ "$(plans)" -gt "$1" ] 2>/dev/null; }
echo "one endpoint removal, the flow's endpoint (event loop = dirty pass + loop share; bound 5 ms):"
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	must wait_until 5 answered_since "$VM_TMP/r4.out" $(($(date +%s) * 1000 - 500))
	b=$(backend "$VM_TMP/r4.out")
	o=pod1
	[ "$b" = pod1 ] && o=pod2
	n0=$(grep -c "event=conntrack_cleanup " "$VM_TMP/kipvs.log")
	p0=$(plans)
	must slice_set r4 "$(pod_ip $o)"
	must wait_until 10 plans_above "$p0"
	cl=
	[ "$(grep -c "event=conntrack_cleanup " "$VM_TMP/kipvs.log")" -gt "$n0" ] &&
		cl=$(grep "event=conntrack_cleanup " "$VM_TMP/kipvs.log" | tail -n 1)
	sy=$(grep "event=sync kind=dirty" "$VM_TMP/kipvs.log" | tail -n 1)
	dms=$(echo "$sy" | sed -n 's/.* duration_ms=\([0-9.]*\).*/\1/p')
	lus=$(echo "$cl" | sed -n 's/.* loop_us=\([0-9]*\).*/\1/p')
	wms=$(echo "$cl" | sed -n 's/.* worker_ms=\([0-9.]*\).*/\1/p')
	del=$(echo "$cl" | sed -n 's/.* deleted=\([0-9]*\) gone=\([0-9]*\).*/deleted=\1 gone=\2/p')
	if [ -n "$cl" ]; then
		echo "  round $i: removed $b: event loop $(awk -v d="$dms" -v l="$lus" 'BEGIN { printf "%.2f", d + l / 1000 }') ms (pass ${dms} ms + clean-up ${lus} us), worker ${wms} ms, $del"
	else
		echo "  round $i: removed $b: pass ${dms} ms; the clean-up deleted nothing (the kernel was first), not logged at info"
	fi
	must slice_set r4 "$(pod_ip pod1)" "$(pod_ip pod2)"
	sleep 1
done
check cleanup_ran test "$(metric 'kipvs_conntrack_cleanup_total{result="ok"}')" -ge 5
check_eq unrelated_untouched "$U0" "$(unrelated)"
