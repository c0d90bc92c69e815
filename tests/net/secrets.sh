#!/bin/sh
# No secret in any log at the most verbose level: three agents log at
# debug while they go through a short-code introduction (on alice's
# rendezvous) and a direct one, exchange messages carrying a marker,
# delete one, reload and restart. Then no log (petmaild.log, tor's lines
# in it, the CLI's stderr) may hold the marker, a code or its words, an
# identity secret key, an onion or invitation onion private key, a
# ratchet state, a channel or rendezvous token, SPAKE2 entropy, or tor's
# control cookie, in hex or base64. The checker is shown to catch a
# marker and a key planted in a copy of a log.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
tornet_up || fail "no private Tor network"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CLI_ERR=$TEST_TMP/cli.stderr
: >"$CLI_ERR"
# Every petmail command's stderr is a log the user sees.
pmx() { pm "$@" 2>>"$CLI_ERR"; }

tornet_client_torrc "$TEST_TMP/client.torrc"
debug_agent() {
	_n=$1; shift
	agent_create "$_n" --extra-torrc "$TEST_TMP/client.torrc" --name "$_n" "$@"
	sed -i 's/^log_level = .*/log_level = debug/' "$TEST_TMP/$_n/petmail.conf"
	grep -q '^log_level = debug$' "$TEST_TMP/$_n/petmail.conf" ||
	    echo "log_level = debug" >>"$TEST_TMP/$_n/petmail.conf"
	agent_start "$_n"
}
debug_agent alice --serve rendezvous
agent_wait alice .published 120
RV=$(pmx alice status --json | jq -r .address)
debug_agent bob --rendezvous "$RV"
debug_agent carol --rendezvous "$RV"
for n in bob carol; do agent_wait $n .published 120; done
ok "three agents log at debug level"

# secrets_of_db DB LABEL: every secret in an agent's database, as
# "label<TAB>text" lines in hex, base64 and as stored.
SECRETS=$TEST_TMP/secrets.tsv
: >"$SECRETS"
secrets_of_db() {
	$PY - "$1" "$2" >>"$SECRETS" <<-'EOF'
	import base64, sqlite3, sys
	db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
	label = sys.argv[2]
	def emit(what, b):
	    if b is None or len(b) == 0:
	        return
	    if isinstance(b, str):
	        print("%s %s\t%s" % (label, what, b))
	        if b.startswith("ED25519-V3:"):
	            print("%s %s (base64)\t%s" % (label, what, b[11:]))
	        return
	    forms = {b.hex(), b.hex().upper(), base64.b64encode(b).decode(),
	             base64.urlsafe_b64encode(b).decode(),
	             base64.b64encode(b).decode().rstrip("=")}
	    for f in forms:
	        print("%s %s\t%s" % (label, what, f))
	for sk, key in db.execute("SELECT sign_sk, onion_key FROM identity"):
	    emit("identity secret key", sk)
	    emit("identity seed", sk[:32])
	    emit("onion key", key)
	for name, r, mine, theirs in db.execute("SELECT petname, ratchet, "
	        "my_token, their_token FROM contacts"):
	    emit("ratchet state of " + name, r)
	    emit("token for " + name, mine)
	    emit("token of " + name, theirs)
	for row in db.execute("SELECT code, token, onion_key, entropy, "
	        "ratchet_sk, my_token FROM invitations"):
	    code, tok, key, ent, rsk, mine = row
	    emit("invitation code", code)
	    if code:
	        words = code.split("-")[1:]
	        emit("invitation words", "-".join(words))
	        emit("invitation words", " ".join(words))
	    emit("rendezvous token", tok)
	    emit("invitation onion key", key)
	    emit("SPAKE2 entropy", ent)
	    emit("first ratchet key", rsk)
	    emit("invitation token", mine)
	EOF
}
secrets_of_tor() {
	_c=$TEST_TMP/$1/tor/control_auth_cookie
	[ -s "$_c" ] || fail "no control cookie for $1's tor"
	printf '%s tor control cookie\t%s\n' "$1" "$(od -An -tx1 "$_c" | tr -d ' \n')" >>"$SECRETS"
}

# A short code on alice's rendezvous: bob invites carol.
code1=$(pmx bob invite -n carol --json --no-wait | jq -r .code)
expect_match '^[0-9]+-[a-z]+-[a-z]+$' "$code1"
secrets_of_db "$TEST_TMP/bob/petmail.db" bob
# The code from standard input, as petmail(1) suggests.
printf '%s\n' "$code1" >"$TEST_TMP/code1"
expect_status 0 pmx carol accept -n bob - <"$TEST_TMP/code1"
secrets_of_db "$TEST_TMP/carol/petmail.db" carol
# A direct code: alice invites bob (its invitation onion's key is stored).
code2=$(pmx alice invite -n bob --direct --json --no-wait | jq -r .code)
secrets_of_db "$TEST_TMP/alice/petmail.db" alice
expect_status 0 pmx bob accept -n alice "$code2"
secrets_of_db "$TEST_TMP/bob/petmail.db" bob
for pair in "bob carol" "carol bob" "alice bob" "bob alice"; do
	set -- $pair
	for _i in $(seq 600); do
		pmx "$1" contacts --json | jq -e --arg n "$2" \
		    'any(.[]; .petname == $n and .state == "ready")' >/dev/null && break
		sleep 0.2
	done
	[ "$_i" -lt 600 ] || fail "$1 never got $2 as a contact"
done
ok "a short-code and a direct introduction"

marker="SECRET-MARKER-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
pmx alice send bob "from alice $marker" >/dev/null
pmx bob send carol "from bob $marker" >/dev/null
pmx carol send bob "from carol $marker" >/dev/null
for pair in "bob alice" "carol bob" "bob carol"; do
	set -- $pair
	for _i in $(seq 600); do
		pmx "$1" messages "$2" --json | jq -e --arg m "$marker" \
		    'any(.[]; .direction == "in" and (.body | contains($m)))' >/dev/null && break
		sleep 0.2
	done
	[ "$_i" -lt 600 ] || fail "$1 did not get the marked message from $2"
done
id=$(pmx bob messages alice --json | jq -r '.[] | select(.direction == "in") | .id' | tail -n 1)
expect_status 0 pmx bob delete "$id"
kill -HUP "$(cat "$TEST_TMP/bob/petmaild.pid")"
pmx bob stop >/dev/null
pmx bob start >/dev/null
agent_wait bob .published 120
pmx bob messages >/dev/null
ok "messages with a marker, a deletion, a reload and a restart"

# Everything secret, now that every contact is ready (ratchets, tokens).
for n in alice bob carol; do
	secrets_of_db "$TEST_TMP/$n/petmail.db" "$n"
	secrets_of_tor "$n"
done
printf 'marker\t%s\n' "$marker" >>"$SECRETS"
for c in "$code1" "$code2"; do
	printf 'code\t%s\n' "$c" >>"$SECRETS"
	printf 'code words\t%s\n' "${c#*-}" >>"$SECRETS"
	printf 'code words\t%s\n' "$(printf '%s' "${c#*-}" | tr - ' ')" >>"$SECRETS"
done
# The web page's secrets: an opener token, and the session cookie and
# CSRF token it is traded for, used for a read and a send; then a used
# token again (refused, and logged as refused).
ui_url=$(pmx carol open --no-browser --json | jq -r .url)
opener=${ui_url##*#t=}
origin=${ui_url%/#t=*}
expect_match '^[A-Za-z0-9_-]{43}$' "$opener"
curl -s -c "$TEST_TMP/ui.cookies" -H "Origin: $origin" \
    -H 'Content-Type: application/json' --data "{\"token\": \"$opener\"}" \
    "$origin/v1/ui/session" >"$TEST_TMP/ui.session" 2>>"$CLI_ERR"
csrf=$(jq -r .csrf "$TEST_TMP/ui.session")
expect_match '^[A-Za-z0-9_-]{43}$' "$csrf"
session=$(awk '$6 ~ /^petmail_/ { print $7 }' "$TEST_TMP/ui.cookies")
[ -n "$session" ] || fail "no session cookie from the web page"
curl -sf -b "$TEST_TMP/ui.cookies" -H "X-CSRF-Token: $csrf" \
    "$origin/v1/contacts" >/dev/null || fail "the web page's session does not work"
curl -sf -b "$TEST_TMP/ui.cookies" -H "X-CSRF-Token: $csrf" -H "Origin: $origin" \
    -H 'Content-Type: application/json' \
    --data "{\"petname\": \"bob\", \"text\": \"by the page $marker\"}" \
    "$origin/v1/send" >/dev/null || fail "cannot send through the web page"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $origin" \
    -H 'Content-Type: application/json' --data "{\"token\": \"$opener\"}" \
    "$origin/v1/ui/session")" = 403 ] || fail "a used opener token was accepted"
printf 'web page opener token\t%s\n' "$opener" >>"$SECRETS"
printf 'web page session cookie\t%s\n' "$session" >>"$SECRETS"
printf 'web page CSRF token\t%s\n' "$csrf" >>"$SECRETS"
sort -u "$SECRETS" -o "$SECRETS"
for what in "identity secret key" "identity seed" "onion key" "ratchet state" \
    "token for" "invitation onion key" "SPAKE2 entropy" "rendezvous token" \
    "first ratchet key" "tor control cookie" "marker" "code words" \
    "web page opener token" "web page session cookie" "web page CSRF token"; do
	grep -q "$what" "$SECRETS" || fail "no $what among the secrets"
done
n_secrets=$(wc -l <"$SECRETS")
[ "$n_secrets" -ge 40 ] || fail "only $n_secrets secrets collected"
awk -F '\t' 'length($2) < 8 { print "short secret: " $0; bad = 1 } END { exit bad }' \
    "$SECRETS" || fail "a secret too short to search for"
cut -f2 "$SECRETS" >"$TEST_TMP/needles"

# leaks FILE...: print every secret found in the files, by label.
leaks() {
	grep -aoHF -f "$TEST_TMP/needles" "$@" 2>/dev/null | sort -u |
	while IFS= read -r hit; do
		_f=${hit%%:*}
		_s=${hit#*:}
		printf '%s: %s\n' "$_f" "$(awk -F '\t' -v s="$_s" '$2 == s { print $1; exit }' "$SECRETS")"
	done
}

# The checker catches what is there: a marker and a key planted in a copy.
cp "$TEST_TMP/bob/petmaild.log" "$TEST_TMP/planted.log"
echo "planted: $marker" >>"$TEST_TMP/planted.log"
sk_hex=$(awk -F '\t' '$1 == "bob identity secret key" && $2 ~ /^[0-9a-f]+$/ { print $2; exit }' "$SECRETS")
[ -n "$sk_hex" ] || fail "no hex identity key for bob among the secrets"
echo "planted key $sk_hex" >>"$TEST_TMP/planted.log"
found=$(leaks "$TEST_TMP/planted.log")
expect_match "planted.log: marker" "$found"
expect_match "planted.log: bob identity secret key" "$found"
ok "the checker finds a marker and a key planted in a copy of a log"

# The real logs: every agent's log (tor's lines are in it) and the CLI's.
logs="$CLI_ERR"
for n in alice bob carol; do
	logs="$logs $TEST_TMP/$n/petmaild.log"
	for f in $(find "$TEST_TMP/$n" -name '*.log' ! -name petmaild.log); do
		logs="$logs $f"
	done
done
for f in $logs; do
	[ -s "$f" ] || [ "$f" = "$CLI_ERR" ] || fail "log $f is empty"
done
grep -q '\[debug\]' "$TEST_TMP/bob/petmaild.log" || fail "bob did not log at debug level"
grep -q '\[debug\] tor: ' "$TEST_TMP/bob/petmaild.log" || fail "tor's own lines are not in the log"
found=$(leaks $logs)
[ -z "$found" ] || fail "secrets in the logs: $found"
ok "no secret of $n_secrets in $(cat $logs | wc -l) log lines at debug level"
