"""Label and field selectors, parsed the way kube-apiserver reads them.

Label selectors: comma-separated requirements, all of which must hold:
  key, !key, key=v, key==v, key!=v, key in (a,b), key notin (a,b), key>N, key<N.
`!=` and `notin` also match objects that lack the label (as upstream).

Field selectors: `field=v`, `field==v`, `field!=v`, comma-separated; `\\,`
`\\=` and `\\\\` escape. Only the fields a resource registered are allowed.
A missing field reads as "" (so an ExternalName Service passes
`spec.clusterIP!=None`).

Both parsers raise SelectorError with a message suitable for a 400 Status.
"""

import re


class SelectorError(ValueError):
    pass


_KEY_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _split_top(text):
    """Splits at commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError("unable to parse requirement: unbalanced parenthesis")
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth != 0:
        raise SelectorError("unable to parse requirement: unbalanced parenthesis")
    parts.append("".join(cur))
    return parts


def _check_key(key):
    if not _KEY_RE.match(key) or len(key.split("/")[-1]) > 63:
        raise SelectorError(
            'unable to parse requirement: invalid label key "%s": name part must consist of '
            "alphanumeric characters, '-', '_' or '.'" % key)


def _check_value(value):
    if len(value) > 63 or not _VALUE_RE.match(value):
        raise SelectorError('unable to parse requirement: invalid label value: "%s"' % value)


_SET_RE = re.compile(r"^\s*([^\s!=<>()]+)\s+(in|notin)\s*\((.*)\)\s*$")
_OP_RE = re.compile(r"^\s*([^\s!=<>()]+)\s*(==|!=|=|>|<)\s*([^\s]*)\s*$")


def parse_labels(text):
    """Returns a list of (key, op, values); op in exists, !exists, =, !=, in, notin, gt, lt."""
    reqs = []
    if text is None or text.strip() == "":
        return reqs
    for part in _split_top(text):
        part = part.strip()
        if part == "":
            raise SelectorError("unable to parse requirement: found '', expected: identifier")
        m = _SET_RE.match(part)
        if m:
            key, op, inner = m.group(1), m.group(2), m.group(3)
            _check_key(key)
            values = [v.strip() for v in inner.split(",")] if inner.strip() else []
            for v in values:
                _check_value(v)
            reqs.append((key, op, set(values)))
            continue
        if part.startswith("!"):
            key = part[1:].strip()
            _check_key(key)
            reqs.append((key, "!exists", None))
            continue
        m = _OP_RE.match(part)
        if m:
            key, op, value = m.group(1), m.group(2), m.group(3)
            _check_key(key)
            if op in (">", "<"):
                if not re.match(r"^-?[0-9]+$", value):
                    raise SelectorError(
                        "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
                reqs.append((key, "gt" if op == ">" else "lt", int(value)))
                continue
            _check_value(value)
            reqs.append((key, "!=" if op == "!=" else "=", value))
            continue
        key = part
        _check_key(key)
        reqs.append((key, "exists", None))
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, val in reqs:
        has = key in labels
        cur = labels.get(key)
        if op == "exists" and not has:
            return False
        if op == "!exists" and has:
            return False
        if op == "=" and cur != val:
            return False
        if op == "!=" and has and cur == val:
            return False
        if op == "in" and (not has or cur not in val):
            return False
        if op == "notin" and has and cur in val:
            return False
        if op in ("gt", "lt"):
            try:
                n = int(cur) if has else None
            except ValueError:
                n = None
            if n is None or (op == "gt" and not n > val) or (op == "lt" and not n < val):
                return False
    return True


def _split_escaped(text, sep):
    """Splits on `sep` not preceded by a backslash; keeps the escapes."""
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] not in "\\,=":
                raise SelectorError("invalid field selector: invalid escape sequence: %s" % text[i:i + 2])
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_fields(text, allowed, unknown=None):
    """Returns a list of (field, op, value); `allowed` is the set of field names;
    `unknown(field)` words the error for a field not in it (default: the
    generic "field label not supported")."""
    reqs = []
    if text is None or text.strip() == "":
        return reqs
    for part in _split_escaped(text, ","):
        if part == "":
            continue
        m = re.match(r"^((?:[^!=\\]|\\.)*)(==|!=|=)(.*)$", part)
        if not m:
            raise SelectorError("invalid selector: '%s'; can't understand '%s'" % (text, part))
        field, op, value = m.group(1).strip(), m.group(2), _unescape(m.group(3))
        if field not in allowed:
            raise SelectorError(unknown(field) if unknown else 'field label not supported: %s' % field)
        reqs.append((field, "!=" if op == "!=" else "=", value))
    return reqs


def fields_match(reqs, getters, obj):
    for field, op, value in reqs:
        cur = getters[field](obj)
        cur = "" if cur is None else str(cur)
        if op == "=" and cur != value:
            return False
        if op == "!=" and cur == value:
            return False
    return True
