#!/bin/sh
# Every manual page is clean under mandoc -Tlint (no warnings at all).
. "$top_srcdir/tests/lib/common.sh"
set -e

[ -n "${MANDOC:-}" ] || fail "mandoc not found: install the Debian package mandoc"
for page in "$top_srcdir"/man/*.[1-9]; do
	out=$("$MANDOC" -Tlint -W warning "$page" 2>&1) || :
	[ -z "$out" ] || fail "mandoc -Tlint $page: $out"
	ok "$(basename "$page")"
done
