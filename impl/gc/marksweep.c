/*
 * marksweep: tracing without counts. obj_set is a plain store; a collection
 * marks everything reachable from the root stack with an explicit mark stack
 * (no recursion: a chain of ten million objects marks in constant C stack),
 * then frees everything unmarked. Every collection is a full one.
 *
 * Heap size policy: a collection runs before the allocation that would take
 * the bytes allocated since the last collection past
 * max(growth-factor x live bytes after it, min-heap), or the live bytes past
 * the heap limit. The allocation budget (heap_base.h) folds both together (and
 * the room left in the object table), so obj_new makes one check.
 *
 * Layout: the header is one word, the object's index in `objects`, a dense
 * table of every allocated object. Mark bits live in a bitmap indexed the same
 * way. Against the classic header (a link to the next object plus a mark bit)
 * this costs a table word per object, and buys a sweep that never touches a
 * live object: it reads the bitmap a word (64 objects) at a time, visits only
 * the unmarked, and clearing the marks is one memset. Marking writes only to
 * the bitmap, so live objects' cache lines stay clean. The sweep keeps the
 * table dense by moving the last survivor into each hole (two fingers, so
 * the cost is proportional to the garbage, not the heap).
 */
#include "../growable_array.h"
#include "../tracing.h"

#include <stdio.h>

const char gc_name[] = "marksweep";
const char gc_description[] =
    "mark-sweep: marks from the root stack with an explicit stack, frees the rest; collects when allocation since the "
    "last collection exceeds a factor of the live size, or at the heap limit";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = false,
    .generations = 1,
    .exact_books = true,
};

enum { KNOB_GROWTH_FACTOR, KNOB_MIN_HEAP };
const knob gc_knobs[] = {
    [KNOB_GROWTH_FACTOR] = {"growth-factor",
                            "collect when bytes allocated since the last collection exceed this x the live bytes",
                            2.0, 0.1, 1000, false},
    [KNOB_MIN_HEAP] = {"min-heap", "bytes allocated since the last collection below which growth never collects",
                       1048576, 0, 1099511627776.0, true},
    {NULL},
};

typedef struct ms_header {
    size_t index; /* in heap.objects, and in the mark bitmap */
} ms_header;

/* The smallest footprint: how many objects a byte budget can hold at most. */
#define MIN_OBJECT_SIZE obj_footprint(sizeof(ms_header), 0, 0)
#define INITIAL_OBJECT_CAPACITY 1024
#define INITIAL_MARK_STACK_CAPACITY 4096

struct heap {
    heap_base base;
    obj **objects;   /* every allocated object, densely: objects[header.index] */
    uint32_t *sizes; /* sizes[i]: the footprint of objects[i] */
    size_t object_count, object_capacity;
    uint64_t *mark_bits; /* all clear between collections */
    size_t mark_words;   /* capacity of mark_bits */
    obj **mark_stack;    /* kept between collections, never shrunk */
    size_t mark_stack_capacity;
    double growth_factor;
    uint64_t min_heap_bytes;
    uint64_t growth_allowance;              /* bytes since the last collection that trigger the next */
    uint64_t bytes_allocated_at_collection; /* bytes allocated when the last collection ended */
    uint64_t objects_marked, bytes_marked;  /* totals over all collections */
};

static inline ms_header *header_of(const obj *o) { return (ms_header *)o - 1; }
static inline obj *object_of(ms_header *hd) { return (obj *)(hd + 1); }
static inline size_t header_size(uint32_t nrefs) {
    (void)nrefs;
    return sizeof(ms_header);
}
static inline size_t size_of(const obj *o) { return obj_footprint(sizeof(ms_header), o->nrefs, o->nbytes); }
/* tracing.h's hook: every collection traces the whole heap. */
static inline void tracing_write_barrier(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }
_Static_assert(sizeof(ms_header) + sizeof(obj) + (uint64_t)OBJ_MAX_REFS * sizeof(obj *) + OBJ_MAX_BYTES + 16 <
                   UINT32_MAX,
               "the sizes column holds any object's footprint");


_Noreturn static void verify_failed(const char *message) {
    fprintf(stderr, "heaplab verify: %s: %s\n", gc_name, message);
    abort();
}

/* ---- marking ---- */

/* Sets o's mark bit; false if it was already set. */
static inline bool mark(uint64_t *mark_bits, const obj *o) {
    size_t index = header_of(o)->index;
    uint64_t *word = &mark_bits[index / 64], bit = UINT64_C(1) << (index % 64);
    if (*word & bit) return false;
    *word |= bit;
    return true;
}

static inline bool is_marked(const uint64_t *mark_bits, size_t index) {
    return mark_bits[index / 64] >> (index % 64) & 1;
}

__attribute__((noinline)) static obj **grow_mark_stack(heap *h, size_t needed) {
    size_t wanted;
    obj **stack = grow_array(h->mark_stack, &h->mark_stack_capacity, needed, sizeof(obj *),
                             INITIAL_MARK_STACK_CAPACITY, &wanted);
    if (!stack) array_out_of_memory(h, &h->base, wanted, sizeof(obj *), "mark stack");
    return h->mark_stack = stack;
}

/* Marks everything reachable from the roots. Reading a child's header to
 * test its mark bit is a cache miss per object, and a depth-first stack pops
 * the child it has just pushed, too soon for a prefetch to help. So children
 * are pushed untested, and objects popped from the stack pass through a
 * short FIFO whose entries are prefetched as they join it: by the time an
 * object leaves, its header has arrived, and its mark bit is tested then
 * (Cher, Hosking and Vijaykumar's prefetch FIFO, 2004).
 * A stack entry is an edge, not an object, so the capacity check is per
 * object scanned (room for all its slots). */
#define MARK_FIFO 8

static void mark_from_roots(heap *h, gc_collection_summary *summary) {
    uint64_t *mark_bits = h->mark_bits;
    obj **stack = h->mark_stack;
    size_t depth = 0, capacity = h->mark_stack_capacity;
    uint64_t marked = 0, bytes = 0;
    const root_stack *rs = &h->base.roots;
    if (capacity < rs->depth) stack = grow_mark_stack(h, rs->depth), capacity = h->mark_stack_capacity;
    for (size_t r = 0; r < rs->depth; r++)
        if (rs->slots[r]) stack[depth++] = rs->slots[r];
    obj *fifo[MARK_FIFO];
    unsigned head = 0, queued = 0;
    for (;;) {
        while (queued < MARK_FIFO && depth) {
            obj *next = stack[--depth];
            __builtin_prefetch(header_of(next));
            fifo[(head + queued++) % MARK_FIFO] = next;
        }
        if (!queued) break;
        obj *o = fifo[head];
        head = (head + 1) % MARK_FIFO;
        queued--;
        if (!mark(mark_bits, o)) continue;
        uint32_t nrefs = o->nrefs;
        marked++;
        bytes += obj_footprint(sizeof(ms_header), nrefs, o->nbytes);
        if (UNLIKELY(capacity - depth < nrefs)) stack = grow_mark_stack(h, depth + nrefs), capacity = h->mark_stack_capacity;
        for (uint32_t i = 0; i < nrefs; i++) {
            obj *child = o->refs[i];
            if (child) stack[depth++] = child;
        }
    }
    summary->objects_marked = marked;
    summary->bytes_marked = bytes;
}

/* ---- sweeping ---- */

/* The first unmarked index in [from, end), or end. Words past the table's
 * end read as unmarked, hence the clamp. */
static inline size_t next_unmarked(const uint64_t *mark_bits, size_t from, size_t end) {
    if (from >= end) return end;
    size_t w = from / 64;
    uint64_t unmarked = ~mark_bits[w] & (~UINT64_C(0) << (from % 64));
    while (!unmarked) {
        if (++w * 64 >= end) return end;
        unmarked = ~mark_bits[w];
    }
    size_t index = w * 64 + (size_t)__builtin_ctzll(unmarked);
    return index < end ? index : end;
}

static inline void free_object(heap *h, obj *o, size_t size, heap_frees *freed) {
    heap_frees_count(&h->base, freed, o, size);
    alloc_free(header_of(o), size);
}

/* Frees the unmarked and keeps the table dense: `low` finds holes from the
 * bottom, `high` walks down from the top freeing garbage until a survivor
 * turns up to fill the hole. Survivors below the last hole are not touched. */
static void sweep(heap *h, gc_collection_summary *summary) {
    const uint64_t *mark_bits = h->mark_bits;
    obj **objects = h->objects;
    uint32_t *sizes = h->sizes;
    size_t low = 0, high = h->object_count; /* [low, high) not yet swept */
    heap_frees freed = heap_base_frees_begin(&h->base);
    for (;;) {
        low = next_unmarked(mark_bits, low, high);
        if (low == high) break;
        free_object(h, objects[low], sizes[low], &freed);
        do {
            if (--high == low) goto swept;
            if (is_marked(mark_bits, high)) break;
            free_object(h, objects[high], sizes[high], &freed);
        } while (true);
        objects[low] = objects[high];
        sizes[low] = sizes[high];
        header_of(objects[low])->index = low;
        low++;
    }
swept:
    heap_base_frees_end(&h->base, &freed);
    summary->objects_freed = freed.objects;
    summary->bytes_freed = freed.bytes;
    memset(h->mark_bits, 0, (h->object_count + 63) / 64 * sizeof(uint64_t));
    h->object_count = high;
}

/* ---- the allocation budget ---- */

/* Doubles the table and its column of sizes together. */
static void grow_object_table(heap *h) {
    size_t capacity = h->object_capacity ? 2 * h->object_capacity : INITIAL_OBJECT_CAPACITY;
    obj **objects = resize_array(h->objects, h->object_capacity, capacity, sizeof *h->objects);
    if (!objects) array_out_of_memory(h, &h->base, capacity, sizeof *h->objects, "object table");
    h->objects = objects;
    /* Should the sizes not follow, the objects' column keeps its extra room
     * until the process ends: the heap is abandoned either way. */
    uint32_t *sizes = resize_array(h->sizes, h->object_capacity, capacity, sizeof *h->sizes);
    if (!sizes) array_out_of_memory(h, &h->base, capacity, sizeof *h->sizes, "object table");
    h->sizes = sizes;
    h->object_capacity = capacity;
}

/* The budget (heap_base.allocation_budget) folds in this collector's own
 * triggers: the growth allowance left, and the room in the object table. */
static void set_allocation_budget(heap *h) {
    heap_base *b = &h->base;
    if (h->object_count == h->object_capacity) grow_object_table(h);
    uint64_t since = heap_base_bytes_allocated(b) - h->bytes_allocated_at_collection;
    uint64_t room = since < h->growth_allowance ? h->growth_allowance - since : 0;
    /* Each allocation takes at least MIN_OBJECT_SIZE of the budget and one
     * table entry: a budget within the table's room never overflows it. */
    uint64_t table_room = (uint64_t)(h->object_capacity - h->object_count) * MIN_OBJECT_SIZE;
    heap_base_reset_budget(b, table_room < room ? table_room : room);
}

static void after_collection(heap *h) {
    heap_base *b = &h->base;
    double allowance = h->growth_factor * (double)heap_base_live_bytes(b);
    if (!(allowance > 0)) allowance = 0; /* a nonsense factor (the harness checks ranges) is a zero one */
    h->growth_allowance = allowance >= 0x1p62 ? UINT64_C(1) << 62 : (uint64_t)allowance;
    if (h->growth_allowance < h->min_heap_bytes) h->growth_allowance = h->min_heap_bytes;
    h->bytes_allocated_at_collection = heap_base_bytes_allocated(b);
    set_allocation_budget(h);
}

/* ---- the heap ---- */

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    h->growth_factor = config->knobs[KNOB_GROWTH_FACTOR];
    double min_heap = config->knobs[KNOB_MIN_HEAP];
    h->min_heap_bytes = min_heap > 0 ? (uint64_t)min_heap : 0;
    if (config->collect_only_when_asked) h->min_heap_bytes = UINT64_C(1) << 62; /* growth never collects */
    after_collection(h); /* an empty heap, as after a collection */
    return h;
}

/* Verify mode's own part: the table holds exactly the registered objects,
 * each knows its index, and no mark bit survived the sweep. */
static void check_structure(heap *h) {
    const object_registry *r = &h->base.registry;
    if (h->object_count != r->count) verify_failed("the object table and the registry hold different counts");
    for (size_t i = 0; i < h->object_count; i++) {
        obj *o = h->objects[i];
        if (!registry_find(r, o)) verify_failed("the object table holds an object that is not allocated");
        if (header_of(o)->index != i) verify_failed("an object's header does not hold its index in the table");
    }
    for (size_t w = 0; w < h->mark_words; w++)
        if (h->mark_bits[w]) verify_failed("a mark bit is still set after the sweep");
}

static void check_heap(heap *h) {
    heap_base_check(&h->base, NULL, true);
    check_structure(h);
}

void heap_collect(heap *h, int generation) {
    (void)generation; /* one generation: every collection is full */
    heap_base *b = &h->base;
    heap_base_collection_begin(b, -1);
    size_t words = h->object_count / 64 + 1; /* never none: the sweep clears what it read */
    if (words > h->mark_words) {
        size_t old = h->mark_words, wanted;
        uint64_t *bits = grow_array(h->mark_bits, &h->mark_words, words, sizeof(uint64_t), 1024, &wanted);
        if (!bits) array_out_of_memory(h, b, wanted, sizeof(uint64_t), "mark bitmap");
        h->mark_bits = bits;
        memset(h->mark_bits + old, 0, (h->mark_words - old) * sizeof(uint64_t));
    }
    gc_collection_summary summary = {.generation = -1, .objects_examined = h->object_count};
    mark_from_roots(h, &summary);
    sweep(h, &summary);
    h->objects_marked += summary.objects_marked;
    h->bytes_marked += summary.bytes_marked;
    heap_base_collection_end(b, &summary);
    after_collection(h);
    if (UNLIKELY(b->config.verify)) check_heap(h);
}

/* A new block's header, slots and data, in the table, counted and pushed on
 * the roots. The budget guarantees the table has room. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    ms_header *hd = block;
    obj *o = object_of(hd);
    hd->index = h->object_count;
    h->sizes[h->object_count] = (uint32_t)size;
    h->objects[h->object_count++] = o;
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(hd, sizeof(ms_header) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* The checked path's hooks (heap_base.h): growth is this collector's
 * trigger, and a new object may find the table full. */
static bool growth_due(heap *h, size_t size) {
    return heap_base_bytes_allocated(&h->base) - h->bytes_allocated_at_collection + size > h->growth_allowance;
}

static obj *init_object_with_room(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    if (h->object_count == h->object_capacity) grow_object_table(h);
    return init_object(h, block, nrefs, nbytes, size);
}

__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = 1,
        .collect = heap_collect,
        .trigger_due = growth_due,
        .collecting_makes_room = true,
        .init_object = init_object_with_room,
        .reset_budget = set_allocation_budget,
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

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    stats->objects_marked = h->objects_marked;
    stats->bytes_marked = h->bytes_marked;
    stats->generations = 1;
    stats->generation[0].collections = h->base.collections;
    stats->generation[0].collected = h->base.objects_freed; /* only collections free */
}

static void free_leaked(obj *o, uint64_t size, void *data) {
    (void)data;
    alloc_free(header_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    if (!h->base.abandoned) { /* else perhaps halfway through marking: no object is walked */
        root_pop(h, h->base.roots.depth);
        heap_collect(h, -1); /* with no roots, frees everything: nothing leaks */
    }
    heap_base_finish(&h->base, report, free_leaked, NULL);
    heap_base_release(&h->base);
    release_array(h->objects, h->object_capacity, sizeof *h->objects);
    release_array(h->sizes, h->object_capacity, sizeof *h->sizes);
    release_array(h->mark_bits, h->mark_words, sizeof *h->mark_bits);
    release_array(h->mark_stack, h->mark_stack_capacity, sizeof *h->mark_stack);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
