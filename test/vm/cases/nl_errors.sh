# The netlink module's error paths against the real kernel: no ip_vs loaded
# (the family lookup loads it; where it cannot, ipvs_open -> ENOENT and the
# message names modprobe), no CAP_NET_ADMIN
# (EPERM), then every kernel error a change can get (EEXIST, ENOENT, ESRCH,
# ERANGE, EINVAL, unknown scheduler/PE), each on its own change in a batch,
# with the socket still in step afterwards (kipvs-testtool nl-test errors).
# vm-modules: none
# vm-timeout: 120

check_eq no_ipvs_module "0" "$(grep -c '^ip_vs ' /proc/modules)"
# ip_vs.ko carries the alias net-pf-16-proto-16-family-IPVS: looking the
# family up makes the kernel load it, as ipvsadm relies on too.
check open_autoloads_ip_vs ./kipvs-testtool nl-test open
check_eq ip_vs_loaded_by_lookup "1" "$(grep -c '^ip_vs ' /proc/modules)"
check_eq open_reports_version "version=1.2.1 conn_tab_size=4096" "$(./kipvs-testtool nl-test open)"

# Where the module cannot be loaded (not built, or module loading off):
# ENOENT, and the message says how to fix it.
check unload_for_enoent ipvs_unload
modprobe_path=$(cat /proc/sys/kernel/modprobe)
echo /bin/false >/proc/sys/kernel/modprobe
out=$(./kipvs-testtool nl-test open 2>&1)
rc=$?
echo "$modprobe_path" >/proc/sys/kernel/modprobe
check_eq open_without_ip_vs_fails "1" "$rc"
check_eq open_without_ip_vs_text \
	"kipvs: IPVS is not available in this kernel (load it: modprobe ip_vs)" "$out"
check_eq still_not_loaded "0" "$(grep -c '^ip_vs ' /proc/modules)"
must modprobe ip_vs

# Without CAP_NET_ADMIN every IPVS request is refused, reads included. In a
# user namespace of its own (uid mapped to root there, like a rootless
# container) the process holds no capability over this network namespace.
out=$(unshare -r ./kipvs-testtool nl-test open 2>&1)
rc=$?
check_eq nobody_open_fails "1" "$rc"
check_eq nobody_open_text "kipvs: permission denied: kipvs needs CAP_NET_ADMIN (run as root)" "$out"

# The kernel's errors, one TAP line each from the driver.
./kipvs-testtool nl-test errors >"$VM_TMP/errors.out" 2>&1
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok "* | "not ok "*)
		name=${line#*- }
		name=$(printf '%s' "$name" | sed 's/ (got.*//; s/[^A-Za-z0-9_.:=+-]/_/g')
		case "$line" in
		"ok "*) check_eq "kernel:$name" ok ok ;;
		*) check_eq "kernel:$name" ok "$line" ;;
		esac
		;;
	esac
done <"$VM_TMP/errors.out"
check_eq errors_exit_status 0 "$rc"
check_eq errors_ran_all "$(grep -c '^ok ' "$VM_TMP/errors.out")" \
	"$(sed -n 's/^1\.\.//p' "$VM_TMP/errors.out")"

# Nothing the error run created is left behind.
check_eq table_empty_after "" "$(ipvsadm -S -n)"

# An unknown scheduler through the batch path: ENOENT on that change, worded for it.
printf 'add-svc tcp/198.51.100.7/80 sched=nosuchsched\n' >"$VM_TMP/bad.txt"
check_eq bad_scheduler_apply \
	'fail line=1 op=add-svc err=-2 msg="scheduler "nosuchsched" not found (load it: modprobe ip_vs_nosuchsched)"
changes=1 failed=1 errno_2=1 result=0' "$(./kipvs-testtool nl-test apply "$VM_TMP/bad.txt" 2>&1)"

must ipvsadm -C
