# kipvs as ipvsadm on the basic scenario (a small kube-proxy-like table, as
# in test/fixtures/ipvsadm/basic): every listing option and -S byte for byte
# against the real ipvsadm, single-service listings and their errors, option
# conflicts, the empty table, and `kipvs -R` of the saved table.
# vm-timeout: 300

. test/vm/cases/admin.inc

all_listings empty

basic_table() {
	ipvsadm -A -t 10.96.0.1:443 -s rr &&
		ipvsadm -a -t 10.96.0.1:443 -r 10.244.1.5:6443 -m &&
		ipvsadm -a -t 10.96.0.1:443 -r 10.244.1.3:6443 -m &&
		ipvsadm -a -t 10.96.0.1:443 -r 10.244.2.200:6443 -m -w 0 &&
		ipvsadm -A -t 10.96.0.10:53 -s wlc &&
		ipvsadm -a -t 10.96.0.10:53 -r 10.244.0.7:53 -g -w 5 &&
		ipvsadm -a -t 10.96.0.10:53 -r 10.244.0.6:53 -i -w 65535 &&
		ipvsadm -A -u 10.96.0.10:53 -s rr -p 10800 &&
		ipvsadm -a -u 10.96.0.10:53 -r 10.244.0.7:53 -m &&
		ipvsadm -a -u 10.96.0.10:53 -r 10.244.0.6:53 -m -x 100 -y 10
}
must basic_table
# The state is the captured one: the captures are then golden files too.
check_eq state_is_captured "$(cat $CAPS/basic/10_Sn.out)" "$(ipvsadm -Sn)"
check_eq kipvs_matches_capture_Ln "$(cat $CAPS/basic/04_Ln.out)" "$("$K" -Ln)"
# (Not --nosort: the kernel's hash order depends on the namespace's address.)

all_listings basic

# One service: no version line; a missing one is "No such service", exit 1.
for o in "-Ln -t 10.96.0.1:443" "-Ln -u 10.96.0.10:53 --stats" "-L -t 10.96.0.10:53 --rate" \
	"-Ln -t 10.96.0.1:443 --nosort" "-Ln -t 10.96.0.10:53 --tun-info --exact" \
	"-Ln --tcp-service 10.96.0.1:443 --thresholds" "-Ln -u 10.96.0.10:53 --persistent-conn" \
	"-Ln -t 10.96.0.99:1" "-Ln -u 10.96.0.1:443" "-Ln -f 1" "-Ln --sctp-service 10.96.0.1:443" \
	"-Ln -t [2001:db8::1]:80" "-Ln -t 10.96.0.1"; do
	same "one:$(admin_name "$o")" "$o"
done

# Option checks: conflicts (exit 2), illegal options, popt errors (255).
for o in "-Lnc --stats" "-L --timeout --persistent-conn" "-L --daemon --rate" \
	"-L -c -t 10.96.0.1:443" "-L --timeout --daemon" "-L -s rr" "-S --nosort" "-Ln --bogus" \
	"-L -t" "-Ln=3" "-L -n -n" "-L -S" "-L foo" "-L --stop-daemon master" "-Sn --stats" \
	"-Lq" "-L -t 10.96.0.1:443 -u 10.96.0.10:53"; do
	same_named "opts:$(admin_name "$o")" "$o"
done
same_named opts:no_command "-n"
# (Not `kipvs foo`: a first word that is no option is a kipvs subcommand name.)

# -c on an idle table (entries appear in admin_stats).
same conns:Lnc -Lnc
same conns:Lnc_pc -Lnc --persistent-conn
same conns:Lc -Lc

# Restore: the saved table comes back identical (-Sn before/after).
ipvsadm -Sn >"$VM_TMP/saved"
must ipvsadm -C
check restore_runs sh -c "'$K' -R <'$VM_TMP/saved'"
check_eq restore_reproduces "$(cat "$VM_TMP/saved")" "$(ipvsadm -Sn)"
# Each -R re-adds destinations in saved (sorted) order, as ipvsadm -R does:
# the dump order (--nosort) is then the same after either restore.
ipvsadm -Ln --nosort >"$VM_TMP/nosort.kipvs"
must ipvsadm -C
must sh -c "ipvsadm -R <'$VM_TMP/saved'"
check_eq restore_same_dump_order_as_ipvsadm "$(cat "$VM_TMP/nosort.kipvs")" "$(ipvsadm -Ln --nosort)"
all_listings restored
