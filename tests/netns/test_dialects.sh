#!/bin/bash
# test_dialects.sh - pfsyncd speaking OpenBSD v6 and FreeBSD v5 to peers.
# P is a BSD peer made of bytes from the reference (dialpeer.py, nothing
# from lib/).  A runs `version 6` (memory backend): P's v6 INS and its v5
# 1400 INS both land in A's table; P's v6 bulk request (UPD_REQ 0/0) is
# answered in v6 only, from BUS START to BUS END, with every state.  B then
# starts with the default `version auto` on the same link: its first bulk
# request is v3, A answers in v6, B hears only v6 and switches to v6, and
# A's v6 bulk fills its table.  P's states carry 600 s left (OpenBSD's
# and FreeBSD's meaning of expire): they live 600 s on A, in each format,
# and A's v6 bulk says the seconds left of every state.
# C and D, on a link of their own, run `version 1400` and sync both ways
# (insert, update, kill) over v5.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.83.0.1
netns_node B 10.83.0.2
netns_node P 10.83.0.9
daemon_start A 1 up syncdev sync0 version 6 || fail "start A"
check "A's startup bulk is done" wait_for 15 bulk_done A
check "A sends v6" [ "$(json_field A dialect pfsync0)" = 6 ]
check "pfsyncctl pfsync0 names the version" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
		grep -q 'version: 6 sending: v6'"

peer() { ip netns exec "$(ns P)" "$PY" "$TOP/tests/netns/dialpeer.py" "$@"; }
peer ins6 10.83.0.1 0x6001 0x0b5d0006 || fail "send v6 INS"
peer ins5 10.83.0.1 0x5001 0x0f5d0005 || fail "send v5 INS"
check "the v6 INS landed" \
	wait_for 5 field_is A 0b5d0006:0000000000006001 dst_state ESTABLISHED
check "the v5 1400 INS landed" \
	wait_for 5 field_is A 0f5d0005:0000000000005001 dst_state ESTABLISHED
check "with the v6 state's timeout" \
	field_is A 0b5d0006:0000000000006001 timeout 2
# expire 600 from OpenBSD and FreeBSD is 600 s left (pf_state_import,
# pfsync_state_import), not a last packet 600 s ahead (86 400 s more)
lives() { # NAME ID SECS: expires_in within 10 s under SECS
	local v
	v=$(state_field "$1" "$2" expires_in)
	[ -n "$v" ] && [ "$v" -le "$3" ] && [ "$v" -ge $(($3 - 10)) ]
}
check "the v6 INS's 600 s left are its life on A" \
	lives A 0b5d0006:0000000000006001 600
check "the v5 INS's too" lives A 0f5d0005:0000000000005001 600
peer ins1500 10.83.0.1 0x5015 0x0f5d0005 || fail "send v5 1500 INS"
peer ins1301 10.83.0.1 0x5013 0x0f5d0005 || fail "send v5 1301 INS"
check "in the 1500 format too" \
	wait_for 5 lives A 0f5d0005:0000000000005015 600
check "and in the 1301 format" \
	wait_for 5 lives A 0f5d0005:0000000000005013 600
check "nothing refused" [ "$(json_field A badver stats)$(json_field A badval stats)" = 00 ]
ids=$(ctl A -j pfsync0 | $PY -c '
import json, sys
print(" ".join("%s:%s" % (p["addr"], p["dialect"])
               for p in json.load(sys.stdin)["peers"]))')
echo "# A's peers: $ids"
check "A heard P speak v5 last" \
	sh -c "echo '$ids' | grep -q '10.83.0.9:5'"

id=$(ctl A add tcp 10.8.1.1:1234 10.9.1.1:443) || fail "add"
peer bulk6 sync0 20 >"$T/bulk.json" || fail "no v6 BUS END: $(cat "$T/bulk.json")"
sed 's/^/# /' "$T/bulk.json"
bulk() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/bulk.json" "$1"; }
check "the bulk came as v6 only" [ "$(bulk other)" = 0 ]
check "framed by one BUS START and END" [ "$(bulk start)$(bulk end)" = 11 ]
check "it held every state of A" [ "$(bulk states)" -ge 3 ]
check "including the v5 peer's state" grep -q '0000000000005001/0f5d0005' "$T/bulk.json"
check "including A's own" grep -q "$id/00000001" "$T/bulk.json"
expire() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["expires"][sys.argv[2]])' "$T/bulk.json" "$1"; }
within() { [ "$1" -le "$3" ] && [ "$1" -ge "$2" ]; }
check "the bulk says the v5 state's seconds left, as OpenBSD reads them" \
	within "$(expire 0000000000005001/0f5d0005)" 580 600
check "and A's own (tcp.established, 86400 s)" \
	within "$(expire "$id/00000001")" 86380 86400
daemon_start B 2 || fail "start B"
check "B's startup bulk is done" wait_for 15 bulk_done B
check "B (auto) hears only v6 and sends v6" \
	wait_for 10 count_is 6 json_field B dialect pfsync0
check "B got A's states from the v6 bulk" \
	wait_for 10 field_is B "00000001:$id" dst_state ESTABLISHED
check "B's stats name its peers' dialect" \
	sh -c "ip netns exec '$(ns B)' '$PFSYNCCTL' -s '$T/B.sock' -v stats |
		grep -q 'peer: 10.83.0.1 v6'"

# C and D: FreeBSD's v5, format 1400, between two pfsyncd
netns_add C
netns_add D
netns_link C sync0 10.84.0.1/24 D sync0 10.84.0.2/24
daemon_start C 3 up syncdev sync0 version 1400 || fail "start C"
daemon_start D 4 up syncdev sync0 version 1400 || fail "start D"
for n in C D; do
	check "$n's startup bulk is done" wait_for 15 bulk_done $n
done
ic=$(ctl C add tcp 10.8.2.1:1000 10.9.2.1:80) || fail "add on C"
id=$(ctl D add udp 10.8.3.1:53 10.9.3.1:53) || fail "add on D"
check "C's state reached D over v5" \
	wait_for 5 field_is D "00000003:$ic" dst_state ESTABLISHED
check "D's state reached C over v5" \
	wait_for 5 field_is C "00000004:$id" proto udp
ctl C update "$ic" state ESTABLISHED:FIN_WAIT_1 >/dev/null || fail "update"
check "the update reached D" \
	wait_for 5 field_is D "00000003:$ic" dst_state FIN_WAIT_1
ctl C kill "$ic" >/dev/null || fail "kill"
check "the kill reached D" wait_for 5 field_is D "00000003:$ic" id ""
check "C and D hold the same table" wait_for 5 tables_equal C D
check "D sends v5 1400" \
	[ "$(json_field D dialect pfsync0)/$(json_field D dialect_fmt pfsync0)" = 5/1400 ]
check "D heard C in v5 1400" \
	sh -c "ip netns exec '$(ns D)' '$PFSYNCCTL' -s '$T/D.sock' pfsync0 |
		grep -q 'peer: 10.84.0.1 v5 1400'"
check "no packet refused on C or D" \
	[ "$(json_field C badver stats)$(json_field D badver stats)$(json_field D badact stats)$(json_field D badlen stats)" = 0000 ]
check "daemons alive, no sanitizer reports" daemons_healthy
