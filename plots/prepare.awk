# Reads a sweep's results and prepares everything plots/plot draws: per
# configuration (workload, size, parameters; seeds pooled) and variant the
# figures of the report's summary, a data file per plot, and the gnuplot
# commands that draw each plot as PNG and SVG, dealt out to `shards` command
# files so that several gnuplots can share the work. Needs bench/csv.awk,
# bench/sort.awk and csv.awk (and report.awk, which writes the page from what
# is gathered here).
#
#   PLOT_RESULTS=DIR PLOT_WORK=TMP PLOT_PAGE=STAGED_INDEX PLOT_SWEEP_NAME=NAME
#       awk -f bench/csv.awk -f bench/sort.awk -f csv.awk -f prepare.awk
#       -f report.awk -v shards=N -v has_mmu=0|1 -v now=DATE
#       -v runs_lines=N -v hyperfine_lines=N -v heap_lines=N
#
# The data go to TMP/data/, the command files to TMP/shard*.gp, run by
# gnuplot in TMP, where TMP/scripts leads to plots/ and TMP/out to the staged
# plots folder. Every plot's name goes into TMP/plots.list.
# *_lines are each file's newline-terminated lines: a last line without one
# was torn by an interrupted writer and is ignored. A runs.csv that is damaged
# (a row with another number of fields than the header, or without a variant
# or workload, or a successful run's number that is not one) or unusable is
# one line on stderr, "heaplab: plot: FILE:LINE: ...", and exit status 2.

BEGIN {
  results = ENVIRON["PLOT_RESULTS"]; work = ENVIRON["PLOT_WORK"]
  page = ENVIRON["PLOT_PAGE"]; sweep_name = ENVIRON["PLOT_SWEEP_NAME"]
  required = "run_id,variant,workload,size,params,outcome,wall_ns"
  pause_columns = "pause_p50_ns pause_p90_ns pause_p99_ns pause_p999_ns pause_max_ns"
  npause = split(pause_columns, pause_column, " ")
  # The allocation-only floor (never frees): what a variant costs beyond allocating.
  floor_variant = "nogc+bump"
  # One colour per variant, by sorted name; chosen to stay apart in print and on screen.
  npalette = split("#1f62c4 #e8710a #1b8a3c #d62728 #8e44ad #8c564b #e0529c #5f6368 #a8a400 #12a4b4 " \
                   "#0b2e6f #f2b100 #6aa84f #9c0050 #7f7fff #c27c0e #2ca089 #ff6f61 #4b0082 #8fa3b8", palette, " ")
  nnotes = 0
  if (!has_mmu) note("no mmu/ folder (results from before the sweep recorded MMU curves): no MMU plots")
  read_runs(results "/runs.csv")
  read_hyperfine(results "/hyperfine.csv")
  read_heap(results "/heap.csv")
  read_heap_minimums(results "/heap-min.csv")
  order_variants()
  order_configs()
  for (k = 1; k <= nconfigs; k++) {
    c = config_order[k]
    summarise(c)
    plot_time(c); plot_memory(c); plot_pauses(c); plot_mmu(c); plot_heap(c); plot_leaks(c)
  }
  find_checksum_disagreements()
  for (s = 0; s < shards; s++) close(shard_file(s))
  printf "" > (work "/plots.list")
  for (k = 1; k <= nconfigs; k++)
    for (i = 1; i <= nplots[config_order[k]]; i++) print plot_base[config_order[k], i] > (work "/plots.list")
  close(work "/plots.list")
  write_report()
  exit 0
}

function fail(message) {
  printf "heaplab: plot: %s\n", message > "/dev/stderr"
  exit 2
}

function note(text) { notes[++nnotes] = text }
function config_note(c, text) { cnotes[c, ++ncnotes[c]] = text }

# ---------------------------------------------------------------------------
# runs.csv: one row per run.

function read_runs(file,    line, status, n, f, key, r, c, column, lineno, i, name) {
  runs_file = file
  status = (getline line < file)
  if (status < 0) fail("cannot read " file)
  if (status == 0 || line ~ /^[ \t\r]*$/) fail(file " is empty")
  if (runs_lines < 1) fail(file " has no whole header line")
  runs_columns_n = csv_header(line, runs_column)
  if (runs_columns_n < 0) fail(file " names the column '" duplicate_column "' twice")
  if ((name = missing_columns(runs_column, required)) != "") {
    gsub(/[^ -~]/, "?", line)
    fail(file " is not a sweep's runs.csv: no column " name " (its header: " substr(line, 1, 80) (length(line) > 80 ? "..." : "") ")")
  }
  nrows = 0; lineno = 1
  while ((getline line < file) > 0) {
    if (++lineno > runs_lines) { note("runs.csv ends in a torn row (no newline): ignored"); break }
    sub(/\r$/, "", line)
    if (line ~ /^[ \t]*$/) continue
    # Tabs and line ends inside fields would break the data files: blanks.
    if (line ~ /[\t\r]/) gsub(/[\t\r]/, " ", line)
    n = csv_split(line, f)
    if (n != runs_columns_n) fail(file ":" lineno ": " n " fields where the header has " runs_columns_n)
    if (field(f, runs_column, "variant") == "" || field(f, runs_column, "workload") == "")
      fail(file ":" lineno ": a row with no variant or workload")
    runs_lineno = lineno
    r = ++nrows
    R_id[r] = field(f, runs_column, "run_id")
    if (R_id[r] in id_line) { if (!nrepeated++) first_repeated = R_id[r] " on lines " id_line[R_id[r]] " and " lineno }
    else id_line[R_id[r]] = lineno
    R_variant[r] = field(f, runs_column, "variant")
    R_workload[r] = field(f, runs_column, "workload")
    R_size[r] = field(f, runs_column, "size")
    R_params[r] = field(f, runs_column, "params")
    R_seed[r] = field(f, runs_column, "seed")
    R_outcome[r] = field(f, runs_column, "outcome")
    R_ok[r] = (R_outcome[r] == "ok")
    R_exit[r] = field(f, runs_column, "exit_status")
    R_error[r] = field(f, runs_column, "error")
    R_checksum[r] = field(f, runs_column, "checksum")
    R_wall[r] = number_or_empty(f, "wall_ns", R_ok[r])
    R_gc[r] = number_or_empty(f, "gc_ns", R_ok[r])
    R_peak[r] = number_or_empty(f, "peak_live_bytes", R_ok[r])
    R_leaked[r] = number_or_empty(f, "leaked_bytes", R_ok[r])
    # The pauses' percentiles a column each (one-dimensional arrays are
    # quicker to read than R[r, i] with its key made of text).
    R_pause1[r] = number_or_empty(f, pause_column[1], R_ok[r])
    R_pause2[r] = number_or_empty(f, pause_column[2], R_ok[r])
    R_pause3[r] = number_or_empty(f, pause_column[3], R_ok[r])
    R_pause4[r] = number_or_empty(f, pause_column[4], R_ok[r])
    R_pause5[r] = number_or_empty(f, pause_column[5], R_ok[r])
    key = R_workload[r] SUBSEP R_size[r] SUBSEP R_params[r]
    R_config[r] = add_config(key, R_workload[r], R_size[r], R_params[r])
    add_variant(R_variant[r])
    c = R_config[r]
    total[c, R_variant[r]]++
    runs_of[c, R_variant[r], total[c, R_variant[r]]] = r
    if (R_ok[r]) ok[c, R_variant[r]]++
    else failed_rows[++nfailed] = r
  }
  close(file)
  if (nrows == 0) fail(file " has a header but no runs")
  if (nrepeated) note(nrepeated " row(s) of runs.csv repeat a run id (the first, " first_repeated "): every row is counted")
}

# A numeric column's value, or "" (absent, or empty: not measured). Anything
# else in a successful run's row (NaN, text) is a damaged file: refused.
function number_or_empty(f, column, counted,    value) {
  if (!(column in runs_column)) return ""
  value = f[runs_column[column]]
  if (value ~ /^[ \t]|[ \t]$/) gsub(/^[ \t]+|[ \t]+$/, "", value)
  if (is_number(value)) return value + 0
  if (counted && value != "") {
    gsub(/[^ -~]/, "?", value)
    fail(runs_file ":" runs_lineno ": " column (is_numeral(value) ? " is out of range (beyond 1e300): '" : " is not a number: '") \
      substr(value, 1, 40) "'")
  }
  return ""
}

function add_config(key, workload, size, params) {
  if (!(key in config_id)) {
    config_id[key] = ++nconfigs
    cfg_workload[nconfigs] = workload; cfg_size[nconfigs] = size; cfg_params[nconfigs] = params
  }
  return config_id[key]
}

function add_variant(name) {
  if (!(name in variant_seen)) { variant_seen[name] = 1; variant_list[++nvariants] = name }
}

# ---------------------------------------------------------------------------
# hyperfine.csv (whole-process wall times) and heap.csv (time against heap
# size): optional; used when present and readable, noted when not.

function read_hyperfine(file,    line, status, n, f, key, c, v, lineno, wrong, unmatched, ncols) {
  status = (getline line < file)
  if (status < 0) return
  has_hyperfine_file = 1
  if (status > 0) ncols = csv_header(line, hf_column)
  if (status == 0 || hyperfine_lines < 1 || ncols < 1 ||
      missing_columns(hf_column, "workload,size,params,variant,median_ns") != "") {
    note("hyperfine.csv has no usable header (workload, size, params, variant, median_ns...): not used")
    close(file); return
  }
  lineno = 1
  while ((getline line < file) > 0) {
    if (++lineno > hyperfine_lines) break
    sub(/\r$/, "", line)
    if (line ~ /^[ \t]*$/) continue
    n = csv_split(line, f)
    if (n != ncols || !is_number(field(f, hf_column, "median_ns"))) { wrong++; continue }
    key = field(f, hf_column, "workload") SUBSEP field(f, hf_column, "size") SUBSEP field(f, hf_column, "params")
    v = field(f, hf_column, "variant")
    if (!(key in config_id)) { unmatched++; continue }
    c = config_id[key]
    if ((c, v) in hf_median) continue
    hf_median[c, v] = field(f, hf_column, "median_ns") / 1e6
    hf_min[c, v] = is_number(field(f, hf_column, "min_ns")) ? field(f, hf_column, "min_ns") / 1e6 : hf_median[c, v]
    hf_max[c, v] = is_number(field(f, hf_column, "max_ns")) ? field(f, hf_column, "max_ns") / 1e6 : hf_median[c, v]
    hf_config[c] = 1
    nhyperfine++
  }
  close(file)
  if (wrong) note(wrong " row(s) of hyperfine.csv unreadable or without a numeric median_ns: skipped")
  if (unmatched) note(unmatched " row(s) of hyperfine.csv name a configuration that runs.csv does not have: skipped")
}

function read_heap(file,    line, status, n, f, key, c, v, lineno, wrong, h, m, ncols) {
  status = (getline line < file)
  if (status < 0) return
  has_heap_file = 1
  if (status > 0) ncols = csv_header(line, heap_column)
  if (status == 0 || heap_lines < 1 || ncols < 1 ||
      missing_columns(heap_column, "workload,size,params,variant,multiplier,outcome,wall_ns") != "") {
    note("heap.csv has no usable header (workload, size, params, variant, multiplier, outcome, wall_ns...): not used")
    close(file); return
  }
  lineno = 1
  while ((getline line < file) > 0) {
    if (++lineno > heap_lines) break
    sub(/\r$/, "", line)
    if (line ~ /^[ \t]*$/) continue
    n = csv_split(line, f)
    if (n != ncols) { wrong++; continue }
    v = field(f, heap_column, "variant")
    m = field(f, heap_column, "multiplier")
    if (v == "" || !is_number(m) || m <= 0) { wrong++; continue }
    key = field(f, heap_column, "workload") SUBSEP field(f, heap_column, "size") SUBSEP field(f, heap_column, "params")
    c = add_config(key, field(f, heap_column, "workload"), field(f, heap_column, "size"), field(f, heap_column, "params"))
    add_variant(v)
    if (field(f, heap_column, "outcome") != "ok" || !is_number(field(f, heap_column, "wall_ns"))) { heap_failed[c]++; continue }
    m += 0
    if (!((c, v, m) in heap_n)) {
      if (!((c, v) in heap_multipliers_n)) nheap_variants[c]++
      heap_multiplier[c, v, ++heap_multipliers_n[c, v]] = m
    }
    h = ++heap_n[c, v, m]
    heap_wall[c, v, m, h] = field(f, heap_column, "wall_ns") / 1e6
    heap_collections[c, v, m, h] = is_number(field(f, heap_column, "collections")) ? field(f, heap_column, "collections") + 0 : ""
    if (is_number(field(f, heap_column, "min_heap_bytes"))) heap_min_bytes[c, v] = field(f, heap_column, "min_heap_bytes") + 0
  }
  close(file)
  if (wrong) note(wrong " row(s) of heap.csv unreadable or without a variant and a positive multiplier: skipped")
}

# heap-min.csv, beside heap.csv: a variant whose smallest heap was not found
# has no heap curve; the page says why.
function read_heap_minimums(file,    line, ncols, columns, f, key, why) {
  if ((getline line < file) <= 0) { close(file); return }
  ncols = csv_header(line, columns)
  if (ncols < 1 || missing_columns(columns, "workload,size,params,variant,min_heap_bytes") != "") { close(file); return }
  while ((getline line < file) > 0) {
    sub(/\r$/, "", line)
    if (csv_split(line, f) != ncols || field(f, columns, "min_heap_bytes") != "") continue
    key = field(f, columns, "workload") SUBSEP field(f, columns, "size") SUBSEP field(f, columns, "params")
    if (!(key in config_id)) continue
    why = field(f, columns, "error")
    config_note(config_id[key], "no smallest heap found for " field(f, columns, "variant") (why == "" ? "" : ": " why))
  }
  close(file)
}

# ---------------------------------------------------------------------------
# Order: variants by name (which fixes their colours), configurations by
# workload, size (as a number), parameters.

function order_variants(    i, collector, ncollectors, dashes) {
  for (i = 1; i <= nvariants; i++) variant_sorted[i] = variant_list[i]
  sort_strings(variant_sorted, nvariants)
  # Lines also tell the collectors apart (the part of the name before "+"):
  # solid, dashed, dash-dot... in name order.
  split("1 2 4 5 3", dashes, " ")
  ncollectors = 0
  for (i = 1; i <= nvariants; i++) {
    collector = variant_sorted[i]
    sub(/\+.*/, "", collector)
    if (!(collector in collector_rank)) collector_rank[collector] = ++ncollectors
    dash_of[variant_sorted[i]] = dashes[(collector_rank[collector] - 1) % 5 + 1]
  }
  for (i = 1; i <= nvariants; i++) colour_of[variant_sorted[i]] = palette[(i - 1) % npalette + 1]
  if (nvariants > npalette) note(nvariants " variants share " npalette " colours: read the plot keys")
}

function config_before(a, b) {
  if (cfg_workload[a] != cfg_workload[b]) return cfg_workload[a] < cfg_workload[b]
  if (cfg_size[a] != cfg_size[b]) {
    if (is_number(cfg_size[a]) && is_number(cfg_size[b])) return cfg_size[a] + 0 < cfg_size[b] + 0
    return cfg_size[a] < cfg_size[b]
  }
  return cfg_params[a] < cfg_params[b]
}

# bench/sort.awk's order for "config": config_before.
function sort_precedes_custom(a, b, how) { return config_before(a, b) }

function order_configs(    i, width, unused) {
  for (i = 1; i <= nconfigs; i++) config_order[i] = i
  sort_list(config_order, nconfigs, "config", unused, 0)
  width = length(nconfigs "")
  if (width < 2) width = 2
  for (i = 1; i <= nconfigs; i++)
    config_slug[config_order[i]] = sprintf("%0" width "d", i) "-" safe_name(cfg_workload[config_order[i]]) "-" safe_name(cfg_size[config_order[i]])
}

# A file name from untrusted text: letters, digits and . + - only, not too long.
function safe_name(text) {
  gsub(/[^A-Za-z0-9.+-]/, "_", text)
  sub(/^\.+/, "_", text)
  return substr(text, 1, 40)
}

# The variants of a configuration, in name order (those of runs.csv and heap.csv).
function config_variant_list(c, list,    i, n, v) {
  n = 0
  for (i = 1; i <= nvariants; i++) {
    v = variant_sorted[i]
    if ((c, v) in total || (c, v) in heap_multipliers_n) list[++n] = v
  }
  return n
}

# ---------------------------------------------------------------------------
# Per configuration and variant: medians over the successful runs, and the
# run whose wall time is the median (the lower one of an even count), whose
# memory and MMU curves stand for the variant. Per configuration: the least
# median wall time of any variant, and the floor variant's.

function summarise(c,    i, n, v, vs, k, r, walls, rows, m) {
  n = config_variant_list(c, vs)
  for (i = 1; i <= n; i++) {
    v = vs[i]
    m = 0
    for (k = 1; k <= total[c, v]; k++) {
      r = runs_of[c, v, k]
      if (R_ok[r] && R_wall[r] != "") { m++; walls[m] = R_wall[r]; rows[m] = r }
    }
    sort_pairs(walls, rows, m)
    wall_n[c, v] = m
    if (m > 0) {
      wall_median[c, v] = median_of_sorted(walls, m) / 1e6
      wall_min[c, v] = walls[1] / 1e6
      wall_max[c, v] = walls[m] / 1e6
      representative[c, v] = rows[int((m + 1) / 2)]
      if (!(c in best_wall) || wall_median[c, v] < best_wall[c]) best_wall[c] = wall_median[c, v]
      if (v == floor_variant) floor_wall[c] = wall_median[c, v]
    }
    # The other medians, over the same runs (rows[1..m]: every successful
    # run has a wall time).
    gc_median[c, v] = median_of(R_gc, rows, m)
    peak_median[c, v] = median_of(R_peak, rows, m)
    leaked_median[c, v] = median_of(R_leaked, rows, m)
    pause_median[c, v, 1] = median_of(R_pause1, rows, m)
    pause_median[c, v, 2] = median_of(R_pause2, rows, m)
    pause_median[c, v, 3] = median_of(R_pause3, rows, m)
    pause_median[c, v, 4] = median_of(R_pause4, rows, m)
    pause_median[c, v, 5] = median_of(R_pause5, rows, m)
  }
}

# The median of column[rows[1..m]] over the rows where it is not empty, or "".
function median_of(column, rows, m,    k, n, list, value) {
  n = 0
  for (k = 1; k <= m; k++)
    if ((value = column[rows[k]]) != "") list[++n] = value
  return n ? median_number(list, n) : ""
}

# Sorts keys[1..n] as numbers, carrying items[] along (stably).
function sort_pairs(keys, items, n) { sort_list(keys, n, "n", items, 1) }

# ---------------------------------------------------------------------------
# Plot jobs: a data file (tab-separated) and, for PNG and SVG alike, the
# terminal, the output and the script, with the settings it reads.

function shard_file(s) { return work "/shard" s ".gp" }

# Text as a gnuplot single-quoted string.
function gq(text) {
  gsub(/[\r\n]/, " ", text)
  gsub(/'/, "''", text)
  return "'" text "'"
}

# A word list for gnuplot's word(): each name quoted, so blanks stay inside.
function word_list(names, n,    i, out, name) {
  out = ""
  for (i = 1; i <= n; i++) {
    name = names[i]
    gsub(/["\t\r\n]/, "_", name)
    out = out (i > 1 ? " " : "") "\"" name "\""
  }
  return out
}

function config_title(c,    title) {
  title = cfg_workload[c] ", size " cfg_size[c]
  if (cfg_params[c] != "") title = title ", " cfg_params[c]
  return title
}

function data_file(c, kind) { return work "/" gnuplot_data_file(c, kind) }
# gnuplot runs in the work folder, where scripts/ and out/ lead to the plot
# scripts and the staged plots: it is given only these short names, never a
# path that may hold a quote, a newline or anything else (a results folder
# may be named anything).
function gnuplot_data_file(c, kind) { return "data/" config_slug[c] "-" kind ".tsv" }

# Text for a field of a data file (tab-separated): gnuplot would read a
# double quote as the start of a quoted string, which swallows what follows.
function tsv_text(text) {
  gsub(/"/, "'", text)
  gsub(/[\001-\037\177]/, "?", text)
  return text
}

# Queues one plot: `settings` are gnuplot lines setting what the script reads.
function add_plot(c, kind, caption, width, height, settings,    base, s, format, terminal) {
  base = config_slug[c] "-" kind
  s = shard_file(njobs++ % shards)
  print "reset" > s
  print "plots_dir = 'scripts'" > s
  print "data = " gq(gnuplot_data_file(c, kind)) > s
  print "plot_caption = " gq(caption) > s
  print "plot_config = " gq(config_title(c)) > s
  printf "%s", settings > s
  for (format = 1; format <= 2; format++) {
    if (format == 1)
      terminal = "pngcairo size " 2 * width "," 2 * height " font 'DejaVu Sans,10' fontscale 2 linewidth 2 pointscale 2 noenhanced"
    else
      terminal = "svg size " width "," height " font 'DejaVu Sans,10' noenhanced background '#ffffff'"
    print "set terminal " terminal > s
    print "set output " gq("out/" base (format == 1 ? ".png" : ".svg")) > s
    print "load " gq("scripts/" kind ".gp") > s
    print "unset output" > s
  }
  plot_base[c, ++nplots[c]] = base
  plot_width[base] = width; plot_height[base] = height
  plot_caption[c, nplots[c]] = caption
}

function colour_number(hex,    i, n) {
  n = 0
  for (i = 2; i <= 7; i++) n = n * 16 + index("0123456789abcdef", tolower(substr(hex, i, 1))) - 1
  return n
}

# Time per variant: median wall (min-max) of the harness's runs, and
# hyperfine's whole-process median (min-max) beside it when there is one.
function plot_time(c,    n, vs, i, v, f, most, shown, missing, timed) {
  n = config_variant_list(c, vs)
  f = data_file(c, "time")
  most = 0; shown = 0; missing = ""
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in total)) continue
    timed = ((c, v) in hf_median)
    if (wall_n[c, v] == 0 && !timed) { missing = missing " " v; continue }
    shown++
    printf "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", shown, tsv_text(v),
      nan(wall_median[c, v]), nan(wall_min[c, v]), nan(wall_max[c, v]), colour_number(colour_of[v]),
      (timed ? hf_median[c, v] : "NaN"), (timed ? hf_min[c, v] : "NaN"), (timed ? hf_max[c, v] : "NaN") > f
    if (wall_n[c, v] > 0 && wall_max[c, v] > most) most = wall_max[c, v]
    if (timed && hf_max[c, v] > most) most = hf_max[c, v]
  }
  close(f)
  if (missing != "") config_note(c, "no successful run to time for:" missing)
  if (shown == 0) return
  add_plot(c, "time", "Time per variant", 640, 380,
    "count = " shown "\nymax = " (most > 0 ? most * 1.12 : 1) "\nhyperfine = " (c in hf_config ? 1 : 0) "\n")
}

function nan(value) { return value == "" ? "NaN" : value }

# Memory curves: live and footprint bytes on the allocation clock, from each
# variant's representative run.
function plot_memory(c,    n, vs, i, v, f, r, file, line, status, ncols, cols, x, shown, names, live_most, foot_most, x_most, missing, good, fields) {
  n = config_variant_list(c, vs)
  f = data_file(c, "memory")
  shown = 0; live_most = 0; foot_most = 0; x_most = 0; missing = ""
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in representative)) continue
    r = representative[c, v]
    if (R_id[r] !~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/) { missing = missing " " v " (run id unusable as a file name)"; continue }
    file = results "/series/" R_id[r] ".csv"
    status = (getline line < file)
    if (status <= 0) { missing = missing " " v " (" (status < 0 ? "no " : "empty ") "series/" R_id[r] ".csv)"; close(file); continue }
    delete cols
    ncols = csv_header(line, cols)
    if (ncols < 1 || missing_columns(cols, "bytes_allocated,live_bytes,footprint_bytes") != "") {
      missing = missing " " v " (series/" R_id[r] ".csv lacks bytes_allocated, live_bytes or footprint_bytes)"; close(file); continue
    }
    good = 0
    while ((getline line < file) > 0) {
      sub(/\r$/, "", line)
      if (csv_split(line, fields) != ncols) continue
      x = field(fields, cols, "bytes_allocated")
      if (!is_number(x) || !is_number(field(fields, cols, "live_bytes")) || !is_number(field(fields, cols, "footprint_bytes"))) continue
      if (good == 0 && shown > 0) printf "\n\n" > f
      good++
      printf "%s\t%s\t%s\n", x, field(fields, cols, "live_bytes"), field(fields, cols, "footprint_bytes") > f
      if (x + 0 > x_most) x_most = x + 0
      if (field(fields, cols, "live_bytes") + 0 > live_most) live_most = field(fields, cols, "live_bytes") + 0
      if (field(fields, cols, "footprint_bytes") + 0 > foot_most) foot_most = field(fields, cols, "footprint_bytes") + 0
    }
    close(file)
    if (good == 0) { missing = missing " " v " (series/" R_id[r] ".csv has no samples)"; continue }
    names[++shown] = v
  }
  close(f)
  if (missing != "") config_note(c, "no memory curve for:" missing)
  if (shown == 0) return
  add_plot(c, "memory", "Memory on the allocation clock", 640, 500, curve_settings(names, shown) \
    unit_settings("x", x_most) unit_settings("live", live_most) unit_settings("footprint", foot_most) \
    "xmax = " (x_most > 0 ? x_most : 1) "\nlive_max = " (live_most > 0 ? live_most * 1.08 : 1) \
    "\nfootprint_max = " (foot_most > 0 ? foot_most * 1.08 : 1) "\n")
}

function curve_settings(names, n,    i, colours, dashes) {
  for (i = 1; i <= n; i++) { colours[i] = colour_of[names[i]]; dashes[i] = dash_of[names[i]] }
  return "names = " gq(word_list(names, n)) "\ncolours = " gq(word_list(colours, n)) "\ndashes = " gq(word_list(dashes, n)) "\n"
}

# Pause percentiles: per variant the median over its successful runs of
# p50, p90, p99, p99.9 and the longest pause, on a log scale.
function plot_pauses(c,    n, vs, i, v, k, f, shown, names, low, high, value, points, none) {
  n = config_variant_list(c, vs)
  f = data_file(c, "pauses")
  shown = 0; low = 0; high = 0; none = ""
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in total) || !ok[c, v]) continue
    points = 0
    for (k = 1; k <= npause; k++) {
      value = pause_median[c, v, k]
      if (value == "" || value <= 0) continue
      if (points == 0 && shown > 0) printf "\n\n" > f
      points++
      printf "%d\t%.9g\n", k, value / 1e9 > f
      if (low == 0 || value < low) low = value
      if (value > high) high = value
    }
    if (points) names[++shown] = v
    else none = none " " v
  }
  close(f)
  if (none != "") config_note(c, "no pauses recorded for:" none)
  if (shown == 0) return
  add_plot(c, "pauses", "Pause percentiles", 640, 380, curve_settings(names, shown) \
    "ymin = " low / 1e9 / 2 "\nymax = " high / 1e9 * 2 "\n")
}

# MMU curves: the representative run's minimum mutator utilisation against the window.
function plot_mmu(c,    n, vs, i, v, f, r, file, line, status, ncols, cols, fields, shown, names, missing, good, low, high, w, u) {
  if (!has_mmu) return
  n = config_variant_list(c, vs)
  f = data_file(c, "mmu")
  shown = 0; missing = ""; low = 0; high = 0
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in representative)) continue
    r = representative[c, v]
    if (R_id[r] !~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/) { missing = missing " " v " (run id unusable as a file name)"; continue }
    file = results "/mmu/" R_id[r] ".csv"
    status = (getline line < file)
    if (status <= 0) { missing = missing " " v " (" (status < 0 ? "no " : "empty ") "mmu/" R_id[r] ".csv)"; close(file); continue }
    delete cols
    ncols = csv_header(line, cols)
    if (ncols < 1 || missing_columns(cols, "window_ns,mmu") != "") {
      missing = missing " " v " (mmu/" R_id[r] ".csv lacks window_ns or mmu)"; close(file); continue
    }
    good = 0
    while ((getline line < file) > 0) {
      sub(/\r$/, "", line)
      if (csv_split(line, fields) != ncols) continue
      w = field(fields, cols, "window_ns"); u = field(fields, cols, "mmu")
      if (!is_number(w) || !is_number(u) || w <= 0) continue
      if (good == 0 && shown > 0) printf "\n\n" > f
      good++
      printf "%.9g\t%s\n", w / 1e9, u > f
      if (low == 0 || w + 0 < low) low = w + 0
      if (w + 0 > high) high = w + 0
    }
    close(file)
    if (good == 0) { missing = missing " " v " (mmu/" R_id[r] ".csv has no points)"; continue }
    names[++shown] = v
  }
  close(f)
  if (missing != "") config_note(c, "no MMU curve for:" missing)
  if (shown == 0) return
  if (high <= low) high = low * 10
  add_plot(c, "mmu", "Minimum mutator utilisation", 640, 380, curve_settings(names, shown) \
    "xmin = " low / 1e9 "\nxmax = " high / 1e9 "\n")
}

# Time against heap size (heap.csv): per variant and multiple of its minimum
# heap, the median wall time and collections over the successful runs.
function plot_heap(c,    n, vs, i, v, f, k, m, h, list, walls, counts, nc, shown, names, smallest, wall_most, count_most, x_most, x_least, mults, nm) {
  if (heap_failed[c]) config_note(c, heap_failed[c] " heap.csv run(s) did not succeed (left out)")
  if (!nheap_variants[c]) return
  f = data_file(c, "heap")
  n = config_variant_list(c, vs)
  shown = 0; wall_most = 0; count_most = 0; x_most = 0; x_least = 0
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in heap_multipliers_n)) continue
    nm = heap_multipliers_n[c, v]
    for (k = 1; k <= nm; k++) mults[k] = heap_multiplier[c, v, k]
    sort_numbers(mults, nm)
    if (shown > 0) printf "\n\n" > f
    names[++shown] = v
    if ((c, v) in heap_min_bytes) smallest = smallest (smallest == "" ? "" : ", ") v " " human_bytes(heap_min_bytes[c, v])
    for (k = 1; k <= nm; k++) {
      m = mults[k]
      delete walls; delete counts; nc = 0
      for (h = 1; h <= heap_n[c, v, m]; h++) {
        walls[h] = heap_wall[c, v, m, h]
        if (heap_collections[c, v, m, h] != "") counts[++nc] = heap_collections[c, v, m, h]
      }
      sort_numbers(walls, heap_n[c, v, m]); sort_numbers(counts, nc)
      printf "%s\t%s\t%s\n", m, median_of_sorted(walls, heap_n[c, v, m]), (nc ? median_of_sorted(counts, nc) : "NaN") > f
      if (walls[heap_n[c, v, m]] > wall_most) wall_most = walls[heap_n[c, v, m]]
      if (nc && counts[nc] > count_most) count_most = counts[nc]
      if (m > x_most) x_most = m
      if (x_least == 0 || m < x_least) x_least = m
    }
  }
  close(f)
  if (x_most <= x_least) { x_least = x_least / 2; x_most = x_most * 1.5 }
  add_plot(c, "heap", "Time against heap size", 640, 500, curve_settings(names, shown) \
    "xmin = " x_least "\nxmax = " x_most "\nwall_max = " (wall_most > 0 ? wall_most * 1.1 : 1) \
    "\ncollections_max = " (count_most > 0 ? count_most * 1.1 : 1) "\n")
  if (smallest != "") plot_remark[c, nplots[c]] = "smallest heaps: " smallest
}

# Leaked bytes per variant: what was never reclaimed (median over successful runs).
function plot_leaks(c,    n, vs, i, v, f, shown, most) {
  n = config_variant_list(c, vs)
  f = data_file(c, "leaks")
  shown = 0; most = 0
  for (i = 1; i <= n; i++) {
    v = vs[i]
    if (!((c, v) in total) || leaked_median[c, v] == "") continue
    shown++
    printf "%d\t%s\t%s\t%d\t%s\n", shown, tsv_text(v), leaked_median[c, v], colour_number(colour_of[v]), human_bytes(leaked_median[c, v]) > f
    if (leaked_median[c, v] > most) most = leaked_median[c, v]
  }
  close(f)
  if (shown == 0) return
  add_plot(c, "leaks", "Leaked bytes per variant", 640, 380, unit_settings("", most) \
    "count = " shown "\nymax = " (most > 0 ? most * 1.15 : 0) "\n")
}

# gnuplot settings for an axis of bytes up to `most`: its unit (B, KiB,
# MiB...) and the divisor into it, as PREFIX_unit and PREFIX_divisor.
function unit_settings(prefix, most,    unit, divisor, units) {
  split("B KiB MiB GiB TiB PiB", units, " ")
  unit = 1; divisor = 1
  while (most >= 2048 * divisor && unit < 6) { divisor *= 1024; unit++ }
  prefix = prefix == "" ? "" : prefix "_"
  return prefix "unit = " gq(units[unit]) "\n" prefix "divisor = " divisor "\n"
}

# Bytes in binary units: 0 B, 512 B, 1.5 KiB, 64.0 MiB.
function human_bytes(n,    unit, units) {
  if (n == "") return ""
  split("B KiB MiB GiB TiB PiB", units, " ")
  unit = 1
  while (n >= 1024 && unit < 6) { n /= 1024; unit++ }
  return unit == 1 ? sprintf("%d B", n) : sprintf("%.1f %s", n, units[unit])
}

# ---------------------------------------------------------------------------
# Every variant must compute the same checksum for the same workload, size,
# seed and parameters (over the successful runs).

function find_checksum_disagreements(    r, key, v) {
  for (r = 1; r <= nrows; r++) {
    if (!R_ok[r] || R_checksum[r] == "") continue
    key = R_workload[r] SUBSEP R_size[r] SUBSEP R_seed[r] SUBSEP R_params[r]
    if (!(key in first_checksum)) { first_checksum[key] = R_checksum[r]; checksum_keys[++nchecksum_keys] = key }
    else if (first_checksum[key] != R_checksum[r]) disagree[key] = 1
    # What each variant computed, named once; a dozen show the disagreement
    # (a list grown by every row of a damaged file would take quadratic time).
    if (!((key, R_variant[r], R_checksum[r]) in checksum_seen)) {
      checksum_seen[key, R_variant[r], R_checksum[r]] = 1
      if (++checksums_shown[key] <= 12)
        checksums_of[key] = checksums_of[key] (checksums_of[key] == "" ? "" : ", ") R_variant[r] "=" R_checksum[r]
      else if (checksums_shown[key] == 13) checksums_of[key] = checksums_of[key] ", ..."
    }
  }
}
