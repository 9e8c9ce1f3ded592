#include "histogram.h"

#include <math.h>
#include <string.h>

void histogram_init(histogram *h) {
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_upper_edge(unsigned b) {
    if (b < 2 * HISTOGRAM_SUB_BUCKETS) return b;
    unsigned shift = b / HISTOGRAM_SUB_BUCKETS - 1;
    uint64_t sub = b % HISTOGRAM_SUB_BUCKETS;
    uint64_t low = (HISTOGRAM_SUB_BUCKETS + sub) << shift;
    return low + ((UINT64_C(1) << shift) - 1);
}

uint64_t histogram_percentile(const histogram *h, double fraction) {
    if (!h->count) return 0;
    if (fraction <= 0) return h->min;
    uint64_t rank = (uint64_t)ceil(fraction * (double)h->count);
    if (rank < 1) rank = 1;
    if (rank > h->count) rank = h->count;
    uint64_t seen = 0;
    for (unsigned b = 0; b < HISTOGRAM_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            uint64_t edge = bucket_upper_edge(b);
            if (edge > h->max) edge = h->max;
            if (edge < h->min) edge = h->min;
            return edge;
        }
    }
    return h->max;
}
