/* The harness's side of impl/events.h: times every collection and every
 * refcount cascade, so that no collector reads a clock. */
#ifndef HEAPLAB_METRICS_H
#define HEAPLAB_METRICS_H

#include <stdint.h>

#include "events.h"

typedef struct metrics {
    uint64_t pause_started_ns;
    uint64_t gc_ns;          /* collections and cascades together */
    uint64_t pauses;
    uint64_t max_pause_ns;
    uint64_t cascades;
    uint64_t cascade_objects;
} metrics;

uint64_t clock_ns(int clock);

/* A listener whose data is `m`. */
gc_event_listener metrics_listener(metrics *m);

#endif
