#!/bin/bash
# test_leak.sh - packets written into pfsync0 enter the kernel's receive
# path; with ip_forward=1 they could be forwarded out to the peer a second
# time.  The daemon's protections (forwarding=0 on pfsync0, an nft netdev
# table dropping its ingress) must keep the far side at exactly one copy
# per packet sent.
#
#   A: sync0 10.77.0.1 on br0 (unused for sync), far0 10.79.0.1
#   F: f0 10.79.0.2 (A's unicast syncpeer, reached through far0)
source "$(dirname "$0")/lib.sh"
netns_init

alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
counter() {
	ctl "$1" -j stats | /usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
nft_table_present() { ip netns exec "$(ns A)" nft list tables | grep -q 'netdev pfsyncd_pfsync0'; }
count_far() { # packets of protocol 240 seen by F
	ip netns exec "$(ns F)" tcpdump -n -r "$T/far.pcap" 2>/dev/null | wc -l
}

netns_bridge
netns_node A 10.77.0.1
F=$(ns F)
netns_add F
netns_link A far0 10.79.0.1/24 F f0 10.79.0.2/24
ip netns exec "$(ns A)" sysctl -qw net.ipv4.ip_forward=1
check "forwarding on in A" test \
	"$(ip netns exec "$(ns A)" sysctl -n net.ipv4.ip_forward)" -eq 1

ip netns exec "$F" tcpdump -n -i f0 -w "$T/far.pcap" -U ip proto 240 \
	>"$T/far.log" 2>&1 &
PIDS+=("$!")
wait_for 5 test -s "$T/far.pcap" || fail "tcpdump in F did not start"
sleep 0.5

daemon_start A 0x0a000001 up syncpeer 10.79.0.2
check "pfsync0 exists" sh -c "ip -n '$(ns A)' link show pfsync0 >/dev/null"
check "forwarding=0 on pfsync0" test "$(ip netns exec "$(ns A)" \
	sysctl -n net.ipv4.conf.pfsync0.forwarding)" -eq 0
check "rp_filter=1 on pfsync0" test "$(ip netns exec "$(ns A)" \
	sysctl -n net.ipv4.conf.pfsync0.rp_filter)" -eq 1
check "accept_local=0 on pfsync0" test "$(ip netns exec "$(ns A)" \
	sysctl -n net.ipv4.conf.pfsync0.accept_local)" -eq 0
check "nft table netdev pfsyncd_pfsync0 present" nft_table_present
check "its ingress chain drops" sh -c "ip netns exec '$(ns A)' nft list \
	table netdev pfsyncd_pfsync0 | grep -q 'policy drop'"

check "A bulk done" wait_for 10 sh -c "ip netns exec '$(ns A)' \
	'$PFSYNCCTL' -s '$T/A.sock' pfsync0 | grep -q 'bulk: done'"
id1=$(ctl A add tcp 10.1.0.1:1234 10.2.0.2:80 out state ESTABLISHED:ESTABLISHED)
id2=$(ctl A add udp 10.1.0.1:5353 10.2.0.2:53 out)
sleep 1.2
ctl A update "$id1" >/dev/null
sleep 1.2
ctl A kill "$id1" >/dev/null
ctl A kill "$id2" >/dev/null
sleep 1.5
sent=$(counter A opackets)
far_has() { test "$(count_far)" -ge "$1"; }
check "the capture has caught up" wait_for 3 far_has "$sent"
sleep 0.5
far=$(count_far)
echo "A sent $sent packets, F saw $far"
check "A sent state packets" test "$sent" -ge 3
check "F saw exactly the packets sent, none forwarded from pfsync0" \
	test "$far" -eq "$sent"
check "all from far0's address" test "$(ip netns exec "$F" tcpdump -n \
	-r "$T/far.pcap" 2>/dev/null | grep -vc '10.79.0.1 > 10.79.0.2')" -eq 0
check "A alive, no sanitizer report" alive_clean A

kill "$(daemon_pid A)"
check "A exited" wait_for 5 sh -c "! kill -0 $(daemon_pid A)"
check "pfsync0 removed" wait_for 3 sh -c \
	"! ip -n '$(ns A)' link show pfsync0 2>/dev/null"
check "nft table removed at exit" sh -c "! ip netns exec '$(ns A)' nft list \
	tables | grep -q pfsyncd_pfsync0"
check "no sanitizer report at exit" sh -c \
	"! grep -qE 'ERROR: AddressSanitizer|runtime error' '$T/A.log'"
