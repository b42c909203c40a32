#!/usr/bin/env python3
"""A fake kube-apiserver for tests: Services, EndpointSlices, Endpoints, Nodes,
Namespaces (and events.k8s.io Events) over HTTP/1.1 and HTTPS, with list,
watch, pagination, selectors, Table output, strategic merge patch, bearer-token
and client-certificate auth, fault injection and a request log. Real kubectl
1.32 accepts it. Python 3 standard library only (plus the openssl command to
make test certificates).

  fakeapi.py --listen 127.0.0.1:0 --tls-dir /tmp/pki --token-file /tmp/tokens \\
             --load test/fixtures/k8s/services.json --port-file /tmp/port

prints one URL per listener on stdout (first line = first --listen), then
serves until SIGTERM or SIGINT. See README.md for the control API (/_fake/).
"""

import argparse
import base64
import json
import os
import signal
import socket
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import api  # noqa: E402
import auth  # noqa: E402
import certs  # noqa: E402
import versions  # noqa: E402
from app import App  # noqa: E402
from handler import Handler  # noqa: E402


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, ssl_ctx=None):
        host = addr[0]
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        if self.app.verbose or not isinstance(exc, OSError):
            super().handle_error(request, client_address)

    @property
    def url(self):
        host, port = self.server_address[:2]
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%d" % ("https" if self.ssl_ctx else "http", host, port)


def parse_addr(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError("address must be HOST:PORT, got %r" % text)
    host = host.strip("[]") or "0.0.0.0"
    try:
        return host, int(port)
    except ValueError:
        raise argparse.ArgumentTypeError("bad port in %r" % text)


def ssl_context(tls_dir, client_certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(tls_dir, "server.crt"), os.path.join(tls_dir, "server.key"))
    ctx.set_alpn_protocols(["http/1.1"])
    if client_certs:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(os.path.join(tls_dir, "ca.crt"))
    return ctx


def first_token(path):
    if not path:
        return None
    tokens = auth.read_tokens(path)
    return next(iter(tokens), None)


def write_kubeconfig(path, url, tls_dir, token, client_cert):
    lines = ["apiVersion: v1", "kind: Config", "clusters:", "- name: fake", "  cluster:",
             "    server: %s" % url]
    if tls_dir and url.startswith("https"):
        with open(os.path.join(tls_dir, "ca.crt"), "rb") as f:
            lines.append("    certificate-authority-data: %s" % base64.b64encode(f.read()).decode())
    lines += ["users:", "- name: fake", "  user:"]
    if client_cert and tls_dir:
        for kind, fname in (("client-certificate-data", "client.crt"), ("client-key-data", "client.key")):
            with open(os.path.join(tls_dir, fname), "rb") as f:
                lines.append("    %s: %s" % (kind, base64.b64encode(f.read()).decode()))
    elif token:
        lines.append("    token: %s" % json.dumps(token))
    else:
        lines[-1] = "  user: {}"
    lines += ["contexts:", "- name: fake", "  context:", "    cluster: fake", "    user: fake",
              "    namespace: default", "current-context: fake", ""]
    old = os.umask(0o077)
    try:
        with open(path + ".tmp", "w") as f:
            f.write("\n".join(lines))
        os.replace(path + ".tmp", path)
    finally:
        os.umask(old)


def main(argv=None):
    p = argparse.ArgumentParser(description="fake kube-apiserver for kipvs tests (README.md)")
    p.add_argument("--listen", action="append", type=parse_addr, default=[], metavar="HOST:PORT",
                   help="serve here (HTTPS with --tls-dir, else HTTP); port 0 picks one; repeatable; "
                        "default 127.0.0.1:0")
    p.add_argument("--listen-http", action="append", type=parse_addr, default=[], metavar="HOST:PORT",
                   help="also serve plain HTTP here (same state); repeatable")
    p.add_argument("--tls-dir", help="ca.crt, server.crt/key, client.crt/key; generated when missing")
    p.add_argument("--gen-certs", metavar="DIR", help="only generate the certificates into DIR and exit")
    p.add_argument("--san", action="append", default=[], help="extra subjectAltName when generating (IP:x, DNS:x)")
    p.add_argument("--no-client-certs", action="store_true", help="do not accept TLS client certificates")
    p.add_argument("--token-file", help="bearer tokens, re-read on every request (TOKEN[,USER] per line)")
    p.add_argument("--load", action="append", default=[], metavar="FILE",
                   help="seed from a JSON List / typed list / object; repeatable")
    p.add_argument("--port-file", help="write the chosen port(s) here, one per line, once listening")
    p.add_argument("--kubeconfig", help="write a kubeconfig for the first listener here")
    p.add_argument("--kubeconfig-server", metavar="URL",
                   help="server URL to put in the kubeconfig instead of the first listener's "
                        "(e.g. https://10.0.2.100:PORT for a qemu guest; PORT is replaced by the port)")
    p.add_argument("--kubeconfig-client-cert", action="store_true",
                   help="the kubeconfig authenticates with the client certificate instead of a token")
    p.add_argument("--bookmark-interval", type=float, default=5.0, help="seconds between BOOKMARKs (default 5)")
    p.add_argument("--watch-timeout", type=float, default=1800.0,
                   help="watch length when the client sends no timeoutSeconds (default 1800)")
    p.add_argument("--history", type=int, default=5000, help="events kept for watches (default 5000)")
    p.add_argument("--continue-ttl", type=float, default=300.0, help="continue token lifetime (default 300 s)")
    p.add_argument("--start-rv", type=int, default=1000, help="first resourceVersion minus one (default 1000)")
    p.add_argument("--no-watchlist", action="store_true",
                   help="refuse sendInitialEvents with 422 (a server whose WatchList gate is off)")
    p.add_argument("--rv0-ignores-limit", action="store_true",
                   help="lists with resourceVersion=0 ignore limit (as the watch cache does)")
    p.add_argument("--forbid", action="append", default=[], metavar="VERB:RESOURCE",
                   help="answer 403 for this verb/resource pair (* = any); repeatable")
    p.add_argument("--no-default-namespaces", action="store_true",
                   help="start without default, kube-system, kube-public, kube-node-lease")
    p.add_argument("--version", dest="server_version", default=None, metavar="1.NN",
                   help="behave as kube-apiserver 1.NN (%d..%d, default 1.%d): /version, discovery, "
                        "field selectors, watch-list, fields dropped on write (versions.py)"
                        % (versions.OLDEST, versions.NEWEST, versions.DEFAULT))
    p.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = p.parse_args(argv)

    if args.server_version is not None:
        try:
            versions.set_current(versions.parse(args.server_version))
        except ValueError as e:
            p.error("--version: %s" % e)
    if args.gen_certs:
        certs.generate(args.gen_certs, args.san)
        print(args.gen_certs)
        return 0
    for rule in args.forbid:
        if ":" not in rule:
            p.error("--forbid wants VERB:RESOURCE, got %r" % rule)
    if args.tls_dir and not certs.have_certs(args.tls_dir):
        certs.generate(args.tls_dir, args.san)
    client_ca = args.tls_dir if args.tls_dir and not args.no_client_certs else None

    app = App(token_file=args.token_file, client_ca=client_ca, start_rv=args.start_rv, history_limit=args.history,
              continue_ttl=args.continue_ttl, bookmark_interval=args.bookmark_interval,
              watch_timeout=args.watch_timeout,
              watchlist=not args.no_watchlist and versions.current.watchlist_default(),
              rv0_ignores_limit=args.rv0_ignores_limit, forbid=args.forbid,
              default_namespaces=not args.no_default_namespaces, verbose=args.verbose)
    for path in args.load:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        count, errors = api.seed(app, doc)
        for e in errors:
            print("fakeapi: %s: %s" % (path, e), file=sys.stderr)

    ctx = ssl_context(args.tls_dir, bool(client_ca)) if args.tls_dir else None
    listen = args.listen or ([] if args.listen_http else [("127.0.0.1", 0)])
    servers = [Server(a, app, ctx) for a in listen] + [Server(a, app, None) for a in args.listen_http]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                             name="serve-%s" % s.url)
        t.start()
        threads.append(t)
    if args.kubeconfig:
        url = servers[0].url
        if args.kubeconfig_server:
            url = args.kubeconfig_server.replace("PORT", str(servers[0].server_address[1]))
        write_kubeconfig(args.kubeconfig, url, args.tls_dir, first_token(args.token_file),
                         args.kubeconfig_client_cert)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("".join("%d\n" % s.server_address[1] for s in servers))
        os.replace(args.port_file + ".tmp", args.port_file)
    for s in servers:
        print(s.url)
    sys.stdout.flush()

    while not stop.wait(1.0):
        pass
    app.store.close()  # open watches end cleanly
    for s in servers:
        s.shutdown()
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
