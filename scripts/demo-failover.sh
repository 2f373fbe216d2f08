#!/bin/bash
# scripts/demo-failover.sh (the end of `make demo`): the failover example of
# the pfsync(4) manual on Linux, in network namespaces.  keepalived (VRRP)
# takes carp's role, pfsyncd with `backend conntrack` takes pfsync's.  A
# TCP connection from the inside runs through firewall A; A dies; B takes
# the virtual addresses over and, holding the connection's conntrack entry
# that pfsyncd copied, carries it on; A reboots, gets the table back by a
# bulk update and preempts (failback).  Then the same without pfsyncd on
# B, where the connection dies.  The last line is the verdict.
set -u
cd "$(dirname "$0")/.." || exit 1
export PFSYNCD=${PFSYNCD:-$PWD/build/pfsyncd}
export PFSYNCCTL=${PFSYNCCTL:-$PWD/build/pfsyncctl}
# shellcheck source=../tests/netns/lib.sh
source tests/netns/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces)"; exit 1; }
command -v keepalived >/dev/null || { echo "demo: needs keepalived"; exit 1; }
netns_init
# shellcheck source=../tests/netns/failover-lib.sh
source tests/netns/failover-lib.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
indent() { sed 's/^/    /'; }
vips() { # who holds the virtual addresses
	local n w=""
	for n in fwA fwB; do
		fo_master "$n" && w="$w $n"
	done
	echo "VIPs 10.0.0.1 and 192.168.0.1 held by:${w:- nobody}"
}
counters() {
	local c
	printf 'forward rules of %s:' "$1"
	for c in est invalid new-syn policy-echo; do
		printf ' %s=%s' "$c" "$(fo_counter "$1" "$c")"
	done
	echo
}
SHOWN=0
client_new() { # print the client's lines not shown yet
	local n
	n=$(wc -l <"$T/${FO}cli.log")
	sed -n "$((SHOWN + 1)),${n}p" "$T/${FO}cli.log" | indent
	SHOWN=$n
}
client_follow() { # ...then live until it exits
	tail -n +$((SHOWN + 1)) -f --pid="$(eval "echo \${PID_${FO}cli}")" \
		"$T/${FO}cli.log" | indent
	SHOWN=0
}
client_rc() {
	local p
	p=$(eval "echo \${PID_${FO}cli}")
	wait "$p"
	CLI_RC=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
}
client_result() { grep '^result' "$T/${FO}cli.log"; }

FO=
say "The pfsync(4) example: firewalls A (.254) and B (.253)"
cat <<'PIC'
    client 192.168.0.10 ──[internal]──┬─ lan .254  fwA  wan .254 ─┬──[external]── server 10.0.0.10
    default via 192.168.0.1 (VIP)     └─ lan .253  fwB  wan .253 ─┘  default via 10.0.0.1 (VIP)
                                     sync0 192.168.254.254 <──> .253 (crossover)
PIC
fo_topology
fo_firewall fwA && fo_firewall fwB || exit 1
echo "Both firewalls: ip_forward=1, nf_conntrack_tcp_loose=0 and a strict"
echo "ruleset (a new connection only by a SYN from the inside):"
ip netns exec "$(fo_ns fwA)" nft list chain inet fw forward |
	grep -E 'counter|policy' | sed 's/^[[:space:]]*/    /'

say "Firewall B boots first: pfsyncd and keepalived (priority 100)"
echo "pfsyncd.conf of B, with the manual's words (bulk-retry: the 5 s"
echo "retry of NetBSD shortened for the demo):"
fo_pfsyncd fwB 0xc0a8fefd 200 || exit 1
grep -v '^$' "$T/fwB.conf" | indent
echo "keepalived (contrib/keepalived/keepalived.conf, as shipped but for the"
echo "site's names) holds a node demoted (-150) until its pfsyncd's bulk"
echo "update is done, as carp's demotion counter waits for pfsync: the"
echo "vrrp_script runs pfsync-keepalived check (pfsyncctl bulk-done):"
fo_keepalived fwB 100
sed -n '/^vrrp_script/,/^}/p;/^vrrp_sync_group/,/^}/p' "$T/fwB.ka.conf" |
	indent
echo "B asks for a bulk update; nobody answers, so after 12 tries it calls"
echo "itself synced (the first firewall of a pair) and becomes master:"
wait_for 15 fo_master fwB || { echo "B did not become master"; exit 1; }
grep -h 'Entering MASTER' "$T/fwB.ka.log" | head -2 | indent
vips

say "Firewall A boots (priority 200): demoted until B's bulk update is in"
fo_pfsyncd fwA 0xc0a8fefe || exit 1
fo_keepalived fwA 200
wait_for 15 fo_master fwA || { echo "A did not become master"; exit 1; }
grep -h 'effective priority\|Entering MASTER' "$T/fwA.ka.log" | head -4 |
	indent
grep -h 'bulk' "$T/fwA.log" | indent
vips
run ctl fwA pfsync0
run ctl fwB pfsync0

say "The client opens ONE connection through A and sends a line every 0.1 s"
fo_server || exit 1
echo "(for 16 s, then 20 MB at once on the same connection)"
fo_client 16 10 --bulk 20000000
wait_for 10 fo_echoed_atleast 20 || { echo "no echo through A"; exit 1; }
PORT=$(fo_client_port)
client_new
wait_for 3 fo_ct_has fwB "$PORT"
echo "conntrack table of A (the connection, created by its SYN):"
fo_ct fwA | indent
echo "conntrack table of B (the same entry, written by pfsyncd from A's"
echo "pfsync packets):"
fo_ct fwB | indent
run ctl fwB -v states
run ctl fwB stats

say "Firewall A dies: cables pulled, keepalived and pfsyncd stopped"
t0=$EPOCHREALTIME
fo_kill_A
wait_for 10 fo_master fwB
awk -v a="$t0" -v b="$EPOCHREALTIME" \
	'BEGIN { printf "B took over %.1f s after A died; ", b - a }'
vips
echo "The client's progress across the failover:"
wait_for 10 fo_echoed_atleast 55
client_new
counters fwB
EST_SYNC=$(fo_counter fwB est)
DROP_SYNC=$(fo_counter fwB policy-echo)
echo "conntrack table of B, now forwarding:"
fo_ct fwB | indent

say "Firewall A reboots (empty conntrack table) and comes back: failback"
echo "A starts demoted (the check fails: bulk update pending), gets B's"
echo "table by a bulk update, the check passes, A preempts:"
ESTA=$(fo_counter fwA est)
fo_revive_A 0xc0a8fefe || exit 1
wait_for 10 fo_master fwA
grep -h 'bulk' "$T/fwA.log" | indent
grep -h 'effective priority\|Entering MASTER' "$T/fwA.ka.log" | head -4 |
	indent
vips
echo "conntrack table of A, refilled by pfsyncd:"
fo_ct fwA | indent
echo "The client's progress across the failback:"
client_follow
client_rc
RESULT_SYNC=$(client_result)
RC_SYNC=$CLI_RC
counters fwA
ESTA=$(($(fo_counter fwA est) - ESTA))
DROP_SYNC=$((DROP_SYNC + $(fo_counter fwA policy-echo)))
fo_teardown

say "The same without pfsyncd on B (control)"
FO=c
fo_topology
fo_firewall fwA && fo_firewall fwB || exit 1
fo_pfsyncd fwA 0xc0a8fefe || exit 1
fo_keepalived fwA 200
fo_keepalived fwB 100
wait_for 15 fo_master fwA || { echo "A did not become master"; exit 1; }
fo_server || exit 1
fo_client 6 4
wait_for 10 fo_echoed_atleast 20 || { echo "no echo through A"; exit 1; }
sleep 1.2
echo "conntrack table of B before A dies (nothing: no pfsyncd):"
fo_ct fwB | indent
echo "Firewall A dies; B takes over with an empty table:"
fo_kill_A
wait_for 10 fo_master fwB
vips
client_follow
client_rc
RC_CTL=$CLI_RC
counters fwB
fo_teardown

say "Verdict"
echo "with pfsyncd, failover and failback: $RESULT_SYNC"
echo "without pfsyncd, failover:          $(grep '^result' "$T/ccli.log")"
if [ "$RC_SYNC" -eq 0 ] && [ "$EST_SYNC" -gt 0 ] && [ "$ESTA" -gt 0 ] &&
	[ "$DROP_SYNC" -eq 0 ] && [ "$RC_CTL" -ne 0 ]; then
	echo "VERDICT: PASS - the connection through A survived A's death" \
		"and return thanks to pfsyncd, and died without it"
else
	echo "VERDICT: FAIL - see above (with pfsyncd: exit $RC_SYNC," \
		"without: exit $RC_CTL)"
	exit 1
fi
