# shellcheck shell=bash
# CSV rows as bench/sweep writes them (sourced by it): fields quoted when
# they must be, rows appended whole or not at all, a torn last row dropped.
# A results folder can fill up or turn read-only in the middle of a sweep;
# whatever happens, every file keeps only whole rows. Needs bench/printable.bash.

# A CSV field: quoted when it holds a comma, a quote or blanks at its ends.
csv_field() {
  local value=${1//[$'\001'-$'\037']/ }
  if [[ $value == *[,\"]* || $value == [[:space:]]* || $value == *[[:space:]] ]]; then
    value=\"${value//\"/\"\"}\"
  fi
  printf '%s' "$value"
}

# The reason at the end of a tool's error message ("bash: printf: write
# error: No space left on device", "cp: cannot create 'x': Read-only file
# system", "... (os error 28)"), for one line of our own.
failure_reason() { # message
  local reason=${1##*$'\n'}
  reason=${reason##*: }
  reason=${reason% (os error *}
  printf '%s' "${reason:-unknown error}"
}

# A tool's last word: the last line of its stderr that is not blank, at most
# 300 characters; nothing (and no pipeline to start) when it said nothing.
last_line() { # file
  [ -s "$1" ] || return 0
  grep -v '^[[:space:]]*$' "$1" | tail -n 1 | cut -c 1-300
}

# The one line that says a file cannot be written, and why; with
# $write_failure_hint after it (how to go on, once the caller knows).
cannot_write() { # file tool's-message
  echo "heaplab: $(printable "cannot write $1: $(failure_reason "$2")${write_failure_hint:-}")" >&2
}

# Appends one row to a CSV file under a lock (so that parallel runs never
# interleave), as one write. A write that fails partway (a full disk, a file
# size limit) is cut back to where the file ended, so no torn row is left.
# On failure: one line on stderr naming the file and the reason, status 1.
append_row() { # file row
  local file=$1 row=$2 error
  # shellcheck disable=SC2094 # the size is read before the write, under the lock
  error=$(
    exec 2>&1
    {
      flock 9 && size=$(stat -c %s -- "$file") &&
        { printf '%s\n' "$row" >&9 || { truncate -s "$size" -- "$file"; false; }; }
    } 9>>"$file"
  ) && return 0
  cannot_write "$file" "$error"
  return 1
}

# Writes a whole file from a command's output: under a temporary name, then
# renamed, so that the file is either what it was or all of the new text.
# On failure: one line on stderr naming the file and the reason, status 1.
write_file() { # file command...
  local file=$1 error
  shift
  error=$({ "$@" >"$file.tmp.$$" && mv -f -- "$file.tmp.$$" "$file"; } 2>&1) && return 0
  rm -f -- "$file.tmp.$$"
  cannot_write "$file" "$error"
  return 1
}

# A last line with no newline is a row torn by a sweep killed while writing
# it: cut off (in place: a full disk has no room for a copy).
drop_torn_row() { # file
  local file=$1 last error
  [ -s "$file" ] || return 0
  [ -z "$(tail -c 1 "$file")" ] && return 0
  last=$(tail -n 1 "$file" | wc -c)
  error=$(truncate -s $(($(stat -c %s -- "$file") - last)) -- "$file" 2>&1) && return 0
  cannot_write "$file" "$error"
  return 1
}
