#!/bin/sh
# SPAKE2 against python-spake2 (Debian package python3-spake2): both
# directions through tests/spake2-tool, and the embedded known answers
# (tests/spake2_vectors.h) regenerated and compared. SPAKE2_PYTHON names
# another interpreter than /usr/bin/python3 (Debian's, which has spake2).
. "$top_srcdir/tests/lib/common.sh"
set -e

PYTHON=${SPAKE2_PYTHON:-/usr/bin/python3}
TOOL="$top_builddir/tests/spake2-tool"
VECTORS="$top_srcdir/tests/spake2_vectors.h"
need="install the Debian package python3-spake2"

[ -x "$PYTHON" ] || skip "$PYTHON not found: $need"
"$PYTHON" -c 'import spake2' 2>/dev/null ||
	skip "$PYTHON has no spake2 module: $need"
[ -x "$TOOL" ] || fail "$TOOL not built"

expect_status 64 "$TOOL"
expect_match "usage: spake2-tool" "$out"
expect_status 0 "$TOOL" -b 3
expect_match "^3 exchanges, [0-9.]+ us per exchange" "$out"

"$PYTHON" "$top_srcdir/tests/spake2_interop.py" "$TOOL" ||
	fail "C and python-spake2 disagree (see above)"

"$PYTHON" "$top_srcdir/tests/spake2_vectors.py" >"$TEST_TMP/vectors.h" ||
	fail "tests/spake2_vectors.py failed"
if ! cmp -s "$TEST_TMP/vectors.h" "$VECTORS"; then
	diff "$VECTORS" "$TEST_TMP/vectors.h" | head -20 >&2 || :
	fail "tests/spake2_vectors.h is not what python-spake2 gives now"
fi
ok "known answers match python-spake2"
