#!/bin/bash
# test_netbsd_expire.sh - a NetBSD peer's INS carries expire 0 ("last
# packet: now", pfsync-v3.md 2.6): the state must live a full timeout of
# its class (tcp.established, 24 h) on a memory-backend node and in the
# kernel of a conntrack-backend node, and still be there seconds later.
# The packet is pfsend.py's ins-v3, written from the reference offsets.
#
#   P (NetBSD-like sender, no daemon) 10.79.0.1 --br0-- M 10.79.0.2 (memory)
#                                                  \--- C 10.79.0.3 (conntrack)
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
netns_node P 10.79.0.1
netns_node M 10.79.0.2
netns_node C 10.79.0.3
pfsync_notrack C || fail "nft notrack"

BACKEND=memory daemon_start M 0x0a000002
BACKEND=conntrack daemon_start C 0x0a000003
check "M bulk done" wait_for 10 bulk_done M
check "C bulk done" wait_for 10 bulk_done C

ip netns exec "$(ns P)" /usr/bin/python3 "$TOP/tests/netns/pfsend.py" \
	224.0.0.240 255 ins-v3 sync0 || fail "pfsend"

ID=1122334455667788
expires_in() { state_field "$1" "0badc0de:$ID" expires_in; }
ct_timeout() { # the kernel's timeout of the synced entry, in seconds
	ip netns exec "$(ns C)" conntrack -L -p tcp -s 10.1.0.1 -d 10.2.0.2 \
		--sport 40000 --dport 80 2>/dev/null | awk '{print $3}'
}
has_state() { [ -n "$(expires_in "$1")" ]; }

check "M holds the NetBSD state" wait_for 5 has_state M
check "C holds the NetBSD state" wait_for 5 has_state C
check "C's kernel has the entry" wait_for 5 test -n "$(ct_timeout)"
check "M: expires in a full tcp.established (>= 86390 s)" \
	test "$(expires_in M)" -ge 86390
check "M: states -v prints 23:59:xx or 24:00:00" sh -c \
	"'$PFSYNCCTL' -s '$T/M.sock' -v states | grep -qE 'expires in (24:00:00|23:59:[0-9]{2})'"
check "C: expires in a full tcp.established (>= 86390 s)" \
	test "$(expires_in C)" -ge 86390
t=$(ct_timeout)
check "C's kernel timeout is tcp.established ($t s)" \
	test "${t:-0}" -ge 86390 -a "${t:-0}" -le 86400
sleep 4
check "M still holds it 4 s later" has_state M
check "C still holds it 4 s later" has_state C
check "C's kernel still has it 4 s later" test -n "$(ct_timeout)"
check "daemons healthy" daemons_healthy
echo "PASS test_netbsd_expire"
