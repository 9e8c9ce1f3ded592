#!/usr/bin/env bash
# Every variant does the same work: for each workload, at its small size,
# every variant prints the same checksum, and a second seed changes it.
set -uo pipefail
# The checks' own figures, whatever the locale they are run in.
export LC_ALL=C
cd "$(dirname "$0")/.."
passed=0 failed=0
variants=$(./heaplab list | sed -n 's/^variant //p')
for w in $(./heaplab list | awk '$1 == "workload" { print $2 }'); do
  small=$(./heaplab describe "$w" | sed -n '/^small run/{n;s/^ *//p}')
  sums=""
  for v in $variants; do
    # shellcheck disable=SC2086 # small holds several options
    sums+="$v $(./heaplab run "$v" "$w" $small --json | sed 's/.*"checksum": "\([0-9a-f]*\)".*/\1/')"$'\n'
  done
  distinct=$(awk 'NF == 2 { print $2 }' <<<"$sums" | sort -u | wc -l)
  other=$(./heaplab run rc+malloc "$w" $small --seed=2 --json | sed 's/.*"checksum": "\([0-9a-f]*\)".*/\1/')
  first=$(awk 'NF == 2 { print $2; exit }' <<<"$sums")
  if [ "$distinct" -eq 1 ] && [ "$(grep -c . <<<"$sums")" -eq "$(grep -c . <<<"$variants")" ] && [ "$other" != "$first" ]; then
    passed=$((passed + 1))
    echo "ok   $w: $first on every variant"
  else
    failed=$((failed + 1))
    echo "FAIL $w: checksums differ (seed 2: $other):"
    echo "$sums"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
