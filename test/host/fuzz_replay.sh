#!/usr/bin/env bash
# Replays every stored fuzz input once (TAP output, one line per harness):
# test/fuzz/corpus/NAME (what `make fuzz` kept) and test/fuzz/regress/NAME
# (inputs that once crashed or leaked, kept by hand), through
# build/san/test/fuzz/NAME — the harness built with gcc, ASan and UBSan, no
# libFuzzer (make fuzz-replay). A sanitizer report, a leak, a harness check
# or a missing corpus fails the harness's line. Fast and deterministic: no
# mutation, each input runs once.
set -u
cd "$(dirname "$0")/../.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
n=0
fails=0
logdir=build/test-logs/fuzz-replay
mkdir -p "$logdir"

for src in test/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=build/san/test/fuzz/$name
	n=$((n + 1))
	dirs=()
	for d in "test/fuzz/corpus/$name" "test/fuzz/regress/$name"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	inputs=$(find "${dirs[@]}" -type f 2>/dev/null | wc -l)
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: $bin not built (make fuzz-replay)"
		fails=$((fails + 1))
	elif [ "$inputs" -eq 0 ]; then
		echo "not ok $n - $name: no stored inputs under test/fuzz/corpus/$name"
		fails=$((fails + 1))
	elif "$bin" "${dirs[@]}" >"$logdir/$name.log" 2>&1; then
		echo "ok $n - $name: $inputs stored inputs replayed clean"
	else
		echo "not ok $n - $name: a stored input fails (log: $logdir/$name.log)"
		grep -m 3 -E 'ERROR|SUMMARY|harness check|runtime error' "$logdir/$name.log" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
