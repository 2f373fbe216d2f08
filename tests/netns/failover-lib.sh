# shellcheck shell=bash
# tests/netns/failover-lib.sh - the pfsync(4) manual's failover example in
# network namespaces, with keepalived (VRRP) in carp's role and pfsyncd
# (backend conntrack) in pfsync's.  Source it after lib.sh and netns_init.
#
#   cli 192.168.0.10 -[swI br0]-+- lan .254 fwA wan .254 -+-[swE br0]- srv
#   default via 192.168.0.1     +- lan .253 fwB wan .253 -+   10.0.0.10
#   (VIP, vrid 2)                   sync0 .254 <-> .253       default via
#                               (crossover, 192.168.254/24)   10.0.0.1 (vrid 1)
#
# Node names carry $FO (a tag, e.g. "c" or "s"), so that one test can build
# the topology twice: ctl "${FO}fwA" ..., $(ns "${FO}cli").
#
#   fo_topology              namespaces, links, addresses, routes, sysctls
#   fo_firewall NODE         the strict nft ruleset in NODE (fwA or fwB)
#   fo_keepalived NODE PRIO  keepalived in NODE (the shipped example
#                            config and helper), demoted until synced
#   fo_pfsyncd NODE HOSTID [RETRY]  pfsyncd, backend conntrack, in NODE
#   fo_master NODE           NODE holds both VIPs
#   fo_server / fo_client    the TCP echo server and the probing client
#   fo_kill_A                firewall A dies: cables pulled, daemons killed
#   fo_revive_A HOSTID       A reboots: conntrack flushed, cables back,
#                            daemons restarted (failback)
#   fo_counter NODE COMMENT  packets counted by one forward rule
#   fo_ct_has NODE PORT      NODE's conntrack table has the client's entry
#   fo_teardown              stop this topology's processes, delete its ns

FO=${FO:-}
FO_ADVERT=${FO_ADVERT:-0.5}  # VRRP advert interval, s (VRRPv3 below 1)
FO_DEMOTE=${FO_DEMOTE:--150} # priority change while not synced
FO_PORT=${FO_PORT:-5000}
FO_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FO_PIDS=()
FO_NSES=()

fo_ns() { ns "$FO$1"; }

fo_addns() {
	local n
	n=$(fo_ns "$1")
	ip netns add "$n"
	NSES+=("$n")
	FO_NSES+=("$n")
	ip -n "$n" link set lo up
}

# fo_bgpid NAME: remember the last background job as NAME's process
fo_bgpid() {
	PIDS+=("$!")
	FO_PIDS+=("$!")
	eval "PID_$FO$1=$!"
}

# fo_port SW NODE IFNAME ADDR: NODE's interface IFNAME on SW's bridge; the
# switch side is called p-NODE (pulling that "cable" is a link down there)
fo_port() {
	local sw nd
	sw=$(fo_ns "$1")
	nd=$(fo_ns "$2")
	netns_veth "$FO$2" "$3" "$FO$1" "p-$2"
	ip -n "$sw" link set "p-$2" master br0 up
	ip -n "$nd" addr add "$4" dev "$3"
	ip -n "$nd" link set "$3" up
}

fo_topology() {
	local n
	for n in swI swE cli srv fwA fwB; do
		fo_addns "$n"
	done
	for n in swI swE; do
		ip -n "$(fo_ns $n)" link add br0 type bridge
		ip -n "$(fo_ns $n)" link set br0 up
	done
	fo_port swI cli eth0 192.168.0.10/24
	fo_port swI fwA lan 192.168.0.254/24
	fo_port swI fwB lan 192.168.0.253/24
	fo_port swE srv eth0 10.0.0.10/24
	fo_port swE fwA wan 10.0.0.254/24
	fo_port swE fwB wan 10.0.0.253/24
	# the crossover cable between the sync interfaces
	netns_veth "${FO}fwA" sync0 "${FO}fwB" sync0
	ip -n "$(fo_ns fwA)" addr add 192.168.254.254/24 dev sync0
	ip -n "$(fo_ns fwB)" addr add 192.168.254.253/24 dev sync0
	ip -n "$(fo_ns fwA)" link set sync0 up
	ip -n "$(fo_ns fwB)" link set sync0 up
	ip -n "$(fo_ns cli)" route add default via 192.168.0.1
	ip -n "$(fo_ns srv)" route add default via 10.0.0.1
	for n in fwA fwB; do
		ip netns exec "$(fo_ns $n)" sysctl -qw net.ipv4.ip_forward=1
	done
}

# The "strict" ruleset: a new connection only by a SYN from the inside, so
# a firewall without the connection's state cannot pick it up mid-stream.
# VRRP, IGMP (multicast joins) and the sync link are not tracked: their
# entries would otherwise land in the conntrack table that pfsyncd syncs.  Every forward rule
# counts, named by its comment, for fo_counter.
fo_firewall() {
	local n
	n=$(fo_ns "$1")
	ip netns exec "$n" nft -f - <<'NFT' || return 1
table inet raw {
	chain pre {
		type filter hook prerouting priority raw;
		ip protocol { vrrp, 240, igmp } notrack
		iifname "sync0" notrack
	}
	chain out {
		type filter hook output priority raw;
		ip protocol { vrrp, 240, igmp } notrack
		oifname "sync0" notrack
	}
}
table inet fw {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ip protocol vrrp ip daddr 224.0.0.18 accept
		iifname "sync0" accept
		ct state established,related accept
		icmp type echo-request accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related counter accept comment "est"
		ct state invalid counter drop comment "invalid"
		iifname "lan" oifname "wan" ip daddr 10.0.0.0/24 tcp flags & (syn|ack|fin|rst) == syn ct state new counter accept comment "new-syn"
		iifname "lan" oifname "wan" ip daddr 10.0.0.0/24 icmp type echo-request ct state new counter accept comment "new-ping"
		tcp sport 5000 counter comment "policy-echo"
		tcp dport 5000 counter comment "policy-echo"
		counter comment "policy"
	}
}
NFT
	# the conntrack sysctls exist once the rules loaded nf_conntrack;
	# tcp_loose=0: no mid-stream pickup even from a loose rule
	ip netns exec "$n" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
	ip netns exec "$n" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=0
}

# fo_counter NODE COMMENT: packets counted by the forward rules with that
# comment, summed
fo_counter() {
	ip netns exec "$(fo_ns "$1")" nft list chain inet fw forward |
		awk -v c="\"$2\"" '$NF == c {
			for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1)
		} END { print s + 0 }'
}

# fo_keepalived NODE PRIO: carp's role, with the keepalived.conf that ships
# in contrib/keepalived (installed as /usr/share/doc/pfsyncd/examples/):
# only the site's values change (interfaces lan/wan, router_id, priority,
# advert interval, the helper's path and NODE's control socket).  Both
# firewalls start BACKUP and preempt; a vrrp_sync_group moves the two VIPs
# together.  The group tracks `pfsync-keepalived check` (pfsyncctl
# bulk-done) with weight FO_DEMOTE and init_fail: a node starts demoted
# below its peer and takes the VIPs only once its pfsyncd's bulk update is
# done, as carp's demotion counter does for pfsync.  A lone node still
# becomes master: a missing peer never blocks.  The notify hook logs each
# transition and asks for a bulk update on BACKUP.
fo_keepalived() {
	local node=$1 prio=$2 name=$FO$1 n helper
	n=$(fo_ns "$node")
	helper="$TOP/contrib/keepalived/pfsync-keepalived"
	sed -e "s|router_id fw1|router_id $name|" \
		-e "s|priority 200|priority $prio|" \
		-e "s|interface eth0|interface lan|" \
		-e "s|interface eth1|interface wan|" \
		-e "s|advert_int 1|advert_int $FO_ADVERT|" \
		-e "s|weight -150|weight $FO_DEMOTE|" \
		-e "s|/usr/share/pfsyncd/pfsync-keepalived \([a-z]*\)|$helper \1 -s $T/$name.sock|" \
		"$TOP/contrib/keepalived/keepalived.conf" >"$T/$name.ka.conf"
	ip netns exec "$n" env PFSYNCCTL="$PFSYNCCTL" \
		keepalived -n -l -D -P -G -f "$T/$name.ka.conf" \
		-p "$T/$name.ka.pid" -r "$T/$name.vrrp.pid" \
		>"$T/$name.ka.log" 2>&1 &
	fo_bgpid "${node}_ka"
}

# fo_pfsyncd NODE HOSTID [BULK_RETRY_MS]: pfsync's role, with the conntrack backend and the
# manual's words "up syncdev sync0" (and the lines of FO_EXTRA_CONF, if
# set); same files and cleanup as lib.sh's
# daemon_start, so ctl and daemon_pid work with "$FO$NODE"
fo_pfsyncd() {
	local node=$1 name=$FO$1 conf cap=""
	conf=$T/$name.conf
	sockpath_check "$T/$name.sock" || return 1
	[ -n "${CAPTURE:-}" ] && cap="capture \"$T/$name.pcap\""
	cat >"$conf" <<CONF
interface pfsync0 up syncdev sync0
hostid $2
control "$T/$name.sock"
backend conntrack
log-level debug
bulk-retry ${3:-${BULK_RETRY:-300}}
$USER_CONF
${FO_EXTRA_CONF:-}
$cap
CONF
	ip netns exec "$(fo_ns "$node")" "$PFSYNCD" -d -f "$conf" \
		>"$T/$name.log" 2>&1 &
	fo_bgpid "$node"
	wait_for 10 test -S "$T/$name.sock" ||
		{ echo "pfsyncd $name did not start"; cat "$T/$name.log"; return 1; }
}

# fo_synced NODE: pfsyncd on NODE is up and its bulk update is done
fo_synced() {
	"$PFSYNCCTL" -s "$T/$FO$1.sock" pfsync0 2>/dev/null |
		grep -q 'bulk: done'
}

# fo_master NODE: NODE holds both VIPs (and so forwards for both sides)
fo_master() {
	local n
	n=$(fo_ns "$1")
	ip -n "$n" -4 addr show dev wan | grep -q 'inet 10\.0\.0\.1/' &&
		ip -n "$n" -4 addr show dev lan | grep -q 'inet 192\.168\.0\.1/'
}

fo_no_vip() {
	local n
	n=$(fo_ns "$1")
	! ip -n "$n" -4 addr show | grep -qE 'inet (10\.0\.0|192\.168\.0)\.1/'
}

fo_server() {
	ip netns exec "$(fo_ns srv)" "$PY" "$FO_LIB_DIR/tcpecho.py" server \
		0.0.0.0 "$FO_PORT" >"$T/${FO}srv.log" 2>&1 &
	fo_bgpid srv
	wait_for 5 grep -q listening "$T/${FO}srv.log"
}

# fo_client SECONDS [GRACE [OPTIONS...]]: the probe in the background, one
# line per 0.1 s over one connection through the VIPs (tcpecho.py client);
# its output goes to $T/${FO}cli.log
fo_client() {
	local secs=$1 grace=${2:-8}
	shift 2
	ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" client \
		10.0.0.10 "$FO_PORT" "$secs" --grace "$grace" "$@" \
		>"$T/${FO}cli.log" 2>&1 &
	fo_bgpid cli
}

# fo_echoed: lines echoed so far, from the client's last progress line
fo_echoed() {
	grep -o 'echoed=[0-9]*' "$T/${FO}cli.log" | tail -1 | cut -d= -f2
}

fo_echoed_atleast() { [ "$(fo_echoed)" -ge "$1" ] 2>/dev/null; }

# fo_client_port: the client's source port, from its "connected" line
fo_client_port() {
	sed -n 's/^connected [0-9.]*:\([0-9]*\) .*/\1/p' "$T/${FO}cli.log"
}

# fo_ct_has NODE SPORT: NODE's conntrack table holds the client's
# connection from SPORT, established, in both directions
fo_ct_has() {
	ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp \
		-s 192.168.0.10 -d 10.0.0.10 --sport "$2" --dport "$FO_PORT" \
		2>/dev/null | grep -q 'ESTABLISHED.*src=10\.0\.0\.10 dst=192\.168\.0\.10'
}

# fo_ct NODE: NODE's TCP conntrack entries, for the reader
fo_ct() {
	ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp 2>/dev/null
}

# fo_kill_A: firewall A dies.  Its three cables are pulled first, so the
# box falls silent at once (as a power cut would), then its keepalived
# and pfsyncd are stopped by PID; FO_RC_A is pfsyncd's exit status.
# shellcheck disable=SC2034 # FO_RC_A is read by the test
fo_kill_A() {
	ip -n "$(fo_ns swI)" link set p-fwA down
	ip -n "$(fo_ns swE)" link set p-fwA down
	ip -n "$(fo_ns fwA)" link set sync0 down
	fo_stop fwA_ka
	FO_RC_A=0
	fo_stop fwA || FO_RC_A=$FO_RC
	# keep the logs of this life apart from a revived A's
	mv "$T/${FO}fwA.log" "$T/${FO}fwA-run1.log" 2>/dev/null
	mv "$T/${FO}fwA.ka.log" "$T/${FO}fwA-run1.ka.log" 2>/dev/null
	return 0
}

# fo_revive_A HOSTID: A reboots: its conntrack table starts empty (as
# pf's state table does after a reboot), its cables are back and its
# daemons start again: keepalived demoted, pfsyncd asks for a bulk update,
# and A preempts B only once that is done.
# FO_KEEP_CT=1 skips the flush: A's kernel keeps its own entries, as after
# a restart of the daemons alone.  pfsyncd re-reads them under their
# CTA_ID-derived ids, so B's bulk update applies to them (test_restart).
fo_revive_A() {
	[ -n "${FO_KEEP_CT:-}" ] ||
		ip netns exec "$(fo_ns fwA)" conntrack -F 2>/dev/null
	ip -n "$(fo_ns fwA)" link set sync0 up
	ip -n "$(fo_ns swI)" link set p-fwA up
	ip -n "$(fo_ns swE)" link set p-fwA up
	fo_pfsyncd fwA "$1" || return 1
	fo_keepalived fwA 200
}

# fo_stop NAME: SIGTERM one of our processes, wait for it, and mark it as
# ended (DEAD_PIDS) for lib.sh's daemons_healthy; returns (and sets FO_RC
# to) its exit status
fo_stop() {
	local p
	p=$(eval "echo \${PID_$FO$1:-}")
	FO_RC=0
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	FO_RC=$?
	DEAD_PIDS="${DEAD_PIDS:-} $p"
	return "$FO_RC"
}

# fo_alive NAME...: each of these processes still runs
fo_alive() {
	local x p
	for x in "$@"; do
		p=$(eval "echo \${PID_$FO$x:-}")
		kill -0 "$p" 2>/dev/null || { echo "$FO$x died"; return 1; }
	done
}

# fo_clean_logs: no sanitizer report in this topology's pfsyncd logs
fo_clean_logs() {
	! grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' \
		"$T/$FO"fw?.log "$T/$FO"fw?-run?.log 2>/dev/null
}

# fo_teardown: stop this topology's processes by PID and delete its
# namespaces (lib.sh's cleanup does the same for whatever is left at exit)
fo_teardown() {
	local p n
	for p in "${FO_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${FO_PIDS[@]}"; do
		wait "$p" 2>/dev/null
		DEAD_PIDS="${DEAD_PIDS:-} $p"
	done
	for n in "${FO_NSES[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	FO_PIDS=()
	FO_NSES=()
}
