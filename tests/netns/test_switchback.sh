#!/bin/bash
# test_switchback: planned switches back and forth keep every connection
# (issue 16, item 0).  The pfsync(4) failover example with keepalived and
# the strict ruleset (nf_conntrack_tcp_loose=0, be_liberal=0, forward
# policy drop but established): N long-lived TCP connections through A,
# then CYCLES times: keepalived stopped on A (B takes the VIPs and carries
# them), started again (A preempts once synced).  N more connections are
# opened through B in its first turn, so that B's own entries make the
# trip too.  Every connection sends a line every 0.2 s in every phase.
#
# A's (and B's) own entries carry strict window tracking; while the other
# firewall carried the traffic conntrack sent no event for the moving
# windows, so an entry still strict when the traffic comes back drops the
# connection's packets as INVALID.  The peer's bulk update happens to
# rewrite our own states with BE_LIBERAL, but only when its walk reaches
# them: B holds FILL more entries (ct_inject) and walks them at
# NetBSD's pace (one packet per 10 ms: seconds, as a big table takes at
# the default pace), and A's demotion while its bulk is pending is too
# small to hold it back (FO_DEMOTE=-1: a keepalived.conf without the
# shipped check does the same), so A takes the traffic back about 1.6 s
# after keepalived starts, long before that walk is over.  Asserted:
# every line of every connection echoed, no reset, 0 INVALID drops on
# both firewalls.
#
#   N=200 CYCLES=5 bash tests/netns/test_switchback.sh   (the long run)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
FO_DEMOTE=${FO_DEMOTE:--1}
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v keepalived >/dev/null || fail "keepalived is not installed"
command -v conntrack >/dev/null || fail "conntrack is not installed"
N=${N:-20}
CYCLES=${CYCLES:-2}
FILL=${FILL:-5000}
INJ=$TOP/build/bench/ct_inject
[ -x "$INJ" ] || fail "no $INJ: run make build-tests"
WAIT=${WAIT:-30} # seconds a phase may take on a loaded machine
STOP=$T/stop
CLIS=()

# cli_start NAME: one long-lived connection, lines until $STOP exists
cli_start() {
	ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
		10.0.0.10 "$FO_PORT" 900 --interval 0.2 --stall 60 \
		--grace 20 --until "$STOP" >"$T/$1.log" 2>&1 &
	PIDS+=("$!")
	CLIS+=("$1:$!")
}

echoed() { grep -o 'echoed=[0-9]*' "$T/$1.log" | tail -1 | cut -d= -f2; }

# mark: every connection's echo count now, for advanced
mark() {
	local c
	for c in "${CLIS[@]}"; do
		eval "MARK_${c%%:*}=$(echoed "${c%%:*}" || echo 0)"
	done
}

# advanced K: every connection echoed at least K more lines since mark
# (the progress lines come once a second)
advanced() {
	local c n m
	for c in "${CLIS[@]}"; do
		n=$(echoed "${c%%:*}")
		m=$(eval "echo \${MARK_${c%%:*}:-0}")
		[ "${n:-0}" -ge $((m + $1)) ] || return 1
	done
}

# lagging: the connections that did not advance (for the reader)
lagging() {
	local c n m k=0
	for c in "${CLIS[@]}"; do
		n=$(echoed "${c%%:*}")
		m=$(eval "echo \${MARK_${c%%:*}:-0}")
		[ "${n:-0}" -ge $((m + 3)) ] || k=$((k + 1))
	done
	echo "$k"
}

invalid() { echo "A $(fo_counter fwA invalid), B $(fo_counter fwB invalid)"; }

# phase WHAT: traffic flows on every connection through the new master
phase() {
	mark
	if wait_for "$WAIT" advanced 5; then
		echo "ok - $1: all ${#CLIS[@]} connections carried (invalid: $(invalid))"
		echo "# A: $(liberal fwA); B: $(liberal fwB)"
		return 0
	fi
	echo "not ok - $1: $(lagging) of ${#CLIS[@]} connections stalled" \
		"(invalid: $(invalid))"
	return 1
}

liberal() {
	ctl "$FO$1" -v stats | grep -iE 'liberal|kernel writes ok' |
		tr -s ' \t' ' ' | paste -sd,
}

FO=w
fo_topology
fo_firewall fwA || fail "nft ruleset"
fo_firewall fwB || fail "nft ruleset"
fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A"
FO_EXTRA_CONF="bulk-pace 1
bulk-tick 10" fo_pfsyncd fwB 0xc0a8fefd || fail "pfsyncd B"
fo_keepalived fwA 200
fo_keepalived fwB 100
check "both bulk updates are done" wait_for 20 eval 'fo_synced fwA && fo_synced fwB'
check "A is VRRP master" wait_for "$WAIT" fo_master fwA
ctcount() { ip netns exec "$(fo_ns "$1")" conntrack -C; }
echo "# B: $(ip netns exec "$(fo_ns fwB)" "$INJ" insert "$FILL")"
check "A holds B's $FILL entries" \
	wait_for "$WAIT" eval '[ "$(ctcount fwA)" -ge '"$FILL"' ]'
fo_server || fail "echo server did not start"
for i in $(seq "$N"); do
	cli_start "a$i"
done
mark
check "$N connections echo through A" wait_for "$WAIT" advanced 3

ok=1
for cyc in $(seq "$CYCLES"); do
	fo_stop fwA_ka
	if ! wait_for "$WAIT" eval 'fo_master fwB && fo_no_vip fwA'; then
		echo "not ok - cycle $cyc: B did not take the VIPs"
		ok=0
		break
	fi
	if [ "$cyc" = 1 ]; then
		for i in $(seq "$N"); do
			cli_start "b$i"
		done
	fi
	phase "cycle $cyc: keepalived stopped on A, B carries" || {
		ok=0
		break
	}
	fo_keepalived fwA 200
	if ! wait_for "$WAIT" eval 'fo_master fwA && fo_no_vip fwB'; then
		echo "not ok - cycle $cyc: A did not preempt"
		ok=0
		break
	fi
	phase "cycle $cyc: keepalived back on A, A carries again" || {
		ok=0
		break
	}
done

touch "$STOP"
lost=0
resets=0
for c in "${CLIS[@]}"; do
	p=${c#*:}
	wait "$p"
	rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	[ "$rc" -eq 0 ] || {
		lost=$((lost + 1))
		grep '^result' "$T/${c%%:*}.log"
	}
	grep -q '^result: .*reset=no' "$T/${c%%:*}.log" ||
		resets=$((resets + 1))
done
echo "# connections: ${#CLIS[@]}, lost $lost, reset $resets;" \
	"INVALID drops: $(invalid)"
echo "# A: $(liberal fwA)"
echo "# B: $(liberal fwB)"
check "every switch was carried through" test "$ok" -eq 1
check "every connection survived: every line echoed ($lost lost)" \
	test "$lost" -eq 0
check "no connection was reset ($resets)" test "$resets" -eq 0
check "A dropped no packet as INVALID" test "$(fo_counter fwA invalid)" -eq 0
check "B dropped no packet as INVALID" test "$(fo_counter fwB invalid)" -eq 0
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
