#!/bin/bash
# test_bulkpace.sh - a bulk update a peer with default socket buffers
# takes in whole.  R is not pfsyncd: a small receiver (bulkrecv.py) with
# the system's default SO_RCVBUF, as an independent or BSD peer has, asks
# A for a bulk update and counts what arrives up to the BUS END.  It looks
# at its socket only once a millisecond (POLL_MS), as a peer that services
# its input now and then; it runs SCHED_FIFO so that the other jobs on a
# shared machine do not stretch that millisecond.  With the stock pace
# (bursts a default buffer holds, once a millisecond) every state arrives
# and the kernel drops nothing on R's socket.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.81.0.1
netns_node R 10.81.0.9
N=${N:-3000}
daemon_start A 1 || fail "start A"
t0=$(date +%s%N)
for k in 0 1 2 3; do
	add_many A $((k * N / 4)) $(((k + 1) * N / 4)) &
	eval "w$k=$!"
done
for k in 0 1 2 3; do
	eval "wait \$w$k" || fail "adding states"
done
echo "# $N adds took $((($(date +%s%N) - t0) / 1000000)) ms"
check "A holds $N states" [ "$(nstates A)" -eq "$N" ]
check "A's own bulk request is over (it answers with BUS)" \
	wait_for 20 bulk_done A

# one run of the receiver: the JSON line it prints
recv() {
	ip netns exec "$(ns R)" chrt -f 10 $PY "$TOP/tests/netns/bulkrecv.py" sync0 30 ${POLL_MS:-1}
}
for run in $(seq ${RUNS:-3}); do
	out=$(recv) || fail "run $run: no BUS END: $out"
	echo "# run $run: $out"
	field() { echo "$out" | $PY -c \
		'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
	check "run $run: BUS START seen" [ "$(field start)" = 1 ]
	check "run $run: the kernel dropped nothing on R's socket" \
		[ "$(field drops)" = 0 ]
	check "run $run: all $N states arrived" [ "$(field distinct)" = "$N" ]
done
check "daemon alive, no sanitizer reports" daemons_healthy
