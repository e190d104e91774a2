import json, sys
print("| run | viewers | connected | delay p50/p95/p99 ms (latest-only) | max | strict missed | latest-only missed | page p50/p95 ms | like ack p50 ms | server CPU s | loadgen CPU s | loadgen lag p95 ms | RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for l in open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sse-lab/results.jsonl"):
    d = json.loads(l)
    if "error" in d and "viewers" not in d:
        print("|", d["name"], "| error |"); continue
    print(f"| {d['name']} | {d['viewers']} | {d['connected']} | {d['delay_lo_p50']}/{d['delay_lo_p95']}/{d['delay_lo_p99']} | {d['delay_lo_max']} | {d['strict_missed']}/{d['expected_pairs']} | {d['latest_only_missed']} | {d['page_p50_ms']}/{d['page_p95_ms']} (n={d['page_n']}, err={d['page_err']}) | {d['like_ack_p50_ms']} | {d['server_cpu_s']} | {d['loadgen_cpu_s']} | {d['loop_lag_p95_ms']} | {d['server_rss_mb']} |")
