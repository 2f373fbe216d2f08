#!/bin/bash
# test_seal.sh - sealed sync (key in pfsyncd.conf): two daemons with the
# same key and cluster sync; nothing plain goes on the wire; a key file
# others may read is refused.  From a third namespace on the same link,
# crafted packets are each dropped and counted by reason, with B's table
# unchanged: forged plain v3 (unsealed), an unknown key id, a forged tag,
# a modified byte, a replay of a captured packet, packets cut short, and
# a packet older than the replay window.
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
#                  \--- M 10.77.0.9 (no daemon: the attacker)
source "$(dirname "$0")/lib.sh"
netns_init

stats_of() {
	ctl "$1" -j stats | $PY -c 'import json, sys
for k, v in json.load(sys.stdin).items(): print(f"{k}={v}")'
}
counter() { stats_of "$1" | sed -n "s/^$2=//p"; }
# counter_ge NAME COUNTER N: for wait_for, which re-runs it
counter_ge() { [ "$(counter "$1" "$2")" -ge "$3" ]; }
states_fixed() {
	ctl "$1" -j states | $PY -c 'import json, sys
l = json.load(sys.stdin)
for s in l:
    s.pop("age"); s.pop("expires_in")
print(json.dumps(l, sort_keys=True))'
}
# send HEX from M to B, TTL 255 (so only the seal can reject it)
inject() {
	ip netns exec "$(ns M)" $PY "$TOP/tests/netns/pfsend.py" 10.77.0.2 255 \
		"hex:$1" || fail "pfsend"
}
# mutate HEX PYEXPR: the packet bytes p changed by a Python expression
mutate() {
	$PY -c 'import sys
p = bytearray.fromhex(sys.argv[1])
p = eval(sys.argv[2])
print(bytes(p).hex())' "$1" "$2"
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
netns_node M 10.77.0.9

# a key others can read is refused with a clear message
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 644 "$T/key"
printf 'interface pfsync0 up syncdev sync0\nkey "%s"\ncontrol "%s"\n' \
	"$T/key" "$T/bad.sock" >"$T/bad.conf"
ip netns exec "$(ns A)" "$PFSYNCD" -d -f "$T/bad.conf" >"$T/bad.out" 2>&1
check "world-readable key refused" test $? -ne 0
check "the refusal says why" grep -q "mode 0644 lets group or others at it" \
	"$T/bad.out"
chmod 600 "$T/key"

# digest off: the replay window below is measured while A is quiet,
# and the anti-entropy digest speaks every 2 s (test_digest_loss seals it)
EXTRA_CONF="key \"$T/key\"
cluster \"test-$$\"
digest off"
capture_start "$T/wire.pcap"
daemon_start A 0x0a000001
daemon_start B 0x0a000002
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
for i in 1 2 3 4 5; do
	ctl A add tcp "10.9.0.$i:1000" 10.9.1.1:22 >/dev/null
done
check "B has A's 5 states" wait_for 10 count_is 5 ncreator B 0x0a000001
check "tables equal" wait_for 10 tables_equal A B
capture_stop
$PY "$TOP/tests/netns/pcap240.py" "$T/wire.pcap" 10.77.0.1 >"$T/fromA.hex"
check "A sent packets" test -s "$T/fromA.hex"
check "every packet on the wire is sealed (0x81)" \
	sh -c "! grep -v '^81' '$T/fromA.hex'"
check "opened counted" test "$(counter B seal_ok)" -ge 1
check "key id reported" test "$(json_field B seal_keyid stats)" != 00000000

P=$(tail -1 "$T/fromA.hex")
# A's own packets must not fall in the window measured below: its
# heartbeats go on for about 6 s after its last change (pfsyncd(8),
# RELIABLE DELIVERY), so wait until B has opened nothing for 3 s
quiet_for() { # SECS: B's opened count did not move for SECS seconds
	local a b
	a=$(counter B seal_ok)
	sleep "$1"
	b=$(counter B seal_ok)
	[ "$a" = "$b" ]
}
check "A is quiet" wait_for 30 quiet_for 3
stats_of B >"$T/before.txt"
states_fixed B >"$T/states0.json"

inject "$(ip netns exec "$(ns M)" $PY -c 'import sys
sys.path.insert(0, sys.argv[1]); import pfsend
print(pfsend.payload("ins-v3").hex())' "$TOP/tests/netns")"   # unsealed
# NEW: a counter B has not seen (top bit flipped), so the tag is checked
NEW='p[:12] + bytes([p[12] ^ 0x80]) + p[13:]'
inject "$(mutate "$P" 'p[:4] + bytes([p[4] ^ 1]) + p[5:]')"   # badkey
inject "$(mutate "$P" "$NEW")"                                 # auth
inject "$(mutate "$(mutate "$P" "$NEW")" 'p[:32] + bytes(len(p) - 32)')"
inject "$(mutate "$(mutate "$P" "$NEW")" 'p[:40] + bytes([p[40] ^ 16]) + p[41:]')"
inject "$(mutate "$(mutate "$P" "$NEW")" 'p[:-1]')"            # auth: cut
inject "$(mutate "$P" 'p[:47]')"                               # short
inject "$(mutate "$P" 'p[:20]')"                               # short
# a seen counter is a replay whatever the rest says: checked first
inject "$(mutate "$P" 'p[:40] + bytes([p[40] ^ 16]) + p[41:]')"
inject "$P"                                                    # replay
inject "$P"                                                    # replay
check "last one counted" wait_for 5 counter_ge B seal_replay 3
sleep 0.3
stats_of B >"$T/after.txt"
delta() {
	echo $(($(sed -n "s/^$1=//p" "$T/after.txt") -
		$(sed -n "s/^$1=//p" "$T/before.txt")))
}
check "unsealed +1" test "$(delta seal_unsealed)" -eq 1
check "badkey +1" test "$(delta seal_badkey)" -eq 1
check "auth +4 (counter changed, forged, modified, cut)" \
	test "$(delta seal_auth)" -eq 4
check "short +2" test "$(delta seal_short)" -eq 2
check "replay +3" test "$(delta seal_replay)" -eq 3
check "nothing opened" test "$(delta seal_ok)" -eq 0
check "the engine saw none of them" test "$(delta ipackets)" -eq 0
states_fixed B >"$T/states1.json"
check "B's table unchanged" cmp -s "$T/states0.json" "$T/states1.json"

# older than the replay window: A sends more than 1024 packets after the
# first one captured
FIRST=$(head -1 "$T/fromA.hex")
OK0=$(counter B seal_ok)
ctl A churn 2000 60 max 500 >/dev/null
sleep 5; check "1100 more packets reached B" wait_for 60 \
	counter_ge B seal_ok "$((OK0 + 1100))"
ctl A churn stop >/dev/null
stats_of B >"$T/before2.txt"
inject "$FIRST"
check "old +1" wait_for 5 counter_ge B seal_old \
	"$(($(sed -n 's/^seal_old=//p' "$T/before2.txt") + 1))"
check "stats -v names the reasons" sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' -v stats | grep -q 'dropped: replayed'"
check "daemons healthy" daemons_healthy
