#!/bin/bash
# bench_restart.sh - a hitless restart (issue 16 item 5): pfsyncd on B
# restarts while B's kernel keeps N entries of A's (default 1 000 000),
# `provenance mark` in use, and A changes C of them meanwhile (default
# 1000).  Twice in the same run, on the same table:
#   digest: the stock restart, a digest exchange and the repair of what
#           differs (pfsyncd(8) ANTI-ENTROPY);
#   bulk:   the same restart with `digest off` on B: a full bulk update.
# Printed for each: time from B's start to synced (`bulk: done`) and to
# B's kernel holding exactly A's count, bytes and packets on the sync
# link (both directions), kernel writes on B and on A.  Figures are
# printed, never asserted; the machine is shared, so they are noisy.
#
#   N=1000000 C=1000 bash tests/bench/bench_restart.sh
set -u
TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
export PFSYNCD=${PFSYNCD:-$TOPDIR/build/pfsyncd}
source "$TOPDIR/tests/netns/lib.sh"
netns_init
N=${N:-1000000}
C=${C:-1000}
WAIT=${WAIT:-300}
INJ=$TOPDIR/build/bench/ct_inject
[ -x "$INJ" ] || { echo "no $INJ: run make first"; exit 1; }
[ -x "$PFSYNCD" ] || { echo "no $PFSYNCD: run make first"; exit 1; }

# the conntrack table is global: room for A's and B's N (bench_conntrack.sh)
CTMAX=/proc/sys/net/netfilter/nf_conntrack_max
HSIZE=/sys/module/nf_conntrack/parameters/hashsize
ct_old=$(cat $CTMAX)
ct_new=$((2 * N + 10000))
hs_old=$(cat $HSIZE 2>/dev/null || echo 0)
hs_new=$((2 * N))
bench_cleanup() {
	local rc=$?
	[ "$ct_old" -lt "$ct_new" ] && [ "$(cat $CTMAX)" = "$ct_new" ] &&
		echo "$ct_old" >$CTMAX
	[ "$hs_old" -gt 0 ] && [ "$hs_old" -lt "$hs_new" ] &&
		echo "$hs_old" >$HSIZE
	(exit $rc)
	netns_cleanup
}
trap bench_cleanup EXIT
[ "$ct_old" -lt "$ct_new" ] && echo "$ct_new" >$CTMAX
[ "$hs_old" -gt 0 ] && [ "$hs_old" -lt "$hs_new" ] && echo "$hs_new" >$HSIZE

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
count() { ip netns exec "$(ns "$1")" cat /proc/sys/net/netfilter/nf_conntrack_count; }
same_count() { [ "$(count a)" -eq "$(count b)" ]; }
link() { ip netns exec "$(ns "$1")" cat "/sys/class/net/sync0/statistics/$2"; }
wire() { echo $(($(link a "$1") + $(link b "$1"))); }
jget() { json_field "$1" "$2" stats 2>/dev/null || echo 0; }

netns_add a
netns_add b
netns_link a sync0 10.97.0.1/24 b sync0 10.97.0.2/24
pfsync_notrack a b || { echo "nft notrack failed"; exit 1; }
export BACKEND=conntrack BULK_RETRY=5000
BASE_CONF="provenance mark 0x80000000"
export EXTRA_CONF=$BASE_CONF
daemon_start a 0x0a000001 || exit 1
daemon_start b 0x0a000002 || exit 1
wait_for 30 bulk_done a
wait_for 30 bulk_done b
echo "A: $(ip netns exec "$(ns a)" "$INJ" insert "$N")"
t0=$(now)
wait_for "$WAIT" same_count || { echo "B never held A's $N"; exit 1; }
echo "B holds A's $(count b) entries after $(since "$t0") s"

# restart MODE CHANGE: B's pfsyncd stopped, A changes C entries (ct_inject
# CHANGE C), B's pfsyncd started again in MODE
restart() {
	local mode=$1 change=$2 b0 p0 wa0 t0 tsync tsame
	daemon_stop b >/dev/null || true
	echo "A, B down: $(ip netns exec "$(ns a)" "$INJ" "$change" "$C")"
	export EXTRA_CONF=$BASE_CONF
	[ "$mode" = bulk ] && EXTRA_CONF="$BASE_CONF
digest off"
	b0=$(wire tx_bytes)
	p0=$(wire tx_packets)
	wa0=$(jget a ct_ok)
	t0=$(now)
	daemon_start b 0x0a000002 || exit 1
	wait_for "$WAIT" bulk_done b
	tsync=$(since "$t0")
	wait_for "$WAIT" same_count
	tsame=$(since "$t0")
	sleep 5 # what follows synced (sweeps, repairs) counted too
	echo "restart ($mode), $(count b) entries kept: synced in $tsync s," \
		"kernel counts equal in $tsame s;" \
		"$((($(wire tx_bytes) - b0) / 1024)) KiB," \
		"$(($(wire tx_packets) - p0)) packets on the sync link;" \
		"kernel writes: B $(jget b ct_ok), A $(($(jget a ct_ok) - wa0));" \
		"B: $(jget b dig_confirmed) confirmed, $(jget b dig_states_repaired) repaired," \
		"$(jget b dig_swept) swept, $(jget b ct_adopted) adopted (listing or bulk), $(jget b rel_swept) swept by a bulk"
}
restart digest delete
restart bulk insert
echo "(each restart: B's link counters include its start; noisy, shared machine)"
