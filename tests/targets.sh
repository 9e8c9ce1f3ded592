#!/usr/bin/env bash
# make targets, the one command for every performance target, cannot rot:
# its smoke run (tiny sizes, nothing judged) builds and runs every
# benchmark it reads, and each section prints its lines. Its judging is
# checked on stand-in benchmarks whose figures are known, and its errors
# are one line. Release build only: the benchmarks are release builds.
. "$(dirname "$0")/check.bash"
build=${HEAPLAB_BUILD:-build}

if grep -q fsanitize "$build/gen/flags" 2>/dev/null; then
  echo "skipped: the benchmarks are judged in the release build"
  checks_done
  exit
fi

make --no-print-directory -s targets SMOKE=1 >"$dir/smoke" 2>"$dir/smoke.err"
status=$?
check "make targets SMOKE=1 exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || sed 's/^/  /' "$dir/smoke.err" | tail -5
for section in perf alloc overhead gcbench release scaling; do
  check "the smoke run measured $section" grep -q "^  $section .*(smoke: not judged)$" "$dir/smoke"
done
check "the smoke run counts what it measured" grep -qE '^targets: [0-9]+ measured \(smoke run, not judged\)$' "$dir/smoke"
check "the smoke run judges nothing" bash -c "! grep -qE ' (ok|MISSED)$' '$dir/smoke'"

# Stand-ins for make perf's programs, with known figures: one ratio past
# its limit, rcgen slower than CPython on garbage.
fake=$dir/fake/bin
mkdir -p "$fake"
stand_in() { # name output-line
  printf '#!/bin/sh\necho "%s"\n' "$2" >"$fake/$1"
  chmod +x "$fake/$1"
}
stand_in perf-marksweep+malloc 'trace marksweep+malloc objects 1 floor_ns_per_object 1 collect_ns_per_object 2.5 ratio 2.50 range 2.40-2.60'
cat >"$fake/perf-rcgen+malloc" <<'EOF'
#!/bin/sh
case $1 in
trace) echo "trace rcgen+malloc objects 1 floor_ns_per_object 1 collect_ns_per_object 12.00 ratio 1.80 range 1.70-1.90" ;;
cycles) echo "cycles rcgen+malloc objects 2 collect_ns_per_object 120.00" ;;
esac
EOF
chmod +x "$fake/perf-rcgen+malloc"
stand_in perf-rc+malloc 'churn rc+malloc lists 1 direct_ns_per_list 1 interface_ns_per_list 1.1 ratio 1.10 range 1.05-1.20'
printf '#!/bin/sh\necho "cpython trace objects 1 collect_ns_per_object 160.00"\necho "cpython cycles objects 2 collect_ns_per_object 90.00"\n' >"$fake/cpython-gc"
chmod +x "$fake/cpython-gc"
bench/targets --build "$dir/fake" --only perf >"$dir/judged" 2>/dev/null
check "a missed target makes the exit status 1" test $? -eq 1
check "the ratio past its limit is MISSED" grep -qE '^  perf +marksweep full collection / traversal floor <= 2x +2.50x .*MISSED$' "$dir/judged"
check "the ratios within their limits are ok" \
  bash -c "grep -qE '^  perf +rcgen full collection .* 1.80x .* ok$' '$dir/judged' && grep -qE '^  perf +rc churn .* 1.10x .* ok$' '$dir/judged'"
check "rcgen beside CPython: faster is ok" grep -qE '^  perf +rcgen ns per live object .* 12.00 vs 160.00 ns +ok$' "$dir/judged"
check "rcgen beside CPython: slower is MISSED" grep -qE '^  perf +rcgen ns per garbage object .* 120.00 vs 90.00 ns +MISSED$' "$dir/judged"
check "the count of misses" grep -qx 'targets: 3 ok, 2 MISSED' "$dir/judged"

# A stand-in that prints what the reader does not expect: exit 2, one line.
stand_in perf-rc+malloc 'churn: something else'
bench/targets --build "$dir/fake" --only perf >/dev/null 2>"$dir/err"
check "unreadable output: exit 2" test $? -eq 2
check "unreadable output: one line naming the benchmark" \
  bash -c "[ \$(wc -l <'$dir/err') -eq 1 ] && grep -q '^targets: bench/perf: its output lacks the lines read here' '$dir/err'"

bench/targets --build "$dir/nothing" --only gcbench >/dev/null 2>"$dir/err"
check "a benchmark that is not built: exit 2" test $? -eq 2
check "a benchmark that is not built: one line" \
  bash -c "[ \$(wc -l <'$dir/err') -eq 1 ] && grep -q '^targets: cannot run .*heaplab-marksweep+pool' '$dir/err'"

bench/targets --only nothing >/dev/null 2>"$dir/err"
check "an unknown section: exit 2" test $? -eq 2
check "an unknown section: one line" bash -c "[ \$(wc -l <'$dir/err') -eq 1 ] && grep -q \"unknown section 'nothing'\" '$dir/err'"

if [ -w /dev/full ]; then
  bench/targets --build "$dir/fake" --only perf >/dev/full 2>"$dir/err"
  check "output that cannot be written: exit 1" test $? -eq 1
  check "output that cannot be written: one line" \
    bash -c "[ \$(wc -l <'$dir/err') -eq 1 ] && grep -q '^targets: cannot write the output' '$dir/err'"
fi

checks_done
