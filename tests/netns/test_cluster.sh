#!/bin/bash
# test_cluster: clusters beyond two (issue 20 item 4).  N firewalls
# (N = 3, then 4) stand side by side between a client and a server, all
# active at once, each carrying its own share of the connections, and all
# sync over one multicast link.  Each node must hold every other node's
# states; then one node dies and its connections, moved to a survivor
# by a route change (as ECMP or a routing protocol would), go on without a
# reset.
#
#   cli 192.168.0.10 -[swI br0]-+- lan .K  fwK  wan .K -+-[swE br0]- srv
#   10.0.0.(10+K) via .K        |  (K = 1 .. N)         |  10.0.0.(10+K),
#                               +------ sync0 ----------+  replies from it
#                                  [swS br0] 192.168.254.K  via 10.0.0.K
#
# Each firewall runs the strict ruleset of failover-lib.sh (a connection
# starts only by a SYN from the inside; nf_conntrack_tcp_loose=0 and
# be_liberal=0), so a survivor forwards a dead node's connections only if
# it holds their entries.  Control: a firewall that never ran pfsyncd
# (fwX, N=3 only) must not carry a moved connection, which proves the
# test can fail.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
netns_init
# shellcheck source=failover-lib.sh
source "$(dirname "$0")/failover-lib.sh"

# shellcheck source=cluster-lib.sh
source "$(dirname "$0")/cluster-lib.sh"

# (0) control: fw9 runs no pfsyncd; fw1's connections moved to it stall
FO=x
CONTROL=1 cl_build 1 || fail "topology"
fo_pfsyncd fw1 0x0a000001 || fail "pfsyncd fw1"
SECS=6 cl_clients 1
wait_for 10 grep -q 'echoed=[1-9]' "$T/${FO}cli1.log" || fail "no echo via fw1"
cl_move 1 9
p=$PID_xcli1
wait "$p"
DEAD_PIDS="${DEAD_PIDS:-} $p"
echo "# control, moved to a node without pfsyncd: $(cl_result 1)"
check "control: a node without the states does not carry them" \
	eval '! cl_ok 1'
fo_teardown

cl_run 3 3 1
cl_run 4 2 4
check "every daemon still started is healthy" daemons_healthy
