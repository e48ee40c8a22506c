#!/usr/bin/env bash
# jq recipes over xdpdump's JSON lines (a file, or standard input), one per question a defender asks of SYNs:
#   samples/syn-fingerprints.sh top FILE        the most frequent p0f signatures, with their count
#   samples/syn-fingerprints.sh sources FILE    how many distinct sources send each MuonFP fingerprint, and which
#   samples/syn-fingerprints.sh mismatch FILE   SYNs whose option layout claims one OS while the TTL says another
set -euo pipefail
question="${1:-}"
file="${2:--}"
case "$question" in
  top)
    jq -r 'select(.p0f != null) | .p0f' "$file" | sort | uniq -c | sort -rn | head -20 ;;
  sources)
    jq -s -r 'map(select(.muonfp != null)) | group_by(.muonfp)
              | map({fp: .[0].muonfp, sources: (map(.src) | unique)})
              | sort_by(-(.sources | length))[]
              | "\(.sources | length)\t\(.fp)\t\(.sources | join(","))"' "$file" ;;
  mismatch)
    # Windows stacks send mss,nop,ws,nop,nop,sok and start at TTL 128; Linux sends mss,sok,ts,nop,ws from TTL 64.
    jq -r 'select((.opts == "mss,nop,ws,nop,nop,sok" and .ittl != 128)
                  or (.opts == "mss,sok,ts,nop,ws" and .ittl != 64))
           | "\(.src)\tttl \(.ttl) (ittl \(.ittl))\t\(.opts)\t\(.p0f)"' "$file" ;;
  *)
    echo "usage: syn-fingerprints.sh top|sources|mismatch [FILE]" >&2; exit 2 ;;
esac
