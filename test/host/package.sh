#!/usr/bin/env bash
# Shipping kipvs: `make image` and `make deb` from scratch, then what they
# made. The image: its OCI archive unpacks (umoci), the kipvs in it is the
# tree's (same build-id) and runs from the unpacked root, it holds no shell,
# no package manager and no other program, and it carries the tag the
# DaemonSet names (host/manifests checks the DaemonSet side). The package: lintian-clean, the expected files, the
# example config a conffile, the unit enabled but never started by the
# scripts; installed with dpkg into a throwaway Debian root (mmdebstrap:
# essential packages, systemd, and the libraries the package depends on) it
# runs there, its unit passes `systemd-analyze verify`, and purging it leaves
# the root's file list as it was. Also: without the tools both targets name
# the missing package, and a failed build leaves no archive behind. TAP.
#
# Needs root (chroot, dpkg --root) and Debian's mirror. The throwaway root is
# built in the background while the image and the package build, and kept
# in ~/.cache/kipvs/ for a week (it is only the ground the package is
# installed on; the package itself is built and installed afresh each run).
set -u
top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$top" || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; shift; [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }
PY=/usr/bin/python3
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

version=$(sed -n 's/^#define KIPVS_VERSION "\(.*\)"$/\1/p' lib/version.h)
tmp=$(mktemp -d)
rootpid=
roottar=
failpid=
cleanup() {
	[ -z "$rootpid" ] || { kill "$rootpid" 2>/dev/null; wait "$rootpid" 2>/dev/null; }
	[ -z "$failpid" ] || wait "$failpid" 2>/dev/null
	[ -z "$roottar" ] || rm -f "$roottar.tmp.$$"
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	notok "runs as root (chroot and dpkg --root need it)"
	echo "1..$n"
	exit 1
fi
if ! out=$(make --no-print-directory -s kipvs 2>&1) || [ ! -x kipvs ]; then
	notok "make kipvs" "$out"
	echo "1..$n"
	exit 1
fi
treever=$(./kipvs --version)
libpkgs=$(manifests/libpkgs.sh kipvs)

# --- the throwaway root, in the background ------------------------------------
suite=bookworm
mirror=http://deb.debian.org
rootinc="$libpkgs,systemd,procps"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kipvs
key=$(printf '%s\n' "$suite" "$mirror" "$rootinc" | sha256sum | cut -c1-16)
roottar=$cache/deb-root-$suite-$key.tar
mkdir -p "$cache"
find "$cache" -maxdepth 1 -name 'deb-root-*.tar' -mtime +7 -delete 2>/dev/null
rootfrom="from ~/.cache/kipvs"
if [ ! -s "$roottar" ]; then
	rootfrom="built"
	t_root=$(now)
	mmdebstrap --quiet --variant=essential --format=tar --dpkgopt=force-unsafe-io --include="$rootinc" \
		"$suite" "$roottar.tmp.$$" \
		"deb $mirror/debian $suite main" "deb $mirror/debian $suite-updates main" \
		"deb $mirror/debian-security $suite-security main" >"$tmp/root.log" 2>&1 &
	rootpid=$!
fi

# A failed image build, in the background too (it mostly waits): nothing
# listens on 127.0.0.1:9, so the image's mmdebstrap fails.
mkdir -p "$tmp/fail-image" "$tmp/fail-tmp"
(
	TMPDIR="$tmp/fail-tmp" IMAGE_MIRROR=http://127.0.0.1:9 \
		manifests/image.sh ./kipvs "$version" "$tmp/fail-image/kipvs-image.oci.tar" >"$tmp/fail-image.log" 2>&1
	echo $? >"$tmp/fail-image.rc"
) &
failpid=$!

# --- without the tools ------------------------------------------------------------
# A PATH with every command of this machine but the ones hidden.
pathwithout() { # dir, commands...
	local d=$1 c
	shift
	mkdir -p "$d"
	# ln skips names already linked: earlier directories win, as in PATH.
	for c in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin; do
		ln -s "$c"/* "$d/" 2>/dev/null
	done
	for c in "$@"; do rm -f "$d/$c"; done
}
missing_says() { # target, command, package, file that must stay as it is
	local target=$1 cmd=$2 pkg=$3 keep=$4 before after out rc
	pathwithout "$tmp/without-$cmd" "$cmd"
	before=$(stat -c '%s %Y' "$keep" 2>/dev/null)
	out=$(PATH="$tmp/without-$cmd" make --no-print-directory "$target" 2>&1)
	rc=$?
	after=$(stat -c '%s %Y' "$keep" 2>/dev/null)
	if [ $rc -ne 0 ] && grep -qx "make $target: $cmd not found: install the $pkg package (make deps installs it)" <<<"$out" &&
		[ "$before" = "$after" ] && [ ! -e "$keep.tmp" ]; then
		return 0
	fi
	echo "make $target without $cmd: exit status $rc; $keep before '$before', after '$after'"
	echo "$out"
	return 1
}
out=$(missing_says image mmdebstrap mmdebstrap build/kipvs-image.oci.tar &&
	missing_says image umoci umoci build/kipvs-image.oci.tar)
if [ $? -eq 0 ]; then ok "make image without mmdebstrap or umoci names the package and make deps, writes nothing"; else notok "make image without mmdebstrap or umoci names the package and make deps, writes nothing" "$out"; fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
debfile=build/kipvs_${version}_$arch.deb
out=$(missing_says deb dh debhelper "$debfile" && missing_says deb lintian lintian "$debfile")
if [ $? -eq 0 ]; then ok "make deb without debhelper or lintian names the package and make deps, writes nothing"; else notok "make deb without debhelper or lintian names the package and make deps, writes nothing" "$out"; fi

# --- failed builds leave nothing --------------------------------------------------
t0=$(now)
# (The failed image build runs in the background, started above.)
# A compiler that fails: dpkg-buildpackage stops in dh_auto_build.
mkdir -p "$tmp/fail-deb"
out=$(CC=false manifests/deb.sh "$version" "$tmp/fail-deb" 2>&1)
rc=$?
left=$(find "$tmp/fail-deb" -mindepth 1 -not -name deb.log)
if [ $rc -ne 0 ] && [ -z "$left" ] && grep -q 'dpkg-buildpackage failed' <<<"$out"; then
	ok "a failed package build (compiler fails) exits $rc and leaves no package, only its log"
else
	notok "a failed package build (compiler fails) leaves no package, only its log" \
		"exit status $rc; left: $left" "$(tail -n 5 <<<"$out")"
fi

t_fail=$(secs "$t0" "$(now)")

# --- make image -------------------------------------------------------------------
image=build/kipvs-image.oci.tar
t0=$(now)
out=$(make --no-print-directory image 2>&1)
rc=$?
t_image=$(secs "$t0" "$(now)")
if [ $rc -eq 0 ] && [ -s "$image" ] && [ ! -e "$image.tmp" ]; then
	ok "make image writes $image (${t_image}s)"
else
	notok "make image writes $image" "exit status $rc" "$out"
fi
echo "# $(grep '^image: build/' <<<"$out")"

oci=$tmp/oci
bundle=$tmp/bundle
mkdir -p "$oci"
if tar -xf "$image" -C "$oci" 2>"$tmp/err" && umoci unpack --image "$oci:$version" "$bundle" >>"$tmp/err" 2>&1 &&
	[ -x "$bundle/rootfs/usr/sbin/kipvs" ]; then
	ok "the archive is an OCI layout; umoci unpacks tag $version"
else
	notok "the archive is an OCI layout; umoci unpacks tag $version" "$(cat "$tmp/err")"
fi
rootfs=$bundle/rootfs

out=$($PY - "$oci" "$version" <<'PYEOF' 2>&1
import json, os, sys
oci, version = sys.argv[1], sys.argv[2]
def blob(d):
    alg, h = d["digest"].split(":")
    with open(os.path.join(oci, "blobs", alg, h), "rb") as f:
        return f.read()
errors = []
index = json.load(open(os.path.join(oci, "index.json")))
if len(index["manifests"]) != 1:
    errors.append("index: %d manifests" % len(index["manifests"]))
d = index["manifests"][0]
a = d.get("annotations", {})
if a.get("org.opencontainers.image.ref.name") != version:
    errors.append("ref.name %r" % a.get("org.opencontainers.image.ref.name"))
if a.get("io.containerd.image.name") != "docker.io/library/kipvs:" + version:
    errors.append("io.containerd.image.name %r" % a.get("io.containerd.image.name"))
manifest = json.loads(blob(d))
config = json.loads(blob(manifest["config"]))
c = config["config"]
if c.get("Entrypoint") != ["/usr/sbin/kipvs"] or c.get("Cmd") != ["run"]:
    errors.append("entrypoint %r cmd %r" % (c.get("Entrypoint"), c.get("Cmd")))
if c.get("User") != "0:0":
    errors.append("user %r" % c.get("User"))
if c.get("Labels", {}).get("org.opencontainers.image.version") != version:
    errors.append("version label %r" % c.get("Labels"))
if config.get("os") != "linux" or len(manifest["layers"]) != 1:
    errors.append("os %r, %d layers" % (config.get("os"), len(manifest["layers"])))
print("\n".join(errors))
sys.exit(1 if errors else 0)
PYEOF
)
if [ $? -eq 0 ]; then ok "image: one layer, entry point /usr/sbin/kipvs run, user 0:0, named docker.io/library/kipvs:$version"; else notok "image: one layer, entry point /usr/sbin/kipvs run, user 0:0, named docker.io/library/kipvs:$version" "$out"; fi

buildid() { readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: //p'; }
imgver=$(chroot "$rootfs" /usr/sbin/kipvs --version 2>&1)
if [ "$imgver" = "$treever" ] && [ "$treever" = "kipvs $version" ] &&
	[ -n "$(buildid kipvs)" ] && [ "$(buildid kipvs)" = "$(buildid "$rootfs/usr/sbin/kipvs")" ]; then
	ok "chroot into the unpacked image: kipvs --version says '$imgver', the tree's build (build-id $(buildid kipvs | cut -c1-12))"
else
	notok "chroot into the unpacked image: kipvs --version is the tree's" "image: $imgver" "tree: $treever" \
		"build-ids: $(buildid kipvs) / $(buildid "$rootfs/usr/sbin/kipvs")"
fi

# No shell, no package manager, no compiler: besides kipvs, nothing in the
# image is an executable other than a shared library.
progs=$(cd "$rootfs" && find . \( -type f -o -type l \) \( -path './bin/*' -o -path './sbin/*' \
	-o -path './usr/bin/*' -o -path './usr/sbin/*' -o -path './usr/local/*' -o -path './usr/libexec/*' \) -print)
others=$(cd "$rootfs" && find . -type f -perm /111 ! -name '*.so' ! -name '*.so.*' ! -path ./usr/sbin/kipvs -print)
absent=
for p in bin/sh usr/bin/sh bin/bash bin/dash bin/busybox usr/bin/dpkg usr/bin/apt usr/bin/apt-get usr/bin/gcc usr/bin/cc; do
	[ -e "$rootfs/$p" ] || [ -L "$rootfs/$p" ] && absent+=" $p"
done
if [ "$progs" = "./usr/sbin/kipvs" ] && [ -z "$others" ] && [ -z "$absent" ] &&
	[ ! -e "$rootfs/var/lib/dpkg/status" ] && [ -d "$rootfs/var/lib/dpkg/status.d" ]; then
	ok "the image holds no /bin/sh, dpkg, apt or compiler: /usr/sbin/kipvs is its only program"
else
	notok "the image holds no /bin/sh, dpkg, apt or compiler: /usr/sbin/kipvs is its only program" \
		"programs: $progs" "other executables: $others" "present:$absent"
fi
if [ -f "$rootfs/var/lib/dpkg/status.d/libcurl4" ] && grep -qx 'Package: libcurl4' "$rootfs/var/lib/dpkg/status.d/libcurl4" &&
	[ -f "$rootfs/usr/share/doc/libcurl4/copyright" ] && [ -z "$(find "$rootfs/usr/share/man" -type f)" ]; then
	ok "status.d records the packages for scanners; copyright files kept, man pages dropped"
else
	notok "status.d records the packages for scanners; copyright files kept, man pages dropped"
fi
size=$(stat -c %s "$image")
unpacked=$(du -sk "$rootfs" | cut -f1)
if [ "$size" -lt $((32 * 1024 * 1024)) ]; then
	ok "image archive $((size / 1024)) KiB (< 32 MiB), root filesystem $unpacked KiB unpacked"
else
	notok "image archive $((size / 1024)) KiB (< 32 MiB), root filesystem $unpacked KiB unpacked"
fi
wait "$failpid"
failpid=
rc=$(cat "$tmp/fail-image.rc" 2>/dev/null)
left=$(find "$tmp/fail-image" "$tmp/fail-tmp" -mindepth 1)
if [ -n "$rc" ] && [ "$rc" -ne 0 ] && [ -z "$left" ]; then
	ok "a failed image build (mirror unreachable) exits $rc and leaves no archive or temporary files"
else
	notok "a failed image build (mirror unreachable) leaves no archive or temporary files" \
		"exit status $rc; left: $left" "$(tail -n 5 "$tmp/fail-image.log")"
fi

# --- make deb ---------------------------------------------------------------------
t0=$(now)
out=$(make --no-print-directory deb 2>&1)
rc=$?
t_deb=$(secs "$t0" "$(now)")
if [ $rc -eq 0 ] && [ -s "$debfile" ] && [ ! -e "$debfile.tmp" ] && [ -f build/deb-lintian.txt ] &&
	! grep -qE '^[EW]: ' build/deb-lintian.txt; then
	ok "make deb writes $debfile, lintian reports no error or warning (${t_deb}s)"
else
	notok "make deb writes $debfile, lintian reports no error or warning" "exit status $rc" "$out"
fi
echo "# $(grep '^deb: build/' <<<"$out")"
[ -s build/deb-lintian.txt ] && sed 's/^/# lintian: /' build/deb-lintian.txt

want='etc/kipvs/config.yaml.example
lib/systemd/system/kipvs.service
usr/lib/modules-load.d/kipvs.conf
usr/sbin/kipvs
usr/share/doc/kipvs/README.md.gz
usr/share/doc/kipvs/changelog.gz
usr/share/doc/kipvs/copyright
usr/share/doc/kipvs/modules-load-kipvs.conf
usr/share/doc/kipvs/networkd-kipvs.network
usr/share/doc/kipvs/networkmanager-kipvs.conf
usr/share/man/man8/kipvs.8.gz'
have=$(dpkg-deb --fsys-tarfile "$debfile" 2>/dev/null | tar -t | grep -v '/$' | sed 's|^\./||' | LC_ALL=C sort)
if [ "$have" = "$want" ] && [ "$(dpkg-deb -f "$debfile" Version)" = "$version" ]; then
	ok "package $version: kipvs, man page, unit, example config, modules-load.d file, docs"
else
	notok "package $version: kipvs, man page, unit, example config, modules-load.d file, docs" \
		"version: $(dpkg-deb -f "$debfile" Version)" "expected:" "$want" "in the package:" "$have"
fi

ctl=$tmp/control
dpkg-deb -e "$debfile" "$ctl" 2>/dev/null
if [ "$(cat "$ctl/conffiles" 2>/dev/null)" = /etc/kipvs/config.yaml.example ]; then
	ok "conffiles: /etc/kipvs/config.yaml.example"
else
	notok "conffiles: /etc/kipvs/config.yaml.example" "$(cat "$ctl/conffiles" 2>&1)"
fi
# Enabled on install, never started: no `start` or plain `restart` in any
# script (an upgrade may try-restart a running kipvs). Removal stops it and
# nothing cleans the IPVS table.
scripts=$(cat "$ctl"/preinst "$ctl"/postinst "$ctl"/prerm "$ctl"/postrm 2>/dev/null | grep -v '^[[:space:]]*#')
bad=$(grep -nE 'deb-systemd-invoke +(start|restart)|systemctl +(start|restart|enable --now)|kipvs +cleanup|--cleanup|ipvsadm|ip +link +del' <<<"$scripts")
if grep -q "deb-systemd-helper enable 'kipvs.service'" "$ctl/postinst" 2>/dev/null &&
	grep -q 'deb-systemd-invoke stop kipvs.service' "$ctl/prerm" 2>/dev/null && [ -z "$bad" ]; then
	ok "maintainer scripts: postinst enables the unit and starts nothing, prerm only stops it, no IPVS cleanup"
else
	notok "maintainer scripts: postinst enables the unit and starts nothing, prerm only stops it, no IPVS cleanup" \
		"offending lines:" "$bad" "$scripts"
fi

# --- the package in a throwaway root ----------------------------------------------
if [ -n "$rootpid" ]; then
	wait "$rootpid"
	rc=$?
	rootpid=
	if [ $rc -eq 0 ]; then mv -f "$roottar.tmp.$$" "$roottar"; else rm -f "$roottar.tmp.$$"; fi
	rootfrom="$rootfrom, ready $(secs "$t_root" "$(now)")s after the start"
fi
root=$tmp/root
mkdir -p "$root"
if [ -s "$roottar" ] && tar -xf "$roottar" -C "$root" 2>"$tmp/err"; then
	ok "throwaway root: mmdebstrap $suite essential + systemd + $libpkgs ($rootfrom)"
else
	notok "throwaway root: mmdebstrap $suite essential + systemd + $libpkgs" "$(tail -n 20 "$tmp/root.log" 2>/dev/null)" \
		"$(cat "$tmp/err")"
	echo "1..$n"
	exit 1
fi
# Every path with its type, outside the kernel's and runtime's file systems.
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \) -prune \
		-o -printf '%y %p\n' | LC_ALL=C sort)
}
# The package's dependencies are exactly the libraries the root was given.
depnames=$(dpkg-deb -f "$debfile" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep . |
	LC_ALL=C sort -u | paste -sd, -)
snapshot >"$tmp/before.txt"
if [ "$depnames" = "$libpkgs" ] && out=$(dpkg --root="$root" -i "$debfile" 2>&1); then
	ok "dpkg --root installs the package (Depends: $depnames)"
else
	notok "dpkg --root installs the package" "Depends: $depnames" "root has: $libpkgs" "$out"
fi
v=$(chroot "$root" /usr/sbin/kipvs --version 2>&1)
if [ "$v" = "$treever" ]; then ok "kipvs --version in the root: '$v'"; else notok "kipvs --version in the root" "$v"; fi
st=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}|${Conffiles}' kipvs 2>&1)
if grep -qE '^install ok installed\| /etc/kipvs/config.yaml.example [0-9a-f]{32}$' <<<"$st" &&
	[ "$(readlink "$root/etc/systemd/system/multi-user.target.wants/kipvs.service")" = /lib/systemd/system/kipvs.service ] &&
	grep -q '^ExecStart=/usr/sbin/kipvs run --config /etc/kipvs/config.yaml$' "$root/lib/systemd/system/kipvs.service" &&
	grep -q '^ConditionPathExists=/etc/kipvs/config.yaml$' "$root/lib/systemd/system/kipvs.service"; then
	ok "installed: config.yaml.example is a conffile, kipvs.service enabled (multi-user.target.wants), runs /usr/sbin/kipvs once /etc/kipvs/config.yaml exists"
else
	notok "installed: config.yaml.example is a conffile, kipvs.service enabled, runs /usr/sbin/kipvs once /etc/kipvs/config.yaml exists" "$st" \
		"$(ls -l "$root/etc/systemd/system/multi-user.target.wants/" 2>&1)"
fi
# systemd-analyze resolves the unit's programs and targets in the root, and
# Documentation=man:kipvs(8) through the root's man pages.
out=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" /lib/systemd/system/kipvs.service 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify --root accepts the installed unit (and finds kipvs(8))"
else
	notok "systemd-analyze verify --root accepts the installed unit (and finds kipvs(8))" "$out"
fi
out=$(dpkg --root="$root" --purge kipvs 2>&1)
rc=$?
snapshot >"$tmp/after.txt"
if [ $rc -eq 0 ] && diff -u "$tmp/before.txt" "$tmp/after.txt" >"$tmp/diff.txt"; then
	ok "dpkg --purge leaves the root's file list as it was before the install ($(wc -l <"$tmp/before.txt") paths)"
else
	notok "dpkg --purge leaves the root's file list as it was before the install" "exit status $rc" "$out" \
		"$(head -n 40 "$tmp/diff.txt")"
fi
echo "# timings: failed builds ${t_fail}s, image ${t_image}s, deb ${t_deb}s, throwaway root $rootfrom"
echo "1..$n"
