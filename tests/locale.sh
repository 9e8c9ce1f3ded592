#!/usr/bin/env bash
# Every figure heaplab writes or reads is the same under a comma-decimal
# locale as under C. de_DE.UTF-8 and tr_TR.UTF-8 (whose i and I do not
# pair as in English) are made here with localedef into a scratch LOCPATH:
# nothing on the system changes. Under each: the harness's summary and its
# decimal options; a sweep with hyperfine timings and heap curves at a
# fractional multiple (every time there, every limit the product it should
# be), its table; sweep --check; plot, compare and allocbench --from, whose
# output must equal what they print under C.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

locales=$dir/locales
mkdir -p "$locales"
made=0
for name in de_DE tr_TR; do
  localedef -i "$name" -f UTF-8 "$locales/$name.UTF-8" >/dev/null 2>&1 && made=$((made + 1))
done
if [ $made -ne 2 ]; then
  check "de_DE.UTF-8 and tr_TR.UTF-8 can be made with localedef (scripts/install-deps installs the locales package)" false
  checks_done
  exit
fi
export LOCPATH=$locales
# The test means something only if these locales write decimal commas.
for locale in de_DE.UTF-8 tr_TR.UTF-8; do
  check "$locale writes a decimal comma" test "$(LC_ALL=$locale awk 'BEGIN { printf "%.1f", 1.5 }')" = "1,5"
done

# A tiny sweep with every phase whose figures pass through text: hyperfine's
# JSON, heap limits at 1.5 times a minimum, the table's milliseconds.
printf '%s\n' 'variants rc+malloc marksweep+malloc' 'workloads rings' 'size rings 2000' 'repetitions 2' \
  'hyperfine 2' 'heap-multipliers 1.5,2.25 1' >"$dir/tiny.sweep"
./heaplab sweep "$dir/tiny.sweep" --out "$dir/c" >"$dir/c.table" 2>"$dir/c.err"
status=$?
check "the sweep under C: exit 0 ($status: $(tail -n 1 "$dir/c.err"))" test $status -eq 0

# An allocbench result file, saved with --out: the table again from it.
{
  echo "allocator,pattern,ns_per_pair,peak_footprint_bytes,final_footprint_bytes,peak_rss_bytes,run"
  for run in 1 2 3; do
    for allocator in malloc pool; do
      for pattern in pairs batch random; do
        echo "$allocator,$pattern,$((run + 10)).$((run * 7))5,$((run * 1000000)),$((run * 4096)),$((run * 2000000)),$run"
      done
    done
  done
} >"$dir/allocbench.csv"
./heaplab allocbench --from "$dir/allocbench.csv" >"$dir/c.allocbench" 2>&1

only_decimal_points() { # file: figures like 1.5, none like 1,5
  grep -Eq '[0-9]\.[0-9]' "$1" && ! grep -Eq '[0-9],[0-9]{1,2}( |$)' "$1"
}

for locale in de_DE.UTF-8 tr_TR.UTF-8; do
  in_locale() { LC_ALL=$locale "$@"; }
  # The harness, through ./heaplab and run directly: its figures, and a
  # decimal knob read as written.
  for harness in "./heaplab run marksweep+malloc" "${HEAPLAB_BUILD:-build}/bin/heaplab-marksweep+malloc"; do
    # shellcheck disable=SC2086 # $harness is a command and its arguments
    row=$(in_locale $harness rings --size=20000 --growth-factor=2.5 --json 2>"$dir/err")
    status=$?
    check "$locale: $harness with --growth-factor=2.5: exit 0 ($status: $(cat "$dir/err"))" test $status -eq 0
    # shellcheck disable=SC2016 # the inner script's own $1
    check "$locale: $harness: the summary's fractions are decimal, no comma in a figure" \
      bash -c 'grep -Eq "\"mmu_10ms\": (0|1|0\.[0-9]+)," <<<"$1" && ! grep -Eq "\": -?[0-9]+,[0-9]" <<<"$1"' _ "$row"
    # shellcheck disable=SC2086
    csv=$(in_locale $harness rings --size=2000 2>/dev/null)
    check "$locale: $harness: the CSV summary's row has the header's fields" \
      test "$(sed -n 1p <<<"$csv" | tr -cd , | wc -c)" -eq "$(sed -n 2p <<<"$csv" | tr -cd , | wc -c)"
  done

  out=$dir/$locale
  in_locale ./heaplab sweep "$dir/tiny.sweep" --out "$out" >"$out.table" 2>"$out.err"
  status=$?
  check "$locale: the sweep: exit 0 ($status: $(tail -n 1 "$out.err"))" test $status -eq 0
  # shellcheck disable=SC2016 # awk's own $fields
  check "$locale: hyperfine.csv: every variant timed, no time 0 ($(tail -n +2 "$out/hyperfine.csv" | tr '\n' ' '))" \
    awk -F, 'NR > 1 { n++; if (!($5 == 2 && $6 > 1000 && $8 > 1000 && $9 > 1000 && $10 >= $9)) bad = 1 } END { exit bad || n != 2 }' \
    "$out/hyperfine.csv"
  # shellcheck disable=SC2016
  check "$locale: heap.csv: each limit is its multiple of the minimum heap" \
    awk -F, 'NR > 1 { n++; if ($8 != sprintf("%.0f", $6 * $7) || $10 != "ok") bad = 1 } END { exit bad || n != 2 }' "$out/heap.csv"
  check "$locale: the table's milliseconds have decimal points" only_decimal_points "$out.table"
  bench/sweep-table "$out" >"$dir/table.c" 2>&1
  in_locale bench/sweep-table "$out" >"$dir/table.here" 2>&1
  check "$locale: the table of one folder is the same as under C" cmp -s "$dir/table.c" "$dir/table.here"
  in_locale ./heaplab sweep --check "$dir/tiny.sweep" >/dev/null 2>"$dir/err"
  status=$?
  check "$locale: sweep --check reads 1.5 and 2.25 ($(cat "$dir/err"))" test $status -eq 0

  # plot: the same page as under C, but for the time it was written.
  ./heaplab plot "$out" >/dev/null 2>"$dir/err" && grep -v 'Page written' "$out/index.html" >"$dir/page.c"
  in_locale ./heaplab plot "$out" >/dev/null 2>"$dir/err"
  status=$?
  check "$locale: plot: exit 0 ($status: $(cat "$dir/err"))" test $status -eq 0
  check "$locale: plot: the page is the one drawn under C" cmp -s "$dir/page.c" <(grep -v 'Page written' "$out/index.html")
  check "$locale: plot: the page's figures have decimal points" only_decimal_points "$out/index.html"

  # compare: the same report, byte for byte, as under C.
  ./heaplab compare "$dir/c" "$out" --out "$dir/cmp-c" >"$dir/cmp.c" 2>&1
  in_locale ./heaplab compare "$dir/c" "$out" --out "$dir/cmp-here" >"$dir/cmp.here" 2>&1
  check "$locale: compare: the report is the one printed under C" \
    cmp -s <(grep -v '^written: ' "$dir/cmp.c") <(grep -v '^written: ' "$dir/cmp.here")
  check "$locale: compare: ratios with decimal points" grep -Eq ' [0-9]+\.[0-9]{3} +\[[0-9]+\.[0-9]{3}, ' "$dir/cmp.here"
  check "$locale: compare.csv the same as under C" cmp -s "$dir/cmp-c/compare.csv" "$dir/cmp-here/compare.csv"

  in_locale ./heaplab allocbench --from "$dir/allocbench.csv" >"$dir/allocbench.here" 2>&1
  check "$locale: allocbench --from: the table printed under C" cmp -s "$dir/c.allocbench" "$dir/allocbench.here"
  check "$locale: allocbench --from: figures with decimal points" only_decimal_points "$dir/allocbench.here"
done

# A locale this machine lacks (none is made for de_AT here): bash would say
# so in a line of its own before the first of heaplab's; nothing but that
# one line is printed.
for command in "run nosuch rings" "plot" "sweep --check $dir/nosuch.sweep" "compare $dir/nosuch $dir/c"; do
  # shellcheck disable=SC2086 # the command's words
  LC_ALL=de_AT.UTF-8 ./heaplab $command >/dev/null 2>"$dir/err"
  check "under a locale not there, '$command' refused in one line ($(head -n 2 "$dir/err" | tr '\n' '|'))" \
    test "$(wc -l <"$dir/err")" -eq 1 -a -n "$(grep '^heaplab: ' "$dir/err")"
done

checks_done
