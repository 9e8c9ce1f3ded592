/*
 * The performance benchmark, linked against one variant. Each measurement
 * is set against a floor measured in the same process, interleaved, so the
 * ratio is what the collector adds, whatever the machine is doing:
 *
 *   perf-VARIANT trace   a full collection of a live 1M-node binary tree vs a
 *                        plain iterative traversal of the same tree of plain
 *                        structs with a visited mark (ns per object)
 *   perf-VARIANT cycles  a full collection that frees 500,000 garbage
 *                        two-object cycles (ns per object collected)
 *   perf-VARIANT churn   the churn workload through the interface vs the same
 *                        malloc/free sequence done directly (ns per list)
 *
 * Output: one line per measurement, "name value" pairs, medians of the runs
 * (and of the pairwise ratios, with their range).
 *
 * The floor is plain on purpose: a depth-first walk that waits for each
 * node's cache line in turn. A collector that prefetches (marksweep's mark
 * FIFO) can come in under it, which is a gain, not a broken measurement.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "checksum.h"
#include "object.h"
#include "rng.h"
#include "smoke.h"
#include "workload.h"

/* 2^20 - 1 = 1,048,575 nodes; 2,047 in smoke mode (smoke.h). */
static int tree_depth(void) { return smoke_mode() ? 10 : 19; }
#define REPETITIONS 7

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median(uint64_t *samples, int n) {
    qsort(samples, (size_t)n, sizeof *samples, compare_u64);
    return samples[n / 2];
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The pairwise ratios' median, and their range: each pair ran back to back,
 * so drift on a shared machine touches both sides of a ratio alike, and the
 * range says how far one pair may stray. */
typedef struct ratio_summary {
    double median, min, max;
} ratio_summary;

static ratio_summary summarise_ratios(const uint64_t *numerators, const uint64_t *denominators, int n) {
    double ratios[REPETITIONS];
    for (int i = 0; i < n; i++) ratios[i] = (double)numerators[i] / (double)denominators[i];
    qsort(ratios, (size_t)n, sizeof *ratios, compare_double);
    return (ratio_summary){.median = ratios[n / 2], .min = ratios[0], .max = ratios[n - 1]};
}

static heap *new_heap(void) {
    heap_config config;
    heap_config_init(&config);
    heap *h = heap_create(&config);
    if (!h) {
        fprintf(stderr, "perf: cannot create a heap\n");
        exit(1);
    }
    return h;
}

/* ---- the floor: the same tree as plain structs ---- */

typedef struct plain_node {
    uint32_t visited;
    uint32_t nrefs;
    struct plain_node *refs[2];
    uint64_t data;
} plain_node;

/* Bottom-up, children first, as the heap's tree is built below. */
static plain_node *plain_tree(int depth) {
    plain_node *stack[64];
    int heights[64], n = 0;
    for (;;) {
        plain_node *leaf = calloc(1, sizeof *leaf);
        leaf->nrefs = 2;
        stack[n] = leaf, heights[n++] = 0;
        while (n >= 2 && heights[n - 1] == heights[n - 2]) {
            plain_node *parent = calloc(1, sizeof *parent);
            parent->nrefs = 2;
            parent->refs[0] = stack[n - 2];
            parent->refs[1] = stack[n - 1];
            stack[n - 2] = parent;
            heights[n - 2]++;
            n--;
        }
        if (n == 1 && heights[0] == depth) return stack[0];
    }
}

static uint64_t plain_traverse(plain_node *tree, uint32_t epoch, plain_node **stack) {
    uint64_t visited = 0;
    size_t depth = 0;
    tree->visited = epoch;
    stack[depth++] = tree;
    while (depth) {
        plain_node *n = stack[--depth];
        visited++;
        for (uint32_t i = 0; i < n->nrefs; i++) {
            plain_node *c = n->refs[i];
            if (c && c->visited != epoch) {
                c->visited = epoch;
                stack[depth++] = c;
            }
        }
    }
    return visited;
}

static void plain_free(plain_node *tree, plain_node **stack) {
    size_t depth = 0;
    stack[depth++] = tree;
    while (depth) {
        plain_node *n = stack[--depth];
        for (uint32_t i = 0; i < 2; i++)
            if (n->refs[i]) stack[depth++] = n->refs[i];
        free(n);
    }
}

/* ---- the same tree in the heap ---- */

static void heap_tree(heap *h, int depth) {
    int heights[64], n = 0;
    for (;;) {
        obj_new(h, 2, 8);
        heights[n++] = 0;
        while (n >= 2 && heights[n - 1] == heights[n - 2]) {
            root right = root_depth(h) - 1, left = right - 1;
            obj *parent = obj_new(h, 2, 8);
            obj_set(h, parent, 0, root_get(h, left));
            obj_set(h, parent, 1, root_get(h, right));
            root_set(h, left, parent);
            root_pop(h, 2);
            heights[n - 2]++;
            n--;
        }
        if (n == 1 && heights[0] == depth) return;
    }
}

static void measure_trace(void) {
    const int depth = tree_depth();
    const uint64_t nodes = (UINT64_C(2) << depth) - 1;
    heap *h = new_heap();
    heap_tree(h, depth);
    heap_collect(h, -1); /* settle: everything old, as in a long-running program */
    plain_node **stack = malloc(sizeof *stack * 4096);
    plain_node *tree = plain_tree(depth);
    uint64_t floor_ns[REPETITIONS], collect_ns[REPETITIONS];
    for (int r = 0; r < REPETITIONS; r++) {
        uint64_t t0 = now_ns();
        uint64_t seen = plain_traverse(tree, (uint32_t)r + 1, stack);
        uint64_t t1 = now_ns();
        heap_collect(h, -1);
        uint64_t t2 = now_ns();
        if (seen != nodes) {
            fprintf(stderr, "perf: the floor saw %llu nodes\n", (unsigned long long)seen);
            exit(1);
        }
        floor_ns[r] = t1 - t0;
        collect_ns[r] = t2 - t1;
    }
    heap_stats s;
    heap_stats_get(h, &s);
    if (s.live_objects != nodes) {
        fprintf(stderr, "perf: %llu objects live after collecting a live tree\n", (unsigned long long)s.live_objects);
        exit(1);
    }
    ratio_summary ratio = summarise_ratios(collect_ns, floor_ns, REPETITIONS);
    double floor_per = (double)median(floor_ns, REPETITIONS) / (double)nodes;
    double collect_per = (double)median(collect_ns, REPETITIONS) / (double)nodes;
    printf("trace %s+%s objects %llu floor_ns_per_object %.2f collect_ns_per_object %.2f ratio %.2f range %.2f-%.2f\n",
           gc_name, alloc_name, (unsigned long long)nodes, floor_per, collect_per, ratio.median, ratio.min, ratio.max);
    plain_free(tree, stack);
    free(stack);
    root_pop(h, 1);
    heap_destroy(h, NULL);
}

static void measure_cycles(void) {
    const int cycles = smoke_mode() ? 1000 : 500000;
    uint64_t collect_ns[REPETITIONS];
    for (int r = 0; r < REPETITIONS; r++) {
        heap_config config;
        heap_config_init(&config);
        /* Automatic collections would collect the cycles before the timed
         * one; a heap limit-free, manual run keeps them all for it. */
        config.collect_only_when_asked = true;
        heap *h = heap_create(&config);
        for (int i = 0; i < cycles; i++) {
            obj *a = obj_new(h, 1, 0);
            obj *b = obj_new(h, 1, 0);
            obj_set(h, b, 0, a);
            obj_set(h, a, 0, b);
            root_pop(h, 2);
        }
        uint64_t t0 = now_ns();
        heap_collect(h, -1);
        collect_ns[r] = now_ns() - t0;
        heap_stats s;
        heap_stats_get(h, &s);
        uint64_t expected_left = gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE ? 0 : 2 * (uint64_t)cycles;
        if (s.live_objects != expected_left) {
            fprintf(stderr, "perf: %llu objects left after collecting cycles\n", (unsigned long long)s.live_objects);
            exit(1);
        }
        heap_destroy(h, NULL);
    }
    printf("cycles %s+%s objects %d collect_ns_per_object %.2f\n", gc_name, alloc_name, 2 * cycles,
           (double)median(collect_ns, REPETITIONS) / (2.0 * cycles));
}

/* ---- churn, directly: the allocation and free sequence reference counting
 * produces for harness/workloads/churn.c, with the same sizes, in the same
 * order, and the same checksum ---- */

typedef struct direct_object {
    uint64_t header; /* where the collector keeps its count */
    uint32_t nrefs, nbytes;
    struct direct_object *refs[];
} direct_object;

static size_t direct_size(uint32_t nrefs, uint32_t nbytes) {
    return obj_footprint(sizeof(uint64_t), nrefs, nbytes);
}

static void *direct_data(direct_object *o) { return &o->refs[o->nrefs]; }

static void direct_free_list(direct_object *list) {
    if (!list) return;
    /* reference counting frees the atoms as it finds them dead, in slot
     * order, then the list */
    for (uint32_t k = 0; k < list->nrefs; k++) free(list->refs[k]);
    free(list);
}

static uint64_t direct_churn(uint64_t size, uint64_t seed, uint32_t max_items, uint64_t keep_every, uint64_t window) {
    rng r = rng_seeded(seed);
    direct_object **survivors = calloc(window, sizeof *survivors);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < size; i++) {
        uint32_t items = 1 + (uint32_t)rng_below(&r, max_items);
        direct_object *list = malloc(direct_size(items, 8));
        list->nrefs = items;
        list->nbytes = 8;
        for (uint32_t k = 0; k < items; k++) {
            uint32_t bytes = 8 * (1 + (uint32_t)rng_below(&r, 7));
            direct_object *atom = malloc(direct_size(0, bytes));
            atom->nrefs = 0;
            atom->nbytes = bytes;
            *(uint64_t *)direct_data(atom) = rng_next(&r);
            list->refs[k] = atom;
        }
        uint64_t total = 0;
        for (uint32_t k = 0; k < items; k++) total += *(uint64_t *)direct_data(list->refs[k]);
        *(uint64_t *)direct_data(list) = total;
        sum = checksum_mix(sum, total);
        if (keep_every && i % keep_every == 0) {
            direct_object **slot = &survivors[(i / keep_every) % window];
            direct_object *old = *slot;
            *slot = list;
            direct_free_list(old);
        } else {
            direct_free_list(list);
        }
    }
    for (uint64_t i = 0; i < window; i++)
        sum = checksum_mix(sum, survivors[i] ? *(uint64_t *)direct_data(survivors[i]) : 0);
    for (uint64_t i = window; i-- > 0;) direct_free_list(survivors[i]);
    free(survivors);
    return sum;
}

static void measure_churn(void) {
    const workload *w = workload_find("churn");
    double params[8];
    for (int i = 0; w->params[i].name; i++) params[i] = w->params[i].default_value;
    workload_args args = {.size = smoke_mode() ? 1000 : w->default_size, .seed = 1, .params = params};
    uint64_t through_ns[REPETITIONS], direct_ns[REPETITIONS];
    for (int r = 0; r < REPETITIONS; r++) {
        heap *h = new_heap();
        uint64_t t0 = now_ns();
        uint64_t sum = w->run(h, &args);
        uint64_t t1 = now_ns();
        heap_destroy(h, NULL);
        uint64_t t2 = now_ns();
        uint64_t direct_sum = direct_churn(args.size, args.seed, (uint32_t)params[0], (uint64_t)params[1],
                                           (uint64_t)params[2]);
        uint64_t t3 = now_ns();
        if (sum != direct_sum) {
            fprintf(stderr, "perf: churn checksums differ (%016llx vs %016llx)\n", (unsigned long long)sum,
                    (unsigned long long)direct_sum);
            exit(1);
        }
        through_ns[r] = t1 - t0;
        direct_ns[r] = t3 - t2;
    }
    ratio_summary ratio = summarise_ratios(through_ns, direct_ns, REPETITIONS);
    double through = (double)median(through_ns, REPETITIONS), direct = (double)median(direct_ns, REPETITIONS);
    printf("churn %s+%s lists %llu direct_ns_per_list %.2f interface_ns_per_list %.2f ratio %.2f range %.2f-%.2f\n",
           gc_name, alloc_name, (unsigned long long)args.size, direct / (double)args.size, through / (double)args.size,
           ratio.median, ratio.min, ratio.max);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: perf-%s+%s trace|cycles|churn\n", gc_name, alloc_name);
        return 2;
    }
    if (strcmp(argv[1], "trace") == 0) measure_trace();
    else if (strcmp(argv[1], "cycles") == 0) measure_cycles();
    else if (strcmp(argv[1], "churn") == 0) measure_churn();
    else {
        fprintf(stderr, "perf: unknown measurement '%s' (trace, cycles or churn)\n", argv[1]);
        return 2;
    }
    return 0;
}
