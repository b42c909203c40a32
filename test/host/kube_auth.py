#!/usr/bin/env python3
"""API tier over HTTPS: how `kipvs watch` (ASan+UBSan build) connects and
authenticates — kubeconfig token files (relative paths) and their rotation,
client certificates (files and -data), in-cluster config, CA verification,
tls-server-name, insecure-skip-tls-verify, 401/403 messages, kubeconfig
errors, and that no token or key ever reaches stdout or stderr."""

import base64
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kube_harness as H  # noqa: E402

tap = H.Tap()
SECRETS = ["tok-A-5ecret", "tok-B-5ecret", "wrong-5ecret"]
WATCHES = []  # watchers of the running test
OUTPUTS = []  # stdout+stderr of every watcher, for the no-secrets check at the end


def watch(tmp, args, env=None):
    w = H.Watch(tmp, args, env=env)
    WATCHES.append(w)
    return w


def kubeconfig(path, server, cluster=None, user=None):
    """A kubeconfig with one context; cluster/user are YAML flow-map bodies."""
    H.write(path, "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                  "clusters:\n- name: c\n  cluster: {server: '%s'%s}\n"
                  "contexts:\n- name: test\n  context: {cluster: c, user: u}\n"
                  "- name: other\n  context: {cluster: c, user: u}\n"
                  "users:\n- name: u\n  user: {%s}\n"
                  % (server, (", " + cluster) if cluster else "", user or ""))


def tls_fake(tmp, pki, tokens="tok-A-5ecret,user-a\n", args=(), load=True):
    tf = os.path.join(tmp, "fake-tokens")
    H.write(tf, tokens)
    files = [H.fixture("services.json"), H.fixture("endpointslices.json")] if load else []
    fake = H.Fake(tmp, tls=True, token_file=tf, load=files, args=list(args), tls_dir=pki)
    return fake, tf


def svc_requests(fake, seq=0, verb=None, answered=0, timeout=10.0):
    """Service requests since seq; with `answered`, waits (up to `timeout`) until
    the first that many have their status logged (the fake logs a request when it
    arrives and its status when it answers)."""
    end = time.monotonic() + timeout
    while True:
        reqs = [r for r in fake.requests(seq)
                if r["resource"] == "services" and (verb is None or r["verb"] == verb)]
        if len(reqs) >= answered and all(r.get("status") is not None for r in reqs[:answered]):
            return reqs
        if time.monotonic() > end:
            return reqs
        time.sleep(0.1)


def t_token_file_relative_paths(tmp, pki):
    fake, _ = tls_fake(tmp, pki)
    try:
        os.symlink(pki, os.path.join(tmp, "pki"))
        os.makedirs(os.path.join(tmp, "conf"))
        H.write(os.path.join(tmp, "token"), "tok-A-5ecret\n")
        kubeconfig(os.path.join(tmp, "conf", "kc"), fake.url, "certificate-authority: ../pki/ca.crt",
                   "tokenFile: ../token")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "conf", "kc"), "--once"])
        rc = w.wait_exit(30)
        reqs = [r for r in fake.requests() if r["verb"] in ("list", "watch", "get")]
        tap.ok("https: CA file and tokenFile relative to the kubeconfig's folder; synced",
               rc == 0 and "synced all" in w.out(), "rc=%s\n%s" % (rc, w.stderr()[-1500:]))
        tap.ok("https: every request carried the bearer token (user-a), none rejected",
               reqs and all(r["authorization"] and r.get("user") == "user-a" and r["status"] == 200
                            for r in reqs), "%s" % [(r["verb"], r.get("user"), r["status"]) for r in reqs])
        tap.ok("https: a User-Agent naming kipvs",
               all((r.get("userAgent") or "").startswith("kipvs/") for r in reqs), reqs[0].get("userAgent"))
        tap.ok("https: clean exit", *w.clean())
    finally:
        fake.stop()


def t_token_rotation(tmp, pki):
    fake, tf = tls_fake(tmp, pki)
    try:
        tok = os.path.join(tmp, "token")
        H.write(tok, "tok-A-5ecret")
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority: %s" % fake.ca(),
                   "tokenFile: token")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--log-level", "debug"])
        ok = w.expect("^synced all$", 20) is not None
        fake.wait_watches(2)
        time.sleep(1.2)
        # the token rotates: the old one is now rejected
        H.write(tf, "tok-B-5ecret,user-b\n")
        H.write(tok, "tok-B-5ecret\n")
        seq = fake.last_seq()
        fake.fault(type="watch-end", resource="services")
        fake.call("GET", "/_fake/wait?requests=2&verb=watch&resource=services&since=%d&timeout=15" % seq)
        watches = svc_requests(fake, seq, "watch", answered=2)
        tap.ok("token rotated: the watch with the cached token gets 401, the next one uses the new token",
               ok and [(r["status"], r.get("user")) for r in watches][:2] == [(401, None), (200, "user-b")],
               "%s\n%s" % ([(r["status"], r.get("user")) for r in watches], w.stderr()[-1500:]))
        tap.ok("token rotated: logged as an error with the server's words, then token_reloaded",
               re.search(r"level=error event=kube_request_failed resource=services op=watch .*status=401 "
                         r"reason=Unauthorized message=Unauthorized", w.stderr())
               and "event=token_reloaded" in w.stderr(), w.stderr()[-1500:])
        st, _ = fake.call("POST", "/api/v1/namespaces/shop/services", H.service("shop", "rotated"),
                          token="tok-B-5ecret")
        tap.ok("token rotated: events flow with no restart",
               st == 201 and w.expect(r"^upsert service shop/rotated ", 10) is not None, "status %s" % st)
        clean, detail = w.stop()
        tap.ok("token rotated: clean exit", clean, detail)
    finally:
        fake.stop()


def t_token_period(tmp, pki):
    fake, tf = tls_fake(tmp, pki, tokens="tok-A-5ecret,user-a\ntok-B-5ecret,user-b\n")
    try:
        tok = os.path.join(tmp, "token")
        H.write(tok, "tok-A-5ecret")
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority-data: %s"
                   % base64.b64encode(open(fake.ca(), "rb").read()).decode(), "tokenFile: token")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--token-period", "1"])
        w.expect("^synced all$", 20)
        fake.wait_watches(2)
        H.write(tok, "tok-B-5ecret")
        time.sleep(1.5)
        seq = fake.last_seq()
        fake.fault(type="watch-end", resource="services")
        fake.call("GET", "/_fake/wait?requests=1&verb=watch&resource=services&since=%d&timeout=10" % seq)
        watches = svc_requests(fake, seq, "watch", answered=1)
        tap.ok("token re-read on its period: the next request uses the new token, no 401 needed",
               [(r["status"], r.get("user")) for r in watches][:1] == [(200, "user-b")],
               "%s" % [(r["status"], r.get("user")) for r in watches])
        tap.ok("token period: clean exit", *w.stop())
    finally:
        fake.stop()


def t_wrong_ca(tmp, pki, other_pki):
    fake, _ = tls_fake(tmp, pki)
    try:
        kubeconfig(os.path.join(tmp, "kc"), fake.url,
                   "certificate-authority: %s" % os.path.join(other_pki, "ca.crt"), "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc")])
        m = w.wait_log(r"event=kube_request_failed resource=services op=list url=%s/api/v1/services "
                       r"err=\"TLS failure\" detail=\"SSL certificate problem: [^\"]+\"" % re.escape(fake.url), 10)
        time.sleep(1)
        tap.ok("wrong CA: a clear TLS error naming the URL and curl's verify error; nothing delivered",
               m is not None and not w.out() and not fake.requests(), w.stderr()[-1500:])
        tap.ok("wrong CA: still running, clean exit on SIGTERM", w.proc.poll() is None and w.stop()[0],
               w.stderr()[-1500:])
    finally:
        fake.stop()


def t_401_403(tmp, pki):
    fake, _ = tls_fake(tmp, pki, args=["--forbid", "list:endpointslices"])
    try:
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority: %s" % fake.ca(),
                   "token: wrong-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc")])
        m = w.wait_log(r"level=error event=kube_request_failed resource=services op=list .*status=401 "
                       r"reason=Unauthorized message=Unauthorized hint=", 10)
        tap.ok("401: the Status the server sent, as an error line with a hint", m is not None,
               w.stderr()[-1500:])
        tap.ok("401: clean exit", *w.stop())
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority: %s" % fake.ca(),
                   "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--endpoints-api", "slices"])
        ok = w.expect("^synced services$", 10) is not None
        m = w.wait_log(r"level=error event=kube_request_failed resource=endpointslices op=list .*"
                       r"status=403 reason=Forbidden message=\"endpointslices\.discovery\.k8s\.io is forbidden: "
                       r"User \\\"user-a\\\" cannot list resource \\\"endpointslices\\\" in API group "
                       r"\\\"discovery\.k8s\.io\\\" at the cluster scope\"", 10)
        tap.ok("403: the server's message names the missing permission; services still sync",
               ok and m is not None and "synced all" not in w.out(), w.stderr()[-1500:])
        # RBAC fixed later: the reflector gets there on its own
        fake.ctl("POST", "config", {"forbid": []})
        tap.ok("403 then allowed: the backoff retry syncs", w.expect("^synced all$", 20) is not None,
               w.stderr()[-800:])
        tap.ok("403: clean exit", *w.stop())
    finally:
        fake.stop()


def t_client_cert(tmp, pki):
    fake, _ = tls_fake(tmp, pki, tokens="")
    try:
        kc = os.path.join(tmp, "kc-files")
        kubeconfig(kc, fake.url, "certificate-authority: %s" % fake.ca(),
                   "client-certificate: %s, client-key: %s" % (os.path.join(pki, "client.crt"),
                                                               os.path.join(pki, "client.key")))
        b64 = {n: base64.b64encode(open(os.path.join(pki, n), "rb").read()).decode()
               for n in ("ca.crt", "client.crt", "client.key")}
        SECRETS.append(b64["client.key"][:40])
        kcd = os.path.join(tmp, "kc-data")
        kubeconfig(kcd, fake.url, "certificate-authority-data: %s" % b64["ca.crt"],
                   "client-certificate-data: %s, client-key-data: %s" % (b64["client.crt"], b64["client.key"]))
        for name, path in (("files", kc), ("-data blobs", kcd)):
            seq = fake.last_seq()
            w = watch(tmp, ["--kubeconfig", path, "--once"])
            rc = w.wait_exit(30)
            reqs = [r for r in fake.requests(seq) if r["verb"] in ("list", "watch")]
            tap.ok("client certificate (%s): synced, the server saw user kipvs-client by certificate" % name,
                   rc == 0 and "synced all" in w.out() and reqs
                   and all(r.get("auth") == "client-cert" and r.get("user") == "kipvs-client"
                           and not r["authorization"] for r in reqs),
                   "rc=%s %s\n%s" % (rc, [(r.get("auth"), r.get("user")) for r in reqs], w.stderr()[-1000:]))
    finally:
        fake.stop()


def t_insecure_and_server_name(tmp, pki):
    fake, _ = tls_fake(tmp, pki)
    try:
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "insecure-skip-tls-verify: true", "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--once"])
        tap.ok("insecure-skip-tls-verify: no CA, still synced", w.wait_exit(30) == 0 and "synced all" in w.out(),
               w.stderr()[-1000:])
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority: %s, tls-server-name: kube.test"
                   % fake.ca(), "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--once"])
        tap.ok("tls-server-name: verified against that name (the certificate's DNS SAN), synced",
               w.wait_exit(30) == 0 and "synced all" in w.out(), w.stderr()[-1000:])
        kubeconfig(os.path.join(tmp, "kc"), fake.url, "certificate-authority: %s, tls-server-name: wrong.test"
                   % fake.ca(), "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc")])
        m = w.wait_log(r"err=\"TLS failure\" detail=\"[^\"]*wrong\.test", 10)
        tap.ok("tls-server-name mismatch: a TLS error naming the name", m is not None, w.stderr()[-1000:])
        tap.ok("tls-server-name: clean exit", *w.stop())
    finally:
        fake.stop()


def t_in_cluster(tmp, pki):
    fake, _ = tls_fake(tmp, pki)
    try:
        sa = os.path.join(tmp, "sa")
        os.makedirs(sa)
        H.write(os.path.join(sa, "token"), "tok-A-5ecret\n")
        shutil.copy(fake.ca(), os.path.join(sa, "ca.crt"))
        env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(fake.port)}
        w = watch(tmp, ["--sa-dir", sa, "--once"], env=env)
        rc = w.wait_exit(30)
        reqs = [r for r in fake.requests() if r["verb"] in ("list", "watch")]
        tap.ok("in-cluster: KUBERNETES_SERVICE_HOST/PORT, service-account token and CA; synced",
               rc == 0 and "synced all" in w.out() and all(r.get("user") == "user-a" for r in reqs),
               w.stderr()[-1000:])
        # --master wins over KUBERNETES_SERVICE_HOST, still with the service account
        env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1"
        w = watch(tmp, ["--sa-dir", sa, "--master", fake.url, "--once"], env=env)
        tap.ok("in a pod with --master: that URL, with the service account's token and CA",
               w.wait_exit(30) == 0 and "synced all" in w.out(), w.stderr()[-1000:])
        os.unlink(os.path.join(sa, "token"))
        w = watch(tmp, ["--sa-dir", sa], env=env)
        rc = w.wait_exit(10)
        tap.ok("in-cluster without a token: exit 1, the error names the file",
               rc == 1 and re.search(r"event=in_cluster_config file=%s/token reason=\"No such file"
                                     % re.escape(sa), w.stderr()), "rc=%s %s" % (rc, w.stderr()))
    finally:
        fake.stop()


def t_plain_http_no_creds(tmp, pki):
    fake = H.Fake(tmp, load=[H.fixture("services.json")])
    try:
        kubeconfig(os.path.join(tmp, "kc"), fake.url, None, "token: tok-A-5ecret")
        w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--once"])
        rc = w.wait_exit(30)
        reqs = [r for r in fake.requests() if r["verb"] in ("list", "watch")]
        tap.ok("plain http: the token is not sent (as client-go), and that is logged once",
               rc == 0 and reqs and not any(r["authorization"] for r in reqs)
               and w.stderr().count("event=credentials_not_sent") == 1, w.stderr()[-1000:])
    finally:
        fake.stop()


def t_kubeconfig_errors(tmp, pki):
    w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "absent")])
    rc = w.wait_exit(10)
    tap.ok("missing kubeconfig: exit 1, the file named",
           rc == 1 and re.search(r"event=kubeconfig_unreadable file=\S*absent err=\"No such file", w.stderr()),
           "rc=%s %s" % (rc, w.stderr()))
    kubeconfig(os.path.join(tmp, "kc"), "https://127.0.0.1:1", None, "token: tok-A-5ecret")
    w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc"), "--context", "nope"])
    rc = w.wait_exit(10)
    tap.ok("unknown context: exit 1, file and field named",
           rc == 1 and re.search(r"event=kubeconfig_invalid file=\S+/kc field=--context "
                                 r"reason=\"context nope not found\"", w.stderr()), "rc=%s %s" % (rc, w.stderr()))
    kubeconfig(os.path.join(tmp, "kc"), "https://127.0.0.1:1", "certificate-authority: missing/ca.crt", "")
    w = watch(tmp, ["--kubeconfig", os.path.join(tmp, "kc")])
    rc = w.wait_exit(10)
    tap.ok("unreadable certificate-authority: exit 1, file and field named",
           rc == 1 and re.search(r"field=clusters\[c\]\.cluster\.certificate-authority reason=\"cannot read "
                                 r"\S+/missing/ca\.crt", w.stderr()), "rc=%s %s" % (rc, w.stderr()))


def main():
    if not (os.access(H.KIPVS, os.X_OK) and os.access(H.TESTTOOL, os.X_OK)):
        print("build/san/kipvs or build/san/kipvs-testtool missing: run make unit tools")
        return 77
    base = H.scratch("auth-pki")
    pki, other = os.path.join(base, "pki"), os.path.join(base, "other")
    for d, sans in ((pki, ["--san", "DNS:kube.test"]), (other, [])):
        subprocess.run([sys.executable, H.FAKE, "--gen-certs", d] + sans, check=True, stdout=subprocess.DEVNULL)
    tests = [t_token_file_relative_paths, t_token_rotation, t_token_period,
             lambda tmp, pki: t_wrong_ca(tmp, pki, other), t_401_403, t_client_cert,
             t_insecure_and_server_name, t_in_cluster, t_plain_http_no_creds, t_kubeconfig_errors]
    names = ["token_file", "token_rotation", "token_period", "wrong_ca", "401_403", "client_cert",
             "insecure_and_server_name", "in_cluster", "plain_http", "kubeconfig_errors"]
    only = os.environ.get("KUBE_TEST_ONLY")
    try:
        for name, t in zip(names, tests):
            if only and only not in name:
                continue
            tmp = H.scratch("auth")
            t0 = time.monotonic()
            try:
                t(tmp, pki)
                tap.note("%s: %.1f s" % (name, time.monotonic() - t0))
            except Exception:
                tap.ok("%s: ran to the end" % name, False, traceback.format_exc())
            finally:
                for w in WATCHES:
                    if w.proc.poll() is None:
                        w.stop()
                    OUTPUTS.append("\n".join(w.out()) + w.stderr())
                WATCHES.clear()
                H.cleanup(tmp)
        leaked = [s for text in OUTPUTS for s in SECRETS if s in text]
        tap.ok("no token or key in any output (%d runs)" % len(OUTPUTS), OUTPUTS and not leaked,
               "leaked: %s" % leaked)
    finally:
        H.cleanup(base)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
