#!/bin/bash
# test_ifnames.sh - regression: netns_link's temporary veth names were
# "pfk<pid>x<n><RANDOM>a", 17 characters with a 7-digit PID, so `ip link
# add` refused them and test_leak failed whenever the PID was above
# 999999.  Every temporary name lib.sh makes must fit IFNAMSIZ (at most
# 15 characters) for any PID up to 4194304 (pid_max), and be unique
# within a test.  Also creates one real link with the helper.
source "$(dirname "$0")/lib.sh"
netns_init

longest=0
declare -A seen
for pid in 1 99999 999999 1000000 4194304; do
	for n in 0 1 9 10 99 100 999; do
		for end in a b; do
			name=$(netns_tmpif "$pid" "$n")$end
			[ ${#name} -gt "$longest" ] && longest=${#name}
			[ -z "${seen[$name]:-}" ] || fail "duplicate name $name"
			seen[$name]=1
		done
	done
done
echo "longest temporary name: $longest characters"
check "temporary veth names fit IFNAMSIZ" test "$longest" -le 15
check "the node names of netns_node fit too" \
	test ${#PFSYNCD} -gt 0 -a "$(printf 'pfa%sx%s' 4194304 99 | wc -c)" -le 15

netns_add X
netns_add Y
check "netns_link works with this PID ($$)" \
	netns_link X x0 10.250.0.1/30 Y y0 10.250.0.2/30
check "the link carries traffic" \
	ip netns exec "$(ns X)" ping -c 1 -W 2 10.250.0.2
