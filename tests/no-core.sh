#!/bin/sh
# petmaild keeps its secrets in its own memory: no core dumps (RLIMIT_CORE
# 0, for its tor too) and non-dumpable, so that another process of the
# same user can neither ptrace it nor read its memory. Checked from
# outside: /proc/PID/limits, and opening /proc/PID/mem (the kernel's
# ptrace-attach check) that is refused for the agent but allowed for a
# control process started the same way. As root (which may read any process through
# CAP_SYS_PTRACE) both processes and the reader run without that
# capability (setpriv), so that only dumpability tells them apart.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
set -e

if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is missing"
	setpriv --bounding-set=-sys_ptrace true 2>/dev/null ||
	    skip "cannot drop CAP_SYS_PTRACE here"
	DROP="setpriv --bounding-set=-sys_ptrace"
else
	DROP=""
fi
drop() { $DROP "$@"; }

agent_create a --no-network
drop "$PETMAIL" -d "$TEST_TMP/a" start >/dev/null || fail "petmail start"
at_exit "agent_stop_quietly a"
agent_wait a '.tor.state == "running"' 60
pid=$(cat "$TEST_TMP/a/petmaild.pid")
tor_pid=$(agent_tor_pids a)
[ -n "$tor_pid" ] || fail "no tor for the agent"

for p in "$pid" $tor_pid; do
	grep -Eq '^Max core file size +0 +0 +bytes' "/proc/$p/limits" ||
	    fail "core dumps allowed for pid $p: $(grep -i core "/proc/$p/limits")"
done
ok "no core dumps for petmaild (pid $pid) nor its tor"

# open_mem PID: open /proc/PID/mem for reading, as the same user.
# (sh exits 2 when a redirection fails.)
open_mem() { drop sh -c 'exec 3<"/proc/$1/mem"' open_mem "$1"; }
# The control: a process started the same way may be opened.
$DROP sleep 60 &
control=$!
at_exit "kill $control 2>/dev/null || :"
sleep 0.2
# Where even that is refused (kernel.yama.ptrace_scope 1 or more lets
# only ancestors attach), the check cannot tell anything apart.
open_mem "$control" 2>/dev/null ||
    skip "cannot open a dumpable process's memory here (yama ptrace_scope?)"
expect_status 2 open_mem "$pid"
expect_match "Permission denied" "$out"
ok "petmaild is not dumpable: the same user cannot open its memory"
# Tor is its own program: exec made it dumpable again, and Debian's tor
# 0.4.9 stays so despite DisableDebuggerAttachment (see doc/SECURITY.md).
# What it holds (the onion key, its cookie) is on disk for that user
# anyway; RLIMIT_CORE 0, checked above, still keeps it out of core files.

# The agent still works, and stops cleanly.
expect_status 0 pm a status
expect_status 0 pm a stop
wait_gone "$pid" 20
ok "the agent runs and stops as usual"
