/*
 * marksweep's own tests, through the object interface only: what survives a
 * collection, what is freed (to the object), when the size policy collects,
 * the heap limit and out-of-memory, and the deep and wide graphs that would
 * break a recursive marker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "heap_helpers.h"
#include "object.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEEP_CHAIN 1000000u
#else
#define DEEP_CHAIN 10000000u
#endif
#define WIDE_SLOTS 1000000u

static heap *new_heap(bool verify, uint64_t stress) {
    heap_config config;
    heap_config_init(&config);
    config.verify = verify;
    config.stress_interval = stress;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

/* A heap that collects only when asked (for exact counts). */
static heap *manual_heap(bool verify) {
    heap_config config;
    heap_config_init(&config);
    config.verify = verify;
    assert_true(heap_config_set_knob(&config, "min-heap", 1099511627776.0));
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    return s;
}

static heap_leak_report destroy(heap *h) {
    heap_leak_report r = destroy_checked(h);
    assert_int_equal(r.objects_leaked, 0);
    assert_int_equal(r.bytes_leaked, 0);
    return r;
}

static obj *tagged(heap *h, uint32_t nrefs, uint64_t tag) {
    obj *o = obj_new(h, nrefs, 2 * sizeof(uint64_t));
    uint64_t *data = obj_data(o);
    data[0] = tag;
    data[1] = ~tag;
    return o;
}

static uint64_t tag_of(obj *o) {
    uint64_t *data = obj_data(o);
    assert_int_equal(data[1], ~data[0]);
    return data[0];
}

/* The footprint the heap charges for one object of this shape, measured. */
static uint64_t footprint(heap *h, uint32_t nrefs, uint32_t nbytes) {
    uint64_t before = stats_of(h).bytes_allocated;
    obj_new(h, nrefs, nbytes);
    root_pop(h, 1);
    return stats_of(h).bytes_allocated - before;
}

/* Allocates `n` objects and drops them at once. */
static void garbage(heap *h, uint32_t n, uint32_t nbytes) {
    for (uint32_t i = 0; i < n; i++) {
        obj_new(h, 0, nbytes);
        root_pop(h, 1);
    }
}

static void reachable_objects_survive_intact(void **state) {
    (void)state;
    heap *h = manual_heap(true);
    /* root -> a[0..9], each a[i] -> b (shared) and itself, plus a chain of 100 */
    tagged(h, 11, 1000);
    root top = root_depth(h) - 1;
    tagged(h, 0, 2000);
    root shared = root_depth(h) - 1;
    for (uint32_t i = 0; i < 10; i++) {
        obj *a = tagged(h, 2, i);
        obj_set(h, a, 0, root_get(h, shared));
        obj_set(h, a, 1, a);
        obj_set(h, root_get(h, top), i, a);
        root_pop(h, 1);
    }
    root_pop(h, 1); /* shared lives on through the a[i] */
    for (uint32_t i = 0; i < 100; i++) {
        obj *link = tagged(h, 1, 3000 + i);
        obj_set(h, link, 0, obj_get(root_get(h, top), 10));
        obj_set(h, root_get(h, top), 10, link);
        root_pop(h, 1);
    }
    garbage(h, 500, 40);
    assert_int_equal(stats_of(h).live_objects, 1 + 1 + 10 + 100 + 500);
    for (int round = 0; round < 3; round++) {
        heap_collect(h, round - 1);
        garbage(h, 200, 24); /* reuses what was freed: a wrongly freed object would be clobbered */
        obj *t = root_get(h, top);
        assert_int_equal(tag_of(t), 1000);
        assert_int_equal(t->nrefs, 11);
        assert_int_equal(t->nbytes, 16);
        obj *b = obj_get(obj_get(t, 0), 0);
        assert_int_equal(tag_of(b), 2000);
        for (uint32_t i = 0; i < 10; i++) {
            obj *a = obj_get(t, i);
            assert_int_equal(tag_of(a), i);
            assert_ptr_equal(obj_get(a, 0), b);
            assert_ptr_equal(obj_get(a, 1), a);
        }
        uint32_t n = 100;
        for (obj *link = obj_get(t, 10); link; link = obj_get(link, 0)) assert_int_equal(tag_of(link), 3000 + --n);
        assert_int_equal(n, 0);
    }
    heap_stats s = stats_of(h);
    assert_int_equal(s.live_objects, 112 + 200); /* the last round's garbage is not collected yet */
    assert_int_equal(s.collections, 3);
    assert_int_equal(s.objects_marked, 3 * 112);
    assert_int_equal(s.generations, 1);
    assert_int_equal(s.generation[0].collections, 3);
    assert_int_equal(s.generation[0].collected, 500 + 200 + 200);
    assert_int_equal(s.objects_freed, 900);
    destroy(h);
}

typedef struct collection_log {
    int begun, ended, begin_generation;
    gc_collection_summary last;
} collection_log;

static void log_begin(void *data, int generation) {
    collection_log *log = data;
    log->begun++;
    log->begin_generation = generation;
}

static void log_end(void *data, const gc_collection_summary *summary) {
    collection_log *log = data;
    log->ended++;
    log->last = *summary;
}

static void garbage_and_cycles_are_freed_exactly(void **state) {
    (void)state;
    collection_log log = {0};
    gc_event_listener listener = {.data = &log, .collection_begin = log_begin, .collection_end = log_end};
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    config.listener = &listener;
    heap_config_set_knob(&config, "min-heap", 1e12);
    heap *h = heap_create(&config);
    uint64_t node = footprint(h, 2, 8), atom = footprint(h, 0, 24);
    heap_collect(h, -1);
    assert_int_equal(stats_of(h).live_objects, 0);

    /* a kept object, an acyclic tree of 7 under a dropped root, a 2-cycle, a
     * self-loop, a ring of 1000 */
    obj_new(h, 2, 8);
    obj *tree = obj_new(h, 2, 8);
    obj *l = obj_new(h, 2, 8), *r = obj_new(h, 2, 8);
    obj_set(h, tree, 0, l);
    obj_set(h, tree, 1, r);
    for (int i = 0; i < 4; i++) {
        obj *leaf = obj_new(h, 0, 24);
        obj_set(h, i < 2 ? l : r, (uint32_t)i % 2, leaf);
    }
    root_pop(h, 7);
    obj *x = obj_new(h, 2, 8), *y = obj_new(h, 2, 8);
    obj_set(h, x, 0, y);
    obj_set(h, y, 0, x);
    root_pop(h, 2);
    obj *self = obj_new(h, 2, 8);
    obj_set(h, self, 0, self);
    root_pop(h, 1);
    drop_ring(h, 1000);
    uint64_t garbage_objects = 3 + 4 + 2 + 1 + 1000, garbage_bytes = (3 + 2 + 1 + 1000) * node + 4 * atom;
    assert_int_equal(stats_of(h).live_objects, 1 + garbage_objects);

    heap_collect(h, 1); /* any generation is a full collection */
    heap_stats s = stats_of(h);
    assert_int_equal(s.live_objects, 1);
    assert_int_equal(s.live_bytes, node);
    assert_int_equal(log.begun, 2);
    assert_int_equal(log.ended, 2);
    assert_int_equal(log.begin_generation, -1);
    assert_int_equal(log.last.generation, -1);
    assert_int_equal(log.last.objects_examined, 1 + garbage_objects);
    assert_int_equal(log.last.objects_marked, 1);
    assert_int_equal(log.last.bytes_marked, node);
    assert_int_equal(log.last.objects_freed, garbage_objects);
    assert_int_equal(log.last.bytes_freed, garbage_bytes);
    assert_int_equal(log.last.live_bytes_after, node);
    assert_int_equal(s.bytes_marked, node);
    assert_int_equal(s.generation[0].collected, 2 + garbage_objects); /* the two measured ones too */
    destroy(h);
    assert_int_equal(log.begun, 2); /* teardown reports nothing */
}

/* Growth trigger: after a collection leaving `live` bytes, a collection runs
 * before the allocation that would take the bytes allocated since past
 * max(factor x live, min-heap), and not one allocation sooner. */
static void expect_trigger_after(double factor, double min_heap, uint64_t expected_allocations) {
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    assert_true(heap_config_set_knob(&config, "growth-factor", factor));
    assert_true(heap_config_set_knob(&config, "min-heap", min_heap));
    heap *h = heap_create(&config);
    for (int i = 0; i < 10; i++) obj_new(h, 0, 48); /* kept live */
    heap_collect(h, -1);
    heap_stats s = stats_of(h);
    uint64_t size = s.live_bytes / 10, collections = s.collections;
    assert_int_equal(size, 64);
    assert_int_equal(s.live_bytes, 640);
    for (int cycle = 0; cycle < 3; cycle++) {
        /* The allocation that triggered the last one counts towards the next. */
        uint64_t allowed = expected_allocations - (cycle ? 1 : 0);
        for (uint64_t i = 0; i < allowed; i++) {
            garbage(h, 1, 48);
            assert_int_equal(stats_of(h).collections, collections);
        }
        garbage(h, 1, 48);
        s = stats_of(h);
        assert_int_equal(s.collections, collections + 1);
        assert_int_equal(s.live_bytes, 640 + size); /* the garbage went, the new object is in */
        collections++;
    }
    destroy(h);
}

static void growth_factor_triggers_exactly(void **state) {
    (void)state;
    expect_trigger_after(2, 0, 20);     /* 20 x 64 = 1280 = 2 x 640: the 21st exceeds */
    expect_trigger_after(0.5, 0, 5);    /* 320 */
    expect_trigger_after(3.25, 0, 32);  /* 2080 / 64 = 32.5 */
    expect_trigger_after(2, 10000, 156); /* min-heap: 156 x 64 = 9984 <= 10000 < 10048 */
    expect_trigger_after(2, 1280, 20);  /* min-heap equal to the growth allowance changes nothing */
}

/* With the defaults (1 MiB min-heap) an empty heap does not collect at every
 * allocation. */
static void min_heap_keeps_a_small_heap_quiet(void **state) {
    (void)state;
    heap *h = new_heap(false, 0);
    garbage(h, 16383, 48); /* 16383 x 64 < 1 MiB */
    assert_int_equal(stats_of(h).collections, 0);
    garbage(h, 1, 48); /* 16384 x 64 = 1 MiB: not past it */
    assert_int_equal(stats_of(h).collections, 0);
    garbage(h, 1, 48);
    heap_stats s = stats_of(h);
    assert_int_equal(s.collections, 1);
    assert_int_equal(s.live_objects, 1);
    destroy(h);
}

static void heap_limit_collects_before_it_is_exceeded(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    heap_config_set_knob(&config, "growth-factor", 1000);
    heap_config_set_knob(&config, "min-heap", 1e12);
    config.heap_limit_bytes = 640 + 10 * 64;
    heap *h = heap_create(&config);
    for (int i = 0; i < 10; i++) obj_new(h, 0, 48); /* 640 live */
    assert_int_equal(stats_of(h).collections, 0);
    for (int round = 0; round < 5; round++) {
        garbage(h, round ? 9 : 10, 48);
        heap_stats s = stats_of(h);
        assert_int_equal(s.collections, (uint64_t)round);
        assert_int_equal(s.live_bytes, config.heap_limit_bytes);
        garbage(h, 1, 48);
        s = stats_of(h);
        assert_int_equal(s.collections, (uint64_t)round + 1);
        assert_int_equal(s.live_bytes, 640 + 64);
        assert_true(s.peak_live_bytes <= config.heap_limit_bytes);
    }
    destroy(h);
}

typedef struct oom_expectation {
    uint64_t requested;
} oom_expectation;

static void out_of_memory_handler(heap *h, size_t requested, void *data) {
    const oom_expectation *expect = data;
    heap_stats s;
    heap_stats_get(h, &s);
    printf("out of memory: %zu bytes requested, %llu live, limit %llu, %llu collections\n", requested,
           (unsigned long long)s.live_bytes, (unsigned long long)s.heap_limit_bytes,
           (unsigned long long)s.collections);
    fflush(stdout);
    bool right = requested == expect->requested && s.live_bytes + requested > s.heap_limit_bytes &&
                 s.live_bytes <= s.heap_limit_bytes && s.collections >= 1;
    _exit(right ? 3 : 4);
}

static int run_out_of_memory_child(uint32_t nbytes) {
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        oom_expectation expect = {0};
        heap_config config;
        heap_config_init(&config);
        config.verify = true;
        config.heap_limit_bytes = 100 * 64 + 32;
        config.out_of_memory = out_of_memory_handler;
        config.out_of_memory_data = &expect;
        heap *h = heap_create(&config);
        root head = root_push(h, NULL);
        expect.requested = footprint(h, 1, nbytes);
        for (int i = 0; i < 1000; i++) {
            obj *node = obj_new(h, 1, nbytes);
            obj_set(h, node, 0, root_get(h, head));
            root_set(h, head, node);
            root_pop(h, 1);
            garbage(h, 3, nbytes); /* collectable, so the limit is reached by live data alone */
        }
        _exit(0); /* never: 1000 live objects do not fit */
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void live_data_past_the_limit_is_out_of_memory(void **state) {
    (void)state;
    assert_int_equal(run_out_of_memory_child(40), 3);  /* 64-byte objects */
    assert_int_equal(run_out_of_memory_child(200), 3); /* another size: the handler sees it */
}

static void deep_chain_marks_and_frees(void **state) {
    (void)state;
    heap *h = new_heap(false, 0);
    root head = root_push(h, NULL);
    for (uint32_t i = 0; i < DEEP_CHAIN; i++) {
        obj *node = obj_new(h, 1, 8);
        *(uint64_t *)obj_data(node) = i;
        obj_set(h, node, 0, root_get(h, head));
        root_set(h, head, node);
        root_pop(h, 1);
    }
    heap_collect(h, -1);
    heap_stats s = stats_of(h);
    assert_int_equal(s.live_objects, DEEP_CHAIN);
    uint64_t expected = DEEP_CHAIN;
    for (obj *o = root_get(h, head); o; o = obj_get(o, 0)) assert_int_equal(*(uint64_t *)obj_data(o), --expected);
    assert_int_equal(expected, 0);
    /* Cut it in the middle: the far half goes. */
    obj *o = root_get(h, head);
    for (uint32_t i = 1; i < DEEP_CHAIN / 2; i++) o = obj_get(o, 0);
    obj_set(h, o, 0, NULL);
    uint64_t freed_before = stats_of(h).objects_freed;
    heap_collect(h, -1);
    s = stats_of(h);
    assert_int_equal(s.live_objects, DEEP_CHAIN / 2);
    assert_int_equal(s.objects_freed - freed_before, DEEP_CHAIN - DEEP_CHAIN / 2);
    root_pop(h, 1);
    heap_collect(h, -1);
    assert_int_equal(stats_of(h).live_objects, 0);
    destroy(h);
}

/* The mark stack holds edges, not objects: one object behind a million
 * slots and a hundred roots is still marked, counted and kept once. */
static void shared_object_is_marked_once(void **state) {
    (void)state;
    heap *h = manual_heap(false);
    obj_new(h, WIDE_SLOTS, 0);
    root wide = root_depth(h) - 1;
    obj *shared = obj_new(h, 1, 8);
    obj_set(h, shared, 0, shared);
    for (uint32_t i = 0; i < WIDE_SLOTS; i++) obj_set(h, root_get(h, wide), i, shared);
    for (int i = 0; i < 100; i++) root_push(h, shared);
    obj_new(h, 0, 8); /* garbage once popped */
    root_pop(h, 1);
    heap_collect(h, -1);
    heap_stats s = stats_of(h);
    assert_int_equal(s.objects_marked, 2);
    assert_int_equal(s.live_objects, 2);
    assert_int_equal(s.objects_freed, 1);
    root_pop(h, 101);
    heap_collect(h, -1);
    assert_int_equal(stats_of(h).objects_marked, 4);
    assert_int_equal(stats_of(h).live_objects, 2);
    destroy(h);
}

static void wide_object_marks_every_slot(void **state) {
    (void)state;
    heap *h = manual_heap(false);
    obj_new(h, WIDE_SLOTS, 0);
    root wide = root_depth(h) - 1;
    for (uint32_t i = 0; i < WIDE_SLOTS; i++) {
        obj *o = obj_new(h, 0, 8);
        *(uint64_t *)obj_data(o) = i;
        obj_set(h, root_get(h, wide), i, o);
        root_pop(h, 1);
    }
    heap_collect(h, -1);
    heap_stats s = stats_of(h);
    assert_int_equal(s.live_objects, WIDE_SLOTS + 1);
    assert_int_equal(s.objects_marked, WIDE_SLOTS + 1);
    for (uint32_t i = 0; i < WIDE_SLOTS; i++) assert_int_equal(*(uint64_t *)obj_data(obj_get(root_get(h, wide), i)), i);
    for (uint32_t i = 0; i < WIDE_SLOTS; i += 2) obj_set(h, root_get(h, wide), i, NULL);
    heap_collect(h, -1);
    s = stats_of(h);
    assert_int_equal(s.live_objects, WIDE_SLOTS / 2 + 1);
    assert_int_equal(s.objects_freed, WIDE_SLOTS / 2);
    for (uint32_t i = 1; i < WIDE_SLOTS; i += 2) assert_int_equal(*(uint64_t *)obj_data(obj_get(root_get(h, wide), i)), i);
    destroy(h);
}

/* Random graph mutation under verify mode (and stress): a table of NODES
 * slots, nodes with EDGES slots each, every node tagged with its id; a model
 * of the graph is checked against the heap as it goes. */
enum { NODES = 48, EDGES = 3, STEPS = 4000, NO_NODE = 0xffffffff };

typedef struct graph_model {
    uint32_t table[NODES];
    uint32_t (*edges)[EDGES]; /* by node id */
    uint32_t nodes;
    unsigned char *seen;
} graph_model;

/* Walks the heap from the table beside the model; returns the nodes reached. */
static uint64_t check_against_model(heap *h, root table, graph_model *m) {
    memset(m->seen, 0, STEPS + 1);
    obj *stack[STEPS + 1];
    size_t depth = 0;
    uint64_t reached = 0;
    obj *t = root_get(h, table);
    for (uint32_t i = 0; i < NODES; i++) {
        obj *n = obj_get(t, i);
        if (m->table[i] == NO_NODE) {
            assert_null(n);
            continue;
        }
        assert_int_equal(tag_of(n), m->table[i]);
        if (!m->seen[m->table[i]]) m->seen[m->table[i]] = 1, stack[depth++] = n, reached++;
    }
    while (depth) {
        obj *n = stack[--depth];
        uint32_t id = (uint32_t)tag_of(n);
        for (uint32_t e = 0; e < EDGES; e++) {
            obj *c = obj_get(n, e);
            if (m->edges[id][e] == NO_NODE) {
                assert_null(c);
                continue;
            }
            assert_int_equal(tag_of(c), m->edges[id][e]);
            if (!m->seen[m->edges[id][e]]) m->seen[m->edges[id][e]] = 1, stack[depth++] = c, reached++;
        }
    }
    return reached;
}

static void random_mutation(bool verify, uint64_t stress, uint64_t seed) {
    heap *h = new_heap(verify, stress);
    graph_model m = {.edges = malloc(sizeof *m.edges * (STEPS + 1)), .seen = malloc(STEPS + 1)};
    memset(m.table, 0xff, sizeof m.table);
    obj_new(h, NODES, 0);
    root table = root_depth(h) - 1;
    for (int step = 0; step < STEPS; step++) {
        uint32_t i = (uint32_t)(next_random(&seed) % NODES), j = (uint32_t)(next_random(&seed) % NODES);
        uint32_t e = (uint32_t)(next_random(&seed) % EDGES);
        switch (next_random(&seed) % 4) {
        case 0: /* a new node in slot i, pointing at what slot j holds */
        case 1: {
            uint32_t id = m.nodes++;
            obj *n = tagged(h, EDGES, id);
            obj_set(h, n, e, obj_get(root_get(h, table), j));
            obj_set(h, root_get(h, table), i, n);
            root_pop(h, 1);
            for (uint32_t k = 0; k < EDGES; k++) m.edges[id][k] = NO_NODE;
            m.edges[id][e] = m.table[j];
            m.table[i] = id;
            break;
        }
        case 2: /* an edge from slot i's node to slot j's (a cycle, often) */
            if (m.table[i] != NO_NODE) {
                obj *t = root_get(h, table);
                obj_set(h, obj_get(t, i), e, obj_get(t, j));
                m.edges[m.table[i]][e] = m.table[j];
            }
            break;
        default: /* drop slot i */
            obj_set(h, root_get(h, table), i, NULL);
            m.table[i] = NO_NODE;
            break;
        }
        if (step % 97 == 0) check_against_model(h, table, &m);
    }
    uint64_t reachable = check_against_model(h, table, &m);
    heap_collect(h, -1);
    assert_int_equal(stats_of(h).live_objects, reachable + 1);
    assert_int_equal(check_against_model(h, table, &m), reachable);
    /* One stress collection every `stress` allocations, one asked for; the
     * heap is far below min-heap, so growth never collects. */
    assert_int_equal(stats_of(h).collections, (stress ? (1 + m.nodes) / stress : 0) + 1);
    heap_leak_report r = destroy(h);
    assert_int_equal(r.objects_allocated, 1 + m.nodes);
    free(m.edges);
    free(m.seen);
}

static void verify_and_stress_over_random_mutation(void **state) {
    (void)state;
    random_mutation(true, 0, 1);
    random_mutation(true, 1, 2);
    random_mutation(true, 7, 3);
    random_mutation(false, 7, 4);
}

static void books_balance_after_destroy(void **state) {
    (void)state;
    heap *h = new_heap(true, 3);
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < 1000; i++) bytes += footprint(h, i % 5, i % 37);
    obj_new(h, 1, 0);
    drop_ring(h, 10);
    obj_new(h, 0, 8);
    obj_set(h, root_get(h, 0), 0, root_get(h, 1)); /* live at destroy: reclaimed there */
    heap_leak_report r = destroy(h);
    assert_int_equal(r.objects_allocated, 1000 + 1 + 10 + 1);
    assert_int_equal(r.objects_freed, r.objects_allocated);
    assert_true(r.bytes_allocated > bytes);
    assert_int_equal(r.bytes_freed, r.bytes_allocated);
}

static void knobs_are_named_and_checked(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    int growth = knob_find(gc_knobs, "growth-factor"), min_heap = knob_find(gc_knobs, "min-heap");
    assert_true(growth >= 0 && min_heap >= 0);
    assert_true(config.knobs[growth] == 2.0);
    assert_true(config.knobs[min_heap] == 1048576.0);
    assert_true(gc_knobs[min_heap].integer);
    assert_false(heap_config_set_knob(&config, "threshold0", 5));
    assert_false(heap_config_set_knob(&config, "growth", 5));
    assert_true(heap_config_set_knob(&config, "growth-factor", 1.5));
    assert_true(config.knobs[growth] == 1.5);
    assert_int_equal(gc_traits.reclaims, GC_RECLAIMS_UNREACHABLE);
    assert_false(gc_traits.frees_at_last_reference);
    assert_int_equal(gc_traits.generations, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reachable_objects_survive_intact),
        cmocka_unit_test(garbage_and_cycles_are_freed_exactly),
        cmocka_unit_test(growth_factor_triggers_exactly),
        cmocka_unit_test(min_heap_keeps_a_small_heap_quiet),
        cmocka_unit_test(heap_limit_collects_before_it_is_exceeded),
        cmocka_unit_test(live_data_past_the_limit_is_out_of_memory),
        cmocka_unit_test(deep_chain_marks_and_frees),
        cmocka_unit_test(wide_object_marks_every_slot),
        cmocka_unit_test(shared_object_is_marked_once),
        cmocka_unit_test(verify_and_stress_over_random_mutation),
        cmocka_unit_test(books_balance_after_destroy),
        cmocka_unit_test(knobs_are_named_and_checked),
    };
    return cmocka_run_group_tests_name("marksweep", tests, NULL, NULL);
}
