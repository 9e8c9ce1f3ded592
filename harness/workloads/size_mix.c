/*
 * size-mix: atoms of many sizes with random lifetimes, the fragmentation
 * workload. A window of slots holds the live objects; each step allocates an
 * object of a size drawn from the chosen distribution and puts it in a
 * random slot, so the one it replaces dies at a random age. Freed holes of
 * one size must serve requests of another.
 */
#include <math.h>

#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { DISTRIBUTION, MIN_BYTES, MAX_BYTES, PARETO_SHAPE, LARGE_SHARE, WINDOW };
enum { UNIFORM, PARETO, BIMODAL };

/* Where the bimodal distribution splits small from large (pymalloc's limit). */
#define SMALL_LIMIT 512

static const knob params[] = {
    [DISTRIBUTION] = {"distribution", "object sizes: 0 uniform, 1 Pareto, 2 bimodal", PARETO, UNIFORM, BIMODAL, true},
    [MIN_BYTES] = {"min-bytes", "smallest data size", 16, 8, 10000000, true},
    [MAX_BYTES] = {"max-bytes", "largest data size", 8192, 8, 10000000, true},
    [PARETO_SHAPE] = {"pareto-shape", "Pareto tail index (smaller: heavier tail)", 1.2, 0.1, 10, false},
    [LARGE_SHARE] = {"large-share", "bimodal: share of objects above 512 bytes", 0.05, 0, 1, false},
    [WINDOW] = {"window", "objects alive at once (slots replaced at random)", 50000, 1, 10000000, true},
    {NULL},
};

static double uniform01(rng *r) { return (double)(rng_next(r) >> 11) * 0x1p-53; }

static uint32_t uniform_between(rng *r, uint32_t low, uint32_t high) {
    return low + (uint32_t)rng_below(r, (uint64_t)high - low + 1);
}

static uint32_t draw_size(const workload_args *a, rng *r) {
    uint32_t low = (uint32_t)a->params[MIN_BYTES], high = (uint32_t)a->params[MAX_BYTES];
    switch ((int)a->params[DISTRIBUTION]) {
    case PARETO: {
        /* Inversion, 1 - u in (0, 1]; the tail past max-bytes is cut off. */
        double size = low * pow(1 - uniform01(r), -1 / a->params[PARETO_SHAPE]);
        return size < high ? (uint32_t)size : high;
    }
    case BIMODAL:
        if (uniform01(r) < a->params[LARGE_SHARE]) return uniform_between(r, SMALL_LIMIT + 1, high);
        return uniform_between(r, low, SMALL_LIMIT);
    default:
        return uniform_between(r, low, high);
    }
}

/* The first and last words of an object's data, written when it is made. */
static void stamp(obj *atom, uint64_t value) {
    unsigned char *data = obj_data(atom);
    /* The last first: in an object under 16 bytes they are one word. */
    *(uint64_t *)(data + ((atom->nbytes - 8) & ~(uint32_t)7)) = ~value;
    *(uint64_t *)data = value;
}

static uint64_t read_stamp(obj *atom) {
    unsigned char *data = obj_data(atom);
    return checksum_mix(*(uint64_t *)data, *(uint64_t *)(data + ((atom->nbytes - 8) & ~(uint32_t)7)));
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t window = (uint32_t)a->params[WINDOW];
    rng r = rng_seeded(a->seed);
    obj_new(h, window, 0);
    root slots = root_depth(h) - 1;

    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        uint32_t bytes = draw_size(a, &r);
        obj *atom = obj_new(h, 0, bytes);
        stamp(atom, rng_next(&r));
        obj *table = root_get(h, slots);
        uint32_t slot = (uint32_t)rng_below(&r, window);
        obj *dying = obj_get(table, slot);
        sum = checksum_mix(sum, dying ? read_stamp(dying) : bytes);
        obj_set(h, table, slot, atom);
        root_pop(h, 1);
    }
    obj *table = root_get(h, slots);
    for (uint32_t i = 0; i < window; i++) {
        obj *atom = obj_get(table, i);
        sum = checksum_mix(sum, atom ? read_stamp(atom) : 0);
    }
    root_pop(h, 1);
    return sum;
}

static const char *check(const workload_args *a) {
    if (a->params[MIN_BYTES] > a->params[MAX_BYTES]) return "min-bytes must not exceed max-bytes";
    if ((int)a->params[DISTRIBUTION] == BIMODAL && (a->params[MIN_BYTES] > SMALL_LIMIT || a->params[MAX_BYTES] <= SMALL_LIMIT))
        return "bimodal sizes need min-bytes <= 512 < max-bytes";
    return NULL;
}

const workload workload_size_mix = {
    .name = "size-mix",
    .summary = "atoms of mixed sizes (uniform, Pareto or bimodal) with random lifetimes: fragmentation",
    .description = "Models a program whose objects vary widely in size and live for unpredictable\n"
                   "times: `window` atoms stay alive, and each step allocates one of a size drawn\n"
                   "from min-bytes..max-bytes (uniformly, Pareto with the given tail index cut off\n"
                   "at max-bytes, or bimodal: `large-share` of objects above 512 bytes, the rest\n"
                   "at most 512) into a random slot, killing the object there. Stresses the\n"
                   "allocator: size classes, reuse of freed holes, fragmentation and footprint\n"
                   "against live bytes. Only the first and last words of each object are written:\n"
                   "its size is the point.",
    .size_help = "objects allocated",
    .default_size = 3000000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=300 --window=40 --max-bytes=2048",
    .check = check,
    .run = run,
};
