#!/bin/bash
# test_inet6.sh - pfsync over IPv6, as FreeBSD 14 sends it: raw IPv6
# protocol 240 with hop limit 255, to the group ff12::f0 on the syncdev
# (`syncpeer ff12::f0`) or to an IPv6 unicast syncpeer; and over UDP
# (transport udp) between IPv6 peers.
# A and B share a bridge and sync over ff12::f0 in FreeBSD's v5 1500,
# then in v3 after `pfsyncctl pfsync0 version 3`.  C and D, on a veth of
# their own, sync over IPv6 unicast syncpeers in v3, then in v5 1500.
# Each pair syncs both ways (insert, update, kill); pfsyncctl shows the
# IPv6 peers by their real address; P, a FreeBSD peer written from the
# reference (dialpeer.py), gets its v5 INS taken at hop limit 255 and
# dropped (BADTTL) at 254.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.85.0.1 fd85::1
netns_node B 10.85.0.2 fd85::2
netns_node P 10.85.0.9 fd85::9

# no_tentative NAME: DAD is over, the link-local source is usable
no_tentative() {
	[ -z "$(ip -n "$(ns "$1")" -6 addr show dev sync0 tentative)" ]
}
linklocal() {
	ip -n "$(ns "$1")" -6 -o addr show dev sync0 scope link |
		awk '{ sub("/.*", "", $4); print $4 }'
}
peer_line() { # NAME ADDR DIALECT: pfsyncctl pfsync0 names that peer
	ctl "$1" pfsync0 | grep -q "peer: $2 $3"
}
# both_ways X Y HX HY DIALECT: insert, update and kill each way
both_ways() {
	local x=$1 y=$2 hx=$3 hy=$4 dl=$5 ix iy
	ix=$(ctl "$x" add tcp 10.8.5.1:1000 10.9.5.1:80) || fail "add on $x"
	iy=$(ctl "$y" add udp 10.8.6.1:53 10.9.6.1:53) || fail "add on $y"
	check "$dl: $x's state reached $y" \
		wait_for 10 field_is "$y" "$hx:$ix" dst_state ESTABLISHED
	check "$dl: $y's state reached $x" \
		wait_for 10 field_is "$x" "$hy:$iy" proto udp
	ctl "$x" update "$ix" state ESTABLISHED:FIN_WAIT_1 >/dev/null ||
		fail "update on $x"
	check "$dl: the update reached $y" \
		wait_for 10 field_is "$y" "$hx:$ix" dst_state FIN_WAIT_1
	ctl "$x" kill "$ix" >/dev/null || fail "kill on $x"
	ctl "$y" kill "$iy" >/dev/null || fail "kill on $y"
	check "$dl: the kills reached both" \
		wait_for 10 field_is "$y" "$hx:$ix" id ""
	check "$dl: $x and $y hold the same table" wait_for 10 tables_equal "$x" "$y"
}

for n in A B P; do wait_for 10 no_tentative $n || fail "DAD on $n"; done
daemon_start A 1 up syncdev sync0 syncpeer ff12::f0 version 1500 ||
	fail "start A"
daemon_start B 2 up syncdev sync0 syncpeer ff12::f0 version 1500 ||
	fail "start B"
for n in A B; do check "$n's startup bulk is done" wait_for 15 bulk_done $n; done
check "the daemon joined ff12::f0 on sync0" \
	sh -c "ip -n '$(ns A)' -6 maddr show dev sync0 | grep -q ff12::f0"
check "pfsyncctl pfsync0 shows the IPv6 syncpeer" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
		grep -q 'syncpeer: ff12::f0 '"
check "and in JSON" [ "$(json_field A syncpeer pfsync0)" = ff12::f0 ]
both_ways A B 00000001 00000002 "ff12::f0 v5 1500"
check "A names B by its IPv6 address, speaking v5 1500" \
	wait_for 5 peer_line A "$(linklocal B)" "v5 1500"
check "the metrics name B by its IPv6 address" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' metrics |
		grep -q 'pfsync_peer_received_packets_total{peer=\"$(linklocal B)\"}'"
ctl A pfsync0 version 3 >/dev/null || fail "version 3 on A"
ctl B pfsync0 version 3 >/dev/null || fail "version 3 on B"
both_ways B A 00000002 00000001 "ff12::f0 v3"
check "B hears A speak v3 over IPv6" \
	wait_for 5 peer_line B "$(linklocal A)" v3
check "A counts what came over IPv6 in ipackets6" \
	[ "$(json_field A ipackets6 stats)" -gt 0 ]
check "and what went in opackets6" [ "$(json_field A opackets6 stats)" -gt 0 ]
check "nothing came or went over IPv4" \
	[ "$(json_field A ipackets stats)/$(json_field A opackets stats)" = 0/0 ]

# back to IPv4 and again to IPv6 at run time (new sockets, after the
# privilege drop and under seccomp)
maddr6() { ip -n "$(ns "$1")" -6 maddr show dev sync0 | grep -q ff12::f0; }
ctl A pfsync0 -syncpeer >/dev/null || fail "-syncpeer on A"
check "A left ff12::f0" wait_for 5 sh -c "! ip -n '$(ns A)' -6 maddr show dev sync0 | grep -q ff12::f0"
check "A's pfsync0 names no syncpeer" [ "$(json_field A syncpeer pfsync0)" = "" ]
ia=$(ctl A add tcp 10.8.9.1:1000 10.9.9.1:80) || fail "add on A"
check "A's state still reaches B over IPv4 (B listens on both)" \
	wait_for 10 field_is B "00000001:$ia" dst_state ESTABLISHED
ctl A pfsync0 syncpeer ff12::f0 >/dev/null || fail "syncpeer ff12::f0 on A"
check "A joined ff12::f0 again" wait_for 5 maddr6 A
both_ways B A 00000002 00000001 "back on ff12::f0 v3"
check "A's reopened sockets logged no error" \
	sh -c "! grep -qiE 'warn|error|fail' '$T/A.log'"

# P: FreeBSD's v5 1400 INS to the group, hop limit 255 then 254
peer() { ip netns exec "$(ns P)" "$PY" "$TOP/tests/netns/dialpeer.py" "$@"; }
bad0=$(json_field A badttl stats)
peer ins5 ff12::f0%sync0 0x5601 0x0f5d0056 || fail "send v5 INS over IPv6"
check "P's v5 INS over IPv6 landed on A" \
	wait_for 5 field_is A 0f5d0056:0000000000005601 dst_state ESTABLISHED
peer ins5 fd85::1 0x5602 0x0f5d0056 254 || fail "send with hop limit 254"
check "the hop limit 254 INS is counted as BADTTL" \
	wait_for 5 count_is $((bad0 + 1)) json_field A badttl stats
check "and not applied" \
	[ -z "$(state_field A 0f5d0056:0000000000005602 id)" ]
check "P is shown by its IPv6 address" \
	wait_for 5 peer_line A "$(linklocal P)" "v5 1400"

# C and D: unicast IPv6 syncpeers on a veth of their own
netns_add C
netns_add D
netns_link C sync0 fd86::1/64 D sync0 fd86::2/64
for n in C D; do wait_for 10 no_tentative $n || fail "DAD on $n"; done
daemon_start C 3 up syncdev sync0 syncpeer fd86::2 version 3 ||
	fail "start C"
daemon_start D 4 up syncdev sync0 syncpeer fd86::1 version 3 ||
	fail "start D"
for n in C D; do check "$n's startup bulk is done" wait_for 15 bulk_done $n; done
both_ways C D 00000003 00000004 "syncpeer fd86::2 v3"
check "C shows its syncpeer and hears D from fd86::2" \
	sh -c "ip netns exec '$(ns C)' '$PFSYNCCTL' -s '$T/C.sock' pfsync0 |
		grep -q 'syncpeer: fd86::2 ' && ip netns exec '$(ns C)' \
		'$PFSYNCCTL' -s '$T/C.sock' pfsync0 | grep -q 'peer: fd86::2 v3'"
ctl C pfsync0 version 1500 >/dev/null || fail "version 1500 on C"
ctl D pfsync0 version 1500 >/dev/null || fail "version 1500 on D"
both_ways D C 00000004 00000003 "syncpeer v5 1500"
check "D hears C speak v5 1500 from fd86::1" \
	wait_for 5 peer_line D fd86::1 "v5 1500"
# full packets: 40 bytes of IPv6 header must fit in the MTU with them
# (4 states of 360 bytes would not at 1500; DF: the send would fail)
for i in $(seq 1 24); do
	ctl C add tcp "10.8.10.$i:1000" 10.9.10.1:80 >/dev/null || fail "add $i"
done
check "24 states in full v5 1500 packets reached D over IPv6" \
	wait_for 10 count_is 24 sh -c "ip netns exec '$(ns D)' '$PFSYNCCTL' \
		-s '$T/D.sock' states | grep -c '10\.8\.10\.'"
check "C failed no send" \
	[ "$(json_field C oerrors stats)/$(json_field C send_failures stats)" = 0/0 ]
# E and F: pfsync over UDP between IPv6 peers, E naming F as its
# syncpeer, F naming E with a peer line
netns_add E
netns_add F
netns_link E sync0 fd88::1/64 F sync0 fd88::2/64
for n in E F; do wait_for 10 no_tentative $n || fail "DAD on $n"; done
EXTRA_CONF="transport udp port 8241 unsealed" \
	daemon_start E 5 up syncdev sync0 syncpeer fd88::2 || fail "start E"
EXTRA_CONF="transport udp port 8241 unsealed
peer fd88::1" daemon_start F 6 up syncdev sync0 || fail "start F"
for n in E F; do check "$n's startup bulk is done" wait_for 15 bulk_done $n; done
both_ways E F 00000005 00000006 "UDP over IPv6"
check "E names F by its IPv6 address" wait_for 5 peer_line E fd88::2 v3
check "E sent and received UDP datagrams" \
	[ "$(json_field E udp_tx stats)" -gt 0 -a "$(json_field E udp_rx stats)" -gt 0 ]
unk=$(json_field E udp_unknown stats)
ip -n "$(ns F)" -6 addr add fd88::99/64 dev sync0 nodad
ip netns exec "$(ns F)" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("fd88::99", 0))
s.sendto(bytes(40), ("fd88::1", 8241))' || fail "send a stranger datagram"
check "a datagram from an IPv6 address that is no peer is counted" \
	wait_for 5 count_is $((unk + 1)) json_field E udp_unknown stats
check "no BADTTL on C or D" \
	[ "$(json_field C badttl stats)$(json_field D badttl stats)" = 00 ]
check "no packet refused on A to F" \
	[ "$(json_field A badver stats)$(json_field B badver stats)$(json_field C badver stats)$(json_field D badver stats)$(json_field E badver stats)$(json_field F badver stats)" = 000000 ]
check "daemons alive, no sanitizer reports" daemons_healthy
