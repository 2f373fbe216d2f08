#!/bin/sh
# Run each libFuzzer harness for a bounded time: run-fuzz.sh SECONDS BIN...
# The corpus of each harness lives in build/corpus/<name>, seeded from
# tests/fuzz/corpus/<name> when that exists.
set -eu
secs=$1
shift
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=build/corpus/$name
	mkdir -p "$corpus" build/fuzz-artifacts
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	echo "fuzz: $name for $secs s"
	"$bin" -artifact_prefix=build/fuzz-artifacts/"$name"- -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 "$corpus" $seeds
done
