#!/bin/sh
# The kipvs Debian package: `make deb` runs this from the top of the tree.
#
#   manifests/deb.sh VERSION OUTDIR
#
# The repository's top level is fixed, so the packaging lives in
# manifests/debian/. This assembles a source tree in OUTDIR/deb/kipvs-VERSION
# (the sources `make` builds from, as they are in the working tree, plus
# manifests/debian/ as debian/ and a changelog entry for VERSION, which
# lib/version.h holds), builds the binary package there with
# dpkg-buildpackage (debhelper; debian/rules is `make install` with Debian's
# prefixes), checks it with lintian (any error or warning fails the build;
# the findings go to OUTDIR/deb-lintian.txt),
# and moves kipvs_VERSION_ARCH.deb to OUTDIR (written to a temporary name
# first: a failed build leaves no package behind).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 VERSION OUTDIR" >&2
	exit 2
fi
version=$1
outdir=$2

need() { # command, Debian package
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "make deb: $1 not found: install the $2 package (make deps installs it)" >&2
		exit 1
	fi
}
need dpkg-buildpackage dpkg-dev
need dh debhelper
need lintian lintian

stage=$outdir/deb
src=$stage/kipvs-$version
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=kipvs_${version}_$arch.deb
log=$outdir/deb.log
rm -rf "$stage"
mkdir -p "$src"
ok=0
trap '[ "$ok" = 1 ] || rm -rf "$stage" "$outdir/$deb.tmp"' EXIT
trap 'exit 130' INT TERM

cp -a Makefile LICENSE README.md cmd lib ipvs sync manifests "$src/"
cp -a manifests/debian "$src/debian"
# The changelog's date: the last commit's, so rebuilding one commit gives
# the same package (SOURCE_DATE_EPOCH wins when set).
when=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
	printf 'kipvs (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * kipvs %s, built from the source tree (commit %s).\n\n' "$version" "$commit"
	printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' manifests/debian/control)" \
		"$(LC_ALL=C date -u -R -d "@$when")"
} >"$src/debian/changelog"

# Both cores unless told otherwise (dh passes -jN to make).
DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-parallel=$(nproc)}
export DEB_BUILD_OPTIONS
echo "deb: building kipvs $version in $src (log: $log)"
if ! (cd "$src" && dpkg-buildpackage -b --no-sign) >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "make deb: dpkg-buildpackage failed (full log: $log)" >&2
	exit 1
fi

# lintian's findings (its default level: errors and warnings; none is
# allowed) go to OUTDIR/deb-lintian.txt.
echo "deb: lintian $stage/kipvs_${version}_$arch.changes"
rm -f "$outdir/deb-lintian.txt"
if ! lintian --fail-on error,warning "$stage/kipvs_${version}_$arch.changes" >"$outdir/deb-lintian.txt" 2>>"$log"; then
	cat "$outdir/deb-lintian.txt" >&2
	echo "make deb: lintian reported errors or warnings ($outdir/deb-lintian.txt)" >&2
	exit 1
fi

cp "$stage/$deb" "$outdir/$deb.tmp"
mv -f "$outdir/$deb.tmp" "$outdir/$deb"
ok=1
echo "deb: $outdir/$deb $(($(wc -c <"$outdir/$deb") / 1024)) KiB"
