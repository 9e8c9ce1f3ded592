/*
 * Unit tests of rcgen, the reference counter with CPython 3.11's generational
 * cycle detector, through the object interface only. Expected figures are
 * worked out by hand from gcmodule.c's rules (comments say how); where the
 * same sequence can be run in CPython, the figure is what gc.get_stats()
 * shows there too.
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

#include "growable_array.h"
#include "heap_helpers.h"
#include "object.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEEP_CHAIN 1000000u /* the sanitizers make ten million slow, not different */
#else
#define DEEP_CHAIN 10000000u
#endif
#define BIG_RING 1000000u

/* ---- helpers ---- */

/* What the listener saw; checks that collections never nest and that no
 * cascade is reported inside a collection. */
typedef struct recorder {
    int begins, ends, cascades, cascades_timed;
    int open_collections, open_cascades;
    bool nested;
    int last_begin_generation;
    gc_collection_summary last;
    uint64_t last_cascade_objects;
} recorder;

static void on_collection_begin(void *data, int generation) {
    recorder *r = data;
    if (r->open_collections || r->open_cascades) r->nested = true;
    r->open_collections++;
    r->begins++;
    r->last_begin_generation = generation;
}

static void on_collection_end(void *data, const gc_collection_summary *summary) {
    recorder *r = data;
    r->open_collections--;
    r->ends++;
    r->last = *summary;
}

/* The listener's K: a cascade of three objects or more is timed. */
#define TIMED_AFTER 3

static void on_cascade_timed(void *data) {
    recorder *r = data;
    if (r->open_collections || r->open_cascades) r->nested = true;
    r->open_cascades++;
    r->cascades_timed++;
}

static void on_cascade_end(void *data, uint64_t objects_freed, uint64_t bytes_freed) {
    (void)bytes_freed;
    recorder *r = data;
    if (r->open_collections || objects_freed < TIMED_AFTER) r->nested = true; /* only long ones are said */
    r->open_cascades--;
    if (r->open_cascades) r->nested = true;
    r->cascades++;
    r->last_cascade_objects = objects_freed;
}

static gc_event_listener listener_for(recorder *r) {
    return (gc_event_listener){
        .data = r,
        .collection_begin = on_collection_begin,
        .collection_end = on_collection_end,
        .cascade_timed_after = TIMED_AFTER,
        .cascade_timed = on_cascade_timed,
        .cascade_end = on_cascade_end,
    };
}

typedef struct options {
    double threshold0, threshold1, threshold2;
    double policy; /* 0: the default, 3.11 */
    bool verify;
    uint64_t stress;
    size_t limit;
    const gc_event_listener *listener;
} options;

#define DEFAULTS .threshold0 = 700, .threshold1 = 10, .threshold2 = 10

static heap *new_heap(options o) {
    heap_config config;
    heap_config_init(&config);
    assert_true(heap_config_set_knob(&config, "threshold0", o.threshold0));
    assert_true(heap_config_set_knob(&config, "threshold1", o.threshold1));
    assert_true(heap_config_set_knob(&config, "threshold2", o.threshold2));
    if (o.policy) assert_true(heap_config_set_knob(&config, "policy", o.policy));
    config.verify = o.verify;
    config.stress_interval = o.stress;
    config.heap_limit_bytes = o.limit;
    config.listener = o.listener;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static heap_stats stats_of(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    assert_int_equal(s.generations, 3);
    /* Every collection is counted once, in the generation it collected. */
    assert_int_equal(s.collections, s.generation[0].collections + s.generation[1].collections +
                                        s.generation[2].collections);
    return s;
}

static void expect_collections(heap *h, uint64_t gen0, uint64_t gen1, uint64_t gen2) {
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].collections, gen0);
    assert_int_equal(s.generation[1].collections, gen1);
    assert_int_equal(s.generation[2].collections, gen2);
}

static void expect_counts(heap *h, uint64_t gen0, uint64_t gen1, uint64_t gen2) {
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].count, gen0);
    assert_int_equal(s.generation[1].count, gen1);
    assert_int_equal(s.generation[2].count, gen2);
}

static uint64_t collected(heap *h, int generation) { return stats_of(h).generation[generation].collected; }
static uint64_t live_objects(heap *h) { return stats_of(h).live_objects; }

/* n containers, each left on the root stack (kept alive). */
static void allocate_kept(heap *h, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) obj_new(h, 1, 0);
}

static heap_leak_report destroy(heap *h) {
    heap_leak_report r = destroy_checked(h);
    assert_int_equal(r.objects_leaked, 0);
    assert_int_equal(r.bytes_leaked, 0);
    return r;
}

/* Two containers pointing at each other, both pushed. */
static void push_pair_cycle(heap *h) {
    obj *a = obj_new(h, 1, 0);
    obj *b = obj_new(h, 1, 0);
    obj_set(h, a, 0, b);
    obj_set(h, b, 0, a);
}

/* ---- knobs ---- */

static void knobs_default_and_validate(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    assert_string_equal(gc_knobs[0].name, "threshold0");
    assert_string_equal(gc_knobs[1].name, "threshold1");
    assert_string_equal(gc_knobs[2].name, "threshold2");
    assert_string_equal(gc_knobs[3].name, "policy");
    assert_null(gc_knobs[4].name);
    /* threshold0 -1: the policy's; the policy 3.11. */
    assert_true(config.knobs[0] == -1 && config.knobs[1] == 10 && config.knobs[2] == 10 && config.knobs[3] == 3.11);
    assert_true(knob_on_step(&gc_knobs[3], 3.12) && knob_on_step(&gc_knobs[3], 3.13));
    assert_false(knob_on_step(&gc_knobs[3], 3.115));
    assert_false(heap_config_set_knob(&config, "threshold3", 1));
    assert_false(heap_config_set_knob(&config, "min-heap", 1));
    assert_false(heap_config_set_knob(&config, "", 1));
    assert_int_equal(gc_traits.reclaims, GC_RECLAIMS_UNREACHABLE);
    assert_true(gc_traits.frees_at_last_reference);
    assert_int_equal(gc_traits.generations, 3);

    heap *h = heap_create(&config);
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].threshold, 700);
    assert_int_equal(s.generation[1].threshold, 10);
    assert_int_equal(s.generation[2].threshold, 10);
    expect_counts(h, 0, 0, 0);
    expect_collections(h, 0, 0, 0);
    destroy(h);

    h = new_heap((options){.threshold0 = 5, .threshold1 = 6, .threshold2 = 7});
    s = stats_of(h);
    assert_int_equal(s.generation[0].threshold, 5);
    assert_int_equal(s.generation[1].threshold, 6);
    assert_int_equal(s.generation[2].threshold, 7);
    destroy(h);
}

/* ---- counting and thresholds ---- */

/* generations[0].count rises with every container allocated and falls with
 * every one freed; a collection runs when the count passes 700, before the
 * new container exists, so the 701st allocation triggers it and the count
 * starts again from 0 (the new container is not counted). */
static void gen0_collects_at_the_701st_container(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .listener = &listener});
    allocate_kept(h, 700);
    for (int i = 0; i < 10000; i++) obj_new(h, 0, 8); /* atoms never count */
    expect_counts(h, 700, 0, 0);
    expect_collections(h, 0, 0, 0);
    assert_int_equal(rec.begins, 0);

    obj_new(h, 1, 0);
    expect_collections(h, 1, 0, 0);
    expect_counts(h, 0, 1, 0);
    assert_int_equal(rec.begins, 1);
    assert_int_equal(rec.last_begin_generation, 0);
    assert_int_equal(rec.last.generation, 0);
    assert_int_equal(rec.last.objects_examined, 700); /* not the new one */
    assert_int_equal(rec.last.objects_marked, 700);
    assert_int_equal(rec.last.objects_freed, 0);

    /* Freeing a container takes it off the count, which never goes below 0. */
    allocate_kept(h, 3);
    expect_counts(h, 3, 1, 0);
    root_pop(h, 5);
    expect_counts(h, 0, 1, 0);
    root_pop(h, 10000); /* atoms: no change */
    expect_counts(h, 0, 1, 0);
    /* Allocate-and-free churn never reaches the threshold. */
    for (int i = 0; i < 100000; i++) {
        obj_new(h, 2, 0);
        root_pop(h, 1);
    }
    expect_collections(h, 1, 0, 0);
    expect_counts(h, 0, 1, 0);
    assert_false(rec.nested);
    destroy(h);
}

/* --policy=3.12 (gh-97922: the collector runs at the eval breaker, not
 * inside the allocation): the 701st container triggers the collection as
 * before, but the collection runs once it exists, rooted, so it is examined
 * and survives into generation 1 with the 700 before it. */
static void policy_3_12_collects_after_the_allocation(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){.threshold0 = -1, .threshold1 = 10, .threshold2 = 10, .policy = 3.12,
                                 .listener = &listener});
    assert_int_equal(stats_of(h).generation[0].threshold, 700);
    allocate_kept(h, 700);
    expect_collections(h, 0, 0, 0);
    obj_new(h, 1, 0);
    expect_collections(h, 1, 0, 0);
    expect_counts(h, 0, 1, 0);
    assert_int_equal(rec.last.objects_examined, 701); /* the new one too */
    assert_int_equal(rec.last.objects_marked, 701);
    /* A container allocated in a collection's place is still freed at once. */
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 700);
    destroy(h);
}

/* --policy=3.13: threshold0 is 2000 unless it is given; 3.12's order. */
static void policy_3_13_raises_threshold0(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = -1, .threshold1 = 10, .threshold2 = 10, .policy = 3.13});
    assert_int_equal(stats_of(h).generation[0].threshold, 2000);
    allocate_kept(h, 2000);
    expect_collections(h, 0, 0, 0);
    obj_new(h, 1, 0);
    expect_collections(h, 1, 0, 0);
    expect_counts(h, 0, 1, 0);
    destroy(h);
    h = new_heap((options){.threshold0 = 50, .threshold1 = 10, .threshold2 = 10, .policy = 3.13});
    assert_int_equal(stats_of(h).generation[0].threshold, 50);
    destroy(h);
}

/* Every collection bumps the next generation's count; generation 1 is
 * collected when its count passes 10, i.e. at the 12th trigger, after 11
 * collections of generation 0; then the full collection at the trigger after
 * generation 2's count passes 10 (with nothing long-lived yet the guard lets
 * it through). With a trigger every 701 containers:
 *   trigger 11 (7711 containers)   gen0 11, counts (0, 11, 0)
 *   trigger 12 (8412)              gen1 1,  counts (0, 0, 1)
 *   trigger 133 (93233)            11 x (11 gen0 + 1 gen1), then the full one
 *   100000 containers (142 triggers): collections (130, 11, 1), counts (458, 9, 0)
 * CPython 3.11, keeping 100000 new lists alive after gc.collect(); gc.freeze(),
 * shows the same collections, (130, 11, 1). */
static void generation_counts_progress_like_cpython(void **state) {
    (void)state;
    heap *h = new_heap((options){DEFAULTS});
    allocate_kept(h, 701 * 11 - 1);
    expect_collections(h, 10, 0, 0);
    expect_counts(h, 700, 10, 0);
    allocate_kept(h, 1);
    expect_collections(h, 11, 0, 0);
    expect_counts(h, 0, 11, 0);
    allocate_kept(h, 701);
    expect_collections(h, 11, 1, 0);
    expect_counts(h, 0, 0, 1);
    allocate_kept(h, 93232 - 701 * 12);
    expect_collections(h, 121, 11, 0);
    expect_counts(h, 700, 0, 11);
    allocate_kept(h, 1);
    expect_collections(h, 121, 11, 1);
    expect_counts(h, 0, 0, 0);
    allocate_kept(h, 100000 - 93233);
    expect_collections(h, 130, 11, 1);
    expect_counts(h, 458, 9, 0);
    /* Nothing was garbage. */
    assert_int_equal(collected(h, 0) + collected(h, 1) + collected(h, 2), 0);
    assert_int_equal(live_objects(h), 100000);
    destroy(h);
}

/* The smaller case: 10000 containers kept alive are 14 triggers: 11 gen0,
 * the gen1, 2 gen0; counts (10000 - 14 x 701, 2, 1). CPython 3.11 gives
 * collections (13, 1, 0) and counts (196, 2, 1): the same but for about ten
 * objects the interpreter allocated itself. */
static void ten_thousand_containers_like_cpython(void **state) {
    (void)state;
    heap *h = new_heap((options){DEFAULTS});
    allocate_kept(h, 10000);
    expect_collections(h, 13, 1, 0);
    expect_counts(h, 186, 2, 1);
    destroy(h);
}

/* threshold0 = 0 turns automatic collection off; the count still runs. */
static void threshold0_zero_disables_automatic_collection(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .threshold2 = 10});
    allocate_kept(h, 5000);
    expect_collections(h, 0, 0, 0);
    expect_counts(h, 5000, 0, 0);
    heap_collect(h, 0);
    expect_collections(h, 1, 0, 0);
    expect_counts(h, 0, 1, 0);
    destroy(h);
}

/* ---- promotion ---- */

static void survivors_are_promoted(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .listener = &listener});
    push_pair_cycle(h);
    heap_collect(h, 0); /* rooted: survives into generation 1 */
    assert_int_equal(rec.last.objects_examined, 2);
    assert_int_equal(rec.last.objects_marked, 2);
    assert_int_equal(stats_of(h).objects_marked, 2);
    root_pop(h, 2);
    assert_int_equal(live_objects(h), 2);

    heap_collect(h, 0); /* generation 0 is empty now */
    assert_int_equal(rec.last.objects_examined, 0);
    assert_int_equal(collected(h, 0), 0);
    assert_int_equal(live_objects(h), 2);

    heap_collect(h, 1);
    assert_int_equal(rec.last.generation, 1);
    assert_int_equal(rec.last.objects_examined, 2);
    assert_int_equal(rec.last.objects_freed, 2);
    assert_int_equal(collected(h, 1), 2);
    assert_int_equal(live_objects(h), 0);

    /* A survivor of generation 1 is in generation 2: only a full collection
     * looks at it again. */
    push_pair_cycle(h);
    heap_collect(h, 1);
    root_pop(h, 2);
    heap_collect(h, 0);
    heap_collect(h, 1);
    assert_int_equal(collected(h, 0), 0);
    assert_int_equal(collected(h, 1), 2);
    assert_int_equal(live_objects(h), 2);
    heap_collect(h, -1);
    assert_int_equal(rec.last.generation, -1);
    assert_int_equal(collected(h, 2), 2);
    assert_int_equal(live_objects(h), 0);

    /* Automatic promotion: a cycle that survives the 701st allocation's
     * collection is out of generation 0 when it is dropped. */
    heap_collect(h, -1);
    push_pair_cycle(h);
    allocate_kept(h, 698);
    expect_collections(h, 3, 3, 2);
    obj_new(h, 1, 0); /* the 701st since the full collection */
    expect_collections(h, 4, 3, 2);
    root_pop(h, 701);
    /* The 700 other containers were freed by counting; the cycle was not. */
    assert_int_equal(live_objects(h), 2);
    heap_collect(h, 0);
    assert_int_equal(collected(h, 0), 0);
    heap_collect(h, 1);
    assert_int_equal(collected(h, 1), 4);
    assert_int_equal(live_objects(h), 0);
    assert_false(rec.nested);
    destroy(h);
}

/* The full-collection guard. Thresholds 99/1/1: a trigger every 100
 * containers; without the guard the pattern is gen0, gen0, gen1, gen0, gen0,
 * gen1, full. After a full collection that leaves 10000 long-lived
 * containers, a full collection waits until the survivors of generation-1
 * collections reach 10000 / 4 = 2500. With everything kept alive, the
 * generation-1 collections at triggers 3, 6, ..., 27 add 299 then 300 each:
 * 2699 >= 2500 after the 9th, at trigger 27, so trigger 28 (the 2800th
 * container) is the first full collection, after 18 gen0 and 9 gen1 ones.
 * Without the long-lived population the same 2800 containers give 4 full
 * collections. */
static void full_collection_waits_for_long_lived_growth(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 99, .threshold1 = 1, .threshold2 = 1});
    allocate_kept(h, 699);
    expect_collections(h, 4, 2, 0);
    allocate_kept(h, 1);
    expect_collections(h, 4, 2, 1);
    destroy(h);

    h = new_heap((options){.threshold0 = 99, .threshold1 = 1, .threshold2 = 1});
    heap_collect(h, -1);
    allocate_kept(h, 2800);
    expect_collections(h, 16, 8, 1 + 4);
    destroy(h);

    h = new_heap((options){.threshold0 = 99, .threshold1 = 1, .threshold2 = 1});
    allocate_kept(h, 10000);
    heap_collect(h, -1);
    heap_stats before = stats_of(h);
    expect_counts(h, 0, 0, 0);
    allocate_kept(h, 2799);
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].collections - before.generation[0].collections, 18);
    assert_int_equal(s.generation[1].collections - before.generation[1].collections, 9);
    assert_int_equal(s.generation[2].collections - before.generation[2].collections, 0);
    assert_int_equal(s.generation[2].count, 9); /* well past its threshold, held back by the guard */
    allocate_kept(h, 1);
    s = stats_of(h);
    assert_int_equal(s.generation[0].collections - before.generation[0].collections, 18);
    assert_int_equal(s.generation[1].collections - before.generation[1].collections, 9);
    assert_int_equal(s.generation[2].collections - before.generation[2].collections, 1);
    expect_counts(h, 0, 0, 0);
    destroy(h);
}

/* ---- what is garbage ---- */

static void cycles_are_collected_exactly(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .verify = true, .listener = &listener});
    push_pair_cycle(h);
    root_pop(h, 2);
    assert_int_equal(live_objects(h), 2);
    heap_collect(h, -1);
    assert_int_equal(collected(h, 2), 2);
    assert_int_equal(rec.last.objects_freed, 2);
    assert_int_equal(live_objects(h), 0);

    /* A self-loop. */
    obj *self = obj_new(h, 1, 0);
    obj_set(h, self, 0, self);
    root_pop(h, 1);
    heap_collect(h, -1);
    assert_int_equal(collected(h, 2), 3);
    assert_int_equal(live_objects(h), 0);

    /* A doubly linked ring of 1000: its 701st node triggers a collection,
     * which finds nothing (the ring is rooted). */
    push_ring(h, 1000);
    expect_collections(h, 1, 0, 2);
    assert_int_equal(collected(h, 0), 0);
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 1000);
    heap_stats before = stats_of(h);
    heap_collect(h, -1);
    heap_stats after = stats_of(h);
    assert_int_equal(after.generation[2].collected - before.generation[2].collected, 1000);
    assert_int_equal(rec.last.objects_examined, 1000);
    assert_int_equal(rec.last.objects_freed, 1000);
    assert_int_equal(rec.last.bytes_freed, before.live_bytes);
    assert_int_equal(after.live_objects, 0);
    assert_int_equal(after.live_bytes, 0);
    assert_false(rec.nested);
    destroy(h);
}

/* Garbage hanging off a cycle goes with it: an atom (freed by counting, not
 * counted as collected, as CPython counts only tracked objects) and a
 * container outside the cycle (unreachable too, so collected). */
static void garbage_hanging_off_a_cycle_is_freed(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .verify = true, .listener = &listener});
    obj *a = obj_new(h, 2, 0);
    obj *b = obj_new(h, 2, 0);
    obj_set(h, a, 0, b);
    obj_set(h, b, 0, a);
    obj_new(h, 0, 40); /* the atom */
    obj_set(h, root_get(h, 0), 1, root_get(h, 2));
    obj_new(h, 1, 16); /* the container, holding a second atom */
    obj_new(h, 0, 8);
    obj_set(h, root_get(h, 3), 0, root_get(h, 4));
    obj_set(h, root_get(h, 1), 1, root_get(h, 3));
    heap_stats before = stats_of(h);
    root_pop(h, 5);
    assert_int_equal(live_objects(h), 5);
    heap_collect(h, 0);
    assert_int_equal(collected(h, 0), 3);
    assert_int_equal(rec.last.objects_examined, 3);
    assert_int_equal(rec.last.objects_freed, 5);
    assert_int_equal(rec.last.bytes_freed, before.live_bytes);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

/* References from older generations count as external in a young
 * collection: what they hold survives it. */
static void older_references_keep_young_objects(void **state) {
    (void)state;
    heap *h = new_heap((options){DEFAULTS, .verify = true});
    obj_new(h, 1, 0);
    root holder = 0;
    heap_collect(h, -1); /* holder is in generation 2 */
    push_pair_cycle(h);  /* roots 1, 2 */
    obj_set(h, root_get(h, holder), 0, root_get(h, 1));
    root_pop(h, 2);
    heap_collect(h, 0);
    assert_int_equal(collected(h, 0), 0);
    assert_int_equal(live_objects(h), 3);
    heap_collect(h, 1); /* the pair moves on to generation 2 */
    assert_int_equal(collected(h, 1), 0);
    assert_int_equal(live_objects(h), 3);

    /* Dropped now, but old: young collections do not see it. */
    obj_set(h, root_get(h, holder), 0, NULL);
    heap_collect(h, 0);
    heap_collect(h, 1);
    assert_int_equal(collected(h, 0) + collected(h, 1), 0);
    assert_int_equal(live_objects(h), 3);
    heap_collect(h, 2);
    assert_int_equal(collected(h, 2), 2);
    assert_int_equal(live_objects(h), 1);

    /* An old cycle holding a young container: the young one survives a
     * young collection (the old cycle is not looked at), and goes with the
     * cycle in a full one. */
    obj *a = obj_new(h, 2, 0); /* root 1 */
    obj *b = obj_new(h, 2, 0); /* root 2 */
    obj_set(h, a, 0, b);
    obj_set(h, b, 0, a);
    heap_collect(h, -1);
    obj_new(h, 1, 0); /* young, root 3 */
    obj_set(h, root_get(h, 1), 1, root_get(h, 3));
    root_pop(h, 3);
    assert_int_equal(live_objects(h), 4);
    heap_collect(h, 0);
    assert_int_equal(collected(h, 0), 0);
    assert_int_equal(live_objects(h), 4);
    heap_collect(h, -1);
    assert_int_equal(collected(h, 2), 2 + 3);
    assert_int_equal(live_objects(h), 1);
    destroy(h);
}

/* A garbage cycle still referenced from a live older object must not be
 * mistaken for garbage even when its members are young and hold no root. */
static void young_cycle_held_only_by_old_object_survives(void **state) {
    (void)state;
    heap *h = new_heap((options){DEFAULTS, .verify = true});
    obj_new(h, 1, 0);
    heap_collect(h, -1);
    push_ring(h, 50);
    obj_set(h, root_get(h, 0), 0, root_get(h, 1));
    root_pop(h, 1);
    heap_collect(h, 0);
    heap_collect(h, 1);
    assert_int_equal(collected(h, 0) + collected(h, 1), 0);
    assert_int_equal(live_objects(h), 51);
    obj_set(h, root_get(h, 0), 0, NULL);
    heap_collect(h, -1);
    assert_int_equal(collected(h, 2), 50);
    assert_int_equal(live_objects(h), 1);
    destroy(h);
}

/* ---- no recursion ---- */

/* A chain of containers, built (collections run over it as it grows, the
 * long-lived guard keeping the full ones rare), collected live, dropped. */
static void deep_chain_is_released_iteratively(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .listener = &listener});
    root head = root_push(h, NULL);
    for (uint32_t i = 0; i < DEEP_CHAIN; i++) {
        obj *node = obj_new(h, 1, 8);
        *(uint64_t *)obj_data(node) = i;
        obj_set(h, node, 0, root_get(h, head));
        root_set(h, head, node);
        root_pop(h, 1);
    }
    heap_stats s = stats_of(h);
    assert_int_equal(s.generation[0].collections + s.generation[1].collections + s.generation[2].collections,
                     DEEP_CHAIN / 701);
    heap_collect(h, -1);
    assert_int_equal(rec.last.objects_examined, DEEP_CHAIN);
    assert_int_equal(rec.last.objects_marked, DEEP_CHAIN);
    assert_int_equal(live_objects(h), DEEP_CHAIN);
    assert_int_equal(collected(h, 0) + collected(h, 1) + collected(h, 2), 0);
    root_pop(h, 1);
    assert_int_equal(rec.last_cascade_objects, DEEP_CHAIN);
    s = stats_of(h);
    assert_int_equal(s.live_objects, 0);
    assert_int_equal(s.objects_freed, DEEP_CHAIN);
    assert_int_equal(s.generation[0].count, 0);
    assert_false(rec.nested);
    destroy(h);
}

/* A container freed out of allocation order leaves a hole in its
 * generation's table; a table full of holes is compacted, not grown; a
 * collection squeezes them out. Verify mode checks after each collection that
 * every container sits where its header says and the holes are counted. */
static void holes_in_the_tables_stay_sound(void **state) {
    (void)state;
    enum { SLOTS = 3000, PASSES = 3, ROUNDS = 6 };
    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .threshold2 = 10, .verify = true});
    obj_new(h, SLOTS, 0);
    root holder = root_depth(h) - 1;
    for (int round = 0; round < ROUNDS; round++) {
        /* Each pass replaces every slot's container, freeing the previous
         * pass's from the front of the table while new ones are appended:
         * by the third, generation 0's table is full and half holes. */
        for (int pass = 0; pass < PASSES; pass++) {
            for (uint32_t i = 0; i < SLOTS; i++) {
                obj_new(h, 1, 8);
                obj_set_pop(h, root_get(h, holder), i);
            }
        }
        /* Every third emptied, then generation 0, 1 or all collected: the
         * rounds before promoted theirs, so older tables get holes too. */
        for (uint32_t i = (uint32_t)round % 3; i < SLOTS; i += 3) obj_set(h, root_get(h, holder), i, NULL);
        heap_collect(h, round % 3 == 2 ? -1 : round % 3);
        assert_int_equal(live_objects(h), 1 + SLOTS - SLOTS / 3);
    }
    assert_int_equal(collected(h, 0) + collected(h, 1) + collected(h, 2), 0);
    root_pop(h, 1);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

/* A million-node ring, live then dropped: collected, and the room its
 * entries took in the tables given back. */
static void big_ring_is_collected(void **state) {
    (void)state;
    size_t arrays_before = growable_array_bytes;
    heap *h = new_heap((options){DEFAULTS});
    push_ring(h, BIG_RING);
    heap_collect(h, -1); /* live: nothing to collect */
    assert_int_equal(collected(h, 0) + collected(h, 1) + collected(h, 2), 0);
    size_t arrays_live = growable_array_bytes - arrays_before;
    root_pop(h, 1);
    assert_int_equal(live_objects(h), BIG_RING);
    heap_collect(h, -1);
    assert_int_equal(collected(h, 2), BIG_RING);
    assert_int_equal(live_objects(h), 0);
    /* The tables that held the ring (the oldest generation's and the
     * garbage table, 8 MB each) are back to their floors of 512 KiB. */
    assert_true(arrays_live >= 8 * 1024 * 1024);
    assert_in_range(growable_array_bytes - arrays_before, 0, 4 * 1024 * 1024);
    destroy(h);
    assert_int_equal(growable_array_bytes, arrays_before);
}

/* ---- verify and stress ---- */

/* A small random graph, mutated: a table of slots (the roots), nodes of 0 to
 * 3 slots, edges set and cleared at random. */
typedef struct mutation_run {
    uint64_t allocations;
    uint64_t reachable; /* after the run, counted by the test itself */
} mutation_run;

static mutation_run mutate_random_graph(heap *h, uint64_t seed, int steps) {
    enum { SLOTS = 48 };
    mutation_run run = {0};
    obj_new(h, SLOTS, 0);
    run.allocations++;
    root table = root_depth(h) - 1;
    for (int step = 0; step < steps; step++) {
        uint64_t r = next_random(&seed);
        uint32_t slot = (uint32_t)(r % SLOTS), other = (uint32_t)((r >> 8) % SLOTS);
        switch ((r >> 16) % 5) {
        case 0:
        case 1: { /* a new node into a slot, pointing at another slot's node */
            uint32_t nrefs = (uint32_t)((r >> 24) % 4);
            obj *node = obj_new(h, nrefs, (uint32_t)((r >> 32) % 24));
            run.allocations++;
            if (nrefs) obj_set(h, node, 0, obj_get(root_get(h, table), other));
            obj_set(h, root_get(h, table), slot, node);
            root_pop(h, 1);
            break;
        }
        case 2:
        case 3: { /* an edge between two nodes: cycles come from here */
            obj *from = obj_get(root_get(h, table), slot);
            if (from && from->nrefs)
                obj_set(h, from, (uint32_t)((r >> 24) % from->nrefs), obj_get(root_get(h, table), other));
            break;
        }
        default: /* drop a slot: what hung from it may now be cyclic garbage */
            obj_set(h, root_get(h, table), slot, NULL);
        }
    }
    run.reachable = count_reachable(h, table);
    return run;
}

/* Stress 1, no automatic collections: one collection before every
 * allocation, round-robin gen0, gen1, full; verify checks each. */
static void verify_and_stress_every_allocation(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .threshold2 = 10, .verify = true, .stress = 1});
    mutation_run run = mutate_random_graph(h, 12345, 3000);
    uint64_t k = run.allocations;
    assert_true(k > 1000);
    expect_collections(h, (k + 2) / 3, (k + 1) / 3, k / 3);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), run.reachable);
    root_pop(h, 1);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), 0);
    destroy(h);
}

static void verify_and_stress_every_seventh_allocation(void **state) {
    (void)state;
    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .threshold2 = 10, .verify = true, .stress = 7});
    mutation_run run = mutate_random_graph(h, 777, 5000);
    uint64_t k = run.allocations / 7;
    expect_collections(h, (k + 2) / 3, (k + 1) / 3, k / 3);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), run.reachable);
    destroy(h);

    /* And with low thresholds, so automatic collections of every generation
     * run between the stress ones. */
    h = new_heap((options){.threshold0 = 2, .threshold1 = 1, .threshold2 = 1, .verify = true, .stress = 7});
    run = mutate_random_graph(h, 4242, 5000);
    k = run.allocations / 7;
    heap_stats s = stats_of(h);
    print_message("  %llu allocations, collections %llu %llu %llu\n", (unsigned long long)run.allocations,
                  (unsigned long long)s.generation[0].collections, (unsigned long long)s.generation[1].collections,
                  (unsigned long long)s.generation[2].collections);
    /* More than the stress share in every generation: automatic ones too. */
    assert_true(s.generation[0].collections > (k + 2) / 3);
    assert_true(s.generation[1].collections > (k + 1) / 3);
    assert_true(s.generation[2].collections > k / 3);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), run.reachable);
    destroy(h);
}

/* ---- teardown, events, limits ---- */

static void destroy_balances_the_books_silently(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    for (int verify = 0; verify < 2; verify++) {
        heap *h = new_heap((options){DEFAULTS, .verify = verify, .listener = &listener});
        for (int i = 0; i < 300; i++) {
            push_pair_cycle(h);
            root_pop(h, 2);
        }
        push_ring(h, 2000);
        obj_new(h, 0, 100); /* a rooted atom */
        push_ring(h, 10);
        root_pop(h, 1); /* ring of 10: garbage */
        int begins = rec.begins, cascades = rec.cascades;
        heap_leak_report r = destroy(h);
        assert_int_equal(r.objects_allocated, 600 + 2000 + 1 + 10);
        assert_int_equal(r.objects_freed, r.objects_allocated);
        assert_int_equal(rec.begins, begins); /* no events while tearing down */
        assert_int_equal(rec.cascades, cascades);
    }
    assert_false(rec.nested);
}

/* Cascades are reported outside collections only, with their size. */
static void cascades_are_reported_outside_collections(void **state) {
    (void)state;
    recorder rec = {0};
    gc_event_listener listener = listener_for(&rec);
    heap *h = new_heap((options){DEFAULTS, .listener = &listener});
    obj_new(h, 1, 0);
    obj_new(h, 1, 0);
    obj_new(h, 0, 8);
    obj_set(h, root_get(h, 1), 0, root_get(h, 2));
    obj_set(h, root_get(h, 0), 0, root_get(h, 1));
    root_pop(h, 2);
    assert_int_equal(rec.cascades, 0);
    root_pop(h, 1);
    assert_int_equal(rec.cascades, 1);
    assert_int_equal(rec.cascades_timed, 1); /* three objects: timed from the third */
    assert_int_equal(rec.last_cascade_objects, 3);
    obj_new(h, 1, 0);
    obj_new(h, 0, 8);
    obj_set(h, root_get(h, 0), 0, root_get(h, 1));
    root_pop(h, 1);
    root_pop(h, 1);
    assert_int_equal(rec.cascades, 1); /* two: counted by the heap, not said */
    assert_int_equal(rec.cascades_timed, 1);
    obj_new(h, 0, 8);
    root_pop(h, 1); /* one object is no cascade */
    heap_stats s = stats_of(h);
    assert_int_equal(s.cascades, 2);
    assert_int_equal(s.cascade_objects, 5);
    assert_int_equal(s.cascade_max_objects, 3);
    assert_int_equal(s.cascades_by_length[1], 2); /* 2 to 3 objects */
    /* A collection that frees a ring frees it inside its own pause. */
    push_ring(h, 100);
    root_pop(h, 1);
    heap_collect(h, 5); /* past the oldest: a full collection */
    assert_int_equal(rec.last_begin_generation, -1);
    assert_int_equal(rec.last.objects_freed, 100);
    assert_int_equal(rec.cascades, 1);
    assert_int_equal(stats_of(h).cascades, 2); /* the ring's frees were the collection's */
    assert_int_equal(rec.begins, rec.ends);
    expect_collections(h, 0, 0, 1);
    assert_false(rec.nested);
    destroy(h);
}

/* Over the heap limit, a full collection runs first: garbage cycles never
 * make the heap run out. */
static void heap_limit_collects_cycles_first(void **state) {
    (void)state;
    heap *probe = new_heap((options){DEFAULTS});
    push_pair_cycle(probe);
    uint64_t pair_bytes = stats_of(probe).bytes_allocated;
    destroy(probe);

    heap *h = new_heap((options){.threshold0 = 0, .threshold1 = 10, .threshold2 = 10, .limit = 1000 * pair_bytes});
    for (int i = 0; i < 10000; i++) {
        push_pair_cycle(h);
        root_pop(h, 2);
    }
    /* The 2001st object finds 1000 pairs live: each full collection frees
     * them all, so one runs every 2000 objects. */
    expect_collections(h, 0, 0, 9);
    assert_int_equal(collected(h, 2), 9 * 2000);
    assert_true(stats_of(h).peak_live_bytes <= 1000 * pair_bytes);
    destroy(h);
}

/* Live data past the limit: the handler is called (in a child process, since
 * it must not return). */
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
        cmocka_unit_test(knobs_default_and_validate),
        cmocka_unit_test(gen0_collects_at_the_701st_container),
        cmocka_unit_test(policy_3_12_collects_after_the_allocation),
        cmocka_unit_test(policy_3_13_raises_threshold0),
        cmocka_unit_test(generation_counts_progress_like_cpython),
        cmocka_unit_test(ten_thousand_containers_like_cpython),
        cmocka_unit_test(threshold0_zero_disables_automatic_collection),
        cmocka_unit_test(survivors_are_promoted),
        cmocka_unit_test(full_collection_waits_for_long_lived_growth),
        cmocka_unit_test(cycles_are_collected_exactly),
        cmocka_unit_test(garbage_hanging_off_a_cycle_is_freed),
        cmocka_unit_test(older_references_keep_young_objects),
        cmocka_unit_test(young_cycle_held_only_by_old_object_survives),
        cmocka_unit_test(deep_chain_is_released_iteratively),
        cmocka_unit_test(holes_in_the_tables_stay_sound),
        cmocka_unit_test(big_ring_is_collected),
        cmocka_unit_test(verify_and_stress_every_allocation),
        cmocka_unit_test(verify_and_stress_every_seventh_allocation),
        cmocka_unit_test(destroy_balances_the_books_silently),
        cmocka_unit_test(cascades_are_reported_outside_collections),
        cmocka_unit_test(heap_limit_collects_cycles_first),
        cmocka_unit_test(heap_limit_ends_in_out_of_memory),
    };
    return cmocka_run_group_tests_name("rcgen", tests, NULL, NULL);
}
