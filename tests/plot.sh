#!/usr/bin/env bash
# ./heaplab plot DIR: from the committed results folder tests/fixtures/sweep-small
# (3 variants x 2 workloads x 2 repetitions, with hyperfine.csv and heap.csv)
# every plot is drawn as a PNG and a well-formed SVG and the report page shows
# them all (every <img> loads in headless Chromium, with no script of its
# own); incomplete results (failed runs, missing curves, a torn last row) are
# drawn with a note on the page, damaged or unusable ones refused (exit 2, one
# line on stderr, nothing written, what was there before kept), and a gnuplot
# that fails leaves the old output too. Needs no build.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"
fixture=tests/fixtures/sweep-small

fresh() { # name -> a copy of the fixture to draw into (the fixture stays untouched)
  rm -rf "${dir:?}/$1"
  cp -r "$fixture" "$dir/$1"
  echo "$dir/$1"
}

# Sets one field of one run in runs.csv, by column name (the fixture has no quoted fields).
set_field() { # dir run_id column value
  awk -F, -v OFS=, -v id="$2" -v column="$3" -v value="$4" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
    $at["run_id"] == id { $at[column] = value }
    { print }' "$1/runs.csv" >"$1/runs.new" && mv "$1/runs.new" "$1/runs.csv"
}

is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_svg() {
  if command -v xmllint >/dev/null 2>&1; then xmllint --noout "$1" 2>/dev/null
  else grep -q '<svg' "$1" && [ "$(tail -c 200 "$1" | grep -c '</svg>')" -ge 1 ]; fi
}
page_says() { grep -q -- "$2" "$1/index.html"; }

# --- the fixture, whole
good=$(fresh good)
out=$(./heaplab plot "$good" 2>"$dir/err")
status=$?
check "the fixture is drawn (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
check "it prints the page's path" test "$out" = "$good/index.html"
check "nothing on stderr" test ! -s "$dir/err"
expected=()
for config in 01-churn-20000 02-rings-20000; do
  for kind in time memory pauses mmu heap leaks; do expected+=("$config-$kind"); done
done
for plot in "${expected[@]}"; do
  check "$plot.png is a PNG" is_png "$good/plots/$plot.png"
  check "$plot.svg is well-formed SVG" is_svg "$good/plots/$plot.svg"
  check "the page shows $plot" grep -q "<img src=\"plots/$plot.png\"" "$good/index.html"
done
check "no other files in plots/" test "$(find "$good/plots" -type f | wc -l)" -eq $((2 * ${#expected[@]}))
check "no staging folders left" test -z "$(find "$good" -maxdepth 1 -name '.plot-*')"
check "the page has no script" test "$(grep -ci '<script' "$good/index.html")" -eq 0
check "the page needs nothing from the network" test "$(grep -Eci '(src|href)="(https?:)?//' "$good/index.html")" -eq 0
check "the page shows the meta (commit)" page_says "$good" '<th>commit</th><td>[0-9a-f]\{40\}'
check "the page has the summary table with hyperfine's column" page_says "$good" '<th class="n">hyperfine ms</th>'
check "the summary counts runs ok/total" test "$(grep -c '<td class="n">2/2</td>' "$good/index.html")" -eq 6
check "the page says every run succeeded" page_says "$good" 'Every run succeeded'
check "the page says the checksums agree" page_says "$good" 'same checksum'
# The same colour for a variant everywhere: rc+malloc's in the page and in every SVG line plot.
colour=$(grep -o 'background:#[0-9a-f]*"></span>rc+malloc' "$good/index.html" | head -n 1 | sed 's/background:\(#[0-9a-f]*\).*/\1/')
check "rc+malloc has a colour in the page" test -n "$colour"
for plot in 01-churn-20000-memory 02-rings-20000-mmu; do
  check "$plot draws rc+malloc in its colour" grep -qi "stroke=['\"]rgb($(printf '%3d, %3d, %3d' "0x${colour:1:2}" "0x${colour:3:2}" "0x${colour:5:2}"))" \
    "$good/plots/$plot.svg"
done

# --- the page in a browser: every image (the PNGs shown, and every SVG) loads
if command -v chromium >/dev/null 2>&1; then
  view=$dir/view
  mkdir -p "$view"
  cp -r "$good/plots" "$view/"
  {
    sed 's|</body>.*||' "$good/index.html"
    for svg in "$good"/plots/*.svg; do printf '<img class="svg-check" src="plots/%s">\n' "${svg##*/}"; done
    cat <<'EOF'
<script>
window.addEventListener('load', function () {
  var images = document.images, broken = [];
  for (var i = 0; i < images.length; i++)
    if (!(images[i].complete && images[i].naturalWidth > 0)) broken.push(images[i].getAttribute('src'));
  document.body.setAttribute('data-check', 'images=' + images.length + ' broken=' + broken.length + ' ' + broken.join(' '));
});
</script>
</body></html>
EOF
  } >"$view/index.html"
  dom=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$dir/chromium-profile" \
    --virtual-time-budget=15000 --dump-dom "file://$view/index.html" 2>/dev/null)
  result=$(grep -o 'data-check="[^"]*"' <<<"$dom")
  check "in Chromium every image loads: ${result:-no result}" \
    test "$result" = "data-check=\"images=$((2 * ${#expected[@]})) broken=0 \""
else
  check "chromium is installed (scripts/install-deps installs it)" false
fi

# --- the cost table: each variant's median wall time over the fastest
# variant's and over nogc+bump's (the floor), as runs.csv gives them
# The cost table's row of a variant in a configuration: wall ms, x best, x floor.
cost_row() { # page workload variant
  sed -n '/<table class="costs">/,/<\/table>/p' "$1" | awk -v workload="$2" -v variant="$3" '
    /<tr class="config">/ { here = index($0, ">" workload ", size ") > 0; next }
    here { gsub(/<[^>]*>/, " "); if ($1 == variant) print $2, $3, $4 }'
}
# The median wall_ns of the successful runs of a variant on a workload.
median_ns() { # runs.csv workload variant
  awk -F, -v workload="$2" -v variant="$3" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["outcome"] == "ok" && $at["workload"] == workload && $at["variant"] == variant { print $at["wall_ns"] }' "$1" |
    sort -n | awk '{ wall[NR] = $1 } END { if (NR) print NR % 2 ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line_of() { grep -n -m 1 -- "$2" "$1" | cut -d: -f1; } # file pattern
check "the cost table comes first, before the meta" \
  test "$(line_of "$good/index.html" '<h2 id="costs">')" -lt "$(line_of "$good/index.html" '<h2 id="meta">')"
check "without nogc+bump in the sweep the page says so" page_says "$good" 'This sweep did not run nogc+bump'
# The fixture again, rcgen+pool's runs on rings renamed nogc+bump: rings has
# a floor (which is not its fastest variant), churn has none.
d=$(fresh floor)
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i }
  $at["workload"] == "rings" && $at["variant"] == "rcgen+pool" { $at["variant"] = "nogc+bump" } { print }' \
  "$fixture/runs.csv" >"$d/runs.csv"
./heaplab plot "$d" >/dev/null 2>"$dir/err"
status=$?
check "a sweep with nogc+bump is drawn (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
best='' best_ns=''
for variant in marksweep+pool nogc+bump rc+malloc; do
  ns=$(median_ns "$d/runs.csv" rings "$variant")
  if [ -z "$best" ] || [ "$ns" -lt "$best_ns" ]; then best=$variant best_ns=$ns; fi
done
floor_ns=$(median_ns "$d/runs.csv" rings nogc+bump)
check "  ... the floor is not the fastest on rings (else x best and x floor are one)" test "$best" != nogc+bump
check "  ... the fastest on rings, $best, reads 1.00 in x best ($(cost_row "$d/index.html" rings "$best"))" \
  test "$(cost_row "$d/index.html" rings "$best" | cut -d' ' -f2)" = 1.00
check "  ... nogc+bump reads 1.00 in x floor ($(cost_row "$d/index.html" rings nogc+bump))" \
  test "$(cost_row "$d/index.html" rings nogc+bump | cut -d' ' -f3)" = 1.00
for variant in marksweep+pool nogc+bump rc+malloc; do
  ns=$(median_ns "$d/runs.csv" rings "$variant")
  want="$(ratio "$ns" "$best_ns") $(ratio "$ns" "$floor_ns")"
  got=$(cost_row "$d/index.html" rings "$variant" | cut -d' ' -f2-)
  check "  ... $variant on rings: x best, x floor $got (runs.csv: $want)" test "$got" = "$want"
done
check "  ... churn has no nogc+bump run: x floor - for each of its 3 variants" \
  test "$(for variant in marksweep+pool rc+malloc rcgen+pool; do cost_row "$d/index.html" churn "$variant"; done |
    grep -c ' - *$')" -eq 3
check "  ... the fastest on churn reads 1.00 in x best" \
  test "$(for variant in marksweep+pool rc+malloc rcgen+pool; do cost_row "$d/index.html" churn "$variant"; done |
    grep -c ' 1\.00 - *$')" -eq 1
check "  ... no note that the floor is missing" test "$(grep -c 'did not run nogc+bump' "$d/index.html")" -eq 0

# --- drawn again: replaced whole, nothing left over
before=$(stat -c %Y "$good/index.html")
sleep 1
./heaplab plot "$good" >/dev/null 2>&1
check "drawn again over an earlier result: exit 0" test $? -eq 0
check "  ... the page rewritten" test "$(stat -c %Y "$good/index.html")" -gt "$before"
check "  ... the same plots" test "$(find "$good/plots" -type f | wc -l)" -eq $((2 * ${#expected[@]}))
check "  ... no staging folders left" test -z "$(find "$good" -maxdepth 1 -name '.plot-*')"

# --- incomplete but sound: drawn, with notes on the page
d=$(fresh incomplete)
set_field "$d" c4-1 outcome failed
set_field "$d" c4-1 exit_status 3
set_field "$d" c4-1 error '"heaplab: out of memory, after 3 collections"'
set_field "$d" c4-1 wall_ns ''
set_field "$d" c6-2 checksum 0123456789abcdef
printf 'c9-9,1,,,0,,rc+malloc,churn' >>"$d/runs.csv" # a torn last row: a run being written
rm "$d/series/c5-1.csv" "$d/series/c5-2.csv" "$d/mmu/c3-1.csv" "$d/mmu/c3-2.csv" "$d/hyperfine.csv"
./heaplab plot "$d" >/dev/null 2>"$dir/err"
status=$?
check "incomplete results are drawn (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
check "  ... a torn last row noted" page_says "$d" "torn row"
check "  ... the failed run listed, its quoted error whole" page_says "$d" "heaplab: out of memory, after 3 collections"
check "  ... and counted: 1/2" page_says "$d" '<td class="n bad">1/2</td>'
check "  ... the checksum disagreement called out" page_says "$d" "Checksums disagree"
check "  ... the missing memory curves noted" page_says "$d" "no memory curve for: rcgen+pool (no series/c5-"
check "  ... the missing MMU curves noted" page_says "$d" "no MMU curve for: marksweep+pool (no mmu/c3-"
check "  ... without hyperfine.csv, no hyperfine column" test "$(grep -c 'hyperfine ms' "$d/index.html")" -eq 0
for plot in "${expected[@]}"; do
  [ -f "$d/plots/$plot.png" ] || check "incomplete results still draw $plot" false
done
check "  ... every plot still drawn" test "$(find "$d/plots" -name '*.png' | wc -l)" -eq ${#expected[@]}

# --- columns added, moved and quoted; an old folder with no mmu/, heap.csv or hyperfine.csv
d=$(fresh columns)
awk -F, -v OFS=, 'NR == 1 { print "schema_version", $0, "machine", "note"; next }
                  { print 2, $0, "vm", "\"a, quoted, field\"" }' "$d/runs.csv" >"$d/runs.new" && mv "$d/runs.new" "$d/runs.csv"
rm -r "$d/mmu" "$d/heap.csv" "$d/hyperfine.csv"
./heaplab plot "$d" >/dev/null 2>"$dir/err"
status=$?
check "added columns and quoted commas are read by name (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
check "  ... the runs all read" test "$(grep -c '<td class="n">2/2</td>' "$d/index.html")" -eq 6
check "  ... no MMU or heap plots, and a note" \
  test "$(find "$d/plots" -name '*-mmu.*' -o -name '*-heap.*' | wc -l)" -eq 0 -a "$(grep -c 'no mmu/ folder' "$d/index.html")" -eq 1
check "  ... the other plots drawn" test "$(find "$d/plots" -name '*.png' | wc -l)" -eq 8

# --- unusable: exit 2, one line, nothing written, what was there before kept
n=0
refused() { # pattern setup-command... (run with $copy a fresh copy of the fixture, drawn once; it may set
           # $target: a path to draw instead, "none" for no argument, "empty" for "")
  local pattern=$1 out status err problem="" listing
  shift
  n=$((n + 1))
  copy=$(fresh "bad$n")
  ./heaplab plot "$copy" >/dev/null 2>&1
  listing=$(cd "$copy" && find plots index.html -type f -exec md5sum {} + | sort)
  "$@"
  case $target in
    '') out=$(./heaplab plot "$copy" 2>"$dir/err") ;;
    none) out=$(./heaplab plot 2>"$dir/err") ;;
    empty) out=$(./heaplab plot "" 2>"$dir/err") ;;
    *) out=$(./heaplab plot "$target" 2>"$dir/err") ;;
  esac
  status=$?
  err=$(cat "$dir/err")
  [ $status -eq 2 ] || problem="exit $status"
  grep -Eq -- "^heaplab: plot: .*$pattern" <<<"$err" || problem="$problem; stderr: $err"
  [ "$(wc -l <"$dir/err")" -eq 1 ] || problem="$problem; $(wc -l <"$dir/err") lines on stderr"
  [ -z "$out" ] || problem="$problem; stdout: $out"
  [ "$(cd "$copy" && find plots index.html -type f -exec md5sum {} + | sort)" = "$listing" ] || problem="$problem; the earlier output changed"
  [ -z "$(find "$copy" -maxdepth 1 -name '.plot-*')" ] || problem="$problem; staging folders left"
  if [ -z "$problem" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: refused /$pattern/: ${problem#; }"; fi
  target=''
}
target=''
# What each refused case does to its copy, or which argument it gives instead.
runs() { printf '%b' "$1" >"$copy/runs.csv"; }
from_fixture() { "$@" "$fixture/runs.csv" >"$copy/runs.csv"; } # command... on the fixture's runs.csv
no_runs_csv() { rm "$copy/runs.csv"; }
damage() { set_field "$copy" "$@"; } # run_id column value
series_as_runs() { cp "$fixture/series/c1-1.csv" "$copy/runs.csv"; }
without_column() { # name
  awk -F, -v OFS=, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) drop = i }
    { out = ""; for (i = 1; i <= NF; i++) if (i != drop) out = out (out == "" ? "" : OFS) $i; print out }' \
    "$fixture/runs.csv" >"$copy/runs.csv"
}
draw_nowhere() { target=$copy/nowhere; }
draw_a_file() { target=$copy/runs.csv; }
draw_nothing() { target=none; }
draw_empty_name() { target=empty; }
header=$(head -n 1 "$fixture/runs.csv")
refused "no runs.csv" no_runs_csv
refused "is empty" runs ''
refused "is empty" runs '\n\n'
refused "no whole header line" runs "${header:0:50}"
refused "header but no runs" runs "$header\n"
refused "no column wall_ns" without_column wall_ns
refused "not a sweep's runs.csv: no column run_id" series_as_runs
refused "names the column 'seed' twice" from_fixture sed '1s/,size,/,seed,/'
# shellcheck disable=SC2016 # sed's $: the last line, the end of a line
refused "runs.csv:2: [0-9]+ fields where the header has" from_fixture sed '2,$s/,[^,]*$//'
refused "runs.csv:3: [0-9]+ fields where the header has" from_fixture sed '3s/,[^,]*$//'
refused "runs.csv:[0-9]+: wall_ns is not a number: 'NaN'" damage c1-1 wall_ns NaN
refused "runs.csv:[0-9]+: gc_ns is not a number: 'fast'" damage c2-2 gc_ns fast
refused "runs.csv:[0-9]+: wall_ns is out of range \(beyond 1e300\): '1e400'" damage c1-2 wall_ns 1e400
refused "runs.csv:[0-9]+: peak_live_bytes is out of range \(beyond 1e300\): '1.7e308'" damage c2-1 peak_live_bytes 1.7e308
refused "runs.csv:[0-9]+: a row with no variant or workload" damage c2-1 variant ''
refused "not a sweep's runs.csv" runs '\x00\x01\x02\x7f\xff junk\n\x03\x04\n'
refused "no results folder" draw_nowhere
refused "is not a folder" draw_a_file
refused "usage" draw_nothing
refused "usage" draw_empty_name

# --- odd names: a variant and parameters with quotes and blanks, a results
# folder named with a newline, quotes and an escape
d=$(fresh quotes)
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; print; next }
  $at["variant"] == "rc+malloc" { $at["variant"] = "\"rc+mal\"\"loc x\"" }
  $at["workload"] == "rings" { $at["params"] = "\"ring-size=10;name=\"\"a b\"\"\"" } { print }' "$fixture/runs.csv" >"$d/runs.csv"
rm "$d/hyperfine.csv" "$d/heap.csv" # which name the old parameters and variant
./heaplab plot "$d" >/dev/null 2>"$dir/err"
status=$?
check "a variant and parameters with quotes: drawn (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
for plot in 01-churn-20000-time 02-rings-20000-leaks; do
  check "  ... $plot labels the variant whole, its quote a single quote" grep -q "rc+mal'loc x" "$d/plots/$plot.svg"
  check "  ... $plot shows its 3 variants" test "$(grep -c "rc+mal'loc x\|marksweep+pool\|rcgen+pool" "$d/plots/$plot.svg")" -ge 3
done
check "  ... the page names it as it is" grep -q 'rc+mal&quot;loc x' "$d/index.html"
odd=$dir/$'odd \'quote\' "double"\nline\e[2J'
rm -rf "$odd"
cp -r "$fixture" "$odd"
out=$(./heaplab plot "$odd" 2>"$dir/err")
status=$?
check "a results folder named with quotes, a newline and an escape: drawn (exit $status: $(head -c 300 "$dir/err"))" \
  test $status -eq 0 -a "$(find "$odd/plots" -type f -print0 | tr -cd '\0' | wc -c)" -eq $((2 * ${#expected[@]}))
check "  ... its page's path printed on one line, no escape" \
  test "$(wc -l <<<"$out")" -eq 1 -a -z "$(tr -d '[:print:]' <<<"$out")"
# Numbers past what a plot can scale: a successful run's is refused (below);
# hyperfine's and heap.csv's rows are left out, with a note.
d=$(fresh huge)
awk -F, -v OFS=, 'NR == 2 { $8 = "1e400" } { print }' "$fixture/hyperfine.csv" >"$d/hyperfine.csv"
awk -F, -v OFS=, 'NR == 2 { $11 = "1e400" } { print }' "$fixture/heap.csv" >"$d/heap.csv"
./heaplab plot "$d" >/dev/null 2>"$dir/err"
status=$?
check "hyperfine.csv and heap.csv with 1e400: drawn (exit $status: $(head -c 300 "$dir/err"))" test $status -eq 0
check "  ... the hyperfine row left out, noted" page_says "$d" "1 row(s) of hyperfine.csv unreadable"
# A run id twice (two sweeps at once, before the lock): noted on the page.
d=$(fresh twice)
sed -n 2p "$fixture/runs.csv" >>"$d/runs.csv"
./heaplab plot "$d" >/dev/null 2>&1
check "a run id twice in runs.csv: drawn, with a note" page_says "$d" "1 row(s) of runs.csv repeat a run id (the first, c1-1 on lines 2 and 14)"

# --- gnuplot failing midway: exit 1, the earlier output kept, nothing left over
d=$(fresh gnuplot-fails)
./heaplab plot "$d" >/dev/null 2>&1
listing=$(cd "$d" && find plots index.html -type f -exec md5sum {} + | sort)
mkdir -p "$dir/bin"
printf '#!/bin/sh\necho "gnuplot: something broke" >&2\nexit 1\n' >"$dir/bin/gnuplot"
chmod +x "$dir/bin/gnuplot"
PATH=$dir/bin:$PATH ./heaplab plot "$d" >"$dir/out" 2>"$dir/err"
status=$?
check "a failing gnuplot: exit 1 ($status)" test $status -eq 1
check "  ... one line saying so" test "$(grep -c '^heaplab: plot: gnuplot failed' "$dir/err")" -eq 1 -a "$(wc -l <"$dir/err")" -eq 1
check "  ... the earlier plots and page kept" test "$(cd "$d" && find plots index.html -type f -exec md5sum {} + | sort)" = "$listing"
check "  ... no staging folders left" test -z "$(find "$d" -maxdepth 1 -name '.plot-*')"

checks_done
