#!/bin/bash
# make demo: firewalls in network namespaces syncing their state tables
# with pfsyncd, as in the pfsync(4) manual's example: firewall A (.254) and
# firewall B (.253) on a dedicated sync link 192.168.254.0/24.
#
# The state table here is pfsyncd's memory backend, driven through
# pfsyncctl the way pf would drive it.  At the end, scripts/demo-failover.sh
# shows real Linux connections surviving a keepalived failover with the
# conntrack backend.
set -u
cd "$(dirname "$0")/.." || exit 1
export PFSYNCD=$PWD/build/pfsyncd PFSYNCCTL=$PWD/build/pfsyncctl
# shellcheck source=../tests/netns/lib.sh
source tests/netns/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces)"; exit 1; }
netns_init
export CAPTURE=1 BULK_RETRY=500

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Sync link: a bridge, firewall A 192.168.254.254, B 192.168.254.253"
netns_bridge
netns_node A 192.168.254.254
netns_node B 192.168.254.253
daemon_start A 0x0000aaaa "up syncdev sync0" || exit 1
daemon_start B 0x0000bbbb "up syncdev sync0" || exit 1
run ctl A pfsync0

say "Firewall A sees three new connections"
ctl A add tcp 192.168.0.10:40001 10.0.0.80:80 out if sis0 \
	state ESTABLISHED:ESTABLISHED >/dev/null
ctl A add tcp 192.168.0.11:40002 10.0.0.80:443 out if sis0 \
	state ESTABLISHED:ESTABLISHED >/dev/null
ctl A add udp 192.168.0.12:5353 10.0.0.53:53 out if sis0 \
	state MULTIPLE:MULTIPLE >/dev/null
ctl A add tcp 192.168.0.13:40003 10.0.0.80:22 out no-sync >/dev/null
run ctl A states
say "...and firewall B has them within the flush-delay (the no-sync one stays on A)"
wait_for 5 test "$(nstates B)" -eq 3
run ctl B states

say "Churn on A: 20000 state changes per second for 3 seconds"
run ctl A churn 20000 3 max 5000
sleep 4.5
printf 'states on A: %s   on B: %s\n' "$(nstates A)" "$(nstates B)"

say "Firewall C boots late and asks for a bulk update"
netns_node C 192.168.254.252
daemon_start C 0x0000cccc "up syncdev sync0" || exit 1
bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
wait_for 15 bulk_done C
run ctl C pfsync0
printf 'states on A: %s   on B: %s   on C: %s\n' "$(nstates A)" "$(nstates B)" "$(nstates C)"

say "What A sent, as pfsync0 showed it (pfsyncctl decode of the capture)"
"$PFSYNCCTL" decode -v "$T/A.pcap" | head -n 14
say "Counters of B (netstat -s -p pfsync wording)"
run ctl B stats

say "Failover: firewall A dies"
kill "$(daemon_pid A)"
printf 'states A created, still held by B: %s, by C: %s\n' \
	"$(ctl B -j states | grep -o '"creatorid": *"0000aaaa"' | wc -l)" \
	"$(ctl C -j states | grep -o '"creatorid": *"0000aaaa"' | wc -l)"
say "done"

# Part two: real connections through keepalived firewalls surviving a
# failover (pfsyncd with backend conntrack); its own namespaces and cleanup.
say "Part two: the pfsync(4) failover example with keepalived and conntrack"
bash scripts/demo-failover.sh
