# The human table of bench-results.json (contrib/bench/bench.sh).
def f: if . == null then "-" else tostring end;
def row(name; med; p90; ratio; target; met):
	"\(name | . + " " * ([0, 34 - length] | max))"
	+ "\(med | f | " " * ([0, 10 - length] | max) + .)"
	+ "\(p90 | f | " " * ([0, 10 - length] | max) + .)"
	+ "\(ratio | f | " " * ([0, 9 - length] | max) + .)"
	+ "  \(target)\(if met == null then "" elif met then " met"
		else " MISSED" end)";
. as $r | $r.details as $d |
"petmail benchmark, \($r.machine.date)",
"\($r.machine.cpu), \($r.machine.cores) cores, \($r.machine.memory), \($r.machine.kernel)",
"\($r.machine.tor); petmail \($r.machine.petmail) (\($r.machine.commit)); CFLAGS \($r.machine.cflags)",
"",
row("figure"; "median"; "p90"; "ratio"; "target"; null),
row("raw warm RTT, 32 B (ms)"; $d.raw_warm_rtt_ms.median;
	$d.raw_warm_rtt_ms.p90; null; "floor"; null),
row("raw warm RTT, \($d.raw_bulk_bytes) B (ms)"; $d.raw_warm_bulk_rtt_ms.median;
	$d.raw_warm_bulk_rtt_ms.p90; null; "floor"; null),
row("raw cold connect+echo (ms)"; $d.raw_cold_connect_ms.median;
	$d.raw_cold_connect_ms.p90; null; "floor"; null),
row("warm message, API (ms)"; $d.warm_latency_ms.median;
	$d.warm_latency_ms.p90; $r.warm_latency_ratio; "<= 1.15 x RTT";
	$r.targets.warm_latency_ratio.met),
row("warm message, CLI (ms)"; $d.warm_latency_cli_ms.median;
	$d.warm_latency_cli_ms.p90; null; ""; null),
row("cold first message (ms)"; $d.cold_first_message_ms.median;
	$d.cold_first_message_ms.p90; $r.cold_latency_ratio;
	"<= 1.2 x cold"; $r.targets.cold_latency_ratio.met),
row("burst of \($d.burst_messages) x \($d.burst_message_bytes) B (ms)";
	$d.burst_total_ms.median; $d.burst_total_ms.p90; $r.burst_speedup;
	">= 20 x speedup"; $r.targets.burst_speedup.met),
row("burst (messages/s)"; $r.burst_msgs_per_s; null; null; ""; null),
row("burst / (batches x raw big RTT)"; $r.burst_bulk_floor_ratio; null;
	null; ""; null),
row("petmaild peak RSS (MiB)"; $r.rss_mib; null; null; "<= 16";
	$r.targets.rss_mib.met),
row("idle CPU (%)"; $r.idle_cpu_percent; null; null; "< 0.5";
	$r.targets.idle_cpu_percent.met),
row("idle wakeups per 10 s (max)"; $r.idle_wakeups_per_10s_max; null;
	null; "<= 1"; $r.targets.idle_wakeups.met),
row("list 10,000 messages (ms)"; $d.list_10k_ms.median; $d.list_10k_ms.p90;
	null; ""; null),
row("ratchet 1 KiB (messages/s/core)"; $r.ratchet_msgs_per_s;
	$d.ratchet_msgs_per_s.min; null; ">= 100000";
	$r.targets.ratchet_msgs_per_s.met),
"",
"resource scenario: \($d.resources.contacts) contacts, \($d.resources.messages) messages; " +
	"\($d.resources.wakeups) wakeups, \($d.resources.epoll_waits | f) epoll waits and " +
	"\($d.resources.cpu_ticks) CPU ticks of 1/\($d.resources.clk_tck) s in \($d.resources.idle_secs) s idle",
"ratchet p90 column: the slowest run; with a DH step on every message: \($d.ratchet_pingpong_msgs_per_s | f) messages/s",
"ratios: to the raw warm RTT (warm), raw cold connect (cold), 1,000 x raw warm RTT over the burst time (burst)",
"measured in \($r.elapsed_s) s"
