"""WATCH streams.

One thread per stream (the connection's). The stream is a 200 response with
chunked transfer encoding, one JSON event per line, each flushed as its own
chunk. Start semantics, as the apiserver's: no RV or "0" -> synthetic ADDED
for the current objects, then changes; RV N -> changes after N, or one
ERROR 410 event when N is older than the history. sendInitialEvents=true
(watch-list, a streaming list) sends the ADDED events, then a BOOKMARK annotated
k8s.io/initial-events-end when bookmarks are allowed. Selectors are applied
to the old and the new state of every change. Bookmarks only when asked,
every `bookmark_interval` seconds and once more just before a clean end at
timeoutSeconds. Watch faults (faults.py) are checked at every wake-up.
"""

import itertools
import json
import select
import socket
import ssl
import time

import api
import tables
import versions
from errors import ApiError, bad_request, list_options_invalid

_ids = itertools.count(1)
WATCH_TYPES = ("watch-drop", "watch-malformed", "watch-error", "watch-huge", "watch-end", "watch-stall")

STATUS_422_WATCHLIST = {
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is '
               "forbidden for watch unless the WatchList feature gate is enabled",
    "reason": "Invalid",
    "details": {"group": "meta.k8s.io", "kind": "ListOptions", "causes": [{
        "reason": "FieldValueForbidden",
        "message": "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        "field": "sendInitialEvents"}]},
    "code": 422}


class StreamGone(Exception):
    """The client went away or the stream was cut on purpose."""


def _status_event(code, reason, message):
    return {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                        "message": message, "reason": reason, "code": code}}


def _validate(app, q):
    if not versions.current.knows_watchlist():
        return None  # before 1.27 both are unknown parameters: ignored
    sie, match = q.get("sendInitialEvents"), q.get("resourceVersionMatch")
    if sie is not None:
        if not app.config["watchlist"]:
            err = ApiError(422, "Invalid", STATUS_422_WATCHLIST["message"], STATUS_422_WATCHLIST["details"])
            raise err
        if sie not in ("true", "false"):
            raise bad_request('invalid value for sendInitialEvents: "%s"' % sie)
        if match != "NotOlderThan":
            raise list_options_invalid("resourceVersionMatch", "Forbidden: sendInitialEvents requires setting "
                                       "resourceVersionMatch to NotOlderThan")
    elif match:
        raise list_options_invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for "
                                   "watch unless sendInitialEvents is provided")
    return sie


def serve(h, rtype, ns, q, table, include):
    app = h.app
    sie = _validate(app, q)
    match = api.matcher(rtype, ns, q)
    rv_text = q.get("resourceVersion")
    start_rv = None if rv_text in (None, "", "0") else api.parse_rv(rv_text)
    if start_rv is not None and start_rv > app.store.rv:
        if not app.store.wait_for_rv(start_rv, app.config["too_large_wait"]):
            raise api.too_large(start_rv, app.store.rv)
    try:
        timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else app.config["watch_timeout"]
    except ValueError:
        raise bad_request('invalid timeoutSeconds "%s"' % q.get("timeoutSeconds"))
    w = Watch(h, rtype, ns, q, match, table, include, timeout)
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Cache-Control", "no-cache, private")
    h.send_header("Transfer-Encoding", "chunked")
    if rtype.warning and versions.current.endpoints_deprecated():
        h.send_header("Warning", rtype.warning)
    h.end_headers()
    h.wfile.flush()
    h.entry["status"] = 200
    app.watch_opened(w)
    try:
        w.run(sie, start_rv)
    except StreamGone:
        h.close_connection = True
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        h.close_connection = True
    finally:
        app.watch_closed(w)


class Watch:
    def __init__(self, h, rtype, ns, q, match, table, include, timeout):
        self.h = h
        self.app = h.app
        self.store = h.app.store
        self.id = next(_ids)
        self.rtype = rtype
        self.ns = ns
        self.q = q
        self.match = match
        self.table = table
        self.include = include
        self.bookmarks = q.get("allowWatchBookmarks") in ("true", "1", "True")
        self.started = time.time()
        self.deadline = time.monotonic() + max(0.0, timeout)
        self.pos = None
        self.sent = 0
        self.delay = h.delay
        self.drop = None  # a pending watch-drop fault
        self.columns_sent = False
        self.info = {"id": self.id, "resource": rtype.plural, "namespace": ns,
                     "labelSelector": q.get("labelSelector"), "fieldSelector": q.get("fieldSelector"),
                     "resourceVersion": q.get("resourceVersion"), "allowWatchBookmarks": self.bookmarks,
                     "sendInitialEvents": q.get("sendInitialEvents"), "timeoutSeconds": q.get("timeoutSeconds"),
                     "table": table, "started": self.started, "user": h.entry.get("user"), "events": 0}
        self.fault_req = {"resource": rtype.plural, "verb": "watch", "method": "GET",
                          "path": h.entry.get("path", ""), "namespace": ns}

    # ---- writing ----

    def _line(self, etype, obj):
        if self.table and etype in ("ADDED", "MODIFIED", "DELETED"):
            obj = tables.table(self.rtype, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                               self.include)
        return json.dumps({"type": etype, "object": obj}, separators=(",", ":"),
                          ensure_ascii=False).encode() + b"\n"

    def _write(self, data):
        if self.delay:
            time.sleep(self.delay["seconds"])
        if self.drop is not None:
            self.h.write_chunk(data[:max(1, len(data) // 2)])
            self.h.entry["fault"] = "watch-drop"
            self.h.cut()
            raise StreamGone()
        self.h.write_chunk(data)

    def send(self, etype, obj):
        self._write(self._line(etype, obj))
        self.sent += 1
        self.info["events"] = self.sent
        if etype != "ERROR":
            self.info["pos"] = obj["metadata"]["resourceVersion"]

    def bookmark(self, annotations=None):
        self.send("BOOKMARK", self.rtype.bookmark(self.pos, annotations))

    def end(self):
        """Ends the stream cleanly: the terminating chunk; the connection stays usable."""
        self.h.wfile.write(b"0\r\n\r\n")
        self.h.wfile.flush()

    # ---- events ----

    def translate(self, ev):
        """The (type, object) this watcher is sent for store event `ev`, or None."""
        if ev.type is None or ev.res != self.rtype.plural:
            return None
        old_m = ev.old is not None and self.match(ev.old)
        new_m = ev.new is not None and self.match(ev.new)
        if ev.type == "ADDED":
            return ("ADDED", ev.new) if new_m else None
        if ev.type == "DELETED":
            return ("DELETED", ev.obj) if old_m else None
        if old_m and new_m:
            return ("MODIFIED", ev.new)
        if new_m:
            return ("ADDED", ev.new)
        if old_m:
            gone = dict(ev.old)
            gone["metadata"] = dict(ev.old["metadata"], resourceVersion=str(ev.rv))
            return ("DELETED", gone)
        return None

    def peer_closed(self):
        sock = self.h.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (ValueError, OSError):
            return True
        if not readable:
            return False
        try:
            if isinstance(sock, ssl.SSLSocket):
                old = sock.gettimeout()
                sock.setblocking(False)
                try:
                    return sock.recv(1) == b""
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    return False
                finally:
                    sock.settimeout(old)
            return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except (OSError, ssl.SSLError):
            return True

    def run(self, sie, start_rv):
        initial = []
        with self.store.cond:
            if sie == "true" or (start_rv is None and sie is None):
                self.pos = self.store.rv
                items = self.store.items(self.rtype.plural)
                initial = [items[k] for k in sorted(items) if self.match(items[k])]
            elif start_rv is None:
                self.pos = self.store.rv
            elif start_rv < self.store.floor:
                self.send("ERROR", _status_event(410, "Expired", "too old resource version: %d (%d)"
                                                 % (start_rv, self.store.floor + 1))["object"])
                self.end()
                return
            else:
                self.pos = start_rv
        self.info["pos"] = str(self.pos)
        for obj in initial:
            self.send("ADDED", obj)
        if sie == "true" and self.bookmarks:
            self.bookmark({"k8s.io/initial-events-end": "true"})
        interval = self.app.config["bookmark_interval"]
        next_bm = time.monotonic() + interval
        while True:
            events, expired, fault = [], False, None
            with self.store.cond:
                while True:
                    if self.store.closing:
                        self.end()
                        return
                    now = time.monotonic()
                    if now >= self.deadline:
                        break
                    fault = self.app.faults.take(self.fault_req, WATCH_TYPES)
                    if fault is not None:
                        break
                    try:
                        events = self.store.events_after(self.pos)
                    except Exception:  # store.Expired: fell behind the history window
                        expired = True
                        break
                    if events or (self.bookmarks and now >= next_bm):
                        break
                    wake = min(self.deadline, next_bm if self.bookmarks else self.deadline, now + 0.5)
                    self.store.cond.wait(max(0.01, wake - now))
                    if self.peer_closed():
                        raise StreamGone()
                floor = self.store.floor
            if fault is not None:
                self.info.setdefault("faults", []).append(fault["type"])
                if self.apply_fault(fault):
                    return
                continue
            if expired:
                self.send("ERROR", _status_event(410, "Expired", "too old resource version: %d (%d)"
                                                 % (self.pos, floor + 1))["object"])
                self.end()
                return
            for ev in events:
                out = self.translate(ev)
                self.pos = ev.rv
                if out is not None:
                    self.send(*out)
            if time.monotonic() >= self.deadline:
                if self.bookmarks:
                    self.bookmark()
                self.end()
                return
            if self.bookmarks and time.monotonic() >= next_bm:
                self.bookmark()
                next_bm = time.monotonic() + self.app.config["bookmark_interval"]

    # ---- faults ----

    def apply_fault(self, f):
        """Applies a watch fault; True when the stream is over."""
        self.h.entry["fault"] = f["type"]
        t = f["type"]
        if t == "watch-drop":
            self.drop = f
            if f.get("immediate"):
                self.bookmark()
            return False
        if t == "watch-malformed":
            self.h.write_chunk(b'{"type":"MODIFIED","object":{"kind":this is not json}}\n')
            if f.get("close"):
                self.h.cut()
                raise StreamGone()
            return False
        if t == "watch-error":
            code = f.get("code", 410)
            reason = f.get("reason") or {410: "Expired", 500: "InternalError", 429: "TooManyRequests",
                                         403: "Forbidden", 401: "Unauthorized"}.get(code, "Unknown")
            message = f.get("message") or ("The resourceVersion for the provided watch is too old."
                                           if code == 410 else "fake fault: injected watch error %d" % code)
            self.send("ERROR", _status_event(code, reason, message)["object"])
            self.end()
            return True
        if t == "watch-huge":
            self.send_huge(int(f.get("bytes", 4 << 20)))
            return False
        if t == "watch-end":
            self.end()
            return True
        if t == "watch-stall":
            self.app.faults.wait_cleared(f["id"], f.get("seconds"), lambda: self.store.closing)
            self.h.cut()
            raise StreamGone()
        return False

    def send_huge(self, size):
        with self.store.cond:
            items = self.store.items(self.rtype.plural)
            target = next((items[k] for k in sorted(items) if self.match(items[k])), None)
        pad = "x" * size
        if target is None:
            obj = self.rtype.bookmark(self.pos, {"fake.kipvs.io/padding": pad})
            self.send("BOOKMARK", obj)
            return
        obj = dict(target)
        meta = dict(target["metadata"])
        meta["annotations"] = dict(meta.get("annotations") or {}, **{"fake.kipvs.io/padding": pad})
        meta["resourceVersion"] = str(self.pos)
        obj["metadata"] = meta
        self.send("MODIFIED", obj)
