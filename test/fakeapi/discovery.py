"""Discovery documents built from the resource registry.

/version (minor 32, so the gcloud kubectl dispatcher runs kubectl 1.32),
legacy /api and /apis (APIVersions, APIGroupList), one APIResourceList per
group-version, and a minimal /openapi/v3: each document declares only the
PATCH operations with `fieldValidation`, which is what makes kubectl 1.32
validate server-side instead of downloading schemas.
"""

import resources
import versions

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def version():
    return versions.current.version_doc()


def group_versions():
    """[(group, version)] in a stable order, core first: those the served
    version has (discovery-only ones like discovery.k8s.io/v1beta1 last)."""
    seen = []
    for t in resources.TYPES:
        gv = (t.group, t.version)
        if gv not in seen and versions.current.serves(*gv):
            seen.append(gv)
    return seen + versions.current.extra_group_versions()


def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(name):
    versions = [{"groupVersion": "%s/%s" % (g, v), "version": v} for g, v in group_versions() if g == name]
    return {"name": name, "versions": versions, "preferredVersion": versions[0]}


def api_group_list():
    names = []
    for g, _ in group_versions():
        if g and g not in names:
            names.append(g)
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(n) for n in names]}


def api_group(name):
    if not any(g == name for g, _ in group_versions()):
        return None
    doc = _group(name)
    doc.update({"kind": "APIGroup", "apiVersion": "v1"})
    return doc


def resource_list(group, version):
    if (group, version) not in group_versions():
        return None
    out = []
    for t in resources.TYPES + resources.DISCOVERY_ONLY:
        if (t.group, t.version) != (group, version):
            continue
        entry = {"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
                 "kind": t.kind, "verbs": VERBS}
        if t.short_names:
            entry["shortNames"] = t.short_names
        if t.categories:
            entry["categories"] = t.categories
        out.append(entry)
        if t.status_subresource:
            out.append({"name": t.plural + "/status", "singularName": "", "namespaced": t.namespaced,
                        "kind": t.kind, "verbs": ["get", "patch", "update"]})
    doc = {"kind": "APIResourceList", "groupVersion": "%s/%s" % (group, version) if group else version,
           "resources": out}
    if group:
        doc["apiVersion"] = "v1"
    return doc


def _openapi_key(group, version):
    return "apis/%s/%s" % (group, version) if group else "api/%s" % version


def openapi_index():
    return {"paths": {_openapi_key(g, v): {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (
        _openapi_key(g, v), ("%s%s" % (g, v)).encode().hex()[:12].upper())} for g, v in group_versions()}}


def openapi_doc(key):
    """The document for `api/v1` or `apis/<group>/<version>`, or None."""
    for g, v in group_versions():
        if _openapi_key(g, v) == key:
            break
    else:
        return None
    param = {"in": "query", "schema": {"type": "string", "uniqueItems": True}}
    paths = {}
    for t in resources.TYPES:
        if (t.group, t.version) != (g, v):
            continue
        base = "/" + key + ("/namespaces/{namespace}" if t.namespaced else "")
        paths["%s/%s/{name}" % (base, t.plural)] = {"patch": {
            "x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": t.kind},
            "x-kubernetes-action": "patch",
            "parameters": [dict(param, name="fieldValidation"), dict(param, name="fieldManager"),
                           dict(param, name="dryRun")],
            "responses": {"200": {"description": "OK"}}}}
        paths["%s/%s" % (base, t.plural)] = {"post": {
            "x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": t.kind},
            "x-kubernetes-action": "post",
            "parameters": [dict(param, name="fieldValidation"), dict(param, name="fieldManager"),
                           dict(param, name="dryRun")],
            "responses": {"201": {"description": "Created"}}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": version()["gitVersion"]},
            "paths": paths, "components": {"schemas": {}}}
