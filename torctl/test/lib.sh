# Helpers for torctl's shell tests; source after tests/lib/common.sh.

# start_tor DIR: run a tor with DisableNetwork 1 whose control port is a
# unix socket DIR/c.sock plus a TCP port on 127.0.0.1 (written to
# DIR/port); sets tor_pid and registers its cleanup.
start_tor() {
	_d=$1
	cat > "$_d/torrc" <<EOT
DataDirectory $_d
ControlPort unix:$_d/c.sock
ControlPort 127.0.0.1:auto
ControlPortWriteToFile $_d/port
SocksPort 0
CookieAuthentication 1
DisableNetwork 1
Log notice stdout
__OwningControllerProcess $$
EOT
	"$TOR" -f "$_d/torrc" --defaults-torrc /dev/null >"$_d/tor.log" 2>&1 &
	tor_pid=$!
	at_exit "kill $tor_pid 2>/dev/null; wait $tor_pid 2>/dev/null"
	_i=0
	until [ -S "$_d/c.sock" ] && [ -s "$_d/port" ]; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] ||
		    fail "tor did not start: $(tail -5 "$_d/tor.log")"
		kill -0 $tor_pid 2>/dev/null ||
		    fail "tor exited: $(tail -5 "$_d/tor.log")"
		sleep 0.1
	done
}
