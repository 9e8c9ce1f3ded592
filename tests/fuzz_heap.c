/*
 * The heap-operations fuzzer. A byte string decodes to a sequence of
 * interface operations — allocate, store (or move the top root into a
 * slot), clear, push, pop, set a root, collect young, collect everything —
 * run against one variant and, in lock
 * step, against a small model of the object graph that counts references
 * exactly as pure reference counting does.
 *
 * After every full collection the variant's live objects must be exactly the
 * model's: what is reachable from the roots for a collector that reclaims
 * cycles, what reference counting keeps (reachable, plus what unreachable
 * cycles hold) for one that does not. At every check every reachable object
 * must hold its identity and the slots the model says. The heap itself runs
 * in verify mode, so its own whole-heap checks run after each collection.
 *
 * Built two ways: with libFuzzer (clang -fsanitize=fuzzer,address; `make
 * fuzz`), and as a replay program (-DHEAPLAB_FUZZ_REPLAY) that runs every
 * input of a corpus directory, for the test suite.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "object.h"

#define MAX_OBJECTS 4096
#define MAX_ROOTS 64
#define MAX_SLOTS 4

typedef struct model_object {
    bool alive;
    uint32_t nrefs;
    int32_t slots[MAX_SLOTS]; /* model ids, -1 for NULL */
    uint32_t count;           /* references: roots and slots */
} model_object;

typedef struct model {
    model_object objects[MAX_OBJECTS];
    uint32_t object_count;
    int32_t roots[MAX_ROOTS];
    uint32_t depth;
    uint64_t live;
} model;

_Noreturn static void violation(const char *what, long a, long b) {
    fprintf(stderr, "heaplab fuzz: %s: %s (%ld, %ld)\n", gc_name, what, a, b);
    abort();
}

/* ---- the model: reference counting, exactly ---- */

static void model_release(model *m, int32_t id) {
    /* Iterative, like the collectors: the model must not recurse either. */
    static int32_t stack[MAX_OBJECTS];
    size_t depth = 0;
    stack[depth++] = id;
    while (depth) {
        model_object *o = &m->objects[stack[--depth]];
        o->alive = false;
        m->live--;
        for (uint32_t i = 0; i < o->nrefs; i++) {
            int32_t child = o->slots[i];
            o->slots[i] = -1;
            if (child >= 0 && --m->objects[child].count == 0) stack[depth++] = child;
        }
    }
}

static void model_incref(model *m, int32_t id) {
    if (id >= 0) m->objects[id].count++;
}

static void model_decref(model *m, int32_t id) {
    if (id >= 0 && --m->objects[id].count == 0) model_release(m, id);
}

/* Marks what the roots reach; returns how many. */
static uint64_t model_reachable(const model *m, bool *reached) {
    static int32_t stack[MAX_OBJECTS];
    size_t depth = 0;
    uint64_t count = 0;
    memset(reached, 0, sizeof(bool) * m->object_count);
    for (uint32_t r = 0; r < m->depth; r++) {
        int32_t id = m->roots[r];
        if (id < 0 || reached[id]) continue;
        reached[id] = true;
        stack[depth++] = id;
        while (depth) {
            const model_object *o = &m->objects[stack[--depth]];
            count++;
            for (uint32_t i = 0; i < o->nrefs; i++) {
                int32_t child = o->slots[i];
                if (child >= 0 && !reached[child]) reached[child] = true, stack[depth++] = child;
            }
        }
    }
    return count;
}

/* A cycle-collecting full collection: everything unreachable goes, and the
 * references it held to reachable objects go with it. */
static void model_collect_cycles(model *m) {
    static bool reached[MAX_OBJECTS];
    model_reachable(m, reached);
    for (uint32_t id = 0; id < m->object_count; id++) {
        model_object *o = &m->objects[id];
        if (!o->alive || reached[id]) continue;
        for (uint32_t i = 0; i < o->nrefs; i++) {
            int32_t child = o->slots[i];
            if (child >= 0 && reached[child]) m->objects[child].count--;
            o->slots[i] = -1;
        }
        o->alive = false;
        m->live--;
    }
}

/* ---- checking the variant against the model ---- */

static uint64_t identity(const obj *o) { return *(const uint64_t *)obj_data((obj *)o); }

static void check_object(const model *m, const obj *o, int32_t id) {
    if (!o) violation("a reference the model says is set is NULL", id, -1);
    if ((int64_t)identity(o) != id) violation("an object holds the wrong identity", (long)identity(o), id);
    const model_object *mo = &m->objects[id];
    if (!mo->alive) violation("the model says this object is dead", id, -1);
    if (o->nrefs != mo->nrefs) violation("an object has the wrong number of slots", o->nrefs, mo->nrefs);
}

static void check_against_model(heap *h, const model *m, bool after_full_collection) {
    static bool reached[MAX_OBJECTS];
    uint64_t reachable = model_reachable(m, reached);
    if (root_depth(h) != m->depth) violation("root depth differs", (long)root_depth(h), m->depth);
    for (uint32_t r = 0; r < m->depth; r++) {
        obj *o = root_get(h, r);
        if (m->roots[r] < 0) {
            if (o) violation("a root the model says is NULL is set", r, -1);
            continue;
        }
        check_object(m, o, m->roots[r]);
    }
    /* Every reachable object's slots, object by object: the roots lead to
     * them all, and each slot is compared with the model's. */
    static obj *stack[MAX_OBJECTS];
    static bool seen[MAX_OBJECTS];
    memset(seen, 0, sizeof(bool) * m->object_count);
    for (uint32_t r = 0; r < m->depth; r++) {
        if (m->roots[r] < 0) continue;
        size_t depth = 0;
        if (seen[m->roots[r]]) continue;
        seen[m->roots[r]] = true;
        stack[depth++] = root_get(h, r);
        while (depth) {
            obj *o = stack[--depth];
            const model_object *mo = &m->objects[identity(o)];
            for (uint32_t i = 0; i < mo->nrefs; i++) {
                obj *child = obj_get(o, i);
                if (mo->slots[i] < 0) {
                    if (child) violation("a slot the model says is NULL is set", (long)identity(o), i);
                    continue;
                }
                check_object(m, child, mo->slots[i]);
                if (!seen[mo->slots[i]]) seen[mo->slots[i]] = true, stack[depth++] = child;
            }
        }
    }
    if (after_full_collection) {
        heap_stats s;
        heap_stats_get(h, &s);
        /* What is left is what the collector's traits say it keeps. */
        uint64_t expected = gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE ? reachable
                            : gc_traits.reclaims == GC_RECLAIMS_ACYCLIC   ? m->live
                                                                          : m->object_count;
        /* Inexact books (a conservative collector) may keep more, never less than is reachable. */
        bool wrong = gc_traits.exact_books ? s.live_objects != expected : s.live_objects < reachable;
        if (wrong) violation("live objects after a full collection", (long)s.live_objects, (long)expected);
    }
}

/* ---- one input ---- */

typedef struct input {
    const uint8_t *data;
    size_t size, at;
} input;

static uint8_t next_byte(input *in) { return in->at < in->size ? in->data[in->at++] : 0; }

static void run_input(const uint8_t *data, size_t size) {
    static model m;
    memset(&m, 0, sizeof m);
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    input in = {data, size, 0};
    /* The first byte picks a stress interval (0: off) and small thresholds, so
     * that short inputs still reach every kind of collection. */
    uint8_t setup = next_byte(&in);
    config.stress_interval = setup & 7;
    heap_config_set_knob(&config, "threshold0", 1 + (setup >> 3 & 7) * 3);
    heap_config_set_knob(&config, "threshold1", 1 + (setup >> 6));
    heap_config_set_knob(&config, "min-heap", 4096);
    heap_config_set_knob(&config, "nursery-size", 256 << (setup >> 3 & 3)); /* a young collection every few objects */
    heap *h = heap_create(&config);

    while (in.at < in.size) {
        uint8_t op = next_byte(&in), a = next_byte(&in), b = next_byte(&in);
        switch (op % 8) {
        case 0: /* allocate */
            if (m.object_count == MAX_OBJECTS || m.depth == MAX_ROOTS) break;
            {
                uint32_t nrefs = a % (MAX_SLOTS + 1), nbytes = 8 + b % 40;
                obj *o = obj_new(h, nrefs, nbytes);
                int32_t id = (int32_t)m.object_count++;
                *(uint64_t *)obj_data(o) = (uint64_t)id;
                model_object *mo = &m.objects[id];
                mo->alive = true;
                mo->nrefs = nrefs;
                mo->count = 1;
                for (uint32_t i = 0; i < MAX_SLOTS; i++) mo->slots[i] = -1;
                m.roots[m.depth++] = id;
                m.live++;
            }
            break;
        case 1: /* store: a root's object, or its first child, gets another root's object
                 * (or, with the op's top bit, the top root, moved) */
        case 2: /* clear a slot */
            if (!m.depth) break;
            {
                uint32_t r = a % m.depth;
                int32_t source = m.roots[r];
                obj *o = root_get(h, r);
                if (source >= 0 && (b & 0x80) && m.objects[source].nrefs && m.objects[source].slots[0] >= 0) {
                    source = m.objects[source].slots[0]; /* one level down: older objects get stores too */
                    o = obj_get(o, 0);
                }
                if (source < 0 || !m.objects[source].nrefs) break;
                uint32_t slot = b % m.objects[source].nrefs;
                int32_t value;
                if (op % 8 == 1 && op & 0x80) { /* the top root moves into the slot: no count changes */
                    value = m.roots[--m.depth];
                    obj_set_pop(h, o, slot);
                } else {
                    value = op % 8 == 1 ? m.roots[(b >> 2) % m.depth] : -1;
                    obj_set(h, o, slot, op % 8 == 1 ? root_get(h, (b >> 2) % m.depth) : NULL);
                    model_incref(&m, value);
                }
                int32_t old = m.objects[source].slots[slot];
                m.objects[source].slots[slot] = value;
                model_decref(&m, old);
            }
            break;
        case 3: /* push a copy of a root (or NULL) */
            if (m.depth == MAX_ROOTS) break;
            {
                int32_t value = m.depth && (a & 1) ? m.roots[b % m.depth] : -1;
                root_push(h, value >= 0 ? root_get(h, b % m.depth) : NULL);
                model_incref(&m, value);
                m.roots[m.depth++] = value;
            }
            break;
        case 4: /* pop 1..3 */
            {
                uint32_t n = 1 + a % 3;
                if (n > m.depth) n = m.depth;
                root_pop(h, n);
                while (n--) model_decref(&m, m.roots[--m.depth]);
            }
            break;
        case 5: /* set a root to another root's object, or NULL */
            if (!m.depth) break;
            {
                uint32_t r = a % m.depth;
                int32_t value = b & 1 ? m.roots[(b >> 1) % m.depth] : -1;
                root_set(h, r, value >= 0 ? root_get(h, (b >> 1) % m.depth) : NULL);
                model_incref(&m, value);
                int32_t old = m.roots[r];
                m.roots[r] = value;
                model_decref(&m, old);
            }
            break;
        case 6: /* collect a young generation */
            heap_collect(h, a % 2);
            check_against_model(h, &m, false);
            break;
        case 7: /* collect everything */
            heap_collect(h, -1);
            if (gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE) model_collect_cycles(&m);
            check_against_model(h, &m, true);
            break;
        }
    }
    heap_collect(h, -1);
    if (gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE) model_collect_cycles(&m);
    check_against_model(h, &m, true);
    heap_leak_report report;
    heap_destroy(h, &report);
    if (report.objects_allocated != report.objects_freed + report.objects_leaked)
        violation("the books do not balance", (long)report.objects_allocated, (long)report.objects_freed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run_input(data, size);
    return 0;
}

#ifdef HEAPLAB_FUZZ_REPLAY
#include <dirent.h>

/* Replays every file of a corpus directory (default tests/fuzz-corpus). */
int main(int argc, char **argv) {
    const char *corpus = argc > 1 ? argv[1] : "tests/fuzz-corpus";
    DIR *dir = opendir(corpus);
    if (!dir) {
        fprintf(stderr, "fuzz replay: cannot open %s\n", corpus);
        return 2;
    }
    unsigned passed = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", corpus, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        static uint8_t data[1 << 20];
        size_t n = fread(data, 1, sizeof data, f);
        fclose(f);
        run_input(data, n); /* a violation aborts, naming the collector */
        passed++;
    }
    closedir(dir);
    printf("fuzz replay %s+%s: %u passed, 0 failed\n", gc_name, alloc_name, passed);
    return passed ? 0 : 1;
}
#endif
