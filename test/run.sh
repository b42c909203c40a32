#!/usr/bin/env bash
# The kipvs test runner: every tier, one summary line.
#
#   test/run.sh          unit tests (ASan+UBSan, cmocka), host tests, the VM suite
#   test/run.sh NAME     only tests whose name contains NAME (a glob is fine too)
#
# Each tier reports TAP-style lines ("ok - name", "not ok - name",
# "ok - name # SKIP why"); this script counts them and prints
# "N passed, N failed[, N skipped]" last. Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.."

filter=${1:-}
pass=0 fail=0 skip=0
failed_names=()
logdir=build/test-logs
mkdir -p "$logdir"

matches() { # name
	[ -z "$filter" ] && return 0
	case "$1" in *$filter*) return 0 ;; esac
	return 1
}

# Reads TAP lines on stdin, prefixes names with $1, counts them; echoes them.
count_tap() {
	local prefix=$1 line name seen=0
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			name=${line#not ok }; name=${name#* - }; name=${name#- }
			fail=$((fail + 1)); failed_names+=("$prefix$name"); seen=1
			echo "FAIL $prefix$name" ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			name=${line#ok }; name=${name#* - }; name=${name#- }
			skip=$((skip + 1)); seen=1
			echo "SKIP $prefix$name" ;;
		"ok "*)
			name=${line#ok }; name=${name#* - }; name=${name#- }
			pass=$((pass + 1)); seen=1
			echo "ok   $prefix$name" ;;
		*) echo "     $line" ;;
		esac
	done
	return 0
}

run_tap() { # prefix, log file, command...
	local prefix=$1 log=$2 rc before_fail before_all after_all
	shift 2
	before_fail=$fail
	before_all=$((pass + fail + skip))
	"$@" >"$log" 2>&1
	rc=$?
	count_tap "$prefix" < <(grep -E '^(not )?ok ' "$log")
	after_all=$((pass + fail + skip))
	# A crash, a sanitizer report or a leak at exit fails the program even when
	# every case it printed passed.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "$fail" -eq "$before_fail" ]; then
		fail=$((fail + 1)); failed_names+=("$prefix(exit status $rc)")
		echo "FAIL $prefix(exit status $rc) — see $log"
		tail -n 30 "$log" | sed 's/^/     /'
	elif [ "$rc" -eq 77 ] && [ "$after_all" -eq "$before_all" ]; then
		skip=$((skip + 1))
		echo "SKIP ${prefix%/} ($(tail -n 1 "$log"))"
	elif [ "$fail" -ne "$before_fail" ]; then
		echo "     (output: $log)"
	fi
}

# --- tier 1: unit tests (cmocka, ASan + UBSan) ---------------------------------
for bin in build/san/test/unit/test_*; do
	[ -x "$bin" ] || continue
	base=$(basename "$bin")
	export KIPVS_TEST_FILTER=""
	if [ -n "$filter" ] && ! matches "unit/$base"; then
		KIPVS_TEST_FILTER="*$filter*"
	fi
	CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_tap "unit/$base/" "$logdir/unit-$base.log" "$bin"
done
unset KIPVS_TEST_FILTER

# --- tier 2: host tests (API tier, CLI, manifests...) ---------------------------
for t in test/host/*.sh test/host/*.py; do
	[ -x "$t" ] || continue
	base=$(basename "$t"); base=${base%.*}
	matches "host/$base" || continue
	run_tap "host/$base/" "$logdir/host-$base.log" "$t"
done

# --- tier 3: the real kernel, in a VM -------------------------------------------
if [ -x test/vm/run.sh ]; then
	cases=()
	while IFS= read -r c; do
		matches "vm/$c" && cases+=("$c")
	done < <(test/vm/run.sh --list)
	if [ ${#cases[@]} -gt 0 ]; then
		run_tap "vm/" "$logdir/vm.log" test/vm/run.sh "${cases[@]}"
	fi
fi

if [ "$fail" -gt 0 ]; then
	echo
	echo "Failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
summary="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ "$fail" -eq 0 ] && [ $((pass + skip)) -gt 0 ]
