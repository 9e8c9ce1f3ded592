# hyperfine's exported JSON (--export-json) as rows of hyperfine.csv, one per
# command, without jq or python: a small JSON reader in POSIX awk (mawk too).
# Use with bench/csv.awk:
#
#   awk -f bench/csv.awk -f bench/hyperfine-json.awk -v workload=W -v size=N -v params=P FILE.json
#
# Prints workload,size,params,variant,runs,mean_ns,stddev_ns,median_ns,min_ns,max_ns
# for each command (named --command-name VARIANT), times in nanoseconds.
# A command with a run that exited non-zero or was killed (hyperfine -i goes
# on) has its runs counted but no figures: they would time a failure. Each
# such command is named on stderr. A file that does not read as hyperfine's
# JSON: a line on stderr, exit status 1.

# Token by token, a line at a time: no JSON token holds a line end (one in
# a string is written \n), so none spans two lines.
BEGIN { depth = 0; results = 0; bad = ""; offset = 0 }
{
  text = $0; at = 1; text_length = length(text)
  while (bad == "" && next_token()) take(token, kind)
  offset += text_length + 1
}

END {
  if (bad == "" && depth != 0) bad = "it ends early"
  if (bad == "" && results == 0) bad = "it holds no results"
  if (bad != "") { printf "heaplab: %s is not hyperfine's JSON: %s\n", FILENAME, bad > "/dev/stderr"; exit 1 }
}

# The next token into `token` and `kind` (punctuation, string, scalar);
# false at the end of the line. Each token is matched in a window of the
# line from `at` (doubled until it holds the token, or the rest): copying
# the whole rest for every token would take quadratic time on a long line,
# and hyperfine's JSON holds a number for every run.
function next_token(    rest, window, found) {
  while (at <= text_length && substr(text, at, 1) ~ /[ \t\r\n]/) at++
  if (at > text_length) return 0
  for (window = 256; ; window *= 2) {
    rest = substr(text, at, window)
    if (match(rest, /^[][{}:,]/)) { kind = "punct"; token = substr(rest, 1, 1); found = 1 }
    else if (match(rest, /^"([^"\\]|\\.)*"/)) { kind = "string"; token = unescape(substr(rest, 2, RLENGTH - 2)); found = 1 }
    else if (match(rest, /^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|true|false|null)/)) { kind = "scalar"; token = substr(rest, 1, RLENGTH); found = 1 }
    else found = 0
    # A match that reaches the window's end may go on past it: look again.
    if ((found && RLENGTH < length(rest)) || at + window > text_length) break
  }
  if (!found) { bad = "unexpected text at byte " offset + at; return 0 }
  at += RLENGTH
  return 1
}

function unescape(s) {
  gsub(/\\"/, "\"", s); gsub(/\\\//, "/", s); gsub(/\\\\/, "\\", s)
  return s
}

# Where a token goes. container[d] is "{" or "[" at depth d; key[d] the
# current key of an object; want_key[d] whether a string there is a key.
# A result is the object at depth 3: { "results": [ { ... } ] }.
function take(token, kind) {
  if (kind == "punct") {
    if (token == "{" || token == "[") {
      value_started()
      container[++depth] = token; want_key[depth] = (token == "{"); key[depth] = ""
      if (depth == 3 && token == "{" && key[1] == "results") start_result()
    } else if (token == "}" || token == "]") {
      if (depth == 0 || (token == "}") != (container[depth] == "{")) { bad = "unbalanced " token; return }
      if (depth == 3 && token == "}" && key[1] == "results") end_result()
      depth--
    } else if (token == ",") want_key[depth] = (container[depth] == "{")
    else if (token == ":") want_key[depth] = 0
    return
  }
  if (depth > 0 && container[depth] == "{" && want_key[depth]) { key[depth] = token; return }
  value_started()
  if (depth == 3 && key[1] == "results") field[key[3]] = token
  else if (depth == 4 && key[1] == "results" && key[3] == "times") times++
  else if (depth == 4 && key[1] == "results" && key[3] == "exit_codes" && token != "0") {
    failures++
    token = token == "null" ? "killed" : "exit " token
    if (index(", " codes ",", ", " token ",") == 0) codes = codes (codes == "" ? "" : ", ") token
  }
}

# A value as an array's element or an object's value: nothing to do but
# check that an object was waiting for a value, not a key.
function value_started() {
  if (depth > 0 && container[depth] == "{" && want_key[depth]) bad = "a value where a key belongs"
}

function start_result() { delete field; times = 0; failures = 0; codes = "" }

function end_result(    variant) {
  results++
  variant = field["command"]
  if (variant == "" || !("mean" in field)) { bad = "a result without a command or a mean"; return }
  if (failures) {
    printf "%s: %d of %d runs failed (%s)\n", variant, failures, times, codes > "/dev/stderr"
    printf "%s,%s,%s,%s,%d,,,,,\n", csv_field(workload), size, csv_field(params), csv_field(variant), times
    return
  }
  printf "%s,%s,%s,%s,%d,%s,%s,%s,%s,%s\n", csv_field(workload), size, csv_field(params), csv_field(variant), times,
    ns(field["mean"]), ns(field["stddev"]), ns(field["median"]), ns(field["min"]), ns(field["max"])
}

# Seconds as whole nanoseconds; null (a stddev of one run) as empty.
function ns(seconds) {
  if (seconds == "null" || seconds == "") return ""
  return sprintf("%.0f", seconds * 1e9)
}
