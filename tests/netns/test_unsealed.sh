#!/bin/bash
# test_unsealed.sh - what an unsealed sync admits, and what it says.
#
# UDP without a key must be asked for (`transport udp ... unsealed`) and
# tied to a syncdev; pfsyncd -n refuses it otherwise, with file:line.
# A's syncdev is sync0 (to B); X sits on A's other interface wan0 and
# forges B's address: its datagram reaches A (rp_filter off, as a loose
# filter would let it) and is refused and counted (badif), while the same
# datagram from B on sync0 is taken.  B runs the conntrack backend
# unsealed: its log and `pfsyncctl pfsync0` say that anyone on sync0 can
# insert states.
#
#   A sync0 10.78.0.1 -- B sync0 10.78.0.2
#   A wan0 10.79.0.1  -- X wan0 10.79.0.9 (also holds 10.78.0.2/32)
source "$(dirname "$0")/lib.sh"
netns_init

counter() { json_field "$1" "$2" stats; }
has_state() { ctl "$1" states | grep -q "$2"; }
no_state() { ! has_state "$@"; }

# --- the config check: no key needs `unsealed`, which needs a syncdev ---
printf 'interface pfsync0 up syncdev sync0\ntransport udp port 8240\n' \
	>"$T/nokey.conf"
printf 'interface pfsync0 up\ntransport udp port 8240 unsealed\n' \
	>"$T/nodev.conf"
check "udp without a key is refused at its line" sh -c \
	"! '$PFSYNCD' -n -f '$T/nokey.conf' 2>'$T/nokey.err' &&
	 grep -q '^pfsyncd: $T/nokey.conf:2: transport udp: no key' \
		'$T/nokey.err'"
check "udp unsealed without a syncdev is refused at its line" sh -c \
	"! '$PFSYNCD' -n -f '$T/nodev.conf' 2>'$T/nodev.err' &&
	 grep -q '^pfsyncd: $T/nodev.conf:2: transport udp unsealed: a syncdev' \
		'$T/nodev.err'"

# --- a forged peer address on another interface of A ---
netns_add A
netns_add B
netns_add X
netns_link A sync0 10.78.0.1/24 B sync0 10.78.0.2/24
netns_link A wan0 10.79.0.1/24 X wan0 10.79.0.9/24
for k in all default sync0 wan0; do
	ip netns exec "$(ns A)" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"
done
ip -n "$(ns X)" addr add 10.78.0.2/32 dev wan0
ip -n "$(ns X)" route add 10.78.0.1/32 via 10.79.0.1 src 10.78.0.2

check "the nftables example loads (check mode)" \
	ip netns exec "$(ns A)" nft -c -f "$TOP/contrib/nftables/pfsyncd.nft"

EXTRA_CONF="transport udp port 8240 unsealed
peer 10.78.0.2" daemon_start A 0x0a000001 || fail "start A"
check "A is up" wait_for 10 eval 'test "$(json_field A udp_port stats)" = 8240'

# a v3 INS of one state (pfsend.py's), from 10.78.0.2 to A:8240
send_ins() { # NAMESPACE
	ip netns exec "$(ns "$1")" "$PY" -c '
import socket, sys
sys.path.insert(0, sys.argv[1])
import pfsend
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.78.0.2", 0))
s.sendto(pfsend.payload("ins-v3"), ("10.78.0.1", 8240))' \
		"$(dirname "$0")" || fail "send from $1"
}

badif0=$(counter A badif)
rx0=$(counter A udp_rx)
send_ins X
check "the forged datagram reached A's socket" \
	wait_for 5 eval 'test "$(counter A udp_rx)" -gt "$rx0"'
check "it is refused and counted as from another interface" \
	wait_for 5 eval 'test "$(counter A badif)" -eq $((badif0 + 1))'
check "no state from it" no_state A 10.2.0.2
send_ins B
check "the same datagram from B on sync0 is taken" \
	wait_for 5 has_state A 10.2.0.2
check "no more refused" test "$(counter A badif)" -eq $((badif0 + 1))

# --- unsealed with the conntrack backend: said in the log and pfsync0 ---
BACKEND=conntrack daemon_start B 0x0a000002 || fail "start B"
check "B warns at start" wait_for 5 grep -q \
	'unsealed sync with the conntrack backend: any host on sync0 can insert' \
	"$T/B.log"
check "pfsyncctl pfsync0 says so" sh -c "ip netns exec '$(ns B)' \
	'$PFSYNCCTL' -s '$T/B.sock' pfsync0 | grep -qx \
	'	security: unsealed (any host on sync0 can insert states)'"
check "and its JSON" test "$(json_field B security_warning pfsync0)" = \
	"any host on sync0 can insert states"
check "A (memory backend) says unsealed, no warning" sh -c \
	"ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
	 grep -qx '	security: unsealed'"
check "daemons alive, no sanitizer reports" daemons_healthy
