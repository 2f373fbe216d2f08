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
# after keepalived starts, long before that walk is over.
#
# Then two more switches of other kinds, each with N more connections
# opened through A just before (strict entries again): pfsyncd on A is
# restarted (the kernel keeps its table) while B carries, and A's
# keepalived starts again; A's cables to the client and server are
# pulled while its daemons run (keepalived goes FAULT, B takes over
# after the master-down interval), then plugged back.  Asserted: every
# line of every connection echoed, no reset, 0 INVALID drops on both
# firewalls; the restarted pfsyncd wrote none of the entries that were
# liberal already.
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
GROUPS_=()

# group NAME: N long-lived connections (one process, a thread each), a
# line every 0.2 s on each until $STOP exists
group() {
	ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
		10.0.0.10 "$FO_PORT" 900 --interval 0.2 --stall 60 \
		--grace 20 --until "$STOP" --conns "$N" >"$T/$1.log" 2>&1 &
	PIDS+=("$!")
	GROUPS_+=("$1:$!")
	eval "MARK_$1=0"
}

# echoed NAME: the fewest lines any connection of the group echoed
echoed() { grep -o '^t=.* echoed=[0-9]*' "$T/$1.log" | tail -1 | sed 's/.*=//'; }

# mark: every group's count now, for advanced
mark() {
	local g
	for g in "${GROUPS_[@]}"; do
		eval "MARK_${g%%:*}=$(echoed "${g%%:*}" || echo 0)"
	done
}

# advanced K: every connection echoed K more lines since mark (the
# progress lines come once a second)
advanced() {
	local g n m
	for g in "${GROUPS_[@]}"; do
		n=$(echoed "${g%%:*}")
		m=$(eval "echo \${MARK_${g%%:*}:-0}")
		[ "${n:-0}" -ge $((m + $1)) ] || return 1
	done
}

invalid() { echo "A $(fo_counter fwA invalid), B $(fo_counter fwB invalid)"; }

# stat NODE NAME: one counter of pfsyncctl -v stats -j
stat() {
	ctl "$FO$1" -jv stats | "$PY" -c \
		'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
liberal() {
	local k
	for k in passes checked made already failed; do
		printf '%s=%s ' "$k" "$(stat "$1" "ct_liberal_$k")"
	done
}

FAILED=0
# phase WHAT: traffic flows on every connection through the new master
phase() {
	mark
	if wait_for "$WAIT" advanced 5; then
		echo "ok - $1: every connection carried (invalid: $(invalid))"
		echo "# liberal A: $(liberal fwA); B: $(liberal fwB)"
		return 0
	fi
	echo "not ok - $1: connections stalled (invalid: $(invalid))"
	FAILED=1
	return 1
}

# takes NODE OTHER: NODE holds both VIPs, OTHER none
takes() {
	wait_for "$WAIT" eval "fo_master $1 && fo_no_vip $2" && return 0
	echo "not ok - $1 did not take the VIPs"
	FAILED=1
	return 1
}

ka_stop_A() { fo_stop fwA_ka; }
ka_start_A() { fo_keepalived fwA 200; }
cables_A() {
	ip -n "$(fo_ns swI)" link set p-fwA "$1"
	ip -n "$(fo_ns swE)" link set p-fwA "$1"
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
a_holds_fill() { [ "$(ip netns exec "$(fo_ns fwA)" conntrack -C)" -ge "$FILL" ]; }
echo "# B: $(ip netns exec "$(fo_ns fwB)" "$INJ" insert "$FILL")"
check "A holds B's $FILL entries" wait_for "$WAIT" a_holds_fill
fo_server || fail "echo server did not start"
group a
check "$N connections echo through A" wait_for "$WAIT" advanced 3

# planned: keepalived stopped on A, B carries; started again, A preempts
for cyc in $(seq "$CYCLES"); do
	ka_stop_A
	takes fwB fwA || break
	[ "$cyc" = 1 ] && group b # N connections opened through B
	phase "planned $cyc: keepalived stopped on A, B carries" || break
	ka_start_A
	takes fwA fwB || break
	phase "planned $cyc: keepalived back on A, A carries again" || break
done

# pfsyncd on A restarted while B carries (its kernel keeps the entries)
if [ "$FAILED" = 0 ]; then
	group c
	phase "N more connections through A" &&
		ka_stop_A && takes fwB fwA &&
		phase "restart: keepalived stopped on A, B carries" && {
		fo_stop fwA
		mv "$T/${FO}fwA.log" "$T/${FO}fwA-run1.log"
		fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A again"
		wait_for "$WAIT" fo_synced fwA
		made=$(stat fwA ct_liberal_made)
		already=$(stat fwA ct_liberal_already)
		echo "# restarted A: $(liberal fwA)"
		check "the restarted pfsyncd wrote only the strict entries" \
			test "$made" -le "$N" -a "$already" -ge "$N"
		ka_start_A
		takes fwA fwB &&
			phase "restart: pfsyncd and keepalived back on A, A carries"
	}
fi

# unplanned: A's cables pulled while its daemons run, then plugged back
if [ "$FAILED" = 0 ]; then
	group d
	phase "N more connections through A" && {
		cables_A down
		takes fwB fwA &&
			phase "unplanned: A's cables pulled, B carries" && {
			cables_A up
			takes fwA fwB &&
				phase "unplanned: cables back, A carries again"
		}
	}
fi

touch "$STOP"
lost=0
resets=0
for g in "${GROUPS_[@]}"; do
	p=${g#*:}
	wait "$p"
	rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	r=$(grep '^result: .*conns=' "$T/${g%%:*}.log")
	echo "# group ${g%%:*}: $r (exit $rc)"
	f=$(echo "$r" | grep -o 'failed=[0-9]*' | cut -d= -f2)
	lost=$((lost + ${f:-$N}))
	echo "$r" | grep -q 'reset=no' || resets=$((resets + 1))
done
echo "# connections: $((${#GROUPS_[@]} * N)), lost $lost," \
	"groups with a reset $resets; INVALID drops: $(invalid)"
echo "# liberal A: $(liberal fwA); B: $(liberal fwB)"
check "every switch was carried through" test "$FAILED" -eq 0
check "every connection survived: every line echoed ($lost lost)" \
	test "$lost" -eq 0
check "no connection was reset" test "$resets" -eq 0
check "A dropped no packet as INVALID" test "$(fo_counter fwA invalid)" -eq 0
check "B dropped no packet as INVALID" test "$(fo_counter fwB invalid)" -eq 0
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
