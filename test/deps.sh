#!/bin/sh
# Installs every build and test dependency of kipvs from Debian packages.
# Idempotent: when every package is already installed nothing is fetched.
set -eu

PKGS="build-essential pkg-config
libnl-3-dev libnl-genl-3-dev libnl-route-3-dev
libcurl4-openssl-dev libcjson-dev libev-dev libyaml-dev libmicrohttpd-dev
libcmocka-dev
qemu-system-x86 busybox-static ipvsadm iproute2 kmod cpio gzip curl openssl
python3 ca-certificates clang-format socat"

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
