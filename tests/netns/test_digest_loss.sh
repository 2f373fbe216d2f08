#!/bin/bash
# test_digest_loss.sh - anti-entropy without `reliable` (issue 16 item
# 4): 30 % of the sync traffic is lost at B (nft numgen) while A makes
# and deletes entries; once the loss stops, B's kernel holds exactly A's
# entries within 10 s, with no bulk update asked for.  Sealed (`key`):
# digests, asks and listings are sealed packets like any other.
source "$(dirname "$0")/lib.sh"
netns_init
N=${N:-300}
K=${K:-100}
INJ=$TOP/build/bench/ct_inject
[ -x "$INJ" ] || fail "no $INJ: run make build-tests"

export BACKEND=conntrack
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 600 "$T/key"
export EXTRA_CONF="provenance mark 0x80000000
reliable off
key \"$T/key\""
netns_bridge
netns_node fwA 10.39.0.1
netns_node fwB 10.39.0.2
pfsync_notrack fwA fwB || fail "nft notrack"

a_entries() {
	ip netns exec "$(ns "$1")" conntrack -L -p tcp -d 10.200.0.1 2>/dev/null |
		awk '{ print $5, $6, $7, $8 }' | sort
}
same_a() { [ "$(a_entries fwA)" = "$(a_entries fwB)" ]; }
loss_on() {
	ip netns exec "$(ns "$1")" nft -f - <<NFT
table inet loss {
	chain input {
		type filter hook input priority -10; policy accept;
		ip protocol 240 numgen random mod 100 < $2 counter drop
	}
}
NFT
}
loss_off() { ip netns exec "$(ns "$1")" nft delete table inet loss; }
dropped() {
	ip netns exec "$(ns "$1")" nft list table inet loss |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
dig() { json_field "$1" "dig_$2" stats; }
# wait_secs SECS CMD...: CMD holds within SECS seconds of wall clock (a
# loaded machine makes each poll slow: wait_for counts polls)
wait_secs() {
	local end=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@"
}
bulk_waits() { grep -c "waiting for a bulk update" "$T/$1.log"; }

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
check "both bulk updates done" wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB
waits=$(bulk_waits fwB)

loss_on fwB 30 || fail "nft loss"
echo "# A: $(ip netns exec "$(ns fwA)" "$INJ" insert "$N")"
sleep 1
echo "# A: $(ip netns exec "$(ns fwA)" "$INJ" update "$N" FIN_WAIT)"
sleep 1
echo "# A: $(ip netns exec "$(ns fwA)" "$INJ" delete "$K")"
sleep 1
echo "# B dropped $(dropped fwB) pfsync packets"
loss_off fwB
t0=$(date +%s.%N)
# within 10 s; the deadline has a margin for a loaded machine (polls of
# conntrack -L take seconds there): the time taken is printed
check "B's kernel equals A's after the loss" wait_secs 20 same_a
t1=$(date +%s.%N)
echo "# equal $(echo "$t1 - $t0" | bc) s after the loss stopped (goal 10 s); B holds $(a_entries fwB | grep -c .) of A's entries"
echo "# B: received $(dig fwB received), asks $(dig fwB asks), states repaired $(dig fwB states_repaired), deleted $(dig fwB deleted), incomplete $(dig fwB incomplete)"
check "the repair did the work (states repaired or deleted)" \
	test $(($(dig fwB states_repaired) + $(dig fwB deleted))) -gt 0
check "no bulk update was asked for" test "$(bulk_waits fwB)" -eq "$waits"
check "daemons healthy" daemons_healthy
