# shellcheck shell=bash
# Text from arguments and files as a message may show it: on one line, and
# unable to drive the terminal. C0 control characters, DEL and C1 ones as
# UTF-8 (U+0080..U+009F, which some terminals obey) become '?'; other bytes,
# UTF-8 letters among them, stay. Byte-wise: the scripts run under LC_ALL=C.
printable() { # text -> stdout, no newline
  local text=${1//[$'\001'-$'\037'$'\177']/?}
  printf '%s' "${text//$'\302'[$'\200'-$'\237']/?}"
}
