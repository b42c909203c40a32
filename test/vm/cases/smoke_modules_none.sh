# Smoke test of the harness: "vm-modules: none" starts the case with no ip_vs
# module loaded; ipvsadm loads it on demand; ipvs_unload removes it again.
# vm-modules: none
# vm-timeout: 60

check not_loaded_at_start sh -c '! grep -q "^ip_vs" /proc/modules'
check no_proc_entry sh -c '! [ -e /proc/net/ip_vs ]'
check ipvsadm_loads_it ipvsadm -Ln
check loaded_now ipvs_loaded
must ipvsadm -A -u 10.96.0.53:53 -s sh
check sh_scheduler_loaded grep -q '^ip_vs_sh ' /proc/modules
must ipvsadm -C
check unload ipvs_unload
check unloaded sh -c '! grep -q "^ip_vs" /proc/modules'
