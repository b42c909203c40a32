"""Collection and object operations: list, get, create, update, patch, delete.

Each function takes the App, the ResourceType and the request's namespace,
name and query, and returns (HTTP code, body object) or raises ApiError.
Writes happen under the store lock, so a read-modify-write is atomic.
"""

import copy
import json
import random
import string
import threading
import time
import uuid

import patch as patchlib
import resources
import versions
from errors import (ApiError, already_exists, bad_request, conflict, invalid, list_options_invalid,
                    not_found)
from kselectors import SelectorError, fields_match, labels_match, parse_fields, parse_labels
from store import Expired

STATUS_410_CONTINUE = ("The provided continue parameter is too old to display a consistent list result. "
                       "You can start a new list without the continue parameter.")


def now_stamp():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def strip_kind(obj):
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def too_large(rv, current):
    return ApiError(504, "Timeout", "Timeout: Too large resource version: %d, current: %d" % (rv, current),
                    {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                     "retryAfterSeconds": 1})


def parse_rv(text):
    try:
        rv = int(text)
        if rv < 0:
            raise ValueError()
        return rv
    except ValueError:
        raise bad_request('invalid resource version "%s"' % text)


def selectors(rtype, q):
    allowed, unknown = rtype.fields, None
    if rtype.kind == "Service" and not versions.current.service_field_selectors():
        # before 1.31 a Service knows only the metadata selectors
        allowed = {k: v for k, v in rtype.fields.items() if k.startswith("metadata.")}
        unknown = lambda f: versions.current.unknown_field_selector(f, allowed)  # noqa: E731
    try:
        return parse_labels(q.get("labelSelector")), parse_fields(q.get("fieldSelector"), allowed, unknown)
    except SelectorError as e:
        raise bad_request(str(e))


def matcher(rtype, ns, q):
    labels, fields = selectors(rtype, q)

    def match(obj):
        meta = obj.get("metadata") or {}
        if ns is not None and meta.get("namespace") != ns:
            return False
        return labels_match(labels, meta.get("labels")) and fields_match(fields, rtype.fields, obj)
    return match


# ---- LIST -------------------------------------------------------------------

def list_objects(app, rtype, ns, q):
    """Returns (items, list metadata) following the apiserver's list rules:
    resourceVersion (+ resourceVersionMatch) picks the snapshot, limit and
    continue page through it."""
    store = app.store
    rv_text, match_mode, cont = q.get("resourceVersion"), q.get("resourceVersionMatch"), q.get("continue")
    if "sendInitialEvents" in q:
        raise list_options_invalid("sendInitialEvents", "Forbidden: sendInitialEvents is forbidden for list")
    if match_mode and not rv_text:
        raise list_options_invalid("resourceVersionMatch",
                                   "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
    if match_mode and cont:
        raise list_options_invalid("resourceVersionMatch",
                                   "Forbidden: resourceVersionMatch is forbidden when continue is provided")
    if match_mode not in (None, "", "Exact", "NotOlderThan"):
        raise list_options_invalid("resourceVersionMatch",
                                   'Unsupported value: "%s": supported values: "Exact", "NotOlderThan", ""'
                                   % match_mode, "FieldValueNotSupported")
    if match_mode == "Exact" and rv_text == "0":
        raise list_options_invalid("resourceVersionMatch",
                                   'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
    if cont and rv_text not in (None, "", "0"):
        raise bad_request("specifying resource version is not allowed when using continue")
    try:
        limit = int(q.get("limit") or 0)
    except ValueError:
        raise bad_request('invalid limit "%s"' % q.get("limit"))
    limit = max(limit, 0)
    match = matcher(rtype, ns, q)
    start = None
    want = None
    if not cont and rv_text not in (None, "", "0"):
        want = parse_rv(rv_text)
        if want > store.rv and not store.wait_for_rv(want, app.config["too_large_wait"]):
            raise too_large(want, store.rv)
    with store.cond:
        if cont:
            try:
                snap_rv, start = store.parse_continue(cont)
            except ValueError as e:
                raise bad_request("continue key is not valid: %s" % e)
            except Expired:
                raise ApiError(410, "Expired", STATUS_410_CONTINUE)
            state = store.snapshot(rtype.plural, snap_rv)
        elif want is None:
            if rv_text == "0" and app.config["rv0_ignores_limit"]:
                limit = 0
            snap_rv, state = store.rv, dict(store.items(rtype.plural))
        elif match_mode == "Exact" or (not match_mode and limit > 0):
            if want < store.floor:
                raise ApiError(410, "Expired", "The resourceVersion for the provided list is too old.")
            snap_rv, state = want, store.snapshot(rtype.plural, want)
        else:
            snap_rv, state = store.rv, dict(store.items(rtype.plural))
    keys = sorted(k for k, obj in state.items() if (start is None or k > start) and match(obj))
    meta = {"resourceVersion": str(snap_rv)}
    if limit and len(keys) > limit:
        meta["continue"] = store.make_continue(snap_rv, keys[limit - 1])
        meta["remainingItemCount"] = len(keys) - limit
        keys = keys[:limit]
    return [state[k] for k in keys], meta


# ---- GET --------------------------------------------------------------------

def get_object(app, rtype, ns, name):
    obj = app.store.get(rtype.plural, (ns or "", name))
    if obj is None:
        raise not_found(rtype, name)
    return obj


# ---- writes -----------------------------------------------------------------

def _normalize(rtype, obj, ns, name):
    """A fresh stored-object dict: kind and apiVersion first, then metadata."""
    out = {"kind": rtype.kind, "apiVersion": rtype.api_version}
    meta = dict(obj.get("metadata") or {})
    meta["name"] = name
    if rtype.namespaced:
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    out["metadata"] = meta
    for k, v in obj.items():
        if k not in ("kind", "apiVersion", "metadata"):
            out[k] = v
    return out


def _check_kind(rtype, body):
    if not isinstance(body, dict):
        raise bad_request("the body of the request was in an unknown format - accepted media types include: "
                          "application/json")
    kind, api = body.get("kind"), body.get("apiVersion")
    if (kind and kind != rtype.kind) or (api and api != rtype.api_version):
        raise bad_request("the API version in the data (%s) does not match the expected API version (%s)"
                          % (api, rtype.api_version) if api and api != rtype.api_version else
                          "%s in version \"%s\" cannot be handled as a %s: the object kind does not match"
                          % (kind, rtype.version, rtype.kind))


def ensure_namespace(app, ns, dry=False):
    if not ns or app.store.get("namespaces", ("", ns)) is not None or dry:
        return
    nst = resources.BY_PLURAL["namespaces"]
    obj = _normalize(nst, {"metadata": {"uid": str(uuid.uuid4()), "creationTimestamp": now_stamp()}}, "", ns)
    nst.prepare(obj, None, app.store)
    app.store.write("namespaces", ("", ns), obj)


def create(app, rtype, ns, body, q):
    _check_kind(rtype, body)
    meta = body.get("metadata") or {}
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if rtype.namespaced:
        if meta.get("namespace") and meta["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on "
                              "the request")
    name = meta.get("name") or ""
    if not name and meta.get("generateName"):
        name = meta["generateName"] + "".join(random.choice(string.ascii_lowercase + string.digits)
                                              for _ in range(5))
    if not name:
        raise invalid(rtype, "", [("metadata.name", "FieldValueRequired",
                                   "Required value: name or generateName is required")])
    obj = _normalize(rtype, copy.deepcopy(body), ns or "", name)
    resources.validate_meta(rtype, obj)
    obj["metadata"].update({"uid": str(uuid.uuid4()), "creationTimestamp": now_stamp()})
    obj["metadata"].pop("resourceVersion", None)
    obj["metadata"].pop("deletionTimestamp", None)
    obj["metadata"].pop("generation", None)
    dry = "dryRun" in q
    key = (ns or "", name)
    with app.store.cond:
        if app.store.get(rtype.plural, key) is not None:
            raise already_exists(rtype, name)
        nsobj = app.store.get("namespaces", ("", ns)) if ns else None
        if nsobj is not None and nsobj["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden", "%s \"%s\" is forbidden: unable to create new content in namespace "
                           "%s because it is being terminated" % (rtype.qualified, name, ns),
                           {"name": name, "kind": rtype.plural,
                            "causes": [{"reason": "NamespaceTerminating", "message": "namespace %s is being "
                                        "terminated" % ns, "field": "metadata.namespace"}]})
        rtype.prepare(obj, None, app.store)
        versions.current.strip(rtype.kind, obj)
        if dry:
            obj["metadata"]["resourceVersion"] = ""
            return 201, obj
        ensure_namespace(app, ns)
        return 201, app.store.write(rtype.plural, key, obj)


def _comparable(obj):
    o = copy.deepcopy(obj)
    o.get("metadata", {}).pop("resourceVersion", None)
    return o


def _commit_update(app, rtype, ns, name, new, old, sub, q):
    """Checks and stores `new` as the successor of `old`."""
    key = (ns or "", name)
    meta = new.get("metadata") or {}
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if meta.get("name") not in (None, "", name):
        raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                          % (meta.get("name"), name))
    if rtype.namespaced and meta.get("namespace") not in (None, "", ns):
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    if meta.get("resourceVersion") and meta["resourceVersion"] != old["metadata"]["resourceVersion"]:
        raise conflict(rtype, name)
    if meta.get("uid") and meta["uid"] != old["metadata"].get("uid"):
        raise ApiError(409, "Conflict", "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                       % (meta["uid"], old["metadata"].get("uid")), {"name": name, "kind": rtype.plural})
    new = _normalize(rtype, new, ns or "", name)
    for k in ("uid", "creationTimestamp", "generation", "deletionTimestamp"):
        if k in old["metadata"]:
            new["metadata"][k] = old["metadata"][k]
    resources.validate_meta(rtype, new)
    if sub == "status":
        status = new.get("status")
        new = copy.deepcopy(old)
        new["status"] = status if status is not None else {}
    else:
        rtype.prepare(new, old, app.store)
    versions.current.strip(rtype.kind, new)
    new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
    if _comparable(new) == _comparable(old):
        return 200, old
    if "dryRun" in q:
        return 200, new
    return 200, app.store.write(rtype.plural, key, new)


def update(app, rtype, ns, name, body, q, sub=None):
    _check_kind(rtype, body)
    key = (ns or "", name)
    with app.store.cond:
        old = app.store.get(rtype.plural, key)
        if old is None:
            if rtype.create_on_update and sub is None:
                return create(app, rtype, ns, body, q)
            raise not_found(rtype, name)
        return _commit_update(app, rtype, ns, name, copy.deepcopy(body), old, sub, q)


PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")


def patch(app, rtype, ns, name, body_bytes, content_type, q, sub=None):
    ctype = (content_type or "").split(";")[0].strip()
    if ctype not in PATCH_TYPES:
        raise ApiError(415, "UnsupportedMediaType",
                       "the body of the request was in an unknown format - accepted media types include: "
                       + ", ".join(PATCH_TYPES))
    if ctype == "application/apply-patch+yaml":
        raise ApiError(415, "UnsupportedMediaType",
                       "server-side apply (application/apply-patch+yaml) is not implemented by the fake "
                       "apiserver; use client-side kubectl apply")
    try:
        body = json.loads(body_bytes or b"null")
    except ValueError as e:
        raise bad_request("error decoding patch: %s" % e)
    with app.store.cond:
        old = app.store.get(rtype.plural, (ns or "", name))
        if old is None:
            raise not_found(rtype, name)
        try:
            if ctype == "application/strategic-merge-patch+json":
                new = patchlib.strategic_merge(rtype.kind, old, body)
            elif ctype == "application/merge-patch+json":
                new = patchlib.json_merge(old, body)
            else:
                new = patchlib.json_patch(old, body)
        except patchlib.PatchError as e:
            raise ApiError(422, "Invalid", str(e))
        if not isinstance(new, dict):
            raise bad_request("the patch turned the object into something that is not an object")
        if not (isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion")) \
                and ctype != "application/json-patch+json":
            new.setdefault("metadata", {})["resourceVersion"] = old["metadata"]["resourceVersion"]
        new.setdefault("kind", rtype.kind)
        new.setdefault("apiVersion", rtype.api_version)
        return _commit_update(app, rtype, ns, name, new, old, sub, q)


def _delete_status(rtype, obj):
    details = {"name": obj["metadata"]["name"], "kind": rtype.plural, "uid": obj["metadata"].get("uid")}
    if rtype.group:
        details["group"] = rtype.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def delete(app, rtype, ns, name, body, q):
    opts = body if isinstance(body, dict) else {}
    pre = opts.get("preconditions") or {}
    dry = "dryRun" in q or bool(opts.get("dryRun"))
    key = (ns or "", name)
    with app.store.cond:
        old = app.store.get(rtype.plural, key)
        if old is None:
            raise not_found(rtype, name)
        if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
            raise ApiError(409, "Conflict", "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                           % (pre["uid"], old["metadata"].get("uid")), {"name": name, "kind": rtype.plural})
        if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
            raise conflict(rtype, name)
        if dry:
            return 200, _delete_status(rtype, old)
        if rtype.plural == "namespaces":
            return 200, _terminate_namespace(app, name, old)
        app.store.write(rtype.plural, key, None)
        return 200, _delete_status(rtype, old)


def _terminate_namespace(app, name, old):
    """Like the apiserver: the namespace turns Terminating at once; a moment
    later (the namespace controller's work) its objects and then the namespace
    itself are deleted. Returns the Terminating namespace."""
    if old["metadata"].get("deletionTimestamp"):
        return old
    new = copy.deepcopy(old)
    new["metadata"]["deletionTimestamp"] = now_stamp()
    new["status"] = dict(new.get("status") or {}, phase="Terminating")
    stored = app.store.write("namespaces", ("", name), new)
    uid = old["metadata"].get("uid")

    def finalize():
        with app.store.cond:
            cur = app.store.get("namespaces", ("", name))
            if cur is None or cur["metadata"].get("uid") != uid:
                return
            for t in resources.TYPES:
                if t.namespaced:
                    for k in sorted(k for k in app.store.items(t.plural) if k[0] == name):
                        app.store.write(t.plural, k, None)
            app.store.write("namespaces", ("", name), None)

    timer = threading.Timer(app.config["namespace_delete_delay"], finalize)
    timer.daemon = True
    timer.start()
    return stored


def delete_collection(app, rtype, ns, q):
    match = matcher(rtype, ns, q)
    deleted = []
    with app.store.cond:
        for key, obj in sorted(app.store.items(rtype.plural).items()):
            if match(obj):
                deleted.append(strip_kind(obj))
                if "dryRun" not in q:
                    app.store.write(rtype.plural, key, None)
        rv = app.store.rv
    return 200, {"kind": rtype.list_kind, "apiVersion": rtype.api_version,
                 "metadata": {"resourceVersion": str(rv)}, "items": deleted}


# ---- seeding ------------------------------------------------------------------

def seed_objects(doc):
    """The objects in a List, a typed list (ServiceList ...), a JSON array or a single object,
    each with kind/apiVersion filled in from the list when absent."""
    if isinstance(doc, list):
        return [o for d in doc for o in seed_objects(d)]
    if not isinstance(doc, dict):
        raise ValueError("not a Kubernetes object or list")
    if "items" in doc and (doc.get("kind") or "List").endswith("List"):
        out = []
        for item in doc.get("items") or []:
            item = dict(item)
            t = resources.for_object(item, doc.get("kind"), doc.get("apiVersion"))
            if t is not None:
                item.setdefault("kind", t.kind)
                item.setdefault("apiVersion", t.api_version)
            out.append(item)
        return out
    return [doc]


def seed(app, doc, raw=False):
    """Stores objects as given (uid, timestamps and status kept; defaults filled
    in; resourceVersions taken fresh). Existing objects are replaced. With
    `raw`, objects are stored exactly as sent, without defaults or validation,
    so that tests can feed a client malformed objects.
    Returns (number stored, [error strings])."""
    count, errors = 0, []
    for obj in seed_objects(doc):
        t = resources.for_object(obj)
        meta = obj.get("metadata") or {}
        if t is None:
            errors.append("unknown kind %s/%s (%s)" % (obj.get("apiVersion"), obj.get("kind"), meta.get("name")))
            continue
        name = meta.get("name")
        if not name:
            errors.append("%s without metadata.name" % t.kind)
            continue
        ns = (meta.get("namespace") or "default") if t.namespaced else ""
        new = _normalize(t, copy.deepcopy(obj), ns, name)
        new["metadata"].setdefault("uid", str(uuid.uuid4()))
        new["metadata"].setdefault("creationTimestamp", now_stamp())
        status = copy.deepcopy(obj.get("status")) if "status" in obj else None
        with app.store.cond:
            key = (ns, name)
            try:
                if not raw:
                    t.prepare(new, None, app.store)
            except ApiError as e:
                errors.append(e.message)
                continue
            if status is not None:
                new["status"] = status
            if not raw:
                versions.current.strip(t.kind, new)
            ensure_namespace(app, ns)
            app.store.write(t.plural, key, new)
        count += 1
    return count, errors
