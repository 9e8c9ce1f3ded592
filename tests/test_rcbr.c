/*
 * Unit tests of rcbr, reference counting with Bacon and Rajan's synchronous
 * cycle collection, through the object interface only. What the buffer
 * holds is read from heap_stats (generation[0].count: possible roots
 * buffered; .threshold: where the adaptation has it); expected figures are
 * worked out by hand in the comments.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "growable_array.h"
#include "heap_helpers.h"
#include "object.h"

#define BIG_RING 1000000u

/* ---- helpers ---- */

/* What the listener saw; checks that collections never nest and that no
 * cascade is reported inside a collection. */
typedef struct recorder {
    int begins, ends, cascades;
    int open_collections, open_cascades;
    bool nested;
    gc_collection_summary last;
} recorder;

static void on_collection_begin(void *data, int generation) {
    recorder *r = data;
    if (r->open_collections || r->open_cascades || generation != -1) r->nested = true;
    r->open_collections++;
    r->begins++;
}

static void on_collection_end(void *data, const gc_collection_summary *summary) {
    recorder *r = data;
    r->open_collections--;
    r->ends++;
    r->last = *summary;
}

static void on_cascade_timed(void *data) {
    recorder *r = data;
    if (r->open_collections || r->open_cascades) r->nested = true;
    r->open_cascades++;
}

static void on_cascade_end(void *data, uint64_t objects_freed, uint64_t bytes_freed) {
    (void)objects_freed, (void)bytes_freed;
    recorder *r = data;
    if (r->open_collections) r->nested = true;
    r->open_cascades--;
    r->cascades++;
}

static gc_event_listener listener_for(recorder *r) {
    return (gc_event_listener){
        .data = r,
        .collection_begin = on_collection_begin,
        .collection_end = on_collection_end,
        .cascade_timed_after = 2,
        .cascade_timed = on_cascade_timed,
        .cascade_end = on_cascade_end,
    };
}

typedef struct options {
    double threshold0;
    double factor; /* 0: 1, the threshold fixed */
    bool verify, quiet;
    uint64_t stress;
    size_t limit;
    const gc_event_listener *listener;
} options;

static heap *new_heap(options o) {
    heap_config config;
    heap_config_init(&config);
    assert_true(heap_config_set_knob(&config, "threshold0", o.threshold0));
    assert_true(heap_config_set_knob(&config, "threshold-factor", o.factor ? o.factor : 1));
    config.verify = o.verify;
    config.collect_only_when_asked = o.quiet;
    config.stress_interval = o.stress;
    config.heap_limit_bytes = o.limit;
    config.listener = o.listener;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    assert_int_equal(s.generations, 1);
    assert_int_equal(s.collections, s.generation[0].collections);
    return s;
}

static uint64_t buffered(heap *h) { return stats_of(h).generation[0].count; }
static uint64_t threshold(heap *h) { return stats_of(h).generation[0].threshold; }
static uint64_t collections(heap *h) { return stats_of(h).collections; }
static uint64_t collected(heap *h) { return stats_of(h).generation[0].collected; }
static uint64_t live_objects(heap *h) { return stats_of(h).live_objects; }

static heap_leak_report destroy(heap *h) {
    heap_leak_report r = destroy_checked(h);
    assert_int_equal(r.objects_leaked, 0);
    assert_int_equal(r.bytes_leaked, 0);
    return r;
}

/* A live container made a possible root: a second reference taken and
 * dropped (its count falls from 2 to 1). Left pushed. */
static void push_buffered_container(heap *h) {
    obj *o = obj_new(h, 1, 8);
    root_push(h, o);
    root_pop(h, 1);
}

/* A singly linked ring of n containers (slot 0: next), its first node left
 * pushed, every node buffered (each built node's count fell from 2 to 1). */
static void push_singly_linked_ring(heap *h, uint32_t n) {
    obj_new(h, 1, 8);
    root first = root_depth(h) - 1;
    root last = root_push(h, root_get(h, first));
    for (uint32_t i = 1; i < n; i++) {
        obj_new(h, 1, 8);
        obj_set(h, root_get(h, last), 0, root_get(h, root_depth(h) - 1));
        root_set(h, last, root_get(h, root_depth(h) - 1));
        root_pop(h, 1);
    }
    obj_set(h, root_get(h, last), 0, root_get(h, first));
    root_pop(h, 1);
}

/* A singly linked ring of n containers, garbage when made: allocated
 * first, then linked and dropped, so that its n possible roots are buffered
 * with no allocation (and so no collection) in between. */
static void drop_cycle(heap *h, uint32_t n) {
    root first = root_depth(h);
    for (uint32_t i = 0; i < n; i++) obj_new(h, 1, 8);
    for (uint32_t i = 0; i < n; i++) obj_set(h, root_get(h, first + i), 0, root_get(h, first + (i + 1) % n));
    root_pop(h, n);
}

/* ---- knobs and traits ---- */

static void knobs_and_traits(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    assert_string_equal(gc_knobs[0].name, "threshold0");
    assert_string_equal(gc_knobs[1].name, "threshold-factor");
    assert_null(gc_knobs[2].name);
    assert_true(config.knobs[0] == 10000 && config.knobs[1] == 1.5);
    assert_false(heap_config_set_knob(&config, "threshold1", 1));
    assert_int_equal(gc_traits.reclaims, GC_RECLAIMS_UNREACHABLE);
    assert_true(gc_traits.frees_at_last_reference);
    assert_int_equal(gc_traits.generations, 1);
    assert_true(gc_traits.exact_books);
    heap *h = heap_create(&config);
    assert_int_equal(threshold(h), 10000);
    assert_int_equal(buffered(h), 0);
    destroy(h);
}

/* ---- the buffer ---- */

/* push_ring buffers every node of a ring: each node's count falls from 3
 * to 2 when the builder's handle moves on. Dropped, the ring is garbage
 * that counting cannot free; with threshold0 = 100 the buffer reaches 100
 * only with a hundredth possible root, and the collection then runs at the
 * next allocation, not inside the store that filled the buffer. */
static void dropped_ring_collected_at_the_threshold_and_not_before(void **state) {
    (void)state;
    /* Without verify mode the allocation budget carries the trigger; with
     * it, every allocation is checked. */
    for (int verify = 0; verify < 2; verify++) {
        recorder rec = {0};
        gc_event_listener listener = listener_for(&rec);
        heap *h = new_heap((options){.threshold0 = 100, .verify = verify, .listener = &listener});
        drop_ring(h, 60);
        assert_int_equal(buffered(h), 60);
        drop_ring(h, 39);
        assert_int_equal(buffered(h), 99);
        for (int i = 0; i < 1000; i++) obj_new(h, 0, 8); /* atoms: kept, never buffered */
        assert_int_equal(collections(h), 0);
        assert_int_equal(live_objects(h), 99 + 1000);

        obj *o = obj_new(h, 1, 8);
        root_push(h, o);
        root_pop(h, 1); /* the hundredth possible root */
        assert_int_equal(buffered(h), 100);
        assert_int_equal(collections(h), 0); /* due, but no allocation yet */
        assert_int_equal(live_objects(h), 99 + 1001);
        obj_new(h, 0, 8);
        assert_int_equal(collections(h), 1);
        assert_int_equal(rec.begins, 1);
        assert_int_equal(rec.last.objects_examined, 100);
        assert_int_equal(rec.last.objects_marked, 1); /* the rooted container */
        assert_int_equal(rec.last.objects_freed, 99);
        assert_int_equal(collected(h), 99);
        assert_int_equal(buffered(h), 0);
        assert_int_equal(live_objects(h), 1002);
        assert_false(rec.nested);
        destroy(h);
    }
}

/* A singly linked ring held by a container outside it survives a collection
 * with its counts as they were: cut open afterwards, it is a chain that
 * counting frees whole the moment the holder lets go (a count left too high
 * would keep some of it; too low would have freed some already). */
static void ring_held_from_outside_survives_with_counts_intact(void **state) {
    (void)state;
    enum { N = 500 };
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){.threshold0 = 100000, .verify = true, .listener = &listener});
    obj_new(h, 1, 0);
    root holder = 0;
    push_singly_linked_ring(h, N);
    obj_set(h, root_get(h, holder), 0, root_get(h, 1));
    root_pop(h, 1);
    assert_int_equal(buffered(h), N);
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_examined, N);
    assert_int_equal(rec.last.objects_marked, N);
    assert_int_equal(rec.last.objects_freed, 0);
    assert_int_equal(collected(h), 0);
    assert_int_equal(live_objects(h), N + 1);
    assert_int_equal(buffered(h), 0);
    assert_int_equal(stats_of(h).objects_marked, N);

    /* Cut: the node before the first lets go of it. */
    obj *first = obj_get(root_get(h, holder), 0);
    obj *last = first;
    for (int i = 1; i < N; i++) last = obj_get(last, 0);
    assert_ptr_equal(obj_get(last, 0), first);
    obj_set(h, last, 0, NULL);
    assert_int_equal(live_objects(h), N + 1);
    obj_set(h, root_get(h, holder), 0, NULL);
    assert_int_equal(live_objects(h), 1);
    assert_int_equal(collections(h), 1);
    assert_int_equal(buffered(h), 0);
    assert_int_equal(rec.cascades, 1); /* freed by counting, as one cascade */
    heap_collect(h, 0);
    assert_int_equal(live_objects(h), 1);

    /* And held, then dropped: collected. */
    push_ring(h, N);
    obj_set(h, root_get(h, holder), 0, root_get(h, 1));
    root_pop(h, 1);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), N + 1);
    obj_set(h, root_get(h, holder), 0, NULL);
    assert_int_equal(buffered(h), 1); /* the collection emptied the buffer; only the first node lost a reference since */
    heap_collect(h, 0);
    assert_int_equal(collected(h), N);
    assert_int_equal(live_objects(h), 1);
    assert_false(rec.nested);
    destroy(h);
}

/* A buffered container freed by counting leaves the buffer at once, its
 * entry a hole the next possible root takes; verify mode checks the holes'
 * list at the start and end of every collection. */
static void buffered_object_freed_by_counting_leaves_the_buffer(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 1000, .verify = true});
    obj *a = obj_new(h, 1, 8);
    root_push(h, a);
    root_pop(h, 1);
    assert_int_equal(buffered(h), 1);
    root_pop(h, 1); /* its last reference: freed */
    assert_int_equal(buffered(h), 0);
    assert_int_equal(live_objects(h), 0);

    for (int i = 0; i < 3; i++) push_buffered_container(h);
    assert_int_equal(buffered(h), 3);
    /* The middle one freed: a hole; then the first: another. */
    root_set(h, 1, NULL);
    root_set(h, 0, NULL);
    assert_int_equal(buffered(h), 1);
    assert_int_equal(live_objects(h), 1);
    push_buffered_container(h); /* takes a hole */
    push_buffered_container(h); /* takes the other */
    push_buffered_container(h); /* appended */
    assert_int_equal(buffered(h), 4);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 0);
    assert_int_equal(live_objects(h), 4);
    assert_int_equal(buffered(h), 0);

    /* A chain whose middle nodes are buffered, freed whole by counting. */
    root chain = root_push(h, NULL);
    for (int i = 0; i < 100; i++) {
        obj *node = obj_new(h, 1, 8);
        obj_set(h, node, 0, root_get(h, chain));
        root_set(h, chain, node); /* the previous node: 2 -> 1, buffered */
        root_pop(h, 1);
    }
    assert_int_equal(buffered(h), 100);
    root_set(h, chain, NULL);
    assert_int_equal(buffered(h), 0);
    assert_int_equal(live_objects(h), 4);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 0);
    assert_int_equal(live_objects(h), 4);
    destroy(h);
}

/* An atom (no slots) cannot be in a cycle: a decrement that leaves its
 * count above zero never buffers it, and no collection looks at it. */
static void atoms_are_never_buffered(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){.threshold0 = 1, .verify = true, .listener = &listener});
    obj *atom = obj_new(h, 0, 16);
    root_push(h, atom);
    root_push(h, atom);
    root_pop(h, 2); /* 3 -> 1 */
    assert_int_equal(buffered(h), 0);
    obj *holder = obj_new(h, 2, 0);
    obj_set(h, holder, 0, root_get(h, 0));
    obj_set(h, holder, 1, root_get(h, 0));
    obj_set(h, holder, 0, NULL);
    obj_set(h, holder, 1, NULL);
    assert_int_equal(buffered(h), 0);
    obj_new(h, 0, 8);
    obj_set_pop(h, root_get(h, 1), 0); /* an atom moved from a root into a slot */
    obj_new(h, 0, 8);
    obj_set_pop(h, root_get(h, 1), 0); /* and the first dropped from it: freed */
    assert_int_equal(buffered(h), 0);
    assert_int_equal(live_objects(h), 3);
    for (int i = 0; i < 1000; i++) obj_new(h, 0, 8);
    assert_int_equal(collections(h), 0); /* threshold 1, but nothing buffered */
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_examined, 0);
    assert_int_equal(live_objects(h), 1003);
    destroy(h);
}

/* An atom hanging off a garbage cycle goes with it, freed as the cycle is;
 * one also held from outside stays, its count one less. */
static void atoms_held_by_garbage_are_freed_with_it(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){.threshold0 = 1000, .verify = true, .listener = &listener});
    obj_new(h, 0, 40);         /* root 0: an atom kept from outside too */
    obj *a = obj_new(h, 3, 0); /* root 1 */
    obj *b = obj_new(h, 3, 0); /* root 2 */
    obj_set(h, a, 0, b);
    obj_set(h, b, 0, a);
    obj_new(h, 0, 8); /* root 3: an atom only the cycle holds, twice */
    obj_set(h, root_get(h, 1), 1, root_get(h, 3));
    obj_set(h, root_get(h, 2), 1, root_get(h, 3));
    obj_set(h, root_get(h, 1), 2, root_get(h, 0));
    obj_set(h, root_get(h, 2), 2, root_get(h, 0));
    root_pop(h, 3);
    assert_int_equal(live_objects(h), 4);
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_examined, 2);
    assert_int_equal(rec.last.objects_freed, 3);
    assert_int_equal(collected(h), 2);
    assert_int_equal(live_objects(h), 1);
    /* The kept atom's count is its root's alone: popped, it is freed. */
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 0);
    assert_int_equal(stats_of(h).cascades, 0); /* the collection's frees are its own */
    destroy(h);
}

/* ---- the threshold ---- */

/* Nim's rule: a collection that found the buffer at its threshold and freed
 * under half of the containers it traversed multiplies the threshold by the
 * factor; one that freed half or more divides it, never below threshold0.
 * A collection asked for below the threshold leaves it alone. */
static void threshold_adapts_to_what_collections_free(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 50, .factor = 1.5, .verify = true});
    assert_int_equal(threshold(h), 50);
    for (int i = 0; i < 50; i++) push_buffered_container(h); /* live */
    assert_int_equal(collections(h), 0);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 1);
    assert_int_equal(collected(h), 0);
    assert_int_equal(threshold(h), 75); /* nothing freed: 50 x 1.5 */
    for (int i = 0; i < 74; i++) push_buffered_container(h);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 1);
    push_buffered_container(h); /* the 75th: due, and run by its own allocation's successor */
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 2);
    assert_int_equal(threshold(h), 112); /* 75 x 1.5 = 112.5 */

    /* Asked for below the threshold: no change. */
    drop_ring(h, 10);
    heap_collect(h, -1);
    assert_int_equal(collections(h), 3);
    assert_int_equal(collected(h), 10);
    assert_int_equal(threshold(h), 112);

    /* Garbage: 112 possible roots in cycles of 8; the collection frees all
     * it traversed, so the threshold shrinks to 74, then 50 (not 49:
     * threshold0 is the floor). */
    for (int i = 0; i < 14; i++) drop_cycle(h, 8);
    assert_int_equal(buffered(h), 112);
    assert_int_equal(collections(h), 3);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 4);
    assert_int_equal(collected(h), 10 + 112);
    assert_int_equal(threshold(h), 74);
    for (int i = 0; i < 36; i++) drop_cycle(h, 2);
    drop_cycle(h, 1);
    assert_int_equal(buffered(h), 73);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 4); /* 74 reached only by the next */
    drop_cycle(h, 1);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 5);
    assert_int_equal(threshold(h), 50);
    drop_cycle(h, 50);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 6);
    assert_int_equal(threshold(h), 50);

    /* Half garbage is productive: 25 live and 25 garbage. */
    for (int i = 0; i < 25; i++) push_buffered_container(h);
    drop_cycle(h, 25);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 7);
    assert_int_equal(collected(h), 10 + 112 + 74 + 50 + 25);
    assert_int_equal(threshold(h), 50);
    /* Under half is not: 26 live, 24 garbage. */
    for (int i = 0; i < 26; i++) push_buffered_container(h);
    drop_cycle(h, 24);
    obj_new(h, 0, 8);
    assert_int_equal(collections(h), 8);
    assert_int_equal(threshold(h), 75);
    destroy(h);

    /* threshold-factor 1: fixed. */
    h = new_heap((options){.threshold0 = 20, .factor = 1});
    for (int round = 1; round <= 5; round++) {
        for (int i = 0; i < 20; i++) push_buffered_container(h);
        obj_new(h, 0, 8);
        assert_int_equal(collections(h), round);
        assert_int_equal(threshold(h), 20);
    }
    destroy(h);
}

/* threshold0 = 0, or a heap that collects only when asked: however full the
 * buffer, no collection runs unless asked for, and the threshold does not
 * move. The heap limit still collects. */
static void no_automatic_collections_when_told(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 0, .factor = 1.5});
    for (int i = 0; i < 200; i++) drop_ring(h, 50);
    assert_int_equal(collections(h), 0);
    assert_int_equal(buffered(h), 10000);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 10000);
    assert_int_equal(threshold(h), 0);
    destroy(h);

    h = new_heap((options){.threshold0 = 10, .factor = 1.5, .quiet = true});
    for (int i = 0; i < 200; i++) drop_ring(h, 50);
    assert_int_equal(collections(h), 0);
    assert_int_equal(live_objects(h), 10000);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), 0);
    assert_int_equal(threshold(h), 10);
    destroy(h);
}

/* ---- what is garbage ---- */

/* obj_set_pop moves a root's reference into a slot with no count changing:
 * moved into its own slot, an object is a cycle that no decrement made. It
 * is buffered all the same, and collected. */
static void a_cycle_made_by_obj_set_pop_is_collected(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 1000, .verify = true});
    obj *o = obj_new(h, 1, 8);
    obj_set_pop(h, o, 0);
    assert_int_equal(root_depth(h), 0);
    assert_int_equal(buffered(h), 1);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 1);
    assert_int_equal(live_objects(h), 0);

    /* A pair, each moved from its root into the other: no decrement ever. */
    obj *a = obj_new(h, 1, 8);
    obj_new(h, 1, 8);
    obj_set_pop(h, a, 0);
    obj_set_pop(h, obj_get(root_get(h, 0), 0), 0);
    assert_int_equal(root_depth(h), 0);
    assert_int_equal(buffered(h), 2);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 3);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

/* Garbage that points at garbage freed before it: a cycle of two containers
 * too large for malloc to keep in its heap (each its own mapping, unmapped
 * when freed), each also holding atoms. Freeing one must not leave the
 * other's pass looking at it. */
static void garbage_cycle_of_wide_containers_is_freed(void **state) {
    (void)state;
    enum { SLOTS = 200000 };
    heap *h = new_heap((options){.threshold0 = 1000});
    obj *a = obj_new(h, SLOTS, 0);
    obj *b = obj_new(h, SLOTS, 0);
    obj_set(h, a, 0, b);
    obj_set(h, b, SLOTS - 1, a);
    for (uint32_t i = 1; i < SLOTS - 1; i += 1000) {
        obj_new(h, 0, 8);
        obj_set(h, root_get(h, 0), i, root_get(h, 2));
        obj_set(h, root_get(h, 1), i, root_get(h, 2));
        root_pop(h, 1);
    }
    root_pop(h, 2);
    assert_int_equal(live_objects(h), 2 + (SLOTS - 2 + 999) / 1000);
    heap_collect(h, -1);
    assert_int_equal(collected(h), 2);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

/* A garbage ring whose every node also points at an atom and a container
 * the roots hold: the ring goes, they stay, with their counts back to their
 * roots' alone (verify mode checks every count; popped, each is freed at
 * once by counting). */
static void garbage_ring_holding_live_objects(void **state) {
    (void)state;
    enum { N = 30 };
    heap *h = new_heap((options){.threshold0 = 1000, .verify = true});
    obj_new(h, 0, 24); /* root 0: an atom */
    obj_new(h, 1, 0);  /* root 1: a container */
    obj_new(h, 3, 0);  /* root 2: the ring's first node */
    root last = root_push(h, root_get(h, 2));
    for (int i = 0; i < N; i++) {
        obj *node = root_get(h, last);
        obj_set(h, node, 1, root_get(h, 0));
        obj_set(h, node, 2, root_get(h, 1));
        if (i == N - 1) {
            obj_set(h, node, 0, root_get(h, 2));
            break;
        }
        obj_new(h, 3, 0);
        obj_set(h, root_get(h, last), 0, root_get(h, last + 1));
        root_set(h, last, root_get(h, last + 1));
        root_pop(h, 1);
    }
    root_pop(h, 2);
    assert_int_equal(live_objects(h), 2 + N);
    heap_collect(h, -1);
    assert_int_equal(collected(h), N);
    assert_int_equal(live_objects(h), 2);
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 1);
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

/* ---- no recursion ---- */

/* What the thread below saw, for the test's own thread to assert (cmocka's
 * failures must not jump across threads). */
typedef struct big_ring_run {
    uint64_t buffered_built, live_after_live_collection, marked, buffered_dropped, collected, live_after;
    size_t arrays_built, arrays_after;
} big_ring_run;

/* A million-node ring, collected live (scan_black over the whole ring),
 * then dropped and collected (scan and collect_white over it). */
static void *collect_a_big_ring(void *data) {
    big_ring_run *run = data;
    size_t arrays_before = growable_array_bytes;
    heap_config config;
    heap_config_init(&config);
    config.collect_only_when_asked = true;
    heap *h = heap_create(&config);
    heap_stats s;
    push_ring(h, BIG_RING);
    heap_stats_get(h, &s);
    run->buffered_built = s.generation[0].count;
    run->arrays_built = growable_array_bytes - arrays_before;
    heap_collect(h, -1);
    heap_stats_get(h, &s);
    run->live_after_live_collection = s.live_objects;
    run->marked = s.objects_marked;
    root_pop(h, 1);
    heap_stats_get(h, &s);
    run->buffered_dropped = s.generation[0].count;
    heap_collect(h, -1);
    heap_stats_get(h, &s);
    run->collected = s.generation[0].collected;
    run->live_after = s.live_objects;
    run->arrays_after = growable_array_bytes - arrays_before;
    heap_destroy(h, NULL);
    return NULL;
}

/* On a thread with a 128 KiB stack: a pass that recursed once per node
 * would need a million frames. */
static void big_ring_collects_on_a_shallow_stack(void **state) {
    (void)state;
    size_t arrays_before = growable_array_bytes;
    big_ring_run run = {0};
    pthread_attr_t attr;
    pthread_t thread;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 128 * 1024), 0);
    assert_int_equal(pthread_create(&thread, &attr, collect_a_big_ring, &run), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(run.buffered_built, BIG_RING);
    assert_true(run.arrays_built >= BIG_RING * sizeof(void *));
    assert_int_equal(run.live_after_live_collection, BIG_RING);
    assert_int_equal(run.marked, BIG_RING);
    assert_int_equal(run.buffered_dropped, 1); /* the first node, its root gone */
    assert_int_equal(run.collected, BIG_RING);
    assert_int_equal(run.live_after, 0);
    /* What the buffer and the garbage list grew to went back. */
    assert_in_range(run.arrays_after, 0, 4 * 1024 * 1024);
    assert_int_equal(growable_array_bytes, arrays_before);
}

/* ---- verify and stress ---- */

/* A table of slots (the roots' one object), nodes of 0 to 3 slots, edges
 * set, moved in with obj_set_pop and cleared at random: cycles come and go.
 * Returns the objects reachable at the end. */
static uint64_t mutate_random_graph(heap *h, uint64_t seed, int steps) {
    enum { SLOTS = 16 };
    obj_new(h, SLOTS, 0);
    root table = root_depth(h) - 1;
    for (int step = 0; step < steps; step++) {
        uint64_t r = next_random(&seed);
        uint32_t slot = (uint32_t)(r % SLOTS), other = (uint32_t)((r >> 8) % SLOTS);
        switch ((r >> 16) % 6) {
        case 0:
        case 1: { /* a new node into a slot, pointing at another slot's node */
            uint32_t nrefs = (uint32_t)((r >> 24) % 4);
            obj *node = obj_new(h, nrefs, (uint32_t)((r >> 32) % 24));
            if (nrefs) obj_set(h, node, 0, obj_get(root_get(h, table), other));
            if (r >> 40 & 1) {
                obj_set_pop(h, root_get(h, table), slot);
            } else {
                obj_set(h, root_get(h, table), slot, node);
                root_pop(h, 1);
            }
            break;
        }
        case 2:
        case 3: { /* an edge between two nodes */
            obj *from = obj_get(root_get(h, table), slot);
            if (from && from->nrefs)
                obj_set(h, from, (uint32_t)((r >> 24) % from->nrefs), obj_get(root_get(h, table), other));
            break;
        }
        case 4: { /* a node moved from a root into another's slot */
            obj *from = obj_get(root_get(h, table), slot);
            if (!from || !from->nrefs) break;
            root_push(h, obj_get(root_get(h, table), other));
            obj_set_pop(h, from, (uint32_t)((r >> 24) % from->nrefs));
            break;
        }
        default: /* drop a slot: what hung from it may now be cyclic garbage */
            obj_set(h, root_get(h, table), slot, NULL);
        }
    }
    return count_reachable(h, table);
}

/* Stress 1: a collection before every allocation, each checked, with and
 * without automatic collections (threshold 3, adapting) in between. */
static void verify_and_stress(void **state) {
    (void)state;
    const options runs[] = {
        {.threshold0 = 0, .verify = true, .stress = 1},
        {.threshold0 = 3, .factor = 1.5, .verify = true, .stress = 7},
        {.threshold0 = 1, .factor = 2, .verify = true},
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        heap *h = new_heap(runs[i]);
        uint64_t reachable = mutate_random_graph(h, 12345 + i, 8000);
        heap_stats s = stats_of(h);
        print_message("  run %zu: %llu allocations, %llu collections, threshold %llu, %llu collected\n", i,
                      (unsigned long long)s.objects_allocated, (unsigned long long)s.collections,
                      (unsigned long long)s.generation[0].threshold, (unsigned long long)s.generation[0].collected);
        assert_true(s.collections >= 10);
        assert_true(s.generation[0].collected >= 50);
        heap_collect(h, -1);
        assert_int_equal(live_objects(h), reachable);
        root_pop(h, 1);
        heap_collect(h, -1);
        assert_int_equal(live_objects(h), 0);
        destroy(h);
    }
}

/* ---- teardown, events, limits ---- */

static void destroy_frees_everything_silently(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    for (int verify = 0; verify < 2; verify++) {
        heap *h = new_heap((options){.threshold0 = 1000000, .verify = verify, .listener = &listener});
        for (int i = 0; i < 300; i++) drop_ring(h, 3);
        push_ring(h, 2000);
        obj_new(h, 0, 100);
        int begins = rec.begins, cascades = rec.cascades;
        heap_leak_report r = destroy(h);
        assert_int_equal(r.objects_allocated, 900 + 2000 + 1);
        assert_int_equal(rec.begins, begins); /* no events while tearing down */
        assert_int_equal(rec.cascades, cascades);
    }
    assert_false(rec.nested);
}

/* Cascades are the counting's; a collection's frees are its own pause. */
static void collections_free_inside_their_own_pause(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){.threshold0 = 1000, .listener = &listener});
    obj_new(h, 1, 0);
    obj_new(h, 0, 8);
    obj_set(h, root_get(h, 0), 0, root_get(h, 1));
    root_pop(h, 1);
    root_pop(h, 1);
    assert_int_equal(rec.cascades, 1);
    push_ring(h, 100);
    root_pop(h, 1);
    heap_collect(h, 1); /* any generation: the whole buffer */
    assert_int_equal(rec.last.generation, -1);
    assert_int_equal(rec.last.objects_freed, 100);
    assert_int_equal(rec.cascades, 1);
    assert_int_equal(stats_of(h).cascades, 1);
    assert_int_equal(rec.begins, rec.ends);
    assert_false(rec.nested);
    destroy(h);
}

/* Over the heap limit a collection runs first, whatever the threshold:
 * garbage cycles never make the heap run out. */
static void heap_limit_collects_cycles_first(void **state) {
    (void)state;
    heap *probe = new_heap((options){.threshold0 = 0});
    drop_ring(probe, 2);
    uint64_t pair_bytes = stats_of(probe).bytes_allocated;
    destroy(probe);

    heap *h = new_heap((options){.threshold0 = 0, .limit = 1000 * pair_bytes});
    for (int i = 0; i < 10000; i++) drop_ring(h, 2);
    /* The 2001st object finds 1000 pairs live: each collection frees them
     * all, so one runs every 2000 objects. */
    assert_int_equal(collections(h), 9);
    assert_int_equal(collected(h), 9 * 2000);
    assert_true(stats_of(h).peak_live_bytes <= 1000 * pair_bytes);
    destroy(h);
}

/* Live data past the limit: the handler is called (in a child process, since
 * it must not return). */
static void heap_limit_ends_in_out_of_memory(void **state) {
    (void)state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        heap_config config;
        heap_config_init(&config);
        config.heap_limit_bytes = 1 << 16;
        config.out_of_memory = exit_on_out_of_memory;
        heap *h = heap_create(&config);
        for (;;) push_buffered_container(h);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(knobs_and_traits),
        cmocka_unit_test(dropped_ring_collected_at_the_threshold_and_not_before),
        cmocka_unit_test(ring_held_from_outside_survives_with_counts_intact),
        cmocka_unit_test(buffered_object_freed_by_counting_leaves_the_buffer),
        cmocka_unit_test(atoms_are_never_buffered),
        cmocka_unit_test(atoms_held_by_garbage_are_freed_with_it),
        cmocka_unit_test(threshold_adapts_to_what_collections_free),
        cmocka_unit_test(no_automatic_collections_when_told),
        cmocka_unit_test(a_cycle_made_by_obj_set_pop_is_collected),
        cmocka_unit_test(garbage_cycle_of_wide_containers_is_freed),
        cmocka_unit_test(garbage_ring_holding_live_objects),
        cmocka_unit_test(big_ring_collects_on_a_shallow_stack),
        cmocka_unit_test(verify_and_stress),
        cmocka_unit_test(destroy_frees_everything_silently),
        cmocka_unit_test(collections_free_inside_their_own_pause),
        cmocka_unit_test(heap_limit_collects_cycles_first),
        cmocka_unit_test(heap_limit_ends_in_out_of_memory),
    };
    return cmocka_run_group_tests_name("rcbr", tests, NULL, NULL);
}
