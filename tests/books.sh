#!/usr/bin/env bash
# The books balance in every summary: objects_allocated = objects_freed +
# leaked_objects and bytes_allocated = bytes_freed + leaked_bytes, exactly
# (freed and leaked are counted after the final collection with no roots),
# what leaks is what the collector's traits allow (nothing for one that
# reclaims everything unreachable, everything for one that reclaims
# nothing), and collections free no more than was freed. For every variant and workload at the tests' size;
# then bigger, with reachability passes, on one variant of each collector;
# and for a run that ends out of memory (its stats so far).
set -uo pipefail
# The checks' own figures, whatever the locale they are run in.
export LC_ALL=C
cd "$(dirname "$0")/.."
passed=0 failed=0

field() { sed -n "s/.*\"$1\": \\([^,}]*\\).*/\\1/p" <<<"$2"; }

balanced() { # description summary-json what-the-collector-reclaims exact-books
  local row=$2 problem=""
  local oa ob of bf lo lb os bs pl pg
  oa=$(field objects_allocated "$row") ob=$(field bytes_allocated "$row")
  of=$(field objects_freed "$row") bf=$(field bytes_freed "$row")
  lo=$(field leaked_objects "$row") lb=$(field leaked_bytes "$row")
  os=$(field objects_swept "$row") bs=$(field bytes_swept "$row")
  pl=$(field peak_live_bytes "$row") pg=$(field peak_garbage_bytes "$row")
  if [ -z "$oa" ] || [ -z "$lb" ]; then
    problem="no summary"
  else
    [ "$oa" -eq $((of + lo)) ] || problem="objects: $oa allocated != $of freed + $lo leaked"
    [ "$ob" -eq $((bf + lb)) ] || problem="$problem; bytes: $ob allocated != $bf freed + $lb leaked"
    [ "$os" -le "$of" ] && [ "$bs" -le "$bf" ] || problem="$problem; swept $os/$bs more than freed $of/$bf"
    [ "$pl" -le "$ob" ] || problem="$problem; peak live $pl above bytes allocated $ob"
    if [[ $row == *'"outcome": "ok"'* ]]; then
      case $3 in
        # A conservative collector's leaks are what it kept (upper bounds, exact-books: no).
        "everything unreachable") [ "$lo" -eq 0 ] || [ "$4" = no ] || problem="$problem; a cycle collector leaked $lo objects" ;;
        nothing) [ "$lo" -eq "$oa" ] || problem="$problem; a collector that reclaims nothing freed $((oa - lo)) objects" ;;
      esac
    fi
    [ "$pg" = null ] || [ "$pg" -le "$pl" ] || problem="$problem; peak garbage $pg above peak live $pl"
  fi
  if [ -z "$problem" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: ${problem#; }"; fi
}

variants=$(./heaplab list | sed -n 's/^variant //p')
declare -A reclaims=()
declare -A exact=()
for v in $variants; do
  reclaims[$v]=$(./heaplab describe "$v" | sed -n 's/^  reclaims: //p')
  exact[$v]=$(./heaplab describe "$v" | sed -n 's/^  exact-books: //p')
done
workloads=$(./heaplab list | awk '$1 == "workload" { print $2 }')
for w in $workloads; do
  small=$(./heaplab describe "$w" | sed -n '/^small run/{n;s/^ *//p}')
  size=$(sed -n 's/.*--size=\([0-9]*\).*/\1/p' <<<"$small")
  bigger=$(sed "s/--size=[0-9]*/--size=$((size * 50))/" <<<"$small")
  for v in $variants; do
    # shellcheck disable=SC2086 # small holds several options
    balanced "$v $w $small" "$(./heaplab run "$v" "$w" $small --json)" "${reclaims[$v]}" "${exact[$v]}"
  done
  for v in rc+pool rcgen+malloc marksweep+jemalloc; do
    # shellcheck disable=SC2086
    balanced "$v $w $bigger --trash-every=64K" "$(./heaplab run "$v" "$w" $bigger --trash-every=64K --json)" "${reclaims[$v]}" "${exact[$v]}"
  done
done
for v in $variants; do
  balanced "$v out of memory" "$(./heaplab run "$v" rings --ring-size=100000 --heap-limit=1M --json 2>/dev/null)" "${reclaims[$v]}" "${exact[$v]}"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
