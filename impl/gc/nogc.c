/*
 * nogc: no collection at all. Objects are allocated and never freed; a
 * collection only counts, reports and (in verify mode) checks the heap;
 * heap_destroy reports every object as never reclaimed. Paired with the bump
 * allocator (impl/alloc/bump.c), nogc+bump is what allocation alone costs:
 * the floor every other variant's time is measured against ("the lower
 * bound overhead" of Cai, Blackburn et al., 2022). Paired with any other
 * allocator, it is that allocator's cost of handing out memory.
 *
 * It is also the simplest collector there is, and the one to copy when
 * starting a new one (docs/collectors.md): everything below is what the
 * contract asks of every collector, and nothing more.
 */
// build: reclaims-nothing
#include "../tracing.h"

const char gc_name[] = "nogc";
const char gc_description[] = "no collection: allocates and never frees (with bump, the allocation-only floor)";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_NOTHING,
    .frees_at_last_reference = false,
    .generations = 1,
    .exact_books = true,
};
const knob gc_knobs[] = {{NULL}};

/* No header: nothing is kept per object. */
struct heap {
    heap_base base;
};

static inline size_t header_size(uint32_t nrefs) {
    (void)nrefs;
    return 0;
}
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }

/* tracing.h's hook: nothing is traced. */
static inline void tracing_write_barrier(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    /* Everything this heap allocates is left allocated: that is the
     * result, not a leak for LeakSanitizer to report. */
    LEAKS_ARE_RESULTS_BEGIN();
    return h;
}

void heap_collect(heap *h, int generation) {
    /* Nothing to reclaim: a collection only counts, reports and verifies. */
    heap_base_collect_nothing(&h->base, generation, NULL);
}

/* A new block's slots and data, counted and pushed on the roots. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    obj *o = block;
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(block, sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* Where the budget sends an allocation (heap_base.h): no collection makes
 * room, so the heap limit is the end. */
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

/* The fast path: within the budget, allocate and initialise. */
__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *block = alloc_allocate(size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    stats->generations = 1;
    stats->generation[0].collections = h->base.collections;
}

/* Verify mode's teardown: its registry lists every object, so they go back. */
static void free_left(obj *o, uint64_t size, void *data) {
    (void)data;
    alloc_free(o, size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    root_pop(h, h->base.roots.depth);
    heap_base_finish(&h->base, report, free_left, NULL);
    heap_base_release(&h->base);
    free(h);
    LEAKS_ARE_RESULTS_END();
}

size_t obj_size(const obj *o) { return size_of(o); }
