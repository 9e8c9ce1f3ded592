/*
 * gcbench: Boehm's GCBench, with its classic parameters by default. A stretch
 * tree is built and dropped; a long-lived tree and a long-lived array of
 * doubles stay alive throughout; then for each depth from min-depth to
 * max-depth (step 2) NumIters(d) trees are built top-down (Populate: a parent
 * exists before its children) and as many bottom-up (MakeTree: children
 * first), each dropped at once.
 */
#include <string.h>

#include "checksum.h"
#include "workload.h"

enum { STRETCH_DEPTH, LONG_LIVED_DEPTH, MIN_DEPTH, MAX_DEPTH, ARRAY_SIZE };
enum { LEFT, RIGHT };

/* The array is one atom: its doubles must fit in an object. */
#define MAX_ARRAY_SIZE 30000000
_Static_assert(MAX_ARRAY_SIZE * sizeof(double) <= OBJ_MAX_BYTES, "the array must fit in one object");
/* Depths stay well within the fixed work stacks below. */
#define MAX_TREE_DEPTH 24

static const knob params[] = {
    [STRETCH_DEPTH] = {"stretch-depth", "depth of the tree built and dropped first; sets NumIters", 18, 0, MAX_TREE_DEPTH, true},
    [LONG_LIVED_DEPTH] = {"long-lived-depth", "depth of the tree kept alive throughout", 16, 0, MAX_TREE_DEPTH, true},
    [MIN_DEPTH] = {"min-depth", "depth of the smallest short-lived trees", 4, 0, MAX_TREE_DEPTH, true},
    [MAX_DEPTH] = {"max-depth", "depth of the largest short-lived trees", 16, 0, MAX_TREE_DEPTH, true},
    [ARRAY_SIZE] = {"array-size", "doubles in the long-lived array (one atom)", 500000, 0, (double)MAX_ARRAY_SIZE, true},
    {NULL},
};

/* GCBench's Node carries two ints beside its two links. */
typedef struct node_data {
    uint32_t i, j;
} node_data;

static uint64_t tree_size(uint64_t depth) { return (UINT64_C(2) << depth) - 1; }

/* A fresh node numbered from the serial counter; left on the root stack. */
static obj *new_node(heap *h, uint32_t *serial) {
    obj *n = obj_new(h, 2, sizeof(node_data));
    *(node_data *)obj_data(n) = (node_data){.i = (*serial)++};
    return n;
}

/* Populate: gives the node on top of the root stack two children, then their
 * children, to `depth` more levels, in the recursive original's order (left
 * subtree finished before the right one starts). The nodes still to populate
 * sit on the root stack, their remaining depths in `depths`; the populated
 * node stays on top when done. */
static void populate(heap *h, uint64_t depth, uint32_t *serial, uint8_t *depths) {
    root_push(h, root_get(h, root_depth(h) - 1));
    size_t pending = 0;
    depths[pending++] = (uint8_t)depth;
    while (pending) {
        root parent = root_depth(h) - 1;
        uint8_t d = depths[--pending];
        if (d == 0) {
            root_pop(h, 1);
            continue;
        }
        obj *left = new_node(h, serial);
        obj_set(h, root_get(h, parent), LEFT, left);
        obj *right = new_node(h, serial);
        obj_set(h, root_get(h, parent), RIGHT, right);
        /* [parent, left, right] becomes [right, left]: left is next. */
        root_set(h, parent, root_get(h, parent + 2));
        root_pop(h, 1);
        depths[pending++] = (uint8_t)(d - 1);
        depths[pending++] = (uint8_t)(d - 1);
    }
}

/* MakeTree: children before parents, in post-order. Finished subtrees wait on
 * the root stack with their heights in `heights`; two of equal height become
 * the children of a new node. Leaves the tree's root on the root stack. */
static void make_tree(heap *h, uint64_t depth, uint32_t *serial, uint8_t *heights) {
    size_t subtrees = 0;
    for (;;) {
        new_node(h, serial);
        heights[subtrees++] = 0;
        while (subtrees >= 2 && heights[subtrees - 1] == heights[subtrees - 2]) {
            obj *parent = new_node(h, serial);
            root top = root_depth(h) - 1;
            obj_set(h, parent, LEFT, root_get(h, top - 2));
            obj_set(h, parent, RIGHT, root_get(h, top - 1));
            root_set(h, top - 2, parent);
            root_pop(h, 2);
            subtrees--;
            heights[subtrees - 1]++;
        }
        if (subtrees == 1 && heights[0] == depth) return;
    }
}

/* Both outer spines: cheap evidence that a tree was built whole. */
static uint64_t spines_checksum(obj *tree) {
    uint64_t sum = 0;
    for (int side = LEFT; side <= RIGHT; side++)
        for (obj *n = tree; n; n = obj_get(n, (uint32_t)side))
            sum = checksum_mix(sum, ((node_data *)obj_data(n))->i);
    return sum;
}

/* Every node, with an explicit stack (no allocation, so raw pointers hold). */
static uint64_t tree_checksum(obj *tree, obj **stack) {
    uint64_t sum = 0, nodes = 0;
    size_t depth = 0;
    stack[depth++] = tree;
    while (depth) {
        obj *n = stack[--depth];
        sum = checksum_mix(sum, ((node_data *)obj_data(n))->i);
        nodes++;
        for (uint32_t k = LEFT; k <= RIGHT; k++)
            if (obj_get(n, k)) stack[depth++] = obj_get(n, k);
    }
    return checksum_mix(sum, nodes);
}

static uint64_t array_checksum(obj *array) {
    const double *values = obj_data(array);
    size_t count = array->nbytes / sizeof(double);
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t bits;
        memcpy(&bits, &values[i], sizeof bits);
        sum = checksum_mix(sum, bits);
    }
    return sum;
}

/* One pass over the depth ladder: GCBench's TimeConstruction for each depth. */
static uint64_t depth_ladder(heap *h, const workload_args *a, uint32_t *serial, uint8_t *work) {
    uint64_t stretch = (uint64_t)a->params[STRETCH_DEPTH], sum = 0;
    for (uint64_t d = (uint64_t)a->params[MIN_DEPTH]; d <= (uint64_t)a->params[MAX_DEPTH]; d += 2) {
        uint64_t iterations = 2 * tree_size(stretch) / tree_size(d);
        for (uint64_t i = 0; i < iterations; i++) {
            new_node(h, serial);
            populate(h, d, serial, work);
            sum = checksum_mix(sum, spines_checksum(root_get(h, root_depth(h) - 1)));
            root_pop(h, 1);
        }
        for (uint64_t i = 0; i < iterations; i++) {
            make_tree(h, d, serial, work);
            sum = checksum_mix(sum, spines_checksum(root_get(h, root_depth(h) - 1)));
            root_pop(h, 1);
        }
    }
    return sum;
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t array_size = (uint64_t)a->params[ARRAY_SIZE];
    uint32_t serial = (uint32_t)a->seed ^ (uint32_t)(a->seed >> 32);
    uint8_t work[MAX_TREE_DEPTH + 2];
    obj *stack[MAX_TREE_DEPTH + 2];

    /* Stretch the heap: a big tree, dropped at once. */
    make_tree(h, (uint64_t)a->params[STRETCH_DEPTH], &serial, work);
    uint64_t sum = spines_checksum(root_get(h, root_depth(h) - 1));
    root_pop(h, 1);

    new_node(h, &serial);
    populate(h, (uint64_t)a->params[LONG_LIVED_DEPTH], &serial, work);
    root long_lived_tree = root_depth(h) - 1;
    /* As the original: half the array filled with 1/i (so [0] is infinite),
     * the rest the zeros a Java array starts with. */
    double *values = obj_data(obj_new(h, 0, (uint32_t)(array_size * sizeof(double))));
    root long_lived_array = root_depth(h) - 1;
    for (uint64_t i = 0; i < array_size; i++) values[i] = i < array_size / 2 ? 1.0 / (double)i : 0.0;

    for (uint64_t round = 0; round < a->size; round++) sum = checksum_mix(sum, depth_ladder(h, a, &serial, work));

    sum = checksum_mix(sum, tree_checksum(root_get(h, long_lived_tree), stack));
    sum = checksum_mix(sum, array_checksum(root_get(h, long_lived_array)));
    root_pop(h, 2);
    return sum;
}

static const char *check(const workload_args *a) {
    if (a->params[MIN_DEPTH] > a->params[MAX_DEPTH]) return "min-depth must not exceed max-depth";
    if (a->params[MAX_DEPTH] > a->params[STRETCH_DEPTH]) return "max-depth must not exceed stretch-depth";
    return NULL;
}

const workload workload_gcbench = {
    .name = "gcbench",
    .summary = "Boehm's GCBench, classic parameters: stretch tree, long-lived tree and array, tree ladder",
    .description = "Boehm's GCBench as published: a stretch tree of depth 18 built and dropped, a\n"
                   "long-lived tree of depth 16 and a long-lived array of 500,000 doubles (one atom\n"
                   "of 4,000,000 bytes, half filled with 1/i), then for depths 4, 6, ..., 16\n"
                   "NumIters(d) = 2 * TreeSize(18) / TreeSize(d) trees built top-down (Populate)\n"
                   "and as many bottom-up (MakeTree), TreeSize(d) = 2^(d+1) - 1. By default that\n"
                   "is 15,333,862 tree nodes, the classic figure (524,287 stretch + 131,071\n"
                   "long-lived + 14,678,504 short-lived), plus the array; each further round adds\n"
                   "14,678,504. Stresses allocation of small uniform containers, collection with\n"
                   "a fixed live tree, and old-to-young stores (Populate) against young-to-old.",
    .size_help = "rounds over the depth ladder (the stretch and long-lived parts are built once)",
    .default_size = 1,
    .max_size = 1000000,
    .params = params,
    .small_args = "--stretch-depth=6 --long-lived-depth=5 --min-depth=2 --max-depth=6 --array-size=100",
    .check = check,
    .run = run,
};
