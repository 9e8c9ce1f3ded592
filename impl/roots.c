#include "roots.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "heap_base.h"

void root_stack_init(root_stack *rs) {
    rs->slots = NULL;
    rs->depth = rs->capacity = 0;
}

void root_stack_release(root_stack *rs) {
    free(rs->slots);
    root_stack_init(rs);
}

void root_stack_grow(root_stack *rs) {
    size_t capacity = rs->capacity ? rs->capacity * 2 : 256;
    obj **slots = capacity <= SIZE_MAX / sizeof *slots ? realloc(rs->slots, capacity * sizeof *slots) : NULL;
    if (!slots) {
        /* The run ends as an allocation the allocator refused would. The
         * root stack is always a heap_base's, and a collector's heap begins
         * with its heap_base (docs/collectors.md); nothing is half-done, so
         * the heap can be torn down as usual. */
        heap_base *b = (heap_base *)((char *)rs - offsetof(heap_base, roots));
        fprintf(stderr, "heaplab: %s: no memory for the root stack to grow to %zu slots\n", gc_name, capacity);
        heap_base_out_of_memory((heap *)b, b, capacity * sizeof *slots);
    }
    rs->slots = slots;
    rs->capacity = capacity;
}

void root_stack_bad_index(const root_stack *rs, size_t index) {
    fprintf(stderr, "heaplab: root slot %zu used but the root stack holds %zu\n", index, rs->depth);
    abort();
}
