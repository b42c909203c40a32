"""The object store: current objects, one global resourceVersion, event history.

Every write takes the next resourceVersion (an integer, served as a string)
and appends one event to the history, so event N lives at index
N - first. The history keeps the last `history_limit` events; everything
older is compacted away. `floor` is the oldest resourceVersion a watch may
start from (or a snapshot may be rebuilt at): events after it are all kept.

Callers take `store.cond` (a Condition over an RLock) around any
read-modify-write; watchers wait on it for new events. Stored objects are
never mutated after they are stored, so they may be serialized outside the lock.
"""

import base64
import collections
import json
import threading
import time

import resources

Event = collections.namedtuple("Event", "rv type res key old new obj")
# Event.type is "ADDED", "MODIFIED", "DELETED", or None for a compaction marker.
# obj: the object a watcher is sent (for DELETED: the last state with the deletion's RV)


class Expired(Exception):
    pass


class Store:
    def __init__(self, start_rv=1000, history_limit=5000, continue_ttl=300.0):
        self.cond = threading.Condition(threading.RLock())
        self.rv = start_rv
        self.first = start_rv + 1  # resourceVersion of history[0]
        self.history = []
        self.history_limit = history_limit
        self.continue_ttl = continue_ttl
        self.objects = collections.defaultdict(dict)  # plural -> {(ns, name): obj}
        self.closing = False
        self.alloc_hint = {}  # where the next cluster IP / node port search starts
        self.svc_used = collections.Counter()  # ("ip", addr) / ("port", n) held by Services

    # ---- reads (call with the lock held or accept a racy view) ----

    @property
    def floor(self):
        return self.first - 1

    def get(self, res, key):
        return self.objects[res].get(key)

    def items(self, res):
        return self.objects[res]

    # ---- writes ----

    def write(self, res, key, new):
        """Stores `new` (or deletes when None) and records the event.

        Returns the object as stored (with its new resourceVersion), or for a
        delete the final object. Must be called with the lock held."""
        with self.cond:
            old = self.objects[res].get(key)
            if new is None and old is None:
                return None
            if res == "services":
                self.svc_used.subtract(resources.service_holds(old))
                self.svc_used.update(resources.service_holds(new))
            self.rv += 1
            rv = str(self.rv)
            if new is None:
                etype = "DELETED"
                obj = dict(old)
                obj["metadata"] = dict(old["metadata"], resourceVersion=rv)
                del self.objects[res][key]
            else:
                etype = "ADDED" if old is None else "MODIFIED"
                new["metadata"]["resourceVersion"] = rv
                obj = new
                self.objects[res][key] = new
            self._append(Event(self.rv, etype, res, key, old, new, obj))
            return obj

    def bump(self):
        """Takes a resourceVersion without changing any object."""
        with self.cond:
            self.rv += 1
            self._append(Event(self.rv, None, None, None, None, None, None))
            return self.rv

    def _append(self, ev):
        self.history.append(ev)
        if len(self.history) > self.history_limit:
            self.trim(self.history_limit)
        self.cond.notify_all()

    def trim(self, keep):
        with self.cond:
            drop = max(0, len(self.history) - keep)
            if drop:
                del self.history[:drop]
                self.first += drop

    def compact(self):
        """Forgets all history: a watch or snapshot from any earlier RV is
        now too old. Takes a fresh RV first, so that the RV a client has just
        seen is also too old, as after a long disconnect."""
        with self.cond:
            self.bump()
            self.history = []
            self.first = self.rv + 1
            self.cond.notify_all()
            return self.rv

    def wake(self):
        with self.cond:
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closing = True
            self.cond.notify_all()

    # ---- history ----

    def events_after(self, rv):
        """Events with resourceVersion > rv; raises Expired if some are gone."""
        with self.cond:
            if rv < self.floor:
                raise Expired()
            return self.history[rv + 1 - self.first:]

    def snapshot(self, res, rv):
        """The objects of `res` as they were at resourceVersion rv."""
        with self.cond:
            cur = self.objects[res]
            if rv >= self.rv:
                return dict(cur)
            state = dict(cur)
            for ev in reversed(self.events_after(rv)):
                if ev.res != res:
                    continue
                if ev.old is None:
                    state.pop(ev.key, None)
                else:
                    state[ev.key] = ev.old
            return state

    def wait_for_rv(self, rv, seconds):
        """Waits until the store has reached rv; returns False on timeout."""
        deadline = time.monotonic() + seconds
        with self.cond:
            while self.rv < rv:
                left = deadline - time.monotonic()
                if left <= 0 or self.closing:
                    return False
                self.cond.wait(left)
            return True

    # ---- continue tokens ----

    def make_continue(self, rv, last_key):
        tok = {"v": "meta.k8s.io/v1", "rv": rv, "start": "%s/%s\x00" % last_key, "t": int(time.time())}
        raw = json.dumps(tok, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def parse_continue(self, token):
        """Returns (rv, start_key) or raises ValueError (bad token) / Expired."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            tok = json.loads(raw)
            rv = int(tok["rv"])
            start = tok["start"]
            stamp = float(tok.get("t", 0))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(str(e) or "malformed token")
        if not start.endswith("\x00") or "/" not in start:
            raise ValueError("invalid start key")
        ns, name = start[:-1].split("/", 1)
        if rv < self.floor or time.time() - stamp > self.continue_ttl:
            raise Expired()
        return rv, (ns, name)
