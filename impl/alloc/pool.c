/*
 * pool: pymalloc's design. Requests up to 512 bytes are served from 32 size
 * classes, 16 bytes apart. Blocks of one class come from a pool (16 KiB);
 * pools are carved from arenas (1 MiB, mmapped). Larger requests go to
 * malloc.
 *
 * Inside a pool, freed blocks form a free list; blocks never used yet are
 * handed out from a bump pointer, so a fresh pool costs no initialisation
 * of its blocks, and an arena's pages are touched only as pools are carved.
 * Each class has a list of its partially full ("used") pools: allocation
 * takes the first, so it is O(1). Full pools sit on no list; a free into
 * one puts it back on the list.
 *
 * Arenas are kept in buckets by their count of free pools, so a new pool is
 * taken from the fullest arena that has one: the emptiest arenas are then
 * the likeliest to drain. An arena holding no block goes back to the OS
 * unless it is among the most recently drained keep-arenas, plus a reserve
 * of reserve-percent of the arenas in use.
 *
 * Where this departs from pymalloc, for speed:
 * - Frees are sized, so the size class comes from the size, and we never
 *   have to ask whether an address is ours (pymalloc's address_in_range).
 * - Arenas are aligned to their size and the pool headers sit together in
 *   the arena's first page, found by masking and shifting the address. A
 *   free into a random pool then touches one hot page of headers instead of
 *   a cold cache line and TLB entry at the head of every pool.
 * - A full pool that gets a block back joins the tail of the used list, not
 *   the head: it is reached after more frees have gathered in it, so with
 *   frees spread over many full pools, one trip on and off the list serves
 *   many allocations rather than one (mimalloc's pages behave alike).
 * - A pool whose last block is freed stays on its class's used list, idle,
 *   if it is the only one there: allocating and freeing one object at a time
 *   does not shuttle a pool between the class and its arena on every call.
 *   An idle pool is always its class's head, so there are at most 32, and
 *   whether an arena is drained (every pool free or idle) is found by looking
 *   at the heads, on the slow paths only. The one arena not looked at is the
 *   allocation front (the arena that gave out the latest pool): when one
 *   object at a time is allocated and freed there, its arena drains and
 *   revives on every call, and tracking that cost pymalloc its speed on that
 *   pattern. The front is looked at when the front moves on, and while any
 *   other arena is drained (so a heap freed whole keeps exactly keep-arenas).
 *   A drained arena has no pool left on a used list: its idle pools go back
 *   to it.
 * - pymalloc unmaps a drained arena at once (keeping one). A collector that
 *   frees in bulk drains many at a time and refills them within a
 *   collection cycle: under mark-sweep, GCBench mapped, faulted in and
 *   unmapped tens of megabytes per collection, 40% of its run time in the
 *   kernel. Drained arenas are kept instead as a reserve in proportion to
 *   the arenas in use (reserve-percent of them), the oldest released first
 *   when an arena drains past it: a heap that sweeps half of itself and
 *   refills it keeps what it refills, and one that frees everything keeps
 *   keep-arenas. No clock: the same calls keep the same arenas.
 *
 * Single-threaded by design (like obmalloc under the GIL): no locks, no
 * atomics. A heap and its allocator belong to one thread.
 */
#include "../alloc.h"
#include "pool_inspect.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif

#ifdef POOL_ASAN
/* Free blocks and untouched pool space are poisoned, so a use after free
 * inside a pool is caught even though the memory stays mapped. */
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGNMENT 16
#define SMALL_LIMIT 512
#define NUM_CLASSES (SMALL_LIMIT / ALIGNMENT)
#define POOL_SHIFT 14
#define POOL_SIZE ((size_t)1 << POOL_SHIFT)
#define ARENA_SIZE ((size_t)1 << 20)
#define POOLS_PER_ARENA ((unsigned)(ARENA_SIZE / POOL_SIZE))
/* The arena's own page: its header and the headers of its 64 pools. Pool 0's
 * blocks start after it. */
#define ARENA_HEADER ((size_t)4096)

typedef struct block {
    struct block *next;
} block;

typedef struct pool {
    block *free_blocks;       /* freed blocks, last freed first */
    char *bump;               /* first never-used block */
    struct pool *next, *prev; /* the class's used list; `next` alone on the arena's free list */
    uint32_t used_blocks;     /* blocks allocated now */
    uint32_t capacity;        /* 0 while the pool is free (on the arena's free list or never carved) */
    uint32_t block_size;
    uint32_t size_class;
} pool;

typedef struct arena {
    pool pools[POOLS_PER_ARENA];
    pool *free_pools;         /* pools given back, ready for any class */
    unsigned free_count;      /* free pools: on free_pools or never carved */
    unsigned carved;          /* pools handed out at least once; the rest are untouched */
    bool drained;             /* no block allocated: counted in arenas_empty, on the drained list */
    struct arena *next, *prev;  /* the bucket for free_count */
    struct arena *later, *earlier; /* the drained list, oldest first */
} arena;

_Static_assert(POOLS_PER_ARENA == 64, "one bit per free-pool count in a 64-bit mask");
_Static_assert(sizeof(arena) <= ARENA_HEADER, "the arena's headers must fit in its first page");

/* Partially full pools of each class, head and tail; allocation serves
 * from the head. */
static pool *used_pools[NUM_CLASSES];
static pool *used_tails[NUM_CLASSES];
/* Arenas by number of free pools: [0] none free, [POOLS_PER_ARENA] all. */
static arena *arenas_by_free[POOLS_PER_ARENA + 1];
/* Bit n set when arenas_by_free[n] is non-empty (n < 64), so the fullest
 * arena with a free pool is one count-trailing-zeros away. */
static uint64_t nonempty_buckets;

/* arenas_empty counts drained arenas: those holding no allocated block. */
static size_t arenas_mapped, arenas_empty, large_bytes;
/* Drained arenas in the order they drained: the oldest is released first. */
static arena *drained_oldest, *drained_newest;
/* The arena that gave out the latest new pool: while no other arena is
 * drained, a pool emptied there stays idle without a look at whether its
 * arena drained. None with keep-arenas 0. */
static arena *alloc_front;

enum { KNOB_KEEP_ARENAS, KNOB_RESERVE_PERCENT };
const char alloc_name[] = "pool";
const bool alloc_frees = true;
const knob alloc_knobs[] = {
    [KNOB_KEEP_ARENAS] = {"keep-arenas", "drained arenas (holding no block) kept mapped however long they wait",
                          1, 0, 1024, true},
    [KNOB_RESERVE_PERCENT] = {"reserve-percent",
                              "drained arenas beyond keep-arenas kept mapped, in percent of the arenas in use",
                              400, 0, 100000, true},
    {NULL},
};
static size_t keep_arenas = 1;
static size_t reserve_percent = 400;

static inline arena *arena_of(const void *p) {
    return (arena *)((uintptr_t)p & ~(uintptr_t)(ARENA_SIZE - 1));
}

/* Masking and shifting, no load: the headers live in the arena's first page,
 * which stays hot, rather than one cache line and TLB entry per pool. */
static inline pool *pool_of(const void *p) {
    return &arena_of(p)->pools[((uintptr_t)p >> POOL_SHIFT) & (POOLS_PER_ARENA - 1)];
}

static inline char *pool_memory(const arena *a, const pool *p) {
    return (char *)a + (size_t)(p - a->pools) * POOL_SIZE;
}

/* ---- the used lists ---- */

/* A new pool goes first: it is the one to allocate from. */
static inline void used_push(pool *p) {
    pool **head = &used_pools[p->size_class];
    p->prev = NULL;
    p->next = *head;
    if (*head) (*head)->prev = p;
    else used_tails[p->size_class] = p;
    *head = p;
}

/* A full pool that got a block back joins at the tail: by the time
 * allocation reaches it, more frees have gathered there, so one trip on and
 * off the list serves many blocks instead of one. */
static inline void used_append(pool *p) {
    pool **tail = &used_tails[p->size_class];
    p->next = NULL;
    p->prev = *tail;
    if (*tail) (*tail)->next = p;
    else used_pools[p->size_class] = p;
    *tail = p;
}

static inline void used_unlink(pool *p) {
    if (p->prev) p->prev->next = p->next;
    else used_pools[p->size_class] = p->next;
    if (p->next) p->next->prev = p->prev;
    else used_tails[p->size_class] = p->prev;
}

/* ---- arenas ---- */

static void bucket_unlink(arena *a) {
    unsigned n = a->free_count;
    if (a->prev) a->prev->next = a->next;
    else if (!(arenas_by_free[n] = a->next) && n < 64) nonempty_buckets &= ~((uint64_t)1 << n);
    if (a->next) a->next->prev = a->prev;
}

static void bucket_link(arena *a) {
    unsigned n = a->free_count;
    a->prev = NULL;
    a->next = arenas_by_free[n];
    if (a->next) a->next->prev = a;
    arenas_by_free[n] = a;
    if (n < 64) nonempty_buckets |= (uint64_t)1 << n;
}

static inline void set_free_count(arena *a, unsigned free_count) {
    bucket_unlink(a);
    a->free_count = free_count;
    bucket_link(a);
}

static void drained_append(arena *a) {
    a->drained = true;
    a->later = NULL;
    a->earlier = drained_newest;
    if (drained_newest) drained_newest->later = a;
    else drained_oldest = a;
    drained_newest = a;
    arenas_empty++;
}

static void drained_unlink(arena *a) {
    if (a->earlier) a->earlier->later = a->later;
    else drained_oldest = a->later;
    if (a->later) a->later->earlier = a->earlier;
    else drained_newest = a->earlier;
    a->drained = false;
    arenas_empty--;
}

static arena *map_arena(void) {
    /* Over-map and trim to an arena-aligned megabyte, so that masking an
     * address finds its arena. */
    size_t span = 2 * ARENA_SIZE;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    char *base = (char *)(((uintptr_t)raw + ARENA_SIZE - 1) & ~(uintptr_t)(ARENA_SIZE - 1));
    if (base > raw) munmap(raw, (size_t)(base - raw));
    munmap(base + ARENA_SIZE, (size_t)(raw + span - (base + ARENA_SIZE)));
    /* mmap's zeroed pages are a valid header: every pool free (capacity 0). */
    arena *a = (arena *)base;
    a->free_count = POOLS_PER_ARENA;
    POISON(base + ARENA_HEADER, ARENA_SIZE - ARENA_HEADER);
    arenas_mapped++;
    drained_append(a);
    bucket_link(a);
    return a;
}

static void release_drained_arena(arena *a) {
    if (a == alloc_front) alloc_front = NULL;
    bucket_unlink(a);
    drained_unlink(a);
    /* The addresses may be mapped again by anyone: leave no poison behind. */
    UNPOISON(a, ARENA_SIZE);
    arenas_mapped--;
    munmap(a, ARENA_SIZE);
}

/* Whether a holds no block: every pool free, or idle at the head of its
 * class's used list (an idle pool is always a head, so there are at most
 * NUM_CLASSES of them, and an arena with more pools in use is not drained).
 * If so, its idle pools go back to its free list and it joins the drained
 * list. Called on slow paths only. */
static bool drain_if_empty(arena *a) {
    if (a->drained || POOLS_PER_ARENA - a->free_count > NUM_CLASSES) return false;
    unsigned idle = 0;
    for (unsigned c = 0; c < NUM_CLASSES; c++) {
        const pool *head = used_pools[c];
        idle += head && head->used_blocks == 0 && arena_of(head) == a;
    }
    if (a->free_count + idle < POOLS_PER_ARENA) return false;
    for (unsigned c = 0; c < NUM_CLASSES && idle; c++) {
        pool *head = used_pools[c];
        if (!head || head->used_blocks || arena_of(head) != a) continue;
        used_unlink(head);
        head->capacity = 0;
        head->next = a->free_pools;
        a->free_pools = head;
        idle--;
    }
    set_free_count(a, POOLS_PER_ARENA);
    drained_append(a);
    return true;
}

/* Releases drained arenas, oldest first, beyond keep-arenas plus
 * reserve-percent of the arenas in use. A count, not a clock: the same
 * sequence of calls keeps and releases the same arenas on every run, and
 * the allocation and free fast paths never look at it. The front, which
 * frees do not look at while no other arena is drained, is looked at first,
 * so that the count is exact. */
static void release_beyond_reserve(void) {
    if (alloc_front) drain_if_empty(alloc_front);
    size_t in_use = arenas_mapped - arenas_empty;
    size_t allowed = keep_arenas + in_use * reserve_percent / 100;
    while (arenas_empty > allowed) release_drained_arena(drained_oldest);
}

/* Applies at once, so lowering either knob later also gives memory back.
 * With keep-arenas 0 there is no front: every drained arena goes at once. */
void alloc_set_knob(int index, double value) {
    if (index == KNOB_KEEP_ARENAS) keep_arenas = (size_t)value;
    else if (index == KNOB_RESERVE_PERCENT) reserve_percent = (size_t)value;
    if (!keep_arenas && alloc_front) {
        arena *front = alloc_front;
        alloc_front = NULL;
        drain_if_empty(front);
    }
    release_beyond_reserve();
}

/* ---- pools: the slow paths ---- */

/* Fresh pools' pages are faulted in by one system call, PREFAULT_POOLS
 * pools (256 KiB) at a time as the first of them is carved, rather than one
 * page fault at a time as the bump pointer reaches them: filling fresh
 * memory runs about a fifth faster, and a call per 16 pools instead of per
 * pool another fifth (allocbench batch 212 -> 189 ns). Still lazy, a group at
 * a time; on a kernel without MADV_POPULATE_WRITE (before 5.14) this quietly
 * does nothing. */
#define PREFAULT_POOLS 16u
_Static_assert(POOLS_PER_ARENA % PREFAULT_POOLS == 0, "a group of pools never crosses its arena's end");

static void prefault(void *memory, size_t size) {
#ifdef MADV_POPULATE_WRITE
    madvise(memory, size, MADV_POPULATE_WRITE);
#else
    (void)memory;
    (void)size;
#endif
}

/* The class has no used pool: take a free one from the fullest arena that
 * has one, an empty arena next, a new arena last. That arena becomes the
 * allocation front; the one it replaces is looked at for whether it drained. */
__attribute__((noinline)) static pool *new_pool(unsigned size_class) {
    uint64_t partial = nonempty_buckets & ~(uint64_t)1;
    arena *a;
    if (partial) a = arenas_by_free[__builtin_ctzll(partial)];
    else if (!(a = arenas_by_free[POOLS_PER_ARENA]) && !(a = map_arena())) return NULL;

    pool *p;
    if (a->free_pools) {
        p = a->free_pools;
        a->free_pools = p->next;
    } else {
        p = &a->pools[a->carved++];
        if ((unsigned)(p - a->pools) % PREFAULT_POOLS == 0) prefault(pool_memory(a, p), PREFAULT_POOLS * POOL_SIZE);
    }
    set_free_count(a, a->free_count - 1);
    if (a->drained) drained_unlink(a);
    if (a != alloc_front && keep_arenas) {
        arena *previous = alloc_front;
        alloc_front = a;
        if (previous && drain_if_empty(previous)) release_beyond_reserve();
    }

    char *memory = pool_memory(a, p);
    char *first = p == a->pools ? memory + ARENA_HEADER : memory;
    p->free_blocks = NULL;
    p->bump = first;
    p->used_blocks = 0;
    p->block_size = (size_class + 1) * ALIGNMENT;
    p->capacity = (uint32_t)((size_t)(memory + POOL_SIZE - first) / p->block_size);
    p->size_class = size_class;
    used_push(p);
    return p;
}

/* The last block of p was freed. If p is its class's only used pool it
 * stays there, idle, so that allocating and freeing one object at a time
 * does not move a pool in and out of its arena on every call; otherwise it
 * goes back to its arena. Either way, outside the allocation front, its
 * arena may now be drained. */
__attribute__((noinline)) static void pool_emptied(pool *p) {
    arena *a = arena_of(p);
    if (p->prev || p->next) {
        used_unlink(p);
        p->capacity = 0;
        p->next = a->free_pools;
        a->free_pools = p;
        set_free_count(a, a->free_count + 1);
    }
    if (drain_if_empty(a)) release_beyond_reserve();
}

/* ---- large requests ---- */

__attribute__((noinline)) static void *large_allocate(size_t size) {
    void *p = malloc(size);
    if (p) large_bytes += size;
    return p;
}

__attribute__((noinline)) static void large_free(void *ptr, size_t size) {
    free(ptr);
    large_bytes -= size;
}

/* ---- the interface ---- */

void *alloc_allocate(size_t size) {
    if (size - 1 >= SMALL_LIMIT) return large_allocate(size);
    unsigned size_class = (unsigned)((size - 1) / ALIGNMENT);
    pool *p = used_pools[size_class];
    if (__builtin_expect(!p, 0) && !(p = new_pool(size_class))) return NULL;
    block *b = p->free_blocks;
    if (b) {
        UNPOISON(b, p->block_size);
        p->free_blocks = b->next;
        /* Freed blocks come back in the order they died, scattered over the
         * pool: fetch the next one's line now, so that the next allocation
         * of this class does not wait for it. */
        __builtin_prefetch(p->free_blocks, 1);
    } else {
        /* A used pool with no free block still has room past the bump. */
        b = (block *)p->bump;
        p->bump += p->block_size;
        UNPOISON(b, p->block_size);
    }
    if (++p->used_blocks == p->capacity) used_unlink(p);
    return b;
}

void alloc_free(void *ptr, size_t size) {
    if (size - 1 >= SMALL_LIMIT) {
        large_free(ptr, size);
        return;
    }
    pool *p = pool_of(ptr);
    block *b = ptr;
    b->next = p->free_blocks;
    p->free_blocks = b;
    POISON(b, p->block_size);
    uint32_t was_used = p->used_blocks--;
    if (was_used == p->capacity) used_append(p);
    else if (__builtin_expect(was_used == 1, 0) && (p->prev || p->next || arena_of(p) != alloc_front || arenas_empty))
        pool_emptied(p);
}

size_t alloc_footprint(void) { return arenas_mapped * ARENA_SIZE + large_bytes; }

/* ---- inspection, for tests ---- */

int pool_size_class(size_t size) {
    return size - 1 >= SMALL_LIMIT ? -1 : (int)((size - 1) / ALIGNMENT);
}

size_t pool_capacity_of(const void *block_address) { return pool_of(block_address)->capacity; }

enum pool_state pool_state_of(const void *block_address) {
    const pool *p = pool_of(block_address);
    if (p->used_blocks == 0) return POOL_EMPTY;
    return p->used_blocks == p->capacity ? POOL_FULL : POOL_USED;
}

void pool_take_census(pool_census *census) {
    *census = (pool_census){.arenas_mapped = arenas_mapped, .arenas_empty = arenas_empty};
    for (unsigned n = 0; n <= POOLS_PER_ARENA; n++) {
        for (const arena *a = arenas_by_free[n]; a; a = a->next) {
            for (unsigned i = 0; i < POOLS_PER_ARENA; i++) {
                const pool *p = &a->pools[i];
                if (p->used_blocks == 0) census->pools_empty++;
                else if (p->used_blocks == p->capacity) census->pools_full++;
                else census->pools_used++;
            }
        }
    }
}
