# shellcheck shell=bash
# tests/netns/cluster-lib.sh - clusters beyond two (issue 20 item 4), for
# test_cluster.sh (multicast) and test_cluster_unicast.sh (peer lines).
# Source it after lib.sh, netns_init and failover-lib.sh.
#
#   cli 192.168.0.10 -[swI br0]-+- lan .K  fwK  wan .K -+-[swE br0]- srv
#   10.0.0.(10+K) via .K        |  (K = 1 .. N)         |  10.0.0.(10+K),
#                               +------ sync0 ----------+  replies from it
#                                  [swS br0] 192.168.254.K  via 10.0.0.K
#
#   cl_run N DEAD TO   N firewalls sync, each holds every connection;
#                      fwDEAD dies, its connections move to fwTO and go on
# Hooks a test may define again (defaults: nothing):
#   cl_fw_more K           more set-up of fwK, before pfsyncd starts
#   cl_conf K N            more pfsyncd.conf lines for fwK
#   cl_synced_checks N     once every node holds every connection
#   cl_final_checks N      after the clients ended, before the teardown

cl_fw_more() { :; }
cl_conf() { :; }
cl_synced_checks() { :; }
cl_final_checks() { :; }

command -v conntrack >/dev/null || fail "conntrack is not installed"
CONNS=${CONNS:-4}  # connections per firewall
SECS=${SECS:-10}   # each client's life

# cl_build N: the topology of N firewalls (plus fwX, without pfsyncd,
# when CONTROL=1)
cl_build() {
	local n=$1 k sw
	for sw in swI swE swS cli srv; do
		fo_addns "$sw"
	done
	for sw in swI swE swS; do
		ip -n "$(fo_ns $sw)" link add br0 type bridge
		ip -n "$(fo_ns $sw)" link set br0 up
	done
	fo_port swI cli eth0 192.168.0.10/24
	fo_port swE srv eth0 10.0.0.10/24
	for k in $(seq 1 "$n") ${CONTROL:+9}; do
		cl_fw "$k" || return 1
		ip -n "$(fo_ns srv)" addr add "10.0.0.$((10 + k))/32" dev eth0
		ip -n "$(fo_ns cli)" route add "10.0.0.$((10 + k))/32" \
			via "192.168.0.$k"
		ip -n "$(fo_ns srv)" rule add from "10.0.0.$((10 + k))" \
			table "$((100 + k))"
		ip -n "$(fo_ns srv)" route add 192.168.0.0/24 \
			via "10.0.0.$k" table "$((100 + k))"
	done
}

# cl_fw K: firewall fwK, its three cables, the strict ruleset
cl_fw() {
	local k=$1
	fo_addns "fw$k"
	fo_port swI "fw$k" lan "192.168.0.$k/24"
	fo_port swE "fw$k" wan "10.0.0.$k/24"
	fo_port swS "fw$k" sync0 "192.168.254.$k/24"
	ip netns exec "$(fo_ns "fw$k")" sysctl -qw net.ipv4.ip_forward=1
	fo_firewall "fw$k" || return 1
	cl_fw_more "$k"
}

# cl_clients N: CONNS long-lived connections through each firewall
cl_clients() {
	local k
	fo_server || fail "echo server did not start"
	for k in $(seq 1 "$1"); do
		ip netns exec "$(fo_ns cli)" "$PY" "$FO_LIB_DIR/tcpecho.py" \
			client "10.0.0.$((10 + k))" "$FO_PORT" "$SECS" \
			--conns "$CONNS" --interval 0.2 --stall 2 --grace 8 \
			>"$T/${FO}cli$k.log" 2>&1 &
		fo_bgpid "cli$k"
	done
}

# cl_held NODE SERVER_ADDR: NODE's ESTABLISHED entries of the client's
# connections to SERVER_ADDR
# connections to SERVER_ADDR (a dump that fails, as one can on a busy
# machine, is read again)
cl_held() {
	local out i
	for i in 1 2 3 4 5; do
		if out=$(ip netns exec "$(fo_ns "$1")" conntrack -L -p tcp \
			-d "$2" --dport "$FO_PORT" 2>&1); then
			grep -c ESTABLISHED <<<"$out"
			return
		fi
		echo "# conntrack -L in $1 failed ($i): $out" >&2
		sleep 0.2
	done
	echo 0
}

# cl_all_held N: every firewall holds every connection of every other:
# its kernel table (nf_conntrack_count, exact per namespace; a dump of
# the shared hash can come back short on a busy machine) holds N * CONNS
# entries, and nothing else is tracked there
cl_all_held() {
	local n=$1 j
	for j in $(seq 1 "$n"); do
		[ "$(ip netns exec "$(fo_ns "fw$j")" \
			cat /proc/sys/net/netfilter/nf_conntrack_count)" \
			-eq $((n * CONNS)) ] || return 1
	done
}

# cl_move K TO: fwK's connections go through fwTO from now on
cl_move() {
	ip -n "$(fo_ns cli)" route replace "10.0.0.$((10 + $1))/32" \
		via "192.168.0.$2"
	ip -n "$(fo_ns srv)" route replace 192.168.0.0/24 \
		via "10.0.0.$2" table "$((100 + $1))"
}

# cl_kill K: fwK dies: cables pulled, pfsyncd stopped
cl_kill() {
	local sw
	for sw in swI swE swS; do
		ip -n "$(fo_ns $sw)" link set "p-fw$1" down
	done
	fo_stop "fw$1"
}

# cl_result K: the final line of the clients through fwK
cl_result() { grep '^result: [a-zA-Z]* conns=' "$T/${FO}cli$1.log"; }

# cl_ok K: every connection through fwK echoed all, none reset
cl_ok() { cl_result "$1" | grep -q '^result: ok conns=.*reset=no'; }

# cl_run N DEAD TO: the scenario with N nodes, fwDEAD dies, its
# connections move to fwTO
cl_run() {
	local n=$1 dead=$2 to=$3 k p
	FO=c$n
	cl_build "$n" || fail "topology"
	for k in $(seq 1 "$n"); do
		FO_EXTRA_CONF=$(cl_conf "$k" "$n") \
			fo_pfsyncd "fw$k" "0x0a0000$k" || fail "pfsyncd fw$k"
	done
	cl_clients "$n"
	check "N=$n: each node holds all $((n * CONNS)) connections" \
		wait_for 30 cl_all_held "$n"
	cl_synced_checks "$n"
	for k in $(seq 1 "$n"); do
		echo "# N=$n fw$k holds: $(for j in $(seq 1 "$n"); do
			printf '%s ' "$(cl_held "fw$k" "10.0.0.$((10 + j))")"; done)"
	done
	sleep 2
	cl_kill "$dead"
	cl_move "$dead" "$to"
	for k in $(seq 1 "$n"); do
		p=$(eval "echo \${PID_${FO}cli$k}")
		wait "$p"
		echo "# N=$n through fw$k: $(cl_result "$k")"
		DEAD_PIDS="${DEAD_PIDS:-} $p"
	done
	check "N=$n: fw$dead's connections go on through fw$to, no reset" \
		cl_ok "$dead"
	for k in $(seq 1 "$n"); do
		[ "$k" = "$dead" ] && continue
		check "N=$n: fw$k's own connections unharmed" \
			cl_ok "$k"
	done
	check "N=$n: no sanitizer report" fo_clean_logs
	cl_final_checks "$n"
	fo_teardown
}
