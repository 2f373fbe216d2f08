#!/bin/bash
# test_converge.sh - two, then three daemons on one bridge converge:
# inserts (TCP, UDP, IPv6), updates (peer states and sequence windows),
# kills, states created on several nodes at once, and flushes (a CLR drops
# the creator's states on the peers and keeps everyone else's).
# Tables are compared as JSON: the set of (id, creatorid, keys, peer
# states, seqs) must be the same everywhere.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.77.0.1 fd00:77::1
netns_node B 10.77.0.2 fd00:77::2
netns_node C 10.77.0.3 fd00:77::3
daemon_start A 1 || fail "start A"
# state ids are (start second << 32) + a counter, as in pf: nodes started
# in one second make equal ids (told apart by their creator), and the
# checks below pick a state by an id no other creator uses
sleep 1.1
daemon_start B 2 || fail "start B"

# --- two nodes: inserts of every kind ---
tcp=$(ctl A add tcp 10.1.0.1:40000 10.2.0.2:80 state ESTABLISHED:ESTABLISHED)
udp=$(ctl A add udp 10.1.0.1:5353 10.2.0.2:53)
tcp6=$(ctl A add tcp [fd00:1::1]:40001 [fd00:2::2]:443 \
	state ESTABLISHED:ESTABLISHED)
check "A holds its 3 states" [ "$(ncreator A 1)" -eq 3 ]
check "B learns the TCP, UDP and IPv6 states" wait_for 5 tables_equal A B
check "B holds 3 states created by A" [ "$(ncreator B 1)" -eq 3 ]
check "B has the IPv6 state" [ "$(state_field B "00000001:$tcp6" af)" = 10 ]
check "B has the UDP state" [ "$(state_field B "00000001:$udp" proto)" = udp ]

# --- updates: peer states and the sequence window move on the peer ---
seq0=$(state_field B "00000001:$tcp" src_seqlo)
ctl A update "$tcp" state FIN_WAIT_1:ESTABLISHED >/dev/null ||
	fail "update state"
check "B sees the new peer state" \
	wait_for 5 field_is B "00000001:$tcp" src_state FIN_WAIT_1
ctl A update "$tcp" >/dev/null || fail "update seq"
ctl A update "$tcp" >/dev/null || fail "update seq"
seqA=$(state_field A "00000001:$tcp" src_seqlo)
check "the sequence window moved on A" [ "$seqA" != "$seq0" ]
check "B follows A's sequence window" \
	wait_for 5 field_is B "00000001:$tcp" src_seqlo "$seqA"
check "tables equal after updates" wait_for 5 tables_equal A B
check "states -v on B shows the creator id" \
	sh -c "ip netns exec $(ns B) $PFSYNCCTL -s $T/B.sock -v states |
		grep -q 00000001"

# --- kill ---
ctl A kill "$udp" >/dev/null || fail "kill"
check "the killed state leaves B" \
	wait_for 5 field_is B "00000001:$udp" id ""
check "tables equal after the kill" wait_for 5 tables_equal A B

# --- a third node joins and catches up ---
sleep 1.1 # a second of its own (ids, above)
daemon_start C 3 || fail "start C"
check "C catches up by bulk" wait_for 10 tables_equal A B C
check "C's bulk is done" wait_for 10 bulk_done C

# --- states created on all three nodes at once ---
for i in 1 2 3 4 5; do
	ctl A add tcp 10.1.1.$i:1000 10.2.0.2:80 >/dev/null &
	w1=$!
	ctl B add tcp 10.1.2.$i:2000 10.2.0.2:80 >/dev/null &
	w2=$!
	ctl C add udp 10.1.3.$i:3000 10.2.0.2:53 >/dev/null &
	w3=$!
	wait $w1 $w2 $w3 # only these: a bare wait would wait for the daemons
done
check "tables converge after concurrent inserts" \
	wait_for 10 tables_equal A B C
for n in A B C; do
	check "$n holds 7 of A's, 5 of B's, 5 of C's states" \
		[ "$(ncreator $n 1)/$(ncreator $n 2)/$(ncreator $n 3)" = 7/5/5 ]
done

# a state created by A, killed on C: announced by C, gone everywhere
victim=$(unique_id C 1) || fail "no state of A with a unique id on C"
ctl C kill "$victim" >/dev/null || fail "kill on C"
check "a kill on another node removes A's state everywhere" \
	wait_for 5 field_is A "00000001:$victim" id ""
check "... and on B" wait_for 5 field_is B "00000001:$victim" id ""
check "tables equal after a foreign kill" wait_for 5 tables_equal A B C

# updates from B on its own states reach A and C
bid=00000002:$(unique_id B 2) || fail "no state of B"
ctl B update "${bid#*:}" state ESTABLISHED:FIN_WAIT_2 >/dev/null ||
	fail "B update"
check "B's update reaches A" \
	wait_for 5 field_is A "$bid" dst_state FIN_WAIT_2
check "tables equal after B's update" wait_for 5 tables_equal A B C

# --- flush on A: CLR drops creator 1 on B and C, keeps creators 2 and 3 ---
ctl A flush >/dev/null || fail "flush"
check "B drops every state of A" wait_for 5 count_is 0 ncreator B 1
check "C drops every state of A" wait_for 5 count_is 0 ncreator C 1
check "B keeps its own and C's states" \
	[ "$(ncreator B 2)/$(ncreator B 3)" = 5/5 ]
check "C keeps its own and B's states" \
	[ "$(ncreator C 2)/$(ncreator C 3)" = 5/5 ]
check "B and C agree after the flush" tables_equal B C
check "A is empty after its flush" [ "$(nstates A)" -eq 0 ]

# A asks for a bulk update and gets B's and C's states back
ctl A bulk >/dev/null || fail "bulk"
check "A catches up again after a bulk request" \
	wait_for 10 tables_equal A B C

check "daemons alive, no sanitizer reports" daemons_healthy
