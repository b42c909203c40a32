"""The control API under /_fake/ (no authentication, no faults, not logged).

  GET    /_fake/                  this list
  GET    /_fake/state             resourceVersion, history floor, object counts, open watches, faults
  POST   /_fake/reset             delete every object (DELETED events are sent), clear faults and the
                                  request log, recreate the default namespaces; an optional body is seeded
  POST   /_fake/seed[?raw=1]      body: a List / typed list / array / object, stored with defaults filled in
                                  (raw: exactly as sent, no defaults, no validation)
  POST   /_fake/compact           forget the event history: watches and snapshots from any earlier RV get 410
  GET    /_fake/faults            active faults
  POST   /_fake/faults            add one (see faults.py / README for the types); returns it with its id
  DELETE /_fake/faults[/ID]       remove all, or one
  GET    /_fake/requests[?since=SEQ]   logged API requests (no credentials, only whether sent)
  DELETE /_fake/requests          clear the log; returns the last sequence number
  GET    /_fake/watches           open watch streams
  GET    /_fake/wait?watches=N[&resource=R][&timeout=S]
  GET    /_fake/wait?requests=N[&path=P][&verb=V][&resource=R][&since=SEQ][&timeout=S]
                                  block until the condition holds (200) or the timeout (408)
  GET    /_fake/config            runtime settings
  POST   /_fake/config            body: settings to change (bookmark_interval, watch_timeout, watchlist,
                                  rv0_ignores_limit, forbid, history_limit, continue_ttl, gzip_min,
                                  too_large_wait, namespace_delete_delay)
"""

import json
import time

import api
from errors import ApiError, bad_request
from faults import FaultError

HELP = [line.strip() for line in __doc__.splitlines()[2:] if line.strip()]

CONFIG_TYPES = {"bookmark_interval": (int, float), "watch_timeout": (int, float), "watchlist": bool,
                "rv0_ignores_limit": bool, "forbid": list, "history_limit": int, "continue_ttl": (int, float),
                "gzip_min": int, "too_large_wait": (int, float),
                "namespace_delete_delay": (int, float)}


def _body(h):
    if not h.body.strip():
        return None
    try:
        return json.loads(h.body)
    except ValueError as e:
        raise bad_request("control body is not JSON: %s" % e)


def state(app):
    with app.store.cond:
        counts = {res: len(objs) for res, objs in app.store.objects.items() if objs}
        return {"resourceVersion": str(app.store.rv), "floor": str(app.store.floor),
                "historyLength": len(app.store.history), "objects": counts,
                "watches": app.watch_list(), "faults": app.faults.list()}


def _wait(app, q):
    try:
        timeout = float(q.get("timeout", "10"))
        want_watches = int(q["watches"]) if "watches" in q else None
        want_requests = int(q["requests"]) if "requests" in q else None
        since = int(q.get("since", "0"))
    except ValueError:
        raise bad_request("wait: numbers expected")
    if want_watches is None and want_requests is None:
        raise bad_request("wait: give watches=N or requests=N")
    deadline = time.monotonic() + timeout

    def done():
        if want_watches is not None:
            n = sum(1 for w in app.watch_list() if q.get("resource") in (None, w["resource"]))
            return n >= want_watches, n
        n = 0
        for e in app.log.since(since):
            if q.get("path") and q["path"] not in e["path"]:
                continue
            if q.get("verb") and e["verb"] != q["verb"]:
                continue
            if q.get("resource") and e["resource"] != q["resource"]:
                continue
            n += 1
        return n >= want_requests, n

    while True:
        ok, n = done()
        if ok or time.monotonic() >= deadline:
            return ok, n
        with app.store.cond:
            app.store.cond.wait(0.05)


def handle(h, path):
    app, q, method = h.app, h.q, h.command
    parts = [p for p in path.split("/") if p][1:]
    what = parts[0] if parts else ""
    if what == "" and method == "GET":
        return h.send_json(200, {"endpoints": HELP})
    if what == "state" and method == "GET":
        return h.send_json(200, state(app))
    if what == "reset" and method == "POST":
        body = _body(h)
        app.reset()
        result = {"resourceVersion": str(app.store.rv)}
        if body is not None:
            count, errors = api.seed(app, body)
            result.update(seeded=count, errors=errors, resourceVersion=str(app.store.rv))
        return h.send_json(200, result)
    if what == "seed" and method == "POST":
        body = _body(h)
        if body is None:
            raise bad_request("seed: empty body")
        try:
            count, errors = api.seed(app, body, raw=q.get("raw") in ("1", "true"))
        except ValueError as e:
            raise bad_request("seed: %s" % e)
        return h.send_json(200 if not errors else 422, {"seeded": count, "errors": errors,
                                                         "resourceVersion": str(app.store.rv)})
    if what == "compact" and method == "POST":
        rv = app.store.compact()
        return h.send_json(200, {"resourceVersion": str(rv), "floor": str(app.store.floor)})
    if what == "faults":
        if method == "GET":
            return h.send_json(200, {"faults": app.faults.list()})
        if method == "POST":
            try:
                return h.send_json(201, app.faults.add(_body(h)))
            except FaultError as e:
                raise bad_request(str(e))
        if method == "DELETE":
            fid = None
            if len(parts) > 1:
                try:
                    fid = int(parts[1])
                except ValueError:
                    raise bad_request("fault id must be a number")
            return h.send_json(200, {"removed": app.faults.remove(fid)})
    if what == "requests":
        if method == "GET":
            try:
                since = int(q.get("since", "0"))
            except ValueError:
                raise bad_request("since must be a number")
            return h.send_json(200, {"requests": app.log.since(since), "last": app.log.seq})
        if method == "DELETE":
            return h.send_json(200, {"last": app.log.clear()})
    if what == "watches" and method == "GET":
        return h.send_json(200, {"watches": app.watch_list()})
    if what == "wait" and method == "GET":
        ok, n = _wait(app, q)
        return h.send_json(200 if ok else 408, {"ok": ok, "count": n})
    if what == "config":
        if method == "POST":
            body = _body(h)
            if not isinstance(body, dict):
                raise bad_request("config: a JSON object expected")
            for k, v in body.items():
                if k not in CONFIG_TYPES:
                    raise bad_request("config: unknown setting %s" % k)
                if not isinstance(v, CONFIG_TYPES[k]) or (CONFIG_TYPES[k] is not bool and isinstance(v, bool)):
                    raise bad_request("config: bad value for %s" % k)
            app.configure(body)
        if method in ("GET", "POST"):
            return h.send_json(200, app.config_view())
    raise ApiError(404, "NotFound", "no such control endpoint: %s %s (GET /_fake/ lists them)" % (method, path))
