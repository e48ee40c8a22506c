#!/usr/bin/env bash
# Removes the sample lab (deleting the namespaces removes the veth pair too).
for ns in xdpdump-lab-snd xdpdump-lab-cap; do
  ip netns del "$ns" 2>/dev/null || true
done
