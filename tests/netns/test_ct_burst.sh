#!/bin/bash
# test_ct_burst.sh - a burst of N (default 300 000) TCP entries written
# into fwA's conntrack table by a batch writer (build/bench/ct_inject,
# faster than any real firewall makes them) leaves fwB's kernel table
# equal to fwA's, with stock settings; then the same for a TCP state
# change of every entry and for their deletion.  Timings are printed,
# never asserted.  nf_conntrack_max is a global limit: raised on the
# host when below N and put back on exit (linux-conntrack.md).
source "$(dirname "$0")/lib.sh"
netns_init
N=${N:-300000}
INJ=$TOP/build/bench/ct_inject
[ -x "$INJ" ] || fail "no $INJ: run make build-tests"

CTMAX=/proc/sys/net/netfilter/nf_conntrack_max
ct_old=$(cat $CTMAX)
ct_new=$((N + N / 4 + 1000))
burst_cleanup() {
	local rc=$?
	[ "$rc" -ne 0 ] && diag
	[ "$ct_old" -lt "$ct_new" ] && [ "$(cat $CTMAX)" = "$ct_new" ] &&
		echo "$ct_old" >$CTMAX
	(exit $rc)
	netns_cleanup
}
trap burst_cleanup EXIT
[ "$ct_old" -lt "$ct_new" ] && echo "$ct_new" >$CTMAX

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.31.0.1
netns_node fwB 10.31.0.2
pfsync_notrack fwA fwB || fail "nft notrack"

count() { ip netns exec "$(ns "$1")" cat /proc/sys/net/netfilter/nf_conntrack_count; }
# the entries of a node: original tuple and TCP state, sorted
entries() {
	ip netns exec "$(ns "$1")" conntrack -L -p tcp 2>/dev/null |
		awk '{ print $4, $5, $6, $7, $8 }' | sort
}
nstate() { # NODE STATE: entries in that TCP state
	ip netns exec "$(ns "$1")" conntrack -L -p tcp 2>/dev/null |
		grep -c " $2 "
}
inject() { ip netns exec "$(ns fwA)" "$INJ" "$@"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# on a failure: where the entries went
diag() {
	local n
	for n in fwA fwB; do
		echo "# $n: kernel $(count "$n"), mirror $(nstates "$n")"
		ctl "$n" -v stats | grep -E 'IPv4|inserts|updates|deletes|kernel|events|overrun|resync|re-read|gone|batch|lost' | tr -s '\t\n' '  '
		echo
	done
}

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB

t0=$(now)
echo "# $(inject insert "$N")"
check "fwB's kernel holds all $N entries" \
	wait_for "${WAIT:-300}" count_is "$N" count fwB
echo "# insert: fwB complete $(took "$t0") s after the burst began"
check "fwB's entries equal fwA's" [ "$(entries fwA)" = "$(entries fwB)" ]

t0=$(now)
echo "# $(inject update "$N" FIN_WAIT)"
check "every entry on fwB is FIN_WAIT" \
	wait_for "${WAIT:-300}" count_is "$N" nstate fwB FIN_WAIT
echo "# update: fwB complete $(took "$t0") s after the burst began"
check "fwB's entries equal fwA's after the update" \
	[ "$(entries fwA)" = "$(entries fwB)" ]

t0=$(now)
echo "# $(inject delete "$N")"
check "fwB's kernel is empty again" wait_for "${WAIT:-300}" count_is 0 count fwB
echo "# delete: fwB empty $(took "$t0") s after the burst began"

for n in fwA fwB; do
	echo "# $n: $(ctl "$n" -v stats | grep -E 'overrun|resync|kernel writes|dropped|lost' | tr -s '\t\n' '  ')"
done
check "daemons healthy" daemons_healthy
