# make demo, host side (the companion of demo.sh, started by test/vm/run.sh): the fake kube-apiserver over HTTPS with a bearer token,
# seeded with the demo cluster (test/demo/cluster.json). The guest gets, in
# $VM_HOST_FILES: kubeconfig, ca.crt, token, the cluster as served
# (cluster.json), the pods to create (pods: NAME IP PORT) and a table of the
# Services to show (services).
set -eu
. test/fakeapi/lib.sh
dir=$(mktemp -d)
trap 'fakeapi_stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
trap 'exit 0' TERM INT

# default/kubernetes points at the apiserver as the guest reaches it.
python3 - test/demo/cluster.json "${VM_APISERVER%:*}" "$dir/cluster.json" "$VM_HOST_FILES" <<'PYEOF'
import json, sys
src, api_ip, out, files = sys.argv[1:]
doc = json.load(open(src))
items = doc["items"]
for o in items:
    if o["kind"] == "EndpointSlice" and o["metadata"]["name"] == "kubernetes":
        for e in o["endpoints"]:
            e["addresses"] = [api_ip]
for path in (out, files + "/cluster.json"):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)

slices = [o for o in items if o["kind"] == "EndpointSlice"]
pods = {}
for s in slices:
    port = s["ports"][0]["port"]
    for e in s["endpoints"]:
        ref = e.get("targetRef") or {}
        if ref.get("kind") == "Pod":
            pods.setdefault(ref["name"], (e["addresses"][0], port))
with open(files + "/pods", "w") as f:
    for name, (ip, port) in pods.items():
        f.write("%s %s %d\n" % (name, ip, port))

# Like `kubectl get svc -A`, with the backends of each Service.
rows = [("NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "ENDPOINTS")]
for s in (o for o in items if o["kind"] == "Service"):
    m, sp = s["metadata"], s["spec"]
    typ = sp.get("type", "ClusterIP")
    ext = [i["ip"] for i in ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress", [])]
    if typ == "ExternalName":
        ext = [sp["externalName"]]
    ports = ",".join("%d%s/%s" % (p["port"], ":%d" % p["nodePort"] if "nodePort" in p else "",
                                  p.get("protocol", "TCP")) for p in sp.get("ports", [])) or "<none>"
    backends = []
    for sl in slices:
        if (sl["metadata"]["namespace"] == m["namespace"]
                and sl["metadata"]["labels"].get("kubernetes.io/service-name") == m["name"]):
            for e in sl["endpoints"]:
                ref = e.get("targetRef") or {}
                backends.append(ref.get("name") or "%s:%d" % (e["addresses"][0], sl["ports"][0]["port"]))
    note = ""
    if sp.get("sessionAffinity") == "ClientIP":
        note = " (affinity: ClientIP)"
    elif sp.get("clusterIP") == "None":
        note = " (headless)"
    rows.append((m["namespace"], m["name"], typ, sp.get("clusterIP", "<none>"), ",".join(ext) or "<none>",
                 ports, (",".join(backends) or "-") + note))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
with open(files + "/services", "w") as f:
    for r in rows:
        f.write("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] + "\n")
PYEOF

# The certificate names the guest-side address: each companion of a VM run
# gets its own (10.0.2.100, .101, ...).
fakeapi_start "$dir" --san "IP:${VM_APISERVER%:*}" --kubeconfig-server "https://$VM_APISERVER" \
	--load "$dir/cluster.json" >&2
cp "$dir/kubeconfig" "$VM_HOST_FILES/kubeconfig"
cp "$FAKEAPI_CA" "$VM_HOST_FILES/ca.crt"
cp "$FAKEAPI_TOKEN_FILE" "$VM_HOST_FILES/token"
echo "$FAKEAPI_PORT"
wait "$FAKEAPI_PID"
