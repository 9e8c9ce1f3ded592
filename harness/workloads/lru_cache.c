/*
 * lru-cache: a bounded LRU cache (functools.lru_cache's shape): a hash table
 * of bucket chains for lookup and a doubly linked recency list through a
 * sentinel, fed a Zipf-distributed stream of keys. A hit moves its entry to
 * the front, storing pointers from old entries to young ones and back; a miss
 * allocates an entry and its value; a full cache evicts its least recently
 * used entries, a batch at a time, and the batch cut from the list is garbage
 * held together by its own next/prev links.
 */
#include <math.h>

#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { CAPACITY, KEY_SPACE, SKEW, VALUE_BYTES, EVICT_BATCH, UPDATE_RATE };
/* An entry: NEXT runs from the most recently used towards the least, PREV
 * back; CHAIN is the next entry in the same bucket. */
enum { NEXT, PREV, CHAIN, VALUE, ENTRY_REFS };

static const knob params[] = {
    [CAPACITY] = {"capacity", "entries the cache holds at most", 50000, 1, 10000000, true},
    [KEY_SPACE] = {"key-space", "distinct keys requested", 1000000, 1, 1e12, true},
    [SKEW] = {"skew", "Zipf exponent of key popularity (0: uniform)", 0.99, 0, 4, false},
    [VALUE_BYTES] = {"value-bytes", "data bytes of each cached value", 64, 8, 1000000, true},
    [EVICT_BATCH] = {"evict-batch", "least recently used entries evicted together when full", 16, 1, 10000000, true},
    [UPDATE_RATE] = {"update-rate", "share of hits that store a fresh value in the entry", 0.1, 0, 1, false},
    {NULL},
};

/*
 * Zipf variates by rejection-inversion (Hörmann and Derflinger, 1996): invert
 * the integral H of the density h(x) = x^-s over [1.5, n + 0.5], round to the
 * nearest key, and accept unless the point fell in the sliver between the
 * integral and the true probability of that key. O(1) per variate, no table,
 * and almost never more than one try.
 */
typedef struct zipf {
    double exponent, n;
    double h_first, h_last; /* H(1.5) - 1 and H(n + 0.5) */
    double squeeze;          /* keys this close to x are accepted at once */
} zipf;

/* log(1 + x) / x and (exp(x) - 1) / x, accurate near 0. */
static double log1p_over(double x) { return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x / 3); }
static double expm1_over(double x) { return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * (0.5 + x / 6); }

static double zipf_h(const zipf *z, double x) { return exp(-z->exponent * log(x)); }
static double zipf_integral(const zipf *z, double x) {
    double log_x = log(x);
    return expm1_over((1 - z->exponent) * log_x) * log_x;
}
static double zipf_integral_inverse(const zipf *z, double y) {
    double t = fmax(y * (1 - z->exponent), -1);
    return exp(log1p_over(t) * y);
}

static zipf zipf_make(uint64_t n, double exponent) {
    zipf z = {.exponent = exponent, .n = (double)n};
    z.h_first = zipf_integral(&z, 1.5) - 1;
    z.h_last = zipf_integral(&z, z.n + 0.5);
    z.squeeze = 2 - zipf_integral_inverse(&z, zipf_integral(&z, 2.5) - zipf_h(&z, 2));
    return z;
}

/* A key in 1..n, key k with probability proportional to k^-exponent. */
static uint64_t zipf_next(const zipf *z, rng *r) {
    for (;;) {
        double u = z->h_last + (double)(rng_next(r) >> 11) * 0x1p-53 * (z->h_first - z->h_last);
        double x = zipf_integral_inverse(z, u);
        double k = floor(x + 0.5);
        if (k < 1) k = 1;
        if (k > z->n) k = z->n;
        if (k - x <= z->squeeze || u >= zipf_integral(z, k + 0.5) - zipf_h(z, k)) return (uint64_t)k;
    }
}

typedef struct cache {
    root table, sentinel;
    uint32_t bucket_bits;
    uint32_t value_bytes;
    uint64_t count;
} cache;

static uint64_t key_of(obj *entry) { return *(uint64_t *)obj_data(entry); }
static uint64_t value_of(obj *entry) { return *(uint64_t *)obj_data(obj_get(entry, VALUE)); }

static uint32_t bucket_of(const cache *c, uint64_t key) {
    return (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - c->bucket_bits));
}

/* Links a detached entry in just after the sentinel. */
static void link_front(heap *h, obj *sentinel, obj *entry) {
    obj *first = obj_get(sentinel, NEXT);
    obj_set(h, entry, NEXT, first);
    obj_set(h, entry, PREV, sentinel);
    obj_set(h, first, PREV, entry);
    obj_set(h, sentinel, NEXT, entry);
}

/* The bucket chain keeps the entry alive while its list links change. */
static void move_to_front(heap *h, obj *sentinel, obj *entry) {
    if (obj_get(sentinel, NEXT) == entry) return;
    obj *before = obj_get(entry, PREV), *after = obj_get(entry, NEXT);
    obj_set(h, before, NEXT, after);
    obj_set(h, after, PREV, before);
    link_front(h, sentinel, entry);
}

static void unchain(heap *h, const cache *c, obj *entry) {
    obj *table = root_get(h, c->table);
    uint32_t b = bucket_of(c, key_of(entry));
    obj *e = obj_get(table, b);
    if (e == entry) {
        obj_set(h, table, b, obj_get(entry, CHAIN));
        return;
    }
    while (obj_get(e, CHAIN) != entry) e = obj_get(e, CHAIN);
    obj_set(h, e, CHAIN, obj_get(entry, CHAIN));
}

/* Cuts the `batch` least recently used entries off the list in one piece.
 * Rooting the youngest of them holds the piece while it leaves its buckets. */
static uint64_t evict(heap *h, cache *c, uint64_t batch) {
    obj *sentinel = root_get(h, c->sentinel);
    obj *youngest = obj_get(sentinel, PREV);
    for (uint64_t i = 1; i < batch; i++) youngest = obj_get(youngest, PREV);
    root held = root_push(h, youngest);
    uint64_t sum = 0;
    obj *e = youngest;
    for (uint64_t i = 0; i < batch; i++, e = obj_get(e, NEXT)) {
        sum = checksum_mix(sum, key_of(e));
        unchain(h, c, e);
    }
    obj *survivor = obj_get(root_get(h, held), PREV);
    obj_set(h, survivor, NEXT, sentinel);
    obj_set(h, sentinel, PREV, survivor);
    root_pop(h, 1);
    c->count -= batch;
    return sum;
}

static obj *new_value(heap *h, const cache *c, rng *r) {
    obj *v = obj_new(h, 0, c->value_bytes);
    *(uint64_t *)obj_data(v) = rng_next(r);
    return v;
}

/* One request: the value's first word, found or freshly made. */
static uint64_t request(heap *h, cache *c, const workload_args *a, uint64_t key, rng *r, uint64_t *hits) {
    uint32_t b = bucket_of(c, key);
    obj *e = obj_get(root_get(h, c->table), b);
    while (e && key_of(e) != key) e = obj_get(e, CHAIN);
    if (e) {
        ++*hits;
        move_to_front(h, root_get(h, c->sentinel), e);
        if ((double)(rng_next(r) >> 11) * 0x1p-53 < a->params[UPDATE_RATE]) {
            root entry = root_push(h, e);
            new_value(h, c, r);
            e = root_get(h, entry);
            obj_set(h, e, VALUE, root_get(h, entry + 1));
            root_pop(h, 2);
        }
        return value_of(e);
    }
    new_value(h, c, r);
    obj *entry = obj_new(h, ENTRY_REFS, sizeof(uint64_t));
    *(uint64_t *)obj_data(entry) = key;
    obj_set(h, entry, VALUE, root_get(h, root_depth(h) - 2));
    obj *table = root_get(h, c->table);
    obj_set(h, entry, CHAIN, obj_get(table, b));
    obj_set(h, table, b, entry);
    link_front(h, root_get(h, c->sentinel), entry);
    uint64_t value = value_of(entry);
    root_pop(h, 2);
    /* check() keeps the batch within the capacity, so within the count. */
    if (++c->count > (uint64_t)a->params[CAPACITY]) value ^= evict(h, c, (uint64_t)a->params[EVICT_BATCH]);
    return ~value;
}

/* The list both ways, and every bucket: all must agree with the count. */
static uint64_t cache_checksum(heap *h, const cache *c) {
    obj *sentinel = root_get(h, c->sentinel), *table = root_get(h, c->table);
    uint64_t sum = 0, forward = 0, backward = 0, chained = 0;
    for (obj *e = obj_get(sentinel, NEXT); e != sentinel; e = obj_get(e, NEXT), forward++)
        sum = checksum_mix(sum, key_of(e) ^ value_of(e));
    for (obj *e = obj_get(sentinel, PREV); e != sentinel; e = obj_get(e, PREV)) backward++;
    for (uint32_t b = 0; b < table->nrefs; b++)
        for (obj *e = obj_get(table, b); e; e = obj_get(e, CHAIN)) chained++;
    sum = checksum_mix(sum, forward == c->count && backward == c->count && chained == c->count);
    return checksum_mix(sum, c->count);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t capacity = (uint64_t)a->params[CAPACITY];
    rng r = rng_seeded(a->seed);
    zipf keys = zipf_make((uint64_t)a->params[KEY_SPACE], a->params[SKEW]);
    cache c = {.bucket_bits = 1, .value_bytes = (uint32_t)a->params[VALUE_BYTES]};
    while ((UINT64_C(1) << c.bucket_bits) < capacity) c.bucket_bits++;

    obj_new(h, UINT32_C(1) << c.bucket_bits, 0);
    c.table = root_depth(h) - 1;
    obj *sentinel = obj_new(h, ENTRY_REFS, sizeof(uint64_t));
    c.sentinel = root_depth(h) - 1;
    *(uint64_t *)obj_data(sentinel) = UINT64_MAX;
    obj_set(h, sentinel, NEXT, sentinel);
    obj_set(h, sentinel, PREV, sentinel);

    uint64_t sum = 0, hits = 0;
    for (uint64_t i = 0; i < a->size; i++) sum = checksum_mix(sum, request(h, &c, a, zipf_next(&keys, &r), &r, &hits));
    sum = checksum_mix(checksum_mix(sum, hits), cache_checksum(h, &c));
    root_pop(h, 2);
    return sum;
}

static const char *check(const workload_args *a) {
    return a->params[EVICT_BATCH] > a->params[CAPACITY] ? "evict-batch must not exceed capacity" : NULL;
}

const workload workload_lru_cache = {
    .name = "lru-cache",
    .summary = "a bounded LRU cache (hash chains + doubly linked recency list) under Zipf keys",
    .description = "Models a memoising cache: a hash table of bucket chains and a doubly linked\n"
                   "recency list through a sentinel, fed keys drawn from a Zipf distribution of\n"
                   "exponent `skew` over `key-space` keys. A hit moves the entry to the front (old\n"
                   "entries pointing at young ones and back) and sometimes replaces its value; a\n"
                   "miss allocates an entry and a value; a full cache evicts its `evict-batch`\n"
                   "least recently used entries at once, garbage held together by its own links\n"
                   "(pure reference counting leaks it). Stresses write barriers and remembered\n"
                   "sets, medium object lifetimes, and cycle detection over a large live graph.",
    .size_help = "requests",
    .default_size = 750000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=300 --capacity=20 --key-space=60 --evict-batch=4 --value-bytes=16",
    .cyclic = true,
    .check = check,
    .run = run,
};
