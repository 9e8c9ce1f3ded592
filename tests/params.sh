#!/usr/bin/env bash
# Every parameter of every workload, as `describe` states it, is enforced:
# below the minimum, above the maximum, not a number, or fractional where a
# whole number is wanted, it is rejected with one line and exit status 2.
set -uo pipefail
# The checks' own figures, whatever the locale they are run in.
export LC_ALL=C
cd "$(dirname "$0")/.."
passed=0 failed=0

reject() { # workload option
  local err status
  err=$(./heaplab run rc+malloc "$1" "$2" 2>&1 >/dev/null)
  status=$?
  if [ $status -eq 2 ] && [ "$(grep -c . <<<"$err")" -eq 1 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1 $2: exit $status: $err"
  fi
}

for w in $(./heaplab list | awk '$1 == "workload" { print $2 }'); do
  # lines like "  --ring-size=10  (1..1e+07, whole)  nodes per ring"
  while read -r name min max whole; do
    reject "$w" "--$name=not-a-number"
    reject "$w" "--$name=$(awk -v m="$min" 'BEGIN { printf "%.17g", m - (m < 0 ? -m : m) * 0.5 - 1 }')"
    reject "$w" "--$name=$(awk -v m="$max" 'BEGIN { printf "%.17g", m + (m < 0 ? -m : m) * 0.5 + 1 }')"
    [ "$whole" = whole ] && reject "$w" "--$name=$(awk -v m="$min" 'BEGIN { printf "%.17g", m + 0.5 }')"
  done < <(./heaplab describe "$w" | awk '
    /^parameters:/ { on = 1; next }
    /^[^ ]/ { on = 0 }
    on && match($0, /^  --[a-z0-9-]+=[^ ]+  \([^)]*\)/) {
      name = substr($1, 3); sub(/=.*/, "", name)
      range = substr($0, index($0, "(") + 1); sub(/\).*/, "", range)
      whole = sub(/, whole$/, "", range) ? "whole" : ""
      split(range, bounds, /\.\./)
      print name, bounds[1], bounds[2], whole
    }')
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
