#!/bin/bash
# test_ct_dialects.sh - every dialect's states land in the conntrack
# backend.  P is a BSD peer made of bytes written from the references
# (dialpeer.py, nothing from lib/): it sends pfsyncd (backend conntrack,
# version auto) the INS of one outbound TCP state, ESTABLISHED, in NetBSD
# v3, FreeBSD v5 in each state format (1301, 1400, 1500) and OpenBSD v6,
# each with its own source address.  `conntrack -L` in pfsyncd's
# namespace then shows each entry with its tuple (10.8.0.N:40000 ->
# 10.9.0.1:80) and TCP state; the dialect's DEL_C removes it again.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fw 10.89.0.1
netns_node P 10.89.0.9
pfsync_notrack fw || fail "nft notrack"
daemon_start fw 1 || fail "start fw"
check "fw's startup bulk is done" wait_for 15 bulk_done fw

peer() { ip netns exec "$(ns P)" "$PY" "$TOP/tests/netns/dialpeer.py" "$@"; }
ct() { ip netns exec "$(ns fw)" conntrack -L -p tcp "$@" 2>/dev/null; }
# entry N: conntrack's line for 10.8.0.N:40000 -> 10.9.0.1:80
entry() {
	ct -s "10.8.0.$1" -d 10.9.0.1 --sport 40000 --dport 80 | grep .
}
ESTABLISHED='^tcp +6 [0-9]+ ESTABLISHED src=10\.8\.0\.%s dst=10\.9\.0\.1 sport=40000 dport=80 src=10\.9\.0\.1 dst=10\.8\.0\.%s sport=80 dport=40000 '
has_entry() { entry "$1" | grep -qE "$(printf "$ESTABLISHED" "$1" "$1")"; }
gone() { ! entry "$1"; }

# dialect, INS word, DEL word, N (the 4th address byte), id, creator
while read -r name ins del n id cr; do
	peer "$ins" 10.89.0.1 "$id" "$cr" || fail "$name: send INS"
	check "$name: INS landed in conntrack, tuple and TCP state right" \
		wait_for 10 has_entry "$n"
	echo "# $name: $(entry "$n")"
	check "$name: the state is in the daemon's table too" \
		wait_for 5 field_is fw "$(printf %08x "$cr"):$(printf %016x "$id")" \
			dst_state ESTABLISHED
	peer "$del" 10.89.0.1 "$id" "$cr" || fail "$name: send DEL_C"
	check "$name: DEL_C removed it from conntrack" wait_for 10 gone "$n"
done <<'LIST'
v3 ins3 del3 3 0x3001 0x0b5d0003
v5-1301 ins1301 del5 4 0x5131 0x0f5d1301
v5-1400 ins1400 del5 2 0x5141 0x0f5d1400
v5-1500 ins1500 del5 5 0x5151 0x0f5d1500
v6 ins6 del6 1 0x6001 0x0b5d0006
LIST
check "nothing refused" [ "$(json_field fw badver stats)$(json_field fw badval stats)$(json_field fw badact stats)" = 000 ]
check "five inserts and five deletes applied" \
	[ "$(json_field fw applied_ins stats)/$(json_field fw applied_del stats)" = 5/5 ]
check "daemon alive, no sanitizer reports" daemons_healthy
