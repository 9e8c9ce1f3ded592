/*
 * rcbr: reference counting, exactly as rc does it, plus Bacon and Rajan's
 * synchronous cycle collection.
 *
 * The algorithm. D. F. Bacon and V. T. Rajan, "Concurrent Cycle Collection
 * in Reference Counted Systems" (ECOOP 2001), section 3, the synchronous
 * collector (after Martinez, Wachenchauzer and Lins, and Lins's lazy
 * variant). A garbage cycle can only be made by a decrement that leaves a
 * count above zero: whatever took the last outside reference away from it
 * decremented one of its members (or something that died and decremented
 * one in turn) and left it referenced from inside. So every such decrement
 * puts the object in a buffer of possible roots, coloured purple, and a
 * collection looks only at what the buffer's objects reach:
 *
 *   mark_roots    each purple root is marked gray, and so, depth first, is
 *                 everything it reaches, one count taken off for every
 *                 reference between gray objects (trial deletion, as
 *                 CPython's subtract_refs, but from the roots outwards
 *                 rather than over every container of a generation);
 *   scan_roots    a gray object with a count left is referenced from outside
 *                 the gray subgraph: scan_black colours it and everything it
 *                 reaches black, giving back the counts mark_gray took;
 *                 a gray object at zero is white, for now;
 *   collect_roots what stays white is garbage: gathered, then freed.
 *
 * Why nothing is missed. Between collections, every object that is
 * unreachable but not freed (a count above zero) is reachable from a
 * buffered one. A new reference never makes garbage; a reference taken away
 * (a store over a slot, root_set, root_pop, the death of a referrer)
 * decrements its target, which is then either still referenced, and
 * buffered, or freed, its own references taken away in turn: whatever the
 * removed reference led to is still led to from the buffer. obj_set_pop
 * takes a root's reference away with no decrement (it moves it into a
 * slot), so refcount.h reports its value to the same hook and it is
 * buffered all the same: moved into its own slot, or into something only it
 * reached, it would otherwise be a cycle no decrement ever saw. A collection
 * takes every buffered object as a root, so every unreachable object is in
 * its gray subgraph; an object of that subgraph with references from
 * outside it is held by a root slot or a live object (an unreachable
 * outsider would be reachable from the buffer, hence inside), so it and all
 * it reaches are live and turn black, and what stays white is exactly the
 * garbage. The buffer is then empty and no garbage is left: after every
 * collection, whatever `generation` it was asked for, only the reachable
 * remain (verify mode checks that).
 *
 * From PHP (Zend/zend_gc.c, since 7.3) and Nim (lib/system/orc.nim, ORC),
 * which both run this algorithm:
 *   - Objects that cannot be in a cycle are never buffered nor traversed:
 *     PHP skips what is not collectable, Nim acyclic types; here an atom (no
 *     slots). An atom that garbage held is decremented as the garbage is
 *     freed, and freed at zero.
 *   - The object's place in the buffer is kept in its header (PHP's GC_INFO
 *     address bits; Nim's rootIdx), so an object freed by counting leaves the
 *     buffer in O(1). PHP leaves a hole and reuses it; so does this (a free
 *     list threaded through the holes), which, unlike Nim's swap with the
 *     last entry, touches no other object's header.
 *   - The white objects are gathered first and freed after the whole buffer
 *     is walked: the paper's CollectWhite frees as it goes, and a later
 *     root's CollectWhite then reads the colour of a white object the
 *     earlier one freed (Nim's comment on it: "a bug here!"); PHP and Nim
 *     both gather first.
 *   - Every traversal is iterative, with an explicit stack (PHP's gc_stack,
 *     Nim's traceStack): a ring of a million collects on a shallow C stack.
 *   - Increments do not colour an object black, as the paper's do: PHP and
 *     Nim leave increments alone, and so does obj_set. A buffered object
 *     that gained references is simply found live by the next collection.
 * Where both collect inside the decrement that fills the buffer, this one
 * makes the collection due and runs it at the next allocation, as CPython
 * 3.12 runs its collector at the next safe point: a workload may hold a raw
 * obj * until it allocates (object.h), and a collection inside obj_set
 * could free what it holds.
 *
 * When to collect: the adaptive rule. The buffer's threshold (knob
 * threshold0, the name of the one generation's threshold, as rcgen's) is
 * scaled after each collection that found the buffer at it, as Nim does:
 * multiplied by threshold-factor (Nim: 1.5) when the collection freed less
 * than half of the containers it traversed, divided by it, down to
 * threshold0, when it freed half or more. PHP instead adds 10,000 roots to
 * it after a run that freed fewer than 100 objects, and takes 10,000 away
 * (down to its default) after one that freed more. This uses Nim's rule
 * because a collection's cost is what it traverses, not what it buffered:
 * one buffered root high in a live tree costs the whole tree. Judging a run
 * by the share of its traversal that was garbage charges that cost, where
 * a fixed count of 100 cannot tell a run over a few hundred objects from
 * one over millions; and growing geometrically makes a phase that builds a
 * large live structure (every node buffered, none garbage) cost a number of
 * collections logarithmic in its size and, if each traverses what was built
 * so far, time linear in it, where PHP's fixed steps run one such
 * collection every 10,000 roots more than the last, and their traversals
 * add up to the structure's size to the power 1.5. Shrinking back by the
 * same factor returns to short pauses as soon as the garbage is cyclic
 * again. Nim starts at 128 and lets the threshold fall to 16; here
 * threshold0 is PHP's 10,000 and a floor, so that the knob bounds how often
 * collections run: on heaplab's workloads lower thresholds were no faster
 * (at 128, rings ran 41,666 collections, each a pause, for the 500 that
 * 10,000 runs). threshold-factor=1 keeps the threshold fixed; threshold0=0
 * (or collect_only_when_asked) collects only when asked, or for room at the
 * heap limit.
 *
 * What a store costs: rc's increment and decrement, and where the decrement
 * leaves a container's count above zero (or obj_set_pop moves a container),
 * a test of its header, then, once per object until the next collection, an
 * out-of-line append to the buffer (or a hole's reuse). A container whose count falls to zero while buffered
 * leaves its hole behind. The price is elsewhere: a collection traverses
 * everything its roots reach, live or not, and a workload that builds a
 * large live structure buffers most of its nodes (every new node's count
 * falls from 2 to 1 as the builder's handle moves on) and has it traversed
 * again at each collection until the threshold has grown past it.
 *
 * Layout: a container's header is a word of collection state (colour,
 * whether buffered, index in the buffer) before the count; an atom's is the
 * count alone.
 */
// allocators: malloc pool
#include "../growable_array.h"
#include "../refcount.h"

#include <stdio.h>

const char gc_name[] = "rcbr";
const char gc_description[] =
    "reference counting plus Bacon and Rajan's synchronous cycle collection of a buffer of possible roots";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = true,
    .generations = 1,
    .exact_books = true,
};

enum { THRESHOLD0, THRESHOLD_FACTOR };
const knob gc_knobs[] = {
    [THRESHOLD0] = {"threshold0",
                    "possible cycle roots buffered that make a collection due at the next allocation, and the least "
                    "the threshold adapts down to (0: never automatically)",
                    10000, 0, 1e9, true},
    [THRESHOLD_FACTOR] = {"threshold-factor",
                          "after a collection that found the buffer at its threshold, the threshold is multiplied by "
                          "this if under half the containers traversed were garbage, else divided by it (Nim's "
                          "ORC: 1.5); 1 keeps it fixed",
                          1.5, 1, 16, false},
    {NULL},
};

/* The adaptation stops growing the threshold here (PHP's GC_THRESHOLD_MAX). */
#define THRESHOLD_MAX 1000000000u

/* ---- the header ---- */

/* A container's collection state, then its count; an atom has the count
 * alone. `info` is zero (black, not buffered) for every container outside a
 * collection but the buffered ones. */
typedef struct br_header {
    uintptr_t info; /* buffer index << INDEX_SHIFT | BUFFERED | colour */
    refcount_word rc;
} br_header;

_Static_assert(sizeof(br_header) == 2 * sizeof(uintptr_t), "the count must be the last word of the header");

typedef enum colour {
    BLACK = 0,  /* in use, or not known to be otherwise */
    GRAY = 1,   /* in the collection's subgraph, its count less internal references */
    WHITE = 2,  /* garbage, unless something black reaches it yet */
    PURPLE = 3, /* a possible root, in the buffer */
} colour;

#define COLOUR_MASK ((uintptr_t)3)
#define BUFFERED ((uintptr_t)4)
#define INDEX_SHIFT 3

static inline br_header *gc_of(const obj *o) { return (br_header *)o - 1; }
static inline size_t header_size(uint32_t nrefs) { return nrefs ? sizeof(br_header) : sizeof(refcount_word); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }
static inline void *block_of(const obj *o) { return (char *)o - header_size(o->nrefs); }

static inline colour colour_of(const br_header *g) { return (colour)(g->info & COLOUR_MASK); }
static inline void paint(br_header *g, colour c) { g->info = (g->info & ~COLOUR_MASK) | c; }

/* ---- the heap ---- */

/* The possible roots. An entry is an object, or a hole left by one freed by
 * counting, which holds the next hole (index + 1, 0 for none) shifted up
 * with the low bit set: objects are aligned, so their low bit is clear. */
typedef struct root_buffer {
    uintptr_t *entries;
    size_t used;      /* entries in use: objects and holes */
    size_t capacity;
    size_t next_hole; /* index + 1 of the latest hole, 0 for none */
    size_t roots;     /* entries that are objects */
} root_buffer;

struct heap {
    heap_base base;
    root_buffer buffer;
    obj **stack;       /* the passes' explicit stack, kept between collections */
    size_t stack_capacity;
    obj **garbage;     /* what collect_roots found white, until it is freed */
    size_t garbage_capacity;
    uint64_t threshold;       /* where the adaptation has it now */
    uint64_t least_threshold; /* threshold0: it never goes below */
    double threshold_factor;
    /* The threshold, or "never" without automatic collections: the one
     * comparison buffering makes. */
    uint64_t automatic_threshold;
    uint64_t collected;               /* containers found garbage, over every collection */
    uint64_t objects_marked, bytes_marked; /* containers found live, over every collection */
};

#define INITIAL_BUFFER_CAPACITY 1024
#define INITIAL_STACK_CAPACITY 1024
/* Entries below which no array is shrunk (512 KiB): what a small heap's
 * buffer and stacks swing through is kept. */
#define SHRINK_FLOOR 65536

/* ---- the buffer ---- */

static inline bool is_hole(uintptr_t entry) { return entry & 1; }

__attribute__((noinline)) static void grow_buffer(heap *h) {
    root_buffer *rb = &h->buffer;
    size_t wanted;
    uintptr_t *entries = grow_array(rb->entries, &rb->capacity, rb->used + 1, sizeof *rb->entries,
                                    INITIAL_BUFFER_CAPACITY, &wanted);
    if (!entries) array_out_of_memory(h, &h->base, wanted, sizeof *rb->entries, "root buffer");
    rb->entries = entries;
}

/* PossibleRoot: o's count was decremented and stays above zero, and o is
 * not buffered yet. A hole is reused first. The buffer reaching the
 * threshold makes a collection due: the allocation budget goes to zero, so
 * the next allocation takes the checked path, where threshold_reached says
 * so. Out of line: it runs once per object between collections, and obj_set
 * stays as small as rc's but for the test before the call. */
__attribute__((noinline)) static void buffer_possible_root(heap *h, obj *o) {
    root_buffer *rb = &h->buffer;
    size_t index;
    if (rb->next_hole) {
        index = rb->next_hole - 1;
        rb->next_hole = rb->entries[index] >> 1;
    } else {
        if (UNLIKELY(rb->used == rb->capacity)) grow_buffer(h);
        index = rb->used++;
    }
    rb->entries[index] = (uintptr_t)o;
    gc_of(o)->info = (uintptr_t)index << INDEX_SHIFT | BUFFERED | PURPLE;
    if (UNLIKELY(++rb->roots == h->automatic_threshold)) heap_base_reset_budget(&h->base, 0);
}

/* A buffered object is being freed: its entry becomes a hole. */
static inline void unbuffer(heap *h, uintptr_t info) {
    root_buffer *rb = &h->buffer;
    size_t index = info >> INDEX_SHIFT;
    rb->entries[index] = (uintptr_t)rb->next_hole << 1 | 1;
    rb->next_hole = index + 1;
    rb->roots--;
}

/* ---- reference counting: refcount.h's hooks ---- */

static inline size_t refcount_object_size(const obj *o) { return size_of(o); }
static inline void *refcount_block_of(obj *o) { return block_of(o); }

static inline void refcount_freeing(heap *h, obj *o) {
    if (!o->nrefs) return; /* an atom is never buffered */
    uintptr_t info = gc_of(o)->info;
    if (info & BUFFERED) unbuffer(h, info);
}

static inline void refcount_still_referenced(heap *h, obj *o) {
    if (o->nrefs && !(gc_of(o)->info & BUFFERED)) buffer_possible_root(h, o);
}
static inline void refcount_storing(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }

/* ---- the passes' stack ---- */

__attribute__((noinline)) static void grow_stack(heap *h, size_t needed) {
    size_t wanted;
    obj **stack = grow_array(h->stack, &h->stack_capacity, needed, sizeof *h->stack, INITIAL_STACK_CAPACITY, &wanted);
    if (!stack) array_out_of_memory(h, &h->base, wanted, sizeof *h->stack, "traversal stack");
    h->stack = stack;
}

static inline void push(heap *h, size_t *depth, obj *o) {
    if (UNLIKELY(*depth == h->stack_capacity)) grow_stack(h, *depth + 1);
    h->stack[(*depth)++] = o;
}

/* A container's non-NULL slots that are containers: the only references
 * a cycle can run through. */
#define FOR_EACH_CONTAINER_CHILD(o, child)                                                                      \
    for (uint32_t slot_ = 0, nrefs_ = (o)->nrefs; slot_ < nrefs_; slot_++)                                     \
        for (obj *child = (o)->refs[slot_]; child && child->nrefs; child = NULL)

/* ---- the collection ---- */

typedef struct collection {
    uint64_t touched;   /* containers marked gray */
    uint64_t survivors; /* of those, found live (scanned black) */
    uint64_t survivor_bytes;
    uint64_t collected; /* of those, found garbage */
    size_t garbage_count;
} collection;

/* MarkGray: `start` and everything it reaches that is not gray yet turn
 * gray, and every reference from a gray object to a container is taken off
 * that container's count. What is left of a count is what the gray subgraph
 * does not explain. */
static void mark_gray(heap *h, obj *start, collection *c) {
    size_t depth = 0;
    paint(gc_of(start), GRAY);
    c->touched++;
    push(h, &depth, start);
    while (depth) {
        obj *o = h->stack[--depth];
        FOR_EACH_CONTAINER_CHILD(o, child) {
            br_header *cg = gc_of(child);
            cg->rc.refcount--;
            if (colour_of(cg) == GRAY) continue;
            paint(cg, GRAY);
            c->touched++;
            push(h, &depth, child);
        }
    }
}

/* MarkRoots: the holes are squeezed out of the buffer; each root still
 * purple is marked gray from. One that an earlier root's marking reached is
 * gray already: it leaves the buffer, its subgraph being that root's. */
static void mark_roots(heap *h, collection *c) {
    root_buffer *rb = &h->buffer;
    size_t kept = 0;
    for (size_t k = 0; k < rb->used; k++) {
        uintptr_t entry = rb->entries[k];
        if (is_hole(entry)) continue;
        obj *o = (obj *)entry;
        br_header *g = gc_of(o);
        if (colour_of(g) == PURPLE) {
            rb->entries[kept++] = entry;
            mark_gray(h, o, c);
        } else {
            g->info &= COLOUR_MASK;
        }
    }
    rb->used = rb->roots = kept;
    rb->next_hole = 0;
}

/* ScanBlack: o is referenced from outside the gray subgraph, so it and
 * everything it reaches are live; each reference they make gives back the
 * count mark_gray took. Uses the stack above `base`, where scan left it. */
static void scan_black(heap *h, obj *o, size_t base, collection *c) {
    size_t depth = base;
    paint(gc_of(o), BLACK);
    push(h, &depth, o);
    while (depth > base) {
        obj *live = h->stack[--depth];
        c->survivors++;
        c->survivor_bytes += size_of(live);
        FOR_EACH_CONTAINER_CHILD(live, child) {
            br_header *cg = gc_of(child);
            cg->rc.refcount++;
            if (colour_of(cg) == BLACK) continue;
            paint(cg, BLACK);
            push(h, &depth, child);
        }
    }
}

/* Scan: a gray object with a count left is live (scan_black); one at zero
 * is white, and so, unless something black reaches them, are the gray
 * objects it reaches. */
static void scan(heap *h, obj *start, collection *c) {
    size_t depth = 0;
    push(h, &depth, start);
    while (depth) {
        obj *o = h->stack[--depth];
        br_header *g = gc_of(o);
        if (colour_of(g) != GRAY) continue;
        if (g->rc.refcount) {
            scan_black(h, o, depth, c);
            continue;
        }
        paint(g, WHITE);
        FOR_EACH_CONTAINER_CHILD(o, child) {
            if (colour_of(gc_of(child)) == GRAY) push(h, &depth, child);
        }
    }
}

static void scan_roots(heap *h, collection *c) {
    root_buffer *rb = &h->buffer;
    for (size_t k = 0; k < rb->used; k++) scan(h, (obj *)rb->entries[k], c);
}

static inline void add_garbage(heap *h, collection *c, obj *o) {
    if (UNLIKELY(c->garbage_count == h->garbage_capacity)) {
        size_t wanted;
        obj **garbage = grow_array(h->garbage, &h->garbage_capacity, c->garbage_count + 1, sizeof *h->garbage,
                                   INITIAL_STACK_CAPACITY, &wanted);
        if (!garbage) array_out_of_memory(h, &h->base, wanted, sizeof *h->garbage, "garbage list");
        h->garbage = garbage;
    }
    h->garbage[c->garbage_count++] = o;
}

/* CollectWhite, gathering: the white `start` and every white object it
 * reaches, each once (painted black as it is taken, which also takes a
 * later root out of the buffer). Nothing is freed yet: a later root's white
 * objects may point at these. */
static void collect_white(heap *h, obj *start, collection *c) {
    size_t depth = 0;
    gc_of(start)->info = BLACK;
    push(h, &depth, start);
    while (depth) {
        obj *o = h->stack[--depth];
        add_garbage(h, c, o);
        FOR_EACH_CONTAINER_CHILD(o, child) {
            br_header *cg = gc_of(child);
            if (colour_of(cg) != WHITE) continue;
            cg->info = BLACK;
            push(h, &depth, child);
        }
    }
}

/* Frees what collect_white gathered. The counts of the containers it
 * referenced have already lost these references (mark_gray took them and
 * nothing gave them back); an atom it referenced has not, and is freed if
 * that was its last. The atoms first, every container still allocated (so
 * a slot can be told an atom's or a container's), then the containers: an
 * atom freed at zero has no other referrer left to look at it. */
static void free_garbage(heap *h, collection *c) {
    heap_base *b = &h->base;
    heap_frees freed = heap_base_frees_begin(b);
    for (size_t k = 0; k < c->garbage_count; k++) {
        obj *o = h->garbage[k];
        for (uint32_t i = 0, nrefs = o->nrefs; i < nrefs; i++) {
            obj *child = o->refs[i];
            if (!child || child->nrefs || --refcount_of(child)->refcount) continue;
            size_t size = size_of(child);
            heap_frees_count(b, &freed, child, size);
            alloc_free(block_of(child), size);
        }
    }
    for (size_t k = 0; k < c->garbage_count; k++) {
        obj *o = h->garbage[k];
        size_t size = size_of(o);
        heap_frees_count(b, &freed, o, size);
        alloc_free(block_of(o), size);
    }
    heap_base_frees_end(b, &freed);
    c->collected = c->garbage_count;
}

/* CollectRoots: every root leaves the buffer; the white ones lead to the
 * garbage. Then the buffer is empty. */
static void collect_roots(heap *h, collection *c) {
    root_buffer *rb = &h->buffer;
    for (size_t k = 0; k < rb->used; k++) {
        obj *o = (obj *)rb->entries[k];
        br_header *g = gc_of(o);
        g->info &= COLOUR_MASK;
        if (colour_of(g) == WHITE) collect_white(h, o, c);
    }
    rb->used = rb->roots = 0;
    free_garbage(h, c);
}

/* After a collection that found the buffer at its threshold: Nim's rule
 * (above). */
static void adapt_threshold(heap *h, const collection *c) {
    if (h->threshold_factor <= 1) return;
    double scaled;
    if (c->collected * 2 >= c->touched) {
        scaled = (double)h->threshold / h->threshold_factor;
        h->threshold = scaled > (double)h->least_threshold ? (uint64_t)scaled : h->least_threshold;
    } else {
        scaled = (double)h->threshold * h->threshold_factor;
        uint64_t grown = scaled < THRESHOLD_MAX ? (uint64_t)scaled : THRESHOLD_MAX;
        h->threshold = grown > h->threshold ? grown : h->threshold + 1;
    }
    h->automatic_threshold = h->threshold;
}

/* What the arrays no longer need goes back to the system (a ring of ten
 * million leaves 80 MB of buffer behind otherwise). */
static void give_back_room(heap *h) {
    root_buffer *rb = &h->buffer;
    rb->entries = shrink_array(rb->entries, &rb->capacity, 0, sizeof *rb->entries, SHRINK_FLOOR);
    h->stack = shrink_array(h->stack, &h->stack_capacity, 0, sizeof *h->stack, SHRINK_FLOOR);
    h->garbage = shrink_array(h->garbage, &h->garbage_capacity, 0, sizeof *h->garbage, SHRINK_FLOOR);
}

static void reset_budget(heap *h) {
    heap_base_reset_budget(&h->base, h->buffer.roots >= h->automatic_threshold ? 0 : UINT64_MAX);
}

static void check_structure(heap *h);
static void check_heap(heap *h);

/* CollectCycles, over the whole buffer, whatever generation was asked. */
__attribute__((noinline)) static void collect(heap *h) {
    heap_base *b = &h->base;
    if (UNLIKELY(b->config.verify)) check_structure(h);
    heap_base_collection_begin(b, -1);
    uint64_t objects_freed = b->objects_freed, bytes_freed = b->bytes_freed;
    bool at_threshold = h->buffer.roots >= h->automatic_threshold;
    b->collecting = true;
    collection c = {0};
    mark_roots(h, &c);
    scan_roots(h, &c);
    collect_roots(h, &c);
    give_back_room(h);
    b->collecting = false;

    if (at_threshold) adapt_threshold(h, &c);
    h->collected += c.collected;
    h->objects_marked += c.survivors;
    h->bytes_marked += c.survivor_bytes;
    gc_collection_summary summary = {
        .generation = -1,
        .objects_examined = c.touched,
        .objects_marked = c.survivors,
        .bytes_marked = c.survivor_bytes,
        .objects_freed = b->objects_freed - objects_freed,
        .bytes_freed = b->bytes_freed - bytes_freed,
        .uncollectable = 0, /* nothing has a finalizer */
    };
    heap_base_collection_end(b, &summary);
    reset_budget(h);
    if (UNLIKELY(b->config.verify)) {
        if (c.touched != c.survivors + c.collected) {
            fprintf(stderr, "heaplab verify: %s: %llu containers traversed, %llu found live and %llu garbage\n",
                    gc_name, (unsigned long long)c.touched, (unsigned long long)c.survivors,
                    (unsigned long long)c.collected);
            abort();
        }
        check_heap(h);
    }
}

void heap_collect(heap *h, int generation) {
    (void)generation; /* one generation: every collection takes the whole buffer */
    collect(h);
}

/* ---- verify mode ---- */

_Noreturn static void verify_fail(const char *message, const void *object) {
    fprintf(stderr, "heaplab verify: %s: %s (object %p)\n", gc_name, message, object);
    abort();
}

/* The buffer holds only live containers, each once, each purple and
 * knowing its entry; the holes' list runs through every hole once; every
 * other container is black and unbuffered (so a collection left no colour
 * behind). Run before a collection, where the buffer is full, and after,
 * where it is empty. Uses the registry's scratch, zero again after. */
static void check_structure(heap *h) {
    object_registry *r = &h->base.registry;
    root_buffer *rb = &h->buffer;
    size_t roots = 0, holes = 0;
    if (rb->used > rb->capacity) verify_fail("the buffer's use is past its capacity", NULL);
    for (size_t k = 0; k < rb->used; k++) {
        uintptr_t entry = rb->entries[k];
        if (is_hole(entry)) {
            holes++;
            continue;
        }
        obj *o = (obj *)entry;
        registry_entry *e = registry_find(r, o);
        if (!e) verify_fail("the buffer holds an object that is not allocated", o);
        if (!o->nrefs) verify_fail("an atom (no slots) is buffered", o);
        if (e->scratch) verify_fail("an object is buffered twice", o);
        e->scratch = 1;
        uintptr_t info = gc_of(o)->info;
        if (!(info & BUFFERED) || info >> INDEX_SHIFT != k)
            verify_fail("a buffered object's header does not name its entry", o);
        if ((info & COLOUR_MASK) != PURPLE) verify_fail("a buffered object is not purple", o);
        roots++;
    }
    if (roots != rb->roots) verify_fail("the buffer miscounts its roots", NULL);
    size_t listed = 0;
    for (size_t next = rb->next_hole; next; next = rb->entries[next - 1] >> 1) {
        if (next > rb->used || !is_hole(rb->entries[next - 1]) || ++listed > holes)
            verify_fail("the buffer's list of holes is broken", NULL);
    }
    if (listed != holes) verify_fail("a hole in the buffer is not on its list", NULL);
    for (size_t k = 0; k < r->capacity; k++) {
        registry_entry *e = &r->entries[k];
        if (!e->object) continue;
        if (!e->scratch && e->object->nrefs && gc_of(e->object)->info)
            verify_fail("an unbuffered container is not black, or thinks itself buffered", e->object);
        e->scratch = 0;
    }
}

static void check_heap(heap *h) {
    /* Every collection leaves only the reachable (the essay above). */
    heap_base_check(&h->base, refcount_value, true);
    check_structure(h);
}

/* ---- the interface ---- */

heap *heap_create(const heap_config *config) {
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    heap_base_init(&h->base, config);
    double threshold0 = config->knobs[THRESHOLD0];
    h->least_threshold = threshold0 >= 1 ? (threshold0 < THRESHOLD_MAX ? (uint64_t)threshold0 : THRESHOLD_MAX) : 0;
    h->threshold = h->least_threshold;
    h->threshold_factor = config->knobs[THRESHOLD_FACTOR] > 1 ? config->knobs[THRESHOLD_FACTOR] : 1;
    bool automatic = h->threshold && !config->collect_only_when_asked;
    h->automatic_threshold = automatic ? h->threshold : UINT64_MAX;
    return h;
}

/* A new block's header, slots and data, counted and pushed on the roots. */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    obj *o = (obj *)((char *)block + header_size(nrefs));
    refcount_of(o)->refcount = 1; /* the root slot it is pushed into */
    if (nrefs) gc_of(o)->info = 0;
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_clear_slots(block, header_size(nrefs) + sizeof(obj), nrefs);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

/* The checked path's trigger: the buffer has reached the threshold. */
static bool threshold_reached(heap *h, size_t size) {
    (void)size;
    return h->buffer.roots >= h->automatic_threshold;
}

/* Where the budget sends an allocation (heap_base.h): the buffer's
 * threshold, the heap limit and a refusal are answered with a collection. */
__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = 1,
        .collect = heap_collect,
        .trigger_due = threshold_reached,
        .collecting_makes_room = true,
        .init_object = init_object,
        .reset_budget = reset_budget,
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
    stats->generations = 1;
    stats->generation[0] = (heap_generation_stats){
        .collections = h->base.collections,
        .collected = h->collected,
        .uncollectable = 0,
        .threshold = h->threshold,
        .count = h->buffer.roots,
    };
}

/* Verify mode's teardown of anything left (nothing is, after the final
 * collection, but the registry is the authority). */
static void free_leaked(obj *o, uint64_t size, void *data) {
    (void)data;
    alloc_free(block_of(o), size);
}

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    if (!h->base.abandoned) { /* else perhaps halfway through a collection: no object is walked */
        root_pop(h, h->base.roots.depth);
        /* With no roots, everything left is garbage the buffer leads to. */
        collect(h);
    }
    heap_base_finish(&h->base, report, free_leaked, NULL);
    heap_base_release(&h->base);
    release_array(h->buffer.entries, h->buffer.capacity, sizeof *h->buffer.entries);
    release_array(h->stack, h->stack_capacity, sizeof *h->stack);
    release_array(h->garbage, h->garbage_capacity, sizeof *h->garbage);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
