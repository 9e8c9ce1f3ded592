#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VISITED (UINT64_C(1) << 63)

static size_t slot_of(const object_registry *r, const obj *o) {
    uint64_t h = (uint64_t)(uintptr_t)o;
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return (size_t)h & (r->capacity - 1);
}

_Noreturn static void fail(const char *collector, const char *message) {
    fprintf(stderr, "heaplab verify: %s: %s\n", collector, message);
    abort();
}

static void *checked_calloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) fail("registry", "out of memory");
    return p;
}

void registry_init(object_registry *r) { memset(r, 0, sizeof *r); }

void registry_release(object_registry *r) {
    free(r->entries);
    registry_init(r);
}

static void registry_grow(object_registry *r) {
    registry_entry *old = r->entries;
    size_t old_capacity = r->capacity;
    r->capacity = old_capacity ? old_capacity * 2 : 1024;
    r->entries = checked_calloc(r->capacity, sizeof *r->entries);
    for (size_t i = 0; i < old_capacity; i++) {
        if (!old[i].object) continue;
        size_t j = slot_of(r, old[i].object);
        while (r->entries[j].object) j = (j + 1) & (r->capacity - 1);
        r->entries[j] = old[i];
    }
    free(old);
}

void registry_add(object_registry *r, obj *o, uint64_t size) {
    if (2 * (r->count + 1) > r->capacity) registry_grow(r);
    size_t i = slot_of(r, o);
    while (r->entries[i].object) {
        if (r->entries[i].object == o) fail("registry", "object allocated twice at one address");
        i = (i + 1) & (r->capacity - 1);
    }
    r->entries[i] = (registry_entry){o, size, 0};
    r->count++;
    r->bytes += size;
}

registry_entry *registry_find(const object_registry *r, const obj *o) {
    if (!r->capacity) return NULL;
    for (size_t i = slot_of(r, o);; i = (i + 1) & (r->capacity - 1)) {
        if (r->entries[i].object == o) return &r->entries[i];
        if (!r->entries[i].object) return NULL;
    }
}

void registry_remove(object_registry *r, obj *o) {
    registry_entry *e = registry_find(r, o);
    if (!e) fail("registry", "freeing an object that is not allocated (double free?)");
    r->count--;
    r->bytes -= e->size;
    /* Backward-shift deletion keeps linear probing correct without tombstones. */
    size_t mask = r->capacity - 1, hole = (size_t)(e - r->entries);
    for (size_t i = (hole + 1) & mask; r->entries[i].object; i = (i + 1) & mask) {
        size_t home = slot_of(r, r->entries[i].object);
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            r->entries[hole] = r->entries[i];
            hole = i;
        }
    }
    r->entries[hole] = (registry_entry){0};
}

void registry_each(const object_registry *r, void (*fn)(obj *o, uint64_t size, void *data), void *data) {
    /* Collect first: fn may free, and freeing must not disturb the walk. */
    size_t n = 0;
    registry_entry *copy = checked_calloc(r->count ? r->count : 1, sizeof *copy);
    for (size_t i = 0; i < r->capacity; i++)
        if (r->entries[i].object) copy[n++] = r->entries[i];
    for (size_t i = 0; i < n; i++) fn(copy[i].object, copy[i].size, data);
    free(copy);
}

/* The object a reference points at must be registered (still allocated). */
static registry_entry *expect_allocated(const heap_check *c, const obj *target, const char *where) {
    registry_entry *e = registry_find(c->registry, target);
    if (!e) {
        char message[160];
        snprintf(message, sizeof message, "%s points at %p, which was freed", where, (const void *)target);
        fail(c->collector, message);
    }
    return e;
}

/* Marks everything reachable from the roots, with an explicit stack. */
static void mark_reachable(const heap_check *c) {
    size_t depth = 0, capacity = 1024;
    obj **stack = checked_calloc(capacity, sizeof *stack);
    for (size_t i = 0; i < c->root_count; i++) {
        if (!c->roots[i]) continue;
        registry_entry *e = expect_allocated(c, c->roots[i], "a root slot");
        if (e->scratch & VISITED) continue;
        e->scratch |= VISITED;
        stack[depth++] = e->object;
        while (depth) {
            obj *o = stack[--depth];
            for (uint32_t s = 0; s < o->nrefs; s++) {
                obj *child = o->refs[s];
                if (!child) continue;
                registry_entry *ce = expect_allocated(c, child, "a reachable object's slot");
                if (ce->scratch & VISITED) continue;
                ce->scratch |= VISITED;
                if (depth == capacity) {
                    capacity *= 2;
                    stack = realloc(stack, capacity * sizeof *stack);
                    if (!stack) fail("registry", "out of memory");
                }
                stack[depth++] = child;
            }
        }
    }
    free(stack);
}

void heap_check_run(const heap_check *c) {
    const object_registry *r = c->registry;
    if (r->count != c->live_objects || r->bytes != c->live_bytes) {
        char message[200];
        snprintf(message, sizeof message,
                 "books do not balance: %zu objects / %llu bytes allocated, collector counts %llu / %llu",
                 r->count, (unsigned long long)r->bytes, (unsigned long long)c->live_objects,
                 (unsigned long long)c->live_bytes);
        fail(c->collector, message);
    }
    mark_reachable(c);

    if (c->refcount) {
        /* Count every reference that exists: root slots and every slot of
         * every allocated object (reachable or not). */
        for (size_t i = 0; i < c->root_count; i++)
            if (c->roots[i]) registry_find(r, c->roots[i])->scratch++;
        for (size_t i = 0; i < r->capacity; i++) {
            obj *o = r->entries[i].object;
            if (!o) continue;
            for (uint32_t s = 0; s < o->nrefs; s++)
                if (o->refs[s]) expect_allocated(c, o->refs[s], "an unreachable object's slot")->scratch++;
        }
    }
    for (size_t i = 0; i < r->capacity; i++) {
        registry_entry *e = &r->entries[i];
        if (!e->object) continue;
        if (c->expect_only_reachable && !(e->scratch & VISITED)) {
            char message[160];
            snprintf(message, sizeof message, "unreachable object %p (%u refs, %u bytes) survived a full collection",
                     (void *)e->object, e->object->nrefs, e->object->nbytes);
            fail(c->collector, message);
        }
        if (c->refcount) {
            uint64_t expected = e->scratch & ~VISITED, actual = c->refcount(e->object);
            if (expected != actual) {
                char message[160];
                snprintf(message, sizeof message, "object %p has reference count %llu but %llu references exist",
                         (void *)e->object, (unsigned long long)actual, (unsigned long long)expected);
                fail(c->collector, message);
            }
        }
        e->scratch = 0;
    }
}
