#!/usr/bin/env bash
# Under an address-space limit (ulimit -v) a run ends as out of memory,
# whatever ran out: the allocator, or a collector's own table, mark stack or
# bitmap growing. Exit 3, the message, the summary so far with outcome
# out-of-memory; never an abort.
. "$(dirname "$0")/check.bash"
build=${HEAPLAB_BUILD:-build}
bin=$build/bin

# AddressSanitizer reserves terabytes of shadow memory: no ulimit -v there.
if grep -q fsanitize "$build/gen/flags" 2>/dev/null; then
  echo "skipped: a sanitizer build cannot run under ulimit -v"
  checks_done
  exit
fi

# One ring of three million nodes, all live at once: every table grows past
# what the limit allows.
limited_run() { # variant kilobytes
  bash -c 'ulimit -v "$1" && exec "$2" rings --size 3000000 --ring-size=3000000' _ "$2" "$bin/heaplab-$1" \
    >"$dir/out" 2>"$dir/err"
}

ends_out_of_memory() { # variant kilobytes
  local status
  limited_run "$1" "$2"
  status=$?
  [ $status -eq 3 ] || { echo "$1 at $2 KiB: exit $status: $(tail -n 2 "$dir/err")"; return 1; }
  grep -q '^heaplab: out of memory: rings needs' "$dir/err" || { echo "$1: stderr: $(cat "$dir/err")"; return 1; }
  [ "$(sed -n '2s/^\([^,]*,\)\{6\}\([^,]*\),.*/\2/p' "$dir/out")" = out-of-memory ] ||
    { echo "$1: no out-of-memory summary: $(head -c 300 "$dir/out")"; return 1; }
}

# Every collector over malloc (or the one back end it has), and over pool.
variants=$(./heaplab list | awk '$1 == "variant" { split($2, p, "+"); if (!(p[1] in seen) || p[2] == "malloc") seen[p[1]] = $2
  if (p[2] == "pool") print $2 } END { for (c in seen) print seen[c] }' | sort)
for variant in $variants; do
  [ -x "$bin/heaplab-$variant" ] || continue
  for kilobytes in 100000 200000 300000; do
    check "$variant under ulimit -v $kilobytes ends out of memory (exit 3, the stats so far)" \
      ends_out_of_memory "$variant" "$kilobytes"
  done
done

# Over malloc, what runs out first is the collector's own array: the path
# under test, not only the allocator's refusal.
for variant in rcgen+malloc marksweep+malloc; do
  limited_run "$variant" 200000
  check "$variant under ulimit -v 200000: a table of its own could not grow, and said so" \
    grep -q "^heaplab: ${variant%+*}: no memory for the .* to grow to [0-9]* entries$" "$dir/err"
done

checks_done
