#!/bin/bash
# test_wireshark.sh - the Lua dissector (contrib/wireshark/pfsync.lua) in
# tshark, against `pfsyncctl decode -v`:
#   - the daemons' own capture files (link type 246, read through the
#     dissector's pcap reader) and a tcpdump of the sync link (Ethernet,
#     IP protocol 240), made while A and B sync TCP/UDP/IPv6 states,
#     updates, kills, a bulk update and a flush;
#   - hand-made packets (tests/netns/pfpcap.py): every action, odd values
#     and malformed ones, plus 400 mutants of them;
# per packet the Info column, each state's pfctl line, the ids, creator
# ids and bulk status must equal decode's (ws_compare.py), and tshark
# must run without a Lua error.
source "$(dirname "$0")/lib.sh"
netns_init
LUA=$TOP/contrib/wireshark/pfsync.lua
D=$(dirname "$0")

# fields FILE OUT: the dissector's fields, one line a packet
fields() {
	tshark -X lua_script:"$LUA" -r "$1" -T fields -E separator=/t \
		-E aggregator='|' -e frame.number -e _ws.col.Info \
		-e pfsync.state.line -e pfsync.id -e pfsync.creatorid \
		-e pfsync.bus.status >"$2" 2>"$2.err"
}
# same FILE: decode and tshark agree, no Lua error anywhere
same() {
	local f=$1
	"$PFSYNCCTL" decode -v "$f" >"$f.dec" 2>/dev/null || return 1
	fields "$f" "$f.ts" || { cat "$f.ts.err"; return 1; }
	$PY "$D/ws_compare.py" "$f.dec" "$f.ts" || return 1
	tshark -X lua_script:"$LUA" -r "$f" -V >"$f.V" 2>&1 || return 1
	! grep -qi 'lua error' "$f.V" "$f.ts.err"
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
capture_start "$T/wire.pcap"
CAPTURE=1 daemon_start A 0x0a000001
CAPTURE=1 daemon_start B 0x0a000002
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
t1=$(ctl A add tcp 192.168.0.10:40001 10.0.0.80:80 out if eth0 \
	state ESTABLISHED:ESTABLISHED)
ctl A add udp 10.1.0.1:5353 10.2.0.2:53 in if eth1 >/dev/null
ctl A add udp '[fd00::10]:5353' '[2001:db8::53]:53' out >/dev/null
ctl A add icmp 10.1.0.1 10.2.0.2 out >/dev/null
check "B got A's states" wait_for 10 count_is 4 nstates B
ctl A update "$t1" >/dev/null
ctl A update "$t1" state FIN_WAIT_2:TIME_WAIT >/dev/null
ctl B add tcp 10.5.0.1:1000 10.6.0.1:22 out >/dev/null
check "A got B's state" wait_for 10 count_is 5 nstates A
ctl A kill "$t1" >/dev/null
check "B lost the killed state" wait_for 10 count_is 4 nstates B
ctl B bulk >/dev/null # UREQ 0/0, BUS start, UPDs, BUS end from A
check "B's bulk done again" wait_for 10 bulk_done B
ctl A flush >/dev/null # CLR
check "B cleared A's states" wait_for 10 count_is 1 nstates B
sleep 1.5 # the 1 s flush timer: every pending packet left
capture_stop

for f in A.pcap B.pcap wire.pcap; do
	n=$("$PFSYNCCTL" decode "$T/$f" 2>/dev/null | grep -c .)
	echo "$f: $n packets"
	check "$f has packets" test "$n" -ge 3 # B sends 4: bulk requests, an insert
	check "$f: tshark fields equal decode's" same "$T/$f"
done
check "every action seen on the wire" sh -c "
	for a in 'INS ST' 'UPD ST COMP' 'DEL ST COMP' 'UPD REQ' 'BLK UPD STAT' 'CLR ST' 'UPD ST'; do
		grep -q \"PFSYNC \$a:\" '$T/wire.pcap.dec' || { echo \"no \$a\"; exit 1; }
	done"
check "IPv6 state dissected" grep -q '\[fd00::10\]:5353' "$T/A.pcap.ts"
check "link type 246 read through the Lua pcap reader" \
	grep -q 'PFSYNC INS ST:' "$T/A.pcap.ts"

$PY "$D/pfpcap.py" "$T/hand.pcap" 400
check "hand-made and mutated packets: equal, no Lua error" same "$T/hand.pcap"
check "malformed packets flagged" grep -q 'Expert Info (Error/Malformed)' \
	"$T/hand.pcap.V"
check "daemons healthy" daemons_healthy
