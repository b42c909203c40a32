# The body of the daemon benchmarks (test/bench/vm_daemon_*.sh), run in the
# VM guest with BENCH_SVCS set; the host companion (daemon_bench_host.sh)
# serves that many Services x 10 endpoints (test/bench/gen_cluster.py) from
# the fake apiserver and leaves the same objects in $VM_HOST_FILES.
#
# Prints figures, never fails on speed (only when something does not work):
#   - cold start into an empty kernel: start -> API lists complete -> READY=1
#     (sd_notify, received with socat), against `kipvs render | ipvsadm -R`
#     of the same objects (the ratio);
#   - a restart over the programmed table: time to READY=1, kernel writes;
#   - the no-change full resync (SIGHUP): its duration, kernel writes (target 0);
#   - one endpoint change: kipvs's dirty pass, and the kernel write's time
#     against the arrival of the API's answer (log lines carry the time the
#     guest read them), target <= 10 ms, at any table size;
#   - the packet filter: the cold start's nft transaction (every set of
#     both tables) against the first full pass (target < 10 %), and a new
#     Service's dirty pass with its nft elements (target <= 10 ms);
#   - peak RSS (VmHWM; target <= 64 MiB at 10,000 Services).
# All times come from one guest under emulation (TCG): compare ratios.

. test/vm/files/daemon_lib.sh
S=$VM_HOST_FILES/services.json
E=$VM_HOST_FILES/slices.json
N=$BENCH_SVCS
per=10
n_lines=$((N * (per + 1)))

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

seeded() { ctl GET /_fake/state | tr -d ' ' | grep -q "\"services\":$N,\"endpointslices\":$N"; }
_now
t=$NOW
must wait_until 600 seeded
_now
echo "fake apiserver seeded with $N Services x $per endpoints (waited $(((NOW - t) / 1000000)) s)"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
# ts LOG PATTERN [NTH] — the time (s, from the log's prefix) of a line
ts() { grep "$2" "$1" | sed -n "${3:-1}p" | awk '{ print $1 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

sock=$VM_TMP/notify.sock
socat -u -v UNIX-RECV:"$sock" /dev/null 2>"$VM_TMP/notify.raw" &
must wait_until 10 test -S "$sock"
readies() { grep -c 'READY=1' "$VM_TMP/notify.raw"; }
ready_seen() { [ "$(readies)" -gt "$r0" ]; }

# start LOG — kipvs with sd_notify, until READY=1; T_START, T_READY (s).
start() {
	r0=$(readies)
	export NOTIFY_SOCKET=$sock
	T_START=$EPOCHREALTIME
	spawn_kipvs "$1" --ipvs-sync-period 600s
	unset NOTIFY_SOCKET
	wait_until 900 ready_seen || return 1
	T_READY=$EPOCHREALTIME
}
table_lines() { ipvsadm -S -n | wc -l; }
hwm() { awk '$1 == "VmHWM:" { print $2 }' /proc/$KIPVS_PID/status; }
rss() { awk '$1 == "VmRSS:" { print $2 }' /proc/$KIPVS_PID/status; }

finished=0
trap '[ $finished = 1 ] || { echo "--- kipvs logs"; head -n 40 "$VM_TMP"/cold.log; grep -h "event=sync\|level=warn\|level=err" "$VM_TMP"/*.log | head -n 60; }' EXIT

# --- cold start into an empty kernel --------------------------------------------
# The nf_tables modules are loaded first (nft -f of the same tables in a
# scratch namespace): the kernel loads an expression's module the first time
# a transaction uses it, running modprobe and replaying the batch, once
# after boot — slow under emulation and not what a cold start repeats.
./kipvs render --nft -f "$S" -f "$E" $NODE >"$VM_TMP/render.nft" || exit 1
must ip netns add nbench
_now
t=$NOW
ip netns exec nbench nft -f "$VM_TMP/render.nft" || exit 1
_now
echo "nf_tables modules loaded by a first nft -f of the tables: $(((NOW - t) / 1000)) ms"
ip netns del nbench
must ipvsadm -C
finished=1
must start "$VM_TMP/cold.log"
cold=$(ms "$T_START" "$T_READY")
lists=$(ms "$T_START" "$(ts "$VM_TMP/cold.log" 'event=api_synced')")
prog=$(ms "$(ts "$VM_TMP/cold.log" 'event=api_synced')" "$T_READY")
full_ms=$(grep 'event=sync kind=full' "$VM_TMP/cold.log" | head -n 1 | field duration_ms)
got=$(table_lines)
[ "$got" -eq "$n_lines" ] || { echo "cold start programmed $got lines, want $n_lines"; exit 1; }
echo "cold start ($N services, $n_lines IPVS entries, $N VIPs): $(secs "$cold") s to READY=1"
echo "  lists from the API: $(secs "$lists") s; programming (api_synced -> READY=1): $(secs "$prog") s (first full pass: ${full_ms} ms)"
echo "  VmRSS after: $(rss) kB"
writes_cold=$(metric kipvs_kernel_writes_total)
echo "  kernel writes: $writes_cold"
nft_us=$(metric kipvs_nft_full_transaction_seconds | awk '{ printf "%.0f", $1 * 1e6 }')
# The same tables loaded by nft itself (libnftables), in a fresh namespace.
must ip netns add nbench
_now
t=$NOW
ip netns exec nbench nft -f "$VM_TMP/render.nft" || exit 1
_now
nft_ref=$(((NOW - t) / 1000))
# And kipvs's own transaction outside the daemon (kipvs-testtool nft-test).
ip netns exec nbench nft flush ruleset
tool_us=$(ip netns exec nbench ./kipvs-testtool nft-test sync $NODE -f "$S" -f "$E" 2>/dev/null |
	sed -n 's/.*full_txn_us=\([0-9]*\).*/\1/p')
ip netns del nbench
echo "  nftables: the full transaction ($(metric kipvs_nft_full_transaction_elements) elements, tables ip and ip6 kipvs): $(awk -v u="$nft_us" 'BEGIN { printf "%.1f", u / 1000 }') ms = $(awk -v u="$nft_us" -v m="$full_ms" 'BEGIN { if (m > 0) printf "%.1f", u / 10 / m; else print "n/a" }') % of the first full pass (target < 10 %); nft -f of the same tables: $nft_ref ms (with nft's start); kipvs's transaction alone (kipvs-testtool nft-test, fresh namespace): $(awk -v u="${tool_us:-0}" 'BEGIN { printf "%.1f", u / 1000 }') ms"

# --- no-change full resync (SIGHUP = the periodic pass, now) ---------------------
durs=
w0=$(metric kipvs_kernel_writes_total)
for i in 1 2 3; do
	n=$(grep -c 'event=sync kind=full' "$VM_TMP/cold.log")
	kill -HUP "$KIPVS_PID"
	more_fulls() { [ "$(grep -c 'event=sync kind=full' "$VM_TMP/cold.log")" -gt "$n" ]; }
	must wait_until 300 more_fulls
	line=$(grep 'event=sync kind=full' "$VM_TMP/cold.log" | sed -n "$((n + 1))p")
	durs="$durs $(echo "$line" | field duration_ms)"
	[ "$(echo "$line" | field changes)" = 0 ] || echo "resync $i changed things: $line"
done
w1=$(metric kipvs_kernel_writes_total)
echo "no-change resync: median $(echo $durs | tr ' ' '\n' | median) ms (runs:$durs); kernel writes during 3 resyncs: $((w1 - w0)) (target 0)"

# --- one endpoint change -----------------------------------------------------------
# Slice svc-K-a: its last endpoint is replaced by a new address (one ADD_DEST,
# one DEL_DEST: no connections, so no draining).
offs= durs= e2ks= i=1
c0=$(metric kipvs_ipvs_changes_total)
for k in 1 $((N / 4 + 1)) $((N / 2 + 3)) $((3 * N / 4 + 5)) $((N - 2)); do
	[ $((k % 10)) = 9 ] && k=$((k + 1)) # a TCP service
	eps=
	j=0
	while [ $j -lt $((per - 1)) ]; do
		a=$((k * per + j + 1)) # gen_cluster.py: 10.128.0.1 + k * per + j
		eps="$eps{\"addresses\":[\"10.$((128 + a / 65536)).$((a / 256 % 256)).$((a % 256))\"],\"conditions\":{\"ready\":true}},"
		j=$((j + 1))
	done
	eps="$eps{\"addresses\":[\"10.250.0.$i\"],\"conditions\":{\"ready\":true}}"
	n=$(grep -c 'event=sync kind=dirty' "$VM_TMP/cold.log")
	_api_start PATCH /apis/discovery.k8s.io/v1/namespaces/bench/endpointslices/svc-$k-a \
		"{\"endpoints\":[$eps]}" application/merge-patch+json
	_api_finish >"$VM_TMP/api.out" 2>&1 || { cat "$VM_TMP/api.out"; exit 1; }
	more_dirty() { [ "$(grep -c 'event=sync kind=dirty' "$VM_TMP/cold.log")" -gt "$n" ]; }
	must wait_until 30 more_dirty
	line=$(grep 'event=sync kind=dirty' "$VM_TMP/cold.log" | sed -n "$((n + 1))p")
	at=$(echo "$line" | awk '{ print $1 }')
	offs="$offs $(awk -v a="$API_AT" -v t="$at" 'BEGIN { printf "%.1f", t * 1000 - a / 1000 }')"
	durs="$durs $(echo "$line" | field duration_ms)"
	e2ks="$e2ks $(echo "$line" | field event_to_kernel_ms)"
	v=$((0x0A600101 + k)) # gen_cluster.py: 10.96.1.1 + k
	vip=$((v >> 24 & 255)).$((v >> 16 & 255)).$((v >> 8 & 255)).$((v & 255))
	ipvsadm -L -n -t "$vip:80" | grep -q "10.250.0.$i:8080" ||
		{ echo "change $i not in the kernel: $(ipvsadm -L -n -t "$vip:80")"; exit 1; }
	i=$((i + 1))
done
c1=$(metric kipvs_ipvs_changes_total)
echo "one endpoint change (5 samples, IPVS changes sent: $((c1 - c0)), 2 each):"
echo "  event -> kernel (the watch event's bytes reach kipvs -> the kernel acks): median $(echo $e2ks | tr ' ' '\n' | median) ms (runs:$e2ks) (target <= 10 ms)"
echo "  of which the dirty pass (store -> wanted -> diff -> netlink): median $(echo $durs | tr ' ' '\n' | median) ms (runs:$durs)"
echo "  kernel written, from the API answer's arrival in the guest: median $(echo $offs | tr ' ' '\n' | median) ms (runs:$offs; negative = before curl read the answer)"
# --- one new Service: a dirty pass that adds set elements ----------------------------
# (the endpoint changes above move no element: their pods are on other nodes)
durs= e2ks= t0=$(metric 'kipvs_nft_transactions_total{result="ok"}')
for i in 1 2 3; do
	n=$(grep -c 'event=sync kind=dirty' "$VM_TMP/cold.log")
	_api_start POST /api/v1/namespaces/bench/services "{\"apiVersion\":\"v1\",\"kind\":\"Service\",
\"metadata\":{\"name\":\"nft-new-$i\",\"namespace\":\"bench\"},\"spec\":{\"type\":\"ClusterIP\",
\"ports\":[{\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080}]}}"
	_api_finish >"$VM_TMP/api.out" 2>&1 || { cat "$VM_TMP/api.out"; exit 1; }
	must wait_until 30 more_dirty
	line=$(grep 'event=sync kind=dirty' "$VM_TMP/cold.log" | sed -n "$((n + 1))p")
	durs="$durs $(echo "$line" | field duration_ms)"
	e2ks="$e2ks $(echo "$line" | field event_to_kernel_ms)"
done
echo "one new ClusterIP Service (3 samples; nft transactions: $(($(metric 'kipvs_nft_transactions_total{result="ok"}') - t0)), its elements in vips, clusterip, vip_ports):"
echo "  event -> kernel (IPVS and nft acks): median $(echo $e2ks | tr ' ' '\n' | median) ms (runs:$e2ks) (target <= 10 ms)"
echo "  of which the dirty pass: median $(echo $durs | tr ' ' '\n' | median) ms (runs:$durs)"

peak=$(hwm)
echo "peak RSS (VmHWM): $peak kB = $(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') MiB (target <= 64 MiB at 10,000 services)"

# --- a restart over the programmed table ---------------------------------------------
must stop_kipvs
must start "$VM_TMP/restart.log"
restart=$(ms "$T_START" "$T_READY")
echo "restart over the programmed table: $(secs "$restart") s to READY=1, kernel writes: $(metric kipvs_kernel_writes_total) (target 0); VmHWM $(hwm) kB"
must stop_kipvs

# --- the same objects with kipvs render | ipvsadm -R -----------------------------------
_now
t=$NOW
./kipvs cleanup $NODE >"$VM_TMP/cleanup.out" 2>&1 || { cat "$VM_TMP/cleanup.out"; exit 1; }
_now
echo "kipvs cleanup of the table: $(((NOW - t) / 1000)) ms ($(cat "$VM_TMP/cleanup.out"))"
[ "$(table_lines)" -eq 0 ] || { echo "cleanup left $(table_lines) lines"; exit 1; }
# In a fresh network namespace: IPVS keeps deleted destinations in a per-
# namespace trash for 2 minutes and every ADD_DEST searches it, so a table
# restored right after a cleanup or a flush is many times slower.
_now
t=$NOW
./kipvs render -f "$S" -f "$E" $NODE >"$VM_TMP/render.save" || exit 1
_now
render=$(((NOW - t) / 1000))
must ip netns add rbench
must ip -n rbench link set lo up # else IPVS finds no destination address unicast
t=$NOW
ip netns exec rbench ipvsadm -R <"$VM_TMP/render.save" >"$VM_TMP/restore.out" 2>&1 ||
	{ head -n 5 "$VM_TMP/restore.out"; exit 1; }
_now
restore=$(((NOW - t) / 1000))
got=$(ip netns exec rbench ipvsadm -S -n | wc -l)
ip netns del rbench
[ "$got" -eq "$n_lines" ] || { echo "ipvsadm -R programmed $got lines, want $n_lines"; exit 1; }
echo "kipvs render: $(secs "$render") s; ipvsadm -R of its output (fresh namespace): $(secs "$restore") s; together $(secs $((render + restore))) s"
echo "ratio kipvs cold start (with the API lists and $N VIP binds) / (render + ipvsadm -R): $(ratio "$cold" $((render + restore)))"
echo "ratio kipvs programming (api_synced -> READY=1) / ipvsadm -R: $(ratio "$prog" "$restore")"
finished=1
