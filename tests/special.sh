#!/usr/bin/env bash
# Special files are written through or refused, never renamed over or
# deleted: /dev/null, /dev/full, /dev/stdout and /dev/stderr given to
# --series and --mmu; devices, FIFOs and symbolic links where a sweep, plot
# or compare writes or reads; a comparison into a full file system. Every
# case runs in a private mount namespace whose /dev is a scratch tmpfs
# (device nodes made there, or the real ones bound onto files there): were a
# command to rename over /dev/null, only the scratch node would go. Where no
# such namespace can be made, the cases are skipped, saying so; the
# machine's own /dev is never a target.
# shellcheck source=tests/check.bash
. "$(dirname "$0")/check.bash"

if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
  namespace=(unshare --mount --propagation private)
elif unshare --user --map-root-user --mount --propagation private true 2>/dev/null; then
  namespace=(unshare --user --map-root-user --mount --propagation private)
else
  echo "skipped: special files (no private mount namespace here: not root, and no user namespaces)"
  checks_done
  exit
fi

# The results the cases use, made outside: a finished tiny sweep.
printf '%s\n' 'variants rc+malloc marksweep+malloc' 'workloads rings' 'size rings 2000' 'repetitions 2' >"$dir/tiny.sweep"
./heaplab sweep "$dir/tiny.sweep" --out "$dir/tiny" >/dev/null 2>&1 || { check "the tiny sweep runs" false; checks_done; exit; }

# The cases, in the namespace. Each check is a line in $dir/checks: "ok ..." or "FAIL ...".
cat >"$dir/inner.sh" <<'INNER'
set -uo pipefail
dir=$1
export LC_ALL=C
say() { printf '%s\n' "$*" >>"$dir/checks"; }
check() { # description command...
  local what=$1
  shift
  if "$@"; then say "ok $what"; else say "FAIL $what"; fi
}
# A scratch /dev, for this namespace only: made in a folder of the test's,
# then mounted over /dev.
scratch=$dir/dev
mkdir -p "$scratch"
mount -t tmpfs -o size=1m,mode=755 heaplab-dev "$scratch" || exit 125
for node in "null 1 3" "full 1 7" "zero 1 5"; do
  read -r name major minor <<<"$node"
  if ! mknod -m 666 "$scratch/$name" c "$major" "$minor" 2>/dev/null; then
    # No mknod in a user namespace: the real node, bound onto a file here.
    : >"$scratch/$name" && mount --bind "/dev/$name" "$scratch/$name" 2>/dev/null || exit 125
  fi
done
ln -s /proc/self/fd "$scratch/fd"
ln -s /proc/self/fd/0 "$scratch/stdin"
ln -s /proc/self/fd/1 "$scratch/stdout"
ln -s /proc/self/fd/2 "$scratch/stderr"
mount --rbind "$scratch" /dev || exit 125
device() { [ "$(stat -L -c '%F %t,%T' "$1" 2>/dev/null)" = "character special file $2" ]; } # path major,minor (hex)
intact() { device /dev/null 1,3 && device /dev/full 1,7 && [ -L /dev/stdout ] && [ -L /dev/stderr ]; }
lines() { [ "$(wc -l <"$1")" -eq "$2" ]; }

# --- the harness's curves
run() { ./heaplab run rc+malloc rings --size=2000 "$@"; }
run --series /dev/null >"$dir/out" 2>"$dir/err"
check "--series /dev/null: exit 0 ($?), the summary printed" lines "$dir/out" 2
check "--series /dev/null: still the device" intact
run --mmu /dev/full >"$dir/out" 2>"$dir/err"
status=$?
check "--mmu /dev/full: exit 1 ($status)" test $status -eq 1
check "--mmu /dev/full: one line saying why ($(cat "$dir/err"))" \
  grep -qx "heaplab: could not write '/dev/full': No space left on device" "$dir/err"
check "--mmu /dev/full: still the device" intact
run --series /dev/stdout >"$dir/out" 2>"$dir/err"
check "--series /dev/stdout: the curve, then the summary" \
  awk 'NR == 1 { ok = /^bytes_allocated,/ } /^schema_version,/ { summary = NR } END { exit !(ok && summary == NR - 1) }' "$dir/out"
check "--series /dev/stdout: still a link" intact
run --mmu /dev/stderr >"$dir/out" 2>"$dir/err"
check "--mmu /dev/stderr: the curve on stderr" grep -q '^window_ns,mmu$' "$dir/err"
check "--mmu /dev/stderr: still a link" intact
for pair in "/dev/null /dev/null" "/dev/stdout /dev/fd/1" "/dev/stdout /proc/self/fd/1"; do
  read -r series mmu <<<"$pair"
  run --series "$series" --mmu "$mmu" >"$dir/out" 2>"$dir/err"
  status=$?
  check "--series $series --mmu $mmu: refused, exit 2, one line ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1 -a ! -s "$dir/out"
done
check "... the devices intact" intact

# --- sweeps
sweep_refused() { # description pattern sweep-arguments...
  local what=$1 pattern=$2 status
  shift 2
  timeout 60 ./heaplab sweep "$@" >"$dir/out" 2>"$dir/err"
  status=$?
  check "$what: exit 2, one line ($status: $(cat "$dir/err"))" test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1
  check "$what: says so" grep -Eq -- "^heaplab: sweep: .*$pattern" "$dir/err"
}
sweep_refused "sweep --out /dev/null" "'/dev/null' is a character device, not a folder" "$dir/tiny.sweep" --out /dev/null
check "... /dev/null intact" intact
mkdir -p "$dir/linked"
ln -s /dev/null "$dir/linked/plan"
sweep_refused "sweep into a folder whose plan is a link to /dev/null" "linked/plan is a symbolic link" \
  "$dir/tiny.sweep" --out "$dir/linked"
check "... the link and /dev/null intact" test -L "$dir/linked/plan" -a "$(ls -A "$dir/linked")" = plan
check "... the devices intact" intact
cp -r "$dir/tiny" "$dir/to-full"
id=$(head -n 1 "$dir/to-full/plan" | cut -f1)
sed -i "/^$id,/d" "$dir/to-full/runs.csv"
ln -sf /dev/full "$dir/to-full/series/$id.csv"
sweep_refused "resume with series/$id.csv a link to /dev/full" "series/$id.csv is a symbolic link" --resume "$dir/to-full"
cp -r "$dir/tiny" "$dir/to-null"
ln -sf /dev/null "$dir/to-null/runs.csv"
sweep_refused "resume with runs.csv a link to /dev/null" "runs.csv is a symbolic link" --resume "$dir/to-null"
mknod "$dir/to-null/hyperfine.csv" c 1 3 2>/dev/null || mkfifo "$dir/to-null/hyperfine.csv"
rm "$dir/to-null/runs.csv" && cp "$dir/tiny/runs.csv" "$dir/to-null/"
sweep_refused "resume with a device or FIFO for hyperfine.csv" "hyperfine.csv is a (character device|FIFO)" --resume "$dir/to-null"
check "... the devices intact" intact

# --- plots
plot_refused() { # description pattern folder
  local status
  timeout 60 ./heaplab plot "$3" >"$dir/out" 2>"$dir/err"
  status=$?
  check "$1: exit 2, one line, no hang ($status: $(cat "$dir/err"))" \
    test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1 -a ! -s "$dir/out"
  check "$1: says so" grep -Eq -- "^heaplab: plot: .*$2" "$dir/err"
  check "$1: no staging left" test -z "$(find "$3" -maxdepth 1 -name '.plot-*')"
}
fresh() { rm -rf "${dir:?}/$1"; cp -r "$dir/tiny" "$dir/$1"; echo "$dir/$1"; }
d=$(fresh plots-file); echo "the user's notes" >"$d/plots"
plot_refused "DIR/plots a file of the user's" "plots is a regular file" "$d"
check "... the file kept as it was" test "$(cat "$d/plots")" = "the user's notes"
d=$(fresh plots-link); mkdir "$dir/elsewhere"; echo keep >"$dir/elsewhere/x"; ln -s "$dir/elsewhere" "$d/plots"
plot_refused "DIR/plots a link to a folder" "plots is a symbolic link" "$d"
check "... the link and its folder kept" test -L "$d/plots" -a "$(cat "$dir/elsewhere/x")" = keep
d=$(fresh page-null); ln -s /dev/null "$d/index.html"
plot_refused "DIR/index.html a link to /dev/null" "index.html is a symbolic link" "$d"
check "... the link kept, /dev/null intact" test -L "$d/index.html"
check "... the devices intact" intact
d=$(fresh page-fifo); mkfifo "$d/index.html"
plot_refused "DIR/index.html a FIFO" "index.html is a FIFO" "$d"
d=$(fresh series-fifo); id=$(head -n 1 "$d/plan" | cut -f1); rm "$d/series/$id.csv"; mkfifo "$d/series/$id.csv"
plot_refused "a series file a FIFO" "series/$id.csv is a FIFO" "$d"
d=$(fresh mmu-folder); rm "$d/mmu/$id.csv"; mkdir "$d/mmu/$id.csv"
plot_refused "an MMU file a folder" "mmu/$id.csv is a folder" "$d"
d=$(fresh meta-fifo); rm "$d/meta"; mkfifo "$d/meta"
plot_refused "meta a FIFO" "meta is a FIFO" "$d"
d=$(fresh runs-null); rm "$d/runs.csv"; ln -s /dev/null "$d/runs.csv"
plot_refused "runs.csv a link to /dev/null" "runs.csv is a symbolic link to a character device" "$d"
check "... the devices intact" intact

# --- compare
./heaplab compare "$dir/tiny" "$dir/tiny" --out /dev/null >"$dir/out" 2>"$dir/err"
status=$?
check "compare --out /dev/null: exit 2, one line ($status: $(cat "$dir/err"))" test $status -eq 2 -a "$(wc -l <"$dir/err")" -eq 1
check "... /dev/null intact" intact
# Into a file system that fills up: one line, exit 1, nothing half-written,
# the earlier comparison kept.
mkdir -p "$dir/small"
if mount -t tmpfs -o size=320k heaplab-small "$dir/small"; then
  ./heaplab compare "$dir/tiny" "$dir/tiny" --out "$dir/small/cmp" >/dev/null 2>"$dir/err"
  check "compare into a small file system: written ($(cat "$dir/err"))" test -s "$dir/small/cmp/compare.svg"
  before=$(cd "$dir/small/cmp" && md5sum ./* | sort)
  dd if=/dev/zero of="$dir/small/filler" bs=4k 2>/dev/null
  ./heaplab compare "$dir/tiny" "$dir/tiny" --out "$dir/small/cmp" >"$dir/out" 2>"$dir/err"
  status=$?
  check "compare into a full file system: exit 1 ($status)" test $status -eq 1
  check "... one line naming what and why ($(cat "$dir/err"))" \
    test "$(wc -l <"$dir/err")" -eq 1 -a -n "$(grep '^heaplab: compare: cannot write .*: No space left on device$' "$dir/err")"
  check "... nothing half-written left" test -z "$(find "$dir/small" -maxdepth 1 -name '.compare*')"
  check "... the earlier comparison kept" test "$(cd "$dir/small/cmp" && md5sum ./* | sort)" = "$before"
  umount "$dir/small"
else
  say "skipped: compare into a full file system (mounting a tmpfs is not permitted here)"
fi
exit 0
INNER

: >"$dir/checks"
"${namespace[@]}" bash "$dir/inner.sh" "$dir"
status=$?
if [ $status -eq 125 ]; then
  echo "skipped: special files (a scratch /dev cannot be mounted in the namespace here)"
else
  check "the cases ran to the end in the namespace (exit $status)" test $status -eq 0
  while IFS= read -r line; do
    case $line in
      ok\ *) passed=$((passed + 1)) ;;
      FAIL\ *) failed=$((failed + 1)); echo "FAIL: ${line#FAIL }" ;;
      *) echo "$line" ;;
    esac
  done <"$dir/checks"
fi
# And outside: the machine's own nodes as they were.
check "the machine's /dev/null is still the device" test "$(stat -c '%F %t,%T' /dev/null)" = "character special file 1,3"
check "the machine's /dev/full is still the device" test "$(stat -c '%F %t,%T' /dev/full)" = "character special file 1,7"
check "the machine's /dev/stdout is still a link" test -L /dev/stdout

checks_done
