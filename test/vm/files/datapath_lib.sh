# The data-path topology of the datapath VM case (POSIX sh, busybox), sourced
# after test/vm/lib.sh and daemon_lib.sh. Network namespaces in the guest:
#
#   client 198.51.100.2 + .3            (fd00:c::2 + ::3)
#      |  198.51.100.0/24
#   router .1 ------------- 172.19.2.0/24 ---------------.
#      |  172.19.1.0/24                                   |
#   node-a (the case's namespace, kipvs A) -- 172.18.0.0/24 -- node-b (nodeb, kipvs B)
#     .2 = node IP      poda1 poda2                 .3 = node IP      podb1
#
# node-a and node-b are linked directly (their "cluster network": node IPs
# 172.18.0.2/.3, fd00:18::2/::3, each routes the other's pod CIDR over it),
# but each one's default route goes to the router: a reply that was not
# masqueraded back to node-a leaves node-b (or node-a's pods' replies leave
# node-a) straight to the client, as across real nodes. The router routes
# the node IPs, the service CIDRs (10.96.0.0/16, fd00:10:96::/112) and the
# LoadBalancer IPs (203.0.113.0/24, fd00:113::/64) to their node; the client
# only knows the router. Pods hang off their node as lib.sh's pod_create
# makes them (IP/32 and /128 behind a veth, gateway 169.254.1.1 / fe80::1):
#   poda1 10.244.1.1 fd00:244:1::1  poda2 10.244.1.2 fd00:244:1::2  (node-a)
#   podb1 10.244.2.1 fd00:244:2::1                                   (node-b)
#
# Every pod runs a backend on TCP 8080 (IPv4 and IPv6) that writes the
# address it saw the connection come from, one line, then echoes what it
# reads (for long-lived connections). node-a runs the same on 2222 ("a host
# service") answering "node-2222 ADDR".
#
#   topo_setup                     builds all of it
#   ask NS DST PORT [SRC]          one connection from namespace NS ("" =
#                                  node-a itself), optionally bound to SRC;
#                                  prints the first line the backend wrote
#                                  (IPv6 in full, as canon writes it) or FAIL
#   canon ADDR                     an address as the backends print it
#   hc_status NS HOST PORT         HTTP status of GET / (000: no answer)
#   bypass_count a|b               packets the router forwarded from a pod
#                                  straight to the client, arriving from
#                                  node-a or node-b (replies that bypassed
#                                  the node the client talked to)
#   kipvs_b_start LOG [ARGS]       kipvs run in node-b (sets B_PID)

NS_ROUTER=router
NS_CLIENT=client
NS_B=nodeb
A4=172.18.0.2 A6=fd00:18::2
B4=172.18.0.3 B6=fd00:18::3
C4=198.51.100.2 C6=fd00:c::2     # the client's first address
C4X=198.51.100.3 C6X=fd00:c::3   # its second (outside source ranges)
IPCMD=/usr/bin/ip

_batch() { # NS (or "") then ip -batch lines on stdin
	if [ -n "$1" ]; then $IPCMD -n "$1" -batch -; else $IPCMD -batch -; fi
}

_sysctl_fwd() { # NS
	$IPCMD netns exec "$1" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv6/conf/all/forwarding'
}

# A pod behind node NS (node-a when NS is ""), as pod_create does it.
_pod() { # NODE-NS NAME IP IP6
	_n=$1 _p=$2 _ip=$3 _ip6=$4
	$IPCMD netns add "$_p" || return 1
	{
		echo "link add vh-$_p type veth peer name eth0 netns $_p"
		echo "link set vh-$_p addrgenmode none"
		echo "addr add 169.254.1.1/32 dev vh-$_p scope link"
		echo "addr add fe80::1/64 dev vh-$_p nodad"
		echo "link set vh-$_p up"
		echo "route add $_ip/32 dev vh-$_p"
		echo "route add $_ip6/128 dev vh-$_p"
	} | _batch "$_n" || return 1
	{
		echo "link set lo up"
		echo "link set eth0 up"
		echo "addr add $_ip/32 dev eth0"
		echo "addr add $_ip6/128 dev eth0 nodad"
		echo "route add 169.254.1.1 dev eth0 scope link"
		echo "route add default via 169.254.1.1 dev eth0"
		echo "route add ::/0 via fe80::1 dev eth0"
	} | _batch "$_p"
}

# The backend: TCP 8080, IPv4 and IPv6, in namespace NS ("" = here).
_backend() { # NS PORT WORD
	_pre=
	[ -n "$1" ] && _pre="$IPCMD netns exec $1"
	for _l in "TCP4-LISTEN:$2,reuseaddr,fork" "TCP6-LISTEN:$2,ipv6only=1,reuseaddr,fork"; do
		$_pre socat "$_l" SYSTEM:"echo $3\$SOCAT_PEERADDR; exec cat" </dev/null \
			>/dev/null 2>&1 &
	done
}

topo_setup() {
	for _ns in $NS_ROUTER $NS_CLIENT $NS_B; do
		$IPCMD netns add $_ns || return 1
	done
	# Links: node-a <-> router, node-b <-> router, client <-> router, node-a <-> node-b.
	{
		echo "link add r-a type veth peer name r-a netns $NS_ROUTER"
		echo "link add n-b type veth peer name n-a netns $NS_B"
		echo "link set r-a up"
		echo "link set n-b up"
		echo "addr add 172.19.1.2/24 dev r-a"
		echo "addr add fd00:19:1::2/64 dev r-a nodad"
		echo "addr add $A4/24 dev n-b"
		echo "addr add $A6/64 dev n-b nodad"
		echo "route replace default via 172.19.1.1"
		echo "route replace ::/0 via fd00:19:1::1"
		echo "route add 10.244.2.0/24 via $B4"
		echo "route add fd00:244:2::/64 via $B6"
	} | _batch "" || return 1
	{
		echo "link add r-b type veth peer name r-b netns $NS_ROUTER"
		echo "link set lo up"
		echo "link set n-a up"
		echo "link set r-b up"
		echo "addr add 172.19.2.2/24 dev r-b"
		echo "addr add fd00:19:2::2/64 dev r-b nodad"
		echo "addr add $B4/24 dev n-a"
		echo "addr add $B6/64 dev n-a nodad"
		echo "route add default via 172.19.2.1"
		echo "route add ::/0 via fd00:19:2::1"
		echo "route add 10.244.1.0/24 via $A4"
		echo "route add fd00:244:1::/64 via $A6"
		# kipvs B's apiserver, relayed (below): the same address as node-a's.
		echo "addr add $VM_APISERVER_IP/32 dev lo"
	} | _batch $NS_B || return 1
	{
		echo "link add r-c type veth peer name eth0 netns $NS_CLIENT"
		echo "link set lo up"
		echo "link set r-a up"
		echo "link set r-b up"
		echo "link set r-c up"
		echo "addr add 172.19.1.1/24 dev r-a"
		echo "addr add fd00:19:1::1/64 dev r-a nodad"
		echo "addr add 172.19.2.1/24 dev r-b"
		echo "addr add fd00:19:2::1/64 dev r-b nodad"
		echo "addr add 198.51.100.1/24 dev r-c"
		echo "addr add fd00:c::1/64 dev r-c nodad"
		echo "route add $A4/32 via 172.19.1.2"
		echo "route add $A6/128 via fd00:19:1::2"
		echo "route add $B4/32 via 172.19.2.2"
		echo "route add $B6/128 via fd00:19:2::2"
		echo "route add 10.96.0.0/16 via 172.19.1.2"
		echo "route add fd00:10:96::/112 via fd00:19:1::2"
		echo "route add 203.0.113.0/24 via 172.19.1.2"
		echo "route add fd00:113::/64 via fd00:19:1::2"
	} | _batch $NS_ROUTER || return 1
	{
		echo "link set lo up"
		echo "link set eth0 up"
		echo "addr add $C4/24 dev eth0"
		echo "addr add $C4X/24 dev eth0"
		echo "addr add $C6/64 dev eth0 nodad"
		# Deprecated: never the default source, usable when asked for.
		echo "addr add $C6X/64 dev eth0 nodad preferred_lft 0"
		echo "route add default via 198.51.100.1"
		echo "route add ::/0 via fd00:c::1"
	} | _batch $NS_CLIENT || return 1
	echo 1 >/proc/sys/net/ipv4/ip_forward
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
	_sysctl_fwd $NS_ROUTER && _sysctl_fwd $NS_B || return 1
	_pod "" poda1 10.244.1.1 fd00:244:1::1 &&
		_pod "" poda2 10.244.1.2 fd00:244:1::2 &&
		_pod $NS_B podb1 10.244.2.1 fd00:244:2::1 || return 1
	_backend poda1 8080 ""
	_backend poda2 8080 ""
	_backend podb1 8080 ""
	_backend "" 2222 "node-2222 "
	# kipvs B reaches the apiserver through node-a's eth0: a relay on a
	# Unix socket (no route from node-b, whose default goes to the router),
	# at the same address, so the kubeconfig and its certificate fit.
	socat UNIX-LISTEN:"$VM_TMP/api.sock",fork TCP:"$VM_APISERVER" </dev/null >/dev/null 2>&1 &
	$IPCMD netns exec $NS_B socat TCP-LISTEN:"${VM_APISERVER##*:}",bind="$VM_APISERVER_IP",reuseaddr,fork \
		UNIX-CONNECT:"$VM_TMP/api.sock" </dev/null >/dev/null 2>&1 &
	# The router counts pod -> client packets coming from each node:
	# replies that bypassed the node the client had talked to.
	$IPCMD netns exec $NS_ROUTER nft -f - <<-'NFT' || return 1
		table inet probe {
			counter from_b { }
			counter from_a { }
			chain forward {
				type filter hook forward priority 0;
				iifname "r-b" ip saddr 10.244.0.0/16 ip daddr 198.51.100.0/24 counter name from_b
				iifname "r-b" ip6 saddr fd00:244::/32 ip6 daddr fd00:c::/64 counter name from_b
				iifname "r-a" ip saddr 10.244.0.0/16 ip daddr 198.51.100.0/24 counter name from_a
				iifname "r-a" ip6 saddr fd00:244::/32 ip6 daddr fd00:c::/64 counter name from_a
			}
		}
	NFT
	for _p in poda1 poda2 podb1; do
		wait_until 10 _listening_in $_p 8080 || { echo "no backend in $_p"; return 1; }
	done
	wait_until 10 _listening_in "" 2222 || { echo "no node-a listener on 2222"; return 1; }
}

_listening_in() { # NS PORT
	_pre=
	[ -n "$1" ] && _pre="$IPCMD netns exec $1"
	$_pre cat /proc/net/tcp /proc/net/tcp6 | grep -q "$(printf ':%04X ' "$2").* 0A "
}

# An address as socat writes SOCAT_PEERADDR: IPv4 as is, IPv6 in brackets,
# every group four digits.
canon() {
	case $1 in
	*:*) echo "$1" | awk '{
		n = split($0, h, "::"); nl = split(h[1], l, ":"); nr = (n > 1) ? split(h[2], r, ":") : 0
		if (h[1] == "") nl = 0
		out = ""; k = 0
		for (i = 1; i <= nl; i++) { g[++k] = l[i] }
		for (i = 0; i < 8 - nl - nr; i++) { g[++k] = "0" }
		for (i = 1; i <= nr; i++) { g[++k] = r[i] }
		for (i = 1; i <= 8; i++) out = out (i > 1 ? ":" : "") sprintf("%04s", g[i])
		gsub(/ /, "0", out); print "[" tolower(out) "]" }' ;;
	*) echo "$1" ;;
	esac
}

# ASK_TMO: seconds a connection may take (expected failures use less).
ASK_TMO=3
ask() { # NS DST PORT [SRC]
	_pre=
	[ -n "$1" ] && _pre="$IPCMD netns exec $1"
	case $2 in
	*:*) _to="TCP6:[$2]:$3" _b=${4:+,bind=[$4]} ;;
	*) _to="TCP4:$2:$3" _b=${4:+,bind=$4} ;;
	esac
	_got=$(timeout 8 $_pre socat -T 3 STDIO "$_to,connect-timeout=$ASK_TMO$_b" </dev/null 2>/dev/null |
		head -n 1)
	echo "${_got:-FAIL}"
}

# ask_fail: ask, for a connection that should not be answered.
ask_fail() {
	ASK_TMO=2
	ask "$@"
	ASK_TMO=3
}

hc_status() { # NS HOST PORT
	_pre=
	[ -n "$1" ] && _pre="$IPCMD netns exec $1"
	case $2 in *:*) _h="[$2]" ;; *) _h=$2 ;; esac
	$_pre curl -s -o /dev/null --max-time 5 -w '%{http_code}' "http://$_h:$3/"
}

bypass_count() { # a|b
	$IPCMD netns exec $NS_ROUTER nft list counter inet probe from_$1 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n = $(i + 1) } END { print n + 0 }'
}

kipvs_b_start() { # LOG [ARGS...]
	_bl=$1
	shift
	$IPCMD netns exec $NS_B ./kipvs run --kubeconfig "$VM_HOST_FILES/kubeconfig" \
		--hostname-override node-b --node-ip $B4 --node-ip $B6 "$@" >"$_bl" 2>&1 &
	B_PID=$!
	wait_until 60 grep -q 'event=ready' "$_bl"
}
