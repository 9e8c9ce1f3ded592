#!/usr/bin/env bash
# Plot, its report page and the sweep's table take time linear in the rows
# of runs.csv (near enough: sorting is n log n), not quadratic: a folder of
# 20 times the rows costs about 10 times (a fixed part, gnuplot's, does not
# grow): 60 times, and 2 s, would pass; a quadratic reader's 400 would not. What is measured is CPU time (the process and
# what it waits for), which a busy machine disturbs far less than the clock
# on the wall, and the bound leaves room for that. The big folder is read
# right too: every run counted on the page and in the table.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

# The fixture's 12 runs (2 configurations x 3 variants x 2 repetitions)
# repeated to ROWS rows, each a run of its own (its id, its wall time).
synthetic() { # rows -> a results folder
  local out=$dir/rows-$1
  cp -r tests/fixtures/sweep-small "$out"
  awk -F, -v OFS=, -v rows="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    { line[++n] = $0 }
    END {
      for (i = 1; i <= rows; i++) {
        $0 = line[(i - 1) % n + 1]
        $at["run_id"] = $at["run_id"] "x" int((i - 1) / n)
        $at["wall_ns"] += i % 997
        print
      }
    }' tests/fixtures/sweep-small/runs.csv >"$out/runs.csv"
  echo "$out"
}

# CPU seconds (user and system, children included) a command takes.
cpu_seconds() { # command...
  local TIMEFORMAT='%3U %3S'
  { time "$@" >/dev/null 2>"$dir/cpu.err"; } 2>"$dir/cpu.time"
  awk '{ print $1 + $2 }' "$dir/cpu.time"
}
# The least of two tries: a small job is the more easily disturbed.
least_cpu_seconds() {
  local a b
  a=$(cpu_seconds "$@") b=$(cpu_seconds "$@")
  awk -v a="$a" -v b="$b" 'BEGIN { print (a < b ? a : b) }'
}
within() { # big small factor: big <= small * factor, give or take a second or two of a busy machine
  awk -v big="$1" -v small="$2" -v factor="$3" 'BEGIN { exit !(big <= small * factor + 2) }'
}

small=$(synthetic 2400) big=$(synthetic 48000)

plot_small=$(least_cpu_seconds ./heaplab plot "$small")
# A quadratic plot of 48000 rows would take minutes: stopped at five.
plot_big=$(cpu_seconds timeout 300 ./heaplab plot "$big")
check "plot of 48000 rows draws ($(head -c 200 "$dir/cpu.err"))" test -s "$big/index.html" -a ! -s "$dir/cpu.err"
check "plot of 20 times the rows takes at most 60 times the CPU time (and 2 s) ($plot_big s against $plot_small s)" \
  within "$plot_big" "$plot_small" 60
check "  ... every run counted on the page: 8000/8000 for each of the 6 variants' rows" \
  test "$(grep -c '<td class="n">8000/8000</td>' "$big/index.html")" -eq 6

table_small=$(least_cpu_seconds bench/sweep-table "$small")
table_big=$(cpu_seconds timeout 300 bench/sweep-table "$big")
check "the table of 20 times the rows takes at most 60 times the CPU time (and 2 s) ($table_big s against $table_small s)" \
  within "$table_big" "$table_small" 60
bench/sweep-table "$big" >"$dir/table" 2>&1
check "  ... every run counted in the table: 8000/8000 on each of its 6 rows" \
  test "$(grep -Ec ' 8000/8000 ' "$dir/table")" -eq 6

checks_done
