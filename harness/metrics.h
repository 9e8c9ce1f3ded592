/* The harness's side of impl/events.h: times every collection and every
 * refcount cascade, so that no collector reads a clock. Each pause goes into
 * a histogram (percentiles) and the pause log (minimum mutator utilisation);
 * the allocation clock's ticks make the memory curve.
 *
 * Pauses are timed in ticks of the cheapest clock there is (the TSC on
 * x86-64, CLOCK_MONOTONIC elsewhere): there can be millions of them. Ticks
 * become nanoseconds once, when the run is over, by a ratio measured against
 * CLOCK_MONOTONIC over the run itself (metrics_finish), so no calibration
 * sleep is needed. Built with -DHEAPLAB_NO_METRICS the harness gives the
 * heap no listener at all: the yardstick the metrics' cost is measured
 * against (make overhead).
 *
 * Uncollected garbage (--trash-every) is measured at memory-curve samples: at
 * the first sample at least `every_bytes` past the previous pass, `measure`
 * counts what the heap holds but cannot reach. The clocks stop for the pass:
 * the run's start moves on by its length, so wall time, the curve's elapsed
 * times and the pause log leave it out; its time is kept apart. */
#ifndef HEAPLAB_METRICS_H
#define HEAPLAB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "histogram.h"
#include "object.h"
#include "pauses.h"
#include "series.h"
#include "stability.h"

/* Counts the objects and bytes the heap holds but cannot reach; false when
 * there is nothing to measure yet (the heap is still being made). */
typedef bool garbage_measure(void *data, uint64_t *objects, uint64_t *bytes);

typedef struct garbage_meter {
    garbage_measure *measure; /* NULL: off */
    void *data;
    uint64_t every_bytes, next_pass_bytes;
    uint64_t passes, peak_objects, peak_bytes;
    uint64_t wall_ns, cpu_ns; /* spent in the passes, out of the run's clocks */
} garbage_meter;

#ifdef HEAPLAB_CASCADE_AUDIT
typedef struct cascade_audit_entry {
    uint64_t objects, truth, logged; /* ticks; logged 0: not timed */
} cascade_audit_entry;

typedef struct cascade_audit {
    uint64_t release_started_ticks;
    cascade_audit_entry *entries;
    size_t count, capacity;
} cascade_audit;
#endif

typedef struct metrics {
    uint64_t run_started_ns;
    uint64_t run_started_ticks;
    uint64_t pause_started_ticks;
    /* Only cascades of at least cascade_timed_after objects are timed
     * (impl/events.h; the heap counts every one), and each has its first
     * cascade_timed_after objects' time estimated. */
    uint64_t cascade_timed_after;
    uint64_t cascades_timed;
    uint64_t cascade_measured_ticks, cascade_measured_objects; /* after the K-th object, summed */
    uint64_t cascade_estimated_ticks; /* the estimated part of the timed cascades' pauses */
    uint64_t collections;
    /* Collections' pauses by the generation they collected; a full-heap
     * collection's apart (whose generation that is, only heap_stats says). */
    uint64_t generation_ticks[HEAP_MAX_GENERATIONS], full_heap_ticks;
    uint64_t swept_objects, swept_bytes; /* freed by collections */
    histogram pause_histogram; /* in ticks; its total is the time paused */
    pause_log pause_log;       /* in ticks until metrics_finish, then in ns */
    series series;
    /* The resident set as last read, and when (run time): the read is a
     * system call, made at most once a millisecond (metrics.c). */
    uint64_t rss_bytes, rss_read_ns;
    garbage_meter garbage;
    double ns_per_tick;        /* set by metrics_finish */
#ifdef HEAPLAB_CASCADE_AUDIT
    cascade_audit audit;
#endif
    bool finished;
} metrics;

/* One more point on the memory curve, now (the run's last, say). */
void metrics_sample(metrics *m, uint64_t bytes_allocated, uint64_t live_bytes);

uint64_t clock_ns(int clock);

/* K, the length from which a cascade is timed (--cascade-timed-after):
 * a cascade of fewer objects costs only its count, and its time is the
 * mutator's. Under K objects a cascade takes well under 1 us (about 10-40
 * ns an object here); see docs/columns.md. */
#define CASCADE_TIMED_AFTER_DEFAULT 32

/* Starts the run's clocks: run_started_ns is the run's time zero. */
void metrics_init(metrics *m);
/* The run begins now, once the heap is made (the cpython collector starts
 * an interpreter there): what was sampled while it was made is at time 0. */
void metrics_start(metrics *m);
void metrics_release(metrics *m);

/* Ends the run's measuring: calibrates ticks against CLOCK_MONOTONIC over
 * the whole run and turns the pause log into nanoseconds. Call once, after
 * the last pause and before reading anything below; later calls do nothing. */
void metrics_finish(metrics *m);

/* Ticks to nanoseconds (after metrics_finish). */
uint64_t metrics_ns(const metrics *m, uint64_t ticks);
/* A pause percentile in nanoseconds (see histogram_percentile). */
uint64_t metrics_pause_percentile_ns(const metrics *m, double fraction);

/* Turns the garbage meter on: a pass every `every_bytes` (> 0), on the
 * memory curve's samples. */
void metrics_meter_garbage(metrics *m, uint64_t every_bytes, garbage_measure *measure, void *data);

/* Whether live bytes, and the garbage when metered, held steady over the
 * second half of the run (the samples at or past half the bytes allocated at
 * the last): steady_state_of each, STEADY_UNKNOWN if either is. */
steady_state metrics_steady_state(const metrics *m);

/* A listener whose data is `m`. */
gc_event_listener metrics_listener(metrics *m);

#endif
