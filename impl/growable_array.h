/*
 * The collectors' own arrays (object tables, mark stacks), grown by doubling.
 * A collector cannot refuse half-way through a collection, so memory the
 * system will not give ends the run with one line naming the array.
 */
#ifndef HEAPLAB_GROWABLE_ARRAY_H
#define HEAPLAB_GROWABLE_ARRAY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "object.h"

/* `array` moved to room for `count` entries of `size` bytes, or the end. */
static inline void *resize_array(void *array, size_t count, size_t size, const char *what) {
    void *moved = count <= SIZE_MAX / size ? realloc(array, count * size) : NULL;
    if (!moved) {
        fprintf(stderr, "heaplab: %s: out of memory growing the %s to %zu entries\n", gc_name, what, count);
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

#endif
