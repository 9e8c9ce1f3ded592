#include "metrics.h"

#include <time.h>

uint64_t clock_ns(int clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void metrics_init(metrics *m, uint64_t run_started_ns) {
    *m = (metrics){.run_started_ns = run_started_ns};
    histogram_init(&m->pause_histogram);
    pause_log_init(&m->pause_log);
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
    pause_end(data);
}

static void on_cascade_begin(void *data) { pause_begin(data); }

static void on_cascade_end(void *data, uint64_t objects_freed, uint64_t bytes_freed) {
    (void)bytes_freed;
    metrics *m = data;
    m->cascades++;
    m->cascade_objects += objects_freed;
    pause_end(m);
}

gc_event_listener metrics_listener(metrics *m) {
    return (gc_event_listener){
        .data = m,
        .collection_begin = on_collection_begin,
        .collection_end = on_collection_end,
        .cascade_begin = on_cascade_begin,
        .cascade_end = on_cascade_end,
    };
}
