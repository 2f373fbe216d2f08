#!/bin/bash
# test_capture_safe.sh - the capture file is opened by root at start, in
# a directory the daemon's user may write: a symlink or a hard link that
# user planted there is refused (the start fails saying why) and the file
# it leads to is left as it was; a FIFO does not hang the start; the
# daemon's own old capture is cut and written again (L4).
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
netns_node A 10.77.0.1
mkdir -m 755 "$T/cap"
chown "$DAEMON_USER" "$T/cap"
echo "root's file" >"$T/victim"

# start_with_capture: run A with capture "$T/cap/p.pcap"; exits on error
start_with_capture() {
	cat >"$T/C.conf" <<CONF
interface pfsync0 up syncdev sync0
control "$T/C.sock"
capture "$T/cap/p.pcap"
$USER_CONF
CONF
	ip netns exec "$(ns A)" timeout 20 "$PFSYNCD" -d -f "$T/C.conf" \
		>"$T/C.log" 2>&1
}
victim_intact() { [ "$(cat "$T/victim")" = "root's file" ]; }

ln -s "$T/victim" "$T/cap/p.pcap"
start_with_capture
rc=$?
check "a symlink at the capture path: start refused" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "it says why" grep -q "capture $T/cap/p.pcap: Too many levels of symbolic links" "$T/C.log"
check "the symlink's target untouched" victim_intact
rm -f "$T/cap/p.pcap"

ln "$T/victim" "$T/cap/p.pcap"
start_with_capture
rc=$?
check "a hard link at the capture path: start refused" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "the linked file untouched" victim_intact
rm -f "$T/cap/p.pcap"

mkfifo "$T/cap/p.pcap"
start_with_capture
rc=$?
check "a FIFO at the capture path: refused, no hang" \
	test "$rc" -ne 0 -a "$rc" -ne 124
rm -f "$T/cap/p.pcap"

# the daemon user's old capture: taken, cut, written again
echo "an old capture of the daemon's user" >"$T/cap/p.pcap"
chown "$DAEMON_USER" "$T/cap/p.pcap"
cat >"$T/D.conf" <<CONF
interface pfsync0 up syncdev sync0
control "$T/D.sock"
capture "$T/cap/p.pcap"
$USER_CONF
CONF
ip netns exec "$(ns A)" "$PFSYNCD" -d -f "$T/D.conf" >"$T/D.log" 2>&1 &
PIDS+=("$!")
check "the daemon user's own old capture: started" wait_for 10 test -S "$T/D.sock"
pcap_header() { [ "$(head -c 4 "$T/cap/p.pcap" | od -An -tx1 | tr -d ' ')" = d4c3b2a1 ]; }
check "cut and begun again with a pcap header" wait_for 5 pcap_header
check "daemons healthy" daemons_healthy
