#!/bin/sh
# Hostile peers against a running agent (bob, who also serves a
# rendezvous): tests/hostile-peer.py floods bob's onion.sock and
# invite.sock directly (thousands of requests, hundreds of connections)
# and his onions through Tor (a realistic subset, and 20 streams on one
# circuit), with wrong versions, bad lengths and counts, truncated,
# oversized and chunked bodies, slowloris, bad MACs under a real token,
# replays of a real conversation and the rendezvous API. Meanwhile bob's
# user is served within 2 s, alice's messages arrive once each and in
# order, carol is introduced to bob through a flooded invitation onion,
# nothing else stored at bob changes, his memory, descriptors and log stay
# bounded, and he never crashes.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"
t0=$(date +%s)
elapsed() { echo "elapsed: $(($(date +%s) - t0)) s ($1)"; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
$PY -c 'import socks' 2>/dev/null || skip "python3-socks (PySocks) is missing"
PEER="$PY $top_srcdir/tests/hostile-peer.py"
# Every sanitizer report goes to a file we check; a small quarantine lets
# VmRSS measure live memory rather than AddressSanitizer's freed queue.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TEST_TMP/asan:quarantine_size_mb=4"
BOUND_S=2		# the longest the user may wait for status or messages
# The most bob's memory may grow: what the limits allow (128 bodies of
# 257 KiB, 16 MiB of rendezvous messages in 10000 channels) with
# AddressSanitizer's overhead; measured about 46 MiB.
RSS_GROWTH_KB=$((150 * 1024))

tornet_client_torrc "$TEST_TMP/client.torrc"
for n in bob alice carol; do
	case $n in
	bob)	agent_create $n --extra-torrc "$TEST_TMP/client.torrc" \
		    --name $n --serve rendezvous ;;
	*)	agent_create $n --extra-torrc "$TEST_TMP/client.torrc" --name $n ;;
	esac
	echo "retry_cap = 3s" >>"$TEST_TMP/$n/petmail.conf"
	agent_start $n
done
for n in bob alice carol; do agent_wait $n .published 120; done
code=$(pm bob invite -n alice --direct --json --no-wait | jq -r .code)
expect_status 0 pm alice accept -n bob "$code"
agent_wait bob '.contacts == 1 and .introductions == 0' 120
ok "bob (a rendezvous too), alice and carol run; alice and bob are introduced"
elapsed "agents up"

# received NAME FROM N [PREFIX]: wait until NAME holds N messages from FROM.
received() {
	for _i in $(seq 900); do
		[ "$(pm "$1" messages "$2" --json | jq --arg p "${4:-}" \
		    '[.[] | select(.direction == "in" and (.body | startswith($p)))] | length')" -ge "$3" ] &&
		    return 0
		sleep 0.2
	done
	pm "$1" messages "$2" >&2 || :
	fail "$1 did not receive $3 messages from $2"
}

# A real conversation to replay: alice writes while bob is away, and
# every envelope waiting in her outbox is captured.
pm bob stop >/dev/null
for i in $(seq 8); do pm alice send bob "before $i" >/dev/null; done
$PY -c '
import sqlite3, struct, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
envs = [e for (e,) in db.execute("SELECT envelope FROM messages WHERE "
        "envelope IS NOT NULL ORDER BY id")]
open(sys.argv[2], "wb").write(b"".join(struct.pack(">I", len(e)) + e
                                       for e in envs))
print(len(envs))
' "$TEST_TMP/alice/petmail.db" "$TEST_TMP/captured.bin" >"$TEST_TMP/ncaptured"
[ "$(cat "$TEST_TMP/ncaptured")" -ge 8 ] || fail "captured $(cat "$TEST_TMP/ncaptured") envelopes"
pm bob start >/dev/null
agent_wait bob .published 120
received bob alice 8 "before "
agent_wait alice '.outbox == 0' 120
ok "a conversation of $(cat "$TEST_TMP/ncaptured") envelopes captured and delivered"
elapsed "conversation captured"

# bob waits for carol on a direct code; the attacker knows its onion.
invite=$(pm bob invite -n carol --direct --json --no-wait)
carol_code=$(printf '%s' "$invite" | jq -r .code)
invite_np=${carol_code%%-*}

bob_db=$TEST_TMP/bob/petmail.db
bob_onion=$(pm bob status --json | jq -r .address)
bob_pid=$(cat "$TEST_TMP/bob/petmaild.pid")
token=$(sqlite3 "file:$TEST_TMP/alice/petmail.db?mode=ro" \
    "SELECT lower(hex(their_token)) FROM contacts WHERE petname = 'bob'")
[ ${#token} = 64 ] || fail "no token for bob in alice's database"
snapshot() {
	sqlite3 "file:$bob_db?mode=ro" "SELECT id, petname, state,
	    hex(identity_pk), onion_address, hex(their_token), hex(my_token),
	    verification FROM contacts ORDER BY id" >"$TEST_TMP/contacts.$1"
	sqlite3 "file:$bob_db?mode=ro" "SELECT id, contact_id, direction,
	    kind, seq, hex(body), created FROM messages ORDER BY id" \
	    >"$TEST_TMP/messages.$1"
	sqlite3 "file:$bob_db?mode=ro" "SELECT count(*) FROM seen" \
	    >"$TEST_TMP/seen.$1"
}
snapshot before
rss_before=$(awk '/^VmRSS:/ { print $2 }' "/proc/$bob_pid/status")
log_before=$(stat -c %s "$TEST_TMP/bob/petmaild.log")

# The attack: everything at once, for about 80 s.
onion=unix:$TEST_TMP/bob/onion.sock
inv=unix:$TEST_TMP/bob/invite.sock
tor=tor:$bob_onion:$TORNET_SOCKS_PORT
tor_inv=tor:$invite_np.onion:$TORNET_SOCKS_PORT
pids=""
attack() {
	_name=$1; shift
	$PEER "$@" >"$TEST_TMP/$_name.json" 2>"$TEST_TMP/$_name.err" &
	pids="$pids $!"
	echo "$_name" >>"$TEST_TMP/attacks"
	at_exit "kill $! 2>/dev/null || :"
}
start=$(date +%s)
$PEER monitor "$TEST_TMP/bob" --petmail "$PETMAIL" --contact alice \
    --pid "$bob_pid" --seconds 300 --bound $BOUND_S >"$TEST_TMP/monitor.json" &
monitor=$!
at_exit "kill $monitor 2>/dev/null || :"
attack slowloris slowloris "$onion" --conns 60 --interval 5 --seconds 90 --limit 75
attack slowloris-invite slowloris "$inv" --conns 10 --interval 5 --seconds 90 --limit 75
attack flood flood "$onion" --seconds 60 --workers 6 --token "$token" \
    --envelopes "$TEST_TMP/captured.bin"
attack replay replay "$onion" --envelopes "$TEST_TMP/captured.bin" --rounds 3
attack rendezvous rendezvous "$onion" --channels 10001 --fill 300
attack invite invite "$inv" --nameplate "$invite_np" --rounds 300
attack tor-flood flood "$tor:flood" --seconds 45 --workers 3 --token "$token" \
    --envelopes "$TEST_TMP/captured.bin" \
    --only wrong_batch_version,count_mismatch,truncated,oversized_body,chunked,bad_mac,unknown_token,tampered_replay,keepalive_thousand
attack tor-replay replay "$tor:replay" --envelopes "$TEST_TMP/captured.bin" --rounds 1
attack tor-slowloris slowloris "$tor:slow" --conns 6 --interval 5 --seconds 90 --limit 75
attack tor-invite invite "$tor_inv:inv" --nameplate "$invite_np" --rounds 20
attack tor-streams streams "$tor" --conns 20
sleep 15
attack hold hold "$onion" --conns 400 --seconds 20

# Meanwhile, the genuine traffic: alice writes, carol accepts bob's code.
expect_status 0 pm carol accept -n bob "$carol_code"
elapsed "carol accepted bob's code"
for i in $(seq 10); do
	pm alice send bob "during $i" >/dev/null
	sleep 4
done
for p in $pids; do
	wait "$p" || :
done
attack_secs=$(($(date +%s) - start))
received bob alice 10 "during "
agent_wait alice '.outbox == 0' 120
introduced() { contact_is_ready carol bob && contact_is_ready bob carol; }
wait_for 60 introduced || fail "carol's introduction to bob did not finish: $(pm bob contacts; pm carol contacts)"
kill -TERM "$monitor"
wait "$monitor" || :
snapshot after
elapsed "attack over, genuine traffic through"

# What each attack saw: every answer was as it should be.
bad=""
while read -r name; do
	echo "# $name: $(cat "$TEST_TMP/$name.json")"
	[ -s "$TEST_TMP/$name.err" ] && sed 's/^/#   /' "$TEST_TMP/$name.err"
	jq -e '.unexpected == []' "$TEST_TMP/$name.json" >/dev/null 2>&1 ||
	    bad="$bad $name"
done <"$TEST_TMP/attacks"
[ -z "$bad" ] || fail "wrong answers or behaviour in:$bad"
total=$(cat "$TEST_TMP"/*.json | jq -s '[.[].requests // 0] | add')
[ "$total" -ge 5000 ] || fail "only $total hostile requests were made"
ok "$total hostile requests in $attack_secs s, each answered as it should be"

# Bob never crashed, and no sanitizer said anything.
kill -0 "$bob_pid" 2>/dev/null || fail "bob's agent died"
[ "$(cat "$TEST_TMP/bob/petmaild.pid")" = "$bob_pid" ] || fail "bob's agent restarted"
! ls "$TEST_TMP"/asan.* >/dev/null 2>&1 || fail "sanitizer reports: $(cat "$TEST_TMP"/asan.*)"
ok "bob's agent (pid $bob_pid) ran throughout, with no sanitizer report"

# Bob's user was served promptly all along.
echo "# monitor: $(cat "$TEST_TMP/monitor.json")"
jq -e '.unexpected == [] and .samples >= 20' "$TEST_TMP/monitor.json" >/dev/null ||
    fail "bob's user was not served in time: $(cat "$TEST_TMP/monitor.json")"
ok "petmail status and messages answered within $BOUND_S s (worst $(jq -r '[.status_max_s, .messages_max_s] | max' "$TEST_TMP/monitor.json") s over $(jq .samples "$TEST_TMP/monitor.json") samples)"

# Memory, descriptors and the log stayed bounded; the limits held.
rss_peak=$(jq .rss_peak_kb "$TEST_TMP/monitor.json")
fds_peak=$(jq .fds_peak "$TEST_TMP/monitor.json")
log_growth=$(($(stat -c %s "$TEST_TMP/bob/petmaild.log") - log_before))
echo "# bob: VmRSS $rss_before kB before, $rss_peak kB at peak; $fds_peak descriptors at peak; log grew $log_growth bytes"
[ $((rss_peak - rss_before)) -le $RSS_GROWTH_KB ] ||
    fail "bob's memory grew by $((rss_peak - rss_before)) kB"
[ "$fds_peak" -le 450 ] || fail "bob held $fds_peak descriptors"
[ "$log_growth" -le 65536 ] || fail "the log grew by $log_growth bytes"
inbound=$(pm bob status --json | jq -c .inbound)
echo "# inbound: $inbound"
printf '%s' "$inbound" | jq -e '.onion.full >= 1 and .onion.cut >= 60 and
    .onion.open <= .onion.max and .invitations.cut >= 10' >/dev/null ||
    fail "the connection limits did not act: $inbound"
ok "memory grew $(( (rss_peak - rss_before) / 1024 )) MiB, at most $fds_peak descriptors, the log $log_growth bytes; the limits acted"

# Nothing stored changed but the genuine traffic.
pm bob messages alice --json | jq -r '.[] | select(.direction == "in" and
    (.body | startswith("during "))) | .body' >"$TEST_TMP/during"
[ "$(paste -sd, "$TEST_TMP/during")" = "$(seq -f 'during %g' 1 10 | paste -sd, -)" ] ||
    fail "alice's messages did not arrive once each and in order: $(paste -sd, "$TEST_TMP/during")"
diff "$TEST_TMP/messages.before" "$TEST_TMP/messages.after" | grep '^<' &&
    fail "messages bob held before changed"
[ "$(diff "$TEST_TMP/messages.before" "$TEST_TMP/messages.after" | grep -c '^>')" = 10 ] ||
    fail "bob's new messages are not alice's 10: $(diff "$TEST_TMP/messages.before" "$TEST_TMP/messages.after")"
# The one contact change: carol, pending before, is ready now.
diff "$TEST_TMP/contacts.before" "$TEST_TMP/contacts.after" >"$TEST_TMP/contacts.diff" || :
grep '^[<>]' "$TEST_TMP/contacts.diff" | sed 's/^\(.\) [0-9]*|\([^|]*|[^|]*\)|.*/\1 \2/' |
    sort >"$TEST_TMP/contacts.changes"
printf '< carol|pending\n> carol|ready\n' | sort | cmp -s - "$TEST_TMP/contacts.changes" ||
    fail "bob's contacts changed otherwise: $(cat "$TEST_TMP/contacts.diff")"
# Headers seen: alice's 10 and carol's opening message, no replay, no forgery.
[ "$(cat "$TEST_TMP/seen.after")" = $(($(cat "$TEST_TMP/seen.before") + 11)) ] ||
    fail "bob recorded $(($(cat "$TEST_TMP/seen.after") - $(cat "$TEST_TMP/seen.before"))) new headers, not 11"
ok "alice's 10 messages arrived once each in order, carol was introduced, and nothing else stored at bob changed"
