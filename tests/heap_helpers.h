/*
 * Helpers the collector tests share: random choices, a count of what is
 * reachable, an out-of-memory handler for a child process, building a ring
 * through the interface, and tearing a heap down with the books checked.
 * Include after cmocka.h.
 */
#ifndef HEAPLAB_TESTS_HEAP_HELPERS_H
#define HEAPLAB_TESTS_HEAP_HELPERS_H

#include <unistd.h>

#include "object.h"

/* xorshift64: a test's own deterministic choices. */
static inline uint64_t next_random(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Objects reachable from root slot `table`, by the test's own traversal
 * (at most 65,536: a test's graphs are small). */
static inline uint64_t count_reachable(heap *h, root table) {
    enum { MAX = 1 << 16 };
    static obj *seen[MAX], *stack[MAX];
    uint64_t n = 0;
    size_t depth = 0;
    seen[n++] = root_get(h, table);
    stack[depth++] = root_get(h, table);
    while (depth) {
        obj *o = stack[--depth];
        for (uint32_t i = 0; i < o->nrefs; i++) {
            obj *c = obj_get(o, i);
            if (!c) continue;
            bool known = false;
            for (uint64_t k = 0; k < n && !known; k++) known = seen[k] == c;
            if (known) continue;
            assert_true(n < MAX);
            seen[n++] = c;
            stack[depth++] = c;
        }
    }
    return n;
}

/* An out-of-memory handler for a test's child process: it must not return. */
static inline void exit_on_out_of_memory(heap *h, size_t requested, void *data) {
    (void)h, (void)requested, (void)data;
    _exit(3);
}

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
