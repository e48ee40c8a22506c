#!/usr/bin/env bash
# Sends N (default 10) real TCP connection attempts from the lab's sender to 198.18.0.1, ports 8001.., each bounded
# by a 1 s timeout. Nothing listens, so each is one SYN answered by a RST.
set -euo pipefail
n="${1:-10}"
[[ "$n" =~ ^[0-9]+$ && "$n" -le 100000 ]] || { echo "lab-syns.sh: N is a count from 0 to 100000, not '$n'" >&2; exit 2; }
# N goes in as an argument, never pasted into the inner script's text.
# shellcheck disable=SC2016  # the inner script expands its own $1 and $i
ip netns exec xdpdump-lab-snd bash -c '
  for i in $(seq 1 "$1"); do
    timeout 1 bash -c "exec 3<>/dev/tcp/198.18.0.1/$((8000 + (i % 3) + 1))" 2>/dev/null || true
  done' lab-syns "$n"
