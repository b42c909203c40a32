#!/usr/bin/env bash
# `make install` and the man page: the installed tree (paths, modes), the
# unit's paths follow PREFIX/SYSCONFDIR and systemd-analyze accepts it (its
# Documentation= finds the installed page), the page renders without a
# groff/man warning, its RUN FLAGS are exactly `kipvs run --help`'s flags and
# defaults, it documents every subcommand `kipvs --help` lists, and
# `make uninstall` takes everything back. TAP output.
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top" || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }
PY=/usr/bin/python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! out=$(make --no-print-directory -s kipvs 2>&1) || [ ! -x kipvs ]; then
	notok "make kipvs" "$out"
	echo "1..$n"
	exit 1
fi

# 1. The tree under DESTDIR with the default PREFIX.
d=$tmp/dest
if out=$(make --no-print-directory -s install DESTDIR="$d" 2>&1); then
	ok "make install DESTDIR=... succeeds"
else
	notok "make install DESTDIR=... succeeds" "$out"
fi
want='0644 etc/kipvs/config.yaml.example
0644 usr/local/lib/systemd/system/kipvs.service
0755 usr/local/sbin/kipvs
0644 usr/local/share/doc/kipvs/modules-load-kipvs.conf
0644 usr/local/share/doc/kipvs/networkd-kipvs.network
0644 usr/local/share/doc/kipvs/networkmanager-kipvs.conf
0644 usr/local/share/man/man8/kipvs.8'
have=$(cd "$d" 2>/dev/null && find . -type f -printf '%m %P\n' | sed 's/^644 /0644 /; s/^755 /0755 /' | LC_ALL=C sort -k2)
if [ "$have" = "$want" ]; then
	ok "installed tree: sbin/kipvs, man8/kipvs.8, the unit, the example config, three snippets"
else
	notok "installed tree: sbin/kipvs, man8/kipvs.8, the unit, the example config, three snippets" \
		"expected:" "$want" "installed:" "$have"
fi
if cmp -s kipvs "$d/usr/local/sbin/kipvs" && "$d/usr/local/sbin/kipvs" --version | grep -q '^kipvs '; then
	ok "the installed kipvs is the built one and runs"
else
	notok "the installed kipvs is the built one and runs"
fi
unit=$d/usr/local/lib/systemd/system/kipvs.service
exec_start=$(grep '^ExecStart=' "$unit" 2>/dev/null)
if [ "$exec_start" = "ExecStart=/usr/local/sbin/kipvs run --config /etc/kipvs/config.yaml" ] &&
	grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" &&
	grep -q '^Documentation=man:kipvs(8)$' "$unit"; then
	ok "unit: ExecStart=\$(PREFIX)/sbin/kipvs run --config /etc/kipvs/config.yaml, reload = SIGHUP, man page linked"
else
	notok "unit: ExecStart=\$(PREFIX)/sbin/kipvs run --config /etc/kipvs/config.yaml, reload = SIGHUP, man page linked" \
		"$(grep -E '^(ExecStart|ExecReload|Documentation)=' "$unit" 2>&1)"
fi

# 2. Another PREFIX and SYSCONFDIR, no DESTDIR: every path follows, and
#    systemd-analyze accepts the unit (the binary exists where ExecStart
#    says; Documentation=man:kipvs(8) resolves to the installed page).
p=$tmp/prefix
make --no-print-directory -s install PREFIX="$p" SYSCONFDIR="$tmp/etc" >/dev/null 2>&1
punit=$p/lib/systemd/system/kipvs.service
if grep -qx "ExecStart=$p/sbin/kipvs run --config $tmp/etc/kipvs/config.yaml" "$punit" 2>/dev/null &&
	grep -qx "#ExecStopPost=$p/sbin/kipvs cleanup" "$punit" &&
	grep -qx "  kubeconfig: $tmp/etc/kipvs/kubeconfig" "$tmp/etc/kipvs/config.yaml.example" &&
	grep -q "^\.I $p/lib/systemd/system/kipvs.service$" "$p/share/man/man8/kipvs.8" &&
	! grep -q '/usr/local' "$punit" "$p/share/man/man8/kipvs.8" "$tmp/etc/kipvs/config.yaml.example"; then
	ok "PREFIX and SYSCONFDIR reach the unit, the example config and the man page"
else
	notok "PREFIX and SYSCONFDIR reach the unit, the example config and the man page" \
		"$(grep -n -E 'ExecStart|ExecStopPost|/usr/local' "$punit" 2>&1)" \
		"$(grep -n -E 'kubeconfig|/usr/local' "$tmp/etc/kipvs/config.yaml.example" 2>&1)"
fi
if out=$(MANPATH=$p/share/man systemd-analyze verify "$punit" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify accepts the installed unit (and finds kipvs(8))"
else
	notok "systemd-analyze verify accepts the installed unit (and finds kipvs(8))" "$out"
fi

# 3. The page renders cleanly with groff's warnings on and with man's.
page=$d/usr/local/share/man/man8/kipvs.8
gw=$(groff -ww -mandoc -Tutf8 -z "$page" 2>&1)
mw=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >"$tmp/page.txt")
if [ -z "$gw" ] && [ -z "$mw" ] && grep -q '^NAME' "$tmp/page.txt" && [ "$(wc -l <"$tmp/page.txt")" -gt 200 ]; then
	ok "man -l and groff -ww -mandoc render kipvs.8 without warnings"
else
	notok "man -l and groff -ww -mandoc render kipvs.8 without warnings" "groff: $gw" "man: $mw"
fi

# 4. RUN FLAGS = kipvs run --help: the same flags (and aliases), in the same
#    order, with the same defaults.
./kipvs run --help >"$tmp/help.txt" 2>&1
out=$($PY - "$tmp/help.txt" cmd/kipvs.8 <<'PYEOF' 2>&1
import re, sys
help_text, page = open(sys.argv[1]).read(), open(sys.argv[2]).read()

def plain(s):
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace("\\&", "")
    return s.strip()

want = []
for line in help_text.splitlines():
    m = re.match(r"^  (--\S+(?:, --\S+)?)\s{2,}(.*?)(?: \(default: (.*)\))?$", line)
    if m:
        want.append((tuple(x.strip() for x in m.group(1).split(",")), m.group(3)))
if len(want) < 30:
    sys.exit("only %d flags found in kipvs run --help" % len(want))
sec = page.split("\n.SH RUN FLAGS\n", 1)[1].split("\n.SH ", 1)[0]
have = []
for entry in sec.split("\n.TP\n")[1:]:
    tag, body = entry.split("\n", 1)
    names = tuple(re.findall(r"--[a-z0-9-]+", plain(tag)))
    defaults = [plain(l)[len("Default: "):-1] for l in body.splitlines()
                if plain(l).startswith("Default: ") and plain(l).endswith(".")]
    if len(defaults) > 1:
        sys.exit("%s: more than one Default line" % names[0])
    have.append((names, defaults[0] if defaults else None))
errors = []
for i in range(max(len(want), len(have))):
    w = want[i] if i < len(want) else None
    h = have[i] if i < len(have) else None
    if w != h:
        errors.append("entry %d: --help %s, man page %s" % (i + 1, w, h))
print("\n".join(errors) or "%d flags agree" % len(want))
sys.exit(1 if errors else 0)
PYEOF
)
if [ $? -eq 0 ]; then
	ok "man page RUN FLAGS = kipvs run --help (names, aliases, order, defaults): $out"
else
	notok "man page RUN FLAGS = kipvs run --help (names, aliases, order, defaults)" "$out"
fi

# 5. kipvs --help lists every subcommand of cmd/kipvs.c's table (the hidden
#    *-test developer commands aside), and the page documents each command
#    and option form that --help lists, with an exit status per subcommand.
./kipvs --help >"$tmp/usage.txt" 2>&1
table=$(sed -n '/subcmds\[\] = {/,/^};/p' cmd/kipvs.c | grep -o '{ "[a-z-]*"' | tr -d '{ "' |
	grep -v -- '-test$' | LC_ALL=C sort -u)
listed=$(grep -oE '^  kipvs [a-z]+' "$tmp/usage.txt" | awk '{ print $2 }' | LC_ALL=C sort -u)
if [ -n "$table" ] && [ "$table" = "$listed" ]; then
	ok "kipvs --help lists every subcommand: $(tr '\n' ' ' <<<"$listed")"
else
	notok "kipvs --help lists every subcommand" "in cmd/kipvs.c:" "$table" "in --help:" "$listed"
fi
missing=
commands=$(sed -n '/^COMMANDS/,/^RUN FLAGS/p' "$tmp/page.txt")
exits=$(sed -n '/^EXIT STATUS/,/^FILES/p' "$tmp/page.txt")
for c in $listed; do
	grep -qE "^       $c( |$)" <<<"$commands" || missing+=" COMMANDS:$c"
	grep -qE "^       kipvs $c$" <<<"$exits" || missing+=" EXIT-STATUS:$c"
done
for o in $(grep -oE '^  kipvs -[A-Za-z]' "$tmp/usage.txt" | awk '{ print $2 }'); do
	grep -qE "^       (.*, )?$o(,|$)" <<<"$commands" || missing+=" COMMANDS:$o"
done
grep -q 'ipvsadm-compatible mode' <<<"$exits" || missing+=" EXIT-STATUS:ipvsadm-mode"
sigs=$(sed -n '/^SIGNALS/,/^EXIT STATUS/p' "$tmp/page.txt")
grep -q 'SIGHUP kipvs run starts a full resync' <<<"$sigs" || missing+=" SIGNALS:SIGHUP"
grep -qE '^       SIGTERM, SIGINT' <<<"$sigs" && grep -q 'leaves the' <<<"$sigs" || missing+=" SIGNALS:SIGTERM"
if [ -z "$missing" ]; then
	ok "the page documents every command and option form of --help, exit statuses and signals"
else
	notok "the page documents every command and option form of --help, exit statuses and signals" \
		"missing:$missing"
fi

# 6. make uninstall removes every file it installed.
make --no-print-directory -s uninstall DESTDIR="$d" >/dev/null 2>&1
left=$(find "$d" -type f 2>/dev/null)
if [ -z "$left" ]; then
	ok "make uninstall removes every installed file"
else
	notok "make uninstall removes every installed file" "$left"
fi
echo "1..$n"
