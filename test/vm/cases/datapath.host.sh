# Host companion of datapath: the fake apiserver, seeded with the Services
# and EndpointSlices of the topology (test/vm/files/datapath_lib.sh draws it):
# every Service dual-stack, every backend one pod with an IPv4 and an IPv6
# address. kipvs lists and watches them through the API like any cluster.
. test/vm/files/daemon_companion.sh
companion_start
python3 - >"$companion_dir/cluster.json" <<'PY'
import json

# pod name -> (node, IPv4, IPv6)
PODS = {"poda1": ("node-a", "10.244.1.1", "fd00:244:1::1"),
        "poda2": ("node-a", "10.244.1.2", "fd00:244:1::2"),
        "podb1": ("node-b", "10.244.2.1", "fd00:244:2::1")}
objs = []

def service(name, n, backend, typ="ClusterIP", node_port=None, etp=None, hc=None,
            lb=None, ranges=None):
    spec = {"type": typ, "ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv4", "IPv6"],
            "clusterIP": "10.96.0.%d" % n, "clusterIPs": ["10.96.0.%d" % n, "fd00:10:96::%d" % n],
            "ports": [{"name": "tcp", "protocol": "TCP", "port": 80, "targetPort": 8080}]}
    if node_port:
        spec["ports"][0]["nodePort"] = node_port
    if etp:
        spec["externalTrafficPolicy"] = etp
    if hc:
        spec["healthCheckNodePort"] = hc
    if ranges:
        spec["loadBalancerSourceRanges"] = ranges
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "default"}, "spec": spec}
    if lb:
        svc["status"] = {"loadBalancer": {"ingress": [{"ip": ip} for ip in lb]}}
    objs.append(svc)
    node, v4, v6 = PODS[backend]
    for fam, ip in (("IPv4", v4), ("IPv6", v6)):
        objs.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                     "metadata": {"name": "%s-%s" % (name, fam.lower()), "namespace": "default",
                                  "labels": {"kubernetes.io/service-name": name}},
                     "addressType": fam,
                     "ports": [{"name": "tcp", "protocol": "TCP", "port": 8080}],
                     "endpoints": [{"addresses": [ip], "nodeName": node,
                                    "conditions": {"ready": True}}]})

# 1, 4, 8: NodePort (ETP Cluster) whose only backend is on node-b.
service("np-remote", 11, "podb1", "NodePort", node_port=30001)
# 2: ETP Local LoadBalancer whose only backend is on node-a.
service("lb-local", 12, "poda1", "LoadBalancer", node_port=30002, etp="Local", hc=32001)
# 3: hairpin: poda2 is the only backend of the Service it calls.
service("hairpin", 13, "poda2")
# 5: loadBalancerSourceRanges: the client's first address and the nodes; then
# the client's first address only (kube-proxy: the node is then refused too).
service("lb-ranges", 15, "poda1", "LoadBalancer", node_port=30005,
        lb=["203.0.113.5", "fd00:113::5"],
        ranges=["198.51.100.2/32", "172.18.0.0/24", "fd00:c::2/128", "fd00:18::/64"])
service("lb-ranges-nonode", 18, "poda1", "LoadBalancer", node_port=30008,
        lb=["203.0.113.8", "fd00:113::8"], ranges=["198.51.100.2/32", "fd00:c::2/128"])
# 6: the VIP port filter.
service("guard", 16, "poda1")
# 7: ClusterIP whose backend is on node-b (masquerade or not, by source).
service("masq", 17, "podb1")
json.dump(objs, open("/dev/stdout", "w"))
PY
companion_seed "$companion_dir/cluster.json"
companion_serve
