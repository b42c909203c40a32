#!/usr/bin/env bash
# make valgrind: memcheck over the unit tests (built without sanitizers, which
# valgrind cannot run beside) and short daemon-free runs of kipvs: render of
# the fixtures in test/golden/render/ (its output checked too), and the
# command lines that parse flags. Each program is one TAP line; a memcheck
# error or a definite/indirect leak fails it. The VM case valgrind_list runs
# kipvs -L -n under valgrind in the guest.
#
#   test/valgrind.sh [NAME]   only programs whose name contains NAME
set -u
cd "$(dirname "$0")/.."
filter=${1:-}
n=0 fails=0
log=build/test-logs/valgrind
mkdir -p "$log"
vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect)

# run NAME STATUS COMMAND...: one TAP line (the exit status must be STATUS,
# and memcheck's own is 99); output in $log/NAME.log
run() {
	local name=$1 want=$2 rc
	shift 2
	case "$name" in *"$filter"*) ;; *) return 0 ;; esac
	n=$((n + 1))
	"${vg[@]}" "$@" >"$log/$name.out" 2>"$log/$name.log"
	rc=$?
	if [ $rc -eq "$want" ]; then
		echo "ok $n - $name"
	else
		fails=$((fails + 1))
		echo "not ok $n - $name (exit status $rc; $log/$name.log)"
		grep -E '==[0-9]+==' "$log/$name.log" | head -20 | sed 's/^/# /'
	fi
}

command -v valgrind >/dev/null || { echo "valgrind missing (make deps installs it)"; exit 1; }
for t in build/obj/test/unit/test_*; do
	[ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP run "unit-${t##*/}" 0 "$t"
done
gold=test/golden/render
run render_mixed_list 0 ./kipvs render -f "$gold/mixed-list.json" --hostname-override node-x \
	--node-ip 172.18.0.9 --node-ip=fd00:18::9
if [ -s "$log/render_mixed_list.out" ] && ! diff -u <(grep -v '^#' "$gold/mixed-list.txt") \
	"$log/render_mixed_list.out" >"$log/render_mixed_list.diff"; then
	fails=$((fails + 1)) n=$((n + 1))
	echo "not ok $n - render_mixed_list output ($log/render_mixed_list.diff)"
fi
run render_bound 0 ./kipvs render -f "$gold/mixed-list.json" --hostname-override node-x --bound
run render_bad_flag 2 ./kipvs render -f "$gold/mixed-list.json" --node-ip bogus
run run_help 0 ./kipvs run --help
run diff_bad_flag 2 ./kipvs diff --ipvs-sync-period forever
run watch_help 0 ./kipvs watch --help
run version 0 ./kipvs --version
echo "1..$n"
[ "$fails" -eq 0 ]
