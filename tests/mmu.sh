#!/usr/bin/env bash
# --mmu FILE: the whole MMU curve, windows from 1 us to the run's length,
# agreeing with the summary's mmu_* columns, written whole or not at all; a
# path that cannot be written is refused before the run.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

field() { # name json
  sed "s/.*\"$1\": \"\{0,1\}\([^,\"}]*\).*/\1/" <<<"$2"
}

# A header, then windows rising from 1000 ns to the run's length, every MMU in [0, 1].
well_formed() { # file wall_ns
  awk -F, -v run="$2" 'NR == 1 { ok = ($0 == "window_ns,mmu"); next }
       NF != 2 || $1 <= last || $2 < 0 || $2 > 1 { ok = 0 }
       NR == 2 && $1 != 1000 { ok = 0 }
       { last = $1; n++ }
       END { exit !(ok && n >= 2 && last == run) }' "$1"
}

# The curve's value at `window` is the summary's: six places against six digits.
agrees() { # file window value
  awk -F, -v w="$2" -v v="$3" '$1 == w { found = 1; d = $2 - v; if (d < 0) d = -d; bad = d > 1.1e-6 }
       END { exit !(found && !bad) }' "$1"
}

for v in rc+malloc rcgen+pool marksweep+malloc; do
  for w in churn rings; do
    f=$dir/$v-$w.csv
    row=$(./heaplab run "$v" "$w" --size=200000 --mmu "$f" --json)
    wall=$(field wall_ns "$row")
    check "$v $w: MMU curve written" test -s "$f"
    check "$v $w: MMU curve well formed, ending at the run's length ($wall)" well_formed "$f" "$wall"
    check "$v $w: curve at 1 ms = mmu_1ms" agrees "$f" 1000000 "$(field mmu_1ms "$row")"
    if [ "$wall" -ge 10000000 ]; then
      check "$v $w: curve at 10 ms = mmu_10ms" agrees "$f" 10000000 "$(field mmu_10ms "$row")"
    fi
    # The whole run as the window: what the pauses left of it (each pause's
    # ends turned into ns on their own: up to 1 ns apart from the total's).
    total=$(field pause_total_ns "$row") count=$(field pauses "$row")
    check "$v $w: last point is 1 - pause_total/wall" \
      awk -F, -v p="$total" -v n="$count" -v r="$wall" \
        'END { d = $2 - (1 - p / r); e = 1e-6 + n / r; exit !(d <= e && d >= -e) }' "$f"
  done
done

# With --series too: both files, each whole.
./heaplab run rcgen+malloc rings --size=20000 --series "$dir/s.csv" --mmu "$dir/m.csv" >/dev/null
check "--series and --mmu together: both written" test -s "$dir/s.csv" -a -s "$dir/m.csv"

# An unwritable path: exit 2, one line, no run, nothing left behind.
err=$(./heaplab run rc+malloc churn --mmu "$dir/missing/x.csv" 2>&1 >/dev/null)
status=$?
check "unwritable --mmu path refused with exit 2 ($status)" test $status -eq 2
check "unwritable --mmu path named: $err" grep -q "cannot write '$dir/missing/x.csv'" <<<"$err"
err=$(./heaplab run rc+malloc churn --mmu "$dir/a.csv" --mmu "$dir/b.csv" 2>&1 >/dev/null)
status=$?
check "--mmu given twice refused with exit 2 ($status)" test $status -eq 2
check "--mmu given twice: nothing written" test ! -e "$dir/a.csv" -a ! -e "$dir/b.csv"
err=$(./heaplab run rc+malloc churn --mmu= 2>&1 >/dev/null)
status=$?
check "--mmu with no file name refused with exit 2 ($status)" test $status -eq 2

# Out of memory: the curve so far is still written, whole.
out=$(./heaplab run marksweep+malloc rings --ring-size=100000 --heap-limit=1M --mmu "$dir/oom.csv" --json 2>/dev/null)
status=$?
check "out-of-memory run exits 3 ($status)" test $status -eq 3
check "out-of-memory run leaves a whole MMU curve" well_formed "$dir/oom.csv" "$(field wall_ns "$out")"
check "no temporary files left" test -z "$(find "$dir" -name '*.tmp.*')"

checks_done
