#!/bin/bash
# test_decode_dialects.sh - pfsyncctl decode -i on a live interface shows
# every dialect: an OpenBSD v6 packet over IPv4 and a FreeBSD v5 packet
# over IPv6 (next header 240, as FreeBSD 14 sends to ff12::f0 or an IPv6
# syncpeer), both made by hand by bsdsend.py, while other traffic is kept
# out by the kernel filter.
#
#   A sends; B runs pfsyncctl decode -v -c 4 -i dec0
source "$(dirname "$0")/lib.sh"
netns_init

netns_add A
netns_add B
netns_link A dec0 10.88.0.1/24 B dec0 10.88.0.2/24
ip -n "$(ns A)" -6 addr add fd88::1/64 dev dec0 nodad
ip -n "$(ns B)" -6 addr add fd88::2/64 dev dec0 nodad

out=$T/decode.out
ip netns exec "$(ns B)" "$PFSYNCCTL" decode -v -c 4 -i dec0 >"$out" \
	2>"$T/decode.err" &
DEC=$!
PIDS+=("$DEC")

# send until the decoder has seen four pfsync packets (it may start late)
send_round() {
	ip netns exec "$(ns A)" $PY "$TOP/tests/netns/bsdsend.py" v6 10.88.0.2
	ip netns exec "$(ns A)" $PY "$TOP/tests/netns/bsdsend.py" v5 fd88::2
	ip netns exec "$(ns A)" $PY -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"not pfsync", ("10.88.0.2", 9))'
	! kill -0 "$DEC" 2>/dev/null
}
check "decode took four packets and ended" wait_for 20 send_round
wait "$DEC"
check "decode exited 0" test $? -eq 0
check "OpenBSD v6 over IPv4" grep -qE \
	'^[0-9:.]+ 10\.88\.0\.1 > 10\.88\.0\.2: PFSYNCv6 len 36$' "$out"
check "v6 section and record" grep -qxF \
	$'\t\tid: 00000000000000ab creatorid: 000000cd' "$out"
check "FreeBSD v5 over IPv6" grep -qE \
	'^[0-9:.]+ fd88::1 > fd88::2: PFSYNCv5 len 40$' "$out"
check "v5 sections" grep -qxF '    eof count 1' "$out"
check "no UDP packet printed" sh -c "! grep -q 'not pfsync' '$out'"
check "only pfsync lines" sh -c \
	"test \$(grep -cE '^[0-9:.]+ ' '$out') -eq 4"
echo "PASS test_decode_dialects"
