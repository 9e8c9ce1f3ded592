/*
 * What every reference-counting collector (rc, rcgen) shares: the count is
 * the last word before every object, a root slot is an owned reference, and
 * storing increments the new value before decrementing the old. The
 * including collector defines release_slow(h, o), what happens when a count
 * reaches zero; this header then defines the interface's store and root-stack
 * operations for it. Include it once, from the collector's own file; its
 * `struct heap` must begin with a heap_base, which is how these reach the
 * root stack without seeing the rest of it.
 */
#ifndef HEAPLAB_REFCOUNT_H
#define HEAPLAB_REFCOUNT_H

#include "heap_base.h"

/* While an object waits to be released its count is zero, so the same word
 * links it to the next one: releasing needs no memory of its own. */
typedef union refcount_word {
    uintptr_t refcount;
    union refcount_word *next_pending;
} refcount_word;

static inline refcount_word *refcount_of(const obj *o) { return (refcount_word *)o - 1; }
static inline obj *object_of_refcount(refcount_word *w) { return (obj *)(w + 1); }

/* Verify mode's view of the count. */
static uint64_t refcount_value(const obj *o) { return refcount_of(o)->refcount; }

static void release_slow(heap *h, obj *o);

/* A collector's heap begins with its heap_base. */
static inline heap_base *base_of(heap *h) { return (heap_base *)h; }

static inline void incref(obj *o) {
    if (o) refcount_of(o)->refcount++;
}

static inline void decref(heap *h, obj *o) {
    if (o && --refcount_of(o)->refcount == 0) release_slow(h, o);
}

inline void obj_set(heap *h, obj *o, uint32_t i, obj *value) {
    incref(value); /* before the decrement: storing what the slot holds must not free it */
    obj *old = o->refs[i];
    o->refs[i] = value;
    decref(h, old);
}

inline void obj_set_pop(heap *h, obj *o, uint32_t i) {
    root_stack *rs = &base_of(h)->roots;
    if (!rs->depth) root_stack_bad_index(rs, SIZE_MAX);
    obj *old = o->refs[i];
    o->refs[i] = rs->slots[--rs->depth]; /* the root's count goes with it */
    decref(h, old);
}

inline root root_push(heap *h, obj *o) {
    incref(o);
    root_stack_push(&base_of(h)->roots, o);
    return base_of(h)->roots.depth - 1;
}

inline obj *root_get(heap *h, root r) { return *root_stack_slot(&base_of(h)->roots, r); }

inline void root_set(heap *h, root r, obj *o) {
    obj **slot = root_stack_slot(&base_of(h)->roots, r);
    incref(o);
    obj *old = *slot;
    *slot = o;
    decref(h, old);
}

inline void root_pop(heap *h, size_t n) {
    root_stack *rs = &base_of(h)->roots;
    if (n > rs->depth) root_stack_bad_index(rs, rs->depth - n);
    while (n--) decref(h, rs->slots[--rs->depth]);
}

size_t root_depth(heap *h) { return base_of(h)->roots.depth; }

#endif
