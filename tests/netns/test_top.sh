#!/bin/bash
# test_top.sh - `pfsyncctl top` against a running daemon while its peer
# churns: frames with non-zero change and packet rates, a bar per creator,
# the bulk state and the peer's last-seen line; on a terminal (script(1)
# gives it a pty) each frame clears the screen first.
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
daemon_start A 0x0a000001
daemon_start B 0x0a000002
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
ctl A add tcp 10.9.0.1:1000 10.9.0.2:80 out >/dev/null
ctl B churn 400 6 max 300 >/dev/null

"$PFSYNCCTL" -s "$T/A.sock" top -d 0.5 -n 4 >"$T/top.out" 2>&1
rc=$?
cat "$T/top.out" | tail -12
check "top exits 0 after 4 frames" test "$rc" -eq 0
check "4 frames" test "$(grep -c '^pfsyncd 0.1  hostid 0x0a000001' "$T/top.out")" -eq 4
last() { awk '/^pfsyncd /{ f = "" } { f = f $0 "\n" } END { printf "%s", f }' "$T/top.out"; }
last >"$T/last"
check "B's churn shows as applied changes per second" \
	awk '/^applied\/s:/ { exit !($3 + $5 > 0) }' "$T/last"
check "packets in per second" awk '/^packets\/s:/ { exit !($3 > 0) }' "$T/last"
check "a bar for B's states" grep -qE '^  0a000002 +[0-9]+ \[#+\.*\]$' "$T/last"
check "our own state, marked (us)" grep -qE '^  0a000001 \(us\) +1 \[' "$T/last"
check "bulk done" grep -q '^bulk update: done' "$T/last"
check "B as a peer, seen within 2 s" \
	awk '$1 == "10.77.0.2" { exit !($4 < 2) }' "$T/last"

# on a terminal: the screen is cleared before each frame
script -qc "'$PFSYNCCTL' -s '$T/A.sock' top -d 0.2 -n 2" /dev/null >"$T/tty.out"
check "on a tty each frame clears the screen" \
	test "$(grep -o $'\033\\[H\033\\[2J' "$T/tty.out" | wc -l)" -eq 2

check "bad options: exit 1" sh -c "! '$PFSYNCCTL' -s '$T/A.sock' top -d 0 2>/dev/null"
check "no daemon: exit 1" sh -c "! '$PFSYNCCTL' -s '$T/none.sock' top -n 1 2>/dev/null"
check "daemons healthy" daemons_healthy
