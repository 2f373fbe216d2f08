#!/bin/bash
# test_bulkresend.sh - a bulk update whose sends fail is not ended as if
# whole.  While B catches up with A's 2000 states, an nft rule on A's
# output lets 30 kB of pfsync through, then makes about 30 kB of sends
# fail (sendto EPERM), then lets the rest through.  A goes round its
# table once more before the END, so B gets every state; A counts the
# failed sends and the extra cycle in stats -v.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.85.0.1
netns_node B 10.85.0.2
N=2000
daemon_start A 1 || fail "start A"
for k in 0 1 2 3; do
	add_many A $((k * N / 4)) $(((k + 1) * N / 4)) &
	eval "w$k=$!"
done
for k in 0 1 2 3; do
	eval "wait \$w$k" || fail "adding states"
done
check "A holds $N states" [ "$(nstates A)" -eq "$N" ]
check "A's own bulk request is over" wait_for 20 bulk_done A
ip netns exec "$(ns A)" nft 'table inet hole { chain output {
	type filter hook output priority 0; policy accept;
	ip protocol 240 quota until 30 kbytes accept;
	ip protocol 240 quota until 30 kbytes drop; }; }' || fail "nft"
BULK_RETRY=5000 daemon_start B 2 || fail "start B"
check "B's bulk update is done" wait_for 20 bulk_done B
ip netns exec "$(ns A)" nft list table inet hole | sed 's/^/# /' |
	grep quota
check "A's sends failed during the walk" \
	[ "$(json_field A send_failures stats)" -gt 0 ]
check "A went round its table once more" \
	[ "$(json_field A bulk_resent stats)" -ge 1 ]
check "B holds all $N states" [ "$(nstates B)" -eq "$N" ]
check "A and B hold the same table" tables_equal A B
check "daemons alive, no sanitizer reports" daemons_healthy
