/*
 * The harness's reachability pass (harness/reachable.c) against one
 * collector: on a graph whose reachable part and garbage are known exactly,
 * it counts what the roots reach (shared objects and cycles once), and what
 * the heap holds less that is exactly the garbage the collector has not yet
 * reclaimed: cycles for every collector until a cycle-collecting one runs a
 * full collection, acyclic garbage only for a collector that does not count
 * references. Bytes are checked against the heap's own counting of each shape.
 * Built once per collector (tests/test_reachable-<collector>).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap_helpers.h"
#include "object.h"
#include "reachable.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEEP_CHAIN 1000000u /* the sanitizers make ten million slow, not different */
#else
#define DEEP_CHAIN 10000000u
#endif

/* A heap that never collects on its own, so garbage stays until asked. */
static heap *quiet_heap(void) {
    heap_config config;
    heap_config_init(&config);
    config.collect_only_when_asked = true;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    return s;
}

/* What one object of this shape adds to the heap's bytes, on a heap of its
 * own; obj_size must say the same. */
static uint64_t shape_bytes(uint32_t nrefs, uint32_t nbytes) {
    heap *h = quiet_heap();
    uint64_t before = stats_of(h).bytes_allocated;
    obj *o = obj_new(h, nrefs, nbytes);
    uint64_t size = stats_of(h).bytes_allocated - before;
    assert_int_equal(obj_size(o), size);
    root_pop(h, 1);
    destroy_checked(h);
    return size;
}

typedef struct garbage {
    uint64_t objects, bytes;
} garbage;

static garbage garbage_now(heap *h) {
    reachable_counts reached;
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    heap_stats s = stats_of(h);
    assert_true(reached.objects <= s.live_objects);
    assert_true(reached.bytes <= s.live_bytes);
    return (garbage){s.live_objects - reached.objects, s.live_bytes - reached.bytes};
}

/* A chain of n objects (one slot, 16 bytes each) left pushed: its head. */
static void push_chain(heap *h, uint32_t n) {
    root head = root_push(h, NULL);
    for (uint32_t i = 0; i < n; i++) {
        obj *node = obj_new(h, 1, 16);
        obj_set(h, node, 0, root_get(h, head));
        root_set(h, head, node);
        root_pop(h, 1);
    }
}

/* A complete binary tree of n nodes (two slots, 8 bytes each), left pushed
 * as one root: node i's children are nodes 2i+1 and 2i+2. */
static void push_tree(heap *h, uint32_t n) {
    root first = root_depth(h);
    for (uint32_t i = 0; i < n; i++) root_push(h, NULL); /* a slot per node */
    for (uint32_t i = n; i-- > 0;) {
        obj *node = obj_new(h, 2, 8);
        for (uint32_t c = 0; c < 2; c++)
            if (2 * i + 1 + c < n) obj_set(h, node, c, root_get(h, first + 2 * i + 1 + c));
        root_set(h, first + i, node);
        root_pop(h, 1);
    }
    root_pop(h, n - 1); /* every slot but the top node's */
}

static void the_pass_counts_exactly_what_is_reachable_and_the_garbage_left(void **state) {
    (void)state;
    const uint64_t chain_node = shape_bytes(1, 16), ring_node = shape_bytes(2, 8), atom = shape_bytes(0, 24);
    const uint64_t fan = shape_bytes(10, 0), pair_node = shape_bytes(3, 8);
    const bool counts_references = gc_traits.frees_at_last_reference;
    heap *h = quiet_heap();
    uint64_t live_objects = 0, live_bytes = 0;

    /* Reachable: a chain of 1000; a ring of 50 (a cycle, reachable); a fan
     * whose ten slots all hold one atom, the fan rooted twice; a NULL root. */
    push_chain(h, 1000);
    live_objects += 1000, live_bytes += 1000 * chain_node;
    push_ring(h, 50);
    live_objects += 50, live_bytes += 50 * ring_node;
    obj_new(h, 0, 24);
    root shared = root_depth(h) - 1;
    obj_new(h, 10, 0);
    root fanned = root_depth(h) - 1;
    for (uint32_t i = 0; i < 10; i++) obj_set(h, root_get(h, fanned), i, root_get(h, shared));
    root_push(h, root_get(h, fanned));
    root_push(h, NULL);
    live_objects += 2, live_bytes += atom + fan;
    garbage g = garbage_now(h);
    assert_int_equal(g.objects, 0);
    assert_int_equal(g.bytes, 0);
    reachable_counts reached;
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    assert_int_equal(reached.objects, live_objects);
    assert_int_equal(reached.bytes, live_bytes);

    /* Cyclic garbage: rings of 1 (a self-loop) to 7 nodes; and a pair
     * pointing at each other, one holding a chain of 5, the other pointing
     * back at the live fan (the chain dies with the pair, even under pure
     * counting; the fan stays live). */
    uint64_t cyclic_objects = 0, cyclic_bytes = 0;
    for (uint32_t n = 1; n <= 7; n++) {
        drop_ring(h, n);
        cyclic_objects += n, cyclic_bytes += n * ring_node;
    }
    obj_new(h, 3, 8);
    root a = root_depth(h) - 1;
    obj_new(h, 3, 8);
    root b = root_depth(h) - 1;
    push_chain(h, 5);
    obj_set(h, root_get(h, a), 0, root_get(h, b));
    obj_set(h, root_get(h, b), 0, root_get(h, a));
    obj_set(h, root_get(h, a), 1, root_get(h, root_depth(h) - 1));
    obj_set(h, root_get(h, b), 2, root_get(h, fanned));
    root_pop(h, 3);
    cyclic_objects += 2 + 5, cyclic_bytes += 2 * pair_node + 5 * chain_node;

    /* Acyclic garbage: a tree of 100, 20 atoms, and an object pointing
     * into the live fan. */
    uint64_t acyclic_objects = 0, acyclic_bytes = 0;
    push_tree(h, 100);
    root_pop(h, 1);
    acyclic_objects += 100, acyclic_bytes += 100 * ring_node;
    for (int i = 0; i < 20; i++) {
        obj_new(h, 0, 24);
        root_pop(h, 1);
    }
    acyclic_objects += 20, acyclic_bytes += 20 * atom;
    obj *into_live = obj_new(h, 1, 16);
    obj_set(h, into_live, 0, root_get(h, fanned));
    root_pop(h, 1);
    acyclic_objects += 1, acyclic_bytes += chain_node;

    /* The guess only sizes the scratch: too small, right or too large, the
     * same count. */
    const uint64_t guesses[] = {1, live_objects, UINT64_MAX};
    for (size_t i = 0; i < 3; i++) {
        reachable_counts guessed;
        assert_true(reachable_count(h, stats_of(h).live_objects, guesses[i], &guessed));
        assert_int_equal(guessed.objects, live_objects);
        assert_int_equal(guessed.bytes, live_bytes);
    }

    g = garbage_now(h);
    assert_int_equal(g.objects, cyclic_objects + (counts_references ? 0 : acyclic_objects));
    assert_int_equal(g.bytes, cyclic_bytes + (counts_references ? 0 : acyclic_bytes));
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    assert_int_equal(reached.objects, live_objects);
    assert_int_equal(reached.bytes, live_bytes);

    /* A full collection: a cycle collector leaves no garbage; pure counting
     * keeps every cycle and what hangs off it; no collection keeps it all. */
    garbage before = g;
    heap_collect(h, -1);
    g = garbage_now(h);
    bool keeps_cycles = gc_traits.reclaims != GC_RECLAIMS_UNREACHABLE;
    bool keeps_all = gc_traits.reclaims == GC_RECLAIMS_NOTHING;
    if (gc_traits.exact_books) {
        assert_int_equal(g.objects, (keeps_cycles ? cyclic_objects : 0) + (keeps_all ? acyclic_objects : 0));
        assert_int_equal(g.bytes, (keeps_cycles ? cyclic_bytes : 0) + (keeps_all ? acyclic_bytes : 0));
    } else {
        /* A conservative collector may keep garbage, never make more. */
        assert_true(g.objects <= before.objects && g.bytes <= before.bytes);
    }
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    assert_int_equal(reached.objects, live_objects);

    /* Every root dropped: whatever is left is garbage. */
    root_pop(h, root_depth(h));
    g = garbage_now(h);
    assert_int_equal(g.objects, stats_of(h).live_objects);
    assert_int_equal(g.bytes, stats_of(h).live_bytes);
    destroy_checked(h);
}

/* An empty heap and a heap of nothing but NULL roots reach nothing. */
static void an_empty_heap_reaches_nothing(void **state) {
    (void)state;
    heap *h = quiet_heap();
    reachable_counts reached;
    assert_true(reachable_count(h, 0, 0, &reached));
    assert_int_equal(reached.objects, 0);
    root_push(h, NULL);
    root_push(h, NULL);
    assert_true(reachable_count(h, 0, 0, &reached));
    assert_int_equal(reached.objects, 0);
    assert_int_equal(reached.bytes, 0);
    root_pop(h, 2);
    destroy_checked(h);
}

/* A chain of ten million: the walk keeps its own stack, so nothing
 * overflows, and the stack never holds more than one link. */
static void a_deep_chain_is_walked_without_recursion(void **state) {
    (void)state;
    heap *h = quiet_heap();
    push_chain(h, DEEP_CHAIN);
    reachable_counts reached;
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    assert_int_equal(reached.objects, DEEP_CHAIN);
    assert_int_equal(reached.bytes, stats_of(h).live_bytes);
    root_pop(h, 1);
    heap_collect(h, -1);
    destroy_checked(h);
}

/* A wide object whose million slots hold a million distinct atoms. */
static void a_wide_object_is_walked(void **state) {
    (void)state;
    const uint32_t width = 1000000;
    heap *h = quiet_heap();
    obj_new(h, width, 0);
    root wide = root_depth(h) - 1;
    for (uint32_t i = 0; i < width; i++) {
        obj *a = obj_new(h, 0, 8);
        obj_set(h, root_get(h, wide), i, a);
        root_pop(h, 1);
    }
    reachable_counts reached;
    assert_true(reachable_count(h, stats_of(h).live_objects, 0, &reached));
    assert_int_equal(reached.objects, width + 1);
    assert_int_equal(reached.bytes, stats_of(h).live_bytes);
    root_pop(h, 1);
    heap_collect(h, -1);
    destroy_checked(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_pass_counts_exactly_what_is_reachable_and_the_garbage_left),
        cmocka_unit_test(an_empty_heap_reaches_nothing),
        cmocka_unit_test(a_deep_chain_is_walked_without_recursion),
        cmocka_unit_test(a_wide_object_is_walked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
