# CSV in awk, for the sweep's scripts and plots/csv.awk: a row split with quotes in mind (the
# error column holds commas), a field quoted when it must be. Plain POSIX awk
# (mawk, the default on Debian, included).

# Splits a row into out[1..n]; returns n. Sets csv_quote_left_open when the
# row ends inside a quoted field (a damaged row, for readers that care).
function split_csv(line, out,    n, i, c, field, quoted) {
  csv_quote_left_open = 0
  # Most rows quote nothing: split whole, not a character at a time.
  if (index(line, "\"") == 0) return split(line, out, ",")
  n = 0; field = ""; quoted = 0
  for (i = 1; i <= length(line); i++) {
    c = substr(line, i, 1)
    if (quoted) {
      if (c == "\"") {
        if (substr(line, i + 1, 1) == "\"") { field = field "\""; i++ } else quoted = 0
      } else field = field c
    } else if (c == "\"") quoted = 1
    else if (c == ",") { out[++n] = field; field = "" }
    else field = field c
  }
  out[++n] = field
  csv_quote_left_open = quoted
  return n
}

# A field as CSV: quoted when it holds a comma, a quote or blanks at its ends.
function csv_field(value) {
  if (value !~ /[,"]/ && value !~ /^[ \t]/ && value !~ /[ \t]$/) return value
  gsub(/"/, "\"\"", value)
  return "\"" value "\""
}
