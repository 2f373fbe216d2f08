#!/bin/bash
# test_ureq.sh - a node that missed an insert asks for it.  B drops
# protocol 240 on input while A inserts a state; then the drop is removed
# and A updates the state: the compressed update names a state B does not
# know, so B counts it (badstate) and sends an update request unicast to A,
# which answers with the full state.
source "$(dirname "$0")/lib.sh"
netns_init
# plain pfsync v3, as between BSD peers: this test checks NetBSD's wire
# behaviour; pfsyncd's reliable layer (heartbeats, NACKs, resends between
# pfsyncd peers) is tested in test_reliable.sh
EXTRA_CONF="reliable off
digest off"
netns_bridge
netns_node A 10.80.0.1
netns_node B 10.80.0.2
daemon_start A 1 || fail "start A"
daemon_start B 2 || fail "start B"
for n in A B; do
	check "$n's startup bulk is done" wait_for 10 bulk_done $n
done
bad0=$(json_field B badstate stats)

# dropped240 NAME: the loss table on NAME has dropped at least one packet
dropped240() {
	ip netns exec "$(ns "$1")" nft list table inet loss |
		grep -q 'counter packets [1-9]'
}

drop240 B || fail "nft"
id=$(ctl A add tcp 10.8.0.1:40000 10.9.0.1:80) || fail "add"
check "B's input dropped A's insert" wait_for 5 dropped240 B
check "B does not have the state" field_is B "00000001:$id" id ""
undrop240 B || fail "nft delete"

capture_start "$T/u.pcap"
ctl A update "$id" state ESTABLISHED:FIN_WAIT_1 >/dev/null || fail "update"
check "B ends up with the state" \
	wait_for 5 field_is B "00000001:$id" dst_state FIN_WAIT_1
check "A and B hold the same table" wait_for 5 tables_equal A B
sleep 0.3
capture_stop
$PFSYNCCTL decode -v "$T/u.pcap" >"$T/u.txt" 2>&1 || fail "decode"
sed 's/^/# /' "$T/u.txt"
check "A sent a compressed update" \
	grep -q '^[0-9].*10.80.0.1 > 224.0.0.240: .*UPD ST COMP' "$T/u.txt"
check "B sent an update request unicast to A" \
	grep -q '^[0-9].*10.80.0.2 > 10.80.0.1: .*UPD REQ' "$T/u.txt"
# ureq_names ID: the line after B's request names ID of creator 1
ureq_names() {
	grep -A1 '10.80.0.2 > 10.80.0.1: .*UPD REQ' "$T/u.txt" |
		grep -q "id: $1 creatorid: 00000001"
}
check "the request names the missing state" ureq_names "$id"
check "no update request went to the multicast group" \
	sh -c "! grep -q '224.0.0.240: .*UPD REQ' $T/u.txt"
check "A answered with the full state" \
	grep -q '^[0-9].*10.80.0.1 > .*: .*UPD ST:' "$T/u.txt"
check "B counted the unknown state in badstate" \
	[ "$(json_field B badstate stats)" -gt "$bad0" ]
check "daemons alive, no sanitizer reports" daemons_healthy
