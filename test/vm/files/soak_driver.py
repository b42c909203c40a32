#!/usr/bin/env python3
"""The host side of the soak VM case (test/vm/cases/daemon_soak.sh): keeps
changing Services and EndpointSlices on the fake apiserver while injecting
faults at random into what kipvs (in the guest) asks of it, and counts every
fault that reached kipvs so the guest can look for the evidence of each.

  soak_driver.py --url URL --ca CA --token-file FILE --driver-token T \
      --kipvs-token K --seconds N [--seed S]

The guest and the driver meet at ConfigMaps in kube-system (the fake stores
them): the driver seeds the objects and writes `soak-status` (phase=seeded);
the guest starts kipvs and, once it is ready, creates `soak-go`; the driver
churns for --seconds, then clears every fault and writes phase=done with the
counts (`fired`, "name=N ..."). `soak-status` also carries the token kipvs
must use (data.token): the driver expires kipvs's token by rewriting the
fake's token file and publishes the new one a few seconds later, as a kubelet
rotating a projected service-account token would; the guest copies it into
the file kipvs's kubeconfig names (tokenFile).

Faults are scoped (path prefix) to the cluster-wide collections kipvs lists
and watches, which nothing else requests, so every fault the fake logs as
taken was met by kipvs. Standard library only; progress on stderr.
"""

import argparse
import base64
import http.client
import json
import os
import random
import ssl
import sys
import time
from urllib.parse import urlsplit

SVC_PATH = "/api/v1/services"
SLICE_PATH = "/apis/discovery.k8s.io/v1/endpointslices"
PATHS = {"services": SVC_PATH, "endpointslices": SLICE_PATH}
NAMESPACES = ("soak-a", "soak-b", "soak-c")
NODE = "node-b"
MP = "application/merge-patch+json"
BIG = 3 << 20  # an object of several MiB that kipvs must take (its cap is 8 MiB)
HUGE = 10 << 20  # a watch event over kipvs's cap: dropped, then a relist
KINDS = ("drop", "w410", "compact", "e500", "e429", "trickle", "truncate", "huge", "big", "refuse",
         "token", "reject")


def log(*a):
    print("soak-driver: %.1f" % (time.monotonic() - T0), *a, file=sys.stderr, flush=True)


T0 = time.monotonic()


class Api:
    """One keep-alive HTTPS connection to the fake; reconnects after an error."""

    def __init__(self, url, ca, token):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, ctype="application/json", auth=True):
        hdrs = {"Accept": "application/json", "User-Agent": "soak-driver"}
        if auth:
            hdrs["Authorization"] = "Bearer " + self.token
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body, separators=(",", ":"))
            hdrs["Content-Type"] = ctype
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                try:
                    return r.status, json.loads(data) if data else None
                except ValueError:
                    return r.status, data
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def ctl(self, method, path, body=None):
        code, obj = self.request(method, path, body, auth=False)
        if code >= 300:
            raise RuntimeError("control %s %s: %s %s" % (method, path, code, obj))
        return obj


# ---- the objects ---------------------------------------------------------------

class Svc:
    def __init__(self, rng, ns, idx):
        self.ns, self.idx, self.name = ns, idx, "svc-%02d" % idx
        self.present = False
        self.type = rng.choice(("ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"))
        self.dual = rng.random() < 0.25
        self.ports = [self.new_port(rng, 0)]
        if rng.random() < 0.4:
            self.ports.append(self.new_port(rng, 1))
        self.unique_ports()
        self.affinity = rng.random() < 0.2
        self.local = False
        self.scheduler = None
        self.big = False
        self.slices = {}  # name -> [endpoint dicts] per family ("v4"/"v6" in the name)
        self.gen = 0

    @staticmethod
    def new_port(rng, i):
        proto = rng.choice(("TCP", "TCP", "TCP", "UDP"))
        return {"name": "p%d" % i, "protocol": proto, "port": rng.choice((80, 443, 53, 8080, 9000 + i)),
                "targetPort": 8000 + rng.randrange(100)}

    def unique_ports(self):
        while len(set((p["port"], p["protocol"]) for p in self.ports)) != len(self.ports):
            self.ports[-1]["port"] += 1000

    def spec(self):
        s = {"type": self.type, "ports": [dict(p) for p in self.ports],
             "sessionAffinity": "ClientIP" if self.affinity else "None"}
        if self.dual:
            s["ipFamilyPolicy"] = "PreferDualStack"
            s["ipFamilies"] = ["IPv4", "IPv6"]
        if self.type != "ClusterIP":
            s["externalTrafficPolicy"] = "Local" if self.local else "Cluster"
        return s

    def obj(self):
        meta = {"name": self.name, "namespace": self.ns, "labels": {"app": self.name}}
        ann = {}
        if self.scheduler:
            ann["kipvs.io/scheduler"] = self.scheduler
        if ann:
            meta["annotations"] = ann
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": self.spec()}

    def families(self):
        return ("v4", "v6") if self.dual else ("v4",)

    def new_endpoint(self, rng, fam):
        n = rng.randrange(1, 250)
        ns_i = NAMESPACES.index(self.ns)
        addr = "10.%d.%d.%d" % (200 + ns_i, self.idx, n) if fam == "v4" else "fd00:244:%x:%x::%x" % (ns_i, self.idx, n)
        ready = rng.random() < 0.85
        return {"addresses": [addr],
                "conditions": {"ready": ready, "serving": ready or rng.random() < 0.5,
                               "terminating": not ready and rng.random() < 0.5},
                "nodeName": rng.choice((NODE, NODE, "node-c"))}

    def slice_obj(self, name):
        fam = "v6" if name.endswith("-v6") or "-v6-" in name else "v4"
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": name, "namespace": self.ns,
                             "labels": {"kubernetes.io/service-name": self.name}},
                "addressType": "IPv4" if fam == "v4" else "IPv6",
                "ports": [{"name": p["name"], "protocol": p["protocol"], "port": p["targetPort"]}
                          for p in self.ports],
                "endpoints": self.slices[name]}


class Driver:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.api = Api(args.url, args.ca, args.driver_token)
        self.svcs = [Svc(self.rng, ns, i) for ns in NAMESPACES for i in range(args.services)]
        self.ops = 0
        self.op_counts = {}
        self.pending = {}  # fault id -> evidence class (watch faults: fired = gone)
        self.kinds = KINDS
        self.fired = {k: 0 for k in ("drop", "w410", "huge", "wend", "compact", "big", "token", "e401",
                                     "e500", "e429", "truncate", "trickle", "trickle_cut", "refuse",
                                     "reject")}
        self.kipvs_token = args.kipvs_token
        self.token_due = None  # (time, token) to publish
        self.big_until = {}  # svc -> time its big annotation goes
        self.log_seq = 0
        self.unsettled = set()  # request log entries not answered yet when read
        self.reject_done = False
        self.trickle_at = -1e9
        self.failures = []

    # ---- API helpers ----

    def write(self, method, path, body=None, ctype="application/json", ok=(200, 201)):
        code, obj = self.api.request(method, path, body, ctype)
        if code not in ok and not (method == "DELETE" and code == 404):
            self.failures.append("%s %s -> %s %s" % (method, path, code, str(obj)[:200]))
            log("write failed:", method, path, code, str(obj)[:300])
        return code, obj

    def svc_url(self, s, sub=""):
        return "/api/v1/namespaces/%s/services/%s%s" % (s.ns, s.name, sub)

    def slice_url(self, s, name=""):
        return "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices%s" % (s.ns, "/" + name if name else "")

    def status(self, data):
        body = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "soak-status", "namespace": "kube-system"}, "data": data}
        code, _ = self.api.request("PUT", "/api/v1/namespaces/kube-system/configmaps/soak-status", body)
        if code not in (200, 201):
            code, obj = self.api.request("POST", "/api/v1/namespaces/kube-system/configmaps", body)
            if code not in (200, 201):
                raise RuntimeError("soak-status: %s %s" % (code, obj))

    # ---- seeding ----

    def seed(self):
        objs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in NAMESPACES]
        objs += [{"apiVersion": "v1", "kind": "Node",
                 "metadata": {"name": NODE, "labels": {"kubernetes.io/hostname": NODE,
                                                       "topology.kubernetes.io/zone": "zone-b"}}}]
        for s in self.svcs:
            if self.rng.random() < 0.7:
                s.present = True
                objs.append(s.obj())
                for fam in s.families():
                    name = "%s-%s-%d" % (s.name, fam, s.gen)
                    s.slices[name] = [s.new_endpoint(self.rng, fam) for _ in range(self.rng.randrange(0, 5))]
                    objs.append(s.slice_obj(name))
        self.api.ctl("POST", "/_fake/seed", {"apiVersion": "v1", "kind": "List", "items": objs})
        for s in self.svcs:
            if s.present and s.type == "LoadBalancer":
                self.lb_status(s)
        log("seeded %d objects" % len(objs))

    def lb_status(self, s):
        ing = [{"ip": "192.0.2.%d" % (1 + (s.idx + self.a.services * NAMESPACES.index(s.ns)) % 250)}]
        self.write("PATCH", self.svc_url(s, "/status"), {"status": {"loadBalancer": {"ingress": ing}}}, MP)

    # ---- churn ----

    def op(self):
        present = [s for s in self.svcs if s.present]
        absent = [s for s in self.svcs if not s.present]
        # About 70 % of the services exist at any time (a steady state, so that
        # RSS measures kipvs, not a growing cluster).
        more = len(present) < 0.7 * len(self.svcs)
        ops = [("add", (3 if more else 1) if absent else 0), ("delete", (1 if more else 3) if len(present) > 3 else 0),
               ("flap", 8 if present else 0), ("scale", 6 if present else 0), ("port", 2 if present else 0),
               ("type", 2 if present else 0), ("affinity", 1 if present else 0),
               ("scheduler", 1 if present else 0), ("policy", 1 if present else 0),
               ("reslice", 1 if present else 0)]
        total = sum(w for _, w in ops)
        x = self.rng.uniform(0, total)
        for name, w in ops:
            x -= w
            if x < 0:
                break
        getattr(self, "op_" + name)(self.rng.choice(absent if name == "add" else present))
        self.ops += 1
        self.op_counts[name] = self.op_counts.get(name, 0) + 1

    def op_add(self, s):
        # A fresh spec; one slice left behind by the deletion may stay (a stale
        # one, as a slow garbage collector leaves it), the others go now.
        stale, gen = sorted(s.slices), s.gen
        self.rng.shuffle(stale)
        for name in stale[1:]:
            self.write("DELETE", self.slice_url(s, name))
        slices = {k: s.slices[k] for k in stale[:1]}
        s.__init__(self.rng, s.ns, s.idx)
        s.slices, s.gen, s.present = slices, gen, True
        self.write("POST", "/api/v1/namespaces/%s/services" % s.ns, s.obj())
        if s.type == "LoadBalancer":
            self.lb_status(s)
        for fam in s.families():
            s.gen += 1
            name = "%s-%s-%d" % (s.name, fam, s.gen)
            s.slices[name] = [s.new_endpoint(self.rng, fam) for _ in range(self.rng.randrange(1, 5))]
            self.write("POST", self.slice_url(s), s.slice_obj(name))

    def op_delete(self, s):
        s.present = False
        self.big_until.pop(s, None)
        self.write("DELETE", self.svc_url(s))
        # Usually the slices go too (garbage collection); sometimes they stay a while.
        for name in list(s.slices):
            if self.rng.random() < 0.8:
                del s.slices[name]
                self.write("DELETE", self.slice_url(s, name))

    def any_slice(self, s):
        if not s.slices:
            fam = self.rng.choice(s.families())
            s.gen += 1
            name = "%s-%s-%d" % (s.name, fam, s.gen)
            s.slices[name] = []
            self.write("POST", self.slice_url(s), s.slice_obj(name))
        return self.rng.choice(sorted(s.slices))

    def put_endpoints(self, s, name):
        self.write("PATCH", self.slice_url(s, name), {"endpoints": s.slices[name]}, MP)

    def op_flap(self, s):
        name = self.any_slice(s)
        eps = s.slices[name]
        if not eps:
            return self.op_scale(s)
        e = self.rng.choice(eps)
        c = e["conditions"]
        c["ready"] = not c["ready"]
        c["serving"] = c["ready"] or self.rng.random() < 0.5
        c["terminating"] = not c["ready"] and self.rng.random() < 0.5
        self.put_endpoints(s, name)

    def op_scale(self, s):
        name = self.any_slice(s)
        eps = s.slices[name]
        fam = "v6" if "-v6-" in name else "v4"
        if eps and (len(eps) > 6 or self.rng.random() < 0.45):
            eps.pop(self.rng.randrange(len(eps)))
        else:
            e = s.new_endpoint(self.rng, fam)
            if e["addresses"] not in [x["addresses"] for x in eps]:
                eps.append(e)
        self.put_endpoints(s, name)

    def op_port(self, s):
        r = self.rng.random()
        if r < 0.3 and len(s.ports) < 3:
            s.ports.append(Svc.new_port(self.rng, max(int(p["name"][1:]) for p in s.ports) + 1))
        elif r < 0.5 and len(s.ports) > 1:
            s.ports.pop(self.rng.randrange(len(s.ports)))
        else:
            p = self.rng.choice(s.ports)
            if self.rng.random() < 0.5:
                p["port"] = self.rng.choice((80, 81, 443, 8443, 53, 5353))
            else:
                p["targetPort"] = 8000 + self.rng.randrange(100)
        s.unique_ports()
        self.write("PATCH", self.svc_url(s), {"spec": {"ports": s.spec()["ports"]}}, MP)
        # The endpoint slice controller follows with the slices' ports.
        for name in sorted(s.slices):
            self.write("PATCH", self.slice_url(s, name), {"ports": s.slice_obj(name)["ports"]}, MP)

    def op_type(self, s):
        old = s.type
        s.type = self.rng.choice([t for t in ("ClusterIP", "NodePort", "LoadBalancer") if t != old])
        spec = {"type": s.type, "externalTrafficPolicy": "Local" if s.local else "Cluster"}
        if s.type == "ClusterIP":
            spec["externalTrafficPolicy"] = None
            spec["ports"] = [dict(p) for p in s.ports]  # without the node ports
        self.write("PATCH", self.svc_url(s), {"spec": spec}, MP)
        if s.type == "LoadBalancer":
            self.lb_status(s)
        elif old == "LoadBalancer":
            self.write("PATCH", self.svc_url(s, "/status"), {"status": {"loadBalancer": {}}}, MP)

    def op_affinity(self, s):
        s.affinity = not s.affinity
        spec = {"sessionAffinity": "ClientIP" if s.affinity else "None"}
        if not s.affinity:
            spec["sessionAffinityConfig"] = None
        self.write("PATCH", self.svc_url(s), {"spec": spec}, MP)

    def op_scheduler(self, s):
        s.scheduler = self.rng.choice((None, "wrr", "lc", "sh"))
        self.write("PATCH", self.svc_url(s), {"metadata": {"annotations": {"kipvs.io/scheduler": s.scheduler}}}, MP)

    def op_policy(self, s):
        if s.type == "ClusterIP":
            return self.op_type(s)
        s.local = not s.local
        self.write("PATCH", self.svc_url(s), {"spec": {"externalTrafficPolicy": "Local" if s.local else "Cluster"}},
                   MP)

    def op_reslice(self, s):
        name = self.any_slice(s)
        eps = s.slices.pop(name)
        self.write("DELETE", self.slice_url(s, name))
        fam = "v6" if "-v6-" in name else "v4"
        s.gen += 1
        name = "%s-%s-%d" % (s.name, fam, s.gen)
        s.slices[name] = eps
        self.write("POST", self.slice_url(s), s.slice_obj(name))

    # ---- faults ----

    def post_fault(self, spec, cls=None):
        f = self.api.ctl("POST", "/_fake/faults", spec)
        if cls:
            self.pending[f["id"]] = cls
        return f

    def poll_faults(self):
        """Watch faults are taken by streams: fired = gone from the list."""
        if not self.pending:
            return
        live = {f["id"] for f in self.api.ctl("GET", "/_fake/faults")["faults"]}
        for fid in [i for i in self.pending if i not in live]:
            self.fired[self.pending.pop(fid)] += 1

    def poll_requests(self, final=False):
        """Request faults and 401s, as the fake answered kipvs (its request log).
        The fake logs a request when it arrives and its status once answered
        (a trickled list: seconds later): an entry without one is read again
        on the next poll, until it has one, was reset (no answer ever), is two
        minutes old or this is the last poll."""
        since = min(self.unsettled) - 1 if self.unsettled else self.log_seq
        reqs = self.api.ctl("GET", "/_fake/requests?since=%d" % since)["requests"]
        for e in reqs:
            seq = e["seq"]
            if seq <= self.log_seq and seq not in self.unsettled:
                continue  # counted
            self.log_seq = max(self.log_seq, seq)
            if not (e.get("userAgent") or "").startswith("kipvs/"):
                continue
            f, st = e.get("fault"), e.get("status")
            if st is None and f != "refuse" and not final and time.time() - e["time"] < 120:
                self.unsettled.add(seq)
                continue
            self.unsettled.discard(seq)
            if f == "status" and st in (500, 429, 422):
                self.fired[{500: "e500", 429: "e429", 422: "reject"}[st]] += 1
            elif f == "truncate" and st == 200:
                self.fired["truncate"] += 1
            elif f == "delay":
                self.fired["trickle" if st == 200 else "trickle_cut"] += 1
            elif f == "refuse":
                self.fired["refuse"] += 1
            elif f is None and st == 401:
                self.fired["e401"] += 1

    def relist_trigger(self, res):
        self.post_fault({"type": "watch-error", "code": 410, "resource": res}, "w410")

    def rewatch_trigger(self, res):
        self.post_fault({"type": "watch-end", "resource": res}, "wend")

    def list_bytes(self, res):
        """At most what kipvs's next list of `res` weighs: the driver's objects
        as compact JSON without kind and apiVersion (the fake serves more:
        IPs, uid, times, defaults)."""
        objs = [s.obj() for s in self.svcs if s.present] if res == "services" else \
            [s.slice_obj(k) for s in self.svcs for k in s.slices]
        return sum(len(json.dumps(o, separators=(",", ":"))) - len(o["kind"]) - len(o["apiVersion"]) - 26
                   for o in objs)

    def ready_for_fault(self):
        """The resources whose watch kipvs has open now (a fault there is met at
        once), or None while an earlier fault still waits to be taken (less
        than 40 s: kipvs may be backing off) or a stream that took a
        watch-drop is not cut yet (it cuts at its next line: nothing else
        may end that stream first)."""
        now = time.time()
        if any(now - f["added"] < 40 for f in self.api.ctl("GET", "/_fake/faults")["faults"]):
            return None
        watches = self.api.ctl("GET", "/_fake/watches")["watches"]
        if any("watch-drop" in w.get("faults", ()) for w in watches):
            return None
        return sorted({w["resource"] for w in watches if w["namespace"] is None and w["resource"] in PATHS})

    def fault(self, kind, healthy):
        res = self.rng.choice(healthy)
        path = PATHS[res]
        if kind == "drop":
            self.post_fault({"type": "watch-drop", "resource": res}, "drop")
        elif kind == "w410":
            self.relist_trigger(res)
        elif kind == "compact":
            self.api.ctl("POST", "/_fake/compact")
            self.fired["compact"] += 1
            self.rewatch_trigger(res)
        elif kind in ("e500", "e429", "refuse"):
            verb = "watch" if kind == "refuse" else self.rng.choice(("list", "watch"))
            spec = {"path": path, "verb": verb}
            if kind == "refuse":
                # Twice: libcurl sends a request again, once, when a reused
                # connection dies before any answer (the first reset is then
                # invisible to kipvs, as to any HTTP/1.1 client).
                spec.update(type="refuse", count=2)
            else:
                spec.update(type="status", code=int(kind[1:]))
                if kind == "e429":
                    spec["retry_after"] = 3
            self.post_fault(spec)
            (self.relist_trigger if verb == "list" else self.rewatch_trigger)(res)
        elif kind == "truncate":
            self.post_fault({"type": "truncate", "path": path, "verb": "list"})
            self.relist_trigger(res)
        elif kind == "trickle":
            if any(s.big for s in self.svcs):
                return False
            self.trickle_at = time.monotonic()
            # At least 26 steps of 0.5 s: longer than kipvs's slow-list mark (10 s).
            chunk = max(256, self.list_bytes(res) // 26)
            self.post_fault({"type": "delay", "seconds": 0.5, "chunk": chunk, "path": path, "verb": "list"})
            self.relist_trigger(res)
        elif kind == "huge":
            self.post_fault({"type": "watch-huge", "bytes": HUGE, "resource": res}, "huge")
        elif kind == "big":
            cand = [s for s in self.svcs if s.present and not s.big]
            # Not while a trickled list may still be coming: a list of several
            # MiB in the trickle's small steps would take hours.
            if not cand or time.monotonic() - self.trickle_at < 90:
                return False
            s = self.rng.choice(cand)
            s.big = True
            pad = base64.b64encode(os.urandom(BIG * 3 // 4)).decode()
            self.write("PATCH", self.svc_url(s), {"metadata": {"annotations": {"soak.kipvs.io/pad": pad}}}, MP)
            self.big_until[s] = time.monotonic() + self.rng.uniform(3, 8)
            self.fired["big"] += 1
        elif kind == "token":
            if self.token_due:
                return False
            new = base64.urlsafe_b64encode(os.urandom(18)).decode()
            self.set_fake_tokens(new)
            self.token_due = (time.monotonic() + self.rng.uniform(4, 7), new)
            self.fired["token"] += 1
            for r in PATHS:
                self.rewatch_trigger(r)
        elif kind == "reject":
            if self.reject_done:
                return False
            self.reject_done = True
            self.post_fault({"type": "status", "code": 422, "path": path, "verb": "list",
                             "message": "soak: this list is refused once"})
            self.relist_trigger(res)
        return True

    def set_fake_tokens(self, kipvs_token):
        tmp = self.a.token_file + ".new"
        with open(tmp, "w") as f:
            f.write("%s\n%s,soak-driver\n" % (kipvs_token, self.a.driver_token))
        os.replace(tmp, self.a.token_file)

    def housekeeping(self, final=False):
        now = time.monotonic()
        for s, until in list(self.big_until.items()):
            if final or now >= until:
                del self.big_until[s]
                s.big = False
                if s.present:
                    self.write("PATCH", self.svc_url(s), {"metadata": {"annotations": {"soak.kipvs.io/pad": None}}}, MP)
        if self.token_due and (final or now >= self.token_due[0]):
            self.kipvs_token = self.token_due[1]
            self.token_due = None
            self.status({"phase": "running", "token": self.kipvs_token})
            log("new token published")

    # ---- the run ----

    def wait_go(self, limit=4 * 3600):
        """Every host companion starts with the VM, and in a whole `make test`
        the guest reaches this case 20 minutes or more later (600 s was too
        short: the fake was gone when the guest came). The VM harness ends
        the companions when the VM run ends, so the limit only bounds a
        driver run by hand."""
        t_end = time.monotonic() + limit
        while time.monotonic() < t_end:
            code, _ = self.api.request("GET", "/api/v1/namespaces/kube-system/configmaps/soak-go")
            if code == 200:
                return True
            time.sleep(1)
        return False

    def run(self):
        self.set_fake_tokens(self.kipvs_token)
        self.seed()
        self.status({"phase": "seeded", "token": self.kipvs_token})
        if not self.wait_go():
            log("no go from the guest")
            return 1
        dur = self.a.seconds
        # Every kind at least once, spread over the first 85% of the run, then
        # more at random; a fault roughly every `gap` seconds.
        kinds = list(KINDS)
        self.rng.shuffle(kinds)
        if self.a.kinds < len(kinds):
            kinds = kinds[:self.a.kinds]  # this run's share
        if "trickle" in kinds and "big" in kinds and kinds.index("trickle") < kinds.index("big"):
            # A big object waits 90 s after a trickle: the big one first.
            i, j = kinds.index("trickle"), kinds.index("big")
            kinds[i], kinds[j] = kinds[j], kinds[i]
        gap = min(6.0, dur * 0.5 / (len(kinds) + 1))
        self.kinds = tuple(kinds)
        log("go: %d s, a fault every ~%.1f s; kinds: %s" % (dur, gap, " ".join(kinds)))
        self.status({"phase": "running", "token": self.kipvs_token})
        t_start = time.monotonic()
        next_fault = t_start + self.rng.uniform(0.5, gap)
        next_poll = t_start
        while time.monotonic() - t_start < dur:
            now = time.monotonic()
            healthy = self.ready_for_fault() if now >= next_fault and now - t_start < dur * 0.9 else None
            if healthy:
                kind = kinds.pop(0) if kinds else self.rng.choice(self.kinds)
                if self.fault(kind, healthy):
                    log("fault", kind)
                    next_fault = now + self.rng.uniform(0.5, 2 * gap)
                elif kind != "reject":
                    kinds.append(kind)  # not now (e.g. a big object is there): later
            elif now >= next_fault:
                next_fault = now + 1.0
            if now >= next_poll:
                self.poll_faults()
                self.poll_requests()
                next_poll = now + 1.0
            self.housekeeping()
            self.op()
            time.sleep(self.rng.expovariate(self.a.rate))
        # The end: no faults, a valid token, no big objects; then the counts.
        # A watch fault still there when deleted one by one never fired.
        for fid, cls in sorted(self.pending.items()):
            if self.api.ctl("DELETE", "/_fake/faults/%d" % fid)["removed"] == 0:
                self.fired[cls] += 1
        self.pending.clear()
        self.api.ctl("DELETE", "/_fake/faults")
        self.housekeeping(final=True)
        time.sleep(0.5)
        self.poll_requests(final=True)
        fired = " ".join("%s=%d" % kv for kv in sorted(self.fired.items()))
        left = [k for k in KINDS if k not in self.fired or not self.fired.get(k)]
        log("done: %d changes %s; fired %s; never fired: %s" % (self.ops, self.op_counts, fired, left))
        self.status({"phase": "done", "token": self.kipvs_token, "fired": fired, "changes": str(self.ops),
                     "seed": str(self.a.seed), "write_failures": str(len(self.failures))})
        # Stay for late requests of the guest (render) until killed.
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--token-file", required=True, help="the fake's token file (rewritten to expire kipvs's token)")
    p.add_argument("--driver-token", required=True)
    p.add_argument("--kipvs-token", required=True)
    p.add_argument("--seconds", type=float, default=75)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--services", type=int, default=14, help="per namespace (3 namespaces)")
    p.add_argument("--rate", type=float, default=4.0, help="changes per second (on average)")
    p.add_argument("--kinds", type=int, default=len(KINDS),
                   help="how many kinds of fault this run injects, chosen at random (default: all)")
    a = p.parse_args()
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 31)
    log("seed %d (KIPVS_SOAK_SEED=%d repeats this run's choices)" % (a.seed, a.seed))
    d = Driver(a)
    try:
        return d.run()
    except Exception as e:  # noqa: BLE001 - tell the guest, then fail
        log("failed: %s: %s" % (type(e).__name__, e))
        try:
            d.status({"phase": "failed", "token": d.kipvs_token})
        finally:
            raise


if __name__ == "__main__":
    sys.exit(main())
