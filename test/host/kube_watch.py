#!/usr/bin/env python3
"""API tier over plain HTTP: `kipvs watch` (ASan+UBSan build) against the fake
apiserver — initial sync, event order, 410 relists with deletions, dropped
streams, malformed and oversized events, pagination, normal watch ends,
bookmarks, 5xx and a dead apiserver, Endpoints and Node reflectors.
Every watcher must exit 0 on SIGTERM with no sanitizer report."""

import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_harness as H  # noqa: E402

tap = H.Tap()


def stopped_clean(w, name):
    clean, detail = w.stop()
    tap.ok("%s: exits 0 on SIGTERM, no sanitizer report" % name, clean, detail)


def fixtures_fake(tmp, args=()):
    return H.Fake(tmp, load=[H.fixture("services.json"), H.fixture("endpointslices.json"),
                             H.fixture("endpoints.json")], args=args)


def t_initial_sync(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url, "--once"])
        rc = w.wait_exit(30)
        out = w.out()
        svcs, slices = H.upserts(out, "service"), H.upserts(out, "endpointslice")
        tap.ok("initial sync: --once exits 0 after 'synced all'",
               rc == 0 and out and out[-1] == "synced all", "rc=%s\n%s" % (rc, "\n".join(out)))
        tap.ok("initial sync: exactly the Services kube-proxy's selectors pass, once each",
               set(svcs) == H.expected_services() and all(len(v) == 1 for v in svcs.values()),
               "got %s\nwant %s" % (sorted(svcs), sorted(H.expected_services())))
        tap.ok("initial sync: exactly the EndpointSlices kube-proxy's selectors pass, once each",
               set(slices) == H.expected_slices() and all(len(v) == 1 for v in slices.values()),
               "got %s\nwant %s" % (sorted(slices), sorted(H.expected_slices())))
        tap.ok("initial sync: typed fields printed (kube-dns has 3 ports, frontend slice 3 endpoints)",
               "upsert service kube-system/kube-dns rv=%s ports=3" % svcs.get("kube-system/kube-dns", ["?"])[0]
               in out and any(l.startswith("upsert endpointslice shop/frontend-x7k2p ")
                              and "service=frontend endpoints=3 ports=1" in l for l in out),
               "\n".join(out))
        order = [l for l in out if l.startswith("synced")]
        tap.ok("initial sync: each resource synced after its objects, then 'synced all'",
               order[-1] == "synced all" and out.index("synced services") > max(
                   i for i, l in enumerate(out) if l.startswith("upsert service ")),
               "\n".join(out))
        reqs = [r for r in fake.requests() if r["verb"] in ("list", "watch")]
        svc_list = [r for r in reqs if r["resource"] == "services" and r["verb"] == "list"]
        tap.ok("initial sync: the wire form of kube-proxy's selectors (section 5.2)",
               svc_list and svc_list[0]["rawQuery"] ==
               "fieldSelector=spec.clusterIP%21%3DNone&labelSelector=%21service.kubernetes.io"
               "%2Fservice-proxy-name&limit=500&resourceVersion=0"
               and any(r["rawQuery"].startswith("labelSelector=%21service.kubernetes.io%2Fheadless%2C"
                                                "%21service.kubernetes.io%2Fservice-proxy-name&limit=500")
                       for r in reqs if r["resource"] == "endpointslices"),
               "\n".join(r["rawQuery"] for r in reqs))
        tap.ok("initial sync: a clean exit, no sanitizer report", *w.clean())
    finally:
        fake.stop()


def t_events_in_order(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        ok = w.expect("^synced all$", 20) is not None
        fake.wait_watches(2)
        st, _ = fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "cart"))
        st2, _ = fake.call("PATCH", "/api/v1/namespaces/shop/services/cart",
                           {"spec": {"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}},
                           ctype="application/merge-patch+json")
        st3, _ = fake.call("DELETE", "/api/v1/namespaces/shop/services/cart")
        # a service that starts carrying the proxy-name label leaves our view: DELETED
        st4, _ = fake.call("PATCH", "/api/v1/namespaces/shop/services/frontend",
                           {"metadata": {"labels": {"service.kubernetes.io/service-proxy-name": "x"}}},
                           ctype="application/merge-patch+json")
        ok = ok and w.expect(r"^delete service shop/frontend$", 10) is not None
        lines = [l for l in w.out() if "shop/cart" in l]
        want = [r"^upsert service shop/cart rv=\d+ ports=1$", r"^upsert service shop/cart rv=\d+ ports=2$",
                r"^delete service shop/cart$"]
        tap.ok("watch: add, modify, delete arrive in order, once each",
               ok and (st, st2, st3, st4) == (201, 200, 200, 200) and len(lines) == 3
               and all(re.match(p, l) for p, l in zip(want, lines)),
               "status %s\n%s" % ((st, st2, st3, st4), "\n".join(w.out()[-12:])))
        reqs = [r for r in fake.requests() if r["verb"] == "list"]
        tap.ok("watch: no relist for plain events", len(reqs) == 2, "%d lists" % len(reqs))
        stopped_clean(w, "watch")
    finally:
        fake.stop()


def t_relist_410(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        # 1) ERROR 410 mid-stream with nothing missed: a relist that delivers nothing
        n_before = len(w.out())
        fake.fault(type="watch-error", code=410, resource="services")
        m = w.expect(r"^relist services reason=410$", 10)
        fake.wait_watches(2, timeout=10)
        time.sleep(0.3)
        after = w.out()[n_before:]
        tap.ok("410 mid-watch: relist, unchanged objects are not re-delivered",
               m is not None and after == ["relist services reason=410", "relisted services"],
               "\n".join(after))
        # 2) deletions while the watch is away, history compacted: the relist
        #    reports exactly the vanished objects as deleted
        seq = fake.last_seq()
        fake.fault(type="status", code=503, resource="services", verb="watch", count=-1)
        fake.fault(type="watch-end", resource="services")
        fake.call("GET", "/_fake/wait?requests=1&verb=watch&resource=services&since=%d" % seq)
        for name in ("checkout", "search"):
            fake.call("DELETE", "/api/v1/namespaces/shop/services/" + name)
        fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "late"))
        fake.ctl("POST", "compact")
        fake.ctl("DELETE", "faults")
        m = w.expect(r"^relist services reason=410$", 20)
        w.expect(r"^relisted services$", 10)
        out = w.out()
        start = out.index("relist services reason=410", n_before + 2)
        tail = out[start:out.index("relisted services", start) + 1]
        dels = sorted(l for l in tail if l.startswith("delete "))
        tap.ok("410 after a gap: the relist reports the objects deleted meanwhile as deletions",
               m is not None and dels == ["delete service shop/checkout", "delete service shop/search"]
               and any(l.startswith("upsert service shop/late ") for l in tail)
               and not any(l.startswith("upsert service shop/frontend ") for l in tail),
               "\n".join(tail))
        # 3) a plain HTTP 410 answer to the watch request
        fake.wait_watches(2, timeout=10)
        time.sleep(1.2)
        n3 = len(w.out())
        fake.fault(type="status", code=410, resource="services", verb="watch")
        fake.fault(type="watch-end", resource="services")
        m = w.expect(r"^relisted services$", 10)
        tap.ok("HTTP 410 on the watch request: relist",
               m is not None and w.out()[n3:] == ["relist services reason=410", "relisted services"],
               "\n".join(w.out()[n3:]))
        log = w.stderr()
        tap.ok("410 after a gap: the 503s were logged with the server's words and backed off",
               re.search(r"event=kube_request_failed resource=services op=watch .* status=503 "
                         r"reason=\S+ message=.* retry_in=\d", log) is not None, log[-2000:])
        stopped_clean(w, "relist")
    finally:
        fake.stop()


def t_drop_mid_event(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        rvs = []
        for i in range(6):
            if i % 2 == 0:  # every other event is cut in the middle of its line
                fake.fault(type="watch-drop", resource="services")
            st, obj = fake.call("PATCH", "/api/v1/namespaces/shop/services/frontend",
                                {"metadata": {"annotations": {"n": str(i)}}},
                                ctype="application/merge-patch+json")
            rvs.append(obj["metadata"]["resourceVersion"])
            w.expect(r"^upsert service shop/frontend rv=%s " % rvs[-1], 10)
        w.drain()
        got = H.upserts(w.out(), "service")["shop/frontend"][1:]
        tap.ok("stream cut mid-event: every change delivered exactly once, in order",
               got == rvs, "got %s\nwant %s" % (got, rvs))
        log = w.stderr()
        tap.ok("stream cut mid-event: resumed by re-watching (no relist)",
               "relist" not in " ".join(w.out()) and log.count("op=watch") >= 3,
               log[-2000:])
        stopped_clean(w, "drop")
    finally:
        fake.stop()


def t_malformed(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        fake.fault(type="watch-malformed", resource="endpointslices")
        m1 = w.wait_log(r"event=watch_event_malformed resource=endpointslices reason=not-json line=\S+", 10)
        fake.call("PATCH", "/api/v1/namespaces/shop/services/frontend",
                  {"metadata": {"annotations": {"x": "1"}}}, ctype="application/merge-patch+json")
        m2 = w.expect(r"^upsert service shop/frontend ", 10)
        fake.call("DELETE", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/search-5fgh2")
        m3 = w.expect(r"^delete endpointslice shop/search-5fgh2$", 10)
        tap.ok("malformed line: logged with resource, reason and a prefix; the stream goes on",
               m1 and m2 and m3 and "relist" not in " ".join(w.out()), w.stderr()[-2000:])
        stopped_clean(w, "malformed")
    finally:
        fake.stop()


def t_oversized(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url, "--max-event-bytes", "65536"])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        fake.fault(type="watch-huge", resource="services", bytes=300000)
        m1 = w.wait_log(r"event=watch_event_too_large resource=services max_bytes=65536 action=relist", 10)
        m2 = w.expect(r"^relist services reason=event-too-large$", 10)
        fake.wait_watches(2, timeout=10)
        fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "after-huge"))
        m3 = w.expect(r"^upsert service shop/after-huge ", 10)
        tap.ok("oversized event: the stream is dropped, logged, relisted, and watching goes on",
               m1 and m2 and m3, w.stderr()[-2000:] + "\n".join(w.out()[-5:]))
        stopped_clean(w, "oversized")
    finally:
        fake.stop()


def t_pagination(tmp):
    fake = H.Fake(tmp)
    try:
        # explicit cluster IPs: the fake's allocator is slow with thousands of services
        items = [H.service("ns%d" % (i % 7), "svc-%04d" % i, cluster_ip="10.96.%d.%d" % (10 + i // 250, i % 250 + 1))
                 for i in range(1200)]
        fake.seed({"apiVersion": "v1", "kind": "List", "items": items})
        seq = fake.last_seq()
        t0 = time.monotonic()
        w = H.Watch(tmp, ["--master", fake.url, "--once"])
        rc = w.wait_exit(60)
        took = time.monotonic() - t0
        svcs = H.upserts(w.out(), "service")
        lists = [r for r in fake.requests(seq) if r["verb"] == "list" and r["resource"] == "services"]
        pages_ok = (len(lists) == 3 and all("limit=500" in r["rawQuery"] for r in lists)
                    and "continue=" not in lists[0]["rawQuery"]
                    and all("continue=" in r["rawQuery"] and "resourceVersion" not in r["rawQuery"]
                            for r in lists[1:]))
        tap.ok("pagination: 1,200 services in 3 pages of 500 (continue tokens), each delivered once",
               rc == 0 and len(svcs) == 1200 and all(len(v) == 1 for v in svcs.values()) and pages_ok,
               "rc=%s services=%d lists=%s" % (rc, len(svcs), [r["rawQuery"][:80] for r in lists]))
        tap.note("initial list of %d services (3 pages) to 'synced all', ASan build: %.2f s"
                 % (len(svcs), took))
        # continue tokens that expire at once: the list restarts in one piece
        fake.ctl("POST", "config", {"continue_ttl": 0.000001})
        seq = fake.last_seq()
        w = H.Watch(tmp, ["--master", fake.url, "--once"])
        rc = w.wait_exit(60)
        svcs = H.upserts(w.out(), "service")
        lists = [r for r in fake.requests(seq) if r["verb"] == "list" and r["resource"] == "services"]
        tap.ok("pagination: an expired continue token (410) restarts the list unpaged; no duplicates",
               rc == 0 and len(svcs) == 1200 and all(len(v) == 1 for v in svcs.values())
               and [r["status"] for r in lists] == [200, 410, 200] and "limit=" not in lists[2]["rawQuery"]
               and re.search(r"event=list_expired resource=services status=410", w.stderr()),
               "rc=%s services=%d lists=%s\n%s" % (rc, len(svcs),
                                                  [(r["status"], r["rawQuery"][:60]) for r in lists],
                                                  w.stderr()[-1500:]))
        tap.ok("pagination: clean exits", *w.clean())
    finally:
        fake.stop()


def t_watch_end_and_bookmarks(tmp):
    fake = fixtures_fake(tmp, args=["--bookmark-interval", "0.3"])
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        # move the store's resourceVersion on with a change services do not see
        st, obj = fake.call("PATCH", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/search-5fgh2",
                            {"metadata": {"annotations": {"b": "1"}}}, ctype="application/merge-patch+json")
        new_rv = obj["metadata"]["resourceVersion"]
        time.sleep(1.0)  # a few bookmarks on the services watch carry it
        seq = fake.last_seq()
        fake.fault(type="watch-end", resource="services")
        fake.call("GET", "/_fake/wait?requests=1&verb=watch&resource=services&since=%d" % seq)
        reqs = [r for r in fake.requests(seq) if r["resource"] == "services"]
        rewatch = [r for r in reqs if r["verb"] == "watch"]
        rv = rewatch[0]["query"].get("resourceVersion") if rewatch else None
        rv = rv[0] if isinstance(rv, list) else rv
        tap.ok("normal watch end: re-watch at once, no relist",
               rewatch and not [r for r in reqs if r["verb"] == "list"]
               and "relist" not in " ".join(w.out()), "%s" % [(r["verb"], r["rawQuery"]) for r in reqs])
        tap.ok("bookmarks: the re-watch starts from the bookmark's resourceVersion",
               rv is not None and int(rv) >= int(new_rv), "rewatch rv=%s, slice rv=%s" % (rv, new_rv))
        tap.ok("bookmarks: never delivered as objects",
               all(re.match(r"^upsert \S+ [^/\s]+/[^/\s]+ rv=", l) for l in w.out()
                   if l.startswith("upsert")), "\n".join(w.out()))
        stopped_clean(w, "watch end")
    finally:
        fake.stop()


def t_server_errors_and_down(tmp):
    port = H.free_port()
    w = H.Watch(tmp, ["--master", "http://127.0.0.1:%d" % port, "--endpoints-api", "slices"])
    time.sleep(4)
    log = w.stderr()
    delays = [float(x) for x in re.findall(r"op=list url=http://127\.0\.0\.1:%d/api/v1/services "
                                           r"err=\"connection refused\" .* retry_in=([\d.]+)s" % port, log)]
    tap.ok("apiserver down: 'connection refused' with the URL, retried with growing delays",
           len(delays) >= 3 and delays[0] == 0.5 and delays[-1] > delays[0]
           and all(0.5 <= d <= 30 for d in delays), log[-2000:])
    fake = H.Fake(tmp, load=[H.fixture("services.json"), H.fixture("endpointslices.json")], port=port)
    try:
        up = time.monotonic()
        m = w.expect("^synced all$", 40)
        tap.ok("apiserver back: the watcher syncs without a restart", m is not None,
               "\n".join(w.out()) + w.stderr()[-1000:])
        tap.note("synced %.1f s after the apiserver came up (backoff at most 30 s)" % (time.monotonic() - up))
        # the apiserver restarts with other contents: the watch resumes, relists, diffs
        fake.stop()
        fake = H.Fake(tmp, load=[H.fixture("services.json")], port=port, args=["--start-rv", "5000"])
        fake.call("DELETE", "/api/v1/namespaces/shop/services/catalog")
        m = w.expect(r"^delete service shop/catalog", 40)
        tap.ok("apiserver restarted with new state: reconnect, and the deletion is delivered",
               m is not None, "\n".join(w.out()[-10:]) + w.stderr()[-1500:])
    finally:
        fake.stop()
    stopped_clean(w, "down/up")


def t_short_watches_and_stall(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url, "--watch-timeout", "2"])
        w.expect("^synced all$", 20)
        time.sleep(5)
        reqs = fake.requests()
        watches = [r for r in reqs if r["verb"] == "watch" and r["resource"] == "services"]
        tap.ok("watches ended by timeoutSeconds are re-opened at once, never relisted",
               len(watches) >= 2 and all(r["query"].get("timeoutSeconds") in ("2", ["2"]) for r in watches)
               and len([r for r in reqs if r["verb"] == "list"]) == 2 and "kube_request_failed" not in w.stderr(),
               "%d watches\n%s" % (len(watches), w.stderr()[-1000:]))
        # a silent connection (nothing, not even the server's own end): dropped by the stall timer
        fake.fault(type="watch-stall", resource="services", count=-1)
        m = w.wait_log(r"event=kube_request_failed resource=services op=watch .*err=\"timed out\" "
                       r"detail=\"Operation too slow[^\"]*\"", 12)
        fake.ctl("DELETE", "faults")
        fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "after-stall"))
        tap.ok("a stalled watch is detected (low-speed limit past timeoutSeconds) and resumed",
               m is not None and w.expect(r"^upsert service shop/after-stall ", 15) is not None,
               w.stderr()[-1500:])
        stopped_clean(w, "stall")
    finally:
        fake.stop()


def t_5xx(tmp):
    fake = fixtures_fake(tmp)
    try:
        w = H.Watch(tmp, ["--master", fake.url])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        time.sleep(1.2)  # a watch that ends within 1 s with no event counts as a failure
        seq = fake.last_seq()
        fake.fault(type="status", code=500, resource="services", verb="watch", count=3)
        fake.fault(type="watch-end", resource="services")
        fake.call("GET", "/_fake/wait?requests=4&verb=watch&resource=services&since=%d&timeout=20" % seq)
        reqs = [r for r in fake.requests(seq) if r["resource"] == "services"]
        codes = [(r["status"], r["time"]) for r in reqs if r["verb"] == "watch"]
        gaps = [round(b[1] - a[1], 2) for a, b in zip(codes, codes[1:])]
        tap.ok("5xx on re-watch: three 500s, backed off (0.5 s, then doubling), then a watch; no relist",
               [c for c, _ in codes][:4] == [500, 500, 500, 200] and not [r for r in reqs if r["verb"] == "list"]
               and 0.45 <= gaps[0] <= 0.65 and 0.45 <= gaps[1] <= 1.1 and 0.95 <= gaps[2] <= 2.15,
               "%s gaps=%s" % ([(r["verb"], r["status"]) for r in reqs], gaps))
        fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "after-5xx"))
        tap.ok("5xx on re-watch: events flow again", w.expect(r"^upsert service shop/after-5xx ", 10),
               w.stderr()[-1000:])
        stopped_clean(w, "5xx")
    finally:
        fake.stop()


def t_endpoints_and_node(tmp):
    fake = fixtures_fake(tmp)
    try:
        fake.seed({"apiVersion": "v1", "kind": "Node",
                   "metadata": {"name": "node-b", "labels": {"topology.kubernetes.io/zone": "zone-a"}}})
        fake.seed({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-c"}})
        w = H.Watch(tmp, ["--master", fake.url, "--once", "--endpoints-api", "endpoints", "--node", "node-b"])
        rc = w.wait_exit(30)
        out = w.out()
        eps = H.upserts(out, "endpoints")
        tap.ok("--endpoints-api endpoints: core/v1 Endpoints instead of slices",
               rc == 0 and eps and not H.upserts(out, "endpointslice") and "synced endpoints" in out
               and "shop/frontend" in eps, "\n".join(out))
        tap.ok("--node: only that Node (fieldSelector metadata.name), with its zone",
               [l for l in out if " node " in l] == ["upsert node node-b rv=%s zone=zone-a"
                                                      % H.upserts(out, "node")["node-b"][0]]
               and "synced nodes" in out
               and any(r["rawQuery"].startswith("fieldSelector=metadata.name%3Dnode-b")
                       for r in fake.requests() if r["resource"] == "nodes"), "\n".join(out))
        # discovery without discovery.k8s.io/v1: falls back to Endpoints
        fake.fault(type="status", code=404, path="/apis/discovery.k8s.io/v1", verb="get")
        w = H.Watch(tmp, ["--master", fake.url, "--once"])
        rc = w.wait_exit(30)
        tap.ok("discovery shows no EndpointSlice API: Endpoints are watched",
               rc == 0 and H.upserts(w.out(), "endpoints") and "synced endpoints" in w.out()
               and "using=endpoints" in w.stderr(), w.stderr()[-1000:])
        tap.ok("endpoints/node: clean exits", *w.clean())
    finally:
        fake.stop()


def main():
    if not (os.access(H.KIPVS, os.X_OK) and os.access(H.TESTTOOL, os.X_OK)):
        print("build/san/kipvs or build/san/kipvs-testtool missing: run make unit tools")
        return 77
    tests = [t_initial_sync, t_events_in_order, t_relist_410, t_drop_mid_event, t_malformed,
             t_oversized, t_pagination, t_watch_end_and_bookmarks, t_short_watches_and_stall, t_5xx, t_server_errors_and_down,
             t_endpoints_and_node]
    only = os.environ.get("KUBE_TEST_ONLY")
    for t in tests:
        if only and only not in t.__name__:
            continue
        tmp = H.scratch("watch")
        t0 = time.monotonic()
        try:
            t(tmp)
            tap.note("%s: %.1f s" % (t.__name__, time.monotonic() - t0))
        except Exception:
            tap.ok("%s: ran to the end" % t.__name__[2:], False, traceback.format_exc())
        finally:
            H.cleanup(tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
