#!/bin/sh
# The programs' --version output and usage errors (exit status 64).
. "$top_srcdir/tests/lib/common.sh"
set -e

for prog in "$PETMAIL" "$PETMAILD"; do
	name=$(basename "$prog")
	expect_status 0 "$prog" --version
	expect_match "^$name [0-9]+\.[0-9]+\.[0-9]+" "$out"
	for lib in libsodium libevent sqlite libcurl jansson; do
		expect_match "^$lib [0-9]" "$out"
	done
	expect_match "^tor [0-9]+\.[0-9.]+.* \(.*\)$" "$out"

	PETMAIL_TOR=/nonexistent/tor expect_status 0 "$prog" --version
	expect_match "^tor: not found at /nonexistent/tor .*install the Debian package tor" "$out"

	expect_status 64 "$prog" --no-such-option
	expect_match "usage: $name" "$out"
	ok "$name --version and usage"
done

expect_status 64 "$PETMAIL"
expect_match "usage: petmail" "$out"
expect_status 64 "$PETMAIL" frobnicate
expect_match "unknown command: frobnicate" "$out"
expect_status 64 "$PETMAIL" version extra
expect_match "usage: petmail version" "$out"
expect_status 0 "$PETMAIL" help
expect_match "^  version " "$out"
expect_status 0 "$PETMAIL" --json version
expect_match '"version": "[0-9]' "$out"
expect_status 64 "$PETMAILD" extra-argument
# accept -: the code from standard input; none there is a usage error
# (before any agent is asked).
expect_status 64 "$PETMAIL" -d "$TEST_TMP/none" accept - </dev/null
expect_match "no code on standard input" "$out"
printf '   \n' >"$TEST_TMP/blank"
expect_status 64 "$PETMAIL" -d "$TEST_TMP/none" accept - <"$TEST_TMP/blank"
head -c 2000 /dev/zero | tr '\0' x >"$TEST_TMP/long"
expect_status 64 "$PETMAIL" -d "$TEST_TMP/none" accept - <"$TEST_TMP/long"
echo "7-crossover-clockwork" >"$TEST_TMP/code"
expect_status 69 "$PETMAIL" -d "$TEST_TMP/none" accept - <"$TEST_TMP/code"
ok "petmail commands and exit statuses"
