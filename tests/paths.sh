#!/usr/bin/env bash
# A clone whose path has a blank in it builds and runs, and ./heaplab reached
# through a symbolic link finds its clone. The clone is a copy of this tree
# kept to one collector and one allocator (rc+malloc), so that it builds in
# seconds; it builds itself, as a user's first ./heaplab would.
. "$(dirname "$0")/check.bash"

clone="$dir/a b/heaplab"
mkdir -p "$clone" "$dir/elsewhere"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$clone" 2>/dev/null ||
  { echo "FAIL: cannot copy the tree"; echo "0 passed, 1 failed"; exit 1; }
find "$clone/impl/gc" "$clone/impl/alloc" -name '*.c' ! -name rc.c ! -name malloc.c -delete

# As a user would: building on first use, the build folder the clone's own.
unset HEAPLAB_NO_BUILD HEAPLAB_BUILD

runs() { # heaplab-path -> a summary row of rc+malloc on rings
  "$1" run rc+malloc rings --size 40 >"$dir/out" 2>"$dir/err" &&
    [ "$(sed -n '2s/^\([^,]*,\)\{6\}\([^,]*\),.*/\2/p' "$dir/out")" = ok ] ||
    { echo "$1: $(tail -n 3 "$dir/err")"; return 1; }
}
check "a clone under a path with a blank builds itself and runs" runs "$clone/heaplab"
check "its build is inside it" test -x "$clone/build/bin/heaplab-rc+malloc"

ln -s "$clone/heaplab" "$dir/elsewhere/heaplab"
check "./heaplab through a symbolic link runs" runs "$dir/elsewhere/heaplab"
(cd / && "$dir/elsewhere/heaplab" list) >"$dir/listing" 2>&1
check "./heaplab list through a symbolic link, from another folder" grep -q '^variant rc+malloc$' "$dir/listing"

printf 'variants rc+malloc\nworkloads rings churn\nsize rings 40\nsize churn 100\n' >"$dir/a b/tiny.sweep"
"$clone/heaplab" sweep "$dir/a b/tiny.sweep" --out "$dir/a b/results 1" >/dev/null 2>"$dir/err"
status=$?
check "a sweep in the clone, into a folder with a blank: exit 0 ($status: $(tail -n 1 "$dir/err"))" test $status -eq 0
check "its two runs recorded, ok" test "$(grep -c ',ok,' "$dir/a b/results 1/runs.csv")" -eq 2
check "its meta records the flags" grep -q '^cflags: .*-O2' "$dir/a b/results 1/meta"
"$clone/heaplab" plot "$dir/a b/results 1" >/dev/null 2>"$dir/err"
check "its plots and page drawn ($(tail -n 1 "$dir/err"))" test -s "$dir/a b/results 1/index.html"

# A build folder outside the clone with a blank in its path: make cannot
# take it, and says so in one line.
err=$(HEAPLAB_BUILD="$dir/a b/elsewhere" "$clone/heaplab" run rc+malloc rings 2>&1 >/dev/null)
status=$?
check "a build folder with a blank outside the clone: exit 1 ($status)" test $status -eq 1
check "... in one line naming it: $err" test "$(grep -c . <<<"$err")" -eq 1 -a -n "$(grep -F "$dir/a b/elsewhere" <<<"$err")"

checks_done
