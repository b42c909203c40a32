# kipvs as ipvsadm for the commands that change the table (-A -E -D -a -e -d
# -C -Z --set, daemons): from the same starting state, `ipvsadm X` and
# `kipvs X` must print the same (stderr: ipvsadm's messages, kernel errors
# included), exit with the same status and leave the same table, timeouts and
# daemons. Cases from the errors, edge and mixed scenarios recorded from
# ipvsadm 1.31, then the edge and mixed tables listed by both.
# vm-timeout: 600

. test/vm/cases/admin.inc

modprobe ip_vs_pe_sip 2>/dev/null
for m in sh mh wrr lc; do modprobe ip_vs_$m 2>/dev/null; done
ip link add sync0 type dummy && ip link set sync0 up

empty() { :; }
errors_base() {
	ipvsadm -A -t 10.96.0.1:443 -s rr
	ipvsadm -a -t 10.96.0.1:443 -r 10.244.1.5:6443 -m
	ipvsadm -A -t 10.96.0.98:80 -p
	ipvsadm -A -t 10.96.0.20:5 -s wlc -p 200 -M 255.255.255.0
	ipvsadm -A -f 2 -6 -s rr
	ipvsadm -A -u 10.96.0.30:5060 -s rr -p 60 --pe sip
}
daemon_base() {
	errors_base
	ipvsadm --start-daemon master --mcast-interface sync0 --syncid 5
}

n=0
while IFS= read -r args; do
	case "$args" in "" | "#"*) continue ;; esac
	n=$((n + 1))
	same_change "c$n:$(admin_name "$args")" errors_base "$args"
done <<'LIST'
# errors/ scenario: kernel errors (exit 255) and argument errors (exit 2)
-A -t 10.96.0.1:443 -s rr
-E -t 10.96.0.99:1 -s rr
-D -t 10.96.0.99:1
-A -t 10.96.0.99:1 -s nosuch
-A -t 10.96.0.99:1 -p --pe nosuch
-a -t 10.96.0.99:1 -r 10.244.1.5 -m
-a -t 10.96.0.1:443 -r 10.244.1.5:6443 -m
-e -t 10.96.0.1:443 -r 10.244.1.9:6443 -m
-d -t 10.96.0.1:443 -r 10.244.1.9:6443
-a -t 10.96.0.1:443 -r 10.244.1.9:6443 -m -x 5 -y 10
-a -t 10.96.0.1:443 -r 224.0.0.5:6443 -m
-Z -t 10.96.0.99:1
-Z
-a -t 10.96.0.1:443 -r [2001:db8::5]:80 -m
-A -t 10.96.0.99:0
-A -t 10.96.0.99:1 -o
-A -t 10.96.0.99:1 -s rr -b sh-port
-a -t 10.96.0.1:443 -r 10.244.1.9 -i --tun-type gue
--stop-daemon master
-a -t 10.96.0.1:443 -r 10.244.1.9 -w 70000
-A -f 0
-A -t [2001:db8::1]:80 -p -M 129
-A -6 -f 5
-a -t 10.96.0.1:443 -r [2001:db8::5] -i
-A -t 10.96.0.97:80 -p
-E -t 10.96.0.98:80 -s rr
-e -t 10.96.0.1:443 -r 10.244.1.5:6443 -m -w 7 -x 9 -y 3
-e -t 10.96.0.1:443 -r 10.244.1.5:6443
# edge/ and mixed/: -E resets what it is not given; families
-E -t 10.96.0.20:5 -p 200
-E -t 10.96.0.20:5 -s sh -b flag-3
-E -u 10.96.0.30:5060 -s rr
-a -f 2 -6 -r 10.244.1.1 -m
-a -f 2 -6 -r 10.244.1.1 -i
-a -f 2 -6 -r [2001:db8::20] -g
-a -t 10.96.0.1:443 -r 2001:db8::30 -i
-a -t 10.96.0.1:443 -r 10.244.8.2 -i --tun-type gue --tun-port 6080 --tun-remcsum
-a -t 10.96.0.1:443 -r 10.244.8.3 -i --tun-type gre --tun-csum --tun-nocsum
-a -t 10.96.0.1:443 -r 10.244.8.3 -m --tun-type gre
# every other command
-A -u 10.96.0.40:9999 -s rr -o -p 5 -M 255.255.0.0
-A --sctp-service 10.96.0.50:3868 -s rr
-A -t 10.96.0.21:80 -s mh -b mh-fallback,mh-port -p 60
-A -f 4294967295 -s rr
-A -f 4294967296
-D -t 10.96.0.1:443
-D -f 2 -6
-d -t 10.96.0.1:443 -r 10.244.1.5:6443
-d -t 10.96.0.1:443 -r 10.244.1.5
-C
-Z -t 10.96.0.1:443
-Z -f 2 -6
--set 3600 60 600
--set 0 30 0
--set 1 2
--set 1 2 x
--start-daemon master --mcast-interface sync0 --syncid 5
--start-daemon backup --mcast-interface sync0 --syncid 6 --mcast-group 239.1.2.3 --mcast-port 9000 --mcast-ttl 3 --sync-maxlen 1400
--start-daemon backup --mcast-group ff02::1 --mcast-interface sync0
--start-daemon master --mcast-interface nosuch0
--start-daemon sideways
--stop-daemon backup
-A -t 10.96.0.1:443 -s rr -n
-L -A
-R -n
LIST

same_change "d1:start_again" daemon_base "--start-daemon master --mcast-interface sync0"
same_change "d2:stop" daemon_base "--stop-daemon master"

# The edge and mixed tables, listed by both.
edge_table() {
	ipvsadm -A -t 10.96.0.20:1 -s sh -b flag-3 &&
		ipvsadm -A -t 10.96.0.20:2 -s sh -b flag-1 &&
		ipvsadm -A -t 10.96.0.20:3 -s mh -b mh-port &&
		ipvsadm -A -t 10.96.0.20:4 -s rr &&
		ipvsadm -A -t 10.96.0.20:5 -s rr -p 200 &&
		ipvsadm -E -t 10.96.0.20:5 -p 200 &&
		ipvsadm -A -u 10.96.0.20:6 -s rr -p 50 -M 255.255.255.128 --pe sip -o
}
must ipvsadm -C
must edge_table
all_listings edge
mixed_table() {
	ipvsadm -A -t 10.96.0.60:80 -s rr &&
		ipvsadm -a -t 10.96.0.60:80 -r 2001:db8::30 -i &&
		ipvsadm -a -t 10.96.0.60:80 -r 10.244.8.1 -i --tun-type gre --tun-csum &&
		ipvsadm -A -t [2001:db8::1]:443 -s wlc -p 600 &&
		ipvsadm -a -t [2001:db8::1]:443 -r 10.244.1.2 -i &&
		ipvsadm -A -f 2 -6 -s rr &&
		ipvsadm -a -f 2 -6 -r 2001:db8::20 -g
}
must ipvsadm -C
must mixed_table
all_listings mixed
