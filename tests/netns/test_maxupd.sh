#!/bin/bash
# test_maxupd.sh - updates of one state collapse into one entry of the
# pending packet, counted in its `updates` byte; when that count reaches
# maxupd the packet goes out at once (NetBSD pfsync_pack_state step 10).
# maxupd 0 turns collapsing off: every update is an entry of its own.
#
# Expected with maxupd 4 and 12 quick updates of one state (the INS has
# already been sent): entries with updates 0,1,2,3,4 -> sent at 4; again
# 0..4 -> sent at 4; then 0,1 -> sent by the 1 s timer.  So three packets
# carrying updates 4, 4 and 1, the first two without waiting for the timer.
source "$(dirname "$0")/lib.sh"
netns_init
# plain pfsync v3, as between BSD peers: this test checks NetBSD's wire
# behaviour; pfsyncd's reliable layer (heartbeats, NACKs, resends between
# pfsyncd peers) is tested in test_reliable.sh
EXTRA_CONF="reliable off
digest off
flush-delay 1000" # NetBSD: a pending packet waits 1 s

bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
has_states() { test "$(ctl "$1" states | grep -c "${3:-.}")" -eq "$2"; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
# FILE ID [SRC]: one line "PACKETNO EPOCHTIME UPDATES" per record of state
# ID, PACKETNO counting every pfsync packet (from SRC) in the capture
records_of() {
	"$PFSYNCCTL" decode -vv -e "$1" 2>/dev/null | awk -v id="$2" \
		-v src="${3:-}" '
		/PFSYNCv3 count/ {
			keep = (src == "" || index($0, " " src " > ") > 0)
			if (keep) pkt++
			next
		}
		keep && $0 ~ ("id: " id " ") && /updates:/ {
			print pkt, $NF
		}'
}
# src seqlo of the tcp states of NAME, from the JSON state list
seqlo() {
	ctl "$1" -j states | /usr/bin/python3 -c 'import json, sys
print(*[s["src_seqlo"] for s in json.load(sys.stdin) if s["proto"] == "tcp"])'
}
same_seqlo() { test -n "$(seqlo A)" && test "$(seqlo A)" = "$(seqlo B)"; }
start_tcpdump() { # namespace, interface, file
	ip netns exec "$(ns "$1")" tcpdump -n -i "$2" -w "$3" -U ip proto 240 \
		>"$3.log" 2>&1 &
	PIDS+=("$!")
	wait_for 5 test -s "$3" || fail "tcpdump on $1 $2 did not start"
	sleep 0.5
}
# FILE ID N: the capture holds N records of state ID
n_records() { test "$(records_of "$1" "$2" 10.77.0.1 | wc -l)" -eq "$3"; }

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
CAPTURE=1 daemon_start A 0x0a000001
daemon_start B 0x0a000002
start_tcpdump sw br0 "$T/wire.pcap"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

check "maxupd 4 accepted" ctl A pfsync0 maxupd 4
check "pfsync0 shows maxupd 4" sh -c "'$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
	grep -q 'maxupd: 4$'"
id1=$(ctl A add tcp 10.1.0.1:1234 10.2.0.2:80 out state ESTABLISHED:ESTABLISHED)
check "B learned the state" wait_for 5 has_states B 1
# wait for the INS to be on the wire, so the updates start a new packet
check "INS sent" wait_for 5 sh -c "'$PFSYNCCTL' decode '$T/wire.pcap' \
	2>/dev/null | grep -q 'INS ST'"
t0=$(date +%s.%N)
for i in $(seq 12); do
	ctl A update "$id1" >/dev/null || fail "update $i"
done
t1=$(date +%s.%N)
echo "12 updates took $(echo "$t1 - $t0" | bc) s"
check "three packets with records of the state" \
	wait_for 5 n_records "$T/wire.pcap" "$id1" 3
records_of "$T/wire.pcap" "$id1" 10.77.0.1 >"$T/upd4.txt"
echo "wire (packet updates): $(tr '\n' ';' <"$T/upd4.txt")"
check "wire updates are 4, 4, 1" \
	test "$(awk '{print $2}' "$T/upd4.txt" | tr '\n' ' ')" = "4 4 1 "
check "one record per packet" \
	test "$(awk '{print $1}' "$T/upd4.txt" | sort -u | wc -l)" -eq 3
check "wire records are UPD ST COMP" sh -c "'$PFSYNCCTL' decode '$T/wire.pcap' \
	2>/dev/null | grep -c '10.77.0.1 > .*UPD ST COMP' | grep -qx 3"
check "pfsync0 pcap has full UPD ST with updates 4, 4, 1" test \
	"$(records_of "$T/A.pcap" "$id1" | awk '{print $2}' | tr '\n' ' ')" \
	= "4 4 1 "
# the first two packets went out at the limit, the third with the 1 s
# timer: measured on the capture's own timestamps
"$PFSYNCCTL" decode -e "$T/wire.pcap" 2>/dev/null |
	grep '10.77.0.1 > .*UPD ST COMP' | awk '{print $1}' >"$T/times.txt"
sec() { echo "$1" | awk -F: '{printf "%.6f", $1 * 3600 + $2 * 60 + $3}'; }
first=$(sec "$(sed -n 1p "$T/times.txt")")
second=$(sec "$(sed -n 2p "$T/times.txt")")
third=$(sec "$(sed -n 3p "$T/times.txt")")
gap12=$(echo "$second - $first" | bc)
gap23=$(echo "$third - $second" | bc)
echo "packet gaps: 1->2 $gap12 s, 2->3 $gap23 s"
check "second packet sent at the limit, not by the timer" \
	test "$(echo "$gap12 < 0.9" | bc)" -eq 1
check "third packet sent by the 1 s timer" \
	test "$(echo "$gap23 > 0.8" | bc)" -eq 1

# maxupd 0: no collapsing, 10 entries of their own (6 fill a packet at MTU
# 1500, the other 4 go with the timer)
check "maxupd 0 accepted" ctl A pfsync0 maxupd 0
check "pfsync0 shows maxupd 0" sh -c "'$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
	grep -q 'maxupd: 0$'"
id2=$(ctl A add udp 10.1.0.1:5353 10.2.0.2:53 out)
check "INS of the second state sent" wait_for 5 sh -c "'$PFSYNCCTL' \
	decode -v '$T/wire.pcap' 2>/dev/null | grep -q 'id: $id2'"
for i in $(seq 10); do
	ctl A update "$id2" >/dev/null || fail "update $i"
done
check "ten records of the second state" \
	wait_for 5 n_records "$T/wire.pcap" "$id2" 10
records_of "$T/wire.pcap" "$id2" 10.77.0.1 >"$T/upd0.txt"
echo "wire (packet updates): $(tr '\n' ';' <"$T/upd0.txt")"
check "every record has updates 0" \
	test "$(awk '$2 != 0' "$T/upd0.txt" | wc -l)" -eq 0
check "in two packets, 6 and 4" test "$(awk '{print $1}' "$T/upd0.txt" |
	uniq -c | awk '{print $1}' | tr '\n' ' ')" = "6 4 "
check "pfsync0 pcap has the same ten entries" \
	test "$(records_of "$T/A.pcap" "$id2" | wc -l)" -eq 10
sleep 0.3
check "B follows A's last update of state 1 (same src seqlo)" \
	wait_for 3 same_seqlo
for n in A B; do
	check "daemon $n alive, no sanitizer report" alive_clean "$n"
done
