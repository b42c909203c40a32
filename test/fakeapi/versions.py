"""What a kube-apiserver of one minor version does differently (--version 1.NN).

The fake serves one version per process (default 1.32, so that the gcloud
kubectl dispatcher runs kubectl 1.32). Only differences a service proxy can
meet are modelled:

- /version reports 1.NN.
- discovery.k8s.io/v1 (EndpointSlice) is served from 1.21; 1.17-1.24 serve
  v1beta1, which is only listed in discovery here (no objects behind it).
- Service field selectors: before 1.31 only metadata.name and
  metadata.namespace; spec.clusterIP / spec.type get the 400 BadRequest
  those servers send.
- Watch-list (sendInitialEvents): unknown before 1.27 (the parameters are
  ignored, as any unknown query parameter is); the WatchList gate is off in
  1.27-1.31 and 1.33 (422), on in 1.32 and from 1.34.
- Fields a server of that version drops (not in its types, or behind a
  feature gate that is off by default), on every write: see FIELDS.
- The deprecation warning on core/v1 Endpoints from 1.33.
"""

OLDEST = 20
NEWEST = 37
DEFAULT = 32

# (first minor that keeps the field, kind, path). A path component "[]" walks
# every element of a list; the last component is removed.
FIELDS = [
    (22, "Service", ("spec", "internalTrafficPolicy")),   # ServiceInternalTrafficPolicy beta
    (30, "Service", ("status", "loadBalancer", "ingress", "[]", "ipMode")),  # LoadBalancerIPMode beta
    (31, "Service", ("spec", "trafficDistribution")),     # ServiceTrafficDistribution beta
    (22, "EndpointSlice", ("endpoints", "[]", "conditions", "serving")),      # EndpointSliceTerminatingCondition
    (22, "EndpointSlice", ("endpoints", "[]", "conditions", "terminating")),
    (23, "EndpointSlice", ("endpoints", "[]", "hints")),  # TopologyAwareHints beta
    (34, "EndpointSlice", ("endpoints", "[]", "hints", "forNodes")),  # PreferSameTrafficDistribution beta
]


class ServerVersion:
    def __init__(self, minor=DEFAULT):
        minor = int(minor)
        if not OLDEST <= minor <= NEWEST:
            raise ValueError("version 1.%d is outside the modelled range 1.%d-1.%d" % (minor, OLDEST, NEWEST))
        self.minor = minor

    def version_doc(self):
        return {"major": "1", "minor": str(self.minor), "gitVersion": "v1.%d.0-kipvs-fake" % self.minor,
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.8", "compiler": "gc",
                "platform": "linux/amd64"}

    def serves(self, group, version):
        """Whether a group-version of the fake's registry exists at this version."""
        if group == "discovery.k8s.io" and version == "v1":
            return self.minor >= 21
        return True

    def extra_group_versions(self):
        """Group-versions only listed in discovery (no objects behind them)."""
        return [("discovery.k8s.io", "v1beta1")] if self.minor <= 24 else []

    def service_field_selectors(self):
        return self.minor >= 31

    def unknown_field_selector(self, field, allowed):
        """The 400 message of a server before 1.31 for a Service field selector."""
        return '"%s" is not a known field selector: only %s' % (
            field, ", ".join('"%s"' % a for a in sorted(allowed)))

    def knows_watchlist(self):
        return self.minor >= 27

    def watchlist_default(self):
        return self.minor == 32 or self.minor >= 34

    def endpoints_deprecated(self):
        return self.minor >= 33

    def strip(self, kind, obj):
        """Drops the fields this version does not keep (in place)."""
        for first, k, path in FIELDS:
            if k == kind and self.minor < first:
                _drop(obj, path)
        return obj


def _drop(node, path):
    if not path or node is None:
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        if isinstance(node, list):
            for item in node:
                _drop(item, rest)
        return
    if not isinstance(node, dict):
        return
    if not rest:
        node.pop(head, None)
        return
    _drop(node.get(head), rest)


current = ServerVersion()


def set_current(minor):
    global current
    current = ServerVersion(minor)
    return current


def parse(text):
    """'1.28' or '28' -> 28; ValueError otherwise."""
    t = text.strip()
    if t.startswith("v"):
        t = t[1:]
    if t.startswith("1."):
        t = t[2:]
    return int(t.split(".")[0])
