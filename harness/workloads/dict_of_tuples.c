/*
 * dict-of-tuples: the program of CPython issue gh-139951, which ran twice as
 * slowly on 3.14.0 as on 3.13 (the incremental collector):
 *
 *     d = {}
 *     for i in range(n):
 *         d[(i, i)] = d[(i, 0)] = d[(0, i)] = 0
 *     for i in range(1, n):
 *         for j in range(1, n):
 *             d[(i, j)] = i + j + d[(i - 1, j)] + d[(i, j - 1)] + d[(i - 1, j - 1)]
 *
 * A dict that only grows, keyed by small tuples of ints that stay alive as its
 * keys, and per cell three more tuples that live for one lookup. The dict is
 * one container (its table of keys and values; a new one, twice as large,
 * when two thirds full), a tuple a container whose slots hold ints, an int an
 * atom. Nothing is ever cyclic: what is not kept is freed at its last
 * reference.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { ROW_LENGTH, TUPLE_SIZE, LOOKUPS };

static const knob params[] = {
    [ROW_LENGTH] = {"row-length", "the grid's n: cells per row are n - 1, and the first n rows' diagonal is preset",
                    1000, 2, 1000000, true},
    [TUPLE_SIZE] = {"tuple-size", "ints in each key tuple: (i, j), then 0s", 2, 2, 16, true},
    [LOOKUPS] = {"lookups", "temporary key tuples per cell, each a dict lookup: (i-1, j), (i, j-1), (i-1, j-1)",
                 3, 0, 3, true},
    {NULL},
};

/* The table: entry e is key 2e, value 2e+1. Its size is a power of two,
 * at most two thirds full, and at most OBJ_MAX_REFS slots. */
#define MIN_ENTRIES 8
#define MAX_TABLE_ENTRIES ((uint64_t)OBJ_MAX_REFS / 2)
#define MAX_KEYS (MAX_TABLE_ENTRIES * 2 / 3)
enum { KEY, VALUE };

typedef struct dict {
    root table;
    uint64_t entries, used; /* table size in entries; keys stored */
} dict;

typedef struct grid {
    dict d;
    root zero;       /* the int 0, shared, as CPython's small ints are */
    root row, above;   /* i and i - 1 */
    root column, left; /* j and j - 1 */
    uint32_t tuple_size;
} grid;

static uint64_t int_value(const obj *atom) { return *(const uint64_t *)obj_data((obj *)atom); }

/* A new int, left on the root stack. */
static void new_int(heap *h, uint64_t value) { *(uint64_t *)obj_data(obj_new(h, 0, sizeof(uint64_t))) = value; }

/* tuple(first, second, 0, ...): left on the root stack. */
static void new_tuple(heap *h, const grid *g, root first, root second) {
    obj_new(h, g->tuple_size, 0);
    obj *t = root_get(h, root_depth(h) - 1);
    obj_set(h, t, 0, root_get(h, first));
    obj_set(h, t, 1, root_get(h, second));
    for (uint32_t k = 2; k < g->tuple_size; k++) obj_set(h, t, k, root_get(h, g->zero));
}

static uint64_t tuple_hash(const obj *t) {
    return checksum_mix(checksum_mix(0, int_value(obj_get(t, 0))), int_value(obj_get(t, 1)));
}

static bool same_key(const obj *a, const obj *b) {
    return int_value(obj_get(a, 0)) == int_value(obj_get(b, 0)) && int_value(obj_get(a, 1)) == int_value(obj_get(b, 1));
}

/* The entry holding `key`, or the empty one where it would go. */
static uint64_t probe(const obj *table, uint64_t entries, const obj *key) {
    uint64_t e = tuple_hash(key) & (entries - 1);
    for (;;) {
        const obj *k = obj_get(table, (uint32_t)(2 * e + KEY));
        if (!k || same_key(k, key)) return e;
        e = (e + 1) & (entries - 1);
    }
}

/* A table twice as large, every entry moved into it. */
static void grow(heap *h, dict *d) {
    uint64_t entries = d->entries * 2;
    obj_new(h, (uint32_t)(2 * entries), 0);
    obj *fresh = root_get(h, root_depth(h) - 1), *old = root_get(h, d->table);
    for (uint64_t e = 0; e < d->entries; e++) {
        obj *k = obj_get(old, (uint32_t)(2 * e + KEY));
        if (!k) continue;
        uint64_t at = probe(fresh, entries, k);
        obj_set(h, fresh, (uint32_t)(2 * at + KEY), k);
        obj_set(h, fresh, (uint32_t)(2 * at + VALUE), obj_get(old, (uint32_t)(2 * e + VALUE)));
    }
    root_set(h, d->table, fresh);
    root_pop(h, 1);
    d->entries = entries;
}

/* d[key] = value, both on top of the root stack (key below value), popped.
 * An existing key keeps its tuple; the new one was a temporary. */
static void store(heap *h, dict *d) {
    if (3 * (d->used + 1) > 2 * d->entries) grow(h, d);
    root value = root_depth(h) - 1, key = value - 1;
    obj *table = root_get(h, d->table), *k = root_get(h, key);
    uint64_t at = probe(table, d->entries, k);
    if (!obj_get(table, (uint32_t)(2 * at + KEY))) {
        obj_set(h, table, (uint32_t)(2 * at + KEY), k);
        d->used++;
    }
    obj_set(h, table, (uint32_t)(2 * at + VALUE), root_get(h, value));
    root_pop(h, 2);
}

/* d[(first, second)] for keys that are there: the tuple is a temporary. */
static uint64_t lookup(heap *h, grid *g, root first, root second) {
    new_tuple(h, g, first, second);
    obj *table = root_get(h, g->d.table);
    uint64_t at = probe(table, g->d.entries, root_get(h, root_depth(h) - 1));
    uint64_t value = int_value(obj_get(table, (uint32_t)(2 * at + VALUE)));
    root_pop(h, 1);
    return value;
}

/* d[(first, second)] = value, the int made here. */
static void set_item(heap *h, grid *g, root first, root second, root value) {
    new_tuple(h, g, first, second);
    root_push(h, root_get(h, value));
    store(h, &g->d);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t n = (uint64_t)a->params[ROW_LENGTH];
    uint32_t lookups = (uint32_t)a->params[LOOKUPS];
    rng r = rng_seeded(a->seed);
    grid g = {.tuple_size = (uint32_t)a->params[TUPLE_SIZE], .d.entries = MIN_ENTRIES};
    root base = root_depth(h);
    obj_new(h, 2 * MIN_ENTRIES, 0);
    g.d.table = base;
    new_int(h, 0);
    g.zero = base + 1;
    for (int i = 0; i < 4; i++) root_push(h, NULL);
    g.row = base + 2, g.above = base + 3, g.column = base + 4, g.left = base + 5;

    /* d[(i, i)] = d[(i, 0)] = d[(0, i)] = v for i < n: the report's 0, here
     * a value drawn from the seed. */
    for (uint64_t i = 0; i < n; i++) {
        new_int(h, i);
        root_set(h, g.row, root_get(h, root_depth(h) - 1));
        root_pop(h, 1);
        new_int(h, rng_next(&r));
        root v = root_depth(h) - 1;
        set_item(h, &g, g.row, g.row, v);
        set_item(h, &g, g.row, g.zero, v);
        set_item(h, &g, g.zero, g.row, v);
        root_pop(h, 1);
    }

    uint64_t sum = 0, last = 0, cells = 0;
    root_set(h, g.row, root_get(h, g.zero));
    for (uint64_t i = 1; cells < a->size; i++) {
        root_set(h, g.above, root_get(h, g.row));
        new_int(h, i);
        root_set(h, g.row, root_get(h, root_depth(h) - 1));
        root_pop(h, 1);
        if (i >= n) { /* past the preset rows: column 0 is set as the row starts */
            new_int(h, rng_next(&r));
            set_item(h, &g, g.row, g.zero, root_depth(h) - 1);
            root_pop(h, 1);
        }
        root_set(h, g.left, root_get(h, g.zero));
        for (uint64_t j = 1; j < n && cells < a->size; j++, cells++) {
            new_int(h, j);
            root_set(h, g.column, root_get(h, root_depth(h) - 1));
            root_pop(h, 1);
            uint64_t value = i + j;
            if (lookups > 0) value += lookup(h, &g, g.above, g.column);
            if (lookups > 1) value += lookup(h, &g, g.row, g.left);
            if (lookups > 2) value += lookup(h, &g, g.above, g.left);
            new_int(h, value);
            set_item(h, &g, g.row, g.column, root_depth(h) - 1);
            root_pop(h, 1);
            root_set(h, g.left, root_get(h, g.column));
            last = value;
        }
        sum = checksum_mix(sum, last);
    }

    /* Every entry read back: as many as were stored, their values summed. */
    obj *table = root_get(h, g.d.table);
    uint64_t found = 0, values = 0;
    for (uint64_t e = 0; e < g.d.entries; e++) {
        const obj *k = obj_get(table, (uint32_t)(2 * e + KEY));
        if (!k) continue;
        found++;
        values += int_value(obj_get(table, (uint32_t)(2 * e + VALUE))) ^ tuple_hash(k);
    }
    sum = checksum_mix(checksum_mix(checksum_mix(sum, last), values), found == g.d.used ? found : 0);
    root_pop(h, root_depth(h) - base);
    return sum;
}

/* Keys stored: the preset 3n less the repeats ((0, 0) three times, (i, i)
 * and (i, 0) once more for i = 0), the cells, and column 0 of every row
 * past the first n. */
static uint64_t keys_needed(const workload_args *a) {
    uint64_t n = (uint64_t)a->params[ROW_LENGTH];
    uint64_t rows = (a->size + n - 2) / (n - 1);
    return 3 * n - 2 + a->size + (rows >= n ? rows - n + 1 : 0);
}

static const char *check(const workload_args *a) {
    return keys_needed(a) > MAX_KEYS ? "size and row-length need more keys than one dict table holds (5592405)"
                                     : NULL;
}

const workload workload_dict_of_tuples = {
    .name = "dict-of-tuples",
    .summary = "a dict filled with millions of small tuple keys, three temporary tuples per store (gh-139951)",
    .description = "The program of CPython issue gh-139951, which ran twice as slowly on 3.14.0 as on\n"
                   "3.13: a dynamic-programming table kept in a dict keyed by (i, j) tuples,\n"
                   "d[(i, j)] = i + j + d[(i-1, j)] + d[(i, j-1)] + d[(i-1, j-1)], filled row by\n"
                   "row over a grid `row-length` wide. Every stored key is a small tuple that stays\n"
                   "alive, never garbage; every lookup builds a tuple that dies at once (acyclic\n"
                   "garbage, freed by counting); every value is a new int. The dict is one container\n"
                   "that only grows (its table replaced by one twice as large when two thirds full).\n"
                   "Stresses collectors whose work grows with the live heap rather than with the\n"
                   "garbage: many containers allocated, almost all of them kept.",
    .size_help = "cells computed (dict entries stored, besides the first row, column and diagonal)",
    .default_size = 500000,
    .max_size = MAX_KEYS,
    .params = params,
    .small_args = "--size=300 --row-length=20",
    .cyclic = false,
    .check = check,
    .run = run,
};
