#!/bin/bash
# test_key_unit.sh - the key file and its rotation as the shipped unit
# runs pfsyncd, without systemd: root with the unit's bounding set only
# (NET_ADMIN NET_RAW SETUID SETGID SETPCAP: no DAC capabilities), no new
# privileges and umask 0077 (setpriv does what the unit's lines do).
# pfsyncd reads the key as root at start and as its user on reload, so
# the one ownership both can read is root:GROUP 0640 (GROUP: the
# daemon's); a key the daemon's user owns cannot be read at start there,
# and a root:root 0600 key cannot be read on reload: each refusal says
# so and how to own it.  The reload is what ExecReload runs, `pfsyncctl
# reload`, as root under the same bounding set (M7, issue 17).
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
source "$(dirname "$0")/lib.sh"
netns_init

counter() { json_field "$1" "$2" stats; }
counter_is() { [ "$(counter "$1" "$2")" = "$3" ]; }
GROUP=$(id -gn "$DAEMON_USER")
GID=$(id -g "$DAEMON_USER")
HINT="Permission denied (read as root at start, as $DAEMON_USER on reload: chown root:$GID"
UNITCAPS=-all,+net_admin,+net_raw,+setuid,+setgid,+setpcap

# the unit's process: the daemon (PID kept: setpriv execs it)
REAL=$PFSYNCD
cat >"$T/unit-exec" <<EOF
#!/bin/sh
umask 0077
exec setpriv --bounding-set=$UNITCAPS --inh-caps=-all --no-new-privs "\$@"
EOF
chmod 755 "$T/unit-exec"
unit_ctl() { # NAME ARGS...: pfsyncctl as ExecReload runs it
	local name=$1
	shift
	ip netns exec "$(ns "$name")" "$T/unit-exec" "$PFSYNCCTL" \
		-s "$T/$name.sock" "$@"
}
# newkey FILE OWNER MODE: a new key, put in place in one rename
newkey() {
	head -c 32 /dev/urandom | base64 >"$1.new" && chown "$2" "$1.new" &&
		chmod "$3" "$1.new" && mv "$1.new" "$1"
}
# daemon_start runs "$PFSYNCD" as one word: give it one
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$T/unit-exec" "$REAL" >"$T/unit-pfsyncd"
chmod 755 "$T/unit-pfsyncd"

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
mkdir -m 755 "$T/keys"

# 1. owned by the daemon's user, 0600: root cannot read it under the unit
newkey "$T/keys/A.key" "$DAEMON_USER" 600
sed -e "s|@KEY@|$T/keys/A.key|" -e "s|@SOCK@|$T/X.sock|" >"$T/X.conf" <<'CONF'
interface pfsync0 up syncdev sync0
key "@KEY@"
control "@SOCK@"
CONF
[ -n "$USER_CONF" ] && echo "$USER_CONF" >>"$T/X.conf"
ip netns exec "$(ns A)" timeout 20 "$T/unit-pfsyncd" -d -f "$T/X.conf" \
	>"$T/X.log" 2>&1
rc=$?
check "a key of $DAEMON_USER's, 0600: start refused under the unit" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "it says Permission denied and how to own the key" grep -qF "$HINT" \
	"$T/X.log"

# 2. root:GROUP 0640: starts, and rotates on pfsyncctl reload
for n in A B; do
	newkey "$T/keys/$n.key" "root:$GROUP" 640
done
cp -p "$T/keys/A.key" "$T/keys/B.key"
for n in A B; do
	PFSYNCD="$T/unit-pfsyncd" EXTRA_CONF="key \"$T/keys/$n.key\"
key-grace 2
cluster \"unit\"" daemon_start "$n" "0x0a00000${n/A/1}"
done
pa=$(daemon_pid A)
check "A runs under the unit's bounding set" wait_for 5 sh -c \
	"grep -q '^CapBnd:[[:space:]]*0000000000003000' /proc/$pa/status"
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
K1=$(counter A seal_keyid)
check "same key on both" counter_is B seal_keyid "$K1"

newkey "$T/keys/A.key" "root:$GROUP" 640
cp -p "$T/keys/A.key" "$T/keys/B.key"
check "pfsyncctl reload (ExecReload) on A" unit_ctl A reload
check "A accepts the new key as $DAEMON_USER" wait_for 5 counter_is A seal_keys 2
check "pfsyncctl reload on B" unit_ctl B reload
check "B accepts the new key" wait_for 5 counter_is B seal_keys 2
check "A moved to the new key" wait_for 10 sh -c \
	"[ \"\$('$PFSYNCCTL' -s '$T/A.sock' -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"seal_keyid\"])')\" != '$K1' ]"
K2=$(counter A seal_keyid)
check "B moved to it too" wait_for 10 counter_is B seal_keyid "$K2"
ctl A add tcp 10.9.0.1:1000 10.9.1.1:22 >/dev/null || fail "add"
check "B has A's state, sealed with the new key" wait_for 10 \
	count_is 1 ncreator B 0x0a000001
check "no reload warning in A's log" sh -c "! grep -q 'reload: key' '$T/A.log'"

# 3. root:root 0600: the reload cannot read it; pfsyncctl reload fails
# saying why, the running key is kept
newkey "$T/keys/A.key" root:root 600
reload_refused() {
	local out
	out=$(unit_ctl A reload 2>&1) && return 1
	echo "$out" | grep -qF "$HINT"
}
check "a root:root 0600 key: pfsyncctl reload refused, with the fix" reload_refused
check "A keeps its key" counter_is A seal_keyid "$K2"

# 4. a FIFO at the key path: refused at once, nothing hangs
rm -f "$T/keys/A.key"
mkfifo -m 600 "$T/keys/A.key"
chown "$DAEMON_USER" "$T/keys/A.key"
fifo_refused() {
	local out rc
	out=$(timeout 10 "$PFSYNCCTL" -s "$T/A.sock" reload 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo "$out" | grep -q 'not a regular file'
}
check "a FIFO at the key path: refused, no hang" fifo_refused
check "A answers after it" ctl A bulk-done
check "daemons healthy" daemons_healthy
