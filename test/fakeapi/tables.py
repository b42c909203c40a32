"""meta.k8s.io/v1 Table output (what `kubectl get` asks for with as=Table).

Cells follow the apiserver's printers: Service (printService), EndpointSlice,
Endpoints, Node, Namespace; other kinds get Name and Age. Ages use
apimachinery's HumanDuration.
"""

import datetime


def _col(name, desc, priority=0, fmt=""):
    return {"name": name, "type": "string", "format": fmt, "description": desc, "priority": priority}


NAME = _col("Name", "Name must be unique within a namespace.", fmt="name")
AGE = _col("Age", "CreationTimestamp is a timestamp representing the server time when this object was created.")


def human_duration(seconds):
    seconds = int(seconds)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return "%ds" % seconds
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return "%dm" % minutes if s == 0 else "%dm%ds" % (minutes, s)
    if minutes < 180:
        return "%dm" % minutes
    hours = minutes // 60
    if hours < 8:
        m = minutes % 60
        return "%dh" % hours if m == 0 else "%dh%dm" % (hours, m)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        h = hours % 24
        return "%dd" % (hours // 24) if h == 0 else "%dd%dh" % (hours // 24, h)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        d = (hours // 24) % 365
        return "%dy" % (hours // 24 // 365) if d == 0 else "%dy%dd" % (hours // 24 // 365, d)
    return "%dy" % (hours // 24 // 365)


def age(obj, now=None):
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    try:
        then = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return "<unknown>"
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return human_duration((now - then).total_seconds())


def _name(obj):
    return (obj.get("metadata") or {}).get("name", "")


# ---- Service ----

def _lb_string(status, wide):
    ingress = ((status or {}).get("loadBalancer") or {}).get("ingress") or []
    parts = [i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")]
    text = ",".join(parts)
    if not wide and len(text) > 16:
        text = text[:13] + "..."
    return text


def _external_ip(svc, wide=False):
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    ext = spec.get("externalIPs") or []
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(ext) if ext else "<none>"
    if stype == "LoadBalancer":
        lb = _lb_string(svc.get("status"), wide)
        if ext:
            return ",".join((lb.split(",") if lb else []) + ext)
        return lb or "<pending>"
    if stype == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _ports(spec):
    out = []
    for p in spec.get("ports") or []:
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            out.append("%s:%s/%s" % (p.get("port"), p["nodePort"], proto))
        else:
            out.append("%s/%s" % (p.get("port"), proto))
    return ",".join(out) if out else "<none>"


def _selector(sel):
    if not sel:
        return "<none>"
    return ",".join("%s=%s" % (k, sel[k]) for k in sorted(sel))


def _service_row(svc, now):
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    return [_name(svc), spec.get("type", ""), ips[0] if ips else "<none>", _external_ip(svc),
            _ports(spec), age(svc, now), _selector(spec.get("selector"))]


SERVICE_COLS = [
    NAME,
    _col("Type", "type determines how the Service is exposed."),
    _col("Cluster-IP", "clusterIP is the IP address of the service."),
    _col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also "
                        "accept traffic for this service."),
    _col("Port(s)", "The list of ports that are exposed by this service."),
    AGE,
    _col("Selector", "Route service traffic to pods with label keys and values matching this selector.", 1),
]


# ---- EndpointSlice / Endpoints ----

def _more(items, limit=3):
    if not items:
        return None
    text = ",".join(items[:limit])
    if len(items) > limit:
        text += " + %d more..." % (len(items) - limit)
    return text


def _slice_row(es, now):
    ports = [str(p.get("port")) for p in es.get("ports") or [] if p.get("port") is not None]
    addrs = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_name(es), es.get("addressType", ""), ",".join(ports) if ports else "<unset>",
            _more(addrs) or "<unset>", age(es, now)]


SLICE_COLS = [
    NAME,
    _col("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
    _col("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
    _col("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    AGE,
]


def _endpoints_row(ep, now):
    pairs = []
    for s in ep.get("subsets") or []:
        ports = s.get("ports") or []
        for a in s.get("addresses") or []:
            if not ports:
                pairs.append(a.get("ip", ""))
            for p in ports:
                pairs.append("%s:%s" % (a.get("ip", ""), p.get("port")))
    return [_name(ep), _more(pairs) or "<none>", age(ep, now)]


ENDPOINTS_COLS = [
    NAME,
    _col("Endpoints", "Endpoints is the list of IP:port pairs of the ready endpoints."),
    AGE,
]


# ---- Node / Namespace ----

def _node_row(node, now):
    status = node.get("status") or {}
    ready = "Unknown"
    for c in status.get("conditions") or []:
        if c.get("type") == "Ready":
            ready = "Ready" if c.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        ready += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in ((node.get("metadata") or {}).get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/") and "/" in k)
    info = status.get("nodeInfo") or {}
    addrs = status.get("addresses") or []
    internal = [a.get("address") for a in addrs if a.get("type") == "InternalIP"]
    external = [a.get("address") for a in addrs if a.get("type") == "ExternalIP"]
    return [_name(node), ready, ",".join(roles) if roles else "<none>", age(node, now),
            info.get("kubeletVersion", ""), internal[0] if internal else "<none>",
            external[0] if external else "<none>", info.get("osImage", "<unknown>"),
            info.get("kernelVersion", "<unknown>"), info.get("containerRuntimeVersion", "<unknown>")]


NODE_COLS = [
    NAME,
    _col("Status", "The status of the node"),
    _col("Roles", "The roles of the node"),
    AGE,
    _col("Version", "Kubelet Version reported by the node."),
    _col("Internal-IP", "List of internal IPs for the node.", 1),
    _col("External-IP", "List of external IPs for the node.", 1),
    _col("OS-Image", "OS Image reported by the node from /etc/os-release.", 1),
    _col("Kernel-Version", "Kernel Version reported by the node.", 1),
    _col("Container-Runtime", "Container Runtime Version reported by the node.", 1),
]


def _namespace_row(ns, now):
    return [_name(ns), (ns.get("status") or {}).get("phase", ""), age(ns, now)]


NAMESPACE_COLS = [NAME, _col("Status", "The status of the namespace"), AGE]

PRINTERS = {
    "Service": (SERVICE_COLS, _service_row),
    "EndpointSlice": (SLICE_COLS, _slice_row),
    "Endpoints": (ENDPOINTS_COLS, _endpoints_row),
    "Node": (NODE_COLS, _node_row),
    "Namespace": (NAMESPACE_COLS, _namespace_row),
}


def _generic_row(obj, now):
    return [_name(obj), age(obj, now)]


def _row_object(obj, rtype, include):
    if include == "None":
        return None
    if include == "Object":
        full = dict(obj)
        full.setdefault("kind", rtype.kind)
        full.setdefault("apiVersion", rtype.api_version)
        return full
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {}}


def table(rtype, objs, list_meta, include="Metadata", columns=True):
    """A Table of `objs` (full stored objects) for `rtype`."""
    cols, row = PRINTERS.get(rtype.kind, ([NAME, AGE], _generic_row))
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for obj in objs:
        r = {"cells": row(obj, now)}
        ro = _row_object(obj, rtype, include)
        if ro is not None:
            r["object"] = ro
        rows.append(r)
    out = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta}
    out["columnDefinitions"] = cols if columns else None
    out["rows"] = rows
    return out


def wants_table(accept):
    """True when an Accept header asks for meta.k8s.io Table (first, before plain JSON)."""
    for part in (accept or "").split(","):
        params = {}
        for p in part.split(";")[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip()] = v.strip()
        if params.get("as") == "Table" and params.get("g", "meta.k8s.io") == "meta.k8s.io":
            return True
        media = part.split(";")[0].strip()
        if media in ("application/json", "*/*", "application/*") and "as" not in params:
            return False
    return False
