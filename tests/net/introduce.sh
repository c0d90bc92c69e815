#!/bin/sh
# Introductions on the private network: short codes through a rendezvous
# agent, direct codes through an invitation onion, wrong and expired codes,
# three at once, a restart of the inviter, a rendezvous that dies, and
# malformed input. After each success both sides hold matching contacts.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"

tornet_agent rv --serve rendezvous
agent_wait rv .published 120
RV=$(pm rv status --json | jq -r .address)
tornet_agent alice --name alice --rendezvous "$RV"
tornet_agent bob --name bob --rendezvous "$RV"
tornet_agent carol --name carol
for n in alice bob carol; do agent_wait $n .published 120; done
ok "a rendezvous agent and three agents are up"

# introduced A NAME-AT-A B NAME-AT-B: both hold each other, ready, with
# the other's real identity and address and the same verification phrase.
introduced() {
	for _i in $(seq 100); do
		pm "$1" contacts --json | jq -e --arg n "$2" \
		    '.[] | select(.petname == $n and .state == "ready")' \
		    >/dev/null && break
		sleep 0.2
	done
	_ca=$(pm "$1" contacts --json | jq -c --arg n "$2" '.[] | select(.petname == $n)')
	_cb=$(pm "$3" contacts --json | jq -c --arg n "$4" '.[] | select(.petname == $n)')
	_sa=$(pm "$1" status --json)
	_sb=$(pm "$3" status --json)
	[ "$(echo "$_ca" | jq -r .state)" = ready ] || fail "$1: $2 is not ready: $_ca"
	[ "$(echo "$_cb" | jq -r .state)" = ready ] || fail "$3: $4 is not ready: $_cb"
	[ "$(echo "$_ca" | jq -r .address)" = "$(echo "$_sb" | jq -r .address)" ] ||
	    fail "$1 holds the wrong address for $2"
	[ "$(echo "$_cb" | jq -r .address)" = "$(echo "$_sa" | jq -r .address)" ] ||
	    fail "$3 holds the wrong address for $4"
	[ "$(echo "$_ca" | jq -r .identity)" = "$(echo "$_sb" | jq -r .identity)" ] ||
	    fail "$1 holds the wrong identity for $2"
	[ "$(echo "$_cb" | jq -r .identity)" = "$(echo "$_sa" | jq -r .identity)" ] ||
	    fail "$3 holds the wrong identity for $4"
	[ "$(echo "$_ca" | jq -r .verification)" = "$(echo "$_cb" | jq -r .verification)" ] ||
	    fail "verification phrases differ"
}

# invite_bg NAME ARGS...: run `invite --json` in the background; the code
# is in $code, the process in $inv_pid, its output in $TEST_TMP/inv.NAME.
invite_bg() {
	_n=$1; shift
	pm "$_n" invite --json "$@" >"$TEST_TMP/inv.$_n" 2>&1 &
	inv_pid=$!
	at_exit "kill $inv_pid 2>/dev/null || :"
	for _i in $(seq 150); do
		code=$(head -n 1 "$TEST_TMP/inv.$_n" | jq -r '.code // empty' 2>/dev/null) || :
		[ -n "$code" ] && return 0
		kill -0 $inv_pid 2>/dev/null || break
		sleep 0.2
	done
	cat "$TEST_TMP/inv.$_n" >&2
	fail "invite on $_n printed no code"
}

# 1. A short code through the rendezvous service.
invite_bg alice
expect_match '^[0-9]+-[a-z]+-[a-z]+$' "$code"
expect_status 0 pm bob accept "$code"
expect_match "^alice is now your contact$" "$out"
expect_match "^verification: [a-z]+ [a-z]+ [a-z]+ [a-z]+$" "$out"
wait $inv_pid || fail "invite on alice: $(cat "$TEST_TMP/inv.alice")"
tail -n 1 "$TEST_TMP/inv.alice" | jq -e '.state == "done" and .contact.petname == "bob"' \
    >/dev/null || fail "invite printed: $(cat "$TEST_TMP/inv.alice")"
introduced alice bob bob alice
ok "short code through a rendezvous agent"

# 2. A direct code: carol has no rendezvous service.
invite_bg carol -n alice-from-carol
expect_match '^[a-z2-7]{56}-[a-z]+-[a-z]+$' "$code"
case $code in "$(pm carol status --json | jq -r .address | cut -c1-56)"*)
	fail "the direct code holds carol's long-term address" ;;
esac
expect_status 0 pm alice accept -n carol "$code"
wait $inv_pid || fail "invite on carol failed"
introduced alice carol carol alice-from-carol
ok "direct code through an invitation onion"

# 3. A wrong code fails on both sides and burns the real one.
invite_bg alice -n wrong-1
wrong=$(echo "$code" | sed 's/-[a-z]*$//')-$( [ "${code##*-}" = adroitness ] && echo adviser || echo adroitness)
expect_status 1 pm bob accept "$wrong"
expect_match "wrong code or tampering" "$out"
set +e; wait $inv_pid; rc=$?; set -e
[ $rc -eq 1 ] || fail "invite did not fail: $(cat "$TEST_TMP/inv.alice")"
grep -q "wrong code or tampering" "$TEST_TMP/inv.alice" ||
    fail "the inviter was not told: $(cat "$TEST_TMP/inv.alice")"
expect_status 1 pm bob accept "$code"
expect_match "already used|expired" "$out"
pm alice contacts --json | jq -e 'all(.petname != "wrong-1")' >/dev/null ||
    fail "the burnt invitation left a contact"
ok "a wrong code fails on both sides and burns the code"

# 4. An expired code fails clearly.
tornet_agent erin --name erin --rendezvous "$RV"
echo "invite_lifetime = 5s" >>"$TEST_TMP/erin/petmail.conf"
pm erin stop >/dev/null
pm erin start >/dev/null
agent_wait erin .published 120
invite_bg erin
sleep 7
set +e; wait $inv_pid; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "expired" "$TEST_TMP/inv.erin" ||
    fail "erin's invite did not expire: $(cat "$TEST_TMP/inv.erin")"
expect_status 1 pm bob accept "$code"
expect_match "expired" "$out"
ok "an expired code fails clearly on both sides"

# 5. Three introductions at once.
c1=$(pm alice invite -n three-1 --json --no-wait | jq -r .code)
c2=$(pm alice invite -n three-2 --json --no-wait --direct | jq -r .code)
c3=$(pm carol invite -n three-3 --json --no-wait | jq -r .code)
pm bob accept -n alice-1 "$c1" >"$TEST_TMP/acc1" 2>&1 & p1=$!
pm carol accept -n alice-2 "$c2" >"$TEST_TMP/acc2" 2>&1 & p2=$!
pm erin accept -n carol-3 "$c3" >"$TEST_TMP/acc3" 2>&1 & p3=$!
wait $p1 || fail "accept 1: $(cat "$TEST_TMP/acc1")"
wait $p2 || fail "accept 2: $(cat "$TEST_TMP/acc2")"
wait $p3 || fail "accept 3: $(cat "$TEST_TMP/acc3")"
introduced alice three-1 bob alice-1
introduced alice three-2 carol alice-2
introduced carol three-3 erin carol-3
ok "three introductions at once"

# 6. The inviter restarts while its invitation is pending, then succeeds;
# once with a rendezvous code, once with a direct one.
c1=$(pm alice invite -n restart-1 --json --no-wait | jq -r .code)
c2=$(pm carol invite -n restart-2 --json --no-wait | jq -r .code)
pm alice stop >/dev/null
pm carol stop >/dev/null
pm alice start >/dev/null
pm carol start >/dev/null
agent_wait alice .published 120
agent_wait carol .published 120
expect_status 0 pm bob accept -n alice-r "$c1"
expect_status 0 pm erin accept -n carol-r "$c2"
introduced alice restart-1 bob alice-r
introduced carol restart-2 erin carol-r
ok "a pending invitation survives a restart of its inviter"

# 7. The rendezvous agent dies mid-exchange: both sides fail clearly,
# and a new code works once it is back.
invite_bg alice -n lost
kill -9 $(agent_pids rv)
expect_status 1 pm bob accept "$code"
expect_match "cannot reach the rendezvous service" "$out"
pm rv start >/dev/null
agent_wait rv .published 120
set +e; wait $inv_pid; rc=$?; set -e
[ $rc -eq 1 ] || fail "alice's invite did not fail: $(cat "$TEST_TMP/inv.alice")"
grep -q "gave up or the code expired" "$TEST_TMP/inv.alice" ||
    fail "alice was not told clearly: $(cat "$TEST_TMP/inv.alice")"
invite_bg alice -n found
expect_status 0 pm bob accept -n alice-again "$code"
wait $inv_pid || fail "the retry failed"
introduced alice found bob alice-again
ok "a dead rendezvous gives clear errors, and a new code works"

# 8. Malformed codes and messages are refused; the agents keep running.
for bad in "7" "7-notaword-xyz" "abc-def-ghi" "7-aardvark;rm -rf" \
    "$(head -c 300 /dev/zero | tr '\0' a)"; do
	expect_status 1 pm bob accept "$bad"
done
expect_status 64 pm bob accept "$(head -c 600 /dev/zero | tr '\0' a)"
expect_match "too long" "$out"
expect_status 1 pm bob accept "7-adroitness-aardvark"
expect_match "out of place" "$out"
rvpost() {
	curl -s --max-time 60 --socks5-hostname "127.0.0.1:$TORNET_SOCKS_PORT" \
	    -o "$TEST_TMP/rv.out" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --data-binary "$2" "http://$RV$1"
}
[ "$(rvpost /v1/rv/claim 'not json')" = 400 ] || fail "garbage claim accepted"
[ "$(rvpost /v1/rv/send '{"nameplate":"1","token":"x","index":0,"body":"AA=="}')" -ge 400 ] ||
    fail "a send without a channel was accepted"
big=$(head -c 70000 /dev/zero | tr '\0' a)
[ "$(rvpost /v1/rv/claim "{\"nameplate\":\"$big\"}")" -ge 400 ] ||
    fail "an oversized request was accepted"
# A channel where side "a" sends garbage: the accepter fails clearly.
rvpost /v1/rv/allocate '{}' >/dev/null
np=$(jq -r .nameplate "$TEST_TMP/rv.out")
tok=$(jq -r .token "$TEST_TMP/rv.out")
rvpost /v1/rv/send "{\"nameplate\":\"$np\",\"token\":\"$tok\",\"index\":0,\"body\":\"$(head -c 40 /dev/urandom | base64 -w0)\"}" >/dev/null
[ "$(jq -r .index "$TEST_TMP/rv.out")" = 0 ] || fail "the garbage was not stored"
# Sent again at the same place, it is not stored twice; a gap is refused.
rvpost /v1/rv/send "{\"nameplate\":\"$np\",\"token\":\"$tok\",\"index\":0,\"body\":\"AAAA\"}" >/dev/null
jq -e '.duplicate == true' "$TEST_TMP/rv.out" >/dev/null || fail "a resent message was stored again"
[ "$(rvpost /v1/rv/send "{\"nameplate\":\"$np\",\"token\":\"$tok\",\"index\":5,\"body\":\"AAAA\"}")" = 409 ] ||
    fail "a message past the end was accepted"
expect_status 1 pm bob accept "$np-aardvark-adroitness"
expect_match "malformed introduction message|another protocol version" "$out"
for n in rv alice bob carol erin; do
	expect_status 0 pm $n status
done
ok "malformed codes and messages are refused; every agent still runs"
