/*
 * bump: a pointer bumped through large mapped chunks; free does nothing.
 * The cheapest allocation there is, and so, under a collector that never
 * frees (nogc), the floor of what a workload's allocation costs. A request
 * that would waste more than a quarter of a chunk gets a mapping of its own.
 * Chunks are never unmapped: memory comes back when the process ends.
 * Every byte handed out is fresh memory the kernel must fault in and clear,
 * which is most of a floor's cost (on churn, about three quarters of
 * nogc+bump's time is the kernel's). Chunks are aligned to huge pages, and
 * --huge-pages=1 advises them so, to fault once per two megabytes; it is
 * off by default because the kernel then compacts memory to find huge pages,
 * and after other runs have fragmented it a run stalls for up to a second
 * (churn: 0.18-1.48 s with it, 0.28-0.35 s without, alternating with
 * marksweep+malloc gcbench runs).
 *
 * It pairs only with collectors that reclaim nothing (the line below tells
 * the Makefile; heap_create refuses any other pairing).
 */
// build: never-frees
#include "../alloc.h"

#include <stdint.h>
#include <sys/mman.h>

const char alloc_name[] = "bump";
const bool alloc_frees = false;

enum { KNOB_CHUNK_BYTES, KNOB_HUGE_PAGES };
const knob alloc_knobs[] = {
    [KNOB_CHUNK_BYTES] = {"chunk-bytes", "bytes mapped at a time for the bump pointer to run through", 33554432, 65536,
                          1073741824, true},
    [KNOB_HUGE_PAGES] = {"huge-pages", "1: advise chunks as huge pages (fewer faults, but the kernel may stall to compact)",
                         0, 0, 1, true},
    {NULL},
};

static size_t chunk_bytes = 33554432;
static bool huge_pages;
static uintptr_t next, end;  /* the current chunk's free part */
static size_t mapped_bytes;  /* every chunk and large block mapped */

void alloc_set_knob(int index, double value) {
    if (index == KNOB_CHUNK_BYTES) chunk_bytes = ((size_t)value + 4095) & ~(size_t)4095;
    if (index == KNOB_HUGE_PAGES) huge_pages = value != 0;
}

#define HUGE_PAGE ((size_t)2 << 20)

/* `size` bytes at a huge-page boundary: a little more is mapped, and the
 * ends trimmed off. */
static void *map(size_t size) {
    size_t padded = size + HUGE_PAGE;
    char *p = mmap(NULL, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *aligned = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (aligned > p) munmap(p, (size_t)(aligned - p));
    size_t tail = (size_t)(p + padded - (aligned + size));
    if (tail) munmap(aligned + size, tail);
    if (huge_pages) madvise(aligned, size, MADV_HUGEPAGE);
    mapped_bytes += size;
    return aligned;
}

__attribute__((noinline)) static void *allocate_slow(size_t size) {
    if (size > chunk_bytes / 4) return map((size + 4095) & ~(size_t)4095);
    char *chunk = map(chunk_bytes);
    if (!chunk) return NULL;
    next = (uintptr_t)chunk + size;
    end = (uintptr_t)chunk + chunk_bytes;
    return chunk;
}

void *alloc_allocate(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (__builtin_expect(end - next < size, 0)) return allocate_slow(size);
    void *p = (void *)next;
    next += size;
    return p;
}

void alloc_free(void *ptr, size_t size) {
    (void)ptr;
    (void)size;
}

size_t alloc_footprint(void) { return mapped_bytes; }
