#!/bin/bash
# test_forged.sh - forged control messages from an attacker X on the sync
# link, unsealed (issue 15, review M1, M2, M3): a NACK from a spoofed
# address and from 0.0.0.0 resends nothing; a heartbeat forged from A's
# address 2^31 ahead does not make B drop A's next packets as duplicates;
# a bulk request a second does not keep walks going back to back.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.84.0.1
netns_node B 10.84.0.2
netns_node X 10.84.0.9
for n in A B; do # spoofed sources reach the daemon (no reverse-path drop)
	ip netns exec "$(ns $n)" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.sync0.rp_filter=0 || fail "sysctl"
done
FORGED="$TOP/tests/netns/forged.py"
x() { ip netns exec "$(ns X)" "$PY" "$FORGED" "$@"; }
hdr() { printf '03000%s' "$1"; printf '0%.0s' $(seq 32); } # v3 header
rel() { json_field "$1" "rel_$2" stats; }

daemon_start A 1 || fail "start A"
daemon_start B 2 || fail "start B"
for n in A B; do
	check "$n's startup bulk is done" wait_for 10 bulk_done $n
done

# a stream that never acknowledges: A keeps its whole ring (review M1)
x send sync0 10.84.0.99 224.0.0.240 "$(hdr 400)f51280000bad000100000000"
# A's stream number, read off the wire as anyone on the link can
x epoch sync0 10.84.0.1 10 >"$T/epoch" &
xpid=$!
sleep 0.5
add_many A 0 50 || fail "add"
check "X read A's stream number" wait "$xpid"
read -r E S <"$T/epoch"
echo "# A's stream $E, a number $S"
check "B holds A's 50 states" wait_for 10 count_is 50 nstates B

# M1: NACK {E, 1, 65535} from 192.0.2.77 and from 0.0.0.0
resent0=$(rel A resent)
x send sync0 192.0.2.77 224.0.0.240 "$(hdr 400)f513ffff${E}00000001"
x send sync0 0.0.0.0 224.0.0.240 "$(hdr 400)f513ffff${E}00000001"
check "A refused the spoofed NACK" wait_for 5 eval 'test "$(rel A nack_refused)" -ge 1'
sleep 0.5
check "A resent nothing" [ "$(rel A resent)" = "$resent0" ]
check "A dropped the NACK from 0.0.0.0 on receipt" \
	[ "$(json_field A rx_badsrc -v stats)" -ge 1 ]

# M2: a heartbeat from A's address, 2^31 ahead of A's stream, to B
far=$(printf '%08x' $(((S + 0x7fffffff) & 0xffffffff)))
x send sync0 10.84.0.1 224.0.0.240 "$(hdr 400)f5128000${E}${far}"
check "B counted a number outside the window" \
	wait_for 5 eval 'test "$(rel B far)" -ge 1'
add_many A 50 150 || fail "add"
check "B still gets A's states" wait_for 10 count_is 150 nstates B
check "B dropped none of A's packets as duplicates" [ "$(rel B dups)" = 0 ]

# M3: a bulk request a second from X: walks are merged or kept for later
for _ in 1 2 3 4 5; do
	x send sync0 10.84.0.9 224.0.0.240 "$(hdr 801)$(printf '0%.0s' $(seq 32))"
	sleep 1
done
check "A merged or deferred X's repeated bulk requests" \
	[ "$(rel A bulk_merged)" -ge 2 ]
check "daemons alive, no sanitizer reports" daemons_healthy
