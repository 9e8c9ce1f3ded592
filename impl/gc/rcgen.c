/*
 * rcgen: reference counting, exactly as rc does it, plus CPython 3.11's
 * generational cycle detector. Containers (objects with slots) are tracked in
 * three generations; a collection copies their counts to scratch, subtracts
 * the references they make to each other, and whatever is left with no
 * external reference and is not reachable from an object that has one is
 * garbage. Its slots are cleared and reference counting frees it. Thresholds,
 * counts and the long-lived guard follow Modules/gcmodule.c, so that the
 * per-generation collection counts match gc.get_stats() for the same sequence
 * of container allocations.
 *
 * Every pass is a loop over a list: no recursion anywhere, so chains and rings
 * of ten million objects collect and free on a shallow C stack.
 */
#include "../refcount.h"

#include <stdio.h>

const char gc_name[] = "rcgen";
const char gc_description[] = "reference counting plus CPython 3.11's generational cycle detector";
const bool gc_reclaims_cycles = true;
const knob gc_knobs[] = {
    {"threshold0", "container allocations minus frees that trigger a collection (0: never automatically)", 700, 0,
     1e9, true},
    {"threshold1", "generation-0 collections before generation 1 is collected", 10, 0, 1e9, true},
    {"threshold2", "generation-1 collections before a full collection is considered", 10, 0, 1e9, true},
    {NULL},
};

#define GENERATIONS 3
#define OLDEST (GENERATIONS - 1)

/* A container's header: the generation list links, then a word that is zero
 * outside a collection and holds flags and the scratch count during one (so
 * the links stay intact for the lists a collection needs), then the count.
 * An atom (no slots) is never tracked and carries the count alone. */
typedef struct gc_header {
    struct gc_header *prev, *next;
    uintptr_t gc_refs;
    refcount_word rc;
} gc_header;

_Static_assert(sizeof(gc_header) == 4 * sizeof(uintptr_t), "the count must be the last word of the header");

/* gc_refs flags, at the top so that the scratch count below them is the
 * plain difference the passes compute. */
#define GC_COLLECTING ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1)) /* in the generation being collected */
#define GC_UNREACHABLE ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 2)) /* on the tentatively unreachable list */
#define GC_REFS_MASK (GC_UNREACHABLE - 1)

typedef struct gc_generation {
    gc_header head; /* sentinel of a circular list; only the links are used */
    uint64_t threshold, count;
    uint64_t collections, collected;
} gc_generation;

struct heap {
    heap_base base;
    gc_generation generations[GENERATIONS];
    /* threshold0, or "never" when it is 0: one comparison on the hot path. */
    uint64_t automatic_threshold0;
    /* The full-collection guard: survivors of middle-generation collections
     * since the last full one, and the survivors of that one. */
    uint64_t long_lived_pending, long_lived_total;
    /* Survivors of every collection (objects and bytes): objects_marked. */
    uint64_t objects_marked, bytes_marked;
    bool collecting;
};

static inline gc_header *gc_of(const obj *o) { return (gc_header *)o - 1; }
static inline obj *object_of(gc_header *g) { return (obj *)(g + 1); }
static inline size_t header_size(uint32_t nrefs) { return nrefs ? sizeof(gc_header) : sizeof(refcount_word); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }
static inline void *block_of(const obj *o) { return (char *)o - header_size(o->nrefs); }



/* ---- the generation lists: circular, doubly linked, with a sentinel ---- */

static inline void list_init(gc_header *head) { head->prev = head->next = head; }
static inline bool list_is_empty(const gc_header *head) { return head->next == head; }

static inline void list_append(gc_header *node, gc_header *head) {
    gc_header *last = head->prev;
    last->next = node;
    node->prev = last;
    node->next = head;
    head->prev = node;
}

static inline void list_insert_before(gc_header *node, gc_header *position) {
    gc_header *prev = position->prev;
    prev->next = node;
    node->prev = prev;
    node->next = position;
    position->prev = node;
}

static inline void list_unlink(gc_header *node) {
    node->prev->next = node->next;
    node->next->prev = node->prev;
}

static inline void list_move(gc_header *node, gc_header *head) {
    list_unlink(node);
    list_append(node, head);
}

/* Appends every node of `from` to `to`; `from` is left empty. */
static void list_merge(gc_header *from, gc_header *to) {
    if (list_is_empty(from)) return;
    gc_header *to_last = to->prev, *first = from->next, *last = from->prev;
    to_last->next = first;
    first->prev = to_last;
    last->next = to;
    to->prev = last;
    list_init(from);
}

/* ---- reference counting ---- */


/* o's count just reached zero: free it and everything that dies with it. */
__attribute__((noinline)) static void release_slow(heap *h, obj *o) {
    heap_base *b = &h->base;
    heap_frees freed = heap_base_frees_begin(b);
    refcount_word *pending = refcount_of(o);
    pending->next_pending = NULL;
    /* Frees inside a collection belong to its pause: no cascade of their own. */
    bool report = !b->tearing_down && !h->collecting, cascade = false;
    while (pending) {
        refcount_word *rc = pending;
        pending = rc->next_pending;
        obj *dead = object_of_refcount(rc);
        for (uint32_t i = 0, nrefs = dead->nrefs; i < nrefs; i++) {
            obj *child = dead->refs[i];
            if (!child || --refcount_of(child)->refcount) continue;
            if (!cascade) {
                cascade = true;
                if (report && b->listener.cascade_begin) b->listener.cascade_begin(b->listener.data);
            }
            if (child->nrefs) {
                refcount_of(child)->next_pending = pending;
                pending = refcount_of(child);
            } else {
                /* An atom holds nothing and is never tracked: free it now. */
                size_t size = size_of(child);
                heap_frees_count(b, &freed, child, size);
                alloc_free(block_of(child), size);
            }
        }
        if (dead->nrefs) {
            list_unlink(gc_of(dead));
            /* As PyObject_GC_Del: a container freed makes room in generation 0. */
            if (h->generations[0].count) h->generations[0].count--;
        }
        size_t size = size_of(dead);
        heap_frees_count(b, &freed, dead, size);
        alloc_free(block_of(dead), size);
    }
    heap_base_frees_end(b, &freed);
    if (cascade && report && b->listener.cascade_end) b->listener.cascade_end(b->listener.data, freed.objects, freed.bytes);
}

/* ---- the cycle detector ---- */

/* Scratch count = reference count, for every container being collected. */
static uint64_t update_refs(gc_header *young) {
    uint64_t examined = 0;
    for (gc_header *g = young->next; g != young; g = g->next, examined++) g->gc_refs = GC_COLLECTING | g->rc.refcount;
    return examined;
}

/* Takes away the references the collected containers make to each other:
 * what is left counts references from roots and from older generations. */
static void subtract_refs(gc_header *young) {
    for (gc_header *g = young->next; g != young; g = g->next) {
        obj *o = object_of(g);
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            if (!child || !child->nrefs) continue;
            gc_header *cg = gc_of(child);
            /* Branch-free: subtracts one exactly when the collecting bit (the
             * top bit) is set; older generations are left alone. */
            cg->gc_refs -= cg->gc_refs >> (sizeof(uintptr_t) * 8 - 1);
        }
    }
}

/* Both passes in one walk, for a full collection: every tracked container
 * is being collected, so no child needs telling apart from an older one. A
 * child met before its own turn goes below zero for a while (the arithmetic
 * is modular); its turn adds the collecting bit and its count, and what is
 * left is the same difference the two passes compute. One walk of the list
 * instead of two: on a heap larger than the cache, that walk is a miss per
 * object. */
static uint64_t update_and_subtract_refs(gc_header *all) {
    uint64_t examined = 0;
    for (gc_header *g = all->next; g != all; g = g->next, examined++) {
        g->gc_refs += GC_COLLECTING + g->rc.refcount;
        obj *o = object_of(g);
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            if (child && child->nrefs) gc_of(child)->gc_refs--;
        }
    }
    return examined;
}

/* CPython's move_unreachable: one walk of `young`. An object with a count
 * left is reachable: its children are marked reachable, and those already
 * moved to `unreachable` come back into `young` just ahead of the walk, to be
 * walked in turn. An object with none left moves to `unreachable` for now.
 * What `unreachable` holds at the end is garbage. Scanned survivors leave
 * with gc_refs 0; returns how many, and their bytes through `bytes`.
 *
 * The walk goes from the newest object to the oldest, where CPython goes the
 * other way; the outcome is the same. Objects mostly point at older ones (a
 * container is filled with parts made before it), so a referrer is usually
 * scanned before what it refers to: little moves out and back, and the
 * survivors keep allocation order, which later passes walk through memory
 * in address order for most allocators. */
static uint64_t move_unreachable(gc_header *young, gc_header *unreachable, uint64_t *bytes) {
    uint64_t survivors = 0, survivor_bytes = 0;
    gc_header *g = young->prev;
    while (g != young) {
        if (g->gc_refs & GC_REFS_MASK) {
            obj *o = object_of(g);
            for (uint32_t i = 0; i < o->nrefs; i++) {
                obj *child = o->refs[i];
                if (!child || !child->nrefs) continue;
                gc_header *cg = gc_of(child);
                uintptr_t refs = cg->gc_refs;
                if (!(refs & GC_COLLECTING)) continue; /* older, or already scanned */
                if (refs & GC_UNREACHABLE) {
                    list_unlink(cg);
                    list_insert_before(cg, g);
                }
                cg->gc_refs = GC_COLLECTING | 1;
            }
            g->gc_refs = 0;
            survivors++;
            survivor_bytes += obj_footprint(sizeof(gc_header), o->nrefs, o->nbytes);
            g = g->prev; /* only now: the walk may have put objects before g */
        } else {
            gc_header *prev = g->prev;
            list_move(g, unreachable);
            g->gc_refs = GC_COLLECTING | GC_UNREACHABLE;
            g = prev;
        }
    }
    *bytes = survivor_bytes;
    return survivors;
}

/* Clears every slot of every garbage container; reference counting frees
 * them, and frees them off this list too, so the walk always takes the
 * current first one. One still referenced by garbage not yet cleared goes to
 * `old` and dies when that garbage is cleared. */
static void delete_garbage(heap *h, gc_header *unreachable, gc_header *old) {
    while (!list_is_empty(unreachable)) {
        gc_header *g = unreachable->next;
        obj *o = object_of(g);
        g->rc.refcount++; /* clearing its slots must not free it under us */
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            o->refs[i] = NULL;
            decref(h, child);
        }
        if (g->rc.refcount > 1) {
            g->gc_refs = 0;
            list_move(g, old);
        }
        decref(h, o);
    }
}

static void check_heap(heap *h, bool full_collection);

/* Collects generation `g` and every younger one (gc_collect_main). */
__attribute__((noinline)) static void collect(heap *h, int g) {
    heap_base *b = &h->base;
    heap_base_collection_begin(b, g == OLDEST ? -1 : g);
    uint64_t objects_freed = b->objects_freed, bytes_freed = b->bytes_freed;
    h->collecting = true;

    if (g + 1 < GENERATIONS) h->generations[g + 1].count++;
    for (int i = 0; i <= g; i++) h->generations[i].count = 0;
    gc_header *young = &h->generations[g].head;
    for (int i = 0; i < g; i++) list_merge(&h->generations[i].head, young);
    gc_header *old = g == OLDEST ? young : &h->generations[g + 1].head;

    uint64_t examined;
    if (young == old) {
        examined = update_and_subtract_refs(young);
    } else {
        examined = update_refs(young);
        subtract_refs(young);
    }
    gc_header unreachable;
    list_init(&unreachable);
    uint64_t survivor_bytes;
    uint64_t survivors = move_unreachable(young, &unreachable, &survivor_bytes);
    uint64_t collected = examined - survivors;

    if (young != old) {
        if (g == OLDEST - 1) h->long_lived_pending += survivors;
        list_merge(young, old);
    } else {
        h->long_lived_pending = 0;
        h->long_lived_total = survivors;
    }
    delete_garbage(h, &unreachable, old);

    h->collecting = false;
    h->generations[g].collections++;
    h->generations[g].collected += collected;
    h->objects_marked += survivors;
    h->bytes_marked += survivor_bytes;
    gc_collection_summary summary = {
        .generation = g == OLDEST ? -1 : g,
        .objects_examined = examined,
        .objects_marked = survivors,
        .bytes_marked = survivor_bytes,
        .objects_freed = b->objects_freed - objects_freed,
        .bytes_freed = b->bytes_freed - bytes_freed,
        .uncollectable = 0, /* nothing has a finalizer */
    };
    heap_base_collection_end(b, &summary);
    if (UNLIKELY(b->config.verify)) check_heap(h, g == OLDEST);
}

/* gc_collect_generations: the oldest generation over its threshold is
 * collected, but a full collection waits until the survivors of middle
 * collections since the last one reach a quarter of the long-lived total
 * (CPython's guard against quadratic cost as the heap grows). */
__attribute__((noinline)) static void collect_generations(heap *h) {
    if (h->collecting) return;
    for (int i = OLDEST; i >= 0; i--) {
        if (h->generations[i].count <= h->generations[i].threshold) continue;
        if (i == OLDEST && h->long_lived_pending < h->long_lived_total / 4) continue;
        collect(h, i);
        return;
    }
}

void heap_collect(heap *h, int generation) {
    collect(h, generation < 0 || generation >= OLDEST ? OLDEST : generation);
}

/* ---- verify mode ---- */

_Noreturn static void verify_fail(const char *message, const void *object, int gen) {
    fprintf(stderr, "heaplab verify: %s: %s (object %p, generation %d)\n", gc_name, message, object, gen);
    abort();
}

/* Every tracked container is in exactly one generation list, the lists hold
 * only allocated containers, the links agree both ways, and no collection
 * left its flags behind. Uses the registry's scratch, zero again after. */
static void check_generations(heap *h) {
    object_registry *r = &h->base.registry;
    uint64_t listed = 0;
    for (int i = 0; i < GENERATIONS; i++) {
        gc_header *head = &h->generations[i].head;
        for (gc_header *g = head->next;; g = g->next) {
            if (g->next->prev != g || g->prev->next != g) verify_fail("generation list links disagree", g, i);
            if (g == head) break;
            registry_entry *e = registry_find(r, object_of(g));
            if (!e) verify_fail("a generation list holds an object that is not allocated", object_of(g), i);
            if (!object_of(g)->nrefs) verify_fail("an atom (no slots) is tracked", object_of(g), i);
            if (e->scratch) verify_fail("a container is listed twice", object_of(g), i);
            if (g->gc_refs) verify_fail("a container kept collection flags after a collection", object_of(g), i);
            e->scratch = 1;
            if (++listed > r->count) verify_fail("the generation lists hold more than the heap", object_of(g), i);
        }
    }
    for (size_t k = 0; k < r->capacity; k++) {
        registry_entry *e = &r->entries[k];
        if (!e->object) continue;
        if (e->object->nrefs && !e->scratch) verify_fail("a container is in no generation list", e->object, -1);
        e->scratch = 0;
    }
}

static void check_heap(heap *h, bool full_collection) {
    heap_base_check(&h->base, refcount_value, full_collection);
    check_generations(h);
}

/* ---- the interface ---- */

static uint64_t knob_value(double value) { return value > 0 ? (uint64_t)value : 0; }

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    for (int i = 0; i < GENERATIONS; i++) {
        list_init(&h->generations[i].head);
        h->generations[i].threshold = knob_value(config->knobs[i]);
    }
    /* CPython: threshold0 == 0 disables automatic collection. */
    h->automatic_threshold0 = h->generations[0].threshold ? h->generations[0].threshold : UINT64_MAX;
    return h;
}

/* A new block's header, slots and data, tracked if a container, counted and
 * pushed on the roots. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    obj *o = (obj *)((char *)block + header_size(nrefs));
    refcount_of(o)->refcount = 1; /* the root slot it is pushed into */
    if (nrefs) {
        gc_header *g = block;
        g->gc_refs = 0;
        list_append(g, &h->generations[0].head);
    }
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_zero(block, header_size(nrefs) + sizeof(obj), size);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* Where the budget sends an allocation: stress, verify, the heap limit, an
 * object past the shape limits, or an allocator that said no. The heap limit
 * and a refusal are answered with a full collection first. */
__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    heap_base *b = &h->base;
    heap_base_check_shape(nrefs, nbytes);
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (heap_base_stress_due(b)) heap_collect(h, heap_base_stress_generation(b, GENERATIONS));
    if (heap_base_over_limit(b, size)) {
        collect(h, OLDEST);
        if (heap_base_over_limit(b, size)) heap_base_out_of_memory(h, b, size);
    }
    void *block = heap_base_allocate(b, size);
    if (!block) {
        collect(h, OLDEST);
        block = heap_base_allocate(b, size);
        if (!block) heap_base_out_of_memory(h, b, size);
    }
    obj *o = init_object(h, block, nrefs, nbytes, size);
    heap_base_register(b, o, size);
    heap_base_reset_budget(b, UINT64_MAX);
    return o;
}

/* Always inlined: the fast path is a few instructions and a call's saves and
 * restores would double them. */
__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    /* As _PyObject_GC_Link: counted, and maybe collected, before the new
     * container exists, so it is never part of that collection. */
    if (nrefs && UNLIKELY(++h->generations[0].count > h->automatic_threshold0)) collect_generations(h);
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *block = alloc_allocate(size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}


void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    /* objects_marked/bytes_marked: the survivors of every collection. */
    stats->objects_marked = h->objects_marked;
    stats->bytes_marked = h->bytes_marked;
    stats->generations = GENERATIONS;
    for (int i = 0; i < GENERATIONS; i++) {
        const gc_generation *gen = &h->generations[i];
        stats->generation[i] = (heap_generation_stats){
            .collections = gen->collections,
            .collected = gen->collected,
            .uncollectable = 0,
            .threshold = gen->threshold,
            .count = gen->count,
        };
    }
}

/* Verify mode's teardown of anything left (nothing is, after the final full
 * collection, but the registry is the authority). */
static void free_leaked(obj *o, uint64_t size, void *data) {
    (void)data;
    if (o->nrefs) list_unlink(gc_of(o));
    alloc_free(block_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    root_pop(h, h->base.roots.depth);
    /* With no roots, everything left is garbage held by cycles: a full
     * collection frees it all, and the leak report says 0. */
    collect(h, OLDEST);
    heap_base_finish(&h->base, report, free_leaked, NULL);
    heap_base_release(&h->base);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
