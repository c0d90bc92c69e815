#!/bin/sh
# Agents on the private network: both bootstrap to 100 % and publish their
# onion; a client fetches GET /v1/hello from one over Tor; a killed tor is
# relaunched and the onion published again; `petmail stop` leaves no tor;
# a killed agent's tor exits by itself.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"

tornet_agent a
tornet_agent b
agent_wait a '.published and .tor.bootstrap == 100' 120
agent_wait b '.published and .tor.bootstrap == 100' 120
expect_status 0 pm a status
expect_match '^tor: +100% \(Done\)$' "$out"
expect_match '^address: +[a-z2-7]{56}\.onion \(published\)$' "$out"
ok "two agents bootstrapped and published"

addr=$(pm a status --json | jq -r .address)
hello=""
for i in $(seq 30); do
	hello=$(curl -s --max-time 20 --socks5-hostname \
	    "127.0.0.1:$TORNET_SOCKS_PORT" "http://$addr/v1/hello") && break
	sleep 1
done
printf '%s' "$hello" | jq -e '.protocol == "petmail" and .version == 1' \
    >/dev/null || fail "GET /v1/hello over Tor answered: $hello"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
    --socks5-hostname "127.0.0.1:$TORNET_SOCKS_PORT" "http://$addr/nothing")
[ "$code" = 404 ] || fail "an unknown path over Tor answered $code"
ok "GET /v1/hello over Tor"

old=$(agent_tor_pids a)
kill -9 $old
agent_wait a '.tor.launches == 2 and .published and .tor.bootstrap == 100' 120
new=$(agent_tor_pids a)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "tor was not relaunched"
grep -q 'tor exited' "$TEST_TMP/a/petmaild.log" ||
    fail "the agent did not log tor's exit"
ok "a killed tor is relaunched and the onion published again"

expect_status 0 pm b stop
[ -z "$(agent_tor_pids b)" ] || fail "tor outlived petmail stop"
ok "stop leaves no tor behind"

tor_pid=$(agent_tor_pids a)
kill -9 $(agent_pids a)
wait_gone "$tor_pid" 10
ok "a killed agent's tor exits on its own"
