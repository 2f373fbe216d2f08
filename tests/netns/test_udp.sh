#!/bin/bash
# test_udp.sh - pfsync over UDP (transport udp) with protocol 240 dropped
# everywhere: A and B sync sealed over UDP; C starts late and gets every
# state by bulk update; a datagram from an address that is not a peer is
# dropped and counted; D and E sync plain (no key) over UDP on another
# port.
#
#   A .1, B .2, C .3 (key), D .4, E .5 (no key), M .9 -- br0 10.77.0.0/24
source "$(dirname "$0")/lib.sh"
netns_init

counter() { json_field "$1" "$2" stats; }
counter_ge() { [ "$(counter "$1" "$2")" -ge "$3" ]; }

netns_bridge
for n in A:1 B:2 C:3 D:4 E:5 M:9; do
	netns_node "${n%:*}" "10.77.0.${n#*:}"
	drop240 "${n%:*}"
done
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 600 "$T/key"
KEYED="key \"$T/key\"
cluster \"udp-$$\"
transport udp port 8240"
EXTRA_CONF="$KEYED
peer 10.77.0.2
peer 10.77.0.3" daemon_start A 0x0a000001
EXTRA_CONF="$KEYED
peer 10.77.0.1
peer 10.77.0.3" daemon_start B 0x0a000002
check "A bulk done" wait_for 15 bulk_done A
check "B bulk done" wait_for 15 bulk_done B
for i in $(seq 1 20); do
	ctl A add tcp "10.9.0.$i:1000" 10.9.1.1:22 >/dev/null
	ctl B add udp "10.9.2.$i:1000" 10.9.1.1:53 >/dev/null
done
check "B has A's 20 states" wait_for 10 count_is 20 ncreator B 0x0a000001
check "A has B's 20 states" wait_for 10 count_is 20 ncreator A 0x0a000002
check "tables equal" wait_for 10 tables_equal A B
check "A sent sealed datagrams" counter_ge A udp_tx 2
check "A's datagrams opened on B" counter_ge B seal_ok 2

# C joins late: a bulk update over UDP brings every state
EXTRA_CONF="$KEYED
peer 10.77.0.1
peer 10.77.0.2" daemon_start C 0x0a000003
check "C bulk done" wait_for 20 bulk_done C
check "C has A's states" wait_for 10 count_is 20 ncreator C 0x0a000001
check "C has B's states" wait_for 10 count_is 20 ncreator C 0x0a000002
check "three tables equal" wait_for 10 tables_equal A B C
ctl C add tcp 10.9.3.1:1000 10.9.1.1:22 >/dev/null
check "C's state reaches A and B" wait_for 10 sh -c \
	"'$PFSYNCCTL' -s '$T/A.sock' states | grep -q 10.9.3.1 &&
	 '$PFSYNCCTL' -s '$T/B.sock' states | grep -q 10.9.3.1"
for n in A B C; do
	check "$n: nothing failed to open" test \
		"$(($(counter $n seal_auth) + $(counter $n seal_badkey)))" -eq 0
done

# a datagram from no peer: dropped before anything looks at it
U0=$(counter A udp_unknown)
ip netns exec "$(ns M)" $PY -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes(64), ("10.77.0.1", 8240))'
check "datagram from no peer counted" wait_for 5 counter_ge A udp_unknown \
	$((U0 + 1))

# plain pfsync over UDP, no key
EXTRA_CONF="transport udp port 9000 unsealed
peer 10.77.0.5" daemon_start D 0x0a000004
EXTRA_CONF="transport udp port 9000 unsealed
peer 10.77.0.4" daemon_start E 0x0a000005
check "E bulk done" wait_for 15 bulk_done E
ctl D add tcp 10.9.4.1:1000 10.9.1.1:22 >/dev/null
check "plain UDP: E has D's state" wait_for 10 count_is 1 ncreator E 0x0a000004
check "stats -v shows the udp section" sh -c \
	"'$PFSYNCCTL' -s '$T/E.sock' -v stats | grep -q 'udp: port 9000'"
check "daemons healthy" daemons_healthy
