#!/bin/sh
# torctl's unit and integration tests, and torctl-probe against a real
# tor, under valgrind memcheck: no invalid access, no leak. Skips in
# sanitizer builds (valgrind cannot run them; make distcheck's build has
# none) and without valgrind (a failure under CI).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/valgrind.sh"
. "$top_srcdir/torctl/test/lib.sh"
set -e

vg_require
[ -n "${TOR:-}" ] && [ -x "$TOR" ] || skip "no tor binary"

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
