/*
 * bdw: the Boehm-Demers-Weiser collector (Debian's libgc), not a
 * reimplementation. It brings its own allocator: containers are allocated
 * as GC_MALLOC allocates, and scanned, conservatively, slots and data alike;
 * atoms as GC_MALLOC_ATOMIC allocates, never scanned. Stores are plain
 * stores. The roots are what Boehm always scans (the C stack, registers,
 * static data) and heaplab's root stack, pushed by a push-other-roots hook
 * at every collection (the stack's slots live in a mapping of their own,
 * which Boehm would not see). Collections are Boehm's: whenever its heap
 * growth policy says so (GC_free_space_divisor, a knob), and at
 * heap_collect (GC_gcollect). Every collection is a full one.
 *
 * Its books are approximate, as a conservative collector's are: a word on
 * the stack or in an object's data that looks like a pointer keeps what it
 * seems to point at. What Boehm kept is a result and is reported as live
 * (the traits say the books are upper bounds). Frees are counted where
 * Boehm reclaims: objects come from two object kinds of heaplab's own
 * (GC_new_kind: scanned like GC_MALLOC's, or not at all like
 * GC_MALLOC_ATOMIC's) with a disclaim procedure, which Boehm calls on each
 * object as its sweep reclaims it. Boehm sweeps lazily, block by block as
 * allocation needs them, so garbage counts as live until it is swept: the
 * live figures are what Boehm has not yet given back. A disclaim procedure
 * is also shown blocks that are free already, so every object carries a
 * header word, as Boehm's own GC_finalized_malloc does for the same reason:
 * the heap's tag, odd, where a free block holds its (even) free-list link.
 * The tag names the heap, so an object a conservative root kept past its
 * heap's end is never counted in a later heap's books.
 *
 * One heap lives at a time (Boehm's heap is the process's); at heap_destroy
 * whatever Boehm still keeps is freed explicitly (GC_FREE), so the next heap
 * starts from an empty one.
 */
// allocator: bdw
// link: -lgc
#include <gc/gc.h>
#include <gc/gc_disclaim.h>
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>
#include <stdio.h>
#include <string.h>

#include "../growable_array.h"
#include "../tracing.h"

const char gc_name[] = "bdw";
const char gc_description[] = "the Boehm-Demers-Weiser conservative collector (libgc): GC_MALLOC, GC_gcollect";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = false,
    .generations = 1,
    .exact_books = false,
    .own_allocator = true,
};
enum { FREE_SPACE_DIVISOR };
const knob gc_knobs[] = {
    [FREE_SPACE_DIVISOR] = {"free-space-divisor",
                            "GC_free_space_divisor: collect when allocation since the last collection passes the "
                            "heap over this (larger: smaller heap, more collections)",
                            3, 1, 1000, true},
    {NULL},
};

/* What impl/alloc.h asks of a collector that brings its allocator. */
const char alloc_name[] = "bdw";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};
void alloc_set_knob(int index, double value) { (void)index, (void)value; }
void *alloc_allocate(size_t size) { return GC_MALLOC(size); }
void alloc_free(void *ptr, size_t size) { (void)size, GC_FREE(ptr); }
/* Boehm's heap, less what it has given back to the system. */
size_t alloc_footprint(void) { return GC_get_heap_size() - GC_get_unmapped_bytes(); }

struct heap {
    heap_base base;
    uintptr_t tag; /* every object's header: odd, this heap's own */
};

static heap *the_heap;
static GC_push_other_roots_proc boehm_push_other_roots;
static int container_kind, atom_kind;

/* The header is the heap's tag. */
static inline size_t header_size(uint32_t nrefs) {
    (void)nrefs;
    return sizeof(uintptr_t);
}
static inline uintptr_t tag_of_block(const void *block) {
    uintptr_t tag;
    memcpy(&tag, block, sizeof tag);
    return tag;
}
static inline obj *object_of_block(void *block) { return (obj *)((char *)block + sizeof(uintptr_t)); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }

/* tracing.h's hook: Boehm is not generational here, and needs no barrier. */
static inline void tracing_write_barrier(heap *h, obj *o, obj *value) { (void)h, (void)o, (void)value; }

/* ---- the roots ---- */

static void GC_CALLBACK push_root_stack(void) {
    heap *h = the_heap;
    if (h && h->base.roots.depth) {
        obj **slots = h->base.roots.slots;
        GC_push_all(slots, slots + h->base.roots.depth);
    }
    if (boehm_push_other_roots) boehm_push_other_roots();
}

/* ---- the books ---- */

/* Boehm's sweep reclaims an object, with its lock held. */
static int GC_CALLBACK on_reclaim(void *block) {
    heap *h = the_heap;
    if (!h || tag_of_block(block) != h->tag) return 0; /* a free block, or another heap's */
    obj *o = object_of_block(block);
    heap_base *b = &h->base;
    b->objects_freed++;
    b->bytes_freed += size_of(o);
    if (UNLIKELY(b->config.verify)) registry_remove(&b->registry, o);
    return 0;
}

/* Boehm's collection events, with its lock held: nothing here allocates. */
static void GC_CALLBACK on_collection_event(GC_EventType event) {
    heap *h = the_heap;
    if (!h || (event != GC_EVENT_START && event != GC_EVENT_END)) return;
    heap_base *b = &h->base;
    if (event == GC_EVENT_START) {
        heap_base_collection_begin(b, -1);
        return;
    }
    gc_collection_summary summary = {.generation = -1};
    heap_base_collection_end(b, &summary);
    /* Conservative: an unreachable object may be kept, never a reachable one freed. */
    if (UNLIKELY(b->config.verify)) heap_base_check(b, NULL, false);
}

/* ---- the heap ---- */

/* Boehm's warnings (a heap that could not grow, a header it dropped) come
 * before the out-of-memory that the checked path reports in one line of its
 * own; printed, they would make that one line many. */
static void ignore_warning(char *message, GC_word argument) { (void)message, (void)argument; }

static void start_boehm(void) {
    static bool started;
    if (started) return;
    started = true;
    GC_set_warn_proc(ignore_warning);
    GC_INIT();
    /* GC_MALLOC's kind and GC_MALLOC_ATOMIC's, with the reclaim counted. */
    container_kind = (int)GC_new_kind(GC_new_free_list(), 0 | GC_DS_LENGTH, 1, 1);
    atom_kind = (int)GC_new_kind(GC_new_free_list(), 0 | GC_DS_LENGTH, 0, 0);
    GC_register_disclaim_proc(container_kind, on_reclaim, 0);
    GC_register_disclaim_proc(atom_kind, on_reclaim, 0);
    boehm_push_other_roots = GC_get_push_other_roots();
    GC_set_push_other_roots(push_root_stack);
    GC_set_on_collection_event(on_collection_event);
}

heap *heap_create(const heap_config *config) {
    if (the_heap) {
        fprintf(stderr, "heaplab: bdw: one heap at a time (Boehm's heap is the process's)\n");
        return NULL;
    }
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    static uintptr_t heaps_made;
    h->tag = ++heaps_made << 1 | 1;
    start_boehm();
    heap_base_init(&h->base, config);
    GC_set_free_space_divisor((GC_word)config->knobs[FREE_SPACE_DIVISOR]);
    if (config->collect_only_when_asked) GC_disable();
    the_heap = h;
    return h;
}

void heap_collect(heap *h, int generation) {
    (void)generation; /* every collection is a full one */
    bool quiet = h->base.config.collect_only_when_asked;
    if (quiet) GC_enable();
    GC_gcollect();
    if (quiet) GC_disable();
}

/* Containers scanned, atoms not; a container's block comes cleared, so the
 * slots are NULL already. */
static void *make_block(heap *h, uint32_t nrefs, uint32_t nbytes, size_t size) {
    (void)h, (void)nbytes;
    return GC_malloc_kind(size, nrefs ? container_kind : atom_kind);
}

static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    memcpy(block, &h->tag, sizeof h->tag);
    obj *o = object_of_block(block);
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = 1,
        .collect = heap_collect,
        .collecting_makes_room = true,
        .allocate = make_block,
        .init_object = init_object,
        .reset_budget = heap_base_reset_budget_untriggered,
    };
    return heap_base_new_checked(h, &h->base, &path, nrefs, nbytes);
}

__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *block = make_block(h, nrefs, nbytes, size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    stats->generations = 1;
    stats->generation[0].collections = h->base.collections;
    stats->generation[0].collected = h->base.objects_freed;
}

/* What Boehm still keeps once everything it could reclaim is reclaimed,
 * found by the heap's tag among its marked blocks (the blocks on its free
 * lists are marked too): freed by hand. */
typedef struct kept_list {
    void **blocks;
    size_t count, capacity;
    uintptr_t tag;
} kept_list;

static void GC_CALLBACK note_kept(void *base, size_t bytes, void *data) {
    (void)bytes;
    kept_list *k = data;
    if (tag_of_block(base) != k->tag) return;
    if (k->count == k->capacity) {
        size_t wanted;
        void **grown = grow_array(k->blocks, &k->capacity, k->count + 1, sizeof *k->blocks, 1024, &wanted);
        if (!grown) return; /* left to Boehm: its tag keeps it out of any other heap's books */
        k->blocks = grown;
    }
    k->blocks[k->count++] = base;
}

static void *GC_CALLBACK list_kept(void *data) {
    GC_enumerate_reachable_objects_inner(note_kept, data);
    return NULL;
}

/* Verify mode's teardown: every block Boehm kept is freed below, listed
 * from its mark bits rather than from the registry. */
static void freed_below(obj *o, uint64_t size, void *data) { (void)o, (void)size, (void)data; }

void heap_destroy(heap *h, heap_leak_report *report) {
    heap_base *b = &h->base;
    b->tearing_down = true;
    root_pop(h, b->roots.depth);
    if (b->config.collect_only_when_asked) GC_enable();
    /* A collection begins by sweeping what the last one left unswept: the
     * second one reclaims all the first found, and what is left is what
     * Boehm keeps without roots, reported as leaked. */
    GC_gcollect();
    GC_gcollect();
    heap_base_finish(b, report, freed_below, NULL);
    the_heap = NULL;
    kept_list kept = {.tag = h->tag};
    GC_call_with_alloc_lock(list_kept, &kept);
    for (size_t i = 0; i < kept.count; i++) GC_FREE(kept.blocks[i]);
    release_array(kept.blocks, kept.capacity, sizeof *kept.blocks);
    heap_base_release(b);
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
