# kipvs as ipvsadm with live counters: real TCP traffic to pods behind a
# masquerading service and UDP queries, so that --stats, --rate, --exact,
# --persistent-conn and the connection listing (-c) show non-zero values.
# Values that move with time (rates, expiry seconds) are compared with
# ipvsadm run just before and just after kipvs. Also timeouts, sync daemons
# and zeroing.
# vm-timeout: 400

. test/vm/cases/admin.inc

must sysctl -w net.ipv4.vs.conntrack=1
for i in 1 2; do
	must pod_create pod$i 10.244.1.$i
	must pod_http pod$i 8080
done
must vip_add 10.96.0.1 10.96.0.10
# Somewhere to send the UDP traffic (nothing answers; IPVS counts it anyway).
must ip link add eth9 type dummy
must ip link set eth9 up
must ip addr add 10.244.0.1/24 dev eth9

must ipvsadm -A -t 10.96.0.1:80 -s rr
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.1.1:8080 -m
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.1.2:8080 -m
must ipvsadm -A -u 10.96.0.10:53 -s rr -p 10800
must ipvsadm -a -u 10.96.0.10:53 -r 10.244.0.6:53 -m
must ipvsadm -a -u 10.96.0.10:53 -r 10.244.0.7:53 -m
must ipvsadm -A -t 10.96.0.10:53 -s wlc
must ipvsadm -a -t 10.96.0.10:53 -r 10.244.0.6:53 -m

# Traffic for a few seconds, so the 2-second rate estimator has something.
i=0
while [ $i -lt 30 ]; do
	http_get 10.96.0.1 80 >/dev/null
	i=$((i + 1))
done
nslookup -timeout=1 -retry=0 a.example 10.96.0.10 >/dev/null 2>&1
nslookup -timeout=1 -retry=0 b.example 10.96.0.10 >/dev/null 2>&1
# Half-open TCP connections (nothing listens): SYN_RECV entries, ActiveConn.
for p in 1 2 3; do
	(timeout 2 nc -w 1 10.96.0.10 53 </dev/null >/dev/null 2>&1 &)
done
sleep 3

check counters_moved sh -c "ipvsadm -Ln --stats --exact | awk '\$2 == \"10.96.0.1:80\" && \$3 > 0 { f = 1 } END { exit !f }'"
check rates_moved sh -c "ipvsadm -Ln --rate --exact | awk '\$1 == \"TCP\" && \$3 + \$4 + \$5 + \$6 + \$7 > 0 { f = 1 } END { exit !f }'"
check conns_listed sh -c "[ \$(ipvsadm -Lnc | wc -l) -gt 3 ]"

# Counters do not move without traffic: compared directly. Active and
# inactive connection counts fall as entries expire (SYN_RECV after 60 s,
# TIME_WAIT after 120 s): those listings are sandwiched.
for o in "-Ln --stats" "-Ln --stats --exact" "-Sn" "-Ln -t 10.96.0.1:80 --stats --exact" \
	"-L --stats"; do
	same "idle:$(admin_name "$o")" "$o"
done
for o in "-Ln" "-Ln --persistent-conn" "-Ln --thresholds"; do
	same_moving "conncounts:$(admin_name "$o")" "$o"
done
# Rates decay every 2 s, expiry times every second.
for o in "-Ln --rate" "-Ln --rate --exact" "-Ln --stats --rate" "-Ln -u 10.96.0.10:53 --rate"; do
	same_moving "moving:$(admin_name "$o")" "$o"
done
for o in "-Lnc" "-Lnc --persistent-conn" "-Lc" "-L -c -n" "-Lc --persistent-conn"; do
	same_conns "conns:$(admin_name "$o")" "$o"
done
all_listings stats moving

# Zeroing one service, then all.
must "$K" -Z -t 10.96.0.1:80
check zero_one sh -c "ipvsadm -Ln --stats -t 10.96.0.1:80 | grep -q '^TCP  10.96.0.1:80  *0  *0  *0  *0  *0\$'"
same after_zero_one "-Ln --stats"
same_named zero_missing "-Z -t 10.96.0.99:1"
must "$K" -Z
check zero_all sh -c "ipvsadm -Ln --stats --exact | awk 'NR > 3 { for (i = NF - 4; i <= NF; i++) if (\$i != \"0\") f = 1 } END { exit f }'"

# Timeouts and sync daemons, set by one tool and listed by both.
must "$K" --set 3600 60 600
same timeout_set "-L --timeout"
must "$K" --set 0 30 0
same timeout_partial "-L --timeout"
check_eq timeout_values "Timeout (tcp tcpfin udp): 3600 30 600" "$(ipvsadm -L --timeout)"
must ip link add sync0 type dummy
must ip link set sync0 up
must ip addr add 10.9.9.1/24 dev sync0
must "$K" --start-daemon master --mcast-interface sync0 --syncid 5
must "$K" --start-daemon backup --mcast-interface sync0 --syncid 6 --mcast-group 239.1.2.3 \
	--mcast-port 9000 --mcast-ttl 3 --sync-maxlen 1400
same daemons "-L --daemon"
same daemons_n "-Ln --daemon"
check_eq daemon_values "$(printf '%s\n' \
	'master sync daemon (mcast=sync0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)' \
	'backup sync daemon (mcast=sync0, syncid=6, maxlen=1400, group=239.1.2.3, port=9000, ttl=3)')" \
	"$(ipvsadm -L --daemon)"
same_named start_again "--start-daemon master --mcast-interface sync0"
must "$K" --stop-daemon backup
same daemon_after_stop "-L --daemon"
same_named stop_missing "--stop-daemon backup"
must "$K" --stop-daemon master
same no_daemons "-L --daemon"
