#include "metrics.h"

#include <time.h>

#include "alloc.h"

uint64_t clock_ns(int clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void metrics_init(metrics *m, uint64_t run_started_ns) {
    *m = (metrics){.run_started_ns = run_started_ns};
    histogram_init(&m->pause_histogram);
    pause_log_init(&m->pause_log);
    series_init(&m->series);
}

void metrics_release(metrics *m) { pause_log_release(&m->pause_log); }

static void pause_begin(metrics *m) { m->pause_started_ns = clock_ns(CLOCK_MONOTONIC); }

static void pause_end(metrics *m) {
    uint64_t end = clock_ns(CLOCK_MONOTONIC), pause = end - m->pause_started_ns;
    m->gc_ns += pause;
    histogram_add(&m->pause_histogram, pause);
    pause_log_add(&m->pause_log, m->pause_started_ns - m->run_started_ns, end - m->run_started_ns);
}

static void on_collection_begin(void *data, int generation) {
    (void)generation;
    pause_begin(data);
}

static void on_collection_end(void *data, const gc_collection_summary *summary) {
    (void)summary;
    metrics *m = data;
    m->collections++;
    pause_end(m);
}

static void on_cascade_begin(void *data) { pause_begin(data); }

static void on_cascade_end(void *data, uint64_t objects_freed, uint64_t bytes_freed) {
    (void)bytes_freed;
    metrics *m = data;
    m->cascades++;
    m->cascade_objects += objects_freed;
    pause_end(m);
}

void metrics_sample(metrics *m, uint64_t bytes_allocated, uint64_t live_bytes) {
    series_sample sample = {
        .bytes_allocated = bytes_allocated,
        .elapsed_ns = clock_ns(CLOCK_MONOTONIC) - m->run_started_ns,
        .live_bytes = live_bytes,
        .footprint_bytes = alloc_footprint(),
        .rss_bytes = current_rss_bytes(),
        .collections = m->collections,
    };
    series_add(&m->series, &sample);
}

static uint64_t on_allocation_tick(void *data, uint64_t bytes_allocated, uint64_t live_bytes) {
    metrics *m = data;
    metrics_sample(m, bytes_allocated, live_bytes);
    return m->series.interval;
}

gc_event_listener metrics_listener(metrics *m) {
    return (gc_event_listener){
        .data = m,
        .collection_begin = on_collection_begin,
        .collection_end = on_collection_end,
        .cascade_begin = on_cascade_begin,
        .cascade_end = on_cascade_end,
        .allocation_tick = on_allocation_tick,
    };
}
