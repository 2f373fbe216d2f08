#!/bin/bash
# test_bulkresend.sh - a bulk update whose sends fail is not ended as if
# whole.  While B catches up with A's 2000 states, an nft rule on A's
# output lets 30 kB of pfsync through, then makes about 30 kB of sends
# fail (sendto EPERM), then lets the rest through.
#  - B a pfsyncd peer that reads A's numbered stream (reliable, the
#    default): the failed packets are in A's resend ring and B's NACKs
#    bring them back, so A does not walk its table again (a cycle would
#    send every state once more);
#  - B with `reliable off` (as a BSD peer: no NACK): A goes round its
#    table once more before the END.
# Either way B gets every state; A counts the failed sends, and the
# resends or the extra cycle, in stats -v.
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
hole() {
	ip netns exec "$(ns A)" nft delete table inet hole 2>/dev/null
	ip netns exec "$(ns A)" nft 'table inet hole { chain output {
		type filter hook output priority 0; policy accept;
		ip protocol 240 quota until 30 kbytes accept;
		ip protocol 240 quota until 30 kbytes drop; }; }' || fail "nft"
}
resent() { json_field A rel_resent -v stats; }

# B reads the numbered stream: its NACKs repair, no second walk
hole
BULK_RETRY=5000 daemon_start B 2 || fail "start B"
check "B's bulk update is done" wait_for 20 bulk_done B
ip netns exec "$(ns A)" nft list table inet hole | sed 's/^/# /' |
	grep quota
check "A's sends failed during the walk" \
	[ "$(json_field A send_failures stats)" -gt 0 ]
check "A resent the failed packets on B's NACKs" [ "$(resent)" -gt 0 ]
check "A did not go round its table again" \
	[ "$(json_field A bulk_resent stats)" -eq 0 ]
check "B holds all $N states" wait_for 10 count_is "$N" nstates B
check "A and B hold the same table" tables_equal A B
daemon_stop B

# B without reliable delivery: A goes round once more
fails=$(json_field A send_failures stats)
hole
EXTRA_CONF="reliable off" BULK_RETRY=5000 daemon_start B 2 ||
	fail "start B (reliable off)"
check "B's bulk update is done (reliable off)" wait_for 20 bulk_done B
check "A's sends failed during the walk (reliable off)" \
	[ "$(json_field A send_failures stats)" -gt "$fails" ]
check "A went round its table once more" \
	[ "$(json_field A bulk_resent stats)" -ge 1 ]
check "B holds all $N states (reliable off)" [ "$(nstates B)" -eq "$N" ]
check "A and B hold the same table (reliable off)" tables_equal A B
check "daemons alive, no sanitizer reports" daemons_healthy
