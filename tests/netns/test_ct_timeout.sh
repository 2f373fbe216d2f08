#!/bin/bash
# test_ct_timeout.sh - between two pfsyncd peers with conntrack backends
# the replica's timeout follows the owner's: an entry fwA holds with 599 s
# left is written into fwB's kernel with 599 s (within 2 s), not with the
# 86 399 s of pf's tcp.established class (v3's `expire` cannot say fewer
# seconds than the class timeout; the extras section carries them,
# wire_xst.h).  Timeouts changed on fwA by `conntrack -U -t` follow: one
# raised to 1800 s, then one cut to 300 s (the refresh rule announces a
# cut to less than half, ctpolicy.h).
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.36.0.1
netns_node fwB 10.36.0.2
for n in fwA fwB; do
	ip netns exec "$(ns "$n")" nft -f - <<'NFT'
table inet pfsync_notrack {
  chain pre { type filter hook prerouting priority raw; ip protocol 240 notrack; }
  chain out { type filter hook output priority raw; ip protocol 240 notrack; }
}
NFT
done

ct() { # NAME conntrack-args...
	local n=$1
	shift
	ip netns exec "$(ns "$n")" conntrack "$@" 2>/dev/null
}
TCP=(-p tcp -s 10.1.36.10 -d 10.2.36.20 --sport 40000 --dport 80)
UDP=(-p udp -s 10.1.36.11 -d 10.2.36.21 --sport 5353 --dport 53)
# the seconds left of the entry, as conntrack -L prints them (3rd field)
tmo() { ct "$1" -L "${@:2}" | awk 'NR == 1 { print $3 }'; }
# fwB's timeout within 2 s of fwA's, both read now
close() { # args: the flow
	local a b
	a=$(tmo fwA "$@")
	b=$(tmo fwB "$@")
	[ -n "$a" ] && [ -n "$b" ] || return 1
	echo "# fwA $a s, fwB $b s"
	[ $((a - b)) -le 2 ] && [ $((b - a)) -le 2 ]
}
near() { # WANT args: fwB's timeout within 3 s under WANT
	local b
	b=$(tmo fwB "${@:2}")
	[ -n "$b" ] && [ "$b" -le "$1" ] && [ "$b" -ge $(($1 - 3)) ]
}

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB

ct fwA -I "${TCP[@]}" --state ESTABLISHED -t 599 -u SEEN_REPLY,ASSURED ||
	fail "conntrack -I tcp on fwA"
ct fwA -I "${UDP[@]}" -t 25 -u SEEN_REPLY || fail "conntrack -I udp on fwA"
check "the TCP entry reaches fwB" wait_for 10 near 599 "${TCP[@]}"
check "with fwA's timeout, within 2 s" close "${TCP[@]}"
check "the UDP entry (25 s of udp.multiple's 60) too" close "${UDP[@]}"

ct fwA -U "${TCP[@]}" -t 1800 >/dev/null || fail "conntrack -U -t 1800 on fwA"
check "a timeout raised to 1800 s on fwA reaches fwB" \
	wait_for 10 near 1800 "${TCP[@]}"
check "within 2 s of fwA's" close "${TCP[@]}"
ct fwA -U "${TCP[@]}" -t 300 >/dev/null || fail "conntrack -U -t 300 on fwA"
check "a timeout cut to 300 s on fwA reaches fwB" \
	wait_for 10 near 300 "${TCP[@]}"
check "within 2 s of fwA's" close "${TCP[@]}"

# the bulk says it too: a fwB restarted gets the entry back with it
daemon_stop fwB
ct fwB -F
daemon_start fwB 0x0a000002
check "fwB's bulk is done" wait_for 15 bulk_done fwB
check "after a bulk, fwB's timeout is fwA's, within 2 s" \
	wait_for 10 close "${TCP[@]}"
check "nothing refused" \
	[ "$(json_field fwB badval stats)$(json_field fwB rel_xst_bad stats)" = 00 ]
check "daemons healthy" daemons_healthy
