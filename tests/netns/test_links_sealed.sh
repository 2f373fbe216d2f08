#!/bin/bash
# test_links_sealed.sh - redundant sync links, sealed and unicast: A and
# B on two bridges, `syncdev sync0 syncpeer B0` and `link sync1 syncpeer
# B1` (the peer's address on each link), a key.  Each change applies
# once and no copy reaches the seal (no replay refused); with B's sync1
# pulled the sync goes on over sync0 with no gap.
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
ip -n "$(ns sw)" link add br1 type bridge
ip -n "$(ns sw)" link set br1 up
netns_node A 10.78.0.1
netns_node B 10.78.0.2
for n in A B; do
	[ $n = A ] && a=1 || a=2
	netns_veth $n sync1 sw "t$n"
	ip -n "$(ns sw)" link set "t$n" master br1 up
	ip -n "$(ns $n)" addr add "10.77.0.$a/24" dev sync1
	ip -n "$(ns $n)" link set sync1 up
done
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 600 "$T/key"

EXTRA_CONF="key \"$T/key\"
link sync1 syncpeer 10.77.0.2" \
	daemon_start A 0x0a000001 up syncdev sync0 syncpeer 10.78.0.2 ||
	fail "start A"
EXTRA_CONF="key \"$T/key\"
link sync1 syncpeer 10.77.0.1" \
	daemon_start B 0x0a000002 up syncdev sync0 syncpeer 10.78.0.1 ||
	fail "start B"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

st() { json_field "$1" "$2" -v stats; }
lst() {
	ctl "$1" -j -v stats | $PY -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$2" "$3"
}

ins0=$(st B applied_ins)
add_many A 0 60 || fail "add on A"
check "B holds A's 60 states" wait_for 10 eval 'test "$(ncreator B 0x0a000001)" = 60'
sleep 1
check "B applied each insert once ($(($(st B applied_ins) - ins0)))" \
	test "$(($(st B applied_ins) - ins0))" -eq 60
check "B dropped copies on a link" \
	test "$(($(lst B sync0 link_dup) + $(lst B sync1 link_dup)))" -gt 0
check "B's seal refused no replay ($(st B seal_replay)) and no forgery ($(st B seal_auth))" \
	test "$(st B seal_replay)" -eq 0 -a "$(st B seal_auth)" -eq 0
check "A sent to B on both links" \
	test "$(lst A sync0 link_tx)" -gt 0 -a "$(lst A sync1 link_tx)" -gt 0

gaps0=$(st B rel_gaps)
ip -n "$(ns B)" link set sync1 down
add_many A 60 100 || fail "add on A"
check "B holds 100 with its sync1 down" \
	wait_for 10 eval 'test "$(ncreator B 0x0a000001)" = 100'
check "B shows sync1 down" test "$(lst B sync1 link_up)" = 0
check "no gap on B ($(($(st B rel_gaps) - gaps0)))" \
	test "$(st B rel_gaps)" -eq "$gaps0"
check "A and B equal" wait_for 5 tables_equal A B
check "daemons healthy" daemons_healthy
