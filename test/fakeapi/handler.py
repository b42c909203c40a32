"""The HTTP side: one request handler for the Kubernetes API and /_fake/.

HTTP/1.1 with keep-alive; bodies always carry Content-Length except watch
streams and delayed (chunked) answers. TLS is negotiated in the connection's
own thread. Order per request: log it, apply request faults, authenticate,
authorize, route.
"""

import gzip
import json
import socket
import ssl
import struct
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import api
import auth
import control
import discovery
import resources
import tables
import versions
import watch
from errors import ApiError, bad_request, not_found_path

FAULT_TYPES = ("status", "hang", "refuse", "delay")
REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
           409: "Conflict", 410: "Expired", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError",
           503: "ServiceUnavailable", 504: "Timeout"}


def encode(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class Route:
    """What a request addresses: discovery, or (rtype, namespace, name, subresource)."""

    def __init__(self):
        self.kind = None  # "discovery" | "resource" | "control" | None (unknown)
        self.doc = None
        self.rtype = None
        self.ns = None
        self.name = None
        self.sub = None
        self.watch_prefix = False


def route(path, server_address):
    r = Route()
    parts = [p for p in path.split("/") if p]
    if path.startswith("/_fake"):
        r.kind = "control"
        return r
    docs = {"/version": discovery.version, "/api": lambda: discovery.api_versions(server_address),
            "/apis": discovery.api_group_list, "/openapi/v3": discovery.openapi_index}
    norm = "/" + "/".join(parts)
    if norm in docs:
        r.kind, r.doc = "discovery", docs[norm]()
        return r
    if parts[:2] == ["openapi", "v3"]:
        r.kind, r.doc = "discovery", discovery.openapi_doc("/".join(parts[2:]))
        return r
    if parts and parts[0] == "api" and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts and parts[0] == "apis" and len(parts) == 2:
        r.kind, r.doc = "discovery", discovery.api_group(parts[1])
        return r
    elif parts and parts[0] == "apis" and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return r
    if not rest:
        r.kind, r.doc = "discovery", discovery.resource_list(group, version)
        return r
    if rest[0] == "watch":
        r.watch_prefix, rest = True, rest[1:]
    if len(rest) >= 3 and rest[0] == "namespaces":
        t = resources.lookup(group, version, rest[2])
        if t is not None and t.namespaced:
            if len(rest) > 5:
                return r
            r.rtype, r.ns = t, rest[1]
            r.name = rest[3] if len(rest) > 3 else None
            r.sub = rest[4] if len(rest) > 4 else None
            r.kind = "resource" if r.sub in (None, "status") and (r.sub is None or t.status_subresource) else None
            return r
    t = resources.lookup(group, version, rest[0]) if rest else None
    if t is None or len(rest) > 3 or (t.namespaced and len(rest) > 1):
        return r
    r.rtype = t
    r.name = rest[1] if len(rest) > 1 else None
    r.sub = rest[2] if len(rest) > 2 else None
    r.kind = "resource" if r.sub is None or (r.sub == "status" and t.status_subresource) else None
    return r


def verb_of(method, r, q):
    if r.kind != "resource":
        return "get"
    if method == "GET":
        if r.name:
            return "get"
        return "watch" if r.watch_prefix or q.get("watch") in ("1", "true", "True") else "list"
    return {"POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete" if r.name else "deletecollection"}.get(method, method.lower())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kipvs-fakeapi"
    sys_version = ""
    timeout = 300  # idle keep-alive connections

    # ---- connection ----

    def setup(self):
        self.app = self.server.app
        self.tls_failed = False
        ctx = getattr(self.server, "ssl_ctx", None)
        if ctx is not None:
            self.request.settimeout(10)
            try:
                self.request = ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                self.tls_failed = True
        super().setup()

    def handle(self):
        if not self.tls_failed:
            super().handle()

    def log_message(self, fmt, *args):
        if self.app.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self.responded = False
        self.route, self.entry, self.delay = Route(), {}, None
        try:
            self.dispatch()
        except (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug must not kill the connection silently
            traceback.print_exc(file=sys.stderr)
            if self.responded:
                self.cut()
            else:
                self.send_status(ApiError(500, "InternalError", "Internal error occurred: the fake apiserver "
                                          "failed on this request (see its stderr)"))

    def send_response(self, code, message=None):
        self.responded = True
        super().send_response(code, message)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # ---- request plumbing ----

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def json_body(self):
        raw = self.body
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if raw and ctype not in ("", "application/json", "*/*") and not ctype.endswith("+json"):
            # Protobuf (what client-go's typed clients send first) and CBOR are not
            # spoken here; client-go switches to JSON after a 415.
            raise ApiError(415, "UnsupportedMediaType",
                           'the body of the request was in an unknown format - accepted media types include: '
                           'application/json')
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as e:
            raise bad_request("the body of the request was in an unknown format - accepted media types "
                              "include: application/json (%s)" % e)

    def send_body(self, code, data, ctype="application/json", headers=None):
        headers = dict(headers or {})
        gz = self.app.config["gzip_min"]
        if gz and len(data) >= gz and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            data = gzip.compress(data, 1)
            headers["Content-Encoding"] = "gzip"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        if self.route.rtype is not None and self.route.rtype.warning and versions.current.endpoints_deprecated():
            self.send_header("Warning", self.route.rtype.warning)
        for k, v in headers.items():
            self.send_header(k, v)
        delay = self.delay
        if delay and delay.get("chunk"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = max(1, int(delay["chunk"]))
            for i in range(0, len(data), step):
                time.sleep(delay["seconds"])
                self.write_chunk(data[i:i + step])
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        self.entry["status"] = code

    def send_json(self, code, obj, ctype="application/json", headers=None):
        self.send_body(code, encode(obj), ctype, headers)

    def send_status(self, err):
        headers = dict(err.headers)
        if err.code in (429, 503) and "Retry-After" not in headers:
            headers["Retry-After"] = "1"
        self.send_json(err.code, err.status(), headers=headers)

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def reset_connection(self):
        """Closes the connection with a TCP RST and no response."""
        self.close_connection = True
        try:
            raw = self.connection
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.cut()

    def cut(self):
        """Closes the connection at once, mid-response if need be."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- dispatch ----

    def dispatch(self):
        url = urlsplit(self.path)
        path = url.path
        self.q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self.delay = None
        host, port = self.server.server_address[:2]
        self.route = route(path, "%s:%s" % (host, port))
        self.body = b""
        self.entry = {}
        try:
            self.body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if self.route.kind == "control":
            self.entry = {"status": None}
            try:
                control.handle(self, path)
            except ApiError as e:
                self.send_status(e)
            return
        r = self.route
        verb = verb_of(self.command, r, self.q)
        self.verb = verb
        self.entry = self.app.log.add({
            "time": time.time(), "method": self.command, "path": path, "query": self.q,
            "rawQuery": url.query, "resource": r.rtype.plural if r.rtype else None,
            "namespace": r.ns, "name": r.name, "subresource": r.sub, "verb": verb,
            "authorization": bool(self.headers.get("Authorization")),
            "clientCert": bool(getattr(self.connection, "getpeercert", None) and self._peer_cert()),
            "accept": self.headers.get("Accept"), "contentType": self.headers.get("Content-Type"),
            "userAgent": self.headers.get("User-Agent"), "status": None, "fault": None})
        try:
            if self.apply_faults(path, verb):
                return
            user, how = auth.authenticate(self.app.token_file, self.app.client_ca,
                                          self.headers.get("Authorization"), self.connection, path)
            self.entry["user"], self.entry["auth"] = user, how
            auth.authorize(self.app.config["forbid"], user, verb, r.rtype, r.ns, r.name)
            self.serve(path, verb)
        except ApiError as e:
            self.send_status(e)

    def _peer_cert(self):
        try:
            return self.connection.getpeercert()
        except (ValueError, OSError):
            return None

    def apply_faults(self, path, verb):
        """Applies a matching request fault; True when the request is finished."""
        r = self.route
        info = {"resource": r.rtype.plural if r.rtype else None, "verb": verb, "method": self.command,
                "path": path, "namespace": r.ns}
        f = self.app.faults.take(info, FAULT_TYPES)
        if f is None:
            return False
        self.entry["fault"] = f["type"]
        if f["type"] == "delay":
            self.delay = f
            if not f.get("chunk"):
                time.sleep(f["seconds"])
            return False
        if f["type"] == "status":
            code = f["code"]
            if f.get("plain"):
                self.send_body(code, (f.get("message") or "Too many requests, please try again later.").encode()
                               + b"\n", "text/plain; charset=utf-8", {"Retry-After": "1"})
                return True
            message = f.get("message") or ("Unauthorized" if code == 401 else "fake fault: injected %d" % code)
            details = {"retryAfterSeconds": 1} if code in (429, 503) else None
            raise ApiError(code, f.get("reason") or REASONS.get(code, "Unknown"), message, details)
        if f["type"] == "hang":
            self.app.faults.wait_cleared(f["id"], f.get("seconds"), lambda: self.app.store.closing)
            self.cut()
            return True
        if f["type"] == "refuse":
            self.reset_connection()
            return True
        return False

    def serve(self, path, verb):
        r = self.route
        if r.kind == "discovery":
            if r.doc is None:
                raise not_found_path()
            if self.command not in ("GET", "HEAD"):
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                               "requested resource")
            self.send_json(200, r.doc)
            return
        if path in ("/healthz", "/livez", "/readyz"):
            self.send_body(200, b"ok", "text/plain; charset=utf-8")
            return
        if r.kind != "resource":
            raise not_found_path()
        if r.rtype.namespaced and r.ns is None and r.name is None and verb not in ("list", "watch"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                           "resource")
        self.table = tables.wants_table(self.headers.get("Accept"))
        include = self.q.get("includeObject") or "Metadata"
        app, t, ns, name = self.app, r.rtype, r.ns, r.name
        if not t.namespaced:
            ns = None
        if verb == "watch":
            watch.serve(self, t, ns, self.q, self.table, include)
            return
        if verb == "list":
            items, meta = api.list_objects(app, t, ns, self.q)
            if self.table:
                self.send_json(200, tables.table(t, items, meta, include), "application/json;as=Table;v=v1;g=meta.k8s.io")
            else:
                self.send_json(200, {"kind": t.list_kind, "apiVersion": t.api_version, "metadata": meta,
                                     "items": [api.strip_kind(o) for o in items]})
            return
        if verb == "get":
            obj = api.get_object(app, t, ns, name)
            if self.table:
                self.send_json(200, tables.table(t, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                                 include), "application/json;as=Table;v=v1;g=meta.k8s.io")
            else:
                self.send_json(200, obj)
            return
        if verb == "create":
            if name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                               "requested resource")
            code, obj = api.create(app, t, ns, self.json_body(), self.q)
        elif verb == "update":
            code, obj = api.update(app, t, ns, name, self.json_body(), self.q, r.sub)
        elif verb == "patch":
            code, obj = api.patch(app, t, ns, name, self.body, self.headers.get("Content-Type"), self.q, r.sub)
        elif verb == "delete":
            code, obj = api.delete(app, t, ns, name, self.json_body(), self.q)
        elif verb == "deletecollection":
            code, obj = api.delete_collection(app, t, ns, self.q)
        else:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                           "resource")
        self.send_json(code, obj)
