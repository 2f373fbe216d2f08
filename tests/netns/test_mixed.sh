#!/bin/bash
# test_mixed.sh - one pfsyncd (`version auto`, memory backend) among BSD
# peers of different dialects on one sync link, each peer a mixpeer.py
# process written from the reference documents (nothing from lib/):
#  (a) a NetBSD v3, a FreeBSD v5 (1400) and an OpenBSD v6 peer: each
#      peer's state reaches the two others through pfsyncd, each in its
#      own dialect (pfsyncd sends a peer nothing it cannot read), and
#      pfsyncd's own state reaches all three;
#  (b) pfsyncd bridging an OpenBSD v6 peer and a FreeBSD 15 (1500) peer
#      carries a state from each to the other;
#  (c) a rolling upgrade: a FreeBSD 13 (1301) peer next to a FreeBSD 15
#      (1500) one.  The 1301 node cannot read the 1500 node's packets;
#      pfsyncd's states reach both (in 1301), and the 1500 node's state
#      reaches the 1301 node through pfsyncd.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge

# peer_start NAME DIALECT ID CREATOR LAN PFSYNCD_ADDR
peer_start() {
	ip netns exec "$(ns "$1")" "$PY" "$TOP/tests/netns/mixpeer.py" \
		"$2" sync0 "$6" "$T/$1.json" "$3" "$4" "$5" 300 \
		>"$T/$1.peer.log" 2>&1 &
	PIDS+=("$!")
	eval "PPID_$1=$!"
}
peer_go() { touch "$T/$1.json.go"; }
# peer_stop NAME: the peer leaves, by its stop file, then by its PID
peer_stop() {
	local p
	touch "$T/$1.json.stop"
	p=$(eval "echo \${PPID_$1}")
	wait_for 5 sh -c "! kill -0 $p 2>/dev/null" || kill "$p"
	DEAD_PIDS="${DEAD_PIDS:-} $p"
}
# peer_json NAME KEY: a field of the peer's report
peer_json() {
	[ -f "$T/$1.json" ] || return 1
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$T/$1.json" "$2"
}
# peer_has NAME FIELD ID/CREATOR: the peer read that state (states) or
# read it from pfsyncd (via)
peer_has() {
	[ -f "$T/$1.json" ] || return 1
	$PY -c '
import json, sys
sys.exit(0 if sys.argv[3] in json.load(open(sys.argv[1]))[sys.argv[2]] else 1)' \
		"$T/$1.json" "$2" "$3"
}
not() { ! "$@"; }
answer_is() { [ "$(answered "$1" "$2")" = "$3" ]; }
npeers() { ctl "$1" -j pfsync0 | $PY -c 'import json, sys; print(len(json.load(sys.stdin)["peers"]))'; }
# answered NAME ADDR: "dialect/fmt" the daemon answers that peer in
answered() {
	ctl "$1" -j pfsync0 | $PY -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
	if p["addr"] == sys.argv[1]:
		print("%d/%d" % (p["answer"], p["answer_fmt"]))' "$2"
}

# ---- (a) v3, v5 and v6 peers, one pfsyncd --------------------------------
netns_node A 10.85.0.1
netns_node N 10.85.0.3
netns_node F 10.85.0.5
netns_node O 10.85.0.6
daemon_start A 1 || fail "start A"
check "A's startup bulk is done" wait_for 20 bulk_done A
peer_start N 3 0x3001 0x03000003 10.8.0.3 10.85.0.1
peer_start F 1400 0x5001 0x05000005 10.8.0.5 10.85.0.1
peer_start O 6 0x6001 0x06000006 10.8.0.6 10.85.0.1
check "A heard the three peers" wait_for 10 count_is 3 npeers A
check "A says the peers disagree" \
	[ "$(json_field A dialect_mixed pfsync0)" = True ]
check "A answers each in its own dialect" \
	[ "$(answered A 10.85.0.3) $(answered A 10.85.0.5) $(answered A 10.85.0.6)" = "3/0 5/1400 6/0" ]
check "pfsyncctl pfsync0 says so" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
		grep -q 'peer: 10.85.0.6 v6 answered: v6'"
check "and that it sends per peer" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
		grep -q 'sending: per peer'"
id=$(ctl A add tcp 10.8.5.1:1234 10.9.5.1:443) || fail "add on A"
for p in N F O; do
	peer_go $p
done
check "N's v3 state landed on A" \
	wait_for 10 field_is A 03000003:0000000000003001 dst_state ESTABLISHED
check "F's v5 state landed on A" \
	wait_for 10 field_is A 05000005:0000000000005001 dst_state ESTABLISHED
check "O's v6 state landed on A" \
	wait_for 10 field_is A 06000006:0000000000006001 dst_state ESTABLISHED
for p in N F O; do
	check "A's own state reached $p" \
		wait_for 10 peer_has $p states "$id/00000001"
done
check "O's v6 state reached N (v3) through A" \
	wait_for 10 peer_has N via 0000000000006001/06000006
check "F's v5 state reached N (v3) through A" \
	wait_for 10 peer_has N via 0000000000005001/05000005
check "N's v3 state reached F (v5) through A" \
	wait_for 10 peer_has F via 0000000000003001/03000003
check "O's v6 state reached F (v5) through A" \
	wait_for 10 peer_has F via 0000000000006001/06000006
check "N's v3 state reached O (v6) through A" \
	wait_for 10 peer_has O via 0000000000003001/03000003
check "F's v5 state reached O (v6) through A" \
	wait_for 10 peer_has O via 0000000000005001/05000005
for p in N F O; do
	check "A sent $p only its own dialect" \
		[ "$(peer_json $p uni_other)" = 0 ]
done
check "A never sent O its own state back" \
	not peer_has O via 0000000000006001/06000006
check "stats -v names each peer's answering dialect" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' -v stats |
		grep -q 'peer: 10.85.0.5 v5 1400 answered: v5 1400'"
check "the metrics too" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' metrics |
		grep -qF 'pfsync_peer_dialect_info{peer=\"10.85.0.3\",dialect=\"v3\",answered=\"v3\"} 1'"
check "A counts what it passed on" \
	[ "$(json_field A bridged pfsync0)" -ge 3 ]
check "nothing refused on A" \
	[ "$(json_field A badver stats)$(json_field A badval stats)$(json_field A badact stats)" = 000 ]
for p in N F O; do
	peer_stop $p
done
daemon_stop A || fail "stop A"

# ---- (b) a v6 peer and a 1500 peer bridged --------------------------------
netns_node B 10.85.0.11
netns_node O2 10.85.0.16
netns_node F2 10.85.0.15
daemon_start B 2 || fail "start B"
check "B's startup bulk is done" wait_for 20 bulk_done B
peer_start O2 6 0x6002 0x06000016 10.8.1.6 10.85.0.11
peer_start F2 1500 0x5002 0x05000015 10.8.1.5 10.85.0.11
check "B heard both peers" wait_for 10 count_is 2 npeers B
peer_go O2
peer_go F2
check "the v6 state reached the 1500 peer through B" \
	wait_for 10 peer_has F2 via 0000000000006002/06000016
check "the 1500 state reached the v6 peer through B" \
	wait_for 10 peer_has O2 via 0000000000005002/05000015
check "B answers the v5 peer in 1500" [ "$(answered B 10.85.0.15)" = 5/1500 ]
for p in O2 F2; do
	check "B sent $p only its own dialect" \
		[ "$(peer_json $p uni_other)" = 0 ]
	peer_stop $p
done
daemon_stop B || fail "stop B"

# ---- (c) a rolling upgrade: 1301 next to 1500 -----------------------------
netns_node C 10.85.0.21
netns_node R1 10.85.0.22
netns_node R2 10.85.0.23
daemon_start C 3 || fail "start C"
check "C's startup bulk is done" wait_for 20 bulk_done C
peer_start R1 1301 0x1301 0x13010022 10.8.2.1 10.85.0.21
peer_start R2 1500 0x1500 0x15000023 10.8.2.2 10.85.0.21
check "C heard both peers" wait_for 10 count_is 2 npeers C
peer_go R1
check "the 1301 state landed on C" \
	wait_for 10 field_is C 13010022:0000000000001301 dst_state ESTABLISHED
check "C answers the 1301 peer in 1301" \
	wait_for 10 answer_is C 10.85.0.22 5/1301
peer_go R2
check "the 1500 state landed on C" \
	wait_for 10 field_is C 15000023:0000000000001500 dst_state ESTABLISHED
id=$(ctl C add tcp 10.8.6.1:1234 10.9.6.1:443) || fail "add on C"
check "C's state reached the 1301 peer" \
	wait_for 10 peer_has R1 states "$id/00000003"
check "C's state reached the 1500 peer" \
	wait_for 10 peer_has R2 states "$id/00000003"
check "the 1500 peer read the 1301 peer's state itself" \
	wait_for 10 peer_has R2 states 0000000000001301/13010022
check "the 1500 state reached the 1301 peer through C" \
	wait_for 10 peer_has R1 via 0000000000001500/15000023
check "C did not repeat the 1301 state to the 1500 peer" \
	not peer_has R2 via 0000000000001301/13010022
check "C is not mixed" [ "$(json_field C dialect_mixed pfsync0)" = False ]
peer_stop R1
peer_stop R2
daemon_stop C || fail "stop C"

# ---- (d) two pfsyncd (reliable, v3 between them) and a v6 peer -------------
netns_node D 10.85.0.31
netns_node E 10.85.0.32
netns_node O3 10.85.0.36
daemon_start D 4 || fail "start D"
daemon_start E 5 || fail "start E"
for n in D E; do
	check "$n's startup bulk is done" wait_for 20 bulk_done $n
done
peer_start O3 6 0x6003 0x06000036 10.8.3.6 10.85.0.31
check "D heard E and the v6 peer" wait_for 10 count_is 2 npeers D
check "E heard D and the v6 peer" wait_for 10 count_is 2 npeers E
check "D answers E in v3, the v6 peer in v6" \
	[ "$(answered D 10.85.0.32) $(answered D 10.85.0.36)" = "3/0 6/0" ]
idd=$(ctl D add tcp 10.8.7.1:1234 10.9.7.1:443) || fail "add on D"
ide=$(ctl E add udp 10.8.7.2:53 10.9.7.2:53) || fail "add on E"
peer_go O3
check "D's state reached E" \
	wait_for 10 field_is E "00000004:$idd" dst_state ESTABLISHED
check "E's state reached D" wait_for 10 field_is D "00000005:$ide" proto udp
for n in D E; do
	check "the v6 state landed on $n" \
		wait_for 10 field_is $n 06000036:0000000000006003 dst_state ESTABLISHED
done
check "D's state reached the v6 peer" \
	wait_for 10 peer_has O3 states "$idd/00000004"
check "E's state reached the v6 peer" \
	wait_for 10 peer_has O3 states "$ide/00000005"
ctl D update "$idd" state ESTABLISHED:FIN_WAIT_1 >/dev/null || fail "update"
check "D's update reached E over the reliable stream" \
	wait_for 10 field_is E "00000004:$idd" dst_state FIN_WAIT_1
check "D and E hold the same table" wait_for 10 tables_equal D E
check "the v6 peer got only v6 from D" [ "$(peer_json O3 uni_other)" = 0 ]
check "no packet of the stream given up" \
	[ "$(json_field D rel_lost stats)$(json_field E rel_lost stats)" = 00 ]
check "daemons alive, no sanitizer reports" daemons_healthy
