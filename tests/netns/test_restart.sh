#!/bin/bash
# test_restart: pfsyncd (backend conntrack) restarts while the kernel keeps
# its conntrack table, in the failover topology (failover-lib.sh).  The
# daemon's mirror is lost, the kernel entries are not: a re-read entry
# must come back under the identity the peer knows it by (ctnl.c).
#
# (1) B's pfsyncd restarts: the connection's entry in B's kernel was
#     injected for A; B re-reads it as its own, then adopts A's id and
#     creator from A's bulk update.
# (2) A dies with its conntrack table kept (a restart of the daemons
#     alone), B carries the connection, A's pfsyncd starts again: the
#     entry keeps its id (derived from CTA_ID), B's bulk update is applied
#     to it (BE_LIBERAL), A preempts and carries the connection on, 20 MB
#     of bulk included, without an INVALID drop.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v keepalived >/dev/null || fail "keepalived is not installed"
command -v conntrack >/dev/null || fail "conntrack is not installed"

HA=c0a8fefe
HB=c0a8fefd

# fo_sid NODE: "ID CREATOR" of the client connection's state in NODE's
# pfsyncd (-v states: the state line, then its detail lines)
fo_sid() {
	ctl "$FO$1" -v states 2>/dev/null |
		grep -A3 -F "192.168.0.10:$PORT " |
		sed -n 's/^ *id: \([0-9a-f]*\) creatorid: \([0-9a-f]*\).*/\1 \2/p' |
		head -1
}

# sid_is NODE "ID CREATOR"
sid_is() { [ "$(fo_sid "$1")" = "$2" ]; }

# own_cta_id SID: an id in CTA_ID's range (high half 0) with creator A
own_cta_id() { [[ "$1" =~ ^00000000[0-9a-f]{8}\ $HA$ ]]; }

# failed NODE: pfsyncd's "failed state lookup/inserts" counter
failed() {
	ctl "$FO$1" stats | sed -n 's/^[[:space:]]*\([0-9]*\) failed state.*/\1/p'
}

FO=r
fo_topology
fo_firewall fwA || fail "nft ruleset"
fo_firewall fwB || fail "nft ruleset"
fo_pfsyncd fwA "0x$HA" || fail "pfsyncd A"
fo_pfsyncd fwB "0x$HB" || fail "pfsyncd B"
fo_ready_watch fwA
fo_ready_watch fwB
fo_keepalived fwA 200
fo_keepalived fwB 100
check "both bulk updates are done" wait_for 10 fo_synced fwA
check "A is VRRP master" wait_for 15 fo_master fwA

fo_server || fail "echo server did not start"
fo_client 18 10 --bulk 20000000
wait_for 10 fo_echoed_atleast 20 || fail "no echo through A"
PORT=$(fo_client_port)
[ -n "$PORT" ] || fail "client port unknown"
check "A tracks the connection (port $PORT)" fo_ct_has fwA "$PORT"
check "B holds the connection's entry" wait_for 3 fo_ct_has fwB "$PORT"
SID=$(fo_sid fwA)
echo "A's state: $SID"
check "A's id is its CTA_ID (high half 0), creator A" own_cta_id "$SID"
check "B knows it by the same id and creator" wait_for 3 sid_is fwB "$SID"

# --- (1) B's pfsyncd restarts ----------------------------------------------
fo_stop fwB
mv "$T/${FO}fwB.log" "$T/${FO}fwB-run1.log"
fo_pfsyncd fwB "0x$HB" || fail "pfsyncd B again"
check "B's bulk update is done after its restart" wait_for 10 fo_synced fwB
check "B's re-read entry took A's id and creator back" \
	wait_for 5 sid_is fwB "$SID"
grep -F "(peer's)" "$T/${FO}fwB.log" | head -2

# --- (2) A's daemons restart, its conntrack table kept -----------------------
fo_kill_A
check "B holds the VIPs after A died" wait_for 10 fo_master fwB
check "echoes resume through B" wait_for 10 fo_echoed_atleast 60
FO_KEEP_CT=1 fo_revive_A "0x$HA" || fail "A's daemons did not start again"
check "A's re-read entry has its old id (CTA_ID)" wait_for 5 sid_is fwA "$SID"
check "A's bulk update is done" wait_for 10 fo_synced fwA
check "A preempts B again" wait_for 10 fo_master fwA
check "B gave the VIPs up" wait_for 5 fo_no_vip fwB
p=$PID_rcli
wait "$p"
rc=$?
DEAD_PIDS="${DEAD_PIDS:-} $p"
cat "$T/rcli.log"
check "the connection survived both restarts and the failback, 20 MB
	bulk included (client exit $rc)" test "$rc" -eq 0
check "client saw no reset" grep -q '^result: ok .*reset=no$' "$T/rcli.log"
check "A dropped none of it as INVALID ($(fo_counter fwA invalid))" \
	test "$(fo_counter fwA invalid)" -eq 0
check "A dropped none of it by policy" \
	test "$(fo_counter fwA policy-echo)" -eq 0
check "A: no failed state lookup/insert ($(failed fwA))" \
	test "$(failed fwA)" -eq 0
check "B: no failed state lookup/insert ($(failed fwB))" \
	test "$(failed fwB)" -eq 0
check "B's pfsyncd and keepalived are alive" fo_alive fwB fwB_ka
check "A's pfsyncd and keepalived are alive" fo_alive fwA fwA_ka
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
