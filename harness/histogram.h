/*
 * A log-bucketed histogram of durations in nanoseconds: fixed memory, no
 * allocation per value, relative error under 1/32 (values below 64 are
 * exact). Percentiles are reported as the upper edge of their bucket, capped
 * at the largest value seen.
 */
#ifndef HEAPLAB_HISTOGRAM_H
#define HEAPLAB_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 5
#define HISTOGRAM_SUB_BUCKETS (1 << HISTOGRAM_SUB_BITS)
#define HISTOGRAM_BUCKETS ((64 - HISTOGRAM_SUB_BITS + 1) * HISTOGRAM_SUB_BUCKETS)

typedef struct histogram {
    uint64_t count, total, min, max;
    uint64_t buckets[HISTOGRAM_BUCKETS];
} histogram;

void histogram_init(histogram *h);

static inline unsigned histogram_bucket(uint64_t value) {
    if (value < 2 * HISTOGRAM_SUB_BUCKETS) return (unsigned)value;
    unsigned top = 63u - (unsigned)__builtin_clzll(value); /* >= SUB_BITS + 1 */
    unsigned shift = top - HISTOGRAM_SUB_BITS;
    return (shift + 1) * HISTOGRAM_SUB_BUCKETS + (unsigned)((value >> shift) & (HISTOGRAM_SUB_BUCKETS - 1));
}

static inline void histogram_add(histogram *h, uint64_t value) {
    h->count++;
    h->total += value;
    if (value < h->min) h->min = value;
    if (value > h->max) h->max = value;
    h->buckets[histogram_bucket(value)]++;
}

/* The smallest value v such that at least `fraction` of the values are <= v,
 * to within the bucket's width; 0 for an empty histogram. */
uint64_t histogram_percentile(const histogram *h, double fraction);

#endif
