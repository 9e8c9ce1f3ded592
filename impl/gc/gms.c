/*
 * gms: generational mark-sweep that never moves an object.
 *
 * Most objects die young (the weak generational hypothesis: Lieberman and
 * Hewitt 1983, Ungar 1984), so a collection that looks only at what was
 * allocated since the last one finds most of the garbage for a fraction of
 * a full trace. The usual way there is a copying nursery; gms keeps
 * marksweep's terms instead: objects live where the allocator under test
 * (malloc or pool) put them, for life. The technique is Demers, Weiser,
 * Hayes, Boehm, Bobrow and Shenker's, "Combining generational and
 * conservative garbage collection" (POPL 1990): in a heap that does not
 * move, an object's generation can be its mark bit itself, left set
 * ("sticky") after the collection that set it. whippet's generational mmc
 * and MMTk's sticky mark-bit plans work the same way today.
 *
 * Young and old. An object is young from its allocation until the first
 * collection it survives, and old from then on. The young collection's mark
 * bit is the old bit (FLAG_OLD in the header): marking a young object
 * promotes it, and nothing clears the bit again. Promotion at the first
 * survival is Demers et al.'s policy and the simplest; its price is
 * premature promotion: whatever is still in use when the nursery fills (the
 * last few temporaries of a loop) becomes old garbage that only a full
 * collection frees. What it buys: after every collection there is no young
 * object left, so the remembered set (below) starts empty each time.
 *
 * A young collection (collect_young) marks from the root stack and the
 * remembered set, and stops at every old object: an old object counts as
 * marked already and is never traced into. Then it walks the young table
 * (every object allocated since the last collection, in allocation order),
 * frees what marking did not reach and moves each survivor's entry to the
 * old table: promotion is a table entry and a header word, nothing is
 * copied. Its cost is in proportion to the roots, the remembered set, the
 * survivors and their slots, and the nursery (each young object's header is
 * read, each dead one freed). There is no pass over the old objects, and
 * the old generation is not even looked at where a root, a survivor or a
 * remembered object points into it: a reference outside the span of
 * addresses the young objects occupy is old, and only one inside it has its
 * header read to tell.
 *
 * The remembered set. A young collection finds what old objects point at
 * only if every reference from an old object to a young one is on record.
 * tracing.h calls the write barrier before every store into a slot; a store
 * of a young value into an old object that is not remembered yet records
 * the old object, once (FLAG_REMEMBERED in its header says it is on the
 * set). The next young collection takes the slots of every remembered
 * object as roots, then empties the set: its survivors are old, so no old
 * object holds a young reference any more. A full collection empties it
 * too.
 *
 * Why objects, not cards. A card table (whippet's: a byte per 256 bytes of
 * heap, found from an address by arithmetic, its blocks being in aligned
 * slabs of its own) divides an address range the collector owns; gms's
 * objects are wherever malloc or pool put them, and tracing.h's barrier is
 * told the object and the value, not the slot. Remembering objects is
 * exact instead (an old object is rescanned only if a young value was
 * stored into it) and a header bit makes each one a single entry however
 * often it is written. Its weak spot is a large object: a remembered one is
 * rescanned whole, and a table of millions of slots filled one store at a
 * time (long-lived's old structure while it is built, wide's objects) would
 * make every young collection cost the size of the table, the old heap's
 * size. So an old object of more than RESCAN_LIMIT slots is never
 * remembered itself: the young values stored into it are, each once (the
 * same bit, in the young value's header), and they are roots of the next
 * young collection. That is as precise as a card of one slot, and it
 * inherits what card marking forgives too: a value stored and then
 * overwritten before the collection still survives it, as old garbage until
 * a full one. The generational invariant, checked in verify mode at the
 * start of every collection, is therefore: every reference from an old
 * object to a young one has its old object or its young value remembered.
 *
 * The barrier's cost. Its fast path is inlined into every store: load the
 * object's header word and test two bits (old, not remembered); only a
 * store into an unremembered old object goes on to test the value (not
 * NULL; young and unremembered: two bits of its header). Most stores fill
 * young objects and cost a load and a branch not taken; a store into a
 * remembered old object costs the same. The remembering is out of line.
 *
 * When collections run. The nursery fills: a collection runs before the
 * allocation that would take the bytes allocated since the last collection
 * past nursery-size, and that is the one comparison obj_new makes against
 * the allocation budget (heap_base.h), which folds in the heap limit and
 * the room in the young table too. It is a young collection, unless the old
 * generation has grown since the last full collection (by promotion: old
 * garbage counts until a full collection finds it) past max(growth-factor
 * x the live bytes that collection left, min-heap): then it is a full one,
 * marksweep's growth policy applied to the old generation. Stress
 * collections go round-robin, young then full; collect_only_when_asked
 * turns the nursery, and so both, off. The defaults (a nursery of 256 KiB,
 * min-heap 512 KiB) keep a small heap's nursery, its old garbage and its
 * live data within a core's 2 MiB L2 cache: at 1 MiB each, churn (a small
 * live set) ran 40% slower than under marksweep with its 1 MiB heap,
 * every allocation and sweep missing the cache (simulated: 4 million
 * last-level misses against 36 thousand; 31 thousand at the defaults).
 *
 * A full collection (collect_full) forgets the remembered set, moves the
 * whole young table into the old one as if every young object had
 * survived, and is then marksweep's collection of the old table: marks in a
 * bitmap indexed like the table, set from the roots with an explicit stack;
 * a sweep that reads the bitmap a word at a time, frees the unmarked and
 * keeps the table dense by moving the last survivor into each hole.
 *
 * Layout: one header word, the object's index in its table (young or old)
 * above the two flags. Marking, in both collections, pushes children
 * untested and passes what it pops through a short FIFO that prefetches the
 * header it is about to test (marksweep's, after Cher, Hosking and
 * Vijaykumar 2004). Every walk is a loop over a table or an explicit
 * stack: a ten-million-object chain is promoted and freed on a shallow C
 * stack.
 */
// allocators: malloc pool
#include "../growable_array.h"
#include "../tracing.h"
#include "gms_inspect.h"

#include <stdio.h>

const char gc_name[] = "gms";
const char gc_description[] =
    "generational mark-sweep, non-moving: young collections mark from the roots and a remembered set and promote "
    "survivors in place (sticky mark bits); full ones when the old generation has grown by a factor of the live size";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = false,
    .generations = 2,
    .exact_books = true,
};

enum { KNOB_GROWTH_FACTOR, KNOB_MIN_HEAP, KNOB_NURSERY_SIZE };
const knob gc_knobs[] = {
    [KNOB_GROWTH_FACTOR] = {"growth-factor",
                            "a full collection replaces a young one once the old generation has grown since the last "
                            "full one by this x the live bytes it left",
                            2.0, 0.1, 1000, false},
    [KNOB_MIN_HEAP] = {"min-heap", "growth of the old generation since the last full collection below which none runs",
                       524288, 0, 1099511627776.0, true},
    [KNOB_NURSERY_SIZE] = {"nursery-size", "bytes allocated since the last collection that trigger the next",
                           262144, 0, 1099511627776.0, true},
    {NULL},
};

/* The header: word = index << FLAG_BITS | flags. The index is the object's
 * place in the young table or, once FLAG_OLD is set, in the old table. */
typedef struct gms_header {
    uintptr_t word;
} gms_header;

#define FLAG_OLD ((uintptr_t)1)        /* survived a collection: the sticky mark bit */
#define FLAG_REMEMBERED ((uintptr_t)2) /* on the remembered set */
#define FLAG_BITS 2

/* An old object with more slots than this is not rescanned whole: the
 * young values stored into it are remembered instead (see above). 64 slots
 * are eight cache lines, and each non-NULL one costs a look at a header. */
#define RESCAN_LIMIT 64

#define MIN_OBJECT_SIZE obj_footprint(sizeof(gms_header), 0, 0)
#define INITIAL_LIST_CAPACITY 1024
#define INITIAL_MARK_WORDS 1024
/* Entries below which no table, list or stack is shrunk: what a small heap
 * swings through is kept. */
#define SHRINK_FLOOR 65536
/* Entries ahead that a walk over a table prefetches. */
#define PREFETCH_DISTANCE 8
/* When growth ends: the triggers' "never" (collect_only_when_asked). */
#define NEVER (UINT64_C(1) << 62)

/* A list of objects: the young table, the remembered set's two halves, the
 * mark stack. */
typedef struct object_list {
    obj **items;
    size_t count, capacity;
} object_list;

/* The old table's entry: the object and its footprint, so that the sweep
 * reads neither a survivor nor the size of a dead object from its header. */
typedef struct old_entry {
    obj *object;
    uint64_t size;
} old_entry;

struct heap {
    heap_base base;
    object_list young;               /* young.items[index] for a young object */
    old_entry *old;                  /* old[index] for an old object */
    size_t old_count, old_capacity;
    object_list remembered_objects;  /* old objects (up to RESCAN_LIMIT slots) holding young values */
    object_list remembered_values;   /* young values stored into larger old objects */
    object_list mark_stack;          /* count 0 between collections; kept */
    uint64_t *mark_bits;             /* a full collection's marks, by old index; clear between them */
    size_t mark_words;
    /* The triggers. */
    double growth_factor;
    uint64_t min_heap_bytes, nursery_bytes;
    uint64_t full_allowance;                /* old growth past which a full collection replaces a young one */
    uint64_t bytes_allocated_at_collection; /* when the last collection, young or full, ended */
    uint64_t live_bytes_after_full;         /* what the last full collection left */
    /* heap_stats. */
    uint64_t young_collections, young_collected, full_collections, full_collected;
    uint64_t objects_marked, bytes_marked;
};

static inline gms_header *header_of(const obj *o) { return (gms_header *)o - 1; }
static inline obj *object_of(gms_header *hd) { return (obj *)(hd + 1); }
static inline size_t header_size(uint32_t nrefs) {
    (void)nrefs;
    return sizeof(gms_header);
}
static inline size_t size_of(const obj *o) { return obj_footprint(sizeof(gms_header), o->nrefs, o->nbytes); }
static inline uintptr_t word_of(const obj *o) { return header_of(o)->word; }
static inline size_t index_of(uintptr_t word) { return (size_t)(word >> FLAG_BITS); }
static inline uintptr_t old_word(size_t index) { return (uintptr_t)index << FLAG_BITS | FLAG_OLD; }
static inline uintptr_t young_word(size_t index) { return (uintptr_t)index << FLAG_BITS; }

_Noreturn static void verify_failed(const char *message, const obj *o) {
    fprintf(stderr, "heaplab verify: %s: %s (object %p)\n", gc_name, message, (const void *)o);
    abort();
}

/* ---- lists and tables ---- */

/* Room in `l` for `more` entries past its count. */
__attribute__((noinline)) static void list_grow(heap *h, object_list *l, size_t more, const char *what) {
    size_t wanted;
    obj **items = grow_array(l->items, &l->capacity, l->count + more, sizeof *items, INITIAL_LIST_CAPACITY, &wanted);
    if (!items) array_out_of_memory(h, &h->base, wanted, sizeof *items, what);
    l->items = items;
}

static inline void list_reserve(heap *h, object_list *l, size_t more, const char *what) {
    if (UNLIKELY(l->capacity - l->count < more)) list_grow(h, l, more, what);
}

static inline void list_push(heap *h, object_list *l, obj *o, const char *what) {
    list_reserve(h, l, 1, what);
    l->items[l->count++] = o;
}

static void list_release(object_list *l) { release_array(l->items, l->capacity, sizeof *l->items); }

/* Room in the old table for `more` entries past its count. */
static void reserve_old(heap *h, size_t more) {
    if (h->old_capacity - h->old_count >= more) return;
    size_t wanted;
    old_entry *old = grow_array(h->old, &h->old_capacity, h->old_count + more, sizeof *old, INITIAL_LIST_CAPACITY,
                                &wanted);
    if (!old) array_out_of_memory(h, &h->base, wanted, sizeof *old, "old table");
    h->old = old;
}

/* ---- the write barrier ---- */

/* o is old and not remembered, value young and not remembered: put one of
 * them on the remembered set. */
__attribute__((noinline)) static void remember(heap *h, obj *o, obj *value) {
    if (o->nrefs <= RESCAN_LIMIT) {
        list_push(h, &h->remembered_objects, o, "remembered set");
        header_of(o)->word |= FLAG_REMEMBERED;
    } else {
        list_push(h, &h->remembered_values, value, "remembered set");
        header_of(value)->word |= FLAG_REMEMBERED;
    }
}

/* tracing.h's hook, before every store into a slot. */
static inline void tracing_write_barrier(heap *h, obj *o, obj *value) {
    if (UNLIKELY((word_of(o) & (FLAG_OLD | FLAG_REMEMBERED)) == FLAG_OLD) && value &&
        !(word_of(value) & (FLAG_OLD | FLAG_REMEMBERED)))
        remember(h, o, value);
}

/* ---- marking ---- */

/* A young collection's mark: sets the sticky bit, promoting o; false if o
 * was old (or marked) already. */
static inline bool mark_young(obj *o) {
    gms_header *hd = header_of(o);
    if (hd->word & FLAG_OLD) return false;
    hd->word |= FLAG_OLD;
    return true;
}

/* A full collection's mark, in the bitmap (every object is in the old table
 * by then); false if already set. */
static inline bool mark_old(uint64_t *mark_bits, const obj *o) {
    size_t index = index_of(word_of(o));
    uint64_t *word = &mark_bits[index / 64], bit = UINT64_C(1) << (index % 64);
    if (*word & bit) return false;
    *word |= bit;
    return true;
}

/* The addresses the young objects lie between, taken from the young table
 * when a young collection starts. A reference outside the span leads to an
 * old object, known without a look at its header: once the old generation
 * outgrows the cache, that look is a miss to memory for every old object a
 * survivor or a remembered object points at, and it made a young
 * collection's cost grow with the old generation's size (long-lived's
 * build, where every node points at a random older one: the median young
 * collection took 0.13 ms at 100k old nodes and 0.40 ms at 6.4M; with the
 * span, 0.07 ms at both). A reference inside may still be old (the
 * allocator reuses memory anywhere): its header decides. A full
 * collection's span is every address. */
typedef struct address_span {
    uintptr_t low, high;
} address_span;

static const address_span every_address = {0, UINTPTR_MAX};

static address_span measure_young_span(const heap *h) {
    uintptr_t low = UINTPTR_MAX, high = 0;
    for (size_t k = 0; k < h->young.count; k++) {
        uintptr_t at = (uintptr_t)h->young.items[k];
        low = at < low ? at : low;
        high = at > high ? at : high;
    }
    return (address_span){low, high};
}

/* Whether o may be young: a non-NULL reference within the span. */
static inline bool may_be_young(address_span span, const obj *o) {
    return o && (uintptr_t)o - span.low <= span.high - span.low;
}

/* Pushes every root in the span on the mark stack; returns the stack's
 * depth. */
static size_t push_roots(heap *h, address_span span) {
    const root_stack *rs = &h->base.roots;
    object_list *stack = &h->mark_stack;
    stack->count = 0;
    list_reserve(h, stack, rs->depth, "mark stack");
    size_t depth = 0;
    for (size_t r = 0; r < rs->depth; r++)
        if (may_be_young(span, rs->slots[r])) stack->items[depth++] = rs->slots[r];
    return depth;
}

/* A young collection's other roots: the slots of every remembered object
 * and every remembered value. The set is emptied as it is read; the flags
 * of the objects go now, those of the values when they are promoted. */
static size_t push_remembered(heap *h, address_span span, size_t depth) {
    object_list *stack = &h->mark_stack, *objects = &h->remembered_objects, *values = &h->remembered_values;
    for (size_t k = 0; k < objects->count; k++) {
        obj *o = objects->items[k];
        header_of(o)->word &= ~FLAG_REMEMBERED;
        stack->count = depth;
        list_reserve(h, stack, o->nrefs, "mark stack");
        for (uint32_t i = 0; i < o->nrefs; i++)
            if (may_be_young(span, o->refs[i])) stack->items[depth++] = o->refs[i];
    }
    stack->count = depth;
    list_reserve(h, stack, values->count, "mark stack");
    for (size_t k = 0; k < values->count; k++) stack->items[depth++] = values->items[k];
    objects->count = values->count = 0;
    return depth;
}

/* Marks everything reachable from the `depth` objects on the mark stack:
 * young ones only in a young collection (`young`, a constant in each call),
 * everything in a full one. A stack entry is an edge, not an object:
 * children in the span are pushed untested, and what is popped passes
 * through a short FIFO whose entries are prefetched as they join it, so
 * that the header has arrived by the time its mark is tested. */
#define MARK_FIFO 8

__attribute__((always_inline)) static inline void mark_from_stack(heap *h, size_t depth, bool young,
                                                                  address_span span,
                                                                  gc_collection_summary *summary) {
    uint64_t *mark_bits = h->mark_bits;
    obj **stack = h->mark_stack.items;
    size_t capacity = h->mark_stack.capacity;
    uint64_t marked = 0, bytes = 0;
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
        if (!(young ? mark_young(o) : mark_old(mark_bits, o))) continue;
        uint32_t nrefs = o->nrefs;
        marked++;
        bytes += obj_footprint(sizeof(gms_header), nrefs, o->nbytes);
        if (UNLIKELY(capacity - depth < nrefs)) {
            h->mark_stack.count = depth;
            list_grow(h, &h->mark_stack, nrefs, "mark stack");
            stack = h->mark_stack.items;
            capacity = h->mark_stack.capacity;
        }
        for (uint32_t i = 0; i < nrefs; i++) {
            obj *child = o->refs[i];
            if (young ? may_be_young(span, child) : child != NULL) stack[depth++] = child;
        }
    }
    h->mark_stack.count = 0;
    summary->objects_marked = marked;
    summary->bytes_marked = bytes;
}

/* ---- sweeping ---- */

static inline void free_object(heap *h, obj *o, size_t size, heap_frees *freed) {
    heap_frees_count(&h->base, freed, o, size);
    alloc_free(header_of(o), size);
}

/* The young collection's sweep: walks the young table in allocation order,
 * frees what marking left young and appends the rest, old now, to the old
 * table. The young table is empty after it. */
static void promote_survivors(heap *h, gc_collection_summary *summary) {
    object_list *young = &h->young;
    reserve_old(h, young->count);
    old_entry *old = h->old;
    size_t old_count = h->old_count;
    heap_frees freed = heap_base_frees_begin(&h->base);
    for (size_t k = 0; k < young->count; k++) {
        if (k + PREFETCH_DISTANCE < young->count) __builtin_prefetch(header_of(young->items[k + PREFETCH_DISTANCE]));
        obj *o = young->items[k];
        gms_header *hd = header_of(o);
        size_t size = size_of(o);
        if (hd->word & FLAG_OLD) {
            hd->word = old_word(old_count); /* a remembered value's flag goes too */
            old[old_count++] = (old_entry){o, size};
        } else {
            free_object(h, o, size, &freed);
        }
    }
    heap_base_frees_end(&h->base, &freed);
    summary->objects_freed = freed.objects;
    summary->bytes_freed = freed.bytes;
    h->old_count = old_count;
    young->count = 0;
}

/* A full collection's first pass: the whole young table joins the old one,
 * as if it had survived; the old table's sweep frees what did not. */
static void adopt_young(heap *h) {
    object_list *young = &h->young;
    reserve_old(h, young->count);
    for (size_t k = 0; k < young->count; k++) {
        if (k + PREFETCH_DISTANCE < young->count) __builtin_prefetch(header_of(young->items[k + PREFETCH_DISTANCE]));
        obj *o = young->items[k];
        header_of(o)->word = old_word(h->old_count);
        h->old[h->old_count++] = (old_entry){o, size_of(o)};
    }
    young->count = 0;
}

/* A full collection forgets the remembered set: it traces everything. The
 * values' flags went with adopt_young's new header words. */
static void forget_remembered(heap *h) {
    object_list *objects = &h->remembered_objects;
    for (size_t k = 0; k < objects->count; k++) header_of(objects->items[k])->word &= ~FLAG_REMEMBERED;
    objects->count = h->remembered_values.count = 0;
}

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

static inline bool is_marked(const uint64_t *mark_bits, size_t index) {
    return mark_bits[index / 64] >> (index % 64) & 1;
}

/* The full collection's sweep: frees the unmarked and keeps the old table
 * dense. `low` finds holes from the bottom, `high` walks down from the top
 * freeing garbage until a survivor turns up to fill the hole; survivors
 * below the last hole are not touched. Clears the marks it read. */
static void sweep_old(heap *h, gc_collection_summary *summary) {
    const uint64_t *mark_bits = h->mark_bits;
    old_entry *old = h->old;
    size_t low = 0, high = h->old_count; /* [low, high) not yet swept */
    heap_frees freed = heap_base_frees_begin(&h->base);
    for (;;) {
        low = next_unmarked(mark_bits, low, high);
        if (low == high) break;
        free_object(h, old[low].object, old[low].size, &freed);
        do {
            if (--high == low) goto swept;
            if (is_marked(mark_bits, high)) break;
            free_object(h, old[high].object, old[high].size, &freed);
        } while (true);
        old[low] = old[high];
        header_of(old[low].object)->word = old_word(low);
        low++;
    }
swept:
    heap_base_frees_end(&h->base, &freed);
    summary->objects_freed = freed.objects;
    summary->bytes_freed = freed.bytes;
    memset(h->mark_bits, 0, (h->old_count + 63) / 64 * sizeof(uint64_t));
    h->old_count = high;
}

/* Room in the bitmap for every old object (and a word past them). */
static void reserve_mark_bits(heap *h) {
    size_t words = h->old_count / 64 + 1;
    if (words <= h->mark_words) return;
    size_t before = h->mark_words, wanted;
    uint64_t *bits = grow_array(h->mark_bits, &h->mark_words, words, sizeof *bits, INITIAL_MARK_WORDS, &wanted);
    if (!bits) array_out_of_memory(h, &h->base, wanted, sizeof *bits, "mark bitmap");
    h->mark_bits = bits;
    memset(bits + before, 0, (h->mark_words - before) * sizeof *bits);
}

/* ---- the allocation budget ---- */

/* Bytes allocated since the last collection: the nursery's. */
static inline uint64_t nursery_used(const heap *h) {
    return heap_base_bytes_allocated(&h->base) - h->bytes_allocated_at_collection;
}

/* What the old generation has grown by since the last full collection:
 * what young collections promoted since. The young objects are the bytes
 * allocated since the last collection, none of them freed yet. */
static inline uint64_t old_growth(const heap *h) {
    uint64_t old = heap_base_live_bytes(&h->base) - nursery_used(h);
    return old > h->live_bytes_after_full ? old - h->live_bytes_after_full : 0;
}

/* The budget is the room left in the nursery, and in the young table: each
 * allocation takes at least MIN_OBJECT_SIZE of it and one entry. */
static void set_allocation_budget(heap *h) {
    heap_base *b = &h->base;
    if (h->young.count == h->young.capacity) list_grow(h, &h->young, 1, "young table");
    uint64_t nursery = nursery_used(h);
    uint64_t room = nursery < h->nursery_bytes ? h->nursery_bytes - nursery : 0;
    uint64_t table_room = (uint64_t)(h->young.capacity - h->young.count) * MIN_OBJECT_SIZE;
    heap_base_reset_budget(b, table_room < room ? table_room : room);
}

/* Room the collection no longer needs goes back to the system: the young
 * table and the remembered set are empty now, the old table holds what
 * survived. The mark stack keeps room for as many entries as there are
 * objects. */
static void give_back_room(heap *h) {
    h->young.items = shrink_array(h->young.items, &h->young.capacity, 0, sizeof *h->young.items, SHRINK_FLOOR);
    object_list *remembered[] = {&h->remembered_objects, &h->remembered_values};
    for (size_t i = 0; i < 2; i++)
        remembered[i]->items =
            shrink_array(remembered[i]->items, &remembered[i]->capacity, 0, sizeof(obj *), SHRINK_FLOOR);
    h->mark_stack.items =
        shrink_array(h->mark_stack.items, &h->mark_stack.capacity, h->old_count, sizeof(obj *), SHRINK_FLOOR);
    h->old = shrink_array(h->old, &h->old_capacity, h->old_count, sizeof *h->old, SHRINK_FLOOR);
    h->mark_bits = shrink_array(h->mark_bits, &h->mark_words, h->old_count / 64 + 1, sizeof *h->mark_bits,
                                SHRINK_FLOOR / 64);
}

static void after_collection(heap *h, bool full) {
    heap_base *b = &h->base;
    if (full) {
        h->live_bytes_after_full = heap_base_live_bytes(b);
        double allowance = h->growth_factor * (double)h->live_bytes_after_full;
        if (!(allowance > 0)) allowance = 0; /* a nonsense factor (the harness checks ranges) is a zero one */
        h->full_allowance = allowance >= 0x1p62 ? NEVER : (uint64_t)allowance;
        if (h->full_allowance < h->min_heap_bytes) h->full_allowance = h->min_heap_bytes;
    }
    h->bytes_allocated_at_collection = heap_base_bytes_allocated(b);
    give_back_room(h);
    set_allocation_budget(h);
}

/* ---- verify mode ---- */

/* Both tables hold exactly the registered objects, each at the place its
 * header names with the generation its table says; every remembered flag
 * is on the set once, and the set holds only what may be on it; no mark is
 * left in the bitmap. Uses the registry's scratch, zero again after. */
static void check_tables(heap *h) {
    object_registry *r = &h->base.registry;
    if (h->young.count + h->old_count != r->count)
        verify_failed("the young and old tables hold another number of objects than are allocated", NULL);
    size_t flagged_old = 0, flagged_young = 0;
    for (size_t k = 0; k < h->young.count; k++) {
        obj *o = h->young.items[k];
        registry_entry *e = registry_find(r, o);
        if (!e) verify_failed("the young table holds an object that is not allocated", o);
        if (e->scratch++) verify_failed("an object is in the tables twice", o);
        uintptr_t word = word_of(o);
        if (word & FLAG_OLD) verify_failed("the young table holds an old object", o);
        if (index_of(word) != k) verify_failed("a young object's header names another place in its table", o);
        flagged_young += (word & FLAG_REMEMBERED) != 0;
    }
    for (size_t k = 0; k < h->old_count; k++) {
        obj *o = h->old[k].object;
        registry_entry *e = registry_find(r, o);
        if (!e) verify_failed("the old table holds an object that is not allocated", o);
        if (e->scratch++) verify_failed("an object is in the tables twice", o);
        uintptr_t word = word_of(o);
        if (!(word & FLAG_OLD)) verify_failed("the old table holds a young object", o);
        if (index_of(word) != k) verify_failed("an old object's header names another place in its table", o);
        if (h->old[k].size != size_of(o) || e->size != size_of(o))
            verify_failed("the old table holds another size than the object's", o);
        if ((word & FLAG_REMEMBERED) && o->nrefs > RESCAN_LIMIT)
            verify_failed("an object too large to rescan is remembered itself", o);
        flagged_old += (word & FLAG_REMEMBERED) != 0;
    }
    for (size_t k = 0; k < r->capacity; k++) r->entries[k].scratch = 0;
    for (size_t k = 0; k < h->remembered_objects.count; k++)
        if ((word_of(h->remembered_objects.items[k]) & (FLAG_OLD | FLAG_REMEMBERED)) != (FLAG_OLD | FLAG_REMEMBERED))
            verify_failed("the remembered set holds an object that is not old and flagged", h->remembered_objects.items[k]);
    for (size_t k = 0; k < h->remembered_values.count; k++)
        if ((word_of(h->remembered_values.items[k]) & (FLAG_OLD | FLAG_REMEMBERED)) != FLAG_REMEMBERED)
            verify_failed("the remembered set holds a value that is not young and flagged", h->remembered_values.items[k]);
    if (flagged_old != h->remembered_objects.count || flagged_young != h->remembered_values.count)
        verify_failed("remembered flags and the remembered set disagree (an entry twice, or a flag off the set)", NULL);
    for (size_t w = 0; w < h->mark_words; w++)
        if (h->mark_bits[w]) verify_failed("a mark bit is still set between collections", NULL);
}

/* The generational invariant, where a store that missed the barrier shows:
 * every reference from an old object to a young one has its old object or
 * its young value remembered. Walks every old object: verify mode only. */
static void check_generational_invariant(heap *h) {
    for (size_t k = 0; k < h->old_count; k++) {
        obj *o = h->old[k].object;
        if (word_of(o) & FLAG_REMEMBERED) continue;
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *child = o->refs[i];
            if (child && !(word_of(child) & (FLAG_OLD | FLAG_REMEMBERED)))
                verify_failed("an old object holds a young reference that is not remembered (a store missed the "
                              "write barrier)",
                              o);
        }
    }
}

/* At the start of every collection. */
static void check_before_collection(heap *h) {
    check_tables(h);
    check_generational_invariant(h);
}

/* After every collection: the tables, and nothing young or remembered left;
 * after a full collection, nothing unreachable either. */
static void check_after_collection(heap *h, bool full) {
    heap_base_check(&h->base, NULL, full);
    check_tables(h);
    if (h->young.count) verify_failed("a young object outlived a collection", h->young.items[0]);
    if (h->remembered_objects.count || h->remembered_values.count)
        verify_failed("the remembered set is not empty after a collection", NULL);
}

/* ---- the collections ---- */

/* Marks the young objects reachable from the roots and the remembered set,
 * promoting them, and frees the rest of the young generation. */
static void collect_young(heap *h) {
    heap_base *b = &h->base;
    heap_base_collection_begin(b, 0);
    if (UNLIKELY(b->config.verify)) check_before_collection(h);
    gc_collection_summary summary = {.generation = 0, .objects_examined = h->young.count};
    address_span span = measure_young_span(h);
    size_t depth = push_remembered(h, span, push_roots(h, span));
    mark_from_stack(h, depth, true, span, &summary);
    promote_survivors(h, &summary);
    h->young_collections++;
    h->young_collected += summary.objects_freed;
    h->objects_marked += summary.objects_marked;
    h->bytes_marked += summary.bytes_marked;
    heap_base_collection_end(b, &summary);
    after_collection(h, false);
    if (UNLIKELY(b->config.verify)) check_after_collection(h, false);
}

/* Marks everything reachable from the roots and frees everything else. */
static void collect_full(heap *h) {
    heap_base *b = &h->base;
    heap_base_collection_begin(b, -1);
    if (UNLIKELY(b->config.verify)) check_before_collection(h);
    forget_remembered(h);
    adopt_young(h);
    reserve_mark_bits(h);
    gc_collection_summary summary = {.generation = -1, .objects_examined = h->old_count};
    mark_from_stack(h, push_roots(h, every_address), false, every_address, &summary);
    sweep_old(h, &summary);
    h->full_collections++;
    h->full_collected += summary.objects_freed;
    h->objects_marked += summary.objects_marked;
    h->bytes_marked += summary.bytes_marked;
    heap_base_collection_end(b, &summary);
    after_collection(h, true);
    if (UNLIKELY(b->config.verify)) check_after_collection(h, true);
}

/* 0: the young generation; -1, 1 or more: everything. */
void heap_collect(heap *h, int generation) {
    if (generation == 0) collect_young(h);
    else collect_full(h);
}

/* ---- the heap ---- */

static uint64_t knob_bytes(double value) { return value > 0 ? (uint64_t)value : 0; }

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    h->growth_factor = config->knobs[KNOB_GROWTH_FACTOR];
    h->min_heap_bytes = knob_bytes(config->knobs[KNOB_MIN_HEAP]);
    h->nursery_bytes = knob_bytes(config->knobs[KNOB_NURSERY_SIZE]);
    if (config->collect_only_when_asked) h->nursery_bytes = NEVER;
    after_collection(h, true); /* an empty heap, as after a full collection */
    return h;
}

/* A new block's header, slots and data, in the young table, counted and
 * pushed on the roots. The budget guarantees the table has room. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    gms_header *hd = block;
    obj *o = object_of(hd);
    hd->word = young_word(h->young.count);
    h->young.items[h->young.count++] = o;
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(hd, sizeof(gms_header) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

static obj *init_object_with_room(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    if (h->young.count == h->young.capacity) list_grow(h, &h->young, 1, "young table");
    return init_object(h, block, nrefs, nbytes, size);
}

/* The checked path's trigger (heap_base.h), which asks whether a full
 * collection is due: when the nursery is full and the old generation has
 * grown past its allowance. A full nursery otherwise calls for a young
 * collection, run here, before the allocation, where the full one would
 * be. */
static bool collection_due(heap *h, size_t size) {
    if (nursery_used(h) + size <= h->nursery_bytes) return false;
    if (old_growth(h) > h->full_allowance) return true;
    collect_young(h);
    return false;
}

__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = 2,
        .collect = heap_collect,
        .trigger_due = collection_due,
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
    void *block = alloc_allocate(size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    stats->objects_marked = h->objects_marked;
    stats->bytes_marked = h->bytes_marked;
    stats->generations = 2;
    stats->generation[0].collections = h->young_collections;
    stats->generation[0].collected = h->young_collected;
    stats->generation[1].collections = h->full_collections;
    stats->generation[1].collected = h->full_collected;
}

static void free_leaked(obj *o, uint64_t size, void *data) {
    (void)data;
    alloc_free(header_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    if (!h->base.abandoned) { /* else perhaps halfway through a collection: no object is walked */
        root_pop(h, h->base.roots.depth);
        collect_full(h); /* with no roots, frees everything: nothing leaks */
    }
    heap_base_finish(&h->base, report, free_leaked, NULL);
    heap_base_release(&h->base);
    list_release(&h->young);
    list_release(&h->remembered_objects);
    list_release(&h->remembered_values);
    list_release(&h->mark_stack);
    release_array(h->old, h->old_capacity, sizeof *h->old);
    release_array(h->mark_bits, h->mark_words, sizeof *h->mark_bits);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }

/* ---- inspection, for tests (gms_inspect.h) ---- */

void gms_take_census(heap *h, gms_census *census) {
    *census = (gms_census){
        .young_objects = h->young.count,
        .old_objects = h->old_count,
        .remembered_objects = h->remembered_objects.count,
        .remembered_values = h->remembered_values.count,
    };
}

bool gms_is_old(const obj *o) { return word_of(o) & FLAG_OLD; }
bool gms_is_remembered(const obj *o) { return word_of(o) & FLAG_REMEMBERED; }
size_t gms_rescan_limit(void) { return RESCAN_LIMIT; }
