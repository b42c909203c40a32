#!/usr/bin/env bash
# The real-kernel test suite: boots one qemu VM (Debian's cloud kernel, TCG)
# and runs test/vm/cases/*.sh in it, each in a fresh state. TAP on stdout.
#
#   test/vm/run.sh --list                 the case names, one per line
#   test/vm/run.sh [options] [CASE...]    run these cases (default: all)
#
# A CASE is a name from --list, or the path of a case file elsewhere under
# test/ (e.g. test/bench/vm_restore.sh); its name is then the file's basename.
#
# Options:
#   --net-apiserver [HOST:]PORT  give vm-net cases a network whose only reachable
#                                destination is 10.0.2.100:6443 = 127.0.0.1:PORT
#   --no-build                   do not run `make kipvs tools` first
#   --shell                      boot the guest with an interactive shell on this
#                                terminal (the selected cases' files are in it)
#   --console                    copy the guest's kernel console to stderr
#   --stream                     print the lines a case streams (it writes
#                                "KIPVS:S TEXT" to $VM_RESULT_DEV) on stderr as
#                                they come, for a person (make demo); TAP stays
#                                on stdout. Without it they are dropped.
#
# Environment: KIPVS_CACHE (kernel + base initramfs cache, ~/.cache/kipvs),
# KIPVS_VM_MEM (MiB, 2048), KIPVS_VM_SMP (1), KIPVS_VM_TIMEOUT (global limit
# in seconds; default: boot allowance + every case's own limit),
# KIPVS_VM_BOOT_TIMEOUT (seconds until the guest must report, 300).
# Logs of the last run: build/vm/ (console.log, logs/CASE.log, CASE.host.log).
# Conventions for case writers: test/vm/README.md.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
vmdir=test/vm
casedir=$vmdir/cases

list_cases() {
	local f
	for f in "$casedir"/*.sh; do
		[ -e "$f" ] || continue
		case "$f" in *.host.sh) continue ;; esac
		f=${f##*/}
		echo "${f%.sh}"
	done
}

net_hostport=
build=1
shell=0
console=0
stream=0
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--list) list_cases; exit 0 ;;
	--net-apiserver) net_hostport=${2:-}; shift ;;
	--net-apiserver=*) net_hostport=${1#*=} ;;
	--no-build) build=0 ;;
	--shell) shell=1 ;;
	--console) console=1 ;;
	--stream) stream=1 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) names+=("$1") ;;
	esac
	shift
done
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(list_cases)

# --- TAP output ---------------------------------------------------------------
n=0
failed=0
tap_ok() { n=$((n + 1)); echo "ok $n - $*"; }
tap_fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
tap_diag() { # text... (each may hold several lines)
	local t l
	for t in "$@"; do
		[ -n "$t" ] || continue
		while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$t"
	done
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ] && [ "$n" -gt 0 ]
	exit $?
}

if [ -n "$net_hostport" ]; then
	case "$net_hostport" in
	[0-9]*:*) ;;
	127.0.0.1:[0-9]* | localhost:[0-9]*) net_hostport=127.0.0.1:${net_hostport#*:} ;;
	*[!0-9]*) tap_fail "setup # --net-apiserver takes [127.0.0.1:]PORT, not $net_hostport"; finish ;;
	*) net_hostport=127.0.0.1:$net_hostport ;;
	esac
	case "$net_hostport" in
	127.0.0.1:[0-9]*) ;;
	*) tap_fail "setup # --net-apiserver must be a loopback port, not $net_hostport"; finish ;;
	esac
fi

# --- the cases and what they declare -------------------------------------------
# Header lines (in the leading comment block): "# vm-timeout: SECONDS",
# "# vm-net: apiserver", "# vm-modules: none", "# vm-netns: init".
header() { # file key → value
	awk -v k="$2" '
		!/^#/ && NR > 1 { exit }
		$1 == "#" && $2 == k ":" { print $3; exit }' "$1"
}

plan_names=() plan_files=() plan_tmo=() plan_net=() plan_mods=() plan_netns=()
for c in "${names[@]}"; do
	case "$c" in
	*/* | *.sh) f=${c#./} c=${f##*/} c=${c%.sh} ;;
	*) f=$casedir/$c.sh ;;
	esac
	if [ ! -f "$f" ] || [[ "$c" == *.host ]] || [[ "$f" != test/* ]]; then
		tap_fail "$c # no such case ($f; cases are files under test/)"
		continue
	fi
	if ! [[ "$c" =~ ^[A-Za-z0-9_.+-]+$ ]]; then
		tap_fail "$c # case names are letters, digits and _ . + -"
		continue
	fi
	tmo=$(header "$f" vm-timeout)
	net=$(header "$f" vm-net)
	mods=$(header "$f" vm-modules)
	netns=$(header "$f" vm-netns)
	case "${tmo:-120}" in '' | *[!0-9]*) tap_fail "$c # bad vm-timeout '$tmo'"; continue ;; esac
	case "${net:-none}" in none | apiserver) ;; *) tap_fail "$c # bad vm-net '$net'"; continue ;; esac
	case "${mods:-ipvs}" in ipvs | none) ;; *) tap_fail "$c # bad vm-modules '$mods'"; continue ;; esac
	case "${netns:-case}" in case | init) ;; *) tap_fail "$c # bad vm-netns '$netns'"; continue ;; esac
	plan_names+=("$c")
	plan_files+=("$f")
	plan_tmo+=("${tmo:-120}")
	plan_net+=("${net:-none}")
	plan_mods+=("${mods:-ipvs}")
	plan_netns+=("${netns:-case}")
done
[ ${#plan_names[@]} -gt 0 ] || { [ $n -gt 0 ] || echo "# no cases selected"; finish; }

work=$top/build/vm
mkdir -p "$work"
exec 7>"$work/.lock"
if ! flock -n 7; then
	echo "run.sh: another VM run uses $work; waiting" >&2
	flock 7
fi
rm -rf "$work/logs" "$work/host" "$work/stage" "$work"/*.host.log
mkdir -p "$work/logs" "$work/host"

pids=() # host companions (process group leaders)
qpid=
cleanup() {
	local p
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$p" 2>/dev/null
	done
	pids=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the guest: kernel, base initramfs, this run's overlay ----------------------
ship_kipvs=1
if [ $build -eq 1 ] && ! make --no-print-directory -s kipvs build/kipvs-testtool >&2; then
	echo "# make kipvs build/kipvs-testtool failed: the guest gets no ./kipvs"
	ship_kipvs=0
fi
if ! guest=$("$vmdir/build-guest.sh" 2>"$work/build-guest.log"); then
	tap_fail "setup # building the guest failed"
	tap_diag "$(tail -n 20 "$work/build-guest.log")"
	finish
fi
kernel=$(awk '$1 == "kernel" { print $2 }' <<<"$guest")
base=$(awk '$1 == "base" { print $2 }' <<<"$guest")

# Host companions: cases/NAME.host.sh runs on the host for the whole VM run,
# prints the loopback port it listens on as its first line, and may leave
# files in $VM_HOST_FILES for the guest. Each gets its own guest address.
declare -A api
next_ip=100
if [ -n "$net_hostport" ]; then
	fwd=("10.0.2.100:6443=$net_hostport")
	next_ip=101
else
	fwd=()
fi
for i in "${!plan_names[@]}"; do
	c=${plan_names[$i]}
	[ "${plan_net[$i]}" = apiserver ] || continue
	comp=${plan_files[$i]%.sh}.host.sh
	if [ ! -f "$comp" ]; then
		[ -n "$net_hostport" ] && api[$c]=10.0.2.100:6443
		continue
	fi
	gaddr=10.0.2.$next_ip:6443
	next_ip=$((next_ip + 1))
	mkdir -p "$work/host/$c"
	out=$work/$c.host.out
	VM_APISERVER=$gaddr VM_HOST_FILES=$work/host/$c \
		setsid bash "$comp" >"$out" 2>"$work/$c.host.log" </dev/null 7>&- &
	pids+=($!)
	port=
	for _ in $(seq 300); do
		if [ "$(wc -l <"$out")" -ge 1 ]; then
			port=$(head -n 1 "$out")
			break
		fi
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	case "$port" in
	[0-9]*) api[$c]=$gaddr; fwd+=("$gaddr=127.0.0.1:$port") ;;
	*)
		tap_fail "$c # its host companion $comp printed no port"
		tap_diag "first line of its stdout: '$port'" "its stderr:" "$(tail -n 20 "$work/$c.host.log")"
		plan_net[$i]=skip
		;;
	esac
done

stage=$work/stage
mkdir -p "$stage/src/.vm"
plan=$stage/src/.vm/plan
: >"$plan"
for i in "${!plan_names[@]}"; do
	c=${plan_names[$i]}
	[ "${plan_net[$i]}" = skip ] && continue
	echo "$c ${plan_files[$i]} ${plan_tmo[$i]} ${plan_net[$i]} ${plan_mods[$i]}" \
		"${plan_netns[$i]} ${api[$c]:--}" >>"$plan"
done
[ -s "$plan" ] || finish
[ -d "$work/host" ] && cp -r "$work/host" "$stage/src/.vm/host"

# The test tree (tracked and new files, as git sees them; fixtures included),
# ./kipvs, ./kipvs-testtool (test/tools/) and the libraries they need that the
# base lacks.
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -z test
else
	find test -path test/vm/cache -prune -o -path test/vm/work -prune -o -type f -print0
fi | tar -C "$top" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$stage/src" -xf -
if [ $ship_kipvs -eq 1 ] && [ -x kipvs ] && [ -x build/kipvs-testtool ]; then
	cp kipvs "$stage/src/kipvs"
	cp build/kipvs-testtool "$stage/src/kipvs-testtool"
	ldd kipvs build/kipvs-testtool 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		sort -u | while read -r l; do
		grep -qxF "$l" "${base%.cpio}.list" && continue
		mkdir -p "$stage$(dirname "$l")"
		cp -L "$l" "$stage$l"
	done
fi
# The kernel unpacks concatenated cpio archives in turn (later files win).
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$work/overlay.cpio"
cat "$base" "$work/overlay.cpio" >"$work/initrd.cpio"

# --- boot ------------------------------------------------------------------------
mem=${KIPVS_VM_MEM:-2048}
smp=${KIPVS_VM_SMP:-1}
# No crypto self-tests, no speculation mitigations: each saves boot or syscall
# time under emulation, and this guest holds no secrets. The clock is the
# HPET: a TSC calibrated while the host is busy can run many times too fast
# (seen: guest sleeps and timeouts ending 25x early).
append="console=ttyS0 quiet loglevel=4 panic=-1 cryptomgr.notests mitigations=off"
append+=" clocksource=hpet ${KIPVS_VM_APPEND:-}"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$work/initrd.cpio")
# qboot starts a -kernel guest quicker than SeaBIOS.
qboot=/usr/share/qemu/qboot.rom
[ -r "$qboot" ] && qemu+=(-bios "$qboot")
if grep -q ' apiserver ' "$plan"; then
	nd=user,id=n0,restrict=on
	# The "cmd:" form starts one socat per guest connection; the plain
	# "tcp:" form is a single chardev, good for one connection only.
	for f in "${fwd[@]}"; do
		nd+=",guestfwd=tcp:${f%%=*}-cmd:socat -lf /dev/null - TCP:${f#*=}"
	done
	qemu+=(-netdev "$nd" -device "virtio-net-pci,netdev=n0,romfile=")
else
	qemu+=(-nic none)
fi

if [ $shell -eq 1 ]; then
	"${qemu[@]}" -append "$append kipvs.shell" -serial mon:stdio -device virtio-serial-pci,romfile= \
		-chardev null,id=results -device virtserialport,chardev=results,name=kipvs.results
	exit $?
fi

: >"$work/console.log"
: >"$work/results.raw"
total=0
for t in "${plan_tmo[@]}"; do total=$((total + t + 15)); done
limit=${KIPVS_VM_TIMEOUT:-$((total + 120))}
start=$(date +%s.%N)
# timeout(1) is the global limit: it stops qemu with TERM (exit status 124).
timeout "$limit" "${qemu[@]}" -append "$append" -monitor none \
	-serial "file:$work/console.log" -device virtio-serial-pci,romfile= \
	-chardev "file,id=results,path=$work/results.raw" \
	-device virtserialport,chardev=results,name=kipvs.results \
	</dev/null >"$work/qemu.log" 2>&1 7>&- &
qpid=$!
[ $console -eq 1 ] && { tail -n +1 -F --pid=$qpid -s 0.2 "$work/console.log" >&2 2>/dev/null & }

# --- results ----------------------------------------------------------------------
elapsed() { echo "$(date +%s.%N) $1" | awk '{ printf "%.1f", $1 - $2 }'; }
mapfile -t planned < <(awk '{ print $1 }' "$plan")
declare -A tmo_of
while read -r c _ t _; do tmo_of[$c]=$t; done <"$plan"
cur='' checks=0 skipwhy='' diags=() done=0 booted='' ended=() hung=''
declare -A seen
flush_diag() { [ ${#diags[@]} -gt 0 ] && tap_diag "${diags[@]}"; diags=(); }
check_line() { # ok|fail|skip NAME [REASON] — one check of the current case
	local kind=$1 name=$2 why=${3:-}
	checks=$((checks + 1))
	if [ -n "${seen[$name]:-}" ]; then
		tap_fail "$cur/$name # this check name was already used in this case"
	elif [ "$kind" = ok ]; then
		tap_ok "$cur/$name"
	elif [ "$kind" = skip ]; then
		tap_ok "$cur/$name # SKIP ${why:-no reason given}"
	else
		tap_fail "$cur/$name"
	fi
	seen[$name]=1
	flush_diag
}
# Host-side watchdogs, for a guest too stuck to report: no boot line within
# $boot_limit s, or a case still running 60 s after its own limit.
boot_limit=${KIPVS_VM_BOOT_TIMEOUT:-300}
now_s() { date +%s; }
t0=$(now_s)
case_deadline=
part= # what a timed-out read got of a line (bash keeps it in the variable)

while :; do
	IFS= read -r -t 2 line
	rs=$?
	if [ $rs -ne 0 ]; then
		[ $rs -gt 128 ] || break # EOF: qemu has exited
		part+=$line
		t=$(now_s)
		if [ -z "$booted" ] && [ $((t - t0)) -gt "$boot_limit" ]; then
			hung="the guest did not report within $boot_limit s of starting"
		elif [ -n "$case_deadline" ] && [ "$t" -gt "$case_deadline" ]; then
			hung="the guest stopped responding (60 s past the case's vm-timeout)"
		fi
		if [ -n "$hung" ]; then
			kill "$qpid" 2>/dev/null
			break
		fi
		continue
	fi
	line=$part$line part=
	line=${line%$'\r'}
	case "$line" in KIPVS:*) line=${line#KIPVS:} ;; *) continue ;; esac
	case "$line" in
	"L "*) [ -n "$cur" ] && printf '%s\n' "${line#L }" >>"$work/logs/$cur.log" ;;
	"S "*) [ $stream -eq 1 ] && printf '%s\n' "${line#S }" >&2 ;;
	"# "*) diags+=("${line#\# }") ;;
	"boot "*)
		booted=$(elapsed "$start")
		read -r _ up krel <<<"$line"
		echo "# guest $krel up after ${booted} s (guest uptime $up s)" ;;
	"begin "*)
		cur=${line#begin } checks=0 skipwhy='' cstart=$(date +%s.%N)
		seen=()
		case_deadline=$(($(now_s) + ${tmo_of[$cur]:-120} + 60))
		: >"$work/logs/$cur.log" ;;
	"ok "*) check_line ok "${line#ok }" ;;
	"fail "*) check_line fail "${line#fail }" ;;
	"skip "*)
		s=${line#skip }
		if [[ "$s" == *" "* ]]; then check_line skip "${s%% *}" "${s#* }"; else check_line skip "$s"; fi ;;
	"skipcase "*) skipwhy=${line#skipcase } ;;
	"end "*)
		read -r _ c rc gtook <<<"$line"
		took=$(elapsed "$cstart")
		case "$rc" in
		0) [ $checks -eq 0 ] && tap_ok "$c" ;;
		77) tap_ok "$c # SKIP ${skipwhy:-exit status 77}" ;;
		timeout) tap_fail "$c # timed out after ${tmo_of[$c]:-?} s (vm-timeout)" ;;
		*) tap_fail "$c # exit status $rc" ;;
		esac
		flush_diag
		echo "# $c: $took s"
		# Guest timeouts are only as good as the guest's clock.
		if awk -v g="${gtook:-0}" -v h="$took" 'BEGIN { exit !(g > 1.5 * h + 2) }'; then
			echo "# warning: the guest clock ran fast: $gtook s in the guest for $took s here"
		fi
		ended+=("$c")
		cur='' case_deadline='' ;;
	done) done=1 ;;
	esac
done < <(tail -n +1 -F --pid=$qpid -s 0.2 "$work/results.raw" 2>/dev/null)
wait $qpid 2>/dev/null
qrc=$?
qpid=

if [ $done -ne 1 ]; then
	if [ -n "$hung" ]; then
		why=$hung
	elif [ $qrc -eq 124 ]; then
		why="the VM was stopped after the global limit of $limit s"
	elif [ -z "$booted" ]; then
		why="the VM never came up (qemu exit status $qrc)"
	else
		why="the VM stopped (qemu exit status $qrc)"
	fi
	if [ -n "$cur" ]; then
		tap_fail "$cur # $why during this case"
		flush_diag
		tap_diag "last kernel console lines ($work/console.log):"
		tap_diag "$(tail -n 25 "$work/console.log" | tr -d '\r')"
		ended+=("$cur")
	fi
	for c in "${planned[@]}"; do
		[[ " ${ended[*]} " == *" $c "* ]] && continue
		tap_fail "$c # not run: $why"
		if [ -z "$booted" ]; then
			tap_diag "$(tail -n 25 "$work/console.log" | tr -d '\r')" "$(tail -n 5 "$work/qemu.log")"
			booted=reported
		fi
	done
fi
echo "# VM run: $(elapsed "$start") s in all; logs in ${work#$top/}/"
finish
