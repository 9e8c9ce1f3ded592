/*
 * trees: the shape of Boehm's GCBench. A long-lived binary tree stays alive
 * throughout while many short-lived trees of increasing depth are built,
 * half top-down (a parent exists before its children, so old objects point
 * at young ones) and half bottom-up (children first), and dropped.
 */
#include "checksum.h"
#include "workload.h"

enum { LONG_LIVED_DEPTH, MIN_DEPTH, MAX_DEPTH };
enum { LEFT, RIGHT };

static const knob params[] = {
    [LONG_LIVED_DEPTH] = {"long-lived-depth", "depth of the tree kept alive throughout", 14, 0, 24, true},
    [MIN_DEPTH] = {"min-depth", "depth of the smallest short-lived trees", 4, 0, 24, true},
    [MAX_DEPTH] = {"max-depth", "depth of the largest short-lived trees", 14, 0, 24, true},
    {NULL},
};

typedef struct node_data {
    uint64_t serial; /* creation order, so the checksum sees the shape */
    uint64_t depth;
} node_data;

static obj *new_node(heap *h, uint64_t *serial, uint64_t depth) {
    obj *n = obj_new(h, 2, sizeof(node_data));
    *(node_data *)obj_data(n) = (node_data){(*serial)++, depth};
    return n;
}

/* Top-down: the root stack above `top` holds the nodes still to populate,
 * each with its remaining depth in `depths`. Leaves the tree's root pushed. */
static void build_top_down(heap *h, uint64_t depth, uint64_t *serial, uint8_t *depths) {
    new_node(h, serial, depth);
    root tree = root_depth(h) - 1;
    root_push(h, root_get(h, tree));
    size_t pending = 1;
    depths[0] = (uint8_t)depth;
    while (pending) {
        root parent = root_depth(h) - 1;
        uint8_t d = depths[--pending];
        if (d == 0) {
            root_pop(h, 1);
            continue;
        }
        obj *left = new_node(h, serial, d - 1u);
        obj_set(h, root_get(h, parent), LEFT, left);
        obj *right = new_node(h, serial, d - 1u);
        obj_set(h, root_get(h, parent), RIGHT, right);
        /* Replace the parent with its two children, right on top. */
        root_set(h, parent, root_get(h, parent + 1));
        root_set(h, parent + 1, root_get(h, parent + 2));
        root_pop(h, 1);
        depths[pending++] = (uint8_t)(d - 1);
        depths[pending++] = (uint8_t)(d - 1);
    }
}

/* Bottom-up: like a binary counter, two finished subtrees of equal height on
 * top of the root stack become the children of a new node. */
static void build_bottom_up(heap *h, uint64_t depth, uint64_t *serial, uint8_t *heights) {
    size_t stacked = 0;
    for (;;) {
        new_node(h, serial, 0);
        heights[stacked++] = 0;
        while (stacked >= 2 && heights[stacked - 1] == heights[stacked - 2]) {
            root right = root_depth(h) - 1, left = right - 1;
            obj *parent = new_node(h, serial, heights[stacked - 1] + 1u);
            obj_set(h, parent, LEFT, root_get(h, left));
            obj_set(h, parent, RIGHT, root_get(h, right));
            root_set(h, left, parent);
            root_pop(h, 2);
            heights[stacked - 2]++;
            stacked--;
        }
        if (stacked == 1 && heights[0] == depth) return;
    }
}

/* Sums the tree with an explicit stack (raw pointers are fine: no allocation). */
static uint64_t tree_checksum(obj *tree, obj **stack) {
    uint64_t sum = 0, nodes = 0;
    size_t depth = 0;
    stack[depth++] = tree;
    while (depth) {
        obj *n = stack[--depth];
        node_data *d = obj_data(n);
        sum += d->serial * (d->depth + 1);
        nodes++;
        for (uint32_t i = 0; i < 2; i++)
            if (obj_get(n, i)) stack[depth++] = obj_get(n, i);
    }
    return checksum_mix(sum, nodes);
}

/* The leftmost path: cheap evidence that a short-lived tree was whole. */
static uint64_t spine_checksum(obj *tree) {
    uint64_t sum = 0;
    for (obj *n = tree; n; n = obj_get(n, LEFT)) sum = checksum_mix(sum, ((node_data *)obj_data(n))->serial);
    return sum;
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t long_lived = (uint64_t)a->params[LONG_LIVED_DEPTH];
    uint64_t min_depth = (uint64_t)a->params[MIN_DEPTH], max_depth = (uint64_t)a->params[MAX_DEPTH];
    uint64_t serial = a->seed, sum = 0;
    uint8_t work[64];
    obj *stack[64];

    build_bottom_up(h, long_lived, &serial, work);
    root kept = root_depth(h) - 1;
    for (uint64_t round = 0; round < a->size; round++) {
        for (uint64_t d = min_depth; d <= max_depth; d += 2) {
            /* As GCBench: enough trees of each depth to allocate as many
             * nodes as two trees of the largest depth. */
            uint64_t iterations = ((UINT64_C(2) << max_depth) - 1) * 2 / ((UINT64_C(2) << d) - 1);
            for (uint64_t i = 0; i < iterations; i++) {
                build_top_down(h, d, &serial, work);
                sum = checksum_mix(sum, spine_checksum(root_get(h, root_depth(h) - 1)));
                root_pop(h, 1);
                build_bottom_up(h, d, &serial, work);
                sum = checksum_mix(sum, spine_checksum(root_get(h, root_depth(h) - 1)));
                root_pop(h, 1);
            }
        }
    }
    sum = checksum_mix(sum, tree_checksum(root_get(h, kept), stack));
    root_pop(h, 1);
    return sum;
}

static const char *check(const workload_args *a) {
    return a->params[MIN_DEPTH] > a->params[MAX_DEPTH] ? "min-depth must not exceed max-depth" : NULL;
}

const workload workload_trees = {
    .name = "trees",
    .summary = "GCBench's shape: a long-lived tree, many short-lived trees of growing depth",
    .description = "Boehm's GCBench shape: a long-lived binary tree, then for each depth from\n"
                   "min-depth to max-depth (step 2) enough top-down and bottom-up trees to\n"
                   "allocate as many nodes as two trees of max-depth. Stresses allocation of\n"
                   "uniform small containers and young-to-old pointer patterns.",
    .size_help = "rounds over the depth ladder",
    .default_size = 1,
    .max_size = 1000000,
    .params = params,
    .small_args = "--long-lived-depth=5 --min-depth=2 --max-depth=5",
    .check = check,
    .run = run,
};
