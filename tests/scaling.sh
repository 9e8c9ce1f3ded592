#!/usr/bin/env bash
# bench/scaling (make scaling): bad arguments refused with one line and exit
# 2; a small real run prints a row per workload, its ratio, and judges it
# against the limit.
. "$(dirname "$0")/check.bash"
bin=${HEAPLAB_BUILD:-build}/bin

refused() { # pattern args...
  local pattern=$1 err status
  shift
  err=$(bench/scaling --bin "$bin" "$@" 2>&1 >/dev/null)
  status=$?
  [ $status -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -Eq -- "^scaling: $pattern" <<<"$err" ||
    { echo "  bench/scaling $*: exit $status: $err"; return 1; }
}
check "an unknown variant" refused "no $bin/heaplab-nosuch\+malloc" --variant nosuch+malloc
check "an unknown workload" refused "unknown workload 'nosuch'" nosuch
check "an unknown option" refused "unknown option: --junk" --junk
for f in 0 -1 x 1,,2 1.5 10000 ''; do
  check "factors '$f'" refused "--factors wants whole numbers" --factors "$f"
done
for l in 0.5 x -1 ''; do
  check "limit '$l'" refused "--limit wants a ratio of at least 1" --limit "$l"
done

# Rings at 1x and 2x of a small size: the ring is a fixed shape, so the
# cost per object holds steady (the limit is generous: a shared machine).
out=$(bench/scaling --bin "$bin" --variant rc+malloc --factors 1,2 --limit 3 rings 2>&1)
status=$?
check "rings 1x/2x: exit 0 ($status)" test $status -eq 0
check "rings 1x/2x: a row with both costs and a ratio" \
  grep -Eq '^rings +[0-9]+ +[0-9.]+/[0-9.]+ +[0-9.]+/[0-9.]+ +[0-9]+\.[0-9]{2}$' <<<"$out"
out=$(bench/scaling --bin "$bin" --variant rc+malloc --factors 1,2 --limit 1 cycles rings 2>&1)
status=$?
rows=$(grep -Ec '^(cycles|rings) ' <<<"$out")
over=$(grep -Ec ' OVER$' <<<"$out")
check "limit 1: a row per workload ($rows), each over exactly when its ratio passes 1, exit 1 if any ($status)" \
  test "$rows" -eq 2 -a \( \( "$over" -gt 0 -a $status -eq 1 \) -o \( "$over" -eq 0 -a $status -eq 0 \) \)
checks_done
