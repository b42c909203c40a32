# Smoke test of the harness: the IPVS modules load, ipvsadm programs a
# service and lists it back, the scheduler module is loaded on demand.
# vm-timeout: 60

check ip_vs_loaded ipvs_loaded
check empty_table_lists sh -c '[ "$(ipvsadm -Ln | wc -l)" -eq 3 ]'
must ipvsadm -A -t 10.96.0.1:80 -s wlc
must ipvsadm -a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 3
# ipvsadm pads the last column: the trailing blanks are part of the format.
check_eq listed "$(printf '%s\n' \
	'TCP  10.96.0.1:80 wlc' \
	'  -> 10.244.0.2:8080              Masq    3      0          0         ')" \
	"$(ipvsadm -Ln | tail -n 2)"
check scheduler_autoloaded grep -q '^ip_vs_wlc ' /proc/modules
check_same save_twice "ipvsadm -S -n" "ipvsadm -Sn"
