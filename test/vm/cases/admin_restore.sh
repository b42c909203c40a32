# kipvs -R: the saves captured from ipvsadm restore to exactly the same table
# (ipvsadm -Sn before and after, and the same as after ipvsadm -R); a bad
# line anywhere refuses the whole input and applies nothing; kernel errors
# are reported per line with a summary, and the rest is applied.
# vm-timeout: 300

. test/vm/cases/admin.inc

modprobe ip_vs_pe_sip 2>/dev/null
for m in sh mh wrr lc; do modprobe ip_vs_$m 2>/dev/null; done

for f in basic/10_Sn stats/30_Sn big/07_Sn errors/32_after_edits_Sn; do
	name=$(echo "$f" | tr '/' '_')
	must ipvsadm -C
	check "kipvs_R:$name" sh -c "'$K' -R <'$CAPS/$f.out'"
	check_eq "reproduces:$name" "$(cat "$CAPS/$f.out")" "$(ipvsadm -Sn)"
	ipvsadm -Ln --nosort >"$VM_TMP/kipvs.nosort"
	must ipvsadm -C
	must sh -c "ipvsadm -R <'$CAPS/$f.out'"
	check_eq "same_as_ipvsadm_R:$name" "$(cat "$VM_TMP/kipvs.nosort")" "$(ipvsadm -Ln --nosort)"
done

# A bad line at the end: nothing at all is applied, the line is named.
must ipvsadm -C
printf '%s\n' '-A -t 10.96.0.1:443 -s rr' '-a -t 10.96.0.1:443 -r 10.244.1.3:6443 -m' \
	'' '# a comment' 'ipvsadm -A -u 10.96.0.10:53 -s rr' '-A -t 10.96.0.2:80 -s rr -b sh-port' \
	>"$VM_TMP/bad"
"$K" -R <"$VM_TMP/bad" >"$VM_TMP/bad.out" 2>"$VM_TMP/bad.err"
check_eq bad_line_exit_2 2 "$?"
check_eq bad_line_named "$(printf '%s\n' "line 6: incompatible scheduler flag \`sh-port'" \
	"$K: restore: 1 bad line in 6; nothing applied")" "$(cat "$VM_TMP/bad.err")"
check_eq bad_line_nothing_applied "" "$(ipvsadm -Sn)"

# Kernel errors: each failed line is reported, the others are applied.
must ipvsadm -A -t 10.96.0.1:443 -s rr
printf '%s\n' '-A -t 10.96.0.1:443 -s rr' '-A -t 10.96.0.5:80 -s wlc' \
	'-a -t 10.96.0.5:80 -r 10.244.1.9:80 -m' '-a -t 10.96.0.99:1 -r 10.244.1.5 -m' \
	'-a -t 10.96.0.5:80 -r 224.0.0.5:80 -m' '-d -t 10.96.0.5:80 -r 10.244.1.7:80' \
	'-A -t 10.96.0.6:80 -s nosuch' >"$VM_TMP/kerr"
"$K" -R <"$VM_TMP/kerr" >"$VM_TMP/kerr.out" 2>"$VM_TMP/kerr.err"
check_eq kernel_errors_exit_1 1 "$?"
check_eq kernel_errors_listed "$(printf '%s\n' 'line 1: Service already exists' \
	'line 4: Service not defined' \
	'line 5: Invalid operation.  Possibly wrong module version, address not unicast, ...' \
	'line 6: No such destination' 'line 7: Scheduler or persistence engine not found' \
	"$K: restore: 2 of 7 changes applied, 5 failed")" "$(cat "$VM_TMP/kerr.err")"
check_eq kernel_errors_rest_applied "$(printf '%s\n' '-A -t 10.96.0.1:443 -s rr' \
	'-A -t 10.96.0.5:80 -s wlc' '-a -t 10.96.0.5:80 -r 10.244.1.9:80 -m -w 1')" "$(ipvsadm -Sn)"

# -C inside the input flushes at that point.
printf '%s\n' '-A -t 10.96.0.7:80 -s rr' '-C' '-A -t 10.96.0.8:80 -s rr' >"$VM_TMP/flush"
check restore_with_flush sh -c "'$K' -R <'$VM_TMP/flush'"
check_eq flush_applied_in_order "-A -t 10.96.0.8:80 -s rr" "$(ipvsadm -Sn)"

# ipvsadm -R of what kipvs -S saved, and kipvs -R of what ipvsadm -S saved.
must ipvsadm -C
must sh -c "ipvsadm -R <'$CAPS/basic/10_Sn.out'"
"$K" -Sn >"$VM_TMP/k.saved"
must ipvsadm -C
check ipvsadm_R_of_kipvs_S sh -c "ipvsadm -R <'$VM_TMP/k.saved'"
check_eq cross_restore "$(cat "$CAPS/basic/10_Sn.out")" "$(ipvsadm -Sn)"
