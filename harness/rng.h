/* A small, fast, deterministic generator (splitmix64): the same seed gives
 * the same workload on every variant and every machine. */
#ifndef HEAPLAB_RNG_H
#define HEAPLAB_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t state;
} rng;

static inline rng rng_seeded(uint64_t seed) { return (rng){seed * UINT64_C(0x9e3779b97f4a7c15) + 1}; }

static inline uint64_t rng_next(rng *r) {
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias is
 * irrelevant here and identical on every variant). */
static inline uint64_t rng_below(rng *r, uint64_t n) {
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

#endif
