#!/usr/bin/env python3
"""Writes a synthetic cluster for the daemon benchmark: N ClusterIP Services
with explicit cluster IPs (the fake apiserver then allocates nothing, which is
what makes seeding it fast), each with one EndpointSlice of M ready
endpoints, as two JSON Lists for fakeapi.py --load and `kipvs render -f`.

  gen_cluster.py --services 10000 --endpoints 10 SERVICES.json SLICES.json

Service i is bench/svc-i at 10.96.X.Y (X.Y counting up from 10.96.1.1), TCP
port 80 -> 8080; its endpoints are 10.X'.Y'.Z' addresses counting up from
10.128.0.1, so no two services share a destination. Every tenth service is
UDP 53 instead, so both protocols are in the table.
"""

import argparse
import json
import sys


def ipv4(n):
    return "%d.%d.%d.%d" % (n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)


def base(a):
    p = [int(x) for x in a.split(".")]
    return p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]


def service(i, vip):
    udp = i % 10 == 9
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc-%d" % i, "namespace": "bench"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": vip,
            "clusterIPs": [vip],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [
                {
                    "name": "p",
                    "protocol": "UDP" if udp else "TCP",
                    "port": 53 if udp else 80,
                    "targetPort": 53 if udp else 8080,
                }
            ],
        },
    }


def endpoint(addr):
    return {"addresses": [addr], "conditions": {"ready": True, "serving": True, "terminating": False}}


def slice_of(i, addrs):
    udp = i % 10 == 9
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "svc-%d-a" % i,
            "namespace": "bench",
            "labels": {"kubernetes.io/service-name": "svc-%d" % i},
        },
        "addressType": "IPv4",
        "endpoints": [endpoint(a) for a in addrs],
        "ports": [{"name": "p", "protocol": "UDP" if udp else "TCP", "port": 53 if udp else 8080}],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--endpoints", type=int, default=10)
    ap.add_argument("--vip-base", default="10.96.1.1")
    ap.add_argument("--ep-base", default="10.128.0.1")
    ap.add_argument("services_out")
    ap.add_argument("slices_out")
    a = ap.parse_args()
    vb, eb = base(a.vip_base), base(a.ep_base)
    if a.services > 60000:
        sys.exit("gen_cluster: at most 60000 services (the addresses stay in 10.96/16)")
    svcs, slices = [], []
    for i in range(a.services):
        svcs.append(service(i, ipv4(vb + i)))
        slices.append(slice_of(i, [ipv4(eb + i * a.endpoints + j) for j in range(a.endpoints)]))
    for path, items in ((a.services_out, svcs), (a.slices_out, slices)):
        with open(path, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
