#!/bin/sh
# The kipvs container image, from Debian packages only (no registry, no
# Dockerfile): `make image` runs this.
#
#   manifests/image.sh KIPVS VERSION OUT.oci.tar
#
# 1. mmdebstrap (variant extract: files only, no maintainer scripts, no dpkg,
#    no shell) unpacks the Debian packages kipvs's shared libraries come from
#    (manifests/libpkgs.sh: dpkg-shlibdeps on the binary itself, so the list
#    follows the Makefile's link line) and their dependencies into a tar file; a hook
#    adds KIPVS (debug info stripped; the GNU build-id stays, so the image's
#    binary can be matched to the tree's) and a few /etc files, and records
#    each package in /var/lib/dpkg/status.d/ the way distroless images do, so
#    image scanners see what is inside.
# 2. mmtarfilter drops what a container does not use: /dev nodes (the runtime
#    provides /dev), apt and dpkg state, documentation other than the
#    copyright files, man pages, locales, and glibc's iconv modules (8 MiB;
#    kipvs converts no character sets: its text is ASCII and UTF-8, which
#    glibc handles without them).
# 3. umoci turns that tar into the single layer of an OCI image tagged
#    VERSION, with /usr/sbin/kipvs as its entry point and user 0. The index
#    also carries io.containerd.image.name = docker.io/library/kipvs:VERSION,
#    the name `ctr images import` and `podman load` give it, which is what
#    the DaemonSet's `image: kipvs:VERSION` resolves to.
# 4. The OCI layout is tarred (an "oci-archive") to OUT.tmp and renamed to
#    OUT only when everything succeeded.
#
# Run as root (mmdebstrap's root mode; its unshare mode, for a user with user
# namespaces and the uidmap package, is untested here). IMAGE_SUITE (default bookworm) and
# IMAGE_MIRROR (default http://deb.debian.org) choose where packages come
# from; the suite's -updates and -security archives are included.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 KIPVS VERSION OUT.oci.tar" >&2
	exit 2
fi
kipvs=$(readlink -f "$1")
version=$2
out=$3
suite=${IMAGE_SUITE:-bookworm}
mirror=${IMAGE_MIRROR:-http://deb.debian.org}

need() { # command, Debian package
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "make image: $1 not found: install the $2 package (make deps installs it)" >&2
		exit 1
	fi
}
need mmdebstrap mmdebstrap
need mmtarfilter mmdebstrap
need umoci umoci
need dpkg-shlibdeps dpkg-dev
need strip binutils
need python3 python3
[ -x "$kipvs" ] || { echo "make image: $1 is not an executable" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kipvs-image.XXXXXX")
trap 'rm -rf "$tmp"; rm -f "$out.tmp"' EXIT
trap 'exit 130' INT TERM

deps=$("$(dirname "$0")/libpkgs.sh" "$kipvs")

strip --strip-debug -o "$tmp/kipvs" "$kipvs"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' >"$tmp/passwd"
printf 'root:x:0:\n' >"$tmp/group"
# glibc's default without this file asks DNS before /etc/hosts.
printf 'hosts: files dns\n' >"$tmp/nsswitch.conf"

echo "image: debian $suite packages: $deps"
mmdebstrap --quiet --variant=extract --include="$deps" \
	--extract-hook='install -D -m 0755 "'"$tmp/kipvs"'" "$1/usr/sbin/kipvs"' \
	--extract-hook='for f in passwd group nsswitch.conf; do install -m 0644 "'"$tmp"'/$f" "$1/etc/$f"; done' \
	--extract-hook='mkdir -p "$1/var/lib/dpkg/status.d" "$1/proc" "$1/sys" "$1/run" &&
		for d in "$1"/var/cache/apt/archives/*.deb; do
			p=$(dpkg-deb -f "$d" Package) &&
			{ dpkg-deb -f "$d" Package Source Version Architecture Maintainer Homepage &&
			  echo "Status: install ok installed"; } >"$1/var/lib/dpkg/status.d/$p" || exit 1
		done' \
	"$suite" - \
	"deb $mirror/debian $suite main" \
	"deb $mirror/debian $suite-updates main" \
	"deb $mirror/debian-security $suite-security main" >"$tmp/debian.tar"
mmtarfilter \
	--path-exclude='/dev/*' \
	--path-exclude='/etc/apt' --path-exclude='/etc/apt/*' \
	--path-exclude='/etc/dpkg' --path-exclude='/etc/dpkg/*' \
	--path-exclude='/etc/hostname' --path-exclude='/etc/resolv.conf' \
	--path-exclude='/etc/fstab' \
	--path-exclude='/var/cache/*' --path-exclude='/var/log/*' \
	--path-exclude='/var/lib/apt' --path-exclude='/var/lib/apt/*' \
	--path-exclude='/var/lib/dpkg/*' --path-include='/var/lib/dpkg/status.d' \
	--path-include='/var/lib/dpkg/status.d/*' \
	--path-exclude='/usr/share/doc/*' --path-include='/usr/share/doc/*/copyright' \
	--path-exclude='/usr/share/man/*' --path-exclude='/usr/share/locale/*' \
	--path-exclude='/usr/share/lintian/*' --path-exclude='/usr/share/info/*' \
	--path-exclude='/usr/lib/*/gconv/*' \
	<"$tmp/debian.tar" >"$tmp/rootfs.tar"
rm -f "$tmp/debian.tar"

layout=$tmp/oci
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci raw add-layer --image "$layout:$version" \
	--history.created_by "manifests/image.sh: mmdebstrap --variant=extract $suite + kipvs $version" \
	"$tmp/rootfs.tar"
# User 0: NET_ADMIN must be in kipvs's effective set, which Kubernetes only
# gives a root container (see the DaemonSet); the root filesystem can be, and
# in the DaemonSet is, read-only: kipvs writes no file.
umoci config --image "$layout:$version" \
	--config.entrypoint /usr/sbin/kipvs --config.cmd run \
	--config.user 0:0 --config.workingdir / \
	--config.label org.opencontainers.image.title=kipvs \
	--config.label org.opencontainers.image.version="$version" \
	--config.label org.opencontainers.image.licenses=Apache-2.0 \
	--config.label org.opencontainers.image.description="kipvs Kubernetes service proxy (IPVS), Debian $suite" \
	--history.created_by "manifests/image.sh: entry point /usr/sbin/kipvs, user 0"
umoci gc --layout "$layout"

# containerd's and podman's name for the image; the OCI ref.name stays the
# bare tag, as the image-layout spec has it.
python3 - "$layout/index.json" "docker.io/library/kipvs:$version" <<'EOF'
import json, sys
path, name = sys.argv[1], sys.argv[2]
with open(path) as f:
    index = json.load(f)
if len(index["manifests"]) != 1:
    sys.exit("make image: expected one manifest in the OCI index")
index["manifests"][0].setdefault("annotations", {})["io.containerd.image.name"] = name
with open(path, "w") as f:
    json.dump(index, f, separators=(",", ":"))
EOF

tar --sort=name --owner=0 --group=0 --numeric-owner -C "$layout" \
	-cf "$out.tmp" oci-layout index.json blobs
mv -f "$out.tmp" "$out"

layer=$(wc -c <"$tmp/rootfs.tar")
size=$(wc -c <"$out")
echo "image: $out kipvs:$version (docker.io/library/kipvs:$version)" \
	"archive $((size / 1024)) KiB, unpacked $((layer / 1024)) KiB"
