# The netlink module against ipvsadm on the same work, in the same guest:
# apply 1,000 services x 10 destinations (11,000 changes) with `ipvsadm -R`
# and with ipvs_apply (kipvs-testtool nl-test apply), read the table back with
# `ipvsadm -S -n` and with the dumps (kipvs-testtool nl-test dump). Checks only that
# both produce the same table; the times and ratios are diagnostics (targets:
# apply <= 0.1x, read-back <= 0.2x), never a pass/fail: emulation is noisy.
# vm-timeout: 600

runs=${NL_RUNS:-3}
awk 'BEGIN {
	for (s = 0; s < 1000; s++) {
		v = sprintf("10.96.%d.%d", int(s / 250), s % 250 + 1)
		printf "-A -t %s:80 -s rr\n", v > "/dev/stderr"
		printf "add-svc tcp/%s/80 sched=rr\n", v
		for (d = 0; d < 10; d++) {
			r = sprintf("10.244.%d.%d", int((s * 10 + d) / 250), (s * 10 + d) % 250 + 1)
			printf "-a -t %s:80 -r %s:8080 -m -w 1\n", v, r > "/dev/stderr"
			printf "add-dest tcp/%s/80 %s/8080\n", v, r
		}
	}
}' >"$VM_TMP/changes" 2>"$VM_TMP/restore"
sort "$VM_TMP/restore" >"$VM_TMP/restore.sorted"

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Each apply runs in a network namespace of its own: IPVS keeps deleted
# destinations in a per-namespace trash list for about two minutes, and every
# add scans that list, so applying after a flush would time the trash too.
# Namespaces are made beforehand and the clock is read inside them, so
# neither tool is charged for `ip`.
mk_ns() { ip netns add "$1" && ip -n "$1" link set lo up; }
# timed_in NS IN OUT CMD... — runs CMD in NS (stdin IN, stdout OUT), prints seconds
timed_in() {
	_ns=$1 _in=$2 _out=$3
	shift 3
	ip netns exec "$_ns" sh -c 'read -r s _ </proc/uptime; "$@"; read -r e _ </proc/uptime
		awk -v s="$s" -v e="$e" "BEGIN { printf \"%.2f\", e - s }" >&2' sh "$@" \
		<"$_in" >"$_out" 2>"$VM_TMP/t"
	tail -c 20 "$VM_TMP/t"
}
same_table() { ip netns exec "$1" ipvsadm -S -n | sort | cmp -s - "$VM_TMP/restore.sorted"; }

ta= tk= ra= rk= ok_apply=1 ok_read=1
i=0
while [ $i -lt "$runs" ]; do
	must mk_ns nla$i
	must mk_ns nlk$i
	ta="$ta $(timed_in nla$i "$VM_TMP/restore" /dev/null ipvsadm -R)"
	same_table nla$i || ok_apply=0
	tk="$tk $(timed_in nlk$i /dev/null "$VM_TMP/k.out" ./kipvs-testtool nl-test apply -q "$VM_TMP/changes")"
	[ "$(cat "$VM_TMP/k.out")" = "changes=11000 failed=0 result=0" ] && same_table nlk$i || ok_apply=0
	ra="$ra $(timed_in nla$i /dev/null "$VM_TMP/a.save" ipvsadm -S -n)"
	rk="$rk $(timed_in nla$i /dev/null "$VM_TMP/k.count" ./kipvs-testtool nl-test dump --count)"
	[ "$(cat "$VM_TMP/k.count")" = "services=1000 dests=10000" ] || ok_read=0
	ip netns del nla$i
	ip netns del nlk$i
	i=$((i + 1))
done
check_eq same_table_both_ways 1 "$ok_apply"
check_eq dump_complete_every_run 1 "$ok_read"

ma=$(echo "$ta" | median) mk=$(echo "$tk" | median)
mra=$(echo "$ra" | median) mrk=$(echo "$rk" | median)
diag "apply 11000 changes: ipvsadm -R median ${ma}s (runs:$ta), ipvs_apply median ${mk}s (runs:$tk)"
diag "$(awk -v k="$mk" -v a="$ma" 'BEGIN { if (k > 0) printf "apply: %d changes/s, ratio %.3f of ipvsadm -R (target <= 0.1)", 11000 / k, k / a }')"
diag "read back: ipvsadm -S -n median ${mra}s (runs:$ra), dump median ${mrk}s (runs:$rk)"
diag "$(awk -v k="$mrk" -v a="$mra" 'BEGIN { if (a > 0) printf "read back: %.0f us per service, ratio %.3f of ipvsadm -S -n (target <= 0.2)", k * 1e6 / 1000, k / a }')"
