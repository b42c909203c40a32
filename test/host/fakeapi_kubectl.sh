#!/usr/bin/env bash
# Real kubectl (1.32, via the gcloud dispatcher) against the fake kube-apiserver
# over HTTPS with a bearer token: get, get -w, chunked lists, apply, patch, delete,
# 401 and 403. TAP output.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
. "$top/test/fakeapi/lib.sh"

if ! command -v kubectl >/dev/null 2>&1; then
	echo "kubectl not found: the kubectl tests need it (the machine image ships /usr/bin/kubectl)"
	exit 77
fi
if [ ! -d "$FAKEAPI_FIXTURES" ]; then # in the repository: missing is a broken checkout
	echo "fixtures not found at $FAKEAPI_FIXTURES"
	exit 1
fi

tmp=$(mktemp -d)
n=0 failed=0
cleanup() {
	fakeapi_stop
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# Every kubectl call gets a fresh discovery cache (kubectl caches discovery per
# server for 6 hours) and a private HOME.
export HOME=$tmp/home
mkdir -p "$HOME"
kc=0
k() {
	kc=$((kc + 1))
	kubectl --kubeconfig "${KUBECONFIG_USE:-$FAKEAPI_KUBECONFIG}" --cache-dir "$tmp/cache.$kc" --request-timeout=20s "$@"
}

# Requests logged since sequence $1, as "METHOD PATH?QUERY STATUS USER-AGENT" lines.
requests_since() {
	fakeapi_ctl GET "/_fake/requests?since=$1" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["requests"]:
    print(e["method"], e["path"] + ("?" + e["rawQuery"] if e["rawQuery"] else ""), e["status"], e["userAgent"])'
}
last_seq() { fakeapi_ctl GET /_fake/requests | python3 -c 'import json,sys; print(json.load(sys.stdin)["last"])'; }

fakeapi_start "$tmp/srv" --load "$FAKEAPI_FIXTURES/services.json" \
	--load "$FAKEAPI_FIXTURES/endpointslices.json" --load "$FAKEAPI_FIXTURES/endpoints.json" || exit 1

# 1. get svc -A: the server's Table, every fixture Service, real columns.
out=$(k get svc -A 2>&1)
if echo "$out" | grep -Eq '^NAMESPACE +NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE' &&
	echo "$out" | grep -Eq '^shop +catalog +ClusterIP +10\.96\.33\.44 +<none> +80/TCP,9090/TCP ' &&
	echo "$out" | grep -Eq '^shop +checkout +LoadBalancer +10\.96\.200\.7 +198\.51\.100\.20\.\.\. +443:31443/TCP ' &&
	echo "$out" | grep -Eq '^shop +payments-gw +ExternalName +<none> +payments\.example\.com ' &&
	[ "$(echo "$out" | wc -l)" -eq 10 ]; then
	ok "kubectl get svc -A prints the Table rows of all 9 Services"
else
	not_ok "kubectl get svc -A prints the Table rows of all 9 Services" "$out"
fi

# 2. The dispatcher ran kubectl 1.32 (the fake reports minor 32).
seq0=$(last_seq)
k get svc -n shop frontend >/dev/null 2>&1
reqs=$(requests_since "$seq0")
if echo "$reqs" | grep -Eq '^GET /api/v1/namespaces/shop/services/frontend(\?[^ ]*)? 200 kubectl/v1\.32\.'; then
	ok "requests come from kubectl/v1.32 after the dispatcher's /version probe"
else
	not_ok "requests come from kubectl/v1.32 after the dispatcher's /version probe" "$reqs"
fi

# 3. get endpointslices -A.
out=$(k get endpointslices -A 2>&1)
if echo "$out" | grep -Eq '^NAMESPACE +NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE' &&
	echo "$out" | grep -Eq '^shop +catalog-zr5tb +IPv6 +8080,9090 +fd00:10:244:1::7,fd00:10:244:2::9 ' &&
	echo "$out" | grep -Eq '^shop +search-5fgh2 +IPv4 +<unset> +<unset> ' &&
	[ "$(echo "$out" | wc -l)" -eq 12 ]; then
	ok "kubectl get endpointslices -A prints all 11 slices"
else
	not_ok "kubectl get endpointslices -A prints all 11 slices" "$out"
fi

# 4. get ep: deprecated from 1.33 — the fake as 1.33 sends the Warning header and it
# reaches the user; the 1.32 default sends none.
out=$(k get ep -n shop 2>&1)
if ! echo "$out" | grep -q '^Warning:' && echo "$out" | grep -Eq '^frontend +10\.244\.1\.12:8080 '; then
	ok "kubectl get ep against 1.32 prints the rows, no deprecation Warning"
else
	not_ok "kubectl get ep against 1.32 prints the rows, no deprecation Warning" "$out"
fi
saved=("$FAKEAPI_URL" "$FAKEAPI_PID" "$FAKEAPI_KUBECONFIG" "$FAKEAPI_CA" "$FAKEAPI_TOKEN" "$FAKEAPI_TOKEN_FILE" "$FAKEAPI_PORT")
if fakeapi_start "$tmp/srv133" --version 1.33 --load "$FAKEAPI_FIXTURES/endpoints.json"; then
	out=$(KUBECONFIG_USE=$FAKEAPI_KUBECONFIG k get ep -n shop 2>&1)
	if echo "$out" | grep -q '^Warning: v1 Endpoints is deprecated in v1.33+' &&
		echo "$out" | grep -Eq '^frontend +10\.244\.1\.12:8080 '; then
		ok "kubectl get ep against 1.33 prints the rows and the deprecation Warning"
	else
		not_ok "kubectl get ep against 1.33 prints the rows and the deprecation Warning" "$out"
	fi
	fakeapi_stop
else
	not_ok "fake apiserver as 1.33 starts"
fi
FAKEAPI_URL=${saved[0]} FAKEAPI_PID=${saved[1]} FAKEAPI_KUBECONFIG=${saved[2]} FAKEAPI_CA=${saved[3]}
FAKEAPI_TOKEN=${saved[4]} FAKEAPI_TOKEN_FILE=${saved[5]} FAKEAPI_PORT=${saved[6]}

# 5. Pagination: --chunk-size=2 walks continue tokens and still prints everything.
seq0=$(last_seq)
out=$(k get svc -A --chunk-size=2 2>&1)
reqs=$(requests_since "$seq0")
pages=$(echo "$reqs" | grep -Ec '^GET /api/v1/services\?continue=[^& ]+&limit=2[& ].* 200 ')
if [ "$(echo "$out" | wc -l)" -eq 10 ] && echo "$reqs" | grep -Eq '^GET /api/v1/services\?limit=2[& ].* 200 ' &&
	[ "$pages" -eq 4 ]; then
	ok "kubectl get svc -A --chunk-size=2 follows 4 continue tokens and prints 9 rows"
else
	not_ok "kubectl get svc -A --chunk-size=2 follows 4 continue tokens and prints 9 rows" "$out" "$reqs"
fi

# 6. An expired continue token: kubectl prints the first page, then the 410 Status.
fakeapi_ctl POST /_fake/config '{"continue_ttl": 0}' >/dev/null
out=$(k get svc -A --chunk-size=2 2>&1)
rc=$?
fakeapi_ctl POST /_fake/config '{"continue_ttl": 300}' >/dev/null
if [ $rc -ne 0 ] && echo "$out" | grep -q 'Error from server (Expired): The provided continue parameter is too old' &&
	echo "$out" | grep -Eq '^default +kubernetes '; then
	ok "an expired continue token ends kubectl's chunked list with the 410 Expired message"
else
	not_ok "an expired continue token ends kubectl's chunked list with the 410 Expired message" "rc=$rc" "$out"
fi

# 7. get svc -A -w sees changes made through the API while it watches.
seq0=$(last_seq)
timeout 20 kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" --cache-dir "$tmp/cache.watch" get svc -A -w \
	>"$tmp/watch.out" 2>&1 &
wpid=$!
wait_ok=$(fakeapi_ctl GET '/_fake/wait?watches=1&resource=services&timeout=15')
fakeapi_api POST /api/v1/namespaces/shop/services \
	'{"apiVersion":"v1","kind":"Service","metadata":{"name":"watched"},"spec":{"type":"NodePort","ports":[{"port":8443,"nodePort":31999}]}}' >/dev/null
fakeapi_api PATCH /api/v1/namespaces/shop/services/catalog '{"spec":{"externalIPs":["203.0.113.9"]}}' \
	application/merge-patch+json >/dev/null
fakeapi_api DELETE /api/v1/namespaces/shop/services/watched >/dev/null
for i in $(seq 1 100); do
	[ "$(grep -c 'watched' "$tmp/watch.out")" -ge 2 ] && grep -q '203.0.113.9' "$tmp/watch.out" && break
	sleep 0.1
done
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
wreq=$(requests_since "$seq0" | grep 'watch=true')
if echo "$wait_ok" | grep -q '"ok": *true' &&
	grep -Eq '^shop +watched +NodePort +10\.96\.[0-9.]+ +<none> +8443:31999/TCP ' "$tmp/watch.out" &&
	grep -Eq '^shop +catalog +ClusterIP +10\.96\.33\.44 +203\.0\.113\.9 ' "$tmp/watch.out" &&
	[ "$(grep -c '^shop  *watched ' "$tmp/watch.out")" -eq 2 ] &&
	[ "$(grep -c '^NAMESPACE' "$tmp/watch.out")" -eq 1 ] &&
	echo "$wreq" | grep -q 'resourceVersion=[0-9]*&watch=true'; then
	ok "kubectl get svc -A -w prints ADDED, MODIFIED and DELETED rows made through the API"
else
	not_ok "kubectl get svc -A -w prints ADDED, MODIFIED and DELETED rows made through the API" \
		"wait: $wait_ok" "$(cat "$tmp/watch.out")" "$wreq"
fi

# 8. A watch the server ends (timeoutSeconds via --request-timeout is not used by
#    kubectl; end it with the watch-end fault): kubectl get -w exits 0.
timeout 20 kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" --cache-dir "$tmp/cache.watch2" get svc -n shop -w \
	>"$tmp/watch2.out" 2>&1 &
wpid=$!
fakeapi_ctl GET '/_fake/wait?watches=1&resource=services&timeout=15' >/dev/null
fakeapi_ctl POST /_fake/faults '{"type":"watch-end","resource":"services"}' >/dev/null
wait "$wpid"
rc=$?
if [ $rc -eq 0 ] && grep -Eq '^catalog +ClusterIP ' "$tmp/watch2.out"; then
	ok "kubectl get -w exits 0 when the server ends the watch stream cleanly"
else
	not_ok "kubectl get -w exits 0 when the server ends the watch stream cleanly" "rc=$rc" "$(cat "$tmp/watch2.out")"
fi

# 9-12. apply: create, unchanged, configured (ports replaced by strategic merge), delete.
cat >"$tmp/api-v1.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: api
  labels:
    app: api
    stage: beta
spec:
  selector:
    app: api
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: metrics
    port: 9100
EOF
cat >"$tmp/api-v2.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: api
  labels:
    app: api
    tier: web
spec:
  type: NodePort
  selector:
    app: api
  ports:
  - name: metrics
    port: 9100
  - name: http
    port: 8080
    targetPort: http
EOF
out=$(k apply -f "$tmp/api-v1.yaml" 2>&1)
json=$(fakeapi_api GET /api/v1/namespaces/default/services/api)
if [ "$out" = "service/api created" ] && echo "$json" | python3 -c '
import json, sys, ipaddress
s = json.load(sys.stdin)
sp = s["spec"]
assert ipaddress.ip_address(sp["clusterIP"]) in ipaddress.ip_network("10.96.0.0/16"), sp
assert sp["clusterIPs"] == [sp["clusterIP"]] and sp["ipFamilies"] == ["IPv4"], sp
assert sp["ipFamilyPolicy"] == "SingleStack" and sp["type"] == "ClusterIP", sp
assert sp["sessionAffinity"] == "None" and sp["internalTrafficPolicy"] == "Cluster", sp
assert [(p["port"], p["targetPort"], p["protocol"]) for p in sp["ports"]] == [(80, 8080, "TCP"), (9100, 9100, "TCP")], sp
assert "kubectl.kubernetes.io/last-applied-configuration" in s["metadata"]["annotations"]
assert s["metadata"]["uid"] and s["metadata"]["creationTimestamp"]
'; then
	ok "kubectl apply creates the Service with server defaults (clusterIP, families, targetPort, protocol)"
else
	not_ok "kubectl apply creates the Service with server defaults (clusterIP, families, targetPort, protocol)" "$out" "$json"
fi

seq0=$(last_seq)
out=$(k apply -f "$tmp/api-v1.yaml" 2>&1)
if [ "$out" = "service/api unchanged" ] && ! requests_since "$seq0" | grep -q '^PATCH'; then
	ok "kubectl apply of the same file reports unchanged"
else
	not_ok "kubectl apply of the same file reports unchanged" "$out"
fi

seq0=$(last_seq)
out=$(k apply -f "$tmp/api-v2.yaml" 2>&1)
json=$(fakeapi_api GET /api/v1/namespaces/default/services/api)
reqs=$(requests_since "$seq0")
if [ "$out" = "service/api configured" ] && echo "$reqs" | grep -q '^PATCH /api/v1/namespaces/default/services/api?.* 200' &&
	echo "$json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
sp = s["spec"]
ports = [(p["name"], p["port"], p["targetPort"]) for p in sp["ports"]]
assert ports == [("metrics", 9100, 9100), ("http", 8080, "http")], ports
assert sp["type"] == "NodePort", sp
assert all(30000 <= p["nodePort"] <= 32767 for p in sp["ports"]), sp
assert len({p["nodePort"] for p in sp["ports"]}) == 2, sp
assert sp["externalTrafficPolicy"] == "Cluster", sp
assert s["metadata"]["labels"] == {"app": "api", "tier": "web"}, s["metadata"]["labels"]
'; then
	ok "kubectl apply of a changed file: configured, port 80 replaced by 8080 in order, label removed, nodePorts allocated"
else
	not_ok "kubectl apply of a changed file: configured, port 80 replaced by 8080 in order, label removed, nodePorts allocated" \
		"$out" "$json" "$reqs"
fi

out=$(k delete svc api 2>&1)
out2=$(k get svc api 2>&1)
rc=$?
if [ "$out" = 'service "api" deleted' ] && [ $rc -ne 0 ] &&
	[ "$out2" = 'Error from server (NotFound): services "api" not found' ]; then
	ok "kubectl delete removes the Service; get then says NotFound"
else
	not_ok "kubectl delete removes the Service; get then says NotFound" "$out" "$out2"
fi

# 13. kubectl patch (strategic merge by default) and -o jsonpath.
k patch svc -n shop legacy-mesh -p '{"metadata":{"labels":{"service.kubernetes.io/service-proxy-name":null}}}' >/dev/null 2>&1
out=$(k get svc -n shop legacy-mesh -o 'jsonpath={.metadata.labels}' 2>&1)
if [ "$out" = '{"app":"legacy"}' ]; then
	ok "kubectl patch with a null label deletes it"
else
	not_ok "kubectl patch with a null label deletes it" "$out"
fi

# 14. Label selectors reach the server and filter there.
seq0=$(last_seq)
out=$(k get svc -A -l 'app in (catalog,search)' -o name 2>&1)
reqs=$(requests_since "$seq0")
if [ "$(echo "$out" | sort | tr '\n' ' ')" = "service/catalog service/catalog-headless service/search " ] &&
	echo "$reqs" | grep -q 'labelSelector=app+in+%28catalog%2Csearch%29'; then
	ok "kubectl get -l 'app in (catalog,search)' is filtered by the server"
else
	not_ok "kubectl get -l 'app in (catalog,search)' is filtered by the server" "$out" "$reqs"
fi

# 15. A wrong token: 401, kubectl prints that the user must log in.
sed "s/^    token: .*/    token: \"not-the-token\"/" "$FAKEAPI_KUBECONFIG" >"$tmp/kubeconfig-bad"
out=$(KUBECONFIG_USE=$tmp/kubeconfig-bad k get svc -A 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'error: You must be logged in to the server (Unauthorized)'; then
	ok "kubectl with a wrong token gets 401 and prints the Unauthorized message"
else
	not_ok "kubectl with a wrong token gets 401 and prints the Unauthorized message" "rc=$rc" "$out"
fi

# 16. Token rotation: the token file is re-read per request.
echo "rotated-token" >"$FAKEAPI_TOKEN_FILE"
out_old=$(k get ns 2>&1)
sed "s/^    token: .*/    token: \"rotated-token\"/" "$FAKEAPI_KUBECONFIG" >"$tmp/kubeconfig-rot"
out_new=$(KUBECONFIG_USE=$tmp/kubeconfig-rot k get ns 2>&1)
echo "$FAKEAPI_TOKEN" >"$FAKEAPI_TOKEN_FILE"
if echo "$out_old" | grep -q Unauthorized && echo "$out_new" | grep -Eq '^shop +Active '; then
	ok "after rotating the token file the old token gets 401 and the new one works"
else
	not_ok "after rotating the token file the old token gets 401 and the new one works" "$out_old" "$out_new"
fi

# 17. 403 with the RBAC-style message.
fakeapi_ctl POST /_fake/config '{"forbid": ["list:endpointslices"]}' >/dev/null
out=$(k get endpointslices -A 2>&1)
rc=$?
fakeapi_ctl POST /_fake/config '{"forbid": []}' >/dev/null
expect='Error from server (Forbidden): endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:kube-system:kipvs" cannot list resource "endpointslices" in API group "discovery.k8s.io" at the cluster scope'
if [ $rc -ne 0 ] && [ "$out" = "$expect" ]; then
	ok "a forbidden list gets 403 and kubectl prints the RBAC message"
else
	not_ok "a forbidden list gets 403 and kubectl prints the RBAC message" "rc=$rc" "$out"
fi

# 18. TLS client certificate instead of a token.
python3 - "$tmp/srv/pki" "$FAKEAPI_URL" "$tmp/kubeconfig-cert" <<'EOF'
import base64, sys
pki, url, out = sys.argv[1:]
b = lambda f: base64.b64encode(open(pki + "/" + f, "rb").read()).decode()
open(out, "w").write("""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "%s", certificate-authority-data: %s}
users:
- name: u
  user: {client-certificate-data: %s, client-key-data: %s}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
""" % (url, b("ca.crt"), b("client.crt"), b("client.key")))
EOF
seq0=$(last_seq)
out=$(KUBECONFIG_USE=$tmp/kubeconfig-cert k get svc -n kube-system 2>&1)
user=$(fakeapi_ctl GET "/_fake/requests?since=$seq0" | python3 -c '
import json, sys
print(" ".join(sorted({str(e.get("user")) for e in json.load(sys.stdin)["requests"] if e["path"] != "/version"})))')
if echo "$out" | grep -Eq '^kube-dns +ClusterIP +10\.96\.0\.10 ' && [ "$user" = "kipvs-client" ]; then
	ok "kubectl with a client certificate is authenticated as its CN"
else
	not_ok "kubectl with a client certificate is authenticated as its CN" "$out" "users: $user"
fi

# 19. kubectl version reports the fake's server version.
out=$(k version 2>&1)
if echo "$out" | grep -q '^Server Version: v1.32.0-kipvs-fake$'; then
	ok "kubectl version shows the server version"
else
	not_ok "kubectl version shows the server version" "$out"
fi

# 19b. create -f / replace -f / delete -f over a Namespace, a Service and an EndpointSlice.
cat >"$tmp/demo.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: demo
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
- addresses: [10.244.9.1]
  conditions: {ready: true}
- addresses: [10.244.9.2]
EOF
out1=$(k create -f "$tmp/demo.yaml" 2>&1)
sed -i 's/10.244.9.2/10.244.9.3/' "$tmp/demo.yaml"
out2=$(k replace -f "$tmp/demo.yaml" 2>&1)
out3=$(k get endpointslices -n demo 2>&1)
out4=$(k delete -f "$tmp/demo.yaml" 2>&1)
out5=$(k get ns demo 2>&1)
if [ "$(echo "$out1" | grep -c ' created$')" -eq 3 ] && [ "$(echo "$out2" | grep -c ' replaced$')" -eq 3 ] &&
	echo "$out3" | grep -Eq '^web-1 +IPv4 +8080 +10\.244\.9\.1,10\.244\.9\.3 ' &&
	[ "$(echo "$out4" | grep -c ' deleted$')" -eq 3 ] &&
	[ "$out5" = 'Error from server (NotFound): namespaces "demo" not found' ]; then
	ok "kubectl create -f, replace -f and delete -f (Namespace, Service, EndpointSlice; namespace termination)"
else
	not_ok "kubectl create -f, replace -f and delete -f (Namespace, Service, EndpointSlice; namespace termination)" \
		"$out1" "$out2" "$out3" "$out4" "$out5"
fi

# 20. Nodes: seeded through the control API, printed with status and roles.
fakeapi_ctl POST /_fake/seed '{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-a","labels":{"node-role.kubernetes.io/control-plane":""}},"status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.32.4"},"addresses":[{"type":"InternalIP","address":"172.18.0.2"}]}}]}' >/dev/null
out=$(k get nodes -o wide 2>&1)
if echo "$out" | grep -Eq '^node-a +Ready +control-plane +[0-9]+s +v1\.32\.4 +172\.18\.0\.2 '; then
	ok "kubectl get nodes -o wide prints a seeded Node"
else
	not_ok "kubectl get nodes -o wide prints a seeded Node" "$out"
fi

# 21. The server stops cleanly on SIGTERM while kubectl watches.
timeout 20 kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" --cache-dir "$tmp/cache.watch3" get ep -A -w \
	>"$tmp/watch3.out" 2>&1 &
wpid=$!
fakeapi_ctl GET '/_fake/wait?watches=1&resource=endpoints&timeout=15' >/dev/null
t0=$(date +%s%N)
kill -TERM "$FAKEAPI_PID"
wait "$FAKEAPI_PID"
src=$?
t1=$(date +%s%N)
wait "$wpid"
wrc=$?
FAKEAPI_PID=
if [ $src -eq 0 ] && [ $(((t1 - t0) / 1000000)) -lt 3000 ] && [ $wrc -eq 0 ]; then
	ok "SIGTERM stops the server within 3 s with exit 0; kubectl's watch ends cleanly (exit 0)"
else
	not_ok "SIGTERM stops the server within 3 s with exit 0; kubectl's watch ends cleanly (exit 0)" \
		"server rc=$src in $(((t1 - t0) / 1000000)) ms, kubectl rc=$wrc" "$(cat "$tmp/watch3.out")"
fi

echo "1..$n"
[ $failed -eq 0 ]
