/*
 * allocbench: one allocation pattern against one allocator back end, linked
 * in through alloc.h. Prints a CSV header and one row.
 *
 *   allocbench PATTERN [--seed S]
 *
 *   pairs   allocate and free at once, 20 million times, sizes 16..512
 *   batch   1,000,000 objects of random size, then free them all (in
 *           allocation order, like dropping a big list)
 *   random  100,000 live slots; 10 million replacements: free a random
 *           slot, allocate another size into it
 *
 * The operations run in chunks: each chunk's sizes and slots are drawn from
 * the generator before its timer starts, so the generator's cost is not
 * measured, and the footprint is sampled between chunks, outside the timer
 * (some back ends' footprint queries are slow). The bench's own arrays are
 * mmapped, so no back end that replaces malloc counts them as its own.
 * Every block gets a word written into it, so lazy allocators pay for the
 * memory they hand out.
 */
#include "alloc.h"
#include "smoke.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#define CHUNK 65536
/* A thousandth of each in smoke mode (smoke.h). */
static uint32_t pair_count = 20000000u, batch_count = 1000000u, slot_count = 100000u, replacement_count = 10000000u;

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n) { return (uint32_t)(((rng_next() >> 32) * n) >> 32); }

/* 16..512 in steps of 16: the 32 small size classes, uniformly. */
static uint32_t random_size(void) { return (rng_below(32) + 1) * 16; }

static void *bench_array(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "allocbench: cannot map %zu bytes for the bench's own arrays\n", bytes);
        exit(1);
    }
    return p;
}

/* The process's CPU time, user and system (page faults are part of the
 * cost): on a shared machine, time spent preempted is not the allocator's.
 * Single-threaded, so on an idle machine this equals wall time. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t peak_footprint;

static void sample_footprint(void) {
    size_t now = alloc_footprint();
    if (now > peak_footprint) peak_footprint = now;
}

static void *allocate_or_die(size_t size) {
    void *p = alloc_allocate(size);
    if (!p) {
        fprintf(stderr, "allocbench: %s could not allocate %zu bytes\n", alloc_name, size);
        exit(1);
    }
    /* A volatile store: the block is really touched, and an allocator the
     * compiler knows (malloc) cannot have its allocate/free pair elided. */
    *(volatile uint64_t *)p = size;
    return p;
}

/* Each pattern returns nanoseconds per pair (one allocate plus one free). */

static double run_pairs(void) {
    uint32_t *sizes = bench_array(CHUNK * sizeof *sizes);
    uint64_t elapsed = 0;
    for (uint32_t done = 0; done < pair_count; done += CHUNK) {
        uint32_t n = pair_count - done < CHUNK ? pair_count - done : CHUNK;
        for (uint32_t i = 0; i < n; i++) sizes[i] = random_size();
        uint64_t start = now_ns();
        for (uint32_t i = 0; i < n; i++) alloc_free(allocate_or_die(sizes[i]), sizes[i]);
        elapsed += now_ns() - start;
        sample_footprint();
    }
    return (double)elapsed / pair_count;
}

static double run_batch(void) {
    uint32_t *sizes = bench_array(batch_count * sizeof *sizes);
    void **blocks = bench_array(batch_count * sizeof *blocks);
    for (uint32_t i = 0; i < batch_count; i++) sizes[i] = random_size();
    uint64_t elapsed = 0;
    for (uint32_t done = 0; done < batch_count; done += CHUNK) {
        uint32_t end = batch_count - done < CHUNK ? batch_count : done + CHUNK;
        uint64_t start = now_ns();
        for (uint32_t i = done; i < end; i++) blocks[i] = allocate_or_die(sizes[i]);
        elapsed += now_ns() - start;
        sample_footprint();
    }
    for (uint32_t done = 0; done < batch_count; done += CHUNK) {
        uint32_t end = batch_count - done < CHUNK ? batch_count : done + CHUNK;
        uint64_t start = now_ns();
        for (uint32_t i = done; i < end; i++) alloc_free(blocks[i], sizes[i]);
        elapsed += now_ns() - start;
    }
    return (double)elapsed / batch_count;
}

static double run_random(void) {
    void **blocks = bench_array(slot_count * sizeof *blocks);
    uint32_t *live_sizes = bench_array(slot_count * sizeof *live_sizes);
    uint32_t *slots = bench_array(CHUNK * sizeof *slots);
    uint32_t *sizes = bench_array(CHUNK * sizeof *sizes);
    /* Filling the slots is set-up, not measured. */
    for (uint32_t i = 0; i < slot_count; i++) {
        live_sizes[i] = random_size();
        blocks[i] = allocate_or_die(live_sizes[i]);
    }
    sample_footprint();
    uint64_t elapsed = 0;
    for (uint32_t done = 0; done < replacement_count; done += CHUNK) {
        uint32_t n = replacement_count - done < CHUNK ? replacement_count - done : CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            slots[i] = rng_below(slot_count);
            sizes[i] = random_size();
        }
        uint64_t start = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            uint32_t slot = slots[i];
            alloc_free(blocks[slot], live_sizes[slot]);
            blocks[slot] = allocate_or_die(sizes[i]);
            live_sizes[slot] = sizes[i];
        }
        elapsed += now_ns() - start;
        sample_footprint();
    }
    for (uint32_t i = 0; i < slot_count; i++) alloc_free(blocks[i], live_sizes[i]);
    return (double)elapsed / replacement_count;
}

static _Noreturn void usage_error(const char *message, const char *arg) {
    fprintf(stderr, "allocbench: %s%s (usage: allocbench pairs|batch|random [--seed S])\n", message, arg);
    exit(2);
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        double (*run)(void);
    } patterns[] = {{"pairs", run_pairs}, {"batch", run_batch}, {"random", run_random}};
    const char *pattern = NULL;
    double (*run)(void) = NULL;
    uint64_t seed = 42;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 || strncmp(argv[i], "--seed=", 7) == 0) {
            const char *text = argv[i][6] == '=' ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!text) usage_error("--seed needs a value", "");
            /* Decimal digits only, as every number heaplab reads (no sign, blanks or hex). */
            char *end;
            errno = 0;
            seed = strtoull(text, &end, 10);
            if (errno || !*text || strspn(text, "0123456789") != strlen(text)) usage_error("bad seed: ", text);
        } else if (argv[i][0] == '-') {
            usage_error("unknown option: ", argv[i]);
        } else if (pattern) {
            usage_error("more than one pattern: ", argv[i]);
        } else {
            pattern = argv[i];
            for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
                if (strcmp(pattern, patterns[p].name) == 0) run = patterns[p].run;
            if (!run) usage_error("unknown pattern: ", pattern);
        }
    }
    if (!pattern) usage_error("no pattern given", "");

    if (smoke_mode()) pair_count /= 1000, batch_count /= 1000, slot_count /= 1000, replacement_count /= 1000;
    rng_state = seed;
    double ns_per_pair = run();
    size_t final_footprint = alloc_footprint();
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("allocator,pattern,ns_per_pair,peak_footprint_bytes,final_footprint_bytes,peak_rss_bytes\n");
    printf("%s,%s,%.2f,%zu,%zu,%" PRIu64 "\n", alloc_name, pattern, ns_per_pair, peak_footprint,
           final_footprint, (uint64_t)usage.ru_maxrss * 1024);
    return 0;
}
