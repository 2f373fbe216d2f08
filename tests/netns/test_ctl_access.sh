#!/bin/bash
# test_ctl_access.sh - who may do what on the control socket.  The
# socket's file mode decides who may connect (0600 by default: only
# root); with control-mode 0666 anyone may, and then the daemon checks the
# client's uid (SO_PEERCRED): commands that show work for every uid,
# commands that change something (add, flush, bulk, pfsync0 WORDS, ...)
# only for root and the daemon's own uid when that is an account of its
# own (pfsyncd; not nobody, which other programs share); another uid gets
# "permission denied" and nothing changes.  The socket is made with its
# mode (no chmod after bind), and the last client slots are root's: a uid
# that may only show, connecting in a loop, cannot close root's client.
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
source "$(dirname "$0")/lib.sh"
netns_init

# a uid that is neither root nor the daemon's
if [ "$DAEMON_USER" = nobody ]; then OTHER=65533; else OTHER=$(id -u nobody); fi
DUID=$(id -u "$DAEMON_USER")
if [ "$DAEMON_USER" = nobody ]; then NEED="root"; else NEED="root or uid $DUID"; fi
# pfsyncctl where any uid may run it; $T reachable (not listable) by all
cp "$PFSYNCCTL" "$T/pfsyncctl"
chmod 755 "$T/pfsyncctl"
chmod 711 "$T"

# as_uid UID NAME ARGS...: pfsyncctl as that uid (no groups)
as_uid() {
	local uid=$1 name=$2
	shift 2
	ip netns exec "$(ns "$name")" setpriv --reuid="$uid" --regid="$uid" \
		--clear-groups "$T/pfsyncctl" -s "$T/$name.sock" "$@"
}
refused() { # NAME WORD ARGS...: refused to OTHER with the clear message
	local name=$1 out
	shift
	out=$(as_uid "$OTHER" "$name" "$@" 2>&1) && return 1
	echo "$out" | grep -qF "$1: permission denied (uid $OTHER may only show; changes need $NEED)"
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
daemon_start A 0x0a000001
EXTRA_CONF="control-mode 0666" daemon_start B 0x0a000002
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

# the file mode first: A's socket (0600) keeps every other uid out
check "A's socket is 0600, root's" test "$(stat -c %a:%u "$T/A.sock")" = 600:0
cannot_connect() { ! as_uid "$OTHER" A states >/dev/null 2>&1; }
check "uid $OTHER cannot connect to A at all" cannot_connect
check "B's socket is 0666" test "$(stat -c %a "$T/B.sock")" = 666

# B: shows for anyone
ctl B add tcp 10.9.0.1:1000 10.9.1.1:22 >/dev/null || fail "root add"
check "A has B's state" wait_for 10 count_is 1 ncreator A 0x0a000002
shows() { as_uid "$OTHER" B "$@" >/dev/null; }
for c in states stats "-v stats" pfsync0 version bulk-done metrics latency; do
	# shellcheck disable=SC2086
	check "uid $OTHER: $c" shows $c
done
check "uid $OTHER sees the state" \
	test "$(as_uid "$OTHER" B states | grep -c 10.9.1.1:22)" -eq 1
json_as_other() { as_uid "$OTHER" B -j pfsync0 | $PY -c 'import json, sys
assert json.load(sys.stdin)["ifname"] == "pfsync0"'; }
check "uid $OTHER: JSON too" json_as_other

# changes: refused to OTHER, nothing changed
check "uid $OTHER: add refused" refused B add tcp 10.9.0.2:1 10.9.1.1:22
check "uid $OTHER: flush refused" refused B flush
check "uid $OTHER: kill refused" refused B kill 1
check "uid $OTHER: bulk refused" refused B bulk
check "uid $OTHER: pfsync0 maxupd refused" refused B pfsync0 maxupd 100
check "uid $OTHER: latency reset refused" refused B latency reset
check "B still holds one state" test "$(nstates B)" -eq 1
check "B's maxupd unchanged" test "$(json_field B maxupd pfsync0)" = 128

# root and the daemon's own uid may change
check "root: pfsync0 maxupd 100" ctl B pfsync0 maxupd 100
check "B's maxupd now 100" test "$(json_field B maxupd pfsync0)" = 100
if [ "$DAEMON_USER" = nobody ]; then
	# a shared account: its uid may not change anything (L3)
	nobody_add() { out=$(as_uid "$DUID" B add tcp 10.9.0.3:1 10.9.1.1:22 2>&1) && return 1
		echo "$out" | grep -qF "add: permission denied (uid $DUID may only show; changes need root)"; }
	check "daemon's uid ($DAEMON_USER, shared): add refused" nobody_add
	nobody_peer() { ! as_uid "$DUID" B pfsync0 syncpeer 10.77.0.99 >/dev/null 2>&1; }
	check "daemon's uid ($DAEMON_USER, shared): syncpeer refused" nobody_peer
	check "the start log says the user is shared" grep -q \
		"user nobody is shared with other programs" "$T/B.log"
	ctl B add tcp 10.9.0.3:1 10.9.1.1:22 >/dev/null || fail "root add"
else
	own_add() { as_uid "$DUID" B add tcp 10.9.0.3:1 10.9.1.1:22 >/dev/null; }
	check "daemon's uid ($DAEMON_USER): add" own_add
fi
check "B holds two states" test "$(nstates B)" -eq 2
# exactly two: the refused add sent nothing (it would come first)
check "A has B's two states, not three" \
	wait_for 10 count_is 2 ncreator A 0x0a000002

# root's slots: OTHER holds 200 connections (each new one evicts the
# oldest of its own); root's idle client, older than all, stays open and
# is answered.
$PY - "$T/B.sock" "$T/root_slot.out" <<'PYEOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(4)       # idle while OTHER connects in a loop
open(sys.argv[2], "w").write("connected\n")
s.setblocking(False)
try:
    data = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    state = "closed" if data == b"" else "data"
except BlockingIOError:
    state = "open"
except OSError as e:
    state = "error %s" % e
open(sys.argv[2], "a").write(state + "\n")
PYEOF
ROOTPY=$! # ends by itself in 4 s
sleep 0.5
ip netns exec "$(ns B)" setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups \
	$PY - "$T/B.sock" <<'PYEOF'
import socket, sys, time
held = []
for i in range(200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(1)
PYEOF
wait "$ROOTPY"
check "root's idle client not evicted by uid $OTHER's loop" \
	grep -qx open "$T/root_slot.out"
check "B logged the evictions" grep -q "clients: closing the one idle longest" "$T/B.log"
check "root is answered after it" ctl B bulk-done
check "daemons healthy" daemons_healthy
