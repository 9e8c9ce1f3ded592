/*
 * Unit tests of the pool allocator (impl/alloc/pool.c), through alloc.h and
 * the inspection functions of pool_inspect.h. The allocator is one global
 * state, so every test frees all it allocated before it ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "alloc/pool_inspect.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* The design's constants, as the tests know them. */
#define POOL_SIZE ((uintptr_t)16 << 10)
#define ARENA_SIZE ((size_t)1 << 20)
#define SMALL_LIMIT 512

static uint64_t rng_state;

static uint64_t rng_next(void) {
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static size_t rng_below(size_t n) { return (size_t)(rng_next() % n); }

static size_t small_size(void) { return (rng_below(SMALL_LIMIT / 16) + 1) * 16; }

static uintptr_t pool_number(const void *p) { return (uintptr_t)p / POOL_SIZE; }

static void *must_allocate(size_t size) {
    void *p = alloc_allocate(size);
    assert_non_null(p);
    return p;
}

static int pool_knob(const char *name) {
    int index = knob_find(alloc_knobs, name);
    assert_true(index >= 0);
    return index;
}

static pool_census census(void) {
    pool_census c;
    pool_take_census(&c);
    return c;
}

/* ---- size classes ---- */

static void test_size_class_mapping(void **state) {
    (void)state;
    assert_int_equal(pool_size_class(1), 0);
    assert_int_equal(pool_size_class(16), 0);
    assert_int_equal(pool_size_class(17), 1);
    assert_int_equal(pool_size_class(32), 1);
    assert_int_equal(pool_size_class(33), 2);
    assert_int_equal(pool_size_class(496), 30);
    assert_int_equal(pool_size_class(497), 31);
    assert_int_equal(pool_size_class(512), 31);
    assert_int_equal(pool_size_class(513), -1);
    assert_int_equal(pool_size_class(1 << 20), -1);
    for (size_t size = 1; size <= SMALL_LIMIT; size++) assert_int_equal(pool_size_class(size), (int)((size - 1) / 16));
}

/* The class the allocator really uses: blocks of one pool sit a whole
 * number of class sizes apart, never closer. */
static void test_blocks_are_spaced_by_class_size(void **state) {
    (void)state;
    enum { COUNT = 20 };
    for (size_t size = 16; size <= SMALL_LIMIT; size += 16) {
        size_t class_size = (size_t)(pool_size_class(size) + 1) * 16;
        char *blocks[COUNT];
        for (int i = 0; i < COUNT; i++) blocks[i] = must_allocate(size);
        for (int i = 0; i < COUNT; i++)
            for (int j = 0; j < COUNT; j++) {
                if (i == j || pool_number(blocks[i]) != pool_number(blocks[j])) continue;
                size_t distance = blocks[i] > blocks[j] ? (size_t)(blocks[i] - blocks[j]) : (size_t)(blocks[j] - blocks[i]);
                assert_true(distance >= class_size);
                assert_int_equal(distance % class_size, 0);
            }
        for (int i = 0; i < COUNT; i++) alloc_free(blocks[i], size);
    }
}

/* ---- pool states ---- */

static void test_pool_state_transitions(void **state) {
    (void)state;
    const size_t size = 208;
    alloc_free(must_allocate(size), size); /* an arena is mapped before counting */
    pool_census before = census();

    char *first = must_allocate(size);
    size_t capacity = pool_capacity_of(first);
    assert_true(capacity >= 2);
    assert_int_equal(pool_state_of(first), POOL_USED);
    assert_int_equal(census().pools_used, before.pools_used + 1);
    assert_int_equal(census().pools_empty, before.pools_empty - 1);

    /* The class's used pool serves every allocation until it is full. */
    char **blocks = calloc(capacity, sizeof *blocks);
    assert_non_null(blocks);
    blocks[0] = first;
    for (size_t i = 1; i < capacity; i++) {
        assert_int_equal(pool_state_of(first), POOL_USED);
        blocks[i] = must_allocate(size);
        assert_int_equal(pool_number(blocks[i]), pool_number(first));
    }
    assert_int_equal(pool_state_of(first), POOL_FULL);
    pool_census full = census();
    assert_int_equal(full.pools_full, before.pools_full + 1);
    assert_int_equal(full.pools_used, before.pools_used);

    /* One free makes it used again; the class has no other used pool, so
     * the next allocation fills it again. */
    alloc_free(blocks[capacity / 2], size);
    assert_int_equal(pool_state_of(first), POOL_USED);
    assert_int_equal(census().pools_full, before.pools_full);
    blocks[capacity / 2] = must_allocate(size);
    assert_int_equal(pool_number(blocks[capacity / 2]), pool_number(first));
    assert_int_equal(pool_state_of(first), POOL_FULL);

    /* Once full, the next block comes from another pool. */
    char *other = must_allocate(size);
    assert_int_not_equal(pool_number(other), pool_number(first));
    alloc_free(other, size);

    for (size_t i = 0; i < capacity; i++) {
        alloc_free(blocks[i], size);
        assert_int_equal(pool_state_of(first), i + 1 == capacity ? POOL_EMPTY : POOL_USED);
    }
    pool_census after = census();
    assert_int_equal(after.pools_used, before.pools_used);
    assert_int_equal(after.pools_full, before.pools_full);
    assert_int_equal(after.pools_empty + after.pools_used + after.pools_full, 64 * after.arenas_mapped);
    free(blocks);
}

/* ---- arenas ---- */

/* Allocates enough 512-byte blocks to fill about `arenas` arenas. */
static char **fill_arenas(size_t arenas, size_t *count) {
    *count = arenas * (ARENA_SIZE / SMALL_LIMIT);
    char **blocks = malloc(*count * sizeof *blocks);
    assert_non_null(blocks);
    for (size_t i = 0; i < *count; i++) {
        blocks[i] = must_allocate(SMALL_LIMIT);
        blocks[i][0] = 1; /* touched, as a collector would */
    }
    return blocks;
}

static void free_all(char **blocks, size_t count, size_t size) {
    for (size_t i = 0; i < count; i++) alloc_free(blocks[i], size);
    free(blocks);
}

static void check_drained_to(size_t arenas) {
    pool_census c = census();
    assert_int_equal(c.arenas_mapped, arenas);
    assert_int_equal(c.arenas_empty, arenas);
    assert_int_equal(c.pools_used + c.pools_full, 0);
    assert_int_equal(alloc_footprint(), arenas * ARENA_SIZE);
}

static void test_arenas_go_back_to_the_os(void **state) {
    (void)state;
    int keep_index = pool_knob("keep-arenas");
    assert_int_equal((int)alloc_knobs[keep_index].default_value, 1);
    size_t count;

    char **blocks = fill_arenas(6, &count);
    pool_census full = census();
    assert_true(full.arenas_mapped >= 6);
    assert_int_equal(full.arenas_empty, 0);
    assert_int_equal(alloc_footprint(), full.arenas_mapped * ARENA_SIZE);
    free_all(blocks, count, SMALL_LIMIT);
    check_drained_to(1);

    /* More kept arenas: freeing everything keeps exactly that many. */
    alloc_set_knob(keep_index, 3);
    blocks = fill_arenas(6, &count);
    free_all(blocks, count, SMALL_LIMIT);
    check_drained_to(3);

    /* Lowering the knob gives the surplus back at once. */
    alloc_set_knob(keep_index, 0);
    check_drained_to(0);

    /* None kept: a full cycle leaves nothing mapped, in random free order. */
    blocks = fill_arenas(4, &count);
    for (size_t i = count - 1; i > 0; i--) {
        size_t j = rng_below(i + 1);
        char *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    free_all(blocks, count, SMALL_LIMIT);
    check_drained_to(0);

    alloc_set_knob(keep_index, 1);
}

/* Drained arenas past keep-arenas are kept while they number at most
 * reserve-percent of the arenas in use: a collector that sweeps half its
 * heap and refills it does not unmap and map it again each cycle, and a
 * heap freed whole keeps only keep-arenas. A count, so exact here. */
static void test_drained_arenas_reserve(void **state) {
    (void)state;
    int reserve_index = pool_knob("reserve-percent");
    assert_int_equal((int)alloc_knobs[reserve_index].default_value, 400);
    alloc_set_knob(reserve_index, 100);
    size_t old_count, young_count;
    char **old = fill_arenas(6, &old_count);
    char **young = fill_arenas(6, &young_count);
    size_t mapped = census().arenas_mapped;
    assert_true(mapped >= 12);
    free_all(young, young_count, SMALL_LIMIT); /* a sweep: half the heap drains */
    assert_int_equal(census().arenas_mapped, mapped); /* 6 or so drained, within 100% of 6 in use */

    /* Refilled, they are reused: nothing new is mapped. */
    young = fill_arenas(6, &young_count);
    assert_int_equal(census().arenas_mapped, mapped);
    free_all(young, young_count, SMALL_LIMIT);

    /* A smaller reserve applies at once: half of the arenas in use. */
    alloc_set_knob(reserve_index, 50);
    pool_census c = census();
    size_t in_use = c.arenas_mapped - c.arenas_empty;
    assert_int_equal(c.arenas_empty, 1 + in_use / 2);

    /* Freed whole, the heap keeps keep-arenas, whatever the reserve. */
    alloc_set_knob(reserve_index, 100);
    free_all(old, old_count, SMALL_LIMIT);
    check_drained_to(1);

    /* The same calls, the same arenas: no clock decides. */
    size_t first[2], second[2];
    for (int run = 0; run < 2; run++) {
        size_t *seen = run ? second : first;
        old = fill_arenas(4, &old_count);
        young = fill_arenas(4, &young_count);
        free_all(young, young_count, SMALL_LIMIT);
        seen[0] = census().arenas_mapped;
        free_all(old, old_count, SMALL_LIMIT);
        seen[1] = census().arenas_mapped;
    }
    assert_int_equal(first[0], second[0]);
    assert_int_equal(first[1], second[1]);
    assert_int_equal(first[1], 1);
    alloc_set_knob(reserve_index, 0);
}

/* A class that needs a new pool takes it from the arena with the fewest
 * free pools, so the emptier arenas get the chance to drain. */
static void test_new_pools_come_from_the_fullest_arena(void **state) {
    (void)state;
    int keep_index = pool_knob("keep-arenas");
    alloc_set_knob(keep_index, 0); /* start from nothing: no idle pools anywhere */
    alloc_set_knob(keep_index, 1);
    assert_int_equal(census().arenas_mapped, 0);

    size_t count;
    char **blocks = fill_arenas(3, &count);
    uintptr_t first_arena = (uintptr_t)blocks[0] / ARENA_SIZE, fuller_arena = 0;
    /* Empty 8 pools of the first arena and 4 of the next; the third, still
     * being filled, keeps a used pool of this class so none goes idle. */
    for (size_t i = 0; i < count; i++) {
        uintptr_t arena = (uintptr_t)blocks[i] / ARENA_SIZE;
        if (arena != first_arena && !fuller_arena) fuller_arena = arena;
        size_t pool_in_arena = ((uintptr_t)blocks[i] % ARENA_SIZE) / POOL_SIZE;
        if ((arena == first_arena && pool_in_arena >= 8 && pool_in_arena < 16) ||
            (arena == fuller_arena && pool_in_arena >= 8 && pool_in_arena < 12)) {
            alloc_free(blocks[i], SMALL_LIMIT);
            blocks[i] = NULL;
        }
    }
    assert_int_not_equal(fuller_arena, 0);
    char *fresh = must_allocate(64);
    assert_int_equal((uintptr_t)fresh / ARENA_SIZE, fuller_arena);
    alloc_free(fresh, 64);
    for (size_t i = 0; i < count; i++)
        if (blocks[i]) alloc_free(blocks[i], SMALL_LIMIT);
    free(blocks);
    check_drained_to(1);
}

/* A workload that frees everything and starts again reuses the kept arena
 * rather than mapping a new one each time. */
static void test_kept_arena_is_reused(void **state) {
    (void)state;
    char *p = must_allocate(64);
    alloc_free(p, 64);
    pool_census before = census();
    assert_int_equal(before.arenas_mapped, 1);
    for (int i = 0; i < 1000; i++) {
        size_t size = small_size();
        char *q = must_allocate(size);
        assert_int_equal((uintptr_t)q / ARENA_SIZE, (uintptr_t)p / ARENA_SIZE);
        alloc_free(q, size);
        assert_int_equal(census().arenas_mapped, 1);
    }
}

/* One object allocated and freed in a loop, the allocation pattern of a
 * temporary: its pool stays with its class (the same block comes back every
 * time) and its arena, the allocation front, stays mapped without a look.
 * With keep-arenas 0 there is no front: the arena goes the moment it drains. */
static void test_one_object_at_a_time(void **state) {
    (void)state;
    char *first = must_allocate(48);
    alloc_free(first, 48);
    for (int i = 0; i < 1000; i++) {
        char *again = must_allocate(48);
        assert_ptr_equal(again, first);
        alloc_free(again, 48);
    }
    assert_int_equal(census().arenas_mapped, 1);

    int keep_index = pool_knob("keep-arenas");
    alloc_set_knob(keep_index, 0);
    assert_int_equal(census().arenas_mapped, 0);
    char *lone = must_allocate(48);
    assert_int_equal(census().arenas_mapped, 1);
    alloc_free(lone, 48);
    check_drained_to(0);
    alloc_set_knob(keep_index, 1);
}

/* A class's only pool emptied in an arena that is no longer the front
 * drains that arena at once (it is counted, and kept as keep-arenas says):
 * nothing waits to be looked at. */
static void test_idle_pool_behind_the_front(void **state) {
    (void)state;
    int keep_index = pool_knob("keep-arenas");
    alloc_set_knob(keep_index, 0);
    alloc_set_knob(keep_index, 1);
    char *lone = must_allocate(48); /* its class's only pool, in the first arena */
    size_t count;
    char **blocks = fill_arenas(2, &count); /* the front moves on to later arenas */
    uintptr_t lone_arena = (uintptr_t)lone / ARENA_SIZE;
    assert_int_not_equal((uintptr_t)blocks[count - 1] / ARENA_SIZE, lone_arena);
    for (size_t i = 0; i < count; i++)
        if ((uintptr_t)blocks[i] / ARENA_SIZE == lone_arena) {
            alloc_free(blocks[i], SMALL_LIMIT);
            blocks[i] = NULL;
        }
    size_t mapped = census().arenas_mapped;
    assert_int_equal(census().arenas_empty, 0);
    alloc_free(lone, 48); /* the first arena now holds nothing: drained, the one arena kept */
    pool_census c = census();
    assert_int_equal(c.arenas_mapped, mapped);
    assert_int_equal(c.arenas_empty, 1);
    for (size_t i = 0; i < count; i++)
        if (blocks[i]) alloc_free(blocks[i], SMALL_LIMIT);
    free(blocks);
    check_drained_to(1);
}

/* ---- alignment, large objects ---- */

static void test_every_block_is_16_byte_aligned(void **state) {
    (void)state;
    enum { LIVE = 4096, OPS = 1000000 };
    char *blocks[LIVE] = {0};
    size_t sizes[LIVE] = {0};
    rng_state = 7;
    for (int op = 0; op < OPS; op++) {
        size_t slot = rng_below(LIVE);
        if (blocks[slot]) alloc_free(blocks[slot], sizes[slot]);
        sizes[slot] = rng_below(64) == 0 ? 16 * (rng_below(256) + 33) : small_size();
        blocks[slot] = must_allocate(sizes[slot]);
        assert_int_equal((uintptr_t)blocks[slot] % 16, 0);
    }
    for (int i = 0; i < LIVE; i++) alloc_free(blocks[i], sizes[i]);
}

static void test_large_objects_go_to_malloc(void **state) {
    (void)state;
    static const size_t sizes[] = {528, 4096, 65536, 3 << 20};
    enum { N = sizeof sizes / sizeof sizes[0] };
    pool_census before = census();
    size_t footprint = alloc_footprint();
    char *blocks[N];
    size_t total = 0;
    for (int i = 0; i < N; i++) {
        blocks[i] = must_allocate(sizes[i]);
        assert_int_equal((uintptr_t)blocks[i] % 16, 0);
        memset(blocks[i], 0xab, sizes[i]);
        total += sizes[i];
        assert_int_equal(alloc_footprint(), footprint + total);
    }
    /* No arena or pool was involved. */
    pool_census during = census();
    assert_int_equal(during.arenas_mapped, before.arenas_mapped);
    assert_int_equal(during.pools_used + during.pools_full, before.pools_used + before.pools_full);
    for (int i = 0; i < N; i++) alloc_free(blocks[i], sizes[i]);
    assert_int_equal(alloc_footprint(), footprint);
}

/* ---- against a model ---- */

typedef struct live_block {
    unsigned char *address;
    size_t size;
    uint64_t id;
} live_block;

static unsigned char pattern_byte(uint64_t id, size_t offset) {
    return (unsigned char)((id * 0x9e3779b97f4a7c15u + offset * 0x45u) >> 56);
}

static void fill(const live_block *b) {
    for (size_t i = 0; i < b->size; i++) b->address[i] = pattern_byte(b->id, i);
}

static void verify(const live_block *b) {
    for (size_t i = 0; i < b->size; i++)
        if (b->address[i] != pattern_byte(b->id, i))
            fail_msg("block %llu (%zu bytes at %p) corrupted at byte %zu", (unsigned long long)b->id, b->size,
                     (void *)b->address, i);
}

static int by_address(const void *x, const void *y) {
    const live_block *a = x, *b = y;
    return a->address < b->address ? -1 : a->address > b->address;
}

static void check_no_overlap(const live_block *live, size_t count) {
    live_block *sorted = malloc((count + 1) * sizeof *sorted);
    assert_non_null(sorted);
    memcpy(sorted, live, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_address);
    for (size_t i = 1; i < count; i++)
        if (sorted[i - 1].address + sorted[i - 1].size > sorted[i].address)
            fail_msg("blocks %p (+%zu) and %p overlap", (void *)sorted[i - 1].address, sorted[i - 1].size,
                     (void *)sorted[i].address);
    free(sorted);
}

static void test_random_sequence_matches_model(void **state) {
    (void)state;
    enum { MAX_LIVE = 30000, OPS = 1000000, CHECK_EVERY = 100000 };
    live_block *live = malloc(MAX_LIVE * sizeof *live);
    assert_non_null(live);
    size_t count = 0;
    uint64_t next_id = 1;
    rng_state = 12345;
    for (int op = 1; op <= OPS; op++) {
        /* Drift between mostly allocating and mostly freeing, so pools and
         * arenas fill and drain, not just churn. */
        bool growing = (op / 150000) % 2 == 0;
        bool allocate = count == 0 || (count < MAX_LIVE && rng_below(100) < (growing ? 60u : 40u));
        if (allocate) {
            live_block *b = &live[count++];
            b->size = rng_below(100) == 0 ? 16 * (rng_below(128) + 33) : small_size();
            b->address = must_allocate(b->size);
            b->id = next_id++;
            fill(b);
        } else {
            size_t victim = rng_below(count);
            verify(&live[victim]);
            alloc_free(live[victim].address, live[victim].size);
            live[victim] = live[--count];
        }
        if (op % CHECK_EVERY == 0) check_no_overlap(live, count);
    }
    check_no_overlap(live, count);
    for (size_t i = 0; i < count; i++) {
        verify(&live[i]);
        alloc_free(live[i].address, live[i].size);
    }
    free(live);
    check_drained_to(1);
}

/* ---- robustness ---- */

/* With the address space capped, allocation fails with NULL, not a crash,
 * and the allocator keeps working afterwards. In a child process, so the
 * cap does not outlive the test. */
static void test_null_when_mmap_fails(void **state) {
    (void)state;
#ifdef UNDER_ASAN
    skip(); /* AddressSanitizer's shadow memory cannot live under RLIMIT_AS */
#else
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        FILE *statm = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!statm || fscanf(statm, "%lu", &pages) != 1) _exit(3);
        fclose(statm);
        struct rlimit cap = {.rlim_cur = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (16u << 20)};
        cap.rlim_max = cap.rlim_cur;
        if (setrlimit(RLIMIT_AS, &cap) != 0) _exit(3);
        enum { MAX = 200000 }; /* 100 MB of 512-byte blocks: far past the cap */
        static void *blocks[MAX];
        int n = 0;
        while (n < MAX && (blocks[n] = alloc_allocate(SMALL_LIMIT))) n++;
        if (n == MAX) _exit(1);
        while (n > 0) alloc_free(blocks[--n], SMALL_LIMIT);
        void *again = alloc_allocate(SMALL_LIMIT);
        if (!again) _exit(2);
        alloc_free(again, SMALL_LIMIT);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

static void test_freed_block_is_poisoned(void **state) {
    (void)state;
#ifdef UNDER_ASAN
    for (size_t size = 16; size <= SMALL_LIMIT; size += 16) {
        char *p = must_allocate(size);
        for (size_t i = 0; i < size; i += 8) assert_false(__asan_address_is_poisoned(p + i));
        p[0] = 1;
        alloc_free(p, size);
        for (size_t i = 0; i < size; i += 8) assert_true(__asan_address_is_poisoned(p + i));
        /* Allocated again, it is usable again. */
        char *q = must_allocate(size);
        assert_ptr_equal(q, p);
        assert_false(__asan_address_is_poisoned(q + size - 1));
        alloc_free(q, size);
    }
    /* Never-used space past the bump pointer is poisoned too. */
    char *r = must_allocate(48);
    assert_true(__asan_address_is_poisoned(r + 48) || pool_number(r + 48) != pool_number(r));
    alloc_free(r, 48);
#else
    skip(); /* only meaningful under AddressSanitizer */
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_class_mapping),
        cmocka_unit_test(test_blocks_are_spaced_by_class_size),
        cmocka_unit_test(test_pool_state_transitions),
        cmocka_unit_test(test_arenas_go_back_to_the_os),
        cmocka_unit_test(test_drained_arenas_reserve),
        cmocka_unit_test(test_one_object_at_a_time),
        cmocka_unit_test(test_idle_pool_behind_the_front),
        cmocka_unit_test(test_new_pools_come_from_the_fullest_arena),
        cmocka_unit_test(test_kept_arena_is_reused),
        cmocka_unit_test(test_every_block_is_16_byte_aligned),
        cmocka_unit_test(test_large_objects_go_to_malloc),
        cmocka_unit_test(test_random_sequence_matches_model),
        cmocka_unit_test(test_null_when_mmap_fails),
        cmocka_unit_test(test_freed_block_is_poisoned),
    };
    /* Released the moment they drain, unless a test says otherwise: what
     * most tests count is the arenas in use. */
    alloc_set_knob(knob_find(alloc_knobs, "reserve-percent"), 0);
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
