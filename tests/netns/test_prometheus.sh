#!/bin/bash
# test_prometheus.sh - what an operator wires into Prometheus and Grafana
# works with what pfsyncd really exports:
#   - a scrape of two sealed conntrack-backend nodes (and a UDP one) passes
#     `promtool check metrics` (HELP, TYPE, names, no duplicates), and
#     shows the families an alert needs: reliable delivery, kernel drops,
#     seal results, UDP datagrams, the conntrack writer;
#   - contrib/prometheus/pfsyncd-alerts.yml passes `promtool check rules`
#     and its unit tests (`promtool test rules`: each alert fires on the
#     series that should fire it, not on a healthy node), and every metric
#     it names is in the scrape;
#   - contrib/grafana/pfsyncd-dashboard.json is JSON whose every query
#     names metrics that are in the scrape.
# promtool is taken from Debian's prometheus package, unpacked into
# build/promtool (apt-get download: no service is installed or started).
source "$(dirname "$0")/lib.sh"
netns_init
PT=$TOP/build/promtool/x/usr/bin/promtool
if [ ! -x "$PT" ]; then
	mkdir -p "$TOP/build/promtool"
	(cd "$TOP/build/promtool" && apt-get download prometheus >/dev/null 2>&1 &&
		dpkg-deb -x prometheus_*.deb x) || fail "cannot get promtool"
fi
check "promtool runs" "$PT" --version

netns_bridge
netns_node A 10.39.0.1
netns_node B 10.39.0.2
netns_node C 10.39.0.3
head -c 32 /dev/urandom | base64 >"$T/key"
chmod 600 "$T/key"
chown "$DAEMON_USER" "$T/key" 2>/dev/null
export BACKEND=conntrack
EXTRA_CONF="key \"$T/key\"" daemon_start A 0x0a000001
EXTRA_CONF="key \"$T/key\"" daemon_start B 0x0a000002
BACKEND=memory EXTRA_CONF="transport udp
peer 10.39.0.1
key \"$T/key\"" daemon_start C 0x0a000003
wait_for 10 bulk_done A
wait_for 10 bulk_done B
ip netns exec "$(ns A)" conntrack -I -p tcp -s 10.1.0.11 -d 10.2.0.21 \
	--sport 40000 --dport 443 --state ESTABLISHED -t 600 \
	-u SEEN_REPLY,ASSURED >/dev/null 2>&1 || fail "conntrack -I on A"
has_it() { ip netns exec "$(ns B)" conntrack -L -p tcp 2>/dev/null | grep -q 40000; }
check "A's entry reaches B" wait_for 10 has_it

ctl A metrics >"$T/A.prom" || fail "metrics A"
ctl B metrics >"$T/B.prom" || fail "metrics B"
ctl C metrics >"$T/C.prom" || fail "metrics C"
for n in A B C; do
	check "promtool check metrics: $n" sh -c "'$PT' check metrics <'$T/$n.prom'"
done
cat "$T/A.prom" "$T/B.prom" "$T/C.prom" >"$T/all.prom"
families() { sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$T/all.prom" | sort -u; }
families >"$T/families"
for f in pfsyncd_rel_lost_total pfsyncd_kernel_drops_total \
	pfsyncd_seal_received_total pfsyncd_udp_datagrams_total \
	pfsyncd_conntrack_writes_total pfsyncd_conntrack_total \
	pfsyncd_bulk_lossy_total pfsync_bulk_synced; do
	check "exported: $f" grep -qx "$f" "$T/families"
done
check "B counts sealed packets opened" \
	grep -qE '^pfsyncd_seal_received_total\{result="ok"\} [1-9]' "$T/B.prom"

# the names a query uses that are ours (histograms: _bucket/_sum/_count)
known() { # NAME: a family of the scrape, or a histogram series of one
	local base=${1%_bucket}
	base=${base%_sum}
	base=${base%_count}
	grep -qx "$1" "$T/families" || grep -qx "$base" "$T/families"
}
names_in() { grep -oE '\bpfsyncd?_[a-z_]+' "$1" | sort -u; }

cd "$TOP/contrib/prometheus" || fail "contrib/prometheus"
check "promtool check rules" "$PT" check rules pfsyncd-alerts.yml
check "promtool test rules (each alert fires as it should)" \
	"$PT" test rules pfsyncd-alerts.test.yml
for m in $(names_in pfsyncd-alerts.yml); do
	check "alert rules: $m is exported" known "$m"
done
G=$TOP/contrib/grafana/pfsyncd-dashboard.json
check "the Grafana dashboard is JSON" $PY -m json.tool "$G" /dev/null
$PY -c 'import json,sys
for p in json.load(open(sys.argv[1]))["panels"]:
	for t in p["targets"]:
		print(t["expr"])' "$G" >"$T/exprs"
check "the dashboard has queries" test -s "$T/exprs"
for m in $(names_in "$T/exprs"); do
	check "dashboard: $m is exported" known "$m"
done
cd "$TOP" || exit 1
check "daemons healthy" daemons_healthy
