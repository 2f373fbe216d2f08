#!/bin/bash
# test_conntrack.sh - `backend conntrack` with real conntrack tables in two
# firewall namespaces: entries created, updated and deleted with the
# conntrack CLI on fwA reach fwB's kernel table with the status bits of
# their state (UNREPLIED stays so; a mark-only change is one update, as
# marks travel between pfsyncd peers, test_ct_natx); fwB
# does not send back what it learned (its echoes are filtered in the
# kernel); a late-started fwC gets the table by bulk; a CLR from fwA
# removes A's entries from fwB's kernel; pfsync traffic itself (notrack)
# makes no synced entry.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.30.0.1
netns_node fwB 10.30.0.2
netns_node fwC 10.30.0.3

# notrack for protocol 240 (test-environment.md 5), and a ct rule so the
# namespaces do track what passes
for n in fwA fwB fwC; do
	ip netns exec "$(ns "$n")" nft -f - <<'NFT'
table inet pfsync_notrack {
  chain pre { type filter hook prerouting priority raw; ip protocol 240 notrack; }
  chain out { type filter hook output priority raw; ip protocol 240 notrack; }
}
table inet fw {
  chain in { type filter hook input priority filter; ct state established accept; }
}
NFT
done

ct() { # NAME conntrack-args...
	local n=$1
	shift
	ip netns exec "$(ns "$n")" conntrack "$@" 2>/dev/null
}
TCP=(-p tcp -s 10.1.0.10 -d 10.2.0.20 --sport 40000 --dport 80)
UDP=(-p udp -s 10.1.0.11 -d 10.2.0.21 --sport 5353 --dport 53)
has() { ct "$1" -L "${@:2}" | grep -q .; }
hasnt() { ! has "$@"; }
lists() { # NAME PATTERN args: conntrack -L output matches PATTERN
	ct "$1" -L "${@:3}" | grep -q -- "$2"
}

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 5 bulk_done fwA
wait_for 5 bulk_done fwB

ct fwA -I "${TCP[@]}" --state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED ||
	fail "conntrack -I tcp on fwA"
ct fwA -I "${UDP[@]}" -t 120 -u SEEN_REPLY ||
	fail "conntrack -I udp on fwA"
check "TCP entry reaches fwB's kernel" wait_for 5 has fwB "${TCP[@]}"
check "UDP entry reaches fwB's kernel" wait_for 5 has fwB "${UDP[@]}"
check "fwB's TCP entry is ESTABLISHED, ASSURED" \
	lists fwB 'ESTABLISHED.*ASSURED' "${TCP[@]}"
check "fwB's TCP and UDP entries are not UNREPLIED" \
	bash -c "! ip netns exec $(ns fwB) conntrack -L 2>/dev/null |
		grep -E '^(tcp|udp) ' | grep -q UNREPLIED"
check "fwB's TCP timeout copied (> 500 s)" bash -c \
	"ip netns exec $(ns fwB) conntrack -L -p tcp 2>/dev/null |
	 awk '{ exit !(\$3 > 500) }'"
check "fwB's mirror holds A's 2 states" \
	count_is 2 ncreator fwB 0x0a000001
check "fwB created none of its own (no echo)" \
	count_is 0 ncreator fwB 0x0a000002
check "fwA's mirror holds no state from B" \
	count_is 0 ncreator fwA 0x0a000002

# a TCP state change on fwA: FIN_WAIT reaches fwB
ct fwA -U "${TCP[@]}" --state FIN_WAIT -t 100 >/dev/null ||
	fail "conntrack -U on fwA"
check "update (FIN_WAIT) reaches fwB" \
	wait_for 5 lists fwB FIN_WAIT "${TCP[@]}"

# the mark travels between pfsyncd peers (the extras section): a
# mark-only change is one update, and fwB's entry gets the mark
upd0=$(json_field fwB applied_upd stats)
ct fwA -U "${TCP[@]}" -m 7 >/dev/null || fail "conntrack -U -m on fwA"
check "a mark-only change on fwA reaches fwB's entry" \
	wait_for 5 lists fwB 'mark=7 ' "${TCP[@]}"
sleep 1
check "... as one update" \
	count_is "$((upd0 + 1))" json_field fwB applied_upd stats

# zones: the same tuple in zones 1 and 2 is two entries, on fwB too, and
# deleting one leaves the other (the zone is part of the key that finds
# them, carried between pfsyncd peers)
ZT=(-p tcp -s 10.1.0.13 -d 10.2.0.23 --sport 40002 --dport 80)
nzones() { # NAME: zones of the ZT entries, sorted
	ct "$1" -L "${ZT[@]}" | grep -o 'zone=[0-9]*' | sort | tr '\n' ' '
}
for z in 1 2; do
	ct fwA -I "${ZT[@]}" --state ESTABLISHED -t 200 \
		-u SEEN_REPLY,ASSURED -w "$z" >/dev/null ||
		fail "conntrack -I zone $z on fwA"
done
check "one tuple in zones 1 and 2: two entries on fwB" \
	wait_for 5 bash -c "[ \"\$(ip netns exec $(ns fwB) conntrack -L \
		${ZT[*]} 2>/dev/null | grep -o 'zone=[0-9]*' | sort |
		tr '\n' ' ')\" = 'zone=1 zone=2 ' ]"
ct fwA -D "${ZT[@]}" -w 1 >/dev/null || fail "conntrack -D zone 1 on fwA"
check "the delete in zone 1 leaves zone 2's entry on fwB" \
	wait_for 5 bash -c "[ \"\$(ip netns exec $(ns fwB) conntrack -L \
		${ZT[*]} 2>/dev/null | grep -o 'zone=[0-9]*' | sort |
		tr '\n' ' ')\" = 'zone=2 ' ]"
echo "fwB's zones now: $(nzones fwB)"
ct fwA -D "${ZT[@]}" -w 2 >/dev/null
check "... and zone 2's delete removes it" \
	wait_for 5 bash -c "! ip netns exec $(ns fwB) conntrack -L ${ZT[*]} \
		2>/dev/null | grep -q zone="

# status bits follow the state: unreplied stays so, UDP is assured on
# fwB only when it is on fwA
SYN=(-p tcp -s 10.1.0.12 -d 10.2.0.22 --sport 40001 --dport 80)
ct fwA -I "${SYN[@]}" --state SYN_SENT -t 100 ||
	fail "conntrack -I SYN_SENT on fwA"
check "an unreplied TCP entry reaches fwB as SYN_SENT [UNREPLIED]" \
	wait_for 5 lists fwB 'SYN_SENT.*UNREPLIED' "${SYN[@]}"
check "... and not ASSURED" bash -c "! ip netns exec $(ns fwB) \
	conntrack -L ${SYN[*]} 2>/dev/null | grep -q ASSURED"
check "fwB's UDP entry (SEEN_REPLY on fwA) is not ASSURED" bash -c \
	"! ip netns exec $(ns fwB) conntrack -L ${UDP[*]} 2>/dev/null |
	 grep -q ASSURED"
ct fwA -D "${SYN[@]}" >/dev/null || fail "conntrack -D SYN on fwA"
check "its delete reaches fwB" wait_for 5 hasnt fwB "${SYN[@]}"

# a late node gets A's (and B's copy of A's) entries by bulk
daemon_start fwC 0x0a000003
check "late fwC gets the TCP entry by bulk" wait_for 8 has fwC "${TCP[@]}"
check "late fwC gets the UDP entry by bulk" wait_for 5 has fwC "${UDP[@]}"

# delete on fwA removes it on fwB and fwC
ct fwA -D "${UDP[@]}" >/dev/null || fail "conntrack -D on fwA"
check "delete reaches fwB" wait_for 5 hasnt fwB "${UDP[@]}"
check "delete reaches fwC" wait_for 5 hasnt fwC "${UDP[@]}"
check "fwB's mirror follows (1 state of A)" \
	wait_for 3 count_is 1 ncreator fwB 0x0a000001

# an entry made on fwB itself is B's and reaches A
ct fwB -I -p tcp -s 10.1.0.30 -d 10.2.0.40 --sport 41000 --dport 443 \
	--state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED || fail "-I on fwB"
check "B's own entry reaches fwA" \
	wait_for 5 has fwA -p tcp -s 10.1.0.30 --sport 41000
check "it is B's state in fwA's mirror" \
	wait_for 3 count_is 1 ncreator fwA 0x0a000002

# a CLR of creator A (v3 header, 24-byte clr record, sent from fwA's
# namespace) takes A's entries out of fwB's kernel: the engine reports it
# state by state, B's own entry stays
CLR="hex:03000001$(printf "%032d" 0)$(printf "%032d" 0)0a00000100000000"
ip netns exec "$(ns fwA)" $PY "$TOP/tests/netns/pfsend.py" 10.30.0.2 255 \
	"$CLR" || fail "pfsend CLR"
check "fwA's CLR removes A's entry from fwB's kernel" \
	wait_for 5 hasnt fwB "${TCP[@]}"
check "... and A's states from fwB's mirror" \
	wait_for 3 count_is 0 ncreator fwB 0x0a000001
check "B's own entry stays in fwB's kernel" \
	has fwB -p tcp -s 10.1.0.30 --sport 41000

# pfsync traffic (notrack) and loopback make no synced entries
ip netns exec "$(ns fwA)" ping -c 1 -W 1 127.0.0.1 >/dev/null
check "no protocol 240 entry on fwA" \
	bash -c "! ip netns exec $(ns fwA) conntrack -L 2>/dev/null |
		grep -q 'unknown  *240'"
check "no loopback state in fwA's mirror" \
	bash -c "! '$PFSYNCCTL' -s '$T/fwA.sock' states | grep -q 127.0.0.1"

# counters: B wrote to its kernel and none failed
ctval() { ctl "$1" -j stats | $PY -c \
	'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
check "fwB counted kernel writes" bash -c "[ $(ctval fwB ct_ok) -ge 3 ]"
check "fwB had no failed kernel write" count_is 0 ctval fwB ct_fail
check "no echo of fwB's writes reached user space (kernel filter)" \
	count_is 0 ctval fwB ct_own
refused() { ! ctl fwA "$@" 2>/dev/null; }
check "add is refused with the conntrack backend" \
	refused add tcp 10.9.0.1:1 10.9.0.2:2
check "churn is refused with the conntrack backend" refused churn 10 1

check "daemons healthy" daemons_healthy
