#!/bin/bash
# test_guards.sh - what no peer sends is refused and counted, with real
# packets (issue 15; pfsyncd(8) HOSTILE PACKETS).  From A, a host on the
# sync link that is no peer: a bare v6 header and a bare v5 one teach B
# no peer, so B keeps sending v3 to the group; a v3 and a v6 CLR naming
# B's own hostid leave B's states; a v6 packet of {01 00 ff ff} sections
# (65 535 records of length 0 each) changes nothing and costs nothing.
# Then a v6 UPD_REQ, a record B acts on, does teach B that A speaks v6.
#
#   A (sender, no daemon) 10.77.0.1 --br0-- B 10.77.0.2 sync0
source "$(dirname "$0")/lib.sh"
netns_init

bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
# HEX: one raw pfsync packet from A to B, TTL 255
send() {
	ip netns exec "$(ns A)" /usr/bin/python3 \
		"$TOP/tests/netns/pfsend.py" 10.77.0.2 255 "hex:$1" ||
		fail "pfsend $1"
}
counter() {
	ctl "$1" -j -v stats | /usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$2"
}
zeros() { printf '%0*d' $((2 * $1)) 0; }

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2

daemon_start B 0x0a000002
check "B bulk done" wait_for 10 bulk_done B
ctl B add tcp 10.9.0.1:1000 10.9.0.2:22 out state ESTABLISHED:ESTABLISHED \
	>/dev/null
ctl B add udp 10.9.0.1:1001 10.9.0.2:53 in >/dev/null
check "B holds two states" test "$(nstates B)" -eq 2

# bare headers: v6 then v5, 20 bytes each
send "06000014$(zeros 16)"
send "05000014$(zeros 16)"
check "bare headers counted as teaching no peer" \
	wait_for 5 eval 'test "$(counter B guard_peer_unproven)" -eq 2'
check "no peer learned" sh -c "! ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' pfsync0 | grep -q 'peer: 10.77.0.1'"
check "B still sends v3, not per peer" sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' pfsync0 | grep -q 'sending: v3' &&
	! ip netns exec '$(ns B)' '$PFSYNCCTL' -s '$T/B.sock' pfsync0 |
	grep -q 'per peer'"

# CLRs naming B's hostid: v3 (header, ifname, creatorid, pad), then v6
send "03000000$(zeros 16)$(zeros 16)0a000002$(zeros 4)"
send "0600002c$(zeros 16)00050001$(zeros 16)0a000002"
check "both CLRs of our hostid counted" \
	wait_for 5 eval 'test "$(counter B guard_clr_own)" -eq 2'
check "B's states stay" test "$(nstates B)" -eq 2

# 345 sections {01 00 ff ff}: 1400 bytes, 22 M empty records
hdr=$(printf '0600%04x' $((20 + 4 * 345)))
body=$(for ((i = 0; i < 345; i++)); do printf '0100ffff'; done)
send "$hdr$(zeros 16)$body"
check "zero-length sections: no refusal" \
	wait_for 5 eval 'test "$(counter B ipackets)" -ge 5'
check "zero-length sections: badlen and badact unchanged" \
	test "$(counter B badlen)" -eq 0 -a "$(counter B badact)" -eq 0
check "B's states still two" test "$(nstates B)" -eq 2

# a record B acts on (UPD_REQ of a state it does not hold) proves A
send "06000024$(zeros 16)05030001$(zeros 8)0badc0de"
check "a v6 record teaches B that A speaks v6" wait_for 5 sh -c \
	"ip netns exec '$(ns B)' '$PFSYNCCTL' -s '$T/B.sock' pfsync0 |
	grep -q 'peer: 10.77.0.1 v6'"
check "B alive, no sanitizer report" alive_clean B
