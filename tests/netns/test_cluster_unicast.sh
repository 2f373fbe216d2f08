#!/bin/bash
# test_cluster_unicast: a cluster beyond two over unicast (issue 20 item
# 4).  test_cluster.sh's three active firewalls with conntrack and real
# flows, but no multicast: each node names the two others with `peer`
# lines (raw IP protocol 240, sealed), so every packet goes to each peer
# by unicast.  Each node must hold every other node's states; then fw3
# dies (pfsyncd stopped, cables pulled) and its connections, moved to
# fw1, go on without a reset, as over multicast.
#
# Beyond test_cluster: not one packet goes to 224.0.0.240 (an nft counter
# in each node's output hook), every node sent to and heard from each
# peer (its per-peer counters in `pfsyncctl stats -v`), and a stranger on
# the sync link, not a peer, is dropped and counted (unicast_unknown)
# instead of being applied.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"
# shellcheck source=cluster-lib.sh
source "$(dirname "$0")/cluster-lib.sh"

SECS=${SECS:-8}
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 600 "$T/key"

# every node but fwK, by its sync address, and the key
cl_conf() {
	local j
	for j in $(seq 1 "$2"); do
		[ "$j" = "$1" ] || echo "peer 192.168.254.$j"
	done
	echo "key \"$T/key\""
	echo 'cluster "ucast"'
}

# cl_fw_more K: nft counters of what fwK sends to the pfsync group and of
# its protocol 240 unicasts
cl_fw_more() {
	ip netns exec "$(fo_ns "fw$1")" nft -f - <<'NFT'
table ip mcount {
	chain out {
		type filter hook output priority 0;
		ip daddr 224.0.0.240 counter comment "group"
		ip protocol 240 ip daddr 192.168.254.0/24 counter comment "unicast"
	}
}
NFT
}

# cl_deaf K add|delete: fwK takes no protocol 240 packet from fw1, or
# again
cl_deaf() {
	if [ "$2" = add ]; then
		ip netns exec "$(fo_ns "fw$1")" nft -f - <<'NFT'
table ip deaf {
	chain in {
		type filter hook input priority -400;
		ip saddr 192.168.254.1 ip protocol 240 drop
	}
}
NFT
	else
		ip netns exec "$(fo_ns "fw$1")" nft delete table ip deaf
	fi
}

# cl_has K: fwK holds the entry fw1's conntrack -I made
cl_has() {
	ip netns exec "$(fo_ns "fw$1")" conntrack -L -p tcp -s 10.1.0.11 \
		2>/dev/null | grep -q 'dport=443'
}

# cl_sent K WHICH: packets fwK sent, by the counter named WHICH
cl_sent() {
	ip netns exec "$(fo_ns "fw$1")" nft list chain ip mcount out |
		awk -v c="\"$2\"" '$NF == c {
			for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)
		} END { print s + 0 }'
}

# cl_stat K KEY: a value of fwK's `pfsyncctl stats -v -j` (jq path KEY)
cl_stat() {
	"$PFSYNCCTL" -s "$T/${FO}fw$1.sock" -v -j stats 2>/dev/null |
		jq -r "$2 // 0"
}

# cl_peer_counts N K: fwK received from and sent to each of its peers
cl_peer_counts() {
	local j rx tx
	for j in $(seq 1 "$1"); do
		[ "$j" = "$2" ] && continue
		rx=$(cl_stat "$2" ".\"192.168.254.$j\".peer_rx")
		tx=$(cl_stat "$2" ".\"192.168.254.$j\".peer_tx")
		echo "# fw$2 peer 192.168.254.$j: received $rx, sent $tx"
		[ "$rx" -gt 0 ] && [ "$tx" -gt 0 ] || return 1
	done
}

cl_synced_checks() {
	local k r1 d3
	for k in $(seq 1 "$1"); do
		check "fw$k sent to and heard from each peer (stats -v)" \
			cl_peer_counts "$1" "$k"
	done
	# fw2 misses a change of fw1's: it asks fw1 (NACK), and fw1 resends it
	# to fw2 alone: fw3, which had it, gets no second copy
	r1=$(cl_stat 1 .rel_resent)
	d3=$(cl_stat 3 .rel_dups)
	cl_deaf 2 add
	ip netns exec "$(fo_ns fw1)" conntrack -I -p tcp -s 10.1.0.11 \
		-d 10.2.0.21 --sport 40000 --dport 443 --state ESTABLISHED \
		-t 600 -u SEEN_REPLY,ASSURED >/dev/null 2>&1 ||
		fail "conntrack -I on fw1"
	check "fw1's new entry reaches fw3" wait_for 5 cl_has 3
	check "but not fw2, deaf to fw1" eval '! cl_has 2'
	cl_deaf 2 delete
	check "fw2 gets it back" wait_for 10 cl_has 2
	echo "# fw1 resent $(($(cl_stat 1 .rel_resent) - r1)), fw2 NACKs" \
		"$(cl_stat 2 .rel_nacks), fw3 duplicates $(($(cl_stat 3 .rel_dups) - d3))"
	check "fw1 resent on fw2's NACK" \
		test "$(cl_stat 1 .rel_resent)" -gt "$r1"
	check "the resend went to fw2 alone (fw3 got no duplicate)" \
		test "$(cl_stat 3 .rel_dups)" -eq "$d3"
	# a stranger on the sync link sends a valid v3 INS to fw1
	fo_addns x
	fo_port swS x sync0 192.168.254.99/24
	ip netns exec "$(fo_ns x)" "$PY" "$FO_LIB_DIR/pfsend.py" \
		192.168.254.1 255 ins-v3 >/dev/null
	check "a non-peer's packet is dropped and counted" \
		wait_for 5 eval '[ "$(cl_stat 1 .unicast_unknown)" -ge 1 ]'
}

cl_final_checks() {
	local k
	for k in $(seq 1 "$1"); do
		echo "# fw$k sent $(cl_sent "$k" unicast) unicasts," \
			"$(cl_sent "$k" group) to the group"
		check "fw$k sent nothing to 224.0.0.240" \
			test "$(cl_sent "$k" group)" -eq 0
		check "fw$k sent protocol 240 by unicast" \
			test "$(cl_sent "$k" unicast)" -gt 0
	done
}

cl_run 3 3 1
check "every daemon still started is healthy" daemons_healthy
