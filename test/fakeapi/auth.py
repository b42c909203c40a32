"""Authentication (bearer tokens, TLS client certificates) and the 403 rules.

The token file is re-read on every request, so a test can rotate tokens by
rewriting it. Each non-empty line that does not start with `#` is
`TOKEN[,USER[,UID[,"GROUP1,GROUP2"]]]` (kube-apiserver's static token CSV);
a bare token authenticates as DEFAULT_USER. Without a token file and without
a client CA every request is accepted as system:anonymous.

Forbid rules are `VERB:RESOURCE` strings (`*` matches anything), e.g.
`watch:endpointslices` or `*:nodes`; a request they match gets the 403
Status kube-apiserver's RBAC sends, naming user, verb, resource and scope.
Token values are never logged or echoed.
"""

import hmac

from errors import ApiError

DEFAULT_USER = "system:serviceaccount:kube-system:kipvs"
ANONYMOUS = "system:anonymous"
PUBLIC_PATHS = ("/version", "/healthz", "/livez", "/readyz")


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def read_tokens(path):
    """{token: user}; an unreadable file counts as empty (every token is rejected)."""
    tokens = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return tokens
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        tokens[parts[0]] = parts[1] if len(parts) > 1 and parts[1] else DEFAULT_USER
    return tokens


def _cert_user(sock):
    getpeercert = getattr(sock, "getpeercert", None)
    if getpeercert is None:
        return None
    try:
        cert = getpeercert()
    except ValueError:
        return None
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def authenticate(token_file, client_ca, authorization, sock, path):
    """Returns (user, method) or raises the 401 ApiError.

    method is one of "bearer", "client-cert", "anonymous"."""
    if authorization:
        scheme, _, cred = authorization.partition(" ")
        if scheme.lower() != "bearer" or not cred.strip():
            raise unauthorized()
        if token_file is None:
            return ANONYMOUS, "bearer"
        cred = cred.strip()
        for token, user in read_tokens(token_file).items():
            if hmac.compare_digest(token.encode(), cred.encode()):
                return user, "bearer"
        raise unauthorized()
    user = _cert_user(sock) if client_ca else None
    if user:
        return user, "client-cert"
    if token_file is None and not client_ca:
        return ANONYMOUS, "anonymous"
    if path in PUBLIC_PATHS:
        return ANONYMOUS, "anonymous"
    raise unauthorized()


def _rule_matches(rule, verb, resource):
    rv, _, rr = rule.partition(":")
    return rv in ("*", verb) and rr in ("*", resource)


def authorize(rules, user, verb, rtype, ns, name):
    """Raises the 403 ApiError when a forbid rule matches."""
    if rtype is None or not any(_rule_matches(r, verb, rtype.plural) for r in rules):
        return
    what = rtype.qualified + (' "%s"' % name if name else "")
    scope = 'in the namespace "%s"' % ns if ns else "at the cluster scope"
    msg = '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s" %s' % (
        what, user, verb, rtype.plural, rtype.group, scope)
    details = {}
    if name:
        details["name"] = name
    if rtype.group:
        details["group"] = rtype.group
    details["kind"] = rtype.plural
    raise ApiError(403, "Forbidden", msg, details)
