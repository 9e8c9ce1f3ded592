/*
 * mimalloc: Microsoft's allocator (free-list sharding, per-page free lists).
 * Debian's libmimalloc also replaces malloc for the whole process once
 * linked. Footprint is mimalloc's own count of memory it has committed from
 * the OS (mi_process_info's current_commit): pages it keeps for reuse
 * count, as they should.
 */
// link: -lmimalloc
#include "../alloc.h"

#include <mimalloc.h>

const char alloc_name[] = "mimalloc";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

void *alloc_allocate(size_t size) { return mi_malloc(size); }

void alloc_free(void *ptr, size_t size) { mi_free_size(ptr, size); }

size_t alloc_footprint(void) {
    size_t elapsed_ms, user_ms, system_ms, rss, peak_rss, commit, peak_commit, page_faults;
    mi_process_info(&elapsed_ms, &user_ms, &system_ms, &rss, &peak_rss, &commit, &peak_commit, &page_faults);
    return commit;
}
