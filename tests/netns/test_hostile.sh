#!/bin/bash
# test_hostile.sh - a hostile host on the sync link cannot switch sync
# off (issue 15, security-2026-12.md).  Firewalls A and B run unsealed
# with the defaults (version auto, reliable on, memory backend); A runs
# a churn; an attacker namespace X on the same bridge runs, one after
# another, the review's attacks (attacker.py):
#
#   M1    NACK of A's whole ring from a spoofed source and from 0.0.0.0
#   M3    UREQ {0,0} every 0.2 s to A during its (slow) bulk walk
#   M4a   9 KB v6 packets of stride-0 sections (count 65535) to D
#   M4b   v6 CLRs of 458 random creators each to D, which holds 20 000
#         states (D is a node alone on a link of its own with X)
#   L6    UPD_C of unknown states from a spoofed source to A
#   M6    3000 INS at B, which has `limit states 1000`
#   M2s   32 fake streams at B, 52 MB held back behind their gaps
#   M2hb  a heartbeat from A's address pushing A's stream 2^31 ahead at B
#   M2gone  the same with GONE
#   M9    a CLR naming A's own hostid, to A
#   M9ct  the same to C, a third node with the conntrack backend: its
#         own live kernel entry must stay
#   M5    bare v5/v6 headers from 42 spoofed sources (version auto)
#
# Each attack is one check, printed `ok NAME` or `FAIL NAME: reason`;
# the script fails at the end when any did.  Spoofed sources
# (192.0.2.0/24, 198.51.100.0/24) are routed into X, so what the
# firewalls send back to them is counted there, with what they send to
# X's own address and A's resends to the group: the figures printed
# are bytes out per byte in, per attack; `reflection` fails when any
# packet went to a spoofed source.  After the attacks the churn stops
# and A's states must be the same on A and B, none lost, none come back
# (`converge`).
#
# `limit states N` is the keyword issue 15 asks for: a pfsyncd without
# it (pfsyncd -n refuses the config) runs without, and M6 fails.
# After an attack that broke B's stream of A, B is restarted (so the
# next attack is judged on its own); the restart is reported.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
source "$(dirname "$0")/lib.sh"
# freed memory held by ASan would hide what an attack pins (M2s)
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"
netns_init

NET=10.83.0
A_IP=$NET.1 B_IP=$NET.2 C_IP=$NET.3 X_IP=$NET.9 D_IP=10.84.0.1
HA=0x0a530001 HB=0x0a530002 HC=0x0a530003 HD=0x0a530004
FAILED=()

netns_bridge
netns_node A $A_IP
netns_node B $B_IP
netns_node C $C_IP
netns_node X $X_IP
# D, alone on a link of its own with X, holds 20 000 states: the cost of
# a packet that grows with the table shows there (M4)
netns_add D
netns_link X ld0 10.84.0.9/24 D sync0 $D_IP/24
for n in A B; do
	ip -n "$(ns $n)" route add 192.0.2.0/24 via $X_IP
	ip -n "$(ns $n)" route add 198.51.100.0/24 via $X_IP
done
ifmac() {
	ip -n "$(ns "$1")" -j link show sync0 | $PY -c \
		'import json, sys; print(json.load(sys.stdin)[0]["address"])'
}
A_MAC=$(ifmac A) B_MAC=$(ifmac B) C_MAC=$(ifmac C) D_MAC=$(ifmac D)

# `limit states` as issue 15 names it, when this pfsyncd knows it
LIMIT=""
printf 'interface pfsync0 up syncdev sync0\nhostid 1\nlimit states 1000\n' \
	>"$T/limit.conf"
"$PFSYNCD" -n -f "$T/limit.conf" >/dev/null 2>&1 && LIMIT="limit states 1000"

# A walks its table slowly (1 packet / 10 ms) so that M3's requests
# arrive during a walk
EXTRA_CONF="bulk-pace 1
bulk-tick 10
$LIMIT" daemon_start A $HA || fail "start A"
sleep 1.1 # state ids of their own (test_converge.sh)
EXTRA_CONF="$LIMIT" daemon_start B $HB || fail "start B"
daemon_start D $HD || fail "start D"
"$PFSYNCCTL" -s "$T/D.sock" churn 20000 10 max 20000 fill >/dev/null ||
	fail "churn fill on D"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B

sctl() { "$PFSYNCCTL" -s "$T/$1.sock" "${@:2}"; }

verdict() { # NAME REASON CMD...: one attack's check, never fatal
	local name=$1 why=$2
	shift 2
	if "$@"; then
		echo "ok $name"
	else
		echo "FAIL $name: $why"
		FAILED+=("$name")
	fi
}

# attack NAME [SETTLE]: one attack from X, its report in $T/NAME.json;
# aimed at A (and B) on sync0, or with TARGET=D at D on X's ld0
attack() {
	local to=(sync0 "$A_IP" "$A_MAC")
	[ "${TARGET:-}" = D ] && to=(ld0 "$D_IP" "$D_MAC")
	ip netns exec "$(ns X)" env A_HOSTID=$HA C_IP=$C_IP C_MAC="$C_MAC" \
		C_HOSTID=$HC $PY "$TOP/tests/netns/attacker.py" "${to[@]}" \
		$B_IP "$B_MAC" "$@" >"$T/$1.json" 2>"$T/$1.err" ||
		{ cat "$T/$1.err"; echo '{"error": 1}' >"$T/$1.json"; }
}

jf() { # NAME FIELD: a field of attack NAME's report ("missing": none)
	$PY -c 'import json, sys
print(json.load(open(sys.argv[1])).get(sys.argv[2], "missing"))' \
		"$T/$1.json" "$2"
}

kind() { # NAME DST ACTION: v3 packets of ACTION sent to DST during NAME
	$PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
k = r["kinds"].get(sys.argv[2], {}) if "kinds" in r else {"x": "missing"}
print(k.get(sys.argv[3], 0) if "x" not in k else "missing")' \
		"$T/$1.json" "$2" "$3"
}

figures() { # NAME: what X sent and what came back to it
	$PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
g = lambda k: r.get(k, 0)
i, o = g("sent_bytes"), g("to_us_bytes")
print("# [%s s] %s: in %d pkts %d B; back to X %d pkts %d B"
      " (to spoofed sources %d pkts); group resends %d; A to group %d B;"
      " out/in %.2f; by dst %s" % (sys.argv[3], sys.argv[2], g("sent_pkts"),
      i, g("to_us_pkts"), o, g("to_spoof_pkts"), g("group_resent"),
      g("a_group_bytes"), o / i if i else 0, g("by_dst")))' \
		"$T/$1.json" "$1" "$SECONDS"
}

# ids NAME CREATOR ID...: how many of these ids of CREATOR NAME holds
ids() {
	local name=$1 cr=$2
	shift 2
	sctl "$name" -j states | $PY -c '
import json, sys
c = "%08x" % int(sys.argv[1], 0)
have = {s["id"] for s in json.load(sys.stdin) if s["creatorid"] == c}
print(sum(1 for i in sys.argv[2:] if i in have))' "$cr" "$@"
}

MK=0
MARKS=()
marks_add() { # N: N new states on A, their ids in MARKS
	local i
	MARKS=()
	MK=$((MK + 1))
	for ((i = 1; i <= $1; i++)); do
		MARKS+=("$(sctl A add tcp "10.60.$MK.$i:1000" 10.61.0.1:80)")
	done
}
marks_on() { [ "$(ids "$1" $HA "${MARKS[@]}")" = "${#MARKS[@]}" ]; }

heal_b() { # restart B after an attack that broke its stream of A
	marks_add 5
	wait_for 3 marks_on B && return 0
	echo "# B no longer follows A: restarting B"
	local p
	p=$(daemon_pid B)
	kill -9 "$p"
	wait "$p" 2>/dev/null
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	mv "$T/B.log" "$T/B-killed$p.log"
	rm -f "$T/B.sock"
	EXTRA_CONF="$LIMIT" daemon_start B $HB || fail "restart B"
	wait_for 15 bulk_done B
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$(daemon_pid "$1")/status"; }

# latency NAME FILE: the slowest of pfsyncctl stats answers, in ms,
# probed every 0.1 s until FILE exists
latency() {
	local max=0 t0 dt
	while [ ! -e "$2" ]; do
		t0=$(date +%s%N)
		timeout 3 "$PFSYNCCTL" -s "$T/$1.sock" stats >/dev/null 2>&1
		dt=$((($(date +%s%N) - t0) / 1000000))
		[ "$dt" -gt "$max" ] && max=$dt
		sleep 0.1
	done
	echo "$max"
}

# quick NAME: NAME's control socket answers within 0.3 s, twice
quick() {
	local i t0
	for i in 1 2; do
		t0=$(date +%s%N)
		timeout 3 "$PFSYNCCTL" -s "$T/$1.sock" stats >/dev/null 2>&1 ||
			return 1
		[ $((($(date +%s%N) - t0) / 1000000)) -lt 300 ] || return 1
	done
}

# calm NAME: wait (at most 60 s) until NAME has worked off what an
# attack queued, so that the next attack is judged on its own
calm() {
	local t0=$SECONDS
	wait_for 60 quick "$1" >/dev/null
	[ $((SECONDS - t0)) -gt 1 ] &&
		echo "# $1 stayed busy $((SECONDS - t0)) s after the attack"
	return 0
}

# attack_probed NAME: run attack NAME at D while probing D's control
# socket; the slowest answer in $T/NAME.lat
attack_probed() {
	latency D "$T/$1.done" >"$T/$1.lat" &
	local lp=$!
	TARGET=D attack "$1"
	touch "$T/$1.done"
	wait $lp
}

# --- the churn on A: 200 states, then 150 more live, changing ---------
sctl A churn 2000 5 max 200 fill >/dev/null || fail "churn fill"
wait_for 10 sh -c "! '$PFSYNCCTL' -s '$T/A.sock' -v stats |
	grep -q '^churn: running'"
churn_on() { sctl A churn 150 600 max 150 >/dev/null || fail "churn"; }
churn_on
check "B follows A's churn" wait_for 5 sh -c \
	"[ \$('$PFSYNCCTL' -s '$T/B.sock' states | grep -c .) -gt 200 ]"
sleep 1

# --- M1: NACK reflection -------------------------------------------------
attack m1
figures m1
verdict M1 "A resent $(jf m1 to_spoof_pkts) packets to the spoofed \
192.0.2.77 and $(jf m1 group_resent) to the group (NACK from 0.0.0.0)" \
	test "$(jf m1 to_spoof_pkts)" -eq 0 -a "$(jf m1 group_resent)" -eq 0

# --- M3: bulk requests during a walk --------------------------------------
attack m3
figures m3
# a walk that starts must end while the requests go on (or none starts)
verdict M3 "A started $(jf m3 bus_start_during) bulk walks and ended none \
while UREQ {0,0} came every 0.2 s ($(jf m3 a_group_bytes) B to the group \
for $(jf m3 sent_bytes) B in)" \
	test "$(jf m3 bus_end_during)" -gt 0 -o "$(jf m3 bus_start_during)" -eq 0

# --- M4: cost per packet, at D (20 000 states) --------------------------
wait_for 15 sh -c "! '$PFSYNCCTL' -s '$T/D.sock' -v stats |
	grep -q '^churn: running'"
echo "# D holds $(sctl D states | grep -c .) states"
attack_probed m4stride0
figures m4stride0
verdict M4a "pfsyncctl waited $(cat "$T/m4stride0.lat") ms for D during \
the stride-0 v6 sections (> 1000)" test "$(cat "$T/m4stride0.lat")" -lt 1000
calm D
attack_probed m4clr
figures m4clr
verdict M4b "pfsyncctl waited $(cat "$T/m4clr.lat") ms for D during the \
CLRs of 458 creators (> 1000)" test "$(cat "$T/m4clr.lat")" -lt 1000
calm D

# --- L6: an UPD_C of unknown states from a spoofed source ------------------
attack l6
figures l6
verdict L6 "A sent $(kind l6 192.0.2.50 8) UREQ packets to the spoofed \
192.0.2.50" test "$(kind l6 192.0.2.50 8)" -eq 0

# --- M6: an INS flood beyond `limit states 1000` at B ----------------------
sctl A churn stop >/dev/null # states refused at the limit would be A's too
sleep 0.5
attack m6
figures m6
nb=$(sctl B states | grep -c .)
if [ -z "$LIMIT" ]; then
	verdict M6 "this pfsyncd has no 'limit states' (B holds $nb states)" false
else
	verdict M6 "B holds $nb states, beyond its limit of 1000" \
		test "$nb" -le 1000
fi
attack m6clean 0.5
wait_for 3 count_is 0 ncreator B 0x0bad0006
churn_on

# --- M2: 32 fake streams held back at B ------------------------------------
r0=$(rss_kb B)
attack m2streams
r1=$(rss_kb B)
figures m2streams
echo "# M2s: B's RSS $r0 kB before, $r1 kB after $(jf m2streams sent_bytes) B"
# the hold-back of all streams together is capped at 32 MB (pfsyncd(8));
# 16 MB more for the allocator and the sanitizer's own bookkeeping
verdict M2s "B's RSS grew by $(((r1 - r0) / 1024)) MB for 32 fake streams \
(more than the 32 MB cap and 16 MB of slack)" test $((r1 - r0)) -le 49152

# --- M2: a forged heartbeat / GONE moves A's stream at B -------------------
attack m2hb
figures m2hb
marks_add 10
verdict M2hb "10 states added on A after the forged heartbeat did not \
reach B in 5 s" wait_for 5 marks_on B
heal_b
attack m2gone
figures m2gone
marks_add 10
verdict M2gone "10 states added on A after the forged GONE did not reach \
B in 5 s" wait_for 5 marks_on B
heal_b

# --- M9: a CLR naming A's hostid, to A --------------------------------------
marks_add 10
wait_for 5 marks_on B
attack m9 1
verdict M9 "a CLR for A's own hostid removed $((10 - $(ids A $HA \
"${MARKS[@]}"))) of 10 of A's own states on A" marks_on A

# --- M9 with the conntrack backend: C's own kernel entry ---------------------
# C (started here, stopped after) keeps its kernel's table; a CLR naming
# its hostid must not delete its live connection
ip netns exec "$(ns C)" nft -f - <<'NFT'
table inet pfsync_notrack {
  chain pre { type filter hook prerouting priority raw;
    ip protocol 240 notrack; }
  chain out { type filter hook output priority raw;
    ip protocol 240 notrack; }
}
NFT
BACKEND=conntrack daemon_start C $HC || fail "start C"
wait_for 15 bulk_done C
CT=(-p tcp -s 10.70.0.10 -d 10.71.0.20 --sport 40000 --dport 22)
ctc() { ip netns exec "$(ns C)" conntrack "$@" 2>/dev/null; }
ctc -I "${CT[@]}" --state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED ||
	fail "conntrack -I on C"
ct_live() { ctc -L "${CT[@]}" | grep -q ESTABLISHED; }
wait_for 5 count_is 1 ncreator C $HC
if ct_live && [ "$(ncreator C $HC)" = 1 ]; then
	# a peer's bulk may bring the entry back at once: its DESTROY event
	# is what tells
	ip netns exec "$(ns C)" stdbuf -oL conntrack -E -e DESTROY "${CT[@]}" \
		>"$T/m9ct.events" 2>/dev/null &
	evp=$!
	sleep 0.3
	attack m9ct 1
	kill "$evp"
	wait "$evp" 2>/dev/null
	nd=$(grep -c DESTROY "$T/m9ct.events")
	verdict M9ct "a CLR for C's own hostid removed C's live kernel entry \
(conntrack backend: $nd DESTROY event)" eval '[ "$nd" -eq 0 ] && ct_live'
else
	verdict M9ct "setup: C does not hold its own kernel entry as a state" \
		false
fi
daemon_stop C || echo "# C did not stop cleanly"

# --- M5: version auto poisoned by spoofed v5/v6 headers ---------------------
attack m5 2
figures m5
# A's peers of a spoofed address whose v5 or v6 header it learned
poisoned=$(sctl A -j pfsync0 | $PY -c 'import json, sys
print(sum(1 for p in json.load(sys.stdin)["peers"]
          if p["addr"].startswith("198.51.100.") and p["dialect"] != 3))')
bdl=$(json_field B dialect pfsync0)
bmixed=$(json_field B dialect_mixed pfsync0)
marks_add 10
wait_for 5 marks_on B
got=$(ids B $HA "${MARKS[@]}")
verdict M5 "A took the v5/v6 dialect of $poisoned spoofed sources \
(pfsync0: '$(sctl A pfsync0 | grep -o 'sending: .*')'), \
$(jf m5 to_spoof_pkts) packets went to spoofed sources, B sends v$bdl \
mixed=$bmixed, B got $got of 10 new states of A" \
	test "$poisoned" -eq 0 -a "$(jf m5 to_spoof_pkts)" -eq 0 \
	-a "$bdl" = 3 -a "$bmixed" = False -a "$got" -eq 10

# --- after the attacks: A's states the same on A and B ----------------------
sctl A churn stop >/dev/null
own() { # NAME: A's states NAME holds, one "id" a line
	sctl "$1" -j states | $PY -c '
import json, sys
c = "%08x" % int(sys.argv[1], 0)
for s in sorted(json.load(sys.stdin), key=lambda s: s["id"]):
	if s["creatorid"] == c:
		print(s["id"], s["src_state"], s["dst_state"], s["src_seqlo"])' $HA
}
same_own() { [ "$(own A)" = "$(own B)" ]; }
wait_for 8 same_own
own A >"$T/own.A"
own B >"$T/own.B"
lost=$(cut -d' ' -f1 "$T/own.A" | sort | comm -23 - <(cut -d' ' -f1 \
	"$T/own.B" | sort) | grep -c .)
back=$(cut -d' ' -f1 "$T/own.B" | sort | comm -13 <(cut -d' ' -f1 \
	"$T/own.A" | sort) - | grep -c .)
echo "# final: A holds $(grep -c . "$T/own.A") of its states, B \
$(grep -c . "$T/own.B"); lost on B $lost, on B but gone on A $back"
verdict converge "A's states differ on A and B after the attacks ($lost \
lost, $back resurrected)" same_own

# --- X got nothing back it did not already have ------------------------------
$PY -c 'import json, os, sys
print("# attack      bytes in   back to X  to spoofed  out/in"
      "  A to group  /in")
for f in sys.argv[1:]:
	r = json.load(open(f))
	i, o = r.get("sent_bytes", 0), r.get("to_us_bytes", 0)
	g = r.get("a_group_bytes", 0)
	print("# %-10s %9d %11d %11d %7.2f %11d %5.0f" % (
	      os.path.basename(f)[:-5], i, o, r.get("to_spoof_bytes", 0),
	      o / i if i else 0, g, g / i if i else 0))' "$T"/*.json
tot=$($PY -c 'import json, sys
n = 0
for f in sys.argv[1:]:
	n += json.load(open(f)).get("to_spoof_pkts", 0)
print(n)' "$T"/*.json)
verdict reflection "$tot packets went to spoofed sources over all attacks" \
	test "$tot" -eq 0

check "daemons alive, no sanitizer reports" daemons_healthy
if [ "${#FAILED[@]}" -gt 0 ]; then
	fail "attacks that still work: ${FAILED[*]} ($SECONDS s)"
fi
echo "PASS test_hostile ($SECONDS s)"
