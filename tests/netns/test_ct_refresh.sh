#!/bin/bash
# test_ct_refresh.sh - a peer's copy lives as long as the connection: a
# UDP flow from fwA (one datagram every 2 s, never answered, so the kernel
# keeps refreshing its 30 s timeout without sending any event) stays in
# fwB's kernel table well past 30 s, because fwA's refresh scan re-reads
# the entry near the expiry fwB holds and announces it again; once the
# flow stops, the entry ends on both.  No full dump is made meanwhile.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.33.0.1
netns_node fwB 10.33.0.2
for n in fwA fwB; do
	ip netns exec "$(ns "$n")" nft -f - <<'NFT'
table inet pfsync_notrack {
  chain pre { type filter hook prerouting priority raw; ip protocol 240 notrack; }
  chain out { type filter hook output priority raw; ip protocol 240 notrack; }
}
table inet fw {
  chain out { type filter hook output priority filter; ct state new accept; }
}
NFT
	ip netns exec "$(ns "$n")" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30
done
FLOW=(-p udp -s 10.33.0.1 -d 10.33.0.99 --sport 40999 --dport 9999)
has() { ip netns exec "$(ns "$1")" conntrack -L "${FLOW[@]}" 2>/dev/null | grep -q .; }
hasnt() { ! has "$@"; }
ctval() { json_field "$1" "$2" stats; }

# the flow is fwA's own (from its address): synced only without the
# default `ignore address auto`
EXTRA_CONF="ignore address none" daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB

# the flow: 10.33.0.99 does not exist, so nothing ever answers
ip netns exec "$(ns fwA)" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.33.0.1", 40999))
for i in range(25):
	s.sendto(b"x", ("10.33.0.99", 9999))
	time.sleep(2)' &
FLOWPID=$!
PIDS+=("$FLOWPID")
check "the flow's entry reaches fwB" wait_for 10 has fwB
t0=$(date +%s)
sleep 45
check "fwB still holds it 45 s later (30 s timeout, refreshed by fwA)" has fwB
echo "# fwA: $(ctval fwA ct_gets) entries re-read, $(ctval fwA ct_refreshed) refreshes announced, $(ctval fwA ct_resyncs) dumps"
check "fwA re-read the entry near its expiry" \
	bash -c "[ $(ctval fwA ct_gets) -ge 1 ]"
check "fwA announced it again" bash -c "[ $(ctval fwA ct_refreshed) -ge 1 ]"
check "no dump was needed" count_is 0 ctval fwA ct_resyncs
wait "$FLOWPID"
DEAD_PIDS="${DEAD_PIDS:-} $FLOWPID"
check "the flow over, the entry ends on fwA" wait_for 40 hasnt fwA
check "... and on fwB" wait_for 20 hasnt fwB
echo "# flow lasted $(($(date +%s) - t0)) s after it reached fwB"
check "daemons healthy" daemons_healthy
