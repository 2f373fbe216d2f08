#!/bin/bash
# test_cluster_unicast6: a unicast cluster of three over IPv6, then over
# UDP (issue 20 item 4; test_cluster_unicast.sh does it over IPv4 raw with
# conntrack).
# Each node names the two others by their IPv6 address in `peer` lines
# and syncs by raw IPv6, next header 240: a state made on one node
# reaches the two others, in both directions, and nothing goes to a
# group (ff12::f0, 224.0.0.240).  Each node counts, per peer, the packets
# it sent and received; one node's IPv4 packets, from an address that is
# not its peer line, are dropped and counted by the others.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init

netns_bridge
netns_node A 10.93.0.1 fd93::1
netns_node B 10.93.0.2 fd93::2
netns_node C 10.93.0.3 fd93::3

# cl_peers X: the peer lines of node X (the two others)
cl_peers() {
	local n
	for n in 1 2 3; do
		[ "$n" = "$1" ] || echo "peer fd93::$n"
	done
}

# cl_groups X: an nft counter of what X sends to a pfsync group
cl_groups() {
	ip netns exec "$(ns "$1")" nft -f - <<'NFT'
table inet mcount {
	chain out {
		type filter hook output priority 0;
		ip daddr 224.0.0.240 counter comment "group"
		ip6 daddr ff00::/8 meta l4proto 240 counter comment "group"
		ip6 daddr fd93::/64 meta l4proto 240 counter comment "unicast6"
	}
}
NFT
}

# cl_sent X WHICH: packets X sent, by the counters named WHICH
cl_sent() {
	ip netns exec "$(ns "$1")" nft list chain inet mcount out |
		awk -v c="\"$2\"" '$NF == c {
			for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)
		} END { print s + 0 }'
}

# cl_stat X KEY: a value of X's `pfsyncctl -v -j stats` (jq path KEY)
cl_stat() { ctl "$1" -v -j stats | jq -r "$2 // 0"; }

i=1
for x in A B C; do
	cl_groups "$x" || fail "nft counters on $x"
	EXTRA_CONF=$(cl_peers "$i") daemon_start "$x" "0x0a00000$i" \
		up syncdev sync0 || fail "start $x"
	i=$((i + 1))
done
for x in A B C; do
	check "$x's startup bulk is done" wait_for 15 bulk_done "$x"
done

ia=$(ctl A add tcp 10.8.5.1:1000 10.9.5.1:80) || fail "add on A"
ic=$(ctl C add udp 10.8.6.1:53 10.9.6.1:53) || fail "add on C"
for x in B C; do
	check "A's state reached $x over IPv6" \
		wait_for 10 field_is "$x" "0a000001:$ia" dst_state ESTABLISHED
done
for x in A B; do
	check "C's state reached $x over IPv6" \
		wait_for 10 field_is "$x" "0a000003:$ic" proto udp
done
ctl A kill "$ia" >/dev/null || fail "kill on A"
check "A's kill reached C" \
	wait_for 10 eval '[ -z "$(state_field C "0a000001:$ia" proto)" ]'

for x in A B C; do
	echo "# $x: $(cl_sent "$x" unicast6) unicasts," \
		"$(cl_sent "$x" group) to a group; per peer (rx/tx):" \
		"$(ctl "$x" -v -j stats | jq -rc '[to_entries[] |
			select(.value | type == "object" and has("peer_rx")) |
			"\(.key) \(.value.peer_rx)/\(.value.peer_tx)"] | join(", ")')"
	check "$x sent nothing to a group" test "$(cl_sent "$x" group)" -eq 0
	check "$x counts packets received over IPv6" \
		test "$(cl_stat "$x" .ipackets6)" -gt 0
done
check "A sent to and heard from fd93::3" \
	test "$(cl_stat A '."fd93::3".peer_rx')" -gt 0 -a \
	"$(cl_stat A '."fd93::3".peer_tx')" -gt 0

# A names 10.93.0.2 too: B drops its IPv4 packets (not a peer line)
sed -i 's/^peer fd93::2$/peer fd93::2\npeer 10.93.0.2/' "$T/A.conf"
ctl A reload >/dev/null || fail "reload A"
check "B drops A's IPv4 packets, from no peer of its own" \
	wait_for 10 eval '[ "$(cl_stat B .unicast_unknown)" -gt 0 ]'
check "every daemon healthy" daemons_healthy

# The same cluster over UDP (IPv4), restarted: A names B as its
# syncpeer and C in a peer line, B and C name the two others in peer
# lines.  Each node's state reaches the others (A answers C as it answers
# its syncpeer) and each counts every peer's datagrams.
for x in A B C; do daemon_stop "$x" >/dev/null || fail "stop $x"; done
UDP="transport udp port 8249 unsealed"
EXTRA_CONF="$UDP
peer 10.93.0.3" daemon_start A 0x0a000011 up syncdev sync0 \
	syncpeer 10.93.0.2 || fail "restart A over UDP"
EXTRA_CONF="$UDP
peer 10.93.0.1
peer 10.93.0.3" daemon_start B 0x0a000012 up syncdev sync0 ||
	fail "restart B over UDP"
EXTRA_CONF="$UDP
peer 10.93.0.1
peer 10.93.0.2" daemon_start C 0x0a000013 up syncdev sync0 ||
	fail "restart C over UDP"
for x in A B C; do
	check "UDP: $x's startup bulk is done" wait_for 15 bulk_done "$x"
done
ia=$(ctl A add tcp 10.8.7.1:1000 10.9.7.1:80) || fail "add on A"
ic=$(ctl C add udp 10.8.8.1:53 10.9.8.1:53) || fail "add on C"
for x in B C; do
	check "UDP: A's state reached $x" \
		wait_for 10 field_is "$x" "0a000011:$ia" dst_state ESTABLISHED
done
for x in A B; do
	check "UDP: C's state reached $x" \
		wait_for 10 field_is "$x" "0a000013:$ic" proto udp
done
for x in A B C; do
	i=${x/A/1}; i=${i/B/2}; i=${i/C/3}
	for j in 1 2 3; do
		[ "$j" = "$i" ] && continue
		rx=$(cl_stat "$x" ".\"10.93.0.$j\".peer_rx")
		tx=$(cl_stat "$x" ".\"10.93.0.$j\".peer_tx")
		echo "# UDP: $x peer 10.93.0.$j: received $rx, sent $tx"
		check "UDP: $x counts 10.93.0.$j's datagrams both ways" \
			test "$rx" -gt 0 -a "$tx" -gt 0
	done
done
check "every daemon healthy after the restarts" daemons_healthy
