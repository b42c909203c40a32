"""Shared pieces of the API-tier host tests (kube_*.py): the fake apiserver
(test/fakeapi) as a subprocess, `kipvs watch` (the sanitized build) as a
subprocess whose stdout lines are collected, and TAP output.

Not a test itself (not executable): test/run.sh only runs executable files.
"""

import json
import os
import queue
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KIPVS = os.path.join(ROOT, "build", "san", "kipvs")
# kipvs watch with the API client's tuning knobs (test/tools/), for the tests
# that need them; the others run kipvs itself.
TESTTOOL = os.path.join(ROOT, "build", "san", "kipvs-testtool")
KNOBS = ("--sa-dir", "--page-size", "--max-event-bytes", "--watch-timeout", "--token-period")
FAKE = os.path.join(ROOT, "test", "fakeapi", "fakeapi.py")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "k8s")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")


class Tap:
    """TAP lines: ok N - name / not ok N - name, with # details."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, name, cond, detail=""):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in str(detail).splitlines()[-40:]:
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def note(self, text):
        for line in str(text).splitlines():
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Fake:
    """The fake apiserver. `tls` serves HTTPS (certificates in tmp/pki) and a
    plain-HTTP side listener the test uses for the control API."""

    def __init__(self, tmp, tls=False, token_file=None, load=(), args=(), port=0, tls_dir=None):
        self.tmp = tmp
        self.tls = tls
        self.tls_dir = tls_dir or os.path.join(tmp, "pki")
        port_file = os.path.join(tmp, "fake-port-%d" % time.monotonic_ns())
        cmd = [sys.executable, FAKE, "--listen", "127.0.0.1:%d" % port, "--port-file", port_file]
        if tls:
            cmd += ["--tls-dir", self.tls_dir, "--listen-http", "127.0.0.1:0"]
        if token_file:
            cmd += ["--token-file", token_file]
        for f in load:
            cmd += ["--load", f]
        cmd += list(args)
        self.log = open(os.path.join(tmp, "fake.log"), "a")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fakeapi did not start (see %s)" % self.log.name)
            time.sleep(0.05)
        with open(port_file) as f:
            ports = [int(x) for x in f.read().split()]
        self.port = ports[0]
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)
        self.ctl_url = "http://127.0.0.1:%d" % (ports[1] if tls else ports[0])

    def ca(self):
        return os.path.join(self.tls_dir, "ca.crt")

    def call(self, method, path, body=None, token=None, ctype="application/json"):
        """A request on the plain-HTTP side; returns (status, parsed JSON or text)."""
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.ctl_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", ctype)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def ctl(self, method, what, body=None):
        status, out = self.call(method, "/_fake/" + what, body)
        if status >= 300:
            raise RuntimeError("control %s %s: %s %s" % (method, what, status, out))
        return out

    def fault(self, **spec):
        return self.ctl("POST", "faults", spec)

    def requests(self, since=0):
        return self.ctl("GET", "requests?since=%d" % since)["requests"]

    def last_seq(self):
        return self.ctl("GET", "requests?since=999999999")["last"]

    def wait_watches(self, n, resource=None, timeout=10):
        q = "wait?watches=%d&timeout=%s" % (n, timeout)
        if resource:
            q += "&resource=" + resource
        status, out = self.call("GET", "/_fake/" + q)
        return status == 200

    def seed(self, doc):
        return self.ctl("POST", "seed", doc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Watch:
    """`kipvs watch ARGS` (kipvs-testtool watch when ARGS tune the client) with
    stdout lines collected by a thread."""

    def __init__(self, tmp, args, env=None, name="watch"):
        self.errpath = os.path.join(tmp, "%s-%d.err" % (name, time.monotonic_ns()))
        self.err = open(self.errpath, "w")
        e = dict(os.environ)
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        e.pop("KUBECONFIG", None)
        e.pop("KUBERNETES_SERVICE_HOST", None)
        if env:
            e.update(env)
        self.lines = []
        self.q = queue.Queue()
        self.t0 = time.monotonic()
        tuned = any(a.split("=")[0] in KNOBS for a in args)
        self.proc = subprocess.Popen([TESTTOOL if tuned else KIPVS, "watch"] + list(args),
                                     stdout=subprocess.PIPE,
                                     stderr=self.err, env=e, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.rc = None

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append((time.monotonic(), line))
            self.q.put(line)
        self.q.put(None)

    def expect(self, pattern, timeout=10):
        """Waits for a stdout line matching the regex; returns the match or None.
        Lines read while waiting stay in self.lines."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            m = rx.search(line)
            if m:
                return m

    def drain(self, quiet=0.3, timeout=10):
        """Reads until no line came for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.q.get(timeout=quiet) is None:
                    return
            except queue.Empty:
                return

    def out(self):
        return [l for _, l in self.lines]

    def stderr(self):
        if not self.err.closed:
            self.err.flush()
        with open(self.errpath, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout=10):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.stderr())
            if m:
                return m
            time.sleep(0.05)
        return None

    def wait_exit(self, timeout=20):
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
            self.rc = "killed after %ss" % timeout
        self.reader.join(5)
        self.err.close()
        return self.rc

    def stop(self, sig=signal.SIGTERM):
        """Signals the watcher, waits; returns (clean, detail): exit status 0
        and no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.wait_exit()
        return self.clean(rc)

    def clean(self, rc=None):
        rc = self.rc if rc is None else rc
        err = self.stderr()
        bad = [m for m in SANITIZER_MARKS if m in err]
        return rc == 0 and not bad, "exit=%s sanitizer=%s\n%s" % (rc, bad, err[-4000:])


def scratch(prefix):
    return tempfile.mkdtemp(prefix="kipvs-%s-" % prefix)


def cleanup(tmp):
    shutil.rmtree(tmp, ignore_errors=True)


def fixture(name):
    return os.path.join(FIXTURES, name)


def load_fixture(name):
    with open(fixture(name)) as f:
        return json.load(f)


def labels(obj):
    return (obj.get("metadata") or {}).get("labels") or {}


def key(obj):
    m = obj["metadata"]
    return "%s/%s" % (m.get("namespace", ""), m["name"])


def expected_services():
    """Keys kube-proxy's selectors let through, computed from the fixture
    (an oracle independent of the C code)."""
    out = set()
    for s in load_fixture("services.json")["items"]:
        if "service.kubernetes.io/service-proxy-name" in labels(s):
            continue
        if (s.get("spec") or {}).get("clusterIP") == "None":
            continue
        out.add(key(s))
    return out


def expected_slices():
    out = set()
    for s in load_fixture("endpointslices.json")["items"]:
        lb = labels(s)
        if "service.kubernetes.io/headless" in lb or "service.kubernetes.io/service-proxy-name" in lb:
            continue
        out.add(key(s))
    return out


def upserts(lines, kind):
    """{key: [rv, ...]} of the upsert lines for `kind`, in order."""
    out = {}
    rx = re.compile(r"^upsert %s (\S+) rv=(\S+)" % re.escape(kind))
    for line in lines:
        m = rx.match(line)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def write(path, text, mode=0o600):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", mode)
    os.replace(path + ".tmp", path)


def service(ns, name, port=80, labels_=None, cluster_ip=None):
    meta = {"name": name, "namespace": ns}
    if labels_:
        meta["labels"] = labels_
    spec = {"ports": [{"name": "http", "port": port, "protocol": "TCP"}]}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
        spec["clusterIPs"] = [cluster_ip]
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
