#!/usr/bin/env bash
# Commands started together. Two sweeps on one results folder: one makes
# every run exactly once, the other is refused with one line (exit 2) and
# writes nothing; a resume while a sweep runs is refused the same way.
# Three plots of one folder: each draws it whole, none fails. Several
# ./heaplab commands started together in a fresh clone, which must build
# first: the builds take turns and every command does its work.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

# Every run of the plan recorded exactly once, every row whole.
complete() { # results dir
  [ -s "$1/plan" ] && [ "$(tail -c 1 "$1/runs.csv")" = "" ] &&
    [ "$(tail -n +2 "$1/runs.csv" | cut -d, -f1 | sort)" = "$(cut -f1 "$1/plan" | sort)" ]
}
# status file, stderr file: refused as a second sweep is: exit 2, one line.
refused_as_second() {
  [ "$(cat "$1")" -eq 2 ] && [ "$(wc -l <"$2")" -eq 1 ] &&
    grep -Eq '^heaplab: sweep: (another sweep is writing .* \(one sweep at a time in a folder|.* already holds a sweep)' "$2"
}

# --- two sweeps at once on one folder, several times
printf '%s\n' 'variants rc+malloc marksweep+malloc' 'workloads rings churn' 'size rings 2000' 'size churn 3000' \
  'repetitions 6' >"$dir/two.sweep" # 24 runs
for trial in 1 2 3 4; do
  out=$dir/two-$trial
  for who in a b; do
    { ./heaplab sweep "$dir/two.sweep" --out "$out" >/dev/null 2>"$dir/$who.err"; echo $? >"$dir/$who.status"; } &
  done
  wait
  a=$(cat "$dir/a.status") b=$(cat "$dir/b.status")
  check "trial $trial: one sweep made the runs, exit 0 (exits $a and $b)" test "$a" -eq 0 -o "$b" -eq 0
  if [ "$a" -eq 0 ]; then second=b; else second=a; fi
  check "trial $trial: the other refused in one line, exit 2 ($(cat "$dir/$second.err"))" \
    refused_as_second "$dir/$second.status" "$dir/$second.err"
  check "trial $trial: every run recorded exactly once ($(($(wc -l <"$out/runs.csv") - 1)) rows, $(wc -l <"$out/plan") planned)" \
    complete "$out"
  check "trial $trial: one series file per run" test "$(find "$out/series" -type f | wc -l)" -eq "$(wc -l <"$out/plan")"
done

# --- a resume (or a new sweep) while a sweep runs there: refused, nothing changed
printf '%s\n' 'variants rc+malloc marksweep+malloc' 'workloads churn' 'size churn 300000' 'repetitions 8' >"$dir/long.sweep"
out=$dir/busy
./heaplab sweep "$dir/long.sweep" --out "$out" >/dev/null 2>&1 &
sweep=$!
for _ in $(seq 3000); do [ "$({ wc -l <"$out/runs.csv"; } 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.02; done
# Held still while the others try (it keeps its lock), so that it cannot
# end first however busy the machine is.
kill -STOP $sweep
plan=$(md5sum <"$out/plan")
./heaplab sweep --resume "$out" >/dev/null 2>"$dir/err"
echo $? >"$dir/status"
check "--resume while the sweep runs: refused in one line, exit 2 ($(cat "$dir/err"))" refused_as_second "$dir/status" "$dir/err"
./heaplab sweep "$dir/long.sweep" --out "$out" >/dev/null 2>"$dir/err"
echo $? >"$dir/status"
check "a new sweep into it while it runs: refused in one line, exit 2 ($(cat "$dir/err"))" refused_as_second "$dir/status" "$dir/err"
check "  ... the plan untouched" test "$(md5sum <"$out/plan")" = "$plan"
kill -CONT $sweep
wait $sweep
status=$?
check "the sweep itself went on to the end, exit 0 ($status)" test $status -eq 0
check "  ... every run once" complete "$out"

# --- three plots of one folder at once: each draws the folder whole
plotted=$dir/plotted
cp -r tests/fixtures/sweep-small "$plotted"
for who in a b c; do
  { ./heaplab plot "$plotted" >"$dir/$who.out" 2>"$dir/$who.err"; echo $? >"$dir/$who.status"; } &
done
wait
for who in a b c; do
  check "plot $who of three at once: exit 0, nothing on stderr ($(cat "$dir/$who.status"): $(head -c 300 "$dir/$who.err"))" \
    test "$(cat "$dir/$who.status")" -eq 0 -a ! -s "$dir/$who.err"
  check "plot $who: printed the page" test "$(cat "$dir/$who.out")" = "$plotted/index.html"
done
check "the plots all there (24), the page, no staging folders left" \
  test "$(find "$plotted/plots" -type f | wc -l)" -eq 24 -a -s "$plotted/index.html" -a \
  -z "$(find "$plotted" -maxdepth 1 -name '.plot-*')"

# --- three comparisons into one folder at once: each whole, none fails
for who in a b c; do
  { ./heaplab compare "$dir/two-1" "$dir/two-2" --out "$dir/compared" >"$dir/$who.out" 2>"$dir/$who.err"
    echo $? >"$dir/$who.status"; } &
done
wait
for who in a b c; do
  check "compare $who of three at once: compared, nothing on stderr ($(cat "$dir/$who.status"): $(head -c 300 "$dir/$who.err"))" \
    test "$(cat "$dir/$who.status")" -le 1 -a ! -s "$dir/$who.err"
done
check "the comparison whole, nothing left aside" \
  test "$(cd "$dir/compared" && printf '%s ' *)" = "compare.csv compare.png compare.svg compare.txt " -a \
  -z "$(find "$dir" -maxdepth 1 -name '.compare*')"

# --- several ./heaplab commands at once in a fresh clone (one collector,
# one allocator, as tests/paths.sh makes it), each building on first use
clone=$dir/clone
mkdir -p "$clone"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$clone" 2>/dev/null ||
  { echo "FAIL: cannot copy the tree"; failed=$((failed + 1)); checks_done; exit; }
find "$clone/impl/gc" "$clone/impl/alloc" -name '*.c' ! -name rc.c ! -name malloc.c -delete
printf '%s\n' 'variants rc+malloc' 'workloads rings' 'size rings 40' >"$dir/clone.sweep"
commands=("run rc+malloc rings --size 40" "run rc+malloc churn --size 300" "list" "describe rings" "describe rc+malloc"
  "sweep $dir/clone.sweep --out $dir/clone-results")
(
  unset HEAPLAB_NO_BUILD HEAPLAB_BUILD
  for i in "${!commands[@]}"; do
    # shellcheck disable=SC2086 # each command is its words
    { "$clone/heaplab" ${commands[i]} >"$dir/cmd$i.out" 2>"$dir/cmd$i.err"; echo $? >"$dir/cmd$i.status"; } &
  done
  wait
)
for i in "${!commands[@]}"; do
  check "in a fresh clone, '${commands[i]}' with the others at once: exit 0 ($(cat "$dir/cmd$i.status"): $(grep -v 'runs to make' "$dir/cmd$i.err" | tail -n 2))" \
    test "$(cat "$dir/cmd$i.status")" -eq 0 -a -z "$(grep -v 'runs to make' "$dir/cmd$i.err")"
  check "  ... and printed its output" test -s "$dir/cmd$i.out"
done
check "the clone's build left no temporary file" test -z "$(find "$clone/build" -name '*.tmp*')"

checks_done
