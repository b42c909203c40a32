#!/usr/bin/env bash
# Source checks (TAP output): clang-format clean, no banned calls, no terminal
# output or exit() outside cmd/, files under 1,000 lines, no file naming a
# folder outside the repository.
set -u
cd "$(dirname "$(readlink -f "$0")")/.."
n=0 failed=0
report() { # ok|fail, name, details
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; printf '%s\n' "$3" | sed 's/^/# /'; failed=$((failed + 1)); fi
}

mapfile -t srcs < <(git ls-files '*.c' '*.h' 2>/dev/null; git ls-files --others --exclude-standard '*.c' '*.h' 2>/dev/null)

# The checks below are only worth something over the whole tree: run from the
# wrong folder or outside a git checkout, git lists nothing and they pass.
out=$(for d in lib ipvs sync cmd; do
	printf '%s\n' "${srcs[@]}" | grep -q "^$d/.*\.c$" || echo "no $d/*.c found from $PWD"
done)
[ -z "$out" ] && report ok sources-found "" || report fail sources-found "$out"

if command -v clang-format >/dev/null; then
	out=$(clang-format --dry-run -Werror "${srcs[@]}" 2>&1 | grep -E '^[^ ].*error:' | head -20)
	[ -z "$out" ] && report ok clang-format "" || report fail clang-format "$out"
else
	report fail clang-format "clang-format missing (make deps installs it)"
fi

# Banned: unbounded or error-blind libc calls (curl's checksrc bans the same).
out=$(grep -nE '(^|[^_a-z])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)\(' "${srcs[@]}" | grep -v 'snprintf' | head -20)
[ -z "$out" ] && report ok banned-calls "" || report fail banned-calls "$out"

# Only cmd/ talks to the terminal or exits; libraries return errors.
lib=$(printf '%s\n' "${srcs[@]}" | grep -E '^(lib|ipvs|sync)/' | grep -v '^lib/log\.c$')
out=$(if [ -n "$lib" ]; then grep -nE '(^|[^_a-z])(printf|puts|putchar|exit|perror)\(|fprintf\((stdout|stderr)|\bstdout\b' $lib; fi | head -20)
[ -z "$out" ] && report ok no-terminal-io-in-libraries "" || report fail no-terminal-io-in-libraries "$out"

# The repository stands alone: no file may name the team's notes folder that
# sits beside a developer's checkout (a clone has none), as a path (after or
# before a slash) or as a quoted path part. Fixtures belong in test/fixtures.
# The brackets keep this file from matching its own patterns.
out=$(git grep -n -I --untracked -E -e '/s[h]ared' -e 's[h]ared/' -e "[\"']s[h]ared[\"']" 2>/dev/null |
	head -20)
[ -z "$out" ] && report ok no-outside-paths "" || report fail no-outside-paths "$out"

# Arrows point one way: cmd -> sync/driver -> sync (the pure core) -> ipvs -> lib.
# ipvs/ knows nothing of Kubernetes or of the sync passes; lib/ nothing of the
# kernel side; the core of sync/ does no I/O (no event loop, no HTTP, no
# driver); nothing includes cmd/.
in_dir() { printf '%s\n' "${srcs[@]}" | grep -E "$1"; }
out=$({
	f=$(in_dir '^ipvs/'); [ -n "$f" ] && grep -nE '#include "[^"]*(sync|kube|cmd)/' $f
	f=$(in_dir '^lib/'); [ -n "$f" ] && grep -nE '#include "[^"]*(ipvs|sync|cmd)/' $f
	f=$(in_dir '^sync/[^/]*$'); [ -n "$f" ] && grep -nE '#include ("[^"]*driver/|<(ev|curl/curl|microhttpd)\.h>)' $f
	f=$(in_dir '^(lib|ipvs|sync)/'); [ -n "$f" ] && grep -nE '#include "[^"]*cmd/' $f
} | head -20)
[ -z "$out" ] && report ok one-way-includes "" || report fail one-way-includes "$out"

out=$(wc -l "${srcs[@]}" 2>/dev/null | awk '$2 != "total" && $1 > 1000 {print $2 " (" $1 " lines)"}')
[ -z "$out" ] && report ok files-under-1000-lines "" || report fail files-under-1000-lines "$out"
echo "1..$n"
[ "$failed" -eq 0 ]
