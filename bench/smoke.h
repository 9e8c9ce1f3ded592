/*
 * HEAPLAB_SMOKE=1 in the environment shrinks every benchmark program's
 * sizes to a few thousand objects: `make targets SMOKE=1`, which the tests
 * run, proves that the benchmarks still build, run and print what bench/targets
 * reads. Figures measured that way mean nothing.
 */
#ifndef HEAPLAB_SMOKE_H
#define HEAPLAB_SMOKE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline bool smoke_mode(void) {
    const char *value = getenv("HEAPLAB_SMOKE");
    return value && *value && strcmp(value, "0") != 0;
}

#endif
