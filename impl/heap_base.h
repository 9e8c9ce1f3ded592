/*
 * What every collector's heap has in common: the root stack, the counters
 * behind heap_stats, stress and verify mode, the listener and the
 * out-of-memory path. A collector's `struct heap` starts with a heap_base.
 */
#ifndef HEAPLAB_HEAP_BASE_H
#define HEAPLAB_HEAP_BASE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "object.h"
#include "roots.h"
#include "verify.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* No budget exceeds this, so that any object past the shape limits (at least
 * 8 x OBJ_MAX_REFS bytes) is caught in the checked path, not the fast one. */
#define BUDGET_CAP ((uint64_t)OBJ_MAX_REFS * sizeof(obj *))

typedef struct heap_base {
    root_stack roots;
    heap_config config;
    gc_event_listener listener; /* a copy; all-NULL when none was given */
    uint64_t objects_allocated, objects_freed, bytes_freed;
    uint64_t peak_live_bytes;
    uint64_t collections;
    /* Bytes the allocation fast path may still hand out before it must stop
     * in the collector's checked path: 0 in stress and verify mode and
     * under fault injection (every allocation is checked), otherwise the
     * least of the room under the heap limit, what the collector's own
     * triggers allow, and BUDGET_CAP. Every allocation takes its size off
     * (the checked path's may take it below zero: the arithmetic is
     * modular), and that is the only byte count an allocation updates:
     * bytes allocated are what was allocated when the budget was set plus
     * what it has lost since, live bytes those less the bytes freed. */
    uint64_t allocation_budget;
    uint64_t budget_set_to, bytes_allocated_when_set;
    uint64_t next_tick_bytes;     /* bytes_allocated at the listener's next allocation tick */
    uint64_t stress_countdown;    /* allocations left before a stress collection */
    uint64_t stress_collections;
    uint64_t allocator_requests;  /* counted only under fault injection */
    bool tearing_down;            /* heap_destroy: no events, no stress */
    bool collecting;              /* inside a collection: frees are its own, not cascades */
    bool abandoned;               /* an array could not grow: the run is ending (growable_array.h) */
    /* The count of a cascade's frees at which the listener's cascade_timed
     * is due: 0 (never) without one. */
    uint64_t cascade_timed_at;
    uint64_t cascades, cascade_objects, cascade_max_objects, cascades_by_length[64];
    object_registry registry;     /* verify mode only */
} heap_base;

void heap_base_init(heap_base *b, const heap_config *config);
void heap_base_release(heap_base *b);

/* Aborts with a message if a workload asked for an object past the limits. */
void heap_base_check_shape(uint32_t nrefs, uint32_t nbytes);

/* Sets a new block's slots to NULL: from `from` bytes into the block, where
 * they begin, to the next multiple of 16 at or past their end (still inside
 * the block: sizes are multiples of 16). The data is left as the allocator
 * gave it, as malloc leaves it; a workload writes what it reads, and verify
 * mode fills the data with OBJ_VERIFY_FILL so that one that does not is
 * caught. Most objects have few slots: up to 64 bytes it is four
 * overlapping 16-byte stores whose addresses are picked without a branch,
 * since branching on the length, as memset does, mispredicts with every
 * change of shape. An atom (a constant 0 slots) compiles to nothing. */
static inline void heap_base_clear_slots(void *block, size_t from, uint32_t nrefs) {
    typedef struct { uint64_t word[2]; } sixteen_bytes;
    static const sixteen_bytes zero;
    char *p = (char *)block + from;
    size_t n = ((from + (size_t)nrefs * sizeof(obj *) + 15) & ~(size_t)15) - from;
    /* Never that large (the shape limits); said, because once inlined the
     * compiler may think otherwise and warn about the memset below. */
    if (n > PTRDIFF_MAX) __builtin_unreachable();
    if (LIKELY(n - 16 <= 48)) {
        size_t inner = n > 32 ? 16 : 0;
        memcpy(p, &zero, 16);
        memcpy(p + inner, &zero, 16);
        memcpy(p + n - 16 - inner, &zero, 16);
        memcpy(p + n - 16, &zero, 16);
    } else if (n > 64) {
        memset(p, 0, n);
    } else if (n) {
        memcpy(p, &zero, 8);
    }
}

static inline uint64_t heap_base_bytes_allocated(const heap_base *b) {
    return b->bytes_allocated_when_set + (b->budget_set_to - b->allocation_budget);
}

static inline uint64_t heap_base_live_bytes(const heap_base *b) {
    return heap_base_bytes_allocated(b) - b->bytes_freed;
}

/* Sets the allocation budget from the mode, the heap limit, the listener's
 * allocation clock and `collector_room` (UINT64_MAX when the collector has
 * no trigger of its own); first gives the clock its tick if one is due. */
void heap_base_reset_budget(heap_base *b, uint64_t collector_room);
/* Calls the configured handler, which must not return; aborts otherwise. */
_Noreturn void heap_base_out_of_memory(heap *h, heap_base *b, size_t requested);

/* A heap whose leaks are its result (what pure counting or no collection
 * at all leaves allocated): LeakSanitizer is not to report what is
 * allocated while it lives. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS_ARE_RESULTS_BEGIN() __lsan_disable()
#define LEAKS_ARE_RESULTS_END() __lsan_enable()
#else
#define LEAKS_ARE_RESULTS_BEGIN() ((void)0)
#define LEAKS_ARE_RESULTS_END() ((void)0)
#endif

/* Stress mode: true when this allocation should be preceded by a collection. */
static inline bool heap_base_stress_due(heap_base *b) {
    if (!b->config.stress_interval || b->tearing_down) return false;
    if (--b->stress_countdown) return false;
    b->stress_countdown = b->config.stress_interval;
    return true;
}

/* Which generation a stress collection collects: round-robin over every
 * generation so that young and full collections are both exercised. */
static inline int heap_base_stress_generation(heap_base *b, int generations) {
    int g = (int)(b->stress_collections++ % (uint64_t)generations);
    return g == generations - 1 ? -1 : g;
}

static inline bool heap_base_over_limit(const heap_base *b, size_t size) {
    return b->config.heap_limit_bytes && heap_base_live_bytes(b) + size > b->config.heap_limit_bytes;
}

/* The peak is not followed on every allocation: live bytes only fall where
 * objects are freed, so noting the peak before anything is freed (a
 * collection, a refcount release) and when it is read is enough. */
static inline void heap_base_count_allocation(heap_base *b, size_t size) {
    b->objects_allocated++;
    b->allocation_budget -= size;
}

static inline void heap_base_note_peak(heap_base *b) {
    uint64_t live = heap_base_live_bytes(b);
    if (live > b->peak_live_bytes) b->peak_live_bytes = live;
}

/* The checked path's part after allocating: verify mode registers the object
 * and fills its data. */
static inline void heap_base_register(heap_base *b, obj *o, size_t size) {
    if (!b->config.verify) return;
    registry_add(&b->registry, o, size);
    memset(obj_data(o), OBJ_VERIFY_FILL, o->nbytes);
}

/* A run of frees (a refcount cascade, a sweep) is tallied in locals and
 * added to the heap's counters once at the end: the allocator's free is a
 * call the compiler must assume may touch the heap, so counters in memory
 * would be reloaded and stored around every one. */
typedef struct heap_frees {
    uint64_t objects, bytes;
    bool verify;
} heap_frees;

static inline heap_frees heap_base_frees_begin(heap_base *b) {
    heap_base_note_peak(b);
    return (heap_frees){.verify = b->config.verify};
}

static inline void heap_frees_count(heap_base *b, heap_frees *f, obj *o, size_t size) {
    f->objects++;
    f->bytes += size;
    if (UNLIKELY(f->verify)) registry_remove(&b->registry, o);
}

static inline void heap_base_frees_end(heap_base *b, const heap_frees *f) {
    b->objects_freed += f->objects;
    b->bytes_freed += f->bytes;
}

/* A cascade is the listener's unless the heap is being torn down or a
 * collection is under way (its frees belong to its pause). */
static inline bool heap_base_cascade_reported(const heap_base *b) { return !b->tearing_down && !b->collecting; }

/* The cascade's cascade_timed_at-th object has died: out of line, since
 * only long cascades get here. */
__attribute__((noinline, cold)) void heap_base_cascade_timed(heap_base *b);

/* A cascade that freed f (two objects or more) has ended: counted here,
 * exactly, with no call; the listener hears of it only if it was timed. */
static inline void heap_base_cascade_end(heap_base *b, const heap_frees *f) {
    if (!heap_base_cascade_reported(b)) return;
    b->cascades++;
    b->cascade_objects += f->objects;
    b->cascades_by_length[63 - __builtin_clzll(f->objects)]++;
    if (f->objects > b->cascade_max_objects) b->cascade_max_objects = f->objects;
    if (UNLIKELY(b->cascade_timed_at && f->objects >= b->cascade_timed_at) && b->listener.cascade_end)
        b->listener.cascade_end(b->listener.data, f->objects, f->bytes);
}

static inline void heap_base_collection_begin(heap_base *b, int generation) {
    heap_base_note_peak(b);
    b->collections++;
    if (b->listener.collection_begin && !b->tearing_down) b->listener.collection_begin(b->listener.data, generation);
}

static inline void heap_base_collection_end(heap_base *b, gc_collection_summary *summary) {
    summary->live_bytes_after = heap_base_live_bytes(b);
    if (b->listener.collection_end && !b->tearing_down) b->listener.collection_end(b->listener.data, summary);
}

/* ---- the checked allocation path ----
 *
 * A collector's obj_new is a fast path: take the size off the allocation
 * budget, allocate, initialise. Whatever the budget does not cover goes to
 * the checked path, which is the same for every collector but for the hooks
 * below: the shape check, a stress collection, the collector's own trigger,
 * the heap limit (a collection first, where one can make room), the
 * allocator (asked again after a collection if it says no), then the new
 * object's initialisation, verify mode's registration and fill, and a new
 * budget. Forgetting the last is how a collector silently stops the heap
 * limit and the allocation clock: this is the one place it is done. */
typedef struct checked_path {
    /* Bytes in front of the public object for this shape. */
    size_t (*header_size)(uint32_t nrefs);
    /* Generations stress collections go round-robin over (1: always full). */
    int generations;
    /* Collects `generation` (-1: everything). */
    void (*collect)(heap *h, int generation);
    /* The collector's own trigger: whether this allocation of `size` bytes
     * is to be preceded by a full collection (NULL: it has none here). */
    bool (*trigger_due)(heap *h, size_t size);
    /* Whether a full collection can make room: false for a collector that
     * frees only at the last reference, or never. */
    bool collecting_makes_room;
    /* Where the block comes from: NULL for impl/alloc.h's alloc_allocate(size);
     * a collector whose objects another runtime makes (cpython, bdw) makes
     * one here, NULL when it cannot. */
    void *(*allocate)(heap *h, uint32_t nrefs, uint32_t nbytes, size_t size);
    /* The new block's header, slots and data, pushed on the roots; as the
     * fast path does it, after any room it needs is made. */
    obj *(*init_object)(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size);
    /* The next budget: heap_base_reset_budget with the collector's room. */
    void (*reset_budget)(heap *h);
} checked_path;

/* reset_budget for a collector with no trigger of its own (`h` begins with
 * its heap_base). */
static inline void heap_base_reset_budget_untriggered(heap *h) { heap_base_reset_budget((heap_base *)h, UINT64_MAX); }

/* heap_collect for a collector with nothing to trace: the collection is
 * counted, reported and, in verify mode, the heap checked (`refcount` as for
 * heap_base_check). */
void heap_base_collect_nothing(heap_base *b, int generation, uint64_t (*refcount)(const obj *o));

/* The checked path's request for a block: under fault injection (every
 * allocation checked) it is refused once the allowance is spent. */
__attribute__((always_inline)) static inline void *heap_base_allocate(heap *h, heap_base *b, const checked_path *p,
                                                                      uint32_t nrefs, uint32_t nbytes, size_t size) {
    if (UNLIKELY(b->config.fail_after_allocations) && b->allocator_requests++ >= b->config.fail_after_allocations)
        return NULL;
    return p->allocate ? p->allocate(h, nrefs, nbytes, size) : alloc_allocate(size);
}

/* The checked path, inlined into the collector's own (out of line)
 * obj_new_checked with its constant hooks. `h` begins with `b`. */
__attribute__((always_inline)) static inline obj *heap_base_new_checked(heap *h, heap_base *b, const checked_path *p,
                                                                        uint32_t nrefs, uint32_t nbytes) {
    heap_base_check_shape(nrefs, nbytes);
    size_t size = obj_footprint(p->header_size(nrefs), nrefs, nbytes);
    bool collected_all = false;
    if (heap_base_stress_due(b)) {
        int g = heap_base_stress_generation(b, p->generations);
        p->collect(h, g);
        collected_all = g < 0;
    } else if (p->trigger_due && p->trigger_due(h, size)) {
        p->collect(h, -1);
        collected_all = true;
    }
    if (heap_base_over_limit(b, size)) {
        if (p->collecting_makes_room && !collected_all) p->collect(h, -1), collected_all = true;
        if (heap_base_over_limit(b, size)) heap_base_out_of_memory(h, b, size);
    }
    void *block = heap_base_allocate(h, b, p, nrefs, nbytes, size);
    if (!block && p->collecting_makes_room) {
        /* The allocator said no: what a collection frees may be enough. */
        p->collect(h, -1);
        block = heap_base_allocate(h, b, p, nrefs, nbytes, size);
    }
    if (!block) heap_base_out_of_memory(h, b, size);
    obj *o = p->init_object(h, block, nrefs, nbytes, size);
    heap_base_register(b, o, size);
    p->reset_budget(h);
    return o;
}

/* The fields of heap_stats every collector fills the same way. */
void heap_base_stats(const heap_base *b, heap_stats *stats);

/* Verify mode's whole-heap check; `refcount` NULL for a tracing collector. */
void heap_base_check(heap_base *b, uint64_t (*refcount)(const obj *o), bool expect_only_reachable);

/* The leak report heap_destroy returns, once the collector has done its final
 * collection; in verify mode it also frees what is left through free_object
 * (unless the heap was abandoned). */
void heap_base_finish(heap_base *b, heap_leak_report *report, void (*free_object)(obj *o, uint64_t size, void *data),
                      void *data);

#endif
