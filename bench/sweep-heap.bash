# shellcheck shell=bash
# The sweep's heap-size phase (sourced by bench/sweep, after the runs; the
# sweep file's `heap-multipliers` and `heap-variants` lines): how a variant's
# time depends on the room it is given. For each configuration (workload,
# size, seed, parameters) and each heap variant:
#
# 1. the minimum heap: the smallest --heap-limit at which the run completes,
#    by bisection between 64 KiB (the harness's smallest limit) and the peak
#    live bytes of the sweep's own run (where it surely fits), to within 2%
#    or 64 KiB, whichever is larger: the figure is at most that much above
#    the true minimum. Near its minimum a tracing heap thrashes, collecting
#    at almost every allocation, so a probe that takes over 10 times as long
#    as the variant's longest run of the configuration (at least 2 s) counts
#    as too small. The limit
#    counts live bytes as the collector sizes objects, whatever the
#    allocator, so a minimum found for one variant of a collector is tried
#    first for the others (two probes: it fits, one step below it does not).
#    One row in heap-min.csv, also the cache a resumed sweep reads.
# 2. a run at each multiple of it, each repetition: one row in heap.csv,
#    appended when the run ends; a resumed sweep makes only those missing.
#
# Uses bench/sweep's globals and functions: dir (its plan and runs.csv), bin,
# here, work, timeout_seconds, heap_variants, heap_multipliers,
# heap_repetitions, interrupted, tty, combo_args, in_list; and
# bench/sweep-rows.bash.
# shellcheck disable=SC2154,SC2016 # those globals are bench/sweep's; awk programs have their own $

heap_min_columns=workload,size,seed,params,variant,peak_live_bytes,min_heap_bytes,probes,error
heap_columns=workload,size,seed,params,variant,min_heap_bytes,multiplier,heap_limit_bytes,repetition,outcome,wall_ns,gc_ns,collections,error
smallest_heap_limit=65536

# A results file with its header, whole rows only. Status 1: it cannot be
# written, or is another kind of file (the line said).
heap_results_file() { # file columns
  drop_torn_row "$1" || return 1
  if [ ! -s "$1" ]; then
    write_file "$1" echo "$2" || return 1
  fi
  [ "$(head -n 1 "$1")" = "$2" ] || { echo "heaplab: $1 has other columns than this sweep writes ($2)" >&2; return 1; }
}

# Rows already written, as tab-separated keys, for the caches.
heap_rows_done() { # file -> workload size seed params variant then the file's own fields
  awk -f "$here/bench/csv.awk" -f <(printf '%s\n' '
    NR == 1 { n = split_csv($0, name); for (i = 1; i <= n; i++) col[name[i]] = i; next }
    { split_csv($0, f)
      key = f[col["workload"]] "\037" f[col["size"]] "\037" f[col["seed"]] "\037" f[col["params"]] "\037" f[col["variant"]]
      if ("multiplier" in col) print key "\037" f[col["multiplier"]] "\037" f[col["repetition"]]
      else print key "\037" f[col["min_heap_bytes"]] "\037" f[col["error"]] }') "$1"
}

# Where each configuration's bisection starts: c<N> (the run id's
# configuration), the peak live bytes and the longest wall time of its runs
# that succeeded.
heap_starting_points() {
  awk -f "$here/bench/csv.awk" -f <(printf '%s\n' '
    NR == 1 { n = split_csv($0, name); for (i = 1; i <= n; i++) col[name[i]] = i; next }
    { split_csv($0, f)
      if (f[col["exit_status"]] != 0 || f[col["outcome"]] != "ok") next
      config = f[col["run_id"]]; sub(/-.*/, "", config)
      if (!(config in peak)) order[++n_configs] = config
      if (f[col["peak_live_bytes"]] + 0 > peak[config] + 0) peak[config] = f[col["peak_live_bytes"]]
      if (f[col["wall_ns"]] + 0 > wall[config] + 0) wall[config] = f[col["wall_ns"]] }
    END { for (i = 1; i <= n_configs; i++) print order[i] "\037" peak[order[i]] "\037" wall[order[i]] }') "$dir/runs.csv"
}

# One run under a heap limit into $work/heap.out and .err. Status: the run's;
# 255 when the sweep was interrupted.
heap_run() { # seconds limit variant workload size seed combo options
  # shellcheck disable=SC2046,SC2086 # parameters and options are blank-separated
  timeout -k 10 "$1" "$bin/heaplab-$3" "$4" --size="$5" --seed="$6" $(combo_args "$7") $8 --heap-limit="$2" \
    >"$work/heap.out" 2>"$work/heap.err" 8<&- &
  wait $!
  local status=$?
  [ "$interrupted" -eq 0 ] || return 255
  return $status
}

# What a run that did not end well said: its last line on stderr.
heap_run_error() { # status seconds
  local error
  error=$(last_line "$work/heap.err")
  if [ "$1" -eq 124 ]; then error="timed out after $2 s"
  elif [ "$1" -gt 128 ] && [ -z "$error" ]; then error="killed by signal $(($1 - 128))"
  fi
  printf '%s' "${error:-exit status $1}"
}

# How far the minimum heap may be above the truth: 2% or 64 KiB.
heap_precision() { echo $(($1 / 50 > 65536 ? $1 / 50 : 65536)); }

# The bisection for one configuration and variant; sets heap_min (empty if
# it failed), heap_probes and heap_error. A hint (another variant's minimum)
# is probed first, then one step below it. Status 2: interrupted.
heap_minimum() { # peak wall_ns hint variant workload size seed combo options
  local hi=$1 wall_ns=$2 hint=$3 lo=$((smallest_heap_limit - 1)) verified=0 probe_seconds limit status first=()
  shift 3
  heap_min='' heap_probes=0 heap_error=''
  probe_seconds=$(awk -v wall_ns="$wall_ns" -v most="$timeout_seconds" \
    'BEGIN { s = 10 * wall_ns / 1e9; if (s < 2) s = 2; if (s > most) s = most; printf "%.1f", s }')
  [ "$hi" -ge "$smallest_heap_limit" ] || hi=$smallest_heap_limit
  [ -z "$hint" ] || first=("$hint" $((hint - $(heap_precision "$hint"))))
  while :; do
    limit=''
    while [ ${#first[@]} -gt 0 ] && [ -z "$limit" ]; do
      # A hinted limit still worth a probe: inside what is not known yet.
      ((first[0] > lo && (first[0] < hi || (first[0] == hi && !verified)))) && limit=${first[0]}
      first=("${first[@]:1}")
    done
    if [ -z "$limit" ] && [ $((hi - lo)) -le "$(heap_precision "$hi")" ]; then
      [ $verified -eq 0 ] || break
      limit=$hi # never seen to fit: try it, and double it while it does not
    fi
    [ -n "$limit" ] || limit=$(((lo + hi) / 2))
    heap_run "$probe_seconds" "$limit" "$@"
    status=$?
    heap_probes=$((heap_probes + 1))
    case $status in
      0) hi=$limit verified=1 ;;
      3 | 124) # out of memory, or thrashing
        lo=$limit
        if [ "$limit" -eq "$hi" ]; then
          hi=$((hi * 2))
          [ "$hi" -le $((1 << 46)) ] || { heap_error="no heap limit up to 64 TiB completes within $probe_seconds s"; return 0; }
        fi ;;
      255) return 2 ;;
      *) heap_error="at --heap-limit=$limit: $(heap_run_error "$status" "$probe_seconds")"; return 0 ;;
    esac
  done
  heap_min=$hi
}

# The phase. Status: 0 done (failures recorded), 1 the results folder cannot
# be written (the line said), 2 interrupted.
heap_phase() {
  local min_file=$dir/heap-min.csv heap_file=$dir/heap.csv
  heap_results_file "$min_file" "$heap_min_columns" || return 1
  heap_results_file "$heap_file" "$heap_columns" || return 1

  local -A min_of=() min_known=() done_runs=() peak_of=() wall_of=()
  local key workload size seed params variant min error multiplier repetition config peak wall line hint
  while IFS=$'\x1f' read -r workload size seed params variant min error; do
    key="$workload"$'\x1f'"$size"$'\x1f'"$seed"$'\x1f'"$params"$'\x1f'"$variant"
    min_of[$key]=$min min_known[$key]=1
    [ -z "$min" ] || min_of[$workload$'\x1f'$size$'\x1f'$seed$'\x1f'$params$'\x1f'${variant%%+*}+]=$min
  done < <(heap_rows_done "$min_file")
  while IFS= read -r line; do done_runs[$line]=1; done < <(heap_rows_done "$heap_file")
  while IFS=$'\x1f' read -r config peak wall; do peak_of[$config]=$peak wall_of[$config]=$wall; done < <(heap_starting_points)

  # The configurations of the heap variants, in the plan's (interleaved) order.
  local plan_lines=() id rep combo options
  while IFS= read -r line; do
    IFS=$'\x1f' read -r id rep variant workload size seed combo options params <<<"${line//$'\t'/$'\x1f'}"
    [ "$rep" = 1 ] && in_list "$variant" "${heap_variants[@]}" && plan_lines+=("$line")
  done <"$dir/plan"

  local count=0 total=${#plan_lines[@]} row multipliers todo_min=0 todo_runs=0
  IFS=, read -r -a multipliers <<<"$heap_multipliers"
  for line in "${plan_lines[@]}"; do
    IFS=$'\x1f' read -r id rep variant workload size seed combo options params <<<"${line//$'\t'/$'\x1f'}"
    key="$workload"$'\x1f'"$size"$'\x1f'"$seed"$'\x1f'"$params"$'\x1f'"$variant"
    [ -n "${min_known[$key]+x}" ] || todo_min=$((todo_min + 1))
    for ((repetition = 1; repetition <= heap_repetitions; repetition++)); do
      for multiplier in "${multipliers[@]}"; do
        [ -n "${done_runs[$key$'\x1f'$multiplier$'\x1f'$repetition]+x}" ] || todo_runs=$((todo_runs + 1))
      done
    done
  done
  [ $((todo_min + todo_runs)) -eq 0 ] || echo "heaplab: heap curves: $todo_min minimum heaps to find, then up to" \
    "$todo_runs runs at ${heap_multipliers//,/, } times them ($heap_repetitions each) for ${heap_variants[*]}" >&2
  for line in "${plan_lines[@]}"; do
    IFS=$'\x1f' read -r id rep variant workload size seed combo options params <<<"${line//$'\t'/$'\x1f'}"
    key="$workload"$'\x1f'"$size"$'\x1f'"$seed"$'\x1f'"$params"$'\x1f'"$variant"
    count=$((count + 1))
    [ -z "${min_known[$key]+x}" ] || continue
    [ "$tty" -eq 0 ] || printf '\r  heap curves: minimum heap %d of %d   ' "$count" "$total" >&2
    config=${id%%-*}
    if [ -z "${peak_of[$config]:-}" ]; then
      heap_min='' heap_probes=0 heap_error='no run of this configuration succeeded to start from'
    else
      hint=${min_of[$workload$'\x1f'$size$'\x1f'$seed$'\x1f'$params$'\x1f'${variant%%+*}+]:-}
      heap_minimum "${peak_of[$config]}" "${wall_of[$config]}" "$hint" "$variant" "$workload" "$size" "$seed" "$combo" \
        "$options" || return 2
    fi
    row="$workload,$size,$seed,$(csv_field "$params"),$variant,${peak_of[$config]:-},$heap_min,$heap_probes,$(csv_field "$heap_error")"
    append_row "$min_file" "$row" || return 1
    min_of[$key]=$heap_min min_known[$key]=1
    [ -z "$heap_min" ] || min_of[$workload$'\x1f'$size$'\x1f'$seed$'\x1f'$params$'\x1f'${variant%%+*}+]=$heap_min
  done

  # The multiples: repetitions outermost, so that drift spreads over all.
  local limit status outcome figures wall_ns gc_ns collections
  total=$((heap_repetitions * ${#plan_lines[@]} * ${#multipliers[@]})) count=0
  for ((repetition = 1; repetition <= heap_repetitions; repetition++)); do
    for line in "${plan_lines[@]}"; do
      IFS=$'\x1f' read -r id rep variant workload size seed combo options params <<<"${line//$'\t'/$'\x1f'}"
      key="$workload"$'\x1f'"$size"$'\x1f'"$seed"$'\x1f'"$params"$'\x1f'"$variant"
      min=${min_of[$key]:-}
      for multiplier in "${multipliers[@]}"; do
        count=$((count + 1))
        [ -n "$min" ] || continue
        [ -z "${done_runs[$key$'\x1f'$multiplier$'\x1f'$repetition]+x}" ] || continue
        [ "$tty" -eq 0 ] || printf '\r  heap curves: run %d of %d   ' "$count" "$total" >&2
        limit=$(awk -v min="$min" -v m="$multiplier" 'BEGIN { printf "%.0f", min * m }')
        heap_run "$timeout_seconds" "$limit" "$variant" "$workload" "$size" "$seed" "$combo" "$options"
        status=$?
        [ $status -ne 255 ] || return 2
        # The summary's figures, by column name.
        figures=$(awk -f "$here/bench/csv.awk" -f <(printf '%s\n' '
          { split_csv($0, f) }
          NR == 1 { for (i in f) col[f[i]] = i; next }
          NR == 2 { print f[col["outcome"]] "," f[col["wall_ns"]] "," f[col["gc_ns"]] "," f[col["collections"]] }') \
          "$work/heap.out")
        IFS=, read -r outcome wall_ns gc_ns collections <<<"$figures"
        error=''
        if [ $status -ne 0 ]; then
          error=$(heap_run_error "$status" "$timeout_seconds")
          [ $status -eq 3 ] && [ "$outcome" = out-of-memory ] || outcome=failed
        fi
        [ -n "$outcome" ] || outcome=failed
        row="$workload,$size,$seed,$(csv_field "$params"),$variant,$min,$multiplier,$limit,$repetition,$outcome"
        row+=",$wall_ns,$gc_ns,$collections,$(csv_field "$error")"
        append_row "$heap_file" "$row" || return 1
      done
    done
  done
  [ "$tty" -eq 0 ] || printf '\r%70s\r' '' >&2
  return 0
}
