#!/bin/sh
# torctl-probe against a real tor (DisableNetwork 1) that this script
# starts itself, on a unix control socket and on a TCP one: version,
# bootstrap, add-onion, authentication errors and usage errors.
. "$top_srcdir/tests/lib/common.sh"
set -e

PROBE="$top_builddir/torctl/torctl-probe"
[ -n "${TOR:-}" ] && [ -x "$TOR" ] || skip "no tor binary"
D=$TEST_TMP

. "$top_srcdir/torctl/test/lib.sh"
start_tor "$D"
ok "tor started"

tor_version=$("$TOR" --version | sed -n 's/^Tor version \([^ ]*\)\.$/\1/p' | head -1)
expect_status 0 "$PROBE" -u "$D/c.sock" version
[ "$out" = "$tor_version" ] || fail "version '$out', wanted '$tor_version'"
ok "version over unix socket"

tcp=$(sed -n 's/^PORT=//p' "$D/port")
expect_status 0 "$PROBE" -p "$tcp" version
[ "$out" = "$tor_version" ] || fail "version over TCP '$out', wanted '$tor_version'"
expect_status 0 "$PROBE" -p "$tcp" -c "$D/control_auth_cookie" version
[ "$out" = "$tor_version" ] || fail "version with -c '$out'"
ok "version over TCP, with and without -c"

expect_status 0 "$PROBE" -u "$D/c.sock" bootstrap
expect_match '^[0-9]+ [a-z_]+ .+$' "$out"
ok "bootstrap: $out"

expect_status 0 "$PROBE" -u "$D/c.sock" add-onion 80 "unix:$D/onion.sock"
expect_match '^[a-z2-7]{56}\.onion$' "$out"
expect_status 0 "$PROBE" -u "$D/c.sock" add-onion --detach 80 127.0.0.1:9
expect_match '^[a-z2-7]{56}\.onion$' "$out"
ok "add-onion"

# No network: the descriptor is never uploaded.
expect_status 1 "$PROBE" -u "$D/c.sock" add-onion --wait-published 1 \
    80 127.0.0.1:9
expect_match '^torctl-probe: timed out waiting for the onion descriptor' "$out"
ok "add-onion --wait-published times out with a clear message"

head -c 32 /dev/urandom > "$D/wrong_cookie"
expect_status 1 "$PROBE" -u "$D/c.sock" -c "$D/wrong_cookie" version
expect_match 'SAFECOOKIE hash does not match' "$out"
expect_status 1 "$PROBE" -u "$D/c.sock" -c "$D/nonexistent" version
expect_match 'cannot open tor.s cookie file' "$out"
expect_status 1 "$PROBE" -u "$D/nonexistent.sock" version
expect_match '^torctl-probe: cannot connect to tor.s control port' "$out"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "not one line: $out"
ok "authentication and connection errors"

for args in "" "version" "-u $D/c.sock" "-u $D/c.sock -p $tcp version" \
    "-u $D/c.sock frobnicate" "-u $D/c.sock version extra" \
    "-u $D/c.sock add-onion 0 127.0.0.1:9" \
    "-u $D/c.sock add-onion 80" \
    "-u $D/c.sock add-onion --wait-published x 80 127.0.0.1:9" \
    "-u $D/c.sock add-onion --bogus 80 127.0.0.1:9" \
    "-x"; do
	# shellcheck disable=SC2086
	expect_status 64 "$PROBE" $args
	expect_match '^usage: torctl-probe' "$out"
done
expect_status 64 "$PROBE" -u "$D/c.sock" add-onion 80 "unix:/tmp/a b"
ok "usage errors exit 64"

kill -0 $tor_pid || fail "tor died during the test"
