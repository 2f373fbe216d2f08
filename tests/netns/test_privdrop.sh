#!/bin/bash
# test_privdrop.sh - least privilege, read from /proc: after setup the
# daemon runs as the unprivileged user (pfsyncd; nobody named in the
# config where that account is missing) with only CAP_NET_ADMIN and
# CAP_NET_RAW (effective, permitted and bounding; none inheritable), no
# new privileges (with `seccomp no` too), group not 0, and seccomp filter
# mode 2; the control socket keeps its mode.  A user that is missing, or
# whose group (primary or supplementary) is root's, is refused: no
# silent fallback (a passwd and group of the test's own are bind-mounted
# in a mount namespace for that).  It still syncs, applies ifconfig words (pfsync0 down/up
# needs CAP_NET_ADMIN) and reloads; a reload it may no longer do (a new
# TUN device) is refused and the running config kept.  `user root` and `seccomp no` turn each off.
#
#   A 10.77.0.1 --br0-- B 10.77.0.2
source "$(dirname "$0")/lib.sh"
netns_init

status() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$(daemon_pid "$1")/status" | xargs; }
status_is() { [ "$(status "$1" "$2")" = "$3" ]; }
# CAP_NET_ADMIN (12) and CAP_NET_RAW (13)
CAPS=0000000000003000

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
EXTRA_CONF="control-mode 0640" daemon_start A 0x0a000001
daemon_start B 0x0a000002
UID_WANT=$(id -u "$DAEMON_USER")
check "A runs as $DAEMON_USER" wait_for 5 sh -c \
	"sed -n 's/^Uid:[[:space:]]*//p' /proc/$(daemon_pid A)/status |
	 grep -qx '$UID_WANT[[:space:]]*$UID_WANT[[:space:]]*$UID_WANT[[:space:]]*$UID_WANT'"
check "A's groups are $DAEMON_USER's only" status_is A Groups \
	"$(id -g "$DAEMON_USER")"
check "CapEff NET_ADMIN+NET_RAW" status_is A CapEff $CAPS
check "CapPrm NET_ADMIN+NET_RAW" status_is A CapPrm $CAPS
check "CapBnd NET_ADMIN+NET_RAW" status_is A CapBnd $CAPS
check "CapAmb none" status_is A CapAmb 0000000000000000
check "CapInh none" status_is A CapInh 0000000000000000
check "NoNewPrivs" status_is A NoNewPrivs 1
gid_not_root() { status A Gid | grep -qvE '(^| )0( |$)'; }
check "Gid not 0" gid_not_root
check "Seccomp filter mode" status_is A Seccomp 2
check "control socket keeps mode 0640" test \
	"$(stat -c %a "$T/A.sock")" = 640
check "running as logged" grep -q "running as $DAEMON_USER, seccomp filter on" \
	"$T/A.log"

# it still does its work
check "A bulk done" wait_for 10 bulk_done A
ctl A add tcp 10.9.0.1:1000 10.9.1.1:22 >/dev/null
check "B has A's state" wait_for 10 count_is 1 ncreator B 0x0a000001
ctl A pfsync0 down >/dev/null || fail "pfsync0 down"
check "pfsync0 down (CAP_NET_ADMIN used)" wait_for 5 sh -c \
	"! ip -n '$(ns A)' link show pfsync0 | grep -q '<.*UP'"
ctl A pfsync0 up >/dev/null || fail "pfsync0 up"
check "pfsync0 up again" wait_for 5 sh -c \
	"ip -n '$(ns A)' link show pfsync0 | grep -q '<.*UP'"
# a reload the user may not do (a new TUN device): refused, kept running
sed -i 's/^interface pfsync0 /interface pfsync1 /' "$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "reload to pfsync1 refused" wait_for 10 grep -q \
	"reload: pfsync1: .*; keeping the running config" "$T/A.log"
sed -i 's/^interface pfsync1 /interface pfsync0 /' "$T/A.conf"
sed -i 's/^log-level debug$/log-level info/' "$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "a reload it may do is applied" wait_for 10 grep -q \
	"reload: .* applied" "$T/A.log"
# a new user needs a restart: kept (who may change things follows it)
cp "$T/A.conf" "$T/A.conf.keep"
sed -i '/^user /d' "$T/A.conf"
echo "user root" >>"$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "a new user on reload: kept, needs a restart" wait_for 10 grep -q \
	"user: a change needs a restart; keeping $DAEMON_USER" "$T/A.log"
cp "$T/A.conf.keep" "$T/A.conf"
ctl A add tcp 10.9.0.2:1000 10.9.1.1:22 >/dev/null
check "B has A's second state" wait_for 10 count_is 2 ncreator B 0x0a000001
check "A alive under the filter" daemons_healthy
daemon_stop A || fail "A did not exit cleanly"
check "no SIGSYS in A's log" sh -c "! grep -q 'seccomp: system call' $T/A-run*.log"

# user root / seccomp no turn each off
EXTRA_CONF="user root
seccomp no" daemon_start A 0x0a000001
check "user root keeps uid 0" wait_for 5 sh -c \
	"sed -n 's/^Uid:[[:space:]]*//p' /proc/$(daemon_pid A)/status | grep -q '^0'"
check "seccomp no: mode 0" status_is A Seccomp 0
check "seccomp no, user root: NoNewPrivs all the same" wait_for 5 status_is A NoNewPrivs 1
check "user root: CapInh none" status_is A CapInh 0000000000000000
check "daemons healthy" daemons_healthy
daemon_stop A || fail "A (user root) did not exit cleanly"

# seccomp no as the unprivileged user: still no new privileges
EXTRA_CONF="seccomp no" daemon_start A 0x0a000001
check "seccomp no: NoNewPrivs 1" wait_for 5 status_is A NoNewPrivs 1
check "seccomp no: CapInh none" status_is A CapInh 0000000000000000
check "seccomp no: Seccomp 0" status_is A Seccomp 0
daemon_stop A || fail "A (seccomp no) did not exit cleanly"

# refused users, in a mount namespace with our own passwd and group:
# gid0 (primary group 0), supp (in group root), and none at all
grep -vE '^(pfsyncd|pfsdt_)' /etc/passwd >"$T/passwd"
grep -vE '^(pfsyncd|pfsdt_)' /etc/group | sed 's/^root:x:0:.*/root:x:0:pfsdt_supp/' >"$T/group"
cat >>"$T/passwd" <<PW
pfsdt_gid0:x:64990:0::/nonexistent:/usr/sbin/nologin
pfsdt_supp:x:64991:64991::/nonexistent:/usr/sbin/nologin
pfsdt_ok:x:64992:64992::/nonexistent:/usr/sbin/nologin
PW
cat >>"$T/group" <<GR
pfsdt_supp:x:64991:
pfsdt_ok:x:64992:
GR
# refused_user CONFWORDS MESSAGE: the daemon exits non-zero saying so
refused_user() {
	local words=$1 msg=$2 rc
	sed -e '/^user /d' -e '/^seccomp /d' "$T/A.conf" >"$T/R.conf"
	sed -i "s|^control .*|control \"$T/R.sock\"|" "$T/R.conf"
	[ -n "$words" ] && echo "$words" >>"$T/R.conf"
	ip netns exec "$(ns A)" unshare -m sh -c "
		mount --bind '$T/passwd' /etc/passwd &&
		mount --bind '$T/group' /etc/group &&
		exec timeout 20 '$PFSYNCD' -d -f '$T/R.conf'" >"$T/R.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qF "$msg" "$T/R.log" ||
		{ echo "rc $rc"; cat "$T/R.log"; return 1; }
}
check "a user in group 0 (primary) is refused" refused_user "user pfsdt_gid0" \
	"user pfsdt_gid0: in group 0 (root's group)"
check "a user in group root (supplementary) is refused" refused_user \
	"user pfsdt_supp" "user pfsdt_supp: in group 0 (root's group)"
check "a missing user is refused, no fallback to nobody" refused_user \
	"user pfsdt_gone" "user pfsdt_gone: no such user"
check "no pfsyncd account and no user line: refused" refused_user "" \
	"user pfsyncd: no such user"
check "no socket left by the refused starts" test ! -e "$T/R.sock"
