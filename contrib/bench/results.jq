# bench-results.json from the raw measurements that contrib/bench/bench.sh
# gathers: medians and p90s, every figure as a ratio to the raw floor
# measured in the same run, and each target met or missed.
def median: sort | if length == 0 then null
	elif length % 2 == 1 then .[(length - 1) / 2]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
# Nearest rank.
def p90: sort | if length == 0 then null
	else .[((length * 0.9) | ceil) - 1] end;
def r(n): if . == null then null
	else (. * pow(10; n) | round) / pow(10; n) end;
def stats: {median: (median | r(3)), p90: (p90 | r(3)), n: length,
	min: (min | r(3)), max: (max | r(3))};
def ratio(a; b): if a == null or b == null or b == 0 then null
	else (a / b | r(3)) end;

. as $in
| ($in.raw.warm_ms | median) as $rtt
| ($in.raw.cold_ms | median) as $cold_raw
| ($in.warm.api_ms | median) as $warm
| ([$in.cold[].api_ms[0]] | median) as $cold
| ([$in.burst[].total_ms] | median) as $burst_ms
| ([$in.burst[].count] | max) as $burst_n
| ($in.resources.vmhwm_kib / 1024 | r(2)) as $rss
| ($in.resources.cpu_ticks / $in.resources.clk_tck
	/ $in.resources.idle_secs * 100 | r(3)) as $cpu
| ($in.resources.list.ms | median) as $list
| ($in.ratchet.runs | median) as $ratchet
| (if $burst_ms == null then null
	else $burst_n / ($burst_ms / 1000) | r(1) end) as $burst_rate
| (ratio($burst_n * $rtt; $burst_ms)) as $speedup
| ($in.resources.wakeups_per_10s | max) as $wake10
| ($in.raw.bulk_ms | median) as $bulk
# A burst's batches of 32 go one after the other: its own floor.
| (if $bulk == null or $burst_n == null then null
	else ($burst_n / 32 | ceil) * $bulk end) as $burst_floor
| {
	raw_warm_rtt_ms: ($rtt | r(3)),
	raw_cold_connect_ms: ($cold_raw | r(3)),
	warm_latency_ms: ($warm | r(3)),
	warm_latency_ratio: ratio($warm; $rtt),
	warm_latency_cli_ms: ($in.warm.cli_ms | median | r(3)),
	cold_first_message_ms: ($cold | r(3)),
	cold_latency_ratio: ratio($cold; $cold_raw),
	burst_msgs_per_s: $burst_rate,
	burst_speedup: $speedup,
	raw_warm_bulk_rtt_ms: ($bulk | r(3)),
	burst_bulk_floor_ratio: ratio($burst_ms; $burst_floor),
	rss_mib: $rss,
	idle_cpu_percent: $cpu,
	idle_wakeups_per_10s_max: $wake10,
	list_10k_ms: ($list | r(3)),
	ratchet_msgs_per_s: ($ratchet | round),
	targets: {
		warm_latency_ratio: {target: "<= 1.15",
			met: (ratio($warm; $rtt) <= 1.15)},
		cold_latency_ratio: {target: "<= 1.2",
			met: (ratio($cold; $cold_raw) <= 1.2)},
		burst_speedup: {target: ">= 20", met: ($speedup >= 20)},
		rss_mib: {target: "<= 16", met: ($rss <= 16)},
		idle_cpu_percent: {target: "< 0.5", met: ($cpu < 0.5)},
		idle_wakeups: {target: "at most 1 per 10 s",
			met: ($wake10 <= 1)},
		ratchet_msgs_per_s: {target: ">= 100000",
			met: ($ratchet >= 100000)}
	},
	details: {
		raw_warm_rtt_ms: ($in.raw.warm_ms | stats),
		raw_cold_connect_ms: ($in.raw.cold_ms | stats),
		raw_cold_socks_connect_ms: ($in.raw.cold_connect_ms | stats),
		raw_cold_failures: $in.raw.cold_failures,
		raw_warm_bulk_rtt_ms: ($in.raw.bulk_ms | stats),
		raw_bulk_bytes: $in.raw.bulk_bytes,
		burst_bulk_floor_ms: ($burst_floor | r(3)),
		warm_latency_ms: ($in.warm.api_ms | stats),
		warm_api_reply_ms: ($in.warm.reply_ms | stats),
		warm_delivered_at_sender_ms: ($in.warm.ack_ms | stats),
		warm_latency_cli_ms: ($in.warm.cli_ms | stats),
		warm_cli_exit_ms: ($in.warm.cli_exit_ms | stats),
		warm_message_bytes: $in.warm.size,
		cold_first_message_ms: ([$in.cold[].api_ms[0]] | stats),
		cold_first_delivered_at_sender_ms:
			([$in.cold[].ack_ms[0]] | stats),
		cold_restart_gap_s: $in.cold_gap_s,
		burst_total_ms: ([$in.burst[].total_ms] | stats),
		burst_queue_ms: ([$in.burst[].queue_ms] | stats),
		burst_stored_ms: ([$in.burst[].arrive_ms] | stats),
		burst_delivered_ms: ([$in.burst[].ack_ms] | stats),
		burst_messages: $burst_n,
		burst_message_bytes: $in.burst[0].size,
		burst_api_parallel: $in.burst[0].parallel,
		burst_out_of_order: ([$in.burst[].out_of_order] | add),
		resources: ($in.resources | del(.list)),
		rss_idle_mib: ($in.resources.vmrss_idle_kib / 1024 | r(2)),
		list_10k_ms: ($in.resources.list.ms | stats),
		list_10k_bytes: $in.resources.list.bytes,
		list_10k_messages: $in.resources.list.messages,
		ratchet_msgs_per_s: ($in.ratchet.runs | stats),
		ratchet_pingpong_msgs_per_s: $in.ratchet.pingpong
	},
	machine: $in.machine,
	elapsed_s: $in.elapsed_s
}
