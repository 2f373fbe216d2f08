#!/bin/bash
# test_together.sh - two daemons started at the same moment, with the
# stock bulk-retry (5 s): each is still waiting for its own bulk update
# when the other asks, so neither may send the END a NetBSD peer takes;
# each ends its walk with pfsyncd's unsynced END instead, and both are
# "bulk: done" within 10 s (NetBSD's rule alone: about 65 s).  Then a
# third node joins a synced pair and gets every state by a normal bulk.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.82.0.1
netns_node B 10.82.0.2
netns_node C 10.82.0.3
export BULK_RETRY=5000
t0=$(date +%s%N)
daemon_start A 1 &
wa=$!
daemon_start B 2 || fail "start B"
wait $wa || fail "start A"
# daemon_start ran in a subshell for A: record its PID for cleanup
PID_A=$(pgrep -f "$T/A.conf" | head -1)
PIDS+=("$PID_A")
check "A is bulk: done within 10 s" wait_for 10 bulk_done A
check "B is bulk: done within 10 s" wait_for 10 bulk_done B
echo "# both done $((($(date +%s%N) - t0) / 1000000)) ms after the start"

add_many A 0 300 || fail "adding states on A"
add_many B 300 600 || fail "adding states on B"
check "A and B hold the same 600 states" \
	wait_for 10 count_is 600 nstates B
check "A and B tables equal" wait_for 5 tables_equal A B
daemon_start C 3 || fail "start C"
check "C is bulk: done" wait_for 10 bulk_done C
check "C caught up with all 600 states" wait_for 5 count_is 600 nstates C
check "A, B and C hold the same table" wait_for 5 tables_equal A B C
check "daemons alive, no sanitizer reports" daemons_healthy
