#!/bin/sh
# Installs every build and test dependency of kipvs from Debian packages.
# Idempotent: when every package is already installed nothing is fetched.
# One package per line, sorted, so additions from different changes merge.
#
#   test/deps.sh        what make, make test and make demo need
#   test/deps.sh fuzz   that plus clang and its libFuzzer runtime (make fuzz)
set -eu

PKGS="
binutils
build-essential
busybox-static
ca-certificates
clang-format
conntrack
cpio
curl
debhelper
dpkg-dev
groff-base
gzip
iproute2
iptables
ipvsadm
kmod
libc6-dbg
libcjson-dev
libcmocka-dev
libcurl4-openssl-dev
libev-dev
libmicrohttpd-dev
libnl-3-dev
libnl-genl-3-dev
libnl-nf-3-dev
libnl-route-3-dev
libyaml-dev
lintian
man-db
mmdebstrap
nftables
nghttp2-server
openssl
pkg-config
python3
python3-yaml
qemu-system-x86
socat
systemd
valgrind
umoci
"

# make fuzz: clang with -fsanitize=fuzzer (the replay in make test needs only gcc).
FUZZ_PKGS="
clang
libclang-rt-14-dev
"
if [ "${1:-}" = fuzz ]; then PKGS="$PKGS $FUZZ_PKGS"; fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine; refresh them once per run.
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
