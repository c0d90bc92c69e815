#!/bin/sh
# Bad days, on the private network: the wall clock jumping forward and
# back under a running agent (libfaketime, for petmaild only: its tor
# keeps the real clock); a disk that fills up under an agent (a small
# tmpfs) and frees again; a database file made read-only; a damaged
# database file and a damaged session row; and SIGKILL at random moments
# of a two-way burst, again and again. After each: nothing stored is
# lost, nothing is delivered twice, and the agents say clearly what is
# wrong while it is wrong.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"

FAKETIME_LIB=""
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -e "$f" ] && FAKETIME_LIB=$f && break
done
[ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (Debian package faketime)"
[ "$(id -u)" = 0 ] || skip "the disk and read-only faults need root (mount)"

# in NAME FROM: the bodies NAME holds from FROM, oldest first.
in_bodies() {
	pm "$1" messages "$2" --json |
	    jq -r '.[] | select(.direction == "in") | .body'
}
has_in() {	# NAME FROM COUNT PREFIX
	[ "$(in_bodies "$1" "$2" | grep -c "^$4")" -ge "$3" ]
}
outbox_empty() { agent_wait "$1" '.outbox == 0' "${2:-180}"; }
quick_retries() {
	echo "retry_cap = 3s" >>"$TEST_TMP/$1/petmail.conf"
}

# 1. The clock. Alice's petmaild runs under libfaketime, with its tor
# started through a wrapper that takes libfaketime away again.
cat >"$TEST_TMP/realtime-tor" <<EOF
#!/bin/sh
unset LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE FAKETIME_DONT_FAKE_MONOTONIC
exec "$TOR" "\$@"
EOF
chmod +x "$TEST_TMP/realtime-tor"
echo "+0" >"$TEST_TMP/faketime"
faked() {
	env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$TEST_TMP/faketime" \
	    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    PETMAIL_TOR="$TEST_TMP/realtime-tor" "$@"
}
tornet_client_torrc "$TEST_TMP/client.torrc"
for n in alice bob; do
	agent_create $n --extra-torrc "$TEST_TMP/client.torrc" --name $n
	quick_retries $n
done
faked "$PETMAIL" -d "$TEST_TMP/alice" start >/dev/null || fail "start alice under faketime"
at_exit "agent_stop_quietly alice"
agent_start bob
for n in alice bob; do agent_wait $n .published 120; done
code=$(pm alice invite -n bob --json --no-wait | jq -r .code)
expect_status 0 pm bob accept -n alice "$code"
contact_ready alice bob
pm alice send bob "warm up" >/dev/null
wait_for 120 has_in bob alice 1 "warm up" || fail "bob did not get alice's first message"
outbox_empty alice

pm bob stop >/dev/null
for i in 1 2 3; do pm alice send bob "clock $i" >/dev/null; done
# A week and a day later, by alice's clock: past the 7-day expiry.
echo "+8d" >"$TEST_TMP/faketime"
pm alice status >/dev/null	# the agent looks at its clock, as on any call
pm alice retry >/dev/null	# and tries again at once
wait_for 60 grep -q "clock jumped +" "$TEST_TMP/alice/petmaild.log" || {
	tail -n 20 "$TEST_TMP/alice/petmaild.log" >&2
	fail "alice did not notice her clock jump forward"
}
sleep 4		# a few more tries under the new clock
pm alice messages bob --json | jq -e '[.[] | select(.direction == "out" and
    (.body | startswith("clock ")))] | length == 3 and
    all(.state == "queued" or .state == "sent")' >/dev/null ||
    fail "the jump forward expired messages: $(pm alice messages bob)"
ok "a clock jump of eight days forward expires nothing"

# Back to a day before the real time: nine days back in one step. Retries
# due in seconds must not wait for nine days.
echo "-1d" >"$TEST_TMP/faketime"
pm alice status >/dev/null
wait_for 60 grep -q "clock jumped -" "$TEST_TMP/alice/petmaild.log" || {
	tail -n 20 "$TEST_TMP/alice/petmaild.log" >&2
	fail "alice did not notice her clock jump back"
}
pm bob start >/dev/null
agent_wait bob .published 120
wait_for 180 has_in bob alice 3 "clock " ||
    fail "delivery stalled after the clock went back: $(pm alice messages bob)"
outbox_empty alice
[ "$(in_bodies bob alice | grep '^clock ' | paste -sd,)" = "clock 1,clock 2,clock 3" ] ||
    fail "after the jumps bob holds: $(in_bodies bob alice | paste -sd,)"
# A restart under the same (wrong) clock is no new jump.
jumps=$(grep -c "clock jumped" "$TEST_TMP/alice/petmaild.log")
pm alice stop >/dev/null
faked "$PETMAIL" -d "$TEST_TMP/alice" start >/dev/null || fail "restart alice"
agent_wait alice .published 120
[ "$(grep -c "clock jumped" "$TEST_TMP/alice/petmaild.log")" = "$jumps" ] ||
    fail "a restart counted the same jump again"
ok "a clock jump back delays nothing; each message arrives once, in order"

# Alice runs on the real clock again from here (a jump her agent sees at
# start and handles like any other).
pm alice stop >/dev/null
agent_start alice
agent_wait alice .published 120

# 2. A full disk. Carol's state directory is a small tmpfs.
mkdir -p "$TEST_TMP/small"
mount -t tmpfs -o size=40m,mode=0700 petmail-test "$TEST_TMP/small" ||
    fail "cannot mount a tmpfs for the disk-full test"
at_exit "umount -l '$TEST_TMP/small' 2>/dev/null || :"
agent_create small/carol --extra-torrc "$TEST_TMP/client.torrc" --name carol
quick_retries small/carol
agent_start small/carol
agent_wait small/carol .published 120
code=$(pm small/carol invite -n alice --json --no-wait | jq -r .code)
expect_status 0 pm alice accept -n carol "$code"
wait_for 120 sh -c "'$PETMAIL' -d '$TEST_TMP/small/carol' contacts --json |
    jq -e 'all(.[]; .state == \"ready\")'" || fail "carol's introduction did not finish"
for i in 1 2 3; do pm small/carol send alice "stored $i" >/dev/null; done
pm alice send carol "before full" >/dev/null
wait_for 120 has_in small/carol alice 1 "before full" || fail "carol did not get alice's message"
outbox_empty small/carol
before=$(pm small/carol messages --json | jq length)

# Fill it: big blocks, then small ones, until nothing more fits.
dd if=/dev/zero of="$TEST_TMP/small/filler" bs=1M 2>/dev/null || :
dd if=/dev/zero of="$TEST_TMP/small/filler2" bs=512 2>/dev/null || :
refused=""
queued_full=0
for i in $(seq 300); do
	if out=$(pm small/carol send alice "while full $i" 2>&1); then
		queued_full=$i
	else
		refused=$out
		break
	fi
done
[ -n "$refused" ] || fail "carol queued 300 messages on a full disk"
expect_match "disk full|cannot store" "$refused"
expect_status 0 pm small/carol status
# Alice sends to carol meanwhile: carol cannot store it and says so; alice
# keeps it (queued, never failed) and tries again.
pm alice send carol "to a full disk" >/dev/null
wait_for 60 sh -c "'$PETMAIL' -d '$TEST_TMP/alice' messages carol --json |
    jq -e '.[-1].error != null'" || fail "alice did not see carol's refusal"
pm alice messages carol --json | jq -e '.[-1].state != "failed" and
    .[-1].state != "delivered"' >/dev/null ||
    fail "a message to a full disk was given up: $(pm alice messages carol)"
[ "$(pm small/carol messages --json | jq length)" -ge "$before" ] ||
    fail "carol lost messages on the full disk"
ok "a full disk refuses new work clearly and loses nothing (queued $queued_full first)"

rm -f "$TEST_TMP/small/filler" "$TEST_TMP/small/filler2"
wait_for 120 has_in small/carol alice 1 "to a full disk" ||
    fail "alice's message did not reach carol once space came back"
outbox_empty alice
expect_status 0 pm small/carol send alice "space again"
wait_for 120 has_in alice carol 1 "space again" || fail "carol cannot send again"
outbox_empty small/carol
[ "$(in_bodies alice carol | sort | uniq -d | wc -l)" = 0 ] ||
    fail "duplicates at alice: $(in_bodies alice carol | sort | uniq -d)"
[ "$(in_bodies small/carol alice | grep -c '^to a full disk$')" = 1 ] ||
    fail "carol holds the message from alice more than once"
[ "$(in_bodies alice carol | grep -c '^while full ')" = "$queued_full" ] ||
    fail "alice did not get the $queued_full messages carol queued while full"
ok "when space returns, everything waiting is delivered once"

# 3. The database file made read-only: a clear refusal, nothing changed.
pm small/carol stop >/dev/null
wait_for 30 sh -c "[ -z \"\$(pgrep -f 'petmaild (-f )?-d $TEST_TMP/small/carol\$')\" ]" || :
db=$TEST_TMP/small/carol/petmail.db
sum=$(sha256sum <"$db")
mount --bind "$db" "$db" && mount -o remount,bind,ro "$db" ||
    fail "cannot make the database read-only"
at_exit "umount '$db' 2>/dev/null || :"
expect_status 1 pm small/carol start
expect_match "cannot be written|read-only" "$out"
[ "$(sha256sum <"$db")" = "$sum" ] || fail "the read-only database changed"
umount "$db"
ok "a read-only database is refused clearly at start"

# 4. A damaged database file: refused, and kept as it is for recovery.
cp "$db" "$TEST_TMP/carol-good.db"
# The page that holds the messages table: damage there is damage to data.
psize=$(sqlite3 "$db" "PRAGMA page_size")
root=$(sqlite3 "$db" "SELECT rootpage FROM sqlite_master WHERE name = 'messages'")
[ "$root" -gt 1 ] || fail "cannot find the messages table's page"
dd if=/dev/urandom of="$db" bs="$psize" seek=$((root - 1)) count=1 conv=notrunc 2>/dev/null
sum=$(sha256sum <"$db")
expect_status 1 pm small/carol start
expect_match "damaged|corrupt|malformed" "$out"
[ "$(sha256sum <"$db")" = "$sum" ] || fail "the damaged database was written to"
cp "$TEST_TMP/carol-good.db" "$db"
agent_start small/carol
[ "$(pm small/carol messages --json | jq length)" -ge "$before" ] ||
    fail "carol's messages are not all back"
ok "a damaged database is refused clearly and left untouched"

# A damaged row: carol's session with alice. Sending to alice waits and
# says why; the agent runs on and serves what it can.
pm small/carol stop >/dev/null
wait_for 30 sh -c "[ -z \"\$(pgrep -f 'petmaild (-f )?-d $TEST_TMP/small/carol\$')\" ]" || :
sqlite3 "$db" "UPDATE contacts SET ratchet = x'0102030405' WHERE petname = 'alice'"
agent_start small/carol
expect_status 0 pm small/carol send alice "into a damaged session"
wait_for 30 sh -c "'$PETMAIL' -d '$TEST_TMP/small/carol' messages alice --json |
    jq -e '.[-1].error | test(\"damaged\")'" ||
    fail "no clear error for a damaged session: $(pm small/carol messages alice --json | jq -c '.[-1]')"
expect_status 0 pm small/carol messages alice
expect_status 0 pm small/carol status
ok "a damaged session is reported on its messages, and the agent runs on"
pm small/carol stop >/dev/null

# 5. SIGKILL at random moments of a two-way burst, many times over.
: >"$TEST_TMP/sent.alice"
: >"$TEST_TMP/sent.bob"
sender() {	# FROM TO
	_i=0
	while [ ! -e "$TEST_TMP/stop-senders" ]; do
		_i=$((_i + 1))
		if pm "$1" send "$2" "kill $1 $_i" >/dev/null 2>&1; then
			echo "kill $1 $_i" >>"$TEST_TMP/sent.$1"
		else
			sleep 0.3
		fi
	done
}
sender alice bob &
s1=$!
at_exit "touch '$TEST_TMP/stop-senders'; tornet_kill $s1"
sender bob alice &
s2=$!
at_exit "tornet_kill $s2"
rounds=10
for r in $(seq $rounds); do
	sleep "$(awk -v s="$r$$" 'BEGIN { srand(s); printf "%.1f", 0.5 + rand() * 3 }')"
	victim=$( [ $(( $(od -An -N1 -tu1 /dev/urandom) % 2 )) = 0 ] && echo alice || echo bob)
	for p in $(agent_pids $victim); do kill -9 "$p"; done
	for _i in $(seq 50); do [ -z "$(agent_pids $victim)" ] && break; sleep 0.1; done
	# Its tor follows on its own (it is owned); start the agent again.
	for _i in $(seq 50); do [ -z "$(agent_tor_pids $victim)" ] && break; sleep 0.1; done
	pm $victim start >/dev/null || fail "restart $victim after SIGKILL (round $r)"
done
touch "$TEST_TMP/stop-senders"
wait "$s1" "$s2" 2>/dev/null || :
for n in alice bob; do agent_wait $n .published 120; done
outbox_empty alice 300
outbox_empty bob 300
check_burst() {	# FROM TO
	in_bodies "$2" "$1" | grep "^kill $1 " >"$TEST_TMP/got.$1" || :
	[ "$(sort "$TEST_TMP/got.$1" | uniq -d | wc -l)" = 0 ] ||
	    fail "$2 got duplicates from $1: $(sort "$TEST_TMP/got.$1" | uniq -d | head -3)"
	# Everything send confirmed arrived.
	missing=$(sort "$TEST_TMP/sent.$1" | comm -23 - "$(sort "$TEST_TMP/got.$1" >"$TEST_TMP/got.$1.s"; echo "$TEST_TMP/got.$1.s")")
	[ -z "$missing" ] || fail "$1 -> $2: confirmed but never delivered: $(echo $missing | head -c 200)"
	# And in the order it was sent.
	sed 's/.* //' "$TEST_TMP/got.$1" >"$TEST_TMP/got.$1.n"
	sort -n "$TEST_TMP/got.$1.n" | cmp -s - "$TEST_TMP/got.$1.n" ||
	    fail "$1 -> $2 out of order: $(paste -sd, "$TEST_TMP/got.$1.n" | head -c 300)"
	wc -l <"$TEST_TMP/got.$1"
}
na=$(check_burst alice bob)
nb=$(check_burst bob alice)
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || fail "the burst sent nothing ($na, $nb)"
ok "$rounds SIGKILLs in a two-way burst: $na and $nb messages, each delivered once, in order"
