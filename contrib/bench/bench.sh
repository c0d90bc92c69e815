#!/bin/sh
# `make bench`: how close petmail comes to Tor's own latency, on the
# private Tor network (contrib/tornet), every figure also as a ratio to
# the raw onion round trip measured in the same run.
#
# It starts the network and two agents, alice (A, the sender) and bob
# (B, the receiver), introduces them, and measures:
#   1. the raw floor: an echo onion hosted by B's own tor, reached over
#      A's own tor SOCKS socket with a SOCKS username of its own (the same
#      two tors and the same kind of unix-socket target as a message);
#   2. warm message latency, API and CLI (bench-msg warm);
#   3. the cold first message after B's agent restarts (bench-msg cold);
#   4. a burst of 1,000 messages of 200 bytes (bench-msg burst);
#   5. B's resources with 1,000 contacts and 100,000 messages
#      (bench-fill): peak RSS, idle CPU and wakeups, listing 10,000;
#   6. the ratchet on one core (tests/bench_ratchet).
# Writes $top_builddir/bench-results.json (contrib/bench/results.jq) and
# bench-results.txt (the table it prints), keeps the agents' logs and the
# raw measurements in $top_builddir/bench-logs, and stops every process it
# started, also on failure or Ctrl-C. Sizes can be changed through the
# BENCH_* variables below (smaller ones are for trying the script out;
# the README's figures use the defaults).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/agent.sh"
. "$top_srcdir/tests/lib/tornet.sh"
set -e

: "${BENCH_COLD_RAW:=20}"	# cold raw connections
: "${BENCH_WARM_RTT:=200}"	# warm raw round trips
: "${BENCH_WARM_MSGS:=50}"	# warm messages through the API
: "${BENCH_CLI_MSGS:=10}"	# and through `petmail send`
: "${BENCH_COLD_MSGS:=5}"	# restarts of B, one cold message each
: "${BENCH_COLD_GAP:=15}"	# seconds at least between two restarts
: "${BENCH_BURST:=1000}"	# messages in one burst
: "${BENCH_BURST_SIZE:=200}"	# bytes each
: "${BENCH_BURST_RUNS:=3}"
: "${BENCH_CONTACTS:=1000}"	# the resource scenario
: "${BENCH_MESSAGES:=100000}"
: "${BENCH_CONVERSATION:=10000}"
: "${BENCH_IDLE_SECS:=60}"	# in windows of 10 s
: "${BENCH_LIST_REPS:=7}"
: "${BENCH_RATCHET_RUNS:=5}"	# of 1 s CPU each

bench_t0=$(date +%s)
B=$top_builddir/contrib/bench
OUT=$TEST_TMP/out
mkdir -p "$OUT"
RESULTS=$top_builddir/bench-results.json
TABLE=$top_builddir/bench-results.txt
for p in bench-echo bench-rtt bench-msg bench-fill; do
	[ -x "$B/$p" ] || fail "$B/$p is not built: run make first"
done
PROBE=$top_builddir/torctl/torctl-probe
[ -x "$PROBE" ] || fail "$PROBE is not built"
command -v "$TOR" >/dev/null 2>&1 || fail "no tor binary ($TOR)"

say() { echo "bench: $(($(date +%s) - bench_t0)) s: $*" >&2; }
sock() { echo "$TEST_TMP/$1/petmaild.sock"; }

# --- The network, two agents, an introduction.
say "starting the private Tor network"
tornet_up >"$OUT/tornet.log" 2>&1 || { cat "$OUT/tornet.log"; fail "no private Tor network"; }
for n in alice bob; do tornet_agent $n --name $n; done
# The agents' logs outlive the run, for looking into a figure.
LOGS=$top_builddir/bench-logs
rm -rf "$LOGS"
at_exit "mkdir -p '$LOGS'; cp '$TEST_TMP'/alice/petmaild.log '$LOGS'/alice.log; cp '$TEST_TMP'/bob/petmaild.log '$LOGS'/bob.log; cp -r '$OUT' '$LOGS'/measurements || :"
for n in alice bob; do agent_wait $n .published 180; done
say "agents published; introducing them"
code=$(pm alice invite -n bob --json --no-wait | jq -r .code)
pm bob accept -n alice "$code" >/dev/null || fail "bob could not accept"
agent_wait alice '.contacts >= 1' 60
# The session opens with bob's first (empty) message: then alice can send.
session_open() {
	contact_is_ready alice bob && pm bob status --json | jq -e '.outbox == 0'
}
wait_for 120 session_open || fail "the introduction did not finish"
A_SOCK=$(sock alice)
B_SOCK=$(sock bob)

# --- 1. The raw floor: an echo onion on B's tor, over A's tor.
say "raw floor: echo onion on bob's tor"
"$B/bench-echo" "$TEST_TMP/echo.sock" &
echo_pid=$!
at_exit "tornet_kill $echo_pid"
wait_for 10 test -S "$TEST_TMP/echo.sock" || fail "bench-echo did not start"
echo_onion=$("$PROBE" -u "$TEST_TMP/bob/tor/control.sock" add-onion \
    --detach --wait-published 60 7 "unix:$TEST_TMP/echo.sock") ||
    fail "cannot publish the echo onion on bob's tor"
"$B/bench-rtt" -s "$TEST_TMP/alice/tor/socks.sock" -o "$echo_onion" -p 7 \
    -c "$BENCH_COLD_RAW" -w "$BENCH_WARM_RTT" -b 11394 -n 20 -u bench-raw \
    >"$OUT/raw.json" 2>"$OUT/raw.err" || { cat "$OUT/raw.err" >&2; fail "bench-rtt"; }
say "raw: $(jq -c '{cold_n: (.cold_ms | length), warm_n: (.warm_ms | length)}' "$OUT/raw.json")"

# --- 2. Warm message latency.
say "warm messages: $BENCH_WARM_MSGS through the API, $BENCH_CLI_MSGS through the CLI"
"$B/bench-msg" warm -a "$A_SOCK" -b "$B_SOCK" -c bob -n "$BENCH_WARM_MSGS" \
    -W 5 -z 32 -g 50 -P "$PETMAIL" -D "$TEST_TMP/alice" -N "$BENCH_CLI_MSGS" \
    >"$OUT/warm.json" || fail "bench-msg warm"

# --- 4. Bursts (before the restarts, on the warm contact).
for i in $(seq "$BENCH_BURST_RUNS"); do
	say "burst $i: $BENCH_BURST messages of $BENCH_BURST_SIZE bytes"
	"$B/bench-msg" burst -a "$A_SOCK" -b "$B_SOCK" -c bob -n "$BENCH_BURST" \
	    -z "$BENCH_BURST_SIZE" -p 16 -t 900 >"$OUT/burst-$i.json" ||
	    fail "bench-msg burst"
	jq -e '.out_of_order == 0' "$OUT/burst-$i.json" >/dev/null ||
	    fail "bob stored messages out of alice's order: $(cat "$OUT/burst-$i.json")"
	agent_wait alice '.outbox == 0' 60
done

# --- 3. Cold first message after B restarts. The restarts are at least
# BENCH_COLD_GAP seconds apart: the sender's agent clears its tor's onion
# client state for a contact that went away, and tor allows that at most
# once per 10 s (a person restarting more often is not the case to time).
last_stop=0
for i in $(seq "$BENCH_COLD_MSGS"); do
	while [ $(($(date +%s) - last_stop)) -lt "$BENCH_COLD_GAP" ]; do
		sleep 1
	done
	last_stop=$(date +%s)
	say "cold message $i: restarting bob"
	pm bob stop >/dev/null
	pm bob start >/dev/null
	agent_wait bob .published 180
	"$B/bench-msg" cold -a "$A_SOCK" -b "$B_SOCK" -c bob -t 600 \
	    >"$OUT/cold-$i.json" || fail "bench-msg cold"
done

# --- 5. Resources: bob grown to 1,000 contacts and 100,000 messages.
say "resources: filling bob's store"
pm bob stop >/dev/null
conv=$("$B/bench-fill" "$TEST_TMP/bob/petmail.db" "$BENCH_CONTACTS" \
    "$BENCH_MESSAGES" "$BENCH_CONVERSATION") || fail "bench-fill"
pm bob start >/dev/null
agent_wait bob .published 180
pid=$(cat "$TEST_TMP/bob/petmaild.pid")
kill -0 "$pid" || fail "no petmaild pid"
sleep 5
# cpu PID: user + system ticks of the process (all its threads).
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# switches PID: context switches of all its threads (each wakeup is one).
switches() {
	cat /proc/"$1"/task/*/status |
	    awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n }'
}
hz=$(getconf CLK_TCK)
say "resources: ${BENCH_IDLE_SECS} s idle"
perf_out=$OUT/perf.txt
perf_pid=""
if command -v perf >/dev/null 2>&1 &&
    perf stat -x, -e 'syscalls:sys_enter_epoll_wait' -- true >/dev/null 2>&1; then
	perf stat -x, -o "$perf_out" -p "$pid" \
	    -e 'syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait' \
	    -- sleep "$BENCH_IDLE_SECS" >/dev/null 2>&1 &
	perf_pid=$!
	at_exit "tornet_kill $perf_pid"
fi
c0=$(cpu "$pid")
w0=$(switches "$pid")
: >"$OUT/idle-windows"
left=$BENCH_IDLE_SECS
while [ "$left" -gt 0 ]; do
	s=10
	[ "$left" -ge 10 ] || s=$left
	wa=$(switches "$pid")
	sleep "$s"
	echo "$(( $(switches "$pid") - wa ))" >>"$OUT/idle-windows"
	left=$((left - s))
done
c1=$(cpu "$pid")
w1=$(switches "$pid")
epolls=null
if [ -n "$perf_pid" ]; then
	wait "$perf_pid" 2>/dev/null || :
	epolls=$(awk -F, '/syscalls/ { n += $1 } END { print n + 0 }' "$perf_out")
fi
rss_idle=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
say "resources: listing $BENCH_CONVERSATION messages"
"$B/bench-msg" list -a "$B_SOCK" -c "$conv" -n "$BENCH_LIST_REPS" \
    >"$OUT/list.json" || fail "bench-msg list"
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
counts=$(sqlite3 -readonly "$TEST_TMP/bob/petmail.db" \
    "SELECT (SELECT count(*) FROM contacts) || ' ' || (SELECT count(*) FROM messages)")
jq -n --argjson hwm "$hwm" --argjson rss_idle "$rss_idle" \
    --argjson ticks "$((c1 - c0))" --argjson hz "$hz" \
    --argjson secs "$BENCH_IDLE_SECS" --argjson switches "$((w1 - w0))" \
    --argjson epolls "$epolls" \
    --argjson contacts "${counts% *}" --argjson messages "${counts#* }" \
    --slurpfile windows "$OUT/idle-windows" --slurpfile list "$OUT/list.json" \
    '{vmhwm_kib: $hwm, vmrss_idle_kib: $rss_idle, cpu_ticks: $ticks,
      clk_tck: $hz, idle_secs: $secs, wakeups: $switches,
      wakeups_per_10s: $windows, epoll_waits: $epolls,
      contacts: $contacts, messages: $messages, list: $list[0]}' \
    >"$OUT/resources.json"

# --- 6. The ratchet on one core.
say "ratchet"
: >"$OUT/ratchet"
for i in $(seq "$BENCH_RATCHET_RUNS"); do
	"$top_builddir/tests/bench_ratchet" 1 |
	    sed -n 's/.*: \([0-9]*\) messages\/s\/core.*/\1/p' >>"$OUT/ratchet"
done
pingpong=$("$top_builddir/tests/bench_ratchet" 1 1 |
    sed -n 's/.*: \([0-9]*\) messages\/s\/core.*/\1/p')

# --- Results.
cold_files=""
for i in $(seq "$BENCH_COLD_MSGS"); do cold_files="$cold_files $OUT/cold-$i.json"; done
burst_files=""
for i in $(seq "$BENCH_BURST_RUNS"); do burst_files="$burst_files $OUT/burst-$i.json"; done
# shellcheck disable=SC2086
jq -n \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
    --argjson cores "$(nproc)" \
    --arg kernel "$(uname -sr)" \
    --arg tor "$("$TOR" --version | head -n 1)" \
    --arg petmail "$("$PETMAIL" version 2>/dev/null | head -n 1)" \
    --arg commit "$(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --arg cflags "${BENCH_CFLAGS:-unknown}" \
    --arg mem "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
    --argjson load "$(awk '{ print $1 }' /proc/loadavg)" \
    --argjson elapsed "$(($(date +%s) - bench_t0))" \
    --argjson cold_gap "$BENCH_COLD_GAP" \
    --slurpfile raw "$OUT/raw.json" \
    --slurpfile warm "$OUT/warm.json" \
    --slurpfile resources "$OUT/resources.json" \
    --argjson ratchet "$(jq -s . "$OUT/ratchet")" \
    --argjson pingpong "${pingpong:-null}" \
    --argjson cold "$(jq -s . $cold_files)" \
    --argjson burst "$(jq -s . $burst_files)" \
    '{machine: {date: $date, cpu: $cpu, cores: $cores, memory: $mem,
       kernel: $kernel, tor: $tor, petmail: $petmail, commit: $commit,
       cflags: $cflags, load_at_end: $load},
      elapsed_s: $elapsed, cold_gap_s: $cold_gap,
      raw: $raw[0], warm: $warm[0], cold: $cold,
      burst: $burst, resources: $resources[0],
      ratchet: {runs: $ratchet, pingpong: $pingpong}}' |
    jq -f "$top_srcdir/contrib/bench/results.jq" >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
jq -r -f "$top_srcdir/contrib/bench/table.jq" "$RESULTS" >"$TABLE"
cat "$TABLE"
say "done; results in $RESULTS"
