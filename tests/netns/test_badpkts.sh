#!/bin/bash
# test_badpkts.sh - packets that fail a check are dropped and counted, one
# counter per reason (NetBSD pfsync_input): TTL other than 255 (BADTTL),
# not from the syncdev (BADIF), another version (BADVER), records cut
# short (BADLEN), shorter than the header (HDROPS), an unknown action
# (BADACT).  The daemon keeps running and its table does not change; a
# valid INS sent the same way with TTL 255 on the syncdev is inserted.
#
#   A (sender, no daemon) 10.77.0.1 --br0-- B 10.77.0.2 sync0
#   X (sender) 10.78.0.1 x0 ------- veth ------ B 10.78.0.2 other0
source "$(dirname "$0")/lib.sh"
netns_init

bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
# NAME DST TTL KIND COUNT: send COUNT crafted packets from namespace NAME
pfsend() {
	local i
	for ((i = 0; i < $5; i++)); do
		ip netns exec "$(ns "$1")" /usr/bin/python3 \
			"$TOP/tests/netns/pfsend.py" "$2" "$3" "$4" ||
			fail "pfsend $*"
	done
}
# the stats counters of B as "name=value" lines
stats_of() {
	ctl "$1" -j stats | /usr/bin/python3 -c 'import json, sys
for k, v in json.load(sys.stdin).items(): print(f"{k}={v}")'
}
counter() { stats_of "$1" | sed -n "s/^$2=//p"; }
# states without the fields that move with the clock
states_fixed() {
	ctl "$1" -j states | /usr/bin/python3 -c 'import json, sys
l = json.load(sys.stdin)
for s in l:
    s.pop("age"); s.pop("expires_in")
print(json.dumps(l, sort_keys=True))'
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
X=$(ns X)
netns_add X
netns_link X x0 10.78.0.1/24 B other0 10.78.0.2/24

daemon_start B 0x0a000002
check "B bulk done" wait_for 10 bulk_done B
ctl B add tcp 10.9.0.1:1000 10.9.0.2:22 out state ESTABLISHED:ESTABLISHED \
	>/dev/null
ctl B add udp 10.9.0.1:1001 10.9.0.2:53 in >/dev/null
stats_of B >"$T/before.txt"
states_fixed B >"$T/states0.json"

pfsend A 10.77.0.2 64 ins-v3 3   # BADTTL
pfsend A 10.77.0.2 1 ins-v3 1    # BADTTL
pfsend X 10.78.0.2 255 ins-v3 2  # BADIF
pfsend A 10.77.0.2 255 ver2 2    # BADVER
pfsend A 10.77.0.2 255 short 2   # BADLEN
pfsend A 10.77.0.2 255 tiny 3    # HDROPS
pfsend A 10.77.0.2 255 badact 2  # BADACT
# the last one sent is counted last: wait for it
check "bad packets received" wait_for 5 eval 'test "$(counter B badact)" -ge 2'
sleep 0.2
stats_of B >"$T/after.txt"
delta() {
	echo $(($(sed -n "s/^$1=//p" "$T/after.txt") -
		$(sed -n "s/^$1=//p" "$T/before.txt")))
}
check "badttl +4" test "$(delta badttl)" -eq 4
check "badif +2" test "$(delta badif)" -eq 2
check "badver +2" test "$(delta badver)" -eq 2
check "badlen +2" test "$(delta badlen)" -eq 2
check "hdrops +3" test "$(delta hdrops)" -eq 3
check "badact +2" test "$(delta badact)" -eq 2
check "ipackets +15 (every packet counted as received)" \
	test "$(delta ipackets)" -eq 15
for c in badauth stale badval badstate opackets6 ipackets6 oerrors; do
	check "$c unchanged" test "$(delta $c)" -eq 0
done
check "stats text names the reasons" sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' stats |
	grep -q '^		4 packets discarded for bad ttl$'"
states_fixed B >"$T/states1.json"
check "table unchanged after bad packets" cmp -s "$T/states0.json" \
	"$T/states1.json"
check "B alive after bad packets" alive_clean B
check "B still answers" sh -c "ip netns exec '$(ns B)' '$PFSYNCCTL' -s '$T/B.sock' pfsync0 >/dev/null"

# positive control: the same INS with TTL 255 on sync0 is inserted
pfsend A 10.77.0.2 255 ins-v3 1
check "valid INS inserted" wait_for 5 sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' -v states |
	grep -q 'id: 1122334455667788 creatorid: 0badc0de'"
check "three states now" test "$(nstates B)" -eq 3
check "the INS shows its hosts" sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' states | grep -q '10.1.0.1:40000 -> 10.2.0.2:80'"
stats_of B >"$T/after2.txt"
delta2() {
	echo $(($(sed -n "s/^$1=//p" "$T/after2.txt") -
		$(sed -n "s/^$1=//p" "$T/after.txt")))
}
for c in badttl badif badver badlen hdrops badact badval badstate; do
	check "valid INS: $c unchanged" test "$(delta2 $c)" -eq 0
done
check "valid INS: ipackets +1" test "$(delta2 ipackets)" -eq 1
check "B alive, no sanitizer report" alive_clean B
