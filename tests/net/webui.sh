#!/bin/sh
# The web page in a real browser: two agents' pages (alice's and bob's)
# in headless Chromium, driven by tests/webui.js with playwright-core.
# Open both with petmail open, invite with a short code and accept it,
# rename, a direct code's QR code, messages both ways arriving live and
# turning delivered, a message of <script> and <img onerror> shown as
# text, a deletion; screenshots in tests/artifacts/webui/ of the build.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e

CHROMIUM=${PETMAIL_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] ||
    skip "no $CHROMIUM: install the Debian package chromium (contrib/install-deps)"
command -v node >/dev/null 2>&1 ||
    skip "node not found: install the Debian package nodejs (contrib/install-deps)"
if command -v npm >/dev/null 2>&1; then
	NODE_PATH=$(npm root -g)${NODE_PATH:+:$NODE_PATH}
	export NODE_PATH
fi
node -e 'require("playwright-core")' 2>/dev/null ||
    skip "playwright-core not found: npm install -g playwright-core (contrib/install-deps)"
export PETMAIL_CHROMIUM=$CHROMIUM
PETMAIL_DATADIR=$top_srcdir/data
export PETMAIL_DATADIR
ARTIFACTS=$top_builddir/tests/artifacts/webui
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

tornet_up || fail "no private Tor network"
start=$(date +%s)
tornet_agent rv --serve rendezvous
agent_wait rv .published 120
RV=$(pm rv status --json | jq -r .address)
for n in alice bob; do tornet_agent $n --name $n --rendezvous "$RV"; done
for n in alice bob; do agent_wait $n .published 120; done
ok "a rendezvous agent, alice and bob are up ($(($(date +%s) - start)) s)"

# The browser, with a fresh profile in $TEST_TMP; whatever happens it is
# stopped with node (playwright closes it), and the runner kills our
# process group.
alice_url=$(pm alice open --no-browser --json | jq -r .url)
bob_url=$(pm bob open --no-browser --json | jq -r .url)
TMPDIR=$TEST_TMP node "$top_srcdir/tests/webui.js" "$alice_url" "$bob_url" \
    "$ARTIFACTS" >"$TEST_TMP/node.out" 2>&1 &
node_pid=$!
at_exit "tornet_kill $node_pid"
wait $node_pid && rc=0 || rc=$?
cat "$TEST_TMP/node.out"
[ "$rc" = 0 ] || fail "the browser run failed (exit $rc); screenshots in $ARTIFACTS"
summary=$(tail -n 1 "$TEST_TMP/node.out")
ok "the browser did the whole flow in $(echo "$summary" | jq .seconds) s"

# What the pages did is what the agents hold.
pm alice contacts --json | jq -e --arg w "$(echo "$summary" | jq -r .verification)" \
    'length == 1 and .[0].petname == "bobby" and .[0].state == "ready" and
    .[0].verification == $w' >/dev/null ||
    fail "alice's contacts: $(pm alice contacts)"
pm bob contacts --json | jq -e '.[0].petname == "alice" and .[0].state == "ready"' \
    >/dev/null || fail "bob's contacts: $(pm bob contacts)"
xss=$(pm bob messages alice --json | jq -r '.[] | select(.body | contains("__pwned")) | .body')
case $xss in "<script>window.__pwned = 1</script><img src=x onerror="*) ;;
*) fail "bob does not hold the markup message: $(pm bob messages alice)" ;;
esac
pm bob messages alice --json | jq -e 'any(.[]; .body == "hi alice" and .state == "delivered") and
    all(.[]; .body != "hello bob")' >/dev/null ||
    fail "bob's messages after the deletion: $(pm bob messages alice)"
pm alice messages bobby --json | jq -e '[.[] | select(.direction == "out")] |
    length == 2 and all(.state == "delivered")' >/dev/null ||
    fail "alice's messages are not all delivered: $(pm alice messages bobby)"
ok "the agents hold what the pages showed"

# The QR code on alice's page reads as the direct code it showed.
if command -v zbarimg >/dev/null 2>&1; then
	[ "$(zbarimg -q --raw "$ARTIFACTS/qr.png" 2>/dev/null)" = \
	    "$(echo "$summary" | jq -r .direct_code)" ] ||
	    fail "the QR code on the page does not read as the direct code"
	ok "the QR code on the page reads as the direct code"
fi
for f in status contacts-invite contacts contacts-bob conversation conversation-bob conversation-zoom200; do
	[ -s "$ARTIFACTS/$f.png" ] || fail "no screenshot $f.png"
done
ok "screenshots in $ARTIFACTS"
