#!/usr/bin/env bash
# bench/scaling (make scaling): bad arguments refused with one line and exit
# 2; a small real run prints a row per workload, its ratio, and judges it
# against the limit.
. "$(dirname "$0")/check.bash"
bin=${HEAPLAB_BUILD:-build}/bin

refused() { # pattern args...
  local pattern=$1 err status
  shift
  err=$(bench/scaling --bin "$bin" "$@" 2>&1 >/dev/null)
  status=$?
  [ $status -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -Eq -- "^scaling: $pattern" <<<"$err" ||
    { echo "  bench/scaling $*: exit $status: $err"; return 1; }
}
check "an unknown variant" refused "no $bin/heaplab-nosuch\+malloc" --variant nosuch+malloc
check "an unknown workload" refused "unknown workload 'nosuch'" nosuch
check "an unknown option" refused "unknown option: --junk" --junk
for f in 0 -1 x 1,,2 1.5 10000; do
  check "factors '$f'" refused "--factors wants whole numbers" --factors "$f"
done
for r in 0 -1 x 100 1.5; do
  check "runs '$r'" refused "--runs wants a whole number from 1 to 99" --runs "$r"
done
for l in 0.5 x -1; do
  check "limit '$l'" refused "--limit wants a ratio of at least 1" --limit "$l"
done
for option in --factors --runs --limit --variant --bin; do
  check "$option '' refused" refused "$option needs a value" "$option" ''
  check "$option= refused" refused "$option needs a value" "$option="
done

# With no workloads named, every workload: the names the harness lists.
describe_exe=$bin/heaplab-rc+malloc
# shellcheck source=bench/describe.bash
. bench/describe.bash
mapfile -t names < <(workload_names)
described=0
for w in "${names[@]}"; do "$describe_exe" --describe "$w" >/dev/null 2>&1 && described=$((described + 1)); done
check "workload_names: ${#names[@]} names, churn and rings among them, each one the harness describes" \
  test ${#names[@]} -ge 13 -a $described -eq ${#names[@]} -a -n "$(printf '%s\n' "${names[@]}" | grep -x churn)" \
  -a -n "$(printf '%s\n' "${names[@]}" | grep -x rings)"

# Rings at 1x and 2x of a small size: the ring is a fixed shape, so the
# cost per object holds steady (the limit is generous: a shared machine).
out=$(bench/scaling --bin "$bin" --variant rc+malloc --factors 1,2 --limit 3 --runs 2 rings 2>&1)
status=$?
check "rings 1x/2x: exit 0 ($status)" test $status -eq 0
check "rings 1x/2x: a row with both costs and a ratio" \
  grep -Eq '^rings +[0-9]+ +[0-9.]+/[0-9.]+ +[0-9.]+/[0-9.]+ +[0-9]+\.[0-9]{2}$' <<<"$out"
out=$(bench/scaling --bin "$bin" --variant rc+malloc --factors 1,2 --limit 1 --runs 1 cycles rings 2>&1)
status=$?
rows=$(grep -Ec '^(cycles|rings) ' <<<"$out")
over=$(grep -Ec ' OVER$' <<<"$out")
check "limit 1: a row per workload ($rows), each over exactly when its ratio passes 1, exit 1 if any ($status)" \
  test "$rows" -eq 2 -a \( \( "$over" -gt 0 -a $status -eq 1 \) -o \( "$over" -eq 0 -a $status -eq 0 \) \)
# Cheapest of the runs, per size: a stand-in harness whose CPU time per object
# comes from a list, one entry per run in the order the runs are made (the
# sizes take turns: 1x, 2x, 1x, 2x, 1x, 2x).
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/heaplab-fake+malloc" <<'FAKE'
#!/usr/bin/env bash
case $1 in
--list) printf 'steady\tstand-in\n' ;;
--describe) printf 'steady: stand-in\n\nsize:\n  --size=100  (1..1000)  steps\n' ;;
*)
  n=$(($(cat "$0.count" 2>/dev/null || echo 0) + 1))
  echo $n >"$0.count"
  cpu=$(sed -n "${n}p" "$0.cpu")
  echo "wall_ns,cpu_ns,objects_allocated"
  echo "$((cpu * 2)),$cpu,10"
  ;;
esac
FAKE
chmod +x "$fake/heaplab-fake+malloc"
printf '%s\n' 300 800 100 900 200 400 >"$fake/heaplab-fake+malloc.cpu"
out=$(bench/scaling --bin "$fake" --variant fake+malloc --factors 1,2 --runs 3 2>&1) # every workload: none named
status=$?
check "runs 3: each size's cheapest run (1x 10.0, 2x 40.0), ratio 4.00, over the limit" \
  grep -Eq '^steady +100 +20\.0/10\.0 +80\.0/40\.0 +4\.00  OVER$' <<<"$out"
check "runs 3: six runs made, exit 1 ($status)" test "$(cat "$fake/heaplab-fake+malloc.count")" -eq 6 -a $status -eq 1
checks_done
