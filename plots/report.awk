# Writes the report page of a sweep, `page`, from what prepare.awk gathered:
# each variant's cost over the best variant and over the floor (nogc+bump),
# the meta file (machine, CPU, compiler, commit, date...), the failed runs,
# checksum disagreements and notes, a summary table per configuration and
# variant, and every plot by relative path (plots/NAME.png, linking to the
# SVG). Plain HTML and inline CSS: it reads offline, with no script.

function html(text) {
  gsub(/[\001-\010\013\014\016-\037\177]/, "?", text)
  gsub(/&/, "\\&amp;", text)
  gsub(/</, "\\&lt;", text)
  gsub(/>/, "\\&gt;", text)
  gsub(/"/, "\\&quot;", text)
  return text
}

# A figure in milliseconds, with as many decimals as make sense.
function ms(value) {
  if (value == "") return "-"
  return sprintf(value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : value >= 0.1 ? "%.2f" : "%.3f", value)
}

# A median wall time as a multiple of another (1.00, 2.35), or "-" without either.
function times(value, base) {
  return value == "" || base == "" || base <= 0 ? "-" : sprintf("%.2f", value / base)
}

function swatch(variant) {
  return "<span class=\"swatch\" style=\"background:" colour_of[variant] "\"></span>" html(variant)
}

function anchor(c) { return "c" config_slug[c] }

function write_report(    k, c, i, name, line, status, in_sweep, sweep_text, meta_n, ok_runs, r, fig) {
  # The meta file: "key: value" lines, then the sweep file after a "---" line.
  meta_n = 0; in_sweep = 0; sweep_text = ""
  while ((status = (getline line < (results "/meta"))) > 0) {
    sub(/\r$/, "", line)
    if (in_sweep) { sweep_text = sweep_text line "\n"; continue }
    if (line ~ /^---/) { in_sweep = 1; continue }
    if (match(line, /^[^:]+: ?/)) {
      meta_key[++meta_n] = substr(line, 1, index(line, ":") - 1)
      meta_value[meta_n] = substr(line, RLENGTH + 1)
      meta_of[meta_key[meta_n]] = meta_value[meta_n]
    }
  }
  close(results "/meta")
  if (status < 0) note("no meta file: the machine, compiler and commit are unknown")
  name = ("sweep" in meta_of) ? meta_of["sweep"] : sweep_name
  ok_runs = 0
  for (r = 1; r <= nrows; r++) ok_runs += R_ok[r]

  print "<!DOCTYPE html>" > page
  print "<html lang=\"en\"><head><meta charset=\"utf-8\">" > page
  print "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" > page
  print "<title>heaplab: " html(name) " (" html(sweep_name) ")</title>" > page
  print "<style>" > page
  print "body { font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", sans-serif; color: #1d1d1d; margin: 1.5em auto; max-width: 1340px; padding: 0 1em; }" > page
  print "h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; padding-bottom: 0.15em; } h3 { margin: 1.2em 0 0.4em; }" > page
  print "table { border-collapse: collapse; margin: 0.4em 0 1.2em; }" > page
  print "th, td { padding: 0.18em 0.7em; border-bottom: 1px solid #e2e2e2; text-align: left; vertical-align: top; }" > page
  print "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }" > page
  print "tr.config th { background: #f1f3f5; font-weight: 600; } tr.config th a { color: inherit; }" > page
  print ".swatch { display: inline-block; width: 0.85em; height: 0.85em; border-radius: 2px; margin-right: 0.45em; vertical-align: -0.08em; }" > page
  print ".bad { color: #b3261e; font-weight: 600; } .good { color: #1b6e35; } .quiet { color: #666; }" > page
  print "ul.variants { columns: 4 14em; list-style: none; padding-left: 0; }" > page
  print "figure { display: inline-block; margin: 0 1em 1.2em 0; vertical-align: top; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }" > page
  print "figcaption { font-size: 0.9em; color: #555; }" > page
  print "pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; } code { font-size: 0.95em; }" > page
  print "nav ol { columns: 3 18em; }" > page
  print "</style></head><body>" > page

  print "<h1>heaplab sweep: " html(name) "</h1>" > page
  printf "<p>Results folder <code>%s</code>: %d runs in runs.csv, %d succeeded, %s. %d configurations, %d variants. " \
    "Figures are medians over each configuration's successful runs, seeds pooled. Page written %s by <code>./heaplab plot</code>.</p>\n",
    html(sweep_name), nrows, ok_runs, (nfailed ? "<span class=\"bad\">" nfailed " did not</span>" : "none failed"),
    nconfigs, nvariants, html(now) > page

  write_costs()

  # Machine and build.
  print "<h2 id=\"meta\">Machine and build</h2>" > page
  if (meta_n) {
    print "<table class=\"meta\">" > page
    for (i = 1; i <= meta_n; i++)
      printf "<tr><th>%s</th><td>%s</td></tr>\n", html(meta_key[i]), html(meta_value[i]) > page
    print "</table>" > page
  } else print "<p class=\"quiet\">No meta file in the results folder.</p>" > page
  if (sweep_text != "")
    print "<details><summary>The sweep file</summary><pre>" html(sweep_text) "</pre></details>" > page

  write_problems()

  print "<h2 id=\"variants\">Variants</h2>" > page
  print "<p>Each variant keeps its colour in every plot of this page.</p><ul class=\"variants\">" > page
  for (i = 1; i <= nvariants; i++) print "<li>" swatch(variant_sorted[i]) "</li>" > page
  print "</ul>" > page

  print "<h2 id=\"contents\">Configurations</h2><nav><ol>" > page
  for (k = 1; k <= nconfigs; k++) {
    c = config_order[k]
    printf "<li><a href=\"#%s\">%s</a></li>\n", anchor(c), html(config_title(c)) > page
  }
  print "</ol></nav>" > page

  write_summary()

  for (k = 1; k <= nconfigs; k++) {
    c = config_order[k]
    printf "<h2 id=\"%s\">%s</h2>\n", anchor(c), html(config_title(c)) > page
    if (ncnotes[c]) {
      print "<ul class=\"notes\">" > page
      for (i = 1; i <= ncnotes[c]; i++) print "<li>" html(cnotes[c, i]) "</li>" > page
      print "</ul>" > page
    }
    for (fig = 1; fig <= nplots[c]; fig++) {
      printf "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" width=\"%d\" height=\"%d\" alt=\"%s\"></a>" \
        "<figcaption>%s (<a href=\"plots/%s.svg\">SVG</a>)%s</figcaption></figure>\n",
        html(plot_base[c, fig]), html(plot_base[c, fig]), plot_width[plot_base[c, fig]], plot_height[plot_base[c, fig]],
        html(plot_caption[c, fig] ": " config_title(c)), html(plot_caption[c, fig]), html(plot_base[c, fig]),
        (((c, fig) in plot_remark) ? "<br>" html(plot_remark[c, fig]) : "") > page
    }
    if (!nplots[c]) print "<p class=\"quiet\">Nothing to plot for this configuration.</p>" > page
  }
  print "</body></html>" > page
  close(page)
}

function write_problems(    i, r, key, any, part, limit) {
  print "<h2 id=\"problems\">Failed runs, checksums, notes</h2>" > page
  limit = 200
  if (nfailed) {
    printf "<h3 class=\"bad\">%d run(s) did not succeed</h3>\n", nfailed > page
    print "<p>They are left out of every median and plot.</p>" > page
    print "<table><tr><th>run</th><th>variant</th><th>workload</th><th class=\"n\">size</th><th class=\"n\">seed</th><th>parameters</th><th>outcome</th><th class=\"n\">exit</th><th>error</th></tr>" > page
    for (i = 1; i <= nfailed && i <= limit; i++) {
      r = failed_rows[i]
      printf "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td><td class=\"bad\">%s</td><td class=\"n\">%s</td><td>%s</td></tr>\n",
        html(R_id[r]), swatch(R_variant[r]), html(R_workload[r]), html(R_size[r]), html(R_seed[r]), html(R_params[r]),
        html(R_outcome[r] == "" ? "(none)" : R_outcome[r]), html(R_exit[r]), html(R_error[r]) > page
    }
    print "</table>" > page
    if (nfailed > limit) printf "<p>... and %d more (see runs.csv).</p>\n", nfailed - limit > page
  } else print "<p class=\"good\">Every run succeeded.</p>" > page

  any = 0
  for (i = 1; i <= nchecksum_keys; i++) {
    key = checksum_keys[i]
    if (!(key in disagree)) continue
    if (!any++) print "<h3 class=\"bad\">Checksums disagree</h3><p>The variants did not compute the same result for these (the same workload, size, seed and parameters must give one checksum):</p><ul>" > page
    split(key, part, SUBSEP)
    printf "<li>%s, size %s, seed %s, %s: <code>%s</code></li>\n", html(part[1]), html(part[2]), html(part[3]), html(part[4]), html(checksums_of[key]) > page
  }
  if (any) print "</ul>" > page
  else if (nchecksum_keys) print "<p class=\"good\">Every variant computed the same checksum for each workload, size, seed and parameters.</p>" > page
  else print "<p class=\"quiet\">No checksums to compare.</p>" > page

  if (nnotes) {
    print "<h3>Notes on the result files</h3><ul>" > page
    for (i = 1; i <= nnotes; i++) print "<li>" html(notes[i]) "</li>" > page
    print "</ul>" > page
  }
}

# Per configuration, the variants cheapest first (those without a successful
# run last): median wall time, over the fastest variant's, over the floor's.
function write_costs(    k, c, i, n, vs, v, m, cost, ranked) {
  print "<h2 id=\"costs\">Cost over the best variant and over the floor</h2>" > page
  print "<p>Per configuration, cheapest first: each variant's median wall time, that time over the fastest variant's (x best) " \
    "and over that of <code>" html(floor_variant) "</code>, the allocation-only floor, which never frees (x floor; " \
    "- where the configuration has no successful " html(floor_variant) " run)." \
    ((floor_variant in variant_seen) ? "" : " This sweep did not run " html(floor_variant) ": add it to the sweep's variants for a floor.") \
    "</p>" > page
  print "<table class=\"costs\">" > page
  print "<tr><th>variant</th><th class=\"n\">wall ms</th><th class=\"n\">x best</th><th class=\"n\">x floor</th></tr>" > page
  for (k = 1; k <= nconfigs; k++) {
    c = config_order[k]
    n = config_variant_list(c, vs)
    m = 0
    for (i = 1; i <= n; i++)
      if (wall_n[c, vs[i]]) { m++; cost[m] = wall_median[c, vs[i]]; ranked[m] = vs[i] }
    sort_pairs(cost, ranked, m)
    for (i = 1; i <= n; i++)
      if ((c, vs[i]) in total && !wall_n[c, vs[i]]) ranked[++m] = vs[i]
    if (!m) continue
    printf "<tr class=\"config\"><th colspan=\"4\"><a href=\"#%s\">%s</a></th></tr>\n", anchor(c), html(config_title(c)) > page
    for (i = 1; i <= m; i++) {
      v = ranked[i]
      printf "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
        swatch(v), ms(wall_median[c, v]), times(wall_median[c, v], best_wall[c]), times(wall_median[c, v], floor_wall[c]) > page
    }
  }
  print "</table>" > page
}

function write_summary(    k, c, i, n, vs, v, hyperfine_column, columns) {
  hyperfine_column = (nhyperfine > 0)
  columns = 7 + hyperfine_column
  print "<h2 id=\"summary\">Summary</h2>" > page
  print "<p>Per configuration and variant: successful runs of all runs, the median wall time with the fastest and slowest run, " \
    "the median time in collections and reference-count cascades, the median peak of live bytes and of bytes never reclaimed" \
    (hyperfine_column ? ", and hyperfine's median whole-process wall time" : "") ".</p>" > page
  print "<table class=\"summary\">" > page
  printf "<tr><th>variant</th><th class=\"n\">runs ok</th><th class=\"n\">wall ms</th><th class=\"n\">min-max</th><th class=\"n\">gc ms</th><th class=\"n\">peak live</th><th class=\"n\">leaked</th>%s</tr>\n",
    (hyperfine_column ? "<th class=\"n\">hyperfine ms</th>" : "") > page
  for (k = 1; k <= nconfigs; k++) {
    c = config_order[k]
    printf "<tr class=\"config\"><th colspan=\"%d\"><a href=\"#%s\">%s</a></th></tr>\n", columns, anchor(c), html(config_title(c)) > page
    n = config_variant_list(c, vs)
    for (i = 1; i <= n; i++) {
      v = vs[i]
      if (!((c, v) in total)) continue
      printf "<tr><td>%s</td><td class=\"n%s\">%d/%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
        swatch(v), (ok[c, v] + 0 < total[c, v] ? " bad" : ""), ok[c, v], total[c, v],
        ms(wall_median[c, v]), wall_n[c, v] ? ms(wall_min[c, v]) "-" ms(wall_max[c, v]) : "-",
        gc_median[c, v] == "" ? "-" : ms(gc_median[c, v] / 1e6),
        peak_median[c, v] == "" ? "-" : human_bytes(peak_median[c, v]),
        (leaked_median[c, v] == "" ? "-" : human_bytes(leaked_median[c, v])) > page
      if (hyperfine_column) printf "<td class=\"n\">%s</td>", (((c, v) in hf_median) ? ms(hf_median[c, v]) : "-") > page
      print "</tr>" > page
    }
  }
  print "</table>" > page
}
