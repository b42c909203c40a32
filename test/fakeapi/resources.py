"""The resource types the fake serves, and their server-side defaults.

A ResourceType names a collection (plural, group, version, kind), says
whether it is namespaced, which field selectors it registered, what an empty
(BOOKMARK) object of it looks like, and how the server defaults and validates
a new or updated object (`prepare`). Service defaulting follows the apiserver:
cluster IPs from 10.96.0.0/16 and fd00:10:96::/112, node ports from
30000-32767, IP families and policy, and the per-type fields.
"""

import ipaddress
import json
import re

import versions
from errors import invalid

V4_CIDR = ipaddress.ip_network("10.96.0.0/16")
V6_CIDR = ipaddress.ip_network("fd00:10:96::/112")
NODE_PORT_MIN, NODE_PORT_MAX = 30000, 32767
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")


def _meta(name):
    return lambda o: (o.get("metadata") or {}).get(name)


def _path(*keys):
    def get(o):
        for k in keys:
            if not isinstance(o, dict):
                return None
            o = o.get(k)
        return o
    return get


class ResourceType:
    def __init__(self, plural, singular, kind, group, version, namespaced,
                 short_names=(), categories=(), fields=None, bookmark=None,
                 status_subresource=False, create_on_update=False, warning=None):
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.group = group
        self.version = version
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.categories = list(categories)
        self.fields = {"metadata.name": _meta("name")}
        if namespaced:
            self.fields["metadata.namespace"] = _meta("namespace")
        self.fields.update(fields or {})
        self.bookmark_body = bookmark or {}
        self.status_subresource = status_subresource
        self.create_on_update = create_on_update
        self.warning = warning
        self.prepare = None  # set below: fn(obj, old, store) -> None, may raise ApiError

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def qualified(self):
        """How messages name the resource: `services`, `endpointslices.discovery.k8s.io`."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    @property
    def list_kind(self):
        return self.kind + "List"

    def bookmark(self, rv, annotations=None):
        meta = {"resourceVersion": str(rv), "creationTimestamp": None}
        if annotations:
            meta["annotations"] = dict(annotations)
        obj = {"kind": self.kind, "apiVersion": self.api_version, "metadata": meta}
        obj.update(self.bookmark_body)
        return obj


ENDPOINTS_WARNING = '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'

TYPES = [
    ResourceType("services", "service", "Service", "", "v1", True, ["svc"], ["all"],
                 fields={"spec.clusterIP": _path("spec", "clusterIP"), "spec.type": _path("spec", "type")},
                 bookmark={"spec": {}, "status": {"loadBalancer": {}}}, status_subresource=True),
    ResourceType("endpoints", "endpoints", "Endpoints", "", "v1", True, ["ep"],
                 create_on_update=True, warning=ENDPOINTS_WARNING),
    ResourceType("nodes", "node", "Node", "", "v1", False, ["no"],
                 fields={"spec.unschedulable": lambda o: str(bool(_path("spec", "unschedulable")(o))).lower()},
                 bookmark={"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
                                                  "nodeInfo": {}}},
                 status_subresource=True),
    ResourceType("namespaces", "namespace", "Namespace", "", "v1", False, ["ns"],
                 fields={"status.phase": _path("status", "phase")},
                 bookmark={"spec": {}, "status": {}}, status_subresource=True),
    ResourceType("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1", True,
                 fields={"addressType": _path("addressType")},
                 bookmark={"addressType": "", "endpoints": None, "ports": None}),
    ResourceType("events", "event", "Event", "events.k8s.io", "v1", True, ["ev"],
                 bookmark={"eventTime": None}, create_on_update=True),
    # What kipvs's own manifests create (manifests/kubernetes): stored as
    # sent, so that `kubectl apply` (client or server dry run) can map and
    # look them up. No controller acts on them.
    ResourceType("configmaps", "configmap", "ConfigMap", "", "v1", True, ["cm"]),
    ResourceType("serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", True, ["sa"]),
    ResourceType("daemonsets", "daemonset", "DaemonSet", "apps", "v1", True, ["ds"], ["all"],
                 bookmark={"spec": {"selector": None, "updateStrategy": {},
                                    "template": {"metadata": {"creationTimestamp": None},
                                                 "spec": {"containers": None}}},
                           "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                                      "desiredNumberScheduled": 0, "numberReady": 0}},
                 status_subresource=True),
    ResourceType("clusterroles", "clusterrole", "ClusterRole", "rbac.authorization.k8s.io", "v1", False,
                 bookmark={"rules": None}),
    ResourceType("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
                 "rbac.authorization.k8s.io", "v1", False,
                 bookmark={"roleRef": {"apiGroup": "", "kind": "", "name": ""}}),
]

BY_GROUP = {}
for _t in TYPES:
    BY_GROUP[(_t.group, _t.version, _t.plural)] = _t
BY_KIND = {(_t.api_version, _t.kind): _t for _t in TYPES}
BY_PLURAL = {_t.plural: _t for _t in TYPES}


# Listed in discovery for the versions that have them (versions.py), never served.
DISCOVERY_ONLY = [
    ResourceType("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1beta1", True),
]


def lookup(group, version, plural):
    """The type served at that path by the --version in use, or None."""
    if not versions.current.serves(group, version):
        return None
    return BY_GROUP.get((group, version, plural))


def for_object(obj, list_kind=None, list_api_version=None):
    """The type of an object from its kind/apiVersion, or from its list's."""
    kind = obj.get("kind")
    api = obj.get("apiVersion")
    if not kind and list_kind and list_kind.endswith("List"):
        kind = list_kind[:-4]
        api = api or list_api_version
    if not kind:
        return None
    if api:
        return BY_KIND.get((api, kind))
    for t in TYPES:
        if t.kind == kind:
            return t
    return None


# ---- metadata ----------------------------------------------------------------

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def validate_meta(rtype, obj):
    """Name format (DNS-1035 label for Services, DNS-1123 label for Namespaces,
    DNS-1123 subdomain otherwise) and string maps for labels and annotations."""
    meta = obj["metadata"]
    name = meta.get("name")
    errs = []
    if rtype.plural == "services":
        pattern, what, limit = _DNS1035_LABEL, "a DNS-1035 label must consist of lower case alphanumeric " \
            "characters or '-', start with an alphabetic character, and end with an alphanumeric character", 63
    elif rtype.plural == "namespaces":
        pattern, what, limit = _DNS1123_LABEL, "a lowercase RFC 1123 label must consist of lower case " \
            "alphanumeric characters or '-', and must start and end with an alphanumeric character", 63
    else:
        pattern, what, limit = _DNS1123_SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case " \
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", 253
    if not isinstance(name, str) or not pattern.match(name) or len(name) > limit:
        errs.append(("metadata.name", "FieldValueInvalid", "Invalid value: %s: %s" % (json.dumps(name), what)))
    for field in ("labels", "annotations"):
        val = meta.get(field)
        if val is not None and (not isinstance(val, dict) or
                                not all(isinstance(k, str) and isinstance(v, str) for k, v in val.items())):
            errs.append(("metadata." + field, "FieldValueInvalid", "Invalid value: must be a map of strings"))
    if errs:
        raise invalid(rtype, name if isinstance(name, str) else "", errs)


# ---- Services -------------------------------------------------------------

def _family(ip):
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return None


class _Allocator:
    """Finds free cluster IPs and node ports. `used` is the store's running
    count of the addresses and ports all Services hold (Store.svc_used), so a
    lookup costs nothing per existing Service; `hint` remembers where the last
    search ended."""

    def __init__(self, used, hint):
        self.used = used
        self.hint = hint
        self.ips = _UsedView(used, "ip")
        self.ports = _UsedView(used, "port")

    def ip(self, family):
        net = V6_CIDR if family == "IPv6" else V4_CIDR
        # Start above the low addresses fixtures and clusters hand out by hand.
        low = 100 if family == "IPv4" else 0x100
        size = net.num_addresses - 2
        start = self.hint.get(family, low)
        for i in range(size):
            off = 1 + (start - 1 + i) % size
            cand = str(net.network_address + off)
            if cand not in self.ips:
                self.ips.add(cand)
                self.hint[family] = off + 1
                return cand
        return None

    def port(self):
        span = NODE_PORT_MAX - NODE_PORT_MIN + 1
        start = self.hint.get("port", NODE_PORT_MIN)
        for i in range(span):
            p = NODE_PORT_MIN + (start - NODE_PORT_MIN + i) % span
            if p not in self.ports:
                self.ports.add(p)
                self.hint["port"] = p + 1
                return p
        return None


class _UsedView:
    """A set view over the store's counters plus what this request added."""

    def __init__(self, used, kind):
        self.used = used
        self.kind = kind
        self.added = set()

    def __contains__(self, value):
        return self.used.get((self.kind, value), 0) > 0 or value in self.added

    def add(self, value):
        self.added.add(value)


def service_holds(svc):
    """The (kind, value) pairs a stored Service holds: cluster IPs and node ports."""
    spec = (svc or {}).get("spec") or {}
    out = [("ip", ip) for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
           if ip != "None"]
    out += [("port", p["nodePort"]) for p in spec.get("ports") or [] if isinstance(p, dict) and p.get("nodePort")]
    if spec.get("healthCheckNodePort"):
        out.append(("port", spec["healthCheckNodePort"]))
    return out


def _prepare_service(obj, old, store):
    name = obj["metadata"].get("name", "")
    rtype = BY_PLURAL["services"]
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        raise invalid(rtype, name, [("spec", "FieldValueInvalid", "Invalid value: must be an object")])
    ospec = (old or {}).get("spec") or {}
    errs = []
    stype = spec.setdefault("type", "ClusterIP")
    if stype not in SERVICE_TYPES:
        raise invalid(rtype, name, [("spec.type", "FieldValueNotSupported",
                                     'Unsupported value: "%s": supported values: "%s"'
                                     % (stype, '", "'.join(SERVICE_TYPES)))])
    ports = spec.get("ports")
    if ports is None:
        ports = []
    if not isinstance(ports, list):
        raise invalid(rtype, name, [("spec.ports", "FieldValueInvalid", "Invalid value: must be a list")])
    if not ports and stype != "ExternalName" and spec.get("clusterIP") != "None":
        errs.append(("spec.ports", "FieldValueRequired", "Required value"))
    seen = set()
    for i, p in enumerate(ports):
        if not isinstance(p, dict):
            errs.append(("spec.ports[%d]" % i, "FieldValueInvalid", "Invalid value: must be an object"))
            continue
        proto = p.setdefault("protocol", "TCP")
        port = p.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            errs.append(("spec.ports[%d].port" % i, "FieldValueInvalid",
                         "Invalid value: %s: must be between 1 and 65535, inclusive" % (port,)))
            continue
        if proto not in PROTOCOLS:
            errs.append(("spec.ports[%d].protocol" % i, "FieldValueNotSupported",
                         'Unsupported value: "%s": supported values: "SCTP", "TCP", "UDP"' % proto))
        if (port, proto) in seen:
            errs.append(("spec.ports[%d]" % i, "FieldValueDuplicate",
                         'Duplicate value: {"protocol":"%s","port":%d}' % (proto, port)))
        seen.add((port, proto))
        p.setdefault("targetPort", port)
        if len(ports) > 1 and not p.get("name"):
            errs.append(("spec.ports[%d].name" % i, "FieldValueRequired", "Required value"))
    affinity = spec.setdefault("sessionAffinity", "None")
    if affinity == "ClientIP":
        cfg = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        cfg.setdefault("timeoutSeconds", 10800)
    elif affinity != "None":
        errs.append(("spec.sessionAffinity", "FieldValueNotSupported",
                     'Unsupported value: "%s": supported values: "ClientIP", "None"' % affinity))
    if errs:
        raise invalid(rtype, name, errs)

    alloc = _Allocator(store.svc_used, store.alloc_hint)
    if stype == "ExternalName":
        for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
            spec.pop(k, None)
        if not spec.get("externalName"):
            raise invalid(rtype, name, [("spec.externalName", "FieldValueRequired", "Required value")])
    else:
        if ospec.get("type") != "ExternalName":
            for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if k not in spec and k in ospec:
                    spec[k] = ospec[k]
        _cluster_ips(rtype, name, spec, ospec, alloc)
        spec.setdefault("internalTrafficPolicy", "Cluster")
    _node_ports(rtype, name, spec, ospec, alloc)
    status = obj.get("status") if old is None else (old.get("status") or {})
    obj["status"] = {"loadBalancer": {}} if old is None else status
    obj["status"].setdefault("loadBalancer", {})


def _cluster_ips(rtype, name, spec, ospec, alloc):
    ips = spec.get("clusterIPs") or []
    if not isinstance(ips, list) or not all(isinstance(ip, str) for ip in ips):
        raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                     "Invalid value: %s: must be a list of IP addresses" % json.dumps(ips))])
    ips = list(ips)
    if spec.get("clusterIP"):
        if not ips:
            ips = [spec["clusterIP"]]
        elif ips[0] != spec["clusterIP"]:
            raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                         "Invalid value: %s: first value must match `clusterIP`" % ips)])
    old_ips = ospec.get("clusterIPs") or []
    if old_ips and ospec.get("type") != "ExternalName" and ips and ips[:len(old_ips)] != old_ips[:len(ips)]:
        raise invalid(rtype, name, [("spec.clusterIPs[0]", "FieldValueInvalid",
                                     "Invalid value: %s: may not change once set" % ips[0])])
    families = spec.get("ipFamilies") or []
    if not isinstance(families, list) or any(f not in ("IPv4", "IPv6") for f in families):
        raise invalid(rtype, name, [("spec.ipFamilies", "FieldValueNotSupported",
                                     'Unsupported value: %s: supported values: "IPv4", "IPv6"' % json.dumps(families))])
    families = list(families)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in POLICIES:
        raise invalid(rtype, name, [("spec.ipFamilyPolicy", "FieldValueNotSupported",
                                     'Unsupported value: "%s"' % policy)])
    if ips == ["None"]:
        spec["clusterIP"], spec["clusterIPs"] = "None", ["None"]
        if not families:
            families = ["IPv4", "IPv6"] if policy in ("PreferDualStack", "RequireDualStack") or (
                policy is None and not spec.get("selector")) else ["IPv4"]
        if policy is None:
            policy = "RequireDualStack" if len(families) > 1 else "SingleStack"
        spec["ipFamilies"], spec["ipFamilyPolicy"] = families, policy
        return
    for ip in ips:
        if _family(ip) is None:
            raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                         'Invalid value: "%s": must be a valid IP address' % ip)])
    if not families:
        families = [_family(ip) for ip in ips]
    if len(families) > 2 or len(set(families)) != len(families):
        raise invalid(rtype, name, [("spec.ipFamilies", "FieldValueInvalid",
                                     "Invalid value: %s: must be one or two distinct IP families" % families)])
    if policy is None:
        policy = "SingleStack" if len(families) <= 1 else "RequireDualStack"
    if policy == "SingleStack" and len(families) > 1:
        raise invalid(rtype, name, [("spec.ipFamilyPolicy", "FieldValueInvalid",
                                     'Invalid value: "SingleStack": must be RequireDualStack or '
                                     "PreferDualStack when multiple IP families are specified")])
    if not families:
        families = ["IPv4"]
    if policy in ("PreferDualStack", "RequireDualStack") and len(families) == 1:
        families.append("IPv6" if families[0] == "IPv4" else "IPv4")
    for i, ip in enumerate(ips):
        if i >= len(families) or _family(ip) != families[i]:
            raise invalid(rtype, name, [("spec.clusterIPs[%d]" % i, "FieldValueInvalid",
                                         'Invalid value: "%s": expected an %s address' %
                                         (ip, families[i] if i < len(families) else "")) ])
        net = V6_CIDR if families[i] == "IPv6" else V4_CIDR
        if ip not in old_ips:
            if ipaddress.ip_address(ip) not in net:
                raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                             'Invalid value: "%s": failed to allocate IP %s: the provided IP (%s) '
                                             "is not in the valid range. The range of valid IPs is %s"
                                             % (ip, ip, ip, net))])
            if ip in alloc.ips:
                raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                             'Invalid value: "%s": failed to allocate IP %s: provided IP is '
                                             "already allocated" % (ip, ip))])
            alloc.ips.add(ip)
    for fam in families[len(ips):]:
        ip = alloc.ip(fam)
        if ip is None:
            raise invalid(rtype, name, [("spec.clusterIPs", "FieldValueInvalid",
                                         "Invalid value: failed to allocate a serviceIP: range is full")])
        ips.append(ip)
    spec["clusterIPs"], spec["clusterIP"] = ips, ips[0]
    spec["ipFamilies"], spec["ipFamilyPolicy"] = families, policy


def _node_ports(rtype, name, spec, ospec, alloc):
    stype = spec["type"]
    ports = spec.get("ports") or []
    needs = stype in ("NodePort", "LoadBalancer")
    if stype == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
        if spec["allocateLoadBalancerNodePorts"] is False:
            needs = False
    else:
        for k in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if k in spec and (ospec.get("type") == "LoadBalancer" or spec[k] is None):
                spec.pop(k)
    if stype in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    elif spec.get("externalTrafficPolicy") and ospec.get("type") in ("NodePort", "LoadBalancer") \
            and spec["externalTrafficPolicy"] == ospec.get("externalTrafficPolicy") and not spec.get("externalIPs"):
        spec.pop("externalTrafficPolicy")
    old_np = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
              for p in ospec.get("ports") or [] if p.get("nodePort")}
    if not needs:
        if stype in ("ClusterIP", "ExternalName"):
            for p in ports:
                if p.get("nodePort") and p.get("nodePort") == old_np.get((p.get("port"), p.get("protocol"))):
                    p.pop("nodePort")
        # allocateLoadBalancerNodePorts=false keeps node ports the user asked for.
    for i, p in enumerate(ports):
        np = p.get("nodePort")
        if np is not None and (not isinstance(np, int) or isinstance(np, bool)):
            raise invalid(rtype, name, [("spec.ports[%d].nodePort" % i, "FieldValueInvalid",
                                         "Invalid value: %s: must be an integer" % json.dumps(np))])
        if np:
            if not needs and stype in ("ClusterIP", "ExternalName"):
                raise invalid(rtype, name, [("spec.ports[%d].nodePort" % i, "FieldValueForbidden",
                                             "Forbidden: may not be used when `type` is '%s'" % stype)])
            if np in old_np.values():
                continue
            if not NODE_PORT_MIN <= np <= NODE_PORT_MAX:
                raise invalid(rtype, name, [("spec.ports[%d].nodePort" % i, "FieldValueInvalid",
                                             "Invalid value: %d: provided port is not in the valid range. "
                                             "The range of valid ports is %d-%d" % (np, NODE_PORT_MIN, NODE_PORT_MAX))])
            if np in alloc.ports:
                raise invalid(rtype, name, [("spec.ports[%d].nodePort" % i, "FieldValueInvalid",
                                             "Invalid value: %d: provided port is already allocated" % np)])
            alloc.ports.add(np)
        elif needs:
            reuse = old_np.get((p.get("port"), p.get("protocol")))
            p["nodePort"] = reuse if reuse else alloc.port()
    local_lb = stype == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"
    if local_lb:
        if not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = ospec.get("healthCheckNodePort") or alloc.port()
    else:
        spec.pop("healthCheckNodePort", None)


# ---- other types ----------------------------------------------------------

def _prepare_endpointslice(obj, old, store):
    name = obj["metadata"].get("name", "")
    rtype = BY_PLURAL["endpointslices"]
    at = obj.get("addressType")
    if at not in ("IPv4", "IPv6", "FQDN"):
        raise invalid(rtype, name, [("addressType", "FieldValueNotSupported" if at else "FieldValueRequired",
                                     'Unsupported value: "%s": supported values: "FQDN", "IPv4", "IPv6"' % (at or ""))])
    if old is not None and old.get("addressType") != at:
        raise invalid(rtype, name, [("addressType", "FieldValueInvalid",
                                     'Invalid value: "%s": field is immutable' % at)])
    errs = []
    ports, eps = obj.get("ports"), obj.get("endpoints")
    if ports is not None and not isinstance(ports, list):
        errs.append(("ports", "FieldValueInvalid", "Invalid value: must be a list"))
    for i, p in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(p, dict):
            errs.append(("ports[%d]" % i, "FieldValueInvalid", "Invalid value: must be an object"))
            continue
        p.setdefault("name", "")
        p.setdefault("protocol", "TCP")
        port = p.get("port")
        if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535):
            errs.append(("ports[%d].port" % i, "FieldValueInvalid",
                         "Invalid value: %s: must be between 0 and 65535, inclusive" % json.dumps(port)))
    if eps is not None and not isinstance(eps, list):
        errs.append(("endpoints", "FieldValueInvalid", "Invalid value: must be a list"))
    for i, e in enumerate(eps if isinstance(eps, list) else []):
        addrs = e.get("addresses") if isinstance(e, dict) else None
        if not isinstance(addrs, list) or not 1 <= len(addrs) <= 100 or not all(isinstance(a, str) for a in addrs):
            errs.append(("endpoints[%d].addresses" % i, "FieldValueInvalid",
                         "Invalid value: must have between 1 and 100 addresses"))
    if errs:
        raise invalid(rtype, name, errs)
    obj.setdefault("endpoints", None)
    obj.setdefault("ports", None)
    if old is None:
        obj["metadata"].setdefault("generation", 1)
    else:
        gen = old["metadata"].get("generation", 1)
        changed = any(obj.get(k) != old.get(k) for k in ("endpoints", "ports", "addressType"))
        obj["metadata"]["generation"] = gen + 1 if changed else gen


def _prepare_endpoints(obj, old, store):
    for s in obj.get("subsets") or []:
        for p in s.get("ports") or []:
            p.setdefault("protocol", "TCP")


def _prepare_namespace(obj, old, store):
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["status"] = (old or {}).get("status") or obj.get("status") or {}
    obj["status"].setdefault("phase", "Active")
    labels = obj["metadata"].setdefault("labels", {})
    labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]


def _prepare_node(obj, old, store):
    if old is not None:
        obj["status"] = old.get("status") or {}


def _prepare_nothing(obj, old, store):
    pass


BY_PLURAL["services"].prepare = _prepare_service
BY_PLURAL["endpointslices"].prepare = _prepare_endpointslice
BY_PLURAL["endpoints"].prepare = _prepare_endpoints
BY_PLURAL["namespaces"].prepare = _prepare_namespace
BY_PLURAL["nodes"].prepare = _prepare_node
BY_PLURAL["events"].prepare = _prepare_nothing
for _plural in ("configmaps", "serviceaccounts", "daemonsets", "clusterroles", "clusterrolebindings"):
    BY_PLURAL[_plural].prepare = _prepare_nothing
