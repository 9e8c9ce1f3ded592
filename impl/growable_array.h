/*
 * The collectors' own arrays (object tables, mark stacks, bitmaps), grown by
 * doubling and given back when what they hold has fallen far below their
 * size. A collector cannot refuse half-way through a collection, so memory
 * the system will not give ends the run with one line naming the array.
 *
 * Each array is its own mapping, outside the allocator under test, which
 * then sees only the workload's objects: a table's growth or shrinking in
 * glibc's heap would free or ask for a large block, and glibc answers that
 * by first consolidating every small chunk freed so far (a collection that
 * had just freed a million objects took 60% longer). mremap also grows and
 * shrinks without copying. Under AddressSanitizer the arrays come from
 * malloc instead, whose redzones catch an index past the end.
 *
 * An array the system will not grow (ulimit -v, overcommit refused) ends
 * the run as an allocation the allocator refused would: through the heap's
 * out-of-memory handler (array_out_of_memory), the stats so far printed.
 */
#ifndef HEAPLAB_GROWABLE_ARRAY_H
#define HEAPLAB_GROWABLE_ARRAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "heap_base.h"
#include "object.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARRAYS_FROM_MALLOC 1
#else
#define ARRAYS_FROM_MALLOC 0
#endif

/* Bytes the collector's arrays hold now (impl/heap_base.c), so that tests
 * can see them given back. */
extern size_t growable_array_bytes;

/* `array` of `count` entries of `size` bytes moved to room for `new_count`
 * (at least 1), or NULL, the array left as it was, when the system will not
 * give the memory. Entries past the old count are zero when mapped,
 * undefined from malloc. */
static inline void *resize_array(void *array, size_t count, size_t new_count, size_t size) {
    if (new_count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size, new_bytes = new_count * size;
    void *moved;
    if (ARRAYS_FROM_MALLOC) {
        moved = realloc(array, new_bytes);
    } else {
        moved = array ? mremap(array, bytes, new_bytes, MREMAP_MAYMOVE)
                      : mmap(NULL, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (moved == MAP_FAILED) moved = NULL;
    }
    if (moved) growable_array_bytes += new_bytes - bytes;
    return moved;
}

/* The run ends here: an array the collector needs could not grow. The heap
 * may be halfway through a collection, so `b->abandoned` is set first: its
 * heap_destroy must then give back only the arrays, not walk the objects
 * (they go back with the process). The handler does not return. */
_Noreturn static inline void array_out_of_memory(heap *h, heap_base *b, size_t entries, size_t size, const char *what) {
    b->abandoned = true;
    /* While tearing down, after an out-of-memory exit's summary, nothing more to say. */
    if (!b->tearing_down)
        fprintf(stderr, "heaplab: %s: no memory for the %s to grow to %zu entries\n", gc_name, what, entries);
    heap_base_out_of_memory(h, b, entries <= SIZE_MAX / size ? entries * size : SIZE_MAX);
}

/* Gives back an array of `count` entries of `size` bytes (NULL: none). */
static inline void release_array(void *array, size_t count, size_t size) {
    if (!array) return;
    growable_array_bytes -= count * size;
    if (ARRAYS_FROM_MALLOC) free(array);
    else munmap(array, count * size);
}

/* Doubles `*capacity` (from `initial` when 0) until it holds `needed`
 * entries of `size` bytes; NULL, the array and its capacity as they were,
 * when the system will not give the memory (`*wanted`: the entries asked). */
static inline void *grow_array(void *array, size_t *capacity, size_t needed, size_t size, size_t initial,
                               size_t *wanted) {
    size_t grown = *capacity ? *capacity : initial;
    while (grown < needed && grown <= SIZE_MAX / 2) grown *= 2;
    *wanted = grown;
    void *moved = grown >= needed ? resize_array(array, *capacity, grown, size) : NULL;
    if (moved) *capacity = grown;
    return moved;
}

/* Whether an array of `capacity` entries that holds `needed` is worth
 * shrinking: more than four times both that and `floor`. The gap between
 * where it grows and where it shrinks keeps an array whose use swings from
 * reallocating at every swing, and the floor keeps small arrays as they are. */
static inline bool array_oversized(size_t capacity, size_t needed, size_t floor) {
    return capacity / 4 > (needed > floor ? needed : floor);
}

/* An oversized array shrunk to the doubling of `floor` that holds twice
 * `needed`; any other as it is, and so is one the system will not move
 * (giving room back is never needed). */
static inline void *shrink_array(void *array, size_t *capacity, size_t needed, size_t size, size_t floor) {
    if (!array_oversized(*capacity, needed, floor)) return array;
    size_t kept = floor;
    while (kept < 2 * needed) kept *= 2;
    void *moved = resize_array(array, *capacity, kept, size);
    if (!moved) return array;
    *capacity = kept;
    return moved;
}

#endif
