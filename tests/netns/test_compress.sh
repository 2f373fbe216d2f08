#!/bin/bash
# test_compress.sh - pfsync0 shows full updates and deletes while the wire
# carries compressed ones (NetBSD: bpf on pfsync0 sees the uncompressed
# packet), packet for packet in the same order; a unicast syncpeer without
# a syncdev sends full records to the peer only.
#
# Three captures of node A's output are compared: the daemon's own pcap of
# pfsync0 (link type 246), tcpdump on pfsync0 in A (link type RAW) and
# tcpdump on the bridge (Ethernet).  Each is reduced to one line per
# packet: "count N: PFSYNC ACTION".
source "$(dirname "$0")/lib.sh"
netns_init
# plain pfsync v3, as between BSD peers: this test checks NetBSD's wire
# behaviour; pfsyncd's reliable layer (heartbeats, NACKs, resends between
# pfsyncd peers) is tested in test_reliable.sh, the anti-entropy digest
# (empty compressed updates with section 0xF8) in test_digest_*.sh
EXTRA_CONF="reliable off
digest off"

# per-packet summary of FILE, only packets from SRC when given, starting at
# the first INS (earlier packets are bulk requests sent before the capture
# on pfsync0 could start)
summary() {
	local file=$1 src=${2:-}
	"$PFSYNCCTL" decode -e "$file" 2>/dev/null |
		grep -F "${src:+$src > }" |
		sed -n 's/.*PFSYNCv3 \(count [0-9]*\): PFSYNC \(.*\):$/\1 \2/p' |
		sed -n '/INS ST$/,$p'
}
# NAME N [PATTERN]: NAME holds N states (matching PATTERN)
has_states() { test "$(ctl "$1" states | grep -c "${3:-.}")" -eq "$2"; }
bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
start_tcpdump() { # namespace, interface, file
	ip netns exec "$(ns "$1")" tcpdump -n -i "$2" -w "$3" -U ip proto 240 \
		>"$3.log" 2>&1 &
	PIDS+=("$!")
	wait_for 5 test -s "$3" || fail "tcpdump on $1 $2 did not start"
	sleep 0.5
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
netns_node C 10.77.0.3
netns_node D 10.77.0.4
CAPTURE=1 daemon_start A 0x0a000001 up syncdev sync0
daemon_start B 0x0a000002 up syncdev sync0
# C: a unicast peer and no syncdev; D listens on its syncdev
daemon_start C 0x0a000003 up syncpeer 10.77.0.4
daemon_start D 0x0a000004 up syncdev sync0
start_tcpdump sw br0 "$T/wire.pcap"
start_tcpdump A pfsync0 "$T/tun.pcap"
check "A and B finished their bulk updates" wait_for 10 bulk_done A
check "B finished" wait_for 10 bulk_done B

# Drive A: three inserts, updates in two flush windows, kills.
id1=$(ctl A add tcp 10.1.0.1:1234 10.2.0.2:80 out state ESTABLISHED:ESTABLISHED)
id2=$(ctl A add udp 10.1.0.1:5353 10.2.0.2:53 out)
id3=$(ctl A add tcp 10.1.0.9:4000 10.2.0.2:443 in)
check "three states on B" wait_for 5 has_states B 3
ctl A update "$id1" >/dev/null
ctl A update "$id2" >/dev/null
wait_for 5 sh -c "'$PFSYNCCTL' decode '$T/wire.pcap' 2>/dev/null |
	grep -q 'UPD ST COMP'"
ctl A update "$id3" state FIN_WAIT_2:ESTABLISHED >/dev/null
ctl A update "$id1" >/dev/null
sleep 1.2
ctl A kill "$id2" >/dev/null
ctl A kill "$id3" >/dev/null
check "two states deleted on B" wait_for 5 has_states B 1
check "DEL ST COMP on the wire" wait_for 5 sh -c \
	"'$PFSYNCCTL' decode '$T/wire.pcap' 2>/dev/null | grep -q 'DEL ST COMP'"
check "DEL ST on pfsync0" wait_for 5 sh -c \
	"'$PFSYNCCTL' decode '$T/tun.pcap' 2>/dev/null | grep -q 'DEL ST:'"
check "DEL ST in A's pcap" wait_for 5 sh -c \
	"'$PFSYNCCTL' decode '$T/A.pcap' 2>/dev/null | grep -q 'DEL ST:'"

summary "$T/wire.pcap" 10.77.0.1 >"$T/wire.sum"
summary "$T/tun.pcap" >"$T/tun.sum"
summary "$T/A.pcap" >"$T/cap.sum"
echo "wire: $(tr '\n' ';' <"$T/wire.sum")"
echo "tun:  $(tr '\n' ';' <"$T/tun.sum")"
check "wire carries UPD ST COMP" grep -q 'UPD ST COMP$' "$T/wire.sum"
check "wire carries DEL ST COMP" grep -q 'DEL ST COMP$' "$T/wire.sum"
check "wire has no full UPD ST or DEL ST" \
	test "$(grep -cE '(UPD|DEL) ST$' "$T/wire.sum")" -eq 0
check "pfsync0 has no compressed records" \
	test "$(grep -c COMP "$T/tun.sum")" -eq 0
check "pfsync0 has full UPD ST" grep -q 'UPD ST$' "$T/tun.sum"
check "pfsync0 has full DEL ST" grep -q 'DEL ST$' "$T/tun.sum"
sed 's/ COMP$//' "$T/wire.sum" >"$T/wire.full"
check "pfsync0 (tcpdump) = wire, same packets, order, counts" \
	cmp -s "$T/tun.sum" "$T/wire.full"
check "daemon pcap = pfsync0 (tcpdump)" cmp -s "$T/cap.sum" "$T/tun.sum"
check "at least 4 packets compared" test "$(wc -l <"$T/tun.sum")" -ge 4

# pfsyncctl decode -v of a known state, in all three captures
for f in A.pcap tun.pcap wire.pcap; do
	"$PFSYNCCTL" decode -v "$T/$f" 2>/dev/null >"$T/$f.v"
	check "decode -v $f: INS of the tcp state" grep -qF \
		"all tcp 10.1.0.1:1234 -> 10.2.0.2:80       ESTABLISHED:ESTABLISHED" \
		"$T/$f.v"
	check "decode -v $f: id and creatorid" \
		grep -qF "id: $id1 creatorid: 0a000001" "$T/$f.v"
	check "decode -v $f: udp state" \
		grep -qF "all udp 10.1.0.1:5353 -> 10.2.0.2:53" "$T/$f.v"
	check "decode -v $f: inbound state" \
		grep -qF "all tcp 10.2.0.2:443 <- 10.1.0.9:4000" "$T/$f.v"
done
check "wire decode shows A's group packets" \
	grep -q '^[0-9:.]* 10.77.0.1 > 224.0.0.240: PFSYNC INS ST:' \
	"$T/wire.pcap.v"

# C: unicast syncpeer 10.77.0.4, no syncdev
check "C finished its bulk update" wait_for 10 bulk_done C
cid=$(ctl C add tcp 10.5.0.1:1111 10.6.0.1:22 out state ESTABLISHED:ESTABLISHED)
check "D learned C's state" wait_for 5 has_states D 1 10.5.0.1
ctl C update "$cid" >/dev/null
ctl C kill "$cid" >/dev/null
check "D deleted C's state" wait_for 5 has_states D 0 10.5.0.1
check "C's DEL ST on the wire" wait_for 5 sh -c "'$PFSYNCCTL' decode \
	'$T/wire.pcap' 2>/dev/null | grep -q '10.77.0.3 > .* DEL ST:'"
"$PFSYNCCTL" decode "$T/wire.pcap" 2>/dev/null | grep ' 10.77.0.3 > ' \
	>"$T/c.txt"
check "C sent packets" test -s "$T/c.txt"
check "all of C's packets are unicast to 10.77.0.4" \
	test "$(grep -vc ' 10.77.0.3 > 10.77.0.4: ' "$T/c.txt")" -eq 0
check "C's updates are full (UPD ST)" grep -q 'PFSYNC UPD ST:$' "$T/c.txt"
check "C sent nothing compressed" test "$(grep -c COMP "$T/c.txt")" -eq 0
check "C's packets hold C's state" sh -c "'$PFSYNCCTL' decode -v \
	'$T/wire.pcap' 2>/dev/null | grep -qF 'id: $cid creatorid: 0a000003'"

for n in A B C D; do
	check "daemon $n alive, no sanitizer report" alive_clean "$n"
done
