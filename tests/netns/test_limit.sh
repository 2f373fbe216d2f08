#!/bin/bash
# test_limit.sh - limit states (pf's set limit states) against a peer that
# floods INS.  B runs with `limit states 1000`; X, a bare namespace on the
# sync link, sends 20 000 new states: B holds 1000 and its state_limit
# counter says the other 19 000.  Then 120 000 more: B's RSS stays where
# it was.  A delete makes room for one new state; a reload raising the
# limit to 1500 makes room for 500, pfsyncctl limit states lowers it
# below the states held (kept, new ones refused).  The refusals are logged (rate-limited)
# and in stats -v and the metrics.
# C, with the conntrack backend and the same limit, holds 1000 in its
# mirror and its kernel table; auto follows nf_conntrack_max.
#   LIMIT=0 bash tests/netns/test_limit.sh   runs the flood without the
#   limit line (auto: 1 M with the memory backend), for the RSS figure.
source "$(dirname "$0")/lib.sh"
netns_init
LIMIT=${LIMIT:-1000}
[ "$LIMIT" -ne 0 ] && EXTRA_CONF="limit states $LIMIT"
netns_bridge
netns_node B 10.91.0.2
netns_node X 10.91.0.9
netns_node C 10.91.0.3
daemon_start B 2 || fail "start B"
check "B's startup bulk is done" wait_for 10 bulk_done B

flood() { ip netns exec "$(ns X)" $PY "$TOP/tests/netns/pfflood.py" \
	10.91.0.2 "$@"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$(daemon_pid B)/status"; }
refused() { json_field B state_limit stats; }
drops() { json_field B kernel_drops stats; }
# the flood is applied once the counters stop moving
settled() {
	local a b
	a="$(nstates B)/$(refused)"
	sleep 0.5
	b="$(nstates B)/$(refused)"
	[ "$a" = "$b" ]
}

if [ "$LIMIT" -eq 0 ]; then
	check "limit states auto: 1 M with the memory backend" \
		[ "$(json_field B limit_states stats)" = 1048576 ]
	rss0=$(rss_kb)
	flood ins 1 140000 || fail "flood"
	wait_for 30 settled
	echo "# no limit: $(nstates B) states held, RSS ${rss0} kB -> $(rss_kb) kB"
	exit 0
fi

check "the limit is in force" [ "$(json_field B limit_states stats)" = 1000 ]
check "from the config" \
	[ "$(json_field B limit_states_from stats)" = configured ]

# --- 20 000 new states at a limit of 1000 ---
flood ins 1 20000 || fail "flood"
wait_for 30 settled
check "B holds 1000 states" [ "$(nstates B)" -eq 1000 ]
check "the refused counter says the rest (19 000, 6 a packet dropped)" \
	[ "$(($(refused) + 6 * $(drops)))" -ge 19000 ] &&
	[ "$(refused)" -le 19000 ]
[ "$(drops)" -eq 0 ] && check "no drop: exactly 19 000" [ "$(refused)" -eq 19000 ]
check "the refusals are logged" \
	wait_for 5 grep -q "state limit 1000 reached: [0-9]* peer states" \
	"$T/B.log"
check "stats -v says so" \
	sh -c "ctl_out=\$(\"$PFSYNCCTL\" -s \"$T/B.sock\" -v stats);
	echo \"\$ctl_out\" | grep -q 'peer states refused at the limit'"
check "the metrics say so" \
	sh -c "\"$PFSYNCCTL\" -s \"$T/B.sock\" metrics |
	grep -q '^pfsyncd_state_limit_refused_total{origin=\"peer\"} [1-9]'"

# --- 120 000 more: the memory stays ---
rss0=$(rss_kb)
flood ins 100001 120000 || fail "flood 2"
wait_for 60 settled
rss1=$(rss_kb)
echo "# limit 1000: RSS ${rss0} kB before 120 000 more states, ${rss1} kB after"
check "still 1000 states" [ "$(nstates B)" -eq 1000 ]
check "RSS grew by less than 8 MB" [ "$((rss1 - rss0))" -lt 8192 ]
n=$(grep -c "state limit 1000 reached" "$T/B.log")
check "at most one line every 10 s (flood: $n lines)" [ "$n" -le 3 ]

# --- a delete makes room for one new state ---
held=$(ctl B -j states | $PY -c '
import json, sys
print(int([s["id"] for s in json.load(sys.stdin)
	   if s["creatorid"] == "0badc0de"][0], 16))')
flood del "$held" || fail "delete"
check "the delete applies at the limit" wait_for 5 count_is 999 nstates B
flood ins 500000 2 || fail "flood 3"
check "a new state takes the room" wait_for 5 count_is 1000 nstates B
check "it is the new one" \
	[ -n "$(state_field B 0badc0de:000000000007a120 creatorid)" ]

# --- a reload raising the limit ---
sed -i 's/^limit states 1000$/limit states 1500/' "$T/B.conf"
kill -HUP "$(daemon_pid B)"
check "the reload applies the new limit" \
	wait_for 5 count_is 1500 json_field B limit_states stats
flood ins 600000 2000 || fail "flood 4"
wait_for 30 settled
check "B holds 1500 states" [ "$(nstates B)" -eq 1500 ]

# --- at run time: lowered below the states held, none is evicted ---
ctl B limit states 1200 >/dev/null || fail "limit states 1200"
check "pfsyncctl limit states sets it" \
	[ "$(json_field B limit_states limit)" = 1200 ]
check "the states above it are kept, and said so" \
	grep -q "1500 states held, above the limit: kept" "$T/B.log"
before=$(refused)
flood ins 700000 6 || fail "flood 5"
check "new ones are refused" wait_for 5 count_is $((before + 6)) refused
check "still 1500 states" [ "$(nstates B)" -eq 1500 ]
ctl B limit states auto >/dev/null || fail "limit states auto"
check "auto: the memory backend's 1 M" \
	[ "$(json_field B limit_states_from limit)" = default ]
check "B is healthy" daemons_healthy
check "B exits cleanly (no leak)" daemon_stop B

# --- conntrack (B gone: its bulk would count too): the mirror and the
# kernel hold 1000, the write queue a quarter of the limit (its floor,
# 1024); auto is nf_conntrack_max ---
pfsync_notrack C || fail "nft notrack"
BACKEND=conntrack daemon_start C 3 || fail "start C"
ct_count() { ip netns exec "$(ns C)" cat /proc/sys/net/netfilter/nf_conntrack_count; }
check "C's startup bulk is done" wait_for 10 bulk_done C
check "C's write queue holds a quarter of the limit (at least 1024)" \
	[ "$(json_field C ct_wait_bound stats)" = 1024 ]
ip netns exec "$(ns X)" $PY "$TOP/tests/netns/pfflood.py" 10.91.0.3 \
	ins 1 3000 || fail "flood C"
check "C's mirror holds 1000" wait_for 10 count_is 1000 nstates C
check "C's kernel holds 1000" wait_for 10 count_is 1000 ct_count
check "C refused 2000" [ "$(json_field C state_limit stats)" -eq 2000 ]
check "no kernel write refused" [ "$(json_field C ct_table_full stats)" = 0 ]
# 3000 more at a limit of 4000: the write queue stays at its 1024
# (4000 / 4); full, it writes before it reads more: nothing is lost
ctl C limit states 4000 >/dev/null || fail "C: limit states 4000"
check "the queue follows the limit" \
	[ "$(json_field C ct_wait_bound stats)" = 1024 ]
ip netns exec "$(ns X)" env PFFLOOD_BURST=1000 \
	$PY "$TOP/tests/netns/pfflood.py" 10.91.0.3 ins 10001 3000 ||
	fail "flood C 2"
check "C's mirror holds 4000" wait_for 20 count_is 4000 nstates C
check "C's kernel holds 4000" wait_for 20 count_is 4000 ct_count
echo "# C: write queue at most $(json_field C ct_wait_max stats)" \
	"of $(json_field C ct_wait_bound stats)," \
	"$(json_field C ct_wait_full stats) writes found it full," \
	"$(json_field C kernel_drops stats) packets dropped"
check "no kernel write failed" [ "$(json_field C ct_fail stats)" = 0 ]
ctl C limit states auto >/dev/null || fail "C: limit states auto"
check "auto with conntrack: nf_conntrack_max" \
	[ "$(json_field C limit_states limit)" = \
	  "$(ip netns exec "$(ns C)" cat /proc/sys/net/netfilter/nf_conntrack_max)" ]
check "from nf_conntrack_max" \
	[ "$(json_field C limit_states_from limit)" = nf_conntrack_max ]
check "C is healthy" daemons_healthy
