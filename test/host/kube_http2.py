#!/usr/bin/env python3
"""API tier, HTTP/2: `kipvs watch` against nghttpd (a real HTTP/2 server,
TLS with ALPN) serving the fixture lists as static files. The lists must be
fetched over HTTP/2 and every request multiplexed on one connection."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_harness as H  # noqa: E402


def main():
    tap = H.Tap()
    if not (os.access(H.KIPVS, os.X_OK) and os.access(H.TESTTOOL, os.X_OK)):
        print("build/san/kipvs or build/san/kipvs-testtool missing: run make unit tools")
        return 77
    nghttpd = shutil.which("nghttpd") or "/usr/sbin/nghttpd"
    if not os.access(nghttpd, os.X_OK):
        print("nghttpd missing (package nghttp2-server; make deps installs it)")
        return 77
    tmp = H.scratch("h2")
    srv = None
    try:
        docs = os.path.join(tmp, "docs")
        os.makedirs(os.path.join(docs, "api", "v1"))
        os.makedirs(os.path.join(docs, "apis", "discovery.k8s.io", "v1"))
        shutil.copy(H.fixture("services.json"), os.path.join(docs, "api", "v1", "services"))
        shutil.copy(H.fixture("endpointslices.json"),
                    os.path.join(docs, "apis", "discovery.k8s.io", "v1", "endpointslices"))
        pki = os.path.join(tmp, "pki")
        subprocess.run([sys.executable, H.FAKE, "--gen-certs", pki], check=True, stdout=subprocess.DEVNULL)
        port = H.free_port()
        log = open(os.path.join(tmp, "nghttpd.log"), "w")
        srv = subprocess.Popen([nghttpd, "-v", "-d", docs, str(port), os.path.join(pki, "server.key"),
                                os.path.join(pki, "server.crt")], stdout=log, stderr=subprocess.STDOUT)
        time.sleep(0.5)
        kc = os.path.join(tmp, "kc")
        H.write(kc, "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:%d', "
                    "certificate-authority: pki/ca.crt}}]\n"
                    "contexts: [{name: x, context: {cluster: c}}]\n" % port)
        w = H.Watch(tmp, ["--kubeconfig", kc, "--endpoints-api", "slices", "--once", "--log-level", "debug"])
        rc = w.wait_exit(30)
        err = w.stderr()
        pages = re.findall(r"event=list_page resource=(\S+) bytes=\d+ http=(\S+)", err)
        tap.ok("HTTP/2: both lists fetched over HTTP/2 (ALPN), synced",
               rc == 0 and "synced all" in w.out()
               and sorted(pages) == [("endpointslices", "2"), ("services", "2")],
               "rc=%s pages=%s\n%s" % (rc, pages, err[-1500:]))
        srv.send_signal(signal.SIGTERM)
        srv.wait(10)
        log.close()
        text = open(log.name, errors="replace").read()
        conns = set(re.findall(r"^\[id=(\d+)\]", text, re.M))
        paths = re.findall(r"recv \(stream_id=(\d+)\) :path: (\S+)", text)
        tap.ok("HTTP/2: every request multiplexed on one TLS connection",
               len(conns) == 1 and len(paths) >= 2 and len({s for s, _ in paths}) == len(paths),
               "connections=%s streams=%s" % (sorted(conns), paths))
        tap.ok("HTTP/2: clean exit, no sanitizer report", *w.clean())
    finally:
        if srv and srv.poll() is None:
            srv.kill()
            srv.wait()
        H.cleanup(tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
