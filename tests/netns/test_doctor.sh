#!/bin/bash
# test_doctor.sh - `pfsyncctl doctor` says in words what is wrong with a
# running node, each cause made for real:
#   - two healthy peers: syncdev up, peer heard, bulk done, no counter;
#     the memory backend is named as not syncing the kernel (exit 1);
#   - the conntrack backend unsealed: the pinhole warning;
#   - protocol 240 dropped by an nftables rule on the node: after a few
#     seconds "no peer heard ... IP protocol 240 dropped";
#   - packets with TTL 64: "a router between the peers";
#   - the syncdev down: FAIL naming it;
#   - -j: one object, a finding per check, the count of problems.
source "$(dirname "$0")/lib.sh"
netns_init
D=$(dirname "$0")

netns_bridge
netns_node A 10.38.0.1
netns_node B 10.38.0.2
netns_node C 10.38.0.3
daemon_start A 0x0a000001
daemon_start B 0x0a000002
wait_for 10 bulk_done A
wait_for 10 bulk_done B
ctl A add tcp 10.1.0.1:1000 10.2.0.2:80 out >/dev/null
sleep 0.5

doc() { ctl "$1" doctor 2>&1; }
says() { # NAME PATTERN: doctor on NAME prints a line matching PATTERN
	doc "$1" | grep -qE -- "$2"
}
doc B | sed 's/^/# B: /'
check "B: the syncdev is up" says B '^ok +syncdev +sync0 (up|unknown), mtu'
check "B: peer A heard" says B '^ok +peer +10\.38\.0\.1 heard'
check "B: bulk done" says B '^ok +bulk +bulk update done'
check "B: no packet refused" says B '^ok +counters'
check "B: memory backend named" says B '^warn +backend +backend memory'
check "B: exit 1 with a finding not ok" bash -c "! $PFSYNCCTL -s $T/B.sock doctor >/dev/null 2>&1"
check "-j: findings and problems" bash -c "$PFSYNCCTL -s $T/B.sock -j doctor 2>/dev/null |
	$PY -c 'import json,sys; o=json.load(sys.stdin)
assert o[\"problems\"] >= 1, o
assert any(f[\"check\"] == \"peer\" and f[\"level\"] == \"ok\" for f in o[\"findings\"]), o'"

# TTL 64 from A's address: a router in the path
ip netns exec "$(ns A)" $PY "$D/pfsend.py" 10.38.0.2 64 ins-v3 >/dev/null
check "B: TTL below 255 explained" wait_for 5 says B '^warn +counters +[0-9]+ pfsync packets with a TTL below 255'

# C drops protocol 240 on input: hears nobody
ip netns exec "$(ns C)" nft -f - <<'NFT'
table inet doctortest {
  chain in { type filter hook input priority filter; ip protocol 240 drop; }
}
NFT
daemon_start C 0x0a000003
check "C: nobody heard, protocol 240 named" \
	wait_for 15 says C '^FAIL +peer +no peer heard in [0-9]+ s.*IP protocol 240 dropped'

# the syncdev down
ip netns exec "$(ns B)" ip link set sync0 down
check "B: syncdev down" wait_for 5 says B '^FAIL +syncdev +sync0 is down'
ip netns exec "$(ns B)" ip link set sync0 up

# conntrack backend, unsealed
netns_node E 10.38.0.5
BACKEND=conntrack daemon_start E 0x0a000005
check "E: unsealed conntrack warned" says E '^warn +security +unsealed with the conntrack backend'
check "daemons healthy" daemons_healthy
