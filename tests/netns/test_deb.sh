#!/bin/bash
# test_deb.sh - the Debian package on this machine: build it
# (scripts/build-deb.sh, as make deb does; a second version is the same
# package repacked with another version), install the first with dpkg -i, check what it
# installs (conffile, unit, man pages, helper, dissector), start the
# installed daemon as the unit does (pfsyncd -d, $NOTIFY_SOCKET) with a
# modified /etc/pfsyncd.conf and sync it with a peer, upgrade in place to
# the second version keeping the modified config, sync again, purge.
# Everything the package put on the machine is gone at the end (the
# purge runs on every exit path).  Fails, rather than touch it, if a
# pfsyncd package is installed already.
source "$(dirname "$0")/lib.sh"
netns_init
D=$(dirname "$0")
V1=0.1~pkgtest1
V2=0.1~pkgtest2
ARCH=$(dpkg --print-architecture)
CONF=/etc/pfsyncd.conf
INSTALLED=0

deb_cleanup() {
	[ "$INSTALLED" -eq 1 ] || return 0
	[ -n "${PID_PKG:-}" ] && kill "$PID_PKG" 2>/dev/null
	dpkg --purge pfsyncd >/dev/null 2>&1
}
trap 'rc=$?; deb_cleanup; (exit $rc); netns_cleanup' EXIT

installed_version() { dpkg-query -W -f='${Version}' pfsyncd 2>/dev/null; }
if dpkg-query -W -f='${Status}' pfsyncd 2>/dev/null | grep -q installed; then
	fail "a pfsyncd package is installed here already ($(installed_version)): not touching it"
fi

check "package $V1 builds" env DEB_VERSION=$V1 bash -c \
	"cd '$TOP' && scripts/deps-deb.sh && scripts/build-deb.sh >'$T/build-$V1.out' 2>&1"
DEB1=$TOP/build/deb/pfsyncd_${V1}_$ARCH.deb
check "pfsyncd_${V1}_$ARCH.deb exists" test -f "$DEB1"
# the upgrade: the same package as version V2 (dpkg-deb, not a second
# build, to keep the test short)
dpkg-deb -R "$DEB1" "$T/v2"
sed -i "s/^Version: .*/Version: $V2/" "$T/v2/DEBIAN/control"
DEB2=$T/pfsyncd_${V2}_$ARCH.deb
check "package $V2 repacked" sh -c "dpkg-deb -b '$T/v2' '$DEB2' >/dev/null"
grep -A8 '^lintian' "$T/build-$V1.out"
check "lintian: no error or warning" sh -c \
	"grep -qx '    E: 0' '$T/build-$V1.out' && grep -qx '    W: 0' '$T/build-$V1.out'"

# --- install ---------------------------------------------------------------
INSTALLED=1
check "dpkg -i $V1" dpkg -i "$DEB1"
check "installed version $V1" test "$(installed_version)" = "$V1"
for f in /usr/sbin/pfsyncd /usr/sbin/pfsyncctl $CONF \
	/lib/systemd/system/pfsyncd.service /usr/share/man/man8/pfsyncd.8.gz \
	/usr/share/man/man8/pfsyncctl.8.gz /usr/share/man/man5/pfsyncd.conf.5.gz \
	/usr/share/pfsyncd/pfsync-keepalived /usr/share/pfsyncd/wireshark/pfsync.lua \
	/usr/share/doc/pfsyncd/examples/keepalived.conf \
	/usr/share/doc/pfsyncd/examples/pfsyncd.nft \
	/usr/share/doc/pfsyncd/examples/pfsyncd-alerts.yml \
	/usr/share/doc/pfsyncd/examples/pfsyncd-dashboard.json; do
	check "installs $f" test -e "$f"
done
check "$CONF is a conffile" sh -c \
	"dpkg-query -W -f='\${Conffiles}' pfsyncd | grep -q ' $CONF '"
check "the unit is enabled (multi-user.target.wants)" \
	test -L /etc/systemd/system/multi-user.target.wants/pfsyncd.service
check "systemd-analyze verify of the installed unit: no complaint" sh -c \
	"systemd-analyze verify /lib/systemd/system/pfsyncd.service >'$T/verify' 2>&1 && ! grep -q . '$T/verify' || { cat '$T/verify'; false; }"
check "the shipped config checks (pfsyncd -n)" sh -c "/usr/sbin/pfsyncd -n >/dev/null"
check "tshark loads the installed dissector from Wireshark's plugin folder" \
	sh -c "tshark -G protocols 2>/dev/null | grep -q '^pfsync v3'"

# --- start it as the unit does, with a modified config, and sync ---------
netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
daemon_start B 0x0a000002
cat >>"$CONF" <<CONFEOF
# modified by test_deb: sync on sync0, socket in the test's directory
interface pfsync0 up syncdev sync0
hostid 0x0a0000aa
control "$T/pkg.sock"
bulk-retry 300
CONFEOF
cp "$CONF" "$T/conf.modified"
$PY "$D/notifyd.py" "$T/notify.sock" "$T/notify.out" "$T/pkg.sock" &
PIDS+=("$!")
wait_for 5 test -S "$T/notify.sock" || fail "notify socket"

exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/pfsyncd.service)
start_pkg() {
	: >"$T/notify.out"
	ip netns exec "$(ns A)" env NOTIFY_SOCKET="$T/notify.sock" \
		$exec_start >"$T/pkg.log" 2>&1 &
	PID_PKG=$!
	PIDS+=("$PID_PKG")
	wait_for 10 grep -q 'READY=1' "$T/notify.out"
}
pkgctl() { ip netns exec "$(ns A)" /usr/sbin/pfsyncctl -s "$T/pkg.sock" "$@"; }
pkg_has() { [ "$(pkgctl states | grep -c .)" -eq "$1" ]; }
pkg_synced() { ip netns exec "$(ns A)" /usr/share/pfsyncd/pfsync-keepalived check -s "$T/pkg.sock"; }

check "installed pfsyncd starts ($exec_start) and says READY=1" start_pkg
pkg_version() { pkgctl version | grep -q '^pfsyncd 0.1,'; }
pkg_metrics() { pkgctl metrics | grep -q '^pfsync_states 2$'; }
check "it answers: version" pkg_version
check "the postinst made the system user pfsyncd" getent passwd pfsyncd
pkg_uid() { awk '/^Uid:/ {print $2, $3}' "/proc/$PID_PKG/status"; }
check "the installed daemon runs as pfsyncd ($(pkg_uid))" \
	test "$(pkg_uid)" = "$(id -u pfsyncd) $(id -u pfsyncd)"
check "its bulk update completes (installed pfsync-keepalived check)" \
	wait_for 10 pkg_synced
ctl B add tcp 10.1.0.1:1000 10.2.0.2:80 out >/dev/null
check "it syncs with the peer: B's state arrives" wait_for 10 pkg_has 1
pkgctl add udp 10.1.0.2:53 10.2.0.2:53 out >/dev/null
check "and the peer gets its state" wait_for 10 count_is 2 nstates B
check "metrics answer" pkg_metrics
stop_pkg() {
	kill "$PID_PKG"
	wait "$PID_PKG"
	local rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $PID_PKG"
	PID_PKG=""
	return $rc
}
check "it stops cleanly" stop_pkg

# --- upgrade in place, keeping the modified config -----------------------
check "dpkg -i $V2 (upgrade)" dpkg -i --force-confold "$DEB2"
check "installed version $V2" test "$(installed_version)" = "$V2"
check "the modified config is kept" cmp "$CONF" "$T/conf.modified"
check "no .dpkg-new/.dpkg-dist left" sh -c "! ls $CONF.dpkg-* 2>/dev/null"
check "the upgraded pfsyncd starts" start_pkg
pkg_has_b() { pkgctl states | grep -q '10.1.0.1:1000 -> 10.2.0.2:80'; }
check "and gets B's state again by a bulk update" wait_for 10 pkg_has_b
check "it stops cleanly again" stop_pkg

# --- purge ---------------------------------------------------------------
check "dpkg --purge" dpkg --purge pfsyncd
INSTALLED=0
for f in /usr/sbin/pfsyncd /usr/sbin/pfsyncctl $CONF \
	/lib/systemd/system/pfsyncd.service /usr/share/pfsyncd \
	/etc/systemd/system/multi-user.target.wants/pfsyncd.service \
	/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/wireshark/plugins/pfsync.lua; do
	check "purge removed $f" test ! -e "$f" -a ! -L "$f"
done
check "dpkg knows no pfsyncd" sh -c "! dpkg-query -W -f='\${Status}' pfsyncd 2>/dev/null | grep -q installed"
check "the peer stayed healthy" daemons_healthy
