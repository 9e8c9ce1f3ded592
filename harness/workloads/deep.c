/*
 * deep: one very long chain, then lists nested as deep (Python's
 * `l = [l]` in a loop), each built, walked and dropped. Nothing here may be
 * handled by recursion: freeing, marking or verifying either structure
 * recursively overflows the C stack long before the end.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { LENGTH };
enum { NEXT };

static const knob params[] = {
    [LENGTH] = {"length", "objects in the chain, and depth of the nested lists", 1000000, 1, 10000000, true},
    {NULL},
};

/* Appends at the tail, so every node points at a younger one; leaves the
 * head pushed on the root stack. */
static void build_chain(heap *h, uint64_t length, rng *r) {
    obj *first = obj_new(h, 1, sizeof(uint64_t));
    *(uint64_t *)obj_data(first) = rng_next(r);
    root tail = root_push(h, first);
    for (uint64_t i = 1; i < length; i++) {
        obj *node = obj_new(h, 1, sizeof(uint64_t));
        *(uint64_t *)obj_data(node) = rng_next(r);
        obj_set(h, root_get(h, tail), NEXT, node);
        root_set(h, tail, node);
        root_pop(h, 1);
    }
    root_pop(h, 1);
}

static uint64_t walk_chain(obj *o, uint64_t length) {
    uint64_t sum = 0, steps = 0;
    for (; o; o = obj_get(o, NEXT)) sum += *(uint64_t *)obj_data(o) * ++steps;
    return checksum_mix(sum, steps == length);
}

/* Wraps an atom in `depth` one-slot lists, each new list holding the
 * previous (so every list points at an older one); leaves the outermost
 * pushed on the root stack. */
static void build_nested(heap *h, uint64_t depth, rng *r) {
    obj *atom = obj_new(h, 0, sizeof(uint64_t));
    *(uint64_t *)obj_data(atom) = rng_next(r);
    root inner = root_depth(h) - 1;
    for (uint64_t i = 0; i < depth; i++) {
        obj *list = obj_new(h, 1, 0);
        obj_set(h, list, 0, root_get(h, inner));
        root_set(h, inner, list);
        root_pop(h, 1);
    }
}

static uint64_t walk_nested(obj *o, uint64_t depth) {
    uint64_t levels = 0;
    for (; o->nrefs; o = obj_get(o, 0)) levels++;
    return checksum_mix(*(uint64_t *)obj_data(o), levels == depth);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t length = (uint64_t)a->params[LENGTH];
    rng r = rng_seeded(a->seed);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < a->size; i++) {
        build_chain(h, length, &r);
        sum = checksum_mix(sum, walk_chain(root_get(h, root_depth(h) - 1), length));
        root_pop(h, 1);
        build_nested(h, length, &r);
        sum = checksum_mix(sum, walk_nested(root_get(h, root_depth(h) - 1), length));
        root_pop(h, 1);
    }
    return sum;
}

const workload workload_deep = {
    .name = "deep",
    .summary = "a chain of a million objects and lists nested as deep, built and dropped",
    .description = "Models the deepest structures a program builds: a linked list appended at its\n"
                   "tail, and lists nested inside lists (`l = [l]` in a loop). Each is built,\n"
                   "walked and dropped whole. Stresses every traversal a memory manager does:\n"
                   "a freeing cascade, a mark, a verify that recursed would overflow the C stack.",
    .size_help = "chains (each followed by a nest of lists) built",
    .default_size = 1,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=3 --length=60",
    .run = run,
};
