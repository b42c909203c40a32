#!/usr/bin/env python3
"""The fake kube-apiserver's wire protocol, checked over real HTTP and HTTPS:
discovery, LIST (resourceVersion rules, pagination, selectors, Table), WATCH
(start semantics, growing RVs, selectors on old and new state, bookmarks,
timeoutSeconds, 410, watch-list), writes with server defaults and patches,
Status bodies compared with test/fixtures/k8s/statuses.json, and authentication.
TAP output."""

import gzip
import ipaddress
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakeapi"))
from testlib import FIXTURES, TOKEN, Fake, Tap, fixture  # noqa: E402

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def names(lst):
    return sorted("%s/%s" % (i["metadata"]["namespace"], i["metadata"]["name"]) for i in lst["items"])


def main():
    if not os.path.isdir(FIXTURES):  # part of the repository: missing is a broken checkout
        print("fixtures not found at %s" % FIXTURES)
        return 1
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="fakeapi-proto-")
    fake = Fake(tmp, ["--bookmark-interval", "1"])
    statuses = fixture("statuses.json")
    try:
        run(tap, fake, statuses)
    finally:
        rc = fake.stop()
        tap.ok(rc == 0, "the server exits 0 on SIGTERM", "exit status %s" % rc)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


def run(tap, fake, statuses):
    svc_fixture = fixture("services.json")

    def discovery():
        code, v = fake.json("GET", "/version")
        assert code == 200 and v["major"] == "1" and v["minor"] == "32", v
        code, apis = fake.json("GET", "/apis")
        assert code == 200 and apis["kind"] == "APIGroupList", apis
        gvs = [gv["groupVersion"] for g in apis["groups"] for gv in g["versions"]]
        assert "discovery.k8s.io/v1" in gvs, gvs
        for gv in ["v1"] + gvs:
            code, rl = fake.json("GET", ("/api/" if gv == "v1" else "/apis/") + gv)
            assert code == 200 and rl["kind"] == "APIResourceList" and rl["groupVersion"] == gv, (gv, rl)
        code, rl = fake.json("GET", "/api/v1")
        svc = [r for r in rl["resources"] if r["name"] == "services"][0]
        assert svc["shortNames"] == ["svc"] and "watch" in svc["verbs"] and svc["namespaced"], svc
        code, idx = fake.json("GET", "/openapi/v3")
        url = idx["paths"]["api/v1"]["serverRelativeURL"]
        code, doc = fake.json("GET", url)
        op = doc["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]["patch"]
        assert op["x-kubernetes-group-version-kind"]["kind"] == "Service", op
        assert any(p["name"] == "fieldValidation" for p in op["parameters"]), op
    tap.case("discovery: /version minor 32, every listed group-version answers, openapi v3 PATCH", discovery)

    def list_shape():
        code, lst = fake.json("GET", "/api/v1/services")
        assert code == 200 and lst["kind"] == "ServiceList" and lst["apiVersion"] == "v1", lst
        assert names(lst) == names(svc_fixture), names(lst)
        assert all("kind" not in i and "apiVersion" not in i for i in lst["items"])
        assert int(lst["metadata"]["resourceVersion"]) >= max(int(i["metadata"]["resourceVersion"])
                                                               for i in lst["items"])
        code, one = fake.json("GET", "/api/v1/namespaces/shop/services/catalog")
        assert code == 200 and one["kind"] == "Service" and one["apiVersion"] == "v1", one
        want = [i for i in svc_fixture["items"] if i["metadata"]["name"] == "catalog"][0]
        assert one["spec"] == want["spec"] and one["status"] == want["status"], one
        code, ns_lst = fake.json("GET", "/api/v1/namespaces/kube-system/services")
        assert names(ns_lst) == ["kube-system/kube-dns"], names(ns_lst)
        code, es = fake.json("GET", "/apis/discovery.k8s.io/v1/endpointslices")
        assert es["kind"] == "EndpointSliceList" and len(es["items"]) == 11, es["kind"]
        ph = [i for i in es["items"] if i["metadata"]["name"] == "search-5fgh2"][0]
        assert ph["endpoints"] is None and ph["ports"] is None, ph
    tap.case("LIST: fixture objects served unchanged, list items without kind, GET with kind", list_shape)

    def pagination():
        code, p1 = fake.json("GET", "/api/v1/services?limit=4")
        rv = p1["metadata"]["resourceVersion"]
        assert len(p1["items"]) == 4 and p1["metadata"]["remainingItemCount"] == 5, p1["metadata"]
        # A change between pages must not show: pages are one snapshot.
        code, _ = fake.json("PATCH", "/api/v1/namespaces/shop/services/search",
                            {"metadata": {"labels": {"paged": "yes"}}},
                            headers={"Content-Type": "application/merge-patch+json"})
        assert code == 200
        seen = list(p1["items"])
        cont = p1["metadata"]["continue"]
        pages = 1
        while cont:
            code, p = fake.json("GET", "/api/v1/services?limit=4&continue=" + cont)
            assert code == 200 and p["metadata"]["resourceVersion"] == rv, p["metadata"]
            seen += p["items"]
            cont = p["metadata"].get("continue")
            pages += 1
        assert pages == 3 and sorted(names({"items": seen})) == names(svc_fixture), (pages, names({"items": seen}))
        search = [i for i in seen if i["metadata"]["name"] == "search"][0]
        assert "paged" not in search["metadata"]["labels"], search["metadata"]
        code, now = fake.json("GET", "/api/v1/namespaces/shop/services/search")
        assert now["metadata"]["labels"]["paged"] == "yes"
    tap.case("pagination: limit/continue walk one snapshot with the same list RV on every page", pagination)

    def continue_errors():
        code, p1 = fake.json("GET", "/api/v1/services?limit=2")
        code, bad = fake.json("GET", "/api/v1/services?limit=2&continue=bm90LWEtdG9rZW4")
        assert code == 400 and bad["reason"] == "BadRequest", bad
        code, bad = fake.json("GET", "/api/v1/services?limit=2&resourceVersion=5&continue=" + p1["metadata"]["continue"])
        assert code == 400, bad
        fake.ctl("POST", "/_fake/compact")
        code, st = fake.json("GET", "/api/v1/services?limit=2&continue=" + p1["metadata"]["continue"])
        assert code == 410 and st == statuses["410-continue-expired"], st
    tap.case("continue: bad token 400, token with resourceVersion 400, after compaction 410 (statuses.json body)",
             continue_errors)

    def rv_semantics():
        code, before = fake.json("GET", "/api/v1/services")
        rv0 = before["metadata"]["resourceVersion"]
        fake.json("PATCH", "/api/v1/namespaces/shop/services/frontend", {"metadata": {"labels": {"v": "2"}}},
                  headers={"Content-Type": "application/merge-patch+json"})
        # limit + RV = exact (legacy rule): the old state.
        code, old = fake.json("GET", "/api/v1/services?limit=100&resourceVersion=" + rv0)
        fe = [i for i in old["items"] if i["metadata"]["name"] == "frontend"][0]
        assert old["metadata"]["resourceVersion"] == rv0 and "v" not in fe["metadata"]["labels"], old["metadata"]
        code, ex = fake.json("GET", "/api/v1/services?resourceVersionMatch=Exact&resourceVersion=" + rv0)
        assert code == 200 and ex["metadata"]["resourceVersion"] == rv0
        # Without limit: not older than -> the current state.
        code, cur = fake.json("GET", "/api/v1/services?resourceVersion=" + rv0)
        fe = [i for i in cur["items"] if i["metadata"]["name"] == "frontend"][0]
        assert fe["metadata"]["labels"]["v"] == "2" and int(cur["metadata"]["resourceVersion"]) > int(rv0)
        code, r0 = fake.json("GET", "/api/v1/services?resourceVersion=0")
        assert code == 200 and r0["metadata"]["resourceVersion"] == cur["metadata"]["resourceVersion"]
        fake.ctl("POST", "/_fake/compact")
        code, st = fake.json("GET", "/api/v1/services?resourceVersionMatch=Exact&resourceVersion=" + rv0)
        assert code == 410 and st == statuses["410-list-rv-too-old"], st
        big = int(fake.rv()) + 1000
        t0 = time.monotonic()
        code, st = fake.json("GET", "/api/v1/services?resourceVersion=%d" % big)
        assert code == 504 and st["reason"] == "Timeout" and time.monotonic() - t0 >= 1.5, st
        assert st["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge", st
        for q, field in (("resourceVersionMatch=Exact", "resourceVersionMatch"),
                         ("resourceVersionMatch=Exact&resourceVersion=0", "resourceVersionMatch"),
                         ("sendInitialEvents=true", "sendInitialEvents")):
            code, st = fake.json("GET", "/api/v1/services?" + q)
            assert code == 422 and st["reason"] == "Invalid" and st["details"]["causes"][0]["field"] == field, (q, st)
    tap.case("resourceVersion rules: exact snapshot, not-older-than, 410 when compacted, 504 too large, 422s",
             rv_semantics)

    def label_selectors():
        cases = {
            "!service.kubernetes.io/service-proxy-name": 8,
            "app=catalog": 2, "app==catalog": 2, "app!=catalog": 7,
            "app in (catalog,search)": 3, "app notin (catalog,search)": 6,
            "app": 6, "!app": 3, "app=catalog,service.kubernetes.io/service-proxy-name": 0,
        }
        from urllib.parse import quote
        for sel, want in cases.items():
            code, lst = fake.json("GET", "/api/v1/services?labelSelector=" + quote(sel))
            assert code == 200 and len(lst["items"]) == want, (sel, names(lst))
        code, st = fake.json("GET", "/api/v1/services?labelSelector=" + quote("app in (a"))
        assert code == 400 and st["reason"] == "BadRequest", st
    tap.case("label selectors: k, !k, k=v, k==v, k!=v, in, notin, AND; malformed -> 400", label_selectors)

    def field_selectors():
        from urllib.parse import quote
        code, lst = fake.json("GET", "/api/v1/services?fieldSelector=" + quote("spec.clusterIP!=None"))
        got = names(lst)
        assert "shop/catalog-headless" not in got and "shop/payments-gw" in got and len(got) == 8, got
        code, lst = fake.json("GET", "/api/v1/services?fieldSelector=" + quote("metadata.namespace=shop,metadata.name!=search"))
        assert len(lst["items"]) == 6, names(lst)
        code, lst = fake.json("GET", "/api/v1/services?fieldSelector=" + quote("metadata.name==kube-dns"))
        assert names(lst) == ["kube-system/kube-dns"], names(lst)
        code, st = fake.json("GET", "/api/v1/services?fieldSelector=" + quote("spec.selector=x"))
        assert code == 400 and "field label not supported: spec.selector" in st["message"], st
        code, lst = fake.json("GET", "/apis/discovery.k8s.io/v1/endpointslices?labelSelector="
                              + quote("!service.kubernetes.io/headless"))
        assert len(lst["items"]) == 10, names(lst)
    tap.case("field selectors: spec.clusterIP!=None keeps ExternalName, name/namespace, unsupported -> 400",
             field_selectors)

    def tables_out():
        code, hdr, data = fake.request("GET", "/api/v1/services", headers={"Accept": TABLE})
        t = json.loads(data)
        assert t["kind"] == "Table" and "as=Table" in hdr["content-type"], hdr
        assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "Type", "Cluster-IP", "External-IP",
                                                              "Port(s)", "Age", "Selector"]
        want = {r["cells"][0]: r["cells"][:5] + r["cells"][6:] for r in fixture("table-services.json")["rows"]}
        got = {r["cells"][0]: r["cells"][:5] + r["cells"][6:] for r in t["rows"]}
        for k in want:
            if k == "frontend":  # earlier cases labelled it; cells do not depend on labels
                pass
            assert got[k] == want[k], (k, got[k], want[k])
        assert t["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
        code, hdr, data = fake.request("GET", "/api/v1/namespaces/shop/services/catalog", headers={"Accept": TABLE})
        one = json.loads(data)
        assert one["kind"] == "Table" and len(one["rows"]) == 1 and one["rows"][0]["cells"][0] == "catalog"
        code, hdr, data = fake.request("GET", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices",
                                       headers={"Accept": TABLE})
        rows = {r["cells"][0]: r["cells"][:4] for r in json.loads(data)["rows"]}
        assert rows["frontend-x7k2p"] == ["frontend-x7k2p", "IPv4", "8080",
                                          "10.244.1.12,10.244.2.15,10.244.2.16"], rows
    tap.case("Table: Service cells equal table-services.json, single GET and EndpointSlice tables", tables_out)

    def watch_basic():
        code, lst = fake.json("GET", "/api/v1/services")
        rv = lst["metadata"]["resourceVersion"]
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=%s&timeoutSeconds=30" % rv)
        assert w.status == 200 and w.headers.get("transfer-encoding") == "chunked", w.headers
        fake.wait_watches(1, "services")
        code, made = fake.json("POST", "/api/v1/namespaces/shop/services",
                               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "w1"},
                                "spec": {"ports": [{"port": 80}]}})
        assert code == 201, made
        fake.json("PATCH", "/api/v1/namespaces/shop/services/w1", {"metadata": {"labels": {"a": "b"}}},
                  headers={"Content-Type": "application/merge-patch+json"})
        code, st = fake.json("DELETE", "/api/v1/namespaces/shop/services/w1")
        assert code == 200 and st["status"] == "Success", st
        evs = [w.event(5) for _ in range(3)]
        assert [e["type"] for e in evs] == ["ADDED", "MODIFIED", "DELETED"], evs
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
        assert int(rv) < rvs[0] < rvs[1] < rvs[2], rvs
        assert all(e["object"]["kind"] == "Service" and e["object"]["apiVersion"] == "v1" for e in evs)
        assert evs[2]["object"]["metadata"]["labels"] == {"a": "b"}, evs[2]
        assert w.silent_for(1.5), "no bookmark without allowWatchBookmarks"
        w.close()
    tap.case("WATCH from the list RV: ADDED, MODIFIED, DELETED with growing RVs; no unasked bookmarks", watch_basic)

    def watch_initial():
        for rvq in ("", "&resourceVersion=0"):
            w = fake.watch("/api/v1/namespaces/kube-system/services?watch=1" + rvq)
            ev = w.event(5)
            assert ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "kube-dns", ev
            assert w.silent_for(0.5)
            w.close()
        w = fake.watch("/api/v1/services?watch=1")
        got = [w.event(5) for _ in range(len(svc_fixture["items"]))]
        assert sorted(e["object"]["metadata"]["name"] for e in got) == sorted(
            i["metadata"]["name"] for i in svc_fixture["items"]) and all(e["type"] == "ADDED" for e in got)
        w.close()
    tap.case("WATCH without RV or with RV 0: synthetic ADDED for every current object", watch_initial)

    def watch_selectors():
        from urllib.parse import quote
        sel = quote("!service.kubernetes.io/service-proxy-name")
        fsel = quote("spec.clusterIP!=None")
        rv = fake.rv()
        w = fake.watch("/api/v1/services?watch=true&labelSelector=%s&fieldSelector=%s&resourceVersion=%s"
                       % (sel, fsel, rv))
        fake.wait_watches(1, "services")
        mp = {"Content-Type": "application/merge-patch+json"}
        fake.json("PATCH", "/api/v1/namespaces/shop/services/catalog",
                  {"metadata": {"labels": {"service.kubernetes.io/service-proxy-name": "other"}}}, headers=mp)
        fake.json("PATCH", "/api/v1/namespaces/shop/services/legacy-mesh",
                  {"metadata": {"labels": {"service.kubernetes.io/service-proxy-name": None}}}, headers=mp)
        fake.json("PATCH", "/api/v1/namespaces/shop/services/catalog-headless",
                  {"metadata": {"labels": {"ignored": "yes"}}}, headers=mp)
        fake.json("PATCH", "/api/v1/namespaces/shop/services/catalog",
                  {"metadata": {"labels": {"service.kubernetes.io/service-proxy-name": None}}}, headers=mp)
        e1, e2, e3 = w.event(5), w.event(5), w.event(5)
        assert e1["type"] == "DELETED" and e1["object"]["metadata"]["name"] == "catalog", e1
        assert "service.kubernetes.io/service-proxy-name" not in e1["object"]["metadata"]["labels"], \
            "a stops-matching DELETED carries the previous content"
        assert int(e1["object"]["metadata"]["resourceVersion"]) > int(rv)
        assert e2["type"] == "ADDED" and e2["object"]["metadata"]["name"] == "legacy-mesh", e2
        assert e3["type"] == "ADDED" and e3["object"]["metadata"]["name"] == "catalog", e3
        assert w.silent_for(0.5), "the headless Service's change must be filtered out"
        w.close()
    tap.case("WATCH selectors on old and new state: stops matching -> DELETED (old content), starts -> ADDED",
             watch_selectors)

    def bookmarks_and_timeout():
        rv = fake.rv()
        t0 = time.monotonic()
        w = fake.watch("/apis/discovery.k8s.io/v1/endpointslices?watch=1&allowWatchBookmarks=true"
                       "&timeoutSeconds=3&timeout=3s&resourceVersion=" + rv)
        evs = []
        while True:
            ev = w.event(6)
            if ev is None:
                break
            evs.append(ev)
        took = time.monotonic() - t0
        assert 2.8 <= took < 10, took
        bms = [e for e in evs if e["type"] == "BOOKMARK"]
        assert len(bms) >= 2 and len(bms) == len(evs), evs
        obj = bms[0]["object"]
        assert obj["kind"] == "EndpointSlice" and obj["metadata"]["creationTimestamp"] is None, obj
        assert obj["endpoints"] is None and obj["ports"] is None and obj["addressType"] == "", obj
        assert "name" not in obj["metadata"] and int(obj["metadata"]["resourceVersion"]) >= int(rv)
        assert w.ended, "clean end with the terminating chunk"
    tap.case("bookmarks every interval when asked (zero-value EndpointSlice), timeoutSeconds ends the stream "
             "cleanly", bookmarks_and_timeout)

    def watch_410():
        rv = fake.rv()
        fake.json("PATCH", "/api/v1/namespaces/shop/services/search", {"metadata": {"labels": {"x": "1"}}},
                  headers={"Content-Type": "application/merge-patch+json"})
        fake.ctl("POST", "/_fake/compact")
        w = fake.watch("/api/v1/services?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv)
        assert w.status == 200
        ev = w.event(5)
        want = json.loads(open(os.path.join(FIXTURES, "watch-410-on-start.jsonl")).readline())
        assert ev["type"] == "ERROR" and set(ev["object"]) == set(want["object"]), ev
        assert ev["object"]["code"] == 410 and ev["object"]["reason"] == "Expired", ev
        assert re.match(r"^too old resource version: \d+ \(\d+\)$", ev["object"]["message"]), ev
        assert w.event(2) is None, "the stream ends after the ERROR"
        # The history window: older than the last N events is gone too.
        fake.ctl("POST", "/_fake/config", {"history_limit": 3})
        rv = fake.rv()
        for i in range(5):
            fake.json("PATCH", "/api/v1/namespaces/shop/services/search", {"metadata": {"labels": {"x": str(i)}}},
                      headers={"Content-Type": "application/merge-patch+json"})
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + rv)
        ev = w.event(5)
        fake.ctl("POST", "/_fake/config", {"history_limit": 5000})
        assert ev["type"] == "ERROR" and ev["object"]["code"] == 410, ev
    tap.case("WATCH from a compacted RV: HTTP 200 + one ERROR 410 event (watch-410-on-start.jsonl), then end",
             watch_410)

    def watch_list():
        from urllib.parse import quote
        w = fake.watch("/apis/discovery.k8s.io/v1/endpointslices?watch=1&sendInitialEvents=true"
                       "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector="
                       + quote("!service.kubernetes.io/headless"))
        evs = w.events_until(lambda e: e["type"] == "BOOKMARK")
        assert [e["type"] for e in evs[:-1]] == ["ADDED"] * 10, [e["type"] for e in evs]
        bm = evs[-1]["object"]["metadata"]
        assert bm["annotations"] == {"k8s.io/initial-events-end": "true"}, bm
        fake.json("PATCH", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/search-5fgh2",
                  {"metadata": {"labels": {"y": "1"}}}, headers={"Content-Type": "application/merge-patch+json"})
        ev = w.events_until(lambda e: e["type"] != "BOOKMARK")[-1]
        assert ev["type"] == "MODIFIED" and int(ev["object"]["metadata"]["resourceVersion"]) > int(
            bm["resourceVersion"]), ev
        w.close()
        code, st = fake.json("GET", "/api/v1/services?watch=1&sendInitialEvents=true")
        assert code == 422 and st["details"]["causes"][0]["field"] == "resourceVersionMatch", st
        fake.ctl("POST", "/_fake/config", {"watchlist": False})
        code, st = fake.json("GET", "/apis/discovery.k8s.io/v1/endpointslices?watch=1&sendInitialEvents=true"
                             "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
        fake.ctl("POST", "/_fake/config", {"watchlist": True})
        assert code == 422 and st == statuses["422-sendInitialEvents-not-enabled"], st
    tap.case("watch-list: ADDED..., annotated initial-events-end BOOKMARK, then changes; 422 when switched off",
             watch_list)

    def watch_table():
        rv = fake.rv()
        w = fake.watch("/api/v1/namespaces/shop/services?watch=true&resourceVersion=" + rv,
                       headers={"Accept": TABLE})
        fake.wait_watches(1, "services")
        fake.json("PATCH", "/api/v1/namespaces/shop/services/frontend", {"spec": {"type": "ClusterIP"}},
                  headers={"Content-Type": "application/merge-patch+json"})
        ev = w.event(5)
        t = ev["object"]
        assert ev["type"] == "MODIFIED" and t["kind"] == "Table" and len(t["rows"]) == 1, ev
        assert t["rows"][0]["cells"][:5] == ["frontend", "ClusterIP", "10.96.120.15", "192.0.2.10", "80/TCP"], t
        w.close()
    tap.case("WATCH with a Table Accept: each event is a one-row Table (NodePort -> ClusterIP drops nodePort)",
             watch_table)

    def service_defaults():
        def create(spec, name):
            code, obj = fake.json("POST", "/api/v1/namespaces/default/services",
                                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec})
            assert code == 201, obj
            return obj["spec"]
        v4 = ipaddress.ip_network("10.96.0.0/16")
        v6 = ipaddress.ip_network("fd00:10:96::/112")
        s = create({"ports": [{"port": 53, "protocol": "UDP", "name": "dns"}, {"port": 53, "name": "dns-tcp"}]},
                   "d1")
        assert ipaddress.ip_address(s["clusterIP"]) in v4 and s["ipFamilyPolicy"] == "SingleStack", s
        assert [(p["protocol"], p["targetPort"]) for p in s["ports"]] == [("UDP", 53), ("TCP", 53)], s
        s = create({"type": "LoadBalancer", "externalTrafficPolicy": "Local", "ports": [{"port": 443}]}, "d2")
        np = s["ports"][0]["nodePort"]
        assert 30000 <= np <= 32767 and 30000 <= s["healthCheckNodePort"] <= 32767 and s["healthCheckNodePort"] != np
        assert s["allocateLoadBalancerNodePorts"] is True and s["internalTrafficPolicy"] == "Cluster", s
        s = create({"ipFamilyPolicy": "PreferDualStack", "ports": [{"port": 80}]}, "d3")
        assert s["ipFamilies"] == ["IPv4", "IPv6"] and ipaddress.ip_address(s["clusterIPs"][1]) in v6, s
        s = create({"ipFamilies": ["IPv6"], "ports": [{"port": 80}]}, "d4")
        assert ipaddress.ip_address(s["clusterIP"]) in v6 and s["ipFamilyPolicy"] == "SingleStack", s
        s = create({"type": "ExternalName", "externalName": "db.example.com", "ports": [{"port": 5432}]}, "d5")
        assert "clusterIP" not in s and "ipFamilies" not in s and "internalTrafficPolicy" not in s, s
        s = create({"clusterIP": "None", "selector": {"a": "b"}, "ports": [{"port": 80}]}, "d6")
        assert s["clusterIPs"] == ["None"], s
        s = create({"sessionAffinity": "ClientIP", "type": "NodePort", "ports": [{"port": 80}]}, "d7")
        assert s["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 10800, s
        assert s["externalTrafficPolicy"] == "Cluster", s
        code, st = fake.json("POST", "/api/v1/namespaces/default/services",
                             {"metadata": {"name": "d8"}, "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 1}]}})
        assert code == 422 and "already allocated" in st["message"], st
        code, st = fake.json("POST", "/api/v1/namespaces/default/services",
                             {"metadata": {"name": "d9"}, "spec": {"ports": [{"port": 0}]}})
        assert code == 422 and st["details"]["causes"][0]["field"] == "spec.ports[0].port", st
        code, obj = fake.json("GET", "/api/v1/namespaces/default/services/d2")
        assert obj["metadata"]["uid"] and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                                                   obj["metadata"]["creationTimestamp"]), obj["metadata"]
        assert obj["status"] == {"loadBalancer": {}}, obj
    tap.case("Service defaults: clusterIPs from 10.96.0.0/16 and fd00:10:96::/112, families, nodePorts, "
             "healthCheckNodePort, per-type fields; 422 on conflicts", service_defaults)

    def status_bodies():
        code, st = fake.json("GET", "/api/v1/namespaces/default/services/api")
        assert code == 404 and st == statuses["404-not-found-object"], st
        body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}, "spec": {"ports": [{"port": 80}]}}
        assert fake.json("POST", "/api/v1/namespaces/default/services", body)[0] == 201
        code, st = fake.json("POST", "/api/v1/namespaces/default/services", body)
        assert code == 409 and st == statuses["409-already-exists"], st
        code, st = fake.json("GET", "/api/v1/nosuchthing")
        assert code == 404 and st == statuses["404-not-found-path"], st
        code, cur = fake.json("GET", "/api/v1/namespaces/default/services/api")
        stale = json.loads(json.dumps(cur))
        fake.json("PATCH", "/api/v1/namespaces/default/services/api", {"metadata": {"labels": {"n": "1"}}},
                  headers={"Content-Type": "application/merge-patch+json"})
        stale["metadata"]["labels"] = {"n": "2"}
        code, st = fake.json("PUT", "/api/v1/namespaces/default/services/api", stale)
        assert code == 409 and st["reason"] == "Conflict" and "the object has been modified" in st["message"], st
        code, st = fake.json("DELETE", "/api/v1/namespaces/default/services/api",
                             {"preconditions": {"uid": "nope"}})
        assert code == 409, st
        # Endpoints are deprecated from 1.33: the default 1.32 sends no Warning
        # (fakeapi_kubectl.sh checks the 1.33 one reaches kubectl's user).
        code, hdr, _ = fake.request("GET", "/api/v1/namespaces/shop/endpoints/frontend")
        assert code == 200 and "warning" not in hdr, hdr
    tap.case("Status bodies equal statuses.json (404 object/path, 409 exists), PUT with a stale RV 409, "
             "no Endpoints Warning at 1.32", status_bodies)

    def validation_and_raw_seed():
        for body, field in (({"metadata": {"name": "Bad_Name"}, "spec": {"ports": [{"port": 80}]}}, "metadata.name"),
                            ({"metadata": {"name": "a", "labels": "x"}, "spec": {"ports": [{"port": 80}]}},
                             "metadata.labels"),
                            ({"metadata": {"name": "a"}, "spec": {"ipFamilies": ["IPv5"], "ports": [{"port": 80}]}},
                             "spec.ipFamilies"),
                            ({"metadata": {"name": "a"}, "spec": {"type": "NodePort",
                                                                  "ports": [{"port": 80, "nodePort": "x"}]}},
                             "spec.ports[0].nodePort")):
            code, st = fake.json("POST", "/api/v1/namespaces/default/services", body)
            assert code == 422 and st["details"]["causes"][0]["field"] == field, (body, st)
        code, st = fake.json("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
                             {"metadata": {"name": "e"}, "addressType": "IPv4", "endpoints": [{"addresses": []}]})
        assert code == 422 and st["details"]["causes"][0]["field"] == "endpoints[0].addresses", st
        broken = {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
                  "metadata": {"name": "broken", "namespace": "default"}, "endpoints": "oops", "ports": [{"port": "x"}]}
        res = fake.ctl("POST", "/_fake/seed?raw=1", broken)
        assert res["seeded"] == 1, res
        code, got = fake.json("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/broken")
        assert got["endpoints"] == "oops" and got["ports"] == [{"port": "x"}] and "addressType" not in got, got
        code, st = fake.json("DELETE", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/broken")
        assert code == 200, st
    tap.case("validation: bad name, labels, ipFamilies, nodePort, slice addresses -> 422 naming the field; "
             "/_fake/seed?raw=1 stores a malformed object as sent", validation_and_raw_seed)

    def patches():
        path = "/api/v1/namespaces/default/services/pp"
        body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pp", "labels": {"a": "1", "b": "2"}},
                "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                   {"name": "m", "port": 9100}]}}
        assert fake.json("POST", "/api/v1/namespaces/default/services", body)[0] == 201
        smp = {"metadata": {"labels": {"b": None, "c": "3"}},
               "spec": {"$setElementOrder/ports": [{"port": 9100}, {"port": 8080}],
                        "ports": [{"name": "http", "port": 8080, "targetPort": "http"},
                                  {"$patch": "delete", "port": 80}]}}
        code, obj = fake.json("PATCH", path, smp, headers={"Content-Type": "application/strategic-merge-patch+json"})
        assert code == 200, obj
        assert obj["metadata"]["labels"] == {"a": "1", "c": "3"}, obj["metadata"]
        assert [(p["port"], p.get("name"), p["targetPort"]) for p in obj["spec"]["ports"]] == [
            (9100, "m", 9100), (8080, "http", "http")], obj["spec"]["ports"]
        code, obj2 = fake.json("PATCH", path, {"spec": {"ports": [{"port": 1234, "name": "x"}]}},
                               headers={"Content-Type": "application/merge-patch+json"})
        assert [p["port"] for p in obj2["spec"]["ports"]] == [1234], obj2["spec"]
        assert obj2["spec"]["clusterIP"] == obj["spec"]["clusterIP"], "clusterIP kept across patches"
        code, obj3 = fake.json("PATCH", path, [{"op": "add", "path": "/metadata/labels/j", "value": "p"},
                                               {"op": "test", "path": "/metadata/labels/a", "value": "1"}],
                               headers={"Content-Type": "application/json-patch+json"})
        assert code == 200 and obj3["metadata"]["labels"]["j"] == "p", obj3
        before = obj3["metadata"]["resourceVersion"]
        code, same = fake.json("PATCH", path, {"metadata": {"labels": {"j": "p"}}},
                               headers={"Content-Type": "application/merge-patch+json"})
        assert same["metadata"]["resourceVersion"] == before, "a no-op patch keeps the RV"
        code, st = fake.json("PATCH", path, {"x": 1}, headers={"Content-Type": "text/plain"})
        assert code == 415, st
        code, st = fake.json("PATCH", path + "/status",
                             {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.99"}]}}},
                             headers={"Content-Type": "application/merge-patch+json"})
        assert code == 200 and st["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.0.2.99", st
    tap.case("PATCH: strategic merge (null deletes, ports by key port, $patch delete, $setElementOrder), "
             "merge patch, JSON patch, no-op keeps RV, status subresource", patches)

    def auth():
        st401 = statuses["401-unauthorized"]
        code, st = fake.json("GET", "/api/v1/services", token=None)
        assert code == 401 and st == st401, st
        code, st = fake.json("GET", "/api/v1/services", token="wrong")
        assert code == 401 and st == st401, st
        code, st = fake.json("GET", "/version", token=None)
        assert code == 200, st
        code, lst = fake.json("GET", "/api/v1/services", token="other-token")
        assert code == 200
        with open(fake.token_file, "w") as f:
            f.write("rotated\n")
        c1 = fake.json("GET", "/api/v1/services")[0]
        c2 = fake.json("GET", "/api/v1/services", token="rotated")[0]
        with open(fake.token_file, "w") as f:
            f.write("%s\nother-token,system:node:node-a\n" % TOKEN)
        assert (c1, c2) == (401, 200), (c1, c2)
        fake.ctl("POST", "/_fake/config", {"forbid": ["watch:endpointslices", "*:nodes"]})
        code, st = fake.json("GET", "/apis/discovery.k8s.io/v1/endpointslices?watch=true", token="other-token")
        code2, st2 = fake.json("GET", "/api/v1/nodes/node-a")
        fake.ctl("POST", "/_fake/config", {"forbid": []})
        want = json.loads(json.dumps(statuses["403-forbidden-watch-endpointslices"]))
        want["message"] = want["message"].replace("system:anonymous", "system:node:node-a")
        assert code == 403 and st == want, st
        assert code2 == 403 and st2["message"] == ('nodes "node-a" is forbidden: User "system:serviceaccount:'
                                                   'kube-system:kipvs" cannot get resource "nodes" in API group "" '
                                                   'at the cluster scope'), st2
        log = fake.ctl("GET", "/_fake/requests")["requests"]
        assert TOKEN not in json.dumps(log) and "rotated" not in json.dumps(log)
    tap.case("auth: 401 body from statuses.json for missing/wrong token, /version public, token file re-read, "
             "403 RBAC message", auth)

    def request_log():
        from urllib.parse import quote
        seq = fake.ctl("GET", "/_fake/requests")["last"]
        w = fake.watch("/apis/discovery.k8s.io/v1/endpointslices?allowWatchBookmarks=true&labelSelector="
                       + quote("!service.kubernetes.io/headless") + "&resourceVersion=" + fake.rv()
                       + "&timeout=7m17s&timeoutSeconds=437&watch=true")
        fake.wait_watches(1, "endpointslices")
        w.close()
        e = fake.ctl("GET", "/_fake/requests?since=%d" % seq)["requests"][-1]
        assert e["verb"] == "watch" and e["resource"] == "endpointslices" and e["authorization"] is True, e
        q = e["query"]
        assert q["labelSelector"] == "!service.kubernetes.io/headless" and q["allowWatchBookmarks"] == "true", q
        assert q["timeoutSeconds"] == "437" and e["status"] == 200 and e["user"], e
        res = fake.ctl("GET", "/_fake/wait?requests=1&verb=watch&resource=endpointslices&since=%d&timeout=1" % seq)
        assert res["ok"] is True, res
    tap.case("request log: verb, resource, decoded query, whether Authorization was sent (never the token)",
             request_log)

    def plain_http_and_gzip():
        code, lst = fake.json("GET", "/api/v1/services", tls=False, token=None)
        assert code == 401, "the token file applies to the plain listener too"
        fake.ctl("POST", "/_fake/config", {"gzip_min": 1000})
        code, hdr, data = fake.request("GET", "/api/v1/services", headers={"Accept-Encoding": "gzip"})
        fake.ctl("POST", "/_fake/config", {"gzip_min": 131072})
        assert hdr.get("content-encoding") == "gzip", hdr
        assert json.loads(gzip.decompress(data))["kind"] == "ServiceList"
    tap.case("plain HTTP listener shares the state and the token check; gzip above the size threshold",
             plain_http_and_gzip)

    def reset_and_namespaces():
        rv = fake.rv()
        w = fake.watch("/api/v1/endpoints?watch=true&resourceVersion=" + rv)
        fake.wait_watches(1, "endpoints")
        code, st = fake.json("DELETE", "/api/v1/namespaces/shop")
        assert code == 200 and st["status"]["phase"] == "Terminating", st
        code, st = fake.json("POST", "/api/v1/namespaces/shop/services",
                             {"metadata": {"name": "late"}, "spec": {"ports": [{"port": 1}]}})
        assert code == 403 and "being terminated" in st["message"], st
        evs = [w.event(5) for _ in range(3)]
        assert all(e["type"] == "DELETED" for e in evs), evs
        assert sorted(e["object"]["metadata"]["name"] for e in evs) == ["catalog", "frontend", "search"]
        deadline = time.monotonic() + 5
        while fake.json("GET", "/api/v1/namespaces/shop")[0] != 404 and time.monotonic() < deadline:
            time.sleep(0.05)
        code, lst = fake.json("GET", "/api/v1/namespaces/shop/services")
        assert lst["items"] == [], lst
        res = fake.ctl("POST", "/_fake/reset", fixture("endpoints.json"))
        assert res["seeded"] == 5 and res["errors"] == [], res
        evs = w.events_until(lambda e: e["type"] == "ADDED" and e["object"]["metadata"]["name"] == "search")
        assert {e["type"] for e in evs} == {"DELETED", "ADDED"}, evs
        st = fake.ctl("GET", "/_fake/state")
        assert st["objects"].get("services") is None and st["objects"]["endpoints"] == 5, st
        assert int(st["resourceVersion"]) > int(rv)
        w.close()
    tap.case("namespace delete: Terminating (403 for new objects), then its objects (DELETED events) and it go; "
             "reset + seed keep RVs growing", reset_and_namespaces)


if __name__ == "__main__":
    sys.exit(main())
