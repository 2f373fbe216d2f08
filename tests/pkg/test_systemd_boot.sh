#!/bin/bash
# test_systemd_boot.sh - the Debian package under a real systemd: a
# bookworm root made by mmdebstrap with the package installed by apt (so
# its Depends must be complete, procps or not), booted as a container
# (systemd-nspawn --boot, its own network namespace), and the unit used
# as an operator uses it:
#   - at boot the shipped unit starts (Type=notify: `active` only after
#     READY=1), runs as the system user pfsyncd with CAP_NET_ADMIN and
#     CAP_NET_RAW only, no new privileges;
#   - a sync device and a key set up as pfsyncd.conf(5) says (owner and
#     mode as documented), `systemctl restart`: sealed, key id logged;
#   - key rotation: a new key in the file and `systemctl reload`: the
#     reload succeeds and the daemon takes the new key (journal, stats);
#   - `systemctl stop`: inactive, its last journal line.
# PID 1 of the test machine need not be systemd: the container runs with
# --register=no --keep-unit from cgroups of its own (test-environment.md
# section 10).  Slow (mmdebstrap: 40-80 s): run by `make systemd-check`.
source "$(dirname "$0")/../netns/lib.sh"
netns_init
ARCH=$(dpkg --print-architecture)
R=$(mktemp -d /var/tmp/pfsyncd-sd.XXXXXX)
CGN=pfsd-sd-$$-$RANDOM
NSPAWN=""
L=""
# the key file as pfsyncd.conf(5) says to make it
KEY_SETUP=${KEY_SETUP:-chown root:pfsyncd /etc/pfsyncd.key \&\& chmod 0640 /etc/pfsyncd.key}

sd_cleanup() {
	local h
	if [ "${1:-0}" -ne 0 ] && [ -n "${L:-}" ]; then
		echo "# the unit's journal:"
		nsenter -t "$L" -a journalctl -q -o cat -u pfsyncd --no-pager |
			tail -15 | sed 's/^/#   /'
	fi
	if [ -n "$NSPAWN" ]; then
		kill "$NSPAWN" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$NSPAWN" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$NSPAWN" 2>/dev/null
	fi
	for h in unified systemd; do
		[ -d "/sys/fs/cgroup/$h/$CGN" ] || continue
		# depth-first: nspawn leaves payload/ and supervisor/ below
		find "/sys/fs/cgroup/$h/$CGN" -depth -type d \
			-exec rmdir {} \; 2>/dev/null
	done
	if ! grep -q " $R/" /proc/mounts; then
		rm -rf "$R"
	fi
}
trap 'rc=$?; sd_cleanup $rc; (exit $rc); netns_cleanup' EXIT

need=""
command -v mmdebstrap >/dev/null || need="$need mmdebstrap"
command -v systemd-nspawn >/dev/null || need="$need systemd-container"
if [ -n "$need" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $need >/dev/null ||
		fail "cannot install$need"
fi

check "the package builds" bash -c \
	"cd '$TOP' && scripts/deps-deb.sh && scripts/build-deb.sh >'$T/build.out' 2>&1"
V=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
DEB=$TOP/build/deb/pfsyncd_${V}_$ARCH.deb
[ -f "$DEB" ] || fail "no $DEB"

t0=$SECONDS
mkroot() {
	mmdebstrap --variant=minbase \
		--include=systemd,systemd-sysv,dbus,iproute2,"$DEB" \
		--setup-hook="mkdir -p \"\$1$(dirname "$DEB")\" && cp '$DEB' \"\$1$DEB\"" \
		bookworm "$R" >"$T/mmdebstrap.log" 2>&1 ||
		{ tail -20 "$T/mmdebstrap.log"; return 1; }
}
check "mmdebstrap: a bookworm root with systemd and the package" mkroot
echo "# mmdebstrap took $((SECONDS - t0)) s"

for h in unified systemd; do
	[ -d "/sys/fs/cgroup/$h" ] && mkdir "/sys/fs/cgroup/$h/$CGN"
done
(
	for h in unified systemd; do
		[ -d "/sys/fs/cgroup/$h/$CGN" ] &&
			echo "$BASHPID" >"/sys/fs/cgroup/$h/$CGN/cgroup.procs"
	done
	exec systemd-nspawn -q -D "$R" -M "$CGN" --register=no --keep-unit \
		--boot --console=passive --private-network \
		--bind=/dev/net/tun
) </dev/null >"$T/nspawn.log" 2>&1 &
NSPAWN=$!
ct_pid() { L=$(pgrep -P "$NSPAWN" | head -1); [ -n "$L" ]; }
wait_for 20 ct_pid || { cat "$T/nspawn.log"; fail "the container did not start"; }
in_ct() { nsenter -t "$L" -a "$@"; }
booted() {
	local s
	s=$(in_ct systemctl is-system-running 2>/dev/null)
	[ "$s" = running ] || [ "$s" = degraded ]
}
check "the container's systemd is up" wait_for 60 booted
in_ct systemctl --failed --no-legend | sed 's/^/# failed unit: /'

main_pid() { in_ct systemctl show -P MainPID pfsyncd; }
active() { [ "$(in_ct systemctl is-active pfsyncd)" = active ]; }
status_field() { in_ct sh -c "grep '^$1:' /proc/$(main_pid)/status"; }
journal() { in_ct journalctl -q -o cat -u pfsyncd --no-pager; }
ctlj() { in_ct pfsyncctl -j "$@"; }
keyid() { ctlj -v stats | python3 -c 'import json,sys
print(json.load(sys.stdin).get("seal_keyid",""))'; }

check "the shipped unit started at boot" wait_for 20 active
check "Type=notify: its status text is the daemon's" \
	sh -c "nsenter -t $L -a systemctl show -P StatusText pfsyncd | grep -q 'pfsync0:'"
check "it runs as the system user pfsyncd" test \
	"$(in_ct ps -o user= -p "$(main_pid)" 2>/dev/null ||
		status_field Uid | awk '{print $2}')" != root
uid=$(status_field Uid | awk '{print $2}')
check "... whose uid is pfsyncd's" test "$uid" = "$(in_ct id -u pfsyncd)"
check "with CAP_NET_ADMIN and CAP_NET_RAW only" \
	test "$(status_field CapEff | awk '{print $2}')" = 0000000000003000
check "no new privileges" test "$(status_field NoNewPrivs | awk '{print $2}')" = 1

# an operator's set-up: a sync link (a veth here: the test kernel has
# no dummy driver), a key, the backend
in_ct ip link add sync0 type veth peer name sync0p
in_ct ip link set sync0p up
in_ct ip addr add 10.97.0.1/24 dev sync0
in_ct ip link set sync0 up multicast on
in_ct sh -c 'umask 077; head -c 32 /dev/urandom | base64 >/etc/pfsyncd.key'
in_ct sh -c "$KEY_SETUP"
cat >"$R/etc/pfsyncd.conf" <<'CONF'
interface pfsync0 up syncdev sync0
hostid 0x0a000001
key "/etc/pfsyncd.key"
log-level info
CONF
check "restart with the key" in_ct systemctl restart pfsyncd
check "active after the restart" wait_for 10 active
k1=$(keyid)
check "sealed: a key id in the stats ($k1)" test -n "$k1"
check "the journal names the key" sh -c "nsenter -t $L -a journalctl -q -o cat -u pfsyncd --no-pager | grep -q 'key /etc/pfsyncd.key: key $k1'"

in_ct sh -c 'head -c 32 /dev/urandom | base64 >/etc/pfsyncd.key.new &&
	cat /etc/pfsyncd.key.new >/etc/pfsyncd.key && rm /etc/pfsyncd.key.new'
check "systemctl reload succeeds" in_ct systemctl reload pfsyncd
new_key() { [ -n "$(keyid)" ] && [ "$(keyid)" != "$k1" ] ||
	journal | grep -q 'new key .* accepted'; }
check "the reload takes the new key" wait_for 10 new_key
check "still active after the reload" active
journal | grep -iE 'reload|key' | tail -4 | sed 's/^/# journal: /'
check "no reload refused in the journal" sh -c \
	"! nsenter -t $L -a journalctl -q -o cat -u pfsyncd --no-pager | grep -qiE 'permission denied|keeping the keys'"

check "systemctl stop" in_ct systemctl stop pfsyncd
check "inactive after stop" test "$(in_ct systemctl is-active pfsyncd)" = inactive
journal | tail -2 | sed 's/^/# journal: /'
