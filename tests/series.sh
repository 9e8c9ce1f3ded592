#!/usr/bin/env bash
# --series FILE: the memory curve is a well-formed CSV, monotone in the
# allocation clock, bounded in length, written whole or not at all; a path
# that cannot be written is refused before the run. With --trash-every too,
# and then the garbage columns are both filled or both empty on every row.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

well_formed() { # file
  awk -F, 'NR == 1 { ok = ($0 == "bytes_allocated,elapsed_ns,live_bytes,footprint_bytes,rss_bytes,collections,garbage_objects,garbage_bytes"); next }
           NF != 8 || $1 < last || $2 < last_t || (($7 == "") != ($8 == "")) { ok = 0 }
           { last = $1; last_t = $2; n++ }
           END { exit !(ok && n >= 2 && n <= 1024) }' "$1"
}

for v in rc+malloc rcgen+pool marksweep+malloc; do
  for w in churn rings; do
    f=$dir/$v-$w.csv
    row=$(./heaplab run "$v" "$w" --size=20000 --series "$f" --json)
    check "$v $w: series well formed without --trash-every" well_formed "$f"
    check "$v $w: no garbage columns filled without --trash-every" \
      awk -F, 'NR > 1 && ($7 != "" || $8 != "") { bad = 1 } END { exit bad }' "$f"
    row=$(./heaplab run "$v" "$w" --size=20000 --series "$f" --json --trash-every=256K)
    check "$v $w: series file written" test -s "$f"
    check "$v $w: series well formed and monotone" well_formed "$f"
    last=$(tail -n 1 "$f" | cut -d, -f1)
    total=$(sed 's/.*"bytes_allocated": \([0-9]*\).*/\1/' <<<"$row")
    check "$v $w: last sample at the run's end ($last = $total)" test "$last" = "$total"
    peak=$(sed 's/.*"peak_footprint_bytes": \([0-9]*\).*/\1/' <<<"$row")
    check "$v $w: peak footprint ($peak) at least every sample's" \
      awk -F, -v p="$peak" 'NR > 1 && $4 > p { bad = 1 } END { exit bad }' "$f"
  done
done

# A long run still has at most 1024 samples, passes or not.
./heaplab run rc+malloc churn --size=400000 --series "$dir/long.csv" >/dev/null
check "a long run's series is bounded" well_formed "$dir/long.csv"
./heaplab run rc+malloc churn --size=400000 --series "$dir/long.csv" --trash-every=64K >/dev/null
check "a long run's series with passes is bounded" well_formed "$dir/long.csv"

# An unwritable path: exit 2, one line, no run, nothing left behind.
err=$(./heaplab run rc+malloc churn --series "$dir/missing/x.csv" 2>&1 >/dev/null)
status=$?
check "unwritable --series path refused with exit 2 ($status)" test $status -eq 2
check "unwritable --series path named: $err" grep -q "cannot write '$dir/missing/x.csv'" <<<"$err"

# A directory is refused before the run: exit 2, one line, nothing on stdout.
mkdir "$dir/folder"
out=$(./heaplab run rc+malloc rings --size=40 --series "$dir/folder" 2>"$dir/err")
status=$?
check "--series to a directory: exit 2 ($status)" test $status -eq 2
check "--series to a directory: nothing on stdout ($out)" test -z "$out"
check "--series to a directory: one line ($(cat "$dir/err"))" test "$(grep -c . "$dir/err")" -eq 1
check "--series to a directory: said so" grep -q "cannot write '$dir/folder': Is a directory" "$dir/err"

# What is not a regular file is written through, never renamed over. The
# devices are reached through links in the scratch folder, so that a harness
# that renamed over its target would replace the link, never the device.
ln -s /dev/null "$dir/null"
./heaplab run rc+malloc rings --size=40 --series "$dir/null" >"$dir/out"
status=$?
check "--series to /dev/null: exit 0 ($status)" test $status -eq 0
check "--series to /dev/null: the summary printed" test "$(wc -l <"$dir/out")" -eq 2
check "--series to /dev/null: written through, the link left as it was" test -L "$dir/null" -a -c "$dir/null"
ln -s /proc/self/fd/1 "$dir/stdout"
./heaplab run rc+malloc rings --size=40 --series "$dir/stdout" >"$dir/both"
check "--series to stdout, itself a file: the curve, then the summary" \
  awk 'NR == 1 { ok = /^bytes_allocated,/ } /^schema_version,/ { summary = NR } END { exit !(ok && summary == NR - 1) }' "$dir/both"
mkfifo "$dir/fifo"
timeout 20 cat "$dir/fifo" >"$dir/from-fifo" &
./heaplab run rc+malloc rings --size=20000 --series "$dir/fifo" >/dev/null
status=$?
wait
check "--series to a FIFO: exit 0 ($status)" test $status -eq 0
check "--series to a FIFO: the reader gets the whole curve" well_formed "$dir/from-fifo"
check "the FIFO is still a FIFO" test -p "$dir/fifo"
# A symbolic link stays one; the file it names gets the curve.
: >"$dir/target.csv"
ln -s target.csv "$dir/link.csv"
./heaplab run rc+malloc rings --size=20000 --series "$dir/link.csv" >/dev/null
check "--series through a symbolic link: still a link" test -L "$dir/link.csv"
check "--series through a symbolic link: the file it names holds the curve" well_formed "$dir/target.csv"
# A symbolic link to nothing yet is written through, as a shell's > would: the
# file it names is made, the link stays.
ln -s made-through-link.csv "$dir/dangling.csv"
./heaplab run rc+malloc rings --size=20000 --series "$dir/dangling.csv" >/dev/null
check "--series through a link to nothing yet: still a link" test -L "$dir/dangling.csv"
check "--series through a link to nothing yet: the file it names made, whole" well_formed "$dir/made-through-link.csv"
# Both curves to one file would mix them; whatever names it: refused before the run.
: >"$dir/hard.csv"
ln "$dir/hard.csv" "$dir/hard-too.csv"
ln -s same.csv "$dir/same-link.csv"
for pair in "$dir/same.csv $dir/same.csv" "$dir/same.csv $dir/./same.csv" "$dir/same.csv $dir/same-link.csv" \
  "$dir/hard.csv $dir/hard-too.csv" "$dir/stdout /proc/self/fd/1"; do
  read -r series mmu <<<"$pair"
  out=$(./heaplab run rc+malloc rings --size=40 --series "$series" --mmu "$mmu" 2>"$dir/err")
  status=$?
  check "--series $series --mmu $mmu: exit 2, one line, nothing on stdout ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1 -a -z "$out"
  check "  ... which says they name one file" grep -q "name the same file" "$dir/err"
done
check "the refusals wrote nothing" test ! -e "$dir/same.csv" -a ! -s "$dir/hard.csv"
./heaplab run rc+malloc rings --size=40 --series "$dir/first.csv" --mmu "$dir/missing/mmu.csv" >/dev/null 2>&1
check "--mmu refused: --series left nothing behind" test -z "$(find "$dir" -name 'first.csv*')"

# Out of memory: the curve so far is still written, whole.
./heaplab run marksweep+malloc rings --ring-size=100000 --heap-limit=1M --series "$dir/oom.csv" >/dev/null 2>&1
status=$?
check "out-of-memory run exits 3 ($status)" test $status -eq 3
check "out-of-memory run leaves a whole series" well_formed "$dir/oom.csv"
check "no temporary files left" test -z "$(find "$dir" -name '*.tmp.*')"

checks_done
