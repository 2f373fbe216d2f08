#!/usr/bin/env bash
# bench_defer.sh - what `defer` costs (issue 20, item 3): the asymmetric
# pair of test_defer.sh (client -> A -> server -> B -> client, strict
# conntrack), defer on both, bursts of new TCP connections at 1 k and
# 10 k a second (what the Python client reaches is printed).  Printed,
# never asserted: the hold of the first packet in A (p50/p99, measured
# in the daemon from the queue's read to the verdict), the client's
# connect time, A's and B's CPU per held packet, and how many holds
# timed out.  Each run is captured on A's lan, wan and sync0 and split
# by defer_trace.py: queue to INS sent (the NFQUEUE hand-off and A's
# work), B's answer (receive, kernel write, ACK), A's ACK to verdict.
# The daemons run at nice -10 (pfsyncd(8) DEFER), the release build as
# `make bench` builds it (PFSYNCD=build/asan/pfsyncd: the test build).
# DEFER_TRACE=0: no captures (they cost CPU of their own).  Noisy on a
# shared machine: the load average is printed with each run.
set -u
export PFSYNCD=${PFSYNCD:-$(cd "$(dirname "$0")/../.." && pwd)/build/pfsyncd}
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/failover-lib.sh"
[ -x "$PFSYNCD" ] || { echo "no $PFSYNCD: run make first"; exit 1; }
netns_init

fo_topology
ip -n "$(fo_ns cli)" route replace default via 192.168.0.254
ip -n "$(fo_ns srv)" route replace default via 10.0.0.253
for n in fwA fwB; do
	fo_firewall "$n" || fail "ruleset $n"
done
# one server port a run: a client port used again would meet the last
# run's entry (closing, not new) and pass unqueued.  (Not conntrack -F
# between runs: flushing 2000 entries stalled A's pfsyncd for 40 s.)
for p in 5000 5001; do
	ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/connburst.py" server \
		0.0.0.0 "$p" >"$T/srv$p.log" 2>&1 &
	fo_bgpid "srv$p"
	wait_for 5 grep -q listening "$T/srv$p.log" || fail "server $p"
done
FO_EXTRA_CONF="flush-delay 10" fo_pfsyncd fwA 0x0a || fail "pfsyncd A"
FO_EXTRA_CONF="flush-delay 10" fo_pfsyncd fwB 0x0b || fail "pfsyncd B"
wait_for 10 fo_synced fwA && wait_for 10 fo_synced fwB || fail "bulk"
ctl fwA pfsync0 defer >/dev/null && ctl fwB pfsync0 defer >/dev/null ||
	fail "defer"
renice -n -10 -p "$(daemon_pid fwA)" "$(daemon_pid fwB)" >/dev/null
echo "# pfsyncd: $PFSYNCD"
sleep 1

dj() { json_field "$1" "$2" -v stats; }
# cpu_ticks NODE: user and system ticks of NODE's pfsyncd ("U S"); the
# system part holds the kernel's work done in its calls: ctnetlink
# writes, and the forwarding of each packet a verdict lets go
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$(daemon_pid "$1")/stat"; }
# per_pkt "U0 S0" "U1 S1" N: "u+s us" a packet
per_pkt() {
	local hz
	hz=$(getconf CLK_TCK)
	set -- $1 $2 "$3"
	echo "$(( ($3 - $1) * 1000000 / hz / $5 ))+$(( ($4 - $2) * 1000000 / hz / $5 )) us"
}

# trace_start DIR / trace_stop: captures of A's lan, wan and sync0
TRACE_PIDS=()
trace_start() {
	local i
	TRACE_PIDS=()
	[ "${DEFER_TRACE:-1}" = 1 ] || return 0
	mkdir -p "$1"
	for i in lan wan sync0; do
		ip netns exec "$(fo_ns fwA)" tcpdump -i "$i" -s 0 -U \
			-w "$1/fwA.$i.pcap" >/dev/null 2>&1 &
		TRACE_PIDS+=("$!")
		PIDS+=("$!")
	done
	sleep 1 # tcpdump is listening
}
trace_stop() {
	local p
	sleep 0.3
	for p in "${TRACE_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		DEAD_PIDS="${DEAD_PIDS:-} $p"
	done
}

run() { # N RATE PORT
	local h0 a0 b0 t0 r held n dir=$T/trace.$2
	# defer off and on again: the hold histogram is this run's
	ctl fwA pfsync0 -defer >/dev/null && ctl fwA pfsync0 defer >/dev/null
	trace_start "$dir"
	h0=$(dj fwA defer_held)
	t0=$(dj fwA defer_timedout)
	a0=$(cpu_ticks fwA)
	b0=$(cpu_ticks fwB)
	r=$(ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/connburst.py" \
		client 10.0.0.10 "$3" "$1" "$2" 8)
	held=$(( $(dj fwA defer_held) - h0 ))
	n=$(( held > 0 ? held : 1 ))
	trace_stop
	echo "rate $2/s, $1 connections: $r"
	echo "  A held $held, timed out $(( $(dj fwA defer_timedout) - t0 ));" \
		"hold p50 $(dj fwA defer_hold_p50_us) us" \
		"p99 $(dj fwA defer_hold_p99_us) us;" \
		"CPU (user+system) a held packet: A $(per_pkt "$a0" "$(cpu_ticks fwA)" "$n")," \
		"B $(per_pkt "$b0" "$(cpu_ticks fwB)" "$n") (the daemons' whole work);" \
		"load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "  A queued $(dj fwA defer_queued) (fewer than the SYNs: the kernel" \
		"let them pass, fail open), passed at once: known" \
		"$(dj fwA defer_not_first), nobody to wait for" \
		"$(dj fwA defer_nopeer), hold full $(dj fwA defer_full)"
	[ "${DEFER_TRACE:-1}" = 1 ] &&
		echo "  split: $("$PY" "$TOP/tests/bench/defer_trace.py" "$dir")"
	return 0
}
run 1000 1000 5000
run 2000 10000 5001
