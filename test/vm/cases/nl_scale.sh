# Scale: 10,000 services and 100,000 destinations applied through ipvs_apply
# and dumped completely (multipart replies of any size); the same 110,000
# adds again all come back EEXIST, every one (no error reply lost to a full
# receive buffer); one service with 5,000 destinations (a dest dump over
# dozens of datagrams); a batch delete empties the table. Diagnostics give
# the changes/s reached and the dump cost per service.
# vm-timeout: 1200

# Service s: 10.100.(s/250).(s%250+1):80; its dests 11.(s/256).(s%256).(1..10):8080.
# The changes are written as `nl-test dump --as-changes` prints a table, and
# the ipvsadm -S -n lines they must give: sorted, each side is then one cmp
# (busybox text tools are slow under emulation; one pass each).
awk 'BEGIN {
	for (s = 0; s < 10000; s++) {
		v = "10.100." int(s / 250) "." (s % 250 + 1)
		printf "add-svc tcp/%s/80 sched=rr flags=0x2 timeout=0 netmask=255.255.255.255\n", v
		printf "-A -t %s:80 -s rr\n", v >"/dev/stderr"
		for (d = 1; d <= 10; d++) {
			r = "11." int(s / 256) "." (s % 256) "." d
			printf "add-dest tcp/%s/80 %s/8080 fwd=0 weight=1 u=0 l=0 tun=0 tport=0 tflags=0\n", v, r
			printf "-a -t %s:80 -r %s:8080 -m -w 1\n", v, r >"/dev/stderr"
		}
	}
}' >"$VM_TMP/big.txt" 2>"$VM_TMP/big.save"
check_eq generated "110000" "$(wc -l <"$VM_TMP/big.txt" | tr -d ' ')"

./kipvs-testtool nl-test apply -q --time "$VM_TMP/big.txt" >"$VM_TMP/apply.out" 2>&1
check_eq apply_110000 "changes=110000 failed=0 result=0" "$(head -n 1 "$VM_TMP/apply.out")"
diag "apply 110000 changes: $(tail -n 1 "$VM_TMP/apply.out")"

check_eq dump_counts "services=10000 dests=100000" "$(./kipvs-testtool nl-test dump --count --time 2>"$VM_TMP/dump.time")"
diag "$(cat "$VM_TMP/dump.time")"
# Every service and destination exactly once, with its fields, under its service.
./kipvs-testtool nl-test dump --as-changes | sort >"$VM_TMP/dump.sorted"
sort "$VM_TMP/big.txt" >"$VM_TMP/big.sorted"
check dump_is_what_was_applied cmp "$VM_TMP/big.sorted" "$VM_TMP/dump.sorted"
# The same table as ipvsadm reads it.
sort "$VM_TMP/big.save" >"$VM_TMP/big.save.sorted"
ipvsadm -S -n | sort >"$VM_TMP/ipvsadm.save"
check ipvsadm_reads_the_same cmp "$VM_TMP/big.save.sorted" "$VM_TMP/ipvsadm.save"

# A dump is not a snapshot: services added while it runs shift the kernel's
# resume position, and entries already sent come again. Each must appear once.
awk 'BEGIN { for (s = 0; s < 2000; s++) printf "add-svc tcp/10.102.%d.%d/80 sched=rr\n", int(s / 250), s % 250 + 1 }' \
	>"$VM_TMP/more.txt"
./kipvs-testtool nl-test dump --as-changes --debug >"$VM_TMP/racy.dump" 2>"$VM_TMP/racy.log" &
dumper=$!
sleep 0.3
check_eq adds_during_dump "changes=2000 failed=0 result=0" "$(./kipvs-testtool nl-test apply -q "$VM_TMP/more.txt")"
wait $dumper
check_eq racy_dump_ok "0" "$?"
check_eq racy_dump_no_repeats "" "$(grep '^add-' "$VM_TMP/racy.dump" | sort | uniq -d | head -n 3)"
check_eq racy_dump_has_old_table "110000" "$(grep -c -e '^add-svc tcp/10\.100\.' -e '^add-dest' "$VM_TMP/racy.dump")"
diag "repeats merged during that dump: $(grep -o 'kind=[a-z]* count=[0-9]*' "$VM_TMP/racy.log" | tr '\n' ' ')"
diag "new services seen by that dump: $(grep -c '^add-svc tcp/10\.102\.' "$VM_TMP/racy.dump")"
awk '{ print "del-svc " $2 }' "$VM_TMP/more.txt" >"$VM_TMP/less.txt"
check_eq remove_added "changes=2000 failed=0 result=0" "$(./kipvs-testtool nl-test apply -q "$VM_TMP/less.txt")"

# Every one of 110,000 adds fails, and every failure is reported.
./kipvs-testtool nl-test apply -q --time "$VM_TMP/big.txt" >"$VM_TMP/again.out" 2>&1
check_eq all_eexist "changes=110000 failed=110000 errno_17=110000 result=0" \
	"$(head -n 1 "$VM_TMP/again.out")"
diag "110000 failing changes: $(tail -n 1 "$VM_TMP/again.out")"

# One service with 5,000 destinations.
awk 'BEGIN { print "add-svc tcp/10.101.0.1/80 sched=wrr"
	for (d = 0; d < 5000; d++) printf "add-dest tcp/10.101.0.1/80 12.0.%d.%d/80 weight=%d\n", int(d / 250), d % 250 + 1, d }' \
	>"$VM_TMP/wide.txt"
check_eq apply_wide "changes=5001 failed=0 result=0" "$(./kipvs-testtool nl-test apply "$VM_TMP/wide.txt")"
check_eq total_after_wide "services=10001 dests=105000" "$(./kipvs-testtool nl-test dump --count)"
./kipvs-testtool nl-test dump --as-changes --svc tcp/10.101.0.1/80 >"$VM_TMP/wide.dump"
check_eq wide_dests "5000" "$(grep -c '^add-dest' "$VM_TMP/wide.dump")"
check_eq wide_small_slots "$(cat "$VM_TMP/wide.dump")" \
	"$(./kipvs-testtool nl-test dump --as-changes --svc tcp/10.101.0.1/80 --rslot 1024)"
# Oldest first in --as-changes: the weights come back 0..4999 in order.
check_eq wide_in_dump_order "$(seq 0 4999)" \
	"$(sed -n 's/^add-dest .* weight=\([0-9]*\) .*/\1/p' "$VM_TMP/wide.dump")"

# Delete everything in one batch.
{ echo "del-svc tcp/10.101.0.1/80"; sed -n 's/^add-svc \([^ ]*\) .*/del-svc \1/p' "$VM_TMP/big.txt"; } >"$VM_TMP/del.txt"
./kipvs-testtool nl-test apply -q --time "$VM_TMP/del.txt" >"$VM_TMP/del.out" 2>&1
check_eq delete_all "changes=10001 failed=0 result=0" "$(head -n 1 "$VM_TMP/del.out")"
diag "delete 10001 services (105000 dests): $(tail -n 1 "$VM_TMP/del.out")"
check_eq empty "" "$(ipvsadm -S -n)"
