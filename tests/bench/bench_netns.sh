#!/bin/bash
# bench_netns.sh - two optimised pfsyncd in namespaces joined by a veth;
# A churns states at a series of rates (with latency stamps), B applies
# them.  Prints, per rate: changes made on A and applied on B per second,
# packets and bytes per second on the wire, CPU of each daemon, and the
# change-to-apply delay (p50, p99, max) from B's latency histogram.
# Figures are printed, never asserted.  The rows are run once per sync
# link MTU (default 1500, then 9000: maxcount 8, as pfsync clamps the
# packet to 2048 bytes), and the max sustained rate of each is printed.
#
#   RATES="200000 1000000" SECS=4 MAXLIVE=100000 MTUS="1500 9000" \
#	bash tests/bench/bench_netns.sh
set -u
export PFSYNCD=${PFSYNCD:-$(cd "$(dirname "$0")/../.." && pwd)/build/pfsyncd}
source "$(dirname "$0")/../netns/lib.sh"
netns_init

RATES=${RATES:-100000 200000 300000 400000 500000 700000 1000000}
SECS=${SECS:-4}
MAXLIVE=${MAXLIVE:-100000}
MTUS=${MTUS:-${MTU:-1500 9000}}
PY=/usr/bin/python3
HZ=$(getconf CLK_TCK)

[ -x "$PFSYNCD" ] || { echo "no $PFSYNCD: run make first"; exit 1; }

# a veth straight between the two nodes: no bridge on the path
veth_pair() {
	netns_add a
	netns_add b
	netns_link a sync0 10.99.0.1/24 b sync0 10.99.0.2/24
}

set_mtu() {
	ip -n "$(ns a)" link set sync0 mtu "$1"
	ip -n "$(ns b)" link set sync0 mtu "$1"
}

# utime + stime of a process, in clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# "packets bytes" sent on sync0 in node $1
tx_counters() {
	ip netns exec "$(ns "$1")" sh -c \
		'cat /sys/class/net/sync0/statistics/tx_packets \
		     /sys/class/net/sync0/statistics/tx_bytes' | tr '\n' ' '
}

# json_get NODE KEY: one number from `stats -j`
json_get() {
	ctl "$1" -j stats | $PY -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

applied_total() {
	ctl b -j stats | $PY -c "import json,sys; j=json.load(sys.stdin); \
print(j['applied_ins'] + j['applied_upd'] + j['applied_del'])"
}

churn_done() { ctl a -v stats | grep -q '^churn: done'; }

now_s() { date +%s.%N; }

# one run at rate $1: prints a result line
bench_rate() {
	local rate=$1 t0 t1 ca0 cb0 ca1 cb1 tx0 tx1 ap0 ap1 mk0 mk1 lat
	ctl b latency reset
	ap0=$(applied_total)
	mk0=0 # each run is a new generator, counting from 0
	tx0=$(tx_counters a)
	ca0=$(cpu_ticks "$(daemon_pid a)")
	cb0=$(cpu_ticks "$(daemon_pid b)")
	t0=$(now_s)
	ctl a churn "$rate" "$SECS" max "$MAXLIVE" stamp >/dev/null
	wait_for $((SECS + 10)) churn_done
	mk1=$(json_get a churn_made)
	# the last partial packet leaves on the 1 s flush timer
	sleep 1.2
	t1=$(now_s)
	ap1=$(applied_total)
	tx1=$(tx_counters a)
	ca1=$(cpu_ticks "$(daemon_pid a)")
	cb1=$(cpu_ticks "$(daemon_pid b)")
	lat=$(ctl b -j latency)
	$PY - "$rate" "$SECS" "$t0" "$t1" "$mk0" "$mk1" "$ap0" "$ap1" \
		"$tx0" "$tx1" "$ca0" "$ca1" "$cb0" "$cb1" "$HZ" "$lat" <<'PYEOF'
import json, sys
a = sys.argv[1:]
rate, secs = int(a[0]), int(a[1])
wall = float(a[3]) - float(a[2])
made = int(a[5]) - int(a[4])
applied = int(a[7]) - int(a[6])
tx0, tx1 = [int(x) for x in a[8].split()], [int(x) for x in a[9].split()]
hz = int(a[14])
cpua = (int(a[11]) - int(a[10])) / hz
cpub = (int(a[13]) - int(a[12])) / hz
lat = json.loads(a[15])
pkts, byts = tx1[0] - tx0[0], tx1[1] - tx0[1]
print(f"{rate:>9} {made / secs:>10.0f} {applied / secs:>10.0f} "
      f"{pkts / secs:>8.0f} {byts / secs / 1e6:>7.1f} "
      f"{100 * cpua / wall:>5.0f}% {100 * cpub / wall:>5.0f}% "
      f"{lat['p50_us']:>8} {lat['p99_us']:>8} {lat['max_us']:>8}"
      f" {applied / max(made, 1) * 100:>6.1f}%")
PYEOF
	# start the next rate from empty tables (CLR to the peer)
	ctl a flush >/dev/null
	wait_for 5 test "$(nstates b)" -eq 0
}

# max_sustained FILE: the best applied rate where the generator kept up
# (>= 97 % of the rate) and B applied >= 99 % of what A made
max_sustained() {
	awk '$2 >= 0.97 * $1 && $11 + 0 >= 99 && $3 > best { best = $3; r = $1 }
		END { if (r) printf "%d changes/s applied on B (rate %d)\n",
			best, r; else print "none" }' "$1"
}

# both must have finished their start-up bulk updates before we measure
bulk_done() { ctl a pfsync0 | grep -q 'bulk: done' &&
	ctl b pfsync0 | grep -q 'bulk: done'; }

# one row set: both daemons started on a sync link of MTU $1
bench_mtu() {
	local mtu=$1 r
	set_mtu "$mtu"
	daemon_start a 0x0a000001 || exit 1
	daemon_start b 0x0a000002 || exit 1
	wait_for 10 bulk_done || echo "note: bulk updates not done"
	echo
	echo "pfsyncd over a veth (MTU $mtu: $(ctl a pfsync0 | head -1)), churn" \
		"on A for ${SECS}s per rate, at most $MAXLIVE live states; per" \
		"second over the churn time; CPU over the run + 1.2 s tail;" \
		"delays (us) on B (inserts and updates; deletes carry no stamp)"
	# figures fall when other work shares the 2 cores: say how busy it was
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%9s %10s %10s %8s %7s %6s %6s %8s %8s %8s %7s\n' \
		"rate" "made/s" "applied/s" "pkts/s" "MB/s" "cpuA" "cpuB" \
		"p50" "p99" "max" "appl%"
	: >"$T/results.$mtu"
	for r in $RATES; do
		bench_rate "$r" | tee -a "$T/results.$mtu"
	done
	echo "max sustained (MTU $mtu): $(max_sustained "$T/results.$mtu")"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	for n in a b; do
		kill -0 "$(daemon_pid $n)" 2>/dev/null || echo "daemon $n died"
	done
	for n in a b; do
		echo "== $n"
		ctl "$n" -v stats | sed -n '/^pfsyncd:/,$p'
	done
	daemon_stop a
	daemon_stop b
}

veth_pair
for m in $MTUS; do
	bench_mtu "$m"
done
echo
for m in $MTUS; do
	echo "max sustained, MTU $m: $(max_sustained "$T/results.$m")"
done
exit 0
