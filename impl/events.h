/*
 * What a collector reports as it works, to whoever listens (the harness times
 * pauses and keeps histograms from these). Collectors never read clocks or
 * keep metrics themselves: they only call the listener, so metrics change
 * without touching a collector and a collector can be lifted into another
 * program with a listener of its own.
 *
 * Every callback may be NULL. None of them may allocate from the heap.
 */
#ifndef HEAPLAB_EVENTS_H
#define HEAPLAB_EVENTS_H

#include <stdint.h>

typedef struct gc_collection_summary {
    int generation;            /* the oldest generation collected; -1 for a full heap */
    uint64_t objects_examined; /* tracked or marked objects the collection looked at */
    uint64_t objects_marked;   /* found live */
    uint64_t bytes_marked;
    uint64_t objects_freed;    /* reclaimed by this collection */
    uint64_t bytes_freed;
    uint64_t uncollectable;
    uint64_t live_bytes_after; /* heap_stats.live_bytes when it ended */
} gc_collection_summary;

typedef struct gc_event_listener {
    void *data;
    void (*collection_begin)(void *data, int generation);
    void (*collection_end)(void *data, const gc_collection_summary *summary);
    /* A reference-count deallocation cascade: a release that frees two
     * objects or more (the heap counts every one: heap_stats). Only one
     * that frees cascade_timed_after objects or more (at least 2) is
     * reported: cascade_timed when that many have died, cascade_end, with
     * what it freed, when it ends; so a cascade of a few objects costs the
     * listener nothing, not even a call. Frees during a collection belong
     * to that collection's pause and are not cascades of their own. */
    uint64_t cascade_timed_after;
    void (*cascade_timed)(void *data);
    void (*cascade_end)(void *data, uint64_t objects_freed, uint64_t bytes_freed);
    /* Called at the start of every release, but only by collectors built
     * with -DHEAPLAB_CASCADE_AUDIT: the tests time every cascade in full
     * with it, to judge what the timing from the K-th object estimates. */
    void (*release_begin)(void *data);
    void (*release_end)(void *data, uint64_t objects_freed); /* after cascade_end */
    /* The allocation clock: called once when the heap is created (with
     * zeros) and then each time bytes_allocated reaches the point it asked
     * for; returns how many more bytes until the next call (0: never). */
    uint64_t (*allocation_tick)(void *data, uint64_t bytes_allocated, uint64_t live_bytes);
} gc_event_listener;

#endif
