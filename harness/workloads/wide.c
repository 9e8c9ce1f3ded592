/*
 * wide: a few objects with very many reference slots (a huge list, a big
 * dict's table), overwritten at random: with fresh small objects, with what
 * another slot holds, or with one of the wide objects themselves. Every
 * store is refcount traffic on two objects; every trace or cycle search
 * must scan each wide object whole.
 *
 * Slot 0 of each wide object holds the next one, so the wide objects always
 * form a ring (a cycle pure reference counting cannot free); the random
 * stores only ever touch slots 1 and up.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { WIDE_OBJECTS, SLOTS, FRESH_FRACTION, PAIR_FRACTION, LINK_FRACTION };
enum { RING_LINK };

static const knob params[] = {
    [WIDE_OBJECTS] = {"wide-objects", "how many wide objects", 2, 1, 1024, true},
    [SLOTS] = {"slots", "reference slots per wide object", 1000000, 2, 10000000, true},
    [FRESH_FRACTION] = {"fresh-fraction", "stores of a fresh small object", 0.5, 0, 1, false},
    [PAIR_FRACTION] = {"pair-fraction", "fresh objects that are pairs of atoms (the rest are atoms)", 0.25, 0, 1,
                       false},
    [LINK_FRACTION] = {"link-fraction", "stores of a wide object (the rest copy another slot)", 0.001, 0, 1, false},
    {NULL},
};

/* Uniform in [0, 1). */
static double uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1p-53; }

static uint64_t value_of(obj *o) { return o ? *(uint64_t *)obj_data(o) : 0; }

/* A wide object's data: its index, then how many stores it took. */
typedef struct wide_data {
    uint64_t index;
    uint64_t stores;
} wide_data;

/* What one slot contributes to the checksum: a pair counts with its atoms
 * (only pairs have two slots and eight bytes). */
static uint64_t slot_checksum(obj *o) {
    if (!o || o->nrefs != 2 || o->nbytes != sizeof(uint64_t)) return value_of(o);
    return checksum_mix(value_of(o), value_of(obj_get(o, 0)) ^ value_of(obj_get(o, 1)));
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t wide = (uint32_t)a->params[WIDE_OBJECTS], slots = (uint32_t)a->params[SLOTS];
    double fresh = a->params[FRESH_FRACTION], pairs = a->params[PAIR_FRACTION];
    double link = a->params[LINK_FRACTION];
    rng r = rng_seeded(a->seed);

    root first = root_depth(h);
    for (uint32_t w = 0; w < wide; w++)
        *(wide_data *)obj_data(obj_new(h, slots, sizeof(wide_data))) = (wide_data){.index = w};
    for (uint32_t w = 0; w < wide; w++) obj_set(h, root_get(h, first + w), RING_LINK, root_get(h, first + (w + 1) % wide));

    for (uint64_t i = 0; i < a->size; i++) {
        uint32_t target = (uint32_t)rng_below(&r, wide), slot = 1 + (uint32_t)rng_below(&r, slots - 1);
        double kind = uniform(&r);
        if (kind < fresh) {
            if (uniform(&r) < pairs) {
                /* A pair of atoms found elsewhere: a small container whose
                 * slots never lead further, so nothing grows into chains. */
                obj *pair = obj_new(h, 2, sizeof(uint64_t));
                *(uint64_t *)obj_data(pair) = rng_next(&r);
                for (uint32_t k = 0; k < 2; k++) {
                    obj *found = obj_get(root_get(h, first + rng_below(&r, wide)), (uint32_t)rng_below(&r, slots));
                    if (found && found->nrefs == 0) obj_set(h, pair, k, found);
                }
            } else {
                uint32_t bytes = 8 * (1 + (uint32_t)rng_below(&r, 4)); /* 8..32 */
                *(uint64_t *)obj_data(obj_new(h, 0, bytes)) = rng_next(&r);
            }
            obj_set_pop(h, root_get(h, first + target), slot);
        } else if (kind < fresh + link) {
            obj_set(h, root_get(h, first + target), slot, root_get(h, first + rng_below(&r, wide)));
        } else {
            obj *source = root_get(h, first + rng_below(&r, wide));
            obj_set(h, root_get(h, first + target), slot, obj_get(source, (uint32_t)rng_below(&r, slots)));
        }
        ((wide_data *)obj_data(root_get(h, first + target)))->stores++;
    }

    uint64_t sum = 0;
    for (uint32_t w = 0; w < wide; w++) {
        obj *o = root_get(h, first + w);
        sum = checksum_mix(sum, ((wide_data *)obj_data(o))->stores);
        for (uint32_t s = 0; s < slots; s++) sum = checksum_mix(sum, slot_checksum(obj_get(o, s)));
    }
    root_pop(h, wide);
    return sum;
}

static const char *check(const workload_args *a) {
    return a->params[FRESH_FRACTION] + a->params[LINK_FRACTION] > 1 ? "fresh-fraction + link-fraction must not exceed 1"
                                                                     : NULL;
}

const workload workload_wide = {
    .name = "wide",
    .summary = "a few objects with a million slots each, overwritten at random",
    .description = "Models a few huge containers (a big list, a dict's table) whose slots are\n"
                   "overwritten at random with fresh atoms, small containers of atoms, what\n"
                   "another slot holds, or one of the wide objects (they also form a ring through\n"
                   "their first slots, so they are always a cycle). Stresses per-object scanning\n"
                   "(a trace or a cycle search must walk every slot of a wide object) and\n"
                   "refcount traffic (each store touches the old and the new value).",
    .size_help = "slot stores",
    .default_size = 4000000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .cyclic = true,
    .small_args = "--size=300 --wide-objects=3 --slots=40",
    .check = check,
    .run = run,
};
