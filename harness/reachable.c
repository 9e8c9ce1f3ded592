#include "reachable.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Both structures start at the size the caller expects (or small) and
 * double as the walk needs, so a pass over a heap that reaches little (a
 * refcounting heap full of leaked cycles) costs little, whatever it holds. */
#define MIN_SET_CAPACITY 4096
#define FIRST_STACK_CAPACITY 4096

/* The visited set: object addresses, 0 for an empty slot, at most two
 * thirds full so that linear probing stays short. */
typedef struct visited_set {
    uintptr_t *slots;
    size_t capacity; /* a power of two */
    size_t count;
    unsigned shift;  /* 64 - log2(capacity): the hash's top bits index the table */
} visited_set;

typedef struct walk_stack {
    obj **entries;
    size_t capacity, depth;
} walk_stack;

/* `populate`: every page will be written soon (a hash table's are), so
 * they are faulted in at once rather than one trap at a time. */
static void *map_scratch(size_t bytes, bool populate) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static bool set_init(visited_set *set, size_t capacity) {
    *set = (visited_set){.slots = map_scratch(capacity * sizeof(uintptr_t), true), .capacity = capacity, .shift = 64};
    for (size_t c = capacity; c > 1; c /= 2) set->shift--;
    return set->slots != NULL;
}

static void set_release(visited_set *set) {
    if (set->slots) munmap(set->slots, set->capacity * sizeof(uintptr_t));
    set->slots = NULL;
}

static inline size_t set_home(const visited_set *set, uintptr_t key) {
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> set->shift);
}

/* Twice the room, every address moved over; false without memory. */
static bool set_grow(visited_set *set) {
    visited_set bigger;
    if (!set_init(&bigger, set->capacity * 2)) return false;
    size_t mask = bigger.capacity - 1;
    for (size_t i = 0; i < set->capacity; i++) {
        uintptr_t key = set->slots[i];
        if (!key) continue;
        size_t j = set_home(&bigger, key);
        while (bigger.slots[j]) j = (j + 1) & mask;
        bigger.slots[j] = key;
    }
    bigger.count = set->count;
    set_release(set);
    *set = bigger;
    return true;
}

typedef enum visit_result { ALREADY_SEEN, FIRST_SEEN, NO_MEMORY } visit_result;

static inline visit_result visit(visited_set *set, const obj *o) {
    uintptr_t key = (uintptr_t)o;
    size_t mask = set->capacity - 1;
    for (size_t i = set_home(set, key);; i = (i + 1) & mask) {
        if (set->slots[i] == key) return ALREADY_SEEN;
        if (set->slots[i] == 0) break;
    }
    if (3 * (set->count + 1) > 2 * set->capacity) {
        if (!set_grow(set)) return NO_MEMORY;
        mask = set->capacity - 1;
    }
    size_t i = set_home(set, key);
    while (set->slots[i]) i = (i + 1) & mask;
    set->slots[i] = key;
    set->count++;
    return FIRST_SEEN;
}

static bool push(walk_stack *stack, obj *o) {
    if (stack->depth == stack->capacity) {
        size_t bytes = stack->capacity * sizeof(obj *);
        void *p = mremap(stack->entries, bytes, 2 * bytes, MREMAP_MAYMOVE);
        if (p == MAP_FAILED) return false;
        stack->entries = p;
        stack->capacity *= 2;
    }
    stack->entries[stack->depth++] = o;
    return true;
}

_Noreturn static void broken_heap(uint64_t live_objects) {
    fprintf(stderr, "heaplab: the root stack reaches more objects than the %llu the heap holds\n",
            (unsigned long long)live_objects);
    abort();
}

/* Marks o seen and pushes it if it is new; false without memory. An object
 * is pushed once, when first seen: no more can be reached than are live. */
static bool reach(visited_set *set, walk_stack *stack, obj *o, uint64_t live_objects) {
    switch (visit(set, o)) {
    case ALREADY_SEEN: return true;
    case NO_MEMORY: return false;
    case FIRST_SEEN: break;
    }
    if (set->count > live_objects) broken_heap(live_objects);
    return push(stack, o);
}

bool reachable_count(heap *h, uint64_t live_objects, uint64_t expected_objects, reachable_counts *counts) {
    *counts = (reachable_counts){0};
    size_t set_capacity = MIN_SET_CAPACITY;
    if (expected_objects > live_objects) expected_objects = live_objects;
    while (3 * expected_objects >= 2 * (uint64_t)set_capacity) set_capacity *= 2;
    visited_set set;
    walk_stack stack = {.entries = map_scratch(FIRST_STACK_CAPACITY * sizeof(obj *), false),
                        .capacity = FIRST_STACK_CAPACITY};
    bool ok = set_init(&set, set_capacity) && stack.entries;
    for (root r = 0, roots = root_depth(h); ok && r < roots; r++) {
        obj *o = root_get(h, r);
        if (o) ok = reach(&set, &stack, o, live_objects);
    }
    uint64_t objects = 0, bytes = 0;
    while (ok && stack.depth) {
        obj *o = stack.entries[--stack.depth];
        objects++;
        bytes += obj_size(o);
        for (uint32_t i = 0, n = o->nrefs; ok && i < n; i++) {
            obj *child = obj_get(o, i);
            if (child) ok = reach(&set, &stack, child, live_objects);
        }
    }
    set_release(&set);
    if (stack.entries) munmap(stack.entries, stack.capacity * sizeof(obj *));
    if (ok) *counts = (reachable_counts){objects, bytes};
    return ok;
}
