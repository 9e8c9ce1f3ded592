# shellcheck shell=bash
# The sweep's hyperfine phase (sourced by bench/sweep, after the runs; the
# sweep file's `hyperfine RUNS [WARMUP]` line): whole-process timings, the
# process's start and exit included, which the in-process wall time leaves
# out. For each configuration (workload, size, parameters; the first seed)
# one hyperfine invocation times every variant (or those `hyperfine-variants`
# names), each a named command, the same harness invocation as the runs
# (without --series and --mmu):
#
#   hyperfine/<configuration>.json    what hyperfine exported
#   hyperfine/<configuration>.error   why hyperfine or a variant failed
#   hyperfine.csv                     one row per configuration and variant
#
# A resumed sweep skips the configurations whose JSON is there; hyperfine.csv
# is made again from the JSON files each time, so it holds each once.
# Uses bench/sweep's globals and functions: dir (its plan), bin, here, work,
# seeds, timeout_seconds, hyperfine_runs, hyperfine_warmup, hyperfine_variants,
# interrupted, tty, combo_args; and bench/sweep-rows.bash.
# shellcheck disable=SC2154 # those globals are bench/sweep's

hyperfine_columns=workload,size,params,variant,runs,mean_ns,stddev_ns,median_ns,min_ns,max_ns

# A word as hyperfine -N splits a command (POSIX shell quoting, no shell run).
shell_word() {
  if [[ $1 =~ ^[-A-Za-z0-9_./=+:,@%]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# The configurations, one line each: name, workload, size, seed, combo,
# params, then each variant and its options (tab-separated), in the order of
# the configuration numbers (c<N> in run ids).
hyperfine_configurations() {
  awk -F '\t' -v OFS='\t' -v seed="${seeds[0]}" -v timed=" ${hyperfine_variants[*]} " '
    $2 != 1 || $6 != seed || !index(timed, " " $3 " ") { next }
    { number = $1; sub(/^c/, "", number); sub(/-.*/, "", number); number += 0
      line[number] = $0; if (number > most) most = number }
    END {
      for (n = 1; n <= most; n++) {
        if (!(n in line)) continue
        split(line[n], f, "\t")
        config = f[4] "\t" f[5] "\t" f[6] "\t" f[7]
        if (config != last) {
          if (last != "") print out
          name = f[4] "-" f[5] (f[7] == "" ? "" : "-" f[7]); gsub(/;/, "_", name)
          out = name "\t" f[4] "\t" f[5] "\t" f[6] "\t" f[7] "\t" f[9]
          last = config
        }
        out = out "\t" f[3] "\t" f[8]
      }
      if (last != "") print out
    }' "$dir/plan"
}

# A configuration's rows of hyperfine.csv from its JSON, on stdout; what
# failed (a variant's runs exiting non-zero; a file that does not read) on
# stderr. Status 1: the file does not read.
hyperfine_rows() { # name workload size params
  awk -f "$here/bench/csv.awk" -f "$here/bench/hyperfine-json.awk" -v workload="$2" -v size="$3" -v params="$4" \
    "$dir/hyperfine/$1.json"
}

# One configuration: hyperfine over every variant, its JSON renamed into
# place only when hyperfine ends well. Status 1: the results folder cannot be
# written (the line said); 2: interrupted.
hyperfine_configuration() { # name workload size seed combo params [variant options]...
  local name=$1 workload=$2 size=$3 seed=$4 combo=$5 params=$6 json=$dir/hyperfine/$1.json
  local commands=() variants=0 words word command status error notes limit
  shift 6
  while [ $# -gt 0 ]; do # options may be empty, the last pair's missing
    # shellcheck disable=SC2206,SC2207 # parameters and options are blank-separated
    words=("$bin/heaplab-$1" "$workload" "--size=$size" "--seed=$seed" $(combo_args "$combo") ${2:-})
    command=''
    for word in "${words[@]}"; do command+="${command:+ }$(shell_word "$word")"; done
    commands+=(--command-name "$1" "$command")
    variants=$((variants + 1))
    shift
    [ $# -eq 0 ] || shift
  done
  # Each run within the sweep's time limit, in all.
  limit=$((timeout_seconds * (hyperfine_runs + hyperfine_warmup) * variants + 10))
  rm -f -- "$json.tmp" "$dir/hyperfine/$name.error"
  timeout -k 10 "$limit" hyperfine -N -i --style none --warmup "$hyperfine_warmup" --runs "$hyperfine_runs" \
    --export-json "$json.tmp" "${commands[@]}" >/dev/null 2>"$work/hyperfine.err" 8<&- &
  wait $!
  status=$?
  [ "$interrupted" -eq 0 ] || { rm -f -- "$json.tmp"; return 2; }
  if [ $status -eq 0 ] && [ -s "$json.tmp" ]; then
    error=$(mv -f -- "$json.tmp" "$json" 2>&1) || {
      cannot_write "$json" "$error"
      return 1
    }
    notes=$(hyperfine_rows "$name" "$workload" "$size" "$params" 2>&1 >/dev/null) || rm -f -- "$json"
    [ -z "$notes" ] || write_file "$dir/hyperfine/$name.error" printf '%s\n' "$notes"
    return
  fi
  rm -f -- "$json.tmp"
  error=$(last_line "$work/hyperfine.err")
  # hyperfine's own words: "Could not create export file", "Failed to export results".
  if [[ $error == *"$json.tmp"* ]]; then
    cannot_write "$json" "$error"
    return 1
  fi
  [ $status -ne 124 ] || error="timed out after $limit s"
  [ -n "$error" ] || error="hyperfine exited with status $status"
  write_file "$dir/hyperfine/$name.error" printf 'hyperfine: %s\n' "$error"
}

# hyperfine.csv from the JSON files: a configuration hyperfine could not
# time has a row per variant with no runs and no figures.
hyperfine_table() {
  local name workload size seed combo params rest variants i rows
  echo "$hyperfine_columns"
  while IFS=$'\x1f' read -r name workload size seed combo params rest; do
    if [ -f "$dir/hyperfine/$name.json" ] && rows=$(hyperfine_rows "$name" "$workload" "$size" "$params" 2>/dev/null); then
      printf '%s\n' "$rows"
      continue
    fi
    [ -f "$dir/hyperfine/$name.error" ] || continue
    IFS=$'\x1f' read -r -a variants <<<"$rest"
    for ((i = 0; i < ${#variants[@]}; i += 2)); do
      printf '%s,%s,%s,%s,0,,,,,\n' "$(csv_field "$workload")" "$size" "$(csv_field "$params")" "$(csv_field "${variants[i]}")"
    done
  done < <(hyperfine_configurations | tr '\t' '\037')
}

# The phase. Status: 0 done (failures recorded), 1 the results folder cannot
# be written (the line said), 2 interrupted.
hyperfine_phase() {
  local configurations total todo name count=0 line fields error
  error=$(mkdir -p "$dir/hyperfine" 2>&1) || { cannot_write "$dir/hyperfine" "$error"; return 1; }
  rm -f "$dir"/hyperfine/*.json.tmp
  configurations=$(hyperfine_configurations)
  total=$(grep -c . <<<"$configurations")
  todo=$(while IFS=$'\t' read -r name _; do [ -f "$dir/hyperfine/$name.json" ] || echo "$name"; done <<<"$configurations" | grep -c .)
  [ "$todo" -eq 0 ] || echo "heaplab: hyperfine: $todo of $total configurations to time," \
    "$hyperfine_runs runs ($hyperfine_warmup warmup) of each of ${#hyperfine_variants[@]} variants" >&2
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    IFS=$'\x1f' read -r -a fields <<<"${line//$'\t'/$'\x1f'}"
    count=$((count + 1))
    [ -f "$dir/hyperfine/${fields[0]}.json" ] && continue
    [ "$tty" -eq 0 ] || printf '\r  hyperfine: configuration %d of %d   ' "$count" "$total" >&2
    hyperfine_configuration "${fields[@]}" || return $?
  done <<<"$configurations"
  [ "$tty" -eq 0 ] || printf '\r%70s\r' '' >&2
  write_file "$dir/hyperfine.csv" hyperfine_table
}
