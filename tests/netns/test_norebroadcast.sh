#!/bin/bash
# test_norebroadcast.sh - a node applies its peers' updates without sending
# them again.  Three nodes; once startup is quiet the bridge is captured
# while A adds, updates and kills states: B and C apply everything and no
# packet in that window comes from B or C.  Positive control: B's own
# changes are sent by B (and not repeated by A or C).
source "$(dirname "$0")/lib.sh"
netns_init
# plain pfsync v3, as between BSD peers: this test checks NetBSD's wire
# behaviour; pfsyncd's reliable layer (heartbeats, NACKs, resends between
# pfsyncd peers) is tested in test_reliable.sh
EXTRA_CONF="reliable off
digest off"
netns_bridge
netns_node A 10.79.0.1
netns_node B 10.79.0.2
netns_node C 10.79.0.3
daemon_start A 1 || fail "start A"
daemon_start B 2 || fail "start B"
daemon_start C 3 || fail "start C"
for n in A B C; do
	check "$n's startup bulk is done" wait_for 10 bulk_done $n
done

# from_src FILE ADDR: packets in the capture sent from ADDR (tcpdump's view,
# independent of our decoder)
from_src() {
	tcpdump -nr "$1" "ip proto 240 and src host $2" 2>/dev/null | grep -c .
}

# --- window 1: A's changes only ---
sleep 0.5 # the last bulk packets are out of the way
outB=$(json_field B opackets stats)
outC=$(json_field C opackets stats)
capture_start "$T/a.pcap"
ids=()
for i in 1 2 3 4 5 6; do
	ids+=("$(ctl A add tcp 10.5.0.$i:1000 10.6.0.1:80)") || fail "add"
done
ctl A add udp 10.5.1.1:53 10.6.0.1:53 >/dev/null || fail "add udp"
ctl A update "${ids[0]}" state FIN_WAIT_1:ESTABLISHED >/dev/null ||
	fail "update"
ctl A update "${ids[1]}" >/dev/null || fail "update"
ctl A update "${ids[2]}" >/dev/null || fail "update"
ctl A kill "${ids[3]}" >/dev/null || fail "kill"
check "B and C apply A's changes" wait_for 5 tables_equal A B C
check "B has the update" \
	field_is B "00000001:${ids[0]}" src_state FIN_WAIT_1
check "C has the update" \
	field_is C "00000001:${ids[0]}" src_state FIN_WAIT_1
sleep 1.5 # longer than the flush timer: a rebroadcast would be out by now
capture_stop
$PFSYNCCTL decode -v "$T/a.pcap" >"$T/a.txt" 2>&1 || fail "decode"
check "A's inserts are on the wire" grep -q '10.79.0.1 > .*INS ST' "$T/a.txt"
check "A's updates are on the wire" grep -q '10.79.0.1 > .*UPD' "$T/a.txt"
check "A's kill is on the wire" grep -q '10.79.0.1 > .*DEL' "$T/a.txt"
check "no packet from B while it applies A's changes" \
	[ "$(from_src "$T/a.pcap" 10.79.0.2)" -eq 0 ]
check "no packet from C while it applies A's changes" \
	[ "$(from_src "$T/a.pcap" 10.79.0.3)" -eq 0 ]
check "the decoder agrees: every packet is from A" \
	[ "$(grep -c '^[0-9].* > ' "$T/a.txt")" -eq \
	  "$(grep -c '^[0-9].*10.79.0.1 > ' "$T/a.txt")" ]
check "B's and C's sent-packet counters did not move" \
	[ "$(json_field B opackets stats)/$(json_field C opackets stats)" = \
	  "$outB/$outC" ]
echo "# window 1: $(from_src "$T/a.pcap" 10.79.0.1) packets from A"

# --- window 2 (positive control): B's own changes are sent by B ---
capture_start "$T/b.pcap"
bid=$(ctl B add tcp 10.7.0.1:1000 10.6.0.1:80) || fail "add on B"
ctl B update "$bid" state ESTABLISHED:FIN_WAIT_2 >/dev/null || fail "upd B"
check "A and C apply B's changes" \
	wait_for 5 field_is A "00000002:$bid" dst_state FIN_WAIT_2
check "tables equal after B's changes" wait_for 5 tables_equal A B C
sleep 1.5
capture_stop
$PFSYNCCTL decode -v "$T/b.pcap" >"$T/b.txt" 2>&1 || fail "decode"
check "B sends its own insert" grep -q '10.79.0.2 > .*INS ST' "$T/b.txt"
check "B sends its own update" grep -q '10.79.0.2 > .*UPD' "$T/b.txt"
check "A does not repeat B's changes" \
	[ "$(from_src "$T/b.pcap" 10.79.0.1)" -eq 0 ]
check "C does not repeat B's changes" \
	[ "$(from_src "$T/b.pcap" 10.79.0.3)" -eq 0 ]
check "daemons alive, no sanitizer reports" daemons_healthy
