/*
 * What the root stack reaches, counted by a walk that frees nothing and marks
 * nothing in the objects: the harness's own depth-first walk through obj_get,
 * with an explicit stack (no recursion: chains of any length) and a set of
 * visited addresses (open addressing). Both are mapped from the OS for the
 * walk and handed back after it, so the heap's allocator, its footprint and
 * the objects themselves never see them. --trash-every takes this from what
 * the heap holds to find the garbage a collector has not reclaimed yet.
 */
#ifndef HEAPLAB_REACHABLE_H
#define HEAPLAB_REACHABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "object.h"

typedef struct reachable_counts {
    uint64_t objects;
    uint64_t bytes; /* whole objects, as the heap counts them (obj_size) */
} reachable_counts;

/* Counts the objects reachable from the root stack. `live_objects` is what
 * the heap holds (heap_stats): the walk aborts if it finds more (a broken
 * heap). `expected_objects` (the last pass's count, say; 0 for no idea) sizes
 * the scratch from the start; it grows with what is reached, to about 24
 * bytes an object at most. False if it could not be mapped. */
bool reachable_count(heap *h, uint64_t live_objects, uint64_t expected_objects, reachable_counts *counts);

#endif
