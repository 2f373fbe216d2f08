#!/bin/bash
# test_bulk.sh - catching up by bulk update: a node started late (A already
# holds 500 states), a node restarted with the same hostid, and a larger
# table (10000 states) sent by the paced bulk.  The bulk status of the
# joining node flips from pending to done.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.78.0.1
netns_node B 10.78.0.2
netns_node C 10.78.0.3
daemon_start A 1 || fail "start A"
add_many A 0 500 || fail "adding 500 states"
check "A holds 500 states" [ "$(nstates A)" -eq 500 ]

# B starts while protocol 240 is dropped on its input, so its bulk request
# goes unanswered and the status is "pending" for as long as we like
# (a slower retry keeps it from giving up in the meantime).
drop240 B || fail "nft"
BULK_RETRY=1000 daemon_start B 2 || fail "start B"
check "B's bulk is pending while it hears nothing" \
	[ "$(json_field B bulk pfsync0)" = pending ]
check "B's pfsync0 shows the pending try" \
	sh -c "ip netns exec $(ns B) $PFSYNCCTL -s $T/B.sock pfsync0 |
		grep -q 'bulk: pending (try'"
undrop240 B || fail "nft delete"
check "B's bulk flips to done" wait_for 10 bulk_done B
check "B caught up with all 500 states" wait_for 5 count_is 500 nstates B
check "A and B hold the same table" tables_equal A B
check "B's pfsync0 says the bulk is done" \
	sh -c "ip netns exec $(ns B) $PFSYNCCTL -s $T/B.sock pfsync0 |
		grep -q 'bulk: done states: 500'"

# B restarts with the same hostid; A changes its table meanwhile
check "B exits cleanly on SIGTERM" daemon_stop B
add_many A 500 520 || fail "adding 20 states"
ctl A kill "$(unique_id A 1)" >/dev/null || fail "kill"
daemon_start B 2 || fail "restart B"
check "restarted B catches up (519 states)" \
	wait_for 10 count_is 519 nstates B
check "restarted B's bulk is done" wait_for 10 bulk_done B
check "A and restarted B hold the same table" wait_for 5 tables_equal A B

# a larger table: C joins when A and B hold 10000 states
t0=$(date +%s%N)
add_many A 520 5260 &
w1=$!
add_many A 5260 10001 || fail "adding states"
wait $w1 || fail "adding states"
echo "# 9481 adds took $((($(date +%s%N) - t0) / 1000000)) ms"
check "B follows A to 10000 states" wait_for 15 count_is 10000 nstates B
t0=$(date +%s%N)
daemon_start C 3 || fail "start C"
check "C catches up with 10000 states by bulk" \
	wait_for 20 count_is 10000 nstates C
check "C's bulk is done" wait_for 10 bulk_done C
echo "# C: 10000 states in $((($(date +%s%N) - t0) / 1000000)) ms"
check "A, B and C hold the same table" wait_for 5 tables_equal A B C
check "C counted no bad or failed states" \
	[ "$(json_field C badval stats)/$(json_field C badstate stats)" = 0/0 ]
check "daemons alive, no sanitizer reports" daemons_healthy
