"""Fault injection and the request log.

A fault is a JSON object posted to /_fake/faults, e.g.
  {"type": "status", "code": 500, "count": 3, "resource": "services", "verb": "list"}
Matching keys (all optional; absent = any): resource (plural), verb (get, list,
watch, create, update, patch, delete, deletecollection; discovery requests have
verb "get" and no resource), method, path (prefix of the URL path), namespace.
`count` is how many times it fires (default 1; -1 = until deleted).

Request faults (checked when a request arrives):
  status  code, [reason], [message], [plain: true], [retry_after]  answer
          with that Status (401/403/429/500/503/504 ...); 429 and 503 add
          Retry-After: `retry_after` seconds (default 1).
  hang    [seconds]  never answer (until the fault is deleted, `seconds`
          pass or the server stops), then close the connection.
  refuse  close the connection at once, no response (RST).
  delay   seconds, [chunk]  answer late; lists are then written in chunks of
          `chunk` bytes with `seconds` between them, watches sleep `seconds`
          before every event.
  truncate  [bytes]  a 2xx answer that is not a watch is cut to its first
          `bytes` bytes (default: half), before any gzip, and sent as a
          complete HTTP message (Content-Length of the cut body): JSON cut
          mid-way, as from a broken proxy. Never taken by watch requests.
Watch-stream faults (applied by open and future watch streams):
  watch-drop      write half of the next event line, then cut the connection
                  ([immediate: true] cuts at once, in the middle of a BOOKMARK line)
  watch-malformed write one line that is not JSON ([close: true] then cut)
  watch-error     send an ERROR event ([code] 410, [reason], [message]) and end the stream
  watch-huge      send one event larger than `bytes` (default 4 MiB): a MODIFIED
                  of an existing matching object padded with an annotation
                  (a padded BOOKMARK when none matches)
  watch-end       end the stream cleanly now (like timeoutSeconds)
  watch-stall     go silent (no events, no bookmarks) for `seconds` (default:
                  until deleted), then cut the connection without the last chunk
"""

import collections
import threading
import time

REQUEST_TYPES = ("status", "hang", "refuse", "delay", "truncate")
WATCH_TYPES = ("watch-drop", "watch-malformed", "watch-error", "watch-huge", "watch-end", "watch-stall")
MATCH_KEYS = ("resource", "verb", "method", "path", "namespace")


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self, wake):
        self.lock = threading.Lock()
        self.faults = []
        self.next_id = 1
        self.wake = wake  # called after a change, so idle watch streams re-check
        self.released = set()  # ids deleted by a client: hang/stall faults stop waiting
        self.released_below = 0  # every id below this was deleted (DELETE /_fake/faults)

    def add(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault must be a JSON object")
        ftype = spec.get("type")
        if ftype not in REQUEST_TYPES + WATCH_TYPES:
            raise FaultError("unknown fault type %r; known: %s" % (ftype, ", ".join(REQUEST_TYPES + WATCH_TYPES)))
        if ftype == "status" and not isinstance(spec.get("code"), int):
            raise FaultError("a status fault needs an integer code")
        if ftype == "delay" and not isinstance(spec.get("seconds"), (int, float)):
            raise FaultError("a delay fault needs seconds")
        if ftype == "truncate":
            nb = spec.get("bytes", 0)
            if not isinstance(nb, int) or isinstance(nb, bool) or nb < 0:
                raise FaultError("truncate takes bytes, a non-negative integer")
        ra = spec.get("retry_after", 1)
        if not isinstance(ra, int) or isinstance(ra, bool) or ra < 0:
            raise FaultError("retry_after must be a non-negative integer (seconds)")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count == 0 or count < -1:
            raise FaultError("count must be a positive integer or -1")
        with self.lock:
            f = dict(spec, id=self.next_id, count=count, fired=0, added=time.time())
            self.next_id += 1
            self.faults.append(f)
        self.wake()
        return f

    def remove(self, fid=None):
        with self.lock:
            before = len(self.faults)
            self.faults = [f for f in self.faults if fid is not None and f["id"] != fid]
            removed = before - len(self.faults)
            if fid is None:
                self.released_below = self.next_id
            else:
                self.released.add(fid)
        self.wake()
        return removed

    def list(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def released_id(self, fid):
        with self.lock:
            return fid in self.released or fid < self.released_below

    @staticmethod
    def _matches(f, req):
        for k in MATCH_KEYS:
            if f.get(k) is None:
                continue
            if k == "path":
                if not req.get("path", "").startswith(f[k]):
                    return False
            elif req.get(k) != f[k]:
                return False
        return True

    def take(self, req, types):
        """Consumes one firing of the first matching fault of `types`; returns a copy or None."""
        with self.lock:
            for f in self.faults:
                if f["type"] in types and self._matches(f, req):
                    f["fired"] += 1
                    if f["count"] > 0:
                        f["count"] -= 1
                        if f["count"] == 0:
                            self.faults.remove(f)
                    return dict(f)
        return None

    def wait_cleared(self, fid, seconds, closing):
        """Blocks until fault `fid` is deleted by a client, `seconds` pass
        (None = no limit) or closing() is true."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while not self.released_id(fid) and not closing():
            left = 0.25 if deadline is None else min(0.25, deadline - time.monotonic())
            if left <= 0:
                return
            time.sleep(left)


class RequestLog:
    """The last `limit` requests, with what a test may assert about them.
    Never holds credentials: only whether an Authorization header was sent."""

    def __init__(self, limit=10000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)
        self.seq = 0
        self.cond = threading.Condition(self.lock)

    def add(self, entry):
        with self.cond:
            self.seq += 1
            entry["seq"] = self.seq
            self.entries.append(entry)
            self.cond.notify_all()
            return entry

    def since(self, seq=0):
        with self.lock:
            return [dict(e) for e in self.entries if e["seq"] > seq]

    def clear(self):
        with self.lock:
            self.entries.clear()
            return self.seq
