#!/usr/bin/env bash
# Top sources of connection requests across the fleet, from the topic the xdpdumps write (README: Many hosts):
# reads the last N records of every partition with kcat and counts, per source address, the requests and how many
# hosts saw them. Then each host's latest stats record: "no SYNs" and "lost events" are different answers.
#   samples/kafka-top-sources.sh BROKERS TOPIC [N]      e.g. samples/kafka-top-sources.sh k1:9092 syn-events 100000
# Needs kcat and jq (Debian: apt-get install kcat jq). Extra kcat settings (TLS, SASL): KCAT_OPTS="-X ...".
set -euo pipefail
brokers="$1"; topic="$2"; last="${3:-100000}"
# shellcheck disable=SC2086
records="$(kcat -C -b "$brokers" -t "$topic" -o "-$last" -e -q -u ${KCAT_OPTS:-} -f '%s\n')"
echo "top sources (requests, hosts that saw them, source):"
jq -r 'select(.type == null) | [.src, .host] | @tsv' <<<"$records" \
  | awk -F'\t' '{n[$1]++; if (!seen[$1 FS $2]++) h[$1]++} END {for (s in n) printf "%8d %4d  %s\n", n[s], h[s], s}' \
  | sort -rn | head -n 20
echo "books per host (latest stats record):"
jq -r 'select(.type == "stats") | [.host, .matched, (.written_kafka // .written),
        ((.not_delivered_refused_kafka // .not_delivered_refused) + (.not_delivered_unacked_kafka // .not_delivered_unacked)),
        (.lost + .lost_no_ring + .lost_other)] | @tsv' <<<"$records" \
  | awk -F'\t' '{last[$1] = $0} END {print "host\tmatched\tdelivered\tnot_delivered\tlost_in_kernel"; for (h in last) print last[h]}'
