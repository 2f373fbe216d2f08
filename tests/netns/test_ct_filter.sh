#!/bin/bash
# test_ct_filter.sh - the conntrack backend's filter (pfsyncd.conf(5):
# ignore address, ignore protocol, no-sync mark and label), with real
# entries in real conntrack tables.  fwA runs with the default (its own
# addresses not synced) plus `no-sync mark 0x1/0x1` and `ignore protocol
# udp`.  Made on fwA:
#   - a connection from fwA's own address, and one to it: not on fwB;
#   - a marked entry, a UDP entry: not on fwB;
#   - an ordinary connection through it: on fwB; then marked on fwA
#     (conntrack -U): deleted on fwB;
#   - after a reload with `ignore address none`: a connection from fwA's
#     own address is synced;
# and each reason is counted (stats -j ct_filtered, metrics).
source "$(dirname "$0")/lib.sh"
netns_init

export BACKEND=conntrack
netns_bridge
netns_node fwA 10.40.0.1
netns_node fwB 10.40.0.2
pfsync_notrack fwA fwB || fail "nft notrack"
EXTRA_CONF="no-sync mark 0x1/0x1
ignore protocol udp" daemon_start fwA 0x0a000001
daemon_start fwB 0x0a000002
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB

ct() { ip netns exec "$(ns "$1")" conntrack "${@:2}" 2>/dev/null; }
has() { ct "$1" -L "${@:2}" | grep -q .; }
hasnt() { ! has "$@"; }
ins() { ct fwA -I "$@" -t 600 || fail "conntrack -I $*"; }
EST=(--state ESTABLISHED -u SEEN_REPLY,ASSURED)
FROM_A=(-p tcp -s 10.40.0.1 -d 10.2.0.21 --sport 41000 --dport 22)
TO_A=(-p tcp -s 10.2.0.9 -d 10.40.0.1 --sport 41001 --dport 22)
MARKED=(-p tcp -s 10.1.0.12 -d 10.2.0.21 --sport 41002 --dport 443)
UDP=(-p udp -s 10.1.0.13 -d 10.2.0.21 --sport 41003 --dport 53)
THRU=(-p tcp -s 10.1.0.11 -d 10.2.0.21 --sport 41004 --dport 443)

ins "${FROM_A[@]}" "${EST[@]}"
ins "${TO_A[@]}" "${EST[@]}"
ins "${MARKED[@]}" "${EST[@]}" -m 1
ins "${UDP[@]}" -u SEEN_REPLY
ins "${THRU[@]}" "${EST[@]}"
check "a connection through fwA reaches fwB" wait_for 10 has fwB "${THRU[@]}"
sleep 0.3
check "one from fwA's own address does not" hasnt fwB "${FROM_A[@]}"
check "one to fwA's own address does not" hasnt fwB "${TO_A[@]}"
check "a marked one (no-sync mark) does not" hasnt fwB "${MARKED[@]}"
check "a UDP one (ignore protocol udp) does not" hasnt fwB "${UDP[@]}"
ctl fwA -j -v stats | $PY -c 'import json,sys
print("# fwA ct_filtered:", json.load(sys.stdin)["ct_filtered"])'
check "counted: own" test "$(ctl fwA -j -v stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["ct_filtered"]["own"])')" -ge 2
check "counted: mark" test "$(ctl fwA -j -v stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["ct_filtered"]["mark"])')" -ge 1
check "counted: protocol" test "$(ctl fwA -j -v stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["ct_filtered"]["protocol"])')" -ge 1
check "metrics: pfsyncd_conntrack_filtered_total by reason" sh -c \
	"'$PFSYNCCTL' -s '$T/fwA.sock' metrics | grep -qE '^pfsyncd_conntrack_filtered_total\{reason=\"own\"\} [2-9]'"

# pfsyncctl filter: the filter in force, and why a connection is left out
ctl fwA filter | sed 's/^/# fwA filter: /'
check "filter lists fwA's own address" sh -c \
	"'$PFSYNCCTL' -s '$T/fwA.sock' filter | grep -q '^ignore address auto:.* 10\.40\.0\.1'"
says() { [ "$(ctl fwA filter "$@")" = "$WANT" ]; }
WANT="not synced: own" check "filter: from fwA's address, own" \
	says tcp 10.40.0.1:41000 10.2.0.21:22
WANT="not synced: protocol" check "filter: udp, protocol" \
	says udp 10.1.0.13:41003 10.2.0.21:53
WANT="not synced: mark" check "filter: marked, mark" \
	says tcp 10.1.0.12:41002 10.2.0.21:443 mark 0x1
WANT="synced" check "filter: through, synced" \
	says tcp 10.1.0.11:41004 10.2.0.21:443
check "filter -j: synced false, why own" sh -c "'$PFSYNCCTL' -j -s '$T/fwA.sock' \
	filter tcp 10.40.0.1:41000 10.2.0.21:22 | $PY -c 'import json,sys
o = json.load(sys.stdin); assert o == {\"synced\": False, \"why\": \"own\"}, o'"
check "filter -j: the filter in force parses" sh -c "'$PFSYNCCTL' -j -s '$T/fwA.sock' \
	filter | $PY -c 'import json,sys
o = json.load(sys.stdin); assert \"10.40.0.1\" in o[\"own\"] and o[\"protocol\"] == [17] and o[\"mark\"] == \"0x1/0x1\", o'"
check "filter: a bad connection is refused" sh -c \
	"! '$PFSYNCCTL' -s '$T/fwA.sock' filter tcp nowhere 10.2.0.21:22 2>/dev/null"

ct fwA -U "${THRU[@]}" -m 1 >/dev/null || fail "conntrack -U -m 1"
check "marked after it was synced: deleted on fwB" \
	wait_for 10 hasnt fwB "${THRU[@]}"

sed -i '/^no-sync mark/a ignore address none' "$T/fwA.conf"
kill -HUP "$PID_fwA"
check "reload applied" wait_for 10 grep -q 'reload: .* applied' "$T/fwA.log"
FROM_A2=(-p tcp -s 10.40.0.1 -d 10.2.0.21 --sport 41005 --dport 22)
ins "${FROM_A2[@]}" "${EST[@]}"
check "with ignore address none, fwA's own connection is synced" \
	wait_for 10 has fwB "${FROM_A2[@]}"
check "daemons healthy" daemons_healthy
