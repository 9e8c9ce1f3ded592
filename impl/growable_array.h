/*
 * The collectors' own arrays (object tables, mark stacks), grown by doubling
 * and given back when what they hold has fallen far below their size. A
 * collector cannot refuse half-way through a collection, so memory the
 * system will not give ends the run with one line naming the array.
 */
#ifndef HEAPLAB_GROWABLE_ARRAY_H
#define HEAPLAB_GROWABLE_ARRAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "object.h"

/* `array` moved to room for `count` entries of `size` bytes, or the end. */
static inline void *resize_array(void *array, size_t count, size_t size, const char *what) {
    void *moved = count <= SIZE_MAX / size ? realloc(array, count * size) : NULL;
    if (!moved) {
        fprintf(stderr, "heaplab: %s: out of memory resizing the %s to %zu entries\n", gc_name, what, count);
        abort();
    }
    return moved;
}

/* Doubles `*capacity` (from `initial` when 0) until it holds `needed`
 * entries of `size` bytes. */
static inline void *grow_array(void *array, size_t *capacity, size_t needed, size_t size, size_t initial,
                               const char *what) {
    size_t grown = *capacity ? *capacity : initial;
    while (grown < needed) grown *= 2;
    *capacity = grown;
    return resize_array(array, grown, size, what);
}

/* Whether an array of `capacity` entries that holds `needed` is worth
 * shrinking: more than four times both that and `floor`. The gap between
 * where it grows and where it shrinks keeps an array whose use swings from
 * reallocating at every swing, and the floor keeps small arrays as they are. */
static inline bool array_oversized(size_t capacity, size_t needed, size_t floor) {
    return capacity / 4 > (needed > floor ? needed : floor);
}

/* An oversized array shrunk to the doubling of `floor` that holds twice
 * `needed`; any other as it is. */
static inline void *shrink_array(void *array, size_t *capacity, size_t needed, size_t size, size_t floor,
                                 const char *what) {
    if (!array_oversized(*capacity, needed, floor)) return array;
    size_t kept = floor;
    while (kept < 2 * needed) kept *= 2;
    *capacity = kept;
    return resize_array(array, kept, size, what);
}

#endif
