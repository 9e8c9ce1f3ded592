#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "alloc.h"

uint64_t clock_ns(int clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The TSC counts at one rate on every core only where the CPU says it is
 * invariant; anywhere else pauses are timed with CLOCK_MONOTONIC itself
 * (and a tick is a nanosecond). */
static bool use_tsc;

static void choose_clock(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    use_tsc = __get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx) && (edx & (1u << 8));
#endif
}

static inline uint64_t ticks_now(void) {
#if defined(__x86_64__)
    if (__builtin_expect(use_tsc, 1)) return __rdtsc();
#endif
    return clock_ns(CLOCK_MONOTONIC);
}

/* A tick count and CLOCK_MONOTONIC at one moment: ticks read on either side
 * of the clock, the midpoint taken, from the narrowest of a few tries (a
 * shared machine may deschedule us between two reads, and a pair a
 * millisecond wide would skew the calibration of a short run). */
static void clock_pair(uint64_t *ticks, uint64_t *ns) {
    uint64_t narrowest = UINT64_MAX;
    for (int try = 0; try < 5 && narrowest > 1000; try++) {
        uint64_t before = ticks_now();
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        uint64_t after = ticks_now();
        if (after - before >= narrowest) continue;
        narrowest = after - before;
        *ticks = before + (after - before) / 2;
        *ns = now;
    }
}

#ifdef HEAPLAB_CASCADE_AUDIT
static void cascade_audit_report(const metrics *m);
#endif

void metrics_init(metrics *m) {
    *m = (metrics){.ns_per_tick = 1.0};
    choose_clock();
    clock_pair(&m->run_started_ticks, &m->run_started_ns);
    m->cascade_timed_after = CASCADE_TIMED_AFTER_DEFAULT;
    histogram_init(&m->pause_histogram);
    pause_log_init(&m->pause_log);
    series_init(&m->series);
}

void metrics_start(metrics *m) {
    clock_pair(&m->run_started_ticks, &m->run_started_ns);
    for (size_t i = 0; i < m->series.count; i++) m->series.samples[i].elapsed_ns = 0;
    m->rss_read_ns = 0;
}

void metrics_release(metrics *m) {
    pause_log_release(&m->pause_log);
#ifdef HEAPLAB_CASCADE_AUDIT
    free(m->audit.entries);
#endif
}

void metrics_finish(metrics *m) {
    if (m->finished) return;
    m->finished = true;
    uint64_t ticks, ns;
    clock_pair(&ticks, &ns);
    if (use_tsc && ticks > m->run_started_ticks && ns > m->run_started_ns)
        m->ns_per_tick = (double)(ns - m->run_started_ns) / (double)(ticks - m->run_started_ticks);
    /* Scaling is monotone, so the log stays ascending and non-overlapping. */
    pause_log *log = &m->pause_log;
    for (size_t i = 0; i < log->count; i++) {
        log->starts[i] = metrics_ns(m, log->starts[i]);
        log->ends[i] = metrics_ns(m, log->ends[i]);
    }
#ifdef HEAPLAB_CASCADE_AUDIT
    cascade_audit_report(m);
#endif
}

uint64_t metrics_ns(const metrics *m, uint64_t ticks) { return (uint64_t)((double)ticks * m->ns_per_tick + 0.5); }

uint64_t metrics_pause_percentile_ns(const metrics *m, double fraction) {
    return metrics_ns(m, histogram_percentile(&m->pause_histogram, fraction));
}

/* The listener: as little as possible between the two clock reads. */

static void pause_begin(metrics *m) { m->pause_started_ticks = ticks_now(); }

/* A pause from pause_started_ticks to `end`, into the histogram and the log. */
static uint64_t pause_record(metrics *m, uint64_t end) {
    uint64_t pause = end - m->pause_started_ticks;
    histogram_add(&m->pause_histogram, pause);
    pause_log_add(&m->pause_log, m->pause_started_ticks - m->run_started_ticks, end - m->run_started_ticks);
    return pause;
}

static uint64_t pause_end(metrics *m) { return pause_record(m, ticks_now()); }

static void on_collection_begin(void *data, int generation) {
    (void)generation;
    pause_begin(data);
}

static void on_collection_end(void *data, const gc_collection_summary *summary) {
    metrics *m = data;
    uint64_t pause = pause_end(m);
    m->collections++;
    if (summary->generation >= 0 && summary->generation < HEAP_MAX_GENERATIONS)
        m->generation_ticks[summary->generation] += pause;
    else m->full_heap_ticks += pause;
    m->swept_objects += summary->objects_freed;
    m->swept_bytes += summary->bytes_freed;
}

#ifdef HEAPLAB_CASCADE_AUDIT
/* The tests' build: every release is timed from its start as well, and
 * each cascade's true length kept beside what the pause log was given, to
 * be judged when the run is over (cascade_audit_report). */
static void on_release_begin(void *data) { ((metrics *)data)->audit.release_started_ticks = ticks_now(); }

static void cascade_audit_add(cascade_audit *a, uint64_t objects, uint64_t truth, uint64_t logged) {
    if (a->count == a->capacity) {
        size_t capacity = a->capacity ? 2 * a->capacity : 4096;
        cascade_audit_entry *entries = realloc(a->entries, capacity * sizeof *entries);
        if (!entries) return;
        a->entries = entries;
        a->capacity = capacity;
    }
    a->entries[a->count++] = (cascade_audit_entry){.objects = objects, .truth = truth, .logged = logged};
}

/* A cascade too short to be timed: its true length, and nothing logged. */
static void on_release_end(void *data, uint64_t objects_freed) {
    metrics *m = data;
    if (objects_freed > 1 && objects_freed < m->cascade_timed_after)
        cascade_audit_add(&m->audit, objects_freed, ticks_now() - m->audit.release_started_ticks, 0);
}

/* One line on stderr: how many cascades were not timed and how many of
 * those took 1 us or more anyway; how many were timed, how many of those
 * took 1 us or more, and how many of these the log has outside 1 us + 5%
 * of the truth. */
static void cascade_audit_report(const metrics *m) {
    const cascade_audit *a = &m->audit;
    uint64_t untimed = 0, untimed_long = 0, timed_long = 0, off = 0, worst = 0;
    for (size_t i = 0; i < a->count; i++) {
        uint64_t truth = metrics_ns(m, a->entries[i].truth), logged = metrics_ns(m, a->entries[i].logged);
        if (!a->entries[i].logged) {
            untimed++;
            untimed_long += truth >= 1000;
            continue;
        }
        if (truth < 1000) continue;
        timed_long++;
        uint64_t error = logged > truth ? logged - truth : truth - logged;
        if (error > worst) worst = error;
        if ((double)error > 1000.0 + 0.05 * (double)truth) off++;
    }
    fprintf(stderr,
            "cascade audit: %zu cascades; %llu not timed, %llu of them 1 us or more; %zu timed, %llu of them 1 us or "
            "more, %llu of those outside 1 us + 5%%; worst error %llu ns\n",
            a->count, (unsigned long long)untimed, (unsigned long long)untimed_long, a->count - (size_t)untimed,
            (unsigned long long)timed_long, (unsigned long long)off, (unsigned long long)worst);
}
#endif

/* A cascade is timed from its K-th death to its end; the time its first K
 * objects took is estimated at the rate it kept after them, or, when too
 * few objects followed to say (fewer than K), at the rate of every timed
 * cascade so far with this one's weighed in. */
static void on_cascade_timed(void *data) { pause_begin(data); }

static uint64_t estimate_first_ticks(metrics *m, uint64_t measured, uint64_t after) {
    uint64_t k = m->cascade_timed_after;
    if (after >= k) return (uint64_t)((double)measured * (double)k / (double)after);
    uint64_t ticks = m->cascade_measured_ticks + measured, objects = m->cascade_measured_objects + after;
    return objects ? (uint64_t)((double)ticks * (double)k / (double)objects) : 0;
}

static void on_cascade_end(void *data, uint64_t objects_freed, uint64_t bytes_freed) {
    (void)bytes_freed;
    metrics *m = data;
    uint64_t end = ticks_now(), measured = end - m->pause_started_ticks;
    uint64_t after = objects_freed - m->cascade_timed_after;
    uint64_t first = estimate_first_ticks(m, measured, after);
    m->cascade_measured_ticks += measured;
    m->cascade_measured_objects += after;
    m->cascades_timed++;
    m->cascade_estimated_ticks += first;
    m->pause_started_ticks -= first; /* the pause began that much before the clock was read */
    pause_record(m, end);
#ifdef HEAPLAB_CASCADE_AUDIT
    cascade_audit_add(&m->audit, objects_freed, end - m->audit.release_started_ticks, end - m->pause_started_ticks);
#endif
}

/* Reading the resident set is a read of /proc/self/statm, a system call of
 * about a microsecond: on churn, 2,500 samples of it cost 3% of the run
 * (make overhead), the rest of the metrics a fraction of that. So it is
 * read at most once a millisecond, and a sample in between carries the last
 * reading: the curve's RSS is a millisecond's resolution, its footprint
 * (deterministic, and cheap) every sample's. The run's last sample reads it. */
#define RSS_READ_EVERY_NS 1000000u

static series_sample sample_now(metrics *m, uint64_t bytes_allocated, uint64_t live_bytes, bool read_rss) {
    uint64_t elapsed = clock_ns(CLOCK_MONOTONIC) - m->run_started_ns;
    if (read_rss || !m->series.count || elapsed - m->rss_read_ns >= RSS_READ_EVERY_NS) {
        m->rss_bytes = current_rss_bytes();
        m->rss_read_ns = elapsed;
    }
    return (series_sample){
        .bytes_allocated = bytes_allocated,
        .elapsed_ns = elapsed,
        .live_bytes = live_bytes,
        .footprint_bytes = alloc_footprint(),
        .rss_bytes = m->rss_bytes,
        .collections = m->collections,
    };
}

void metrics_sample(metrics *m, uint64_t bytes_allocated, uint64_t live_bytes) {
    series_sample sample = sample_now(m, bytes_allocated, live_bytes, true);
    series_add(&m->series, &sample);
}

void metrics_meter_garbage(metrics *m, uint64_t every_bytes, garbage_measure *measure, void *data) {
    m->garbage = (garbage_meter){.measure = measure, .data = data, .every_bytes = every_bytes,
                                 .next_pass_bytes = every_bytes};
}

/* A reachability pass at this sample, its time taken out of the run's. */
static void garbage_pass(metrics *m, series_sample *sample) {
    garbage_meter *g = &m->garbage;
    uint64_t wall = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), ticks = ticks_now();
    bool measured = g->measure(g->data, &sample->garbage_objects, &sample->garbage_bytes);
    uint64_t ticks_after = ticks_now(), cpu_after = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    uint64_t wall_after = clock_ns(CLOCK_MONOTONIC);
    /* The run began that much later: every time measured from its start
     * (wall time, the curve, the pause log) leaves the pass out. Ticks come
     * between pauses, but were one open it would leave the pass out too. */
    m->run_started_ticks += ticks_after - ticks;
    m->pause_started_ticks += ticks_after - ticks;
    m->run_started_ns += wall_after - wall;
    g->wall_ns += wall_after - wall;
    g->cpu_ns += cpu_after - cpu;
    if (!measured) return;
    sample->garbage_measured = true;
    g->passes++;
    if (sample->garbage_objects > g->peak_objects) g->peak_objects = sample->garbage_objects;
    if (sample->garbage_bytes > g->peak_bytes) g->peak_bytes = sample->garbage_bytes;
    uint64_t at = sample->bytes_allocated;
    g->next_pass_bytes = at <= UINT64_MAX - g->every_bytes ? at + g->every_bytes : UINT64_MAX;
}

static uint64_t on_allocation_tick(void *data, uint64_t bytes_allocated, uint64_t live_bytes) {
    metrics *m = data;
    series_sample sample = sample_now(m, bytes_allocated, live_bytes, false);
    if (m->garbage.measure && bytes_allocated >= m->garbage.next_pass_bytes) garbage_pass(m, &sample);
    series_add(&m->series, &sample);
    return m->series.interval;
}

static steady_state both(steady_state a, steady_state b) {
    if (a == STEADY_UNKNOWN || b == STEADY_UNKNOWN) return STEADY_UNKNOWN;
    return a == STEADY_YES && b == STEADY_YES ? STEADY_YES : STEADY_NO;
}

steady_state metrics_steady_state(const metrics *m) {
    const series *s = &m->series;
    if (!s->count) return STEADY_UNKNOWN;
    static double at[SERIES_MAX], live[SERIES_MAX], garbage_at[SERIES_MAX], garbage[SERIES_MAX];
    size_t n = 0, garbage_n = 0;
    uint64_t half = s->samples[s->count - 1].bytes_allocated / 2;
    for (size_t i = 0; i < s->count; i++) {
        const series_sample *x = &s->samples[i];
        if (x->bytes_allocated < half) continue;
        at[n] = (double)x->bytes_allocated;
        live[n++] = (double)x->live_bytes;
        if (!x->garbage_measured) continue;
        garbage_at[garbage_n] = (double)x->bytes_allocated;
        garbage[garbage_n++] = (double)x->garbage_bytes;
    }
    steady_state verdict = steady_state_of(at, live, n);
    return m->garbage.measure ? both(verdict, steady_state_of(garbage_at, garbage, garbage_n)) : verdict;
}

gc_event_listener metrics_listener(metrics *m) {
    return (gc_event_listener){
        .data = m,
        .collection_begin = on_collection_begin,
        .collection_end = on_collection_end,
        .cascade_timed_after = m->cascade_timed_after,
        .cascade_timed = on_cascade_timed,
        .cascade_end = on_cascade_end,
#ifdef HEAPLAB_CASCADE_AUDIT
        .release_begin = on_release_begin,
        .release_end = on_release_end,
#endif
        .allocation_tick = on_allocation_tick,
    };
}
