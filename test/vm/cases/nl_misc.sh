# The netlink module's other operations against ipvsadm: timeouts (get/set,
# 0 = unchanged), sync daemons (start/stop either way, master first, ESRCH
# when none runs), counters from real traffic (STATS64 in the dump equal to
# ipvsadm --stats --exact) and zeroing one service or all, get one service,
# flush.
# vm-timeout: 180

# --- timeouts --------------------------------------------------------------------
check_eq timeouts_default "tcp=900 tcp_fin=120 udp=300" "$(./kipvs-testtool nl-test timeouts)"
check_eq timeouts_set_partial "tcp=1000 tcp_fin=120 udp=20" "$(./kipvs-testtool nl-test timeouts 1000 0 20)"
check_eq timeouts_seen_by_ipvsadm "Timeout (tcp tcpfin udp): 1000 120 20" "$(ipvsadm -L --timeout)"
must ipvsadm --set 60 30 10
check_eq timeouts_set_by_ipvsadm "tcp=60 tcp_fin=30 udp=10" "$(./kipvs-testtool nl-test timeouts)"

# --- sync daemons ------------------------------------------------------------------
must ip link add sync0 type dummy
must ip link set sync0 up
check_eq no_daemons "" "$(./kipvs-testtool nl-test daemons)"
check daemon_start_master ./kipvs-testtool nl-test daemon-start master sync0 5
check_eq master_seen_by_ipvsadm \
	"master sync daemon (mcast=sync0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)" \
	"$(ipvsadm -L --daemon)"
must ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 7
check_eq two_daemons_master_first "daemon state=1 ifn=sync0 syncid=5 maxlen=1472 group=224.0.0.81 port=8848 ttl=1
daemon state=2 ifn=sync0 syncid=7 maxlen=1472 group=224.0.0.81 port=8848 ttl=1" \
	"$(./kipvs-testtool nl-test daemons)"
check daemon_stop_backup ./kipvs-testtool nl-test daemon-stop backup
check_eq backup_gone "master sync daemon (mcast=sync0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)" \
	"$(ipvsadm -L --daemon)"
must ipvsadm --stop-daemon master
check_eq stop_none_running "kipvs: daemon-stop: no such virtual server (or sync daemon): removed meanwhile, or never added" \
	"$(./kipvs-testtool nl-test daemon-stop master 2>&1)"

# --- counters from real traffic, zeroing -----------------------------------------------
must pod_create p1 10.244.1.1
must pod_http p1 8080
must vip_add 10.96.0.10 10.96.0.11
must sysctl -w net.ipv4.vs.conntrack=1
must ipvsadm -A -t 10.96.0.10:80 -s rr
must ipvsadm -a -t 10.96.0.10:80 -r 10.244.1.1:8080 -m
must ipvsadm -A -t 10.96.0.11:80 -s rr
must ipvsadm -a -t 10.96.0.11:80 -r 10.244.1.1:8080 -m
for i in 1 2 3; do must http_get 10.96.0.10 80; done
for i in 1 2; do must http_get 10.96.0.11 80; done

# "NAME conns inpkts outpkts inbytes outbytes" from both sides.
ipvsadm_stats() {
	ipvsadm -L -n --stats --exact | awk 'NR > 3 { n = ($1 == "->") ? "  " $2 : $2; print n, $3, $4, $5, $6, $7 }' | sort
}
kipvs_stats() {
	./kipvs-testtool nl-test dump | awk '
		{ delete v; for (i = 2; i <= NF; i++) { p = index($i, "="); v[substr($i, 1, p - 1)] = substr($i, p + 1) } }
		$1 == "svc" { print v["addr"] ":" v["port"], v["conns"], v["inpkts"], v["outpkts"], v["inbytes"], v["outbytes"] }
		$1 == "dest" { print "  " v["addr"] ":" v["port"], v["conns"], v["inpkts"], v["outpkts"], v["inbytes"], v["outbytes"] }' | sort
}
# The kernel folds per-CPU counters into what it reports every 2 s (the
# rate estimator's tick): wait for both services' connections to show.
counted() { [ "$(kipvs_stats | awk '$2 == 0' | wc -l)" -eq 0 ]; }
check counters_folded wait_until 10 counted
stats=$(kipvs_stats)
check_eq stats_as_ipvsadm "$(ipvsadm_stats)" "$stats"
check_eq traffic_counted "10.96.0.10:80 3" "$(echo "$stats" | awk '$1 == "10.96.0.10:80" { print $1, $2 }')"
check_eq traffic_counted_other "10.96.0.11:80 2" "$(echo "$stats" | awk '$1 == "10.96.0.11:80" { print $1, $2 }')"
check zero_one ./kipvs-testtool nl-test zero tcp/10.96.0.10/80
stats=$(kipvs_stats)
check_eq zeroed_one "10.96.0.10:80 0 0 0 0 0" "$(echo "$stats" | awk '$1 == "10.96.0.10:80"')"
check_eq other_untouched "10.96.0.11:80 2" "$(echo "$stats" | awk '$1 == "10.96.0.11:80" { print $1, $2 }')"
check_eq stats_after_zero_as_ipvsadm "$(ipvsadm_stats)" "$stats"
check zero_all ./kipvs-testtool nl-test zero
check_eq all_zero "" "$(kipvs_stats | awk '$2 != 0 || $3 != 0 || $5 != 0')"
# A missing virtual server is ESRCH, said as such (not any failure).
check_eq zero_missing "kipvs: zero: no such virtual server (or sync daemon): removed meanwhile, or never added
rc=1" \
	"$(./kipvs-testtool nl-test zero tcp/10.96.0.99/80 2>&1; echo "rc=$?")"

# --- get one, flush ----------------------------------------------------------------
check_eq get_one "$(./kipvs-testtool nl-test dump | grep '^svc id=tcp/10.96.0.11/80 ')" \
	"$(./kipvs-testtool nl-test get tcp/10.96.0.11/80)"
check_eq get_missing "kipvs: get: no such virtual server (or sync daemon): removed meanwhile, or never added" \
	"$(./kipvs-testtool nl-test get tcp/10.96.0.99/80 2>&1)"
check flush ./kipvs-testtool nl-test flush
check_eq flushed "" "$(ipvsadm -S -n)"
check_eq dump_empty "" "$(./kipvs-testtool nl-test dump)"
