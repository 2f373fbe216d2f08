#!/bin/bash
# test_failover: the pfsync(4) manual's failover example on Linux.  A TCP
# connection from the inside client to the outside server runs through
# firewall A, the VRRP master; A dies; B takes the VIPs over.
#
# (1) control: B runs no pfsyncd, so B never learns the connection and the
#     strict ruleset drops it after the failover: the client stalls for
#     good.  This proves the test can fail.
# (2) pfsyncd (backend conntrack) on both: B holds the connection's entry
#     before A dies, and every line is echoed across the failover, no
#     reset, B's forward counters show established traffic and no policy
#     drop.  Before that, A (priority 200) starts demoted and does not
#     preempt B while its bulk update is pending, as carp does for pfsync.
#     Then A reboots, preempts once synced (failback), and carries the
#     connection on, 20 MB of bulk included.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v keepalived >/dev/null || fail "keepalived is not installed"
command -v conntrack >/dev/null || fail "conntrack is not installed"

# fo_build: the topology and both rulesets of one scenario
fo_build() {
	fo_topology
	fo_firewall fwA || fail "nft ruleset"
	fo_firewall fwB || fail "nft ruleset"
}

# fo_connect: the echo connection through A; sets PORT to its source port
fo_connect() {
	fo_server || fail "echo server did not start"
	fo_client "$@"
	wait_for 10 fo_echoed_atleast 20 || fail "no echo through A"
	PORT=$(fo_client_port)
	[ -n "$PORT" ] || fail "client port unknown"
}

# fo_client_wait: wait for the client to finish; its exit status in rc
fo_client_wait() {
	local p
	p=$(eval "echo \${PID_${FO}cli}")
	wait "$p"
	rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
}

b_lacks_it() { ! fo_ct_has fwB "$PORT"; }
# A's keepalived runs the shipped check, which fails while A is pending
a_demoted() {
	! fo_synced fwA && ! PFSYNCCTL=$PFSYNCCTL \
		"$TOP/contrib/keepalived/pfsync-keepalived" check -s "$T/sfwA.sock"
}

# --- (1) control: no pfsyncd on B ------------------------------------------
FO=c
fo_build
fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A"
fo_keepalived fwA 200
fo_keepalived fwB 100
check "control: A is VRRP master" wait_for 15 fo_master fwA
fo_connect 6 4
check "control: A tracks the connection (port $PORT)" fo_ct_has fwA "$PORT"
sleep 1.2 # a flush timer: had anything been synced, it would be by now
check "control: B has no entry for it (no pfsyncd on B)" b_lacks_it
fo_kill_A
check "control: B holds the VIPs after A died" wait_for 10 fo_master fwB
fo_client_wait
grep '^result' "$T/ccli.log"
check "control: the connection broke (client exit $rc)" test "$rc" -ne 0
drops=$(($(fo_counter fwB invalid) + $(fo_counter fwB policy-echo)))
check "control: B dropped the connection's packets ($drops)" \
	test "$drops" -gt 0
check "control: B forwarded nothing established ($(fo_counter fwB est))" \
	test "$(fo_counter fwB est)" -eq 0
check "control: A's pfsyncd exited cleanly" test "$FO_RC_A" -eq 0
check "control: no sanitizer report" fo_clean_logs
fo_teardown

# --- (2) pfsyncd on both firewalls -----------------------------------------
FO=s
fo_build
# A's bulk update stays pending while A cannot hear B (retry 1 s, 12
# tries); B, which A does not answer either, gives up after 12 x 0.2 s and
# calls itself synced, as the first firewall of a pair does
drop240 sfwA
fo_pfsyncd fwA 0xc0a8fefe 1000 || fail "pfsyncd A"
fo_pfsyncd fwB 0xc0a8fefd 200 || fail "pfsyncd B"
fo_keepalived fwA 200
fo_keepalived fwB 100
check "B's bulk update is done" wait_for 10 fo_synced fwB
check "B is VRRP master while A's bulk update is pending" \
	wait_for 15 fo_master fwB
check "A is pending and demoted (pfsync-keepalived check fails)" a_demoted
# A's priority 200-150 is below B's 100: no preemption for 4 advert rounds
for _ in $(seq 20); do
	fo_no_vip fwA || fail "A took the VIPs before its bulk update was done"
	sleep 0.1
done
echo "ok - A (priority 200) does not preempt B while not synced"
undrop240 sfwA
check "A's bulk update completes once A hears B" wait_for 5 fo_synced fwA
check "A preempts B once synced" wait_for 10 fo_master fwA
check "B gave the VIPs up" wait_for 5 fo_no_vip fwB

fo_connect 16 10 --bulk 20000000
check "A tracks the connection (port $PORT)" fo_ct_has fwA "$PORT"
check "B holds the connection's entry, synced by pfsyncd" \
	wait_for 3 fo_ct_has fwB "$PORT"
fo_ct fwB
fo_kill_A
check "B holds the VIPs after A died" wait_for 10 fo_master fwB
check "A's pfsyncd exited cleanly" test "$FO_RC_A" -eq 0
check "echoes resume through B" wait_for 10 fo_echoed_atleast 50
est=$(fo_counter fwB est)
check "B forwarded the connection as established ($est packets)" \
	test "$est" -gt 0
check "B dropped none of it by policy" \
	test "$(fo_counter fwB policy-echo)" -eq 0
check "B saw no new connection (no SYN: the state came by pfsync)" \
	test "$(fo_counter fwB new-syn)" -eq 0

# failback: A comes back, gets B's table by bulk, preempts (the manual's
# preempt), and carries the connection on in its turn
estA=$(fo_counter fwA est)
fo_revive_A 0xc0a8fefe || fail "A's daemons did not start again"
check "A's second bulk update is done" wait_for 10 fo_synced fwA
check "A preempts B again" wait_for 10 fo_master fwA
check "B gave the VIPs up" wait_for 5 fo_no_vip fwB
fo_client_wait
cat "$T/scli.log"
check "the connection survived failover and failback: every line and the
	20 MB bulk after the failback echoed, no reset" test "$rc" -eq 0
check "client saw no reset" grep -q '^result: ok .*reset=no$' "$T/scli.log"
estA=$(($(fo_counter fwA est) - estA))
check "A forwarded the connection again ($estA packets)" test "$estA" -gt 0
check "A dropped none of it by policy" \
	test "$(fo_counter fwA policy-echo)" -eq 0
echo "invalid counters: A $(fo_counter fwA invalid), B $(fo_counter fwB invalid)"
ctl sfwB stats
check "B's pfsyncd and keepalived are alive" fo_alive fwB fwB_ka
check "A's pfsyncd and keepalived are alive" fo_alive fwA fwA_ka
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
