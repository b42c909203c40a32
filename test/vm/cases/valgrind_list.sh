# kipvs's listing and save under valgrind's memcheck in the guest: the
# netlink dumps, the sort and the printers against the real kernel, with no
# memory error and no leak, and the same output as ipvsadm.
# vm-timeout: 300

VG="env VALGRIND_LIB=/usr/libexec/valgrind valgrind.bin -q --error-exitcode=99 --leak-check=full
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
check valgrind_in_guest command -v valgrind.bin || exit 1
must ipvsadm -A -t 10.96.0.1:80 -s rr
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 3
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.0.3:8080 -g -w 1
must ipvsadm -A -u [fd00::10]:53 -s wlc -p 60
must ipvsadm -a -u [fd00::10]:53 -r [fd00::2]:53 -m
must ipvsadm -A -f 7 -s sh -b sh-port

# vg NAME ARGS...: kipvs ARGS under memcheck: exit status 0 and the output
# ipvsadm gives for the same ARGS.
vg() {
	_name=$1
	shift
	$VG ./kipvs "$@" >"$VM_TMP/$_name.out" 2>"$VM_TMP/$_name.err"
	_rc=$?
	diag "$_name: exit status $_rc"
	_vm_diag_file "$VM_TMP/$_name.err" 30
	check_eq "${_name}_clean" 0 "$_rc"
	check_eq "${_name}_as_ipvsadm" "$(ipvsadm "$@")" "$(cat "$VM_TMP/$_name.out")"
}
vg list -L -n
vg list_stats -L -n --stats
vg save -S -n
vg one -L -n -t 10.96.0.1:80
