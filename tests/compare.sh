#!/usr/bin/env bash
# ./heaplab compare: on synthetic result sets made here, ratios of medians
# with bootstrap intervals that say what they should (B exactly twice A;
# the same values on both sides; known noise), configurations in one set
# only, runs that failed, a torn last row, columns found by name in any
# order; mismatched meta, sizes, parameters and checksums called out (exit
# 1); the same seed giving the same output; and every kind of bad input
# refused with one line, exit 2 and nothing written.
# shellcheck disable=SC2016 # single-quoted awk programs use awk's own $fields
# shellcheck disable=SC2012 # ls lists names this script made
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

# --- making result sets

# The columns a sweep writes, a few of them; B has them in another order
# and a column A lacks, as when the harness gains one.
header_a=run_id,repetition,sweep_params,options,exit_status,error,variant,workload,size,seed,params,outcome,checksum,wall_ns,gc_ns,peak_live_bytes
header_b=run_id,variant,workload,error,new_column,size,seed,params,outcome,exit_status,checksum,peak_live_bytes,gc_ns,wall_ns,options,repetition,sweep_params

# runs HEADER < specs > runs.csv: a spec line is
# variant|workload|size|seed|params|outcome|checksum|wall_ns|gc_ns|peak_live_bytes|error
runs() {
  awk -v header="$1" '
    BEGIN {
      FS = "|"
      n = split(header, column, ",")
      m = split("variant workload size seed params outcome checksum wall_ns gc_ns peak_live_bytes error", spec, " ")
      for (i = 1; i <= m; i++) position[spec[i]] = i
      print header
    }
    {
      line = ""
      for (i = 1; i <= n; i++) {
        name = column[i]
        if (name in position) value = $position[name]
        else if (name == "run_id") value = "c" NR
        else if (name == "exit_status") value = ($position["outcome"] == "ok" ? 0 : 3)
        else if (name == "new_column") value = NR * 7
        else value = ""
        if (value ~ /[",]/) { gsub(/"/, "\"\"", value); value = "\"" value "\"" }
        line = line (i > 1 ? "," : "") value
      }
      print line
    }'
}

meta() { # commit [compiler] [cflags] > meta
  printf '%s\n' 'sweep: synthetic' 'date: 2026-01-01T00:00:00Z' 'machine: testbox' 'cpu: Test CPU @ 2.00GHz' \
    'cores: 2' 'kernel: Linux 6.1.0 #1 SMP x86_64' "compiler: ${2:-gcc (Debian 12.2.0-14) 12.2.0}" \
    "cflags: ${3:--std=c11 -O2 -g -flto=auto}" 'ldflags: -O2 -g -flto=auto' "commit: $1" \
    '--- the sweep file' 'variants rc+*' 'compiler: not meta, the sweep file'
}

# Values, one a line: BASE times (1 + noise), the noise i*STEP mod N, centred
# and scaled to at most SPREAD either way: deterministic, median noise 0.
values() { # count base step spread
  awk -v n="$1" -v base="$2" -v step="$3" -v spread="$4" 'BEGIN {
    half = (n - 1) / 2
    for (i = 0; i < n; i++) printf "%.0f\n", base * (1 + spread * ((i * step) % n - half) / half) }'
}

spec() { # variant workload size params outcome checksum < wall values
  local wall
  while read -r wall; do
    printf '%s|%s|%s|1|%s|%s|%s|%s|%s|%s|\n' "$1" "$2" "$3" "$4" "$5" "$6" "$wall" $((wall / 10)) $((wall * 3))
  done
}

good_a=$dir/sets/run-a good_b=$dir/sets/run-b
mkdir -p "$good_a" "$good_b"
{
  # B exactly twice A; the same values; clearly slower through noise; 1% lost in noise.
  values 5 1000000 1 0.002 | spec rc+malloc churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 130 110 100 140 120 | spec rc+pool churn 1000 'keep=16;window=64' ok c0ffee01
  values 11 1000000 7 0.02 | spec marksweep+pool churn 1000 'keep=16;window=64' ok c0ffee01
  values 11 1000000 3 0.1 | spec rcgen+pool churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 2000 2100 2200 | spec rc+malloc rings 40 'ring-size=2' ok bead0002
  printf '%s\n' 500 | spec rc+jemalloc churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 3000 3100 | spec rc+pool rings 40 'ring-size=2' ok bead0002
  # A torn last row: a run still being written.
  printf 'rc+pool|churn|1000|1|keep=16;window=64|ok|c0ffee01|999999999'
} | runs "$header_a" >"$good_a/runs.csv"
printf '%s' "$(cat "$good_a/runs.csv")" >"$good_a/runs.csv" # no line end after the torn row
meta aaaa1111 >"$good_a/meta"
{
  values 5 2000000 1 0.002 | spec rc+malloc churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 120 140 110 100 130 | spec rc+pool churn 1000 'keep=16;window=64' ok c0ffee01
  values 11 1200000 5 0.02 | spec marksweep+pool churn 1000 'keep=16;window=64' ok c0ffee01
  values 11 1010000 4 0.1 | spec rcgen+pool churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 2300 | spec rc+malloc rings 40 'ring-size=2' ok bead0002
  printf '%s\n' 'rc+malloc|rings|40|1|ring-size=2|failed|||||heaplab: out of memory: "rings", needs 96 bytes, more' \
    'rc+malloc|rings|40|1|ring-size=2|failed||not a number, and not read|||timed out after 1 s'
  printf '%s\n' 800 900 | spec rc+malloc lru-cache 500 'capacity=50' ok 1ce0cafe
  printf '%s\n' 3300 3400 | spec rc+pool rings 40 'ring-size=2' failed ''
} | runs "$header_b" >"$good_b/runs.csv"
meta bbbb2222 >"$good_b/meta"

row() { grep -E "^$1 +$2 +1 +$3 " "$4"; } # workload size variant file: the table's row
csv_row() { grep "^$1,$2,1,[^,]*,,$3,"; } # workload size variant < compare.csv

# --- two sets compared
out=$good_b/compare-run-a
./heaplab compare "$good_a" "$good_b" >"$dir/out" 2>"$dir/err"
status=$?
check "A vs B: exit 0 ($status: $(cat "$dir/err"))" test $status -eq 0
check "A vs B: nothing on stderr" test ! -s "$dir/err"
check "A vs B: compare.txt, compare.csv, compare.png, compare.svg in B/compare-run-a, nothing else" \
  test "$(cd "$out" 2>/dev/null && ls -A | tr '\n' ' ')" = "compare.csv compare.png compare.svg compare.txt "
check "A vs B: compare.txt is what was printed" cmp -s "$out/compare.txt" <(sed '$d' "$dir/out")
check "A vs B: the last line says where" grep -qx "written: $out/ (compare.txt, compare.csv, compare.png, compare.svg)" "$dir/out"
check "A vs B: a PNG" test "$(head -c 8 "$out/compare.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
check "A vs B: an SVG" grep -q '<svg' "$out/compare.svg"
check "A vs B: both commits shown, neither a mismatch" \
  test "$(grep -cE "^A: $good_a  \(commit aaaa1111, 2026|^B: $good_b  \(commit bbbb2222, 2026" "$dir/out")" -eq 2
check "A vs B: no mismatch (the sweep file's 'compiler:' line is not meta)" test "$(grep -c MISMATCH "$dir/out")" -eq 0
check "A vs B: the metric, the resamples and the seed are said" \
  grep -q '^wall_ns: median of B / median of A .*(10000 resamples, seed 1)$' "$dir/out"
check "B = 2 x A: ratio 2.000, the interval excludes 1, marked slower" \
  grep -qE ' 5 +5 +1 ms +2 ms +2\.000 +\[1\.99[0-9], 2\.00[0-9]\] +slower +keep=16;window=64$' \
  <(row churn 1000 'rc\+malloc' "$dir/out")
check "the same values: ratio 1.000, not marked" \
  grep -qE ' 5 +5 +120 ns +120 ns +1\.000 +\[0\.[0-9]+, 1\.[0-9]+\] +keep=16;window=64$' <(row churn 1000 'rc\+pool' "$dir/out")
ci=$(csv_row churn 1000 marksweep+pool <"$out/compare.csv" | cut -d, -f12-15)
check "noise, B 1.2 x A: ratio 1.2 inside an interval above 1, marked slower ($ci)" \
  awk -F, '{ exit !($1 == 1.2 && $2 > 1 && $2 < 1.2 && $3 > 1.2 && $3 < 1.3 && $4 == "slower") }' <<<"$ci"
ci=$(csv_row churn 1000 rcgen+pool <"$out/compare.csv" | cut -d, -f12-15)
check "noise of 10%, B 1.01 x A: the interval holds 1, not marked ($ci)" \
  awk -F, '{ exit !($1 == 1.01 && $2 < 1 && $3 > 1.01 && $4 == "") }' <<<"$ci"
check "one ok run in B (two failed): a ratio, no interval, said so" \
  grep -qE ' 3 +1 +2\.1 us +2\.3 us +1\.095 +- +1 run in B: no interval +ring-size=2$' <(row rings 40 'rc\+malloc' "$dir/out")
check "no ok run in B (two failed): no ratio, said so" \
  grep -qE ' 2 +0 +3\.05 us +- +- +- +no ok run in B \(2 failed\) +ring-size=2$' <(row rings 40 'rc\+pool' "$dir/out")
check "a torn last row is left out (5 runs, not 6)" grep -qE ' 5 +5 ' <(row churn 1000 'rc\+pool' "$dir/out")
check "only in A: listed" grep -qx 'only in A: churn size 1000 seed 1 keep=16;window=64: rc+jemalloc' "$dir/out"
check "only in B: listed" grep -qx 'only in B: lru-cache size 500 seed 1 capacity=50: rc+malloc' "$dir/out"
check "the summary line" grep -qx '6 configurations compared: 2 slower, 0 faster (95% interval excludes 1), 2 no clear difference, 2 without an interval' "$dir/out"
check "compare.csv: the header" grep -qx 'workload,size,seed,params,options,variant,metric,n_a,n_b,median_a,median_b,ratio,ci_low,ci_high,mark,note' "$out/compare.csv"
check "compare.csv: a row per configuration, in both or one" test "$(wc -l <"$out/compare.csv")" -eq 9
check "compare.csv: only in A" grep -q '^churn,1000,1,keep=16;window=64,,rc+jemalloc,wall_ns,1,,500,,,,,,only in A$' "$out/compare.csv"
check "compare.csv: B = 2 x A" grep -q '^churn,1000,1,keep=16;window=64,,rc+malloc,wall_ns,5,5,1000000,2000000,2,1\.99[0-9]*,2\.00[0-9]*,slower,$' "$out/compare.csv"

# Again into the same place: the earlier comparison is replaced, whole.
before=$(ls -i "$out/compare.csv")
./heaplab compare "$good_a" "$good_b" >/dev/null 2>&1
status=$?
check "again: exit 0, the earlier comparison replaced ($status)" \
  test $status -eq 0 -a "$(ls -i "$out/compare.csv")" != "$before" -a "$(ls -A "$good_b" | tr '\n' ' ')" = "compare-run-a meta runs.csv "

# --- other metrics, the seed, the same set twice
./heaplab compare "$good_a" "$good_b" --metric peak_live_bytes --out "$dir/peak" >"$dir/out" 2>&1
check "--metric peak_live_bytes: exit 0, in bytes, said higher" \
  grep -qE ' 5 +5 +2\.861 MiB +5\.722 MiB +2\.000 .* higher ' <(row churn 1000 'rc\+malloc' "$dir/out")
./heaplab compare "$good_a" "$good_b" --metric=gc_ns --out "$dir/gc" >"$dir/out" 2>&1
check "--metric=gc_ns: exit 0, the table in gc_ns" \
  grep -qE ' 100 us +200 us +2\.000 .* slower ' <(row churn 1000 'rc\+malloc' "$dir/out")
./heaplab compare "$good_a" "$good_b" --seed 7 --out "$dir/seed7" >/dev/null 2>&1
./heaplab compare "$good_a" "$good_b" --seed=7 --out "$dir/seed7-again" >/dev/null 2>&1
check "the same seed, the same compare.txt" cmp -s "$dir/seed7/compare.txt" "$dir/seed7-again/compare.txt"
check "the same seed, the same compare.csv" cmp -s "$dir/seed7/compare.csv" "$dir/seed7-again/compare.csv"
# Few runs take few values, so their percentiles rarely move with the seed;
# 201 runs a side show that the seed is used.
mkdir -p "$dir/sets/many-a" "$dir/sets/many-b"
values 201 1000000 7 0.3 | spec rc+malloc churn 1000 '' ok 1 | runs "$header_a" >"$dir/sets/many-a/runs.csv"
values 201 1000000 11 0.3 | spec rc+malloc churn 1000 '' ok 1 | runs "$header_a" >"$dir/sets/many-b/runs.csv"
for seed in 7 8; do
  cp "$good_a/meta" "$dir/sets/many-a/" && cp "$good_a/meta" "$dir/sets/many-b/"
  ./heaplab compare "$dir/sets/many-a" "$dir/sets/many-b" --seed $seed --out "$dir/many$seed" >/dev/null 2>&1
done
check "another seed, another interval" \
  test "$(cut -d, -f13,14 "$dir/many7/compare.csv")" != "$(cut -d, -f13,14 "$dir/many8/compare.csv")"
check "the default seed is 1, as said" grep -q '(10000 resamples, seed 1)' "$out/compare.txt"

./heaplab compare "$good_b" "$good_b" >"$dir/out" 2>&1
status=$?
check "the same folder twice: exit 0 ($status)" test $status -eq 0
check "the same folder twice: every ratio 1, nothing marked" \
  awk -F, 'NR > 1 && $12 != "" && ($12 != 1 || $15 != "") { bad = 1 } END { exit bad }' "$good_b/compare-run-b/compare.csv"
check "the same folder twice: every configuration compared" grep -q '^7 configurations compared: 0 slower, 0 faster' "$dir/out"

# --- mismatches: called out before the table, exit 1
mismatched=$dir/sets/mismatched
mkdir -p "$mismatched"
{
  values 5 2000000 1 0.002 | spec rc+malloc churn 2000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 120 140 | spec rc+pool churn 1000 'keep=16;window=64' ok c0ffee01
  printf '%s\n' 2300 2400 | spec rc+malloc rings 40 'ring-size=3' ok bead0002
  printf '%s\n' 600 700 | spec rc+jemalloc churn 1000 'keep=16;window=64' ok 0dd0dd01
} | runs "$header_b" >"$mismatched/runs.csv"
meta cccc3333 'clang version 16.0.6' '-std=c11 -O3' >"$mismatched/meta"
./heaplab compare "$good_a" "$mismatched" >"$dir/out" 2>"$dir/err"
status=$?
check "mismatched: exit 1 ($status: $(cat "$dir/err"))" test $status -eq 1
check "mismatched: the compiler called out" \
  grep -qx "MISMATCH: compiler differs: A 'gcc (Debian 12.2.0-14) 12.2.0' vs B 'clang version 16.0.6'" "$dir/out"
check "mismatched: the flags called out" grep -qx "MISMATCH: cflags differs: A '-std=c11 -O2 -g -flto=auto' vs B '-std=c11 -O3'" "$dir/out"
check "mismatched: nothing else in meta called out, the commit not at all" \
  test "$(grep -c '^MISMATCH: [a-z]* differs' "$dir/out")" -eq 2 -a "$(grep -c 'cccc3333' "$dir/out")" -eq 1
check "mismatched: sizes called out" grep -qx "MISMATCH: churn: sizes differ: A '1000' vs B '2000'" "$dir/out"
check "mismatched: parameters called out" grep -qx "MISMATCH: rings: parameters differ: A 'ring-size=2' vs B 'ring-size=3'" "$dir/out"
check "mismatched: checksums called out" \
  grep -qx "MISMATCH: churn size 1000 seed 1 keep=16;window=64: checksums differ: A 'c0ffee01' vs B '0dd0dd01'" "$dir/out"
check "mismatched: ... and noted on the row" grep -qE 'checksums differ' <(row churn 1000 'rc\+jemalloc' "$dir/out")
check "mismatched: every MISMATCH before the table" \
  test "$(grep -n '^MISMATCH' "$dir/out" | tail -n 1 | cut -d: -f1)" -lt "$(grep -n '^workload ' "$dir/out" | cut -d: -f1)"
check "mismatched: still written" test -s "$mismatched/compare-run-a/compare.csv"

nometa=$dir/sets/nometa
mkdir -p "$nometa" && cp "$good_b/runs.csv" "$nometa/"
./heaplab compare "$good_a" "$nometa" >"$dir/out" 2>&1
status=$?
check "no meta in B: exit 1, called out ($status)" \
  test $status -eq 1 -a "$(grep -c '^MISMATCH: B has no meta file' "$dir/out")" -eq 1
for version in 1 2; do
  mkdir -p "$dir/sets/schema$version" && cp "$good_a/meta" "$dir/sets/schema$version/"
  sed "1s/\$/,schema_version/; 2,\$s/\$/,$version/" "$good_b/runs.csv" >"$dir/sets/schema$version/runs.csv"
done
./heaplab compare "$dir/sets/schema1" "$dir/sets/schema2" >"$dir/out" 2>&1
status=$?
check "another schema_version of the columns: exit 1, called out ($status)" test $status -eq 1 -a \
  "$(grep -c "^MISMATCH: schema_version of runs.csv differs: A '1' vs B '2' (a column may mean something else)$" "$dir/out")" -eq 1
./heaplab compare "$dir/sets/schema1" "$dir/sets/schema1" >/dev/null 2>&1
check "the same schema_version: exit 0" test $? -eq 0

apart=$dir/sets/apart
mkdir -p "$apart" && meta aaaa1111 >"$apart/meta"
printf '%s\n' 1 2 | spec rc+malloc deep 1 'length=10' ok 0 | runs "$header_a" >"$apart/runs.csv"
./heaplab compare "$good_a" "$apart" >"$dir/out" 2>&1
status=$?
check "nothing in common: exit 1, called out, a plot all the same ($status)" \
  test $status -eq 1 -a "$(grep -c '^MISMATCH: no configuration is in both A and B$' "$dir/out")" -eq 1 \
  -a -s "$apart/compare-run-a/compare.png"

# --- bad input: exit 2, one line on stderr, nothing on stdout, nothing written
h=$dir/hostile
mkdir -p "$h"
cp -r "$good_a" "$h/good"
find "$h/good" -name 'compare-*' -exec rm -rf {} +
written() { find "$h" -name '*compare*' | grep -q .; }
n=0
refused() { # pattern [env...] -- args...
  local pattern=$1 status problem='' environment=()
  shift
  while [ "$1" != -- ]; do environment+=("$1"); shift; done
  shift
  n=$((n + 1))
  env ${environment[@]+"${environment[@]}"} ./heaplab compare "$@" >"$dir/out" 2>"$dir/err"
  status=$?
  [ $status -eq 2 ] || problem="exit $status"
  grep -Eq -- "^heaplab: compare: $pattern" "$dir/err" || problem="$problem; stderr: $(head -c 300 "$dir/err")"
  [ "$(wc -l <"$dir/err")" -eq 1 ] || problem="$problem; $(wc -l <"$dir/err") lines on stderr"
  [ ! -s "$dir/out" ] || problem="$problem; stdout: $(head -c 200 "$dir/out")"
  ! written || problem="$problem; written: $(find "$h" -name '*compare*' | head -n 3 | tr '\n' ' ')"
  find "$h" -name '*compare*' -exec rm -rf {} +
  if [ -z "$problem" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: refused /$pattern/ ($*): ${problem#; }"; fi
}
bad() { # name < runs.csv: a set with the good meta
  mkdir -p "$h/$1"
  cp "$h/good/meta" "$h/$1/meta"
  cat >"$h/$1/runs.csv"
}
good_rows=$(tail -n +2 "$h/good/runs.csv" | head -n 3)
good_row=$(sed -n 2p "$h/good/runs.csv")
column_of() { tr , '\n' <<<"$header_a" | grep -nx "$1" | cut -d: -f1; }
with_wall() { # value: the good row with that wall_ns
  awk -F, -v OFS=, -v c="$(column_of wall_ns)" -v v="$1" 'NR == 2 { $c = v } NR <= 2' "$h/good/runs.csv"
}

refused "no results folder '$h/nosuch'" -- "$h/nosuch" "$h/good"
refused "no results folder '$h/nosuch'" -- "$h/good" "$h/nosuch"
: >"$h/file"
refused "'$h/file' is not a folder" -- "$h/file" "$h/good"
rm "$h/file"
mkdir -p "$h/empty-folder"
refused "no runs.csv in '$h/empty-folder'" -- "$h/good" "$h/empty-folder"
bad empty </dev/null
refused "$h/empty/runs.csv is empty" -- "$h/good" "$h/empty"
echo "$header_a" | bad header-only
refused "$h/header-only/runs.csv has no runs \(a header only\)" -- "$h/good" "$h/header-only"
printf '%s\n%s' "$header_a" "${good_row:0:30}" | bad torn-only
refused "$h/torn-only/runs.csv has no runs" -- "$h/good" "$h/torn-only"
printf '%s' "$header_a" | bad torn-header
refused "$h/torn-header/runs.csv has no whole header line" -- "$h/good" "$h/torn-header"
printf '%s\n%s\n%s\n' "$header_a" "${good_row:0:40}" "$good_row" | bad truncated
refused "$h/truncated/runs.csv:2: [0-9]+ fields where the header has 16" -- "$h/good" "$h/truncated"
printf '%s\n%s,extra\n' "$header_a" "$good_row" | bad long-row
refused "$h/long-row/runs.csv:2: 17 fields where the header has 16" -- "$h/good" "$h/long-row"
for column in variant workload outcome wall_ns; do
  { sed "1s/\\b$column\\b/renamed/" <<<"$header_a"; echo "$good_rows"; } | bad "no-$column"
  if [ $column = wall_ns ]; then
    refused "$h/no-wall_ns/runs.csv has no column 'wall_ns' \(it has: renamed gc_ns peak_live_bytes\)" -- "$h/good" "$h/no-wall_ns"
  else
    refused "$h/no-$column/runs.csv has no '$column' column" -- "$h/no-$column" "$h/good"
  fi
done
for value in nan NaN inf -inf 12ms 0x10 -5 '' 1e999 ' 5'; do
  n=$((n + 1))
  with_wall "$value" | bad "value-$n"
  case $value in
    -5) pattern="wall_ns '-5' is negative" ;;
    '') pattern="wall_ns is empty in a run whose outcome is ok" ;;
    1e999) pattern="wall_ns '1e999' is out of range" ;;
    *) pattern="wall_ns '$value' is not a number" ;;
  esac
  refused "$h/value-$n/runs.csv:2: $pattern" -- "$h/good" "$h/value-$n"
done
refused "$h/good/runs.csv has no column 'nosuch' \(it has: wall_ns gc_ns peak_live_bytes\)" -- "$h/good" "$h/good" --metric nosuch
refused "--metric wants a measured column such as wall_ns, gc_ns or peak_live_bytes, not 'variant'" \
  -- "$h/good" "$h/good" --metric variant
refused "--metric needs a value" -- "$h/good" "$h/good" --metric=
refused "--metric needs a value" -- "$h/good" "$h/good" --metric
printf '%s\n\x00\x01\x02\xff\xfe junk\x7f\n' "$header_a" | bad binary
refused "$h/binary/runs.csv is not a text file" -- "$h/good" "$h/binary"
for byte in $(seq 0 255) $(seq 255 -1 0); do printf '%b' "\\0$(printf %03o "$byte")"; done | bad binary-file
refused "$h/binary-file/runs.csv is not a text file" -- "$h/binary-file" "$h/good"
printf '%s\n%s,"unterminated\n' "$header_a" "${good_row%,*}" | bad open-quote
refused "$h/open-quote/runs.csv:2: a quoted field has no closing quote" -- "$h/good" "$h/open-quote"
printf '%s\n%s\n' "${header_a/gc_ns/wall_ns}" "$good_row" | bad twice
refused "$h/twice/runs.csv: the header names column 'wall_ns' twice" -- "$h/good" "$h/twice"
refused "--seed wants a whole number" -- "$h/good" "$h/good" --seed x
refused "--seed wants a whole number" -- "$h/good" "$h/good" --seed=-1
refused "--seed wants a whole number" -- "$h/good" "$h/good" --seed 99999999999999999999999
refused "unknown option '--frobnicate'" -- "$h/good" "$h/good" --frobnicate
refused "which two result sets\?" -- "$h/good"
refused "which two result sets\?" --
refused "one folder too many: 'extra'" -- "$h/good" "$h/good" extra
mkdir -p "$h/precious" && echo keep >"$h/precious/notes"
refused "'$h/precious' exists and is not an earlier comparison" -- "$h/good" "$h/good" --out "$h/precious"
check "... and it is untouched" test "$(ls -A "$h/precious")" = notes
refused "gnuplot is missing" GNUPLOT=/nonexistent/gnuplot -- "$h/good" "$h/good"
# A comparison's folder whose compare.txt is a link, a FIFO or a folder is
# not one compare wrote: refused, left as it was.
for kind in link fifo folder; do
  mkdir -p "$h/odd-$kind"
  case $kind in
    link) ln -s "$h/good/meta" "$h/odd-$kind/compare.txt" ;;
    fifo) mkfifo "$h/odd-$kind/compare.txt" ;;
    folder) mkdir "$h/odd-$kind/compare.txt" ;;
  esac
  ./heaplab compare "$h/good" "$h/good" --out "$h/odd-$kind" >/dev/null 2>"$dir/err"
  status=$?
  check "--out a folder whose compare.txt is a $kind: exit 2, one line ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1
  check "  ... left as it was" test "$(ls -A "$h/odd-$kind")" = compare.txt -a \
    "$(stat -c %F "$h/odd-$kind/compare.txt")" = "$(case $kind in link) echo 'symbolic link' ;; fifo) echo fifo ;; folder) echo directory ;; esac)"
done

# Any finite number of at least 0 is read, as the README says: a denormal
# (4.9e-324), one below the smallest double (read as 0), the largest double,
# exponents; a ratio or an interval past the largest double has none.
for value in 4.9e-324 1e-400 1.7976931348623157e308 0 0.0 1e+06 5E-3; do
  n=$((n + 1))
  with_wall "$value" | bad "finite-$n"
  ./heaplab compare "$h/good" "$h/finite-$n" --out "$dir/finite-$n" >"$dir/out" 2>"$dir/err"
  status=$?
  check "wall_ns $value is read: compared (exit $status: $(head -c 200 "$dir/err"))" test $status -le 1 -a ! -s "$dir/err"
  ./heaplab compare "$h/finite-$n" "$h/good" --out "$dir/finite-back-$n" >"$dir/out" 2>"$dir/err"
  status=$?
  check "wall_ns $value as A: compared (exit $status: $(head -c 200 "$dir/err"))" test $status -le 1 -a ! -s "$dir/err"
  check "  ... no infinite figure in the table or the CSV" \
    test -z "$(grep -i 'inf\|nan' "$dir/out" "$dir/finite-back-$n/compare.csv" | grep -v 'no ratio\|no interval')"
done
# A meta that is a FIFO is no meta (called out), not a hang.
mkdir -p "$h/fifo-meta"
cp "$h/good/runs.csv" "$h/fifo-meta/"
mkfifo "$h/fifo-meta/meta"
timeout 30 ./heaplab compare "$h/good" "$h/fifo-meta" --out "$dir/fifo-meta" >"$dir/out" 2>"$dir/err"
status=$?
check "B's meta a FIFO: compared, exit 1 with a mismatch, no hang ($status)" test $status -eq 1
check "  ... B has no meta, called out" grep -q '^MISMATCH: .*meta' "$dir/out"

checks_done
