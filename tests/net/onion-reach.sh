#!/bin/sh
# A fresh tor publishes an onion service through its control port
# (torctl-probe add-onion); the network's client then fetches a page from
# it with curl over SOCKS. Proves the private network carries onion
# services end to end.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e

PROBE=${TORCTL_PROBE:-$top_builddir/torctl/torctl-probe}
[ -x "$PROBE" ] || skip "torctl-probe not built: $PROBE"
command -v curl >/dev/null || skip "curl not found"
tornet_up || fail "no private Tor network"

elapsed() { echo $(($(date +%s) - $1)); }

# The onion's target: a loopback HTTP server on a port the kernel picks,
# answering every GET with a random token. It exits if we vanish.
token=petmail-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
python3 -c '
import http.server, os, sys, threading, time
token, portfile = sys.argv[1].encode(), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
parent = os.getppid()
def orphaned():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=orphaned, daemon=True).start()
server.serve_forever()
' "$token" "$TEST_TMP/web.port" &
web_pid=$!
at_exit "tornet_kill $web_pid"
wait_for 10 test -s "$TEST_TMP/web.port" || fail "the HTTP server did not start"
web_port=$(cat "$TEST_TMP/web.port")
[ "$(curl -sS -m 5 "http://127.0.0.1:$web_port/")" = "$token" ] ||
    fail "the HTTP server does not answer on 127.0.0.1:$web_port"

t0=$(date +%s)
tornet_tor svc
tornet_tor_bootstrapped svc 60
ok "service tor bootstrapped in $(elapsed "$t0") s"

t0=$(date +%s)
onion=$("$PROBE" -u "$TOR_CONTROL" -c "$TOR_COOKIE" \
    add-onion --detach --wait-published 60 80 "127.0.0.1:$web_port") ||
    fail "add-onion failed: $onion; $(tail -n 20 "$TOR_LOG")"
expect_match '^[a-z2-7]{56}\.onion$' "$onion"
[ "$(printf '%s\n' "$onion" | wc -l)" -eq 1 ] ||
    fail "add-onion printed more than the address: $onion"
ok "published $onion in $(elapsed "$t0") s"

# The first attempts may fail while the client looks for the descriptor
# (SOCKS error 0xF0); retry for up to 30 s.
t0=$(date +%s)
page=""
while [ "$(elapsed "$t0")" -lt 30 ]; do
	if page=$(curl -sS -m 10 --socks5-hostname "127.0.0.1:$TORNET_SOCKS_PORT" \
	    "http://$onion/" 2>"$TEST_TMP/curl.err"); then
		break
	fi
	echo "# curl: $(cat "$TEST_TMP/curl.err")"
	sleep 1
done
[ "$page" = "$token" ] ||
    fail "no page from $onion after $(elapsed "$t0") s (got '$page'): $(cat "$TEST_TMP/curl.err")"
ok "fetched the page through the network's client in $(elapsed "$t0") s"

# The SOCKS unix socket works too, on a new circuit (new SOCKS username).
page=$(curl -sS -m 20 --proxy "socks5h://petmail:other@localhost$TORNET_SOCKS_SOCKET" \
    "http://$onion/") || fail "no page through $TORNET_SOCKS_SOCKET"
[ "$page" = "$token" ] || fail "wrong page through $TORNET_SOCKS_SOCKET: $page"
ok "fetched it again through the SOCKS unix socket"
