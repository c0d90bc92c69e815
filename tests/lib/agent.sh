# Helpers for tests that run petmail agents. Source after common.sh.
#   agent_create NAME [create options]   make an agent in $TEST_TMP/NAME
#   agent_start NAME                      start it; stopped at exit
#   agent_wait NAME JQ-EXPR [SECS]        wait until status --json matches
#   contact_is_ready NAME PETNAME         NAME has PETNAME, ready, now
#   contact_ready NAME PETNAME [SECS]     wait until it has, or fail
#   agent_tor_pids NAME                   pids of that agent's tor
#   wait_gone PID [SECS]                  until PID has exited, or fail
# Each agent's directory is $TEST_TMP/NAME; `pm NAME args` runs petmail.

pm() {
	_name=$1; shift
	"$PETMAIL" -d "$TEST_TMP/$_name" "$@"
}

agent_create() {
	_name=$1; shift
	pm "$_name" create "$@" >/dev/null || fail "petmail create $_name"
}

agent_stop_quietly() {
	if [ -S "$TEST_TMP/$1/petmaild.sock" ]; then
		pm "$1" stop >/dev/null 2>&1 || :
	fi
	# Whatever happened, leave no process of this agent behind.
	for _pid in $(agent_pids "$1") $(agent_tor_pids "$1"); do
		kill -9 "$_pid" 2>/dev/null || :
	done
}

agent_start() {
	pm "$1" start >/dev/null || fail "petmail start $1"
	at_exit "agent_stop_quietly $1"
}

# agent_wait NAME EXPR [SECS]: poll until `status --json | jq -e EXPR`.
agent_wait() {
	_deadline=$(( $(date +%s) + ${3:-60} ))
	while [ "$(date +%s)" -le "$_deadline" ]; do
		if pm "$1" status --json 2>/dev/null | jq -e "$2" >/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	pm "$1" status >&2 || :
	fail "agent $1: timed out waiting for $2"
}

# contact_ready NAME PETNAME [SECS]: the side that accepts a code is done
# first; the inviter (of a --no-wait invitation, in the background)
# finishes a moment later, when the last message of the exchange reaches
# it. Until then its contact is "pending" and it cannot write to it.
contact_is_ready() {
	pm "$1" contacts --json | jq -e --arg n "$2" \
	    'any(.[]; .petname == $n and .state == "ready")'
}
contact_ready() {
	wait_for "${3:-60}" contact_is_ready "$1" "$2" && return 0
	pm "$1" contacts >&2 || :
	fail "agent $1: $2 is not a ready contact"
}

agent_pids() {
	pgrep -f "petmaild (-f )?-d $TEST_TMP/$1\$" || :
}

agent_tor_pids() {
	pgrep -f "tor.* -f $TEST_TMP/$1/tor/torrc" || :
}

wait_gone() {
	_n=$(( ${2:-10} * 10 ))
	while [ "$_n" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	! kill -0 "$1" 2>/dev/null || fail "process $1 is still running"
}
