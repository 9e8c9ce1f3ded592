# Reading the result files (with bench/csv.awk and bench/sort.awk): CSV with quoted fields, columns found by their
# header names (columns come and go between versions of the harness), and
# numbers that are checked before they are used.

# Splits one CSV line into out[1..n] (bench/csv.awk's split_csv, with a
# fast path for lines without quotes); returns n. An unterminated quote
# returns -1: a damaged row.
function csv_split(line, out,    n) {
  if (index(line, "\"") == 0) return split(line, out, ",")
  delete out
  n = split_csv(line, out)
  return csv_quote_left_open ? -1 : n
}

# Reads a header line into columns[name] = position; returns the number of
# columns, or -1 when a name is given twice (which column would be meant?).
function csv_header(line, columns,    names, n, i, name) {
  sub(/\r$/, "", line)
  n = csv_split(line, names)
  for (i = 1; i <= n; i++) {
    name = names[i]
    gsub(/^[ \t]+|[ \t]+$/, "", name)
    if (name == "") continue
    if (name in columns) { duplicate_column = name; return -1 }
    columns[name] = i
  }
  return n
}

# The columns of a list (comma-separated) that a header lacks, or "".
function missing_columns(columns, wanted,    list, n, i, missing) {
  n = split(wanted, list, ",")
  missing = ""
  for (i = 1; i <= n; i++)
    if (!(list[i] in columns)) missing = missing (missing == "" ? "" : ", ") list[i]
  return missing
}

# A field by column name; "" when the file has no such column.
function field(fields, columns, name) {
  return (name in columns) ? fields[columns[name]] : ""
}

# A decimal number (no NaN, no inf, nothing else) within what the plots can
# scale: at most 1e300 either way (1e400 reads as inf, and a figure near the
# largest double overflows once a margin is added to its axis).
function is_number(text) {
  return is_numeral(text) && in_range(text + 0)
}
function is_numeral(text) {
  return text ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}
function in_range(value) {
  return value == value && value <= 1e300 && value >= -1e300
}

# Sorts list[1..n] as numbers, ascending (bench/sort.awk: O(n log n)).
function sort_numbers(list, n,    unused) { sort_list(list, n, "n", unused, 0) }

# Sorts list[1..n] as strings, ascending (the C locale's byte order).
function sort_strings(list, n,    unused) { sort_list(list, n, "s", unused, 0) }

# The median of sorted list[1..n] (n > 0).
function median_of_sorted(list, n,    half) {
  half = int((n + 1) / 2)
  return n % 2 ? list[half] : (list[half] + list[half + 1]) / 2
}
