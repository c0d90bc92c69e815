#!/bin/sh
# make fuzz: run each libFuzzer target for FUZZ_SECONDS (default 60) on a
# copy of its seed corpus and regression inputs, FUZZ_JOBS (default 1) at
# a time, and fail if any of them finds a crash, a leak or a timeout.
#
#   tests/fuzz/fuzz.sh SRCDIR BUILDDIR TARGET...
#
# Work goes to BUILDDIR/tests/fuzz/work/TARGET: the corpus it grew, its
# log and any reproducer (crash-*, leak-*, timeout-*, oom-*), so that the
# tree never changes. A reproducer runs again with
#   BUILDDIR/tests/fuzz/fuzz_TARGET PATH
# and, once the bug is fixed, goes to tests/fuzz/regressions/TARGET/.
set -u

src=$1
build=$2
shift 2
targets=${*:?name the targets (make fuzz does)}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}

# The longest input worth trying, per target.
max_len() {
	case $1 in
	reply)		echo 8192 ;;
	envelope)	echo 24576 ;;	# a batch of a few small envelopes
	code)		echo 256 ;;
	rendezvous)	echo 12288 ;;
	record)		echo 1024 ;;
	api)		echo 8192 ;;
	*)		echo 4096 ;;
	esac
}

run_one() {
	t=$1
	work="$build/tests/fuzz/work/$t"
	rm -rf "$work"
	mkdir -p "$work/corpus"
	for d in "$src/tests/fuzz/corpus/$t" "$src/tests/fuzz/regressions/$t"; do
		[ -d "$d" ] && cp "$d"/* "$work/corpus/" 2>/dev/null
	done
	dict=""
	[ -f "$src/tests/fuzz/dict/$t.dict" ] &&
	    dict="-dict=$src/tests/fuzz/dict/$t.dict"
	# Scratch space for the agent targets' database: in memory when it
	# can be (synchronous=FULL commits wait for the disk), and removed
	# even when the target died.
	scratch=$(mktemp -d /dev/shm/petmail-fuzz-run.XXXXXX 2>/dev/null) ||
	    scratch=$(mktemp -d "$work/scratch.XXXXXX")
	# shellcheck disable=SC2086
	FUZZ_TMPDIR="$scratch" "$build/tests/fuzz/fuzz_$t" \
	    -max_total_time="$seconds" -max_len="$(max_len "$t")" \
	    -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/" $dict "$work/corpus" \
	    >"$work/log" 2>&1
	echo $? >"$work/rc"
	rm -rf "$scratch"
}

# FUZZ_JOBS lanes, each running its share of the targets in turn.
lane=0
pids=""
while [ $lane -lt "$jobs" ]; do
	(
		i=0
		for t in $targets; do
			[ $((i % jobs)) -eq $lane ] && run_one "$t"
			i=$((i + 1))
		done
	) &
	pids="$pids $!"
	lane=$((lane + 1))
done
trap 'kill $pids 2>/dev/null; exit 130' INT TERM
wait

failed=0
for t in $targets; do
	work="$build/tests/fuzz/work/$t"
	log="$work/log"
	rc=$(cat "$work/rc" 2>/dev/null || echo "?")
	stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 |
	    sed 's/^#\([0-9]*\)[[:space:]]*DONE[[:space:]]*/\1 runs, /')
	eps=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")
	found=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o \
	    -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
	if [ "$rc" != 0 ] || [ -n "$found" ]; then
		failed=1
		echo "FAIL: fuzz_$t (exit $rc)"
		grep -E 'ERROR: |SUMMARY: |runtime error|fuzz harness' "$log" |
		    head -n 5 | sed 's/^/    /'
		for f in $found; do
			echo "    reproducer: $f"
			echo "    run it: $build/tests/fuzz/fuzz_$t $f"
		done
		echo "    log: $log"
	else
		echo "ok: fuzz_$t ${seconds}s, ${eps:-?} execs/s, $stats"
	fi
done
exit $failed
