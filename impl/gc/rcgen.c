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
 * Where CPython keeps each generation as a linked list, this keeps a table
 * (below); the passes are CPython's, over tables, and every object found
 * and every count is the same. Every pass is a loop over a table or an explicit
 * stack: no recursion anywhere, so chains and rings of ten million objects
 * collect and free on a shallow C stack.
 */
#include "../growable_array.h"
#include "../refcount.h"

#include <math.h>
#include <stdio.h>

const char gc_name[] = "rcgen";
const char gc_description[] = "reference counting plus CPython 3.11's generational cycle detector";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = true,
    .generations = 3,
    .exact_books = true,
};
/* The knobs' order is the generations' (threshold0..2), then the policy. */
enum { THRESHOLD0, THRESHOLD1, THRESHOLD2, POLICY };
const knob gc_knobs[] = {
    [THRESHOLD0] = {"threshold0",
                    "container allocations minus frees that trigger a collection (0: never automatically; "
                    "-1: the policy's, 700 or 2000 from 3.13)",
                    -1, -1, 1e9, true},
    [THRESHOLD1] = {"threshold1", "generation-0 collections before generation 1 is collected", 10, 0, 1e9, true},
    [THRESHOLD2] = {"threshold2", "generation-1 collections before a full collection is considered", 10, 0, 1e9, true},
    [POLICY] = {"policy",
                "the CPython release whose scheduling to follow: 3.11 collects inside the allocation, 3.12 and "
                "later right after it; 3.13 raised threshold0 to 2000",
                3.11, 3.11, 3.13, false, 0.01},
    {NULL},
};

#define GENERATIONS 3
#define OLDEST (GENERATIONS - 1)
/* The fourth table holds a collection's garbage while it is deleted. */
#define GARBAGE GENERATIONS
#define TABLES (GENERATIONS + 1)

/* A container's header: where it is tracked (its table, and its index in
 * it), then a word that is zero outside a collection and holds flags and the
 * scratch count during one, then the count. An atom (no slots) is never
 * tracked and carries the count alone. */
typedef struct gc_header {
    size_t place; /* index << PLACE_TABLE_BITS | table */
    uintptr_t gc_refs;
    refcount_word rc;
} gc_header;

#define PLACE_TABLE_BITS 2
#define PLACE_TABLE_MASK (((size_t)1 << PLACE_TABLE_BITS) - 1)
_Static_assert(TABLES <= PLACE_TABLE_MASK + 1, "a place names every table");
_Static_assert(sizeof(gc_header) == 3 * sizeof(uintptr_t), "the count must be the last word of the header");

/* gc_refs flags, at the top so that the scratch count below them is the
 * plain difference the passes compute. */
#define GC_COLLECTING ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1)) /* in the generation being collected */
#define GC_REACHABLE ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 2))  /* reached before the walk got to it */
#define GC_ASIDE ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 3))      /* set aside: the rest is where */
#define GC_REFS_MASK (GC_ASIDE - 1)

/* The containers of a generation, densely: a table, not CPython's linked
 * list, so that a collection reads it in order and can fetch the objects it
 * will visit next while it works on this one. A list is walked one miss at a
 * time once allocation has scattered its order over the heap (an aged heap
 * did each collection at twice the cost per object). An entry freed by
 * counting becomes a hole (NULL); the collection compacts them away, and so
 * does an append that finds the table full of holes. */
typedef struct gc_table {
    gc_header **entries;
    size_t count, holes, capacity;
} gc_table;

typedef struct gc_generation {
    uint64_t threshold, count;
    uint64_t collections, collected;
} gc_generation;

struct heap {
    heap_base base;
    gc_generation generations[GENERATIONS];
    gc_table tables[TABLES]; /* a table per generation, then GARBAGE */
    gc_header **mark_stack;  /* kept between collections */
    size_t mark_stack_capacity;
    /* threshold0, or "never" when it is 0: one comparison on the hot path. */
    uint64_t automatic_threshold0;
    /* CPython 3.12 and later: a collection the count calls for runs right
     * after the allocation, with the new object rooted (the next safe
     * point), not before it exists. */
    bool collect_after_allocation;
    /* The full-collection guard: survivors of middle-generation collections
     * since the last full one, and the survivors of that one. */
    uint64_t long_lived_pending, long_lived_total;
    /* Survivors of every collection (objects and bytes): objects_marked. */
    uint64_t objects_marked, bytes_marked;
};

static inline gc_header *gc_of(const obj *o) { return (gc_header *)o - 1; }
static inline obj *object_of(gc_header *g) { return (obj *)(g + 1); }
static inline size_t header_size(uint32_t nrefs) { return nrefs ? sizeof(gc_header) : sizeof(refcount_word); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }
static inline void *block_of(const obj *o) { return (char *)o - header_size(o->nrefs); }

/* ---- the tables ---- */

#define INITIAL_TABLE_CAPACITY 1024
#define INITIAL_MARK_STACK_CAPACITY 1024
/* Entries below which no table or mark stack is shrunk (512 KiB): what a
 * small heap's tables swing through is kept. */
#define SHRINK_FLOOR 65536

static inline unsigned table_of(const gc_header *g) { return (unsigned)(g->place & PLACE_TABLE_MASK); }
static inline size_t index_of(const gc_header *g) { return g->place >> PLACE_TABLE_BITS; }

static inline void place_at(gc_header *g, unsigned table, size_t index) {
    g->place = index << PLACE_TABLE_BITS | table;
}

/* Squeezes the holes out of table `which`, keeping the order. */
static void table_compact(heap *h, unsigned which) {
    gc_table *t = &h->tables[which];
    size_t kept = 0;
    for (size_t i = 0; i < t->count; i++) {
        gc_header *g = t->entries[i];
        if (!g) continue;
        place_at(g, which, kept);
        t->entries[kept++] = g;
    }
    t->count = kept;
    t->holes = 0;
}

/* Room in table `t` for `more` entries past its count, without compacting
 * (a walk over it may be under way). */
static void reserve(heap *h, gc_table *t, size_t more) {
    if (t->count + more <= t->capacity) return;
    size_t wanted;
    gc_header **entries = grow_array(t->entries, &t->capacity, t->count + more, sizeof *t->entries,
                                     INITIAL_TABLE_CAPACITY, &wanted);
    if (!entries) array_out_of_memory(h, &h->base, wanted, sizeof *t->entries, "generation table");
    t->entries = entries;
}

/* A full table: compacted when at least half of it is holes (so each
 * compaction is paid for by as many frees), grown otherwise. */
__attribute__((noinline)) static void table_make_room(heap *h, unsigned which) {
    gc_table *t = &h->tables[which];
    if (t->holes && t->holes >= t->count / 2) table_compact(h, which);
    reserve(h, t, 1);
}

static inline void track(heap *h, gc_header *g, unsigned which) {
    gc_table *t = &h->tables[which];
    if (UNLIKELY(t->count == t->capacity)) table_make_room(h, which);
    place_at(g, which, t->count);
    t->entries[t->count++] = g;
}

/* A freed container leaves a hole, or shortens the table when it was the
 * last one in (a temporary freed before anything newer). */
static inline void untrack(heap *h, gc_header *g) {
    gc_table *t = &h->tables[table_of(g)];
    size_t index = index_of(g);
    if (index + 1 == t->count) {
        t->count--;
    } else {
        t->entries[index] = NULL;
        t->holes++;
    }
}

/* ---- reference counting ---- */


/* refcount.h's hooks. A container freed by counting leaves its table, and
 * (as PyObject_GC_Del) makes room in generation 0. */
static inline size_t refcount_object_size(const obj *o) { return size_of(o); }
static inline void *refcount_block_of(obj *o) { return block_of(o); }

static inline void refcount_freeing(heap *h, obj *o) {
    if (!o->nrefs) return; /* an atom is never tracked */
    untrack(h, gc_of(o));
    if (h->generations[0].count) h->generations[0].count--;
}

static inline void refcount_still_referenced(heap *h, obj *o) { (void)h, (void)o; }
static inline void refcount_storing(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }

/* ---- the cycle detector ---- */

/* How far ahead a pass fetches: the header of the entry twice this far
 * ahead, and the children of the entry this far ahead (whose slots the first
 * fetch brought in), so that both have arrived by the entry's turn. Table
 * order is mostly allocation order, not address order, once an allocator
 * recycles memory: without this every entry is a miss waited for alone. */
#define PREFETCH_DISTANCE 16
/* Children fetched per entry: a small container's; a wide one's slots are
 * read in order anyway. */
#define PREFETCH_CHILDREN 8

static inline void prefetch_entry(gc_header *const *entries, size_t k, size_t count) {
    if (k >= count || !entries[k]) return;
    __builtin_prefetch(entries[k], 1);
    __builtin_prefetch(object_of(entries[k])->refs, 0);
}

static inline void prefetch_children(gc_header *const *entries, size_t k, size_t count) {
    if (k >= count || !entries[k]) return;
    const obj *o = object_of(entries[k]);
    uint32_t n = o->nrefs < PREFETCH_CHILDREN ? o->nrefs : PREFETCH_CHILDREN;
    for (uint32_t i = 0; i < n; i++)
        if (o->refs[i]) __builtin_prefetch(&gc_of(o->refs[i])->gc_refs, 1);
}

static inline void prefetch_ahead(gc_header *const *entries, size_t k, size_t count) {
    prefetch_entry(entries, k + 2 * PREFETCH_DISTANCE, count);
    prefetch_children(entries, k + PREFETCH_DISTANCE, count);
}

/* Takes one off the scratch count of every child being collected:
 * branch-free, the top bit (GC_COLLECTING) is what is subtracted, so older
 * generations are left alone. */
static inline void subtract_children(const obj *o) {
    for (uint32_t i = 0; i < o->nrefs; i++) {
        obj *child = o->refs[i];
        if (!child || !child->nrefs) continue;
        gc_header *cg = gc_of(child);
        cg->gc_refs -= cg->gc_refs >> (sizeof(uintptr_t) * 8 - 1);
    }
}

/* Gathers generations g, g-1, ..., 0 into g's table, holes squeezed out and
 * each container's scratch count set to its reference count
 * (update_refs). For a full collection (`subtract`, a constant in each
 * call) the same walk also takes away the references the containers make to
 * each other: every tracked container is being collected, so a child met
 * before its own turn goes below zero for a while (the arithmetic is
 * modular) and its turn adds the collecting bit and its count. One walk
 * instead of two over the whole heap. Returns the containers gathered. */
static inline size_t gather(heap *h, int g, bool subtract) {
    gc_table *young = &h->tables[g];
    size_t gathered = 0;
    for (int i = g; i >= 0; i--) {
        gc_table *t = &h->tables[i];
        if (i != g) {
            young->count = gathered;
            reserve(h, young, t->count);
        }
        for (size_t k = 0; k < t->count; k++) {
            if (subtract) prefetch_ahead(t->entries, k, t->count);
            else prefetch_entry(t->entries, k + PREFETCH_DISTANCE, t->count);
            gc_header *e = t->entries[k];
            if (!e) continue;
            place_at(e, (unsigned)g, gathered);
            young->entries[gathered++] = e;
            if (subtract) {
                e->gc_refs += GC_COLLECTING + e->rc.refcount;
                const obj *o = object_of(e);
                for (uint32_t c = 0; c < o->nrefs; c++) {
                    obj *child = o->refs[c];
                    if (child && child->nrefs) gc_of(child)->gc_refs--;
                }
            } else {
                e->gc_refs = GC_COLLECTING | e->rc.refcount;
            }
        }
        t->holes = 0;
        if (i != g) t->count = 0;
    }
    young->count = gathered;
    return gathered;
}

/* Takes away the references the gathered containers make to each other:
 * what is left counts references from roots and from older generations. */
static void subtract_refs(const gc_table *young) {
    for (size_t k = 0; k < young->count; k++) {
        prefetch_ahead(young->entries, k, young->count);
        subtract_children(object_of(young->entries[k]));
    }
}

__attribute__((noinline)) static void grow_mark_stack(heap *h, size_t needed) {
    size_t wanted;
    gc_header **stack = grow_array(h->mark_stack, &h->mark_stack_capacity, needed, sizeof *h->mark_stack,
                                   INITIAL_MARK_STACK_CAPACITY, &wanted);
    if (!stack) array_out_of_memory(h, &h->base, wanted, sizeof *h->mark_stack, "mark stack");
    h->mark_stack = stack;
}

static inline void mark_stack_push(heap *h, size_t *depth, gc_header *g) {
    if (UNLIKELY(*depth == h->mark_stack_capacity)) grow_mark_stack(h, *depth + 1);
    h->mark_stack[(*depth)++] = g;
}

/* The walk that sorts the gathered containers into survivors and garbage. */
typedef struct sorting {
    heap *h;
    int g;           /* the generation collected */
    gc_table *young; /* what was gathered */
    gc_table *aside; /* what the walk set aside: the GARBAGE table */
    gc_table *older; /* a young collection's survivors go here, */
    size_t slot;     /* filling the slots it reserved from the top down */
    size_t depth;    /* of h->mark_stack */
    uint64_t survivors, survivor_bytes;
} sorting;

/* Survivors leave the collection with gc_refs 0; a young collection's go to
 * the next generation, into slots reserved past its end, filled from the top
 * down as the walk goes from the newest entry down. */
static inline void survive(sorting *s, gc_header *e) {
    e->gc_refs = 0;
    const obj *o = object_of(e);
    s->survivors++;
    s->survivor_bytes += obj_footprint(sizeof(gc_header), o->nrefs, o->nbytes);
    if (s->g != OLDEST) {
        s->older->entries[--s->slot] = e;
        place_at(e, (unsigned)s->g + 1, s->slot);
    }
}

/* Set aside: moved to the GARBAGE table, its gathered index kept in gc_refs.
 * A young collection empties its table at the end anyway; a full one leaves
 * a hole where the container was. */
static inline void set_aside(sorting *s, gc_header *e, size_t k) {
    e->gc_refs = GC_COLLECTING | GC_ASIDE | k;
    track(s->h, e, GARBAGE);
    if (s->g == OLDEST) {
        s->young->entries[k] = NULL;
        s->young->holes++;
    }
}

/* Reached after all: back from the GARBAGE table to where it was. */
static inline void bring_back(sorting *s, gc_header *e) {
    size_t k = e->gc_refs & GC_REFS_MASK;
    s->aside->entries[index_of(e)] = NULL;
    s->aside->holes++;
    if (s->g == OLDEST) {
        s->young->entries[k] = e;
        s->young->holes--;
        place_at(e, OLDEST, k);
    }
}

/* A survivor's children that are being collected are reachable: one the walk
 * has yet to reach is flagged and survives at its turn; one it set aside
 * comes back and survives now, and its children are seen to from the stack. */
static inline void reach_children(sorting *s, const obj *o) {
    for (uint32_t i = 0; i < o->nrefs; i++) {
        obj *child = o->refs[i];
        if (!child || !child->nrefs) continue;
        gc_header *cg = gc_of(child);
        uintptr_t refs = cg->gc_refs;
        if (!(refs & GC_COLLECTING)) continue; /* older, or decided */
        if (refs & GC_ASIDE) {
            bring_back(s, cg);
            survive(s, cg);
            mark_stack_push(s->h, &s->depth, cg);
        } else {
            cg->gc_refs = refs | GC_REACHABLE;
        }
    }
}

/* CPython's move_unreachable, over a table: one walk, from the newest entry
 * to the oldest. A container with a count left, or found reachable before
 * its turn, survives, and so does what it reaches; one with neither is set
 * aside in the GARBAGE table, and comes back if something after it reaches
 * it. Objects mostly point at older ones (a container is filled with parts
 * made before it), so the walk mostly meets a referrer before what it refers
 * to, and little is set aside and brought back. What stays aside is garbage.
 * Returns the survivors, and their bytes through `bytes`. */
static uint64_t sort_out(heap *h, int g, uint64_t *bytes) {
    gc_table *young = &h->tables[g];
    size_t gathered = young->count;
    sorting s = {.h = h, .g = g, .young = young, .aside = &h->tables[GARBAGE]};
    if (g != OLDEST) {
        s.older = &h->tables[g + 1];
        reserve(h, s.older, gathered);
        s.slot = s.older->count + gathered;
    }
    for (size_t k = gathered; k-- > 0;) {
        prefetch_entry(young->entries, k - 2 * PREFETCH_DISTANCE, gathered);
        prefetch_children(young->entries, k - PREFETCH_DISTANCE, gathered);
        gc_header *e = young->entries[k];
        if (!(e->gc_refs & (GC_REACHABLE | GC_REFS_MASK))) {
            set_aside(&s, e, k);
            continue;
        }
        survive(&s, e);
        reach_children(&s, object_of(e));
        while (s.depth) reach_children(&s, object_of(h->mark_stack[--s.depth]));
    }
    if (g != OLDEST) {
        /* The survivors fill the top of the reserved slots: moved down to
         * the end of the table, in their order. Just written, they are
         * still in the cache; holes left instead would pile up in the oldest
         * generation until its next full collection. */
        gc_table *older = s.older;
        for (size_t i = s.slot, end = older->count + gathered; i < end; i++) {
            gc_header *e = older->entries[i];
            place_at(e, (unsigned)g + 1, older->count);
            older->entries[older->count++] = e;
        }
        young->count = young->holes = 0;
    }
    *bytes = s.survivor_bytes;
    return s.survivors;
}

/* Clears every slot of every garbage container; reference counting frees
 * them, and frees them out of the GARBAGE table too, leaving holes the walk
 * steps over. One still referenced by garbage not yet cleared goes to
 * generation `old` and dies when that garbage is cleared. */
static void delete_garbage(heap *h, unsigned old) {
    gc_table *garbage = &h->tables[GARBAGE];
    for (size_t k = 0; k < garbage->count; k++) {
        prefetch_entry(garbage->entries, k + PREFETCH_DISTANCE, garbage->count);
        gc_header *g = garbage->entries[k];
        if (!g) continue;
        obj *o = object_of(g);
        g->gc_refs = 0;
        g->rc.refcount++; /* clearing its slots must not free it under us */
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            o->refs[i] = NULL;
            decref(h, child);
        }
        if (g->rc.refcount > 1) {
            untrack(h, g);
            track(h, g, old);
        }
        decref(h, o);
    }
    garbage->count = garbage->holes = 0;
}

/* After a collection: room the tables no longer need goes back to the
 * system (a ring of ten million dead leaves 80 MB of table otherwise). A
 * table is compacted first when it is mostly holes; the garbage table and
 * the mark stack keep room for as many entries as the generations hold,
 * since the next collection's garbage can be up to that much. */
static void give_back_room(heap *h) {
    size_t tracked = 0;
    for (unsigned i = 0; i < GENERATIONS; i++) {
        gc_table *t = &h->tables[i];
        size_t held = t->count - t->holes;
        tracked += held;
        if (!array_oversized(t->capacity, held, SHRINK_FLOOR)) continue;
        if (t->holes) table_compact(h, i);
        t->entries = shrink_array(t->entries, &t->capacity, held, sizeof *t->entries, SHRINK_FLOOR);
    }
    gc_table *garbage = &h->tables[GARBAGE];
    garbage->entries =
        shrink_array(garbage->entries, &garbage->capacity, tracked, sizeof *garbage->entries, SHRINK_FLOOR);
    h->mark_stack = shrink_array(h->mark_stack, &h->mark_stack_capacity, tracked, sizeof *h->mark_stack, SHRINK_FLOOR);
}

static void check_heap(heap *h, bool full_collection);

/* Collects generation `g` and every younger one (gc_collect_main). */
__attribute__((noinline)) static void collect(heap *h, int g) {
    heap_base *b = &h->base;
    heap_base_collection_begin(b, g == OLDEST ? -1 : g);
    uint64_t objects_freed = b->objects_freed, bytes_freed = b->bytes_freed;
    b->collecting = true;

    if (g + 1 < GENERATIONS) h->generations[g + 1].count++;
    for (int i = 0; i <= g; i++) h->generations[i].count = 0;

    uint64_t examined;
    if (g == OLDEST) {
        examined = gather(h, g, true);
    } else {
        examined = gather(h, g, false);
        subtract_refs(&h->tables[g]);
    }
    uint64_t survivor_bytes;
    uint64_t survivors = sort_out(h, g, &survivor_bytes);
    uint64_t collected = examined - survivors;

    if (g == OLDEST) {
        h->long_lived_pending = 0;
        h->long_lived_total = survivors;
    } else if (g == OLDEST - 1) {
        h->long_lived_pending += survivors;
    }
    delete_garbage(h, g == OLDEST ? OLDEST : (unsigned)g + 1);
    give_back_room(h);

    b->collecting = false;
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
    if (h->base.collecting) return;
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

/* Every tracked container is in exactly one generation table, at the place
 * its header names; the tables hold only allocated containers and count
 * their holes right; the garbage table is empty; and no collection left its
 * flags behind. Uses the registry's scratch, zero again after. */
static void check_generations(heap *h) {
    object_registry *r = &h->base.registry;
    if (h->tables[GARBAGE].count) verify_fail("the garbage table is not empty after a collection", NULL, -1);
    uint64_t listed = 0;
    for (unsigned i = 0; i < GENERATIONS; i++) {
        const gc_table *t = &h->tables[i];
        size_t holes = 0;
        for (size_t k = 0; k < t->count; k++) {
            gc_header *g = t->entries[k];
            if (!g) {
                holes++;
                continue;
            }
            registry_entry *e = registry_find(r, object_of(g));
            if (!e) verify_fail("a generation table holds an object that is not allocated", object_of(g), (int)i);
            if (table_of(g) != i || index_of(g) != k)
                verify_fail("a container's header names another place in the tables", object_of(g), (int)i);
            if (!object_of(g)->nrefs) verify_fail("an atom (no slots) is tracked", object_of(g), (int)i);
            if (e->scratch) verify_fail("a container is listed twice", object_of(g), (int)i);
            if (g->gc_refs) verify_fail("a container kept collection flags after a collection", object_of(g), (int)i);
            e->scratch = 1;
            if (++listed > r->count) verify_fail("the generation tables hold more than the heap", object_of(g), (int)i);
        }
        if (holes != t->holes) verify_fail("a generation table miscounts its holes", NULL, (int)i);
    }
    for (size_t k = 0; k < r->capacity; k++) {
        registry_entry *e = &r->entries[k];
        if (!e->object) continue;
        if (e->object->nrefs && !e->scratch) verify_fail("a container is in no generation table", e->object, -1);
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
    /* 3.11, 3.12 or 3.13, as a whole number: 311, 312, 313. */
    int policy = (int)nearbyint(config->knobs[POLICY] * 100);
    for (int i = 0; i < GENERATIONS; i++) {
        h->generations[i].threshold = knob_value(config->knobs[i]);
    }
    /* gh-97922 (3.12): the collector runs on the eval breaker, not inside
     * object allocation. 3.13: threshold0 is 2000. */
    h->collect_after_allocation = policy >= 312;
    if (config->knobs[THRESHOLD0] < 0) h->generations[0].threshold = policy >= 313 ? 2000 : 700;
    /* CPython: threshold0 == 0 disables automatic collection. */
    bool automatic = h->generations[0].threshold && !config->collect_only_when_asked;
    h->automatic_threshold0 = automatic ? h->generations[0].threshold : UINT64_MAX;
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
        track(h, g, 0);
    }
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(block, header_size(nrefs) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* Where the budget sends an allocation (heap_base.h). The heap limit and a
 * refusal are answered with a full collection first. */
__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = GENERATIONS,
        .collect = heap_collect,
        .collecting_makes_room = true,
        .init_object = init_object,
        .reset_budget = heap_base_reset_budget_untriggered,
    };
    return heap_base_new_checked(h, &h->base, &path, nrefs, nbytes);
}

/* Always inlined: the fast path is a few instructions and a call's saves and
 * restores would double them. */
__attribute__((always_inline)) static inline obj *allocate_object(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *block = alloc_allocate(size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}

/* 3.12's order: the container exists, rooted, when the collection runs. */
__attribute__((noinline)) static obj *allocate_then_collect(heap *h, uint32_t nrefs, uint32_t nbytes) {
    obj *o = allocate_object(h, nrefs, nbytes);
    collect_generations(h);
    return o;
}

__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    /* As _PyObject_GC_Link: counted, and maybe collected, before the new
     * container exists (3.11), so it is never part of that collection. */
    if (nrefs && UNLIKELY(++h->generations[0].count > h->automatic_threshold0)) {
        if (h->collect_after_allocation) return allocate_then_collect(h, nrefs, nbytes);
        collect_generations(h);
    }
    return allocate_object(h, nrefs, nbytes);
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
    if (o->nrefs) untrack(data, gc_of(o));
    alloc_free(block_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    if (!h->base.abandoned) { /* else perhaps halfway through a collection: no object is walked */
        root_pop(h, h->base.roots.depth);
        /* With no roots, everything left is garbage held by cycles: a full
         * collection frees it all, and the leak report says 0. */
        collect(h, OLDEST);
    }
    heap_base_finish(&h->base, report, free_leaked, h);
    heap_base_release(&h->base);
    for (int i = 0; i < TABLES; i++)
        release_array(h->tables[i].entries, h->tables[i].capacity, sizeof *h->tables[i].entries);
    release_array(h->mark_stack, h->mark_stack_capacity, sizeof *h->mark_stack);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
