#!/bin/sh
# Nothing leaves except through Tor: three agents run under strace while
# they introduce themselves (a short code through a rendezvous agent and
# a direct code) and exchange messages both ways. Every connect, bind,
# sendto and sendmsg of each petmaild (not of the tor it starts, which
# strace also sees and which is told apart by its execve) is checked:
# connections only to the agent's own tor's unix sockets, binds only to
# unix sockets in the state directory or to 127.0.0.1 (the web page),
# no datagram to anywhere, and no name resolution (no resolver file
# opened, no socket to port 53).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e
command -v strace >/dev/null 2>&1 || skip "strace is not installed"
strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
tornet_up || fail "no private Tor network"

# traced NAME [create options]: create an agent and run its petmaild in
# the foreground under strace, writing $TEST_TMP/NAME.strace.
traced() {
	_n=$1; shift
	[ -f "$TEST_TMP/client.torrc" ] ||
	    tornet_client_torrc "$TEST_TMP/client.torrc"
	agent_create "$_n" --extra-torrc "$TEST_TMP/client.torrc" "$@"
	strace -f -qq -s 256 -o "$TEST_TMP/$_n.strace" \
	    -e trace=connect,bind,listen,sendto,sendmsg,execve,openat,open \
	    "$PETMAILD" -f -d "$TEST_TMP/$_n" >"$TEST_TMP/$_n.out" 2>&1 &
	at_exit "agent_stop_quietly $_n"
	for _i in $(seq 100); do
		[ -S "$TEST_TMP/$_n/petmaild.sock" ] &&
		    pm "$_n" status >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	cat "$TEST_TMP/$_n.out" >&2
	fail "petmaild $_n did not start under strace"
}

traced rv --serve rendezvous
agent_wait rv .published 120
RV=$(pm rv status --json | jq -r .address)
traced alice --name alice --rendezvous "$RV"
traced bob --name bob --rendezvous "$RV"
traced carol --name carol
for n in alice bob carol; do agent_wait $n .published 120; done
ok "four agents run under strace"

code=$(pm alice invite -n bob --json --no-wait | jq -r .code)
expect_status 0 pm bob accept -n alice "$code"
contact_ready alice bob
code=$(pm carol invite -n alice --direct --json --no-wait | jq -r .code)
expect_status 0 pm alice accept -n carol "$code"
# The inviter of a --no-wait invitation finishes in the background.
for _i in $(seq 900); do
	pm carol contacts --json | jq -e 'length == 1 and all(.[]; .state == "ready")' \
	    >/dev/null && break
	sleep 0.2
done
[ "$_i" -lt 900 ] || fail "carol's introduction did not finish"
pm alice send bob "to bob" >/dev/null
pm bob send alice "to alice" >/dev/null
pm alice send carol "to carol" >/dev/null
for pair in "bob alice" "alice bob" "carol alice"; do
	set -- $pair
	for _i in $(seq 900); do
		[ "$(pm "$1" messages "$2" --json | jq '[.[] | select(.direction == "in")] | length')" -ge 1 ] &&
		    break
		sleep 0.2
	done
	[ "$_i" -lt 900 ] || fail "$1 did not receive a message from $2"
done
ok "introductions and messages under strace"

for n in rv alice bob carol; do
	pm $n stop >/dev/null
done
for n in rv alice bob carol; do
	for _i in $(seq 100); do
		[ -z "$(agent_pids $n)" ] && break
		sleep 0.2
	done
done

# check NAME: the petmaild's own system calls, without its tor's.
check() {
	_dir=$TEST_TMP/$1
	awk -v dir="$_dir" '
	# strace -f lines: PID syscall(args) = result
	{ pid = $1 }
	/ execve\(/ {
		if ($0 ~ /execve\("[^"]*tor"/) tor[pid] = 1
		next
	}
	tor[pid] { next }
	/ (open|openat)\(/ {
		if ($0 ~ /"\/etc\/(resolv\.conf|hosts|nsswitch\.conf|gai\.conf)"/)
			{ print "resolver file: " $0; bad = 1 }
		next
	}
	/ connect\(/ {
		if ($0 ~ /sa_family=AF_UNIX, sun_path="/ &&
		    index($0, "sun_path=\"" dir "/tor/") > 0)
			next
		print "connect: " $0; bad = 1; next
	}
	/ bind\(/ {
		if ($0 ~ /sa_family=AF_UNIX, sun_path="/ &&
		    index($0, "sun_path=\"" dir "/") > 0)
			next
		if ($0 ~ /sa_family=AF_INET, sin_port=htons\([0-9]+\), sin_addr=inet_addr\("127\.0\.0\.1"\)/)
			next
		print "bind: " $0; bad = 1; next
	}
	/ listen\(/ { next }
	/ (sendto|sendmsg)\(/ {
		# Only on connected sockets (no address): those are the
		# unix sockets checked above. strace ends a call it has to
		# interrupt (its tor ran meanwhile) with "<unfinished ...>"
		# after the arguments, the address included.
		if ($0 ~ /sendto\([0-9]+, .*, NULL, 0(\)| <unfinished \.\.\.>)/ ||
		    ($0 ~ /sendmsg\(/ && ($0 !~ /msg_name=/ ||
		    $0 ~ /msg_name=NULL/)))
			next
		print "send: " $0; bad = 1; next
	}
	END { exit bad }
	' "$TEST_TMP/$1.strace" >"$TEST_TMP/$1.bad" || {
		head -n 20 "$TEST_TMP/$1.bad" >&2
		fail "$1: petmaild did something outside its tor"
	}
	# The trace is not empty: it saw the agent talk to its tor.
	grep -q "connect(.*sun_path=\"$_dir/tor/control.sock\"" \
	    "$TEST_TMP/$1.strace" || fail "$1: no connection to its tor seen"
}
for n in rv alice bob carol; do
	check $n
done
grep -q "connect(.*sun_path=\"$TEST_TMP/alice/tor/socks.sock\"" \
    "$TEST_TMP/alice.strace" || fail "alice: no SOCKS connection seen"
ok "every petmaild connected only to its own tor and resolved nothing"

# The checker itself: a trace with a TCP connect must fail it.
cp "$TEST_TMP/alice.strace" "$TEST_TMP/x.strace"
echo '999999 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("192.0.2.1")}, 16) = 0' \
    >>"$TEST_TMP/x.strace"
cp -r "$TEST_TMP/alice" "$TEST_TMP/x" 2>/dev/null || :
( check x ) >/dev/null 2>&1 && fail "the checker accepted a TCP connect"
ok "the checker rejects a connection that bypasses tor"
