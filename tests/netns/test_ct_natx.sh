#!/bin/bash
# test_ct_natx: what v3 cannot hold travels Linux to Linux and survives
# failover.  The outside host (srv) connects to the wan VIP port 80, which
# both firewalls forward (nft dnat) to the inside server (cli) AND source
# NAT to the lan VIP, so the inside server sees the firewall: one entry
# with both translations, in IPv4 (10.0.0.1:80 -> 192.168.0.10:5000 from
# 192.168.0.1) and IPv6 ([fd00:2::1]:80 -> [fd00:1::10]:5001 from
# fd00:1::1).  Both firewalls put forwarded TCP in conntrack zone 7 (raw
# prerouting) and mark (0x2a) and label (bit 5) each new connection.
# pfsyncd's v3 state holds the source half (gwy); the destination half,
# the mark, the zone and the labels ride in the extras section between
# the v3 records and the trailer (wire_xst.h), so B's kernel entry has
# both translations, mark=42, zone=7 and label 5.  Then a rule on A
# changes the mark: an extras-only change, carried to B.
# A dies, B takes the VIPs (keepalived for IPv4; the IPv6 VIPs are moved
# by this script, with the neighbour caches flushed as an unsolicited
# NA would), and both connections carry on through B with no new
# connection there.  A comes back with an empty table: B's bulk update
# gives it both translations and every extra again (failback).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v keepalived >/dev/null || fail "keepalived is not installed"
command -v conntrack >/dev/null || fail "conntrack is not installed"

FO=x

# IPv6 on the failover topology: hosts, firewalls, forwarding, routes
v6_topology() {
	local n
	ip -n "$(fo_ns cli)" addr add fd00:1::10/64 dev eth0 nodad
	ip -n "$(fo_ns srv)" addr add fd00:2::10/64 dev eth0 nodad
	ip -n "$(fo_ns fwA)" addr add fd00:1::fe/64 dev lan nodad
	ip -n "$(fo_ns fwA)" addr add fd00:2::fe/64 dev wan nodad
	ip -n "$(fo_ns fwB)" addr add fd00:1::fd/64 dev lan nodad
	ip -n "$(fo_ns fwB)" addr add fd00:2::fd/64 dev wan nodad
	ip -n "$(fo_ns cli)" -6 route add default via fd00:1::1
	ip -n "$(fo_ns srv)" -6 route add default via fd00:2::1
	for n in fwA fwB; do
		ip netns exec "$(fo_ns $n)" sysctl -qw \
			net.ipv6.conf.all.forwarding=1
	done
}

# v6_vips NODE add|del: the IPv6 VIPs on NODE
v6_vips() {
	ip -n "$(fo_ns "$1")" addr "$2" fd00:1::1/64 dev lan nodad
	ip -n "$(fo_ns "$1")" addr "$2" fd00:2::1/64 dev wan nodad
}

# the rules of both firewalls, on top of fo_firewall's strict ruleset
natx_rules() {
	local n
	n=$(fo_ns "$1")
	ip netns exec "$n" nft -f - <<'NFT' || return 1
table inet zone {
	chain pre {
		type filter hook prerouting priority raw - 10;
		iifname { "lan", "wan" } meta l4proto tcp ct zone set 7
	}
}
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "wan" ip daddr 10.0.0.1 tcp dport 80 dnat to 192.168.0.10:5000
	}
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "lan" ip daddr 192.168.0.10 tcp dport 5000 snat to 192.168.0.1
	}
}
table ip6 nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "wan" ip6 daddr fd00:2::1 tcp dport 80 dnat to [fd00:1::10]:5001
	}
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "lan" ip6 daddr fd00:1::10 tcp dport 5001 snat to fd00:1::1
	}
}
table inet tag {
	chain forward {
		type filter hook forward priority filter - 10;
		ct state new tcp dport { 5000, 5001 } ct mark set 0x2a ct label set 5
	}
}
NFT
	ip netns exec "$n" nft add rule inet fw input meta l4proto ipv6-icmp \
		accept
	ip netns exec "$n" nft add rule inet fw forward iifname wan \
		oifname lan tcp dport '{ 5000, 5001 }' ct state new \
		ct status dnat counter accept comment '"new-dnat"'
}

# natx_entry NODE VIP: NODE's entry for the connection to VIP port 80
natx_entry() {
	ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp --dport 80 \
		-d "$2" 2>/dev/null
}

# natx_ok NODE VIP SRV INSIDE SNAT [MARK]: NODE's established entry has
# both translations (its reply comes from the inside server to the SNAT
# address), the mark (42) and zone 7
natx_ok() {
	local e
	e=$(natx_entry "$1" "$2")
	grep -q "ESTABLISHED src=${3//./\\.} dst=${2//./\\.} sport=[0-9]* dport=80 src=${4//./\\.} dst=${5//./\\.} sport=500[01] .*mark=${6:-42} zone=7 " <<<"$e"
}
v4_ok() { natx_ok "$1" 10.0.0.1 10.0.0.10 192.168.0.10 192.168.0.1 "${2:-}"; }
v6_ok() { natx_ok "$1" fd00:2::1 fd00:2::10 fd00:1::10 fd00:1::1 "${2:-}"; }

# labels_ok NODE: both entries to port 80 (IPv4, IPv6) have label bit 5
# alone (conntrack(8) shows labels only by connlabel.conf names)
labels_ok() {
	[ "$(ip netns exec "$(fo_ns "$1")" "$PY" "$FO_LIB_DIR/ctlabels.py" 80 |
		grep -c '^labels=5 mark=4[23] zone=7$')" -eq 2 ]
}

# echoed FILE: lines echoed so far on that client
echoed() { grep -o 'echoed=[0-9]*' "$1" | tail -1 | cut -d= -f2; }
echoed_atleast() { [ "$(echoed "$1")" -ge "$2" ] 2>/dev/null; }

natx_diag() {
	local c
	for c in est invalid policy policy-echo new-dnat; do
		echo "B $c $(fo_counter fwB $c)"
	done
	natx_entry fwA 10.0.0.1
	natx_entry fwB 10.0.0.1
	natx_entry fwB fd00:2::1
	"$PFSYNCCTL" -s "$T/xfwB.sock" -j stats 2>&1
	tail -3 "$T/x4cli.log" "$T/x6cli.log"
}

fo_topology
v6_topology
for n in fwA fwB; do
	fo_firewall $n || fail "nft ruleset"
	natx_rules $n || fail "nft nat rules"
done
fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A"
fo_pfsyncd fwB 0xc0a8fefd || fail "pfsyncd B"
fo_keepalived fwA 200
fo_keepalived fwB 100
check "A is VRRP master" wait_for 20 fo_master fwA
v6_vips fwA add

# the inside servers on cli, the outside clients on srv
ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" server \
	0.0.0.0 5000 >"$T/x4srv.log" 2>&1 &
fo_bgpid srv4
ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" server \
	:: 5001 >"$T/x6srv.log" 2>&1 &
fo_bgpid srv6
wait_for 5 grep -q listening "$T/x4srv.log" || fail "echo server v4"
wait_for 5 grep -q listening "$T/x6srv.log" || fail "echo server v6"
wait_for 10 ip netns exec "$(fo_ns srv)" ping -6 -c1 -W1 fd00:2::1 \
	>/dev/null || fail "IPv6 VIP unreachable"
ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
	10.0.0.1 80 40 --grace 15 >"$T/x4cli.log" 2>&1 &
fo_bgpid cli4
ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
	fd00:2::1 80 40 --grace 15 >"$T/x6cli.log" 2>&1 &
fo_bgpid cli6
check "v4: echoes through A" wait_for 10 echoed_atleast "$T/x4cli.log" 20
check "v6: echoes through A" wait_for 10 echoed_atleast "$T/x6cli.log" 20
natx_entry fwA 10.0.0.1
natx_entry fwA fd00:2::1
check "v4: A's entry has both NATs, mark, zone, label" v4_ok fwA
check "v6: A's entry has both NATs, mark, zone, label" v6_ok fwA
check "v4: B's entry has both NATs, mark 42, zone 7, label 5" \
	wait_for 5 v4_ok fwB
check "v6: B's entry has both NATs, mark 42, zone 7, label 5" \
	wait_for 5 v6_ok fwB
natx_entry fwB 10.0.0.1
natx_entry fwB fd00:2::1
check "A's entries have label 5" labels_ok fwA
check "B's entries have label 5" wait_for 5 labels_ok fwB
ip netns exec "$(fo_ns fwB)" "$PY" "$FO_LIB_DIR/ctlabels.py" 80
check "A's state is outbound with the SNAT half in gwy" \
	bash -c "'$PFSYNCCTL' -s '$T/xfwA.sock' -j states | $PY -c '
import json, sys
ok = [s for s in json.load(sys.stdin) if s[\"gwy\"][\"addr\"] == \"192.168.0.1\"
      and s[\"ext\"][\"addr\"] == \"10.0.0.1\" and s[\"ext\"][\"port\"] == 80
      and s[\"direction\"] == \"out\"]
sys.exit(0 if ok else 1)'"

# an extras-only change: a rule on A re-marks established connections
# (conntrack -U cannot: it finds no entry outside zone 0)
ip netns exec "$(fo_ns fwA)" nft add rule inet tag forward ct state \
	established ct mark 0x2a ct mark set 0x2b
check "A's mark changed" wait_for 5 v4_ok fwA 43
check "a mark change alone reaches B (IPv4)" wait_for 5 v4_ok fwB 43
check "a mark change alone reaches B (IPv6)" wait_for 5 v6_ok fwB 43
check "B refused no extras section" \
	bash -c "'$PFSYNCCTL' -s '$T/xfwB.sock' -j stats | grep -q '\"rel_xst_bad\":0'"

n4=$(echoed "$T/x4cli.log")
n6=$(echoed "$T/x6cli.log")
check "the clients are still sending ($n4, $n6 of 400 lines echoed)" \
	test "$n4" -lt 350 -a "$n6" -lt 350
fo_kill_A
check "B holds the VIPs after A died" wait_for 10 fo_master fwB
v6_vips fwB add
ip -n "$(fo_ns srv)" neigh flush dev eth0
ip -n "$(fo_ns cli)" neigh flush dev eth0
wait_for 10 echoed_atleast "$T/x4cli.log" $((n4 + 40)) || natx_diag
check "v4: echoes resume through B" \
	wait_for 10 echoed_atleast "$T/x4cli.log" $((n4 + 40))
check "v6: echoes resume through B" \
	wait_for 10 echoed_atleast "$T/x6cli.log" $((n6 + 40))
for v in 4 6; do
	p=$(eval "echo \${PID_xcli$v}")
	wait "$p"
	rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	tail -1 "$T/x${v}cli.log"
	check "v$v: the doubly NATed connection survived failover (exit $rc)" \
		test "$rc" -eq 0
	check "v$v: client saw no reset" \
		grep -q '^result: ok .*reset=no$' "$T/x${v}cli.log"
done
check "B forwarded them as established ($(fo_counter fwB est) packets)" \
	test "$(fo_counter fwB est)" -gt 0
check "B saw no new connection for them" \
	test "$(fo_counter fwB new-dnat)" -eq 0
check "B dropped nothing as invalid" test "$(fo_counter fwB invalid)" -eq 0

# failback: A reboots with an empty table and gets B's bulk update; the
# entries come back with both translations and every extra (whatever
# their TCP state now that the clients closed)
natx_back() {
	natx_entry "$1" 10.0.0.1 | grep -q \
		'src=10\.0\.0\.10 dst=10\.0\.0\.1 sport=[0-9]* dport=80 src=192\.168\.0\.10 dst=192\.168\.0\.1 sport=5000 .*mark=43 zone=7 ' &&
		natx_entry "$1" fd00:2::1 | grep -q \
			'src=fd00:2::10 dst=fd00:2::1 sport=[0-9]* dport=80 src=fd00:1::10 dst=fd00:1::1 sport=5001 .*mark=43 zone=7 '
}
fo_revive_A 0xc0a8fefe || fail "A's restart"
check "failback: A's bulk update is done" wait_for 20 fo_synced fwA
check "failback: A's entries have both NATs, mark 43, zone 7" \
	wait_for 5 natx_back fwA
check "failback: ... and label 5" wait_for 5 labels_ok fwA
natx_entry fwA 10.0.0.1
natx_entry fwA fd00:2::1
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
fo_teardown
