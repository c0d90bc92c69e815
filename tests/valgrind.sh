#!/bin/sh
# petmail's unit tests (every tests/test_* program) and every fuzz target
# over its corpus and regression inputs, under valgrind memcheck: no
# invalid access, no definite or indirect leak. Runs in builds without
# --enable-sanitizers, as make distcheck's is; torctl/test/valgrind.sh
# does the same for torctl.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/valgrind.sh"
set -e

vg_require

n=0
for t in "$top_builddir"/tests/test_*; do
	case $(basename "$t") in *.*) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	set +e
	out=$(cd "$TEST_TMP" && vg "$t" 2>&1)
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "$(basename "$t") under valgrind exited $rc: $out"
	ok "$(basename "$t") clean under valgrind"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no unit test found in $top_builddir/tests"

for t in ${FUZZ_TARGETS:?run through make check}; do
	dirs="$top_srcdir/tests/fuzz/corpus/$t"
	[ -d "$top_srcdir/tests/fuzz/regressions/$t" ] &&
	    dirs="$dirs $top_srcdir/tests/fuzz/regressions/$t"
	set +e
	# shellcheck disable=SC2086
	out=$(FUZZ_TMPDIR="$TEST_TMP" vg "$top_builddir/tests/fuzz/fuzz_$t" \
	    $dirs 2>&1)
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "fuzz_$t under valgrind exited $rc: $(printf \
	    '%s\n' "$out" | tail -n 40)"
	ok "fuzz_$t corpus clean under valgrind"
done
