#!/usr/bin/env python3
"""Turns bench/run's trials.tsv into Markdown: one row per rate and tool, median [min-max] over the repetitions,
then the ratios of this project's xdpdump against the peers measured in the same run."""
import csv
import statistics
import sys

RATE_ORDER = ["100k", "300k", "1M", "cpu1", "cpu2"]
RATE_TEXT = {"100k": "100k/s", "300k": "300k/s", "1M": "1M/s", "cpu1": "unpaced, 1 CPU", "cpu2": "unpaced, 2 CPUs"}
TOOL_ORDER = ["bare", "xdp-count", "xdp-count-generic", "ours-pcap", "ours-pcap-generic", "ours-pcap-native",
              "before-pcap-native", "before-pcap-generic", "ours-json", "ours-hex", "xdptools", "tcpdump-w", "tcpdump-text"]


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return fmt(med)
    return f"{fmt(med)} [{fmt(min(values))}-{fmt(max(values))}]"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main(path):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    groups = {}
    for r in rows:
        groups.setdefault((r["rate"], r["tool"]), []).append(r)

    def derived(r):
        offered, reached, written = num(r["offered"]), num(r["reached"]), num(r["written"])
        cpu, rate = num(r["cpu_s"]), num(r["gen_rate"])
        return {
            "offered": offered,
            "reached": reached,
            "written": written,
            "missing_pct": None if written is None or not reached else 100.0 * (reached - written) / reached,
            "lost": num(r["reported_lost"]),
            "cpu": cpu,
            "cpu_per_event_us": None if not cpu or not written else cpu / written * 1e6,
            "gen_mps": None if rate is None else rate / 1e6,
            "ns_per_frame": None if not rate else 1e9 / rate,
            "wall": num(r["wall_s"]),
        }

    def fm(v):
        return f"{v / 1e6:.3f}M" if v >= 1e5 else f"{v:.0f}"

    print("| rate | tool | offered | reached iface | written | missing % | tool-reported loss | capture CPU s "
          "| CPU µs/event | generator M/s | kernel µs/frame vs bare | wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rates = [r for r in RATE_ORDER if any(k[0] == r for k in groups)]
    tools = [t for t in TOOL_ORDER if any(k[1] == t for k in groups)]
    medians = {}
    for rate in rates:
        bare = groups.get((rate, "bare"))
        bare_ns = med([derived(r)["ns_per_frame"] for r in bare]) if bare else None
        for tool in tools:
            trials = groups.get((rate, tool))
            if not trials:
                continue
            d = [derived(r) for r in trials]
            col = lambda k: [x[k] for x in d]
            extra = None
            if bare_ns is not None and rate.startswith("cpu") and tool != "bare":
                extra = [None if x["ns_per_frame"] is None else (x["ns_per_frame"] - bare_ns) / 1000 for x in d]
            medians[(rate, tool)] = {k: med(col(k)) for k in d[0]}
            print(f"| {RATE_TEXT.get(rate, rate)} | {tool} | {spread(col('offered'), fm)} | "
                  f"{spread(col('reached'), fm)} | {spread(col('written'), fm)} | "
                  f"{spread(col('missing_pct'), lambda v: f'{v:.2f}')} | {spread(col('lost'), fm)} | "
                  f"{spread(col('cpu'), lambda v: f'{v:.3f}')} | "
                  f"{spread(col('cpu_per_event_us'), lambda v: f'{v:.3f}')} | "
                  f"{spread(col('gen_mps'), lambda v: f'{v:.3f}')} | "
                  f"{spread(extra, lambda v: f'{v:+.3f}') if extra else '-'} | "
                  f"{spread(col('wall'), lambda v: f'{v:.1f}')} |")

    print()
    print("Ratios of medians, same run (CPU: below 1 means we use less per event; generator: above 1 means the"
          " generator ran faster, so less kernel-side cost):")
    print()
    print("| rate | comparison | CPU µs/event ratio | generator rate ratio | missing % (ours vs peer) |")
    print("|---|---|---|---|---|")
    pairs = [("ours-pcap-native", "before-pcap-native"), ("ours-pcap-generic", "before-pcap-generic"),
             ("ours-pcap", "tcpdump-w"), ("ours-pcap", "xdptools"), ("ours-pcap-generic", "tcpdump-w"),
             ("ours-pcap-generic", "xdptools"), ("ours-json", "tcpdump-text"),
             ("ours-hex", "tcpdump-text")]
    for rate in rates:
        for ours, peer in pairs:
            a, b = medians.get((rate, ours)), medians.get((rate, peer))
            if not a or not b:
                continue
            cpu = (f"{a['cpu_per_event_us'] / b['cpu_per_event_us']:.2f}"
                   if a["cpu_per_event_us"] and b["cpu_per_event_us"] else "-")
            gen = f"{a['gen_mps'] / b['gen_mps']:.2f}" if a["gen_mps"] and b["gen_mps"] else "-"
            miss = ("-" if a["missing_pct"] is None or b["missing_pct"] is None
                    else f"{a['missing_pct']:.2f} vs {b['missing_pct']:.2f}")
            print(f"| {RATE_TEXT.get(rate, rate)} | {ours} / {peer} | {cpu} | {gen} | {miss} |")


if __name__ == "__main__":
    main(sys.argv[1])
