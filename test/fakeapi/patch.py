"""PATCH bodies: strategic merge, JSON merge (RFC 7386) and JSON patch (RFC 6902).

Strategic merge patch implements what `kubectl apply` (client-side) sends:
maps merge recursively, `null` deletes a key, lists with a merge key merge
element-wise by that key (`$patch: delete` removes an element,
`$setElementOrder/<list>` orders the result, `$patch: replace` replaces),
`$deleteFromPrimitiveList/<list>`, `$retainKeys`, and every other list is
replaced. The merge keys are those of the upstream Go types the fake serves.

Every function returns a new value and leaves its inputs untouched. Errors
raise PatchError (a 422/400 for the caller).
"""

import copy


class PatchError(ValueError):
    pass


# (kind, dotted path of the list) -> merge key; "" marks a merged list of
# primitives (a set, like finalizers).
MERGE_KEYS = {
    ("*", "metadata.ownerReferences"): "uid",
    ("*", "metadata.finalizers"): "",
    ("Service", "spec.ports"): "port",
    ("Service", "status.conditions"): "type",
    ("Node", "spec.taints"): "key",
    ("Node", "spec.podCIDRs"): "",
    ("Node", "status.conditions"): "type",
    ("Node", "status.addresses"): "type",
    ("Namespace", "status.conditions"): "type",
}


def _merge_key(kind, path):
    dotted = ".".join(path)
    if (kind, dotted) in MERGE_KEYS:
        return MERGE_KEYS[(kind, dotted)]
    return MERGE_KEYS.get(("*", dotted))


def _strip(value):
    """Removes patch directives from a value that is inserted as new."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()
                if not k.startswith("$") and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value
                if not (isinstance(v, dict) and v.get("$patch") in ("delete", "replace"))]
    return value


def strategic_merge(kind, original, patch):
    if not isinstance(patch, dict):
        raise PatchError("strategic merge patch must be a JSON object")
    return _merge_map(kind, copy.deepcopy(original), patch, ())


def _merge_map(kind, orig, patch, path):
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip({k: v for k, v in patch.items() if k != "$patch"})
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise PatchError("unknown patch type %r in map at %s" % (directive, ".".join(path) or "<root>"))
    result = dict(orig) if isinstance(orig, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
            continue
        cur = result.get(key)
        if isinstance(value, dict):
            merged = _merge_map(kind, cur if isinstance(cur, dict) else {}, value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(kind, cur if isinstance(cur, list) else [], value, path + (key,))
        else:
            result[key] = value
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list):
                result[name] = [v for v in result[name] if v not in (value or [])]
        elif key.startswith("$setElementOrder/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list):
                result[name] = _order(kind, result[name], value or [], path + (name,))
    if "$retainKeys" in patch:
        keep = set(patch["$retainKeys"] or [])
        result = {k: v for k, v in result.items() if k in keep}
    return result


def _merge_list(kind, orig, patch, path):
    key = _merge_key(kind, path)
    if any(isinstance(e, dict) and e.get("$patch") == "replace" for e in patch):
        return _strip([e for e in patch if not (isinstance(e, dict) and e.get("$patch") == "replace")])
    if key is None:
        return _strip(patch)
    if key == "":
        out = list(orig)
        for v in patch:
            if v not in out:
                out.append(v)
        return out
    out = list(orig)
    for elem in patch:
        if not isinstance(elem, dict):
            raise PatchError("%s: list element is not an object" % ".".join(path))
        if elem.get("$patch") == "delete":
            out = [o for o in out if not (isinstance(o, dict) and o.get(key) == elem.get(key))]
            continue
        if key not in elem:
            raise PatchError("%s: map in list does not contain the merge key %s" % (".".join(path), key))
        for i, o in enumerate(out):
            if isinstance(o, dict) and o.get(key) == elem[key]:
                out[i] = _merge_map(kind, o, elem, path)
                break
        else:
            out.append(_merge_map(kind, {}, elem, path))
    return out


def _order(kind, items, order, path):
    key = _merge_key(kind, path)

    def ident(v):
        return v.get(key) if key and isinstance(v, dict) else v

    wanted = [ident(o) for o in order]
    listed = [v for v in items if ident(v) in wanted]
    listed.sort(key=lambda v: wanted.index(ident(v)))
    rest = [v for v in items if ident(v) not in wanted]
    return listed + rest


def json_merge(original, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge(result.get(key), value)
    return result


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc, parts, op):
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise PatchError("%s: path not found" % op)
        elif isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            raise PatchError("%s: path not found" % op)
    return cur


def _get(doc, parts, op):
    if not parts:
        return doc
    parent = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(parent, list):
        try:
            return parent[int(last)]
        except (ValueError, IndexError):
            raise PatchError("%s: path not found" % op)
    if not isinstance(parent, dict) or last not in parent:
        raise PatchError("%s: path not found" % op)
    return parent[last]


def _remove(doc, parts, op):
    if not parts:
        raise PatchError("%s: cannot remove the root" % op)
    parent = _parent(doc, parts, op)
    last = parts[-1]
    try:
        if isinstance(parent, list):
            return parent.pop(int(last))
        return parent.pop(last)
    except (ValueError, IndexError, KeyError, AttributeError):
        raise PatchError("%s: path not found" % op)


def _add(doc, parts, value, op):
    if not parts:
        return value
    parent = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                idx = int(last)
            except ValueError:
                raise PatchError("%s: bad index" % op)
            if idx < 0 or idx > len(parent):
                raise PatchError("%s: index out of range" % op)
            parent.insert(idx, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError("%s: parent is not a container" % op)
    return doc


def json_patch(original, ops):
    """RFC 6902."""
    if not isinstance(ops, list):
        raise PatchError("JSON patch must be a list of operations")
    doc = copy.deepcopy(original)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise PatchError("JSON patch operation without op")
        name = op["op"]
        parts = _pointer(op.get("path", ""))
        if name == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")), name)
        elif name == "remove":
            _remove(doc, parts, name)
        elif name == "replace":
            _get(doc, parts, name)
            if not parts:
                doc = copy.deepcopy(op.get("value"))
            else:
                _remove(doc, parts, name)
                doc = _add(doc, parts, copy.deepcopy(op.get("value")), name)
        elif name in ("move", "copy"):
            src = _pointer(op.get("from", ""))
            value = _get(doc, src, name)
            if name == "move":
                _remove(doc, src, name)
            doc = _add(doc, parts, copy.deepcopy(value), name)
        elif name == "test":
            if _get(doc, parts, name) != op.get("value"):
                raise PatchError("test operation failed at %s" % op.get("path"))
        else:
            raise PatchError("unknown JSON patch operation %r" % name)
    return doc
