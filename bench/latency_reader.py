#!/usr/bin/env python3
"""Reads xdpdump's JSON lines from stdin as they arrive; for each prints "<ts as epoch ns>\t<read time epoch ns>".
The read time is taken right after the line arrives, before parsing."""
import calendar
import json
import sys
import time


def epoch_ns(rfc3339):
    # "2026-11-22T03:49:44.123456789Z": whole seconds through calendar, the fraction as digits (exact nanoseconds)
    whole, _, frac = rfc3339.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1_000_000_000 + int((frac + "000000000")[:9])


def main():
    stream = sys.stdin.buffer
    while True:
        line = stream.readline()
        read_ns = time.time_ns()
        if not line:
            return
        event = json.loads(line)
        print(f"{epoch_ns(event['ts'])}\t{read_ns}", flush=True)


if __name__ == "__main__":
    main()
