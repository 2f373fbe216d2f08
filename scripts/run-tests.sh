#!/bin/bash
# Run the test suites and print "N passed, N failed" as the last line.
#   scripts/run-tests.sh            unit, fuzz (30 s each), netns (as root)
#   scripts/run-tests.sh unit       unit tests only
# Every unit binary prints PASS/FAIL lines; a fuzzer or netns script counts
# as one test.  Logs go to build/logs/.
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
B=build
LOG=$B/logs
mkdir -p "$LOG"
pass=0
fail=0
failed_names=()

count_unit() {
	local bin=$1 name out rc
	name=$(basename "$bin")
	out="$LOG/unit-$name.log"
	"$bin" >"$out" 2>&1
	rc=$?
	local p f
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or sanitizer report outside a test
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names+=("unit/$name")
		echo "FAIL unit/$name ($p passed, $f failed) - see $out"
		grep -E '^FAIL |check failed|ERROR|runtime error' "$out" | head -20
	else
		echo "PASS unit/$name ($p)"
	fi
}

one() { # name, command...
	local name=$1 out
	shift
	out="$LOG/$(echo "$name" | tr / -).log"
	local t0=$SECONDS
	if "$@" >"$out" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($((SECONDS - t0)) s)"
	else
		fail=$((fail + 1))
		failed_names+=("$name")
		echo "FAIL $name ($((SECONDS - t0)) s) - see $out"
		tail -25 "$out"
	fi
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in $B/test/test_*; do
		[ -x "$t" ] && count_unit "$t"
	done
fi

if [ "$what" = all ] || [ "$what" = fuzz ]; then
	for f in $B/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		one "fuzz/$(basename "$f")" scripts/run-fuzz.sh "${FUZZ_CHECK_SECONDS:-5}" "$f"
	done
fi

if [ "$what" = all ] || [ "$what" = netns ]; then
	if [ "$(id -u)" -eq 0 ]; then
		for t in tests/netns/test_*.sh; do
			[ -f "$t" ] || continue
			one "netns/$(basename "$t" .sh)" bash "$t"
		done
	else
		echo "netns tests need root: not run" >&2
		fail=$((fail + 1))
		failed_names+=("netns (not root)")
	fi
fi

[ ${#failed_names[@]} -gt 0 ] && printf 'failed: %s\n' "${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
