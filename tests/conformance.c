/*
 * The conformance suite: the same tests, compiled against every variant.
 * Whatever a collector does inside, through the interface it must behave
 * like every other, but for the differences its traits declare (object.h):
 * what it reclaims, whether it frees at the last reference, whether its
 * books are exact. Nothing here names a collector or sets its knobs.
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

#include "alloc.h"
#include "heap_helpers.h"
#include "checksum.h"
#include "cli.h"
#include "object.h"
#include "rng.h"
#include "workload.h"

#define DEEP_CHAIN 10000000u

static heap *new_heap(bool verify, uint64_t stress) {
    heap_config config;
    heap_config_init(&config);
    config.verify = verify;
    config.stress_interval = stress;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

static bool reclaims_cycles(void) { return gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE; }

/* What a full collection leaves of `acyclic` and `cyclic` unreachable
 * objects, by what the collector reclaims. */
static uint64_t left_of(uint64_t acyclic, uint64_t cyclic) {
    switch (gc_traits.reclaims) {
    case GC_RECLAIMS_NOTHING: return acyclic + cyclic;
    case GC_RECLAIMS_ACYCLIC: return cyclic;
    case GC_RECLAIMS_UNREACHABLE: return 0;
    }
    return 0;
}

/* A figure the collector counts: exact where its books are, otherwise an
 * upper bound may keep more (conservative retention), never less. */
static void expect_count(uint64_t counted, uint64_t expected) {
    if (gc_traits.exact_books) assert_int_equal(counted, expected);
    else assert_true(counted >= expected);
}

static void expect_books_balance(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    assert_int_equal(s.objects_allocated, s.objects_freed + s.live_objects);
    assert_int_equal(s.bytes_allocated, s.bytes_freed + s.live_bytes);
}

static uint64_t live_objects(heap *h) {
    heap_stats s;
    heap_stats_get(h, &s);
    return s.live_objects;
}

/* An object carrying its own identity, so that survivors can be checked. */
static obj *tagged(heap *h, uint32_t nrefs, uint64_t tag) {
    obj *o = obj_new(h, nrefs, 2 * sizeof(uint64_t));
    uint64_t *data = obj_data(o);
    data[0] = tag;
    data[1] = ~tag;
    return o;
}

static void expect_tag(obj *o, uint64_t tag) {
    uint64_t *data = obj_data(o);
    assert_int_equal(data[0], tag);
    assert_int_equal(data[1], ~tag);
}

/* Slots start NULL even where a dead object's data lay; data is left as the
 * allocator gave it, except in verify mode, which fills it. */
static void check_new_objects(bool verify) {
    heap *h = new_heap(verify, 0);
    for (uint32_t i = 0; i < 100; i++) {
        obj *o = obj_new(h, i % 7, i * 3);
        assert_int_equal(root_depth(h), 1);
        assert_ptr_equal(root_get(h, 0), o);
        assert_int_equal(o->nrefs, i % 7);
        assert_int_equal(o->nbytes, i * 3);
        assert_int_equal((uintptr_t)obj_data(o) % 8, 0);
        for (uint32_t s = 0; s < o->nrefs; s++) assert_null(obj_get(o, s));
        const unsigned char *data = obj_data(o);
        if (verify)
            for (uint32_t b = 0; b < o->nbytes; b++) assert_int_equal(data[b], OBJ_VERIFY_FILL);
        memset(obj_data(o), 0xab, o->nbytes); /* what the next object's slots may lie on */
        root_pop(h, 1);
        heap_collect(h, -1);
    }
    expect_count(live_objects(h), left_of(100, 0));
    expect_count(destroy_checked(h).objects_leaked, left_of(100, 0));
}

static void new_objects_have_null_slots_and_are_rooted(void **state) {
    (void)state;
    check_new_objects(false);
    check_new_objects(true);
}

static void root_stack_operations(void **state) {
    (void)state;
    heap *h = new_heap(true, 0);
    root a = root_push(h, NULL);
    obj *x = tagged(h, 1, 7);
    root rx = root_depth(h) - 1;
    root_set(h, a, x);
    root_set(h, rx, NULL);
    root_pop(h, 1);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), 1); /* still held by slot a */
    expect_tag(root_get(h, a), 7);
    root_push(h, root_get(h, a));
    root_set(h, a, NULL);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), 1);
    root_pop(h, 2);
    heap_collect(h, -1);
    expect_count(live_objects(h), left_of(1, 0));
    destroy_checked(h);
}

/* obj_set_pop moves the top root into a slot: the object stays alive through
 * the slot alone, what the slot held before is released, and nothing is
 * counted twice (a pure refcounting heap would leak it). */
static void set_pop_moves_the_reference(void **state) {
    (void)state;
    heap *h = new_heap(true, 0);
    obj_new(h, 2, 0);
    root list = root_depth(h) - 1;
    tagged(h, 0, 11);
    obj_set_pop(h, root_get(h, list), 0);
    assert_int_equal(root_depth(h), 1);
    tagged(h, 0, 12);
    obj_set_pop(h, root_get(h, list), 1);
    heap_collect(h, -1);
    assert_int_equal(live_objects(h), 3);
    expect_tag(obj_get(root_get(h, list), 0), 11);
    expect_tag(obj_get(root_get(h, list), 1), 12);
    tagged(h, 0, 13); /* replaces 11, which has no other reference */
    obj_set_pop(h, root_get(h, list), 0);
    heap_collect(h, -1);
    expect_count(live_objects(h), 3 + left_of(1, 0));
    expect_tag(obj_get(root_get(h, list), 0), 13);
    root_pop(h, 1);
    heap_collect(h, -1);
    expect_count(live_objects(h), left_of(4, 0));
    destroy_checked(h);
}

/* A random graph with every object tagged: after collections, everything
 * reachable is still there with its data and its edges. */
static void reachable_objects_are_never_freed(void **state) {
    (void)state;
    enum { NODES = 2000, EDGES = 4 };
    heap *h = new_heap(true, 0);
    rng r = rng_seeded(42);
    root table = root_push(h, NULL);
    obj_new(h, NODES, 0);
    root_set(h, table, root_get(h, root_depth(h) - 1));
    root_pop(h, 1);
    uint32_t edges[NODES][EDGES];
    for (uint32_t i = 0; i < NODES; i++) {
        obj *node = tagged(h, EDGES, i);
        obj_set(h, root_get(h, table), i, node);
        root_pop(h, 1);
    }
    for (uint32_t i = 0; i < NODES; i++)
        for (uint32_t e = 0; e < EDGES; e++) {
            edges[i][e] = (uint32_t)rng_below(&r, NODES);
            obj *t = root_get(h, table);
            obj_set(h, obj_get(t, i), e, obj_get(t, edges[i][e]));
        }
    /* Drop the table's direct hold on half of the nodes: those stay alive only
     * if some other node points at them. */
    for (uint32_t i = 0; i < NODES; i += 2) obj_set(h, root_get(h, table), i, NULL);
    for (int round = 0; round < 3; round++) {
        heap_collect(h, round == 2 ? -1 : round);
        obj *t = root_get(h, table);
        for (uint32_t i = 1; i < NODES; i += 2) {
            obj *node = obj_get(t, i);
            expect_tag(node, i);
            for (uint32_t e = 0; e < EDGES; e++) expect_tag(obj_get(node, e), edges[i][e]);
        }
        /* Allocation in between: freed memory would be reused and clobbered. */
        for (int k = 0; k < 1000; k++) {
            tagged(h, 1, 99);
            root_pop(h, 1);
        }
    }
    root_pop(h, 1);
    heap_collect(h, -1);
    uint64_t left = live_objects(h);
    /* Which nodes form cycles is the graph's business: pure counting keeps
     * some; the other two are exact. */
    heap_stats s;
    heap_stats_get(h, &s);
    if (gc_traits.reclaims == GC_RECLAIMS_UNREACHABLE) expect_count(left, 0);
    if (gc_traits.reclaims == GC_RECLAIMS_NOTHING) assert_int_equal(left, s.objects_allocated);
    /* Upper bounds shrink: what a conservative collector kept may go later. */
    uint64_t leaked = destroy_checked(h).objects_leaked;
    if (gc_traits.exact_books) assert_int_equal(leaked, left);
    else assert_true(leaked <= left);
}

static void acyclic_garbage_is_reclaimed(void **state) {
    (void)state;
    heap *h = new_heap(true, 0);
    /* A binary tree of 1023 nodes and a list holding 500 atoms. */
    obj_new(h, 2, 8);
    root tree = root_depth(h) - 1;
    for (uint32_t i = 1; i < 1023; i++) {
        obj *n = obj_new(h, 2, 8);
        (void)n;
        obj *parent = root_get(h, tree);
        for (uint32_t bit = 31 - (uint32_t)__builtin_clz(i + 1); bit-- > 1;) parent = obj_get(parent, ((i + 1) >> bit) & 1);
        obj_set(h, parent, (i + 1) & 1, root_get(h, root_depth(h) - 1));
        root_pop(h, 1);
    }
    obj_new(h, 500, 0);
    for (uint32_t i = 0; i < 500; i++) {
        obj_new(h, 0, 24);
        obj_set(h, root_get(h, tree + 1), i, root_get(h, tree + 2));
        root_pop(h, 1);
    }
    assert_int_equal(live_objects(h), 1023 + 501);
    root_pop(h, 2);
    heap_collect(h, -1);
    expect_count(live_objects(h), left_of(1023 + 501, 0));
    expect_books_balance(h);
    expect_count(destroy_checked(h).objects_leaked, left_of(1023 + 501, 0));
}

static void cycles_are_reclaimed_or_leaked_exactly(void **state) {
    (void)state;
    heap *h = new_heap(true, 0);
    uint64_t in_cycles = 0;
    /* A self-loop, with an atom hanging off it. */
    obj *self = obj_new(h, 2, 0);
    obj_set(h, self, 0, self);
    obj_new(h, 0, 40);
    obj_set(h, root_get(h, 0), 1, root_get(h, 1));
    root_pop(h, 2);
    in_cycles += 2;
    for (int i = 0; i < 100; i++) drop_ring(h, 2), in_cycles += 2;
    drop_ring(h, 1000), in_cycles += 1000;
    /* A cycle reachable from a live object is not garbage. */
    obj_new(h, 1, 0);
    root keeper = root_depth(h) - 1;
    push_ring(h, 3);
    obj_set(h, root_get(h, keeper), 0, root_get(h, keeper + 1));
    root_pop(h, 1);
    heap_collect(h, -1);
    expect_count(live_objects(h) - 4, left_of(0, in_cycles));
    root_pop(h, 1);
    heap_leak_report r = destroy_checked(h);
    expect_count(r.objects_leaked, left_of(1, in_cycles + 3)); /* the keeper dies acyclic */
}

/* Ten million objects in one chain: built, collected while live, dropped.
 * Any recursion in a collector overflows the C stack here. */
static void deep_chain_does_not_overflow_the_stack(void **state) {
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
    assert_int_equal(live_objects(h), DEEP_CHAIN);
    uint64_t expected = DEEP_CHAIN;
    for (obj *o = root_get(h, head); o; o = obj_get(o, 0)) assert_int_equal(*(uint64_t *)obj_data(o), --expected);
    assert_int_equal(expected, 0);
    root_pop(h, 1);
    heap_collect(h, -1);
    expect_count(live_objects(h), left_of(DEEP_CHAIN, 0));
    expect_count(destroy_checked(h).objects_leaked, left_of(DEEP_CHAIN, 0));
}

/* A workload's small run on a fresh heap. */
static uint64_t run_workload(const workload *w, bool verify, uint64_t stress, uint64_t seed, heap_leak_report *leaks) {
    run_options options;
    cli_parse_small_run(w, seed, &options);
    heap *h = new_heap(verify, stress);
    uint64_t checksum = w->run(h, &options.args);
    assert_int_equal(root_depth(h), 0);
    expect_books_balance(h);
    *leaks = destroy_checked(h);
    return checksum;
}

/* Every workload gives the same checksum plain, in verify mode and in stress
 * mode; a different seed gives another; the books balance each time. */
static void workloads_under_stress_and_verify(void **state) {
    (void)state;
    for (int i = 0; all_workloads[i]; i++) {
        const workload *w = all_workloads[i];
        heap_leak_report plain, verified, stressed, stressed7, other;
        uint64_t sum = run_workload(w, false, 0, 1, &plain);
        print_message("  %-12s %016llx\n", w->name, (unsigned long long)sum);
        assert_int_equal(run_workload(w, true, 0, 1, &verified), sum);
        assert_int_equal(run_workload(w, true, 1, 1, &stressed), sum);
        assert_int_equal(run_workload(w, true, 7, 1, &stressed7), sum);
        assert_int_not_equal(run_workload(w, false, 0, 2, &other), sum);
        assert_int_equal(verified.objects_allocated, plain.objects_allocated);
        assert_int_equal(stressed.objects_allocated, plain.objects_allocated);
        /* A conservative collector's leaks depend on what the stack held. */
        if (gc_traits.exact_books) {
            assert_int_equal(verified.objects_leaked, plain.objects_leaked);
            assert_int_equal(stressed.objects_leaked, plain.objects_leaked);
        }
        if (gc_traits.reclaims == GC_RECLAIMS_NOTHING) assert_int_equal(plain.objects_leaked, plain.objects_allocated);
        else if (reclaims_cycles() || !w->cyclic) expect_count(plain.objects_leaked, 0);
        else assert_true(plain.objects_leaked > 0);
    }
}

/* Under pure counting the rings workload leaks every ring, exactly. */
static void rings_leak_exactly_under_refcounting(void **state) {
    (void)state;
    heap_leak_report leaks;
    run_workload(workload_find("rings"), false, 0, 1, &leaks);
    /* small_args: 40 rings of 6 nodes, and nothing else that outlives its use */
    expect_count(leaks.objects_leaked, left_of(leaks.objects_allocated - 40 * 6, 40 * 6));
}

static heap *quiet_heap(void) {
    heap_config config;
    heap_config_init(&config);
    config.collect_only_when_asked = true;
    config.verify = true;
    heap *h = heap_create(&config);
    assert_non_null(h);
    return h;
}

/* The trait, checked: an acyclic object is freed the moment its last
 * reference goes, or else stays until a collection (or for ever). */
static void frees_at_the_last_reference_as_its_traits_say(void **state) {
    (void)state;
    heap *h = quiet_heap();
    obj_new(h, 1, 8);
    obj_new(h, 0, 8);
    obj_set_pop(h, root_get(h, 0), 0);
    root_pop(h, 1);
    expect_count(live_objects(h), gc_traits.frees_at_last_reference ? 0 : 2);
    heap_collect(h, -1);
    expect_count(live_objects(h), left_of(2, 0));
    destroy_checked(h);
}

/* heap_config.collect_only_when_asked: however much garbage piles up, no
 * collection runs until one is asked for, and then it reclaims what the
 * collector reclaims. */
static void a_quiet_heap_collects_only_when_asked(void **state) {
    (void)state;
    enum { RINGS = 50000 };
    heap *h = quiet_heap();
    for (int i = 0; i < RINGS; i++) {
        drop_ring(h, 2);
        obj_new(h, 1, 64); /* acyclic garbage too */
        root_pop(h, 1);
    }
    heap_stats s;
    heap_stats_get(h, &s);
    assert_int_equal(s.collections, 0);
    uint64_t acyclic = gc_traits.frees_at_last_reference ? 0 : RINGS;
    expect_count(s.live_objects, 2 * RINGS + acyclic);
    heap_collect(h, -1);
    heap_stats_get(h, &s);
    assert_int_equal(s.collections, 1);
    expect_count(s.live_objects, left_of(acyclic, 2 * RINGS));
    destroy_checked(h);
}

static void out_of_memory_handler(heap *h, size_t requested, void *data) {
    (void)h;
    (void)data;
    _exit(requested > 0 ? 3 : 4);
}

/* Live data past the heap limit: the out-of-memory handler is called (it
 * must not return); the process does not crash. */
static void heap_limit_ends_in_out_of_memory(void **state) {
    (void)state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        heap_config config;
        heap_config_init(&config);
        config.heap_limit_bytes = 256 * 1024;
        config.out_of_memory = out_of_memory_handler;
        heap *h = heap_create(&config);
        root head = root_push(h, NULL);
        for (int i = 0; i < 100000; i++) {
            obj *node = obj_new(h, 1, 64);
            obj_set(h, node, 0, root_get(h, head));
            root_set(h, head, node);
            root_pop(h, 1);
        }
        _exit(0); /* never: 100,000 live objects do not fit */
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

/* Garbage under a heap limit is collected rather than reported as too much
 * (for a collector that can reclaim it). */
/* Exits 3 if the heap had allocated exactly the objects given before it ran out. */
static void out_of_memory_after(heap *h, size_t requested, void *data) {
    heap_stats s;
    heap_stats_get(h, &s);
    _exit(requested > 0 && s.objects_allocated == *(const uint64_t *)data ? 3 : 5);
}

/* Fault injection: the allocator refuses everything after 1,000 requests.
 * Garbage made before then does not help (the refusal is not about room):
 * the heap answers with the out-of-memory handler, having allocated exactly
 * 1,000 objects. */
static void allocator_refusal_ends_in_out_of_memory(void **state) {
    (void)state;
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        heap_config config;
        heap_config_init(&config);
        static const uint64_t allowed = 1000;
        config.fail_after_allocations = allowed;
        config.out_of_memory = out_of_memory_after;
        config.out_of_memory_data = (void *)&allowed;
        heap *h = heap_create(&config);
        for (int i = 0; i < 100000; i++) {
            obj_new(h, 1, 8);
            root_pop(h, 1);
        }
        _exit(0); /* never */
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
}

static void heap_limit_collects_garbage_first(void **state) {
    (void)state;
    heap_config config;
    heap_config_init(&config);
    config.heap_limit_bytes = 256 * 1024;
    heap *h = heap_create(&config);
    for (int i = 0; i < 20000; i++) {
        obj_new(h, 1, 64);
        root_pop(h, 1);
        drop_ring(h, 2); /* 20,000 rings far exceed the limit: only cycle collectors get here */
        if (!reclaims_cycles() && i == 100) break;
    }
    heap_stats s;
    heap_stats_get(h, &s);
    assert_true(s.live_bytes <= config.heap_limit_bytes);
    destroy_checked(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_objects_have_null_slots_and_are_rooted),
        cmocka_unit_test(root_stack_operations),
        cmocka_unit_test(set_pop_moves_the_reference),
        cmocka_unit_test(reachable_objects_are_never_freed),
        cmocka_unit_test(acyclic_garbage_is_reclaimed),
        cmocka_unit_test(cycles_are_reclaimed_or_leaked_exactly),
        cmocka_unit_test(frees_at_the_last_reference_as_its_traits_say),
        cmocka_unit_test(a_quiet_heap_collects_only_when_asked),
        cmocka_unit_test(workloads_under_stress_and_verify),
        cmocka_unit_test(rings_leak_exactly_under_refcounting),
        cmocka_unit_test(heap_limit_ends_in_out_of_memory),
        cmocka_unit_test(heap_limit_collects_garbage_first),
        cmocka_unit_test(allocator_refusal_ends_in_out_of_memory),
        cmocka_unit_test(deep_chain_does_not_overflow_the_stack),
    };
    char group[128];
    snprintf(group, sizeof group, "conformance %s+%s", gc_name, alloc_name);
    return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}
