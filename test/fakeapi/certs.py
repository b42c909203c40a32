"""Test PKI made with the openssl command line: a CA, a server certificate and a
client certificate, all ECDSA P-256.

  ca.crt ca.key            the CA (put ca.crt in a kubeconfig's certificate-authority-data)
  server.crt server.key    SANs: IP:127.0.0.1, IP:::1, IP:10.0.2.100 (the host as a qemu
                           guest reaches it through guestfwd), DNS:localhost, plus extra ones
  client.crt client.key    CN=kipvs-client, O=system:nodes: a client certificate the server
                           accepts as user "kipvs-client"
"""

import os
import secrets
import subprocess
import tempfile

DEFAULT_SANS = ("IP:127.0.0.1", "IP:::1", "IP:10.0.2.100", "DNS:localhost")
FILES = ("ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key")


def _openssl(*args):
    res = subprocess.run(("openssl",) + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], res.stderr.strip()))


def _sign(d, name, subject, ext_lines):
    key, csr, crt = (os.path.join(d, name + s) for s in (".key", ".csr", ".crt"))
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", subject)
    with tempfile.NamedTemporaryFile("w", suffix=".ext", dir=d, delete=False) as f:
        f.write("\n".join(ext_lines) + "\n")
        ext = f.name
    try:
        _openssl("x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.crt"), "-CAkey", os.path.join(d, "ca.key"),
                 "-set_serial", "0x" + secrets.token_hex(8), "-days", "825", "-sha256", "-out", crt,
                 "-extfile", ext)
    finally:
        os.unlink(ext)
        os.unlink(csr)


def have_certs(d):
    return all(os.path.exists(os.path.join(d, f)) for f in FILES)


def generate(d, extra_sans=()):
    """Writes the six files into directory `d` (created if needed)."""
    os.makedirs(d, exist_ok=True)
    old = os.umask(0o077)
    try:
        _openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", os.path.join(d, "ca.key"), "-out", os.path.join(d, "ca.crt"), "-days", "3650",
                 "-subj", "/CN=kipvs-fake-ca", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        sans = list(DEFAULT_SANS) + [s for s in extra_sans if s not in DEFAULT_SANS]
        _sign(d, "server", "/CN=kipvs-fake-apiserver",
              ["subjectAltName=" + ",".join(sans), "basicConstraints=CA:FALSE",
               "keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth"])
        _sign(d, "client", "/O=system:nodes/CN=kipvs-client",
              ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
               "extendedKeyUsage=clientAuth"])
    finally:
        os.umask(old)
