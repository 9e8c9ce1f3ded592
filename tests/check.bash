# shellcheck shell=bash
# What the command-line checks (tests/*.sh) share, sourced first thing:
#     . "$(dirname "$0")/check.bash"
# They run from the repository root with a scratch folder, $dir, removed at
# exit; check() counts; checks_done prints the line tests/run reads.
set -uo pipefail
# The checks' own figures, whatever the locale they are run in (tests/locale.sh
# sets one for the commands it tests).
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

check() { # description command...
  local what=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

# "N passed, N failed"; its status says whether every check passed.
checks_done() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
