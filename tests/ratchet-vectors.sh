#!/bin/sh
# The C ratchet against the independent Python reference (python3-nacl),
# live: both run the same fixed conversation and must print the same
# transcript byte for byte.
. "$top_srcdir/tests/lib/common.sh"
set -e

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || skip "no $PYTHON: install the Debian package python3"
"$PYTHON" -c 'import nacl.bindings' 2>/dev/null ||
	skip "$PYTHON lacks nacl: install the Debian package python3-nacl"

"$PYTHON" "$top_srcdir/tests/ratchet_ref.py" >"$TEST_TMP/ref.txt" ||
	fail "tests/ratchet_ref.py failed"
"$top_builddir/tests/ratchet_vectors_check" >"$TEST_TMP/c.txt" ||
	fail "ratchet_vectors_check failed: $(tail -n 1 "$TEST_TMP/c.txt")"
[ "$(wc -l <"$TEST_TMP/ref.txt")" -ge 10 ] ||
	fail "the reference printed too little"
grep -q '^state bob ' "$TEST_TMP/ref.txt" ||
	fail "the reference transcript is incomplete"
diff -u "$TEST_TMP/ref.txt" "$TEST_TMP/c.txt" >&2 ||
	fail "C and Python transcripts differ"
ok "$(wc -l <"$TEST_TMP/c.txt") transcript lines match the Python reference"
