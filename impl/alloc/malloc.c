/*
 * malloc: the C library's allocator, as a program that never thought about
 * allocation would use it. Footprint is what glibc holds from the system:
 * the main arena's pages plus the large blocks it mmapped.
 *
 * mallinfo2 would say so, but it walks every free chunk: tens of
 * microseconds once a collector has freed much, more than the run itself
 * when the harness samples the footprint on the allocation clock. So it is
 * asked once, and the footprint followed from there: the main arena grows and
 * shrinks with the program break (sbrk(0) is a read of glibc's cached break),
 * and the blocks glibc mmaps for this back end are counted as they come and
 * go. Bookkeeping that does not come through here (the harness's own large
 * tables) is not this heap's footprint and stays out.
 */
#include "../alloc.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char alloc_name[] = "malloc";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

/* glibc never mmaps a request below its mmap threshold, 128 KiB unless tuned
 * (it only rises by itself); half that leaves room for the chunk header. */
#define MMAP_FLOOR (64 * 1024)
/* glibc's chunk header: the size word before the block, IS_MMAPPED its bit 1. */
#define CHUNK_IS_MMAPPED 2u

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer's malloc has no glibc chunk headers: ask mallinfo2 as is. */
#define FOLLOW_FOOTPRINT 0
#else
#define FOLLOW_FOOTPRINT 1
#endif

static size_t mmapped_bytes; /* blocks glibc mmapped for this back end */

static size_t mmapped_size(const void *ptr) {
    /* The header lies before the block malloc returned: hide the pointer's
     * origin so the compiler does not take the read for an overflow. */
    const char *block = ptr;
    __asm__("" : "+r"(block));
    size_t word;
    memcpy(&word, block - sizeof word, sizeof word);
    return word & CHUNK_IS_MMAPPED ? word & ~(size_t)7 : 0;
}

void *alloc_allocate(size_t size) {
    void *p = malloc(size);
    if (FOLLOW_FOOTPRINT && __builtin_expect(size >= MMAP_FLOOR, 0) && p) mmapped_bytes += mmapped_size(p);
    return p;
}

void alloc_free(void *ptr, size_t size) {
    if (FOLLOW_FOOTPRINT && __builtin_expect(size >= MMAP_FLOOR, 0) && ptr) mmapped_bytes -= mmapped_size(ptr);
    free(ptr);
}

size_t alloc_footprint(void) {
    if (!FOLLOW_FOOTPRINT) {
        struct mallinfo2 info = mallinfo2();
        return info.arena + info.hblkhd;
    }
    static bool started;
    static uintptr_t arena_base; /* the break when the main arena was empty */
    static size_t mmapped_before;
    if (!started) {
        struct mallinfo2 info = mallinfo2();
        arena_base = (uintptr_t)sbrk(0) - info.arena;
        mmapped_before = info.hblkhd;
        started = true;
    }
    return (size_t)((uintptr_t)sbrk(0) - arena_base) + mmapped_before + mmapped_bytes;
}
