# kipvs as ipvsadm on big tables: 300 services with 600 destinations (more
# than one netlink datagram per dump), then 10,000 services with 20,000
# destinations (a large cluster). Listings byte for byte; -R timed against
# ipvsadm -R on the same input (figures as diagnostics, never a pass/fail).
# vm-timeout: 1500

. test/vm/cases/admin.inc

# gen_table NSVC NDEST — ipvsadm -S -n text of NSVC services with NDEST dests each.
gen_table() {
	awk -v ns="$1" -v nd="$2" 'BEGIN {
		for (i = 0; i < ns; i++) {
			svc = sprintf("10.%d.%d.%d:80", 100 + int(i / 65000), int(i / 250) % 256, i % 250 + 1)
			printf "-A -t %s -s rr\n", svc
			for (d = 1; d <= nd; d++)
				printf "-a -t %s -r 10.244.%d.%d:8080 -m -w %d\n", svc, i % 200, d, d
		}
	}'
}

# now_ms — milliseconds since the epoch (busybox date has no %N everywhere).
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

gen_table 300 2 >"$VM_TMP/t300"
check restore_300 sh -c "'$K' -R <'$VM_TMP/t300'"
check_eq restore_300_exact "$(ipvsadm -Sn | sort)" "$(sort "$VM_TMP/t300")"
check_eq lines_300 903 "$("$K" -Ln | wc -l)"
for o in "-Ln" "-Ln --nosort" "-Sn" "-Ln --stats" "-Ln --rate --exact" "-Ln --tun-info" \
	"-Ln --persistent-conn" "-Ln -t 10.100.1.50:80"; do
	same "t300:$(admin_name "$o")" "$o"
done
must ipvsadm -C

gen_table 10000 2 >"$VM_TMP/t10k"
t0=$(now_ms)
ipvsadm -R <"$VM_TMP/t10k"
t1=$(now_ms)
check_eq ipvsadm_restore_10k 30000 "$(ipvsadm -Sn | wc -l)"
ipvsadm -Sn >"$VM_TMP/t10k.ipvsadm"
must ipvsadm -C
t2=$(now_ms)
check restore_10k sh -c "'$K' -R <'$VM_TMP/t10k'"
t3=$(now_ms)
# kipvs's own share: reading and validating all 30,000 lines (one bad line
# at the end, so nothing reaches the kernel).
{ cat "$VM_TMP/t10k"; echo "-A -f 0"; } >"$VM_TMP/t10k.bad"
t4=$(now_ms)
"$K" -R <"$VM_TMP/t10k.bad" >/dev/null 2>&1
t5=$(now_ms)
diag "restore of 10,000 services + 20,000 destinations: ipvsadm -R $((t1 - t0)) ms, kipvs -R $((t3 - t2)) ms (of which reading and checking the input: $((t5 - t4)) ms)"
ipvsadm -Sn >"$VM_TMP/t10k.kipvs"
check restore_10k_same_as_ipvsadm cmp "$VM_TMP/t10k.ipvsadm" "$VM_TMP/t10k.kipvs"

# Each listing once per tool, timed, then compared (a 10,000-service listing
# takes ipvsadm a minute or more under emulation).
for o in "-Sn" "-Ln" "-Ln --stats --exact"; do
	t0=$(now_ms)
	ipvsadm $o >"$VM_TMP/a.out" 2>"$VM_TMP/a.err"
	echo $? >"$VM_TMP/a.rc"
	t1=$(now_ms)
	"$K" $o >"$VM_TMP/b.out" 2>"$VM_TMP/b.err"
	echo $? >"$VM_TMP/b.rc"
	t2=$(now_ms)
	diag "$o on 10,000 services: ipvsadm $((t1 - t0)) ms, kipvs $((t2 - t1)) ms ($(wc -l <"$VM_TMP/a.out") lines)"
	check "t10k:$(admin_name "$o")" sh -c "cmp '$VM_TMP/a.out' '$VM_TMP/b.out' && cmp '$VM_TMP/a.err' '$VM_TMP/b.err' && cmp '$VM_TMP/a.rc' '$VM_TMP/b.rc'"
done
same t10k:one_service "-Ln -t 10.100.39.250:80 --stats"
