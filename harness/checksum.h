/* Folds values into a running checksum; order-sensitive, so two workloads
 * agree only if they saw the same values in the same order. */
#ifndef HEAPLAB_CHECKSUM_H
#define HEAPLAB_CHECKSUM_H

#include <stdint.h>

static inline uint64_t checksum_mix(uint64_t sum, uint64_t value) {
    sum ^= value + UINT64_C(0x9e3779b97f4a7c15) + (sum << 6) + (sum >> 2);
    return sum * UINT64_C(0xff51afd7ed558ccd);
}

#endif
