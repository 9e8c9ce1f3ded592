/*
 * What every reference-counting collector (rc, rcgen) shares: the count is
 * the last word before every object, a root slot is an owned reference,
 * storing increments the new value before decrementing the old, and an
 * object whose count reaches zero is freed with everything that dies with
 * it, in one iterative cascade.
 *
 * Include it once, from the collector's own file, whose `struct heap` must
 * begin with a heap_base (that is how these reach the root stack without
 * seeing the rest of it). The collector defines these five, static inline
 * (an empty one costs nothing):
 *
 *   size_t refcount_object_size(const obj *o)   its footprint, as heap_stats counts it
 *   void *refcount_block_of(obj *o)              the block the allocator gave
 *   void refcount_freeing(heap *h, obj *o)      o is about to be freed (untrack it)
 *   void refcount_still_referenced(heap *h, obj *o)
 *                                                a decrement left o's count above zero, or
 *                                                obj_set_pop moved a root's reference to o
 *                                                into a slot (Bacon and Rajan's possible
 *                                                cycle root)
 *   void refcount_storing(heap *h, obj *o, obj *value)
 *                                                o's slot is about to hold value (may be
 *                                                NULL): a store barrier (rcinc tracks an
 *                                                untracked container again when a container
 *                                                is stored into it)
 *
 * and this header defines the interface's store and root-stack operations.
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

/* The including collector's hooks (above), always inlined: an empty hook
 * left to the inliner's judgement still changed how the cascade's loop was
 * compiled (its pointers spilled around every free, 2% more instructions
 * on churn). */
__attribute__((always_inline)) static inline size_t refcount_object_size(const obj *o);
__attribute__((always_inline)) static inline void *refcount_block_of(obj *o);
__attribute__((always_inline)) static inline void refcount_freeing(heap *h, obj *o);
__attribute__((always_inline)) static inline void refcount_still_referenced(heap *h, obj *o);
__attribute__((always_inline)) static inline void refcount_storing(heap *h, obj *o, obj *value);

/* A collector's heap begins with its heap_base. */
static inline heap_base *base_of(heap *h) { return (heap_base *)h; }

__attribute__((always_inline)) static inline void free_counted(heap *h, heap_frees *freed, obj *o) {
    refcount_freeing(h, o);
    size_t size = refcount_object_size(o);
    heap_frees_count(base_of(h), freed, o, size);
    if (UNLIKELY(freed->objects == base_of(h)->cascade_timed_at)) heap_base_cascade_timed(base_of(h));
    alloc_free(refcount_block_of(o), size);
}

/* o's count just reached zero: free it and everything that dies with it,
 * without recursion (the pending objects are linked through their zero
 * counts). The heap counts every cascade (two objects or more) at its end;
 * the listener hears of one only once its K-th object dies
 * (heap_base_cascade_timed: the clock is read from there on) and again when
 * it ends, so a cascade of a few objects costs no clock read and no call.
 * `verify` is a constant in each of release_slow's two calls, so the loop
 * tests it only where verify mode asks for it. */
__attribute__((always_inline)) static inline void refcount_release(heap *h, obj *o, bool verify) {
    heap_base *b = base_of(h);
#ifdef HEAPLAB_CASCADE_AUDIT
    if (b->listener.release_begin) b->listener.release_begin(b->listener.data);
#endif
    heap_frees freed = heap_base_frees_begin(b);
    freed.verify = verify;
    refcount_word *pending = refcount_of(o);
    pending->next_pending = NULL;
    while (pending) {
        refcount_word *word = pending;
        pending = word->next_pending;
        obj *dead = object_of_refcount(word);
        for (uint32_t i = 0, nrefs = dead->nrefs; i < nrefs; i++) {
            obj *child = dead->refs[i];
            if (!child) continue;
            if (--refcount_of(child)->refcount) {
                refcount_still_referenced(h, child);
                continue;
            }
            if (child->nrefs) {
                refcount_of(child)->next_pending = pending;
                pending = refcount_of(child);
            } else {
                free_counted(h, &freed, child); /* an atom holds nothing: no trip through the list */
            }
        }
        free_counted(h, &freed, dead);
    }
    heap_base_frees_end(b, &freed);
    if (freed.objects > 1) heap_base_cascade_end(b, &freed);
#ifdef HEAPLAB_CASCADE_AUDIT
    if (b->listener.release_end && heap_base_cascade_reported(b)) b->listener.release_end(b->listener.data, freed.objects);
#endif
}

__attribute__((noinline)) static void release_slow(heap *h, obj *o) {
    if (UNLIKELY(base_of(h)->config.verify)) refcount_release(h, o, true);
    else refcount_release(h, o, false);
}

static inline void incref(obj *o) {
    if (o) refcount_of(o)->refcount++;
}

static inline void decref(heap *h, obj *o) {
    if (o && --refcount_of(o)->refcount == 0) release_slow(h, o);
    else if (o) refcount_still_referenced(h, o);
}

inline void obj_set(heap *h, obj *o, uint32_t i, obj *value) {
    refcount_storing(h, o, value);
    incref(value); /* before the decrement: storing what the slot holds must not free it */
    obj *old = o->refs[i];
    o->refs[i] = value;
    decref(h, old);
}

inline void obj_set_pop(heap *h, obj *o, uint32_t i) {
    root_stack *rs = &base_of(h)->roots;
    if (!rs->depth) root_stack_bad_index(rs, SIZE_MAX);
    refcount_storing(h, o, rs->slots[rs->depth - 1]);
    obj *old = o->refs[i];
    obj *value = rs->slots[--rs->depth];
    o->refs[i] = value; /* the root's count goes with it */
    /* No count changes, but the root's reference is gone: to a cycle
     * collector it is a decrement that left the count above zero (moved into
     * its own slot, or into an object only it reached, the value is now a
     * cycle nothing else decremented). */
    if (value) refcount_still_referenced(h, value);
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

__attribute__((always_inline)) inline void root_pop(heap *h, size_t n) {
    root_stack *rs = &base_of(h)->roots;
    if (n > rs->depth) root_stack_bad_index(rs, rs->depth - n);
    while (n--) decref(h, rs->slots[--rs->depth]);
}

size_t root_depth(heap *h) { return base_of(h)->roots.depth; }

#endif
