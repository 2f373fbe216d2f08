#!/bin/bash
# bench_conntrack.sh - the conntrack backend against Debian's conntrackd,
# side by side on the same topology: two namespaces joined by a veth
# (sync0), N TCP entries (default 100 000) written into A's conntrack
# table by a bare ctnetlink batch writer (build/bench/ct_inject), B's
# kernel table watched.  Per daemon: insert, a TCP state change of every
# entry, delete, a bulk of N to an empty B, idle CPU holding N, memory per
# entry; and the writer alone in an empty namespace as the ceiling.
# Figures and ratios are printed, never asserted.
#
# pfsyncd runs with stock settings.  conntrackd runs FTFW over UDP with
# direct injection on the backup (DisableExternalCache), with the
# enlarged buffers linux-conntrack.md calls fair (NetlinkBufferSize
# 64 MiB growing to 256 MiB, socket buffers 16 MiB, ResendQueueSize,
# HashSize 1 048 576, HashLimit 4 194 304) and at normal priority (its
# SCHED_RR default would starve the writer).
#
#   N=100000 DAEMONS="pfsyncd pfsyncd-key conntrackd" bash tests/bench/bench_conntrack.sh
# (pfsyncd-key: pfsyncd with a key, sealed sync; keyed/plain ratios)
set -u
TOPDIR=$(cd "$(dirname "$0")/../.." && pwd)
export PFSYNCD=${PFSYNCD:-$TOPDIR/build/pfsyncd}
source "$TOPDIR/tests/netns/lib.sh"
netns_init
N=${N:-100000}
DAEMONS=${DAEMONS:-pfsyncd pfsyncd-key conntrackd}
WAIT=${WAIT:-120}
IDLE=${IDLE:-10}
INJ=$TOPDIR/build/bench/ct_inject
HZ=$(getconf CLK_TCK)
[ -x "$INJ" ] || { echo "no $INJ: run make first"; exit 1; }
[ -x "$PFSYNCD" ] || { echo "no $PFSYNCD: run make first"; exit 1; }

# The conntrack table and its hash are global (all namespaces share
# them): A's and B's entries, 2 N, live in one hash.  A firewall that
# holds a million connections is given a hash to match (conntrackd's
# documentation says the same), so the bench sizes it for 2 N (at least
# the default) for every daemon alike, and puts both back at the end.
CTMAX=/proc/sys/net/netfilter/nf_conntrack_max
HSIZE=/sys/module/nf_conntrack/parameters/hashsize
ct_old=$(cat $CTMAX)
ct_new=$((2 * N + 10000))
hs_old=$(cat $HSIZE 2>/dev/null || echo 0)
hs_new=$((2 * N))
bench_cleanup() {
	local rc=$?
	[ "$ct_old" -lt "$ct_new" ] && [ "$(cat $CTMAX)" = "$ct_new" ] &&
		echo "$ct_old" >$CTMAX
	[ "$hs_old" -gt 0 ] && [ "$hs_old" -lt "$hs_new" ] &&
		echo "$hs_old" >$HSIZE
	(exit $rc)
	netns_cleanup
}
trap bench_cleanup EXIT
[ "$ct_old" -lt "$ct_new" ] && echo "$ct_new" >$CTMAX
[ "$hs_old" -gt 0 ] && [ "$hs_old" -lt "$hs_new" ] && echo "$hs_new" >$HSIZE

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
count() { ip netns exec "$(ns "$1")" cat /proc/sys/net/netfilter/nf_conntrack_count; }
nstate() { ip netns exec "$(ns "$1")" conntrack -L -p tcp 2>/dev/null | grep -c " $2 "; }
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
inject() { ip netns exec "$(ns "$1")" "$INJ" "${@:2}"; }

# wait_until SECS CMD...: poll CMD every 0.2 s; 0 when it held
wait_until() {
	local end
	end=$(awk -v a="$(date +%s)" -v s="$1" 'BEGIN { print a + s }')
	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
is_count() { [ "$(count "$1")" -eq "$2" ]; }
is_state() { [ "$(nstate "$1" "$2")" -eq "$3" ]; }

topology() {
	local n
	netns_add a
	netns_add b
	netns_link a sync0 10.99.0.1/24 b sync0 10.99.0.2/24
	for n in a b; do
		ip netns exec "$(ns $n)" nft -f - <<'NFT'
table inet raw {
  chain pre { type filter hook prerouting priority raw; iifname "sync0" notrack; }
  chain out { type filter hook output priority raw; oifname "sync0" notrack; }
}
NFT
	done
}

untopology() {
	ip netns del "$(ns a)" 2>/dev/null
	ip netns del "$(ns b)" 2>/dev/null
}

# --- the daemons --------------------------------------------------------
start_pfsyncd() { # NODE HOSTID [keyed]
	cat >"$T/$1.conf" <<CONF
interface pfsync0 up syncdev sync0
hostid $2
control "$T/$1.sock"
backend conntrack
$USER_CONF
CONF
	[ "${3:-}" = keyed ] && printf 'key "%s"\ncluster "bench"\n' \
		"$T/sync.key" >>"$T/$1.conf"
	ip netns exec "$(ns "$1")" "$PFSYNCD" -d -f "$T/$1.conf" \
		>"$T/$1.log" 2>&1 &
	PIDS+=("$!")
	eval "PID_$1=$!"
	wait_for 10 test -S "$T/$1.sock"
}

start_conntrackd() { # NODE SELF PEER
	cat >"$T/$1.ctd.conf" <<CONF
Sync {
	Mode FTFW {
		DisableExternalCache on
		ResendQueueSize 1048576
	}
	UDP {
		IPv4_address $2
		IPv4_Destination_Address $3
		Port 3780
		Interface sync0
		SndSocketBuffer 16777216
		RcvSocketBuffer 16777216
		Checksum on
	}
}
General {
	HashSize 1048576
	HashLimit 4194304
	LogFile $T/$1.ctd.log
	Syslog off
	LockFile $T/$1.ctd.lock
	UNIX {
		Path $T/$1.ctd.sock
	}
	NetlinkBufferSize 67108864
	NetlinkBufferSizeMaxGrowth 268435456
	Filter From Userspace {
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address 10.99.0.0/24
		}
	}
}
CONF
	ip netns exec "$(ns "$1")" conntrackd -C "$T/$1.ctd.conf" \
		>"$T/$1.ctd.out" 2>&1 &
	PIDS+=("$!")
	eval "PID_$1=$!"
	sleep 1
	chrt -o -p 0 "$!" 2>/dev/null # normal priority, as pfsyncd
}

# pfsyncd-key: pfsyncd with a key (sealed sync, pfsyncd(8) SEALED SYNC)
keyed() { [ "$1" = pfsyncd-key ] && echo keyed; }

start_pair() { # DAEMON
	if [ "${1%-key}" = pfsyncd ]; then
		start_pfsyncd a 0x0a630001 "$(keyed "$1")" &&
			start_pfsyncd b 0x0a630002 "$(keyed "$1")" &&
			wait_for 90 bulk_done a && wait_for 90 bulk_done b
	else
		start_conntrackd a 10.99.0.1 10.99.0.2 &&
			start_conntrackd b 10.99.0.2 10.99.0.1
	fi
}

stop_node() {
	local p
	p=$(daemon_pid "$1")
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

# B restarted with an empty table; it asks A for everything
restart_b_empty() { # DAEMON
	stop_node b
	ip netns exec "$(ns b)" conntrack -F 2>/dev/null
	if [ "${1%-key}" = pfsyncd ]; then
		start_pfsyncd b 0x0a630002 "$(keyed "$1")" # asks for a bulk
	else
		start_conntrackd b 10.99.0.2 10.99.0.1
		ip netns exec "$(ns b)" conntrackd -C "$T/b.ctd.conf" -n \
			>/dev/null 2>&1
	fi
}

R=() # result rows: "daemon key value"
put() { R+=("$1 $2 $3"); printf '  %-10s %-22s %s\n' "$1" "$2" "$3"; }

# phase DAEMON NAME CHECK...: time until CHECK holds, CPU of both daemons
phase() {
	local d=$1 name=$2 t0 ca cb pb ok=yes
	shift 2
	ca=$(cpu "$(daemon_pid a)")
	pb=$(daemon_pid b)
	cb=$(cpu "$pb")
	t0=$(now)
	"${PH_CMD[@]}" >/dev/null
	wait_until "$WAIT" "$@" || ok=no
	local t
	t=$(since "$t0")
	ca=$(($(cpu "$(daemon_pid a)") - ca))
	[ "$(daemon_pid b)" = "$pb" ] || cb=0 # B restarted: all its CPU
	cb=$(($(cpu "$(daemon_pid b)") - cb))
	put "$d" "$name.s" "$t"
	put "$d" "$name.rate" "$(awk -v n="$N" -v t="$t" 'BEGIN { printf "%.0f", n / t }')"
	put "$d" "$name.complete" "$ok"
	put "$d" "$name.cpu_us_entry" "$(awk -v a="$ca" -v b="$cb" -v n="$N" -v h="$HZ" 'BEGIN { printf "%.1f", (a + b) * 1e6 / h / n }')"
}

run_daemon() { # DAEMON
	local d=$1 ra rb i0
	topology
	start_pair "$d" || { echo "$d: did not start"; untopology; return; }
	ra=$(rss_kb "$(daemon_pid a)")
	rb=$(rss_kb "$(daemon_pid b)")
	PH_CMD=(inject a insert "$N")
	phase "$d" insert is_count b "$N"
	put "$d" insert.reached_b "$(count b)"
	put "$d" mem_a.B_entry "$(awk -v x="$(rss_kb "$(daemon_pid a)")" -v y="$ra" -v n="$N" 'BEGIN { printf "%.0f", (x - y) * 1024 / n }')"
	put "$d" mem_b.B_entry "$(awk -v x="$(rss_kb "$(daemon_pid b)")" -v y="$rb" -v n="$N" 'BEGIN { printf "%.0f", (x - y) * 1024 / n }')"
	i0="$(cpu "$(daemon_pid a)") $(cpu "$(daemon_pid b)")"
	sleep "$IDLE"
	put "$d" idle_a.pct_core "$(awk -v x="$(cpu "$(daemon_pid a)")" -v y="${i0% *}" -v s="$IDLE" -v h="$HZ" 'BEGIN { printf "%.2f", (x - y) * 100 / h / s }')"
	put "$d" idle_b.pct_core "$(awk -v x="$(cpu "$(daemon_pid b)")" -v y="${i0#* }" -v s="$IDLE" -v h="$HZ" 'BEGIN { printf "%.2f", (x - y) * 100 / h / s }')"
	PH_CMD=(inject a update "$N" FIN_WAIT)
	phase "$d" update is_state b FIN_WAIT "$N"
	PH_CMD=(restart_b_empty "$d")
	phase "$d" bulk is_count b "$N"
	PH_CMD=(inject a delete "$N")
	phase "$d" delete is_count b 0
	put "$d" delete.left_on_b "$(count b)"
	if [ "${d%-key}" = pfsyncd ]; then # where a state could have been lost
		put "$d" b.kernel_drops "$(json_field b kernel_drops -v stats)"
		put "$d" b.writes_waited_max "$(json_field b ct_wait_max -v stats)"
		put "$d" b.writes_merged "$(json_field b ct_coalesced -v stats)"
		put "$d" b.rel_given_up "$(json_field b rel_lost -v stats)"
	fi
	stop_node a
	stop_node b
	untopology
}

echo "== conntrack sync, N=$N ($(nproc) cpus, conntrack hash $(cat $HSIZE) buckets)"
head -c 32 /dev/urandom | base64 >"$T/sync.key"
chmod 600 "$T/sync.key"
chown "$DAEMON_USER" "$T/sync.key"
ip netns add "$(ns c)" && NSES+=("$(ns c)")
ceil=$(inject c insert "$N" | sed -n 's/.*: \([0-9]*\)\/s.*/\1/p')
inject c delete "$N" >/dev/null
put ceiling insert.rate "$ceil"
for d in $DAEMONS; do
	if [ "$d" = conntrackd ] && ! command -v conntrackd >/dev/null; then
		echo "  (conntrackd not installed: make deps)"
		continue
	fi
	run_daemon "$d"
done

# ratios pfsyncd / conntrackd, and against the ceiling
val() { printf '%s\n' "${R[@]}" | awk -v d="$1" -v k="$2" '$1 == d && $2 == k { print $3 }'; }
echo "== ratios"
for k in insert.rate update.rate bulk.rate delete.rate; do
	p=$(val pfsyncd "$k")
	c=$(val conntrackd "$k")
	[ -n "$p" ] && [ -n "$c" ] &&
		printf '  %-22s pfsyncd/conntrackd %s\n' "$k" \
			"$(awk -v p="$p" -v c="$c" 'BEGIN { printf "%.2f", (c > 0 ? p / c : 0) }')"
done
for k in insert.cpu_us_entry update.cpu_us_entry; do
	p=$(val pfsyncd "$k")
	c=$(val conntrackd "$k")
	[ -n "$p" ] && [ -n "$c" ] &&
		printf '  %-22s pfsyncd/conntrackd %s\n' "$k" \
			"$(awk -v p="$p" -v c="$c" 'BEGIN { printf "%.2f", (c > 0 ? p / c : 0) }')"
done
for k in insert.rate update.rate bulk.rate delete.rate; do
	p=$(val pfsyncd "$k")
	c=$(val pfsyncd-key "$k")
	[ -n "$p" ] && [ -n "$c" ] &&
		printf '  %-22s keyed/plain %s\n' "$k" \
			"$(awk -v p="$p" -v c="$c" 'BEGIN { printf "%.2f", (p > 0 ? c / p : 0) }')"
done
p=$(val pfsyncd insert.rate)
[ -n "$p" ] && [ -n "$ceil" ] &&
	printf '  %-22s pfsyncd/ceiling %s\n' insert.rate \
		"$(awk -v p="$p" -v c="$ceil" 'BEGIN { printf "%.2f", (c > 0 ? p / c : 0) }')"
p=$(val pfsyncd bulk.s)
c=$(awk -v n="$N" -v c="$ceil" 'BEGIN { if (c > 0) printf "%.2f", n / c }')
[ -n "$p" ] && [ -n "$c" ] &&
	printf '  %-22s pfsyncd/ceiling %s\n' bulk.time \
		"$(awk -v p="$p" -v c="$c" 'BEGIN { printf "%.2f", (c > 0 ? p / c : 0) }')"
exit 0
