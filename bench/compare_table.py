#!/usr/bin/env python3
"""The comparison table of bench/compare.sh: medians per workload and target, and ours/redis, ours/nats.

    bench/compare_table.py RESULTS_DIR [A B C D]

Reads RESULTS_DIR/<workload>-<target>.jsonl (one generator JSON line per run). Throughput rows: more is
better, so a ratio above 1 is ours ahead; latency rows: less is better, so a ratio above 1 is ours behind.
"""
import json
import os
import statistics
import sys

TARGETS = ["ours", "redis", "nats"]
ROWS = [
    # (name, function of one result line, number format)
    ("deliveries/s to subscribers", lambda j: j.get("deliveriesPerSec"), "{:,.0f}"),
    ("all deliveries/s (subscribers + publishers)",
     lambda j: j.get("deliveriesPerSec", 0) + j.get("publisherDeliveriesPerSec", 0), "{:,.0f}"),
    ("p50 ms", lambda j: j.get("p50Ms"), "{:.2f}"),
    ("p99 ms", lambda j: j.get("p99Ms"), "{:.2f}"),
    ("p99.9 ms", lambda j: j.get("p999Ms"), "{:.2f}"),
    ("lost (all runs, summed)", None, "{:,.0f}"),
    ("server CPU %", lambda j: sum(max(0, s.get("cpuPct", 0)) for s in j.get("serverStats", [])), "{:.0f}"),
    ("generator CPU %", lambda j: j.get("generatorCpuPct"), "{:.0f}"),
    ("other CPU %", lambda j: j.get("otherCpuPct"), "{:.0f}"),
]
# rows without ratios
NO_RATIO = {"lost (all runs, summed)", "generator CPU %", "other CPU %"}


def runs(out, workload, target):
    path = os.path.join(out, f"{workload}-{target}.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith('{"bench"')]


def value(rs, name, fn):
    if not rs:
        return None
    if fn is None:
        return sum(r.get("lost", 0) for r in rs)
    vals = [v for v in (fn(r) for r in rs) if v is not None]
    return statistics.median(vals) if vals else None


def main():
    out = sys.argv[1]
    workloads = sys.argv[2:] or ["A", "B", "C", "D"]
    print("| workload | measure | ours | Redis | NATS | ours/Redis | ours/NATS | runs |")
    print("|---|---|---|---|---|---|---|---|")
    for w in workloads:
        rs = {t: runs(out, w, t) for t in TARGETS}
        n = "/".join(str(len(rs[t])) for t in TARGETS)
        for name, fn, fmt in ROWS:
            if name.startswith("all deliveries") and all(
                    (value(rs[t], name, fn) or 0) == (value(rs[t], "d", ROWS[0][1]) or 0) for t in TARGETS):
                continue  # nobody delivered to publishers: the same as the row above
            v = {t: value(rs[t], name, fn) for t in TARGETS}
            cells = [fmt.format(v[t]) if v[t] is not None else "-" for t in TARGETS]
            ratios = []
            for other in ("redis", "nats"):
                if name in NO_RATIO or v["ours"] is None or not v[other]:
                    ratios.append("")
                else:
                    ratios.append("{:.2f}".format(v["ours"] / v[other]))
            print(f"| {w} | {name} | " + " | ".join(cells) + " | " + " | ".join(ratios) + f" | {n} |")
        errors = [f"{t}: {r['error']}" for t in TARGETS for r in rs[t] if r.get("error")]
        for e in errors[:3]:
            print(f"| {w} | error | {e} | | | | | |")


if __name__ == "__main__":
    main()
