/*
 * gms's own tests: young collections free young garbage and leave the old
 * generation alone, the write barrier is what keeps a young object stored
 * into an old one (a store that bypasses it loses the object, and verify
 * mode names the missed barrier), survivors are promoted once, full
 * collections free old garbage, the remembered set fills and empties as
 * the file's essay says, the triggers fire when they should, and a deep
 * young chain is promoted and freed on a shallow C stack.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gc/gms_inspect.h"
#include "heap_helpers.h"
#include "object.h"

#define DEEP_CHAIN 1000000u
#define TABLE_SLOTS 100u

/* ---- helpers ---- */

typedef struct recorder {
    int begins, ends;
    int last_begin_generation;
    gc_collection_summary last;
} recorder;

static void on_begin(void *data, int generation) {
    recorder *r = data;
    r->begins++;
    r->last_begin_generation = generation;
}

static void on_end(void *data, const gc_collection_summary *summary) {
    recorder *r = data;
    r->ends++;
    r->last = *summary;
}

/* A heap that collects only when asked (exact counts), with a listener. */
static heap *quiet_heap(bool verify, recorder *r, gc_event_listener *listener) {
    heap_config config;
    heap_config_init(&config);
    config.verify = verify;
    config.collect_only_when_asked = true;
    if (r) {
        *listener = (gc_event_listener){.data = r, .collection_begin = on_begin, .collection_end = on_end};
        config.listener = listener;
    }
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    return s;
}

static gms_census census_of(heap *h) {
    gms_census c;
    gms_take_census(h, &c);
    return c;
}

static void destroy(heap *h) {
    heap_leak_report r = destroy_checked(h);
    assert_int_equal(r.objects_leaked, 0);
    assert_int_equal(r.bytes_leaked, 0);
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

/* n atoms of `nbytes`, dropped at once. */
static void garbage(heap *h, uint32_t n, uint32_t nbytes) {
    for (uint32_t i = 0; i < n; i++) {
        obj_new(h, 0, nbytes);
        root_pop(h, 1);
    }
}

/* A rooted table of TABLE_SLOTS tagged objects (tags 0..99), promoted by a
 * young collection; returns the table's root. */
static root old_table(heap *h) {
    tagged(h, TABLE_SLOTS, 1000);
    root table = root_depth(h) - 1;
    for (uint32_t i = 0; i < TABLE_SLOTS; i++) {
        tagged(h, 1, i);
        obj_set_pop(h, root_get(h, table), i);
    }
    heap_collect(h, 0);
    assert_true(gms_is_old(root_get(h, table)));
    return table;
}

static void expect_table_intact(heap *h, root table) {
    obj *t = root_get(h, table);
    assert_int_equal(tag_of(t), 1000);
    for (uint32_t i = 0; i < TABLE_SLOTS; i++) {
        obj *o = obj_get(t, i);
        assert_true(gms_is_old(o));
        assert_int_equal(tag_of(o), i);
    }
}

/* ---- young collections ---- */

static void young_collection_frees_young_garbage_and_leaves_the_old_alone(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener;
    heap *h = quiet_heap(true, &rec, &listener);
    root table = old_table(h);
    /* Twenty objects promoted, then dropped: old garbage. */
    obj_new(h, 20, 0);
    root doomed = root_depth(h) - 1;
    for (uint32_t i = 0; i < 20; i++) {
        tagged(h, 0, 2000 + i);
        obj_set_pop(h, root_get(h, doomed), i);
    }
    heap_collect(h, 0);
    root_pop(h, 1);
    gms_census c = census_of(h);
    assert_int_equal(c.young_objects, 0);
    assert_int_equal(c.old_objects, 1 + TABLE_SLOTS + 21);
    uint64_t freed_before = stats_of(h).objects_freed;

    /* 500 young atoms dropped, 10 young objects kept under a young holder. */
    obj_new(h, 10, 0);
    root holder = root_depth(h) - 1;
    for (uint32_t i = 0; i < 10; i++) {
        garbage(h, 50, 48);
        tagged(h, 0, 3000 + i);
        obj_set_pop(h, root_get(h, holder), i);
    }
    assert_int_equal(census_of(h).young_objects, 511);
    heap_collect(h, 0);
    assert_int_equal(rec.last_begin_generation, 0);
    assert_int_equal(rec.last.generation, 0);
    assert_int_equal(rec.last.objects_examined, 511); /* the young generation, nothing old */
    assert_int_equal(rec.last.objects_marked, 11);
    assert_int_equal(rec.last.objects_freed, 500);
    heap_stats s = stats_of(h);
    assert_int_equal(s.objects_freed - freed_before, 500);
    /* The old garbage is still there: only a full collection frees it. */
    assert_int_equal(s.live_objects, 1 + TABLE_SLOTS + 21 + 11);
    c = census_of(h);
    assert_int_equal(c.young_objects, 0);
    assert_int_equal(c.old_objects, 1 + TABLE_SLOTS + 21 + 11);
    expect_table_intact(h, table);
    for (uint32_t i = 0; i < 10; i++) assert_int_equal(tag_of(obj_get(root_get(h, holder), i)), 3000 + i);
    garbage(h, 200, 48); /* reuses what was freed: a wrongly freed object would be overwritten */
    expect_table_intact(h, table);
    for (uint32_t i = 0; i < 10; i++) assert_int_equal(tag_of(obj_get(root_get(h, holder), i)), 3000 + i);

    heap_collect(h, -1);
    assert_int_equal(rec.last.generation, -1);
    assert_int_equal(rec.last.objects_freed, 21 + 200);
    assert_int_equal(stats_of(h).live_objects, 1 + TABLE_SLOTS + 11);
    s = stats_of(h);
    assert_int_equal(s.generations, 2);
    assert_int_equal(s.generation[0].collections, 3);
    assert_int_equal(s.generation[0].collected, 500);
    assert_int_equal(s.generation[1].collections, 1);
    assert_int_equal(s.generation[1].collected, 221);
    destroy(h);
}

/* ---- the write barrier ---- */

/* An old object holding `slots` slots, rooted; returns its root. */
static root old_object(heap *h, uint32_t slots, uint64_t tag) {
    tagged(h, slots, tag);
    root r = root_depth(h) - 1;
    heap_collect(h, 0);
    assert_true(gms_is_old(root_get(h, r)));
    return r;
}

static void stored_through_the_barrier_survives(bool large, bool by_pop) {
    heap *h = quiet_heap(true, NULL, NULL);
    uint32_t slots = large ? (uint32_t)gms_rescan_limit() + 1 : 2;
    root holder = old_object(h, slots, 1);
    tagged(h, 1, 42); /* rooted for now */
    root young_root = root_depth(h) - 1;
    tagged(h, 0, 43);
    obj_set_pop(h, root_get(h, young_root), 0);
    obj *young = root_get(h, young_root);
    if (by_pop) {
        obj_set_pop(h, root_get(h, holder), slots - 1);
    } else {
        obj_set(h, root_get(h, holder), slots - 1, young);
        root_pop(h, 1);
    }
    assert_int_equal(root_depth(h), 1); /* only the old holder is a root */
    gms_census c = census_of(h);
    if (large) {
        /* Too large to rescan: the young value is what is remembered. */
        assert_false(gms_is_remembered(root_get(h, holder)));
        assert_true(gms_is_remembered(young));
        assert_int_equal(c.remembered_objects, 0);
        assert_int_equal(c.remembered_values, 1);
    } else {
        assert_true(gms_is_remembered(root_get(h, holder)));
        assert_int_equal(c.remembered_objects, 1);
        assert_int_equal(c.remembered_values, 0);
    }
    uint64_t freed = stats_of(h).objects_freed;
    heap_collect(h, 0);
    assert_int_equal(stats_of(h).objects_freed, freed); /* nothing was garbage */
    obj *kept = obj_get(root_get(h, holder), slots - 1);
    assert_ptr_equal(kept, young);
    assert_int_equal(tag_of(kept), 42);
    assert_int_equal(tag_of(obj_get(kept, 0)), 43);
    assert_true(gms_is_old(kept));
    assert_true(gms_is_old(obj_get(kept, 0)));
    assert_false(gms_is_remembered(root_get(h, holder)));
    assert_false(gms_is_remembered(kept));
    c = census_of(h);
    assert_int_equal(c.remembered_objects + c.remembered_values, 0);
    destroy(h);
}

static void barrier_keeps_a_young_object_stored_in_an_old_one(void **state) {
    (void)state;
    stored_through_the_barrier_survives(false, false);
    stored_through_the_barrier_survives(false, true);
    stored_through_the_barrier_survives(true, false);
    stored_through_the_barrier_survives(true, true);
}

/* The same store, written past the barrier: the young collection cannot
 * know the old holder points at the young object, and frees it. This is
 * what the barrier's record prevents (the test above). */
static void a_store_past_the_barrier_loses_the_young_object(void **state) {
    (void)state;
    heap *h = quiet_heap(false, NULL, NULL);
    root holder = old_object(h, 2, 1);
    obj *young = tagged(h, 0, 42);
    root_get(h, holder)->refs[1] = young; /* no obj_set: no barrier */
    root_pop(h, 1);
    assert_int_equal(census_of(h).remembered_objects, 0);
    uint64_t freed = stats_of(h).objects_freed;
    heap_collect(h, 0);
    assert_int_equal(stats_of(h).objects_freed, freed + 1); /* lost */
    root_get(h, holder)->refs[1] = NULL; /* it dangles: never read it */
    destroy(h);
}

/* In verify mode the same missed barrier is caught at the start of the
 * next collection, before anything is freed: abort, with the reason. */
static void verify_mode_names_a_missed_barrier(void **state) {
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        dup2(out[1], STDERR_FILENO);
        close(out[0]);
        heap *h = quiet_heap(true, NULL, NULL);
        root holder = old_object(h, 2, 1);
        root_get(h, holder)->refs[0] = tagged(h, 0, 42);
        heap_collect(h, 0);
        _exit(0); /* not reached if the check works */
    }
    close(out[1]);
    char message[512] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof message - 1 && (n = read(out[0], message + got, sizeof message - 1 - got)) > 0)
        got += (size_t)n;
    close(out[0]);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(message, "heaplab verify: gms: an old object holds a young reference that is not remembered"));
}

/* ---- promotion ---- */

static void survivors_are_promoted_by_their_first_young_collection(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener;
    heap *h = quiet_heap(true, &rec, &listener);
    obj *a = tagged(h, 1, 7);
    assert_false(gms_is_old(a));
    assert_int_equal(census_of(h).young_objects, 1);
    heap_collect(h, 0);
    a = root_get(h, 0);
    assert_true(gms_is_old(a));
    assert_int_equal(rec.last.objects_marked, 1);
    gms_census c = census_of(h);
    assert_int_equal(c.young_objects, 0);
    assert_int_equal(c.old_objects, 1);

    /* Old now: the next young collection does not look at it, and does
     * not free it once it is dropped. */
    tagged(h, 0, 8);
    root_pop(h, 2);
    heap_collect(h, 0);
    assert_int_equal(rec.last.objects_examined, 1);
    assert_int_equal(rec.last.objects_freed, 1);
    assert_int_equal(rec.last.objects_marked, 0);
    assert_int_equal(stats_of(h).live_objects, 1);
    heap_collect(h, 0);
    assert_int_equal(rec.last.objects_examined, 0);
    assert_int_equal(stats_of(h).live_objects, 1);
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_freed, 1);
    assert_int_equal(stats_of(h).live_objects, 0);
    heap_stats s = stats_of(h);
    assert_int_equal(s.objects_marked, 1);
    destroy(h);
}

/* ---- full collections ---- */

static void full_collection_frees_old_garbage(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener;
    heap *h = quiet_heap(true, &rec, &listener);
    root table = old_table(h);
    /* Old garbage: a ring, a self-loop, a dropped subtree of the table. */
    push_ring(h, 100);
    obj *self = tagged(h, 1, 5);
    obj_set(h, self, 0, self);
    heap_collect(h, 0);
    assert_int_equal(census_of(h).old_objects, 1 + TABLE_SLOTS + 100 + 1);
    root_pop(h, 2);
    for (uint32_t i = 0; i < TABLE_SLOTS; i += 2) obj_set(h, root_get(h, table), i, NULL);
    /* A cycle between the generations, dropped: old -> young -> old. */
    tagged(h, 1, 6);
    heap_collect(h, 0);
    tagged(h, 1, 7);
    obj *old = root_get(h, root_depth(h) - 2), *young = root_get(h, root_depth(h) - 1);
    obj_set(h, young, 0, old);
    obj_set(h, old, 0, young);
    root_pop(h, 2);
    garbage(h, 30, 24);
    uint64_t live = stats_of(h).live_objects;
    assert_int_equal(live, 1 + TABLE_SLOTS + 100 + 1 + 1 + 1 + 30);
    heap_collect(h, -1);
    assert_int_equal(rec.last.generation, -1);
    assert_int_equal(rec.last.objects_examined, live);
    assert_int_equal(rec.last.objects_freed, 100 + 1 + TABLE_SLOTS / 2 + 2 + 30);
    heap_stats s = stats_of(h);
    assert_int_equal(s.live_objects, 1 + TABLE_SLOTS / 2);
    obj *t = root_get(h, table);
    for (uint32_t i = 1; i < TABLE_SLOTS; i += 2) assert_int_equal(tag_of(obj_get(t, i)), i);
    gms_census c = census_of(h);
    assert_int_equal(c.young_objects, 0);
    assert_int_equal(c.old_objects, 1 + TABLE_SLOTS / 2);
    destroy(h);
}

/* ---- the remembered set ---- */

static void remembered_set_fills_once_and_every_collection_empties_it(void **state) {
    (void)state;
    heap *h = quiet_heap(true, NULL, NULL);
    uint32_t large_slots = (uint32_t)gms_rescan_limit() + 1;
    root small = old_object(h, 3, 1), small2 = old_object(h, 3, 2);
    root large = old_object(h, large_slots, 3), large2 = old_object(h, large_slots, 4);
    for (int round = 0; round < 2; round++) {
        /* Young into young, old into old, NULL into old: nothing to remember. */
        tagged(h, 1, 10);
        tagged(h, 1, 11);
        tagged(h, 0, 12);
        root top = root_depth(h) - 1;
        obj *y1 = root_get(h, top - 2), *y2 = root_get(h, top - 1), *y3 = root_get(h, top);
        obj_set(h, y1, 0, y2);
        obj_set(h, root_get(h, small), 0, root_get(h, small2));
        obj_set(h, root_get(h, small), 1, NULL);
        obj_set(h, root_get(h, large), 0, root_get(h, small));
        gms_census c = census_of(h);
        assert_int_equal(c.remembered_objects + c.remembered_values, 0);
        /* Two young values into one small old object: it, once. */
        obj_set(h, root_get(h, small), 1, y1);
        obj_set(h, root_get(h, small), 2, y2);
        c = census_of(h);
        assert_int_equal(c.remembered_objects, 1);
        assert_true(gms_is_remembered(root_get(h, small)));
        /* Into large old objects: the values, each once, however often stored. */
        obj_set(h, root_get(h, large), 1, y1);
        obj_set(h, root_get(h, large), 2, y1);
        obj_set(h, root_get(h, large2), 1, y1);
        assert_int_equal(census_of(h).remembered_values, 1);
        obj_set(h, root_get(h, large2), 2, y3);
        c = census_of(h);
        assert_int_equal(c.remembered_values, 2);
        assert_true(gms_is_remembered(y1) && gms_is_remembered(y3));
        assert_false(gms_is_remembered(y2));
        /* A remembered value stored into another old object is covered
         * already: that object is not remembered for it. */
        obj_set(h, root_get(h, small2), 0, y3);
        assert_false(gms_is_remembered(root_get(h, small2)));
        assert_int_equal(census_of(h).remembered_objects, 1);
        root_pop(h, 3);
        /* A young collection (first round) or a full one (second) empties it. */
        heap_collect(h, round ? -1 : 0);
        c = census_of(h);
        assert_int_equal(c.remembered_objects + c.remembered_values, 0);
        assert_false(gms_is_remembered(root_get(h, small)));
        obj *kept = obj_get(root_get(h, small2), 0);
        assert_int_equal(tag_of(kept), 12);
        assert_false(gms_is_remembered(kept));
        assert_int_equal(tag_of(obj_get(root_get(h, large), 1)), 10);
        assert_int_equal(tag_of(obj_get(obj_get(root_get(h, small), 1), 0)), 11);
        for (uint32_t i = 0; i < 3; i++) obj_set(h, root_get(h, small), i, NULL);
        for (uint32_t i = 0; i < 3; i++) obj_set(h, root_get(h, large), i, NULL), obj_set(h, root_get(h, large2), i, NULL);
        obj_set(h, root_get(h, small2), 0, NULL);
    }
    destroy(h);
}

/* ---- a deep young chain, on a shallow stack ---- */

typedef struct deep_chain_result {
    uint64_t marked_by_young, old_after_young, live_after_cut, freed_by_cut_young, freed_by_full, live_at_end;
    bool values_right;
} deep_chain_result;

/* No cmocka assertion may run on this thread (they jump to the main
 * thread's stack): it only records what happened. */
typedef struct deep_chain_run {
    heap *h;
    deep_chain_result result;
} deep_chain_run;

static void *deep_chain_on_a_shallow_stack(void *arg) {
    deep_chain_run *run = arg;
    deep_chain_result *result = &run->result;
    heap *h = run->h;
    root head = root_push(h, NULL);
    for (uint32_t i = 0; i < DEEP_CHAIN; i++) {
        obj *node = obj_new(h, 1, 8);
        *(uint64_t *)obj_data(node) = i;
        obj_set(h, node, 0, root_get(h, head));
        root_set(h, head, node);
        root_pop(h, 1);
    }
    heap_collect(h, 0);
    result->marked_by_young = stats_of(h).objects_marked;
    result->old_after_young = census_of(h).old_objects;
    uint64_t expected = DEEP_CHAIN;
    bool right = true;
    for (obj *o = root_get(h, head); o; o = obj_get(o, 0)) right &= *(uint64_t *)obj_data(o) == --expected;
    result->values_right = right && expected == 0;
    obj *o = root_get(h, head);
    for (uint32_t i = 1; i < DEEP_CHAIN / 2; i++) o = obj_get(o, 0);
    obj_set(h, o, 0, NULL); /* the far half is old garbage now */
    uint64_t freed = stats_of(h).objects_freed;
    heap_collect(h, 0);
    result->freed_by_cut_young = stats_of(h).objects_freed - freed;
    heap_collect(h, -1);
    result->freed_by_full = stats_of(h).objects_freed - freed;
    result->live_after_cut = stats_of(h).live_objects;
    root_pop(h, 1);
    heap_collect(h, -1);
    result->live_at_end = stats_of(h).live_objects;
    return NULL;
}

static void deep_young_chain_is_promoted_and_freed_on_a_shallow_stack(void **state) {
    (void)state;
    deep_chain_run run = {.h = quiet_heap(false, NULL, NULL)};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* A recursive marker would need tens of megabytes for this chain. */
    assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, &attr, deep_chain_on_a_shallow_stack, &run), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);
    destroy(run.h);
    deep_chain_result result = run.result;
    assert_int_equal(result.marked_by_young, DEEP_CHAIN);
    assert_int_equal(result.old_after_young, DEEP_CHAIN);
    assert_true(result.values_right);
    assert_int_equal(result.freed_by_cut_young, 0);
    assert_int_equal(result.freed_by_full, DEEP_CHAIN - DEEP_CHAIN / 2);
    assert_int_equal(result.live_after_cut, DEEP_CHAIN / 2);
    assert_int_equal(result.live_at_end, 0);
}

/* ---- triggers ---- */

static heap *knobbed_heap(double nursery, double min_heap, double growth) {
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    assert_true(heap_config_set_knob(&config, "nursery-size", nursery));
    assert_true(heap_config_set_knob(&config, "min-heap", min_heap));
    assert_true(heap_config_set_knob(&config, "growth-factor", growth));
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

/* Garbage only: a young collection before the allocation that would take
 * the nursery past nursery-size, and no full one while nothing survives. */
static void nursery_size_triggers_young_collections(void **state) {
    (void)state;
    heap *h = knobbed_heap(6400, 1e9, 2);
    garbage(h, 100, 48); /* 100 x 64 = 6400: not past it */
    assert_int_equal(stats_of(h).collections, 0);
    garbage(h, 1, 48);
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].collections, 1);
    assert_int_equal(s.generation[0].collected, 100);
    assert_int_equal(s.live_objects, 1); /* the one allocated after it */
    for (int round = 2; round <= 5; round++) {
        garbage(h, 99, 48); /* with the one that triggered the last: 100 */
        assert_int_equal(stats_of(h).generation[0].collections, (uint64_t)round - 1);
        garbage(h, 1, 48);
        assert_int_equal(stats_of(h).generation[0].collections, (uint64_t)round);
    }
    s = stats_of(h);
    assert_int_equal(s.generation[1].collections, 0);
    destroy(h);
}

/* Live data: a collection every 10 objects (the nursery), young ones
 * promoting them all, until the old generation has grown past
 * max(growth-factor x the live bytes the last full collection left,
 * min-heap): then the full nursery gets a full collection instead. */
static void growth_triggers_full_collections(void **state) {
    (void)state;
    heap *h = knobbed_heap(640, 3200, 0.1); /* 10 objects; 50 objects */
    for (int i = 1; i <= 70; i++) {
        obj_new(h, 0, 48); /* kept */
        heap_stats s = stats_of(h);
        assert_int_equal(s.generation[0].collections, (uint64_t)(i - 1) / 10);
        assert_int_equal(s.generation[1].collections, 0);
    }
    /* Before the 71st: 60 objects promoted, 3840 > 3200 bytes. */
    obj_new(h, 0, 48);
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].collections, 6);
    assert_int_equal(s.generation[1].collections, 1);
    assert_int_equal(s.live_objects, 71);
    /* It left 70 objects, 4480 bytes: the allowance is max(448, 3200)
     * again, crossed after 60 more (young collections before the 81st,
     * 91st, ... 131st), so a full one before the 141st. */
    for (int i = 72; i <= 140; i++) obj_new(h, 0, 48);
    s = stats_of(h);
    assert_int_equal(s.generation[1].collections, 1);
    assert_int_equal(s.generation[0].collections, 6 + 6);
    obj_new(h, 0, 48);
    s = stats_of(h);
    assert_int_equal(s.generation[1].collections, 2);
    assert_int_equal(s.generation[0].collections, 12);
    destroy(h);
}

static void collect_only_when_asked_is_honoured(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    config.collect_only_when_asked = true;
    assert_true(heap_config_set_knob(&config, "nursery-size", 0));
    assert_true(heap_config_set_knob(&config, "min-heap", 0));
    heap *h = heap_create(&config);
    garbage(h, 100000, 48);
    assert_int_equal(stats_of(h).collections, 0);
    heap_collect(h, 0);
    assert_int_equal(stats_of(h).live_objects, 0);
    destroy(h);
}

/* ---- random mutation against a model, under stress and verify mode ---- */

enum { NODES = 48, EDGES = 3, STEPS = 4000, NO_NODE = 0xffffffff };

typedef struct graph_model {
    uint32_t table[NODES];
    uint32_t (*edges)[EDGES];
    uint32_t nodes;
    unsigned char *seen;
} graph_model;

static uint64_t check_against_model(heap *h, root table, graph_model *m) {
    memset(m->seen, 0, STEPS + 1);
    static obj *stack[STEPS + 1];
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

/* Nodes old and young point at each other at random: every kind of store
 * the barrier sees, checked after collections of both kinds. */
static void random_mutation(uint64_t stress, double nursery, uint64_t seed) {
    heap_config config;
    heap_config_init(&config);
    config.verify = true;
    config.stress_interval = stress;
    heap_config_set_knob(&config, "nursery-size", nursery);
    heap_config_set_knob(&config, "min-heap", 8 * nursery);
    heap *h = heap_create(&config);
    graph_model m = {.edges = malloc(sizeof *m.edges * (STEPS + 1)), .seen = malloc(STEPS + 1)};
    memset(m.table, 0xff, sizeof m.table);
    obj_new(h, NODES, 0);
    root table = root_depth(h) - 1;
    for (int step = 0; step < STEPS; step++) {
        uint32_t i = (uint32_t)(next_random(&seed) % NODES), j = (uint32_t)(next_random(&seed) % NODES);
        uint32_t e = (uint32_t)(next_random(&seed) % EDGES);
        switch (next_random(&seed) % 4) {
        case 0:
        case 1: {
            uint32_t id = m.nodes++;
            obj *n = tagged(h, EDGES, id);
            obj_set(h, n, e, obj_get(root_get(h, table), j));
            obj_set_pop(h, root_get(h, table), i);
            for (uint32_t k = 0; k < EDGES; k++) m.edges[id][k] = NO_NODE;
            m.edges[id][e] = m.table[j];
            m.table[i] = id;
            break;
        }
        case 2:
            if (m.table[i] != NO_NODE) {
                obj *t = root_get(h, table);
                obj_set(h, obj_get(t, i), e, obj_get(t, j));
                m.edges[m.table[i]][e] = m.table[j];
            }
            break;
        default:
            obj_set(h, root_get(h, table), i, NULL);
            m.table[i] = NO_NODE;
            break;
        }
        if (step % 97 == 0) check_against_model(h, table, &m);
        if (step % 499 == 0) heap_collect(h, (int)(step / 499 % 2) - 1);
    }
    uint64_t reachable = check_against_model(h, table, &m);
    heap_collect(h, -1);
    assert_int_equal(stats_of(h).live_objects, reachable + 1);
    assert_int_equal(check_against_model(h, table, &m), reachable);
    heap_stats s = stats_of(h);
    assert_true(s.generation[0].collections > 0);
    assert_true(s.generation[1].collections > 0);
    destroy(h);
    free(m.edges);
    free(m.seen);
}

static void verify_and_stress_over_random_mutation(void **state) {
    (void)state;
    random_mutation(0, 512, 1);
    random_mutation(0, 4096, 2);
    random_mutation(1, 1e9, 3);
    random_mutation(7, 1e9, 4);
    random_mutation(61, 2048, 5);
}

/* ---- knobs and traits ---- */

static void knobs_and_traits(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    int growth = knob_find(gc_knobs, "growth-factor"), min_heap = knob_find(gc_knobs, "min-heap");
    int nursery = knob_find(gc_knobs, "nursery-size");
    assert_true(growth >= 0 && min_heap >= 0 && nursery >= 0);
    assert_true(config.knobs[growth] == 2.0);
    assert_true(gc_knobs[min_heap].integer && gc_knobs[nursery].integer);
    assert_true(config.knobs[nursery] > 0);
    assert_false(heap_config_set_knob(&config, "threshold0", 5));
    assert_int_equal(gc_traits.reclaims, GC_RECLAIMS_UNREACHABLE);
    assert_false(gc_traits.frees_at_last_reference);
    assert_int_equal(gc_traits.generations, 2);
    assert_true(gc_traits.exact_books);
    assert_false(gc_traits.own_allocator);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(young_collection_frees_young_garbage_and_leaves_the_old_alone),
        cmocka_unit_test(barrier_keeps_a_young_object_stored_in_an_old_one),
        cmocka_unit_test(a_store_past_the_barrier_loses_the_young_object),
        cmocka_unit_test(verify_mode_names_a_missed_barrier),
        cmocka_unit_test(survivors_are_promoted_by_their_first_young_collection),
        cmocka_unit_test(full_collection_frees_old_garbage),
        cmocka_unit_test(remembered_set_fills_once_and_every_collection_empties_it),
        cmocka_unit_test(deep_young_chain_is_promoted_and_freed_on_a_shallow_stack),
        cmocka_unit_test(nursery_size_triggers_young_collections),
        cmocka_unit_test(growth_triggers_full_collections),
        cmocka_unit_test(collect_only_when_asked_is_honoured),
        cmocka_unit_test(verify_and_stress_over_random_mutation),
        cmocka_unit_test(knobs_and_traits),
    };
    return cmocka_run_group_tests_name("gms", tests, NULL, NULL);
}
