#!/usr/bin/env bash
# Checks the deployment files: every YAML parses and has the shape kipvs
# needs, RBAC grants nothing beyond read access to what kipvs watches, the
# DaemonSet asks for NET_ADMIN only, real kubectl accepts the manifests
# against the fake apiserver (client and server dry runs), and the systemd
# unit passes `systemd-analyze verify` with a security exposure no worse than 3.0.
set -u
cd "$(dirname "$0")/../.."
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }
PY=/usr/bin/python3

out=$($PY - <<'PYEOF' 2>&1
import sys, yaml, glob
errors = []
docs = {}
for path in sorted(glob.glob("manifests/kubernetes/*.yaml")) + ["manifests/kipvs.example.yaml"]:
    with open(path) as f:
        try:
            d = list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            errors.append(f"{path}: {e}")
            continue
    docs[path] = d
k = "manifests/kubernetes/"
cr = docs[k + "clusterrole.yaml"][0]
allowed = {("", "services"), ("", "endpoints"), ("", "nodes"), ("discovery.k8s.io", "endpointslices")}
for rule in cr["rules"]:
    if set(rule["verbs"]) - {"get", "list", "watch"}:
        errors.append(f"clusterrole grants {rule['verbs']}")
    for g in rule["apiGroups"]:
        for r in rule["resources"]:
            if (g, r) not in allowed:
                errors.append(f"clusterrole grants {g}/{r}")
granted = {(g, r) for rule in cr["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
if granted != allowed:
    errors.append(f"clusterrole misses {allowed - granted}")
ds = docs[k + "daemonset.yaml"][0]
spec = ds["spec"]["template"]["spec"]
if not spec.get("hostNetwork"): errors.append("daemonset: hostNetwork must be true")
if spec.get("priorityClassName") != "system-node-critical": errors.append("daemonset: priority")
if {"operator": "Exists"} not in spec.get("tolerations", []): errors.append("daemonset: must tolerate everything")
c = spec["containers"][0]
sc = c["securityContext"]
if sc.get("privileged") or sc.get("allowPrivilegeEscalation") is not False: errors.append("daemonset: privileged")
if sc["capabilities"]["add"] != ["NET_ADMIN"] or sc["capabilities"]["drop"] != ["ALL"]: errors.append("daemonset: capabilities must be exactly NET_ADMIN")
if not sc.get("readOnlyRootFilesystem"): errors.append("daemonset: root filesystem must be read-only")
if c["livenessProbe"]["httpGet"]["path"] != "/livez": errors.append("daemonset: liveness must use /livez")
if any(v.get("hostPath") for v in spec.get("volumes", [])): errors.append("daemonset: no hostPath volumes")
kz = docs[k + "kustomization.yaml"][0]
for r in kz["resources"]:
    if k + r not in docs: errors.append(f"kustomization lists missing {r}")
# The image `make image` builds is kipvs:VERSION, VERSION as lib/version.h has it.
import re
version = re.search(r'^#define KIPVS_VERSION "(.*)"$', open("lib/version.h").read(), re.M).group(1)
if c["image"] != "kipvs:" + version: errors.append(f"daemonset image {c['image']}, want kipvs:{version}")
if kz.get("images") != [{"name": "kipvs", "newTag": version}]: errors.append(f"kustomization images {kz.get('images')}, want kipvs newTag {version}")
cm = docs[k + "configmap.yaml"][0]
cfg = yaml.safe_load(cm["data"]["config.conf"])
if cfg.get("mode") != "ipvs" or cfg.get("kind") != "KubeProxyConfiguration": errors.append("configmap: not an ipvs KubeProxyConfiguration")
kc = yaml.safe_load(cm["data"]["kubeconfig.conf"])
if kc["users"][0]["user"].get("tokenFile") is None: errors.append("configmap kubeconfig: must use tokenFile (rotating token)")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PYEOF
)
if [ $? -eq 0 ]; then ok "kubernetes manifests parse, RBAC read-only, DaemonSet NET_ADMIN only, image kipvs:VERSION"; else notok "kubernetes manifests" "$out"; fi

tmp=$(mktemp -d)
. test/fakeapi/lib.sh
trap 'fakeapi_stop; rm -rf "$tmp"' EXIT

# Real kubectl against the fake apiserver (HTTPS, token): every manifest maps
# to a served kind, passes kubectl's validation and would be created. The
# files are the kustomization's resources (a directory with kustomization.yaml
# is applied with -k; `-f DIR` would also feed kubectl the Kustomization
# itself, which no apiserver serves).
mapfile -t files < <($PY -c 'import yaml; [print(r) for r in yaml.safe_load(open("manifests/kubernetes/kustomization.yaml"))["resources"]]')
want_client=$(printf '%s\n' "clusterrole.rbac.authorization.k8s.io/kipvs" "clusterrolebinding.rbac.authorization.k8s.io/kipvs" \
	configmap/kipvs daemonset.apps/kipvs serviceaccount/kipvs | sed 's/$/ created (dry run)/')
want_server=${want_client//(dry run)/(server dry run)}
kubectl_checks=("kubectl apply -k manifests/kubernetes --dry-run=client creates the 5 objects"
	"kubectl apply --dry-run=client -f each kustomization resource creates the 5 objects"
	"client dry runs send no write to the apiserver"
	"kubectl apply -k manifests/kubernetes --dry-run=server: 5 objects accepted, none stored")
if ! command -v kubectl >/dev/null 2>&1; then
	for c in "${kubectl_checks[@]}"; do ok "$c # SKIP kubectl not found (the machine image ships /usr/bin/kubectl)"; done
elif ! fakeapi_start "$tmp/api" >"$tmp/api.log" 2>&1; then
	for c in "${kubectl_checks[@]}"; do notok "$c" "the fake apiserver did not start:" "$(cat "$tmp/api.log")"; done
else
	export HOME=$tmp/home
	mkdir -p "$HOME"
	kc=0
	k() { # kubectl with a fresh discovery cache each time (it caches per server for 6 h)
		kc=$((kc + 1))
		kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" --cache-dir "$tmp/cache.$kc" --request-timeout=20s "$@"
	}
	seq0=$(fakeapi_ctl GET /_fake/requests | $PY -c 'import json,sys; print(json.load(sys.stdin)["last"])')
	out=$(k apply -k manifests/kubernetes --dry-run=client 2>&1)
	if [ $? -eq 0 ] && [ "$(sort <<<"$out")" = "$want_client" ]; then
		ok "${kubectl_checks[0]}"
	else
		notok "${kubectl_checks[0]}" "$out"
	fi
	fargs=()
	for f in "${files[@]}"; do fargs+=(-f "manifests/kubernetes/$f"); done
	out=$(k apply --dry-run=client "${fargs[@]}" 2>&1)
	if [ $? -eq 0 ] && [ "$(sort <<<"$out")" = "$want_client" ]; then
		ok "${kubectl_checks[1]}"
	else
		notok "${kubectl_checks[1]}" "$out"
	fi
	# What kubectl asked: each object looked up (404), nothing written.
	reqs=$(fakeapi_ctl GET "/_fake/requests?since=$seq0" | $PY -c '
import json, sys
for e in json.load(sys.stdin)["requests"]:
    print(e["method"], e["path"], e["status"])')
	lookups=$(grep -Ec '^GET /apis?/.*/kipvs 404$' <<<"$reqs")
	if ! grep -Evq '^GET ' <<<"$reqs" && [ "$lookups" -eq 10 ]; then
		ok "${kubectl_checks[2]}"
	else
		notok "${kubectl_checks[2]}" "expected only GETs, 10 of them 404 lookups of kipvs objects; got:" "$reqs"
	fi
	out=$(k apply -k manifests/kubernetes --dry-run=server 2>&1)
	rc=$?
	left=$(fakeapi_ctl GET /_fake/state | $PY -c '
import json, sys
c = json.load(sys.stdin)["objects"]
print(sum(c.get(r, 0) for r in ("configmaps", "serviceaccounts", "daemonsets", "clusterroles", "clusterrolebindings")))')
	if [ $rc -eq 0 ] && [ "$(sort <<<"$out")" = "$want_server" ] && [ "$left" = 0 ]; then
		ok "${kubectl_checks[3]}"
	else
		notok "${kubectl_checks[3]}" "exit status $rc, objects stored: $left" "$out"
	fi
fi

# What the cluster gets: the kustomization's images: entry applied.
version=$(sed -n 's/^#define KIPVS_VERSION "\(.*\)"$/\1/p' lib/version.h)
name="kubectl kustomize manifests/kubernetes: the DaemonSet runs image kipvs:$version"
if ! command -v kubectl >/dev/null 2>&1; then
	ok "$name # SKIP kubectl not found (the machine image ships /usr/bin/kubectl)"
elif out=$(kubectl kustomize manifests/kubernetes 2>&1) &&
	[ "$(grep -E '^ +image: ' <<<"$out" | sed 's/^ *image: //')" = "kipvs:$version" ]; then
	ok "$name"
else
	notok "$name" "$(grep -E 'image:|error' <<<"$out")"
fi

sed "s#/usr/local/sbin/kipvs#$PWD/kipvs#g" manifests/systemd/kipvs.service >"$tmp/kipvs.service"
if out=$(systemd-analyze verify --man=no "$tmp/kipvs.service" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify kipvs.service"
else
	notok "systemd-analyze verify kipvs.service" "$out"
fi
score=$(systemd-analyze security --offline=yes "$tmp/kipvs.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for kipvs.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
	ok "systemd-analyze security exposure $score <= 3.0"
else
	notok "systemd-analyze security exposure '$score' <= 3.0"
fi
for f in manifests/systemd/networkd-kipvs.network; do
	cp "$f" "$tmp/10-kube-ipvs0.network"
	if grep -q '^Unmanaged=yes' "$tmp/10-kube-ipvs0.network" && grep -q '^Name=kube-ipvs0' "$tmp/10-kube-ipvs0.network"; then
		ok "networkd snippet leaves kube-ipvs0 unmanaged"
	else
		notok "networkd snippet"
	fi
done
echo "1..$n"
