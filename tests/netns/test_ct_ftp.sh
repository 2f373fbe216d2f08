#!/bin/bash
# test_ct_ftp: FTP data connections across a failover, with the kernel's
# own FTP helper (nf_conntrack_ftp, and nf_nat_ftp through SNAT) assigned
# by an nftables `ct helper` object in the firewalls' forward path, under
# a strict forward policy (drop all but established and related; new
# connections only to the FTP port: a data connection must be RELATED).
#
# Firewall A forwards; pfsyncd (backend conntrack) on A and B carries the
# control connection with its helper (and, through SNAT, its sequence
# adjustment) and the expectations A's helper makes.  Clients (ftplib)
# announce a data connection through A: one PASV, one PORT.  A dies (its
# cables pulled, its pfsyncd stopped) and B takes the addresses A's
# neighbours route through (a route switch: keepalived is not needed for
# what is tested here).  Then through B:
#   - each announced data connection opens and brings the whole file
#     (B holds A's expectation: the connection is RELATED there);
#   - on the same control connection a new PASV or PORT, and its data
#     connection, work (B's helper follows the carried control
#     connection; through SNAT the PORT command A rewrote moved the TCP
#     sequence, which B must go on adjusting, else the control
#     connection stalls).
#   - on control connections idle at the failover, a PASV or PORT as
#     the first line through B, and its data connection, work: B's
#     helper does not know where A's last line ended, and picks up the
#     next one (the kernel's nf_ct_ftp_from_nlattr for entries written
#     through ctnetlink), so no NOOP is needed first.
# Control: a PASV announced after A's pfsyncd stopped reaches B's kernel
# as no expectation, and its data connection is dropped by B's policy.
# Run twice: without NAT, then with SNAT of the inside to 10.0.0.1.
# FTP_SCENARIOS=6 (test_ct_ftp6.sh) runs it over IPv6 instead, without
# NAT: the topology gets fd00:1::/64 inside and fd00:2::/64 outside (VIPs
# ::1), the clients announce with EPSV and EPRT (RFC 2428, as ftplib
# does over IPv6), which nf_conntrack_ftp reads as it reads PASV and
# PORT; the expectations are of family inet6.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

command -v conntrack >/dev/null || fail "conntrack is not installed"
FTPDIR=$(dirname "$0")

# ftp_rules NODE NAT: the strict ruleset with the FTP helper, and with
# NAT=1 the inside's connections source-translated to the VIP 10.0.0.1
ftp_rules() {
	local n nat=""
	n=$(fo_ns "$1")
	[ "$2" = 1 ] && nat='
table ip nat {
	chain pre { type nat hook prerouting priority dstnat; }
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" ip saddr 192.168.0.0/24 snat to 10.0.0.1
	}
}'
	ip netns exec "$n" nft -f - <<NFT || return 1
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
	ct helper ftp-std {
		type "ftp" protocol tcp
		l3proto inet
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		iifname "sync0" accept
		meta l4proto ipv6-icmp accept
		ct state established,related accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "lan" oifname "wan" tcp dport 21 ct state new ct helper set "ftp-std"
		ct state established,related counter accept comment "est"
		ct state invalid counter drop comment "invalid"
		iifname "lan" oifname "wan" ip daddr 10.0.0.0/24 tcp dport 21 tcp flags & (syn|ack|fin|rst) == syn ct state new counter accept comment "new-ftp"
		iifname "lan" oifname "wan" ip6 daddr fd00:2::/64 tcp dport 21 tcp flags & (syn|ack|fin|rst) == syn ct state new counter accept comment "new-ftp"
		counter comment "policy"
	}
}
$nat
NFT
	ip netns exec "$n" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
}

vips() { # NODE add|del
	ip -n "$(fo_ns "$1")" addr "$2" 192.168.0.1/24 dev lan
	ip -n "$(fo_ns "$1")" addr "$2" 10.0.0.1/24 dev wan
	[ "$FAM" = ipv6 ] || return 0
	ip -n "$(fo_ns "$1")" addr "$2" fd00:1::1/64 dev lan nodad
	ip -n "$(fo_ns "$1")" addr "$2" fd00:2::1/64 dev wan nodad
}

# topology6: IPv6 beside fo_topology's IPv4 (the sync link stays IPv4)
topology6() {
	local n a
	for a in cli:eth0:fd00:1::10 fwA:lan:fd00:1::fe fwB:lan:fd00:1::fd \
		srv:eth0:fd00:2::10 fwA:wan:fd00:2::fe fwB:wan:fd00:2::fd; do
		n=$(fo_ns "${a%%:*}")
		a=${a#*:}
		ip -n "$n" addr add "${a#*:}/64" dev "${a%%:*}" nodad
	done
	ip -n "$(fo_ns cli)" -6 route add default via fd00:1::1
	ip -n "$(fo_ns srv)" -6 route add default via fd00:2::1
	for n in fwA fwB; do
		ip netns exec "$(fo_ns $n)" sysctl -qw \
			net.ipv6.conf.all.forwarding=1
	done
}

# cli_start NAME MODE [TIMEOUT]: an ftpcli.py in the client's namespace
cli_start() {
	ip netns exec "$(fo_ns cli)" env FTPCLI_TIMEOUT="${3:-15}" \
		"$PY" "$FTPDIR/ftpcli.py" "$SRV" "$2" "$T/$FO.go" \
		>"$T/$FO$1.log" 2>&1 &
	fo_bgpid "$1"
}
announced() { grep -q '^announced' "$T/$FO$1.log"; }
cli_wait() { # NAME: its exit status
	local p
	p=$(eval "echo \${PID_$FO$1}")
	wait "$p"
	local rc=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	return $rc
}

exp_count() { # NODE: expectations in its kernel
	ip netns exec "$(fo_ns "$1")" conntrack -L expect -f "$FAM" \
		2>/dev/null | grep -c 'proto=6'
}
exp_atleast() { [ "$(exp_count "$1")" -ge "$2" ]; }
master_has_helper() { # NODE
	ip netns exec "$(fo_ns "$1")" conntrack -L -f "$FAM" -p tcp \
		--dport 21 2>/dev/null | grep -q 'helper=ftp'
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

scenario() { # TAG NAT [ipv6]
	FO=$1
	FAM=ipv4
	SRV=10.0.0.10
	PV=PASV
	PO=PORT
	local nat=$2 what sent written drops
	what=$([ "$nat" = 1 ] && echo "SNAT" || echo "no NAT")
	fo_topology
	if [ "${3:-}" = ipv6 ]; then
		FAM=ipv6
		SRV=fd00:2::10
		PV=EPSV
		PO=EPRT
		what="IPv6, $what"
		topology6
	fi
	ftp_rules fwA "$nat" || fail "nft ruleset ($what)"
	ftp_rules fwB "$nat" || fail "nft ruleset ($what)"
	vips fwA add
	fo_pfsyncd fwA 0x0a0000aa || fail "pfsyncd A"
	fo_pfsyncd fwB 0x0a0000bb || fail "pfsyncd B"
	check "$what: both bulk updates done" wait_for 15 \
		eval "fo_synced fwA && fo_synced fwB"
	ip netns exec "$(fo_ns srv)" "$PY" "$FTPDIR/ftpsrv.py" "$SRV" 21 \
		>"$T/${FO}srv.log" 2>&1 &
	fo_bgpid srv
	wait_for 5 grep -q listening "$T/${FO}srv.log" || fail "ftp server"

	cli_start pasv pasv
	cli_start port port
	cli_start pfirst pasv-first
	cli_start ofirst port-first
	check "$what: $PV announced through A" wait_for 10 announced pasv
	check "$what: $PO announced through A" wait_for 10 announced port
	check "$what: A's control connections have the ftp helper" \
		master_has_helper fwA
	check "$what: B's copies of them have it too" \
		wait_for 5 master_has_helper fwB
	check "$what: A's two expectations are in B's kernel" \
		wait_for 5 exp_atleast fwB 2
	sent=$(stat_of fwA ct_exp_sent)
	check "$what: A sent them ($sent)" test "$sent" -ge 2
	echo "# B's expectations ($FAM):"
	ip netns exec "$(fo_ns fwB)" conntrack -L expect -f "$FAM" 2>/dev/null
	# the masters' sequence adjustment (nf_nat_ftp's PORT through SNAT)
	# goes to B when A reads them again, 50 ms after each expectation:
	# A must live that long, else B carries the control connection with
	# stale sequence numbers (what is sent in a node's last moment is
	# lost, as with any sync)
	check "$what: A read both masters again" \
		wait_for 5 eval '[ "$(stat_of fwA ct_exp_reread)" -ge 2 ]'
	sleep 0.5

	# the control: A's pfsyncd stops, then a PASV through A
	fo_stop fwA
	cli_start ctrl pasv 4
	check "$what: control $PV announced through A" wait_for 10 announced ctrl
	sleep 0.3

	# A dies; B takes the addresses
	ip -n "$(fo_ns swI)" link set p-fwA down
	ip -n "$(fo_ns swE)" link set p-fwA down
	ip -n "$(fo_ns fwA)" link set sync0 down
	vips fwB add
	ip -n "$(fo_ns cli)" neigh flush all
	ip -n "$(fo_ns srv)" neigh flush all
	ip -6 -n "$(fo_ns cli)" neigh flush all
	ip -6 -n "$(fo_ns srv)" neigh flush all
	touch "$T/$FO.go"

	# judged by what each client printed (its exit status, as wait
	# returns it, is shown for the reader)
	cli_wait pasv
	echo "# pasv client exit status $?"
	check "$what: $PV: data connection through B, then $PV on B" \
		wait_for 30 grep -q '^after ok' "$T/${FO}pasv.log"
	cli_wait port
	echo "# port client exit status $?"
	# for the reader of a failure: a control connection B's sequence
	# adjustment got wrong shows as invalid, a data connection without
	# its expectation as policy
	echo "# B: invalid $(fo_counter fwB invalid), policy $(fo_counter \
		fwB policy), expectations left: $(exp_count fwB)"
	check "$what: $PO: data connection through B, then $PO on B" \
		wait_for 30 grep -q '^after ok' "$T/${FO}port.log"
	cat "$T/${FO}pasv.log" "$T/${FO}port.log"
	check "$what: both brought the whole file across and after" \
		test "$(grep -c ' ok 262144$' "$T/${FO}pasv.log" \
			"$T/${FO}port.log" | awk -F: '{ s += $2 } END { print s }')" -eq 4
	cli_wait pfirst
	cli_wait ofirst
	cat "$T/${FO}pfirst.log" "$T/${FO}ofirst.log"
	check "$what: a $PV as the first line through B announces" \
		grep -q '^after ok 262144$' "$T/${FO}pfirst.log"
	check "$what: a $PO as the first line through B announces" \
		grep -q '^after ok 262144$' "$T/${FO}ofirst.log"
	cli_wait ctrl
	check "$what: control: no expectation, no data connection" \
		test $? -ne 0
	grep -q '^error' "$T/${FO}ctrl.log" || fail "control: $(cat "$T/${FO}ctrl.log")"
	drops=$(fo_counter fwB policy)
	check "$what: B's policy dropped the control's data connection ($drops)" \
		test "$drops" -gt 0
	written=$(stat_of fwB ct_exp_written)
	check "$what: B wrote the expectations ($written)" test "$written" -ge 2
	check "$what: B forwarded established/related traffic" \
		test "$(fo_counter fwB est)" -gt 0
	check "$what: B's pfsyncd healthy" fo_alive fwB
	check "$what: no sanitizer report" fo_clean_logs
	"$PFSYNCCTL" -s "$T/${FO}fwB.sock" -v stats | grep -E 'expectation'
	fo_teardown
}

for s in ${FTP_SCENARIOS:-p n}; do
	case $s in
	p) scenario p 0 ;;
	n) scenario n 1 ;;
	6) scenario 6 0 ipv6 ;;
	*) fail "FTP_SCENARIOS: unknown scenario $s" ;;
	esac
done
echo "PASS test_ct_ftp"
