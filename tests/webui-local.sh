#!/bin/sh
# The web page's server, checked with curl on an agent without a network
# (its tor runs with DisableNetwork 1): bound to 127.0.0.1 only; Host,
# Origin, session and CSRF checks; one-time and expiring opener tokens;
# a bounded number of sessions; security headers on every answer; no
# path outside the fixed list of files; `petmail open` and its errors.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
set -e
command -v curl >/dev/null || skip "curl is not installed"

PETMAIL_DATADIR=$top_srcdir/data
# Opener tokens of this agent last 3 s instead of 120, to see one expire.
PETMAIL_UI_OPENER_SECS=3
export PETMAIL_DATADIR PETMAIL_UI_OPENER_SECS

agent_create a --no-network
agent_start a
agent_wait a '.ui.port > 0' 30
PORT=$(pm a status --json | jq -r .ui.port)
H=127.0.0.1:$PORT
ORIGIN=http://$H
[ "$(pm a status --json | jq -r .ui.url)" = "$ORIGIN/" ] ||
    fail "status gives no UI URL: $(pm a status --json | jq -c .ui)"

# Only 127.0.0.1 listens: not 127.0.0.2 (also loopback), not the wildcard.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.2:$PORT/") || :
[ "$code" = 000 ] || fail "the page answers on 127.0.0.2 ($code)"
hexport=$(printf '%04X' "$PORT")
grep -q ": 00000000:$hexport 00000000:0000 0A" /proc/net/tcp &&
    fail "the UI port listens on 0.0.0.0"
grep -q ":$hexport 0\{32\}:0000 0A" /proc/net/tcp6 2>/dev/null &&
    fail "the UI port listens on IPv6"
[ "$(grep -c ":$hexport 00000000:0000 0A" /proc/net/tcp)" = 1 ] &&
    grep -q ": 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp ||
    fail "the UI port does not listen on 127.0.0.1 alone"
ok "bound to 127.0.0.1:$PORT only"

# req CURL-ARGS...: the answer's status in $code, headers in $TEST_TMP/h,
# body in $TEST_TMP/b.
req() {
	code=$(curl -s -D "$TEST_TMP/h" -o "$TEST_TMP/b" -w '%{http_code}' \
	    --max-time 10 "$@")
}
headers_ok() {
	grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self';.*frame-ancestors 'none'" "$TEST_TMP/h" ||
	    fail "no strict CSP on $1: $(cat "$TEST_TMP/h")"
	grep -qi '^X-Content-Type-Options: nosniff' "$TEST_TMP/h" || fail "no nosniff on $1"
	grep -qi '^Referrer-Policy: no-referrer' "$TEST_TMP/h" || fail "no Referrer-Policy on $1"
	grep -qi '^X-Frame-Options: DENY' "$TEST_TMP/h" || fail "no X-Frame-Options on $1"
	grep -qi '^Cache-Control: no-store' "$TEST_TMP/h" || fail "no Cache-Control on $1"
}

# The page itself, with every header; its script and style are files.
req "$ORIGIN/"
[ "$code" = 200 ] || fail "GET / answered $code"
headers_ok "GET /"
grep -qi '^Content-Type: text/html' "$TEST_TMP/h" || fail "/ is not text/html"
grep -q '<script src="/app.js"' "$TEST_TMP/b" || fail "/ does not load app.js"
! grep -Eq '<script>|<style>| style=| on[a-z]+=' "$TEST_TMP/b" ||
    fail "index.html has inline script or style"
req "$ORIGIN/app.js"
[ "$code" = 200 ] && grep -qi '^Content-Type: text/javascript' "$TEST_TMP/h" ||
    fail "app.js: $code $(grep -i content-type "$TEST_TMP/h")"
grep -q innerHTML "$TEST_TMP/b" && fail "app.js uses innerHTML"
req "$ORIGIN/style.css"
[ "$code" = 200 ] && grep -qi '^Content-Type: text/css' "$TEST_TMP/h" || fail "style.css: $code"
ok "the page and its files, with CSP, nosniff, no-referrer, DENY"

# Wrong Host: DNS rebinding, other names of this host, no port.
for host in evil.example "evil.example:$PORT" "localhost:$PORT" 127.0.0.1 \
    "127.0.0.1:$((PORT + 1))" "[::1]:$PORT" "127.0.0.1:$PORT.evil.example"; do
	req -H "Host: $host" "$ORIGIN/"
	[ "$code" = 421 ] || fail "Host $host answered $code"
	headers_ok "a wrong Host"
	jq -e '.error | test("answers only to")' "$TEST_TMP/b" >/dev/null ||
	    fail "no clear error for Host $host: $(cat "$TEST_TMP/b")"
done
# raw TEXT: send TEXT as it is to the UI port; the status line's code.
raw() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode())
print(s.recv(4096).decode(errors="replace").split("\r\n")[0].split(" ")[1])
' "$PORT" "$1"
}
[ "$(raw "GET / HTTP/1.1\r\nHost: $H\r\nHost: evil.example\r\n\r\n")" = 421 ] ||
    fail "two Host headers were not refused"
[ "$(raw "GET / HTTP/1.0\r\n\r\n")" = 421 ] || fail "no Host header was not refused"
[ "$(raw "GET / HTTP/1.1\r\nHost: $H\r\n\r\n")" = 200 ] || fail "a raw good request failed"
# An absolute request target naming another host.
req --request-target "http://evil.example/" "$ORIGIN/"
[ "$code" = 421 ] || fail "an absolute target answered $code"
ok "wrong Host refused (421)"

# No session: 401 for every API, also with a made-up cookie.
for path in /v1/status /v1/contacts /v1/messages /v1/events /v1/invitations; do
	req "$ORIGIN$path"
	[ "$code" = 401 ] || fail "GET $path without a session answered $code"
done
req -H "Cookie: petmail_$PORT=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$ORIGIN/v1/status"
[ "$code" = 401 ] || fail "a made-up session answered $code"
headers_ok "a 401"
jq -e '.error | test("petmail open")' "$TEST_TMP/b" >/dev/null ||
    fail "the 401 does not say what to do: $(cat "$TEST_TMP/b")"
ok "no session: 401"

# open_session: a new opener token traded for a session; sets $COOKIE
# and $CSRF.
opener() {
	pm a open --no-browser --json | jq -r .url
}
open_session() {
	_url=$(opener)
	case $_url in "$ORIGIN/#t="*) ;; *) fail "opener URL $_url" ;; esac
	_tok=${_url#*#t=}
	req -X POST -H "Origin: $ORIGIN" -H 'Content-Type: application/json' \
	    -d "{\"token\": \"$_tok\"}" "$ORIGIN/v1/ui/session"
	[ "$code" = 200 ] || fail "the session exchange answered $code: $(cat "$TEST_TMP/b")"
	COOKIE=$(sed -n "s/^Set-Cookie: \(petmail_$PORT=[A-Za-z0-9_-]*\);.*/\1/Ip" "$TEST_TMP/h" | tr -d '\r')
	CSRF=$(jq -r .csrf "$TEST_TMP/b")
	[ -n "$COOKIE" ] && [ -n "$CSRF" ] || fail "no session in: $(cat "$TEST_TMP/h" "$TEST_TMP/b")"
}
open_session
grep -i '^Set-Cookie:' "$TEST_TMP/h" | grep -qi 'HttpOnly' || fail "the cookie is not HttpOnly"
grep -i '^Set-Cookie:' "$TEST_TMP/h" | grep -qi 'SameSite=Strict' || fail "the cookie is not SameSite=Strict"
headers_ok "the session exchange"
# The token is burnt: a second exchange is refused.
req -X POST -H "Origin: $ORIGIN" -d "{\"token\": \"$_tok\"}" "$ORIGIN/v1/ui/session"
[ "$code" = 403 ] || fail "a used opener token answered $code"
jq -e '.error | test("used already or has expired")' "$TEST_TMP/b" >/dev/null ||
    fail "no clear error for a used token: $(cat "$TEST_TMP/b")"
! grep -qi '^Set-Cookie' "$TEST_TMP/h" || fail "a used token got a cookie"
# An expired one too (3 s here).
_url=$(opener)
sleep 4
req -X POST -H "Origin: $ORIGIN" -d "{\"token\": \"${_url#*#t=}\"}" "$ORIGIN/v1/ui/session"
[ "$code" = 403 ] || fail "an expired opener token answered $code"
# Garbage and foreign origins never reach the token.
req -X POST -H "Origin: $ORIGIN" -d '{"token": "x"}' "$ORIGIN/v1/ui/session"
[ "$code" = 403 ] || fail "a malformed token answered $code"
_url=$(opener)
req -X POST -H "Origin: http://evil.example" -d "{\"token\": \"${_url#*#t=}\"}" "$ORIGIN/v1/ui/session"
[ "$code" = 403 ] || fail "an exchange from another origin answered $code"
req -X POST -d "{\"token\": \"${_url#*#t=}\"}" "$ORIGIN/v1/ui/session"
[ "$code" = 403 ] || fail "an exchange without Origin answered $code"
ok "opener tokens: one use, expire, exchanged only same-origin"

# With the session and its CSRF token, the API answers as on the socket.
req -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$ORIGIN/v1/status"
[ "$code" = 200 ] || fail "GET /v1/status with a session answered $code"
headers_ok "an API answer"
[ "$(jq -r .address "$TEST_TMP/b")" = "$(pm a status --json | jq -r .address)" ] ||
    fail "not the same status"
req -H "Cookie: other=1; $COOKIE; x=y" -H "X-CSRF-Token: $CSRF" "$ORIGIN/v1/contacts"
[ "$code" = 200 ] || fail "the cookie among others answered $code"
# The cookie alone is not enough, for reads too.
req -H "Cookie: $COOKIE" "$ORIGIN/v1/status"
[ "$code" = 403 ] || fail "GET without the CSRF token answered $code"
post() {
	req -X POST -H 'Content-Type: application/json' "$@"
}
post -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "POST without the CSRF token answered $code"
headers_ok "a 403"
case $CSRF in A*) wrong=B${CSRF#?} ;; *) wrong=A${CSRF#?} ;; esac
post -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" -H "X-CSRF-Token: $wrong" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "POST with a wrong CSRF token answered $code"
post -H "Cookie: $COOKIE" -H "Origin: http://evil.example" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "POST from a foreign Origin answered $code"
post -H "Cookie: $COOKIE" -H "Origin: http://127.0.0.1:$((PORT + 1))" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "POST from another port's Origin answered $code"
post -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "POST without Origin answered $code"
post -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" -H "X-CSRF-Token: $CSRF" \
    -H 'Sec-Fetch-Site: cross-site' -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 403 ] || fail "a cross-site fetch answered $code"
post -H "Origin: $ORIGIN" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 401 ] || fail "POST without a session answered $code"
# All of it right: the API itself answers (there is no contact x).
post -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "x", "new": "y"}' "$ORIGIN/v1/contacts/rename"
[ "$code" = 404 ] && jq -e '.error == "no contact named x"' "$TEST_TMP/b" >/dev/null ||
    fail "a good POST answered $code: $(cat "$TEST_TMP/b")"
ok "POST needs the session, its CSRF token and our Origin (403/401)"

# What only petmail(1) may do: stop the agent, make opener tokens.
for path in /v1/stop /v1/ui/opener; do
	post -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" -H "X-CSRF-Token: $CSRF" "$ORIGIN$path"
	[ "$code" = 403 ] || fail "POST $path from the page answered $code"
done
expect_status 0 pm a status
ok "the page cannot stop the agent or make opener tokens"

# Only the fixed files: no traversal, no other file of the data dir.
for path in /index.html /../../../etc/passwd /%2e%2e/%2e%2e/etc/passwd \
    /app.js/../../pgp-words.txt /web/app.js /pgp-words.txt //etc/passwd \
    "/app.js%00.css" /.%2e/include.am; do
	req --path-as-is "$ORIGIN$path"
	[ "$code" = 404 ] || fail "GET $path answered $code"
	grep -q root: "$TEST_TMP/b" && fail "GET $path leaked /etc/passwd"
done
req -X POST -H "Origin: $ORIGIN" "$ORIGIN/app.js"
[ "$code" = 405 ] || fail "POST /app.js answered $code"
ok "no path outside the fixed list of files"

# Sessions are bounded: the oldest of more than 8 ends.
first=$COOKIE
first_csrf=$CSRF
for i in 1 2 3 4 5 6 7 8; do open_session; done
req -H "Cookie: $first" -H "X-CSRF-Token: $first_csrf" "$ORIGIN/v1/status"
[ "$code" = 401 ] || fail "the oldest of 9 sessions still works ($code)"
req -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$ORIGIN/v1/status"
[ "$code" = 200 ] || fail "the newest session does not work ($code)"
# One session's CSRF token does not fit another's cookie.
req -H "Cookie: $COOKIE" -H "X-CSRF-Token: $first_csrf" "$ORIGIN/v1/status"
[ "$code" = 403 ] || fail "another session's CSRF token answered $code"
ok "at most 8 sessions; tokens belong to their session"

# No token, cookie or CSRF token in the log; refusals are logged.
for secret in "$_tok" "${COOKIE#*=}" "$CSRF" "${first#*=}" "$first_csrf"; do
	! grep -qF -- "$secret" "$TEST_TMP/a/petmaild.log" || fail "a secret is in the log"
done
grep -q "web page: refused" "$TEST_TMP/a/petmaild.log" || fail "refusals are not logged"
ok "the log holds no token and tells of refusals"

# A direct invitation's code as a QR code (SVG), behind the session.
iv=$(curl -s --max-time 60 -X POST -H 'Content-Type: application/json' \
    -H "Cookie: $COOKIE" -H "Origin: $ORIGIN" -H "X-CSRF-Token: $CSRF" \
    -d '{"petname": "qrfriend", "direct": true}' "$ORIGIN/v1/invite")
id=$(echo "$iv" | jq -r .id)
[ "$(echo "$iv" | jq -r .direct)" = true ] || fail "no direct invitation: $iv"
req -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$ORIGIN/v1/invitations/$id/qr.svg"
[ "$code" = 200 ] && grep -qi '^Content-Type: image/svg+xml' "$TEST_TMP/h" &&
    grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' "$TEST_TMP/b" ||
    fail "no QR code: $code $(head -c 300 "$TEST_TMP/b")"
headers_ok "the QR code"
! grep -q "$(echo "$iv" | jq -r .code)" "$TEST_TMP/b" || fail "the code is in the SVG as text"
# Read it back (contrib/install-deps installs both tools).
if command -v zbarimg >/dev/null && command -v rsvg-convert >/dev/null; then
	rsvg-convert -o "$TEST_TMP/qr.png" "$TEST_TMP/b"
	[ "$(zbarimg -q --raw "$TEST_TMP/qr.png" 2>/dev/null)" = "$(echo "$iv" | jq -r .code)" ] ||
	    fail "the QR code does not read as the code"
	ok "the QR code reads as the invitation's code (zbarimg)"
fi
req "$ORIGIN/v1/invitations/$id/qr.svg"
[ "$code" = 401 ] || fail "the QR code without a session answered $code"
req -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$ORIGIN/v1/invitations/999/qr.svg"
[ "$code" = 404 ] || fail "the QR code of no invitation answered $code"
ok "a direct code's QR code, behind the session"

# petmail open: the browser gets the URL; errors say what to do.
cat >"$TEST_TMP/browser" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$TEST_TMP/browser.args"
EOF
chmod +x "$TEST_TMP/browser"
expect_status 0 env BROWSER="/nonexistent/browser:$TEST_TMP/browser" \
    "$PETMAIL" -d "$TEST_TMP/a" open
expect_match "opened the web page in your browser" "$out"
for _i in $(seq 50); do [ -s "$TEST_TMP/browser.args" ] && break; sleep 0.1; done
case $(cat "$TEST_TMP/browser.args") in
"$ORIGIN/#t="*) ;;
*) fail "the browser got: $(cat "$TEST_TMP/browser.args")" ;;
esac
expect_status 0 pm a --json open --no-browser
echo "$out" | jq -e '.url | startswith("http://127.0.0.1:")' >/dev/null || fail "--json: $out"
expect_status 1 env BROWSER=/nonexistent/browser PATH=/nonexistent \
    "$PETMAIL" -d "$TEST_TMP/a" open
expect_match "cannot run .*--no-browser" "$out"
expect_status 64 pm a open extra
expect_status 64 pm a open --bogus
ok "petmail open starts \$BROWSER with the one-time URL"

# ui = off: no port, and open says how to turn it on.
expect_status 0 pm a stop
echo "ui = off" >>"$TEST_TMP/a/petmail.conf"
expect_status 69 pm a open --no-browser
expect_status 0 pm a start
agent_wait a '.tor.state == "running"' 60
pm a status --json | jq -e '.ui == null' >/dev/null || fail "ui = off still serves"
expect_status 1 pm a open --no-browser
expect_match "the web page is off: set ui = on" "$out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$ORIGIN/") || :
[ "$code" = 000 ] || fail "the old port still answers ($code)"
ok "ui = off serves nothing; open says how to turn it on"

# A fixed ui_port that is taken: start-up fails and says why.
expect_status 0 pm a stop
sed -i '/^ui = off$/d' "$TEST_TMP/a/petmail.conf"
agent_create other --no-network
agent_start other
agent_wait other '.ui.port > 0' 30
echo "ui_port = $(pm other status --json | jq .ui.port)" >>"$TEST_TMP/a/petmail.conf"
expect_status 1 pm a start
expect_match "cannot listen on 127.0.0.1:[0-9]+.*set another ui_port" "$out"
ok "a taken ui_port is a clear start-up error"
