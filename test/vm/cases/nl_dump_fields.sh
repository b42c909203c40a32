# The netlink dump agrees field by field with what ipvsadm created: a wide
# table (IPv4/IPv6, TCP/UDP/SCTP, fwmarks incl. IPv6 and >= 2^31, every
# scheduler this kernel has, every forwarding method, persistence and
# netmasks, ops, pe sip, scheduler flags, thresholds, ipip/gue/gre tunnels,
# mixed families) is read by `kipvs-testtool nl-test dump` and compared with
# `ipvsadm -S -n`, `--thresholds` and `--persistent-conn` (both sides
# rendered to the same lines and sorted). Then the table is rebuilt from the
# dump through the batch path (ipvs_apply) and ipvsadm must read back
# exactly what it had.
# vm-timeout: 300

moddir=/lib/modules/$(uname -r)/kernel/net/netfilter/ipvs
scheds=$(ls "$moddir" | sed -n 's/^ip_vs_\(.*\)\.ko.*$/\1/p' | grep -v -e '^pe_' -e '^ftp$')
diag "schedulers in this kernel: $(echo $scheds)"
must modprobe ip_vs_pe_sip

# --- a wide table, built by ipvsadm -------------------------------------------
i=0
for s in $scheds; do
	i=$((i + 1))
	must ipvsadm -A -t 10.96.1.$i:80 -s "$s"
	must ipvsadm -a -t 10.96.1.$i:80 -r 10.244.1.$i:8080 -m -w $i
	must ipvsadm -a -t 10.96.1.$i:80 -r 10.244.2.$i:80 -g -w 0
done
# Scheduler flags (named for sh/mh, flag-N otherwise; sh with only flag-3).
must ipvsadm -A -t 10.96.2.1:80 -s sh -b sh-fallback,sh-port
must ipvsadm -A -t 10.96.2.2:80 -s sh -b flag-3
must ipvsadm -A -t 10.96.2.3:80 -s mh -p 60 -b mh-fallback
must ipvsadm -A -t 10.96.2.4:80 -s mh -b mh-port
must ipvsadm -A -t 10.96.2.5:80 -s rr -b flag-1,flag-2,flag-3
# Persistence and netmasks, ops, pe sip (persistent and not).
must ipvsadm -A -t 10.96.3.1:443 -s wrr -p
must ipvsadm -A -t 10.96.3.2:443 -s wlc -p 60 -M 255.255.255.0
must ipvsadm -A -t 10.96.3.3:443 -s lc -p 2678400 -M 255.255.0.0
must ipvsadm -A -u 10.96.3.4:9999 -s rr -o
must ipvsadm -A -u 10.96.3.5:5060 -s rr -p 60 --pe sip
must ipvsadm -a -u 10.96.3.5:5060 -r 10.244.3.5:5060 -m -w 1
must ipvsadm -A -u 10.96.3.6:5060 -s rr --pe sip
must ipvsadm -A -u 10.96.3.7:0 -s rr -p 30
must ipvsadm -a -u 10.96.3.7:0 -r 10.244.3.7:0 -g
# SCTP, IPv6 (with persistence and a prefix netmask).
must ipvsadm -A --sctp-service 10.96.4.1:3868 -s rr
must ipvsadm -a --sctp-service 10.96.4.1:3868 -r 10.244.4.1:3868 -m
must ipvsadm -A -t [2001:db8::1]:80 -s rr
must ipvsadm -a -t [2001:db8::1]:80 -r [2001:db8::10]:8080 -m -w 3 -x 100 -y 10
must ipvsadm -a -t [2001:db8::1]:80 -r [2001:db8:1234:5678:9abc:def0:1234:5678]:65535 -m -w 65535
must ipvsadm -A -u [2001:db8::1]:53 -s lc -p 120 -M 64
must ipvsadm -a -u [2001:db8::1]:53 -r [2001:db8::12]:53 -m
must ipvsadm -A --sctp-service [2001:db8::2]:3868 -s rr
# fwmarks: IPv4 and IPv6 with the same mark, 2^31 and 2^32-1 in both families.
must ipvsadm -A -f 1 -s rr
must ipvsadm -a -f 1 -r 10.244.7.1:0 -g
must ipvsadm -a -f 1 -r 10.244.7.2:8080 -m
must ipvsadm -A -f 1 -6 -s rr -p 100 -M 64
must ipvsadm -a -f 1 -6 -r [2001:db8::20]:0 -g
must ipvsadm -A -f 2147483648 -s rr -p 360
must ipvsadm -A -f 4294967295 -s wlc
must ipvsadm -A -f 2147483648 -6 -s rr
must ipvsadm -A -f 4294967295 -6 -s sh -b sh-port
# Every forwarding method, thresholds, tunnels, a mixed-family tunnel.
must ipvsadm -A -t 10.96.5.1:80 -s rr
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.1:80 -m -w 1 -x 1000 -y 100
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.2:80 -g -w 2 -x 5
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.3:80 -i -w 3 --tun-type ipip
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.4:80 -i --tun-type gue --tun-port 6080 --tun-csum
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.5:80 -i --tun-type gue --tun-port 6081 --tun-remcsum
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.6:80 -i --tun-type gue --tun-port 65535 --tun-nocsum
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.7:80 -i --tun-type gre --tun-csum
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.8:80 -i --tun-type gre --tun-nocsum
must ipvsadm -a -t 10.96.5.1:80 -r [2001:db8::5]:80 -i -w 2147483647
must ipvsadm -a -t 10.96.5.1:80 -r 10.244.5.9:80 -m -w 7 -x 0 -y 0
# Forwarding values ipvsadm cannot ask for but the kernel keeps: Local (1,
# saved as -g) and 4-7 (printed "(null)").
printf 'add-dest tcp/10.96.5.1/80 10.244.5.%d/80 fwd=%d\n' 13 1 14 4 15 5 16 6 17 7 >"$VM_TMP/raw.txt"
check_eq raw_fwd_applied "changes=5 failed=0 result=0" "$(./kipvs-testtool nl-test apply "$VM_TMP/raw.txt")"

# --- both sides rendered to the same lines ----------------------------------------
# kipvs's key=value dump → ipvsadm -S -n lines (its rules: -p with the
# timeout, -M only under persistence and only when not the full mask, --pe
# always, -b by scheduler, fwmarks signed, Local saved as -g).
cat >"$VM_TMP/save.awk" <<'EOF'
function hex(s,   n, i, c) {
	n = 0; s = tolower(s); sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
	return n
}
function bit(v, b) { return int(v / b) % 2 }
function kv(   i, p) { delete v; for (i = 2; i <= NF; i++) { p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1) } }
function svcname(   m, p) {
	if (v["fwmark"] != 0) {
		m = v["fwmark"] + 0; if (m >= 2147483648) m -= 4294967296
		return sprintf("-f %d", m) (v["af"] == 10 ? " -6" : "")
	}
	p = v["proto"] == 6 ? "-t" : v["proto"] == 17 ? "-u" : "--sctp-service"
	return p " " (v["af"] == 10 ? "[" v["addr"] "]" : v["addr"]) ":" v["port"]
}
function bflags(s, f,   t, n) {
	if (s == "sh" || s == "mh") { n[1] = s "-fallback"; n[2] = s "-port"; n[3] = "" }
	else { n[1] = "flag-1"; n[2] = "flag-2"; n[3] = "flag-3" }
	t = ""
	if (bit(f, 8) && n[1] != "") t = t (t == "" ? "" : ",") n[1]
	if (bit(f, 16) && n[2] != "") t = t (t == "" ? "" : ",") n[2]
	if (bit(f, 32) && n[3] != "") t = t (t == "" ? "" : ",") n[3]
	return t
}
$1 == "svc" {
	kv(); f = hex(v["flags"]); name[v["id"]] = svcname()
	line = "-A " name[v["id"]] " -s " v["sched"]
	if (bit(f, 1)) {
		line = line " -p " v["timeout"]
		if (v["af"] == 2 && v["netmask"] != "255.255.255.255") line = line " -M " v["netmask"]
		if (v["af"] == 10 && v["netmask"] != 128) line = line " -M " v["netmask"]
	}
	if (v["pe"] != "-") line = line " --pe " v["pe"]
	if (bit(f, 4)) line = line " -o"
	if (bit(f, 8) || bit(f, 16) || bit(f, 32)) line = line " -b " bflags(v["sched"], f)
	print line
}
$1 == "dest" {
	kv(); fw = v["fwd"] + 0
	fwd = fw == 0 ? "-m" : fw == 2 ? "-i" : (fw == 1 || fw == 3) ? "-g" : "(null)"
	line = "-a " name[v["svc"]] " -r " (v["af"] == 10 ? "[" v["addr"] "]" : v["addr"]) ":" v["port"] " " fwd " -w " v["weight"]
	if (fw == 2) {
		split("nocsum csum remcsum", tf, " ")
		if (v["tun_type"] == 0) line = line " --tun-type ipip"
		if (v["tun_type"] == 1) line = line " --tun-type gue --tun-port " v["tun_port"] " --tun-" tf[v["tun_flags"] + 1]
		if (v["tun_type"] == 2) line = line " --tun-type gre --tun-" tf[v["tun_flags"] + 1]
	}
	print line
}
EOF
# kipvs's dump → "service dest uthreshold lthreshold active inactive weight persistent".
cat >"$VM_TMP/conns.awk" <<'EOF'
function kv(   i, p) { delete v; for (i = 2; i <= NF; i++) { p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1) } }
$1 == "svc" {
	kv()
	if (v["fwmark"] != 0) { m = v["fwmark"] + 0; if (m >= 2147483648) m -= 4294967296; n = sprintf("FWM %d", m) (v["af"] == 10 ? " IPv6" : "") }
	else n = (v["proto"] == 6 ? "TCP" : v["proto"] == 17 ? "UDP" : "SCTP") " " (v["af"] == 10 ? "[" v["addr"] "]" : v["addr"]) ":" v["port"]
	name[v["id"]] = n
}
$1 == "dest" {
	kv()
	w = v["weight"] + 0; if (w < 0) w += 4294967296
	print name[v["svc"]] " " (v["af"] == 10 ? "[" v["addr"] "]" : v["addr"]) ":" v["port"], v["u"], v["l"], v["active"], v["inact"], w, v["persist"]
}
EOF
# ipvsadm's two listings joined into the same lines.
cat >"$VM_TMP/listing.awk" <<'EOF'
FNR <= 3 { next }
$1 != "->" { svc = ($1 == "FWM") ? "FWM " $2 ($3 == "IPv6" ? " IPv6" : "") : $1 " " $2; next }
FILENAME ~ /thr/ { thr[svc " " $2] = $3 " " $4 " " $5 " " $6; next }
{ pc[svc " " $2] = $3 " " $5 }
END { for (k in thr) print k, thr[k], pc[k] }
EOF

compare() { # NAME
	./kipvs-testtool nl-test dump --no-stats >"$VM_TMP/dump" || return 1
	awk -f "$VM_TMP/save.awk" "$VM_TMP/dump" | sort >"$VM_TMP/mine.save"
	ipvsadm -S -n | sort >"$VM_TMP/ipvsadm.save"
	check_eq "$1:save_lines" "$(cat "$VM_TMP/ipvsadm.save")" "$(cat "$VM_TMP/mine.save")"
	ipvsadm -L -n --thresholds >"$VM_TMP/thr"
	ipvsadm -L -n --persistent-conn >"$VM_TMP/pc"
	awk -f "$VM_TMP/listing.awk" "$VM_TMP/thr" "$VM_TMP/pc" | sort >"$VM_TMP/ipvsadm.conns"
	awk -f "$VM_TMP/conns.awk" "$VM_TMP/dump" | sort >"$VM_TMP/mine.conns"
	check_eq "$1:thresholds_conns_weights" "$(cat "$VM_TMP/ipvsadm.conns")" "$(cat "$VM_TMP/mine.conns")"
}

compare ipvsadm_built
nsvc=$(ipvsadm -S -n | grep -c '^-A')
ndest=$(ipvsadm -S -n | grep -c '^-a')
check_eq service_count "$nsvc" "$(grep -c '^svc ' "$VM_TMP/dump")"
check_eq dest_count "$ndest" "$(grep -c '^dest ' "$VM_TMP/dump")"
diag "table: $nsvc services, $ndest destinations"

# Values whose byte order or width is easy to get wrong, as the dump prints them.
has() { grep -q -- "$1" "$VM_TMP/dump"; }
check netmask_v4_bytes has 'id=tcp/10.96.3.2/443 .* flags=0x3 timeout=60 netmask=255.255.255.0$'
check netmask_v6_plen has 'id=udp/2001:db8::1/53 .* timeout=120 netmask=64$'
check fwmark_2_31_unsigned has 'id=fwm/2147483648 af=2 proto=0 addr=- port=0 fwmark=2147483648 '
check fwmark_max_v6 has 'id=fwm6/4294967295 af=10 .* sched=sh pe=- flags=0x12 '
check sctp_v6 has 'id=sctp/2001:db8::2/3868 af=10 proto=132 '
check pe_not_persistent has 'id=udp/10.96.3.6/5060 .* pe=sip flags=0x2 timeout=0 '
check hashed_kept_ops has 'id=udp/10.96.3.4/9999 .* flags=0x6 '
check sh_flag3_only has 'id=tcp/10.96.2.2/80 .* sched=sh pe=- flags=0x22 '
check gue_port_flags has 'id=10.244.5.5/80 .* fwd=2 weight=1 u=0 l=0 .* tun_type=1 tun_port=6081 tun_flags=2$'
check mixed_family_dest has 'svc=tcp/10.96.5.1/80 id=2001:db8::5/80 af=10 .* fwd=2 weight=2147483647 '
check thresholds has 'id=2001:db8::10/8080 af=10 .* weight=3 u=100 l=10 '
check fwd_local has 'id=10.244.5.13/80 af=2 .* fwd=1 '
check fwd_raw_5 has 'id=10.244.5.15/80 af=2 .* fwd=5 '
check fwd_raw_7 has 'id=10.244.5.17/80 af=2 .* fwd=7 '
check v6_dest_port_max has 'id=2001:db8:1234:5678:9abc:def0:1234:5678/65535 af=10 .* weight=65535 '

# Receive slots smaller than the kernel's datagrams: each truncated dump is
# asked again with grown slots, and the result is the same.
check_eq small_slots_same_dump "$(./kipvs-testtool nl-test dump --no-stats)" \
	"$(./kipvs-testtool nl-test dump --no-stats --rslot 1024)"

# --- the same table rebuilt through ipvs_apply ------------------------------------
./kipvs-testtool nl-test dump --no-stats | sort >"$VM_TMP/before.dump"
ipvsadm -L -n --thresholds | sort >"$VM_TMP/before.thr"
check as_changes sh -c "./kipvs-testtool nl-test dump --as-changes >'$VM_TMP/changes'"
nchanges=$(wc -l <"$VM_TMP/changes")
check_eq changes_cover_table "$((nsvc + ndest))" "$nchanges"
must ipvsadm -C
check_eq apply_all "changes=$nchanges failed=0 result=0" "$(./kipvs-testtool nl-test apply "$VM_TMP/changes")"
compare rebuilt
check_eq rebuilt_dump_identical "$(cat "$VM_TMP/before.dump")" \
	"$(./kipvs-testtool nl-test dump --no-stats | sort)"
# Sorted: ipvsadm orders equal fwmarks of both families by the order it got them.
check_eq rebuilt_thresholds_identical "$(cat "$VM_TMP/before.thr")" \
	"$(ipvsadm -L -n --thresholds | sort)"
