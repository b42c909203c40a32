s=$(cut -d' ' -f1 /proc/uptime)
find /proc/sys/net -type f -perm -200 2>/dev/null > $VM_TMP/w
e=$(cut -d' ' -f1 /proc/uptime); echo "find: $(wc -l < $VM_TMP/w) files $(awk -v s=$s -v e=$e 'BEGIN{print e-s}') s"
s=$(cut -d' ' -f1 /proc/uptime)
xargs grep -H '' < $VM_TMP/w > $VM_TMP/v 2>/dev/null
e=$(cut -d' ' -f1 /proc/uptime); echo "grep: $(wc -l < $VM_TMP/v) lines $(awk -v s=$s -v e=$e 'BEGIN{print e-s}') s"
s=$(cut -d' ' -f1 /proc/uptime)
rmmod ip_vs; rmmod nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6; modprobe ip_vs
e=$(cut -d' ' -f1 /proc/uptime); echo "reload: $(awk -v s=$s -v e=$e 'BEGIN{print e-s}') s"
cat /proc/sys/net/netfilter/nf_conntrack_max; echo 1000 > /proc/sys/net/netfilter/nf_conntrack_max; echo rc=$?
cat /sys/module/nf_conntrack/parameters/hashsize; echo 2048 > /sys/module/nf_conntrack/parameters/hashsize; echo rc=$?
grep -v '^/proc/sys/net/\(ipv4\|ipv6\)/conf/\|neigh' $VM_TMP/v | head -80
