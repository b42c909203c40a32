#!/usr/bin/env bash
# Builds (or finds in the cache) what every kipvs test VM boots: Debian's cloud
# kernel and a base initramfs holding busybox, ipvsadm, iproute2, curl, socat, conntrack, nft,
# iptables-nft, valgrind, their libraries, the kernel modules the tests need and test/vm/init.
#
#   test/vm/build-guest.sh      prints two lines: "kernel PATH" and "base PATH"
#                               (a cpio archive; next to it, base-*.list names
#                               every file in it)
#
# The kernel package (linux-image-cloud-amd64, resolved to its versioned
# package) is fetched with apt-get download and unpacked with dpkg -x into
# ${KIPVS_CACHE:-$HOME/.cache/kipvs}/vm/<release>_<version>/ — never installed.
# The base initramfs is named after a hash of everything that goes into it, so
# it is rebuilt only when an input changed, and several worktrees can share one
# cache (a lock serialises builders). KIPVS_VM_KERNEL=<release>_<version> pins
# a cached kernel (no apt lookup); without apt lists the newest cached one is used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${KIPVS_CACHE:-$HOME/.cache/kipvs}/vm
meta=linux-image-cloud-amd64
mkdir -p "$cache"

log() { echo "build-guest: $*" >&2; }
die() { log "$*"; exit 1; }

# Serialise with other runs (other worktrees share the cache).
exec 8>"$cache/.lock"
flock -w 600 8 || die "could not lock $cache/.lock"

# --- the kernel ----------------------------------------------------------------
# Prints <release>_<version> of the cloud kernel apt would install. apt-cache is
# slow (seconds), so the answer is kept until apt's package lists change.
resolve_kernel() {
	local memo=$cache/resolved dep
	if [ -s "$memo" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' \
		-newer "$memo" 2>/dev/null | head -n 1)" ]; then
		cat "$memo"
		return 0
	fi
	# "Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)"
	dep=$(apt-cache show --no-all-versions "$meta" 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*\) (= \([^)]*\)).*/\1_\2/p' | head -n 1)
	[ -n "$dep" ] || return 1
	echo "$dep" >"$memo"
	echo "$dep"
}

if [ -n "${KIPVS_VM_KERNEL:-}" ]; then
	kid=$KIPVS_VM_KERNEL
else
	kid=$(resolve_kernel) || kid=
	if [ -z "$kid" ] && [ "$(id -u)" -eq 0 ]; then
		log "apt knows no $meta: refreshing its package lists"
		if apt-get update -qq >&2; then kid=$(resolve_kernel) || kid=; fi
	fi
	if [ -z "$kid" ]; then
		kid=$(ls -t "$cache" 2>/dev/null | grep -E '^[0-9].*_' | head -n 1 || true)
		[ -n "$kid" ] || die "apt knows no $meta and nothing is cached"
		log "apt knows no $meta; using the cached kernel $kid"
	fi
fi
krel=${kid%%_*}
kver=${kid#*_}
kdir=$cache/$kid
kroot=$kdir/root

if [ ! -e "$kdir/.unpacked" ]; then
	log "fetching linux-image-$krel ($kver)"
	rm -rf "$kdir"
	mkdir -p "$kdir/dl"
	sandbox=()
	[ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root) # $HOME is not _apt's
	(cd "$kdir/dl" && apt-get download -q "${sandbox[@]}" "linux-image-$krel=$kver" >&2) ||
		die "apt-get download linux-image-$krel=$kver failed"
	dpkg -x "$kdir"/dl/*.deb "$kroot"
	rm -rf "$kdir/dl"
	depmod -b "$kroot" "$krel"
	touch "$kdir/.unpacked"
fi
kernel=$kroot/boot/vmlinuz-$krel
moddir=$kroot/lib/modules/$krel
[ -r "$kernel" ] || die "no kernel image at $kernel"

# --- what goes into the base ---------------------------------------------------
# Whole netfilter/IPVS directories, then single modules; modules.dep gives each one's
# dependencies (already transitive), so nothing is missing at modprobe time.
mod_dirs="kernel/net/netfilter kernel/net/ipv4/netfilter kernel/net/ipv6/netfilter"
mod_names="dummy veth virtio_net virtio_pci virtio_console libcrc32c
ipip ip_gre gre fou fou6 ip6_tunnel ip6_gre sit tunnel4 tunnel6 sctp"
tools="/usr/sbin/ipvsadm /usr/bin/ip /usr/bin/curl /usr/bin/socat /usr/sbin/conntrack /usr/sbin/nft
/usr/sbin/xtables-nft-multi"
# iptables-nft's extensions for an admin's rules in the nft cases (dlopened:
# ldd does not name them); the multi binary answers to these names.
xt_dir=/usr/lib/x86_64-linux-gnu/xtables
xt_files="$xt_dir/libxt_standard.so $xt_dir/libxt_tcp.so $xt_dir/libxt_comment.so"
xt_names="iptables-nft ip6tables-nft iptables-nft-save ip6tables-nft-save"
busybox=/bin/busybox
# valgrind's memcheck (test/vm/cases/valgrind_list.sh): the launcher binary and
# the tool, run as VALGRIND_LIB=/usr/libexec/valgrind valgrind.bin.
vg_lib=/usr/libexec/valgrind
# memcheck must find strlen in ld.so, which Debian strips: its detached
# symbols (libc6-dbg), found by the build id as valgrind looks them up.
ldso_id=$(readelf -n /lib64/ld-linux-x86-64.so.2 2>/dev/null | awk '/Build ID/ { print $3 }')
vg_files="/usr/bin/valgrind.bin $vg_lib/memcheck-amd64-linux $vg_lib/vgpreload_core-amd64-linux.so
$vg_lib/vgpreload_memcheck-amd64-linux.so $vg_lib/default.supp
/usr/lib/debug/.build-id/${ldso_id:0:2}/${ldso_id:2}.debug"

libs_of() { # file... → the shared libraries ldd names, one per line
	ldd "$@" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(/ { print $1 }' |
		sort -u
}

modlist=$(
	cd "$moddir"
	awk -v dirs="$mod_dirs" -v names="$mod_names" '
		BEGIN { nd = split(dirs, d, " "); nn = split(names, n, " ")
			for (i = 1; i <= nn; i++) want[n[i]] = 1 }
		{
			path = $1; sub(/:$/, "", path)
			base = path; sub(/.*\//, "", base); sub(/\.ko.*$/, "", base)
			gsub(/-/, "_", base)
			keep = (base in want)
			for (i = 1; i <= nd && !keep; i++)
				if (index(path, d[i] "/") == 1) keep = 1
			if (!keep) next
			print path
			for (i = 2; i <= NF; i++) print $i
		}' modules.dep | sort -u
)
[ -n "$modlist" ] || die "no modules selected from $moddir/modules.dep"

for t in $tools $busybox; do [ -x "$t" ] || die "missing $t (run test/deps.sh)"; done
for t in $vg_files; do [ -r "$t" ] || die "missing $t (valgrind, libc6-dbg: run test/deps.sh)"; done
for t in $xt_files; do [ -r "$t" ] || die "missing $t (iptables: run test/deps.sh)"; done
libs=$(libs_of $tools /usr/bin/valgrind.bin)

hash=$(
	{
		echo "$kid"
		echo "$modlist"
		cat "$0" "$here/init"
		for f in $tools $busybox $vg_files $xt_files $libs; do echo "$f"; cat "$f"; done
	} | sha256sum | cut -c1-16
)
# Uncompressed: under emulation the guest unpacks a plain cpio ~0.8 s faster
# than a gzip -1 one (31 MB vs 13 MB; qemu loads either in no time).
base=$kdir/base-$hash.cpio

if [ ! -s "$base" ]; then
	log "building base initramfs $base"
	stage=$(mktemp -d "$kdir/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	(
		cd "$stage"
		mkdir -p bin sbin usr/bin usr/sbin lib64 etc proc sys dev run tmp src \
			"lib/modules/$krel"
		cp "$busybox" bin/busybox
		# Every applet as a link in /bin, except where a real tool is carried.
		for a in $(bin/busybox --list); do
			[ "$a" = busybox ] && continue
			ln -s busybox "bin/$a"
		done
		for f in $tools $vg_files $xt_files $libs; do
			mkdir -p ".$(dirname "$f")"
			cp -L "$f" ".$f"
		done
		for n in $xt_names; do ln -s xtables-nft-multi "usr/sbin/$n"; done
		rm -f bin/ip # /usr/bin/ip is iproute2's; PATH puts /usr first anyway
		ln -s ../bin/busybox sbin/modprobe # the kernel's request_module runs /sbin/modprobe
		cp "$here/init" init
		chmod 755 init
		printf 'root:x:0:0:root:/root:/bin/sh\n' >etc/passwd
		printf 'root:x:0:\n' >etc/group
		printf '127.0.0.1 localhost\n::1 localhost\n' >etc/hosts
		printf 'hosts: files dns\n' >etc/nsswitch.conf
		for m in $modlist; do
			mkdir -p "lib/modules/$krel/$(dirname "$m")"
			cp "$moddir/$m" "lib/modules/$krel/$m"
		done
		cp "$moddir"/modules.order "$moddir"/modules.builtin* "lib/modules/$krel/"
		depmod -b "$stage" "$krel"
		find . -mindepth 1 | LC_ALL=C sort >"$stage.list"
		cpio -o -H newc -R 0:0 --quiet <"$stage.list" >"$base.tmp"
	)
	sed 's|^\./|/|' "$stage.list" >"${base%.cpio}.list"
	rm -f "$stage.list"
	mv "$base.tmp" "$base"
	# Keep the cache small: old bases of this kernel unused for a day go.
	find "$kdir" -maxdepth 1 -name 'base-*' -mtime +1 ! -path "$base" \
		! -path "${base%.cpio}.list" -delete
fi
touch "$base"
echo "kernel $kernel"
echo "base $base"
