# heaplab's build matrix. Collectors (impl/gc/*.c) and allocators
# (impl/alloc/*.c) are discovered from their files: every pair is a variant
# with its own harness binary, build/bin/heaplab-<collector>+<allocator>.
#
#   make            build every variant
#   make test       every test, in the normal build and again built with
#                   AddressSanitizer + UBSan (installs missing packages as root)
#   make check      the tests in the normal build only
#   make asan       the tests in the sanitizer build only (build/asan)
#   make perf       the collectors' performance benchmark (ratios from one run)
#   make scaling    each workload's cost per object at 1x, 10x, 100x its default
#                   size (SCALING_VARIANT, SCALING_FACTORS; minutes, not CI)
#   make soak       every workload on every variant in stress and verify mode,
#                   SOAK_MINUTES (30) in all; violations and memory (not CI)
#   make fuzz       the heap-operations fuzzer, each variant for FUZZ_SECONDS
#   make allocbench every allocator back end on three allocation patterns
#   make overhead   what the metrics cost: each harness against one built
#                   without them (-DHEAPLAB_NO_METRICS), interleaved runs
#   make targets    every performance target, each with its figure and ok or
#                   MISSED (bench/targets; minutes); SMOKE=1 at tiny sizes
#   make deps       install (as root) or name the missing Debian packages

ifeq ($(origin CC),default)
CC := gcc
endif
BUILD ?= build
MODE ?= release

ifeq ($(MODE),asan)
OPTFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
# LTO lets the interface's small functions inline into the workloads.
OPTFLAGS := -O2 -g -flto=auto
endif
# The release build with every cascade also timed in full, to judge the
# estimate of its first objects (tests/cascades.sh).
ifeq ($(MODE),audit)
OPTFLAGS += -DHEAPLAB_CASCADE_AUDIT
endif
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARNINGS) -Iimpl -Iharness -MMD -MP
LDFLAGS := $(OPTFLAGS)
LDLIBS := -lm

GCS := $(sort $(basename $(notdir $(wildcard impl/gc/*.c))))
ALLOCS := $(sort $(basename $(notdir $(wildcard impl/alloc/*.c))))
WORKLOADS := $(sort $(basename $(notdir $(wildcard harness/workloads/*.c))))

# What a source file says of its build, in lines of its own (docs/collectors.md):
#   // link: -lfoo                 libraries it needs (a collector or a back end)
#   // build: reclaims-nothing     a collector that never frees: may pair with
#   // build: never-frees          a back end whose free does nothing (bump)
#   // allocator: NAME             a collector that brings its own allocator,
#                                  built once as COLLECTOR+NAME
#   // allocators: NAME...         a collector that pairs with these back ends only
#   // cflags: -I...               compiler flags its file needs (a library's headers)
file_says = $(shell sed -n 's|^// $(2): ||p' $(1))
$(foreach f,$(GCS),$(eval GC_BUILD_$(f) := $(call file_says,impl/gc/$(f).c,build)) \
  $(eval GC_ALLOCATOR_$(f) := $(call file_says,impl/gc/$(f).c,allocator)) \
  $(eval GC_ALLOCATORS_$(f) := $(call file_says,impl/gc/$(f).c,allocators)) \
  $(eval GC_CFLAGS_$(f) := $(call file_says,impl/gc/$(f).c,cflags)) \
  $(eval GC_LINK_$(f) := $(call file_says,impl/gc/$(f).c,link)))
$(foreach f,$(ALLOCS),$(eval ALLOC_BUILD_$(f) := $(call file_says,impl/alloc/$(f).c,build)) \
  $(eval ALLOC_LINK_$(f) := $(call file_says,impl/alloc/$(f).c,link)))
FREEING_ALLOCS := $(foreach a,$(ALLOCS),$(if $(filter never-frees,$(ALLOC_BUILD_$(a))),,$(a)))
# The back ends a collector pairs with: its own, or every one that suits it.
gc_allocators = $(or $(GC_ALLOCATOR_$(1)),$(GC_ALLOCATORS_$(1)),$(if $(filter reclaims-nothing,$(GC_BUILD_$(1))),$(ALLOCS),$(FREEING_ALLOCS)))
VARIANTS := $(foreach g,$(GCS),$(foreach a,$(call gc_allocators,$(g)),$(g)+$(a)))
# A variant's own sources (no back end file for a collector with its own
# allocator) and libraries.
variant_sources = impl/gc/$(1).c $(if $(GC_ALLOCATOR_$(1)),,impl/alloc/$(2).c)
variant_libs = $(GC_LINK_$(1)) $(if $(GC_ALLOCATOR_$(1)),,$(ALLOC_LINK_$(2)))
# What a collector's own tests run over: malloc, or its own allocator, or the
# first it pairs with.
test_allocator = $(or $(GC_ALLOCATOR_$(1)),$(firstword $(GC_ALLOCATORS_$(1))),malloc)

objects = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

IMPL_COMMON := $(call objects,$(wildcard impl/*.c))
WORKLOAD_OBJS := $(call objects,$(wildcard harness/workloads/*.c) harness/workload.c) $(BUILD)/obj/gen/workloads.o
HARNESS_OBJS := $(call objects,$(filter-out harness/workload.c,$(wildcard harness/*.c))) $(WORKLOAD_OBJS) \
                $(BUILD)/obj/gen/buildinfo.o
BINARIES := $(addprefix $(BUILD)/bin/heaplab-,$(VARIANTS))
# The same harness with metrics compiled out: the heap gets no listener.
NO_METRICS_OBJS := $(filter-out $(BUILD)/obj/harness/main.o,$(HARNESS_OBJS)) $(BUILD)/obj/harness/main-nometrics.o

# Programs the front end runs that are not variants: outside bin/, whose
# heaplab-* are the variants.
TOOLS := $(BUILD)/tools/heaplab-compare

all: $(BINARIES) $(TOOLS)

# A generated file replaced only when its text changes (so that what
# depends on it is not rebuilt for nothing): the recipe's text goes to a
# temporary file named after the shell's process, so that two makes started
# together in one build folder never write or move each other's.
# $(call replace_if_changed,COMMAND) in a recipe, as its only line ($(comma)
# for a comma in COMMAND).
comma := ,
replace_if_changed = tmp=$@.tmp.$$$$; { $(1); } > $$tmp && { cmp -s $$tmp $@ && rm -f $$tmp || mv -f $$tmp $@; } || { rm -f $$tmp; false; }

# The compiler and flags this folder is built with, rewritten only when they
# change: objects depend on it, so building a folder in another MODE rebuilds
# it whole instead of linking objects of two modes together.
FLAGS_STAMP := $(BUILD)/gen/flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@$(call replace_if_changed,echo '$(CC) $(subst ','\'',$(CFLAGS))')

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(foreach g,$(GCS),$(if $(GC_CFLAGS_$(g)),$(eval $(BUILD)/obj/impl/gc/$(g).o: CFLAGS += $(GC_CFLAGS_$(g)))))

$(BUILD)/obj/harness/main-nometrics.o: harness/main.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DHEAPLAB_NO_METRICS -c $< -o $@

# The workload registry, rewritten only when the set of workloads changes.
$(BUILD)/gen/workloads.c: FORCE
	@mkdir -p $(@D)
	@$(call replace_if_changed,echo '#include "workload.h"'; \
	   for w in $(WORKLOADS); do echo "extern const workload workload_$$w;"; done; \
	   echo 'const workload *const all_workloads[] = {'; \
	   for w in $(WORKLOADS); do echo "    &workload_$$w$(comma)"; done; \
	   echo '    0$(comma)'; echo '};')
$(BUILD)/obj/gen/workloads.o: $(BUILD)/gen/workloads.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# How the harness is built (compiler, flags, commit) for every summary,
# rewritten only when that changes.
$(BUILD)/gen/buildinfo.c: FORCE
	@mkdir -p $(@D)
	@$(call replace_if_changed,scripts/buildinfo '$(CC)' '$(subst ','\'',$(filter-out -MMD -MP,$(CFLAGS)))')
$(BUILD)/obj/gen/buildinfo.o: $(BUILD)/gen/buildinfo.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The heap-operations fuzzer (tests/fuzz_heap.c): libFuzzer builds for
# `make fuzz`, and replay builds that run the committed corpus in the tests.
FUZZ_BUILD := build/fuzz
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iimpl
FUZZ_SECONDS ?= 60
# Built in one step, without dependency files: every header they may include.
FUZZ_HEADERS := $(wildcard impl/*.h impl/gc/*.h impl/alloc/*.h tests/*.h)

define variant
$(BUILD)/bin/heaplab-$(1)+$(2): $(HARNESS_OBJS) $(call objects,$(call variant_sources,$(1),$(2))) $(IMPL_COMMON)
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(call variant_libs,$(1),$(2)) $(LDLIBS)

$(BUILD)/tests/conformance-$(1)+$(2): $(call objects,tests/conformance.c harness/cli.c) $(WORKLOAD_OBJS) $(call objects,$(call variant_sources,$(1),$(2))) $(IMPL_COMMON)
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(call variant_libs,$(1),$(2)) -lcmocka $(LDLIBS)

$(BUILD)/overhead/heaplab-$(1)+$(2): $(BUILD)/bin/heaplab-$(1)+$(2)
	@mkdir -p $$(@D)
	cp $$< $$@

$(BUILD)/overhead/heaplab-$(1)+$(2)-nometrics: $(NO_METRICS_OBJS) $(call objects,$(call variant_sources,$(1),$(2))) $(IMPL_COMMON)
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(call variant_libs,$(1),$(2)) $(LDLIBS)

$(BUILD)/tests/fuzz-replay-$(1)+$(2): tests/fuzz_heap.c $(call variant_sources,$(1),$(2)) $(wildcard impl/*.c) $(FUZZ_HEADERS)
	@mkdir -p $$(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(GC_CFLAGS_$(1)) -DHEAPLAB_FUZZ_REPLAY $$(filter %.c,$$^) -o $$@ $(call variant_libs,$(1),$(2)) $(LDLIBS)

$(FUZZ_BUILD)/fuzz-$(1)+$(2): tests/fuzz_heap.c $(call variant_sources,$(1),$(2)) $(wildcard impl/*.c) $(FUZZ_HEADERS)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(GC_CFLAGS_$(1)) $$(filter %.c,$$^) -o $$@ $(call variant_libs,$(1),$(2))

$(BUILD)/bin/perf-$(1)+$(2): $(call objects,bench/perf.c) $(WORKLOAD_OBJS) $(call objects,$(call variant_sources,$(1),$(2))) $(IMPL_COMMON)
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(call variant_libs,$(1),$(2)) $(LDLIBS)

$(BUILD)/bin/soak-$(1)+$(2): $(call objects,bench/soak.c harness/cli.c) $(WORKLOAD_OBJS) $(call objects,$(call variant_sources,$(1),$(2))) $(IMPL_COMMON)
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(call variant_libs,$(1),$(2)) $(LDLIBS)
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(firstword $(subst +, ,$(v))),$(lastword $(subst +, ,$(v))))))

# Unit tests of one collector (over malloc, with what collectors share) or of
# one allocator (alone): tests/test_<name>.c.
define unit_test
$(BUILD)/tests/test_$(1): $(call objects,tests/test_$(1).c $(2))
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ $(3) -lcmocka $(LDLIBS)
endef
$(foreach g,$(GCS),$(if $(wildcard tests/test_$(g).c),$(eval $(call unit_test,$(g),$(call variant_sources,$(g),$(call test_allocator,$(g))) $(wildcard impl/*.c),$(call variant_libs,$(g),$(call test_allocator,$(g)))))))
$(foreach a,$(ALLOCS),$(if $(wildcard tests/test_$(a).c),$(eval $(call unit_test,$(a),impl/alloc/$(a).c impl/knob.c,$(ALLOC_LINK_$(a))))))

# Two sweeps' results compared: ratios of medians with bootstrap intervals.
$(BUILD)/tools/heaplab-compare: $(call objects,bench/compare.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The allocator benchmark: one binary per back end, run interleaved by bench/allocbench.
# A back end that never frees has nothing to show on patterns that free.
$(BUILD)/bin/allocbench-%: $(call objects,bench/allocbench.c impl/knob.c) $(BUILD)/obj/impl/alloc/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(ALLOC_LINK_$*) $(LDLIBS)
ALLOCBENCH := $(addprefix $(BUILD)/bin/allocbench-,$(FREEING_ALLOCS))

# The harness's metrics: histogram, pause log and MMU, memory curve, tick clock.
$(eval $(call unit_test,metrics,harness/histogram.c harness/pauses.c harness/series.c harness/metrics.c harness/stability.c impl/alloc/malloc.c))

# The harness's reachability pass against each collector (over malloc): garbage known exactly.
define reachable_test
$(BUILD)/tests/test_reachable-$(1): $(call objects,tests/test_reachable.c harness/reachable.c $(call variant_sources,$(1),$(call test_allocator,$(1))) $(wildcard impl/*.c))
	@mkdir -p $$(@D)
	$(CC) $(LDFLAGS) $$^ -o $$@ -lcmocka $(call variant_libs,$(1),$(call test_allocator,$(1))) $(LDLIBS)
endef
$(foreach g,$(GCS),$(eval $(call reachable_test,$(g))))

UNIT_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(foreach n,$(GCS) $(ALLOCS),$(wildcard tests/test_$(n).c))) \
              $(BUILD)/tests/test_metrics $(addprefix $(BUILD)/tests/test_reachable-,$(GCS))
CONFORMANCE := $(addprefix $(BUILD)/tests/conformance-,$(VARIANTS)) $(addprefix $(BUILD)/tests/fuzz-replay-,$(VARIANTS))

deps:
	@scripts/install-deps

JOBS ?= $(shell nproc 2>/dev/null || echo 2)

ASAN_BUILD := build/asan

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all tests
	@$(MAKE) --no-print-directory -j$(JOBS) MODE=asan BUILD=$(ASAN_BUILD) all tests
	@tests/run $(BUILD) $(ASAN_BUILD)

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all tests
	@tests/run $(BUILD)

asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) MODE=asan BUILD=$(ASAN_BUILD) all tests
	@tests/run $(ASAN_BUILD)

tests: $(UNIT_TESTS) $(CONFORMANCE)

# CPython's own gc.collect() on perf's shapes, from the embedded interpreter.
$(BUILD)/obj/bench/cpython_gc.o: CFLAGS += -I/usr/include/python3.11
$(BUILD)/bin/cpython-gc: $(call objects,bench/cpython_gc.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ -lpython3.11 $(LDLIBS)

# GCBench in plain C under Boehm GC or malloc: a yardstick for the gcbench workload.
$(BUILD)/bin/gcbench-boehm: bench/gcbench_boehm.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARNINGS) $< -o $@ -lgc

gcbench-boehm: deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/gcbench-boehm

# make fuzz [VARIANTS="rc+malloc ..."] [FUZZ_SECONDS=600]: fuzz each variant
# in turn, starting from the committed corpus; new inputs stay in build/fuzz.
fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "heaplab: make fuzz needs clang (apt-get install -y clang)" >&2; exit 1; }
	@$(MAKE) --no-print-directory -j$(JOBS) $(addprefix $(FUZZ_BUILD)/fuzz-,$(VARIANTS))
	@for v in $(VARIANTS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus-$$v && cp -n tests/fuzz-corpus/* $(FUZZ_BUILD)/corpus-$$v/ 2>/dev/null; \
	  echo "== fuzzing $$v for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz-$$v -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$v- $(FUZZ_BUILD)/corpus-$$v 2>&1 | \
	    grep -E '^#[0-9]+.*DONE|stat::|ERROR|SUMMARY|heaplab' || exit 1; \
	done

allocbench-binaries: $(ALLOCBENCH)

allocbench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) allocbench-binaries
	@bench/allocbench --bin $(BUILD)/bin

perf: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/bin/perf-rc+malloc $(BUILD)/bin/perf-rcgen+malloc $(BUILD)/bin/perf-marksweep+malloc $(BUILD)/bin/cpython-gc
	@bench/perf $(BUILD)/bin

# make soak [SOAK_MINUTES=30] [VARIANTS="rc+malloc ..."]: long, so outside `make test`.
SOAK_MINUTES ?= 30
SOAK_BINARIES := $(addprefix $(BUILD)/bin/soak-,$(VARIANTS))

soak-binaries: $(SOAK_BINARIES)

soak: deps
	@$(MAKE) --no-print-directory -j$(JOBS) soak-binaries
	@bench/soak --bin $(BUILD)/bin $(SOAK_MINUTES) $(VARIANTS)

# make scaling [SCALING_VARIANT=rcgen+malloc] [SCALING_FACTORS=1,10,100] [SCALING_RUNS=3]:
# each workload's cost per allocated object as its size grows; long (the 100x runs).
SCALING_VARIANT ?= rcgen+malloc
SCALING_FACTORS ?= 1,10,100
SCALING_RUNS ?= 3

scaling: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(BUILD)/bin/heaplab-$(SCALING_VARIANT)
	@bench/scaling --bin $(BUILD)/bin --variant $(SCALING_VARIANT) --factors $(SCALING_FACTORS) --runs $(SCALING_RUNS)

OVERHEAD_VARIANTS := rc+malloc rcgen+malloc marksweep+malloc
OVERHEAD_BINARIES := $(foreach v,$(OVERHEAD_VARIANTS),$(BUILD)/overhead/heaplab-$(v) $(BUILD)/overhead/heaplab-$(v)-nometrics)

overhead-binaries: $(OVERHEAD_BINARIES)

overhead: deps
	@$(MAKE) --no-print-directory -j$(JOBS) overhead-binaries
	@bench/overhead $(BUILD)/overhead $(OVERHEAD_VARIANTS)

# Everything bench/targets runs: perf, allocbench, overhead, GCBench beside
# Boehm GC, the release policy and a short scaling check.
TARGETS_BINARIES := $(BUILD)/bin/perf-rc+malloc $(BUILD)/bin/perf-rcgen+malloc $(BUILD)/bin/perf-marksweep+malloc \
  $(BUILD)/bin/cpython-gc $(ALLOCBENCH) $(OVERHEAD_BINARIES) $(BUILD)/bin/gcbench-boehm \
  $(BUILD)/bin/heaplab-marksweep+pool $(BUILD)/bin/heaplab-$(SCALING_VARIANT) \
  $(BUILD)/bin/heaplab-rcgen+pymalloc $(BUILD)/bin/heaplab-cpython+pymalloc $(BUILD)/bin/heaplab-bdw+bdw

targets: deps
	@$(MAKE) --no-print-directory -j$(JOBS) $(TARGETS_BINARIES)
	@bench/targets --build $(BUILD) $(if $(filter-out 0,$(SMOKE)),--smoke)

clean:
	rm -rf build

FORCE:
.PHONY: all deps test check tests asan fuzz perf scaling soak soak-binaries allocbench allocbench-binaries overhead overhead-binaries gcbench-boehm targets clean FORCE
.DELETE_ON_ERROR:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
