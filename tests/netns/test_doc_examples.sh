#!/bin/bash
# test_doc_examples.sh - every pfsyncd.conf example in the README, the man
# pages and the shipped /etc/pfsyncd.conf, as written (doc_examples.py
# extracts them): `pfsyncd -n` accepts each, and what it prints parses
# back to itself.  Then the failover example of pfsyncd.conf(5) EXAMPLES
# runs in two namespaces as written (plus a `control` line, as two
# daemons share one file system; firewall B "with its own hostid", as the
# page says) and syncs a conntrack entry from A's kernel to B's.
source "$(dirname "$0")/lib.sh"
netns_init
D=$(dirname "$0")
PFSYNCD_REL=$TOP/build/pfsyncd
[ -x "$PFSYNCD_REL" ] || PFSYNCD_REL=$PFSYNCD

mkdir -p "$T/ex"
$PY "$D/doc_examples.py" "$T/ex" "$TOP/README.md" "$TOP"/man/*.5 \
	"$TOP"/man/*.8 >"$T/ex.list" || fail "doc_examples.py"
cp "$TOP/contrib/pfsyncd.conf" "$T/ex/contrib-pfsyncd.conf"
echo contrib-pfsyncd.conf >>"$T/ex.list"
n=$(grep -c . "$T/ex.list")
echo "# $n examples: $(tr '\n' ' ' <"$T/ex.list")"
check "the documents hold at least 9 configuration examples" [ "$n" -ge 9 ]

roundtrip() { # FILE: -n accepts it, and its printed form prints the same
	"$PFSYNCD_REL" -n -f "$1" >"$1.out" 2>"$1.err" || { cat "$1.err"; return 1; }
	"$PFSYNCD_REL" -n -f "$1.out" >"$1.out2" 2>"$1.err" ||
		{ cat "$1.err"; return 1; }
	cmp -s "$1.out" "$1.out2"
}
while read -r f; do
	check "pfsyncd -n: $f" roundtrip "$T/ex/$f"
done <"$T/ex.list"

# the failover example, as pfsyncd.conf(5) EXAMPLES gives it for firewall A
ex=""
for f in $(grep '^pfsyncd.conf.5-' "$T/ex.list"); do
	grep -q '^backend conntrack' "$T/ex/$f" &&
		grep -q '^interface pfsync0 up syncdev sync0$' "$T/ex/$f" &&
		{ ex=$T/ex/$f; break; }
done
check "pfsyncd.conf(5) has the failover example (syncdev sync0, conntrack)" \
	test -n "$ex"
hidA=$(awk '$1 == "hostid" { print $2 }' "$ex")
check "it sets a hostid" test -n "$hidA"

netns_bridge
netns_node fwA 10.36.0.1
netns_node fwB 10.36.0.2
run_example() { # NAME HOSTID
	local conf=$T/$1.conf
	sed "s/^hostid .*/hostid $2/" "$ex" >"$conf"
	echo "control \"$T/$1.sock\"" >>"$conf"
	[ -n "$USER_CONF" ] && echo "$USER_CONF" >>"$conf"
	ip netns exec "$(ns "$1")" "$PFSYNCD" -d -f "$conf" >"$T/$1.log" 2>&1 &
	PIDS+=("$!")
	wait_for 10 test -S "$T/$1.sock"
}
check "firewall A runs the example" run_example fwA "$hidA"
check "firewall B runs it with its own hostid" run_example fwB 0x0a00b00b
wait_for 10 bulk_done fwA
wait_for 10 bulk_done fwB
ct() { ip netns exec "$(ns "$1")" conntrack "${@:2}" 2>/dev/null; }
TCP=(-p tcp -s 10.1.0.11 -d 10.2.0.21 --sport 40000 --dport 443)
ct fwA -I "${TCP[@]}" --state ESTABLISHED -t 600 -u SEEN_REPLY,ASSURED ||
	fail "conntrack -I on fwA"
has() { ct "$1" -L "${@:2}" | grep -q .; }
check "A's conntrack entry reaches B's kernel" wait_for 10 has fwB "${TCP[@]}"
check "daemons healthy" daemons_healthy
