# Host companion of smoke_net: serves $VM_HOST_FILES/www over HTTP on a
# loopback port (printed first, as run.sh expects), and the same files on a
# second, decoy port that the guest must NOT be able to reach.
set -eu
mkdir -p "$VM_HOST_FILES/www"
echo "hello from the host, pid $$" >"$VM_HOST_FILES/www/file"
exec python3 - "$VM_HOST_FILES" <<'PY'
import functools, http.server, sys, threading
files = sys.argv[1]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=files + "/www")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
decoy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=decoy.serve_forever, daemon=True).start()
with open(files + "/decoy_port", "w") as f:
    f.write("%d\n" % decoy.server_address[1])
print(server.server_address[1], flush=True)
server.serve_forever()
PY
