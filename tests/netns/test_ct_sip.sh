#!/bin/bash
# test_ct_sip: a SIP call's RTP across a failover, with the kernel's own
# SIP helper (nf_conntrack_sip) assigned by an nftables `ct helper`
# object of type "sip" on UDP 5060 in the firewalls' forward path, under
# a strict forward policy (drop all but established and related; new
# connections only to UDP 5060: RTP must be RELATED).
#
# Firewall A forwards; pfsyncd (backend conntrack) on A and B carries the
# SIP connection with its helper and the expectations A's helper makes
# from the SDP of the INVITE (the caller's RTP and RTCP ports) and of the
# 200 OK (the callee's): each of class 1 (audio), whose policy allows
# several per call where class 0 (signalling) allows one.  sipua.py is
# the caller (UAC, inside) and the callee (UAS, 10.0.0.10).  A dies
# (cables pulled, pfsyncd stopped) and B takes the addresses A's
# neighbours route through (as test_ct_ftp does).  Then through B the
# RTP flows both ways, each direction from a port the SDP did not name:
# a new connection per direction that only B's copy of A's expectation
# lets through (RELATED).  Then the caller's BYE through B makes B's
# helper remove the call's expectations left (the RTCP ones): those of
# class 1, which it would not remove if they had arrived as class 0.
# Control: a call set up through A after A's pfsyncd stopped has no
# expectation on B, and its RTP is dropped both ways by B's policy.
# Run twice: without NAT, then with SNAT of the inside to 10.0.0.1, where
# nf_nat_sip rewrites the caller's SDP to 10.0.0.1 and A's expectations
# carry the NAT of the expected connection (where the callee's RTP is
# sent on: the caller's own address and port) and the expect function
# "sip" (nf_nat_sip's, which also source-translates the caller's RTP).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v conntrack >/dev/null || fail "conntrack is not installed"
SIPDIR=$(dirname "$0")

sip_rules() { # NODE NAT
	local nat=""
	[ "$2" = 1 ] && nat='
table ip nat {
	chain pre { type nat hook prerouting priority dstnat; }
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" ip saddr 192.168.0.0/24 snat to 10.0.0.1
	}
}'
	ip netns exec "$(fo_ns "$1")" nft -f - <<NFT
table inet raw {
	chain pre {
		type filter hook prerouting priority raw;
		ip protocol { 240, igmp } notrack
		iifname "sync0" notrack
	}
	chain out {
		type filter hook output priority raw;
		ip protocol { 240, igmp } notrack
		oifname "sync0" notrack
	}
}
table inet fw {
	ct helper sip-std {
		type "sip" protocol udp
		l3proto ip
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		iifname "sync0" accept
		ct state established,related accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "lan" oifname "wan" udp dport 5060 ct state new ct helper set "sip-std"
		ct state related counter accept comment "rel"
		ct state established counter accept comment "est"
		ct state invalid counter drop comment "invalid"
		iifname "lan" oifname "wan" ip daddr 10.0.0.0/24 udp dport 5060 ct state new counter accept comment "new-sip"
		counter comment "policy"
	}
}
$nat
NFT
}

vips() { # NODE add|del
	ip -n "$(fo_ns "$1")" addr "$2" 192.168.0.1/24 dev lan
	ip -n "$(fo_ns "$1")" addr "$2" 10.0.0.1/24 dev wan
}

uac_start() { # NAME: a call from the client's namespace
	ip netns exec "$(fo_ns cli)" "$PY" "$SIPDIR/sipua.py" uac 10.0.0.10 \
		"$1" "$T/$FO.go" "$T/$FO$1.bye" >"$T/$FO$1.log" 2>&1 &
	fo_bgpid "$1"
}
announced() { grep -q "^announced $1 " "$T/$FO$1.log"; }
rtp_port() { # NAME 1|2: the caller's (1) or the callee's (2) RTP port
	sed -n "s/^announced $1 rtp \([0-9]*\) \([0-9]*\)\$/\\$2/p" \
		"$T/$FO$1.log"
}
uac_got() { sed -n 's/^got \([0-9]*\)$/\1/p' "$T/$FO$1.log"; }
uas_got() { sed -n "s/^call $1 got \([0-9]*\)\$/\1/p" "$T/${FO}srv.log"; }

# sip_exps NODE: the node's UDP expectations made for the SIP helper
sip_exps() {
	ip netns exec "$(fo_ns "$1")" conntrack -L expect 2>/dev/null |
		grep 'proto=17' | grep 'helper=sip'
}
exp_atleast() { [ "$(sip_exps "$1" | wc -l)" -ge "$2" ]; }
rtp_cts() { # NODE: its UDP entries but the SIP connections
	ip netns exec "$(fo_ns "$1")" conntrack -L -p udp 2>/dev/null |
		grep -v 'dport=5060 '
}
master_has_helper() { # NODE
	ip netns exec "$(fo_ns "$1")" conntrack -L -p udp --dport 5060 \
		2>/dev/null | grep -q 'helper=sip'
}
stat_of() { # NODE KEY
	"$PFSYNCCTL" -s "$T/$FO$1.sock" -j -v stats 2>/dev/null |
		"$PY" -c 'import json,sys
def find(o, k):
    if isinstance(o, dict):
        for a, b in o.items():
            if a == k: return b
            r = find(b, k)
            if r is not None: return r
    return None
print(find(json.load(sys.stdin), sys.argv[1]) or 0)' "$2"
}

scenario() { # TAG NAT
	FO=$1
	local nat=$2 what sent written rel drops
	what=$([ "$nat" = 1 ] && echo "SNAT" || echo "no NAT")
	fo_topology
	sip_rules fwA "$nat" || fail "nft ruleset A"
	sip_rules fwB "$nat" || fail "nft ruleset B"
	vips fwA add
	fo_pfsyncd fwA 0x0a0000aa || fail "pfsyncd A"
	fo_pfsyncd fwB 0x0a0000bb || fail "pfsyncd B"
	check "$what: both bulk updates done" wait_for 15 \
		eval "fo_synced fwA && fo_synced fwB"
	ip netns exec "$(fo_ns srv)" "$PY" "$SIPDIR/sipua.py" uas 10.0.0.10 \
		"$T/$FO.go" >"$T/${FO}srv.log" 2>&1 &
	fo_bgpid srv
	wait_for 5 grep -q listening "$T/${FO}srv.log" || fail "SIP server"

	uac_start main
	check "$what: call set up through A (INVITE, 200 OK, ACK)" \
		wait_for 10 announced main
	check "$what: A's helper made the RTP and RTCP expectations of both sides" \
		wait_for 5 exp_atleast fwA 4
	check "$what: A's SIP connection has the sip helper" \
		master_has_helper fwA
	check "$what: B's copy of it has it too" wait_for 5 master_has_helper fwB
	check "$what: A's four expectations are in B's kernel, helper sip" \
		wait_for 5 exp_atleast fwB 4
	echo "# A's expectations:"
	sip_exps fwA
	echo "# B's expectations:"
	sip_exps fwB
	check "$what: B's are of A's class (1, audio)" \
		test "$(sip_exps fwB | grep -c 'class=1')" -ge 4
	sent=$(stat_of fwA ct_exp_sent)
	check "$what: A sent them ($sent)" test "$sent" -ge 4

	# the control: A's pfsyncd stops, then a call through A
	fo_stop fwA
	uac_start ctrl
	check "$what: control call set up through A" wait_for 10 announced ctrl
	sleep 0.3
	check "$what: A made the control's expectations" \
		wait_for 5 eval "sip_exps fwA | grep -q \"dport=$(rtp_port ctrl 2) \""
	check "$what: control: none of them on B" \
		eval "! sip_exps fwB | grep -qE \"dport=($(rtp_port ctrl 1)|$(rtp_port ctrl 2)) \""

	# A dies; B takes the addresses
	ip -n "$(fo_ns swI)" link set p-fwA down
	ip -n "$(fo_ns swE)" link set p-fwA down
	ip -n "$(fo_ns fwA)" link set sync0 down
	vips fwB add
	ip -n "$(fo_ns cli)" neigh flush all
	ip -n "$(fo_ns srv)" neigh flush all
	touch "$T/$FO.go"

	check "$what: RTP from the caller reached the callee through B" \
		wait_for 10 eval '[ -n "$(uas_got main)" ] && [ "$(uas_got main)" -ge 5 ]'
	check "$what: RTP from the callee reached the caller through B" \
		wait_for 10 eval '[ -n "$(uac_got main)" ] && [ "$(uac_got main)" -ge 5 ]'
	cat "$T/${FO}main.log" "$T/${FO}srv.log"
	rel=$(fo_counter fwB rel)
	check "$what: B let them through as RELATED ($rel packets)" \
		test "$rel" -ge 10
	check "$what: control: the caller got no RTP" \
		wait_for 10 eval '[ "$(uac_got ctrl)" = 0 ]'
	check "$what: control: the callee got no RTP" \
		wait_for 5 eval '[ "$(uas_got ctrl)" = 0 ]'
	drops=$(fo_counter fwB policy)
	check "$what: B's policy dropped the control's RTP ($drops)" \
		test "$drops" -ge 10
	written=$(stat_of fwB ct_exp_written)
	check "$what: B wrote the expectations ($written)" test "$written" -ge 4
	echo "# B's RTP connections:"
	rtp_cts fwB
	# an expectation written with its helper's name (needed for its
	# class) gives the expected connection no helper: as on A
	check "$what: B's RTP connections have no helper" \
		eval "! rtp_cts fwB | grep -q helper="
	if [ "$nat" = 1 ]; then
		# the callee's RTP to 10.0.0.1 went on to the caller (the
		# expectation's NAT), the caller's left as 10.0.0.1 (the
		# expect function "sip", nf_nat_sip_expected, ran on B)
		check "$what: B sent the callee's RTP on to the caller" \
			eval "rtp_cts fwB | grep -q 'src=10.0.0.10 dst=10.0.0.1 .*UNREPLIED. src=192.168.0.10 dst=10.0.0.10 '"
		check "$what: B source-translated the caller's RTP" \
			eval "rtp_cts fwB | grep -q 'src=192.168.0.10 dst=10.0.0.10 .*UNREPLIED. src=10.0.0.10 dst=10.0.0.1 '"
	fi
	check "$what: the two RTCP expectations are left on B" \
		test "$(sip_exps fwB | wc -l)" -eq 2
	touch "$T/${FO}main.bye"
	check "$what: the caller's BYE through B removed them" \
		wait_for 5 eval '[ "$(sip_exps fwB | wc -l)" -eq 0 ]'
	check "$what: B's pfsyncd healthy" fo_alive fwB
	check "$what: no sanitizer report" fo_clean_logs
	"$PFSYNCCTL" -s "$T/${FO}fwB.sock" -v stats | grep -E 'expectation'
	fo_teardown
}

scenario p 0
scenario n 1
echo "PASS test_ct_sip"
