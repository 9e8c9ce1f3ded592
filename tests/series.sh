#!/usr/bin/env bash
# --series FILE: the memory curve is a well-formed CSV, monotone in the
# allocation clock, bounded in length, written whole or not at all; a path
# that cannot be written is refused before the run. With --trash-every too,
# and then the garbage columns are both filled or both empty on every row.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

well_formed() { # file
  awk -F, 'NR == 1 { ok = ($0 == "bytes_allocated,elapsed_ns,live_bytes,footprint_bytes,rss_bytes,collections,garbage_objects,garbage_bytes"); next }
           NF != 8 || $1 < last || $2 < last_t || (($7 == "") != ($8 == "")) { ok = 0 }
           { last = $1; last_t = $2; n++ }
           END { exit !(ok && n >= 2 && n <= 1024) }' "$1"
}

for v in rc+malloc rcgen+pool marksweep+malloc; do
  for w in churn rings; do
    f=$dir/$v-$w.csv
    row=$(./heaplab run "$v" "$w" --size=20000 --series "$f" --json)
    check "$v $w: series well formed without --trash-every" well_formed "$f"
    check "$v $w: no garbage columns filled without --trash-every" \
      awk -F, 'NR > 1 && ($7 != "" || $8 != "") { bad = 1 } END { exit bad }' "$f"
    row=$(./heaplab run "$v" "$w" --size=20000 --series "$f" --json --trash-every=256K)
    check "$v $w: series file written" test -s "$f"
    check "$v $w: series well formed and monotone" well_formed "$f"
    last=$(tail -n 1 "$f" | cut -d, -f1)
    total=$(sed 's/.*"bytes_allocated": \([0-9]*\).*/\1/' <<<"$row")
    check "$v $w: last sample at the run's end ($last = $total)" test "$last" = "$total"
    peak=$(sed 's/.*"peak_footprint_bytes": \([0-9]*\).*/\1/' <<<"$row")
    check "$v $w: peak footprint ($peak) at least every sample's" \
      awk -F, -v p="$peak" 'NR > 1 && $4 > p { bad = 1 } END { exit bad }' "$f"
  done
done

# A long run still has at most 1024 samples, passes or not.
./heaplab run rc+malloc churn --size=400000 --series "$dir/long.csv" >/dev/null
check "a long run's series is bounded" well_formed "$dir/long.csv"
./heaplab run rc+malloc churn --size=400000 --series "$dir/long.csv" --trash-every=64K >/dev/null
check "a long run's series with passes is bounded" well_formed "$dir/long.csv"

# An unwritable path: exit 2, one line, no run, nothing left behind.
err=$(./heaplab run rc+malloc churn --series "$dir/missing/x.csv" 2>&1 >/dev/null)
status=$?
check "unwritable --series path refused with exit 2 ($status)" test $status -eq 2
check "unwritable --series path named: $err" grep -q "cannot write '$dir/missing/x.csv'" <<<"$err"

# Out of memory: the curve so far is still written, whole.
./heaplab run marksweep+malloc rings --ring-size=100000 --heap-limit=1M --series "$dir/oom.csv" >/dev/null 2>&1
status=$?
check "out-of-memory run exits 3 ($status)" test $status -eq 3
check "out-of-memory run leaves a whole series" well_formed "$dir/oom.csv"
check "no temporary files left" test -z "$(find "$dir" -name '*.tmp.*')"

checks_done
