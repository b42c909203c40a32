# Benchmark (VM): apply a 1,000-service x 10-destination table (11,000
# changes) into an empty kernel table with `ipvsadm -R` and `./kipvs -R`,
# alternating, and read it back with `ipvsadm -S -n` and `./kipvs -S -n`.
# Prints medians, ratios (targets: apply <= 0.1x ipvsadm, read-back <= 0.2x)
# and changes/s. Times come from /proc/uptime (10 ms steps), all in one guest
# under emulation: compare the ratios, not the absolute figures. Never fails
# on speed; fails only if ipvsadm itself cannot do the work.
# vm-timeout: 1200

runs=${BENCH_RUNS:-3}
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

now() { read -r _t _ </proc/uptime; echo "$_t"; }
# timed OUTFILE CMD... — runs CMD (stdin from $table when OUTFILE is "-R"),
# prints its wall time in seconds.
timed() {
	_mode=$1
	shift
	_s=$(now)
	if [ "$_mode" = -R ]; then
		"$@" <"$table" >"$VM_TMP/cmd.out" 2>&1
	else
		"$@" >"$VM_TMP/cmd.out" 2>"$VM_TMP/cmd.err"
	fi
	_rc=$?
	_e=$(now)
	awk -v s="$_s" -v e="$_e" 'BEGIN { printf "%.2f\n", e - s }'
	return $_rc
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
table_ok() { ipvsadm -S -n | sort | cmp -s - "$VM_TMP/table.sorted"; }

# Does kipvs have -R and -S at all? A one-service table answers that quickly.
kipvs_R=yes kipvs_S=yes
must ipvsadm -C
if [ ! -x ./kipvs ]; then
	kipvs_R="no ./kipvs (it did not build)" kipvs_S=$kipvs_R
else
	head -n 2 "$table" >"$VM_TMP/small"
	./kipvs -R <"$VM_TMP/small" >"$VM_TMP/k.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ "$(ipvsadm -S -n)" != "$(cat "$VM_TMP/small")" ]; then
		kipvs_R="kipvs lacks -R (exit status $rc: $(head -n 1 "$VM_TMP/k.out"))"
	fi
	ipvsadm -C
	must ipvsadm -R <"$VM_TMP/small"
	./kipvs -S -n >"$VM_TMP/k.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ "$(cat "$VM_TMP/k.out")" != "$(ipvsadm -S -n)" ]; then
		kipvs_S="kipvs lacks -S (exit status $rc: $(head -n 1 "$VM_TMP/k.out"))"
	fi
fi

ta='' tk='' bad_k=0
i=0
while [ $i -lt "$runs" ]; do
	must ipvsadm -C
	t=$(timed -R ipvsadm -R) || { diag "ipvsadm -R failed:"; _vm_diag_file "$VM_TMP/cmd.out"; exit 1; }
	table_ok || { diag "ipvsadm -R did not give the input table"; exit 1; }
	ta="$ta $t"
	if [ "$kipvs_R" = yes ]; then
		must ipvsadm -C
		t=$(timed -R ./kipvs -R) && table_ok || bad_k=$((bad_k + 1))
		tk="$tk $t"
	fi
	i=$((i + 1))
done
[ $bad_k -eq 0 ] || kipvs_R="kipvs -R failed or gave a different table in $bad_k of $runs runs"

# Read back the full table (ipvsadm loaded it last, or kipvs did: same table).
must ipvsadm -C
must ipvsadm -R <"$table"
ra='' rk='' bad_s=0
ipvsadm -S -n >"$VM_TMP/ref.save"
i=0
while [ $i -lt "$runs" ]; do
	t=$(timed -S ipvsadm -S -n) || { diag "ipvsadm -S -n failed"; exit 1; }
	ra="$ra $t"
	if [ "$kipvs_S" = yes ]; then
		t=$(timed -S ./kipvs -S -n) && cmp -s "$VM_TMP/cmd.out" "$VM_TMP/ref.save" ||
			bad_s=$((bad_s + 1))
		rk="$rk $t"
	fi
	i=$((i + 1))
done
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
	awk -v k="$mrk" -v a="$mra" 'BEGIN { printf "read ratio kipvs/ipvsadm: %.3f (target <= 0.2)\n", k / a }'
else
	echo "read kipvs -S -n: no figures: $kipvs_S"
fi
