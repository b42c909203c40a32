# Benchmark (VM): apply a 1,000-service x 10-destination table (11,000
# changes) into an empty kernel table with `ipvsadm -R` and `./kipvs -R`,
# alternating, and read it back with `ipvsadm -S -n` and `./kipvs -S -n`.
# Prints medians, ratios (targets: apply <= 0.1x ipvsadm, read-back <= 0.2x)
# and changes/s. Times come from /proc/uptime (10 ms steps), all in one guest
# under emulation: compare the ratios, not the absolute figures. Never fails
# on speed; fails only if ipvsadm itself cannot do the work.
# vm-timeout: 1200

runs=${BENCH_RUNS:-5}
svcs=1000 per=10
table=$VM_TMP/table.save
# -S -n form, the order ipvsadm prints: each service, then its destinations.
awk -v svcs=$svcs -v per=$per 'BEGIN {
	for (s = 0; s < svcs; s++) {
		vip = sprintf("10.96.%d.%d:%d", int(s / 250), s % 250 + 1, 80 + s % 3)
		proto = (s % 10 == 9) ? "-u" : "-t"
		printf "-A %s %s -s rr\n", proto, vip
		for (d = 0; d < per; d++)
			printf "-a %s %s -r 10.244.%d.%d:8080 -m -w 1\n", proto, vip,
				int((s * per + d) / 250), (s * per + d) % 250 + 1
	}
}' >"$table"
changes=$(wc -l <"$table")
sort "$table" >"$VM_TMP/table.sorted"

# Every apply runs in a network namespace of its own, made beforehand: IPVS
# keeps deleted destinations in a per-namespace trash list for a minute or
# two and every add scans it, so applying after `ipvsadm -C` would time the
# trash (10,000 entries, rescanned by each of the 11,000 adds) and pull both
# tools' times together. The clock is read inside the namespace, so neither
# tool is charged for `ip netns exec`.
mk_ns() { ip netns add "$1" && ip -n "$1" link set lo up; }
# timed_in NS IN OUT REPEAT CMD... — runs CMD REPEAT times in NS (stdin IN,
# stdout OUT, stderr appended to $VM_TMP/cmd.err); prints the seconds per run.
# Repeating short commands keeps /proc/uptime's 10 ms steps out of the figure.
timed_in() {
	_ns=$1 _in=$2 _out=$3 _rep=$4
	shift 4
	: >"$VM_TMP/cmd.err"
	ip netns exec "$_ns" sh -c 'n=$1; shift; rc=0; read -r s _ </proc/uptime
		i=0; while [ $i -lt $n ]; do "$@" || rc=$?; i=$((i + 1)); done
		read -r e _ </proc/uptime
		awk -v s="$s" -v e="$e" -v n="$n" "BEGIN { printf \"%.3f\", (e - s) / n }" >&3
		exit $rc' sh "$_rep" "$@" <"$_in" >"$_out" 2>>"$VM_TMP/cmd.err" 3>"$VM_TMP/t"
	_rc=$?
	cat "$VM_TMP/t"
	return $_rc
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
table_ok() { ip netns exec "$1" ipvsadm -S -n | sort | cmp -s - "$VM_TMP/table.sorted"; }

# Does kipvs have -R and -S at all? A one-service table answers that quickly.
kipvs_R=yes kipvs_S=yes
must mk_ns probe
if [ ! -x ./kipvs ]; then
	kipvs_R="no ./kipvs (it did not build)" kipvs_S=$kipvs_R
else
	head -n 2 "$table" >"$VM_TMP/small"
	ip netns exec probe ./kipvs -R <"$VM_TMP/small" >"$VM_TMP/k.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ "$(ip netns exec probe ipvsadm -S -n)" != "$(cat "$VM_TMP/small")" ]; then
		kipvs_R="kipvs lacks -R (exit status $rc: $(head -n 1 "$VM_TMP/k.out"))"
	fi
	ip netns exec probe ./kipvs -S -n >"$VM_TMP/k.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ "$(cat "$VM_TMP/k.out")" != "$(ip netns exec probe ipvsadm -S -n)" ]; then
		kipvs_S="kipvs lacks -S (exit status $rc: $(head -n 1 "$VM_TMP/k.out"))"
	fi
fi
ip netns del probe

ta='' tk='' bad_k=0
i=0
while [ $i -lt "$runs" ]; do
	must mk_ns rsa$i
	t=$(timed_in rsa$i "$table" "$VM_TMP/cmd.out" 1 ipvsadm -R) ||
		{ diag "ipvsadm -R failed:"; _vm_diag_file "$VM_TMP/cmd.err"; exit 1; }
	table_ok rsa$i || { diag "ipvsadm -R did not give the input table"; exit 1; }
	ta="$ta $t"
	if [ "$kipvs_R" = yes ]; then
		must mk_ns rsk$i
		t=$(timed_in rsk$i "$table" "$VM_TMP/cmd.out" 1 ./kipvs -R) && table_ok rsk$i ||
			bad_k=$((bad_k + 1))
		tk="$tk $t"
		ip netns del rsk$i
	fi
	# The last ipvsadm namespace stays for the read-back.
	[ $i -eq $((runs - 1)) ] || ip netns del rsa$i
	i=$((i + 1))
done
[ $bad_k -eq 0 ] || kipvs_R="kipvs -R failed or gave a different table in $bad_k of $runs runs"

# Read back the full table, 3 reads per sample.
rns=rsa$((runs - 1))
ra='' rk='' bad_s=0
ip netns exec $rns ipvsadm -S -n >"$VM_TMP/ref.save"
i=0
while [ $i -lt "$runs" ]; do
	t=$(timed_in $rns /dev/null "$VM_TMP/cmd.out" 3 ipvsadm -S -n) ||
		{ diag "ipvsadm -S -n failed"; exit 1; }
	ra="$ra $t"
	if [ "$kipvs_S" = yes ]; then
		t=$(timed_in $rns /dev/null "$VM_TMP/cmd.out" 1 ./kipvs -S -n) &&
			cmp -s "$VM_TMP/cmd.out" "$VM_TMP/ref.save" || bad_s=$((bad_s + 1))
		t=$(timed_in $rns /dev/null /dev/null 3 ./kipvs -S -n)
		rk="$rk $t"
	fi
	i=$((i + 1))
done
ip netns del $rns
[ $bad_s -eq 0 ] || kipvs_S="kipvs -S -n failed or differed from ipvsadm in $bad_s of $runs runs"

ma=$(echo "$ta" | median) mra=$(echo "$ra" | median)
rate() { awk -v c="$changes" -v t="$1" 'BEGIN { if (t > 0) printf "%d", c / t; else print "n/a" }'; }
echo "vm_restore: $svcs services x $per destinations = $changes changes, $runs runs each"
printf '%-18s median %6s s  runs:%s  %s changes/s\n' "apply ipvsadm -R" "$ma" "$ta" "$(rate "$ma")"
if [ "$kipvs_R" = yes ]; then
	mk=$(echo "$tk" | median)
	printf '%-18s median %6s s  runs:%s  %s changes/s\n' "apply kipvs -R" "$mk" "$tk" "$(rate "$mk")"
	awk -v k="$mk" -v a="$ma" 'BEGIN { printf "apply ratio kipvs/ipvsadm: %.3f (target <= 0.1)\n", k / a }'
else
	echo "apply kipvs -R: no figures: $kipvs_R"
fi
printf '%-18s median %6s s  runs:%s\n' "read ipvsadm -S -n" "$mra" "$ra"
if [ "$kipvs_S" = yes ]; then
	mrk=$(echo "$rk" | median)
	printf '%-18s median %6s s  runs:%s\n' "read kipvs -S -n" "$mrk" "$rk"
	awk -v k="$mrk" -v a="$mra" -v n="$svcs" 'BEGIN {
		printf "read ratio kipvs/ipvsadm: %.3f (target <= 0.2)\n", k / a
		printf "dump cost per service (its GET_DEST, 10 destinations): kipvs %.0f us, ipvsadm %.0f us\n", k * 1e6 / n, a * 1e6 / n }'
else
	echo "read kipvs -S -n: no figures: $kipvs_S"
fi
