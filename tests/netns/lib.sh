# tests/netns/lib.sh - helpers for namespace tests with real daemons.
# Source it from a test script; it sets a trap that cleans up on every exit.
#
#   netns_init                  unique names, scratch dir, cleanup trap
#   netns_bridge                a "switch" namespace with bridge br0
#   netns_node NAME IP [IP6]    namespace NAME with interface sync0 on br0
#   daemon_start NAME [WORDS..] start pfsyncd in NAME (memory backend),
#                               interface words default "up syncdev sync0"
#   ctl NAME ARGS...            pfsyncctl against NAME's daemon
#   wait_for SECS CMD...        retry CMD until it succeeds or time is up
#
# Namespaces are named pfsT<pid>-<name>; the sockets, configs and logs are in
# $T (a mktemp directory).  Daemons are stopped by PID.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PFSYNCD=${PFSYNCD:-$TOP/build/asan/pfsyncd}
PFSYNCCTL=${PFSYNCCTL:-$TOP/build/pfsyncctl}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
NS_PREFIX=""
T=""
PIDS=()
NSES=()

netns_cleanup() {
	local rc=$?
	local p n
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	for n in "${NSES[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		# keep logs of a failed run in build/logs for the reader
		if [ "$rc" -ne 0 ]; then
			mkdir -p "$TOP/build/logs/netns-$NS_PREFIX"
			cp -r "$T"/. "$TOP/build/logs/netns-$NS_PREFIX/" 2>/dev/null
			for f in "$T"/*.log; do
				[ -f "$f" ] || continue
				echo "--- $f"
				tail -20 "$f"
			done
		fi
		rm -rf "$T"
	fi
	exit "$rc"
}

netns_init() {
	NS_PREFIX="pfsT$$"
	T=$(mktemp -d /tmp/pfsyncd-test.XXXXXX)
	trap netns_cleanup EXIT
	trap 'exit 130' INT TERM
}

ns() { echo "$NS_PREFIX-$1"; }

netns_bridge() {
	local sw
	sw=$(ns sw)
	ip netns add "$sw"
	NSES+=("$sw")
	ip -n "$sw" link set lo up
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
}

# netns_node NAME IPV4 [IPV6]: node namespace with "sync0" on the bridge
netns_node() {
	local name=$1 ip4=$2 ip6=${3:-} n sw idx
	n=$(ns "$name")
	sw=$(ns sw)
	idx=${#NSES[@]}
	ip netns add "$n"
	NSES+=("$n")
	ip -n "$n" link set lo up
	ip link add "pfa$$x$idx" type veth peer name "pfb$$x$idx"
	ip link set "pfa$$x$idx" netns "$n"
	ip link set "pfb$$x$idx" netns "$sw"
	ip -n "$n" link set "pfa$$x$idx" name sync0
	ip -n "$sw" link set "pfb$$x$idx" master br0
	ip -n "$sw" link set "pfb$$x$idx" up
	ip -n "$n" addr add "$ip4/24" dev sync0
	[ -n "$ip6" ] && ip -n "$n" -6 addr add "$ip6/64" dev sync0 nodad
	ip -n "$n" link set sync0 up
}

# daemon_start NAME HOSTID [interface words...]
daemon_start() {
	local name=$1 hostid=$2
	shift 2
	local words=${*:-up syncdev sync0}
	local conf=$T/$name.conf cap=""
	[ -n "${CAPTURE:-}" ] && cap="capture \"$T/$name.pcap\""
	cat >"$conf" <<CONF
interface pfsync0 $words
hostid $hostid
control "$T/$name.sock"
backend memory
log-level debug
bulk-retry ${BULK_RETRY:-300}
${EXTRA_CONF:-}
$cap
CONF
	ip netns exec "$(ns "$name")" "$PFSYNCD" -d -f "$conf" \
		>"$T/$name.log" 2>&1 &
	PIDS+=("$!")
	eval "PID_$name=$!"
	wait_for 10 test -S "$T/$name.sock" ||
		{ echo "daemon $name did not start"; cat "$T/$name.log"; return 1; }
}

daemon_pid() { eval "echo \${PID_$1}"; }

ctl() {
	local name=$1
	shift
	ip netns exec "$(ns "$name")" "$PFSYNCCTL" -s "$T/$name.sock" "$@"
}

wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@"
}

# count of states a daemon holds
nstates() { ctl "$1" states | grep -c .; }

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

check() { # description, command...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		fail "$what"
	fi
}
