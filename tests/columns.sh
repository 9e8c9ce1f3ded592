#!/usr/bin/env bash
# docs/columns.md lists exactly the columns the harness prints, in order: the
# summary (CSV header and JSON keys alike, with --trash-every or without),
# the memory curve (--series) and the MMU curve (--mmu).
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

# The names in one section's table, in order, comma-separated.
documented() { # section title
  awk -v title="$1" '/^## / { inside = index($0, title) == 4; next }
    inside && /^\| `/ { split($0, cell, "`"); names = names (names == "" ? "" : ",") cell[2] }
    END { print names }' docs/columns.md
}

same() { # what documented printed
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $1: docs/columns.md (<) and the harness (>) disagree:"
    diff <(tr , '\n' <<<"$2") <(tr , '\n' <<<"$3") | grep '^[<>]' | head -n 20
  fi
}

summary=$(documented "The summary")
series=$(documented "The memory curve")
mmu=$(documented "The MMU curve")
check "the summary table is found" test -n "$summary"
check "the series table is found" test -n "$series"
check "the MMU table is found" test -n "$mmu"

json_keys() { sed 's/^{//; s/}$//' | tr ',' '\n' | sed -n 's/^ *"\([a-z0-9_]*\)": .*/\1/p' | paste -sd, -; }

for v in rc+malloc rcgen+pool marksweep+malloc; do
  for trash in "" "--trash-every=64K"; do
    # shellcheck disable=SC2086 # trash is one option or none
    header=$(./heaplab run "$v" rings --size=2000 $trash --series "$dir/s.csv" --mmu "$dir/m.csv" | head -n 1)
    same "$v ${trash:-without passes}: summary CSV header" "$summary" "$header"
    # shellcheck disable=SC2086
    keys=$(./heaplab run "$v" rings --size=2000 $trash --json | json_keys)
    same "$v ${trash:-without passes}: summary JSON keys" "$summary" "$keys"
    same "$v ${trash:-without passes}: series header" "$series" "$(head -n 1 "$dir/s.csv")"
    same "$v ${trash:-without passes}: MMU header" "$mmu" "$(head -n 1 "$dir/m.csv")"
  done
done

# The first column is the schema's version, and the page describes that one.
version=$(./heaplab run rc+malloc churn --size=100 --json | sed 's/.*"schema_version": \([0-9]*\).*/\1/')
check "schema_version $version is the one docs/columns.md describes" \
  grep -q "describes version $version\.\$" docs/columns.md

checks_done
