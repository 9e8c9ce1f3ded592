/*
 * Verify mode, shared by the collectors: a registry of every object allocated
 * and not yet freed, and a whole-heap check run after each collection. It is
 * slow on purpose and costs nothing when verify mode is off.
 *
 * The check fails loudly (a message naming the violation, then abort) on the
 * first of: a root or a reachable slot pointing at an object that was freed;
 * a reference count that differs from the references that exist; registry
 * totals that differ from the collector's live counts; and, where the
 * collector promises it, an unreachable object that survived a full
 * collection.
 */
#ifndef HEAPLAB_VERIFY_H
#define HEAPLAB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object.h"

typedef struct registry_entry {
    obj *object;
    uint64_t size;
    uint64_t scratch; /* used by the check; zero between checks */
} registry_entry;

typedef struct object_registry {
    registry_entry *entries;
    size_t capacity, count; /* capacity is a power of two, or 0 */
    uint64_t bytes;
} object_registry;

void registry_init(object_registry *r);
void registry_release(object_registry *r);
void registry_add(object_registry *r, obj *o, uint64_t size);
/* Aborts if o is not registered: a double free or a free of a stranger. */
void registry_remove(object_registry *r, obj *o);
registry_entry *registry_find(const object_registry *r, const obj *o);

typedef struct heap_check {
    const char *collector;             /* for messages */
    obj *const *roots;
    size_t root_count;
    const object_registry *registry;
    uint64_t live_objects, live_bytes; /* what the collector believes */
    /* The collector's reference count of o, or NULL for a collector without. */
    uint64_t (*refcount)(const obj *o);
    /* True right after a full collection by a collector that reclaims cycles. */
    bool expect_only_reachable;
} heap_check;

/* Returns only if the heap is consistent. */
void heap_check_run(const heap_check *check);

/* Calls free_object on every registered object (the collector's teardown in
 * verify mode, which also frees what reference counting leaked). */
void registry_each(const object_registry *r, void (*fn)(obj *o, uint64_t size, void *data), void *data);

#endif
