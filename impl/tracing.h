/*
 * The store and root-stack operations of a collector that keeps no counts
 * (marksweep, nogc): a store is a plain store, and the root stack is the
 * root set, nothing more. Include it once, from the collector's own file,
 * whose `struct heap` must begin with a heap_base. The collector defines,
 * static inline (empty where every collection traces the whole heap):
 *
 *   void tracing_write_barrier(heap *h, obj *o, obj *value)
 *        o's slot is about to hold value (a generational collector
 *        remembers an old object that now points at a young one)
 */
#ifndef HEAPLAB_TRACING_H
#define HEAPLAB_TRACING_H

#include "heap_base.h"

__attribute__((always_inline)) static inline void tracing_write_barrier(heap *h, obj *o, obj *value);

static inline root_stack *roots_of(heap *h) { return &((heap_base *)h)->roots; }

inline void obj_set(heap *h, obj *o, uint32_t i, obj *value) {
    tracing_write_barrier(h, o, value);
    o->refs[i] = value;
}

inline void obj_set_pop(heap *h, obj *o, uint32_t i) {
    root_stack *rs = roots_of(h);
    if (!rs->depth) root_stack_bad_index(rs, SIZE_MAX);
    obj *value = rs->slots[--rs->depth];
    tracing_write_barrier(h, o, value);
    o->refs[i] = value;
}

inline root root_push(heap *h, obj *o) {
    root_stack_push(roots_of(h), o);
    return roots_of(h)->depth - 1;
}

inline obj *root_get(heap *h, root r) { return *root_stack_slot(roots_of(h), r); }

inline void root_set(heap *h, root r, obj *o) { *root_stack_slot(roots_of(h), r) = o; }

inline void root_pop(heap *h, size_t n) {
    root_stack *rs = roots_of(h);
    if (n > rs->depth) root_stack_bad_index(rs, rs->depth - n);
    rs->depth -= n;
}

size_t root_depth(heap *h) { return roots_of(h)->depth; }

#endif
