#!/bin/bash
# test_rxdrops.sh - packets the kernel drops on the pfsync socket are
# counted where the user looks.  B runs with the smallest receive buffer
# (sync-rcvbuf 65536) and A answers B's bulk request with an unpaced bulk
# (bulk-pace 1024): B's socket overflows.  B's `stats -v` shows the kernel
# drops (text and JSON, equal to /proc/net/raw's count for the socket),
# B does not call a bulk update it knows lost packets done but asks again,
# and logs the loss.  Both run with `reliable off`, as between BSD peers:
# between pfsyncd peers the lost packets of a bulk are asked for by
# number instead (pfsyncd(8) RELIABLE DELIVERY; test_reliable, and
# test_ct_burst under load).
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.83.0.1
netns_node B 10.83.0.2
# enough states that the bulk (N / 6 packets within a few 1 ms ticks)
# outruns any reader of a 128 KB buffer, quiet machine or not
N=${N:-30000}
EXTRA_CONF="bulk-pace 1024
reliable off" daemon_start A 1 || fail "start A"
ctl A churn 1000000 60 max "$N" fill >/dev/null || fail "fill A"
wait_for 60 count_is "$N" nstates A
check "A holds $N states" [ "$(nstates A)" -eq "$N" ]
check "A's own bulk request is over" wait_for 20 bulk_done A
EXTRA_CONF="sync-rcvbuf 65536
reliable off" daemon_start B 2 || fail "start B"
check "B's receive buffer is the configured one (kernel doubles it)" \
	[ "$(json_field B rcvbuf stats)" = 131072 ]
check "B's bulk update ends (done or given up)" wait_for 60 bulk_done B
ctl B -v stats | sed 's/^/# /' | grep -E "read in|kernel|asked again"
drops=$(json_field B kernel_drops stats)
check "B counted kernel drops ($drops)" [ "$drops" -gt 0 ]
# the socket's own line in B's /proc/net/raw (protocol 240 = 0xF0)
proc_drops() {
	ip netns exec "$(ns B)" awk '$2 ~ /:00F0$/ { print $13 }' /proc/net/raw
}
check "JSON kernel_drops is /proc/net/raw's count" \
	[ "$drops" = "$(proc_drops)" ]
check "the text of stats -v shows the same count" \
	sh -c "ip netns exec $(ns B) $PFSYNCCTL -s $T/B.sock -v stats |
		grep -q \"^	$drops packets dropped by the kernel\""
check "B asked again after a lossy bulk" \
	[ "$(json_field B bulk_lossy stats)" -gt 0 ]
check "B logged the loss" grep -q "the kernel dropped" "$T/B.log"
# after 12 lossy tries B gives up, as NetBSD; otherwise a clean retry
# brought every state
if [ "$(json_field B bulk_lossy stats)" -lt 12 ]; then
	check "B holds all $N states after a clean retry" \
		wait_for 10 count_is "$N" nstates B
	check "A and B hold the same table" tables_equal A B
fi
check "daemons alive, no sanitizer reports" daemons_healthy
