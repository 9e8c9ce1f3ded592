/*
 * rc: pure reference counting. An object is freed the moment its count
 * reaches zero; what it referenced is released in turn, iteratively, so a
 * chain of ten million objects frees without deep recursion (CPython's
 * "trashcan" solves the same problem). Cycles are never reclaimed: they are
 * what heap_destroy reports as leaked.
 */
#include "../refcount.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAKS_ARE_RESULTS_BEGIN() __lsan_disable()
#define LEAKS_ARE_RESULTS_END() __lsan_enable()
#else
#define LEAKS_ARE_RESULTS_BEGIN() ((void)0)
#define LEAKS_ARE_RESULTS_END() ((void)0)
#endif

const char gc_name[] = "rc";
const char gc_description[] = "pure reference counting: frees at zero, iteratively; cycles leak";
const bool gc_reclaims_cycles = false;
const knob gc_knobs[] = {{NULL}};

/* The header is the count alone. */
struct heap {
    heap_base base;
};

static inline size_t size_of(const obj *o) { return obj_footprint(sizeof(refcount_word), o->nrefs, o->nbytes); }

/* o's count just reached zero: free it and everything that dies with it.
 * `verify` is a constant in each of release_slow's two calls, so the loop
 * tests it only where verify mode asks for it. */
__attribute__((always_inline)) static inline void release(heap *h, obj *o, bool verify) {
    heap_base *b = &h->base;
    heap_frees freed = heap_base_frees_begin(b);
    freed.verify = verify;
    refcount_word *pending = refcount_of(o);
    pending->next_pending = NULL;
    bool cascade = false;
    while (pending) {
        refcount_word *hd = pending;
        pending = hd->next_pending;
        obj *dead = object_of_refcount(hd);
        for (uint32_t i = 0, nrefs = dead->nrefs; i < nrefs; i++) {
            obj *child = dead->refs[i];
            if (!child || --refcount_of(child)->refcount) continue;
            if (!cascade) {
                cascade = true;
                if (b->listener.cascade_begin && !b->tearing_down) b->listener.cascade_begin(b->listener.data);
            }
            if (child->nrefs) {
                refcount_of(child)->next_pending = pending;
                pending = refcount_of(child);
            } else {
                /* An atom holds nothing: free it now, no trip through the list. */
                size_t size = size_of(child);
                heap_frees_count(b, &freed, child, size);
                alloc_free(refcount_of(child), size);
            }
        }
        size_t size = size_of(dead);
        heap_frees_count(b, &freed, dead, size);
        alloc_free(hd, size);
    }
    heap_base_frees_end(b, &freed);
    if (cascade && b->listener.cascade_end && !b->tearing_down)
        b->listener.cascade_end(b->listener.data, freed.objects, freed.bytes);
}

__attribute__((noinline)) static void release_slow(heap *h, obj *o) {
    if (UNLIKELY(h->base.config.verify)) release(h, o, true);
    else release(h, o, false);
}

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    /* The cycles this heap leaks are its result, not a bug for
     * LeakSanitizer to report: what is allocated while it lives is exempt. */
    LEAKS_ARE_RESULTS_BEGIN();
    return h;
}

static void check_heap(heap *h) { heap_base_check(&h->base, refcount_value, false); }

void heap_collect(heap *h, int generation) {
    /* Nothing to trace: a collection only counts, reports and verifies. */
    heap_base_collection_begin(&h->base, generation);
    gc_collection_summary summary = {.generation = generation};
    heap_base_collection_end(&h->base, &summary);
    if (h->base.config.verify) check_heap(h);
}

/* A new block's header, slots and data, counted and pushed on the roots. */
static inline obj *init_object(heap *h, refcount_word *hd, uint32_t nrefs, uint32_t nbytes, size_t size) {
    hd->refcount = 1; /* the root slot it is pushed into */
    obj *o = object_of_refcount(hd);
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(hd, sizeof(refcount_word) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* Where the budget sends an allocation: stress, verify, the heap limit, an
 * object past the shape limits, or an allocator that said no. */
__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    heap_base *b = &h->base;
    heap_base_check_shape(nrefs, nbytes);
    size_t size = obj_footprint(sizeof(refcount_word), nrefs, nbytes);
    if (heap_base_stress_due(b)) heap_collect(h, heap_base_stress_generation(b, 1));
    if (heap_base_over_limit(b, size)) heap_base_out_of_memory(h, b, size);
    refcount_word *hd = heap_base_allocate(b, size);
    if (!hd) heap_base_out_of_memory(h, b, size); /* nothing to collect */
    obj *o = init_object(h, hd, nrefs, nbytes, size);
    heap_base_register(b, o, size);
    heap_base_reset_budget(b, UINT64_MAX);
    return o;
}

/* Always inlined: the fast path is a few instructions and a call's saves and
 * restores would double them. */
__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(sizeof(refcount_word), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    refcount_word *hd = alloc_allocate(size);
    if (UNLIKELY(!hd)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, hd, nrefs, nbytes, size);
}


void heap_stats_get(heap *h, heap_stats *stats) { heap_base_stats(&h->base, stats); }

static void free_leaked(obj *o, uint64_t size, void *data) {
    (void)data;
    alloc_free(refcount_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    root_pop(h, h->base.roots.depth);
    /* Whatever is left is unreachable and kept alive by cycles. Without verify
     * mode nothing lists those objects, so they stay allocated: a leak is
     * what pure reference counting does, and the figure is the result. */
    heap_base_finish(&h->base, report, free_leaked, NULL);
    heap_base_release(&h->base);
    free(h);
    LEAKS_ARE_RESULTS_END();
}

size_t obj_size(const obj *o) { return size_of(o); }
