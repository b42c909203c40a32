#!/usr/bin/env python3
"""The fake kube-apiserver's fault injection (/_fake/faults), checked from the
client side over HTTPS: Status answers for N requests then recovery, refused
and hanging connections, slow answers, and watch streams that are cut
mid-event, carry a malformed line, an ERROR event, a huge event, end early or
stall. Ends with SIGTERM while streams and a hanging request are open. TAP output."""

import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakeapi"))
from testlib import FIXTURES, Cut, Fake, Tap, fixture  # noqa: E402

MERGE = {"Content-Type": "application/merge-patch+json"}


def main():
    if not os.path.isdir(FIXTURES):  # part of the repository: missing is a broken checkout
        print("fixtures not found at %s" % FIXTURES)
        return 1
    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="fakeapi-faults-")
    fake = Fake(tmp, ["--bookmark-interval", "0.5"])
    try:
        run(tap, fake)
    finally:
        if fake.proc.poll() is None:
            fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


def label(fake, name, value, ns="shop", res="services", prefix="/api/v1"):
    code, obj = fake.json("PATCH", "%s/namespaces/%s/%s/%s" % (prefix, ns, res, name),
                          {"metadata": {"labels": {"t": value}}}, headers=MERGE)
    assert code == 200, obj
    return obj


def run(tap, fake):
    statuses = fixture("statuses.json")

    def status_n_times():
        f = fake.ctl("POST", "/_fake/faults", {"type": "status", "code": 500, "count": 2,
                                                "resource": "services", "verb": "list"})
        assert f["id"] > 0 and f["count"] == 2, f
        c_other = fake.json("GET", "/apis/discovery.k8s.io/v1/endpointslices")[0]
        c_get = fake.json("GET", "/api/v1/namespaces/shop/services/catalog")[0]
        r1, r2, r3 = (fake.json("GET", "/api/v1/services") for _ in range(3))
        assert (c_other, c_get) == (200, 200), "other requests are not hit"
        assert r1[0] == r2[0] == 500 and r1[1]["reason"] == "InternalError", r1
        assert r3[0] == 200 and fake.ctl("GET", "/_fake/faults")["faults"] == []
        log = fake.ctl("GET", "/_fake/requests")["requests"]
        assert [e["fault"] for e in log[-3:]] == ["status", "status", None], log[-3:]
    tap.case("status fault: 500 for the next 2 matching requests, then recovery; others untouched", status_n_times)

    def status_401_429():
        fake.ctl("POST", "/_fake/faults", {"type": "status", "code": 401})
        code, st = fake.json("GET", "/api/v1/services")
        assert code == 401 and st == statuses["401-unauthorized"], st
        assert fake.json("GET", "/api/v1/services")[0] == 200
        fake.ctl("POST", "/_fake/faults", {"type": "status", "code": 429})
        code, hdr, body = fake.request("GET", "/api/v1/services")
        st = json.loads(body)
        assert code == 429 and hdr.get("retry-after") == "1" and st["details"]["retryAfterSeconds"] == 1, (hdr, st)
        fake.ctl("POST", "/_fake/faults", {"type": "status", "code": 429, "plain": True})
        code, hdr, body = fake.request("GET", "/api/v1/services")
        assert code == 429 and hdr["content-type"].startswith("text/plain"), hdr
        assert body == b"Too many requests, please try again later.\n", body
    tap.case("status faults: 401 with the statuses.json body once; 429 Status and plain-text 429 with Retry-After",
             status_401_429)

    def refuse():
        fake.ctl("POST", "/_fake/faults", {"type": "refuse", "path": "/api/v1/services"})
        try:
            fake.request("GET", "/api/v1/services")
            raise AssertionError("expected the connection to be dropped")
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            pass
        assert fake.json("GET", "/api/v1/services")[0] == 200
    tap.case("refuse: the connection is reset without a response, once", refuse)

    def hang():
        fake.ctl("POST", "/_fake/faults", {"type": "hang", "seconds": 1, "resource": "services"})
        t0 = time.monotonic()
        try:
            fake.request("GET", "/api/v1/services")
            raise AssertionError("expected no response")
        except (http.client.RemoteDisconnected, ConnectionResetError):
            pass
        took = time.monotonic() - t0
        assert 0.9 <= took < 8, took
        f = fake.ctl("POST", "/_fake/faults", {"type": "hang", "resource": "endpoints"})
        result = {}

        def call():
            try:
                fake.request("GET", "/api/v1/endpoints", timeout=10)
                result["r"] = "answered"
            except Exception as e:  # noqa: BLE001
                result["r"] = type(e).__name__
        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.8)
        assert t.is_alive(), "the request must still hang"
        fake.ctl("DELETE", "/_fake/faults/%d" % f["id"])
        t.join(5)
        assert not t.is_alive() and result["r"] in ("RemoteDisconnected", "ConnectionResetError"), result
    tap.case("hang: no answer for `seconds`, or until the fault is deleted, then the connection closes", hang)

    def delay():
        fake.ctl("POST", "/_fake/faults", {"type": "delay", "seconds": 0.6, "verb": "get"})
        t0 = time.monotonic()
        code = fake.json("GET", "/api/v1/namespaces/shop/services/catalog")[0]
        assert code == 200 and time.monotonic() - t0 >= 0.6
        fake.ctl("POST", "/_fake/faults", {"type": "delay", "seconds": 0.2, "chunk": 1500, "verb": "list"})
        t0 = time.monotonic()
        code, hdr, body = fake.request("GET", "/api/v1/services")
        took = time.monotonic() - t0
        chunks = -(-len(body) // 1500)
        assert code == 200 and hdr.get("transfer-encoding") == "chunked" and chunks >= 3, (hdr, len(body))
        assert took >= 0.2 * chunks - 0.05 and json.loads(body)["kind"] == "ServiceList", took
    tap.case("delay: a late answer; with chunk, the body trickles in pieces and is still valid JSON", delay)

    def drop():
        rv = fake.rv()
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + rv)
        fake.wait_watches(1, "services")
        fake.ctl("POST", "/_fake/faults", {"type": "watch-drop", "resource": "services"})
        label(fake, "catalog", "drop")
        try:
            line = w.line(5)
            raise AssertionError("expected a cut, got %r" % line[:80])
        except Cut as c:
            partial = c.partial
        assert partial.startswith(b'{"type":"MODIFIED"') and len(partial) > 20, partial[:80]
        w.close()
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + rv)
        ev = w.event(5)
        full = json.dumps(ev, separators=(",", ":")).encode()
        assert ev["type"] == "MODIFIED" and full.startswith(partial), ev
        fake.ctl("POST", "/_fake/faults", {"type": "watch-drop", "resource": "services", "immediate": True})
        try:
            w.line(5)
            raise AssertionError("expected an immediate cut")
        except Cut as c:
            assert c.partial.startswith(b'{"type":"BOOKMARK"'), c.partial
        w.close()
    tap.case("watch-drop: half of the next event line, then the connection is cut (no last chunk); "
             "a re-watch from the same RV gets the whole event", drop)

    def malformed():
        rv = fake.rv()
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + rv)
        fake.wait_watches(1, "services")
        fake.ctl("POST", "/_fake/faults", {"type": "watch-malformed", "resource": "services"})
        line = w.line(5)
        try:
            json.loads(line)
            raise AssertionError("expected a malformed line, got %r" % line)
        except ValueError:
            pass
        label(fake, "catalog", "after-malformed")
        ev = w.event(5)
        assert ev["type"] == "MODIFIED" and ev["object"]["metadata"]["labels"]["t"] == "after-malformed", ev
        fake.ctl("POST", "/_fake/faults", {"type": "watch-malformed", "resource": "services", "close": True})
        w.line(5)
        try:
            w.line(5)
            raise AssertionError("expected the stream to be cut")
        except Cut:
            pass
        w.close()
    tap.case("watch-malformed: one line that is not JSON, the stream goes on (or is cut with close)", malformed)

    def error_events():
        for code, reason in ((410, "Expired"), (500, "InternalError")):
            w = fake.watch("/apis/discovery.k8s.io/v1/endpointslices?watch=true&resourceVersion=" + fake.rv())
            fake.wait_watches(1, "endpointslices")
            fake.ctl("POST", "/_fake/faults", {"type": "watch-error", "code": code, "resource": "endpointslices"})
            ev = w.event(5)
            assert ev["type"] == "ERROR" and ev["object"]["code"] == code and ev["object"]["reason"] == reason, ev
            if code == 410:
                assert ev["object"] == statuses["410-watch-compacted-etcd (sent as a watch ERROR event)"], ev
            assert w.event(2) is None and w.ended, "clean end after the ERROR"
            w.close()
    tap.case("watch-error: an ERROR event (410 etcd wording from statuses.json, or 500), then a clean end",
             error_events)

    def huge():
        w = fake.watch("/api/v1/namespaces/kube-system/services?watch=true&resourceVersion=" + fake.rv())
        fake.wait_watches(1, "services")
        fake.ctl("POST", "/_fake/faults", {"type": "watch-huge", "bytes": 3 << 20, "resource": "services"})
        line = w.line(10)
        ev = json.loads(line)
        assert len(line) > 3 << 20 and ev["type"] == "MODIFIED", len(line)
        assert ev["object"]["metadata"]["name"] == "kube-dns"
        label(fake, "kube-dns", "after-huge", ns="kube-system")
        ev = w.event(5)
        assert ev["object"]["metadata"]["labels"]["t"] == "after-huge", ev
        w.close()
    tap.case("watch-huge: one event line over the given size, then the stream goes on", huge)

    def end_and_stall():
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + fake.rv())
        fake.wait_watches(1, "services")
        fake.ctl("POST", "/_fake/faults", {"type": "watch-end", "resource": "services"})
        assert w.event(5) is None and w.ended
        w.close()
        w = fake.watch("/api/v1/services?watch=true&allowWatchBookmarks=true&resourceVersion=" + fake.rv())
        assert w.event(3)["type"] == "BOOKMARK"
        fake.ctl("POST", "/_fake/faults", {"type": "watch-stall", "seconds": 1.5, "resource": "services"})
        time.sleep(0.05)
        t0 = time.monotonic()
        label(fake, "catalog", "during-stall")
        evs = []
        try:
            while True:
                evs.append(w.event(5))
        except Cut:
            pass
        took = time.monotonic() - t0
        assert 1.2 <= took < 8 and all(e["type"] == "BOOKMARK" for e in evs if e) and len(evs) <= 1, (took, evs)
        w.close()
    tap.case("watch-end ends the stream cleanly; watch-stall sends nothing (no events, no bookmarks), then cuts",
             end_and_stall)

    def targeting_and_delay():
        ws = fake.watch("/api/v1/services?watch=true&resourceVersion=" + fake.rv())
        fake.wait_watches(1, "services")
        fake.ctl("POST", "/_fake/faults", {"type": "watch-end", "resource": "endpoints"})
        label(fake, "catalog", "not-ended")
        assert ws.event(5)["object"]["metadata"]["labels"]["t"] == "not-ended"
        assert len(fake.ctl("GET", "/_fake/faults")["faults"]) == 1, "unmatched fault still pending"
        fake.ctl("DELETE", "/_fake/faults")
        ws.close()
        fake.ctl("POST", "/_fake/faults", {"type": "delay", "seconds": 0.7, "verb": "watch"})
        w = fake.watch("/api/v1/services?watch=true&resourceVersion=" + fake.rv())
        fake.wait_watches(1, "services")
        t0 = time.monotonic()
        label(fake, "catalog", "slow")
        ev = w.event(5)
        assert ev["type"] == "MODIFIED" and time.monotonic() - t0 >= 0.6, time.monotonic() - t0
        w.close()
    tap.case("faults hit only the resource they name; a delay fault slows every event of a watch",
             targeting_and_delay)

    def sigterm():
        w1 = fake.watch("/api/v1/services?watch=true&resourceVersion=" + fake.rv())
        w2 = fake.watch("/apis/discovery.k8s.io/v1/endpointslices?watch=true&allowWatchBookmarks=true")
        fake.wait_watches(2)
        fake.ctl("POST", "/_fake/faults", {"type": "hang", "resource": "nodes"})
        hung = threading.Thread(target=lambda: _swallow(lambda: fake.request("GET", "/api/v1/nodes", timeout=10)))
        hung.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        rc = fake.stop()
        took = time.monotonic() - t0
        ended = []
        for w in (w1, w2):
            try:
                while w.event(3) is not None:
                    pass
                ended.append(w.ended)
            except Cut:
                ended.append(False)
        hung.join(5)
        assert rc == 0 and took < 3, (rc, took)
        assert ended == [True, True], ended
        assert not hung.is_alive()
    tap.case("SIGTERM with open watches and a hanging request: exit 0 within 3 s, watches end cleanly", sigterm)


def _swallow(fn):
    try:
        fn()
    except Exception:  # noqa: BLE001
        pass


if __name__ == "__main__":
    sys.exit(main())
