# kipvs render's output keeps to ipvsadm's grammar in the real kernel:
# `ipvsadm -R` accepts every line (TCP, UDP, SCTP, IPv6, persistence, mh with
# flags), and the table ipvsadm then saves holds exactly the rendered lines
# (compared as sets: ipvsadm sorts its own way).
# vm-timeout: 120

fx=test/fixtures/k8s
g=test/golden/render
# (stderr apart: mixed-list.json holds an invalid object, reported there)
check render_exit_0 sh -c "./kipvs render -f $fx/services.json -f $fx/endpointslices.json \
	--hostname-override node-a --node-ip 172.18.0.2 --node-zone zone-a \
	-f $g/mixed-list.json >$VM_TMP/render.txt 2>$VM_TMP/render.err"
check lines_rendered sh -c "[ \$(wc -l <$VM_TMP/render.txt) -gt 40 ]"
check restore_accepts_all sh -c "ipvsadm -R <$VM_TMP/render.txt"
check_eq saved_equals_rendered "$(sort "$VM_TMP/render.txt")" "$(ipvsadm -Sn | sort)"
# Restoring the same lines again fails on every service (they exist): the
# lines are the kernel's state, not an approximation of it.
check_not restore_twice_conflicts sh -c "ipvsadm -R <$VM_TMP/render.txt"
