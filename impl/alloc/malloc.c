/*
 * malloc: the C library's allocator, as a program that never thought about
 * allocation would use it. Footprint is what glibc says it holds from the
 * system: the main arena's pages plus the large blocks it mmapped.
 */
#include "../alloc.h"

#include <malloc.h>
#include <stdlib.h>

const char alloc_name[] = "malloc";
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

void *alloc_allocate(size_t size) { return malloc(size); }

void alloc_free(void *ptr, size_t size) {
    (void)size;
    free(ptr);
}

size_t alloc_footprint(void) {
    struct mallinfo2 info = mallinfo2();
    return info.arena + info.hblkhd;
}
