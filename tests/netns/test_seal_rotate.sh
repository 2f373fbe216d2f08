#!/bin/bash
# test_seal_rotate.sh - key rotation under traffic: A and B seal with key
# 1 while A churns states; a new key is written to A's key file and A is
# sent SIGHUP, then the same on B a second later.  Both end up sending
# with key 2, the old key is forgotten after key-grace, no packet was
# dropped (no unknown key, no failed tag) and the tables are equal.
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
source "$(dirname "$0")/lib.sh"
netns_init

counter() { json_field "$1" "$2" stats; }
counter_is() { [ "$(counter "$1" "$2")" = "$3" ]; }
# a key file as the daemon wants it: 0600, owned by the user it runs as
newkey() { head -c 32 /dev/urandom | base64 >"$1.new" && chmod 600 "$1.new" &&
	chown "$DAEMON_USER" "$1.new" && mv "$1.new" "$1"; }

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
for n in A B; do
	newkey "$T/$n.key"
done
cp -p "$T/A.key" "$T/B.key"
for n in A B; do
	EXTRA_CONF="key \"$T/$n.key\"
key-grace 2
cluster \"rot\"" daemon_start "$n" "0x0a00000${n/A/1}"
done
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
K1=$(counter A seal_keyid)
check "same key on both" counter_is B seal_keyid "$K1"

ctl A churn 300 8 max 300 >/dev/null
sleep 2
newkey "$T/A.key"
cp -p "$T/A.key" "$T/B.key.new"
kill -HUP "$(daemon_pid A)"
check "A accepts both keys" wait_for 5 counter_is A seal_keys 2
check "A still sends with key 1" counter_is A seal_keyid "$K1"
sleep 1
mv "$T/B.key.new" "$T/B.key"
kill -HUP "$(daemon_pid B)"
check "B accepts both keys" wait_for 5 counter_is B seal_keys 2
check "A moved to key 2" wait_for 10 sh -c \
	"[ \"\$('$PFSYNCCTL' -s '$T/A.sock' -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"seal_keyid\"])')\" != '$K1' ]"
K2=$(counter A seal_keyid)
check "B moved to key 2" wait_for 10 counter_is B seal_keyid "$K2"
check "churn done" wait_for 30 sh -c "'$PFSYNCCTL' -s '$T/A.sock' -v stats | grep -q 'churn: done'"
check "tables equal after the rotation" wait_for 20 tables_equal A B
check "A forgot key 1" wait_for 10 counter_is A seal_keys 1
check "B forgot key 1" wait_for 10 counter_is B seal_keys 1
for n in A B; do
	for c in seal_badkey seal_auth seal_replay seal_old seal_short \
		seal_unsealed; do
		check "$n: $c 0" counter_is "$n" "$c" 0
	done
done
check "B opened A's packets" test "$(counter B seal_ok)" -gt 20
check "daemons healthy" daemons_healthy
