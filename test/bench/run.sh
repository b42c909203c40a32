#!/usr/bin/env bash
# The benchmarks (what `make bench` runs, after building them):
#
#   test/bench/run.sh          every host benchmark, then every VM benchmark
#   test/bench/run.sh NAME     only those whose name contains NAME
#
# Host benchmarks: build/obj/test/bench/bench_* (from test/bench/bench_*.c),
# run in turn, their output shown as is. VM benchmarks: test/bench/vm_*.sh,
# cases for the VM harness (test/vm/README.md), all in one guest; each prints
# its figures on stdout, shown here from build/vm/logs/NAME.log.
# Benchmarks print figures and ratios and never fail on speed: the exit status
# is 1 only if one crashed or could not run.
set -u
cd "$(dirname "$0")/../.." || exit 1
filter=${1:-}
status=0

matches() { [ -z "$filter" ] || [[ "$1" == *$filter* ]]; }

for b in build/obj/test/bench/bench_*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	name=${b##*/}
	matches "$name" || continue
	echo "== $name"
	"$b"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "== $name: exit status $rc"
		status=1
	fi
	echo
done

vm=()
for f in test/bench/vm_*.sh; do
	[ -f "$f" ] || continue
	name=${f##*/}
	name=${name%.sh}
	matches "$name" && vm+=("$f")
done
if [ ${#vm[@]} -gt 0 ]; then
	echo "== VM benchmarks: ${vm[*]##*/}"
	# make bench has just built ./kipvs.
	test/vm/run.sh --no-build "${vm[@]}" | grep -v '^ok '
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	for f in "${vm[@]}"; do
		name=${f##*/}
		name=${name%.sh}
		echo "== $name"
		# The case's own output; kernel messages after it are not figures.
		sed '/^--- kernel messages$/,$d' "build/vm/logs/$name.log" 2>/dev/null
		echo
	done
fi
exit $status
