"""ApiError: an error that becomes a Kubernetes Status response."""


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None, meta=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.meta = meta or {}

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": dict(self.meta),
                "status": "Failure", "message": self.message, "reason": self.reason}
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def not_found(rtype, name):
    details = {"name": name, "kind": rtype.plural}
    if rtype.group:
        details["group"] = rtype.group
    return ApiError(404, "NotFound", '%s "%s" not found' % (rtype.qualified, name), details)


def not_found_path():
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(rtype, name):
    details = {"name": name, "kind": rtype.plural}
    if rtype.group:
        details["group"] = rtype.group
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (rtype.qualified, name), details)


def conflict(rtype, name):
    details = {"name": name, "kind": rtype.plural}
    if rtype.group:
        details["group"] = rtype.group
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    "please apply your changes to the latest version and try again"
                    % (rtype.qualified, name), details)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(rtype, name, causes):
    """causes: list of (field, reason, message) tuples, e.g.
    ("spec.ports[0].port", "FieldValueInvalid", 'Invalid value: 0: must be ...')."""
    details = {"name": name, "kind": rtype.kind}
    if rtype.group:
        details["group"] = rtype.group
    details["causes"] = [{"reason": r, "message": m, "field": f} for f, r, m in causes]
    text = "; ".join("%s: %s" % (f, m) for f, _, m in causes)
    if len(causes) > 1:
        text = "[%s]" % ", ".join("%s: %s" % (f, m) for f, _, m in causes)
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (rtype.kind, name, text), details)


def list_options_invalid(field, message, reason="FieldValueForbidden"):
    return ApiError(422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: %s: %s' % (field, message),
                    {"group": "meta.k8s.io", "kind": "ListOptions",
                     "causes": [{"reason": reason, "message": message, "field": field}]})
