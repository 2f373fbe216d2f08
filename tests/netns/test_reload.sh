#!/bin/bash
# test_reload.sh - SIGHUP applies only the differences: an unchanged file
# starts no bulk update (no new UPD REQ on the wire), a changed syncdev or
# a new syncpeer does; `pfsyncctl pfsync0 maxupd N` changes maxupd without
# a bulk request; the ifconfig-like output; bad words rejected; -n.
source "$(dirname "$0")/lib.sh"
netns_init

bulk_done() { ctl "$1" pfsync0 | grep -q 'bulk: done'; }
alive_clean() {
	kill -0 "$(daemon_pid "$1")" &&
		! grep -qE 'ERROR: AddressSanitizer|runtime error' "$T/$1.log"
}
# bulk requests (UPD REQ) sent by A so far, on the wire
nureq() {
	"$PFSYNCCTL" decode "$T/wire.pcap" 2>/dev/null |
		grep -c '10.77.0.1 > .*PFSYNC UPD REQ'
}
ureq_more_than() { test "$(nureq)" -gt "$1"; }

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
ip netns exec "$(ns sw)" tcpdump -n -i br0 -w "$T/wire.pcap" -U ip proto 240 \
	>"$T/wire.log" 2>&1 &
PIDS+=("$!")
wait_for 5 test -s "$T/wire.pcap" || fail "tcpdump did not start"
sleep 0.5
daemon_start B 0x0a000002
check "B bulk done" wait_for 10 bulk_done B
daemon_start A 0x0a000001
check "A bulk done" wait_for 10 bulk_done A
sleep 0.5
n0=$(nureq)
echo "A sent $n0 bulk requests at start"
check "A asked for a bulk update at start" test "$n0" -ge 1

# unchanged file: no bulk request
kill -HUP "$(daemon_pid A)"
check "log says unchanged" wait_for 3 grep -q 'reload: .* unchanged' \
	"$T/A.log"
sleep 1.2
check "no new UPD REQ after an unchanged reload" test "$(nureq)" -eq "$n0"
check "still bulk: done" bulk_done A

# maxupd from pfsyncctl: no bulk request
check "maxupd 64 accepted" ctl A pfsync0 maxupd 64
ctl A pfsync0 >"$T/if.txt"
cat "$T/if.txt"
check "pfsync line: syncdev and maxupd 64" grep -qx \
	$'\tpfsync: syncdev: sync0 maxupd: 64' "$T/if.txt"
check "first line like ifconfig" grep -qx 'pfsync0: flags=<UP> mtu [0-9]*' \
	"$T/if.txt"
check "hostid line" grep -q $'^\thostid: 0x0a000001 bulk: done states: 0$' \
	"$T/if.txt"
sleep 1.2
check "no UPD REQ after maxupd" test "$(nureq)" -eq "$n0"

# bad words: clear message, exit 1
ctl A pfsync0 bogus >"$T/bad.out" 2>"$T/bad.err"
rc=$?
check "bad word exits 1" test "$rc" -eq 1
check "bad word named" grep -q "^pfsyncctl: .*bogus" "$T/bad.err"
ctl A pfsync0 maxupd 300 >/dev/null 2>"$T/bad2.err"
check "maxupd 300 rejected with exit 1" test $? -eq 1
check "range in the message" grep -q "^pfsyncctl: .*300" "$T/bad2.err"
ctl A pfsync0 syncpeer not-an-address >/dev/null 2>"$T/bad3.err"
check "bad syncpeer rejected with exit 1" test $? -eq 1
check "rejected words change nothing" sh -c "ip netns exec '$(ns A)' \
	'$PFSYNCCTL' -s '$T/A.sock' pfsync0 | grep -q 'maxupd: 64$'"

# a changed config file: new syncpeer -> bulk request
sed -i 's/^interface pfsync0 .*/interface pfsync0 up syncdev sync0 syncpeer 10.77.0.2/' \
	"$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "log says applied" wait_for 3 grep -q 'reload: .* applied' "$T/A.log"
check "a new syncpeer starts a bulk update" wait_for 3 ureq_more_than "$n0"
check "pfsync line shows syncpeer" wait_for 3 sh -c "ip netns exec \
	'$(ns A)' '$PFSYNCCTL' -s '$T/A.sock' pfsync0 |
	grep -q 'syncdev: sync0 syncpeer: 10.77.0.2 '"
check "A bulk done again" wait_for 10 bulk_done A
sleep 0.5
n1=$(nureq)

# a bad file is rejected and the running config kept
cp "$T/A.conf" "$T/A.conf.good"
echo "interface pfsync0 up maxupd 999" >>"$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "bad file rejected on reload" wait_for 3 grep -q \
	'reload: .*keeping the running config' "$T/A.log"
check "no bulk request after a rejected reload" test "$(nureq)" -eq "$n1"

# pfsyncd -n
check "pfsyncd -n accepts the good file" sh -c "'$PFSYNCD' -n -f '$T/A.conf.good' >/dev/null"
"$PFSYNCD" -n -f "$T/A.conf" >"$T/n.out" 2>"$T/n.err"
check "pfsyncd -n rejects the bad file with exit 1" test $? -eq 1
check "error names file:line" grep -q "A.conf:[0-9]*:" "$T/n.err"
"$PFSYNCD" -n -f "$T/A.conf.good" >"$T/n.good"
check "-n prints a file that parses back, identically" sh -c "'$PFSYNCD' -n -f '$T/n.good' | cmp -s - '$T/n.good'"

for n in A B; do
	check "daemon $n alive, no sanitizer report" alive_clean "$n"
done
