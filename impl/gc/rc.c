/*
 * rc: pure reference counting. An object is freed the moment its count
 * reaches zero; what it referenced is released in turn, iteratively, so a
 * chain of ten million objects frees without deep recursion (CPython's
 * "trashcan" solves the same problem). Cycles are never reclaimed: they are
 * what heap_destroy reports as leaked.
 */
#include "../refcount.h"

const char gc_name[] = "rc";
const char gc_description[] = "pure reference counting: frees at zero, iteratively; cycles leak";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_ACYCLIC,
    .frees_at_last_reference = true,
    .generations = 1,
    .exact_books = true,
};
const knob gc_knobs[] = {{NULL}};

/* The header is the count alone. */
struct heap {
    heap_base base;
};

static inline size_t header_size(uint32_t nrefs) {
    (void)nrefs;
    return sizeof(refcount_word);
}
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }

/* refcount.h's hooks: nothing is tracked, nothing is buffered. */
static inline size_t refcount_object_size(const obj *o) { return size_of(o); }
static inline void *refcount_block_of(obj *o) { return refcount_of(o); }
static inline void refcount_freeing(heap *h, obj *o) { (void)h, (void)o; }
static inline void refcount_still_referenced(heap *h, obj *o) { (void)h, (void)o; }
static inline void refcount_storing(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    /* The cycles this heap leaks are its result, not a bug for
     * LeakSanitizer to report: what is allocated while it lives is exempt. */
    LEAKS_ARE_RESULTS_BEGIN();
    return h;
}

void heap_collect(heap *h, int generation) {
    /* Nothing to trace: a collection only counts, reports and verifies. */
    heap_base_collect_nothing(&h->base, generation, refcount_value);
}

/* A new block's header, slots and data, counted and pushed on the roots. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    refcount_word *hd = block;
    hd->refcount = 1; /* the root slot it is pushed into */
    obj *o = object_of_refcount(hd);
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(hd, sizeof(refcount_word) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* Where the budget sends an allocation (heap_base.h). Counting frees as it
 * goes: no collection makes room. */
__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = 1,
        .collect = heap_collect,
        .collecting_makes_room = false,
        .init_object = init_object,
        .reset_budget = heap_base_reset_budget_untriggered,
    };
    return heap_base_new_checked(h, &h->base, &path, nrefs, nbytes);
}

/* Always inlined: the fast path is a few instructions and a call's saves and
 * restores would double them. */
__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *hd = alloc_allocate(size);
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
