#!/bin/bash
# test_names.sh - the names the tests make hold for any PID and counter.
# Linux takes interface names of at most 15 bytes (IFNAMSIZ-1); a name
# built from a PID (7 digits up to pid_max 4194304) and a counter broke
# `ip link add` on machines with long PIDs.  lib.sh now makes veths in
# their namespaces under their final names and checks every name; this
# test holds it so:
#   - ifname_check takes 1..15 bytes and says why it refuses the rest;
#   - sockpath_check refuses a Unix socket path sun_path cannot hold;
#   - netns_veth refuses a 16-byte name loudly and leaves nothing behind;
#   - the helpers work for a long node name and many nodes, whatever $$;
#   - no test or script adds a link in the host namespace, makes a veth
#     other than through netns_veth, or puts $$ or $RANDOM in a link name.
source "$(dirname "$0")/lib.sh"
netns_init

refuses() { ! ifname_check "$@" 2>/dev/null; }
sock_refused() { ! sockpath_check "$@" 2>/dev/null; }
quiet() { "$@" >/dev/null; }

check "15 bytes accepted" ifname_check sync0 abcdefghijklmno
check "16 bytes refused" refuses abcdefghijklmnop
check "one bad name among good ones refused" refuses sync0 abcdefghijklmnop
msg=$(ifname_check abcdefghijklmnop 2>&1)
echo "# $msg"
check "message names the name and its length" \
	grep -q "'abcdefghijklmnop' is 16 bytes" <<<"$msg"
check "empty name refused" refuses ''
check "name with / refused" refuses a/b
check "name with : refused" refuses a:b
check "name with a blank refused" refuses 'a b'

long=$T/$(printf 'x%.0s' $(seq 1 90)).sock
check "a daemon's socket path fits" sockpath_check "$T/fwA.sock"
check "a socket path of ${#long} bytes refused" \
	sock_refused "$long"
check "and named" grep -q "is ${#long} bytes" <<<"$(sockpath_check "$long" 2>&1)"

# a long node name: namespace names are files, only interfaces are short
LONG=node-with-a-name-well-over-fifteen-bytes
netns_bridge
netns_node "$LONG" 10.81.0.1
for i in $(seq 1 12); do
	netns_node "n$i" "10.81.0.$((i + 1))"
done
check "long node has sync0" quiet ip -n "$(ns "$LONG")" link show sync0
check "13 switch ports on br0" \
	test "$(ip -n "$(ns sw)" -o link show master br0 | wc -l)" -eq 13
check "switch port names at most 15 bytes" \
	test "$(ip -n "$(ns sw)" -o link show | awk -F': ' '{ sub(/@.*/, "", $2);
		if (length($2) > 15) print $2 }' | wc -l)" -eq 0
check "the nodes reach each other" \
	quiet ip netns exec "$(ns n12)" ping -q -c 1 -W 5 10.81.0.1

netns_add X
netns_add Y
out=$( (netns_veth X abcdefghijklmnop Y short0) 2>&1)
while read -r l; do echo "# $l"; done <<<"$out"
check "netns_veth refuses 16 bytes" grep -q 'is 16 bytes' <<<"$out"
check "and made nothing in X" \
	test "$(ip -n "$(ns X)" -o link show | grep -vc ': lo:')" -eq 0
check "and nothing in Y" \
	test "$(ip -n "$(ns Y)" -o link show | grep -vc ': lo:')" -eq 0
netns_link X x0 10.82.0.1/24 Y y0 10.82.0.2/24
check "netns_link: X reaches Y" quiet ip netns exec "$(ns X)" ping -q -c 1 -W 5 10.82.0.2

# the static rules, over every shell file of tests/, scripts/ and .ci/
# but this one (its patterns would match themselves)
cd "$TOP" || fail "cd $TOP"
files=$(grep -rlE '^#!/bin/(ba)?sh|shell=bash' tests scripts .ci |
	grep -v '^tests/netns/test_names\.sh$')
echo "# scanned: $(echo "$files" | wc -l) files"
# shellcheck disable=SC2086 # one word per file
# (in_ct runs a command inside the booted container of
# tests/pkg/test_systemd_boot.sh, in that container's own namespaces)
check "no link added in the host namespace" \
	test -z "$(grep -nE '\<ip +link +add\>' $files | grep -v ':in_ct ip ')"
# shellcheck disable=SC2086
check "veths only through netns_veth" \
	test "$(grep -n 'type veth' $files | grep -v ':in_ct ip ')" = \
	"$(grep -n 'type veth' tests/netns/lib.sh | sed 's|^|tests/netns/lib.sh:|')"
# shellcheck disable=SC2086,SC2016 # $$ and $RANDOM as text
check "no \$\$ or \$RANDOM in a link name" \
	test -z "$(grep -nE '\<ip .*link .*(\$\$|\$RANDOM)' $files)"
