/*
 * long-lived: the generational hypothesis, for and against. A large old
 * structure (a table of nodes, each linked to an older one) stays alive
 * throughout while a stream of young records goes by: each record holds a
 * fresh atom and points at a random old node, and most die young. At a set
 * rate an old node is made to hold the record instead (an old-to-young
 * store), which keeps it alive until a later store replaces it.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { OLD_NODES, STORE_RATE, YOUNG_WINDOW, YOUNG_BYTES };
enum { HELD, OLDER };    /* an old node: the record it holds, an older node */
enum { ATOM, REFERENT }; /* a record: its atom, the old node it points at */

static const knob params[] = {
    [OLD_NODES] = {"old-nodes", "nodes in the long-lived structure", 500000, 1, 10000000, true},
    [STORE_RATE] = {"store-rate", "share of records an old node is made to hold (old-to-young)", 0.02, 0, 1, false},
    [YOUNG_WINDOW] = {"young-window", "records kept alive after their step (recent results)", 64, 0, 1000000, true},
    [YOUNG_BYTES] = {"young-bytes", "data bytes of each record's atom", 32, 8, 1 << 16, true},
    {NULL},
};

static uint64_t value_of(obj *o) { return *(uint64_t *)obj_data(o); }

/* The old structure: node i links to a random node before it, so the links
 * form a forest with no cycles. Leaves the table on the root stack. */
static void build_old(heap *h, uint32_t nodes, rng *r) {
    obj_new(h, nodes, 0);
    root table = root_depth(h) - 1;
    for (uint32_t i = 0; i < nodes; i++) {
        obj *node = obj_new(h, 2, sizeof(uint64_t));
        *(uint64_t *)obj_data(node) = rng_next(r);
        obj *t = root_get(h, table);
        if (i) obj_set(h, node, OLDER, obj_get(t, (uint32_t)rng_below(r, i)));
        obj_set(h, t, i, node);
        root_pop(h, 1);
    }
}

/* A record and its atom; left on the root stack. */
static obj *new_record(heap *h, root table, uint32_t old_nodes, uint32_t young_bytes, rng *r) {
    obj_new(h, 2, sizeof(uint64_t));
    root held = root_depth(h) - 1;
    obj *atom = obj_new(h, 0, young_bytes);
    *(uint64_t *)obj_data(atom) = rng_next(r);
    obj *record = root_get(h, held);
    obj_set(h, record, ATOM, atom);
    root_pop(h, 1);
    obj *referent = obj_get(root_get(h, table), (uint32_t)rng_below(r, old_nodes));
    obj_set(h, record, REFERENT, referent);
    *(uint64_t *)obj_data(record) = value_of(atom) ^ value_of(referent);
    return record;
}

static uint64_t record_checksum(obj *record) {
    return checksum_mix(value_of(record), value_of(obj_get(record, ATOM)) ^ value_of(obj_get(record, REFERENT)));
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t old_nodes = (uint32_t)a->params[OLD_NODES], young_bytes = (uint32_t)a->params[YOUNG_BYTES];
    uint64_t window = (uint64_t)a->params[YOUNG_WINDOW];
    rng r = rng_seeded(a->seed);
    build_old(h, old_nodes, &r);
    root table = root_depth(h) - 1;
    root recent = root_depth(h);
    for (uint64_t i = 0; i < window; i++) root_push(h, NULL);

    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        obj *record = new_record(h, table, old_nodes, young_bytes, &r);
        sum = checksum_mix(sum, record_checksum(record));
        if ((double)(rng_next(&r) >> 11) * 0x1p-53 < a->params[STORE_RATE]) {
            obj *old = obj_get(root_get(h, table), (uint32_t)rng_below(&r, old_nodes));
            obj *previous = obj_get(old, HELD);
            sum = checksum_mix(sum, previous ? record_checksum(previous) : value_of(old));
            obj_set(h, old, HELD, record);
        }
        if (window) root_set(h, recent + i % window, record);
        root_pop(h, 1);
    }

    /* Read the old structure back, and let each node drop its record: the
     * record's pointer back at an old node would otherwise close a cycle. */
    obj *t = root_get(h, table);
    for (uint32_t i = 0; i < old_nodes; i++) {
        obj *old = obj_get(t, i), *older = obj_get(old, OLDER), *held = obj_get(old, HELD);
        sum = checksum_mix(sum, value_of(old) ^ (older ? value_of(older) : 0));
        if (held) {
            sum = checksum_mix(sum, record_checksum(held));
            obj_set(h, old, HELD, NULL);
        }
    }
    for (uint64_t i = 0; i < window; i++) {
        obj *record = root_get(h, recent + i);
        sum = checksum_mix(sum, record ? record_checksum(record) : 0);
    }
    root_pop(h, window + 1);
    return sum;
}

const workload workload_long_lived = {
    .name = "long-lived",
    .summary = "a large old structure kept alive, a stream of young garbage, some old-to-young stores",
    .description = "Models a server with a large, long-lived data structure and a steady stream\n"
                   "of short-lived results: `old-nodes` nodes built first and kept throughout,\n"
                   "then per step a record (pointing at a fresh atom and at a random old node)\n"
                   "that lives for `young-window` steps. With probability `store-rate` an old\n"
                   "node is made to hold the record, replacing the one it held: an old-to-young\n"
                   "pointer that keeps the record alive for about old-nodes / store-rate steps.\n"
                   "At store-rate 0 the generational hypothesis holds perfectly; raising it makes\n"
                   "young objects survive through old ones. Stresses nursery collection against\n"
                   "a large old generation, write barriers and remembered sets, and full\n"
                   "collections that must trace the old structure.",
    .size_help = "young records (each with one atom)",
    .default_size = 300000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=300 --old-nodes=50 --store-rate=0.2 --young-window=4",
    .run = run,
};
