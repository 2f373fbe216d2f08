#!/usr/bin/env bash
# test_defer_bsd.sh - our `defer` released by an OpenBSD peer's INS_ACK
# (issue 20, item 5).  P is the OpenBSD v6 reference peer (dialpeer.py
# insack6: bytes from the reference, nothing from lib/): it is heard as
# v6 (a DEL_C of no state), reads A's v6 INS and answers each one that
# carries PFSTATE_ACK with an INS_ACK (id, creatorid) at once, to the
# group, as pf does.  A (conntrack backend, `defer`, defer-timeout 300)
# forwards TCP connections from D to C: each SYN is held in A's queue
# until P's INS_ACK of its state, so it connects in far less than the
# 300 ms.  Control: P reads the same INS but answers none; each SYN
# then waits the whole defer-timeout and is counted as timed out.
#
#   D 10.89.0.2 --cli-- A --lan-- C 10.88.0.2
#                       A 10.87.0.1 --sync0 (br0)-- P 10.87.0.9
# (A's own connections are not synced: they are forwarded ones.)
set -u
. "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.87.0.1
netns_node P 10.87.0.9
netns_add C
netns_add D
netns_link A lan 10.88.0.1/24 C eth0 10.88.0.2/24
netns_link A cli 10.89.0.1/24 D eth0 10.89.0.2/24
ip -n "$(ns C)" route add default via 10.88.0.1
ip -n "$(ns D)" route add default via 10.89.0.1
ip netns exec "$(ns A)" sysctl -qw net.ipv4.ip_forward=1
pfsync_notrack A
TMO=300
K=5 # connections a phase

ip netns exec "$(ns C)" "$PY" "$TOP/tests/netns/connburst.py" server \
	0.0.0.0 5000 >"$T/srv.log" 2>&1 &
PIDS+=("$!")
wait_for 5 grep -q listening "$T/srv.log" || fail "server"
BACKEND=conntrack EXTRA_CONF="defer-timeout $TMO" \
	daemon_start A 0x0a up syncdev sync0 defer || fail "start A"
renice -n -10 -p "$(daemon_pid A)" >/dev/null # pfsyncd(8) DEFER
check "A's startup bulk is done" wait_for 15 bulk_done A

dj() { json_field A "$1" -v stats; }
jget() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
burst() { # -> JSON line of K connections, 10 a second
	ip netns exec "$(ns D)" "$PY" "$TOP/tests/netns/connburst.py" client \
		10.88.0.2 5000 "$K" 10 3
}
# phase NAME [noack]: P for 4 s; A's connections once A speaks v6 to it
phase() {
	local out=$T/$1.p
	ip netns exec "$(ns P)" "$PY" "$TOP/tests/netns/dialpeer.py" insack6 \
		sync0 4 "${2:-}" >"$T/$1.p" 2>&1 &
	PIDS+=("$!")
	DEAD_PIDS="${DEAD_PIDS:-} $!" # it ends by itself
	wait_for 5 grep -q ready "$T/$1.p" || fail "peer $1: $(cat "$T/$1.p")"
	# shellcheck disable=SC2016 # expanded by wait_for's eval, each try
	wait_for 5 eval '[ "$(json_field A dialect pfsync0)" = 6 ]' ||
		fail "A does not send v6: $(ctl A pfsync0)"
	burst >"$T/$1.c" || fail "client $1"
	wait_for 8 grep -q '^{' "$out" ||
		fail "peer $1 did not end"
	echo "# $1: client $(cat "$T/$1.c")"
	echo "# $1: peer $(grep '^{' "$T/$1.p")"
}

phase acked
P1=$(grep '^{' "$T/acked.p")
C1=$(cat "$T/acked.c")
check "A asked P for each insert (PFSTATE_ACK: $(jget "$P1" ack_wanted))" \
	test "$(jget "$P1" ack_wanted)" -ge "$K"
check "P answered them" test "$(jget "$P1" acked)" -ge "$K"
echo "# A: held $(dj defer_held) acked $(dj defer_acked)" \
	"timed out $(dj defer_timedout) hold p50 $(dj defer_hold_p50_us) us" \
	"max $(dj defer_hold_max_us) us"
check "A held the $K SYNs" test "$(dj defer_held)" -eq "$K"
check "P's INS_ACKs released all $K" test "$(dj defer_acked)" -eq "$K"
check "none waited the timeout" test "$(dj defer_timedout)" -eq 0
check "longest hold $(dj defer_hold_max_us) us << ${TMO} ms" \
	test "$(dj defer_hold_max_us)" -lt $((TMO * 1000 / 10))
check "$K connected, p99 $(jget "$C1" connect_p99) ms << ${TMO} ms" "$PY" -c '
import json, sys
c = json.loads(sys.argv[1])
sys.exit(c["ok"] != int(sys.argv[2]) or c["connect_p99"] >= int(sys.argv[3]) / 10)
' "$C1" "$K" "$TMO"

phase silent noack
P2=$(grep '^{' "$T/silent.p")
C2=$(cat "$T/silent.c")
echo "# A: held $(dj defer_held) acked $(dj defer_acked)" \
	"timed out $(dj defer_timedout)"
check "P saw the asking inserts ($(jget "$P2" ack_wanted)) and answered none" \
	test "$(jget "$P2" ack_wanted)" -ge "$K" -a "$(jget "$P2" acked)" -eq 0
check "A held $K more" test "$(dj defer_held)" -eq $((2 * K))
check "each released at defer-timeout, counted" \
	test "$(dj defer_timedout)" -eq "$K" -a "$(dj defer_acked)" -eq "$K"
check "connected all the same, after the ${TMO} ms (p50 $(jget "$C2" connect_p50) ms)" "$PY" -c '
import json, sys
c = json.loads(sys.argv[1])
sys.exit(c["ok"] != int(sys.argv[2]) or c["connect_p50"] < int(sys.argv[3]))
' "$C2" "$K" "$TMO"
check "daemon alive, no sanitizer reports" daemons_healthy
