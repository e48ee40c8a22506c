#!/usr/bin/env python3
"""Summarizes JMH JSON results (-rf json): per benchmark and parameters, median [min-max] over every measured
iteration of every fork, in ns/op, and bytes allocated per op (gc.alloc.rate.norm). Usage: summarize.py RESULT.json..."""
import json
import statistics
import sys


def label(r):
    name = r["benchmark"].rsplit(".", 2)
    params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
    return f"{name[-2]}.{name[-1]}" + (f" [{params}]" if params else "")


def main():
    print("| benchmark | ns/event median [min-max] | iterations | B/event (gc.alloc.rate.norm) | GC count |")
    print("|---|---|---|---|---|")
    for path in sys.argv[1:]:
        for r in json.load(open(path)):
            raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
            sec = r.get("secondaryMetrics", {})
            norm = sec.get("gc.alloc.rate.norm", {}).get("score")
            count = sec.get("gc.count", {}).get("score")
            print(f"| {label(r)} | {statistics.median(raw):.1f} [{min(raw):.1f}-{max(raw):.1f}] | {len(raw)} | "
                  f"{norm:.3f} | {count:.0f} |" if norm is not None else
                  f"| {label(r)} | {statistics.median(raw):.1f} [{min(raw):.1f}-{max(raw):.1f}] | {len(raw)} | - | - |")


main()
