# Changes applied through the batch path (ipvs_apply, via kipvs-testtool nl-test
# apply) are read back by ipvsadm exactly as written: adds of every shape,
# then edits (scheduler, flags, persistence, weight, method, thresholds,
# tunnel), then deletes, then a mixed batch where the converged cases
# (EEXIST on add, ENOENT/ESRCH on delete) fail on their own lines while
# every other change in the same batch still applies.
# vm-timeout: 180

apply() { # FILE — must report no failure
	out=$(./kipvs-testtool nl-test apply "$1" 2>&1)
	n=$(grep -c -v -e '^#' -e '^$' "$1")
	[ "$out" = "changes=$n failed=0 result=0" ] && return 0
	echo "$out"
	return 1
}

# ipvsadm's own sort order is not under test: both sides are sorted.
saved() { ipvsadm -S -n | sort; }
want() { sort; }

must modprobe ip_vs_pe_sip
cat >"$VM_TMP/add.txt" <<'EOF'
# services
add-svc tcp/10.96.0.1/443 sched=rr
add-svc tcp/10.96.0.2/80 sched=wrr flags=0x1 timeout=600 netmask=255.255.255.0
add-svc udp/10.96.0.10/53 sched=sh flags=0x18
add-svc udp/10.96.0.11/9999 sched=rr flags=0x4
add-svc udp/10.96.0.30/5060 sched=rr flags=0x1 timeout=60 pe=sip
add-svc sctp/10.96.0.50/3868 sched=lc
add-svc tcp/2001:db8::1/80 sched=wlc flags=0x1 timeout=120 netmask=64
add-svc fwm/7 sched=mh flags=0x10
add-svc fwm6/3000000000 sched=rr
# destinations
add-dest tcp/10.96.0.1/443 10.244.1.3/6443 fwd=masq weight=1
add-dest tcp/10.96.0.1/443 10.244.1.4/6443 fwd=masq weight=2 u=200 l=20
add-dest tcp/10.96.0.2/80 10.244.2.1/80 fwd=dr weight=5
add-dest udp/10.96.0.10/53 10.244.0.6/53 fwd=tun tun=ipip weight=65535
add-dest udp/10.96.0.10/53 10.244.0.7/53 fwd=tun tun=gue tport=6080 tflags=csum
add-dest udp/10.96.0.30/5060 10.244.6.1/5060
add-dest sctp/10.96.0.50/3868 10.244.6.3/3868 weight=0
add-dest tcp/2001:db8::1/80 2001:db8::10/8080 weight=3
add-dest tcp/10.96.0.1/443 2001:db8::11/6443 fwd=tun tun=gre tflags=remcsum
add-dest fwm/7 10.244.7.1/0 fwd=dr
add-dest fwm6/3000000000 2001:db8::20/0 fwd=dr
EOF
check apply_adds apply "$VM_TMP/add.txt"
check_eq adds_read_back "$(want <<'EOF'
-A -t 10.96.0.1:443 -s rr
-a -t 10.96.0.1:443 -r 10.244.1.3:6443 -m -w 1
-a -t 10.96.0.1:443 -r 10.244.1.4:6443 -m -w 2
-a -t 10.96.0.1:443 -r [2001:db8::11]:6443 -i -w 1 --tun-type gre --tun-remcsum
-A -t 10.96.0.2:80 -s wrr -p 600 -M 255.255.255.0
-a -t 10.96.0.2:80 -r 10.244.2.1:80 -g -w 5
-A -u 10.96.0.10:53 -s sh -b sh-fallback,sh-port
-a -u 10.96.0.10:53 -r 10.244.0.6:53 -i -w 65535 --tun-type ipip
-a -u 10.96.0.10:53 -r 10.244.0.7:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -u 10.96.0.11:9999 -s rr -o
-A -u 10.96.0.30:5060 -s rr -p 60 --pe sip
-a -u 10.96.0.30:5060 -r 10.244.6.1:5060 -m -w 1
-A --sctp-service 10.96.0.50:3868 -s lc
-a --sctp-service 10.96.0.50:3868 -r 10.244.6.3:3868 -m -w 0
-A -t [2001:db8::1]:80 -s wlc -p 120 -M 64
-a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 3
-A -f 7 -s mh -b mh-port
-a -f 7 -r 10.244.7.1:0 -g -w 1
-A -f -1294967296 -6 -s rr
-a -f -1294967296 -6 -r [2001:db8::20]:0 -g -w 1
EOF
)" "$(saved)"
check_eq thresholds_read_back "TCP  10.96.0.1:443 rr
  -> 10.244.1.3:6443              0          0          0          0         
  -> 10.244.1.4:6443              200        20         0          0         
  -> [2001:db8::11]:6443          0          0          0          0         " \
	"$(ipvsadm -L -n --thresholds -t 10.96.0.1:443 | tail -n +3)"

# Edits replace the whole description (flags are sent with a full mask).
cat >"$VM_TMP/edit.txt" <<'EOF'
edit-svc tcp/10.96.0.1/443 sched=wlc flags=0x1 timeout=30
edit-svc tcp/10.96.0.2/80 sched=wrr
edit-svc udp/10.96.0.10/53 sched=mh flags=0x8
edit-svc udp/10.96.0.30/5060 sched=rr flags=0x1 timeout=60
edit-dest tcp/10.96.0.1/443 10.244.1.3/6443 fwd=dr weight=9 u=50 l=5
edit-dest udp/10.96.0.10/53 10.244.0.7/53 fwd=tun tun=gue tport=7000 tflags=remcsum weight=4
edit-dest udp/10.96.0.10/53 10.244.0.6/53 fwd=masq weight=0
EOF
check apply_edits apply "$VM_TMP/edit.txt"
check_eq edits_read_back "$(want <<'EOF'
-A -t 10.96.0.1:443 -s wlc -p 30
-a -t 10.96.0.1:443 -r 10.244.1.3:6443 -g -w 9
-a -t 10.96.0.1:443 -r 10.244.1.4:6443 -m -w 2
-a -t 10.96.0.1:443 -r [2001:db8::11]:6443 -i -w 1 --tun-type gre --tun-remcsum
-A -t 10.96.0.2:80 -s wrr
-a -t 10.96.0.2:80 -r 10.244.2.1:80 -g -w 5
-A -u 10.96.0.10:53 -s mh -b mh-fallback
-a -u 10.96.0.10:53 -r 10.244.0.6:53 -m -w 0
-a -u 10.96.0.10:53 -r 10.244.0.7:53 -i -w 4 --tun-type gue --tun-port 7000 --tun-remcsum
EOF
)" "$(ipvsadm -S -n | grep -e 10.96.0.1: -e 10.96.0.2: -e 10.96.0.10: | sort)"
check_eq edit_dropped_pe "-A -u 10.96.0.30:5060 -s rr -p 60" \
	"$(ipvsadm -S -n | grep '^-A -u 10.96.0.30:5060')"
check_eq edited_thresholds "  -> 10.244.1.3:6443              50         5          0          0         " \
	"$(ipvsadm -L -n --thresholds -t 10.96.0.1:443 | grep 10.244.1.3)"

cat >"$VM_TMP/del.txt" <<'EOF'
del-dest tcp/10.96.0.1/443 10.244.1.4/6443
del-dest tcp/10.96.0.1/443 2001:db8::11/6443
del-svc udp/10.96.0.10/53
del-svc udp/10.96.0.11/9999
del-svc sctp/10.96.0.50/3868
del-svc tcp/2001:db8::1/80
del-svc fwm/7
del-svc fwm6/3000000000
del-svc udp/10.96.0.30/5060
EOF
check apply_deletes apply "$VM_TMP/del.txt"
check_eq deletes_read_back "$(want <<'EOF'
-A -t 10.96.0.1:443 -s wlc -p 30
-a -t 10.96.0.1:443 -r 10.244.1.3:6443 -g -w 9
-A -t 10.96.0.2:80 -s wrr
-a -t 10.96.0.2:80 -r 10.244.2.1:80 -g -w 5
EOF
)" "$(saved)"

# A mixed batch: converged cases fail alone, the rest applies.
cat >"$VM_TMP/mixed.txt" <<'EOF'
add-svc tcp/10.96.0.1/443 sched=rr
add-svc tcp/10.96.0.3/80 sched=rr
add-dest tcp/10.96.0.1/443 10.244.1.3/6443
add-dest tcp/10.96.0.3/80 10.244.3.1/80
del-dest tcp/10.96.0.2/80 10.244.9.9/80
del-svc tcp/10.96.0.9/80
edit-dest tcp/10.96.0.2/80 10.244.2.1/80 fwd=dr weight=6
add-dest tcp/10.96.0.9/80 10.244.9.1/80
EOF
check_eq mixed_batch "$(cat <<'EOF'
fail line=1 op=add-svc err=-17 msg="virtual server already exists"
fail line=3 op=add-dest err=-17 msg="destination already exists"
fail line=5 op=del-dest err=-2 msg="no such destination"
fail line=6 op=del-svc err=-3 msg="no such virtual server"
fail line=8 op=add-dest err=-3 msg="no such virtual server"
changes=8 failed=5 errno_2=1 errno_3=2 errno_17=2 result=0
EOF
)" "$(./kipvs-testtool nl-test apply "$VM_TMP/mixed.txt" 2>&1)"
check_eq mixed_read_back "$(want <<'EOF'
-A -t 10.96.0.1:443 -s wlc -p 30
-a -t 10.96.0.1:443 -r 10.244.1.3:6443 -g -w 9
-A -t 10.96.0.2:80 -s wrr
-a -t 10.96.0.2:80 -r 10.244.2.1:80 -g -w 6
-A -t 10.96.0.3:80 -s rr
-a -t 10.96.0.3:80 -r 10.244.3.1:80 -m -w 1
EOF
)" "$(saved)"

# A file that does not parse applies nothing (the driver reads it all first).
cat >"$VM_TMP/bad.txt" <<'EOF'
add-dest tcp/10.96.0.3/80 10.244.3.2/80
add-svc tcp/10.96.0.4/80 sched=0123456789abcdef
EOF
check_eq parse_error_named "kipvs-testtool nl-test: line 2: cannot parse" \
	"$(./kipvs-testtool nl-test apply "$VM_TMP/bad.txt" 2>&1)"
check_eq parse_error_applies_nothing "1" "$(ipvsadm -S -n | grep -c '^-a -t 10.96.0.3:80')"
