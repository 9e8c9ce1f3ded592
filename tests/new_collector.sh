#!/usr/bin/env bash
# A newcomer's collector, as docs/collectors.md tells them to start one: in a
# scratch copy of this tree, impl/gc/nogc.c copied to impl/gc/mine.c and
# renamed, and a collector that brings its own allocator (nogc with bump's
# code inside it, under the names selfish and arena). With no other edit the
# Makefile pairs mine with every allocator (bump included: it reclaims
# nothing) and builds selfish once, as selfish+arena; the conformance suite,
# the reachability test and the fuzz replay pass on both, and the harness
# runs them. Built in the mode of the build under test (ASan or not).
set -uo pipefail
# The checks' own figures, whatever the locale they are run in.
export LC_ALL=C
cd "$(dirname "$0")/.."
build=${HEAPLAB_BUILD:-build}
passed=0 failed=0
check() { # description command...
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The tree as it is, tracked and new files alike, without build output.
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch" 2>/dev/null ||
  { echo "FAIL: cannot copy the tree"; echo "0 passed, 1 failed"; exit 1; }

sed 's/^const char gc_name\[\] = "nogc";/const char gc_name[] = "mine";/' impl/gc/nogc.c >"$scratch/impl/gc/mine.c"
{
  sed -e 's/^const char gc_name\[\] = "nogc";/const char gc_name[] = "selfish";/' \
    -e 's|^// build: reclaims-nothing|// build: reclaims-nothing\n// allocator: arena|' \
    -e 's/^    .exact_books = true,/    .exact_books = true,\n    .own_allocator = true,/' impl/gc/nogc.c
  sed -e '/^\/\/ build: never-frees/d' -e 's/^const char alloc_name\[\] = "bump";/const char alloc_name[] = "arena";/' \
    impl/alloc/bump.c
} >"$scratch/impl/gc/selfish.c"

mode=release
grep -q fsanitize "$build/gen/flags" 2>/dev/null && mode=asan
targets=()
for t in conformance-mine+malloc conformance-mine+pool conformance-mine+bump conformance-selfish+arena \
  test_reachable-mine test_reachable-selfish fuzz-replay-mine+malloc fuzz-replay-selfish+arena; do
  targets+=("build/tests/$t")
done
if ! make -C "$scratch" -s -j"$(nproc 2>/dev/null || echo 2)" MODE=$mode BUILD=build "${targets[@]}" \
  build/bin/heaplab-mine+bump build/bin/heaplab-selfish+arena >"$scratch/make.log" 2>&1; then
  tail -n 20 "$scratch/make.log"
  echo "FAIL: the copied collectors do not build"
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
fi
check "no warnings building them" test ! -s "$scratch/make.log"

# selfish pairs with no back end of impl/alloc: no rule for selfish+malloc.
check "selfish is not paired with malloc" \
  bash -c "! make -C '$scratch' -n BUILD=build build/bin/heaplab-selfish+malloc >/dev/null 2>&1"
# marksweep frees: it is never paired with bump.
check "marksweep is not paired with bump" \
  bash -c "! make -C '$scratch' -n BUILD=build build/bin/heaplab-marksweep+bump >/dev/null 2>&1"

for t in "${targets[@]}"; do
  if out=$("$scratch/$t" 2>&1); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: ${t##*/} in the scratch tree:"
    tail -n 15 <<<"$out"
  fi
done

traits=$("$scratch/build/bin/heaplab-selfish+arena" --knobs)
check "selfish+arena describes its own allocator" grep -q '^  own-allocator: yes' <<<"$traits"
row=$("$scratch/build/bin/heaplab-mine+bump" churn --size=1000 --json)
check "mine+bump runs churn, named mine+bump" grep -q '"variant": "mine+bump"' <<<"$row"
row=$("$scratch/build/bin/heaplab-selfish+arena" rings --size=100 --json)
check "selfish+arena runs rings and keeps everything" grep -q '"objects_freed": 0,' <<<"$row"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
