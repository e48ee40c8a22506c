#!/usr/bin/env bash
# Makes the namespace lab the samples use: xdpdump-lab-cap (198.18.0.1, 2001:db8::1, interface labc) joined by veth
# to xdpdump-lab-snd (198.18.0.2, 2001:db8::2, interface labs). Remove it with samples/lab-down.sh.
set -euo pipefail
trap '"$(dirname "$0")/lab-down.sh"' ERR   # half a lab is removed, not left behind
ip netns add xdpdump-lab-cap
ip netns add xdpdump-lab-snd
ip link add labc netns xdpdump-lab-cap type veth peer name labs netns xdpdump-lab-snd
# side NS IF IPV4 IPV6: addresses on IF, IF and loopback up.
side() {
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" addr add "$4/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
}
side xdpdump-lab-cap labc 198.18.0.1 2001:db8::1
side xdpdump-lab-snd labs 198.18.0.2 2001:db8::2
echo "lab up: capture with 'ip netns exec xdpdump-lab-cap bin/xdpdump -i labc ...', send with samples/lab-syns.sh"
