/*
 * GCBench outside heaplab, as a yardstick for `heaplab run VARIANT gcbench`:
 * the same shape (a stretch tree of depth 18, a long-lived tree of depth 16
 * and array of 500,000 doubles, then NumIters(d) top-down and bottom-up trees
 * for depths 4, 6, ..., 16) in plain C, either under the Boehm-Demers-Weiser
 * collector or with malloc and every tree freed by hand. Each tree's outer
 * spines are read back, as heaplab's workload does.
 *
 *   cc -std=c11 -O2 -o build/bin/gcbench-boehm bench/gcbench_boehm.c -lgc
 *   build/bin/gcbench-boehm boehm|malloc
 *
 * Needs Debian's libgc-dev. Prints the mode, the wall time of the whole run
 * in ns, the tree nodes allocated (15,333,862) and a checksum.
 */
#include <gc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smoke.h"

/* Smaller in smoke mode (smoke.h). */
static int stretch_depth = 18, long_lived_depth = 16, max_depth = 16, array_size = 500000;
enum { MIN_DEPTH = 4 };

typedef struct node {
    struct node *left, *right;
    int i, j;
} node;

static int use_gc;
static uint64_t nodes_allocated;
static uint32_t serial;

static node *new_node(node *left, node *right) {
    node *n = use_gc ? GC_MALLOC(sizeof *n) : malloc(sizeof *n);
    if (!n) {
        fprintf(stderr, "gcbench: out of memory\n");
        exit(1);
    }
    *n = (node){left, right, (int)serial++, 0};
    nodes_allocated++;
    return n;
}

/* Without a collector, every tree is freed by hand (depth <= 18 here, so
 * recursion is safe). */
static void free_tree(node *n) {
    if (use_gc || !n) return;
    free_tree(n->left);
    free_tree(n->right);
    free(n);
}

static uint64_t tree_size(int depth) { return (UINT64_C(2) << depth) - 1; }

static void populate(int depth, node *n) {
    if (depth <= 0) return;
    n->left = new_node(NULL, NULL);
    n->right = new_node(NULL, NULL);
    populate(depth - 1, n->left);
    populate(depth - 1, n->right);
}

static node *make_tree(int depth) {
    if (depth <= 0) return new_node(NULL, NULL);
    node *left = make_tree(depth - 1);
    return new_node(left, make_tree(depth - 1));
}

static uint64_t mix(uint64_t sum, uint64_t value) {
    sum ^= value + UINT64_C(0x9e3779b97f4a7c15) + (sum << 6) + (sum >> 2);
    return sum * UINT64_C(0xff51afd7ed558ccd);
}

static uint64_t spines(const node *tree) {
    uint64_t sum = 0;
    for (const node *n = tree; n; n = n->left) sum = mix(sum, (uint32_t)n->i);
    for (const node *n = tree; n; n = n->right) sum = mix(sum, (uint32_t)n->i);
    return sum;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "boehm") && strcmp(argv[1], "malloc"))) {
        fprintf(stderr, "usage: %s boehm|malloc\n", argv[0]);
        return 2;
    }
    use_gc = strcmp(argv[1], "boehm") == 0;
    if (smoke_mode()) stretch_depth = 10, long_lived_depth = 8, max_depth = 8, array_size = 5000;
    if (use_gc) GC_INIT();
    uint64_t started = now_ns(), sum = 0;

    node *stretch = make_tree(stretch_depth);
    sum = mix(sum, spines(stretch));
    free_tree(stretch);

    node *long_lived = new_node(NULL, NULL);
    populate(long_lived_depth, long_lived);
    double *array = use_gc ? GC_MALLOC_ATOMIC(array_size * sizeof *array) : calloc(array_size, sizeof *array);
    if (!array) return 1;
    for (int i = 0; i < array_size / 2; i++) array[i] = 1.0 / i;

    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        uint64_t iterations = 2 * tree_size(stretch_depth) / tree_size(d);
        for (uint64_t i = 0; i < iterations; i++) {
            node *tree = new_node(NULL, NULL);
            populate(d, tree);
            sum = mix(sum, spines(tree));
            free_tree(tree);
        }
        for (uint64_t i = 0; i < iterations; i++) {
            node *tree = make_tree(d);
            sum = mix(sum, spines(tree));
            free_tree(tree);
        }
    }
    if (array[1000] != 1.0 / 1000) fprintf(stderr, "gcbench: the long-lived array was damaged\n");
    sum = mix(sum, spines(long_lived));
    uint64_t elapsed = now_ns() - started;

    printf("%s\t%llu ns\t%llu nodes\t%016llx\n", argv[1], (unsigned long long)elapsed,
           (unsigned long long)nodes_allocated, (unsigned long long)sum);
    free_tree(long_lived);
    if (!use_gc) free(array);
    return 0;
}
