#!/bin/sh
# Messaging on the private network: both ways and in order; a recipient
# stopped while 20 messages are sent; the sender's agent killed in a
# burst; the sender's tor killed; a captured envelope replayed; garbage,
# oversized and unknown-token envelopes; deletion that leaves no
# plaintext on disk; forward secrecy of a copied state.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

for n in alice bob; do
	tornet_agent $n --name $n
	pm $n stop >/dev/null
	echo "retry_cap = 3s" >>"$TEST_TMP/$n/petmail.conf"
	pm $n start >/dev/null
done
for n in alice bob; do agent_wait $n .published 120; done
code=$(pm alice invite -n bob --json --no-wait | jq -r .code)
expect_status 0 pm bob accept -n alice "$code"
contact_ready alice bob
ok "alice and bob are introduced"

# received NAME FROM N: wait until NAME holds N messages from FROM.
# Reaching an agent that has just come back can take a connect timeout
# (30 s) and a retry.
received() {
	for _i in $(seq 900); do
		[ "$(pm "$1" messages "$2" --json | jq '[.[] | select(.direction == "in")] | length')" -ge "$3" ] &&
		    return 0
		sleep 0.2
	done
	pm "$1" messages "$2" >&2 || :
	pm "$2" messages "$1" >&2 || :
	fail "$1 did not receive $3 messages from $2"
}
# got NAME FROM BODY: wait until NAME holds a message BODY from FROM.
got() {
	for _i in $(seq 900); do
		pm "$1" messages "$2" --json | jq -e --arg b "$3" \
		    'any(.[]; .direction == "in" and .body == $b)' >/dev/null &&
		    return 0
		sleep 0.2
	done
	fail "$1 did not receive '$3' from $2"
}
# outbox_empty NAME: every message NAME sent was acknowledged.
outbox_empty() {
	agent_wait "$1" '.outbox == 0' "${2:-120}"
}

# 1. Both ways, in order, delivered.
for i in 1 2 3; do pm alice send bob "a-to-b $i" >/dev/null; done
for i in 1 2 3; do pm bob send alice "b-to-a $i" >/dev/null; done
received bob alice 3
received alice bob 3
outbox_empty alice
outbox_empty bob
[ "$(pm bob messages alice --json | jq -r '[.[] | select(.direction == "in") | .body] | join(",")')" = \
    "a-to-b 1,a-to-b 2,a-to-b 3" ] || fail "bob got: $(pm bob messages alice)"
pm alice messages bob --json | jq -e '[.[] | select(.direction == "out")] |
    length == 3 and all(.state == "delivered" and .delivered != null)' >/dev/null ||
    fail "alice's messages are not all delivered: $(pm alice messages bob)"
expect_status 0 pm alice messages bob
expect_match "to bob \[delivered\]" "$out"
ok "messages both ways, in order, delivered"

# 2. The recipient is stopped while 20 messages are sent.
pm bob stop >/dev/null
cp "$TEST_TMP/bob/petmail.db" "$TEST_TMP/bob-before.db"
for i in $(seq 20); do pm alice send bob "offline $i" >/dev/null; done
pm alice status --json | jq -e '.outbox == 20' >/dev/null ||
    fail "the outbox does not hold the 20 messages"
# Capture one envelope as it waits in alice's outbox.
$PY -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
(env,) = db.execute("SELECT envelope FROM messages WHERE body = ?",
                    (b"offline 1",)).fetchone()
open(sys.argv[2], "wb").write(env)
' "$TEST_TMP/alice/petmail.db" "$TEST_TMP/captured.env"
[ -s "$TEST_TMP/captured.env" ] || fail "no envelope captured"
pm bob start >/dev/null
agent_wait bob .published 120
received bob alice 23
outbox_empty alice 180
[ "$(pm bob messages alice --json | jq '[.[] | select(.direction == "in" and (.body | startswith("offline ")))] | length')" = 20 ] ||
    fail "bob did not get exactly 20: $(pm bob messages alice)"
[ "$(pm bob messages alice --json | jq -r '[.[] | select(.direction == "in" and (.body | startswith("offline "))) | .body] | join(",")')" = \
    "$(seq -f 'offline %g' 1 20 | paste -sd, -)" ] || fail "out of order: $(pm bob messages alice)"
ok "20 messages to a stopped recipient arrive once each, in order"

# 3. Forward secrecy: bob's state copied after reading cannot open the
# captured envelope; the copy from before could.
sqlite3 "$TEST_TMP/bob/petmail.db" ".backup '$TEST_TMP/bob-after.db'"
expect_status 1 "$top_builddir/tests/fs-check" "$TEST_TMP/bob-after.db" alice "$TEST_TMP/captured.env"
expect_match "^rejected" "$out"
expect_status 0 "$top_builddir/tests/fs-check" "$TEST_TMP/bob-before.db" alice "$TEST_TMP/captured.env"
expect_match "^opened$" "$out"
ok "a copy of the state taken after reading cannot decrypt the envelope"

# 4. Replays, garbage, oversize, unknown tokens.
bob_onion=$(pm bob status --json | jq -r .address)
batch() {
	$PY -c '
import struct, sys
env = open(sys.argv[1], "rb").read()
if len(sys.argv) > 3:
    env = env[:2] + bytes(32) + env[34:]
open(sys.argv[2], "wb").write(bytes([1, 1]) + struct.pack(">I", len(env)) + env)
' "$@"
}
post() {
	curl -s --max-time 60 --socks5-hostname "127.0.0.1:$TORNET_SOCKS_PORT" \
	    -o "$TEST_TMP/post.out" -w '%{http_code}' --data-binary "@$1" \
	    -H 'Content-Type: application/octet-stream' "http://$bob_onion/v1/msg"
}
count_before=$(pm bob messages alice --json | jq length)
batch "$TEST_TMP/captured.env" "$TEST_TMP/replay.bin"
code=""
for i in $(seq 20); do code=$(post "$TEST_TMP/replay.bin") && [ "$code" = 200 ] && break; sleep 1; done
[ "$code" = 200 ] || fail "posting the replay: HTTP $code"
jq -e '.results[0].status == "replay"' "$TEST_TMP/post.out" >/dev/null ||
    fail "a replay was not refused: $(cat "$TEST_TMP/post.out")"
batch "$TEST_TMP/captured.env" "$TEST_TMP/unknown.bin" zero-token
[ "$(post "$TEST_TMP/unknown.bin")" = 200 ] && jq -e '.results[0].status == "rejected"' \
    "$TEST_TMP/post.out" >/dev/null || fail "an unknown token was not refused"
head -c 5000 /dev/urandom >"$TEST_TMP/garbage.bin"
[ "$(post "$TEST_TMP/garbage.bin")" = 400 ] || fail "garbage was not answered 400"
head -c 300000 /dev/zero >"$TEST_TMP/big.bin"
code=$(post "$TEST_TMP/big.bin") || :
[ "$code" = 413 ] || [ "$code" = 400 ] || fail "an oversized body was answered $code"
[ "$(pm bob messages alice --json | jq length)" = "$count_before" ] ||
    fail "bob's messages changed"
expect_status 0 pm bob status
ok "replays, garbage, oversized and unknown-token envelopes are refused"

# 5. Deletion leaves no plaintext in the state directory.
marker="marker-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
pm alice send bob "secret $marker" >/dev/null
got bob alice "secret $marker"
id=$(pm bob messages alice --json | jq -r --arg m "secret $marker" '.[] | select(.body == $m) | .id')
grep -rqa "$marker" "$TEST_TMP/bob" || fail "the marker is not even on disk before deletion"
expect_status 0 pm bob delete "$id"
expect_match "deleted 1 message" "$out"
! grep -rla "$marker" "$TEST_TMP/bob" || fail "plaintext left on disk after delete: $(grep -rla "$marker" "$TEST_TMP/bob")"
ok "a deleted message leaves no plaintext in any file of the agent"

# 6. The sender's tor is killed: delivery resumes.
kill -9 $(agent_tor_pids alice)
pm alice send bob "after tor died" >/dev/null
agent_wait alice '.tor.launches == 2 and .published' 120
got bob alice "after tor died"
outbox_empty alice 120
ok "delivery resumes after the sender's tor is killed"

# 7. The sender's agent is killed with SIGKILL in a burst: after a
# restart, every message it had queued arrives exactly once.
: >"$TEST_TMP/queued"
( for i in $(seq 40); do
	pm alice send bob "burst $i" >/dev/null 2>&1 && echo "burst $i" >>"$TEST_TMP/queued"
  done ) &
burst=$!
sleep 1
kill -9 $(agent_pids alice)
wait $burst || :
pm alice start >/dev/null
agent_wait alice .published 120
outbox_empty alice 180
n=$(wc -l <"$TEST_TMP/queued")
[ "$n" -gt 0 ] || fail "no message was queued before the kill"
pm bob messages alice --json | jq -r '.[] | select(.direction == "in" and (.body | startswith("burst "))) | .body' \
    >"$TEST_TMP/got"
[ "$(sort "$TEST_TMP/got" | uniq -d | wc -l)" = 0 ] || fail "duplicates: $(sort "$TEST_TMP/got" | uniq -d)"
missing=$(sort "$TEST_TMP/queued" | comm -23 - "$(sort "$TEST_TMP/got" >"$TEST_TMP/got.s"; echo "$TEST_TMP/got.s")")
[ -z "$missing" ] || fail "queued but never delivered: $missing"
ok "killed in a burst of $n queued messages: each delivered exactly once"
