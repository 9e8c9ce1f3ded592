/*
 * cycles: the shape CPython's cycle collector is tuned and judged on. Units
 * of `cycle-size` chained objects, the first carrying a payload atom of
 * `extra-bytes`; a `cyclic-fraction` of the units is closed into a cycle, the
 * rest can be freed by counting alone. About `live-objects` objects, as whole
 * units, stay alive in a holder that is cleared when full, so garbage comes
 * in waves of units of every age.
 */
#include <string.h>

#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { CYCLE_SIZE, EXTRA_BYTES, LIVE_OBJECTS, CYCLIC_FRACTION };
enum { NEXT, PAYLOAD };

static const knob params[] = {
    [CYCLE_SIZE] = {"cycle-size", "objects chained in each unit", 4, 1, 10000000, true},
    [EXTRA_BYTES] = {"extra-bytes", "bytes of the payload atom on each unit's first object (0: none)", 64, 0, 1000000,
                     true},
    [LIVE_OBJECTS] = {"live-objects", "objects held alive, as whole units, until the holder is cleared", 10000, 1,
                      10000000, true},
    [CYCLIC_FRACTION] = {"cyclic-fraction", "units closed into a cycle, spread evenly (0: none, nothing leaks)", 0.5, 0, 1, false},
    {NULL},
};

/* Builds one unit on top of the root stack and leaves its first object
 * there. */
static void build_unit(heap *h, uint64_t objects, uint32_t extra_bytes, bool closed, rng *r) {
    obj *first = obj_new(h, extra_bytes ? 2 : 1, sizeof(uint64_t));
    root head = root_depth(h) - 1;
    *(uint64_t *)obj_data(first) = rng_next(r);
    if (extra_bytes) {
        /* Only the start of the payload is written: its size is the point. */
        obj *payload = obj_new(h, 0, extra_bytes);
        uint64_t value = rng_next(r);
        memcpy(obj_data(payload), &value, extra_bytes < sizeof value ? extra_bytes : sizeof value);
        obj_set_pop(h, root_get(h, head), PAYLOAD);
    }
    root tail = root_push(h, root_get(h, head));
    for (uint64_t i = 1; i < objects; i++) {
        obj *node = obj_new(h, 1, sizeof(uint64_t));
        *(uint64_t *)obj_data(node) = rng_next(r);
        obj_set(h, root_get(h, tail), NEXT, node);
        root_set(h, tail, node);
        root_pop(h, 1);
    }
    if (closed) obj_set(h, root_get(h, tail), NEXT, root_get(h, head));
    root_pop(h, 1);
}

/* Walks the unit once: it must end where it should, back at the first
 * object if closed, else at NULL. */
static uint64_t walk_unit(obj *first, uint64_t objects, uint32_t extra_bytes) {
    uint64_t sum = 0, payload = 0;
    obj *o = first;
    for (uint64_t i = 0; i < objects; i++) {
        sum += *(uint64_t *)obj_data(o) * (i + 1);
        o = obj_get(o, NEXT);
    }
    if (extra_bytes)
        memcpy(&payload, obj_data(obj_get(first, PAYLOAD)), extra_bytes < sizeof payload ? extra_bytes : sizeof payload);
    return checksum_mix(checksum_mix(sum, payload), o == first ? 2 : o == NULL);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t cycle_size = (uint64_t)a->params[CYCLE_SIZE], live = (uint64_t)a->params[LIVE_OBJECTS];
    uint32_t extra_bytes = (uint32_t)a->params[EXTRA_BYTES];
    double fraction = a->params[CYCLIC_FRACTION];
    uint64_t units = (a->size + cycle_size - 1) / cycle_size;
    uint32_t capacity = (uint32_t)((live + cycle_size - 1) / cycle_size);
    rng r = rng_seeded(a->seed);

    obj_new(h, capacity, 0);
    root holder = root_depth(h) - 1;
    uint32_t held = 0;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < units; i++) {
        if (held == capacity) {
            for (uint32_t k = 0; k < capacity; k++) obj_set(h, root_get(h, holder), k, NULL);
            held = 0;
        }
        /* Unit i is closed when the running count of closed units steps up:
         * the exact fraction, evenly spread, the same on every variant. */
        bool closed = (uint64_t)((double)(i + 1) * fraction) > (uint64_t)((double)i * fraction);
        build_unit(h, cycle_size, extra_bytes, closed, &r);
        sum = checksum_mix(sum, walk_unit(root_get(h, root_depth(h) - 1), cycle_size, extra_bytes));
        obj_set_pop(h, root_get(h, holder), held++);
    }
    /* What is still held is still whole. */
    for (uint32_t k = 0; k < held; k++)
        sum = checksum_mix(sum, walk_unit(obj_get(root_get(h, holder), k), cycle_size, extra_bytes));
    root_pop(h, 1);
    return sum;
}

const workload workload_cycles = {
    .name = "cycles",
    .summary = "units of chained objects, some closed into cycles, held in waves: CPython's GC stress",
    .description = "The shape CPython's cycle collector is judged on: units of cycle-size chained\n"
                   "objects, the first with a payload atom of extra-bytes, a cyclic-fraction of\n"
                   "them closed into cycles (the rest freeable by counting alone), about\n"
                   "live-objects held in a holder that is cleared when full. Sweep the grid\n"
                   "cycle-size x extra-bytes x live-objects x cyclic-fraction to see what a cycle\n"
                   "collector costs against the garbage it finds and the live data it rescans.",
    .size_help = "objects built in units (rounded up to whole units; payload atoms not counted)",
    .default_size = 3000000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .cyclic = true,
    .small_args = "--size=240 --cycle-size=3 --extra-bytes=5 --live-objects=30",
    .run = run,
};
