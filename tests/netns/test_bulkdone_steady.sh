#!/bin/bash
# test_bulkdone_steady.sh - `pfsyncctl bulk-done` on a backup that has its
# bulk update says "done" and keeps saying it while ordinary sync traffic
# flows (issue 16): a burst of peer states waiting for the kernel writer
# after the bulk is not "not in sync".  keepalived's check (fall 1) would
# demote the node on a single failed answer.  The first bulk, by contrast,
# is done only once its states are in the kernel: fwB started after fwA
# holds N entries answers "done" only with all N written.
source "$(dirname "$0")/lib.sh"
netns_init
N=${N:-20000}
INJ=$TOP/build/bench/ct_inject
[ -x "$INJ" ] || fail "no $INJ: run make build-tests"

CTMAX=/proc/sys/net/netfilter/nf_conntrack_max
ct_old=$(cat $CTMAX)
ct_new=$((2 * N + 1000))
steady_cleanup() {
	local rc=$?
	[ "$ct_old" -lt "$ct_new" ] && [ "$(cat $CTMAX)" = "$ct_new" ] &&
		echo "$ct_old" >$CTMAX
	(exit $rc)
	netns_cleanup
}
trap steady_cleanup EXIT
[ "$ct_old" -lt "$ct_new" ] && echo "$ct_new" >$CTMAX

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.33.0.1
netns_node fwB 10.33.0.2
pfsync_notrack fwA fwB || fail "nft notrack"
count() { ip netns exec "$(ns "$1")" cat /proc/sys/net/netfilter/nf_conntrack_count; }
inject() { ip netns exec "$(ns fwA)" "$INJ" "$@"; }

daemon_start fwA 0x0a000001
wait_for 10 bulk_done fwA
echo "# $(inject insert "$N")"
daemon_start fwB 0x0a000002
wait_for 60 bulk_done fwB
check "fwB is done only with the bulk's $N entries in its kernel" \
	[ "$(count fwB)" -ge "$N" ]

# poll bulk-done on fwB as keepalived would, only faster, while fwA
# changes, deletes and makes again the N entries
fails=$T/fails
: >"$fails"
(
	while [ ! -e "$T/stop" ]; do
		ctl fwB bulk-done >/dev/null 2>>"$fails" || echo x >>"$fails"
		sleep 0.02
	done
) &
POLLER=$!
PIDS+=("$POLLER")
echo "# $(inject update "$N" FIN_WAIT)"
echo "# $(inject delete "$N")"
wait_for 120 count_is 0 count fwB
echo "# $(inject insert "$N")"
check "fwB's kernel holds the $N entries made again" \
	wait_for 120 count_is "$N" count fwB
touch "$T/stop"
wait "$POLLER"
DEAD_PIDS="${DEAD_PIDS:-} $POLLER"
nf=$(grep -c '^x' "$fails")
echo "# bulk-done failed $nf times during the traffic"
grep -v '^x' "$fails" | sort | uniq -c | head -5
check "bulk-done never failed under ordinary sync traffic" [ "$nf" -eq 0 ]
check "daemons healthy" daemons_healthy

