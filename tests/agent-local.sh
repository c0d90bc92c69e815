#!/bin/sh
# The agent without a network: its tor runs with DisableNetwork 1
# throughout (network = off), so nothing here can reach any Tor network.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
set -e

A=$TEST_TMP/a

# create: a private directory and a configuration that checks out.
agent_create a --no-network
[ "$(stat -c %a "$A")" = 700 ] || fail "state dir mode $(stat -c %a "$A")"
expect_status 0 pm a config-check
expect_match "^configuration OK$" "$out"
expect_status 1 pm a create
expect_match "already exists" "$out"
ok "create"

# Commands that need the agent say it is not running (69).
expect_status 69 pm a status
expect_match "not running: start it with petmail start" "$out"
expect_status 69 pm a stop

# start, status, second start refused.
expect_status 0 pm a start
at_exit "agent_stop_quietly a"
expect_match "^agent started \(pid [0-9]+\)" "$out"
agent_wait a '.tor.state == "running" and (.address | test("^[a-z2-7]{56}\\.onion$"))' 60
pm a status --json | jq -e '.published == false and .contacts == 0 and
    .outbox == 0 and (.version | length > 0) and .tor.bootstrap == 0' >/dev/null ||
	fail "status --json: $(pm a status --json)"
expect_status 0 pm a status
expect_match "^tor: +0% \(network disabled" "$out"
expect_match "^address: +[a-z2-7]{56}\.onion \(not yet published\)$" "$out"
[ "$(stat -c %a "$A/petmail.db")" = 600 ] || fail "petmail.db is not 0600"
[ "$(stat -c %a "$A/petmaild.sock")" = 600 ] || fail "petmaild.sock is not 0600"
ok "start and status"

expect_status 1 pm a start
expect_match "already running" "$out"
ok "second start refused"

# The agent survives garbage on its socket and answers unknown paths 404.
printf 'GARBAGE \001\002\377 HTTP/9.9\r\nX: \r\n\r\n' |
	curl -s --max-time 5 --unix-socket "$A/petmaild.sock" \
	    -X 'BAD METHOD' http://localhost/x >/dev/null 2>&1 || :
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$A/petmaild.sock" \
	-H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" http://localhost/v1/status)
[ "$code" != 200 ] || fail "a 20 kB header was accepted"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$A/petmaild.sock" \
	http://localhost/v1/nothing)
[ "$code" = 404 ] || fail "unknown path answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$A/petmaild.sock" \
	-X POST http://localhost/v1/status)
[ "$code" = 405 ] || fail "wrong method answered $code"
expect_status 0 pm a status
ok "garbage requests leave the agent running"

# The address survives a restart (the onion key is stored).
addr=$(pm a status --json | jq -r .address)
tor_pid=$(agent_tor_pids a)
[ -n "$tor_pid" ] || fail "no tor process for agent a"
expect_status 0 pm a stop
expect_match "^agent stopped$" "$out"
[ -z "$(agent_tor_pids a)" ] || fail "tor still running after stop"
[ ! -e "$A/petmaild.pid" ] || fail "pid file left behind"
ok "stop leaves no tor behind"

# A stale pid file does not stop a start.
echo 999999 >"$A/petmaild.pid"
expect_status 0 pm a start
agent_wait a ".address == \"$addr\"" 60
ok "stale pid file, same address after restart"

# kill -9 of petmaild: its tor exits on its own (TAKEOWNERSHIP).
tor_pid=$(agent_tor_pids a)
kill -9 $(agent_pids a)
wait_gone "$tor_pid" 10
ok "tor exits when its agent is killed"

# A bad line in petmail.conf is reported with its line number.
printf 'bogus = 1\n' >>"$A/petmail.conf"
expect_status 1 pm a config-check
expect_match "petmail.conf: line [0-9]+: unknown setting 'bogus'" "$out"
expect_status 1 pm a start
expect_match "unknown setting 'bogus'" "$out"
sed -i '/^bogus/d' "$A/petmail.conf"
expect_status 0 pm a config-check

# A state directory others can read is refused.
chmod 755 "$A"
expect_status 1 pm a start
expect_match "accessible to other users.*chmod 700" "$out"
chmod 700 "$A"
ok "bad configuration and permissions refused"
