#!/bin/bash
# test_systemd.sh - what pfsyncd.service relies on, without a running
# systemd: the sd_notify protocol over $NOTIFY_SOCKET (READY=1 only once
# the control socket exists, STATUS= with the bulk state, RELOADING=1 and
# READY=1 around SIGHUP, STOPPING=1 at SIGTERM), journal priorities on
# stderr when $JOURNAL_STREAM names it ("<6>..." without our timestamp),
# WATCHDOG=1 every half $WATCHDOG_USEC, and `systemd-analyze verify` of
# the shipped unit (WatchdogSec= in it).
source "$(dirname "$0")/lib.sh"
netns_init
D=$(dirname "$0")

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
daemon_start B 0x0a000002

$PY "$D/notifyd.py" "$T/notify.sock" "$T/notify.out" "$T/A.sock" &
PIDS+=("$!")
wait_for 5 test -S "$T/notify.sock" || fail "notify socket"

cat >"$T/A.conf" <<CONF
interface pfsync0 up syncdev sync0
hostid 0x0a000001
control "$T/A.sock"
log-level debug
bulk-retry 300
$USER_CONF
CONF
: >"$T/A.log"
js=$(stat -c '%d:%i' "$T/A.log")
ip netns exec "$(ns A)" env NOTIFY_SOCKET="$T/notify.sock" \
	WATCHDOG_USEC=400000 \
	JOURNAL_STREAM="$js" "$PFSYNCD" -d -f "$T/A.conf" 2>>"$T/A.log" &
PIDS+=("$!")
PID_A=$!

has() { grep -q "$1" "$T/notify.out"; }
check "READY=1 sent" wait_for 10 has '^. READY=1$'
check "READY=1 only after the control socket exists" \
	grep -q '^1 READY=1$' "$T/notify.out"
check "not ready before it" sh -c "! grep -q '^0 READY=1' '$T/notify.out'"
check "STATUS= says the bulk state" has '^. STATUS=pfsync0: .*syncdev sync0, hostid 0x0a000001'
check "STATUS= reaches bulk update done" wait_for 10 has 'STATUS=pfsync0: bulk update done'
wd_atleast() { [ "$(grep -c 'WATCHDOG=1' "$T/notify.out")" -ge "$1" ]; }
check "WATCHDOG=1 every half WATCHDOG_USEC (0.4 s)" wait_for 5 wd_atleast 5

# WatchdogSec: the loop sends WATCHDOG=1 at half $WATCHDOG_USEC, and only
# when $WATCHDOG_PID, if set, is its own
cat >"$T/W.conf" <<CONF
interface pfsync0 up
control "$T/W.sock"
$USER_CONF
CONF
: >"$T/notify.w"
$PY "$D/notifyd.py" "$T/notifyw.sock" "$T/notify.w" "$T/W.sock" &
PIDS+=("$!")
wait_for 5 test -S "$T/notifyw.sock" || fail "watchdog notify socket"
netns_add W
ip netns exec "$(ns W)" env NOTIFY_SOCKET="$T/notifyw.sock" \
	WATCHDOG_USEC=400000 "$PFSYNCD" -d -f "$T/W.conf" 2>"$T/W.log" &
PIDS+=("$!")
PID_W=$!
wd_count() { grep -c 'WATCHDOG=1' "$T/notify.w"; }
wd_atleast() { [ "$(wd_count)" -ge "$1" ]; }
check "WATCHDOG=1 every 200 ms with WATCHDOG_USEC=400000" \
	wait_for 10 wd_atleast 5
kill "$PID_W"
wait "$PID_W"
ip netns exec "$(ns W)" env NOTIFY_SOCKET="$T/notifyw.sock" \
	WATCHDOG_USEC=400000 WATCHDOG_PID=1 "$PFSYNCD" -d -f "$T/W.conf" \
	2>"$T/W2.log" &
PIDS+=("$!")
PID_W=$!
wait_for 10 grep -q started "$T/W2.log"
before=$(wd_count)
sleep 1
check "no WATCHDOG=1 when WATCHDOG_PID names another process" \
	test "$(wd_count)" -eq "$before"
kill "$PID_W"
wait "$PID_W"

n=$(grep -c 'READY=1' "$T/notify.out")
kill -HUP "$PID_A"
check "RELOADING=1 on SIGHUP" wait_for 5 has 'RELOADING=1'
check "READY=1 again after the reload" wait_for 5 \
	test "$(grep -c 'READY=1' "$T/notify.out")" -gt "$n"

# ExecReload: pfsyncctl reload, the same path (RELOADING=1, READY=1)
n=$(grep -c 'READY=1' "$T/notify.out")
r=$(grep -c 'RELOADING=1' "$T/notify.out")
check "pfsyncctl reload answers" sh -c "ctl() { ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' \"\$@\"; }; ctl reload | grep -q 'reloading $T/A.conf'"
check "RELOADING=1 on pfsyncctl reload" wait_for 5 \
	test "$(grep -c 'RELOADING=1' "$T/notify.out")" -gt "$r"
check "READY=1 again after it" wait_for 5 \
	test "$(grep -c 'READY=1' "$T/notify.out")" -gt "$n"

# a broken file: the reload is refused with a warning (<4>), and
# pfsyncctl reload fails saying why (systemctl reload reports it)
echo "bogus word" >>"$T/A.conf"
reload_fails() {
	local out
	out=$(ip netns exec "$(ns A)" "$PFSYNCCTL" -s "$T/A.sock" reload 2>&1) && return 1
	echo "$out" | grep -q 'reload: .*bogus.*keeping the running config'
}
check "pfsyncctl reload fails on a broken file" reload_fails
kill -HUP "$PID_A"
check "warning logged as <4>" wait_for 5 grep -q '^<4>reload: .*keeping the running config' "$T/A.log"

kill "$PID_A"
wait "$PID_A"
rc=$?
check "clean exit" test "$rc" -eq 0
check "STOPPING=1 on SIGTERM" wait_for 5 has 'STOPPING=1'

cat "$T/A.log" | head -5
check "journal priority prefixes: info" grep -q '^<6>pfsyncd .* started$' "$T/A.log"
check "no timestamps of our own under the journal" \
	sh -c "! grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} ' '$T/A.log'"
check "every line has a priority" sh -c "! grep -qv '^<[0-7]>' '$T/A.log'"

# without $JOURNAL_STREAM (pfsyncd -d by hand): timestamps, no prefix
check "B logs with timestamps" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} .*started' "$T/B.log"

# the unit: systemd-analyze verify, with the build's binaries in it
sed -e "s|/usr/sbin/pfsyncd|$TOP/build/pfsyncd|" \
	-e "s|/usr/sbin/pfsyncctl|$TOP/build/pfsyncctl|" \
	"$TOP/contrib/systemd/pfsyncd.service" >"$T/pfsyncd.service"
check "systemd-analyze verify: no complaint" sh -c \
	"systemd-analyze verify --man=no '$T/pfsyncd.service' >'$T/verify.out' 2>&1 && ! grep -q . '$T/verify.out' || { cat '$T/verify.out'; false; }"
check "unit: a watchdog" grep -qx 'WatchdogSec=30s' "$T/pfsyncd.service"
check "unit: Type=notify, reload over the control socket" sh -c \
	"grep -qx 'Type=notify' '$T/pfsyncd.service' && grep -qx 'ExecReload=$TOP/build/pfsyncctl reload' '$T/pfsyncd.service'"
# no kill(1) (procps, not in Depends; no CAP_KILL), no AF_PACKET (unused)
check "unit: no kill(1) in ExecReload" sh -c "! grep -q '^ExecReload=.*kill' '$TOP/contrib/systemd/pfsyncd.service'"
check "unit: no AF_PACKET" sh -c "! grep -q AF_PACKET '$TOP/contrib/systemd/pfsyncd.service'"
