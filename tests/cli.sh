#!/usr/bin/env bash
# Bad input to ./heaplab: one clear line on stderr naming the problem, exit
# status 2, nothing on stdout. And the out-of-memory path, from a heap limit
# or from fault injection (--fail-after): exit 3, a message, the stats so far.
set -uo pipefail
# The checks' own figures, whatever the locale they are run in.
export LC_ALL=C
cd "$(dirname "$0")/.."
passed=0 failed=0

# expect STATUS STDERR-PATTERN -- ARGS...
expect() {
  local status=$1 pattern=$2 out err got
  shift 3
  out=$(mktemp) err=$(mktemp)
  ./heaplab "$@" >"$out" 2>"$err"
  got=$?
  local problem=""
  [ "$got" -eq "$status" ] || problem="exit $got, expected $status"
  grep -Eq -- "$pattern" "$err" || problem="${problem:+$problem; }stderr does not match /$pattern/: $(head -c 200 "$err")"
  if [ "$status" -eq 2 ]; then
    [ "$(wc -l <"$err")" -eq 1 ] || problem="${problem:+$problem; }stderr has $(wc -l <"$err") lines"
    [ ! -s "$out" ] || problem="${problem:+$problem; }stdout not empty"
  fi
  if [ -z "$problem" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: heaplab $*: $problem"
  fi
  rm -f "$out" "$err"
}

v=rc+malloc
expect 2 "unknown command 'frobnicate'" -- frobnicate
expect 2 "usage: heaplab run" -- run
expect 2 "usage: heaplab run" -- run $v
expect 2 "unknown variant 'nosuch\+malloc'" -- run nosuch+malloc churn
expect 2 "unknown workload 'nosuch'" -- run $v nosuch
expect 2 "unknown workload 'nosuch'" -- describe nosuch
expect 2 "describe takes one workload or variant name" -- describe
expect 2 "list takes no arguments" -- list extra
expect 2 "--size must be a whole number, not 'abc'" -- run $v churn --size abc
expect 2 "--size must be a whole number, not '-5'" -- run $v churn --size=-5
expect 2 "--size must be at least 1, not 0" -- run $v churn --size 0
expect 2 "--size must be a whole number, not '1e3'" -- run $v churn --size 1e3
expect 2 "--size '99999999999999999999999' is too large" -- run $v churn --size 99999999999999999999999
expect 2 "--size must be at most" -- run $v churn --size 999999999999999
expect 2 "--size needs a value" -- run $v churn --size
expect 2 "--size given twice" -- run $v churn --size 5 --size 6
expect 2 "--seed must be a whole number" -- run $v churn --seed=x
expect 2 "--stress must be at least 1" -- run $v churn --stress 0
expect 2 "unknown option '--bogus=1'" -- run $v churn --bogus=1
expect 2 "unexpected argument 'extra'" -- run $v churn extra
expect 2 "--ring-size must be between 1 and" -- run $v rings --ring-size=0
expect 2 "--ring-size must be a whole number" -- run $v rings --ring-size=1.5
expect 2 "--ring-size must be a number, not 'nan'" -- run $v rings --ring-size=nan
expect 2 "--ring-size must be a number, not ''" -- run $v rings --ring-size=
expect 2 "--ring-size given twice" -- run $v rings --ring-size=2 --ring-size=3
# One rule for every number, as --size has it: plain decimal digits (a '-'
# where the value may be negative, a '.' where it may have a fraction).
ere() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; } # text as an extended regular expression
for value in 0x10 ' 10' '10 ' +10 1e1 1E1 10. .5 -+1 '1,5' inf infinity 1_000 '１０'; do
  expect 2 "--ring-size must be a number, not '$(ere "$value")'" -- run $v rings "--ring-size=$value"
  expect 2 "--growth-factor must be a number, not '$(ere "$value")'" -- run marksweep+malloc rings "--growth-factor=$value"
  expect 2 "--size must be a whole number, not '$(ere "$value")'" -- run $v rings "--size=$value"
done
expect 2 "--ring-size must be a whole number, not '10\.0'" -- run $v rings --ring-size=10.0
expect 2 "--ring-size must be between 1 and [0-9]+, not 1[0-9]{400}$" -- run $v rings "--ring-size=1$(printf '%0400d' 0)"
expect 2 "--threshold0 must be a whole number, not '-1\.0'" -- run rcgen+malloc rings --size=40 --threshold0=-1.0
# Leading zeros are no part of a number; a '-' where the value may be negative.
summary_field() { # field ./heaplab-run-arguments...: the summary's field of that name
  ./heaplab run "${@:2}" 2>/dev/null | awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i } NR == 2 { print $at[name] }'
}
for got in "$(summary_field params $v rings --size=040 --ring-size=010):ring-size=10;live-rings=8" \
  "$(summary_field size $v rings --size=040):40" "$(summary_field outcome rcgen+malloc rings --size=40 --threshold0=-1):ok" \
  "$(summary_field outcome marksweep+malloc rings --size=40 --growth-factor=02.50):ok"; do
  if [ "${got%%:*}" = "${got#*:}" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: read as $got"; fi
done
# Text from the command line is shown on one line, unable to drive a terminal.
expect 2 "^heaplab: unknown variant 'rc\+malloc\?\[31mred\?two lines' " -- run $'rc+malloc\e[31mred\ntwo lines' rings
expect 2 "^heaplab: unknown workload 'rings\?\[2J\?' " -- run $v $'rings\e[2J\r'
expect 2 "^heaplab: unknown option '--ring\?size=1' " -- run $v rings $'--ring\nsize=1'
expect 2 "^heaplab: cannot write 'no\?such/x\?y.csv'" -- run $v rings --series $'no\tsuch/x\302\233y.csv'
expect 2 "^heaplab: unknown command 'x\?y'" -- $'x\ny'
expect 2 "^heaplab: unknown workload '\?\?'" -- describe $'\e\a'
expect 2 "min-depth must not exceed max-depth" -- run $v gcbench --min-depth=10 --max-depth=5
expect 2 "--heap-limit must be at least 65536, not 1K" -- run $v churn --heap-limit=1K
expect 2 "--heap-limit must be a whole number \(with K, M or G\), not '12X'" -- run $v churn --heap-limit=12X
expect 2 "--heap-limit '99999999999G' is too large" -- run $v churn --heap-limit=99999999999G
expect 2 "quick takes no arguments" -- quick extra
expect 2 "plot: usage" -- plot
expect 2 "allocbench: --runs wants a number of runs from 1 to 9999, not '-1'" -- allocbench --runs -1
expect 2 "allocbench: --runs wants a number of runs from 1 to 9999, not '99999999999999999999'" -- allocbench --runs 99999999999999999999
expect 2 "allocbench: --runs needs a value" -- allocbench --runs
expect 2 "allocbench: --seed wants a whole number" -- allocbench --seed x
expect 2 "allocbench: unknown argument: --bogus" -- allocbench --bogus
for option in --out= "--out ''" --from= --runs= --seed= --bin=; do
  eval "set -- $option"
  expect 2 "allocbench: ${option%%[= ]*} needs a value" -- allocbench "$@"
done
expect 2 "allocbench: --out: '/tmp' is a folder, not a file to write" -- allocbench --out /tmp
expect 2 "allocbench: --seed wants a whole number below 10\^9, not '\+5'" -- allocbench --seed +5
expect 2 "allocbench: --runs wants a number of runs from 1 to 9999, not ' 5'" -- allocbench --runs ' 5'
expect 2 "--fail-after must be at least 1, not 0" -- run $v churn --fail-after 0
expect 2 "--fail-after must be a whole number, not '-3'" -- run $v churn --fail-after=-3
expect 2 "--fail-after given twice" -- run $v churn --fail-after 5 --fail-after 6
for variant in $(./heaplab list | sed -n 's/^variant //p'); do
  expect 3 "out of memory: rings needs [0-9]+ more bytes" -- run "$variant" rings --ring-size=100000 --heap-limit=1M
  expect 3 "out of memory: gcbench needs [0-9]+ more bytes .*--fail-after: the allocator refused after 20000 requests" \
    -- run "$variant" gcbench --fail-after 20000
done

# A fault-injected run stops after exactly the allocations allowed.
row=$(./heaplab run $v churn --fail-after 777 --json 2>/dev/null)
if [[ $row == *'"outcome": "out-of-memory"'* && $row == *'"objects_allocated": 777,'* ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)) && echo "FAIL: --fail-after 777: $row"
fi

# The out-of-memory run still prints its stats so far, with the outcome named.
row=$(./heaplab run $v rings --ring-size=100000 --heap-limit=1M 2>/dev/null | tail -n 1)
if [[ $row == *",out-of-memory,"* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: no out-of-memory row: $row"; fi

# describe VARIANT: the collector's and the allocator's knobs.
knobs=$(./heaplab describe rcgen+pool)
if grep -q -- '--threshold0=-1' <<<"$knobs" && grep -q -- '--policy=3.11' <<<"$knobs" && grep -q -- '--keep-arenas=1' <<<"$knobs"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: describe rcgen+pool: $knobs"
fi

# list: a line per variant and per workload.
listing=$(./heaplab list)
if grep -q '^variant rc+malloc$' <<<"$listing" && grep -q '^workload churn ' <<<"$listing"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: list output: $listing"
fi

# Every variant's traits, and the build lines of its files agreeing with them
# (docs/collectors.md): reclaims nothing <=> '// build: reclaims-nothing';
# its own allocator <=> '// allocator: NAME', and then its only variant; an
# allocator whose free does nothing <=> '// build: never-frees', paired only
# with collectors that reclaim nothing. The nogc+bump floor is built.
agree() { # description command...
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}
says() { grep -q "^// $2" "$1"; }
for v in $(sed -n 's/^variant //p' <<<"$listing"); do
  collector=${v%%+*} allocator=${v#*+}
  traits=$(./heaplab describe "$v")
  reclaims=$(sed -n 's/^  reclaims: //p' <<<"$traits")
  agree "$v: traits printed" test -n "$reclaims"
  agree "$v: 'reclaims: $reclaims' and the build line agree" \
    test "$([ "$reclaims" = nothing ] && echo y)" = "$(says "impl/gc/$collector.c" 'build: reclaims-nothing' && echo y)"
  own=$(sed -n 's/^  own-allocator: //p' <<<"$traits")
  if says "impl/gc/$collector.c" 'allocator: '; then
    agree "$v: its own allocator" test "$own" = yes
    agree "$v: named after its own allocator" test "$allocator" = "$(sed -n 's|^// allocator: ||p' "impl/gc/$collector.c")"
  else
    agree "$v: no allocator of its own" test "$own" = no
    frees=$(sed -n 's/^  allocator-frees: //p' <<<"$traits")
    agree "$v: allocator-frees: $frees and the build line agree" \
      test "$([ "$frees" = no ] && echo y)" = "$(says "impl/alloc/$allocator.c" 'build: never-frees' && echo y)"
    [ "$frees" = yes ] || agree "$v: a never-freeing allocator with a collector that frees" test "$reclaims" = nothing
  fi
done
agree "nogc+bump is built" grep -q '^variant nogc+bump$' <<<"$listing"
# A collector that reclaims nothing ends out of memory before the machine
# would swap: its default heap limit is half of what is available.
available=$(($(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo) * 1024))
limit=$(./heaplab run nogc+bump rings --size=100 --json | sed -n 's/.*"heap_limit_bytes": \([0-9]*\).*/\1/p')
agree "nogc+bump's default heap limit ($limit) is about half of MemAvailable ($available)" \
  test "${limit:-0}" -gt $((available / 4)) -a "${limit:-0}" -le "$available"
expect 2 "huge-pages" -- run nogc+bump churn --size=1000 --huge-pages=2
agree "nogc+bump runs with --huge-pages=1" bash -c './heaplab run nogc+bump churn --size=1000 --huge-pages=1 >/dev/null'
limit=$(./heaplab run rc+malloc rings --size=100 --json | sed -n 's/.*"heap_limit_bytes": \([0-9]*\).*/\1/p')
agree "rc+malloc has no default heap limit ($limit)" test "$limit" = 0

# Output that cannot be written (a full disk) is a failure said in one
# line, exit 1, whatever the command: never an exit 0 with results lost.
unwritable() { # description ./heaplab-arguments...
  local what=$1 err status
  shift
  err=$(./heaplab "$@" 2>&1 >/dev/full)
  status=$?
  agree "$what >/dev/full: exit 1 ($status)" test "$status" -eq 1
  agree "$what >/dev/full: one line ($err)" test "$(wc -l <<<"$err")" -eq 1 -a -n "$err"
}
# After the variant comes a workload: the harness's own commands are not run's.
for option in --list --knobs --help --describe; do
  expect 2 "run takes a workload after the variant" -- run rc+malloc "$option" rings
done
unwritable "run" run rc+malloc rings --size 40
unwritable "run --json" run rc+malloc rings --size 40 --json
unwritable "describe a workload" describe rings
unwritable "describe a variant" describe rc+malloc
unwritable "list" list
unwritable "help" help
unwritable "sweep --check" sweep --check quick
unwritable "sweep --help" sweep --help
# A sweep's table, plot's page path and compare's report: the results are
# written, the output that says so is not.
results=$(mktemp -d)
printf 'variants rc+malloc\nworkloads rings\nsize rings 40\n' >"$results/tiny.sweep"
./heaplab sweep "$results/tiny.sweep" --out "$results/a" >/dev/null 2>&1
err=$(./heaplab sweep "$results/tiny.sweep" --out "$results/b" 2>&1 >/dev/full)
status=$?
agree "sweep >/dev/full: exit 1 ($status)" test "$status" -eq 1
agree "sweep >/dev/full: said last ($err)" test "$(tail -n 1 <<<"$err")" = "heaplab: cannot write the output"
unwritable "plot" plot "$results/a"
unwritable "compare" compare "$results/a" "$results/b"
rm -rf "$results"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
