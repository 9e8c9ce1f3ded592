/*
 * The allocator a collector sits on. One back end per file in impl/alloc/;
 * each harness binary links exactly one. Frees are sized: the collector
 * always knows an object's size, so no back end needs to look it up.
 *
 * A back end that needs a library says so in a line of its source file:
 *     // link: -lfoo
 * and the Makefile adds those flags when it links that back end.
 */
#ifndef HEAPLAB_ALLOC_H
#define HEAPLAB_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "knob.h"

extern const char alloc_name[];
/* Whether alloc_free gives the block back for reuse. A back end whose free
 * does nothing (a bump allocator) says false, and a line in its file,
 *     // build: never-frees
 * pairs it only with collectors that reclaim nothing (the heap refuses any
 * other pairing at creation). */
extern const bool alloc_frees;
/* The back end's knobs ({NULL} terminated), set before the first allocation. */
extern const knob alloc_knobs[];
void alloc_set_knob(int index, double value);

/* 16-byte aligned; NULL when the memory cannot be had. */
void *alloc_allocate(size_t size);
void alloc_free(void *ptr, size_t size);
/* Bytes this back end holds from the operating system now. */
size_t alloc_footprint(void);

#endif
