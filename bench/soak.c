/*
 * The soak, linked against one variant: a long mixed run in one process.
 * Round after round until SECONDS have passed, every workload runs at its
 * small size (its small_args) on a fresh heap in verify mode, twice, with the
 * round's seed and two different stress intervals. Stress intervals rotate
 * over 1, 7, 61 and off, so that each workload meets every one of them every
 * four rounds; the seed is the round's number.
 *
 *   soak-VARIANT SECONDS
 *
 * After each run, with its heap destroyed, a check that fails is a
 * violation (counted, the first few printed, and the soak goes on):
 *   - the root stack is back to empty (a workload must leave it as found);
 *   - the books balance, in heap_stats before and in the leak report after
 *     heap_destroy: allocated = freed + live, allocated = freed + leaked;
 *   - nothing leaked, for a cycle-collecting variant or an acyclic workload;
 *   - the two runs of a round agree on the checksum, the objects allocated
 *     and the objects leaked: the stress interval must change nothing.
 * Verify mode aborts on a heap violation; the process then dies saying which
 * run it was in and how to repeat it.
 *
 * Memory: after each round, with every heap destroyed, the process's RSS and
 * the allocator's footprint are sampled. The baseline is the end of round 2
 * (round 1 is the first touch of everything: allocator and verify tables,
 * stdio); at least three rounds run. Memory returned when the last round's
 * RSS and footprint are each within max(10% of the baseline, 4 MiB) above it.
 * Under AddressSanitizer memory is reported but not judged (`n/a`): its
 * quarantine holds freed blocks back on purpose, and RSS grows by its size;
 * nor under a back end that never frees (alloc_frees false).
 *
 * Output: violations as `soak VARIANT violation ...` lines, then one line,
 *   soak VARIANT seconds S rounds R runs N violations V rss_baseline_bytes ...
 * Exit status: 0 all well, 1 violations or memory not returned, 2 bad usage.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "alloc.h"
#include "cli.h"
#include "object.h"
#include "workload.h"

static const uint64_t STRESS_INTERVALS[] = {1, 7, 61, 0}; /* 0: no stress collections */
#define STRESS_COUNT (sizeof STRESS_INTERVALS / sizeof STRESS_INTERVALS[0])
#define BASELINE_ROUND 2
#define MIN_ROUNDS (BASELINE_ROUND + 1)
#define TOLERANCE_FLOOR_BYTES (UINT64_C(4) << 20)
#define TOLERANCE_PERCENT 10
#define VIOLATIONS_PRINTED 10

static char variant[128];
static uint64_t violations;

/* What the current run is, written on a crash (async-signal-safe: prepared
 * before the run, written with write(2) alone). */
static char crash_context[1024];
static size_t crash_context_length;
static struct sigaction previous_actions[NSIG];
static const int CRASH_SIGNALS[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};

static void write_crash_context(void) {
    ssize_t written = write(STDERR_FILENO, crash_context, crash_context_length);
    (void)written;
}

static void on_crash(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    write_crash_context();
    /* Hand the signal back to whoever had it (the default, or a sanitizer's
     * report). A fault recurs on return; a signal that was sent (abort's
     * included) is sent again, and arrives once this handler returns. */
    sigaction(signal_number, &previous_actions[signal_number], NULL);
    if (info->si_code <= 0) raise(signal_number);
}

static void catch_crashes(void) {
    struct sigaction action = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO};
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof CRASH_SIGNALS / sizeof CRASH_SIGNALS[0]; i++)
        sigaction(CRASH_SIGNALS[i], &action, &previous_actions[CRASH_SIGNALS[i]]);
#if defined(__SANITIZE_ADDRESS__)
    /* A sanitizer's report ends the process without a signal. */
    __sanitizer_set_death_callback(write_crash_context);
#endif
}

typedef struct run_id {
    uint64_t round, number; /* number: runs so far in the soak, this one included */
    const workload *workload;
    uint64_t seed, stress;
} run_id;

/* The harness's command line for one run: small_args, then the seed and mode. */
static void describe_command(const run_id *id, char *text, size_t size) {
    char stress[48] = "";
    if (id->stress) snprintf(stress, sizeof stress, " --stress=%llu", (unsigned long long)id->stress);
    snprintf(text, size, "./heaplab run %s %s %s --seed=%llu%s --verify", variant, id->workload->name,
             id->workload->small_args ? id->workload->small_args : "", (unsigned long long)id->seed, stress);
}

static void prepare_crash_context(const run_id *id) {
    char command[512];
    describe_command(id, command, sizeof command);
    int n = snprintf(crash_context, sizeof crash_context, "soak %s crashed in round %llu, run %llu: %s\n", variant,
                     (unsigned long long)id->round, (unsigned long long)id->number, command);
    crash_context_length = n < 0 ? 0 : (size_t)n < sizeof crash_context ? (size_t)n : sizeof crash_context - 1;
}

__attribute__((format(printf, 2, 3))) static void violation(const run_id *id, const char *format, ...) {
    if (violations++ >= VIOLATIONS_PRINTED) return;
    printf("soak %s violation round %llu workload %s seed %llu stress %llu: ", variant, (unsigned long long)id->round,
           id->workload->name, (unsigned long long)id->seed, (unsigned long long)id->stress);
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
    fflush(stdout); /* a later crash must not take it along */
}

typedef struct run_result {
    uint64_t checksum;
    heap_leak_report leaks;
} run_result;

/* One run as tests/conformance.c makes it: the workload's small run through
 * the harness's own parser with the round's seed; verify mode, the given stress. */
static run_result run_once(const run_id *id) {
    const workload *w = id->workload;
    run_options options;
    cli_parse_small_run(w, id->seed, &options);
    options.config.verify = true;
    options.config.stress_interval = id->stress;

    prepare_crash_context(id);
    heap *h = heap_create(&options.config);
    if (!h) {
        fprintf(stderr, "soak %s: cannot create a heap\n", variant);
        exit(1);
    }
    run_result result = {.checksum = w->run(h, &options.args)};
    size_t depth = root_depth(h);
    if (depth) violation(id, "root stack %zu deep after the run, expected 0", depth);
    heap_stats stats;
    heap_stats_get(h, &stats);
    if (stats.objects_allocated != stats.objects_freed + stats.live_objects ||
        stats.bytes_allocated != stats.bytes_freed + stats.live_bytes)
        violation(id, "heap_stats books do not balance: objects %llu != %llu freed + %llu live, bytes %llu != %llu + %llu",
                  (unsigned long long)stats.objects_allocated, (unsigned long long)stats.objects_freed,
                  (unsigned long long)stats.live_objects, (unsigned long long)stats.bytes_allocated,
                  (unsigned long long)stats.bytes_freed, (unsigned long long)stats.live_bytes);
    heap_destroy(h, &result.leaks);
    const heap_leak_report *r = &result.leaks;
    if (r->objects_allocated != r->objects_freed + r->objects_leaked ||
        r->bytes_allocated != r->bytes_freed + r->bytes_leaked)
        violation(id, "leak report books do not balance: objects %llu != %llu freed + %llu leaked, bytes %llu != %llu + %llu",
                  (unsigned long long)r->objects_allocated, (unsigned long long)r->objects_freed,
                  (unsigned long long)r->objects_leaked, (unsigned long long)r->bytes_allocated,
                  (unsigned long long)r->bytes_freed, (unsigned long long)r->bytes_leaked);
    bool may_leak = gc_traits.reclaims == GC_RECLAIMS_NOTHING ||
                    (gc_traits.reclaims == GC_RECLAIMS_ACYCLIC && w->cyclic) || !gc_traits.exact_books;
    if (!may_leak && (r->objects_leaked || r->bytes_leaked))
        violation(id, "leaked %llu objects (%llu bytes); this variant on this workload must leak none",
                  (unsigned long long)r->objects_leaked, (unsigned long long)r->bytes_leaked);
    return result;
}

/* The second run of a pair against the first: same seed, other stress. */
static void compare_runs(const run_id *id, const run_result *first, uint64_t first_stress, const run_result *second) {
    if (second->checksum != first->checksum)
        violation(id, "checksum %016llx, but %016llx under stress %llu", (unsigned long long)second->checksum,
                  (unsigned long long)first->checksum, (unsigned long long)first_stress);
    if (second->leaks.objects_allocated != first->leaks.objects_allocated)
        violation(id, "allocated %llu objects, but %llu under stress %llu",
                  (unsigned long long)second->leaks.objects_allocated,
                  (unsigned long long)first->leaks.objects_allocated, (unsigned long long)first_stress);
    if (second->leaks.objects_leaked != first->leaks.objects_leaked)
        violation(id, "leaked %llu objects, but %llu under stress %llu", (unsigned long long)second->leaks.objects_leaked,
                  (unsigned long long)first->leaks.objects_leaked, (unsigned long long)first_stress);
}

/* Resident bytes, from /proc/self/statm (read by hand: no allocation, so
 * the sample does not disturb what it measures). */
static uint64_t rss_bytes(void) {
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[128];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = '\0';
    const char *p = strchr(text, ' ');
    if (!p) return 0;
    return strtoull(p + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

typedef struct memory_figure {
    uint64_t baseline, end, max;
} memory_figure;

static void memory_note(memory_figure *m, uint64_t round, uint64_t bytes) {
    if (round == BASELINE_ROUND) m->baseline = bytes;
    m->end = bytes;
    if (bytes > m->max) m->max = bytes;
}

static bool memory_returned(const memory_figure *m) {
    uint64_t tolerance = m->baseline / 100 * TOLERANCE_PERCENT;
    if (tolerance < TOLERANCE_FLOOR_BYTES) tolerance = TOLERANCE_FLOOR_BYTES;
    return m->end <= m->baseline + tolerance;
}

int main(int argc, char **argv) {
    snprintf(variant, sizeof variant, "%s+%s", gc_name, alloc_name);
    if (argc != 2) {
        fprintf(stderr, "usage: %s SECONDS\n", argv[0]);
        return EXIT_BAD_INPUT;
    }
    uint64_t seconds = cli_parse_count(argv[1], "SECONDS", 1, UINT64_C(1) << 32);
    catch_crashes();

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    memory_figure rss = {0}, footprint = {0};
    uint64_t round = 0, runs = 0;
    while (round < MIN_ROUNDS || seconds_since(&start) < (double)seconds) {
        round++;
        for (size_t i = 0; all_workloads[i]; i++) {
            run_id id = {.round = round, .workload = all_workloads[i], .seed = round};
            run_result first = {0};
            uint64_t first_stress = 0;
            for (size_t pass = 0; pass < 2; pass++) {
                id.stress = STRESS_INTERVALS[(round + i + pass) % STRESS_COUNT];
                id.number = ++runs;
                run_result result = run_once(&id);
                if (pass == 0) first = result, first_stress = id.stress;
                else compare_runs(&id, &first, first_stress, &result);
            }
        }
        memory_note(&rss, round, rss_bytes());
        memory_note(&footprint, round, alloc_footprint());
    }

#if defined(__SANITIZE_ADDRESS__)
    const bool judged = false;
#else
    /* A back end whose free does nothing (bump) never gives memory back. */
    const bool judged = alloc_frees;
#endif
    bool returned = !judged || (memory_returned(&rss) && memory_returned(&footprint));
    printf("soak %s seconds %.0f rounds %llu runs %llu violations %llu baseline_round %d "
           "rss_baseline_bytes %llu rss_end_bytes %llu rss_max_bytes %llu "
           "footprint_baseline_bytes %llu footprint_end_bytes %llu footprint_max_bytes %llu memory_returned %s\n",
           variant, seconds_since(&start), (unsigned long long)round, (unsigned long long)runs,
           (unsigned long long)violations, BASELINE_ROUND, (unsigned long long)rss.baseline,
           (unsigned long long)rss.end, (unsigned long long)rss.max, (unsigned long long)footprint.baseline,
           (unsigned long long)footprint.end, (unsigned long long)footprint.max, !judged ? "n/a" : returned ? "yes" : "no");
    return violations == 0 && returned ? 0 : 1;
}
