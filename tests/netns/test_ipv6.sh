#!/bin/bash
# test_ipv6.sh - IPv6 states round-trip: wire af 24 (NetBSD's AF_INET6,
# not Linux's 10), addresses kept byte for byte, printed as inet6 by the
# daemon and by pfsyncctl decode.
source "$(dirname "$0")/lib.sh"
netns_init

bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
has_states() { test "$(ctl "$1" states | grep -c "${3:-.}")" -eq "$2"; }
start_tcpdump() { # namespace, interface, file
	ip netns exec "$(ns "$1")" tcpdump -n -i "$2" -w "$3" -U ip proto 240 \
		>"$3.log" 2>&1 &
	PIDS+=("$!")
	wait_for 5 test -s "$3" || fail "tcpdump on $1 $2 did not start"
	sleep 0.5
}
# FILE SRC: the af byte (offset 232 of the record) of every INS record sent
# by SRC in an Ethernet pcap: Ethernet 14 + IPv4 20 + pfsync header 20
ins_af_bytes() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
src = socket.inet_aton(sys.argv[2])
off = 24
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ip = pkt[14:]
    if len(ip) < 40 or ip[9] != 240 or ip[12:16] != src:
        continue
    pf = ip[(ip[0] & 15) * 4:]
    if pf[0] != 3 or pf[2] != 1:
        continue
    for i in range(pf[3]):
        rec = pf[20 + 240 * i:20 + 240 * (i + 1)]
        print(rec[232], rec[233])
PY
}

netns_bridge
netns_node A 10.77.0.1 fd00:77::1
netns_node B 10.77.0.2 fd00:77::2
daemon_start A 0x0a000001
daemon_start B 0x0a000002
start_tcpdump sw br0 "$T/wire.pcap"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

id1=$(ctl A add tcp '[fd00:1::10]:40000' '[fd00:2::20]:443' out \
	state ESTABLISHED:ESTABLISHED)
id2=$(ctl A add udp '[fd00:1::10]:5353' '[2001:db8::53]:53' in)
check "B holds both states" wait_for 5 has_states B 2
ctl B states >"$T/b.txt"
# states and decode print IPv6 hosts as [fd00::1]:443, the form `add`
# takes; an inbound state lists lan first
check "B: tcp state with the same addresses" grep -qF \
	"all tcp [fd00:1::10]:40000 -> [fd00:2::20]:443" "$T/b.txt"
check "B: tcp state established" grep -q \
	'\[fd00:2::20\]:443 *ESTABLISHED:ESTABLISHED$' "$T/b.txt"
check "B: udp state (inbound) with the same addresses" grep -qF \
	"all udp [2001:db8::53]:53 <- [fd00:1::10]:5353" "$T/b.txt"
ctl B -j states >"$T/b.json"
# in memory the family is the host's AF_INET6 (10 on Linux)
check "B: JSON af is AF_INET6 (10) for both" test "$(/usr/bin/python3 -c 'import json,sys
print(sorted(s["af"] for s in json.load(open(sys.argv[1]))))' "$T/b.json")" \
	= "[10, 10]"
check "B: ids and creator kept" sh -c "ip netns exec '$(ns B)' '$PFSYNCCTL' \
	-s '$T/B.sock' -v states | grep -c 'creatorid: 0a000001' | grep -qx 2"
check "B: ids are A's" sh -c "ip netns exec '$(ns B)' '$PFSYNCCTL' \
	-s '$T/B.sock' -v states | grep -q 'id: $id1 ' &&
	ip netns exec '$(ns B)' '$PFSYNCCTL' -s '$T/B.sock' -v states |
	grep -q 'id: $id2 '"

check "INS on the wire" wait_for 5 sh -c "'$PFSYNCCTL' decode '$T/wire.pcap' \
	2>/dev/null | grep -q '10.77.0.1 > 224.0.0.240: PFSYNC INS ST'"
"$PFSYNCCTL" decode -v "$T/wire.pcap" 2>/dev/null >"$T/wire.txt"
check "decode: inet6 tcp state" grep -qF \
	"all tcp [fd00:1::10]:40000 -> [fd00:2::20]:443" "$T/wire.txt"
check "decode: inet6 udp state" grep -qF \
	"all udp [2001:db8::53]:53 <- [fd00:1::10]:5353" "$T/wire.txt"
check "decode: id and creatorid" grep -qF "id: $id1 creatorid: 0a000001" \
	"$T/wire.txt"
# one state printer (lib/control/format.c): every line of `states -v` on B but the
# age line (B's clock, not the INS's) is a line of decode -v of the wire
ctl B -v states | grep -v '^   age ' >"$T/bv.txt"
lines_in() { # FILE-OF-LINES FILE: each line, tab-prefixed, is a line of FILE
	while IFS= read -r l; do
		grep -qxF "$(printf '\t%s' "$l")" "$2" || return 1
	done <"$1"
}
check "states -v and decode -v print each state alike" \
	lines_in "$T/bv.txt" "$T/wire.txt"
check "states -v: line, seq windows, id for tcp; line, id for udp" \
	test "$(wc -l <"$T/bv.txt")" -eq 5
ins_af_bytes "$T/wire.pcap" 10.77.0.1 >"$T/af.txt"
echo "INS records (af proto): $(tr '\n' ';' <"$T/af.txt")"
check "two INS records from A" test "$(wc -l <"$T/af.txt")" -eq 2
check "af byte at offset 232 is 24 in every INS record" \
	test "$(grep -vc '^24 ' "$T/af.txt")" -eq 0
check "protocols 6 and 17 at offset 233" \
	test "$(awk '{print $2}' "$T/af.txt" | sort -n | tr '\n' ' ')" = "6 17 "

ctl A kill "$id1" >/dev/null
check "IPv6 delete reaches B" wait_for 5 has_states B 1
for n in A B; do
	check "daemon $n alive, no sanitizer report" alive_clean "$n"
done
