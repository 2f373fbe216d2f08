#!/bin/bash
# bench_seal.sh - the two-daemon sync rate of bench_netns.sh, plain and
# with a key (sealed with XChaCha20-Poly1305), and sealed over UDP: the
# max sustained rate of each and the sealed/plain ratio.  Printed, never
# asserted (issue 10's goal: sealed >= 80 % of plain).
#
#   RATES="100000 300000" SECS=3 bash tests/bench/bench_seal.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export RATES=${RATES:-100000 200000 300000 400000 600000 800000}
export SECS=${SECS:-3}
export MTUS=1500
KEYDIR=$(mktemp -d /tmp/pfsyncd-bench-key.XXXXXX)
trap 'rm -rf "$KEYDIR"' EXIT
head -c 32 /dev/urandom | base64 >"$KEYDIR/key"
chmod 600 "$KEYDIR/key"

# run LABEL EXTRA_CONF: one bench_netns.sh pass; its rows and max line
run() {
	local label=$1 out
	out=$(EXTRA_CONF=$2 bash "$HERE/bench_netns.sh" 2>&1)
	echo "== $label"
	echo "$out" | sed -n '/^ *rate /,/^max sustained (MTU/p'
	# the best applied/s of a row where B applied >= 99 % of what A made
	echo "$out" | sed -n '/^ *rate /,/^max sustained (MTU/p' |
		awk '$11 + 0 >= 99 && $3 > b { b = $3 } END { print b + 0 }' \
			>"$KEYDIR/$label"
}

run plain ""
run sealed "key \"$KEYDIR/key\""
run sealed-udp "key \"$KEYDIR/key\"
transport udp port 8240
peer 10.99.0.1
peer 10.99.0.2"
p=$(cat "$KEYDIR/plain")
echo
echo "two-daemon sync rate: best changes/s applied on B with >= 99 % of A's"
echo "changes applied (MTU 1500; the 2 shared cores make it noisy):"
for l in plain sealed sealed-udp; do
	v=$(cat "$KEYDIR/$l")
	printf '  %-11s %9s' "$l" "${v:-none}"
	[ -n "$v" ] && [ -n "$p" ] && [ "$p" -gt 0 ] && [ "$v" -gt 0 ] &&
		printf '  %5.1f %% of plain' "$(echo "100 * $v / $p" | bc -l)"
	echo
done
exit 0
