#!/bin/bash
# bench_bulk.sh - a bulk update of N states (default 1 000 000) between
# two optimised pfsyncd in namespaces joined by a veth, at the stock pace
# (bulk-pace 64, bulk-tick 1) and MTU 1500.  A fills its table (churn
# fill), then B starts empty: printed are the time from B's start to
# "bulk: done", B's state count then, the kernel drops on B's socket, the
# packets sent by A and the CPU of both daemons.  Also `pfsyncctl states`
# of the whole table (streamed).  Figures are printed, never asserted.
#
#   N=1000000 PACE=64 bash tests/bench/bench_bulk.sh
set -u
export PFSYNCD=${PFSYNCD:-$(cd "$(dirname "$0")/../.." && pwd)/build/pfsyncd}
source "$(dirname "$0")/../netns/lib.sh"
netns_init

N=${N:-1000000}
PACE=${PACE:-}
PY=/usr/bin/python3
HZ=$(getconf CLK_TCK)
[ -x "$PFSYNCD" ] || { echo "no $PFSYNCD: run make first"; exit 1; }

# a veth straight between the nodes, made in them (lib.sh)
netns_add a
netns_add b
netns_link a sync0 10.98.0.1/24 b sync0 10.98.0.2/24
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
jget() { ctl "$1" -j stats | $PY -c \
	"import json,sys; print(json.load(sys.stdin)['$2'])"; }
churn_done() { ctl a -v stats | grep -q '^churn: done'; }

export BULK_RETRY=5000
[ -n "$PACE" ] && export EXTRA_CONF="bulk-pace $PACE"
export BACKEND=memory
daemon_start a 0x0a000001 || exit 1
wait_for 90 bulk_done a || { echo "A: no bulk done"; exit 1; }
t0=$(now_ms)
ctl a churn 1000000 60 max "$N" fill >/dev/null
wait_for 60 churn_done
echo "A filled with $(jget a churn_made) states in $(($(now_ms) - t0)) ms"
t0=$(now_ms)
n=$(nstates a)
echo "pfsyncctl states of A: $n lines in $(($(now_ms) - t0)) ms (streamed)"

tx0=$(ip netns exec "$(ns a)" cat /sys/class/net/sync0/statistics/tx_packets)
ca0=$(cpu_ticks "$(daemon_pid a)")
t0=$(now_ms)
daemon_start b 0x0a000002 || exit 1
wait_for 120 bulk_done b
t1=$(now_ms)
cb=$(cpu_ticks "$(daemon_pid b)")
ca1=$(cpu_ticks "$(daemon_pid a)")
tx1=$(ip netns exec "$(ns a)" cat /sys/class/net/sync0/statistics/tx_packets)
nb=$(ctl b pfsync0 | sed -n 's/.*states: \([0-9]*\).*/\1/p')
echo "bulk of $N states at bulk-pace ${PACE:-64 (stock)}, MTU 1500:"
echo "  B done in $((t1 - t0)) ms after its start, holding $nb states"
echo "  packets sent by A: $((tx1 - tx0)); kernel drops on B:" \
	"$(jget b kernel_drops); B asked again after a loss:" \
	"$(jget b bulk_lossy) times"
# B's log: from its bulk request to the end of the transfer
$PY - "$T/b.log" <<'PYEOF'
import re, sys
from datetime import datetime
t = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+ \S+) .*(waiting for a bulk update|bulk update finished)", line)
    if m and m.group(2) not in t:
        t[m.group(2)] = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
if len(t) == 2:
    d = t["bulk update finished"] - t["waiting for a bulk update"]
    print(f"  request to end of transfer (B's log): {d.total_seconds() * 1000:.0f} ms")
PYEOF
echo "  CPU: A $(((ca1 - ca0) * 1000 / HZ)) ms, B $((cb * 1000 / HZ)) ms"
