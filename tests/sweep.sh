#!/usr/bin/env bash
# ./heaplab sweep: sweep files parsed or refused (exit 2, one line naming the
# file and line, nothing run); a sweep's runs.csv holds exactly one whole row
# per configuration, with series files and meta beside it, and hyperfine.csv
# and heap.csv one per timing and heap-curve run; an interrupted or killed
# sweep resumes to every configuration exactly once, whatever phase it was
# in; a failing or timed-out run is recorded as failed and the sweep goes on;
# a results folder that fills up or turns read-only stops the sweep with one
# line and leaves only whole rows.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

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

# A results file's rows: whole (the header's field count, a newline at the
# end), the number wanted, none twice by the key columns (cut -f).
rows_once() { # file rows key-columns
  local want
  want=$(head -n 1 "$1" | fields)
  [ "$(tail -c 1 "$1")" = "" ] &&
    [ "$(tail -n +2 "$1" | fields | sort -u | tr -d '\n')" = "$(if [ "$2" -gt 0 ]; then echo "$want"; fi)" ] &&
    [ "$(tail -n +2 "$1" | wc -l)" -eq "$2" ] &&
    [ -z "$(tail -n +2 "$1" | cut -d, -f"$3" | sort | uniq -d)" ]
}
# Only whole rows, however many.
whole_rows() { # file
  local want
  want=$(head -n 1 "$1" | fields)
  [ "$(tail -c 1 "$1")" = "" ] && ! tail -n +2 "$1" | fields | grep -qvx "$want"
}
hyperfine_header=workload,size,params,variant,runs,mean_ns,stddev_ns,median_ns,min_ns,max_ns
heap_header=workload,size,seed,params,variant,min_heap_bytes,multiplier,heap_limit_bytes,repetition,outcome,wall_ns,gc_ns,collections,error

# --- parsing: good files
check "quick.sweep parses" quiet ./heaplab sweep --check quick
check "full.sweep parses" quiet ./heaplab sweep --check full
printf '%s\n' '# a comment' '' 'variants rc+* marksweep+pool   # trailing comment' 'workloads churn rings' \
  'param rings ring-size=2,10' 'size churn 1000,2000' 'repetitions 3' 'seeds 1,2' 'heap-multipliers 1.25,2,10.5 2' \
  'heap-variants marksweep+* rc+malloc' 'hyperfine 3 1' \
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
refused "3: size 99999999999999999 for churn is above" 'variants rc+malloc\nworkloads churn\nsize churn 00099999999999999999\n'
# Leading zeros are no part of a size: 000200 is 200, not "above its largest".
printf 'variants rc+malloc\nworkloads rings\nsize rings 00000200,0300\n' >"$dir/zeros.sweep"
check "a size with leading zeros passes --check" ./heaplab sweep "$dir/zeros.sweep" --check
refused "3: 'repetitions' wants one whole number" 'variants rc+malloc\nworkloads churn\nrepetitions 0\n'
refused "3: seeds wants whole numbers" 'variants rc+malloc\nworkloads churn\nseeds 1,x\n'
refused "3: 'timeout' wants a whole number" 'variants rc+malloc\nworkloads churn\ntimeout soon\n'
refused "3: rc\+malloc refuses '--stress 0': --stress must be at least 1" 'variants rc+malloc\nworkloads churn\noption --stress 0\n'
refused "3: rc\+malloc refuses '--threshold0=1'" 'variants rc+malloc\nworkloads churn\noption --threshold0=1\n'
refused "3: option --series is the sweep's to set" 'variants rc+malloc\nworkloads churn\noption --series x\n'
# Lines fine alone whose runs the harness would refuse; --check says so too.
refused "4: rcgen\+malloc's runs of churn with the options '--stress 7 --stress 9' would be refused: --stress given twice" \
  'variants rc+malloc rcgen+malloc\nworkloads churn\noption --stress 7\noption rcgen+* --stress 9\n'
refused "4: rc\+malloc's runs of rings \(ring-size=2\) .* would be refused: --ring-size given twice" \
  'variants rc+malloc\nworkloads rings\nparam rings ring-size=2,3\noption --ring-size=5\n'
refused "3: rc\+malloc's runs of churn .* would be refused: unknown option '--ring-size=5'" \
  'variants rc+malloc\nworkloads rings churn\noption --ring-size=5\n'
refused "3: seed 18446744073709551616 is above the largest" 'variants rc+malloc\nworkloads churn\nseeds 1,18446744073709551616\n'
refused "3: seed 99999999999999999999 is above the largest" 'variants rc+malloc\nworkloads churn\nseeds 0099999999999999999999\n'
printf 'variants rc+malloc\nworkloads rings\noption --stress 7\nparam rings ring-size=2\n' >"$dir/twice.sweep"
printf 'option rc+* --ring-size=3\n' >>"$dir/twice.sweep"
err=$(./heaplab sweep --check "$dir/twice.sweep" 2>&1 >/dev/null)
check "--check refuses what the runs would refuse, with file:line ($err)" \
  grep -q "^heaplab: $dir/twice.sweep:5: .*--ring-size given twice" <<<"$err"
# The largest seed is the harness's too; leading zeros are no part of a seed.
printf 'variants rc+malloc\nworkloads rings\nsize rings 40\nseeds 18446744073709551615,007\noption --stress 7\n' >"$dir/seeds.sweep"
quiet ./heaplab sweep "$dir/seeds.sweep" --out "$dir/seeds" 2>/dev/null
check "seeds 2^64-1 and 007 run as 18446744073709551615 and 7" \
  test "$(cut -f6 "$dir/seeds/plan" | sort | tr '\n' ' ')" = "18446744073709551615 7 "
check "... and both runs are ok" test "$(grep -c ',ok,' "$dir/seeds/runs.csv")" -eq 2
# hyperfine RUNS [WARMUP]
for runs in 0 -1 x 1.5 '' '3 x' '3 -1' '3 1 2' 99999; do
  refused "3: 'hyperfine' wants runs from 1 to 9999" "variants rc+malloc\nworkloads churn\nhyperfine $runs\n"
done
refused "4: 'hyperfine' given twice" 'variants rc+malloc\nworkloads churn\nhyperfine 3\nhyperfine 3\n'
# hyperfine-variants GLOB...
refused "4: unknown variant 'nosuch\*'" 'variants rc+malloc\nworkloads churn\nhyperfine 2\nhyperfine-variants nosuch*\n'
refused "4: 'hyperfine-variants' wants one or more" 'variants rc+malloc\nworkloads churn\nhyperfine 2\nhyperfine-variants\n'
refused "4: no variant of the sweep is a hyperfine variant \(hyperfine-variants rcgen\+\*\): hyperfine would have nothing to run" \
  'variants rc+malloc\nworkloads churn\nhyperfine 2\nhyperfine-variants rcgen+*\n'
refused "1: 'hyperfine-variants' without 'hyperfine' does nothing" 'hyperfine-variants rc+*\nvariants rc+malloc\nworkloads churn\n'
refused "5: 'hyperfine-variants' given twice" \
  'variants rc+malloc\nworkloads churn\nhyperfine 2\nhyperfine-variants rc+*\nhyperfine-variants rc+*\n'
# heap-multipliers F,F... [REPETITIONS], heap-variants GLOB...
for multiplier in 0 -1 -1.5 NaN nan inf junk 0.5 1e3 1000 0x10 2.; do
  refused "3: heap multiplier '$multiplier' is not a number from 1 to 999" \
    "variants marksweep+pool\nworkloads churn\nheap-multipliers 1.5,$multiplier\n"
done
refused "3: 'heap-multipliers' wants numbers separated by commas" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 1,,2\n'
refused "3: 'heap-multipliers' wants numbers separated by commas" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 1,2,\n'
refused "3: heap multiplier 2.0 given twice" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 2,1.5,2.0\n'
refused "3: 'heap-multipliers' wants multiples" 'variants marksweep+pool\nworkloads churn\nheap-multipliers\n'
refused "3: 'heap-multipliers' wants multiples" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 2 1 1\n'
for repetitions in 0 -1 x 1.5; do
  refused "3: 'heap-multipliers' repetitions must be a whole number" \
    "variants marksweep+pool\nworkloads churn\nheap-multipliers 2 $repetitions\n"
done
refused "4: unknown variant 'nosuch\*'" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 2\nheap-variants nosuch*\n'
refused "4: 'heap-variants' wants one or more" 'variants marksweep+pool\nworkloads churn\nheap-multipliers 2\nheap-variants\n'
refused "4: no variant of the sweep is a heap variant \(heap-variants rc\+\*\)" \
  'variants marksweep+pool\nworkloads churn\nheap-multipliers 2\nheap-variants rc+*\n'
refused "3: no variant of the sweep is a heap variant \(by default: one whose collector frees only in collections" \
  'variants rc+malloc\nworkloads churn\nheap-multipliers 2\n'
refused "1: 'heap-variants' without 'heap-multipliers' does nothing" 'heap-variants marksweep+*\nvariants marksweep+pool\nworkloads churn\n'
refused "3: option --heap-limit for marksweep\+pool, whose heap curves set the limit" \
  'variants marksweep+pool\nworkloads churn\noption --heap-limit=1M\nheap-multipliers 2\n'
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
check "tiny sweep: without nogc+bump, x_floor is - on every row (x_best a number)" \
  test "$(grep -Ec '^(churn|rings) +[0-9]+ +[^ ]+ +4/4 .* [0-9]+\.[0-9]{2} +- +(ring-size=[26])? *$' "$dir/tiny.out")" -eq 8
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

# --- x_best and x_floor: each variant's median wall time over the fastest
# variant's of its configuration and over nogc+bump's, the allocation-only
# floor. Under a heap limit that nogc+bump, which never frees, cannot keep
# on churn, churn has no floor.
printf '%s\n' 'variants nogc+bump rc+malloc marksweep+pool' 'workloads churn rings' 'size churn 100000' \
  'size rings 20000' 'repetitions 3' 'option --heap-limit=16M' >"$dir/floor.sweep"
./heaplab sweep "$dir/floor.sweep" --out "$dir/floor" >"$dir/floor.out" 2>&1
check "floor sweep: only nogc+bump on churn fails ($(grep -c ' failed$' "$dir/floor.out"))" \
  test "$(grep -c '^  c[0-9]*-[0-9]*  nogc+bump churn: exit 3: heaplab: out of memory' "$dir/floor.out")" -eq 3 -a \
    "$(grep -c '^3 runs failed$' "$dir/floor.out")" -eq 1
# The median wall_ns of the successful runs of a variant on a workload.
median_ns() { # runs.csv workload variant
  awk -F, -v workload="$2" -v variant="$3" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $at["exit_status"] == 0 && $at["workload"] == workload && $at["variant"] == variant { print $at["wall_ns"] }' "$1" |
    sort -n | awk '{ wall[NR] = $1 } END { if (NR) print NR % 2 ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# A variant's x_best and x_floor in a table: the two columns before params (here one word).
multiples() { # table workload variant
  awk -v workload="$2" -v variant="$3" '$1 == workload && $3 == variant { print $(NF - 2), $(NF - 1) }' "$1"
}
# Every variant's x_best and x_floor on rings as runs.csv gives them; the
# fastest reads 1.00 in x_best, nogc+bump 1.00 in x_floor.
floor_figures() { # results-dir table what
  local variant ns best='' best_ns='' floor_ns want got
  floor_ns=$(median_ns "$1/runs.csv" rings nogc+bump)
  for variant in marksweep+pool nogc+bump rc+malloc; do
    ns=$(median_ns "$1/runs.csv" rings "$variant")
    if [ -z "$best" ] || [ "$ns" -lt "$best_ns" ]; then best=$variant best_ns=$ns; fi
  done
  check "$3: the fastest on rings, $best, reads 1.00 in x_best ($(multiples "$2" rings "$best"))" \
    test "$(multiples "$2" rings "$best" | cut -d' ' -f1)" = 1.00
  check "$3: nogc+bump reads 1.00 in x_floor ($(multiples "$2" rings nogc+bump))" \
    test "$(multiples "$2" rings nogc+bump | cut -d' ' -f2)" = 1.00
  for variant in marksweep+pool nogc+bump rc+malloc; do
    ns=$(median_ns "$1/runs.csv" rings "$variant")
    want="$(ratio "$ns" "$best_ns") $(ratio "$ns" "$floor_ns")"
    got=$(multiples "$2" rings "$variant")
    check "$3: $variant on rings: x_best, x_floor $got (runs.csv: $want)" test "$got" = "$want"
  done
}
floor_figures "$dir/floor" "$dir/floor.out" "floor sweep"
check "floor sweep: churn has no ok nogc+bump run: x_floor - for every variant" \
  test "$(for variant in marksweep+pool nogc+bump rc+malloc; do multiples "$dir/floor.out" churn "$variant"; done |
    cut -d' ' -f2 | tr '\n' ' ')" = "- - - "
check "floor sweep: nogc+bump, with no ok run on churn, reads - in both" test "$(multiples "$dir/floor.out" churn nogc+bump)" = "- -"
# The same results with nogc+bump ten times slower on rings: a floor that is
# not the fastest variant, so x_best and x_floor part.
cp -r "$dir/floor" "$dir/slow-floor"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i }
  NR > 1 && $at["exit_status"] == 0 && $at["workload"] == "rings" && $at["variant"] == "nogc+bump" { $at["wall_ns"] *= 10 }
  { print }' "$dir/floor/runs.csv" >"$dir/slow-floor/runs.csv"
bench/sweep-table "$dir/slow-floor" >"$dir/slow-floor.out" 2>&1
check "a slower floor: nogc+bump is not the fastest on rings" test "$(multiples "$dir/slow-floor.out" rings nogc+bump | cut -d' ' -f1)" != 1.00
floor_figures "$dir/slow-floor" "$dir/slow-floor.out" "a slower floor"

# Whether process PID runs (a child that ended but is not waited for yet, a
# zombie, still takes signals: /proc says which).
running() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# interrupt_when SIGNAL CONDITION COMMAND...: the command as a job of its own
# (so that it takes SIGINT), signalled once the condition (a function) holds,
# whatever the machine's speed; its status. SIGINT back at its default either
# way: a shell started in the background without job control ignores it, and
# so would everything it runs. With `again=1` in front, a command still
# running a second later is signalled again, up to five times, as a user
# would press Ctrl-C again: between two runs the phases read command
# substitutions, and bash 5.2 loses a signal that lands while it parses one
# (the trap itself then fails to parse). The runs' loop reads none: there
# one signal must do.
interrupt_when() {
  local signal=$1 condition=$2 pid more=0
  shift 2
  [ -z "${again:-}" ] || more=5
  set -m
  env --default-signal=INT "$@" >/dev/null 2>&1 &
  pid=$!
  set +m
  for _ in $(seq 3000); do "$condition" && break; sleep 0.02; done
  kill -"$signal" "$pid"
  {
    for ((; more > 0; more--)); do
      sleep 1
      running "$pid" || break
      kill -"$signal" "$pid"
    done
    wait "$pid"
  } 2>/dev/null # no "Killed" notice
}

# --- interrupted (SIGINT, then SIGKILL) once the first row is in, then resumed
printf '%s\n' 'variants rc+malloc marksweep+pool rcgen+pool' 'workloads churn' 'size churn 300000,600000' \
  'repetitions 6' >"$dir/long.sweep"
first_row_in() { [ "$({ wc -l <"$out/runs.csv"; } 2>/dev/null || echo 0)" -ge 2 ]; }
for signal in INT KILL; do
  out=$dir/long-$signal
  interrupt_when "$signal" first_row_in ./heaplab sweep "$dir/long.sweep" --out "$out" -j 2
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
  grep -q '^c1-1,1,,,124,timed out after 1 s,[0-9]*,rc+malloc,churn,300000000,1,.*,failed,' "$dir/slow/runs.csv"
check "  ... and the sweep goes on" grep -q ',rings,1,1,.*,ok,' "$dir/slow/runs.csv"
check "  ... every row whole" complete "$dir/slow"

# --- hyperfine timings and heap curves after the runs: 3 variants x 4
# configurations (rings at 2 ring sizes, churn at 2 sizes) x 2 repetitions =
# 24 runs; hyperfine: 12 rows; heap curves for the 2 marksweep variants:
# 8 minimum heaps, then 3 multiples x 2 repetitions of each = 48 rows.
# (rings first: hyperfine's first configurations are quick, its last slow,
# which leaves time to interrupt it, below.)
printf '%s\n' 'variants rc+malloc marksweep+pool marksweep+malloc' 'workloads rings churn' 'size churn 300000,600000' \
  'size rings 2000' 'param rings ring-size=2,6' 'repetitions 2' 'hyperfine 3 1' 'heap-multipliers 1.5,2,4 2' >"$dir/phases.sweep"
phases_complete() { # results dir
  complete "$1" &&
    [ "$(head -n 1 "$1/hyperfine.csv")" = "$hyperfine_header" ] && rows_once "$1/hyperfine.csv" 12 1-4 &&
    [ "$(head -n 1 "$1/heap.csv")" = "$heap_header" ] && rows_once "$1/heap.csv" 48 1-5,7,9 &&
    rows_once "$1/heap-min.csv" 8 1-5 &&
    [ -z "$(find "$1" -name '*.tmp*')" ]
}
out=$dir/phases
./heaplab sweep "$dir/phases.sweep" --out "$out" >"$dir/phases.out" 2>"$dir/phases.err"
status=$?
check "phases: exit 0 ($status: $(tail -n 1 "$dir/phases.err"))" test $status -eq 0
check "phases: every run, timing and heap-curve run once, every row whole" phases_complete "$out"
check "phases: a JSON file per configuration from hyperfine" test "$(find "$out/hyperfine" -name '*.json' | wc -l)" -eq 4
# shellcheck disable=SC2016 # awk's own $fields
check "phases: hyperfine timed every variant 3 times, every figure there" \
  test -z "$(awk -F, 'NR > 1 && !($5 == 3 && $6 > 0 && $8 > 0 && $9 > 0 && $10 >= $9)' "$out/hyperfine.csv")"
# shellcheck disable=SC2016
check "phases: each minimum heap from 64 KiB to the peak live bytes, found without failure" \
  test -z "$(awk -F, 'NR > 1 && !($7 >= 65536 && ($7 <= $6 || $7 == 65536) && $8 >= 1 && $9 == "")' "$out/heap-min.csv")"
# shellcheck disable=SC2016
check "phases: heap runs ok, each at its multiple of the minimum heap" \
  test -z "$(awk -F, 'NR > 1 && !($10 == "ok" && $8 == sprintf("%.0f", $6 * $7) && $11 > 0)' "$out/heap.csv")"
check "phases: heap curves only for the heap variants (marksweep+*)" \
  test "$(tail -n +2 "$out/heap.csv" | cut -d, -f5 | sort -u | tr '\n' ' ')" = "marksweep+malloc marksweep+pool "
check "phases: the table shows hyperfine's median beside the runs'" \
  grep -Eq '^churn +300000 +rc\+malloc +2/2 +[0-9.]+ +\([0-9.]+-[0-9.]+\) +[0-9.]+ +[0-9]+\.[0-9]{2} +- *$' "$dir/phases.out"
before=$(cat "$out"/{runs,hyperfine,heap,heap-min}.csv | md5sum)
./heaplab sweep --resume "$out" >/dev/null 2>&1
check "phases: resuming a finished sweep makes and changes nothing" test "$(cat "$out"/{runs,hyperfine,heap,heap-min}.csv | md5sum)" = "$before"
# A torn last row of heap.csv is dropped and its run made again.
last=$(tail -n 1 "$out/heap.csv")
sed -i '$d' "$out/heap.csv"
printf '%s' "${last:0:30}" >>"$out/heap.csv"
./heaplab sweep --resume "$out" >/dev/null 2>&1
check "phases: a torn heap.csv row is dropped and its run made again, once" phases_complete "$out"

# Interrupted in the hyperfine phase, resumed and interrupted in the heap
# phase, resumed to the end: once with SIGINT then SIGKILL, once the other way.
in_hyperfine_phase() { [ -n "$(find "$out/hyperfine" -name '*.json' 2>/dev/null)" ]; }
in_heap_phase() { [ "$({ wc -l <"$out/heap.csv"; } 2>/dev/null || echo 0)" -ge 2 ]; }
for signals in "INT KILL" "KILL INT"; do
  read -r first second <<<"$signals"
  out=$dir/phases-$first-$second
  again=1 interrupt_when "$first" in_hyperfine_phase ./heaplab sweep "$dir/phases.sweep" --out "$out"
  status=$?
  check "$first in the hyperfine phase: exit 130 ($status)" test "$first" = KILL -o $status -eq 130
  check "$first in the hyperfine phase: stopped partway" test ! -e "$out/hyperfine.csv"
  check "$first in the hyperfine phase: the runs all recorded" complete "$out"
  again=1 interrupt_when "$second" in_heap_phase ./heaplab sweep --resume "$out"
  status=$?
  check "$second in the heap phase: exit 130 ($status)" test "$second" = KILL -o $status -eq 130
  check "$second in the heap phase: stopped partway ($(($(wc -l <"$out/heap.csv") - 1)) of 48)" \
    test "$(wc -l <"$out/heap.csv")" -lt 49
  check "$second in the heap phase: heap rows so far whole" whole_rows "$out/heap.csv"
  ./heaplab sweep --resume "$out" >/dev/null 2>&1
  check "$first then $second, resumed: everything exactly once, no torn row" phases_complete "$out"
done

# --- hyperfine-variants: only those variants timed, the runs still of every variant
printf '%s\n' 'variants rc+malloc marksweep+pool rcgen+pool' 'workloads churn rings' 'size churn 300' 'size rings 40' \
  'hyperfine 2' 'hyperfine-variants *+pool' >"$dir/hfsome.sweep"
./heaplab sweep "$dir/hfsome.sweep" --out "$dir/hfsome" >/dev/null 2>&1
status=$?
check "hyperfine-variants: exit 0 ($status)" test $status -eq 0
check "hyperfine-variants: runs of all 3 variants" test "$(cut -d, -f8 "$dir/hfsome/runs.csv" | sort -u | grep -c +)" -eq 3
check "hyperfine-variants: hyperfine.csv has the 2 pool variants of both workloads" \
  test "$(tail -n +2 "$dir/hfsome/hyperfine.csv" | cut -d, -f1,4 | sort | tr '\n' ' ')" \
  = "churn,marksweep+pool churn,rcgen+pool rings,marksweep+pool rings,rcgen+pool "
check "hyperfine-variants: meta says which" grep -qx 'hyperfine_variants: marksweep+pool rcgen+pool' "$dir/hfsome/meta"

# --- a hyperfine failure (a variant exiting non-zero) is recorded; the sweep goes on
printf '%s\n' 'hyperfine 2' >>"$dir/fail.sweep"
./heaplab sweep "$dir/fail.sweep" --out "$dir/hffail" >"$dir/hffail.out" 2>&1
status=$?
check "hyperfine failures: exit 1 ($status)" test $status -eq 1
check "hyperfine failures: hyperfine.csv has every variant of every configuration once" rows_once "$dir/hffail/hyperfine.csv" 4 1-4
check "hyperfine failures: the failed ones without figures" \
  test "$(grep -c '^rings,50,ring-size=100000;live-rings=8,[^,]*,2,,,,,$' "$dir/hffail/hyperfine.csv")" -eq 2
check "hyperfine failures: the others timed" test "$(grep -c '^churn,300,.*,2,[0-9]*,[0-9]*,[0-9]*,[0-9]*,[0-9]*$' "$dir/hffail/hyperfine.csv")" -eq 2
check "hyperfine failures: the table says why" \
  test "$(grep -c '^  hyperfine rings-50-ring-size=100000: [^ ]*: 2 of 2 runs failed (exit 3)$' "$dir/hffail.out")" -eq 2

# --- a results folder that cannot take more: the sweep stops with one line
# naming the file and why, exit 1, only whole rows; a resume ends the job.
# A file size limit (ulimit -f, KiB) works anywhere, root or not.
limited() { # KiB sweep-arguments...
  (
    ulimit -f "$1"
    shift
    exec ./heaplab sweep "$@"
  ) >/dev/null 2>"$dir/err"
}
stopped_with() { # status pattern [stderr file]: exit 1, the last word on stderr one error line matching
  local err=${3:-$dir/err}
  [ "$1" -eq 1 ] && [ "$(grep -c 'cannot write' "$err")" -eq 1 ] && tail -n 1 "$err" | grep -Eq -- "$2"
}
printf '%s\n' 'variants rc+malloc marksweep+pool' 'workloads churn rings' 'size churn 300' 'size rings 40' \
  'param rings ring-size=2,6' 'seeds 1,2,3' 'repetitions 3' >"$dir/many.sweep" # 54 runs: runs.csv past 8 KiB
limited 8 "$dir/many.sweep" --out "$dir/limit"
status=$?
check "runs.csv past a size limit: exit 1, one line ($status: $(tail -n 1 "$dir/err"))" \
  stopped_with $status "^heaplab: cannot write $dir/limit/runs.csv: File too large \(what is written is whole"
check "  ... only whole rows" whole_rows "$dir/limit/runs.csv"
check "  ... some recorded ($(($(wc -l <"$dir/limit/runs.csv") - 1)) of 54)" test "$(wc -l <"$dir/limit/runs.csv")" -gt 2
./heaplab sweep --resume "$dir/limit" >/dev/null 2>&1
check "  ... resumed: every run once" complete "$dir/limit"

printf '%s\n' 'variants marksweep+pool' 'workloads churn rings' 'size churn 300' 'size rings 40' 'param rings ring-size=2,6' \
  'heap-multipliers 1,1.5,2,3,4,6,8,10 10' >"$dir/heaprows.sweep" # 240 heap rows: heap.csv past 8 KiB
limited 8 "$dir/heaprows.sweep" --out "$dir/heaplimit"
status=$?
check "heap.csv past a size limit: exit 1, one line ($status: $(tail -n 1 "$dir/err"))" \
  stopped_with $status "^heaplab: cannot write $dir/heaplimit/heap.csv: File too large \("
check "  ... only whole rows" whole_rows "$dir/heaplimit/heap.csv"
./heaplab sweep --resume "$dir/heaplimit" >/dev/null 2>&1
check "  ... resumed: every heap run once" rows_once "$dir/heaplimit/heap.csv" 240 1-5,7,9

printf '%s\n' 'variants rc+malloc marksweep+pool' 'workloads rings' 'size rings 40' 'hyperfine 120' \
  >"$dir/hfjson.sweep" # hyperfine's JSON past 8 KiB
limited 8 "$dir/hfjson.sweep" --out "$dir/hflimit"
status=$?
check "hyperfine's JSON past a size limit: exit 1, one line ($status: $(tail -n 1 "$dir/err"))" \
  stopped_with $status "^heaplab: cannot write $dir/hflimit/hyperfine/rings-40.json: File too large \("
check "  ... no JSON left behind" test -z "$(find "$dir/hflimit/hyperfine" -name '*.json*')"
./heaplab sweep --resume "$dir/hflimit" >/dev/null 2>&1
check "  ... resumed: timed" rows_once "$dir/hflimit/hyperfine.csv" 2 1-4

# --- empty and odd options: refused in one line (exit 2), nothing written anywhere
results_before=$(find results -maxdepth 1 2>/dev/null | wc -l)
n=0
for args in "--out=" "--out ''" "--resume=" "--resume ''" "--timeout=" "--timeout ''" "--shuffle-seed=" \
  "--shuffle-seed ''" "-j ''" "--jobs=" "-j +1" "-j 1e1" "-j 0x2" "--timeout ' 5'" "--timeout 5s" "''"; do
  n=$((n + 1))
  eval "set -- $args"
  if [ "$args" = "''" ]; then set -- ''; else set -- "$dir/tiny.sweep" "$@"; fi
  out=$(./heaplab sweep "$@" 2>"$dir/err")
  status=$?
  check "sweep $args: exit 2, one line, nothing on stdout ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1 -a -z "$out"
done
check "  ... nothing written into results/" test "$(find results -maxdepth 1 2>/dev/null | wc -l)" -eq "$results_before"
# One rule for numbers: digits only, leading zeros no part of them.
printf '%s\n' 'variants rc+malloc' 'workloads rings' 'size rings 040' 'repetitions 02' 'timeout 0030' 'hyperfine 02 00' \
  'param rings ring-size=02,010' 'heap-multipliers 01.5,002 01' 'heap-variants rc+malloc' >"$dir/zeros2.sweep"
check "leading zeros in every number of a sweep file pass --check" quiet ./heaplab sweep --check "$dir/zeros2.sweep"
quiet ./heaplab sweep "$dir/tiny.sweep" -j 002 --timeout 0060 --shuffle-seed 007 --out "$dir/zeros-run" 2>/dev/null
check "-j 002 --timeout 0060 --shuffle-seed 007: run, the seed recorded as 7" grep -qx 'shuffle_seed: 7' "$dir/zeros-run/meta"
for value in 0x10 +10 1e1 1E1 10. .5; do
  refused "3: (--ring-size must be a number, not '$(sed 's/[+.]/\\&/g' <<<"$value")'|values for rings's ring-size must be numbers)" \
    "variants rc+malloc\nworkloads rings\nparam rings ring-size=2,$value\n"
done
refused "3: 'repetitions' wants one whole number" 'variants rc+malloc\nworkloads rings\nrepetitions +2\n'
refused "3: 'timeout' wants a whole number" 'variants rc+malloc\nworkloads rings\ntimeout 1e3\n'

# --- a damaged folder resumed: one line naming the file and the problem,
# exit 2, nothing run and nothing changed; never a hang
damaged() { # name: a copy of the finished tiny sweep to damage
  rm -rf "${dir:?}/$1"
  cp -r "$dir/tiny" "$dir/$1"
  echo "$dir/$1"
}
resume_refused() { # folder pattern
  local before status out
  before=$(cd "$1" && find . -type f ! -name '*.lock' -exec md5sum {} + 2>/dev/null | sort | md5sum)
  out=$(timeout 60 ./heaplab sweep --resume "$1" 2>"$dir/err")
  status=$?
  check "resume $(basename "$1"): exit 2, one line ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1 -a -z "$out"
  check "  ... which says: $2" grep -Eq -- "^heaplab: sweep: .*$2" "$dir/err"
  check "  ... nothing changed" test "$(cd "$1" && find . -type f ! -name '*.lock' -exec md5sum {} + 2>/dev/null | sort | md5sum)" = "$before"
}
d=$(damaged plan-empty); : >"$d/plan"; resume_refused "$d" "plan is empty"
d=$(damaged plan-short); sed -i '5,$d' "$d/plan"; resume_refused "$d" "plan is damaged: 4 runs where meta says 32: cut short"
d=$(damaged plan-torn); truncate -s -3 "$d/plan"; resume_refused "$d" "plan is cut short"
d=$(damaged plan-fields); sed -i '3s/\t[^\t]*$//' "$d/plan"; resume_refused "$d" "plan is damaged: line 3 has 8 fields"
d=$(damaged plan-twice); id=$(head -n 1 "$d/plan" | cut -f1); sed -i "4s/^[^\t]*/$id/" "$d/plan"
resume_refused "$d" "plan is damaged: run $id is on lines 1 and 4"
d=$(damaged plan-variant); sed -i '2s/\t\(rc+malloc\|marksweep+pool\)\t/\tnosuch+malloc\t/' "$d/plan"
resume_refused "$d" "this build has no variant nosuch\+malloc"
d=$(damaged rows-twice); row=$(sed -n 3p "$d/runs.csv"); echo "$row" >>"$d/runs.csv"
resume_refused "$d" "runs.csv has 1 run\(s\) recorded twice \(the first, c[0-9]+-[12] on lines 3 and 34\)"
d=$(damaged rows-foreign); row=$(sed -n 5p "$d/runs.csv"); echo "c999-${row#c*-}" >>"$d/runs.csv"
resume_refused "$d" "runs.csv has 1 row\(s\) of runs the plan does not have \(the first, c999-[12] on line 34\)"
d=$(damaged series-fifo); id=$(head -n 1 "$d/plan" | cut -f1); rm "$d/series/$id.csv"; mkfifo "$d/series/$id.csv"
sed -i "/^$id,/d" "$d/runs.csv"
resume_refused "$d" "series/$id.csv is a FIFO"
d=$(damaged runs-fifo); rm "$d/runs.csv"; mkfifo "$d/runs.csv"; resume_refused "$d" "runs.csv is a FIFO"
d=$(damaged plan-link); mv "$d/plan" "$d/plan.real"; ln -s plan.real "$d/plan"; resume_refused "$d" "plan is a symbolic link"
d=$(damaged mmu-link); rm -r "$d/mmu"; ln -s series "$d/mmu"; resume_refused "$d" "mmu is a symbolic link"
# --out naming what is not a folder, or a folder with a FIFO where a result goes.
: >"$dir/a-file"
out=$(./heaplab sweep "$dir/tiny.sweep" --out "$dir/a-file" 2>"$dir/err")
status=$?
check "--out a regular file: exit 2, one line ($status: $(cat "$dir/err"))" test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1
check "  ... the file untouched" test ! -s "$dir/a-file"
mkdir -p "$dir/has-fifo"; mkfifo "$dir/has-fifo/meta"
timeout 60 ./heaplab sweep "$dir/tiny.sweep" --out "$dir/has-fifo" >/dev/null 2>"$dir/err"
check "--out a folder whose meta is a FIFO: exit 2, one line naming it ($(cat "$dir/err"))" \
  grep -q "^heaplab: sweep: $dir/has-fifo/meta is a FIFO" "$dir/err"
check "  ... the FIFO left as it was, nothing written" test -p "$dir/has-fifo/meta" -a "$(ls -A "$dir/has-fifo")" = meta

# --- names with control characters: the sweep's lines stay lines, with no escapes
odd=$dir/$'odd\e[2J\nname'
./heaplab sweep "$dir/tiny.sweep" --out "$odd" >"$dir/out" 2>"$dir/err"
check "a results folder named with an escape and a newline: exit 0 ($?)" test -s "$odd/runs.csv"
check "  ... every run once" complete "$odd"
check "  ... no escape or control character on stderr" test -z "$(tr -d '\n' <"$dir/err" | tr -d '[:print:]')"
check "  ... one line on stderr" test "$(wc -l <"$dir/err")" -eq 1
./heaplab sweep $'no\nsuch\e[31m' >/dev/null 2>"$dir/err"
check "an unknown sweep named with a newline and an escape: one line, no escape" \
  test "$(wc -l <"$dir/err")" -eq 1 -a -z "$(tr -d '\n' <"$dir/err" | tr -d '[:print:]')"

# A full and a read-only file system: a small tmpfs, mounted in a private
# mount namespace (nothing leaks), where this machine allows it.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then namespace=(unshare -m)
elif unshare -rm true 2>/dev/null; then namespace=(unshare -rm)
else namespace=()
fi
mkdir -p "$dir/fs"
# shellcheck disable=SC2016 # the inner script's own $1...
inner='fs=$1 sweep=$2 dir=$3
  mount -t tmpfs -o size=128k heaplab-test "$fs" || exit 125
  ./heaplab sweep "$sweep" --out "$fs/full" >/dev/null 2>"$dir/full.err"; echo $? >"$dir/full.status"
  cp -a "$fs/full" "$dir/full-copy"
  mount -o remount,ro "$fs" || exit 125
  ./heaplab sweep --resume "$fs/full" >/dev/null 2>"$dir/ro.err"; echo $? >"$dir/ro.status"
  ./heaplab sweep "$sweep" --out "$fs/new" >/dev/null 2>"$dir/ronew.err"; echo $? >"$dir/ronew.status"'
status=125
[ ${#namespace[@]} -eq 0 ] || { "${namespace[@]}" bash -c "$inner" inner "$dir/fs" "$dir/many.sweep" "$dir"; status=$?; }
if [ ${#namespace[@]} -eq 0 ]; then
  echo "skipped: a full and a read-only file system (no mount namespace here: not root, no user namespaces)"
elif [ $status -eq 125 ]; then
  echo "skipped: a full and a read-only file system (mounting a tmpfs is not permitted here)"
else
  check "a full file system: exit 1, one line naming a file in the folder ($(tail -n 1 "$dir/full.err"))" \
    stopped_with "$(cat "$dir/full.status")" "^heaplab: cannot write $dir/fs/full/[^ ]+: No space left on device \(" "$dir/full.err"
  check "  ... only whole rows" whole_rows "$dir/full-copy/runs.csv"
  ./heaplab sweep --resume "$dir/full-copy" >/dev/null 2>&1
  check "  ... resumed elsewhere: every run once" complete "$dir/full-copy"
  check "a read-only folder, resumed: exit 1, one line ($(cat "$dir/ro.err"))" \
    stopped_with "$(cat "$dir/ro.status")" "^heaplab: cannot write $dir/fs/full/runs.csv: Read-only file system \(" "$dir/ro.err"
  check "a new sweep in a read-only folder: exit 1, one line ($(cat "$dir/ronew.err"))" \
    stopped_with "$(cat "$dir/ronew.status")" "^heaplab: cannot write $dir/fs/new: Read-only file system$" "$dir/ronew.err"
fi

checks_done
