#include "roots.h"

#include <stdio.h>
#include <stdlib.h>

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
    obj **slots = realloc(rs->slots, capacity * sizeof *slots);
    if (!slots) {
        fprintf(stderr, "heaplab: out of memory growing the root stack to %zu slots\n", capacity);
        abort();
    }
    rs->slots = slots;
    rs->capacity = capacity;
}

void root_stack_bad_index(const root_stack *rs, size_t index) {
    fprintf(stderr, "heaplab: root slot %zu used but the root stack holds %zu\n", index, rs->depth);
    abort();
}
