# shellcheck shell=bash
# Shared by the bench scripts (source it; it defines functions and nothing runs on its own).
#
# The pair: two network namespaces joined by one veth pair, 198.18.0.1/24 (capture side) and 198.18.0.2/24 (sender
# side), IPv6 off so only our traffic crosses. The test bed adds an nftables netdev ingress `policy drop` on the
# capture interface: frames pass XDP and the packet taps (where capture tools look) and die before IP, so the
# kernel's RST replies do not swamp the capture costs being measured.

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# bench_pair_up TAG: creates the namespaces and the veth pair and sets cap_ns, snd_ns, cap_if, snd_if, cap_mac,
# snd_mac. The caller's EXIT trap must call bench_testbed_down.
# shellcheck disable=SC2034  # the names it sets are for the caller
bench_pair_up() {
  local tag="$1"
  cap_ns="xdpb-$tag-cap"
  snd_ns="xdpb-$tag-snd"
  cap_if="xb${tag}c"
  snd_if="xb${tag}s"
  ip netns add "$cap_ns"
  ip netns add "$snd_ns"
  ip link add "$cap_if" netns "$cap_ns" type veth peer name "$snd_if" netns "$snd_ns"
  bench_side_up "$cap_ns" "$cap_if" 198.18.0.1
  bench_side_up "$snd_ns" "$snd_if" 198.18.0.2
  cap_mac=$(ip netns exec "$cap_ns" cat "/sys/class/net/$cap_if/address")
  snd_mac=$(ip netns exec "$snd_ns" cat "/sys/class/net/$snd_if/address")
}

# bench_side_up NS IF ADDR: IPv6 off, loopback and IF up, ADDR/24 on IF.
bench_side_up() {
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" link set "$2" up
}

# bench_testbed_up TAG: bench_pair_up, then the ingress drop on the capture interface.
bench_testbed_up() {
  bench_pair_up "$1"
  printf 'table netdev bench {\n chain ingress {\n  type filter hook ingress device "%s" priority 0; policy drop;\n }\n}\n' \
    "$cap_if" | ip netns exec "$cap_ns" nft -f -
}

# Removes what bench_pair_up or bench_testbed_up made (the veth pair goes with its namespaces); safe to call twice or before setup.
bench_testbed_down() {
  if [ -n "${snd_ns:-}" ]; then ip netns del "$snd_ns" 2>/dev/null || true; fi
  if [ -n "${cap_ns:-}" ]; then ip netns del "$cap_ns" 2>/dev/null || true; fi
}

cap_stat() { ip netns exec "$cap_ns" cat "/sys/class/net/$cap_if/statistics/$1"; }
snd_stat() { ip netns exec "$snd_ns" cat "/sys/class/net/$snd_if/statistics/$1"; }

# bench_build_syngen DIR: compiles the SYN generator to DIR/syngen.
bench_build_syngen() {
  gcc -O2 -Wall -Wextra -pthread -o "$1/syngen" "$bench_dir/syngen.c"
}

# Nanoseconds on CPU of all live threads of a process (user + system), from the scheduler's own accounting.
cpu_ns() {
  local sum=0 t v
  for t in /proc/"$1"/task/*/schedstat; do
    read -r v _ < "$t" 2>/dev/null || continue
    sum=$((sum + v))
  done
  echo "$sum"
}

now() { date +%s.%N; }

# bench_forget PID: drops PID from the caller's started array (exact matches only: 123 must not touch 1234).
bench_forget() {
  local kept=() p
  for p in "${started[@]:-}"; do
    if [ -n "$p" ] && [ "$p" != "$1" ]; then kept+=("$p"); fi
  done
  started=("${kept[@]:-}")
}

# bench_wait_listening PID STDERR_FILE SECONDS: waits for a capture tool's "listening on" line; 1 if it died or timed out.
bench_wait_listening() {
  local pid="$1" err="$2" limit=$(( $3 * 100 )) waited=0
  until grep -q "listening on" "$err" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge "$limit" ]; then
      return 1
    fi
    sleep 0.01; waited=$((waited + 1))
  done
}
