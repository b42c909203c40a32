#!/usr/bin/env bash
# One-shot commands that read the API server never wait forever: `kipvs render`
# (without -f) and `kipvs watch --once` give up at --timeout (default 30 s)
# with a clear message, a log line naming what was still missing and a
# non-zero exit status, against a server that accepts the connection and
# never answers, and against one that is not there. (`kipvs diff` is checked
# in the VM, vm/daemon_apidown, since it needs IPVS.) TAP output.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
. "$top/test/fakeapi/lib.sh"
bin="$top/build/san/kipvs"
[ -x "$bin" ] || bin="$top/kipvs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1
[ -x "$bin" ] || { echo "kipvs not built"; exit 77; }

tmp=$(mktemp -d)
n=0 failed=0
cleanup() {
	fakeapi_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | head -30 | sed 's/^/#   /'
	return 0
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

fakeapi_start "$tmp/api" --load "$FAKEAPI_FIXTURES/services.json" \
	--load "$FAKEAPI_FIXTURES/endpointslices.json" 2>"$tmp/api.err" ||
	{ echo "Bail out! fakeapi: $(cat "$tmp/api.err")"; exit 1; }

# The Service list hangs: render waits 2 s, no more.
fakeapi_ctl POST /_fake/faults '{"type":"hang","resource":"services","count":-1,"seconds":60}' >/dev/null
t0=$(date +%s%N)
timeout 60 "$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" --timeout 2s >"$tmp/out" 2>"$tmp/err"
rc=$? took=$(ms_since "$t0")
if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$took" -lt 15000 ] &&
	grep -q 'kipvs render: the API server did not answer every list within 2s (--timeout)' "$tmp/err" &&
	grep -q 'event=api_timeout seconds=2 waiting_for=services' "$tmp/err"; then
	ok "render: a hung Service list ends at --timeout 2s (after $took ms), exit 1, names what was missing"
else
	not_ok "render: a hung Service list ends at --timeout" "exit $rc after $took ms" "$(tail -5 "$tmp/err")"
fi

timeout 60 "$bin" watch --once --kubeconfig "$FAKEAPI_KUBECONFIG" --timeout=2s >"$tmp/out" 2>"$tmp/err"
rc=$? took=$(ms_since "$t0")
if [ $rc -eq 1 ] && grep -q 'kipvs watch: the API server did not answer every list within 2s' "$tmp/err" &&
	grep -q 'event=api_timeout seconds=2 waiting_for=services' "$tmp/err" && grep -q '^synced endpointslices' "$tmp/out"; then
	ok "watch --once: the same, after printing what did arrive"
else
	not_ok "watch --once: ends at --timeout" "exit $rc" "$(tail -5 "$tmp/err")" "$(cat "$tmp/out" | tail -3)"
fi
fakeapi_ctl DELETE /_fake/faults >/dev/null

# Nothing listening: the default applies (30 s), not forever.
t0=$(date +%s%N)
timeout 90 "$bin" render --master https://127.0.0.1:1 >"$tmp/out" 2>"$tmp/err"
rc=$? took=$(ms_since "$t0")
if [ $rc -eq 1 ] && [ "$took" -ge 29000 ] && [ "$took" -lt 60000 ] &&
	grep -q 'within 30s (--timeout)' "$tmp/err"; then
	ok "render with no server: gives up after the default 30 s ($took ms), exit 1"
else
	not_ok "render with no server: default deadline" "exit $rc after $took ms" "$(tail -3 "$tmp/err")"
fi

# A bad value is a usage error.
"$bin" render --timeout forever >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--timeout 'forever'" "$tmp/err" && ok "--timeout forever: usage error, exit 2" ||
	not_ok "--timeout forever: usage error" "exit $rc" "$(cat "$tmp/err")"

# A working server is not slowed down by the deadline.
t0=$(date +%s%N)
"$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" --timeout 20s >"$tmp/out" 2>"$tmp/err"
rc=$? took=$(ms_since "$t0")
[ $rc -eq 0 ] && grep -q '^-A' "$tmp/out" && ok "render with a live server and --timeout 20s: done in $took ms" ||
	not_ok "render with a live server" "exit $rc" "$(tail -3 "$tmp/err")"

echo "1..$n"
[ $failed -eq 0 ]
