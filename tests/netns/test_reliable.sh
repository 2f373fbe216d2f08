#!/bin/bash
# test_reliable.sh - pfsyncd peers converge whatever the wire does
# (pfsyncd(8), RELIABLE DELIVERY).  Three nodes on one multicast group:
#  1. 30 % of protocol 240 dropped at B's input (nft numgen) during 8 s of
#     churn on A: within 5 s of the loss ending B and C equal A, entry for
#     entry, with no state missing and no ghost; B found and repaired gaps.
#  2. B killed with SIGKILL during churn and restarted: equal again within
#     the bulk time.
#  3. A killed with SIGKILL and restarted empty (a reboot): it takes its
#     states back from its peers' bulk, and the tables are equal.
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
netns_node A 10.81.0.1
netns_node B 10.81.0.2
netns_node C 10.81.0.3
daemon_start A 0x0a000001
daemon_start B 0x0a000002
daemon_start C 0x0a000003
for n in A B C; do
	check "$n bulk done" wait_for 10 bulk_done "$n"
done

loss_on() { # NAME PERCENT: drop that share of protocol 240 at NAME's input
	ip netns exec "$(ns "$1")" nft -f - <<NFT
table inet loss {
	chain input {
		type filter hook input priority -10; policy accept;
		ip protocol 240 numgen random mod 100 < $2 counter drop
	}
}
NFT
}
loss_off() { ip netns exec "$(ns "$1")" nft delete table inet loss; }
dropped() {
	ip netns exec "$(ns "$1")" nft list table inet loss |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
rel() { json_field "$1" "rel_$2" stats; }
rel_line() { ctl "$1" -v stats | sed -n '/^reliable/,/set full/p' | tr -s '\t\n' '  '; }
churn_done() { ! ctl "$1" -v stats | grep -q '^churn: running'; }
restart() { # NAME HOSTID: SIGKILL the daemon, start it again
	local p
	p=$(daemon_pid "$1")
	kill -9 "$p"
	wait "$p" 2>/dev/null
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	mv "$T/$1.log" "$T/$1-killed$p.log"
	rm -f "$T/$1.sock"
	daemon_start "$1" "$2"
}

# --- 1. 30 % loss on B during churn -------------------------------------
loss_on B 30
ctl A churn 1500 8 max 3000 >/dev/null || fail "churn"
check "churn ran" wait_for 15 churn_done A
n=$(dropped B)
loss_off B
check "the loss was real ($n packets dropped at B)" test "${n:-0}" -gt 50
t0=$SECONDS
wait_for 5 tables_equal A B C || for n in A B C; do # for the reader
	echo "# $n: $(nstates "$n") states, $(rel_line "$n")"
done
check "B and C equal A within 5 s of the loss ending" \
	wait_for 5 tables_equal A B C
echo "# converged in $((SECONDS - t0)) s; A holds $(nstates A) states"
check "B found gaps ($(rel B gaps)) and got them again ($(rel B recovered))" \
	test "$(rel B gaps)" -gt 0 -a "$(rel B recovered)" -gt 0
check "C, without loss, needed no resend ($(rel C nacks) NACKs)" \
	test "$(rel C nacks)" -eq 0
echo "# B: $(rel_line B)"

# --- 2. B killed during churn, restarted --------------------------------
ctl A churn 1500 6 max 3000 >/dev/null || fail "churn"
sleep 2
restart B 0x0a000002
check "churn ran" wait_for 15 churn_done A
check "B's bulk is done" wait_for 20 bulk_done B
check "B equals A and C after its restart" wait_for 10 tables_equal A B C

# --- 3. A killed, restarted empty: takes its states back ----------------
before=$(ncreator B 0x0a000001)
restart A 0x0a000001
check "A's bulk is done" wait_for 20 bulk_done A
check "A holds its $before states again" \
	wait_for 10 count_is "$before" ncreator A 0x0a000001
check "A, B and C equal" wait_for 10 tables_equal A B C
check "daemons healthy" daemons_healthy
echo "PASS test_reliable"
