/*
 * The root stack's storage, shared by the collectors: a growable array of
 * handles. What a push or pop means (an owned reference, a root for the
 * tracer) is the collector's business; this only holds the slots.
 */
#ifndef HEAPLAB_ROOTS_H
#define HEAPLAB_ROOTS_H

#include <stddef.h>

#include "object.h"

typedef struct root_stack {
    obj **slots;
    size_t depth, capacity;
} root_stack;

void root_stack_init(root_stack *rs);
void root_stack_release(root_stack *rs);
void root_stack_grow(root_stack *rs);
/* A root index past the top is a workload bug: report it and abort. */
_Noreturn void root_stack_bad_index(const root_stack *rs, size_t index);

static inline void root_stack_push(root_stack *rs, obj *o) {
    if (rs->depth == rs->capacity) root_stack_grow(rs);
    rs->slots[rs->depth++] = o;
}

static inline obj **root_stack_slot(root_stack *rs, size_t index) {
    if (index >= rs->depth) root_stack_bad_index(rs, index);
    return &rs->slots[index];
}

#endif
