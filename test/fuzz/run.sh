#!/usr/bin/env bash
# make fuzz: runs libFuzzer harnesses one after the other, then keeps what
# they found.
#
#   test/fuzz/run.sh SECONDS NAME...
#
# For each NAME: build/fuzz/NAME runs for SECONDS on test/fuzz/corpus/NAME
# (plus the hand-kept regression inputs in test/fuzz/regress/NAME), writing
# new inputs to a scratch folder; then -merge=1 minimizes the stored corpus
# plus the new inputs into a fresh set (by edges), which replaces
# test/fuzz/corpus/NAME.
# Crashes, leaks and timeouts land in build/fuzz/artifacts/NAME/ (the run
# goes on with the next harness; the exit status says something crashed).
# Log: build/fuzz/NAME.log; one line per run appended to build/fuzz/runs.tsv
# (date, harness, seconds it ran, executions, corpus files, corpus bytes,
# status).
set -u
cd "$(dirname "$0")/../.."

secs=$1
shift
failed=()
mkdir -p build/fuzz
for name in "$@"; do
	bin=build/fuzz/$name
	corpus=test/fuzz/corpus/$name
	regress=test/fuzz/regress/$name
	work=build/fuzz/work/$name
	arts=build/fuzz/artifacts/$name
	log=build/fuzz/$name.log
	rm -rf "$work"
	mkdir -p "$corpus" "$work/new" "$work/merged" "$arts"
	opts=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$arts/")
	# a dictionary: test/fuzz/dict/NAME.dict, else the one of NAME's prefix
	for d in "test/fuzz/dict/$name.dict" "test/fuzz/dict/${name%%_*}.dict"; do
		[ -f "$d" ] && opts+=(-dict="$d") && break
	done
	[ -f "test/fuzz/options/$name" ] && read -r -a more <"test/fuzz/options/$name" && opts+=("${more[@]}")
	dirs=("$corpus")
	[ -d "$regress" ] && dirs+=("$regress")

	echo "fuzz: $name for ${secs}s (log: $log)"
	t0=$(date +%s)
	"$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 \
		"$work/new" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	ran=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		failed+=("$name")
		echo "fuzz: $name FAILED (exit $rc): $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*harness check failed)' "$log")"
		ls "$arts" | sed 's/^/      artifact: /'
	fi

	# Minimize stored + new inputs into a fresh corpus. Edges only
	# (-use_counters=0): hit counts would keep several times as many
	# inputs, and the stored corpus is for replaying and seeding, not for
	# carrying a fuzzer's state over.
	if ! "$bin" "${opts[@]}" -use_counters=0 -merge=1 "$work/merged" "$corpus" "$work/new" \
		>"$work/merge.log" 2>&1; then
		echo "fuzz: $name: merge failed, corpus left as it was (see $work/merge.log)"
	elif [ -n "$(ls -A "$work/merged")" ]; then
		find "$corpus" -type f -delete
		cp "$work/merged"/* "$corpus"/
	fi
	files=$(find "$corpus" -type f | wc -l)
	bytes=$(du -sb "$corpus" | cut -f1)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$ran" "${execs:-?}" \
		"$files" "$bytes" "$([ "$rc" -eq 0 ] && echo ok || echo "exit-$rc")" >>build/fuzz/runs.tsv
	echo "fuzz: $name: ${execs:-?} executions, corpus $files files, $bytes bytes"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashes in: ${failed[*]} (artifacts under build/fuzz/artifacts/)"
	exit 1
fi
