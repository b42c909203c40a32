# make demo, in the VM: kipvs run against the fake apiserver on the host
# (demo.host.sh, serving cluster.json: ClusterIP, NodePort, LoadBalancer,
# ClientIP affinity, headless, ExternalName) with pods as network namespaces,
# shown step by step: the table (= kipvs render), kube-ipvs0, traffic spread
# over the pods, a scale-down through the API, the metrics, a stop that
# leaves the table. A VM case (test/vm/README.md) run by test/demo/run.sh
# with `test/vm/run.sh --stream`: each step prints what a person would type
# and see, as "KIPVS:S" lines on the terminal, and every outcome is a check.
# vm-net: apiserver
# vm-timeout: 150

H=$VM_HOST_FILES
API=https://$VM_APISERVER
NODE_IP=10.0.2.15
FLAGS="--kubeconfig $H/kubeconfig --hostname-override demo-node --node-ip $NODE_IP"
WEB=10.96.10.10
KLOG=$VM_TMP/kipvs.log

# --- showing ------------------------------------------------------------------
say() { # TEXT — one line for the person
	printf '%s\n' "$*"
	printf 'KIPVS:S %s\n' "$*" >>"$VM_RESULT_DEV"
}
say_file() { # FILE [PREFIX]
	while IFS= read -r _l || [ -n "$_l" ]; do say "${2:-}$_l"; done <"$1"
}
step() { # TEXT — a heading (and, in the case log only, the time so far)
	echo "[demo $(since "$T0") s]"
	say ""
	say "==> $*"
}
# expect NAME TEXT CMD [ARG...] — a check (TAP line NAME) shown as ok/FAILED TEXT.
expect() {
	_n=$1 _t=$2
	shift 2
	if check "$_n" "$@"; then say "    ok: $_t"; else say "    FAILED: $_t"; fi
}
expect_eq() { # NAME TEXT EXPECTED ACTUAL
	if check_eq "$1" "$3" "$4"; then say "    ok: $2"; else say "    FAILED: $2 (expected '$3', got '$4')"; fi
}
expect_same() { # NAME TEXT "REFERENCE CMD" "CANDIDATE CMD" — same stdout, stderr, status
	if check_same "$1" "$3" "$4"; then say "    ok: $2"; else say "    FAILED: $2"; fi
}
now() { read -r _u _ </proc/uptime && echo "$_u"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- doing ----------------------------------------------------------------------
api() { # METHOD PATH [BODY [CONTENT-TYPE]] — the Kubernetes API with the token
	curl -sS --cacert "$H/ca.crt" -H "Authorization: Bearer $(cat "$H/token")" \
		-H "Content-Type: ${4:-application/json}" -X "$1" "$API$2" ${3:+--data-binary "$3"}
}
get() { curl -s -m 5 "$@" || echo ERROR; } # URL — one answer (the pod's name)
# requests N URL — N answers on one line; the sorted "pod count" spread to $VM_TMP/spread
requests() {
	_i=0
	: >"$VM_TMP/answers"
	while [ $_i -lt "$1" ]; do
		get "$2" >>"$VM_TMP/answers"
		_i=$((_i + 1))
	done
	say "$(tr '\n' ' ' <"$VM_TMP/answers")"
	sort "$VM_TMP/answers" | uniq -c | awk '{ print $2, $1 }' >"$VM_TMP/spread"
	say "spread: $(awk '{ printf "%s%s x%s", s, $1, $2; s = ", " }' "$VM_TMP/spread")"
}
# True when this kipvs has no ipvsadm mode yet: -L gets the subcommand usage.
no_admin_mode() { ./kipvs -L -n 2>&1 >/dev/null | grep -q 'kipvs run \[--config FILE\]'; }
# The table as kipvs prints it (kipvs -L -n), or as ipvsadm does when this
# build has no ipvsadm mode yet.
list() { # [ipvsadm -L options]
	if no_admin_mode; then
		ipvsadm -L -n "$@" >"$VM_TMP/list" 2>&1
		say "\$ ipvsadm -L -n${*:+ $*}      (this kipvs has no -L yet)"
	else
		./kipvs -L -n "$@" >"$VM_TMP/list" 2>&1
		say "\$ kipvs -L -n${*:+ $*}"
	fi
	say_file "$VM_TMP/list"
}
kernel_save() { ipvsadm -S -n | sort; }
render() { ./kipvs render -f "$H/cluster.json" --hostname-override demo-node --node-ip $NODE_IP "$@" 2>/dev/null | sort; }
bound() { ip -o -4 addr show dev kube-ipvs0 | awk '{ split($4, a, "/"); print a[1] }' | sort; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$VM_TMP/metrics"; }

T0=$(now)

# --- 1 ------------------------------------------------------------------------------
step "1. The cluster: a fake kube-apiserver on the host (https://$VM_APISERVER from this VM)"
say_file "$H/services"

# --- 2 ------------------------------------------------------------------------------
step "2. The pods: a network namespace each, with a web server answering its name"
while read -r name ip port; do
	must pod_create "$name" "$ip"
	must pod_http "$name" "$port"
	say "$(printf 'pod %-7s %s:%s' "$name" "$ip" "$port")"
done <"$H/pods"

# --- 3 ------------------------------------------------------------------------------
step "3. kipvs run: list+watch the API server, program IPVS and kube-ipvs0"
say "\$ kipvs run $FLAGS &"
t=$(now)
# shellcheck disable=SC2086 # FLAGS is a word list
./kipvs run $FLAGS >"$KLOG" 2>&1 &
KPID=$!
ready_or_gone() { grep -q 'event=ready' "$KLOG" || ! kill -0 $KPID 2>/dev/null; }
wait_until 60 ready_or_gone
ready_s=$(since "$t")
grep -E 'event=(start|endpoints_api|api_synced|link|sync|ready) ' "$KLOG" >"$VM_TMP/log_shown"
say_file "$VM_TMP/log_shown"
say "($(($(wc -l <"$KLOG") - $(wc -l <"$VM_TMP/log_shown"))) more log lines: sysctls, servers)"
if ! grep -q 'event=ready' "$KLOG"; then
	say "    FAILED: kipvs did not get ready (exited, or not within 60 s); its log:"
	say_file "$KLOG" "    "
	exit 1
fi
expect ready "ready (first full sync done) ${ready_s} s after start" grep -q 'event=ready' "$KLOG"

# --- 4 ------------------------------------------------------------------------------
step "4. The IPVS table"
list
if no_admin_mode; then
	skip kipvs_list_eq_ipvsadm "this kipvs build has no ipvsadm mode (-L) yet"
else
	expect_same kipvs_list_eq_ipvsadm "kipvs -L -n prints what ipvsadm -L -n prints" \
		"ipvsadm -L -n" "./kipvs -L -n"
fi
expect_same table_eq_render "the kernel table is what 'kipvs render' computes from the same objects" \
	render kernel_save
say "    (db is headless and docs is an ExternalName: no virtual server, as with kube-proxy)"

# --- 5 ------------------------------------------------------------------------------
step "5. Service addresses on the dummy interface kube-ipvs0"
say "\$ ip -o -4 addr show dev kube-ipvs0 | awk '{ print \$4 }'"
ip -o -4 addr show dev kube-ipvs0 | awk '{ print $4 }' >"$VM_TMP/bound"
say_file "$VM_TMP/bound"
expect_eq bound_set "cluster IPs and the LoadBalancer IP, nothing else" \
	"$(render --bound | tr '\n' ' ')" "$(bound | tr '\n' ' ')"

# --- 6 ------------------------------------------------------------------------------
step "6. Ten requests to Service web (ClusterIP $WEB:80, 3 pods, scheduler rr)"
say "\$ for i in \$(seq 10); do curl -s http://$WEB/; done"
requests 10 "http://$WEB/"
expect spread_3_pods "answered by web-1, web-2 and web-3, 3 or 4 times each" \
	awk 'BEGIN { want["web-1"]; want["web-2"]; want["web-3"] }
		!($1 in want) || $2 < 3 || $2 > 4 { bad = 1 } END { exit bad || NR != 3 }' "$VM_TMP/spread"

# --- 7 ------------------------------------------------------------------------------
step "7. NodePort, LoadBalancer, session affinity, and default/kubernetes"
say "\$ curl -s http://$NODE_IP:30080/        # NodePort of api on this node's address"
a=$(get "http://$NODE_IP:30080/")
say "$a"
expect nodeport "answered by an api pod" sh -c "case '$a' in api-1 | api-2) ;; *) exit 1 ;; esac"
say "\$ curl -s http://198.51.100.30/          # LoadBalancer ingress IP of shop"
a=$(get http://198.51.100.30/)
say "$a"
expect_eq loadbalancer "answered by shop-1" shop-1 "$a"
say "\$ for i in \$(seq 5); do curl -s http://10.96.10.40/; done   # sticky: sessionAffinity ClientIP"
requests 5 http://10.96.10.40/
expect sticky_one_pod "one pod answered all five (IPVS persistence, 600 s)" \
	awk '$2 != 5 || $1 !~ /^web-[123]$/ { bad = 1 } END { exit bad || NR != 1 }' "$VM_TMP/spread"
say "\$ curl -sk https://10.96.0.1/version | grep -o '\"gitVersion\":\"[^\"]*\"'   # default/kubernetes"
a=$(curl -sk -m 5 https://10.96.0.1/version | grep -o '"gitVersion":"[^"]*"')
say "$a"
expect kubernetes_vip "the API server answers through its Service VIP" \
	sh -c "case '$a' in *kipvs-fake*) ;; *) exit 1 ;; esac"

# --- 8 ------------------------------------------------------------------------------
step "8. Scale web from 3 pods to 2: web-3 leaves its EndpointSlice (PATCH through the API)"
patch='[{"op":"test","path":"/endpoints/2/targetRef/name","value":"web-3"},{"op":"remove","path":"/endpoints/2"}]'
say "\$ curl -X PATCH -H 'Content-Type: application/json-patch+json' \\"
say "    $API/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/web-x7k2p \\"
say "    -d '$patch'"
must api PATCH /apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/web-x7k2p "$patch" \
	application/json-patch+json >/dev/null
t=$(now)
web3_gone() { ! ipvsadm -S -n -t "$WEB:80" | grep -q -- '-r 10.244.1.13:8080 -m -w [1-9]'; }
gone=no
wait_until 20 web3_gone && gone=yes
took=$(since "$t")
grep 'event=sync kind=dirty' "$KLOG" | tail -n 1 >"$VM_TMP/log_shown"
say_file "$VM_TMP/log_shown"
expect_eq web3_removed "kipvs took web-3 out ${took} s after the API server accepted the PATCH" yes "$gone"
list -t "$WEB:80"
say "(a removed destination drains at weight 0 until its connections end, then goes)"
say "\$ for i in \$(seq 10); do curl -s http://$WEB/; done"
requests 10 "http://$WEB/"
expect_eq spread_2_pods "only web-1 and web-2 answer, 5 times each" "web-1 5 web-2 5" "$(tr '\n' ' ' <"$VM_TMP/spread" | sed 's/ $//')"
say "\$ curl -s http://10.244.1.13:8080/       # web-3 itself still runs"
a=$(get http://10.244.1.13:8080/)
say "$a"
expect_eq web3_still_up "web-3 is up: it gets no new connections because kipvs removed it" web-3 "$a"

# --- 9 ------------------------------------------------------------------------------
step "9. Sync metrics"
say "\$ curl -s http://127.0.0.1:10249/metrics | grep -E '^(kubeproxy_sync_proxy_rules|kipvs_(virtual_servers|destinations))'"
curl -s -m 5 http://127.0.0.1:10249/metrics >"$VM_TMP/metrics"
grep -E '^(kubeproxy_sync_proxy_rules_(duration_seconds_(count|sum)|last_timestamp_seconds)|kipvs_(virtual_servers|destinations|destinations_draining)) ' \
	"$VM_TMP/metrics" >"$VM_TMP/metrics_shown"
say_file "$VM_TMP/metrics_shown"
last=$(metric kubeproxy_sync_proxy_rules_last_timestamp_seconds)
say "(last sync: $(date -u -d "@$(awk -v t="${last:-0}" 'BEGIN { printf "%d", t }')" '+%Y-%m-%d %H:%M:%S UTC' 2>/dev/null))"
n_vs=$(kernel_save | grep -c '^-A')
n_dest=$(kernel_save | grep -c '^-a')
expect syncs_counted "syncs counted (initial full sync and the scale-down at least), time spent > 0" \
	awk -v c="$(metric kubeproxy_sync_proxy_rules_duration_seconds_count)" \
	-v s="$(metric kubeproxy_sync_proxy_rules_duration_seconds_sum)" 'BEGIN { exit !(c >= 2 && s > 0) }'
expect_eq metric_virtual_servers "kipvs_virtual_servers = the kernel's $n_vs" "$n_vs" "$(metric kipvs_virtual_servers)"
# kipvs_destinations counts what its HELP line says it counts.
n_drain=$(metric kipvs_destinations_draining)
case "$(grep '^# HELP kipvs_destinations ' "$VM_TMP/metrics")" in
*"draining ones included"*) want=$n_dest what="the kernel's $n_dest, draining ones included (as its HELP says)" ;;
*) want=$((n_dest - ${n_drain:-0})) what="the kernel's $n_dest less ${n_drain:-0} draining (as its HELP says)" ;;
esac
expect_eq metric_destinations "kipvs_destinations = $what" "$want" "$(metric kipvs_destinations)"

# --- 10 -----------------------------------------------------------------------------
step "10. Stop kipvs: the table stays, traffic keeps flowing"
kernel_save >"$VM_TMP/before"
say "\$ kill -TERM \$(pidof kipvs)"
kill -TERM $KPID
wait $KPID
rc=$?
tail -n 3 "$KLOG" | grep 'event=stopping' >"$VM_TMP/log_shown"
say_file "$VM_TMP/log_shown"
say "\$ curl -s http://$WEB/"
a=$(get "http://$WEB/")
say "$a"
expect_eq stop_exit_0 "kipvs exited 0" 0 "$rc"
expect_same stop_table_kept "the IPVS table is unchanged after kipvs stopped" "cat $VM_TMP/before" kernel_save
expect stop_traffic_flows "the Service still answers" sh -c "case '$a' in web-1 | web-2) ;; *) exit 1 ;; esac"

say ""
say "Demo done in $(since "$T0") s inside the VM."
echo "--- kipvs log"
cat "$KLOG"
