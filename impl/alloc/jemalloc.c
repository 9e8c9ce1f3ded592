/*
 * jemalloc: FreeBSD's and Meta's allocator, through its non-standard API:
 * mallocx, and sdallocx, the sized free. Debian builds it without a prefix,
 * so linking it also makes it the process's malloc.
 *
 * Footprint is "stats.resident": the pages jemalloc holds, its metadata
 * and the unused dirty pages it has not yet given back included ("stats.mapped"
 * would leave those dirty pages out, though the OS cannot have them). The
 * statistics are a snapshot refreshed by advancing "epoch".
 */
// link: -ljemalloc
#include "../alloc.h"

#include <jemalloc/jemalloc.h>
#include <stdint.h>

const char alloc_name[] = "jemalloc";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

/* Every jemalloc size class from 16 bytes up is a multiple of 16, so no
 * alignment flag is needed. */
void *alloc_allocate(size_t size) { return mallocx(size, 0); }

void alloc_free(void *ptr, size_t size) { sdallocx(ptr, size, 0); }

size_t alloc_footprint(void) {
    uint64_t epoch = 1;
    size_t resident = 0, length = sizeof resident;
    if (mallctl("epoch", NULL, NULL, &epoch, sizeof epoch) != 0) return 0;
    if (mallctl("stats.resident", &resident, &length, NULL, 0) != 0) return 0;
    return resident;
}
