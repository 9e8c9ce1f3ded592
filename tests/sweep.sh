#!/usr/bin/env bash
# ./heaplab sweep: sweep files parsed or refused (exit 2, one line naming the
# file and line, nothing run); a sweep's runs.csv holds exactly one whole row
# per configuration, with series files and meta beside it; an interrupted or
# killed sweep resumes to every configuration exactly once; a failing or
# timed-out run is recorded as failed and the sweep goes on.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

check() { # description command...
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

quiet() { "$@" >/dev/null; }

# refused LINE-PATTERN SWEEP-TEXT: exit 2, one line on stderr, no stdout, no results.
n=0
refused() {
  local pattern=$1 status out err problem=""
  n=$((n + 1))
  printf '%b' "$2" >"$dir/bad$n.sweep"
  out=$(./heaplab sweep "$dir/bad$n.sweep" --out "$dir/never$n" 2>"$dir/err")
  status=$?
  err=$(cat "$dir/err")
  [ $status -eq 2 ] || problem="exit $status"
  grep -Eq -- "^heaplab: $dir/bad$n.sweep:$pattern" <<<"$err" || problem="$problem; stderr: $err"
  [ "$(wc -l <"$dir/err")" -eq 1 ] || problem="$problem; $(wc -l <"$dir/err") lines on stderr"
  [ -z "$out" ] || problem="$problem; stdout: $out"
  [ ! -e "$dir/never$n" ] || problem="$problem; results written"
  if [ -z "$problem" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: refused /$pattern/: ${problem#; }"; fi
}

# A CSV row's fields, quotes respected: prints the count.
fields() { awk '{ n = 1; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c == "\"") q = !q; else if (c == "," && !q) n++ } print n }'; }

# Every run of the plan recorded exactly once, every row whole.
complete() { # results dir
  local want
  want=$(head -n 1 "$1/runs.csv" | fields)
  [ "$(tail -c 1 "$1/runs.csv")" = "" ] &&
    [ "$(tail -n +2 "$1/runs.csv" | fields | sort -u)" = "$want" ] &&
    [ "$(tail -n +2 "$1/runs.csv" | cut -d, -f1 | sort)" = "$(cut -f1 "$1/plan" | sort)" ]
}

# --- parsing: good files
check "quick.sweep parses" quiet ./heaplab sweep --check quick
check "full.sweep parses" quiet ./heaplab sweep --check full
printf '%s\n' '# a comment' '' 'variants rc+* marksweep+pool   # trailing comment' 'workloads churn rings' \
  'param rings ring-size=2,10' 'size churn 1000,2000' 'repetitions 3' 'seeds 1,2' 'heap-multipliers 1.25,2' \
  'option --stress 50' 'option rcgen+* --threshold0=100' 'timeout 30' >"$dir/good.sweep"
check "a file with every directive parses" quiet ./heaplab sweep --check "$dir/good.sweep"
printf 'variants rc+malloc\r\nworkloads churn\r\n' >"$dir/crlf.sweep"
check "CRLF line ends parse" quiet ./heaplab sweep --check "$dir/crlf.sweep"

# --- parsing: each malformed case refused
refused "1: empty sweep file" ''
refused "2: empty sweep file" '# nothing\n\n'
refused "1: no 'workloads' line" 'variants rc+malloc\n'
refused "2: no 'variants' line" 'workloads churn\n\n'
refused "1: unknown variant 'nosuch\*'" 'variants nosuch*\nworkloads churn\n'
refused "2: unknown workload 'nosuch'" 'variants rc+malloc\nworkloads nosuch\n'
refused "3: unknown directive 'frobnicate'" 'variants rc+malloc\nworkloads churn\nfrobnicate 1\n'
refused "3: rings has no parameter 'nosuch'" 'variants rc+malloc\nworkloads rings\nparam rings nosuch=1\n'
refused "3: --ring-size must be between 1 and" 'variants rc+malloc\nworkloads rings\nparam rings ring-size=0\n'
refused "3: values for rings's ring-size must be numbers" 'variants rc+malloc\nworkloads rings\nparam rings ring-size=x\n'
refused "3: 'param' wants a workload" 'variants rc+malloc\nworkloads rings\nparam rings\n'
refused "3: a parameter for churn, which is not among" 'variants rc+malloc\nworkloads rings\nparam churn window=3\n'
refused "3: gcbench: min-depth must not exceed max-depth" \
  'variants rc+malloc\nworkloads gcbench\nparam gcbench min-depth=10\nparam gcbench max-depth=5\n'
refused "2: not a text file" 'variants rc+malloc\n\x00\x01\x02junk\x7f\nworkloads churn\n'
refused "2: 'variants' given twice \(first on line 1\)" 'variants rc+malloc\nvariants rc+pool\nworkloads churn\n'
refused "3: sizes for churn must be at least 1" 'variants rc+malloc\nworkloads churn\nsize churn 0\n'
refused "3: sizes for churn wants whole numbers" 'variants rc+malloc\nworkloads churn\nsize churn 1,,2\n'
refused "3: size 99999999999999999 for churn is above" 'variants rc+malloc\nworkloads churn\nsize churn 99999999999999999\n'
refused "3: 'repetitions' wants one whole number" 'variants rc+malloc\nworkloads churn\nrepetitions 0\n'
refused "3: seeds wants whole numbers" 'variants rc+malloc\nworkloads churn\nseeds 1,x\n'
refused "3: 'timeout' wants a whole number" 'variants rc+malloc\nworkloads churn\ntimeout soon\n'
refused "3: rc\+malloc refuses '--stress 0': --stress must be at least 1" 'variants rc+malloc\nworkloads churn\noption --stress 0\n'
refused "3: rc\+malloc refuses '--threshold0=1'" 'variants rc+malloc\nworkloads churn\noption --threshold0=1\n'
refused "3: option --series is the sweep's to set" 'variants rc+malloc\nworkloads churn\noption --series x\n'
err=$(./heaplab sweep nosuch 2>&1 >/dev/null)
status=$?
check "an unknown sweep name is refused ($status: $err)" test "$status: $err" \
  = "2: heaplab: sweep: no sweep 'nosuch' (bench/ has: $(cd bench && for f in *.sweep; do printf '%s ' "${f%.sweep}"; done | sed 's/ $//'))"

# --- a tiny sweep: 2 variants x (churn at 2 sizes + rings at 2 ring sizes) x 2 seeds x 2 repetitions = 32 runs
printf '%s\n' 'variants rc+malloc marksweep+pool' 'workloads churn rings' 'size churn 300,600' 'size rings 40' \
  'param rings ring-size=2,6' 'seeds 1,2' 'repetitions 2' >"$dir/tiny.sweep"
./heaplab sweep "$dir/tiny.sweep" --out "$dir/tiny" --shuffle-seed 7 >"$dir/tiny.out" 2>"$dir/tiny.err"
status=$?
check "tiny sweep exits 0 ($status: $(tail -n 1 "$dir/tiny.err"))" test $status -eq 0
check "tiny sweep: a header and 32 rows" test "$(wc -l <"$dir/tiny/runs.csv")" -eq 33
check "tiny sweep: every run once, every row whole" complete "$dir/tiny"
check "tiny sweep: every run ok" test "$(awk -F, 'NR > 1 && $5 == 0 && $0 ~ /,ok,/' "$dir/tiny/runs.csv" | wc -l)" -eq 32
check "tiny sweep: a series file per run" test "$(find "$dir/tiny/series" -name 'c*-[12].csv' | wc -l)" -eq 32
check "tiny sweep: meta names machine, cpu, compiler, flags, commit, seed, the sweep" \
  test "$(grep -cE '^(machine|cpu|cores|kernel|compiler|cflags|commit|date|shuffle_seed): .|^variants rc\+malloc marksweep\+pool$' \
    "$dir/tiny/meta")" -eq 10
check "tiny sweep: shuffle seed recorded" grep -qx 'shuffle_seed: 7' "$dir/tiny/meta"
check "tiny sweep: the table names the results and every configuration" \
  test "$(grep -c '^rings *40 *rc+malloc *4/4 ' "$dir/tiny.out")" -eq 2
# Interleaved: within each repetition the two variants take turns.
# shellcheck disable=SC2016 # awk's own $fields
check "tiny sweep: variants take turns" \
  awk -F '\t' 'NR > 1 && $2 == rep && $3 == last { bad = 1 } { rep = $2; last = $3 } END { exit bad }' "$dir/tiny/plan"
check "tiny sweep: repetition 1 before repetition 2" \
  test "$(cut -f2 "$dir/tiny/plan" | uniq | tr '\n' ' ')" = "1 2 "
./heaplab sweep "$dir/tiny.sweep" --out "$dir/tiny2" --shuffle-seed 7 >/dev/null 2>&1
check "the same shuffle seed, the same order" cmp -s "$dir/tiny/plan" "$dir/tiny2/plan"
./heaplab sweep "$dir/tiny.sweep" -j 2 --out "$dir/tinyj" >/dev/null 2>&1
check "-j 2: every run once, every row whole" complete "$dir/tinyj"
./heaplab sweep "$dir/tiny.sweep" --out "$dir/tiny" >/dev/null 2>"$dir/err"
check "--out into a finished sweep is refused: $(cat "$dir/err")" grep -q 'already holds a sweep' "$dir/err"
before=$(md5sum <"$dir/tiny/runs.csv")
./heaplab sweep --resume "$dir/tiny" >/dev/null 2>&1
check "resuming a finished sweep runs nothing" test "$(md5sum <"$dir/tiny/runs.csv")" = "$before"

# --- interrupted (SIGINT, then SIGKILL) partway, then resumed
printf '%s\n' 'variants rc+malloc marksweep+pool rcgen+pool' 'workloads churn' 'size churn 300000,600000' \
  'repetitions 6' >"$dir/long.sweep"
for signal in INT KILL; do
  out=$dir/long-$signal
  set -m # a background job of a script ignores SIGINT unless it is a job of its own
  ./heaplab sweep "$dir/long.sweep" --out "$out" -j 2 >/dev/null 2>&1 &
  pid=$!
  set +m
  # Signal once the first row is in, whatever the machine's speed.
  for _ in $(seq 200); do
    [ "$(wc -l <"$out/runs.csv" 2>/dev/null || echo 0)" -ge 2 ] && break
    sleep 0.1
  done
  kill -"$signal" "$pid"
  { wait "$pid"; } 2>/dev/null # no "Killed" notice
  status=$?
  recorded=$(($(wc -l <"$out/runs.csv") - 1))
  check "SIGINT: exit 130 ($status)" test "$signal" = KILL -o $status -eq 130
  check "$signal: stopped partway ($recorded of 36 recorded)" test "$recorded" -lt 36
  check "$signal: rows so far whole" test "$(tail -c 1 "$out/runs.csv")" = ""
  ./heaplab sweep --resume "$out" >/dev/null 2>&1
  check "$signal, resumed: every run exactly once, no torn row" complete "$out"
  check "$signal, resumed: no half-written series left" test -z "$(find "$out/series" -name '*.tmp.*')"
done

# A torn last row (no newline) is dropped and its run made again.
out=$dir/long-KILL
last=$(tail -n 1 "$out/runs.csv")
sed -i '$d' "$out/runs.csv"
printf '%s' "${last:0:40}" >>"$out/runs.csv"
./heaplab sweep --resume "$out" >/dev/null 2>&1
check "a torn last row is dropped and run again" complete "$out"
check "  ... and the run made again is ${last%%,*}" test "$(grep -c "^${last%%,*}," "$out/runs.csv")" -eq 1

# --- a failing run is recorded as failed and the sweep goes on
printf '%s\n' 'variants rc+malloc marksweep+pool' 'workloads rings churn' 'size rings 50' 'size churn 300' \
  'param rings ring-size=100000' 'option --heap-limit=1M' >"$dir/fail.sweep"
./heaplab sweep "$dir/fail.sweep" --out "$dir/fail" >"$dir/fail.out" 2>&1
status=$?
check "a sweep with failed runs exits 1 ($status)" test $status -eq 1
check "failed runs: every run once, every row whole" complete "$dir/fail"
check "failed runs recorded: outcome failed, exit 3, the message" \
  test "$(grep -c ',3,heaplab: out of memory: rings needs [0-9]* more bytes.*,rings,50,1,ring-size=100000;live-rings=8,failed,' \
    "$dir/fail/runs.csv")" -eq 2
check "the sweep went on: churn ok on both" test "$(grep -c ',churn,300,1,.*,ok,' "$dir/fail/runs.csv")" -eq 2
check "the table lists the failures" grep -q '^2 runs failed$' "$dir/fail.out"

# A run over the time limit: failed, "timed out", the sweep goes on.
printf '%s\n' 'variants rc+malloc' 'workloads churn rings' 'size churn 300000000' 'size rings 1' >"$dir/slow.sweep"
./heaplab sweep "$dir/slow.sweep" --timeout 1 --out "$dir/slow" >/dev/null 2>&1
check "a run over --timeout is recorded: exit 124, timed out" \
  grep -q '^c1-1,1,,,124,timed out after 1 s,rc+malloc,churn,300000000,1,.*,failed,' "$dir/slow/runs.csv"
check "  ... and the sweep goes on" grep -q ',rings,1,1,.*,ok,' "$dir/slow/runs.csv"
check "  ... every row whole" complete "$dir/slow"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
