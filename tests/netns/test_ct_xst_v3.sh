#!/bin/bash
# test_ct_xst_v3.sh - what a peer that speaks plain v3 gets of the Linux
# extras (mark, zone, labels, a second translation): nothing more than v3
# holds, and no traffic for what it cannot hold.  Two conntrack backends
# with `reliable off` exchange plain v3, as with a NetBSD peer (no
# trailer, so neither says it reads the extras section): an entry with
# both SNAT and DNAT reaches fwB with its source half only, a mark-only
# change on fwA sends no packet (fwB, which would read a section, gets
# none: its entry has the source half only).  Then
# the same with reliable on (the default): the entry arrives whole and
# the mark follows.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.31.0.1
netns_node fwB 10.31.0.2
pfsync_notrack fwA fwB || fail "nft notrack"

ct() { # NAME conntrack-args...
	local n=$1
	shift
	ip netns exec "$(ns "$n")" conntrack "$@" 2>/dev/null
}
# a port forward of 203.0.113.1:80 to 10.0.0.5:8080, source NATed to
# 10.0.0.1: both translations on one entry
T1=(-p tcp -s 198.51.100.7 -d 203.0.113.1 --sport 40000 --dport 80)
both() { # NAME: the entry as written on fwA: both NATs in the reply
	ct "$1" -L "${T1[@]}" | grep -q \
		'src=10\.0\.0\.5 dst=10\.0\.0\.1 sport=8080 dport=40000'
}
snat_half() { # NAME: only the source half: replies from 203.0.113.1:80
	ct "$1" -L "${T1[@]}" | grep -q \
		'src=203\.0\.113\.1 dst=10\.0\.0\.1 sport=80 dport=40000'
}
insert_both() {
	ct fwA -I "${T1[@]}" --state ESTABLISHED -t 300 \
		-u SEEN_REPLY,ASSURED --dst-nat 10.0.0.5:8080 \
		--src-nat 10.0.0.1 -m 42 >/dev/null
}

EXTRA_CONF="reliable off
digest off"
daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 5 bulk_done fwA
wait_for 5 bulk_done fwB
insert_both || fail "conntrack -I with both NATs on fwA"
check "fwA's entry has both translations" both fwA
ct fwA -L "${T1[@]}"
check "plain v3: fwB gets the entry with its source half" \
	wait_for 5 snat_half fwB
check "... without the mark" bash -c "ip netns exec $(ns fwB) \
	conntrack -L ${T1[*]} 2>/dev/null | grep -q 'mark=0 '"
out0=$(json_field fwA opackets stats)
upd0=$(json_field fwB applied_upd stats)
ct fwA -U "${T1[@]}" -m 43 >/dev/null || fail "conntrack -U -m on fwA"
sleep 1.5
check "plain v3: a mark-only change sends no packet" \
	count_is "$out0" json_field fwA opackets stats
check "... and fwB applies no update" \
	count_is "$upd0" json_field fwB applied_upd stats
check "no extras section refused on fwB" \
	count_is 0 json_field fwB rel_xst_bad stats
check "daemons healthy" daemons_healthy
ct fwA -D "${T1[@]}" >/dev/null
check "the delete reaches fwB" wait_for 5 bash -c "! ip netns exec \
	$(ns fwB) conntrack -L ${T1[*]} 2>/dev/null | grep -q src="
for n in fwA fwB; do
	p=$(daemon_pid $n)
	kill "$p"
	wait "$p" 2>/dev/null
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	ct "$n" -F >/dev/null
done

# the default, reliable on: pfsyncd peers carry the extras (and fwA's
# own labelled UDP flow below, which the default `ignore address auto`
# would leave out)
EXTRA_CONF="ignore address none"
daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 5 bulk_done fwA
wait_for 5 bulk_done fwB
# the bulk requests, numbered, told each that the other reads extras
insert_both || fail "conntrack -I with both NATs on fwA (2)"
check "pfsyncd peers: fwB's entry has both translations" \
	wait_for 5 both fwB
check "... and the mark" bash -c "ip netns exec $(ns fwB) \
	conntrack -L ${T1[*]} 2>/dev/null | grep -q 'mark=42 '"
ct fwA -U "${T1[@]}" -m 43 >/dev/null || fail "conntrack -U -m on fwA (2)"
check "pfsyncd peers: the mark change reaches fwB" wait_for 5 bash -c \
	"ip netns exec $(ns fwB) conntrack -L ${T1[*]} 2>/dev/null |
	 grep -q 'mark=43 '"
check "daemons healthy (2)" daemons_healthy

# labels fwB has no room for (no label rule loaded in its kernel): a
# create drops them silently, an update is refused (ENOSPC) and sent
# again without them, so the connection and its changes still arrive
ip netns exec "$(ns fwA)" nft -f - <<'NFT' || fail "nft label rule on fwA"
table inet lab {
  chain out { type filter hook output priority filter; udp dport 7777 ct label set 5; }
}
NFT
ip netns exec "$(ns fwA)" "$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", ("10.31.0.99", 7777))'
U1=(-p udp --dport 7777 -d 10.31.0.99)
check "fwA's UDP entry is labelled" bash -c "ip netns exec $(ns fwA) \
	'$PY' '$TOP/tests/netns/ctlabels.py' 7777 | grep -q '^labels=5 '"
check "fwB without label rules still gets the entry (without labels)" \
	wait_for 5 bash -c "ip netns exec $(ns fwB) conntrack -L ${U1[*]} \
	2>/dev/null | grep -q 'dst=10\.31\.0\.99'"
retried0=$(json_field fwB ct_retried stats)
ct fwA -U "${U1[@]}" -m 9 >/dev/null || fail "conntrack -U -m on fwA (3)"
check "an update of it reaches fwB (the mark)" wait_for 5 bash -c \
	"ip netns exec $(ns fwB) conntrack -L ${U1[*]} 2>/dev/null |
	 grep -q 'mark=9 '"
check "... sent again without its labels once refused for them" \
	count_is "$((retried0 + 1))" json_field fwB ct_retried stats
check "... and no write failed for good" bash -c "! grep -q 'No space' \
	'$T/fwB.log'"
check "daemons healthy (3)" daemons_healthy
