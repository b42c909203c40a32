#!/usr/bin/env bash
# kipvs against API servers of every supported version (the fake apiserver's
# --version switch: discovery, field selectors, watch-list and the fields each
# version drops): `kipvs render` from the server equals `kipvs render -f` of
# what real kubectl reads from the same server; a server before 1.31 gets the
# Service list without the spec.clusterIP field selector after one 400, said
# once and never sent again; 1.20 falls back to core/v1 Endpoints. Also: a
# request the server refuses for good is said once and not retried in a loop,
# and a Node that cannot be listed (403, 404, no answer) does not hold up
# render. TAP output.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
. "$top/test/fakeapi/lib.sh"
bin="$top/build/san/kipvs"
[ -x "$bin" ] || bin="$top/kipvs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1

if [ ! -x "$bin" ]; then
	echo "kipvs not built"
	exit 77
fi
if ! command -v kubectl >/dev/null 2>&1; then
	echo "kubectl not found: the version matrix compares with what kubectl reads"
	exit 77
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
	[ $# -gt 0 ] && printf '%s\n' "$@" | head -40 | sed 's/^/#   /'
	return 0
}
export HOME=$tmp/home
mkdir -p "$HOME"

NODE=(--hostname-override node-b --node-ip 172.18.0.3)
# Requests of one resource logged by the fake, as "VERB STATUS QUERY" lines.
requests() { # RESOURCE
	fakeapi_ctl GET /_fake/requests | python3 -c '
import json, sys
for e in json.load(sys.stdin)["requests"]:
    if e["resource"] == sys.argv[1]:
        print(e["verb"], e["status"], e["rawQuery"])' "$1"
}

# The ingress IP that a 1.30+ server keeps as ipMode: Proxy (not programmed);
# older servers drop ipMode, so kube-proxy of that era programmed it.
proxy_ip=$(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["items"]:
    for i in (s.get("status", {}).get("loadBalancer", {}).get("ingress") or []):
        if i.get("ipMode") == "Proxy":
            print(i["ip"])' "$FAKEAPI_FIXTURES/services.json")
[ -n "$proxy_ip" ] || { echo "Bail out! the fixtures have no ipMode: Proxy ingress"; exit 1; }

for v in 1.20 1.21 1.24 1.28 1.30 1.32 1.37; do
	minor=${v#1.}
	d=$tmp/v$minor
	if ! fakeapi_start "$d" --version "$v" --load "$FAKEAPI_FIXTURES/services.json" \
		--load "$FAKEAPI_FIXTURES/endpointslices.json" \
		--load "$FAKEAPI_FIXTURES/endpoints.json" 2>"$d.err"; then
		not_ok "$v: fake apiserver starts" "$(cat "$d.err")"
		continue
	fi
	timeout 60 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" >"$d/api.out" 2>"$d/api.log"
	rc=$?
	# What the server holds, read by real kubectl: Services and whichever
	# endpoints API this version serves for slices.
	if [ "$minor" -ge 21 ]; then kinds=services,endpointslices; else kinds=services,endpoints; fi
	kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" --cache-dir "$d/cache" --request-timeout=20s \
		get "$kinds" -A -o json >"$d/objs.json" 2>"$d/kubectl.err"
	krc=$?
	"$bin" render -f "$d/objs.json" "${NODE[@]}" >"$d/files.out" 2>"$d/files.err"
	if [ $rc -eq 0 ] && [ $krc -eq 0 ] && [ "$(grep -c . "$d/api.out")" -gt 20 ] &&
		cmp -s "$d/api.out" "$d/files.out"; then
		ok "$v: render from the server equals render of kubectl's objects ($(grep -c . "$d/api.out") lines)"
	else
		not_ok "$v: render from the server equals render of kubectl's objects" "render exit $rc, kubectl exit $krc" \
			"$(diff "$d/files.out" "$d/api.out" | head -20)" "$(tail -5 "$d/api.log")" "$(tail -3 "$d/kubectl.err")"
	fi
	svc_reqs=$(requests services)
	with_sel=$(printf '%s\n' "$svc_reqs" | grep -c 'fieldSelector=')
	if [ "$minor" -lt 31 ]; then
		if [ "$(grep -c 'event=api_compat' "$d/api.log")" -eq 1 ] &&
			grep -q 'event=api_compat resource=services field_selector=off .*not a known field selector' "$d/api.log" &&
			[ "$with_sel" -eq 1 ] && printf '%s\n' "$svc_reqs" | grep -q '^list 400 .*fieldSelector=' &&
			printf '%s\n' "$svc_reqs" | grep -q '^list 200 labelSelector='; then
			ok "$v: one 400 for the field selector, said once, never sent again"
		else
			not_ok "$v: one 400 for the field selector, said once, never sent again" "$svc_reqs" \
				"$(grep -E 'api_compat|api_rejected' "$d/api.log")"
		fi
	else
		if [ "$with_sel" -ge 1 ] && ! printf '%s\n' "$svc_reqs" | grep -q '^list 400' &&
			! grep -q 'event=api_compat' "$d/api.log"; then
			ok "$v: the Service list keeps its field selector"
		else
			not_ok "$v: the Service list keeps its field selector" "$svc_reqs"
		fi
	fi
	if grep -q 'event=api_rejected' "$d/api.log"; then
		not_ok "$v: no request refused" "$(grep api_rejected "$d/api.log")"
	fi
	if grep -q "event=api_server version=v$v.0-kipvs-fake" "$d/api.log"; then
		ok "$v: the server's version is logged"
	else
		not_ok "$v: the server's version is logged" "$(head -3 "$d/api.log")"
	fi
	if [ "$minor" -lt 21 ]; then
		if grep -q 'event=endpoints_api using=endpoints reason=.*no discovery.k8s.io/v1' "$d/api.log" &&
			[ -n "$(requests endpoints)" ] && [ -z "$(requests endpointslices)" ]; then
			ok "$v: no discovery.k8s.io/v1: core/v1 Endpoints are read instead, and the log says why"
		else
			not_ok "$v: Endpoints fallback" "$(grep endpoints_api "$d/api.log")"
		fi
	fi
	# The fields an older server drops change the table as they changed
	# kube-proxy's: ipMode: Proxy (kept from 1.30) keeps that IP out.
	if [ "$minor" -lt 30 ]; then
		grep -q " $proxy_ip:" "$d/api.out" && ok "$v: LB ingress $proxy_ip programmed (this server drops ipMode)" ||
			not_ok "$v: LB ingress $proxy_ip programmed (this server drops ipMode)"
	else
		! grep -q " $proxy_ip:" "$d/api.out" && ok "$v: LB ingress $proxy_ip with ipMode Proxy not programmed" ||
			not_ok "$v: LB ingress $proxy_ip with ipMode Proxy not programmed" "$(grep "$proxy_ip" "$d/api.out")"
	fi
	fakeapi_stop
done

# --- a request the server refuses for good -------------------------------------
d=$tmp/refused
fakeapi_start "$d" --load "$FAKEAPI_FIXTURES/services.json" --load "$FAKEAPI_FIXTURES/endpointslices.json" \
	2>"$d.err" || { echo "Bail out! fakeapi: $(cat "$d.err")"; exit 1; }
fakeapi_ctl POST /_fake/faults '{"type":"status","code":400,"resource":"endpointslices","verb":"list","count":-1,"message":"this server does not like you"}' >/dev/null
timeout 8 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" >"$d/out" 2>"$d/log"
rc=$?
reqs=$(requests endpointslices | grep -c '^list 400')
if [ $rc -ne 0 ] && [ "$(grep -c 'event=api_rejected' "$d/log")" -eq 1 ] &&
	grep -q 'event=api_rejected resource=endpointslices op=list .*status=400 .*message="this server does not like you" action=' "$d/log" &&
	grep -q 'hint="EndpointSlice (discovery.k8s.io/v1) needs Kubernetes 1.21' "$d/log" &&
	[ "$reqs" -eq 1 ] && [ ! -s "$d/out" ]; then
	ok "a refused list: said once with the server's message and a hint, not retried in a loop (1 request in 8 s)"
else
	not_ok "a refused list: said once, not retried in a loop" "exit $rc, $reqs refused requests" "$(cat "$d/log")"
fi

# --- the Node cannot be listed -------------------------------------------------
fakeapi_ctl DELETE /_fake/faults >/dev/null
fakeapi_ctl POST /_fake/seed '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-b","labels":{"topology.kubernetes.io/zone":"zone-b"}}}' >/dev/null
timeout 30 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" >"$d/zoned.out" 2>/dev/null
timeout 30 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" --node-zone zone-b >"$d/zoned-flag.out" 2>/dev/null
fakeapi_ctl DELETE /_fake/requests >/dev/null
for how in 403 404 hang; do
	fakeapi_ctl DELETE /_fake/faults >/dev/null
	case $how in
	hang) fakeapi_ctl POST /_fake/faults '{"type":"hang","resource":"nodes","count":-1,"seconds":60}' >/dev/null ;;
	*) fakeapi_ctl POST /_fake/faults "{\"type\":\"status\",\"code\":$how,\"resource\":\"nodes\",\"count\":-1}" >/dev/null ;;
	esac
	start=$(date +%s%N)
	timeout 30 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" >"$d/node-$how.out" 2>"$d/node-$how.log"
	rc=$?
	took=$((($(date +%s%N) - start) / 1000000))
	if [ $rc -eq 0 ] && [ -s "$d/node-$how.out" ] && [ "$(grep -c 'event=node_unavailable' "$d/node-$how.log")" -eq 1 ] &&
		! cmp -s "$d/node-$how.out" "$d/zoned.out"; then
		ok "Node $how: render goes on without it after $took ms (no zone), says so once"
	else
		not_ok "Node $how: render goes on without it" "exit $rc after $took ms" "$(tail -5 "$d/node-$how.log")"
	fi
done
# With --node-zone, no Node is needed at all: the same table as with the Node's label.
timeout 30 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" "${NODE[@]}" --node-zone zone-b >"$d/flag.out" 2>"$d/flag.log"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$d/flag.out" "$d/zoned-flag.out" && cmp -s "$d/flag.out" "$d/zoned.out" &&
	! grep -q 'node_unavailable' "$d/flag.log"; then
	ok "--node-zone with the Node hanging: no wait, the same table as the Node's zone label gives"
else
	not_ok "--node-zone with the Node hanging" "exit $rc" "$(diff "$d/zoned.out" "$d/flag.out" | head)" "$(tail -3 "$d/flag.log")"
fi
fakeapi_stop

echo "1..$n"
[ $failed -eq 0 ]
