# shellcheck shell=bash
# The workloads and their parts, read from the harness's --list and
# --describe text: sourced by bench/sweep and bench/scaling, which set
# describe_exe to a harness binary (every one knows every workload). Each
# workload is described once.
# shellcheck disable=SC2154 # describe_exe: set by whoever sources this
# Every workload's name: the first of --list's tab-separated fields.
workload_names() { "$describe_exe" --list | cut -f1; }
declare -A describe_cache=()
describe() { # workload -> cached --describe text
  [ -n "${describe_cache[$1]+x}" ] || describe_cache[$1]=$("$describe_exe" --describe "$1")
  printf '%s\n' "${describe_cache[$1]}"
}
# The size line is the one with the range after it (the small run's line
# starts with --size too).
default_size() { describe "$1" | sed -n 's/^  --size=\([0-9]*\)  (.*/\1/p'; }
max_size() { describe "$1" | sed -n 's/^  --size=[0-9]*  ([0-9]*\.\.\([0-9]*\)).*/\1/p'; }
# The workload's parameters as name=default lines, in the harness's order.
param_defaults() { describe "$1" | sed -n '/^parameters:/,/^[^ ]/s/^  --\([a-z0-9-]*\)=\([^ ]*\) .*/\1=\2/p'; }
small_args() { describe "$1" | sed -n '/^small run/{n;s/^  //p;}'; }
# A variant's trait (impl/object.h), as its harness's --knobs prints it
# ("reclaims", "frees-at-last-reference", ...).
# shellcheck disable=SC2154 # bin: set by whoever sources this
variant_trait() { "$bin/heaplab-$1" --knobs | sed -n "s/^  $2: //p"; }
