/* The harness's side of impl/events.h: times every collection and every
 * refcount cascade, so that no collector reads a clock. Each pause goes into
 * a histogram (percentiles) and the pause log (minimum mutator utilisation);
 * the allocation clock's ticks make the memory curve. */
#ifndef HEAPLAB_METRICS_H
#define HEAPLAB_METRICS_H

#include <stdint.h>

#include "events.h"
#include "histogram.h"
#include "pauses.h"
#include "series.h"

typedef struct metrics {
    uint64_t run_started_ns;
    uint64_t pause_started_ns;
    uint64_t gc_ns; /* collections and cascades together */
    uint64_t cascades, cascade_objects;
    uint64_t collections;
    histogram pause_histogram;
    pause_log pause_log;
    series series;
} metrics;

/* One more point on the memory curve, now (the run's last, say). */
void metrics_sample(metrics *m, uint64_t bytes_allocated, uint64_t live_bytes);

uint64_t clock_ns(int clock);

void metrics_init(metrics *m, uint64_t run_started_ns);
void metrics_release(metrics *m);

/* A listener whose data is `m`. */
gc_event_listener metrics_listener(metrics *m);

#endif
