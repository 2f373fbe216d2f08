#!/bin/bash
# test_ct_dnat: NATed connections survive failover.  (1) A port forward:  The outside host
# (srv, 10.0.0.10) connects to the wan VIP 10.0.0.1:80, which both
# firewalls forward (nft dnat) to the inside server 192.168.0.10:5000 (on
# cli).  The conntrack backend reads A's entry as pf's inbound rdr state
# (lan = the inside server, gwy = the address the client used, ext = the
# client) and B writes it with CTA_NAT_DST, so B's kernel entry has the
# same reply tuple as A's; A dies, B takes the VIPs, and every line is
# echoed on through B with no new connection there.  (2) Source NAT to
# the wan VIP (snat to 10.0.0.1): B writes the entry with CTA_NAT_SRC and
# an untranslated reply tuple, so its kernel marks it SRC_NAT and
# translates the inside client's packets after the failover.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v keepalived >/dev/null || fail "keepalived is not installed"
command -v conntrack >/dev/null || fail "conntrack is not installed"

# the port forward, and a forward rule that lets its first SYN in
dnat_rules() {
	ip netns exec "$(fo_ns "$1")" nft -f - <<'NFT'
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "wan" ip daddr 10.0.0.1 tcp dport 80 dnat to 192.168.0.10:5000
	}
	chain post {
		type nat hook postrouting priority srcnat;
	}
}
NFT
	ip netns exec "$(fo_ns "$1")" nft add rule inet fw forward \
		iifname wan oifname lan ip daddr 192.168.0.10 tcp dport 5000 \
		ct state new ct status dnat counter accept comment '"new-dnat"'
}

# dnat_entry NODE: NODE's entry for the forwarded connection, in
# conntrack -L's words (empty if none)
dnat_entry() {
	ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp --dport 80 \
		-d 10.0.0.1 2>/dev/null | grep 'src=10\.0\.0\.10'
}
# dnat_ok NODE: the entry is established and replies come from the
# inside server (the translation is in the reply tuple)
dnat_ok() {
	dnat_entry "$1" | grep -q \
		'ESTABLISHED src=10\.0\.0\.10 dst=10\.0\.0\.1 sport=[0-9]* dport=80 .*src=192\.168\.0\.10 dst=10\.0\.0\.10 sport=5000'
}

dnat_diag() {
	local c
	for c in est invalid policy policy-echo new-dnat new-syn; do
		echo "B $c $(fo_counter fwB $c)"
	done
	fo_ct fwB
	tail -5 "$T/${FO}cli.log"
}

FO=d
fo_topology
for n in fwA fwB; do
	fo_firewall $n || fail "nft ruleset"
	dnat_rules $n || fail "nft dnat"
done
fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A"
fo_pfsyncd fwB 0xc0a8fefd || fail "pfsyncd B"
fo_ready_watch fwA
fo_ready_watch fwB
fo_keepalived fwA 200
fo_keepalived fwB 100
check "A is VRRP master" wait_for 20 fo_master fwA

# the inside server on cli, the outside client on srv
ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" server \
	0.0.0.0 5000 >"$T/dsrv.log" 2>&1 &
fo_bgpid srv
wait_for 5 grep -q listening "$T/dsrv.log" || fail "echo server"
ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
	10.0.0.1 80 14 --grace 10 >"$T/dcli.log" 2>&1 &
fo_bgpid cli
check "echoes through A's port forward" wait_for 10 fo_echoed_atleast 20
check "A's entry is the port forward" dnat_ok fwA
check "B's entry has A's reply tuple (DNAT to the inside server)" \
	wait_for 5 dnat_ok fwB
dnat_entry fwA
dnat_entry fwB
check "A's state is inbound (rdr: lan 192.168.0.10:5000, gwy 10.0.0.1:80)" \
	bash -c "'$PFSYNCCTL' -s '$T/dfwA.sock' -j states | $PY -c '
import json, sys
ok = [s for s in json.load(sys.stdin) if s[\"lan\"][\"port\"] == 5000 and
      s[\"gwy\"][\"port\"] == 80 and s[\"direction\"] == \"in\" and
      s[\"lan\"][\"addr\"] == \"192.168.0.10\" and s[\"gwy\"][\"addr\"] == \"10.0.0.1\"]
sys.exit(0 if ok else 1)'"

fo_kill_A
check "B holds the VIPs after A died" wait_for 10 fo_master fwB
wait_for 10 fo_echoed_atleast 80 || dnat_diag
check "echoes resume through B" wait_for 10 fo_echoed_atleast 80
p=$(eval "echo \${PID_dcli}")
wait "$p"
rc=$?
DEAD_PIDS="${DEAD_PIDS:-} $p"
cat "$T/dcli.log" | tail -3
check "the forwarded connection survived failover (client exit $rc)" \
	test "$rc" -eq 0
check "client saw no reset" grep -q '^result: ok .*reset=no$' "$T/dcli.log"
check "B forwarded it as established ($(fo_counter fwB est) packets)" \
	test "$(fo_counter fwB est)" -gt 0
check "B saw no new connection for it" test "$(fo_counter fwB new-dnat)" -eq 0
check "B dropped nothing as invalid" test "$(fo_counter fwB invalid)" -eq 0
check "no sanitizer report" fo_clean_logs
check "every daemon still started is healthy" daemons_healthy
fo_teardown

# --- (2) source NAT to the VIP ---------------------------------------------
snat_rules() {
	ip netns exec "$(fo_ns "$1")" nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" ip saddr 192.168.0.0/24 snat to 10.0.0.1
	}
}
NFT
}
# snat_ok NODE SPORT: NODE's entry for the client's connection, replies
# to the VIP
snat_ok() {
	ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp -s 192.168.0.10 \
		--sport "$2" 2>/dev/null | grep -q \
		'ESTABLISHED .*src=10\.0\.0\.10 dst=10\.0\.0\.1 sport=5000'
}

FO=n
fo_topology
for n in fwA fwB; do
	fo_firewall $n || fail "nft ruleset"
	snat_rules $n || fail "nft snat"
done
fo_pfsyncd fwA 0xc0a8fefe || fail "pfsyncd A"
fo_pfsyncd fwB 0xc0a8fefd || fail "pfsyncd B"
fo_ready_watch fwA
fo_ready_watch fwB
fo_keepalived fwA 200
fo_keepalived fwB 100
check "snat: A is VRRP master" wait_for 20 fo_master fwA
fo_server || fail "echo server"
fo_client 14 10
check "snat: echoes through A" wait_for 10 fo_echoed_atleast 20
PORT=$(fo_client_port)
check "snat: A's entry replies to the VIP" snat_ok fwA "$PORT"
check "snat: B's entry too" wait_for 5 snat_ok fwB "$PORT"
fo_kill_A
check "snat: B holds the VIPs after A died" wait_for 10 fo_master fwB
wait_for 10 fo_echoed_atleast 80 || dnat_diag
check "snat: echoes resume through B" fo_echoed_atleast 80
p=$(eval "echo \${PID_ncli}")
wait "$p"
rc=$?
DEAD_PIDS="${DEAD_PIDS:-} $p"
check "snat: the connection survived failover (client exit $rc)" \
	test "$rc" -eq 0
check "snat: B forwarded it as established" test "$(fo_counter fwB est)" -gt 0
check "snat: B saw no new connection" test "$(fo_counter fwB new-syn)" -eq 0
check "snat: no sanitizer report" fo_clean_logs
check "snat: every daemon still started is healthy" daemons_healthy
