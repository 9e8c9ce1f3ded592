#!/usr/bin/env bash
# rcgen is CPython 3.11's collector reimplemented; cpython is the real one.
# On every workload of the catalogue, at its small size, both collect the
# same generations the same number of times and find the same objects
# unreachable in each (gc.get_stats()'s figures), on both of cpython's back
# ends. Low thresholds (2, 1, 1) make a small run collect every generation
# (size-mix's containers die young: it never collects); rings at a larger
# size checks CPython's defaults (700, 10, 10).
. "$(dirname "$0")/check.bash"

columns='collections gen0_collections gen0_collected gen0_uncollectable gen1_collections gen1_collected
gen1_uncollectable gen2_collections gen2_collected gen2_uncollectable objects_freed leaked_objects checksum'

# The figures above from one run's CSV row, "name=value" a line.
figures() { # variant workload options...
  ./heaplab run "$@" | awk -F, -v want="$columns" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    { n = split(want, names, /[ \n]+/); for (k = 1; k <= n; k++) if (names[k] != "") print names[k] "=" $at[names[k]] }'
}

same_as_rcgen() { # workload options...
  local reference theirs v ok=0
  reference=$(figures rcgen+pymalloc "$@") || return 1
  for v in cpython+pymalloc cpython+malloc; do
    theirs=$(figures "$v" "$@") || return 1
    if [ "$theirs" != "$reference" ]; then
      echo "  $v differs from rcgen+pymalloc on $*:"
      diff <(echo "$reference") <(echo "$theirs") | sed 's/^/    /'
      ok=1
    fi
  done
  echo "$reference" >>"$dir/reference"
  return $ok
}

for w in $(./heaplab list | awk '$1 == "workload" { print $2 }'); do
  small=$(./heaplab describe "$w" | sed -n '/^small run/{n;s/^ *//p}')
  # shellcheck disable=SC2086 # small holds several options
  check "$w: cpython's generations and collected objects equal rcgen's" \
    same_as_rcgen "$w" $small --threshold0=2 --threshold1=1 --threshold2=1
done
check "rings at CPython's default thresholds: the same collections" same_as_rcgen rings --size=10000
# Not vacuous: every generation was collected, and found garbage.
for g in 0 1 2; do
  check "generation $g collected and found garbage somewhere" \
    bash -c "grep -q '^gen${g}_collections=[1-9]' '$dir/reference' && grep -q '^gen${g}_collected=[1-9]' '$dir/reference'"
done

checks_done
