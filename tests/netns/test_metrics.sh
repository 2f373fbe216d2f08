#!/bin/bash
# test_metrics.sh - Prometheus metrics: A serves them on its namespace's
# loopback (metrics-listen 127.0.0.1:9721) and through `pfsyncctl
# metrics`; a scrape over HTTP shows the table per creator, the bulk state,
# B as a peer with a recent last-seen time and the counters; a reload
# moves the listener; `pfsyncctl bulk-done` exits 0 once the bulk update
# is done and 1 while one is awaited.
source "$(dirname "$0")/lib.sh"
netns_init

# scrape NAME PORT [PATH]: the body of one HTTP GET inside NAME
scrape() {
	ip netns exec "$(ns "$1")" $PY -c '
import sys, urllib.request
try:
	r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5)
	print(r.headers["Content-Type"]); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
	print("HTTP", e.code); sys.exit(1)' "$2" "${3:-/metrics}"
}
# value LINE-KEY: the sample value of one series in stdin
value() { awk -v k="$1" '$1 == k { print $2 }'; }
metric_is() { # NAME PORT KEY VALUE
	[ "$(scrape "$1" "$2" | value "$3")" = "$4" ]
}

netns_bridge
netns_node A 10.77.0.1
netns_node B 10.77.0.2
EXTRA_CONF="metrics-listen 127.0.0.1:9721" daemon_start A 0x0a000001
daemon_start B 0x0a000002
check "A bulk done" wait_for 10 bulk_done A
check "B bulk done" wait_for 10 bulk_done B
check "pfsyncctl bulk-done exits 0 when done" ctl A bulk-done

ctl A add udp 10.1.0.1:5353 10.2.0.2:53 out >/dev/null
ctl B add udp 10.1.0.2:5353 10.2.0.2:53 out >/dev/null
ctl B add udp 10.1.0.3:5353 10.2.0.2:53 out >/dev/null
check "A holds three states" wait_for 10 count_is 3 nstates A

out=$(scrape A 9721) || fail "scrape failed"
echo "$out" | head -3
check "content type is the text format" \
	grep -q '^text/plain; version=0.0.4' <<<"$out"
check "pfsync_states 3" test "$(value pfsync_states <<<"$out")" = 3
check "A's own state by creator" test \
	"$(value 'pfsync_states_by_creator{creator="0a000001"}' <<<"$out")" = 1
check "B's two states by creator" test \
	"$(value 'pfsync_states_by_creator{creator="0a000002"}' <<<"$out")" = 2
check "bulk done" test "$(value 'pfsync_bulk_state{state="done"}' <<<"$out")" = 1
check "received packets counted" test \
	"$(value 'pfsync_received_packets_total{family="ipv4"}' <<<"$out")" -ge 1
seen=$(value 'pfsync_peer_last_seen_timestamp_seconds{peer="10.77.0.2"}' <<<"$out")
check "B seen as a peer within the last minute" \
	$PY -c 'import sys, time; sys.exit(abs(time.time() - float(sys.argv[1])) > 60)' "$seen"
check "B's packets per peer" test \
	"$(value 'pfsync_peer_received_packets_total{peer="10.77.0.2"}' <<<"$out")" -ge 1
check "HELP and TYPE lines" grep -q '^# TYPE pfsync_states gauge$' <<<"$out"
check "latency histogram present" \
	grep -q '^pfsyncd_apply_latency_seconds_bucket{le="+Inf"} ' <<<"$out"

# pfsyncctl metrics: the same families over the control socket
ctl A metrics >"$T/ctl.prom" || fail "pfsyncctl metrics"
check "pfsyncctl metrics: same states figure" \
	test "$(value pfsync_states <"$T/ctl.prom")" = 3
check "same metric names in both" test \
	"$(grep '^# TYPE' "$T/ctl.prom")" = "$(grep '^# TYPE' <<<"$out")"

# 404 for another path; the daemon keeps serving
scrape A 9721 /nothing >"$T/404.out" 2>&1
check "404 answered" grep -q 'HTTP 404' "$T/404.out"

# stamped churn from B shows in A's latency histogram
ctl B churn 200 1 max 50 stamp >/dev/null
check "latency histogram counts stamped changes" wait_for 10 sh -c \
	"[ \"\$(ip netns exec $(ns A) $PY -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:9721/metrics\").read().decode())' | awk '\$1 == \"pfsyncd_apply_latency_seconds_count\" {print \$2}')\" -gt 0 ]"

# reload: the listener moves to another port
sed -i 's/^metrics-listen .*/metrics-listen 127.0.0.1:9722/' "$T/A.conf"
kill -HUP "$(daemon_pid A)"
check "listener moved to 9722" wait_for 5 metric_is A 9722 pfsync_bulk_synced 1
check "9721 closed" sh -c "! ip netns exec $(ns A) $PY -c 'import socket; socket.create_connection((\"127.0.0.1\", 9721), 2)' 2>/dev/null"

# bulk-done: 1 while a bulk update is awaited (B's replies dropped)
drop240 A
ctl A pfsync0 -syncdev >/dev/null
ctl A pfsync0 syncdev sync0 >/dev/null
check "bulk-done exits 1 while pending" sh -c "! '$PFSYNCCTL' -s '$T/A.sock' bulk-done 2>'$T/pending.err'"
check "it says why" grep -q 'bulk update pending' "$T/pending.err"
check "metrics say pending" metric_is A 9722 'pfsync_bulk_state{state="pending"}' 1
undrop240 A
ctl A bulk >/dev/null
check "bulk-done exits 0 again" wait_for 10 ctl A bulk-done

check "daemons healthy" daemons_healthy
