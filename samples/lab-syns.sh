#!/usr/bin/env bash
# Sends N (default 10) real TCP connection attempts from the lab's sender to 198.18.0.1, ports 8001.., each bounded
# by a 1 s timeout. Nothing listens, so each is one SYN answered by a RST.
set -euo pipefail
n="${1:-10}"
ip netns exec xdpdump-lab-snd bash -c '
  for i in $(seq 1 '"$n"'); do
    timeout 1 bash -c "exec 3<>/dev/tcp/198.18.0.1/$((8000 + (i % 3) + 1))" 2>/dev/null || true
  done'
