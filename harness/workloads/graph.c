/*
 * graph: random graph mutation at a steady live size. A table names the N
 * nodes in the graph; each step makes a node, links it to random nodes in
 * the graph, puts it in a random node's place and rewires a few edges. The
 * node it displaces clears its own edges, but edges other nodes still hold
 * keep it alive until they are rewired. With probability cycle-rate the new
 * node and the node its first edge reaches also point at each other through
 * a partner slot, which nothing clears: when both have left the graph they
 * are a garbage cycle.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { LIVE_NODES, OUT_DEGREE, CYCLE_RATE, RELINKS };

static const knob params[] = {
    [LIVE_NODES] = {"live-nodes", "nodes in the graph (the table's size)", 50000, 1, 10000000, true},
    [OUT_DEGREE] = {"out-degree", "edges per node", 4, 1, 64, true},
    [CYCLE_RATE] = {"cycle-rate", "probability that a new node closes a cycle with its first target", 0.1, 0, 1, false},
    [RELINKS] = {"relinks", "edges of graph nodes rewired per step", 2, 0, 64, true},
    {NULL},
};

typedef struct node_data {
    uint64_t serial, value;
} node_data;

static node_data *data_of(obj *node) { return obj_data(node); }

/* A node with its `degree` edges to random nodes of the table (holding its
 * first `filled` slots), and a partner slot after them; left on the root
 * stack. */
static obj *new_node(heap *h, root table, uint32_t degree, uint64_t filled, uint64_t *serial, rng *r) {
    obj *node = obj_new(h, degree + 1, sizeof(node_data));
    *data_of(node) = (node_data){(*serial)++, rng_next(r)};
    obj *nodes = root_get(h, table);
    for (uint32_t j = 0; j < degree && filled; j++) obj_set(h, node, j, obj_get(nodes, (uint32_t)rng_below(r, filled)));
    return node;
}

/* What a node holds: its own data, its targets' and its partner's serials. */
static uint64_t node_checksum(obj *node) {
    uint64_t sum = checksum_mix(data_of(node)->serial, data_of(node)->value);
    for (uint32_t j = 0; j < node->nrefs; j++) {
        obj *target = obj_get(node, j);
        sum = checksum_mix(sum, target ? data_of(target)->serial : UINT64_MAX);
    }
    return sum;
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t live = (uint32_t)a->params[LIVE_NODES], degree = (uint32_t)a->params[OUT_DEGREE];
    uint64_t relinks = (uint64_t)a->params[RELINKS], serial = 0, sum = 0;
    rng r = rng_seeded(a->seed);

    obj_new(h, live, 0);
    root table = root_depth(h) - 1;
    for (uint32_t i = 0; i < live; i++) {
        new_node(h, table, degree, i, &serial, &r);
        obj_set_pop(h, root_get(h, table), i);
    }

    for (uint64_t step = 0; step < a->size; step++) {
        obj *node = new_node(h, table, degree, live, &serial, &r);
        obj *nodes = root_get(h, table);
        if ((double)(rng_next(&r) >> 11) * 0x1p-53 < a->params[CYCLE_RATE]) {
            obj *target = obj_get(node, 0);
            obj_set(h, target, degree, node);
            obj_set(h, node, degree, target);
        }
        /* The displaced node leaves the graph: the table forgets it and it
         * drops its edges (the table's reference keeps it alive meanwhile). */
        uint32_t slot = (uint32_t)rng_below(&r, live);
        obj *displaced = obj_get(nodes, slot);
        sum = checksum_mix(sum, data_of(displaced)->value);
        for (uint32_t j = 0; j < degree; j++) obj_set(h, displaced, j, NULL);
        obj_set(h, nodes, slot, node);
        for (uint64_t k = 0; k < relinks; k++) {
            obj *source = obj_get(nodes, (uint32_t)rng_below(&r, live));
            obj_set(h, source, (uint32_t)rng_below(&r, degree), obj_get(nodes, (uint32_t)rng_below(&r, live)));
        }
        sum = checksum_mix(sum, node_checksum(node));
        root_pop(h, 1);
    }

    obj *nodes = root_get(h, table);
    for (uint32_t i = 0; i < live; i++) sum = checksum_mix(sum, node_checksum(obj_get(nodes, i)));
    root_pop(h, 1);
    return sum;
}

const workload workload_graph = {
    .name = "graph",
    .summary = "random graph mutation at a steady live size, closing cycles at a set rate",
    .description = "Models a mutable object graph (a scene, a social network): `live-nodes` nodes\n"
                   "named by a table, each with `out-degree` edges to random nodes. Each step\n"
                   "allocates a node linked to random nodes, puts it in a random node's place (the\n"
                   "displaced node clears its edges but stays alive while edges to it remain) and\n"
                   "rewires `relinks` edges. With probability `cycle-rate` the new node and its\n"
                   "first target also refer to each other through a partner slot nothing clears,\n"
                   "so pairs leave the graph as garbage cycles. Live size stays steady, about\n"
                   "twice live-nodes nodes at the defaults. Stresses random stores across a\n"
                   "large heap (old-to-young and back), and tracing or cycle detection over\n"
                   "random graphs.",
    .size_help = "mutation steps (one new node each)",
    .default_size = 700000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=200 --live-nodes=30 --out-degree=3 --cycle-rate=0.3",
    .cyclic = true,
    .run = run,
};
