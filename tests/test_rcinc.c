/*
 * Unit tests of rcinc, reference counting with CPython 3.14.0's incremental
 * cycle collector, through the object interface only. Each increment's size
 * is worked out by hand from gc.c's arithmetic (comments say how), so that
 * a factor or a sign off anywhere in assess_work_to_do, the marking's debt or
 * the closure shows as a wrong count.
 */
#include <pthread.h>
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

#include "growable_array.h"
#include "heap_helpers.h"
#include "object.h"

#define BIG_RING 1000000u

/* ---- helpers ---- */

/* What the listener saw of the last collection, and how many marked only
 * (a marking increment: everything it examined it marked, and gc.get_stats()
 * did not count it). */
typedef struct recorder {
    int begins, ends, nested;
    int last_begin_generation;
    gc_collection_summary last;
} recorder;

static void on_begin(void *data, int generation) {
    recorder *r = data;
    if (r->begins != r->ends) r->nested = 1;
    r->begins++;
    r->last_begin_generation = generation;
}

static void on_end(void *data, const gc_collection_summary *summary) {
    recorder *r = data;
    r->ends++;
    r->last = *summary;
}

typedef struct options {
    double threshold0, threshold1, c_held, untrack;
    bool quiet, verify;
    uint64_t stress;
    size_t limit;
    recorder *rec;
} options;

/* Defaults: 3.14.0's thresholds, one c-held container, untracking on. */
#define DEFAULTS .threshold0 = 2000, .threshold1 = 10, .c_held = 1, .untrack = 1

static gc_event_listener listener;

static heap *new_heap(options o) {
    heap_config config;
    heap_config_init(&config);
    assert_true(heap_config_set_knob(&config, "threshold0", o.threshold0));
    assert_true(heap_config_set_knob(&config, "threshold1", o.threshold1));
    assert_true(heap_config_set_knob(&config, "c-held", o.c_held));
    assert_true(heap_config_set_knob(&config, "untrack-tuples", o.untrack));
    config.collect_only_when_asked = o.quiet;
    config.verify = o.verify;
    config.stress_interval = o.stress;
    config.heap_limit_bytes = o.limit;
    if (o.rec) {
        listener = (gc_event_listener){.data = o.rec, .collection_begin = on_begin, .collection_end = on_end};
        config.listener = &listener;
    }
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    assert_int_equal(s.generations, 3);
    return s;
}

static uint64_t live_objects(heap *h) { return stats_of(h).live_objects; }
static uint64_t collections(heap *h, int generation) { return stats_of(h).generation[generation].collections; }
static uint64_t collected(heap *h, int generation) { return stats_of(h).generation[generation].collected; }

static void destroy(heap *h) {
    heap_leak_report r = destroy_checked(h);
    assert_int_equal(r.objects_leaked, 0);
}

/* n containers of one empty slot (never untracked: a slot holds no atom),
 * stored into a fresh list kept in holder's slot `slot`: young, alive, and
 * out of the roots' reach once the holder is visited. */
static void keep_young(heap *h, root holder, uint32_t slot, uint32_t n) {
    obj_new(h, n, 0);
    root list = root_depth(h) - 1;
    for (uint32_t i = 0; i < n; i++) {
        obj_new(h, 1, 0);
        obj_set_pop(h, root_get(h, list), i);
    }
    obj_set_pop(h, root_get(h, holder), slot);
}

/* rings of `size` nodes, each pushed on the roots. */
static void push_rings(heap *h, uint32_t rings, uint32_t size) {
    for (uint32_t i = 0; i < rings; i++) push_ring(h, size);
}

/* ---- knobs, traits, counting ---- */

static void knobs_traits_and_thresholds(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    assert_string_equal(gc_knobs[0].name, "threshold0");
    assert_string_equal(gc_knobs[1].name, "threshold1");
    assert_string_equal(gc_knobs[2].name, "c-held");
    assert_string_equal(gc_knobs[3].name, "untrack-tuples");
    assert_null(gc_knobs[4].name);
    assert_true(config.knobs[0] == 2000 && config.knobs[1] == 10 && config.knobs[2] == 1 && config.knobs[3] == 1);
    assert_false(heap_config_set_knob(&config, "threshold2", 1)); /* 3.14.0 uses none */
    assert_int_equal(gc_traits.reclaims, GC_RECLAIMS_UNREACHABLE);
    assert_true(gc_traits.frees_at_last_reference);
    assert_int_equal(gc_traits.generations, 3);
    assert_true(gc_traits.exact_books);
    heap *h = heap_create(&config);
    heap_stats s = stats_of(h);
    /* gc.get_threshold() is (2000, 10, 0); gc.get_count() (0, 0, 0). */
    assert_int_equal(s.generation[0].threshold, 2000);
    assert_int_equal(s.generation[1].threshold, 10);
    assert_int_equal(s.generation[2].threshold, 0);
    for (int g = 0; g < 3; g++) assert_int_equal(s.generation[g].count, 0);
    destroy(h);
}

/* young.count rises with every container allocated and falls with every one
 * freed, never below 0; atoms do not count. The 2001st container schedules
 * an increment, run once it exists (rooted, so marked): a fresh heap's
 * first increment only marks, and gc.get_stats() does not count it. */
static void the_2001st_container_runs_an_increment_after_it_is_made(void **state) {
    (void)state;
    recorder rec = {0};
    heap *h = new_heap((options){DEFAULTS, .rec = &rec});
    for (int i = 0; i < 2000; i++) obj_new(h, 1, 0);
    for (int i = 0; i < 5000; i++) obj_new(h, 0, 8);
    assert_int_equal(stats_of(h).generation[0].count, 2000);
    assert_int_equal(rec.begins, 0);
    obj_new(h, 1, 0);
    assert_int_equal(rec.begins, 1);
    assert_int_equal(rec.last_begin_generation, 1);
    assert_int_equal(rec.last.objects_examined, 2001); /* the new one too */
    assert_int_equal(rec.last.objects_marked, 2001);
    assert_int_equal(stats_of(h).collections, 1);
    assert_int_equal(collections(h, 1), 0); /* a marking increment: not in gc.get_stats() */
    assert_int_equal(stats_of(h).generation[0].count, 0);
    /* Freeing takes containers off the count, never below 0. */
    obj_new(h, 1, 0);
    obj_new(h, 1, 0);
    root_pop(h, 5000 + 2003);
    assert_int_equal(stats_of(h).generation[0].count, 0);
    for (int i = 0; i < 100000; i++) {
        obj_new(h, 2, 0);
        root_pop(h, 1);
    }
    assert_int_equal(rec.begins, 1);
    /* The next 2001 kept containers: an increment that collects, counted. */
    for (int i = 0; i < 2001; i++) obj_new(h, 1, 0);
    assert_int_equal(rec.begins, 2);
    assert_int_equal(collections(h, 1), 1);
    assert_false(rec.nested);
    destroy(h);
}

/* gc.collect(0): the young generation alone; its survivors join the visited
 * space, whose count (gc.get_count()[1]) goes up; its garbage cycles go. */
static void a_young_collection_promotes_to_visited(void **state) {
    (void)state;
    recorder rec = {0};
    heap *h = new_heap((options){DEFAULTS, .quiet = true, .verify = true, .rec = &rec});
    push_rings(h, 3, 5);
    drop_ring(h, 7);
    heap_collect(h, 0);
    assert_int_equal(rec.last.generation, 0);
    assert_int_equal(rec.last.objects_examined, 22);
    assert_int_equal(rec.last.objects_freed, 7);
    assert_int_equal(collections(h, 0), 1);
    assert_int_equal(collected(h, 0), 7);
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].count, 0);
    assert_int_equal(s.generation[1].count, 1);
    /* The survivors are old now: a young collection does not see them. */
    root_pop(h, 3);
    heap_collect(h, 0);
    assert_int_equal(rec.last.objects_examined, 0);
    assert_int_equal(live_objects(h), 15);
    /* A full collection does, and starts a scan: counts to 0. */
    heap_collect(h, -1);
    assert_int_equal(rec.last.generation, -1);
    assert_int_equal(collected(h, 2), 15);
    assert_int_equal(live_objects(h), 0);
    assert_int_equal(stats_of(h).generation[1].count, 0);
    destroy(h);
}

/* ---- the increment's size ---- */

/* A scan starts with a full collection (work_to_do 0, the next increment
 * marks). 100 live containers in a table, 10000 rings of 10 kept until then
 * and dropped: pending holds the c-held container, then the rings.
 *   marking: work_to_do = 0 - 101 - 101 (the table and its 100 nodes,
 *            subtracted twice) = -202
 *   500 young containers kept by the table, then an increment:
 *            heap_size = 1 + 101 + 100000 + 500 = 100602, a heap fraction of
 *            100602 / 10 / 10 = 1006, capped at 500 * 3 / 2 = 750:
 *            work_to_do = -202 + 500 + 750 = 1048; the increment is the 500
 *            young, then the c-held container (501), then rings of 10 while
 *            it is under 1048: 55 of them, 1051 examined, 550 collected;
 *            work_to_do += 100052 / 100 - 1051: 997
 *   an increment with nothing new: work_to_do = 997, 100 rings, 1000
 *            examined and collected; work_to_do += 99052 / 100 - 1000: 987
 * With a cap of 2x, one subtraction of the marking, or no heap fraction
 * after the increment, the counts come out otherwise. */
static void an_increment_is_sized_by_assess_work_to_do(void **state) {
    (void)state;
    recorder rec = {0};
    heap *h = new_heap((options){DEFAULTS, .quiet = true, .verify = false, .rec = &rec});
    obj_new(h, 100 + 1, 0);
    root table = 0;
    for (uint32_t i = 0; i < 100; i++) {
        obj_new(h, 1, 0);
        obj_set_pop(h, root_get(h, table), i);
    }
    push_rings(h, 10000, 10);
    heap_collect(h, -1);
    root_pop(h, 10000);
    assert_int_equal(live_objects(h), 101 + 100000);

    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 101);
    assert_int_equal(rec.last.objects_marked, 101);
    assert_int_equal(rec.last.objects_freed, 0);
    assert_int_equal(collections(h, 1), 0);

    /* 500 young, kept through a list in the table's last slot: 501 containers. */
    obj_new(h, 499, 0);
    for (uint32_t i = 0; i < 499; i++) {
        obj_new(h, 1, 0);
        obj_set_pop(h, root_get(h, root_depth(h) - 2), i);
    }
    obj_set_pop(h, root_get(h, table), 100);
    assert_int_equal(stats_of(h).generation[0].count, 500);

    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 1051);
    assert_int_equal(rec.last.objects_freed, 550);
    assert_int_equal(collections(h, 1), 1);
    assert_int_equal(collected(h, 1), 550);

    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 1000);
    assert_int_equal(rec.last.objects_freed, 1000);
    assert_int_equal(collected(h, 1), 1550);
    assert_int_equal(live_objects(h), 101 + 500 + 100000 - 1550);
    destroy(h);
}

/* ---- survivors, the flip, the marking's debt ---- */

/* A young survivor of an increment joins the visited space: dropped, it is
 * not looked at again until the spaces swap, which they do when pending
 * empties; the next increment then marks, and the one after collects it
 * once the marking's debt is paid. */
static void survivors_wait_in_visited_until_the_spaces_swap(void **state) {
    (void)state;
    recorder rec = {0};
    heap *h = new_heap((options){DEFAULTS, .quiet = true, .verify = true, .rec = &rec});
    obj_new(h, 8, 0);
    root holder = 0;
    heap_collect(h, -1); /* pending: the c-held container, the holder */
    heap_collect(h, 1);  /* marks the holder: work_to_do -2 */
    assert_int_equal(rec.last.objects_marked, 1);

    push_ring(h, 10);
    obj_set_pop(h, root_get(h, holder), 0);
    /* work_to_do -2 + 10 + min(12 / 100, 15) = 8: the ten young are the
     * increment, no pending one joins; held by the holder, they survive. */
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 10);
    assert_int_equal(rec.last.objects_freed, 0);
    assert_int_equal(collections(h, 1), 1);

    obj_set(h, root_get(h, holder), 0, NULL); /* the ring is garbage, in visited */
    for (int i = 0; i < 3; i++) {
        heap_collect(h, 1);
        assert_int_equal(rec.last.objects_examined, 0);
    }
    assert_int_equal(live_objects(h), 11);

    /* 400 young kept: work_to_do -2 + 401 + 4 = 403 > 401: the c-held
     * container joins, pending is empty, the spaces swap. */
    keep_young(h, holder, 1, 400);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 402);
    assert_int_equal(live_objects(h), 11 + 401);
    uint64_t counted = collections(h, 1);

    /* A marking increment: the holder and its 401, not the ring. */
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 402);
    assert_int_equal(rec.last.objects_marked, 402);
    assert_int_equal(collections(h, 1), counted);
    /* Its debt, 804, is owed before pending is touched. */
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_freed, 0);
    assert_int_equal(live_objects(h), 11 + 401);
    /* 100000 young kept: work_to_do -804 + 100000 + 1005 > 100000. */
    keep_young(h, holder, 2, 100000 - 1);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_freed, 10);
    assert_int_equal(collected(h, 1), 10);
    assert_int_equal(live_objects(h), 1 + 401 + 100000);
    destroy(h);
}

/* Without the interpreter's unreachable containers (--c-held=0) a scan with
 * no garbage completes at the first increment after its marking: every
 * other increment marks the whole heap. With them, the marking's debt is
 * paid first and markings are rare. A chain of 60000, built with automatic
 * increments every 2000 containers. */
static uint64_t markings_building_a_chain(double c_held) {
    recorder rec = {0};
    heap *h = new_heap((options){.threshold0 = 2000, .threshold1 = 10, .c_held = c_held, .untrack = 1, .rec = &rec});
    root head = root_push(h, NULL);
    uint64_t markings = 0, counted = 0;
    for (uint32_t i = 0; i < 60000; i++) {
        int before = rec.ends;
        obj *node = obj_new(h, 1, 8);
        obj_set(h, node, 0, root_get(h, head));
        root_set(h, head, node);
        root_pop(h, 1);
        if (rec.ends == before) continue;
        if (collections(h, 1) == counted) markings++;
        counted = collections(h, 1);
    }
    assert_int_equal(stats_of(h).collections, 29);
    destroy(h);
    return markings;
}

static void the_interpreters_own_containers_keep_the_pacing(void **state) {
    (void)state;
    assert_int_equal(markings_building_a_chain(0), 15);
    assert_int_equal(markings_building_a_chain(1), 2);
}

/* ---- cycles ---- */

/* A cycle of an old container and a young one: an increment takes the young
 * one and only pending ones with it, so the old one's reference keeps it;
 * both wait in visited for the next scan, whose closure takes them together.
 * A full collection takes them at once. */
static void cycles_over_young_and_old_go_in_the_next_scan(void **state) {
    (void)state;
    recorder rec = {0};
    heap *h = new_heap((options){DEFAULTS, .quiet = true, .verify = true, .rec = &rec});
    obj_new(h, 8, 0);
    root holder = 0;
    obj_new(h, 1, 0); /* the old one */
    obj_set_pop(h, root_get(h, holder), 0);
    heap_collect(h, -1);
    heap_collect(h, 1); /* marks both: work_to_do -4 */
    obj *young = obj_new(h, 1, 0);
    obj *old = obj_get(root_get(h, holder), 0);
    obj_set(h, young, 0, old);
    obj_set(h, old, 0, young);
    root_pop(h, 1);
    obj_set(h, root_get(h, holder), 0, NULL);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 1);
    assert_int_equal(rec.last.objects_freed, 0);
    assert_int_equal(live_objects(h), 3);
    /* Work for a swap: 501 young kept, work_to_do -4 + 501 + 5 = 502 > 501
     * (with 400, -4 + 401 + 4 is not over 401, and nothing pending joins).
     * The marking: the holder and its 501, debt 1004. Then 100000 young:
     * -1004 + 100000 + 1005 > 100000: the old one joins, and the young one
     * with it, found garbage together. */
    keep_young(h, holder, 1, 500);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 502);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_marked, 502);
    keep_young(h, holder, 2, 100000 - 1);
    heap_collect(h, 1);
    assert_int_equal(rec.last.objects_examined, 100000 + 2);
    assert_int_equal(rec.last.objects_freed, 2);
    assert_int_equal(live_objects(h), 1 + 501 + 100000);

    /* The same cycle, and a ring spread over both spaces, at once. */
    obj_set(h, root_get(h, holder), 1, NULL);
    obj_set(h, root_get(h, holder), 2, NULL);
    obj_new(h, 1, 0);
    obj_set_pop(h, root_get(h, holder), 0);
    push_ring(h, 50);
    obj_set_pop(h, root_get(h, holder), 3);
    heap_collect(h, 0); /* old now */
    young = obj_new(h, 1, 0);
    old = obj_get(root_get(h, holder), 0);
    obj_set(h, young, 0, old);
    obj_set(h, old, 0, young);
    obj *ring = obj_get(root_get(h, holder), 3);
    push_ring(h, 50); /* young: spliced into the old ring */
    obj_set(h, obj_get(root_get(h, root_depth(h) - 1), 1), 0, obj_get(ring, 0));
    obj_set(h, ring, 0, root_get(h, root_depth(h) - 1));
    root_pop(h, 2);
    obj_set(h, root_get(h, holder), 0, NULL);
    obj_set(h, root_get(h, holder), 3, NULL);
    assert_int_equal(live_objects(h), 1 + 2 + 100);
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_freed, 102);
    assert_int_equal(live_objects(h), 1);
    destroy(h);
}

/* ---- untracking ---- */

/* A container of atoms only is untracked at its first collection (a marking
 * does not count it); storing a container into it tracks it again, so a
 * cycle through it is found. */
static void tuples_are_untracked_and_tracked_again_on_a_store(void **state) {
    (void)state;
    for (int untrack = 0; untrack < 2; untrack++) {
        recorder rec = {0};
        heap *h = new_heap((options){.threshold0 = 2000, .threshold1 = 10, .c_held = 1, .untrack = untrack,
                                     .quiet = true, .verify = true, .rec = &rec});
        obj_new(h, 2, 0); /* the tuple */
        for (uint32_t i = 0; i < 2; i++) {
            obj_new(h, 0, 8);
            obj_set_pop(h, root_get(h, 0), i);
        }
        obj_new(h, 1, 0); /* a container, empty: tracked */
        heap_collect(h, 1);
        assert_int_equal(rec.last.objects_marked, untrack ? 1 : 2);
        /* A cycle through the tuple. */
        obj_set(h, root_get(h, 0), 0, root_get(h, 1));
        obj_set(h, root_get(h, 1), 0, root_get(h, 0));
        root_pop(h, 2);
        assert_int_equal(live_objects(h), 3);
        heap_collect(h, -1);
        assert_int_equal(rec.last.objects_freed, 3);
        assert_int_equal(live_objects(h), 0);
        destroy(h);
    }
}

/* ---- no recursion ---- */

/* A million-node ring, on a thread whose stack is 128 KiB: old and dropped,
 * collected by one increment's closure over it; then another by a full
 * collection. */
typedef struct ring_run {
    uint64_t examined, freed_by_increment, freed_by_full, live_after;
} ring_run;

static void *collect_big_rings(void *data) {
    ring_run *run = data;
    recorder rec = {0};
    gc_event_listener l = {.data = &rec, .collection_begin = on_begin, .collection_end = on_end};
    heap_config config;
    heap_config_init(&config);
    config.collect_only_when_asked = true;
    config.listener = &l;
    heap *h = heap_create(&config);
    obj_new(h, 4, 0);
    push_ring(h, BIG_RING);
    heap_collect(h, -1);
    root_pop(h, 1);
    heap_collect(h, 1); /* marks the holder */
    keep_young(h, 0, 0, 100); /* work_to_do -2 + 101 + 151 > 101 */
    heap_collect(h, 1);
    run->examined = rec.last.objects_examined;
    run->freed_by_increment = rec.last.objects_freed;
    push_ring(h, BIG_RING);
    root_pop(h, 1);
    heap_collect(h, -1);
    run->freed_by_full = rec.last.objects_freed;
    heap_stats s;
    heap_stats_get(h, &s);
    run->live_after = s.live_objects;
    heap_destroy(h, NULL);
    return NULL;
}

static void a_million_node_ring_collects_on_a_shallow_stack(void **state) {
    (void)state;
    size_t arrays_before = growable_array_bytes;
    ring_run run = {0};
    pthread_attr_t attr;
    pthread_t thread;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 128 * 1024), 0);
    assert_int_equal(pthread_create(&thread, &attr, collect_big_rings, &run), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal(run.examined, 101 + 1 + BIG_RING);
    assert_int_equal(run.freed_by_increment, BIG_RING);
    assert_int_equal(run.freed_by_full, BIG_RING);
    assert_int_equal(run.live_after, 1 + 101);
    assert_int_equal(growable_array_bytes, arrays_before);
}

/* ---- verify and stress ---- */

/* A table of 48 slots, nodes of 0 to 3 slots (some of atoms only), edges set
 * and cleared at random: cycles, untracked containers stored into, and
 * garbage over every space. Returns the allocations. */
static uint64_t mutate_random_graph(heap *h, uint64_t seed, int steps) {
    enum { SLOTS = 48 };
    uint64_t allocations = 1;
    obj_new(h, SLOTS, 0);
    root table = root_depth(h) - 1;
    for (int step = 0; step < steps; step++) {
        uint64_t r = next_random(&seed);
        uint32_t slot = (uint32_t)(r % SLOTS), other = (uint32_t)((r >> 8) % SLOTS);
        switch ((r >> 16) % 6) {
        case 0:
        case 1: {
            uint32_t nrefs = (uint32_t)((r >> 24) % 4);
            obj *node = obj_new(h, nrefs, 8);
            allocations++;
            if (nrefs) obj_set(h, node, 0, obj_get(root_get(h, table), other));
            obj_set(h, root_get(h, table), slot, node);
            root_pop(h, 1);
            break;
        }
        case 2: { /* a tuple of atoms */
            obj_new(h, 2, 0);
            for (uint32_t i = 0; i < 2; i++) {
                obj_new(h, 0, 8);
                obj_set_pop(h, root_get(h, root_depth(h) - 2), i);
            }
            allocations += 3;
            obj_set_pop(h, root_get(h, table), slot);
            break;
        }
        case 3:
        case 4: {
            obj *from = obj_get(root_get(h, table), slot);
            if (from && from->nrefs)
                obj_set(h, from, (uint32_t)((r >> 24) % from->nrefs), obj_get(root_get(h, table), other));
            break;
        }
        default:
            obj_set(h, root_get(h, table), slot, NULL);
        }
    }
    return allocations;
}

/* Stress 1 and 7 with verify: young, increment and full collections in turn,
 * the heap checked after each (every container in one space, untracked ones
 * holding no container, counts exact, nothing unreachable after a full). */
static void verify_and_stress(void **state) {
    (void)state;
    const uint64_t intervals[] = {1, 7};
    for (int i = 0; i < 2; i++) {
        for (double threshold0 = 0; threshold0 <= 3; threshold0 += 3) {
            heap *h = new_heap((options){.threshold0 = threshold0, .threshold1 = 0, .c_held = i, .untrack = 1,
                                         .verify = true, .stress = intervals[i]});
            uint64_t allocations = mutate_random_graph(h, 12345 + (uint64_t)i, 4000);
            uint64_t k = allocations / intervals[i];
            heap_stats s = stats_of(h);
            assert_int_equal(s.generation[0].collections, (k + 2) / 3);
            assert_int_equal(s.generation[2].collections, k / 3);
            /* Under stress 1 a collection precedes every allocation and
             * zeroes the young count: none is ever automatic. */
            if (threshold0 == 0 || intervals[i] == 1) assert_int_equal(s.collections, k);
            else assert_true(s.collections > k);
            root_pop(h, 1);
            heap_collect(h, -1);
            assert_int_equal(live_objects(h), 0);
            destroy(h);
        }
    }
}

/* ---- teardown, limits ---- */

static void destroy_balances_the_books(void **state) {
    (void)state;
    for (int verify = 0; verify < 2; verify++) {
        heap *h = new_heap((options){.threshold0 = 2000, .threshold1 = 10, .c_held = 3, .untrack = 1, .verify = verify});
        for (int i = 0; i < 3000; i++) drop_ring(h, 2);
        push_ring(h, 5000);
        obj_new(h, 0, 100);
        heap_leak_report r = destroy_checked(h);
        assert_int_equal(r.objects_allocated, 6000 + 5000 + 1);
        assert_int_equal(r.objects_leaked, 0);
    }
}

/* Over the heap limit a full collection runs first: garbage cycles never
 * make the heap run out. */
static void heap_limit_collects_cycles_first(void **state) {
    (void)state;
    heap *probe = new_heap((options){DEFAULTS, .quiet = true});
    push_ring(probe, 2);
    uint64_t pair_bytes = stats_of(probe).bytes_allocated;
    destroy(probe);
    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .c_held = 1, .untrack = 1, .limit = 1000 * pair_bytes});
    for (int i = 0; i < 10000; i++) drop_ring(h, 2);
    assert_int_equal(collections(h, 2), 9);
    assert_int_equal(collected(h, 2), 9 * 2000);
    destroy(h);
}

static void heap_limit_ends_in_out_of_memory(void **state) {
    (void)state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        heap_config config;
        heap_config_init(&config);
        config.heap_limit_bytes = 1 << 16;
        config.out_of_memory = exit_on_out_of_memory;
        heap *h = heap_create(&config);
        for (;;) obj_new(h, 1, 100);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(knobs_traits_and_thresholds),
        cmocka_unit_test(the_2001st_container_runs_an_increment_after_it_is_made),
        cmocka_unit_test(a_young_collection_promotes_to_visited),
        cmocka_unit_test(an_increment_is_sized_by_assess_work_to_do),
        cmocka_unit_test(survivors_wait_in_visited_until_the_spaces_swap),
        cmocka_unit_test(the_interpreters_own_containers_keep_the_pacing),
        cmocka_unit_test(cycles_over_young_and_old_go_in_the_next_scan),
        cmocka_unit_test(tuples_are_untracked_and_tracked_again_on_a_store),
        cmocka_unit_test(a_million_node_ring_collects_on_a_shallow_stack),
        cmocka_unit_test(verify_and_stress),
        cmocka_unit_test(destroy_balances_the_books),
        cmocka_unit_test(heap_limit_collects_cycles_first),
        cmocka_unit_test(heap_limit_ends_in_out_of_memory),
    };
    return cmocka_run_group_tests_name("rcinc", tests, NULL, NULL);
}
