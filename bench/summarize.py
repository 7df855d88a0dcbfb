#!/usr/bin/env python3
"""Medians per run label from a bench results file (one JSON object a line), for one stamp; prints a
Markdown table and the ratios bench/RESULTS.md records.

    summarize.py bench/results/engine.jsonl STAMP
"""
import json, statistics, sys

path, stamp = sys.argv[1], sys.argv[2]
runs = {}
for line in open(path):
    r = json.loads(line)
    if not r["run"].startswith(stamp + " "):
        continue
    runs.setdefault(r["run"][len(stamp) + 1:], []).append(r)
med = {k: {f: statistics.median(x[f] for x in v) for f in ("wall_s", "docs_per_s", "mb_per_s", "peak_rss_mb")} | {"n": len(v)}
       for k, v in runs.items()}
print("| run | reps | wall s (median) | docs/s | MB/s (JSONL) | peak RSS MB |")
print("|---|---|---|---|---|---|")
for k, m in med.items():
    print(f"| {k} | {m['n']} | {m['wall_s']:.2f} | {m['docs_per_s']:.0f} | {m['mb_per_s']:.1f} | {m['peak_rss_mb']:.0f} |")
def ratio(a, b):
    if a in med and b in med:
        print(f"- {a} / {b}: {med[a]['docs_per_s'] / med[b]['docs_per_s']:.2f}×")
print()
ratio("winnow w2 lineage", "floor (read+parse) w2")
ratio("winnow w2 lineage", "floor (read+parse) w1")
ratio("winnow w1 lineage", "datatrove w1")
ratio("winnow w2 lineage", "datatrove w2")
if "winnow w2 lineage" in med and "winnow w2 no-lineage" in med:
    on, off = med["winnow w2 lineage"]["wall_s"], med["winnow w2 no-lineage"]["wall_s"]
    print(f"- lineage on vs off (w2): {100 * (on / off - 1):+.1f}% wall time")
before = next((k for k in med if k.startswith("before (")), None)
if before and "after w2" in med:
    print(f"- after / before (whole run, w2): {100 * (med['after w2']['wall_s'] / med[before]['wall_s'] - 1):+.1f}% wall time")
tasks = next((k for k in med if k.startswith("task by task")), None)
if tasks and "after w2 (single process)" in med:
    print(f"- task by task / single process: {100 * (med[tasks]['wall_s'] / med['after w2 (single process)']['wall_s'] - 1):+.1f}% wall time")
