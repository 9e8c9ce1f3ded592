/*
 * One harness binary per variant (collector + allocator): runs one workload
 * in this process and prints a one-row summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buildinfo.h"
#include "cli.h"
#include "histogram.h"
#include "machine.h"
#include "metrics.h"
#include "object.h"
#include "reachable.h"
#include "report.h"
#include "workload.h"

/* The summary's columns, CSV and JSON alike (docs/columns.md): raised when
 * a column changes meaning or goes; adding columns at the end keeps it. */
#define SUMMARY_SCHEMA_VERSION 1

/* An output file: a regular file is written to a temporary name and
 * renamed over `target` when whole; anything else (a character device such
 * as /dev/null, a FIFO, /dev/stdout, a symbolic link to nothing yet) is
 * written through, as a shell's redirection would. */
typedef struct pending_file {
    const char *path; /* NULL: not asked for */
    FILE *file;
    bool through;         /* written to `path` itself: no temporary, no rename */
    bool shared;          /* `path` is where stdout or stderr goes: written through that stream */
    char temporary[4096]; /* else written here, */
    char target[4096];    /* then renamed to this: `path`, or the file a symbolic link names */
} pending_file;

typedef struct run {
    const run_options *options;
    pending_file series, mmu;
    heap *heap;
    metrics metrics;
    uint64_t cpu_started_ns;
    uint64_t wall_ns, cpu_ns; /* without the reachability passes' time */
    uint64_t reached_objects; /* by the last reachability pass */
} run;

/* The absolute path a file not there yet would have: its folder resolved
 * (links and all), then its name, through a symbolic link to nothing as
 * opening it would go; false if the folder is not there. */
static bool where_it_would_be(const char *path, char out[PATH_MAX]) {
    char current[PATH_MAX];
    if ((size_t)snprintf(current, sizeof current, "%s", path) >= sizeof current) return false;
    for (int links = 0; links < 40; links++) {
        char folder[PATH_MAX], resolved[PATH_MAX];
        const char *slash = strrchr(current, '/');
        const char *name = slash ? slash + 1 : current;
        if (!slash) strcpy(folder, ".");
        else if (slash == current) strcpy(folder, "/");
        else {
            memcpy(folder, current, (size_t)(slash - current));
            folder[slash - current] = '\0';
        }
        if (!realpath(folder, resolved)) return false;
        if ((size_t)snprintf(out, PATH_MAX, "%s/%s", resolved, name) >= PATH_MAX) return false;
        char target[PATH_MAX];
        ssize_t length = readlink(out, target, sizeof target - 1);
        if (length < 0) return true; /* not a link: here it would be */
        target[length] = '\0';
        int written = target[0] == '/' ? snprintf(current, sizeof current, "%s", target)
                                       : snprintf(current, sizeof current, "%s/%s", resolved, target);
        if (written < 0 || (size_t)written >= sizeof current) return false;
    }
    return false;
}

/* Output files are written under a temporary name and renamed into place
 * only when complete, so a failed run leaves no half-written file. A path
 * that cannot be written (a directory, a folder that is not there) is bad
 * input, found before the run starts; NULL and errno say why, `why` names
 * what is wrong beyond errno. */
static FILE *open_pending(pending_file *p, const char **why) {
    struct stat st;
    *why = NULL;
    p->through = false;
    if (stat(p->path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return NULL;
        }
        /* Where stdout or stderr goes (/dev/stdout, say): through that
         * stream, or a second opening would truncate what it writes to,
         * then write over it. */
        FILE *const streams[] = {stdout, stderr};
        for (int i = 0; i < 2; i++) {
            struct stat same;
            p->shared = fstat(fileno(streams[i]), &same) == 0 && same.st_dev == st.st_dev && same.st_ino == st.st_ino;
            if (p->shared) {
                p->through = true;
                return streams[i];
            }
        }
        /* Nothing is renamed into /dev or /proc: /dev/fd/N and the like are
         * written through even when they lead to a file. */
        p->through = !S_ISREG(st.st_mode) || strncmp(p->path, "/dev/", 5) == 0 || strncmp(p->path, "/proc/", 6) == 0;
    }
    /* A symbolic link stays one: the file it names is replaced, or made
     * through it when it names nothing yet. */
    struct stat link;
    const char *target = p->path;
    char resolved[PATH_MAX];
    if (!p->through && lstat(p->path, &link) == 0 && S_ISLNK(link.st_mode)) {
        if (realpath(p->path, resolved)) target = resolved;
        else p->through = true;
    }
    if (p->through) return fopen(p->path, "w");
    if ((size_t)snprintf(p->target, sizeof p->target, "%s", target) >= sizeof p->target ||
        (size_t)snprintf(p->temporary, sizeof p->temporary, "%s.tmp.%ld", p->target, (long)getpid()) >=
            sizeof p->temporary) {
        *why = "the file name is too long";
        return NULL;
    }
    /* A new file of our own: never through whatever (a link, a FIFO) sits
     * under the temporary name; a leftover of a killed run goes. */
    int fd = open(p->temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST && unlink(p->temporary) == 0)
        fd = open(p->temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) return NULL;
    FILE *file = fdopen(fd, "w");
    if (!file) {
        int error = errno;
        close(fd);
        unlink(p->temporary);
        errno = error;
    }
    return file;
}

/* Whether two output paths lead to one file: the same file if it is there
 * (a hard or symbolic link, /dev/stdout and /proc/self/fd/1), else the same
 * name in the same folder. */
static bool same_file(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return true;
    struct stat x, y;
    if (stat(a, &x) == 0 && stat(b, &y) == 0) return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    char resolved_a[PATH_MAX], resolved_b[PATH_MAX];
    return where_it_would_be(a, resolved_a) && where_it_would_be(b, resolved_b) && strcmp(resolved_a, resolved_b) == 0;
}

static bool finish_pending(pending_file *p, bool written) {
    bool ok = written && fflush(p->file) == 0 && !ferror(p->file);
    if (!p->shared && fclose(p->file) != 0) ok = false;
    if (ok && !p->through && rename(p->temporary, p->target) != 0) ok = false;
    if (!ok) {
        cli_message("could not write '%s': %s", p->path, strerror(errno ? errno : EIO));
        if (!p->through) unlink(p->temporary);
    }
    return ok;
}

/* Both curves' files, before the run: a refusal of either leaves neither's
 * temporary file behind. */
static void open_outputs(run *r, const char *series_path, const char *mmu_path) {
    if (series_path && mmu_path && same_file(series_path, mmu_path))
        cli_fail("--series and --mmu name the same file, '%s' and '%s': both curves would be mixed in one",
                 series_path, mmu_path);
    pending_file *files[] = {&r->series, &r->mmu};
    const char *paths[] = {series_path, mmu_path};
    for (int i = 0; i < 2; i++) {
        pending_file *p = files[i];
        p->path = paths[i];
        if (!p->path) continue;
        const char *why;
        p->file = open_pending(p, &why);
        if (p->file) continue;
        int error = errno;
        if (i == 1 && r->series.file && !r->series.shared) {
            fclose(r->series.file);
            if (!r->series.through) unlink(r->series.temporary);
        }
        cli_fail("cannot write '%s': %s", p->path, why ? why : strerror(error));
    }
}

/* The memory curve and the MMU curve, each whole or not at all; after
 * stop_clocks. False if either could not be written. */
static bool write_outputs(run *r) {
    bool ok = true;
    if (r->series.file) ok &= finish_pending(&r->series, series_write(&r->metrics.series, r->series.file));
    if (r->mmu.file) ok &= finish_pending(&r->mmu, pause_log_write_mmu(&r->metrics.pause_log, r->wall_ns, r->mmu.file));
    r->series.file = r->mmu.file = NULL;
    return ok;
}

/* The run is over: no pause comes after this. The run's start has moved on
 * by every reachability pass (metrics.h); their CPU time is taken out here. */
static void stop_clocks(run *r) {
    r->wall_ns = clock_ns(CLOCK_MONOTONIC) - r->metrics.run_started_ns;
    uint64_t cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - r->cpu_started_ns;
    r->cpu_ns = cpu_ns > r->metrics.garbage.cpu_ns ? cpu_ns - r->metrics.garbage.cpu_ns : 0;
    metrics_finish(&r->metrics);
}

/* The garbage meter's probe (--trash-every): what the heap holds less what
 * the root stack reaches. */
static bool measure_garbage(void *data, uint64_t *objects, uint64_t *bytes) {
    run *r = data;
    if (!r->heap) return false; /* the heap is still being made */
    heap_stats stats;
    heap_stats_get(r->heap, &stats);
    reachable_counts reached;
    if (!reachable_count(r->heap, stats.live_objects, r->reached_objects, &reached)) {
        static bool told;
        if (!told) cli_message("no memory for a reachability pass: garbage left unmeasured");
        told = true;
        return false;
    }
    r->reached_objects = reached.objects; /* the next pass's first guess */
    *objects = stats.live_objects - reached.objects;
    *bytes = stats.live_bytes - reached.bytes;
    return true;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: heaplab-%s+%s WORKLOAD [--size N] [--seed S] [--NAME=value ...]\n"
            "           [--heap-limit BYTES] [--stress N] [--verify] [--json] [--series FILE] [--mmu FILE]\n"
            "           [--trash-every BYTES] [--fail-after N]\n"
            "       heaplab-%s+%s --list | --describe WORKLOAD | --knobs\n",
            gc_name, alloc_name, gc_name, alloc_name);
}

static uint64_t peak_rss_bytes(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (uint64_t)usage.ru_maxrss * 1024;
}

static void describe_knobs(const char *title, const knob *knobs) {
    if (!knobs[0].name) return;
    printf("%s:\n", title);
    for (int i = 0; knobs[i].name; i++)
        if (knobs[i].step)
            printf("  --%s=%.15g  (%.15g..%.15g, in steps of %.15g)  %s\n", knobs[i].name, knobs[i].default_value,
                   knobs[i].min, knobs[i].max, knobs[i].step, knobs[i].help);
        else
            printf("  --%s=%.15g  (%.15g..%.15g%s)  %s\n", knobs[i].name, knobs[i].default_value, knobs[i].min,
                   knobs[i].max, knobs[i].integer ? ", whole" : "", knobs[i].help);
}

/* The collector's traits (object.h), a line each, "name: value", for
 * people and for the tests and scripts that decide from them. */
static void describe_traits(void) {
    const collector_traits *t = &gc_traits;
    printf("traits:\n");
    printf("  reclaims: %s\n", gc_reclaims_text(t->reclaims));
    printf("  frees-at-last-reference: %s\n", t->frees_at_last_reference ? "yes" : "no");
    printf("  generations: %d\n", t->generations);
    printf("  exact-books: %s\n", t->exact_books ? "yes" : "no");
    printf("  own-allocator: %s\n", t->own_allocator ? "yes" : "no");
    printf("  cascade-timed-after: %u\n",
           t->cascade_timed_after ? t->cascade_timed_after : (unsigned)CASCADE_TIMED_AFTER_DEFAULT);
    printf("  allocator-frees: %s\n", alloc_frees ? "yes" : "no");
}

static void describe(const char *name) {
    const workload *w = workload_find(name);
    if (!w) cli_fail("unknown workload '%s' (try 'heaplab list')", name);
    printf("%s: %s\n\n%s\n\n", w->name, w->summary, w->description);
    printf("size:\n  --size=%llu  (1..%llu)  %s\n", (unsigned long long)w->default_size,
           (unsigned long long)w->max_size, w->size_help);
    describe_knobs("parameters", w->params);
    if (w->small_args) printf("small run (the tests' size, fit for --stress 1 --verify):\n  %s\n", w->small_args);
}

static void params_text(const run_options *o, char *out, size_t size) {
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; o->workload->params[i].name && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s=%.15g", i ? ";" : "", o->workload->params[i].name, o->params[i]);
}

/* Cascades by objects freed, in powers of two: "2-3:N;4-7:N;..." (empty
 * ones left out; "" for none). */
static void cascade_sizes_text(const heap_stats *s, char *out, size_t size) {
    size_t n = 0;
    out[0] = '\0';
    for (unsigned p = 0; p < 64 && n < size; p++) {
        if (!s->cascades_by_length[p]) continue;
        uint64_t low = UINT64_C(1) << p, high = p == 63 ? UINT64_MAX : (low << 1) - 1;
        n += (size_t)snprintf(out + n, size - n, "%s%llu-%llu:%llu", n ? ";" : "", (unsigned long long)low,
                              (unsigned long long)high, (unsigned long long)s->cascades_by_length[p]);
    }
}

/* `leaks` is NULL when the run did not finish: then what is still live
 * counts as not reclaimed. */
static void summarise(run *r, const char *outcome, uint64_t checksum, const heap_stats *s, uint64_t footprint,
                      const heap_leak_report *leaks) {
    const run_options *o = r->options;
    uint64_t wall_ns = r->wall_ns, cpu_ns = r->cpu_ns;
    const heap_stats stats = *s;
    char variant[96], text[512];
    snprintf(variant, sizeof variant, "%s+%s", gc_name, alloc_name);

    static report rep; /* large: off the stack */
    rep.count = 0;
    report_uint(&rep, "schema_version", SUMMARY_SCHEMA_VERSION);
    report_text(&rep, "variant", variant);
    report_text(&rep, "workload", o->workload->name);
    report_uint(&rep, "size", o->args.size);
    report_uint(&rep, "seed", o->args.seed);
    params_text(o, text, sizeof text);
    report_text(&rep, "params", text);
    report_text(&rep, "outcome", outcome);
    snprintf(text, sizeof text, "%016llx", (unsigned long long)checksum);
    report_text(&rep, "checksum", text);
    report_uint(&rep, "wall_ns", wall_ns);
    report_uint(&rep, "cpu_ns", cpu_ns);
    const metrics *m = &r->metrics;
    uint64_t gc_ns = metrics_ns(m, m->pause_histogram.total);
    report_uint(&rep, "gc_ns", gc_ns);
    report_uint(&rep, "mutator_ns", wall_ns > gc_ns ? wall_ns - gc_ns : 0);
    report_uint(&rep, "collections", stats.collections);
    const histogram *pauses = &m->pause_histogram;
    report_uint(&rep, "pauses", pauses->count);
    report_uint(&rep, "pause_total_ns", metrics_ns(m, pauses->total));
    report_uint(&rep, "pause_p50_ns", metrics_pause_percentile_ns(m, 0.50));
    report_uint(&rep, "pause_p90_ns", metrics_pause_percentile_ns(m, 0.90));
    report_uint(&rep, "pause_p99_ns", metrics_pause_percentile_ns(m, 0.99));
    report_uint(&rep, "pause_p999_ns", metrics_pause_percentile_ns(m, 0.999));
    report_uint(&rep, "pause_max_ns", metrics_ns(m, pauses->max));
    static const char *const mmu_names[] = {"mmu_1ms", "mmu_10ms", "mmu_100ms", "mmu_1s"};
    static const uint64_t mmu_windows[] = {1000000, 10000000, 100000000, 1000000000};
    double mmus[4];
    pause_log_mmus(&m->pause_log, wall_ns, mmu_windows, mmus, 4);
    for (size_t i = 0; i < 4; i++) report_double(&rep, mmu_names[i], mmus[i]);
    report_uint(&rep, "objects_allocated", stats.objects_allocated);
    report_uint(&rep, "bytes_allocated", stats.bytes_allocated);
    report_uint(&rep, "objects_freed", leaks ? leaks->objects_freed : stats.objects_freed);
    report_uint(&rep, "bytes_freed", leaks ? leaks->bytes_freed : stats.bytes_freed);
    report_uint(&rep, "peak_live_bytes", stats.peak_live_bytes);
    report_uint(&rep, "footprint_bytes", footprint);
    report_uint(&rep, "peak_footprint_bytes",
                footprint > m->series.peak_footprint_bytes ? footprint : m->series.peak_footprint_bytes);
    report_uint(&rep, "peak_rss_bytes", peak_rss_bytes());
    report_uint(&rep, "leaked_objects", leaks ? leaks->objects_leaked : stats.live_objects);
    report_uint(&rep, "leaked_bytes", leaks ? leaks->bytes_leaked : stats.live_bytes);
    static const char *const generation_fields[HEAP_MAX_GENERATIONS][3] = {
        {"gen0_collections", "gen0_collected", "gen0_uncollectable"},
        {"gen1_collections", "gen1_collected", "gen1_uncollectable"},
        {"gen2_collections", "gen2_collected", "gen2_uncollectable"},
    };
    for (int g = 0; g < HEAP_MAX_GENERATIONS; g++) {
        report_uint(&rep, generation_fields[g][0], stats.generation[g].collections);
        report_uint(&rep, generation_fields[g][1], stats.generation[g].collected);
        report_uint(&rep, generation_fields[g][2], stats.generation[g].uncollectable);
    }
    /* Time in each generation's collections; a full-heap collection is the
     * oldest generation's. */
    static const char *const generation_time_fields[HEAP_MAX_GENERATIONS] = {"gen0_ns", "gen1_ns", "gen2_ns"};
    for (int g = 0; g < HEAP_MAX_GENERATIONS; g++) {
        uint64_t ticks = m->generation_ticks[g];
        if (g == stats.generations - 1) ticks += m->full_heap_ticks;
        report_uint(&rep, generation_time_fields[g], metrics_ns(m, ticks));
    }
    report_uint(&rep, "objects_marked", stats.objects_marked);
    report_uint(&rep, "bytes_marked", stats.bytes_marked);
    report_uint(&rep, "objects_swept", m->swept_objects);
    report_uint(&rep, "bytes_swept", m->swept_bytes);
    report_uint(&rep, "heap_limit_bytes", stats.heap_limit_bytes);
    /* Uncollected garbage (--trash-every); no values without it. */
    const garbage_meter *garbage = &m->garbage;
    if (garbage->measure) {
        report_uint(&rep, "trash_ns", garbage->wall_ns);
        report_uint(&rep, "garbage_samples", garbage->passes);
        report_uint(&rep, "peak_garbage_objects", garbage->peak_objects);
        report_uint(&rep, "peak_garbage_bytes", garbage->peak_bytes);
    } else {
        static const char *const garbage_fields[] = {"trash_ns", "garbage_samples", "peak_garbage_objects",
                                                     "peak_garbage_bytes"};
        for (size_t i = 0; i < 4; i++) report_empty(&rep, garbage_fields[i]);
    }
    steady_state steady = metrics_steady_state(m);
    if (steady == STEADY_UNKNOWN) report_empty(&rep, "stable");
    else report_uint(&rep, "stable", steady == STEADY_YES);
    /* Where and from what: the machine, and the build (buildinfo.h). */
    machine_name(text, sizeof text);
    report_text(&rep, "machine", text);
    machine_cpu_model(text, sizeof text);
    report_text(&rep, "cpu_model", text);
    report_text(&rep, "compiler", build_compiler);
    report_text(&rep, "cflags", build_cflags);
    report_text(&rep, "commit", build_commit);
    /* Reference-count cascades: every one counted, the long ones timed. */
    report_uint(&rep, "cascades", stats.cascades);
    report_uint(&rep, "cascade_objects", stats.cascade_objects);
    report_uint(&rep, "cascade_max_objects", stats.cascade_max_objects);
    cascade_sizes_text(&stats, text, sizeof text);
    report_text(&rep, "cascade_sizes", text);
    report_uint(&rep, "cascade_timed_after", m->cascade_timed_after);
    report_uint(&rep, "cascades_timed", m->cascades_timed);
    report_uint(&rep, "cascade_estimated_ns", metrics_ns(m, m->cascade_estimated_ticks));
    report_write(&rep, stdout, o->json);
}

/* The heap could not satisfy an allocation even after a full collection:
 * the run ends here, with what it measured so far, and the heap's memory
 * handed back before the process goes. */
_Noreturn static void out_of_memory(heap *h, size_t requested, void *data) {
    run *r = data;
    /* Tearing the heap down below may itself need memory a collector's
     * table cannot get: the stats are out by then, so that ends it. */
    static bool ending;
    if (ending) exit(EXIT_OUT_OF_MEMORY);
    ending = true;
    stop_clocks(r);
    heap_stats stats;
    heap_stats_get(h, &stats);
    const heap_config *config = &r->options->config;
    char why[96];
    if (config->fail_after_allocations && stats.objects_allocated >= config->fail_after_allocations)
        snprintf(why, sizeof why, "--fail-after: the allocator refused after %llu requests",
                 (unsigned long long)config->fail_after_allocations);
    else if (stats.heap_limit_bytes)
        snprintf(why, sizeof why, "heap limit %llu bytes", (unsigned long long)stats.heap_limit_bytes);
    else
        snprintf(why, sizeof why, "the allocator refused");
    fprintf(stderr, "heaplab: out of memory: %s needs %zu more bytes with %llu live (%s)\n",
            r->options->workload->name, requested, (unsigned long long)stats.live_bytes, why);
    metrics_sample(&r->metrics, stats.bytes_allocated, stats.live_bytes);
    write_outputs(r);
    summarise(r, "out-of-memory", 0, &stats, alloc_footprint(), NULL);
    heap_destroy(h, NULL);
    exit(EXIT_OUT_OF_MEMORY);
}

/* Whatever the harness printed must have reached its destination: a full
 * disk or a closed pipe is a failed run, said in one line, not lost in
 * silence. Run at exit, so that every command (and the out-of-memory exit)
 * is checked, the close included. */
static void check_stdout(void) {
    bool failed = fflush(stdout) != 0 || ferror(stdout);
    if (fclose(stdout) != 0) failed = true;
    if (!failed) return;
    fprintf(stderr, "heaplab: cannot write the output: %s\n", strerror(errno ? errno : EIO));
    _exit(EXIT_WRITE_FAILED);
}

/* Under an address-space limit (ulimit -v) the stack cannot grow once the
 * heap has taken the rest of the room, and the out-of-memory path formats
 * its message and writes the summary on the stack: it faulted there. So the
 * stack is grown now, while there is room (the kernel never shrinks it). */
#define STACK_RESERVE (256 * 1024)

__attribute__((noinline)) static void reserve_stack(void) {
    volatile char room[STACK_RESERVE];
    for (size_t i = 0; i < sizeof room; i += 4096) room[i] = 0;
}

int main(int argc, char **argv) {
    reserve_stack();
    atexit(check_stdout);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    if (strcmp(argv[1], "--list") == 0) {
        for (int i = 0; all_workloads[i]; i++) printf("%s\t%s\n", all_workloads[i]->name, all_workloads[i]->summary);
        return 0;
    }
    if (strcmp(argv[1], "--knobs") == 0) {
        printf("%s+%s: %s\n", gc_name, alloc_name, gc_description);
        describe_traits();
        describe_knobs("collector knobs", gc_knobs);
        describe_knobs("allocator knobs", alloc_knobs);
        return 0;
    }
    if (strcmp(argv[1], "--describe") == 0) {
        if (argc != 3) cli_fail("--describe takes one workload name");
        describe(argv[2]);
        return 0;
    }

    run_options options;
    cli_parse_run(argc - 1, argv + 1, &options);
    for (int i = 0; alloc_knobs[i].name && i < HEAP_MAX_KNOBS; i++) alloc_set_knob(i, options.alloc_knobs[i]);

    /* A heap that never frees grows with every allocation: past the memory
     * the machine has it would swap, not end. Unless told otherwise it ends
     * as out of memory at half of what is available now. */
    if (gc_traits.reclaims == GC_RECLAIMS_NOTHING && !options.config.heap_limit_bytes)
        options.config.heap_limit_bytes = machine_available_memory() / 2;

    run r = {.options = &options};
#ifdef HEAPLAB_NO_METRICS
    if (options.series_path || options.mmu_path || options.trash_every_bytes)
        cli_fail("this harness is built without metrics: no --series, --mmu or --trash-every");
#endif
    /* bench/sweep's checks: the command line judged as a run's would be,
     * nothing run. */
    if (getenv("HEAPLAB_PARSE_ONLY")) return 0;
    open_outputs(&r, options.series_path, options.mmu_path);
    metrics_init(&r.metrics);
    r.metrics.cascade_timed_after = options.cascade_timed_after;
    if (options.trash_every_bytes) metrics_meter_garbage(&r.metrics, options.trash_every_bytes, measure_garbage, &r);
#ifdef HEAPLAB_NO_METRICS
    /* No listener: the collectors skip every event, as if nobody measured. */
    options.config.listener = NULL;
#else
    gc_event_listener listener = metrics_listener(&r.metrics);
    options.config.listener = &listener;
#endif
    options.config.out_of_memory = out_of_memory;
    options.config.out_of_memory_data = &r;
    r.heap = heap_create(&options.config);
    if (!r.heap) {
        fprintf(stderr, "heaplab: cannot create the heap\n");
        return EXIT_OUT_OF_MEMORY;
    }
    metrics_start(&r.metrics);
    r.cpu_started_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    size_t depth = root_depth(r.heap);
    uint64_t checksum = options.workload->run(r.heap, &options.args);
    if (root_depth(r.heap) != depth) {
        fprintf(stderr, "heaplab: workload %s left %zu root slots behind\n", options.workload->name,
                root_depth(r.heap) - depth);
        abort();
    }
    stop_clocks(&r);
    heap_stats stats;
    heap_stats_get(r.heap, &stats);
    metrics_sample(&r.metrics, stats.bytes_allocated, stats.live_bytes);
    uint64_t footprint = alloc_footprint();
    heap_leak_report leaks;
    heap_destroy(r.heap, &leaks);
    bool written = write_outputs(&r);
    summarise(&r, "ok", checksum, &stats, footprint, &leaks);
    metrics_release(&r.metrics);
    return written ? 0 : 1;
}
