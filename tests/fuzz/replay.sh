#!/bin/sh
# Every fuzz target over its committed seed corpus and regression inputs
# (tests/fuzz/corpus/TARGET, tests/fuzz/regressions/TARGET): what once
# crashed must not crash again. In --enable-fuzzing builds the targets
# are libFuzzer binaries, which run files given by name once each.
. "$top_srcdir/tests/lib/common.sh"
set -e

fuzzing=no
grep -q '^FUZZ_LDFLAGS = .*fsanitize=fuzzer' "$top_builddir/Makefile" &&
    fuzzing=yes

for t in ${FUZZ_TARGETS:?run through make check}; do
	bin="$top_builddir/tests/fuzz/fuzz_$t"
	[ -x "$bin" ] || fail "$bin not built"
	dirs="$top_srcdir/tests/fuzz/corpus/$t"
	[ -d "$top_srcdir/tests/fuzz/regressions/$t" ] &&
	    dirs="$dirs $top_srcdir/tests/fuzz/regressions/$t"
	# shellcheck disable=SC2086
	files=$(find $dirs -type f | sort)
	[ -n "$files" ] || fail "no corpus for $t"
	n=$(printf '%s\n' "$files" | wc -l)
	set +e
	if [ $fuzzing = yes ]; then
		# shellcheck disable=SC2086
		out=$(FUZZ_TMPDIR="$TEST_TMP" "$bin" $files 2>&1)
	else
		# shellcheck disable=SC2086
		out=$(FUZZ_TMPDIR="$TEST_TMP" "$bin" $dirs 2>&1)
	fi
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "fuzz_$t crashed on its corpus (the input is the last one named):
$(printf '%s\n' "$out" | tail -n 40)"
	ok "fuzz_$t: $n inputs"
done
