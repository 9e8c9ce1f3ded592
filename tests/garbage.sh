#!/usr/bin/env bash
# --trash-every BYTES: reachability passes that free nothing, measuring the
# garbage a collector has not reclaimed yet. On rings (cycles, and nothing
# else, for refcounting to leak) the peak grows with the run under rc and
# stays put under rcgen and marksweep; the passes change no other figure;
# the memory curve carries their figures on the rows where they ran; without
# the option the columns are empty; bad values are refused.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

field() { sed -n "s/.*\"$1\": \\([^,}]*\\).*/\\1/p" <<<"$2"; }

# Refused: exit 2, one line on stderr starting "heaplab: ", nothing on stdout.
refused() { # pattern args...
  local pattern=$1 out err status
  shift
  out=$(./heaplab run rc+malloc churn --size=100 "$@" 2>"$dir/err")
  status=$?
  err=$(cat "$dir/err")
  if [ $status -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -Eq -- "^heaplab: .*$pattern" <<<"$err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $* refused? exit $status, stderr: $err, stdout: ${out:0:80}"
  fi
}
refused "--trash-every must be at least 65536, not 0" --trash-every=0
refused "--trash-every must be at least 65536, not 1K" --trash-every 1K
refused "--trash-every must be a whole number, not 'abc'" --trash-every=abc
refused "--trash-every must be a whole number \(with K, M or G\), not '12X'" --trash-every=12X
refused "--trash-every must be a whole number, not '-1M'" --trash-every=-1M
refused "--trash-every must be a whole number, not ''" --trash-every=
refused "--trash-every '99999999999G' is too large" --trash-every=99999999999G
refused "--trash-every must be at most" --trash-every=1000000G
refused "--trash-every needs a value" --trash-every
refused "--trash-every given twice" --trash-every=1M --trash-every=2M

# Off: the columns are there, empty (null in JSON).
row=$(./heaplab run rc+malloc rings --size=2000 --json)
for c in trash_ns garbage_samples peak_garbage_objects peak_garbage_bytes; do
  check "without --trash-every, $c is null" test "$(field "$c" "$row")" = null
done

# Rings at two sizes: under rc the peak grows with the leak and the garbage
# is never steady; under a cycle collector it stays within a bound.
peak() { field peak_garbage_bytes "$(./heaplab run "$1" rings --size="$2" --trash-every=64K --json)"; }
# Every collector, as its traits say, over malloc (or the one back end it
# has), and a few more pairings of the first ones.
one_of_each=$(./heaplab list | awk '$1 == "variant" { split($2, p, "+"); if (!(p[1] in seen) || p[2] == "malloc") seen[p[1]] = $2 }
  END { for (c in seen) print seen[c] }' | sort)
for v in $one_of_each nogc+bump rcgen+pool marksweep+mimalloc; do
  # Past the first 80,000 rings: a generational heap's old garbage takes that
  # long to reach its bound (gms: its nursery plus min-heap).
  small=$(peak "$v" 80000) large=$(peak "$v" 320000)
  if [ "$(./heaplab describe "$v" | sed -n 's/^  reclaims: //p')" != "everything unreachable" ]; then
    check "$v: rings' peak garbage grows with the run ($small -> $large)" test "$large" -ge $((3 * small))
  else
    check "$v: rings' peak garbage is bounded ($small -> $large)" test "$large" -le $((small + small / 4))
  fi
  check "$v: some garbage seen ($small)" test "$small" -gt 0
done
row=$(./heaplab run rc+malloc rings --size=80000 --trash-every=64K --json)
check "rc+malloc rings: not stable ($(field stable "$row"))" test "$(field stable "$row")" = 0
row=$(./heaplab run rcgen+malloc rings --size=80000 --trash-every=64K --json)
check "rcgen+malloc rings: stable ($(field stable "$row"))" test "$(field stable "$row")" = 1

# The passes change nothing else a run reports about its heap, and their
# figures are on the memory curve where they ran.
for v in rc+malloc rcgen+pool marksweep+malloc; do
  for w in graph cycles; do
    plain=$(./heaplab run "$v" "$w" --size=3000 --json)
    with=$(./heaplab run "$v" "$w" --size=3000 --trash-every=128K --json --series "$dir/s.csv")
    same=ok
    for c in checksum objects_allocated bytes_allocated objects_freed bytes_freed leaked_objects leaked_bytes collections \
      peak_live_bytes objects_swept; do
      [ "$(field $c "$plain")" = "$(field $c "$with")" ] || same="$c differs: $(field $c "$plain") vs $(field $c "$with")"
    done
    check "$v $w: passes change no heap figure ($same)" test "$same" = ok
    samples=$(field garbage_samples "$with")
    check "$v $w: passes were made ($samples)" test "$samples" -gt 0
    check "$v $w: garbage rows well formed, at most one per pass, garbage within live bytes" \
      awk -F, -v n="$samples" 'NR > 1 && NF != 8 { bad = 1 }
        NR > 1 && (($7 == "") != ($8 == "")) { bad = 1 }
        NR > 1 && $7 != "" { rows++; if ($8 + 0 > $3 + 0) bad = 1 }
        END { exit bad || rows < 1 || rows > n }' "$dir/s.csv"
    peak=$(field peak_garbage_bytes "$with")
    check "$v $w: the peak is at least every row's garbage ($peak)" \
      awk -F, -v p="$peak" 'NR > 1 && $8 != "" && $8 + 0 > p { bad = 1 } END { exit bad }' "$dir/s.csv"
  done
done

checks_done
