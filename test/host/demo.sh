#!/usr/bin/env bash
# `make demo` without the dependency and build steps: runs test/demo/run.sh
# (one VM) and checks what a person would see: exit status 0, the ten steps'
# headings streamed in order to stdout, the closing verdict, and every check
# of the demo passed (each re-reported here as demo/NAME). Takes about a
# minute (the figure is printed; it is not a check).
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top" || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
t0=$(date +%s)
test/demo/run.sh >"$out" 2>&1
rc=$?
took=$(($(date +%s) - t0))

if [ $rc -eq 0 ]; then
	ok "test/demo/run.sh exits 0"
else
	notok "test/demo/run.sh exits 0" "exit status $rc; the end of its output:" "$(tail -n 25 "$out")"
fi
want=$(seq 1 10 | tr '\n' ' ')
have=$(sed -n 's/^==> \([0-9]*\)\. .*/\1/p' "$out" | tr '\n' ' ')
if [ "$have" = "$want" ]; then
	ok "the ten steps' headings reach the terminal in order"
else
	notok "the ten steps' headings reach the terminal in order" "seen: $have"
fi
if grep -q '^make demo: all [0-9]* checks passed' "$out" &&
	grep -qE '^ +ok: answered by web-1, web-2 and web-3' "$out" &&
	grep -qE '^spread: web-1 x5, web-2 x5$' "$out"; then
	ok "the verdict and the step outcomes are on the terminal"
else
	notok "the verdict and the step outcomes are on the terminal" "$(tail -n 5 "$out")"
fi
# The demo's own checks, one line each.
while IFS= read -r l; do
	case "$l" in
	"ok "*) ok "${l#ok [0-9]* - }" ;;
	"not ok "*) notok "${l#not ok [0-9]* - }" ;;
	esac
done <build/vm/demo.tap
echo "# make demo took $took s here (boot included)"
echo "1..$n"
