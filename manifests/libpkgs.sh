#!/bin/sh
# Prints the Debian packages that hold the shared libraries PROGRAM links
# against, comma-separated and sorted, as dpkg-shlibdeps names them for a
# .deb's Depends (without versions). manifests/image.sh puts them in the
# image; test/host/package.sh compares them with the package's Depends.
#
#   manifests/libpkgs.sh PROGRAM
set -eu
[ $# -eq 1 ] || { echo "usage: $0 PROGRAM" >&2; exit 2; }
prog=$(readlink -f "$1")
dir=$(mktemp -d "${TMPDIR:-/tmp}/kipvs-libpkgs.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# dpkg-shlibdeps wants a debian/control to read; any will do.
mkdir "$dir/debian"
printf 'Source: kipvs\n\nPackage: kipvs\nArchitecture: any\n' >"$dir/debian/control"
out=$(cd "$dir" && dpkg-shlibdeps -O "$prog" 2>/dev/null)
pkgs=$(printf '%s\n' "$out" | sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' |
	sed 's/(.*)//; s/|.*//; s/ //g' | grep . | LC_ALL=C sort -u | paste -sd, -)
if [ -z "$pkgs" ]; then
	echo "dpkg-shlibdeps found no library packages for $1" >&2
	exit 1
fi
echo "$pkgs"
