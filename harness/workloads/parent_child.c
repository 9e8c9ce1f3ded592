/*
 * parent-child: a tree as Python programs build it, every node holding a
 * list of its children (`node.children = [...]`) and every child a reference
 * back to its parent (`child.parent = node`). Subtrees are replaced at
 * random; a dropped subtree is garbage full of cycles (node -> list -> child
 * -> node) that still points into the live tree through its root's parent.
 *
 * A leaf's children are an empty tuple (`node.children = ()`), not an empty
 * list: an object with no slots, which CPython never tracks (the empty
 * tuple is a shared constant), so rcgen and the real runtime count the same
 * containers. A program that gave every leaf its own `[]` would have one
 * tracked container more per leaf, in every generation's count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { FANOUT, DEPTH };
enum { PARENT, CHILDREN };

/* Live nodes at most (each has a list beside it). */
#define MAX_TREE_NODES (UINT64_C(1) << 24)

static const knob params[] = {
    [FANOUT] = {"fanout", "children per inner node", 4, 1, 16, true},
    [DEPTH] = {"depth", "levels below the root of the live tree", 7, 1, 24, true},
    {NULL},
};

/* Nodes in a complete tree, or MAX_TREE_NODES + 1 when past the limit. */
static uint64_t tree_nodes(uint64_t fanout, uint64_t depth) {
    uint64_t nodes = 0, level = 1;
    for (uint64_t d = 0; d <= depth; d++) {
        nodes += level;
        if (nodes > MAX_TREE_NODES) return MAX_TREE_NODES + 1;
        level *= fanout;
    }
    return nodes;
}

static void *work_array(size_t count, size_t size) {
    void *p = calloc(count, size);
    if (!p) {
        fprintf(stderr, "heaplab: parent-child: out of memory for its work stack\n");
        abort();
    }
    return p;
}

/* Builds a complete subtree of `height` levels below its root, whose parent
 * is in root slot `parent` (it may hold NULL), and leaves the subtree's root
 * on the root stack. Top-down: the nodes still to expand wait on the root
 * stack with their heights in `heights`. */
static void build_subtree(heap *h, root parent, uint32_t fanout, uint64_t height, rng *r, uint8_t *heights) {
    obj *top = obj_new(h, 2, sizeof(uint64_t));
    *(uint64_t *)obj_data(top) = rng_next(r);
    obj_set(h, top, PARENT, root_get(h, parent));
    root_push(h, top);
    size_t pending = 0;
    heights[pending++] = (uint8_t)height;
    while (pending) {
        root node = root_depth(h) - 1;
        uint8_t below = heights[--pending];
        uint32_t children = below ? fanout : 0;
        obj *list = obj_new(h, children, sizeof(uint64_t));
        *(uint64_t *)obj_data(list) = children;
        obj_set(h, root_get(h, node), CHILDREN, list);
        for (uint32_t i = 0; i < children; i++) {
            obj *child = obj_new(h, 2, sizeof(uint64_t));
            *(uint64_t *)obj_data(child) = rng_next(r);
            obj_set(h, child, PARENT, root_get(h, node));
            obj_set(h, root_get(h, node + 1), i, child);
            heights[pending++] = (uint8_t)(below - 1);
        }
        /* [node, list, children...] becomes [children...]. */
        for (uint32_t i = 0; i < children; i++) root_set(h, node + i, root_get(h, node + 2 + i));
        root_pop(h, 2);
    }
}

static uint64_t value_of(obj *node) { return *(uint64_t *)obj_data(node); }

/* Up through the parents to the root, and down the first children to a leaf. */
static uint64_t path_checksum(obj *node) {
    uint64_t sum = 0;
    for (obj *n = node; n; n = obj_get(n, PARENT)) sum = checksum_mix(sum, value_of(n));
    for (obj *n = node; n; n = obj_get(n, CHILDREN)->nrefs ? obj_get(obj_get(n, CHILDREN), 0) : NULL)
        sum = checksum_mix(sum, value_of(n));
    return sum;
}

/* Every node, with an explicit stack; counts children whose parent is wrong. */
static uint64_t tree_checksum(obj *tree, obj **stack) {
    uint64_t sum = 0, nodes = 0, misplaced = 0;
    size_t depth = 0;
    stack[depth++] = tree;
    while (depth) {
        obj *n = stack[--depth];
        obj *list = obj_get(n, CHILDREN);
        sum = checksum_mix(sum, value_of(n) ^ *(uint64_t *)obj_data(list));
        nodes++;
        for (uint32_t i = 0; i < list->nrefs; i++) {
            obj *child = obj_get(list, i);
            misplaced += obj_get(child, PARENT) != n;
            stack[depth++] = child;
        }
    }
    return checksum_mix(checksum_mix(sum, nodes), misplaced);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t fanout = (uint32_t)a->params[FANOUT];
    uint64_t depth = (uint64_t)a->params[DEPTH], nodes = tree_nodes(fanout, depth);
    rng r = rng_seeded(a->seed);
    /* Pending nodes never exceed one per level per sibling. */
    size_t stack_size = (size_t)depth * fanout + 2;
    uint8_t *heights = work_array(stack_size, sizeof *heights);
    obj **stack = work_array(stack_size, sizeof *stack);
    uint32_t *path = work_array(depth, sizeof *path);

    root parent = root_push(h, NULL);
    build_subtree(h, parent, fanout, depth, &r, heights);
    root tree = root_depth(h) - 1;

    uint64_t sum = 0;
    for (uint64_t step = 0; step < a->size; step++) {
        /* A node other than the root, uniformly: numbered breadth-first, its
         * path is the digits of its number in base fanout. */
        uint64_t k = 1 + rng_below(&r, nodes - 1);
        uint64_t level = 0;
        for (; k; k = (k - 1) / fanout) path[level++] = (uint32_t)((k - 1) % fanout);
        obj *p = root_get(h, tree);
        for (uint64_t l = level - 1; l > 0; l--) p = obj_get(obj_get(p, CHILDREN), path[l]);
        root_set(h, parent, p);
        build_subtree(h, parent, fanout, depth - level, &r, heights);
        obj *fresh = root_get(h, root_depth(h) - 1);
        obj_set(h, obj_get(root_get(h, parent), CHILDREN), path[0], fresh);
        sum = checksum_mix(sum, path_checksum(fresh));
        root_pop(h, 1);
    }
    sum = checksum_mix(sum, tree_checksum(root_get(h, tree), stack));
    root_pop(h, 2);
    free(path);
    free(stack);
    free(heights);
    return sum;
}

static const char *check(const workload_args *a) {
    if (tree_nodes((uint64_t)a->params[FANOUT], (uint64_t)a->params[DEPTH]) > MAX_TREE_NODES)
        return "fanout^depth too large: the live tree may hold at most 16777216 nodes";
    return NULL;
}

const workload workload_parent_child = {
    .name = "parent-child",
    .summary = "trees whose children point back at their parents; subtrees replaced at random",
    .description = "Models Python's parent/child trees: each node holds a list object of its\n"
                   "children (a leaf an empty tuple, which CPython does not track) and each child\n"
                   "refers back to its parent, so every inner node sits in cycles. A complete tree\n"
                   "of `fanout` and `depth` stays live; each step picks a node uniformly (not the\n"
                   "root) and replaces its subtree with a fresh one of the same height (about\n"
                   "`depth` nodes, each with its list, per step on average). Replaced subtrees are\n"
                   "cyclic garbage that points into the live tree, which pure reference counting\n"
                   "leaks. Stresses cycle detection over garbage mixed with a large live\n"
                   "structure, and old-to-young stores.",
    .size_help = "subtrees replaced",
    .default_size = 130000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=40 --fanout=3 --depth=3",
    .cyclic = true,
    .check = check,
    .run = run,
};
