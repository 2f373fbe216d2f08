#!/bin/bash
# test_deb_chroot.sh - the Debian package on a clean Debian 12 root: a
# chroot that mmdebstrap builds from this machine's apt sources with the
# package installed by apt (so its Depends must be complete), the daemon
# started inside it (in a network namespace, as the unit starts it) and
# synced with a peer running outside, an upgrade in place keeping a
# modified /etc/pfsyncd.conf, and a purge.  Slow (mmdebstrap downloads a
# base system: about 1-2 minutes), so not part of make check, which runs
# tests/netns/test_deb.sh (the same on this machine) instead:
#   make deb-chroot-check     (root)
source "$(dirname "$0")/../netns/lib.sh"
netns_init
D=$TOP/tests/netns
ARCH=$(dpkg --print-architecture)
V1=0.1~chroot1
V2=0.1~chroot2
R=$(mktemp -d /var/tmp/pfsyncd-root.XXXXXX)
MOUNTS=()

chroot_cleanup() {
	local m i
	[ -n "${PID_PKG:-}" ] && kill "$PID_PKG" 2>/dev/null && sleep 0.3
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}"
	done
	# only remove it once nothing is mounted below it any more
	if ! grep -q " $R/" /proc/mounts; then
		rm -rf "$R"
	fi
}
trap 'rc=$?; chroot_cleanup; (exit $rc); netns_cleanup' EXIT

command -v mmdebstrap >/dev/null || {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends mmdebstrap >/dev/null
}
check "package $V1 builds" env DEB_VERSION=$V1 bash -c \
	"cd '$TOP' && scripts/deps-deb.sh && scripts/build-deb.sh >'$T/build.out' 2>&1"
DEB1=$TOP/build/deb/pfsyncd_${V1}_$ARCH.deb
dpkg-deb -R "$DEB1" "$T/v2"
sed -i "s/^Version: .*/Version: $V2/" "$T/v2/DEBIAN/control"
dpkg-deb -b "$T/v2" "$T/pfsyncd_${V2}_$ARCH.deb" >/dev/null

t0=$SECONDS
# apt (outside) and dpkg (chrooted) both open the .deb by its path: a
# setup hook puts a copy at the same path inside the root
mkroot() {
	mmdebstrap --variant=apt --include="$DEB1" \
		--setup-hook="mkdir -p \"\$1$(dirname "$DEB1")\" && cp '$DEB1' \"\$1$DEB1\"" \
		bookworm "$R" >"$T/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$T/mmdebstrap.log"; return 1; }
}
check "mmdebstrap: a clean bookworm root with the package (apt resolves its Depends)" mkroot
echo "mmdebstrap took $((SECONDS - t0)) s"
in_root() { chroot "$R" "$@"; }
check "installed in the root: $V1" test \
	"$(in_root dpkg-query -W -f='${Version}' pfsyncd)" = "$V1"
check "the root had no libmnl before: it came as a dependency" \
	sh -c "chroot '$R' dpkg-query -W -f='\${Status}' libmnl0 | grep -q 'ok installed'"
check "/etc/pfsyncd.conf is a conffile in the root" sh -c \
	"chroot '$R' dpkg-query -W -f='\${Conffiles}' pfsyncd | grep -q ' /etc/pfsyncd.conf '"
check "pfsyncd -n in the root" sh -c "chroot '$R' /usr/sbin/pfsyncd -n >/dev/null"

# what the daemon needs from the host inside the root
mkdir -p "$R/dev/net" "$R/proc"
touch "$R/dev/net/tun"
mount --bind /dev/net/tun "$R/dev/net/tun" && MOUNTS+=("$R/dev/net/tun")
mount -t proc proc "$R/proc" && MOUNTS+=("$R/proc")
mkdir -p "$R/run/test"

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
daemon_start B 0x0a000002
cat >>"$R/etc/pfsyncd.conf" <<CONF
# modified by test_deb_chroot
interface pfsync0 up syncdev sync0
hostid 0x0a0000aa
control "/run/test/pkg.sock"
bulk-retry 300
CONF
cp "$R/etc/pfsyncd.conf" "$T/conf.modified"

start_pkg() {
	ip netns exec "$(ns A)" chroot "$R" /usr/sbin/pfsyncd -d \
		>"$T/pkg.log" 2>&1 &
	PID_PKG=$!
	PIDS+=("$PID_PKG")
	wait_for 10 test -S "$R/run/test/pkg.sock"
}
stop_pkg() {
	kill "$PID_PKG"
	wait "$PID_PKG"
	local rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $PID_PKG"
	PID_PKG=""
	rm -f "$R/run/test/pkg.sock"
	return $rc
}
pkgctl() { ip netns exec "$(ns A)" chroot "$R" /usr/sbin/pfsyncctl -s /run/test/pkg.sock "$@"; }
pkg_synced() { pkgctl bulk-done >/dev/null 2>&1; }
pkg_has_b() { pkgctl states | grep -q '10.1.0.1:1000 -> 10.2.0.2:80'; }

check "the root's pfsyncd starts" start_pkg
check "its bulk update completes" wait_for 10 pkg_synced
ctl B add tcp 10.1.0.1:1000 10.2.0.2:80 out >/dev/null
check "it syncs with the peer outside" wait_for 10 pkg_has_b
check "it stops cleanly" stop_pkg

cp "$T/pfsyncd_${V2}_$ARCH.deb" "$R/tmp/"
check "upgrade in the root to $V2" sh -c \
	"chroot '$R' dpkg -i --force-confold /tmp/pfsyncd_${V2}_$ARCH.deb >'$T/upgrade.log' 2>&1"
check "the modified config is kept" cmp "$R/etc/pfsyncd.conf" "$T/conf.modified"
check "the upgraded daemon starts" start_pkg
check "and gets B's state by a bulk update" wait_for 10 pkg_has_b
check "it stops cleanly again" stop_pkg
check "purge in the root" sh -c "chroot '$R' dpkg --purge pfsyncd >/dev/null"
check "purge removed the config and binaries" \
	test ! -e "$R/etc/pfsyncd.conf" -a ! -e "$R/usr/sbin/pfsyncd"
check "the peer stayed healthy" daemons_healthy
