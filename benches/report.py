#!/usr/bin/env python3
"""Print the medians of the last `cargo bench` run as a Markdown table.

Reads target/criterion/<group>/<bench>/new/estimates.json (criterion's own output).
Usage: python3 benches/report.py [filter]
"""
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
needle = sys.argv[1] if len(sys.argv) > 1 else ""
rows = []
for est in sorted(root.glob("*/*/new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    name = bench.get("full_id") or f"{bench['group_id']}/{bench.get('function_id')}"
    if needle not in name:
        continue
    e = json.loads(est.read_text())
    med = e["median"]
    rows.append((name, med["point_estimate"], med["confidence_interval"]["lower_bound"], med["confidence_interval"]["upper_bound"]))


def fmt(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


print("| benchmark | median | 95% CI |")
print("|---|---|---|")
for name, m, lo, hi in rows:
    print(f"| {name} | {fmt(m)} | {fmt(lo)} – {fmt(hi)} |")
