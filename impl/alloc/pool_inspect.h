/*
 * A window into the pool allocator's bookkeeping, for its unit tests only:
 * nothing in the harness or the collectors includes this.
 */
#ifndef HEAPLAB_POOL_INSPECT_H
#define HEAPLAB_POOL_INSPECT_H

#include <stddef.h>

enum pool_state { POOL_EMPTY, POOL_USED, POOL_FULL };

typedef struct pool_census {
    size_t arenas_mapped;  /* arenas currently held from the OS */
    size_t arenas_empty;   /* of those, arenas holding no block (kept for reuse) */
    size_t pools_empty;    /* pools holding no block: free, idle or never carved */
    size_t pools_used;     /* partially full pools */
    size_t pools_full;
} pool_census;

/* The size class serving `size` (0 for 1..16, 31 for 497..512), or -1 when
 * the request goes to malloc. */
int pool_size_class(size_t size);
/* How many blocks the pool holding a small block has room for (the first
 * pool of an arena holds fewer: the arena's header page comes first). */
size_t pool_capacity_of(const void *block);
/* The state of the pool holding a small block (its arena must be mapped). */
enum pool_state pool_state_of(const void *block);
/* Walks every mapped arena and pool. */
void pool_take_census(pool_census *census);

#endif
