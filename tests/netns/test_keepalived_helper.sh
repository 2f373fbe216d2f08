#!/bin/bash
# test_keepalived_helper.sh - contrib/keepalived/pfsync-keepalived, the
# helper keepalived runs (test_failover runs it inside real keepalived):
# `check` exits 0 once the bulk update is done and 1 while it is pending
# or pfsyncd does not answer; `notify ... BACKUP` (and FAULT, STOP) asks
# for a bulk update
# (a UREQ 0/0 on the wire), MASTER does not; bad usage exits 2.  And the
# shipped keepalived.conf and nftables example pass keepalived's and nft's
# own checks.
source "$(dirname "$0")/lib.sh"
netns_init
H=$TOP/contrib/keepalived/pfsync-keepalived
export PFSYNCCTL

helper() { ip netns exec "$(ns A)" "$H" "$@"; }
nureq() {
	"$PFSYNCCTL" decode "$T/wire.pcap" 2>/dev/null |
		grep -c '10.77.0.1 > .*PFSYNC UPD REQ'
}
ureq_more_than() { test "$(nureq)" -gt "$1"; }

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
capture_start "$T/wire.pcap"
daemon_start B 0x0a000002
daemon_start A 0x0a000001
check "A bulk done" wait_for 10 bulk_done A
check "check: 0 when synced" helper check -s "$T/A.sock"
check "check: 1 without pfsyncd" sh -c "! '$H' check -s '$T/none.sock'"

sleep 1
n0=$(nureq)
check "notify MASTER: exit 0" helper notify -s "$T/A.sock" GROUP FW MASTER 200
sleep 1
check "notify MASTER: no bulk request" test "$(nureq)" -eq "$n0"
check "notify BACKUP: exit 0" helper notify -s "$T/A.sock" GROUP FW BACKUP 200
check "notify BACKUP: a bulk request on the wire" wait_for 5 ureq_more_than "$n0"
check "synced again after it" wait_for 10 helper check -s "$T/A.sock"
n1=$(nureq)
check "notify STOP: exit 0" helper notify -s "$T/A.sock" GROUP FW STOP 0
check "notify STOP: a bulk request (own entries made liberal)" \
	wait_for 5 ureq_more_than "$n1"
check "synced again after that" wait_for 10 helper check -s "$T/A.sock"

drop240 A
ctl A bulk >/dev/null
check "check: 1 while the bulk update is pending" sh -c \
	"! ip netns exec $(ns A) '$H' check -s '$T/A.sock'"
undrop240 A
check "check: 0 once it completes" wait_for 10 helper check -s "$T/A.sock"

"$H" >/dev/null 2>&1
check "no command: exit 2" test $? -eq 2
"$H" notify FW >/dev/null 2>&1
check "notify without a state: exit 2" test $? -eq 2

# keepalived -t: the shipped file parses (interfaces and the helper's
# path set to ours: both instances on sync0)
sed -e 's/interface eth[01]/interface sync0/' \
	-e "s|/usr/share/pfsyncd/pfsync-keepalived|$H|" \
	"$TOP/contrib/keepalived/keepalived.conf" >"$T/ka.conf"
check "keepalived -t accepts the shipped keepalived.conf" \
	ip netns exec "$(ns A)" keepalived -t -f "$T/ka.conf"
check "nft -c accepts the shipped nftables example" \
	ip netns exec "$(ns A)" nft -c -f "$TOP/contrib/nftables/pfsyncd.nft"
capture_stop
check "daemons healthy" daemons_healthy
