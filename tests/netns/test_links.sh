#!/bin/bash
# test_links.sh - redundant sync links (pfsyncd.conf(5) `link`): A and B
# each on two bridges (sync0 on br0, sync1 on br1), `syncdev sync0` and
# `link sync1`, every packet sent on both.
#  1. Both links carry the sync; each change is applied once on B (the
#     applied counters equal what A made), the copies dropped and counted
#     per link, and no copy reaches the engine (rel_dups, rel_foreign 0).
#  2. A BSD peer's plain v3 (no sequence number) sent on both links:
#     INS then DEL on sync0, the late copies of the INS and DEL on sync1
#     after them: the state stays deleted, each applied once.
#  3. sync0 pulled on A (ip link set down) during a churn: B equals A
#     with nothing lost (no gap, no resync), the link shown down.
#  4. sync1 dropped at B's input (nft) during a churn: the same.
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
ip -n "$(ns sw)" link add br1 type bridge
ip -n "$(ns sw)" link set br1 up
netns_node A 10.78.0.1
netns_node B 10.78.0.2
for n in A B; do # the second link: sync1 on br1
	[ $n = A ] && a=1 || a=2
	netns_veth $n sync1 sw "t$n"
	ip -n "$(ns sw)" link set "t$n" master br1 up
	ip -n "$(ns $n)" addr add "10.77.0.$a/24" dev sync1
	ip -n "$(ns $n)" link set sync1 up
done

EXTRA_CONF="link sync1" daemon_start A 0x0a000001 || fail "start A"
EXTRA_CONF="link sync1" daemon_start B 0x0a000002 || fail "start B"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

# st NAME KEY / lst NAME LINK KEY: a counter of stats -v, of one link
st() { json_field "$1" "$2" -v stats; }
lst() {
	ctl "$1" -j -v stats | $PY -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$2" "$3"
}
churn_done() { ! ctl "$1" -v stats | grep -q '^churn: running'; }

# --- 1. both links, each change once ------------------------------------
check "B hears A on sync0" wait_for 5 eval 'test "$(lst B sync0 link_rx)" -gt 0'
check "B hears A on sync1" wait_for 5 eval 'test "$(lst B sync1 link_rx)" -gt 0'
nlinks() {
	ctl "$1" -j pfsync0 | $PY -c '
import json, sys
print(len(json.load(sys.stdin)["links"]))'
}
check "pfsyncctl pfsync0 lists two links" test "$(nlinks B)" = 2
check "both links shown up" \
	test "$(lst B sync0 link_up)" = 1 -a "$(lst B sync1 link_up)" = 1
ins0=$(st B applied_ins)
del0=$(st B applied_del)
add_many A 0 100 || fail "add on A"
check "B holds A's 100 states" wait_for 10 eval 'test "$(ncreator B 0x0a000001)" = 100'
sleep 1 # the copies of the last packets, and the heartbeats
check "B applied each insert once ($(($(st B applied_ins) - ins0)))" \
	test "$(($(st B applied_ins) - ins0))" -eq 100
dups=$(($(lst B sync0 link_dup) + $(lst B sync1 link_dup)))
check "B dropped the copies ($dups)" test "$dups" -gt 0
check "no copy reached B's engine (rel_dups $(st B rel_dups), rel_foreign $(st B rel_foreign))" \
	test "$(st B rel_dups)" -eq 0 -a "$(st B rel_foreign)" -eq 0
check "B joined A's two addresses" test "$(st B links_joined)" -ge 1
for i in $(seq 1 20); do
	ctl A kill "$(unique_id A 0x0a000001)" >/dev/null || fail "kill on A"
done
check "B deleted them" wait_for 10 eval 'test "$(ncreator B 0x0a000001)" = 80'
sleep 1
check "B applied each delete once ($(($(st B applied_del) - del0)))" \
	test "$(($(st B applied_del) - del0))" -eq 20
check "A and B equal" wait_for 5 tables_equal A B

# --- 2. a BSD peer (plain v3): a late INS copy after the DEL -------------
# B's namespace sends as a BSD peer would, to A on both links, at once:
# INS and DEL of one state on sync0, then the same two on sync1 (the
# slower link).  Whichever socket A reads first, the state ends deleted.
bsd() { # ACTION LINK [ACTION LINK...]: v3 packets of one state (pfsend.py's)
	ip netns exec "$(ns B)" "$PY" -c '
import socket, sys
sys.path.insert(0, sys.argv[1])
import pfsend
st = pfsend.state_v3(0x1122334455667788, 0x0BADC0DE)
dst = {"sync0": "10.78.0.1", "sync1": "10.77.0.1"}
a = sys.argv[2:]
for act, dev in zip(a[0::2], a[1::2]):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    s.sendto(pfsend.frame(3, int(act), 1, st), (dst[dev], 0))' \
		"$(dirname "$0")" "$@" || fail "send $*"
}
ldups() { echo $(($(lst "$1" sync0 link_dup) + $(lst "$1" sync1 link_dup))); }
ins0=$(st A applied_ins)
del0=$(st A applied_del)
d0=$(ldups A)
bsd 1 sync0 3 sync0 1 sync1 3 sync1 # INS, DEL; the late INS, DEL copies
# B's own daemon also sends on both links (its copies count too): at least 2
check "A dropped the two late copies" wait_for 5 eval 'test "$(ldups A)" -ge $((d0 + 2))'
sleep 1 # and whatever was still on its way
check "the state stays deleted" test "$(ncreator A 0x0badc0de)" = 0
check "one INS and one DEL applied" \
	test "$(($(st A applied_ins) - ins0))" -eq 1 -a \
	"$(($(st A applied_del) - del0))" -eq 1
# the same on one link only: a repeat of the same bytes is no copy
bsd 1 sync1
check "A takes the INS again on sync1 alone" \
	wait_for 5 eval 'test "$(ncreator A 0x0badc0de)" = 1'
bsd 3 sync1
check "and the DEL" wait_for 5 eval 'test "$(ncreator A 0x0badc0de)" = 0'

# --- 3. sync0 pulled on A during a churn --------------------------------
gaps0=$(st B rel_gaps)
lost0=$(st B rel_lost)
ctl A churn 800 6 max 2000 >/dev/null || fail "churn"
sleep 2
ip -n "$(ns A)" link set sync0 down
check "churn ran" wait_for 15 churn_done A
check "A shows sync0 down" test "$(lst A sync0 link_up)" = 0
syncdev_warned() { ctl A doctor | grep -q '^warn *syncdev'; }
check "doctor: sync0 down is a warning while sync1 carries on" syncdev_warned
check "A's sends on sync0 failed ($(lst A sync0 link_send_errors)), on sync1 went on" \
	test "$(lst A sync0 link_send_errors)" -gt 0
check "B equals A after sync0 was pulled ($(nstates A) states)" \
	wait_for 5 tables_equal A B
check "nothing was lost: no gap ($(($(st B rel_gaps) - gaps0))), none given up" \
	test "$(st B rel_gaps)" -eq "$gaps0" -a "$(st B rel_lost)" -eq "$lost0"
ip -n "$(ns A)" link set sync0 up
check "sync0 back up" wait_for 5 eval 'test "$(lst A sync0 link_up)" = 1'

# --- 4. sync1 dropped at B's input during a churn -----------------------
ip netns exec "$(ns B)" nft 'table inet loss { chain input {
	type filter hook input priority -10; policy accept;
	iifname "sync1" ip protocol 240 counter drop; }; }'
gaps0=$(st B rel_gaps)
ctl A churn 800 5 max 2000 >/dev/null || fail "churn"
check "churn ran" wait_for 15 churn_done A
n=$(ip netns exec "$(ns B)" nft list table inet loss |
	sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
check "sync1 really dropped ($n packets)" test "${n:-0}" -gt 50
check "B equals A with sync1 dropped ($(nstates A) states)" \
	wait_for 5 tables_equal A B
check "no gap on B ($(($(st B rel_gaps) - gaps0)))" \
	test "$(st B rel_gaps)" -eq "$gaps0"
ip netns exec "$(ns B)" nft delete table inet loss

check "metrics name the links" \
	sh -c "'$PFSYNCCTL' -s '$T/B.sock' metrics | grep -q '^pfsyncd_link_up{link=\"sync1\"} 1'"
check "daemons healthy" daemons_healthy
ctl B pfsync0 | sed 's/^/# /'
echo "# B: $(ctl B -v stats | sed -n '/^link /,/joined/p' | tr -s '\t\n' '  ')"
