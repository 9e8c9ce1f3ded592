/*
 * rcinc: reference counting, exactly as rc does it, plus CPython 3.14.0's
 * incremental cycle collector.
 *
 * Sources. Python/gc.c (the build with the GIL) as released in 3.14.0: the 3.14
 * branch before GH-140262 was backported to it (PR 140447, in 3.14.1);
 * Modules/gcmodule.c (gc.collect, gc.get_threshold, gc.get_count,
 * gc.get_stats); the initial state in Include/internal/pycore_runtime_init.h
 * (thresholds 2000, 10, 0; work_to_do -5000; the marking phase first); and
 * InternalDocs/garbage_collector.md. The design came in gh-108362 (PR 116206:
 * young collections plus increments of the old generation; reverted from 3.13
 * by PR 124770 before its release), gh-117108 (PR 117120: an increment of about
 * 1% of the heap) and gh-126491 (PRs 127110 and 127519: mark what the roots
 * reach before collecting, "2*M + I == 6N").
 *
 * The algorithm. Containers are young until a collection looks at them, then
 * old; the old generation is two spaces, visited and pending, and which is
 * which is one bit of state, so that they swap without touching an object.
 * Every container allocated counts: young.count and heap_size go up in
 * _PyObject_GC_Link, down in PyObject_GC_Del. Past threshold0 (2000) young
 * containers the collection is scheduled on the eval breaker and runs at the
 * next safe point: here, right after the allocation that crossed it, the new
 * container rooted. It is always an increment (gc_collect_increment):
 *
 *   - assess_work_to_do adds the young count and a fraction of the heap,
 *     heap_size / SCAN_RATE_DIVISOR (10) / threshold1 (10, at least 2), capped
 *     at 1.5 times the young count, to work_to_do;
 *   - at the start of a scan (the marking phase) the increment only marks:
 *     mark_at_start moves everything the roots reach into the visited space,
 *     transitively, without trial deletion, takes what it marked off
 *     work_to_do, and its caller takes it off again (gh-141890: counted twice;
 *     PR 127519's accounting, 2*M + I == 6N, counts marking twice on purpose);
 *     gc.get_stats() does not count such an increment (add_stats is after the
 *     early return);
 *   - otherwise mark_stacks marks what the frames reach, the young generation
 *     becomes the increment, and pending objects are added, oldest first, each
 *     with everything pending it reaches (expand_region_transitively_reachable:
 *     an unreachable cycle is in an increment whole or not at all), while the
 *     increment is smaller than work_to_do;
 *   - gc_collect_region runs CPython's trial deletion on the increment (update
 *     the scratch counts, subtract internal references, move the unreachable
 *     aside, clear the garbage); survivors go to the visited space;
 *   - work_to_do gains another heap fraction (uncapped) and loses the
 *     increment's size;
 *   - when pending is empty the scan is complete (completed_scavenge): the
 *     spaces swap, so that every old object is pending again, work_to_do is
 *     set to 0 (the marking's debt is forgiven), and the next increment marks.
 *
 * gc.collect(0) is a young collection (gc_collect_young: survivors to the
 * visited space, old[visited].count up), gc.collect(1) an increment,
 * gc.collect(2) a full collection (gc_collect_full: young, pending and
 * visited collected as one, then completed_scavenge). So is heap_collect(h,
 * 0), heap_collect(h, 1) and heap_collect(h, -1) (or 2 and up) here; the
 * traits say three generations, so that stress mode goes round the three.
 * heap_stats' three generations are gc.get_stats()'s in 3.14.0: young
 * collections (only ever asked for), increments that collected, full
 * collections; their thresholds gc.get_threshold()'s (threshold0,
 * threshold1, and 0: 3.14.0 stores a threshold2 and uses it nowhere), their
 * counts gc.get_count()'s (young.count, old[visited].count,
 * old[pending].count). Every heap_collect is counted in heap_stats.collections
 * and reported to the listener, a marking increment too (it is a pause,
 * usually the longest).
 *
 * heaplab's roots. CPython marks from its global roots (mark_global_roots:
 * sys.__dict__, builtins, the interpreter's dict, the static types' dicts, and
 * through sys.modules every module's globals) and from its frames' stacks
 * (mark_stacks). heaplab has one root stack, and it is both: a workload keeps
 * its long-lived structures in root slots, as a program keeps them in module
 * globals, and its temporaries in root slots, as a frame keeps its locals.
 * mark_at_start marks from every root slot. CPython's increments rescan the
 * frames pushed since the last one and the current frame, always; heaplab's
 * root stack is one frame, always the current one, so an increment rescans
 * every root slot (a slot that holds a visited object costs a test: marking
 * stops at what is visited).
 *
 * What marking never reaches (--c-held). Everything a workload can reach is
 * reachable from its root stack, so after the marking heaplab's pending space
 * would hold nothing but garbage, and with no garbage a scan would complete at
 * the very next increment: completed_scavenge zeroes work_to_do, the marking's
 * debt is forgiven, and every other increment marks the whole heap again
 * (deep took several times rcgen's time). A real interpreter is never in
 * that state: it always holds tracked containers its roots do not lead to
 * (the codec search path and caches in interp->codecs, its copies of sys's
 * and builtins' dicts), so they are pending after every marking, a scan
 * completes only once increments have paid the marking off and taken them,
 * and the pacing holds. c-held containers stand for them: the collector's own
 * (outside the allocator and the books), held by one reference nothing in
 * the heap makes, counted in heap_size as CPython counts its own. One is
 * enough to keep the pacing; 0 shows what it is without.
 *
 * Untracking (--untrack-tuples). 3.14.0 untracks a tuple whose items are all
 * untracked (untrack_tuples: the young generation at every collection, and
 * the survivors of every region), but counted it in young.count and
 * heap_size when it was made, and counts it out only when it is freed. An
 * untracked container is in no space: marking and closures step over it,
 * and a marking that traverses a dict of a million such tuples counts one
 * object, the dict. That is gh-139951 (below). heaplab has no types, so
 * rcinc untracks any container whose slots all hold atoms; CPython's tuples
 * never change, heaplab's containers may, so a container stored into an
 * untracked one tracks it again (refcount_storing, the one store barrier,
 * which refcount.h calls for a collector that asks). Only one level: a
 * container that holds an untracked container stays tracked, so that an
 * untracked container never holds a container. 0 tracks every container,
 * as rcgen does.
 *
 * What regressed, and what was reverted. gh-139951: a dict of a million
 * (i, j) tuples filled in a loop ran twice as slowly on 3.14.0 as on 3.13.
 * Every tuple counted towards young.count when it was made, so increments
 * came every 2000 tuples, and the collector untracked each at its first
 * increment, so the marking that begins each scan traversed the whole dict
 * and counted it as one object: the debt it left was the interpreter's own
 * few thousand objects, paid within an increment or two, and the next scan
 * marked the whole dict again. The live heap was traversed every few
 * thousand allocations: a cost that grows with the square of the heap.
 * 3.14.1 (GH-140262, PR 140447) counts only tracked containers and no longer
 * tracks such tuples when they are made (and changed work_to_do's arithmetic,
 * which GH-142002 found to collect cycles later still). gh-142531 is the
 * same shape under the free-threaded build's own collector (not this one):
 * untracked tuples left out of its long-lived count. Then the memory
 * reports: in production, cyclic garbage lived longer (aiohttp and httpx
 * clients made per request), since a cycle that reaches the old generation
 * waits for the scan to reach it, and the scan's pace is set by the
 * allocation rate and the heap's size, not by the garbage. gh-148726: 3.14.5
 * went back to 3.13's generational collector (forward-ported, with its
 * heap_size logic). rcgen --policy=3.13 is that collector here.
 *
 * What is left out: finalizers, weak references, the permanent generation
 * (gc.freeze) and immortal objects: nothing is uncollectable, and
 * completed_scavenge always swaps the spaces. CPython untracks a tuple of
 * untracked tuples too; here one level only (above).
 *
 * As in rcgen, each space is a table rather than CPython's linked list: a pass
 * reads it in order and fetches ahead. No pass recurses: the closure of an
 * increment walks the increment's own table as its work list, and marking
 * and move_unreachable keep an explicit stack, so rings and chains of ten
 * million collect on a shallow C stack. Marking goes depth first where
 * CPython's list goes breadth first: what is marked is the same, and a
 * subtree's entries lie together in the visited table, so that freeing it
 * later does not miss the cache at every entry.
 *
 * What it shows (medians of interleaved runs against rcgen+malloc, on a busy
 * two-core machine): on dict-of-tuples, about twice rcgen's time at its
 * default half million cells and three times at a million, most of it in
 * the markings; with --untrack-tuples=0 less than rcgen's. On the cyclic
 * workloads more garbage waits uncollected (--trash-every: about three times
 * rcgen's peak on rings and parent-child). Its 99th-percentile pause is
 * longer on most workloads (the markings), its longest often shorter (no
 * full collection is ever due), but not where a marking traverses the whole
 * live heap at once, as on dict-of-tuples.
 */
// allocators: malloc pool
#include "../growable_array.h"
#include "../refcount.h"

#include <stdio.h>

const char gc_name[] = "rcinc";
const char gc_description[] = "reference counting plus CPython 3.14.0's incremental cycle collector";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = true,
    .generations = 3, /* young, an increment, full: heap_collect's 0, 1 and -1 */
    .exact_books = true,
};
enum { THRESHOLD0, THRESHOLD1, C_HELD, UNTRACK_TUPLES };
const knob gc_knobs[] = {
    [THRESHOLD0] = {"threshold0",
                    "container allocations minus frees that trigger an increment (0: never automatically)", 2000, 0,
                    1e9, true},
    [THRESHOLD1] = {"threshold1",
                    "the old space's threshold: an increment adds heap_size / 10 / threshold1 (at least 2) to its "
                    "work, twice (10: about 1% of the heap each time)",
                    10, 0, 1e9, true},
    [C_HELD] = {"c-held",
                "containers the interpreter's C code holds, which marking never reaches (CPython's codec registry, "
                "its copies of sys's and builtins' dicts): pending after every marking (0: none)",
                1, 0, 1e6, true},
    [UNTRACK_TUPLES] = {"untrack-tuples",
                        "untrack a container that holds atoms only, as CPython untracks such tuples, when a collection "
                        "first looks at it (1); a container stored into it tracks it again",
                        1, 0, 1, true},
    {NULL},
};

/* The young generation, the two old spaces (which of them is visited is
 * heap.visited_space), and the garbage a collection sets aside. */
enum { YOUNG, OLD_SPACE_0, OLD_SPACE_1, GARBAGE, TABLES };
/* gc_collect_region's destination when it collects a table in place. */
#define IN_PLACE TABLES

/* CPython's SCAN_RATE_DIVISOR: with threshold1 at 10, a heap fraction is 1%. */
#define SCAN_RATE_DIVISOR 10
/* Where work_to_do starts (pycore_runtime_init.h): the first increments only
 * mark and collect the young. */
#define INITIAL_WORK_TO_DO (-5000)

/* A container's header, as rcgen's: where it is tracked (its table and its
 * index in it), a word that is zero outside a collection and holds flags and
 * the scratch count during one, then the count. An atom carries the count
 * alone and is never tracked. */
typedef struct gc_header {
    size_t place; /* index << PLACE_TABLE_BITS | table */
    uintptr_t gc_refs;
    refcount_word rc;
} gc_header;

#define PLACE_TABLE_BITS 2
#define PLACE_TABLE_MASK (((size_t)1 << PLACE_TABLE_BITS) - 1)
/* An untracked container's place: in no table (its table bits name none
 * that marking or a closure looks for). */
#define UNTRACKED SIZE_MAX
_Static_assert(TABLES <= PLACE_TABLE_MASK + 1, "a place names every table");
_Static_assert(sizeof(gc_header) == 3 * sizeof(uintptr_t), "the count must be the last word of the header");

#define GC_COLLECTING ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1)) /* in the region being collected */
#define GC_REACHABLE ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 2))  /* reached before the walk got to it */
#define GC_ASIDE ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 3))      /* set aside: the rest is where */
#define GC_REFS_MASK (GC_ASIDE - 1)

/* A space, densely: a freed container leaves a hole (NULL), squeezed out
 * when the table is compacted. */
typedef struct gc_table {
    gc_header **entries;
    size_t count, holes, capacity;
} gc_table;

/* What gc.get_stats() shows of one generation. */
typedef struct gc_generation_stats {
    uint64_t collections, collected;
} gc_generation_stats;

struct heap {
    heap_base base;
    gc_table tables[TABLES];
    /* 0 or 1: OLD_SPACE_0 + visited_space is the visited space, the other
     * the pending one. */
    unsigned visited_space;
    /* Entries of the pending table before this one were taken (holes). */
    size_t pending_cursor;
    /* GC_PHASE_MARK: the next increment marks from the roots. */
    bool marking_due;
    int64_t work_to_do;
    uint64_t young_threshold, old_threshold; /* threshold0, threshold1 */
    uint64_t young_count;                    /* young.count */
    uint64_t old_count[2];                   /* old[space].count: young collections into each space */
    uint64_t heap_size;                      /* containers allocated and not yet freed */
    /* threshold0, or "never": one comparison after a container's allocation. */
    uint64_t automatic_threshold0;
    bool untracks_tuples;
    gc_generation_stats generation_stats[3]; /* young, increment, full */
    gc_header **mark_stack; /* move_unreachable's, kept between collections */
    size_t mark_stack_capacity;
    /* The interpreter's own containers (c-held): blocks of C_HELD_BLOCK bytes,
     * outside the allocator and the books, each held by one reference no
     * object or root makes. */
    char *c_held;
    size_t c_held_count;
    /* Found live by every collection, marked or surviving (objects_marked). */
    uint64_t objects_marked, bytes_marked;
};

static inline gc_header *gc_of(const obj *o) { return (gc_header *)o - 1; }
static inline obj *object_of(gc_header *g) { return (obj *)(g + 1); }
static inline size_t header_size(uint32_t nrefs) { return nrefs ? sizeof(gc_header) : sizeof(refcount_word); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }
static inline void *block_of(const obj *o) { return (char *)o - header_size(o->nrefs); }

/* A c-held container: a header and one empty slot. */
#define C_HELD_BLOCK ((sizeof(gc_header) + sizeof(obj) + sizeof(obj *) + 15) & ~(size_t)15)

static inline bool is_c_held(const heap *h, const gc_header *g) {
    return (const char *)g >= h->c_held && (const char *)g < h->c_held + h->c_held_count * C_HELD_BLOCK;
}

/* ---- the tables ---- */

#define INITIAL_TABLE_CAPACITY 1024
/* Entries below which no table is shrunk (512 KiB). */
#define SHRINK_FLOOR 65536

static inline unsigned table_of(const gc_header *g) { return (unsigned)(g->place & PLACE_TABLE_MASK); }
static inline size_t index_of(const gc_header *g) { return g->place >> PLACE_TABLE_BITS; }

static inline void place_at(gc_header *g, unsigned table, size_t index) {
    g->place = index << PLACE_TABLE_BITS | table;
}

static inline unsigned visited_index(const heap *h) { return OLD_SPACE_0 + h->visited_space; }
static inline unsigned pending_index(const heap *h) { return OLD_SPACE_0 + (h->visited_space ^ 1); }

/* Squeezes the holes out of table `which`, keeping the order (not the
 * pending table: its cursor counts entries). */
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
    gc_header **entries =
        grow_array(t->entries, &t->capacity, t->count + more, sizeof *t->entries, INITIAL_TABLE_CAPACITY, &wanted);
    if (!entries) array_out_of_memory(h, &h->base, wanted, sizeof *t->entries, "space table");
    t->entries = entries;
}

/* A full young table: compacted when at least half of it is holes, grown
 * otherwise. */
__attribute__((noinline)) static void young_make_room(heap *h) {
    gc_table *t = &h->tables[YOUNG];
    if (t->holes && t->holes >= t->count / 2) table_compact(h, YOUNG);
    reserve(h, t, 1);
}

/* A new container joins the young generation. */
static inline void track_young(heap *h, gc_header *g) {
    gc_table *t = &h->tables[YOUNG];
    if (UNLIKELY(t->count == t->capacity)) young_make_room(h);
    place_at(g, YOUNG, t->count);
    t->entries[t->count++] = g;
}

/* Appended to table `which`, which grows but is never compacted here. */
static inline void append(heap *h, unsigned which, gc_header *g) {
    gc_table *t = &h->tables[which];
    if (UNLIKELY(t->count == t->capacity)) reserve(h, t, 1);
    place_at(g, which, t->count);
    t->entries[t->count++] = g;
}

/* A container leaves its table: a hole, or a shorter table when it was the
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

/* gc_list_move: from wherever it is to the end of table `which`. */
static inline void move_to(heap *h, gc_header *g, unsigned which) {
    untrack(h, g);
    append(h, which, g);
}

static inline bool pending_is_empty(const heap *h) {
    const gc_table *t = &h->tables[pending_index(h)];
    return t->count == t->holes;
}

/* The oldest pending container, taken out of the pending table (a hole the
 * cursor has passed) and appended to the increment. The caller has seen that
 * pending is not empty. */
static gc_header *take_pending(heap *h) {
    gc_table *t = &h->tables[pending_index(h)];
    while (!t->entries[h->pending_cursor]) h->pending_cursor++;
    gc_header *g = t->entries[h->pending_cursor];
    t->entries[h->pending_cursor++] = NULL;
    t->holes++;
    append(h, YOUNG, g);
    return g;
}

/* The pending table, once nothing is left in it. */
static void reset_pending(heap *h) {
    gc_table *t = &h->tables[pending_index(h)];
    t->count = t->holes = 0;
    h->pending_cursor = 0;
}

/* ---- reference counting ---- */

/* refcount.h's hooks. A container freed by counting leaves its table and,
 * as in PyObject_GC_Del, the young count (never below 0) and the heap size. */
static inline size_t refcount_object_size(const obj *o) { return size_of(o); }
static inline void *refcount_block_of(obj *o) { return block_of(o); }

static inline void refcount_freeing(heap *h, obj *o) {
    if (!o->nrefs) return; /* an atom is never tracked */
    if (gc_of(o)->place != UNTRACKED) untrack(h, gc_of(o));
    if (h->young_count) h->young_count--;
    h->heap_size--;
}

static inline void refcount_still_referenced(heap *h, obj *o) { (void)h, (void)o; }

/* _PyObject_GC_TRACK: back in the young generation (not counted again). */
__attribute__((noinline)) static void track_again(heap *h, gc_header *g) { track_young(h, g); }

/* The store barrier: a container stored into an untracked one could close a
 * cycle the collector never sees. CPython untracks only tuples, which never
 * change; heaplab's containers may. */
static inline void refcount_storing(heap *h, obj *o, obj *value) {
    if (value && value->nrefs && UNLIKELY(gc_of(o)->place == UNTRACKED)) track_again(h, gc_of(o));
}

/* ---- untracking (untrack_tuples) ---- */

/* _PyTuple_MaybeUntrack: every slot filled, and with an atom. (CPython also
 * untracks a tuple of untracked tuples; here one level only, so that an
 * untracked container never holds a container, whatever is stored later.) */
static inline bool holds_atoms_only(const obj *o) {
    for (uint32_t i = 0; i < o->nrefs; i++)
        if (!o->refs[i] || o->refs[i]->nrefs) return false;
    return true;
}

/* untrack_tuples over table `which` from entry `from` on. */
static void untrack_tuples(heap *h, unsigned which, size_t from) {
    if (!h->untracks_tuples) return;
    gc_table *t = &h->tables[which];
    for (size_t k = from; k < t->count; k++) {
        gc_header *g = t->entries[k];
        if (!g || !holds_atoms_only(object_of(g))) continue;
        untrack(h, g);
        g->place = UNTRACKED;
    }
}

/* ---- fetching ahead ---- */

/* As rcgen: the header of the entry twice this far ahead, and the children of
 * the entry this far ahead, so that both have arrived by the entry's turn. */
#define PREFETCH_DISTANCE 16
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
        if (o->refs[i]) __builtin_prefetch(gc_of(o->refs[i]), 1);
}

static inline void prefetch_ahead(gc_header *const *entries, size_t k, size_t count) {
    prefetch_entry(entries, k + 2 * PREFETCH_DISTANCE, count);
    prefetch_children(entries, k + PREFETCH_DISTANCE, count);
}

/* ---- marking: what the roots reach is moved to the visited space ---- */

/* What one collection found, for its summary and the books. */
typedef struct collection_result {
    uint64_t marked, marked_bytes;    /* moved to visited by marking, not examined by trial deletion */
    uint64_t examined;                /* the region trial deletion looked at */
    uint64_t survivors, survivor_bytes;
    uint64_t collected;               /* found unreachable: gc.get_stats()'s "collected" */
} collection_result;

/* Not yet visited in this scan: young, or still pending. */
static inline bool unvisited(const heap *h, const gc_header *g) {
    unsigned where = table_of(g);
    return where == YOUNG || where == pending_index(h);
}

/* The mark stack, shared by marking and move_unreachable. */
__attribute__((noinline)) static void grow_mark_stack(heap *h, size_t needed) {
    size_t wanted;
    gc_header **stack = grow_array(h->mark_stack, &h->mark_stack_capacity, needed, sizeof *h->mark_stack,
                                   INITIAL_TABLE_CAPACITY, &wanted);
    if (!stack) array_out_of_memory(h, &h->base, wanted, sizeof *h->mark_stack, "mark stack");
    h->mark_stack = stack;
}

static inline void mark_stack_push(heap *h, size_t *depth, gc_header *g) {
    if (UNLIKELY(*depth == h->mark_stack_capacity)) grow_mark_stack(h, *depth + 1);
    h->mark_stack[(*depth)++] = g;
}

/* Unvisited, and not yet on the mark stack (its flag: GC_REACHABLE, which
 * no other pass uses outside trial deletion). */
static inline void discover(heap *h, size_t *depth, gc_header *g) {
    if (g->gc_refs || !unvisited(h, g)) return;
    g->gc_refs = GC_REACHABLE;
    __builtin_prefetch(object_of(g)->refs, 0);
    mark_stack_push(h, depth, g);
}

/* mark_all_reachable: depth first from what is on the mark stack, each
 * container moved to the visited space as its turn comes, so that a
 * subtree's entries lie together there (CPython's list goes breadth first;
 * a table in that order scatters a subtree, and freeing it later misses the
 * cache at every entry). Returns how many were moved. */
static uint64_t mark_all_reachable(heap *h, size_t depth, collection_result *r) {
    unsigned visited = visited_index(h);
    uint64_t marked = 0;
    while (depth) {
        gc_header *g = h->mark_stack[--depth];
        g->gc_refs = 0;
        move_to(h, g, visited);
        const obj *o = object_of(g);
        marked++;
        r->marked_bytes += size_of(o);
        for (uint32_t i = o->nrefs; i-- > 0;) { /* the first slot's on top: visited first */
            obj *child = o->refs[i];
            if (child && child->nrefs) discover(h, &depth, gc_of(child));
        }
    }
    return marked;
}

/* mark_stacks (and, at the start of a scan, mark_global_roots with it):
 * every root slot's unvisited container is moved to the visited space, with
 * everything unvisited it reaches. Returns how many were moved. */
static uint64_t mark_stacks(heap *h, collection_result *r) {
    uint64_t marked = 0;
    root_stack *roots = &h->base.roots;
    for (size_t i = 0; i < roots->depth; i++) {
        obj *o = roots->slots[i];
        if (!o || !o->nrefs) continue;
        size_t depth = 0;
        discover(h, &depth, gc_of(o));
        marked += mark_all_reachable(h, depth, r);
    }
    r->marked += marked;
    return marked;
}

/* The marking phase: what the roots reach is visited; its count comes off
 * work_to_do (here, and again in the caller, as 3.14.0 does). */
static uint64_t mark_at_start(heap *h, collection_result *r) {
    uint64_t marked = mark_stacks(h, r);
    h->work_to_do -= (int64_t)marked;
    h->marking_due = false;
    return marked;
}

/* ---- trial deletion over a region (gc_collect_region) ---- */

static inline void subtract_children(const obj *o) {
    for (uint32_t i = 0; i < o->nrefs; i++) {
        obj *child = o->refs[i];
        if (!child || !child->nrefs) continue;
        gc_header *cg = gc_of(child);
        cg->gc_refs -= cg->gc_refs >> (sizeof(uintptr_t) * 8 - 1);
    }
}

/* update_refs over table `which`: holes squeezed out, each container's scratch
 * count set to its reference count. With `subtract` (a constant in each call:
 * a full collection, where every tracked container is in the region) the same
 * walk takes away the references they make to each other, as rcgen's full
 * collections do: a child met before its own turn goes below zero for a while
 * (the arithmetic is modular) and its turn adds its count. An untracked child
 * has no turn: it is left alone. Returns the region's size. */
static inline size_t update_refs(heap *h, unsigned which, bool subtract) {
    gc_table *t = &h->tables[which];
    size_t kept = 0;
    for (size_t k = 0; k < t->count; k++) {
        if (subtract) prefetch_ahead(t->entries, k, t->count);
        else prefetch_entry(t->entries, k + PREFETCH_DISTANCE, t->count);
        gc_header *e = t->entries[k];
        if (!e) continue;
        place_at(e, which, kept);
        t->entries[kept++] = e;
        if (subtract) {
            e->gc_refs += GC_COLLECTING + e->rc.refcount;
            const obj *o = object_of(e);
            for (uint32_t c = 0; c < o->nrefs; c++) {
                obj *child = o->refs[c];
                if (child && child->nrefs && gc_of(child)->place != UNTRACKED) gc_of(child)->gc_refs--;
            }
        } else {
            e->gc_refs = GC_COLLECTING | e->rc.refcount;
        }
    }
    t->count = kept;
    t->holes = 0;
    return kept;
}

/* subtract_refs: what is left counts references from outside the region. */
static void subtract_refs(const gc_table *region) {
    for (size_t k = 0; k < region->count; k++) {
        prefetch_ahead(region->entries, k, region->count);
        subtract_children(object_of(region->entries[k]));
    }
}

/* The walk that sorts a region into survivors and garbage, as rcgen's. */
typedef struct sorting {
    heap *h;
    unsigned which;  /* the region's table */
    gc_table *region;
    gc_table *aside; /* the GARBAGE table */
    bool in_place;   /* a full collection: survivors stay where they are */
    unsigned to;     /* else the survivors' table, */
    size_t slot;     /* filled from the top of the slots reserved in it */
    size_t depth;    /* of h->mark_stack */
    uint64_t survivors, survivor_bytes;
} sorting;

static inline void survive(sorting *s, gc_header *e) {
    e->gc_refs = 0;
    const obj *o = object_of(e);
    s->survivors++;
    s->survivor_bytes += size_of(o);
    if (!s->in_place) {
        s->h->tables[s->to].entries[--s->slot] = e;
        place_at(e, s->to, s->slot);
    }
}

static inline void set_aside(sorting *s, gc_header *e, size_t k) {
    e->gc_refs = GC_COLLECTING | GC_ASIDE | k;
    append(s->h, GARBAGE, e);
    if (s->in_place) {
        s->region->entries[k] = NULL;
        s->region->holes++;
    }
}

static inline void bring_back(sorting *s, gc_header *e) {
    size_t k = e->gc_refs & GC_REFS_MASK;
    s->aside->entries[index_of(e)] = NULL;
    s->aside->holes++;
    if (s->in_place) {
        s->region->entries[k] = e;
        s->region->holes--;
        place_at(e, s->which, k);
    }
}

static inline void push(sorting *s, gc_header *g) { mark_stack_push(s->h, &s->depth, g); }

/* visit_reachable: a survivor's children in the region are reachable. */
static inline void reach_children(sorting *s, const obj *o) {
    for (uint32_t i = 0; i < o->nrefs; i++) {
        obj *child = o->refs[i];
        if (!child || !child->nrefs) continue;
        gc_header *cg = gc_of(child);
        uintptr_t refs = cg->gc_refs;
        if (!(refs & GC_COLLECTING)) continue; /* outside the region, or decided */
        if (refs & GC_ASIDE) {
            bring_back(s, cg);
            survive(s, cg);
            push(s, cg);
        } else {
            cg->gc_refs = refs | GC_REACHABLE;
        }
    }
}

/* move_unreachable over a table, from the newest entry to the oldest (see
 * rcgen: a referrer is mostly met before what it refers to). What stays aside
 * in the GARBAGE table is garbage. */
static void move_unreachable(heap *h, unsigned which, unsigned to, collection_result *r) {
    gc_table *region = &h->tables[which];
    size_t gathered = region->count;
    sorting s = {.h = h, .which = which, .region = region, .aside = &h->tables[GARBAGE], .in_place = to == IN_PLACE,
                 .to = to};
    if (!s.in_place) {
        reserve(h, &h->tables[to], gathered);
        s.slot = h->tables[to].count + gathered;
    }
    for (size_t k = gathered; k-- > 0;) {
        prefetch_entry(region->entries, k - 2 * PREFETCH_DISTANCE, gathered);
        prefetch_children(region->entries, k - PREFETCH_DISTANCE, gathered);
        gc_header *e = region->entries[k];
        if (!(e->gc_refs & (GC_REACHABLE | GC_REFS_MASK))) {
            set_aside(&s, e, k);
            continue;
        }
        survive(&s, e);
        reach_children(&s, object_of(e));
        while (s.depth) reach_children(&s, object_of(h->mark_stack[--s.depth]));
    }
    if (!s.in_place) {
        /* The survivors fill the top of the reserved slots: moved down to the
         * end of the table, in their order. */
        gc_table *dest = &h->tables[to];
        for (size_t i = s.slot, end = dest->count + gathered; i < end; i++) {
            gc_header *e = dest->entries[i];
            place_at(e, to, dest->count);
            dest->entries[dest->count++] = e;
        }
        region->count = region->holes = 0;
    }
    r->examined += gathered;
    r->survivors += s.survivors;
    r->survivor_bytes += s.survivor_bytes;
    r->collected += gathered - s.survivors;
}

/* Clears every slot of every garbage container; counting frees them (out of
 * the GARBAGE table too, leaving holes the walk steps over). One still
 * referenced by garbage not yet cleared joins table `old` and dies when that
 * garbage is cleared. */
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
        if (g->rc.refcount > 1) move_to(h, g, old);
        decref(h, o);
    }
    garbage->count = garbage->holes = 0;
}

/* gc_collect_region: trial deletion on table `which`, its survivors appended
 * to table `to` (or left in place: IN_PLACE, a full collection). */
static void gc_collect_region(heap *h, unsigned which, unsigned to, collection_result *r) {
    if (to == IN_PLACE) {
        update_refs(h, which, true);
    } else {
        update_refs(h, which, false);
        subtract_refs(&h->tables[which]);
    }
    size_t survivors_from = to == IN_PLACE ? 0 : h->tables[to].count;
    move_unreachable(h, which, to, r);
    untrack_tuples(h, to == IN_PLACE ? which : to, survivors_from);
    delete_garbage(h, to == IN_PLACE ? which : to);
}

/* ---- the collections ---- */

/* assess_work_to_do: the young count, and a fraction of the heap no larger
 * than 1.5 times it; the young count starts again from 0. */
static int64_t assess_work_to_do(heap *h) {
    int64_t scale_factor = h->old_threshold < 2 ? 2 : (int64_t)h->old_threshold;
    int64_t new_objects = (int64_t)h->young_count;
    int64_t max_heap_fraction = new_objects * 3 / 2;
    int64_t heap_fraction = (int64_t)h->heap_size / SCAN_RATE_DIVISOR / scale_factor;
    if (heap_fraction > max_heap_fraction) heap_fraction = max_heap_fraction;
    h->young_count = 0;
    return new_objects + heap_fraction;
}

/* completed_scavenge: the spaces swap (pending is empty: every old object is
 * pending again), nothing is owed, and the next increment marks. */
static void completed_scavenge(heap *h) {
    reset_pending(h);
    h->visited_space ^= 1;
    h->work_to_do = 0;
    h->marking_due = true;
}

/* gc_collect_young (gc.collect(0)): the young generation alone, its
 * survivors to the visited space. */
static void gc_collect_young(heap *h, collection_result *r) {
    untrack_tuples(h, YOUNG, 0);
    gc_collect_region(h, YOUNG, visited_index(h), r);
    h->young_count = 0;
    h->old_count[h->visited_space]++;
    h->generation_stats[0].collections++;
    h->generation_stats[0].collected += r->collected;
}

/* expand_region_transitively_reachable: the increment's table from `from`
 * on is the work list; every pending container a listed one refers to is
 * taken into the increment. Returns how many were taken. */
static uint64_t expand_region_transitively_reachable(heap *h, size_t from) {
    unsigned pending = pending_index(h);
    uint64_t size = 0;
    for (size_t k = from; k < h->tables[YOUNG].count; k++) {
        gc_table *t = &h->tables[YOUNG];
        prefetch_ahead(t->entries, k, t->count);
        const obj *o = object_of(t->entries[k]);
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            if (!child || !child->nrefs) continue;
            gc_header *cg = gc_of(child);
            if (table_of(cg) != pending) continue;
            move_to(h, cg, YOUNG);
            size++;
        }
    }
    return size;
}

/* gc_collect_increment (gc.collect(1), and every automatic collection). */
static void gc_collect_increment(heap *h, collection_result *r) {
    h->work_to_do += assess_work_to_do(h);
    untrack_tuples(h, YOUNG, 0);
    if (h->marking_due) {
        uint64_t marked = mark_at_start(h, r);
        h->work_to_do -= (int64_t)marked;
        return; /* not counted in gc.get_stats() */
    }
    int64_t scale_factor = h->old_threshold < 2 ? 2 : (int64_t)h->old_threshold;
    h->work_to_do -= (int64_t)mark_stacks(h, r);
    /* The young generation is the increment; pending objects join it. */
    table_compact(h, YOUNG);
    int64_t increment_size = (int64_t)h->tables[YOUNG].count;
    while (increment_size < h->work_to_do && !pending_is_empty(h)) {
        size_t from = h->tables[YOUNG].count;
        take_pending(h);
        increment_size++;
        increment_size += (int64_t)expand_region_transitively_reachable(h, from);
    }
    gc_collect_region(h, YOUNG, visited_index(h), r);
    h->work_to_do += (int64_t)h->heap_size / SCAN_RATE_DIVISOR / scale_factor;
    h->work_to_do -= increment_size;
    h->generation_stats[1].collections++;
    h->generation_stats[1].collected += r->collected;
    if (pending_is_empty(h)) completed_scavenge(h);
}

/* gc_collect_full (gc.collect(2)): young and pending merged into visited and
 * collected as one; then the scan is complete. */
static void gc_collect_full(heap *h, collection_result *r) {
    unsigned visited = visited_index(h);
    gc_table *pending = &h->tables[pending_index(h)], *young = &h->tables[YOUNG];
    untrack_tuples(h, YOUNG, 0);
    reserve(h, &h->tables[visited], pending->count - pending->holes + young->count - young->holes);
    for (size_t k = h->pending_cursor; k < pending->count; k++)
        if (pending->entries[k]) append(h, visited, pending->entries[k]);
    reset_pending(h);
    for (size_t k = 0; k < young->count; k++)
        if (young->entries[k]) append(h, visited, young->entries[k]);
    young->count = young->holes = 0;
    gc_collect_region(h, visited, IN_PLACE, r);
    h->young_count = 0;
    h->old_count[0] = h->old_count[1] = 0;
    completed_scavenge(h);
    h->generation_stats[2].collections++;
    h->generation_stats[2].collected += r->collected;
}

/* After a collection: tables mostly holes are compacted, and room they no
 * longer need goes back to the system (the pending table keeps its order for
 * its cursor: compacted from the cursor on). */
static void give_back_room(heap *h) {
    size_t tracked = 0;
    for (unsigned i = YOUNG; i <= OLD_SPACE_1; i++) {
        gc_table *t = &h->tables[i];
        size_t held = t->count - t->holes;
        tracked += held;
        bool mostly_holes = t->holes > SHRINK_FLOOR && t->holes > t->count / 2;
        if (!mostly_holes && !array_oversized(t->capacity, held, SHRINK_FLOOR)) continue;
        if (i == pending_index(h)) {
            size_t kept = 0;
            for (size_t k = h->pending_cursor; k < t->count; k++) {
                gc_header *g = t->entries[k];
                if (!g) continue;
                place_at(g, i, kept);
                t->entries[kept++] = g;
            }
            t->count = kept;
            t->holes = 0;
            h->pending_cursor = 0;
        } else {
            table_compact(h, i);
        }
        t->entries = shrink_array(t->entries, &t->capacity, held, sizeof *t->entries, SHRINK_FLOOR);
    }
    gc_table *garbage = &h->tables[GARBAGE];
    garbage->entries =
        shrink_array(garbage->entries, &garbage->capacity, tracked, sizeof *garbage->entries, SHRINK_FLOOR);
    h->mark_stack = shrink_array(h->mark_stack, &h->mark_stack_capacity, tracked, sizeof *h->mark_stack, SHRINK_FLOOR);
}

static void check_heap(heap *h, bool full_collection);

enum collection_kind { COLLECT_YOUNG, COLLECT_INCREMENT, COLLECT_FULL };

/* _PyGC_Collect: one collection of `kind`, counted, reported and, in verify
 * mode, checked. */
__attribute__((noinline)) static void collect(heap *h, enum collection_kind kind) {
    heap_base *b = &h->base;
    int generation = kind == COLLECT_FULL ? -1 : (int)kind;
    heap_base_collection_begin(b, generation);
    uint64_t objects_freed = b->objects_freed, bytes_freed = b->bytes_freed;
    b->collecting = true;
    collection_result r = {0};
    switch (kind) {
    case COLLECT_YOUNG: gc_collect_young(h, &r); break;
    case COLLECT_INCREMENT: gc_collect_increment(h, &r); break;
    case COLLECT_FULL: gc_collect_full(h, &r); break;
    }
    give_back_room(h);
    b->collecting = false;
    h->objects_marked += r.marked + r.survivors;
    h->bytes_marked += r.marked_bytes + r.survivor_bytes;
    gc_collection_summary summary = {
        .generation = generation,
        .objects_examined = r.marked + r.examined,
        .objects_marked = r.marked + r.survivors,
        .bytes_marked = r.marked_bytes + r.survivor_bytes,
        .objects_freed = b->objects_freed - objects_freed,
        .bytes_freed = b->bytes_freed - bytes_freed,
        .uncollectable = 0, /* nothing has a finalizer */
    };
    heap_base_collection_end(b, &summary);
    if (UNLIKELY(b->config.verify)) check_heap(h, kind == COLLECT_FULL);
}

void heap_collect(heap *h, int generation) {
    collect(h, generation == 0 ? COLLECT_YOUNG : generation == 1 ? COLLECT_INCREMENT : COLLECT_FULL);
}

/* ---- verify mode ---- */

_Noreturn static void verify_fail(const char *message, const void *object, int table) {
    fprintf(stderr, "heaplab verify: %s: %s (object %p, table %d)\n", gc_name, message, object, table);
    abort();
}

/* Every tracked container is in exactly one of the young, visited and
 * pending tables, at the place its header names; the tables hold only
 * allocated containers and count their holes right; the pending table's
 * taken entries are holes; the garbage table is empty; no collection left
 * its flags behind; heap_size counts the containers. Uses the registry's
 * scratch, zero again after. */
static void check_spaces(heap *h) {
    object_registry *r = &h->base.registry;
    if (h->tables[GARBAGE].count) verify_fail("the garbage table is not empty after a collection", NULL, GARBAGE);
    uint64_t listed = 0, c_held = 0;
    for (unsigned i = YOUNG; i <= OLD_SPACE_1; i++) {
        const gc_table *t = &h->tables[i];
        size_t holes = 0;
        for (size_t k = 0; k < t->count; k++) {
            gc_header *g = t->entries[k];
            if (!g) {
                holes++;
                continue;
            }
            if (i == pending_index(h) && k < h->pending_cursor)
                verify_fail("a pending container sits before the pending cursor", object_of(g), (int)i);
            if (is_c_held(h, g)) {
                if (table_of(g) != i || index_of(g) != k || g->gc_refs || g->rc.refcount != 1)
                    verify_fail("a c-held container is out of place", object_of(g), (int)i);
                c_held++;
                continue;
            }
            registry_entry *e = registry_find(r, object_of(g));
            if (!e) verify_fail("a space holds an object that is not allocated", object_of(g), (int)i);
            if (table_of(g) != i || index_of(g) != k)
                verify_fail("a container's header names another place in the spaces", object_of(g), (int)i);
            if (!object_of(g)->nrefs) verify_fail("an atom (no slots) is tracked", object_of(g), (int)i);
            if (e->scratch) verify_fail("a container is in two places", object_of(g), (int)i);
            if (g->gc_refs) verify_fail("a container kept collection flags after a collection", object_of(g), (int)i);
            e->scratch = 1;
            if (++listed > r->count) verify_fail("the spaces hold more than the heap", object_of(g), (int)i);
        }
        if (holes != t->holes) verify_fail("a space's table miscounts its holes", NULL, (int)i);
    }
    uint64_t containers = 0;
    for (size_t k = 0; k < r->capacity; k++) {
        registry_entry *e = &r->entries[k];
        if (!e->object) continue;
        if (e->object->nrefs) {
            containers++;
            gc_header *g = gc_of(e->object);
            if (g->place == UNTRACKED) {
                if (e->scratch) verify_fail("an untracked container is in a space", e->object, -1);
                if (g->gc_refs) verify_fail("an untracked container kept collection flags", e->object, -1);
                for (uint32_t i = 0; i < e->object->nrefs; i++)
                    if (e->object->refs[i] && e->object->refs[i]->nrefs)
                        verify_fail("an untracked container holds a container", e->object, -1);
            } else if (!e->scratch) {
                verify_fail("a container is in no space", e->object, -1);
            }
        }
        e->scratch = 0;
    }
    if (c_held != h->c_held_count) verify_fail("a c-held container is in no space", NULL, -1);
    if (containers + c_held != h->heap_size) verify_fail("heap_size is not the number of containers", NULL, -1);
}

static void check_heap(heap *h, bool full_collection) {
    heap_base_check(&h->base, refcount_value, full_collection);
    check_spaces(h);
}

/* ---- the interface ---- */

static uint64_t knob_value(double value) { return value > 0 ? (uint64_t)value : 0; }

/* The interpreter's own containers, old and pending from the start, held by
 * C: counted in heap_size as CPython counts them, never in the books. */
static void create_c_held(heap *h, size_t count) {
    if (!count) return;
    h->c_held = calloc(count, C_HELD_BLOCK);
    if (!h->c_held) array_out_of_memory(h, &h->base, count, C_HELD_BLOCK, "interpreter's own containers");
    h->c_held_count = count;
    for (size_t i = 0; i < count; i++) {
        gc_header *g = (gc_header *)(h->c_held + i * C_HELD_BLOCK);
        g->rc.refcount = 1;
        object_of(g)->nrefs = 1;
        append(h, pending_index(h), g);
    }
    h->heap_size += count;
}

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    h->young_threshold = knob_value(config->knobs[THRESHOLD0]);
    h->old_threshold = knob_value(config->knobs[THRESHOLD1]);
    h->work_to_do = INITIAL_WORK_TO_DO;
    h->marking_due = true;
    h->untracks_tuples = config->knobs[UNTRACK_TUPLES] > 0;
    /* _Py_TriggerGC: threshold0 == 0 disables automatic collection. */
    bool automatic = h->young_threshold && !config->collect_only_when_asked;
    h->automatic_threshold0 = automatic ? h->young_threshold : UINT64_MAX;
    create_c_held(h, knob_value(config->knobs[C_HELD]));
    return h;
}

/* A new block's header, slots and data; a container is tracked young and
 * counted (_PyObject_GC_Link); pushed on the roots. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    obj *o = (obj *)((char *)block + header_size(nrefs));
    refcount_of(o)->refcount = 1; /* the root slot it is pushed into */
    if (nrefs) {
        gc_header *g = block;
        g->gc_refs = 0;
        track_young(h, g);
        h->young_count++;
        h->heap_size++;
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
        .generations = 3,
        .collect = heap_collect,
        .collecting_makes_room = true,
        .init_object = init_object,
        .reset_budget = heap_base_reset_budget_untriggered,
    };
    return heap_base_new_checked(h, &h->base, &path, nrefs, nbytes);
}

/* The collection the count scheduled, at the next safe point: the new
 * container exists, rooted, and is part of it (_Py_RunGC). */
__attribute__((noinline)) static obj *collect_scheduled(heap *h, obj *o) {
    if (!h->base.collecting) collect(h, COLLECT_INCREMENT);
    return o;
}

__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    obj *o;
    if (UNLIKELY(size > h->base.allocation_budget)) {
        o = obj_new_checked(h, nrefs, nbytes);
    } else {
        void *block = alloc_allocate(size);
        o = UNLIKELY(!block) ? obj_new_checked(h, nrefs, nbytes) : init_object(h, block, nrefs, nbytes, size);
    }
    if (nrefs && UNLIKELY(h->young_count > h->automatic_threshold0)) return collect_scheduled(h, o);
    return o;
}

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    stats->objects_marked = h->objects_marked;
    stats->bytes_marked = h->bytes_marked;
    stats->generations = 3;
    /* gc.get_threshold() and gc.get_count(), beside gc.get_stats(). */
    const uint64_t thresholds[3] = {h->young_threshold, h->old_threshold, 0};
    const uint64_t counts[3] = {h->young_count, h->old_count[h->visited_space], h->old_count[h->visited_space ^ 1]};
    for (int i = 0; i < 3; i++) {
        stats->generation[i] = (heap_generation_stats){
            .collections = h->generation_stats[i].collections,
            .collected = h->generation_stats[i].collected,
            .uncollectable = 0,
            .threshold = thresholds[i],
            .count = counts[i],
        };
    }
}

/* Verify mode's teardown of anything left (nothing is, after the final full
 * collection, but the registry is the authority). */
static void free_leaked(obj *o, uint64_t size, void *data) {
    if (o->nrefs && gc_of(o)->place != UNTRACKED) untrack(data, gc_of(o));
    alloc_free(block_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    if (!h->base.abandoned) { /* else perhaps halfway through a collection: no object is walked */
        root_pop(h, h->base.roots.depth);
        /* With no roots, everything left is garbage held by cycles. */
        collect(h, COLLECT_FULL);
    }
    heap_base_finish(&h->base, report, free_leaked, h);
    heap_base_release(&h->base);
    for (int i = 0; i < TABLES; i++)
        release_array(h->tables[i].entries, h->tables[i].capacity, sizeof *h->tables[i].entries);
    release_array(h->mark_stack, h->mark_stack_capacity, sizeof *h->mark_stack);
    free(h->c_held);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
