#!/bin/bash
# test_ct_protos.sh - every protocol conntrack tracks, between pfsyncd
# peers with `backend conntrack`: SCTP (its conntrack state and both
# verification tags), GRE (its keys) and a protocol conntrack knows only
# by number (253, generic: addresses and protocol).
#
# Real traffic first: a host behind fwA sends an SCTP INIT, a GRE packet
# and a protocol 253 packet through raw sockets to a sink on fwA's other
# side, forwarded by fwA (the firewall's own traffic is not synced,
# `ignore address auto`; this kernel
# has no SCTP stack and no GRE tunnels, but conntrack tracks the packets
# all the same): each entry, with the INIT's tag as the reply vtag, is
# on fwB the same (tuple, state, tags, mark; ctproto.py reads what
# conntrack(8) does not print).  Then entries made with conntrack -I (an
# established SCTP association with tags and a mark, a GRE entry with
# keys and a mark, protocol 253 with a mark) are equal on fwB; SCTP state
# changes on fwA (SHUTDOWN_SENT, SHUTDOWN_ACK_SENT) follow on fwB; the
# deletes follow; a late fwC gets them all by bulk.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.30.0.1
netns_node fwB 10.30.0.2
netns_node fwC 10.30.0.3
netns_add host
netns_add sink
netns_link host eth0 10.60.0.2/24 fwA in0 10.60.0.1/24
netns_link fwA out0 10.50.0.1/24 sink eth0 10.50.0.2/24
ip -n "$(ns host)" route add 10.50.0.0/24 via 10.60.0.1
ip netns exec "$(ns fwA)" sysctl -qw net.ipv4.ip_forward=1

# the kernel gives a first INIT's entry 10 s (CLOSED) and an unreplied
# GRE entry 30 s: longer here, so that a loaded machine still compares
# them before they expire
for n in fwA fwB fwC; do
	ip netns exec "$(ns "$n")" sysctl -qw \
		net.netfilter.nf_conntrack_sctp_timeout_closed=300 \
		net.netfilter.nf_conntrack_gre_timeout=300 ||
		fail "sysctl on $n"
	ip netns exec "$(ns "$n")" nft -f - <<'NFT' || fail "nft on $n"
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
# pinfo NAME PROTO [GREP]: the entries of PROTO as ctproto.py prints them
pinfo() {
	ip netns exec "$(ns "$1")" "$PY" "$TOP/tests/netns/ctproto.py" "$2" |
		grep -- "${3:-.}"
}
# same NAME1 NAME2 PROTO GREP: the matching entries are there and equal
same() {
	local a b
	a=$(pinfo "$1" "$3" "$4") && b=$(pinfo "$2" "$3" "$4") &&
		[ -n "$a" ] && [ "$a" = "$b" ]
}
raw() { ip netns exec "$(ns host)" "$PY" "$TOP/tests/netns/rawproto.py" "$@"; }

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB

# ---- real packets --------------------------------------------------------
raw sctp-init 10.50.0.2 5001 6001 2882400001 || fail "SCTP INIT"
raw gre 10.50.0.2 || fail "GRE packet"
raw proto 253 10.50.0.2 || fail "protocol 253 packet"
check "fwA tracks the SCTP INIT (reply vtag = the INIT's tag)" \
	wait_for 6 pinfo fwA 132 '10.60.0.2:5001>10.50.0.2:6001 .*vtag=0,2882400001'
echo "fwA: $(pinfo fwA 132 10.60.0.2)"
wait_for 10 same fwA fwB 132 10.60.0.2:5001 ||
	echo "fwB: $(pinfo fwB 132 10.60.0.2)"
check "the SCTP INIT's entry is on fwB, equal" \
	same fwA fwB 132 10.60.0.2:5001
check "... and unreplied there" \
	wait_for 6 bash -c "ip netns exec $(ns fwB) conntrack -L -p sctp \
		--sport 5001 2>/dev/null | grep -q UNREPLIED"
check "the GRE packet's entry is on fwB, equal" \
	wait_for 10 same fwA fwB 47 '10.60.0.2:0>10.50.0.2:0'
check "the protocol 253 packet's entry is on fwB, equal" \
	wait_for 10 same fwA fwB 253 10.60.0.2

# ---- entries made with conntrack -I ---------------------------------------
SCTP=(-p sctp -s 10.1.0.10 -d 10.2.0.20 --sport 5000 --dport 6000)
GRE=(-p gre -s 10.1.0.11 -d 10.2.0.21 --orig-key-src 11 --orig-key-dst 22)
GEN=(-p 253 -s 10.1.0.12 -d 10.2.0.22)
# conntrack-tools 1.4.7 hands the kernel the tags in host byte order: the
# tags are byte palindromes so that the kernel's values are the same
ct fwA -I "${SCTP[@]}" --state ESTABLISHED --orig-vtag 16777217 \
	--reply-vtag 33554434 -t 300 -u SEEN_REPLY,ASSURED -m 7 ||
	fail "conntrack -I sctp on fwA"
ct fwA -I "${GRE[@]}" -t 300 -u SEEN_REPLY -m 8 ||
	fail "conntrack -I gre on fwA"
ct fwA -I "${GEN[@]}" -t 300 -u SEEN_REPLY,ASSURED -m 9 ||
	fail "conntrack -I 253 on fwA"
check "SCTP ESTABLISHED, vtags 0x01000001/0x02000002, mark 7 on fwB" \
	wait_for 10 pinfo fwB 132 \
	'10.1.0.10:5000>10.2.0.20:6000 reply=6000>5000 state=4 vtag=16777217,33554434 mark=7'
check "... equal to fwA's" same fwA fwB 132 10.1.0.10
check "... ASSURED on fwB" bash -c "ip netns exec $(ns fwB) conntrack -L \
	${SCTP[*]} 2>/dev/null | grep -q 'ESTABLISHED.*ASSURED'"
check "GRE with keys 11/22, mark 8 on fwB" \
	wait_for 10 pinfo fwB 47 '10.1.0.11:11>10.2.0.21:22 reply=22>11 .*mark=8'
check "... equal to fwA's" same fwA fwB 47 10.1.0.11
check "protocol 253, mark 9 on fwB" \
	wait_for 10 pinfo fwB 253 '10.1.0.12:0>10.2.0.22:0 .*mark=9'
check "... equal to fwA's" same fwA fwB 253 10.1.0.12

# ---- updates: the SCTP association shuts down on fwA ----------------------
ct fwA -U "${SCTP[@]}" --state SHUTDOWN_SENT --orig-vtag 16777217 \
	--reply-vtag 33554434 >/dev/null || fail "conntrack -U SHUTDOWN_SENT"
check "SHUTDOWN_SENT (5) follows on fwB" \
	wait_for 10 pinfo fwB 132 '10.1.0.10:5000>.* state=5 vtag=16777217,33554434 mark=7'
ct fwA -U "${SCTP[@]}" --state SHUTDOWN_ACK_SENT --orig-vtag 16777217 \
	--reply-vtag 33554434 >/dev/null || fail "conntrack -U SHUTDOWN_ACK_SENT"
check "SHUTDOWN_ACK_SENT (7) follows on fwB" \
	wait_for 10 pinfo fwB 132 '10.1.0.10:5000>.* state=7 vtag=16777217,33554434 mark=7'
check "... equal to fwA's" same fwA fwB 132 10.1.0.10

# ---- a late node gets them by bulk ----------------------------------------
daemon_start fwC 0x0a000003
check "late fwC gets the SCTP entry (state 7, tags) by bulk" \
	wait_for 15 same fwA fwC 132 10.1.0.10
check "late fwC gets the GRE entry by bulk" wait_for 10 same fwA fwC 47 10.1.0.11
check "late fwC gets the protocol 253 entry by bulk" \
	wait_for 10 same fwA fwC 253 10.1.0.12

# ---- deletes ----------------------------------------------------------------
ct fwA -D "${SCTP[@]}" >/dev/null || fail "conntrack -D sctp"
ct fwA -D "${GRE[@]}" >/dev/null || fail "conntrack -D gre"
ct fwA -D "${GEN[@]}" >/dev/null || fail "conntrack -D 253"
for n in fwB fwC; do
	check "SCTP delete reaches $n" \
		wait_for 10 bash -c "! ip netns exec $(ns $n) \
		$PY $TOP/tests/netns/ctproto.py 132 | grep -q 10.1.0.10"
	check "GRE delete reaches $n" \
		wait_for 10 bash -c "! ip netns exec $(ns $n) \
		$PY $TOP/tests/netns/ctproto.py 47 | grep -q 10.1.0.11"
	check "protocol 253 delete reaches $n" \
		wait_for 10 bash -c "! ip netns exec $(ns $n) \
		$PY $TOP/tests/netns/ctproto.py 253 | grep -q 10.1.0.12"
done

ctval() { ctl "$1" -j stats | $PY -c \
	'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
check "fwB had no failed kernel write" count_is 0 ctval fwB ct_fail
check "fwC had no failed kernel write" count_is 0 ctval fwC ct_fail
check "fwA skipped none of these entries" count_is 0 ctval fwA ct_skipped
check "daemons healthy" daemons_healthy
