#!/bin/bash
# test_hashflood.sh - the state table's hash cannot be steered from the
# Internet (security review H1).  With `backend conntrack`, a connection's
# source address becomes the state's lan address, and an attacker chooses
# the interface id of the sources in its own /64.  Under the table's old
# hash (fixed and invertible) 64 such sources, chosen so that their flow
# keys all hash to 0xFFFFFFFF, filled the index's tail: from then on no
# node could insert, and no new connection was synced.  Here the 64
# connections are made with `conntrack -I` on fwA (what 64 SYNs through
# the firewall would leave); then ordinary connections must still reach
# fwB.  On main they did not.
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.31.0.1
netns_node fwB 10.31.0.2

pfsync_notrack fwA fwB || fail "nft notrack"

ct() { # NAME conntrack-args...
	local n=$1
	shift
	ip netns exec "$(ns "$n")" conntrack "$@" 2>/dev/null
}
has() { ct "$1" -L "${@:2}" | grep -q .; }

# 64 sources of 2001:db8:1::/64 to [2001:db8:2::1]:80 from port 40000
# whose key hash under the old function (lib/table/table.c before it was
# keyed: w64 words of the addresses times odd constants, a header word,
# a multiply-xorshift mix, its top 32 bits) is 0xFFFFFFFF, found with the
# mix's inverse, as the review describes.
crafted() {
	$PY - <<'PY'
import ipaddress
M = (1 << 64) - 1
K0, K1, K2 = 0x9e3779b97f4a7c15, 0xd0b2529a9b0457cf, 0xcde75e99d77ad8e9
K3, K4 = 0xaa1a637cb4185189, 0xe3c1b5a2f0d94e27

def inv(k):
    x = k
    for _ in range(6):
        x = x * (2 - k * x) & M
    return x

def mix(x):
    x ^= x >> 32; x = x * K1 & M; x ^= x >> 29; x = x * K2 & M
    return x ^ x >> 32

def unmix(x):
    x ^= x >> 32; x = x * inv(K2) & M; x ^= (x >> 29) ^ (x >> 58)
    x = x * inv(K1) & M
    return x ^ x >> 32

w = lambda b: int.from_bytes(b, "little")
lan = ipaddress.IPv6Address("2001:db8:1::").packed[:8]
ext = ipaddress.IPv6Address("2001:db8:2::1").packed
# AF_INET6 10, TCP 6, direction out 2, ports 40000 -> 80
hdr = 10 << 48 | 6 << 40 | 2 << 32 | 40000 << 16 | 80
for j in range(64):
    x = (unmix(0xffffffff << 32 | j) - hdr * K0 - w(lan) * K1
         - w(ext[:8]) * K3 - w(ext[8:]) * K4) * inv(K2) & M
    a = lan + x.to_bytes(8, "little")
    h = mix((w(a[:8]) * K1 + w(a[8:]) * K2 + w(ext[:8]) * K3 +
             w(ext[8:]) * K4 + hdr * K0) & M) >> 32
    assert h == 0xffffffff
    print(ipaddress.IPv6Address(a))
PY
}

daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 5 bulk_done fwA
wait_for 5 bulk_done fwB

srcs=$(crafted) || fail "crafting the sources"
for s in $srcs; do
	ct fwA -I -p tcp -s "$s" -d 2001:db8:2::1 --sport 40000 --dport 80 \
		--state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED >/dev/null ||
		fail "conntrack -I from $s on fwA"
done
check "fwA holds the 64 crafted connections" \
	wait_for 5 count_is 64 ncreator fwA 0x0a000001
check "fwB holds them too" wait_for 5 count_is 64 ncreator fwB 0x0a000001

ordinary() { # WHAT conntrack-tuple...
	local what=$1
	shift
	ct fwA -I "$@" --state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED \
		>/dev/null || fail "conntrack -I $what on fwA"
	check "an ordinary $what connection after them reaches fwB's kernel" \
		wait_for 5 has fwB "$@"
}
ordinary IPv4 -p tcp -s 10.1.0.10 -d 10.2.0.20 --sport 40000 --dport 80
ordinary IPv6 -p tcp -s 2001:db8:1::77 -d 2001:db8:2::1 --sport 40001 \
	--dport 80
check "fwB holds all 66 of fwA's states" \
	wait_for 5 count_is 66 ncreator fwB 0x0a000001
check "fwA's table refused nothing" \
	bash -c "! grep -qi 'ENOMEM\|cannot allocate' '$T/fwA.log'"
check "daemons healthy" daemons_healthy
