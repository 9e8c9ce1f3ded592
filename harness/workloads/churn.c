/*
 * churn: temporaries in a loop. Each iteration builds a small list of small
 * atoms of mixed sizes, sums it and drops it; one list in every `keep-every`
 * survives a while in a window of recent results. Most objects die at once:
 * the common case every allocator and collector must make cheap.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { MAX_ITEMS, KEEP_EVERY, WINDOW };

static const knob params[] = {
    [MAX_ITEMS] = {"max-items", "atoms per list, drawn from 1..max-items", 8, 1, 64, true},
    [KEEP_EVERY] = {"keep-every", "one list in this many survives in the window (0: none)", 16, 0, 1000000, true},
    [WINDOW] = {"window", "how many surviving lists are kept at once", 64, 1, 1000000, true},
    {NULL},
};

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t max_items = (uint32_t)a->params[MAX_ITEMS];
    uint64_t keep_every = (uint64_t)a->params[KEEP_EVERY], window = (uint64_t)a->params[WINDOW];
    rng r = rng_seeded(a->seed);
    root survivors = root_depth(h);
    for (uint64_t i = 0; i < window; i++) root_push(h, NULL);

    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        uint32_t items = 1 + (uint32_t)rng_below(&r, max_items);
        obj_new(h, items, sizeof(uint64_t));
        root list = root_depth(h) - 1;
        for (uint32_t k = 0; k < items; k++) {
            uint32_t bytes = 8 * (1 + (uint32_t)rng_below(&r, 7)); /* 8..56 */
            obj *atom = obj_new(h, 0, bytes);
            *(uint64_t *)obj_data(atom) = rng_next(&r);
            obj_set_pop(h, root_get(h, list), k);
        }
        obj *l = root_get(h, list);
        uint64_t total = 0;
        for (uint32_t k = 0; k < items; k++) total += *(uint64_t *)obj_data(obj_get(l, k));
        *(uint64_t *)obj_data(l) = total;
        sum = checksum_mix(sum, total);
        if (keep_every && i % keep_every == 0) root_set(h, survivors + (i / keep_every) % window, l);
        root_pop(h, 1);
    }
    /* The survivors still hold their sums: read them back. */
    for (uint64_t i = 0; i < window; i++) {
        obj *l = root_get(h, survivors + i);
        sum = checksum_mix(sum, l ? *(uint64_t *)obj_data(l) : 0);
    }
    root_pop(h, window);
    return sum;
}

const workload workload_churn = {
    .name = "churn",
    .summary = "short-lived temporaries: small lists of small atoms, most dying at once",
    .description = "Models a loop that builds a temporary list of small values, uses it and drops it.\n"
                   "Stresses the allocation fast path, freeing, and (for tracers) the cost of\n"
                   "collections that find almost everything dead.",
    .size_help = "lists built",
    .default_size = 1800000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=300",
    .run = run,
};
