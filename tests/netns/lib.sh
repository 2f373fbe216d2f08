# shellcheck shell=bash
# tests/netns/lib.sh - helpers for namespace tests with real daemons.
# Source it from a test script; it sets a trap that cleans up on every exit.
#
#   netns_init                  unique names, scratch dir, cleanup trap
#   netns_bridge                a "switch" namespace with bridge br0
#   netns_node NAME IP [IP6]    namespace NAME with interface sync0 on br0
#   netns_add NAME              a bare namespace (lo up)
#   netns_link N1 IF1 IP1 N2 IF2 IP2  a veth between two namespaces, up
#   netns_veth N1 IF1 N2 IF2    a veth made straight in its namespaces
#   ifname_check NAME...        fails loudly on a name Linux refuses (> 15)
#   sockpath_check PATH         fails loudly on a path sun_path cannot hold
#   daemon_start NAME [WORDS..] start pfsyncd in NAME (env BACKEND, default memory),
#                               interface words default "up syncdev sync0"
#   ctl NAME ARGS...            pfsyncctl against NAME's daemon
#   wait_for SECS CMD...        retry CMD until it succeeds or time is up
#   tables_equal A B...         same replicated state set on every daemon
#   ncreator NAME HOSTID        states a daemon holds from one creator
#   bulk_done NAME              the daemon's bulk status is "done"
#   capture_start FILE          tcpdump of protocol 240 on the bridge
#   daemons_healthy             every daemon alive, no sanitizer report
#   pfsync_notrack NAME...      protocol 240 untracked in each node (nft)
#
# Namespaces are named pfsT<pid>-<name>; the sockets, configs and logs are in
# $T (a mktemp directory).  Daemons are stopped by PID.
#
# Names must hold for any PID (up to 4194304, 7 digits) and any counter:
# veths are created straight in their namespaces under their final names
# (no temporary name in the host's namespace), and every interface name
# passes ifname_check (at most IFNAMSIZ-1 = 15 bytes).  Unix socket paths
# are $T/NAME.sock, far below sun_path's 108 bytes (sockpath_check).

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
	# the daemon reads its config and key again as an unprivileged user
	chmod 755 "$T"
	trap netns_cleanup EXIT
	trap 'exit 130' INT TERM
}

ns() { echo "$NS_PREFIX-$1"; }

netns_bridge() {
	local sw
	sw=$(ns sw)
	netns_add sw
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
}

# netns_add NAME: a bare namespace (lo up), cleaned up with the others
netns_add() {
	local n
	n=$(ns "$1")
	ip netns add "$n"
	NSES+=("$n")
	ip -n "$n" link set lo up
}

# ifname_check NAME...: each is a valid Linux interface name (1..15 bytes,
# no '/', ':' or blank); otherwise says which and why, and fails
ifname_check() {
	local n
	for n in "$@"; do
		if [ -z "$n" ] || [ "${#n}" -gt 15 ]; then
			echo "ifname_check: interface name '$n' is ${#n} bytes;" \
				"Linux takes 1 to 15 (IFNAMSIZ-1)" >&2
			return 1
		fi
		case $n in
		*[/:[:space:]]* | . | ..)
			echo "ifname_check: interface name '$n' has '/', ':'" \
				"or a blank, or is . or .." >&2
			return 1
			;;
		esac
	done
}

# sockpath_check PATH: a Unix socket path fits sun_path (under 108 bytes);
# otherwise says so and fails
sockpath_check() {
	[ "${#1}" -lt 108 ] && return 0
	echo "sockpath_check: socket path '$1' is ${#1} bytes;" \
		"sun_path takes at most 107" >&2
	return 1
}

# netns_veth NAME1 IF1 NAME2 IF2: a veth made in namespace NAME1 as IF1,
# its peer made straight in NAME2 as IF2 (no name in the host namespace)
netns_veth() {
	ifname_check "$2" "$4" || fail "netns_veth: bad interface name"
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" \
		netns "$(ns "$3")" || fail "netns_veth: cannot create $2/$4"
}

# netns_link NAME1 IF1 IPV4/LEN NAME2 IF2 IPV4/LEN: a veth between two
# namespaces, each end addressed and up
netns_link() {
	local n1 n2
	n1=$(ns "$1")
	n2=$(ns "$4")
	netns_veth "$1" "$2" "$4" "$5"
	ip -n "$n1" addr add "$3" dev "$2"
	ip -n "$n2" addr add "$6" dev "$5"
	ip -n "$n1" link set "$2" up
	ip -n "$n2" link set "$5" up
}

# netns_node NAME IPV4 [IPV6]: node namespace with "sync0" on the bridge;
# the switch's end is called sN, N counting the namespaces made so far
netns_node() {
	local name=$1 ip4=$2 ip6=${3:-} n sw port
	n=$(ns "$name")
	sw=$(ns sw)
	port=s${#NSES[@]}
	netns_add "$name"
	netns_veth "$name" sync0 sw "$port"
	ip -n "$sw" link set "$port" master br0 up
	ip -n "$n" addr add "$ip4/24" dev sync0
	[ -n "$ip6" ] && ip -n "$n" -6 addr add "$ip6/64" dev sync0 nodad
	ip -n "$n" link set sync0 up
}

# daemon_start NAME HOSTID [interface words...]
daemon_start() {
	local name=$1 hostid=$2
	shift 2
	local words=${*:-up syncdev sync0}
	local conf=$T/$name.conf cap="" user=$USER_CONF
	sockpath_check "$T/$name.sock" || return 1
	[ -n "${CAPTURE:-}" ] && cap="capture \"$T/$name.pcap\""
	grep -q '^user ' <<<"${EXTRA_CONF:-}" && user=""
	cat >"$conf" <<CONF
interface pfsync0 $words
hostid $hostid
control "$T/$name.sock"
backend ${BACKEND:-memory}
log-level debug
bulk-retry ${BULK_RETRY:-300}
$user
${EXTRA_CONF:-}
${SECCOMP_CONF:-}
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

# pfsync_notrack NAME...: pfsync (IP protocol 240) untracked in each
# node, as pfsyncd.nft does: its packets would otherwise be conntrack
# entries of their own in the table the test watches
pfsync_notrack() {
	local n
	for n in "$@"; do
		ip netns exec "$(ns "$n")" nft -f - <<'NFT' || return 1
table inet pfsync_notrack {
  chain pre { type filter hook prerouting priority raw; ip protocol 240 notrack; }
  chain out { type filter hook output priority raw; ip protocol 240 notrack; }
}
NFT
	done
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

PY=/usr/bin/python3

# The user the daemons run as after setup: files they read again on
# SIGHUP, such as key files, must be theirs.  pfsyncd has no fallback
# user, so where the pfsyncd account is missing (a build host) the test
# configs name nobody (USER_CONF).
if getent passwd pfsyncd >/dev/null; then
	DAEMON_USER=pfsyncd
	USER_CONF=""
else
	DAEMON_USER=nobody
	USER_CONF="user nobody"
fi

# state_keys NAME: one sorted line per state with what pfsync replicates
# (id, creator, addresses, peer states, sequence window); local counters
# such as age and packets differ between nodes and are left out.
state_keys() {
	ctl "$1" -j states | $PY -c '
import json, sys
for s in sorted(json.load(sys.stdin), key=lambda s: (s["creatorid"], s["id"])):
	h = lambda k: "%s.%u" % (s[k]["addr"], s[k]["port"])
	print(s["creatorid"], s["id"], s["af"], s["proto"], s["direction"],
	      h("lan"), h("gwy"), h("ext"), s["src_state"], s["dst_state"],
	      s["src_seqlo"], s["src_seqhi"])'
}

# tables_equal A B...: every daemon holds the same set of states
tables_equal() {
	local first=$1 ref n
	shift
	ref=$(state_keys "$first") || return 1
	for n in "$@"; do
		[ "$(state_keys "$n")" = "$ref" ] || return 1
	done
}

# ncreator NAME HOSTID: number of states created by HOSTID (a number)
ncreator() {
	ctl "$1" -j states | $PY -c '
import json, sys
c = int(sys.argv[1], 0)
print(sum(1 for s in json.load(sys.stdin) if int(s["creatorid"], 16) == c))' \
		"$2"
}

# json_field NAME FIELD ARGS...: one field of `ctl NAME -j ARGS...`
json_field() {
	local name=$1 field=$2
	shift 2
	ctl "$name" -j "$@" | $PY -c \
		'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' \
		"$field"
}

bulk_done() { [ "$(json_field "$1" bulk pfsync0)" = "done" ]; }

# state_field NAME [CREATOR:]ID FIELD: one field of one state, empty if
# absent.  State ids are unique only per creator (two daemons started in
# the same second hand out the same ids), so name the creator (8 hex
# digits, as in JSON) whenever another node could hold the same id.
state_field() {
	ctl "$1" -j states | $PY -c '
import json, sys
c, _, i = sys.argv[1].rpartition(":")
for s in json.load(sys.stdin):
	if s["id"] == i and c in ("", s["creatorid"]):
		print(s[sys.argv[2]])' "$2" "$3"
}

# unique_id NAME HOSTID: the id of a state created by HOSTID that no other
# creator uses in NAME's table (so `kill ID` on NAME cannot pick another)
unique_id() {
	ctl "$1" -j states | $PY -c '
import json, sys
st = json.load(sys.stdin)
c = "%08x" % int(sys.argv[1], 0)
ids = [s["id"] for s in st]
print([s["id"] for s in st
       if s["creatorid"] == c and ids.count(s["id"]) == 1][0])' "$2"
}

# field_is NAME ID FIELD VALUE: for wait_for, which re-runs it
field_is() { [ "$(state_field "$1" "$2" "$3")" = "$4" ]; }

# count_is VALUE CMD...: CMD prints VALUE (for wait_for)
count_is() {
	local want=$1
	shift
	[ "$("$@")" = "$want" ]
}

# add_many NAME FROM TO: create TCP states FROM..TO-1 on NAME, each with its
# own source address in 10.128.0.0/9 (the control socket is a file, so
# pfsyncctl runs without entering the namespace: faster for thousands)
add_many() {
	local name=$1 i
	for ((i = $2; i < $3; i++)); do
		"$PFSYNCCTL" -s "$T/$name.sock" add tcp \
			"10.$((128 + i / 65536)).$((i / 256 % 256)).$((i % 256)):1024" \
			10.99.0.1:80 >/dev/null || return 1
	done
}

# drop240 NAME / undrop240 NAME: drop protocol 240 on NAME's input (the
# receiver's input hook: dropping on output would make sendto() fail)
drop240() {
	ip netns exec "$(ns "$1")" nft 'table inet loss { chain input {
		type filter hook input priority -10; policy accept;
		ip protocol 240 counter drop; }; }'
}

undrop240() { ip netns exec "$(ns "$1")" nft delete table inet loss; }

# capture_start FILE: tcpdump protocol 240 on the bridge, until cleanup
# or capture_stop; returns once tcpdump is listening.
capture_start() {
	local f=$1
	ip netns exec "$(ns sw)" tcpdump -i br0 -w "$f" -U -s 0 ip proto 240 \
		>"$T/tcpdump.log" 2>&1 &
	CAPTURE_PID=$!
	PIDS+=("$CAPTURE_PID")
	wait_for 5 grep -q listening "$T/tcpdump.log" ||
		fail "tcpdump did not start"
	sleep 0.3
}

capture_stop() {
	sleep 0.3 # let -U write the last packets
	kill "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	DEAD_PIDS="${DEAD_PIDS:-} $CAPTURE_PID"
	return 0
}

# daemons_healthy: every daemon started is still running and its log has
# no sanitizer report
daemons_healthy() {
	local f p
	for p in "${PIDS[@]}"; do
		[ "$p" = "${CAPTURE_PID:-}" ] && continue
		[ -n "${DEAD_PIDS:-}" ] && [[ " $DEAD_PIDS " == *" $p "* ]] &&
			continue
		kill -0 "$p" 2>/dev/null || { echo "pid $p died"; return 1; }
	done
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' \
			"$f"; then
			echo "sanitizer report in $f"
			return 1
		fi
	done
}

# daemon_stop NAME: SIGTERM the daemon by PID, wait for it, keep its log
# as NAME-runPID.log so a restart does not overwrite it; fails unless the
# daemon exited cleanly (a leak report makes the exit status non-zero)
daemon_stop() {
	local p rc
	p=$(daemon_pid "$1")
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	mv "$T/$1.log" "$T/$1-run$p.log"
	[ "$rc" -eq 0 ] || { echo "daemon $1 exited with $rc"; return 1; }
}
