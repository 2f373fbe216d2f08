#!/bin/bash
# test_tap.sh - tap auto (the default): pfsync0 gets the copies of sent
# packets only while a packet socket listens on it (tcpdump -i pfsync0,
# or -i any), as bpf taps only with a listener on BSD; tap always writes
# them regardless.  What the TUN device took is its rx_packets counter.
#
#   A: tap auto; B: its peer; C: tap always, no listener ever
source "$(dirname "$0")/lib.sh"
netns_init

tun_rx() {
	ip netns exec "$(ns "$1")" \
		cat /sys/class/net/pfsync0/statistics/rx_packets
}
listeners_are() { ctl "$1" pfsync0 | grep -qx $'\ttap: '"$2"' listeners: '"$3"; }
has_states() { test "$(nstates "$1")" -eq "$2"; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
start_tcpdump() { # node, interface, file; sets TD_PID
	ip netns exec "$(ns "$1")" tcpdump -n -i "$2" -w "$3" -U ip proto 240 \
		>"$3.log" 2>&1 &
	TD_PID=$!
	PIDS+=("$TD_PID")
	wait_for 5 test -s "$3" || fail "tcpdump on $1 $2 did not start"
}
stop_tcpdump() {
	kill "$TD_PID"
	wait "$TD_PID" 2>/dev/null
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
netns_node C 10.77.0.3
daemon_start A 0x0a000001
daemon_start B 0x0a000002
EXTRA_CONF="tap always" daemon_start C 0x0a000003
check "A and B finished their bulk updates" wait_for 10 bulk_done A
check "B finished" wait_for 10 bulk_done B

# no listener: A sends (bulk request, inserts) but pfsync0 takes nothing
check "A: tap auto, no listener" listeners_are A auto 0
ctl A add udp 10.1.0.1:5353 10.2.0.2:53 out >/dev/null
ctl A add udp 10.1.0.2:5353 10.2.0.2:53 out >/dev/null
check "B got two states" wait_for 5 has_states B 2
check "nothing written into A's pfsync0" test "$(tun_rx A)" -eq 0

# a tcpdump on pfsync0 is seen within the 200 ms poll
start_tcpdump A pfsync0 "$T/tun.pcap"
check "A: one listener" wait_for 2 listeners_are A auto 1
ctl A add udp 10.1.0.3:5353 10.2.0.2:53 out >/dev/null
check "B got the third" wait_for 5 has_states B 3
check "pfsync0 took the copy" wait_for 3 eval 'test "$(tun_rx A)" -ge 1'
check "tcpdump saw the INS" wait_for 3 sh -c \
	"'$PFSYNCCTL' decode '$T/tun.pcap' 2>/dev/null | grep -q 'INS ST:'"

# gone again: writes stop
stop_tcpdump
check "A: no listener after tcpdump exits" wait_for 2 listeners_are A auto 0
before=$(tun_rx A)
ctl A add udp 10.1.0.4:5353 10.2.0.2:53 out >/dev/null
check "B got the fourth" wait_for 5 has_states B 4
sleep 1.2 # the flush timer: whatever A had pending has left
check "no copy without a listener" test "$(tun_rx A)" -eq "$before"

# tcpdump -i any listens on every interface, pfsync0 included
start_tcpdump A any "$T/any.pcap"
check "A: tcpdump -i any counts" wait_for 2 listeners_are A auto 1
stop_tcpdump

# tap always: copies with nobody listening
check "C: tap always, no listener" listeners_are C always 0
tun_rx_gt() { test "$(tun_rx "$1")" -gt "$2"; } # re-read on each try
before=$(tun_rx C)
ctl C add udp 10.1.0.9:5353 10.2.0.2:53 out >/dev/null
check "C's pfsync0 took a copy of its insert" wait_for 3 tun_rx_gt C "$before"

for n in A B C; do
	check "$n alive, no sanitizer report" alive_clean "$n"
done
