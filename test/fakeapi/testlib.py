"""Helpers for Python tests that drive the fake kube-apiserver.

  fake = Fake(tmpdir, extra_args)        # HTTPS (token) + plain HTTP listeners
  code, obj = fake.json("GET", "/api/v1/services")
  w = fake.watch("/api/v1/services?watch=1&resourceVersion=" + rv)
  ev = w.event(timeout=5)                # dict, or None once the stream ended cleanly
  fake.ctl("POST", "/_fake/faults", {"type": "watch-drop"})
  fake.stop()                            # SIGTERM; returns the exit status

plus a TAP reporter (Tap). Standard library only.
"""

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(TOP, "test", "fixtures", "k8s")
TOKEN = "test-token-4f1c"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            if detail is not None:
                for line in str(detail).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def case(self, name, fn):
        """Runs fn(); an AssertionError or exception fails the case with its message."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a test case reports, never crashes the run
            detail = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=3))
            return self.ok(False, name, detail)
        return self.ok(True, name)

    def done(self):
        print("1..%d" % self.n)
        return 0 if self.failed == 0 else 1


class Cut(Exception):
    """The connection ended in the middle of the chunked body."""

    def __init__(self, partial):
        super().__init__("stream cut with %d bytes of an incomplete line" % len(partial))
        self.partial = partial


class RawWatch:
    """A watch read from the raw socket, so tests can tell a clean end (the
    terminating chunk) from a cut connection, and see malformed lines."""

    def __init__(self, host, port, path, ctx=None, headers=None, timeout=10):
        sock = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(sock, server_hostname=host) if ctx else sock
        hdrs = {"Host": "%s:%d" % (host, port), "Accept": "application/json", "User-Agent": "fakeapi-test"}
        hdrs.update(headers or {})
        req = "GET %s HTTP/1.1\r\n%s\r\n" % (path, "".join("%s: %s\r\n" % kv for kv in hdrs.items()))
        self.sock.sendall(req.encode())
        self.raw = b""
        self.body = b""
        self.chunk_left = 0
        self.need_crlf = False
        self.ended = False
        self.eof = False
        head = self._read_until(b"\r\n\r\n", time.monotonic() + timeout)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
        if self.headers.get("transfer-encoding") != "chunked":
            length = int(self.headers.get("content-length", "0"))
            while len(self.raw) < length and not self.eof:
                self._recv(time.monotonic() + timeout)
            self.body, self.raw, self.ended = self.raw[:length], b"", True

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data from the watch in time")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from the watch in time")
        except (ConnectionResetError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.eof = True
        self.raw += data

    def _read_until(self, marker, deadline):
        while marker not in self.raw:
            if self.eof:
                raise Cut(self.raw)
            self._recv(deadline)
        head, self.raw = self.raw.split(marker, 1)
        return head

    def _decode(self):
        while self.raw and not self.ended:
            if self.need_crlf:
                if len(self.raw) < 2:
                    return
                self.raw, self.need_crlf = self.raw[2:], False
            if self.chunk_left == 0:
                idx = self.raw.find(b"\r\n")
                if idx < 0:
                    return
                size = int(self.raw[:idx].split(b";")[0], 16)
                self.raw = self.raw[idx + 2:]
                if size == 0:
                    self.ended = True
                    return
                self.chunk_left = size
            take = min(self.chunk_left, len(self.raw))
            self.body += self.raw[:take]
            self.raw = self.raw[take:]
            self.chunk_left -= take
            if self.chunk_left == 0:
                self.need_crlf = True

    def line(self, timeout=10):
        """The next body line (bytes, no newline), None after a clean end;
        raises Cut when the connection closes mid-body, TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            if b"\n" in self.body:
                line, self.body = self.body.split(b"\n", 1)
                return line
            if self.ended:
                if self.body:
                    raise Cut(self.body)
                return None
            if self.eof:
                raise Cut(self.body)
            self._recv(deadline)

    def event(self, timeout=10):
        line = self.line(timeout)
        return None if line is None else json.loads(line)

    def events_until(self, pred, timeout=10):
        """Reads events until pred(event) is true; returns all read (the last matches)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            ev = self.event(max(0.01, deadline - time.monotonic()))
            if ev is None:
                raise AssertionError("stream ended before the expected event; got %s" % out)
            out.append(ev)
            if pred(ev):
                return out

    def silent_for(self, seconds):
        """True when no body byte arrives within `seconds`."""
        try:
            self.line(seconds)
        except TimeoutError:
            return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Fake:
    def __init__(self, tmpdir, args=(), tls=True, fixtures=True):
        self.dir = tmpdir
        os.makedirs(tmpdir, exist_ok=True)
        self.token_file = os.path.join(tmpdir, "tokens")
        with open(self.token_file, "w") as f:
            f.write("# test tokens\n%s\nother-token,system:node:node-a\n" % TOKEN)
        self.port_file = os.path.join(tmpdir, "port")
        cmd = [sys.executable, os.path.join(HERE, "fakeapi.py"), "--port-file", self.port_file]
        if tls:
            cmd += ["--listen", "127.0.0.1:0", "--tls-dir", os.path.join(tmpdir, "pki"),
                    "--token-file", self.token_file]
        cmd += ["--listen-http", "127.0.0.1:0"]
        if fixtures:
            for f in ("services.json", "endpointslices.json", "endpoints.json"):
                cmd += ["--load", os.path.join(FIXTURES, f)]
        cmd += list(args)
        self.out = open(os.path.join(tmpdir, "stdout"), "w+")
        self.err = open(os.path.join(tmpdir, "stderr"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.err.seek(0)
                raise RuntimeError("fakeapi did not start: %s" % self.err.read())
            time.sleep(0.05)
        ports = [int(p) for p in open(self.port_file).read().split()]
        self.tls = tls
        self.https_port = ports[0] if tls else None
        self.http_port = ports[-1]
        self.ctx = None
        if tls:
            self.ctx = ssl.create_default_context(cafile=os.path.join(tmpdir, "pki", "ca.crt"))

    def conn(self, tls=None, timeout=15):
        tls = self.tls if tls is None else tls
        if tls:
            return http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.ctx, timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, tls=None, token=TOKEN, timeout=15):
        """(status, headers dict (lower-case keys), body bytes)."""
        hdrs = {"Accept": "application/json"}
        tls = self.tls if tls is None else tls
        if token and tls:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        c = self.conn(tls, timeout)
        try:
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def json(self, method, path, body=None, **kw):
        code, _, data = self.request(method, path, body, **kw)
        try:
            return code, json.loads(data) if data else None
        except ValueError:
            return code, data

    def ctl(self, method, path, body=None):
        code, obj = self.json(method, path, body, tls=False)
        if code >= 300 and not path.startswith("/_fake/wait"):
            raise AssertionError("control %s %s -> %d %s" % (method, path, code, obj))
        return obj

    def watch(self, path, tls=None, token=TOKEN, headers=None, timeout=10):
        tls = self.tls if tls is None else tls
        hdrs = dict(headers or {})
        if token and tls:
            hdrs["Authorization"] = "Bearer " + token
        port = self.https_port if tls else self.http_port
        return RawWatch("127.0.0.1", port, path, self.ctx if tls else None, hdrs, timeout)

    def wait_watches(self, n, resource=None, timeout=10):
        q = "/_fake/wait?watches=%d&timeout=%s" % (n, timeout) + ("&resource=" + resource if resource else "")
        res = self.ctl("GET", q)
        if not res.get("ok"):
            raise AssertionError("expected %d open watches, have %s" % (n, res))

    def rv(self):
        return self.ctl("GET", "/_fake/state")["resourceVersion"]

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)
