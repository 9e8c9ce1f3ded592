/*
 * rings: doubly linked rings of k nodes (Python's node.next / node.prev),
 * built, walked and dropped. A ring is a cycle: pure reference counting can
 * never reclaim it. k = 1 is a self-loop.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { RING_SIZE, LIVE_RINGS };
enum { NEXT, PREV };

static const knob params[] = {
    [RING_SIZE] = {"ring-size", "nodes per ring (1: a self-loop)", 10, 1, 10000000, true},
    [LIVE_RINGS] = {"live-rings", "rings kept alive at once, replaced round-robin", 8, 0, 1000000, true},
    {NULL},
};

/* Builds a ring on top of the root stack and leaves its first node there. */
static void build_ring(heap *h, uint64_t nodes, rng *r) {
    obj *first = obj_new(h, 2, sizeof(uint64_t));
    root head = root_depth(h) - 1;
    *(uint64_t *)obj_data(first) = rng_next(r);
    root last = root_push(h, first);
    for (uint64_t i = 1; i < nodes; i++) {
        obj *node = obj_new(h, 2, sizeof(uint64_t));
        *(uint64_t *)obj_data(node) = rng_next(r);
        obj *previous = root_get(h, last);
        obj_set(h, node, PREV, previous);
        obj_set(h, previous, NEXT, node);
        root_set(h, last, node);
        root_pop(h, 1);
    }
    obj_set(h, root_get(h, last), NEXT, root_get(h, head));
    obj_set(h, root_get(h, head), PREV, root_get(h, last));
    root_pop(h, 1);
}

/* Walks forward once round and back once round: the links must agree. */
static uint64_t walk_ring(obj *first, uint64_t nodes) {
    uint64_t forward = 0, backward = 0, steps = 0;
    obj *o = first;
    do {
        forward += *(uint64_t *)obj_data(o) * ++steps;
        o = obj_get(o, NEXT);
    } while (o != first);
    do {
        o = obj_get(o, PREV);
        backward += *(uint64_t *)obj_data(o);
    } while (o != first);
    return checksum_mix(checksum_mix(forward, backward), steps == nodes);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t nodes = (uint64_t)a->params[RING_SIZE], live = (uint64_t)a->params[LIVE_RINGS];
    rng r = rng_seeded(a->seed);
    root kept = root_depth(h);
    for (uint64_t i = 0; i < live; i++) root_push(h, NULL);

    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        build_ring(h, nodes, &r);
        root ring = root_depth(h) - 1;
        sum = checksum_mix(sum, walk_ring(root_get(h, ring), nodes));
        if (live) root_set(h, kept + i % live, root_get(h, ring));
        root_pop(h, 1);
    }
    for (uint64_t i = 0; i < live; i++) {
        obj *first = root_get(h, kept + i);
        sum = checksum_mix(sum, first ? walk_ring(first, nodes) : 0);
    }
    root_pop(h, live);
    return sum;
}

const workload workload_rings = {
    .name = "rings",
    .summary = "doubly linked rings of k nodes, built and dropped: cycles refcounting cannot free",
    .description = "Models Python's node.next / node.prev lists: every ring is a reference cycle.\n"
                   "Pure reference counting leaks every ring; a cycle detector or tracer must\n"
                   "find them. Stresses cycle detection and the cost of tracking containers.",
    .size_help = "rings built",
    .default_size = 500000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .cyclic = true,
    .small_args = "--size=40 --ring-size=6 --live-rings=3",
    .run = run,
};
