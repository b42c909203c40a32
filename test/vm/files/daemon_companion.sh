# The body of the daemon cases' host companions (bash, sourced; cwd = the
# worktree): the fake apiserver over HTTPS with a bearer token, for the guest
# at $VM_APISERVER. The guest finds kubeconfig (server = $VM_APISERVER), ca.crt
# and token in $VM_HOST_FILES. See test/vm/README.md ("Reaching the host").
#
#   . test/vm/files/daemon_companion.sh
#   companion_start [fakeapi.py args...]   start it, fill $VM_HOST_FILES
#   companion_seed FILE...                 seed objects through /_fake/seed
#   companion_serve                        print the port, serve until killed
#
# A case that seeds after printing the port (big data sets: seeding 10,000
# Services takes seconds) waits for the objects in the guest (/_fake/state).
set -eu
. test/fakeapi/lib.sh

companion_dir=$(mktemp -d)
# run.sh ends a companion with SIGTERM to its process group: clean up then.
trap 'fakeapi_stop; rm -rf "$companion_dir"' EXIT
trap 'exit 0' TERM INT

companion_start() {
	# Companions after the first are reached at 10.0.2.101, .102, ...
	fakeapi_start "$companion_dir" --kubeconfig-server "https://$VM_APISERVER" \
		--san "IP:${VM_APISERVER%:*}" "$@" >&2
	cp "$companion_dir/kubeconfig" "$VM_HOST_FILES/kubeconfig"
	cp "$FAKEAPI_CA" "$VM_HOST_FILES/ca.crt"
	cp "$FAKEAPI_TOKEN_FILE" "$VM_HOST_FILES/token"
}

companion_seed() {
	local f
	for f in "$@"; do
		curl -sS --max-time 300 --cacert "$FAKEAPI_CA" -H 'Content-Type: application/json' \
			--data-binary "@$f" "$FAKEAPI_URL/_fake/seed" >&2
		echo >&2
	done
}

companion_port() {
	echo "$FAKEAPI_PORT"
}

companion_serve() {
	companion_port
	# wait returns early on TERM (trapped), which then exits.
	wait "$FAKEAPI_PID"
}
