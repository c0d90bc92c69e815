#!/bin/sh
# torctl's unit and integration tests, and torctl-probe against a real
# tor, under valgrind memcheck: no invalid access, no leak. Skips in
# sanitizer builds (valgrind cannot run them) and without valgrind.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/torctl/test/lib.sh"
set -e

command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed"
grep -q '^SAN_CFLAGS = .*fsanitize' "$top_builddir/Makefile" &&
    skip "sanitizer build: run this test in a build without --enable-sanitizers"
[ -n "${TOR:-}" ] && [ -x "$TOR" ] || skip "no tor binary"

vg() {
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --error-exitcode=99 "$@"
}

for t in test_reply test_conn test_tor; do
	set +e
	out=$(vg "$top_builddir/torctl/test/$t" 2>&1)
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "$t under valgrind exited $rc: $out"
	ok "$t clean under valgrind"
done

PROBE="$top_builddir/torctl/torctl-probe"
start_tor "$TEST_TMP"
expect_status 0 vg "$PROBE" -u "$TEST_TMP/c.sock" version
expect_status 0 vg "$PROBE" -u "$TEST_TMP/c.sock" bootstrap
expect_status 0 vg "$PROBE" -u "$TEST_TMP/c.sock" add-onion 80 127.0.0.1:9
expect_status 1 vg "$PROBE" -u "$TEST_TMP/c.sock" add-onion \
    --wait-published 1 80 127.0.0.1:9
expect_status 1 vg "$PROBE" -u "$TEST_TMP/c.sock" -c /nonexistent version
expect_status 64 vg "$PROBE" -u "$TEST_TMP/c.sock" frobnicate
ok "torctl-probe clean under valgrind"
