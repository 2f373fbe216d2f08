#!/bin/bash
# test_iack.sh - an OpenBSD (v6) or FreeBSD (v5) peer with `defer` gets its
# INS_ACK (issue 20, item 2).  P is a BSD peer made of bytes from the
# reference (dialpeer.py, nothing from lib/): it is heard once (a DEL_C of
# no state), then sends an INS with PFSTATE_ACK and waits for A's INS_ACK
# of that state, in its own dialect, unicast.  A runs the default
# `version auto`.  An INS without the flag (a v5 1500 one, another
# connection) is not answered.
source "$(dirname "$0")/lib.sh"
netns_init
netns_bridge
netns_node A 10.86.0.1
netns_node P 10.86.0.9
daemon_start A 1 || fail "start A"
check "A's startup bulk is done" wait_for 15 bulk_done A

peer() { ip netns exec "$(ns P)" "$PY" "$TOP/tests/netns/dialpeer.py" "$@"; }
rel() { json_field A "rel_$1" stats; }

peer defer6 10.86.0.1 0x6001 0x0b5d0006 >"$T/d6.json" ||
	fail "no v6 INS_ACK: $(cat "$T/d6.json")"
sed 's/^/# v6: /' "$T/d6.json"
check "the v6 deferred INS landed" \
	wait_for 5 field_is A 0b5d0006:0000000000006001 dst_state ESTABLISHED
check "one INS_ACK record came back" grep -q '"iack": 1,' "$T/d6.json"
check "within the BSDs' 20 ms" "$PY" -c '
import json, sys
sys.exit(json.load(open(sys.argv[1]))["ms"] >= 20)' "$T/d6.json"

peer defer5 10.86.0.1 0x5001 0x0f5d0005 >"$T/d5.json" ||
	fail "no v5 INS_ACK: $(cat "$T/d5.json")"
sed 's/^/# v5: /' "$T/d5.json"
check "the v5 deferred INS landed" \
	wait_for 5 field_is A 0f5d0005:0000000000005001 dst_state ESTABLISHED
check "one v5 INS_ACK record came back" grep -q '"iack": 1,' "$T/d5.json"
check "A counts two INS_ACKs" [ "$(rel iacks)" = 2 ]
check "pfsyncctl -v stats shows them" \
	sh -c "ip netns exec '$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' -v stats |
		grep -q 'rel_iacks.*2\|2.*INS_ACK'"

peer ins1500 10.86.0.1 0x5002 0x0f5d0005 || fail "send v5 INS"
check "an INS without the flag landed" \
	wait_for 5 field_is A 0f5d0005:0000000000005002 dst_state ESTABLISHED
check "and was not acknowledged" [ "$(rel iacks)" = 2 ]
check "nothing refused" \
	[ "$(json_field A badver stats)$(json_field A badval stats)" = 00 ]
check "daemon alive, no sanitizer reports" daemons_healthy
