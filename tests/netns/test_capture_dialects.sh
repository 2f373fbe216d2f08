#!/bin/bash
# test_capture_dialects.sh - what pfsync0 shows, written to a file, per
# dialect: `pfsyncctl capture` on pfsync0 and the daemon's own `capture`
# file hold the frames in the dialect the node sends, and `pfsyncctl
# decode` reads them back as that dialect.  A sends OpenBSD's v6 over
# IPv4, B FreeBSD's v5 (format 1500) over IPv6 to ff12::f0, where the
# pfsync0 copy carries an IPv6 header.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.87.0.1 fd87::1
netns_node B 10.87.0.2 fd87::2
no_tentative() {
	[ -z "$(ip -n "$(ns "$1")" -6 addr show dev sync0 tentative)" ]
}
for n in A B; do wait_for 10 no_tentative $n || fail "DAD on $n"; done
CAPTURE=1 daemon_start A 1 up syncdev sync0 version 6 || fail "start A"
CAPTURE=1 daemon_start B 2 up syncdev sync0 syncpeer ff12::f0 version 1500 ||
	fail "start B"
for n in A B; do check "$n's startup bulk is done" wait_for 15 bulk_done $n; done
# started together, each may ask the other twice (bulk-retry 300 ms); a
# peer's next bulk walk comes at least 2 s after its last (pfsyncd(8)),
# and its BUS packets must not be the ones captured below
sleep 3

listening() { [ "$(json_field "$1" listeners pfsync0)" -ge "$2" ]; }
# capture_on NAME: pfsyncctl capture of 2 packets on NAME's pfsync0
capture_on() {
	ip netns exec "$(ns "$1")" "$PFSYNCCTL" capture -c 2 "$T/$1.cap" \
		2>"$T/$1.cap.err" &
	PIDS+=("$!")
	eval "CAP_$1=$!"
}
capture_on A
capture_on B
ip netns exec "$(ns B)" "$PFSYNCCTL" decode -c 1 -i pfsync0 >"$T/B.live" \
	2>&1 &
PIDS+=("$!")
LIVE=$!
for n in A B; do
	check "$n's pfsync0 has its listeners" wait_for 10 listening $n 1
done
check "B's pfsync0 has both" wait_for 10 listening B 2
sleep 0.5 # the daemons poll for listeners every 200 ms
# one insert on each node a round (a packet each within a second) until
# both captures have their two packets
ROUND=0
add_round() {
	ROUND=$((ROUND + 1))
	ctl A add tcp 10.8.7.$ROUND:1000 10.9.7.1:80 >/dev/null
	ctl B add udp 10.8.8.$ROUND:53 10.9.8.1:53 >/dev/null
	sleep 0.4
	! kill -0 "$CAP_A" 2>/dev/null && ! kill -0 "$CAP_B" 2>/dev/null
}
check "both captures took two packets and ended" wait_for 30 add_round
for n in A B; do
	pid=$(eval "echo \$CAP_$n")
	wait "$pid"
	check "$n: capture exited 0" test $? -eq 0
	check "$n: it says how many" grep -qx 'capture: 2 packets' "$T/$n.cap.err"
done
decoded() { ip netns exec "$(ns "$1")" "$PFSYNCCTL" decode "$2"; }
decoded A "$T/A.cap" >"$T/A.dec" || fail "decode A.cap"
decoded B "$T/B.cap" >"$T/B.dec" || fail "decode B.cap"
sed 's/^/# A: /' "$T/A.dec" | head -4
sed 's/^/# B: /' "$T/B.dec" | head -4
check "A's capture reads back as v6, nothing else" \
	[ "$(grep -c '^[0-9:.]* PFSYNCv6 ' "$T/A.dec")" = 2 -a \
	  "$(grep -c '^[0-9:.]* PFSYNC' "$T/A.dec")" = 2 ]
check "with A's inserts in it" grep -q 'INS ST' "$T/A.dec"
check "B's capture reads back as v5, nothing else" \
	[ "$(grep -c '^[0-9:.]* PFSYNCv5 ' "$T/B.dec")" = 2 -a \
	  "$(grep -c '^[0-9:.]* PFSYNC' "$T/B.dec")" = 2 ]
check "with B's 1500 inserts in it" grep -qi 'INS' "$T/B.dec"
wait_for 5 sh -c "! kill -0 $LIVE 2>/dev/null"
check "B's pfsync0 shows the copy inside IPv6, to ff12::f0" \
	grep -qE '^[0-9:.]+ fe80::[0-9a-f:]+ > ff12::f0: PFSYNCv5 ' "$T/B.live"
check "the daemons' own capture files read back the same way" sh -c "
	ip netns exec '$(ns A)' '$PFSYNCCTL' decode '$T/A.pcap' |
		grep -q '^[0-9:.]* PFSYNCv6 ' &&
	! ip netns exec '$(ns A)' '$PFSYNCCTL' decode '$T/A.pcap' |
		grep -qE '^[0-9:.]* PFSYNCv[35] ' &&
	ip netns exec '$(ns B)' '$PFSYNCCTL' decode '$T/B.pcap' |
		grep -q '^[0-9:.]* PFSYNCv5 ' &&
	! ip netns exec '$(ns B)' '$PFSYNCCTL' decode '$T/B.pcap' |
		grep -qE '^[0-9:.]* PFSYNCv[36] '"
# B still listens on the IPv4 group; A, not set up for IPv6, does not
# hear B's v5 over IPv6
check "B took A's v6 inserts over IPv4" \
	wait_for 10 count_is "$ROUND" ncreator B 1
DEAD_PIDS="$CAP_A $CAP_B $LIVE" # ended by their count
check "daemons alive, no sanitizer reports" daemons_healthy
