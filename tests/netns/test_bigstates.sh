#!/bin/bash
# test_bigstates.sh - `pfsyncctl states` of a large table: the answer is
# streamed, so it is not refused past the control queue limit (64 MB).
# A holds 300 000 states; `-v states` is about 65 MB of text, `-j
# states` about 115 MB of JSON: every state is listed once, and the
# daemon answers the next request.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.84.0.1
N=${N:-300000}
daemon_start A 1 || fail "start A"
churn_done() { ctl A -v stats | grep -q '^churn: done'; }
ctl A churn 1000000 60 max "$N" fill >/dev/null || fail "churn"
check "A filled its table" wait_for 60 churn_done
check "A holds $N states" [ "$(nstates A)" -eq "$N" ]
ctl A -v states >"$T/v.txt" || fail "states -v"
echo "# states -v: $(wc -c <"$T/v.txt") bytes"
check "states -v lists every state once" \
	[ "$(grep -c '^all tcp' "$T/v.txt")" -eq "$N" ]
rm -f "$T/v.txt"
ctl A -j states >"$T/j.json" || fail "states -j"
echo "# states -j: $(wc -c <"$T/j.json") bytes"
check "states -j is past the 64 MB queue limit" \
	[ "$(wc -c <"$T/j.json")" -gt $((64 << 20)) ]
check "states -j is one JSON array of every state" \
	[ "$($PY -c 'import json,sys; a=json.load(open(sys.argv[1]));
print(len(set((s["creatorid"], s["id"]) for s in a)))' "$T/j.json")" -eq "$N" ]
rm -f "$T/j.json"
check "the daemon answers the next request" ctl A pfsync0
check "daemon alive, no sanitizer reports" daemons_healthy
