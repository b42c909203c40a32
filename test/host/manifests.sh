#!/usr/bin/env bash
# Checks the deployment files: every YAML parses and has the shape kipvs
# needs, RBAC grants nothing beyond read access to what kipvs watches, the
# DaemonSet asks for NET_ADMIN only, and the systemd unit passes
# `systemd-analyze verify` with a security exposure no worse than 3.0.
set -u
cd "$(dirname "$0")/../.."
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
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
cm = docs[k + "configmap.yaml"][0]
cfg = yaml.safe_load(cm["data"]["config.conf"])
if cfg.get("mode") != "ipvs" or cfg.get("kind") != "KubeProxyConfiguration": errors.append("configmap: not an ipvs KubeProxyConfiguration")
kc = yaml.safe_load(cm["data"]["kubeconfig.conf"])
if kc["users"][0]["user"].get("tokenFile") is None: errors.append("configmap kubeconfig: must use tokenFile (rotating token)")
print("\n".join(errors))
sys.exit(1 if errors else 0)
PYEOF
)
if [ $? -eq 0 ]; then ok "kubernetes manifests parse, RBAC read-only, DaemonSet NET_ADMIN only"; else notok "kubernetes manifests" "$out"; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
