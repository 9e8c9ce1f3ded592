/*
 * Helpers the collector tests share: building a ring through the interface,
 * and tearing a heap down with the books checked. Include after cmocka.h.
 */
#ifndef HEAPLAB_TESTS_HEAP_HELPERS_H
#define HEAPLAB_TESTS_HEAP_HELPERS_H

#include "object.h"

/* A ring of n nodes (slot 0 next, slot 1 prev, 8 bytes of data), built with
 * its first node left pushed on the root stack. */
static inline void push_ring(heap *h, uint32_t n) {
    obj_new(h, 2, 8);
    root first = root_depth(h) - 1;
    root last = root_push(h, root_get(h, first));
    for (uint32_t i = 1; i < n; i++) {
        obj *node = obj_new(h, 2, 8);
        obj_set(h, node, 1, root_get(h, last));
        obj_set(h, root_get(h, last), 0, node);
        root_set(h, last, node);
        root_pop(h, 1);
    }
    obj_set(h, root_get(h, last), 0, root_get(h, first));
    obj_set(h, root_get(h, first), 1, root_get(h, last));
    root_pop(h, 1);
}

/* A ring of n nodes, garbage as soon as it is built. */
static inline void drop_ring(heap *h, uint32_t n) {
    push_ring(h, n);
    root_pop(h, 1);
}

/* heap_destroy, checking that the books balance: allocated = freed + leaked. */
static inline heap_leak_report destroy_checked(heap *h) {
    heap_leak_report r;
    heap_destroy(h, &r);
    assert_int_equal(r.objects_allocated, r.objects_freed + r.objects_leaked);
    assert_int_equal(r.bytes_allocated, r.bytes_freed + r.bytes_leaked);
    return r;
}

#endif
