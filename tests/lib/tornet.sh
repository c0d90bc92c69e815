# Helpers for tests on petmail's private Tor network (contrib/tornet).
# Source after common.sh:
#   . "$top_srcdir/tests/lib/common.sh"
#   . "$top_srcdir/tests/lib/tornet.sh"
#
# tornet_up                 join the running network named by $TORNET_DIR
#                           (set by tests/network.tap for its scenarios) or
#                           $PETMAIL_TORNET, else start one in $TEST_TMP/tornet
#                           that is stopped on exit; sets and exports the
#                           TORNET_* variables below. Returns 1 if it fails.
# tornet_client_torrc FILE  write the torrc lines that join the network
# tornet_tor NAME           start an extra tor on the network in
#                           $TEST_TMP/tor-NAME (0700), stopped on exit; sets
#                           TOR_DIR TOR_CONTROL TOR_SOCKS TOR_COOKIE TOR_LOG
#                           TOR_PID
# tornet_tor_bootstrapped NAME [SECONDS]   wait for that tor's 100 %
# tornet_agent NAME [OPTS]  create (with OPTS for petmail create) and start
#                           an agent in $TEST_TMP/NAME joined to the
#                           network (tests/lib/agent.sh: source it first);
#                           wait for it with agent_wait NAME .published
# tornet_kill PID           stop a child process: SIGTERM, SIGKILL after 10 s
#
# TORNET_DIR            the network's directory
# TORNET_SOCKS_PORT     the network client's SOCKS port on 127.0.0.1
# TORNET_SOCKS_SOCKET   the same as a unix socket
# TORNET_CONTROL_PORT, TORNET_CONTROL_SOCKET, TORNET_COOKIE
#                       the network client's control port (cookie auth)
# TORNET_CLIENT_TORRC   the file tornet_client_torrc copies

TORNET_CMD="$top_srcdir/contrib/tornet"
: "${TOR:=tor}"

tornet() { bash "$TORNET_CMD" "$@"; }

tornet_load() {
	. "$1/env"
	export TORNET_DIR TORNET_SOCKS_PORT TORNET_SOCKS_SOCKET \
	    TORNET_CONTROL_PORT TORNET_CONTROL_SOCKET TORNET_COOKIE \
	    TORNET_CLIENT_TORRC
}

tornet_up() {
	for _d in "${TORNET_DIR:-}" "${PETMAIL_TORNET:-}"; do
		[ -n "$_d" ] || continue
		if tornet status "$_d" >/dev/null 2>&1; then
			tornet_load "$_d"
			return 0
		fi
		echo "tornet: no network running in $_d, starting one" >&2
	done
	# The network's keeper (`start --foreground`) is our child, so that
	# we reap it and its tors exit with us (--owner). On exit, stop the
	# network, then the keeper if it still runs (it stops what it started).
	_d=$TEST_TMP/tornet
	mkdir -p "$_d"
	TOR=$TOR tornet start --foreground --owner $$ "$_d" \
	    </dev/null >"$_d/start.log" 2>&1 &
	_tornet_keeper=$!
	at_exit "tornet stop '$_d' >/dev/null 2>&1 || :; tornet_kill $_tornet_keeper"
	until [ -f "$_d/ready" ]; do
		if ! _alive "$_tornet_keeper"; then
			cat "$_d/start.log"
			return 1
		fi
		sleep 0.2
	done
	cat "$_d/start.log"
	tornet_load "$_d"
}

tornet_client_torrc() {
	tornet client-torrc "$TORNET_DIR" >"$1"
}

# _alive PID: PID exists and is not a zombie.
_alive() {
	[ -r "/proc/$1/stat" ] &&
	    [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}

tornet_kill() {
	kill -TERM "$1" 2>/dev/null || return 0
	_n=0
	while _alive "$1" && [ $_n -lt 100 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	if _alive "$1"; then
		echo "tornet_kill: $1 ignored SIGTERM, killing it" >&2
		kill -KILL "$1" 2>/dev/null || :
	fi
	wait "$1" 2>/dev/null || :
}

tornet_tor() {
	TOR_DIR=$TEST_TMP/tor-$1
	mkdir -p "$TOR_DIR"
	chmod 700 "$TOR_DIR"
	TOR_CONTROL=$TOR_DIR/control
	TOR_SOCKS=$TOR_DIR/socks
	TOR_COOKIE=$TOR_DIR/control_auth_cookie
	TOR_LOG=$TOR_DIR/notice.log
	tornet_client_torrc "$TOR_DIR/torrc"
	cat >>"$TOR_DIR/torrc" <<-EOF
	DataDirectory $TOR_DIR/data
	ControlPort unix:$TOR_CONTROL
	SocksPort unix:$TOR_SOCKS ExtendedErrors
	CookieAuthentication 1
	CookieAuthFile $TOR_COOKIE
	Log notice file $TOR_LOG
	SafeLogging 0
	GeoIPFile /dev/null
	GeoIPv6File /dev/null
	__OwningControllerProcess $$
	EOF
	"$TOR" -f "$TOR_DIR/torrc" --hush </dev/null >"$TOR_DIR/stdout.log" 2>&1 &
	TOR_PID=$!
	echo "$TOR_PID" >"$TOR_DIR/pid"
	at_exit "tornet_kill $TOR_PID"
	_n=0
	until [ -S "$TOR_CONTROL" ] && [ -s "$TOR_COOKIE" ]; do
		_alive "$TOR_PID" && [ $_n -lt 300 ] ||
		    fail "tor $1 did not open its control socket: $(cat "$TOR_DIR/stdout.log" "$TOR_LOG" 2>/dev/null)"
		sleep 0.1
		_n=$((_n + 1))
	done
}

tornet_tor_bootstrapped() {
	_log=$TEST_TMP/tor-$1/notice.log
	_n=0
	until grep -q 'Bootstrapped 100%' "$_log" 2>/dev/null; do
		[ $_n -lt $((${2:-60} * 10)) ] ||
		    fail "tor $1 not bootstrapped after ${2:-60} s: $(tail -n 20 "$_log")"
		sleep 0.1
		_n=$((_n + 1))
	done
}

tornet_agent() {
	_name=$1; shift
	[ -f "$TEST_TMP/client.torrc" ] ||
	    tornet_client_torrc "$TEST_TMP/client.torrc"
	agent_create "$_name" --extra-torrc "$TEST_TMP/client.torrc" "$@"
	agent_start "$_name"
}
