#!/usr/bin/env bash
# bench_defer.sh - what `defer` costs (issue 20, item 3): the asymmetric
# pair of test_defer.sh (client -> A -> server -> B -> client, strict
# conntrack), defer on both, bursts of new TCP connections at 1 k and
# 10 k a second (what the Python client reaches is printed).  Printed,
# never asserted: the hold of the first packet in A (p50/p99, measured
# in the daemon from the queue's read to the verdict), the client's
# connect time, A's CPU per held packet, and how many holds timed out.
# Noisy on a shared machine.
set -u
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/failover-lib.sh"
netns_init

fo_topology
ip -n "$(fo_ns cli)" route replace default via 192.168.0.254
ip -n "$(fo_ns srv)" route replace default via 10.0.0.253
for n in fwA fwB; do
	fo_firewall "$n" || fail "ruleset $n"
done
ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/connburst.py" server \
	0.0.0.0 "$FO_PORT" >"$T/srv.log" 2>&1 &
fo_bgpid srv
wait_for 5 grep -q listening "$T/srv.log" || fail "server"
FO_EXTRA_CONF="flush-delay 10" fo_pfsyncd fwA 0x0a || fail "pfsyncd A"
FO_EXTRA_CONF="flush-delay 10" fo_pfsyncd fwB 0x0b || fail "pfsyncd B"
wait_for 10 fo_synced fwA && wait_for 10 fo_synced fwB || fail "bulk"
ctl fwA pfsync0 defer >/dev/null && ctl fwB pfsync0 defer >/dev/null ||
	fail "defer"
sleep 1

dj() { json_field "$1" "$2" -v stats; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$(daemon_pid fwA)/stat"; }

run() { # N RATE
	local h0 c0 t0 r held ticks hz
	hz=$(getconf CLK_TCK)
	h0=$(dj fwA defer_held)
	t0=$(dj fwA defer_timedout)
	c0=$(cpu_ticks)
	r=$(ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/connburst.py" \
		client 10.0.0.10 "$FO_PORT" "$1" "$2" 8)
	held=$(( $(dj fwA defer_held) - h0 ))
	ticks=$(( $(cpu_ticks) - c0 ))
	echo "rate $2/s, $1 connections: $r"
	echo "  A held $held, timed out $(( $(dj fwA defer_timedout) - t0 ));" \
		"hold (all runs) p50 $(dj fwA defer_hold_p50_us) us" \
		"p99 $(dj fwA defer_hold_p99_us) us;" \
		"A's CPU $(( ticks * 1000000 / hz / (held > 0 ? held : 1) )) us" \
		"per held packet (the daemon's whole work, asan build)"
}
run 1000 1000
run 2000 10000
