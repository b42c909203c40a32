# Shell helpers for tests that run the fake kube-apiserver. Source this file.
#
#   . test/fakeapi/lib.sh
#   fakeapi_start "$tmpdir" --load "$FAKEAPI_FIXTURES/services.json"   # HTTPS + token
#   kubectl --kubeconfig "$FAKEAPI_KUBECONFIG" get svc -A
#   fakeapi_ctl POST /_fake/faults '{"type":"status","code":500}'
#   fakeapi_stop
#
# fakeapi_start DIR [fakeapi.py args...] generates certificates into DIR/pki,
# writes a token to DIR/token (FAKEAPI_TOKEN) and a kubeconfig to DIR/kubeconfig,
# starts the server on 127.0.0.1:0 over HTTPS and sets FAKEAPI_URL, FAKEAPI_PORT,
# FAKEAPI_PID, FAKEAPI_KUBECONFIG, FAKEAPI_CA, FAKEAPI_TOKEN_FILE. Pass --plain
# as the first extra argument for plain HTTP without a token file instead.

FAKEAPI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FAKEAPI_FIXTURES=$(cd "$FAKEAPI_DIR/../.." && pwd)/test/fixtures/k8s

fakeapi_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	rm -f "$dir/port"
	local tls=(--tls-dir "$dir/pki" --token-file "$dir/token")
	if [ "${1:-}" = "--plain" ]; then
		shift
		tls=()
	else
		[ -s "$dir/token" ] || head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$dir/token"
		FAKEAPI_TOKEN=$(head -n 1 "$dir/token")
		FAKEAPI_TOKEN_FILE=$dir/token
		FAKEAPI_CA=$dir/pki/ca.crt
	fi
	python3 "$FAKEAPI_DIR/fakeapi.py" --listen 127.0.0.1:0 "${tls[@]}" --port-file "$dir/port" \
		--kubeconfig "$dir/kubeconfig" "$@" >"$dir/fakeapi.out" 2>"$dir/fakeapi.err" &
	FAKEAPI_PID=$!
	for i in $(seq 1 200); do
		[ -s "$dir/port" ] && break
		if ! kill -0 "$FAKEAPI_PID" 2>/dev/null; then
			echo "fakeapi did not start:" >&2
			cat "$dir/fakeapi.err" >&2
			return 1
		fi
		sleep 0.05
	done
	[ -s "$dir/port" ] || { echo "fakeapi: no port file after 10 s" >&2; return 1; }
	FAKEAPI_PORT=$(head -n 1 "$dir/port")
	FAKEAPI_URL=$(head -n 1 "$dir/fakeapi.out")
	FAKEAPI_KUBECONFIG=$dir/kubeconfig
	export FAKEAPI_URL FAKEAPI_PORT FAKEAPI_PID FAKEAPI_KUBECONFIG FAKEAPI_CA FAKEAPI_TOKEN FAKEAPI_TOKEN_FILE
}

# fakeapi_ctl METHOD PATH [JSON BODY] — the control API (no credentials needed).
fakeapi_ctl() {
	local method=$1 path=$2 body=${3:-}
	local args=(-sS -X "$method")
	[ -n "${FAKEAPI_CA:-}" ] && args+=(--cacert "$FAKEAPI_CA")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl "${args[@]}" "$FAKEAPI_URL$path"
}

# fakeapi_api METHOD PATH [BODY [CONTENT-TYPE]] — the Kubernetes API with the token.
fakeapi_api() {
	local method=$1 path=$2 body=${3:-} ctype=${4:-application/json}
	local args=(-sS -X "$method")
	[ -n "${FAKEAPI_CA:-}" ] && args+=(--cacert "$FAKEAPI_CA")
	[ -n "${FAKEAPI_TOKEN:-}" ] && args+=(-H "Authorization: Bearer $FAKEAPI_TOKEN")
	[ -n "$body" ] && args+=(-H "Content-Type: $ctype" --data-binary "$body")
	curl "${args[@]}" "$FAKEAPI_URL$path"
}

# fakeapi_stop — SIGTERM, then wait (at most 5 s) for a clean exit.
fakeapi_stop() {
	[ -n "${FAKEAPI_PID:-}" ] || return 0
	kill -TERM "$FAKEAPI_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$FAKEAPI_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$FAKEAPI_PID" 2>/dev/null; then
		echo "fakeapi: still running 5 s after SIGTERM; killing" >&2
		kill -KILL "$FAKEAPI_PID" 2>/dev/null
	fi
	wait "$FAKEAPI_PID" 2>/dev/null
	FAKEAPI_PID=
}
