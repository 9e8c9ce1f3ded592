/*
 * btree: a B-tree of records, branching factor 16 (minimum degree 8), the
 * structure behind databases and sorted containers. Keys arrive in random
 * order; then the lowest fifth is deleted and inserted again, which empties
 * and refills the left of the tree and scatters its nodes through the heap.
 * Each tree is dropped whole.
 *
 * Insertion splits full nodes on the way down and deletion fixes thin nodes
 * on the way down (the single-pass algorithms), so both are loops. A node is
 * a container: child slots first (internal nodes only), then one slot per
 * record; its keys live in its data.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { KEYS };

static const knob params[] = {
    [KEYS] = {"keys", "records per tree", 100000, 1, 10000000, true},
    {NULL},
};

#define MIN_DEGREE 8
#define MAX_KEYS (2 * MIN_DEGREE - 1)
#define MAX_CHILDREN (2 * MIN_DEGREE)
/* A tree of 10^7 keys is at most 8 levels deep: room to spare. */
#define MAX_HEIGHT 32

typedef struct node_data {
    uint32_t count;
    uint32_t leaf;
    uint64_t keys[MAX_KEYS];
} node_data;

typedef struct record_data {
    uint64_t key;
    uint64_t value;
} record_data;

static node_data *node_of(obj *n) { return obj_data(n); }
static obj *child(obj *n, uint32_t i) { return obj_get(n, i); }
static uint32_t record_slot(obj *n, uint32_t i) { return (node_of(n)->leaf ? 0 : MAX_CHILDREN) + i; }
static obj *record(obj *n, uint32_t i) { return obj_get(n, record_slot(n, i)); }

/* Leaves the new, empty node pushed on the root stack. */
static obj *new_node(heap *h, bool leaf) {
    obj *n = obj_new(h, leaf ? MAX_KEYS : MAX_CHILDREN + MAX_KEYS, sizeof(node_data));
    node_of(n)->count = 0; /* keys[0..count) are the only ones ever read */
    node_of(n)->leaf = leaf;
    return n;
}

/* Key and record i of `from` become key and record j of `to`. */
static void copy_entry(heap *h, obj *to, uint32_t j, obj *from, uint32_t i) {
    node_of(to)->keys[j] = node_of(from)->keys[i];
    obj_set(h, to, record_slot(to, j), record(from, i));
}

/* Opens a gap at entry i (and, for an internal node, at child `gap_child`). */
static void shift_right(heap *h, obj *n, uint32_t i, uint32_t gap_child) {
    uint32_t count = node_of(n)->count;
    for (uint32_t j = count; j > i; j--) copy_entry(h, n, j, n, j - 1);
    if (!node_of(n)->leaf)
        for (uint32_t j = count + 1; j > gap_child; j--) obj_set(h, n, j, child(n, j - 1));
}

/* Closes entry i (and, for an internal node, child `gone_child`); the
 * record that was there is dropped. */
static void shift_left(heap *h, obj *n, uint32_t i, uint32_t gone_child) {
    uint32_t count = node_of(n)->count;
    for (uint32_t j = i; j + 1 < count; j++) copy_entry(h, n, j, n, j + 1);
    obj_set(h, n, record_slot(n, count - 1), NULL);
    if (!node_of(n)->leaf) {
        for (uint32_t j = gone_child; j < count; j++) obj_set(h, n, j, child(n, j + 1));
        obj_set(h, n, count, NULL);
    }
    node_of(n)->count = count - 1;
}

/* Splits the full child i of the node in root slot `parent` around its
 * median, which moves up into the parent. Allocates. */
static void split_child(heap *h, root parent, uint32_t i) {
    obj *right = new_node(h, node_of(child(root_get(h, parent), i))->leaf);
    obj *x = root_get(h, parent), *left = child(x, i);
    for (uint32_t j = 0; j < MIN_DEGREE - 1; j++) {
        copy_entry(h, right, j, left, MIN_DEGREE + j);
        obj_set(h, left, record_slot(left, MIN_DEGREE + j), NULL);
    }
    if (!node_of(left)->leaf)
        for (uint32_t j = 0; j < MIN_DEGREE; j++) {
            obj_set(h, right, j, child(left, MIN_DEGREE + j));
            obj_set(h, left, MIN_DEGREE + j, NULL);
        }
    node_of(right)->count = MIN_DEGREE - 1;
    shift_right(h, x, i, i + 1);
    obj_set(h, x, i + 1, right);
    copy_entry(h, x, i, left, MIN_DEGREE - 1);
    obj_set(h, left, record_slot(left, MIN_DEGREE - 1), NULL);
    node_of(left)->count = MIN_DEGREE - 1;
    node_of(x)->count++;
    root_pop(h, 1);
}

static void insert(heap *h, root tree, uint64_t key, uint64_t value) {
    obj *r = obj_new(h, 0, sizeof(record_data));
    *(record_data *)obj_data(r) = (record_data){key, value};
    root rec = root_depth(h) - 1;
    if (node_of(root_get(h, tree))->count == MAX_KEYS) {
        /* The tree grows at the top: a new root over the old one. */
        obj *top = new_node(h, false);
        obj_set(h, top, 0, root_get(h, tree));
        root_set(h, tree, top);
        root_pop(h, 1);
        split_child(h, tree, 0);
    }
    root current = root_push(h, root_get(h, tree));
    for (;;) {
        obj *x = root_get(h, current);
        node_data *d = node_of(x);
        uint32_t i = 0;
        while (i < d->count && d->keys[i] < key) i++;
        if (d->leaf) {
            shift_right(h, x, i, 0);
            d->keys[i] = key;
            obj_set(h, x, record_slot(x, i), root_get(h, rec));
            d->count++;
            break;
        }
        if (node_of(child(x, i))->count == MAX_KEYS) {
            split_child(h, current, i);
            x = root_get(h, current);
            if (key > node_of(x)->keys[i]) i++;
        }
        root_set(h, current, child(x, i));
    }
    root_pop(h, 2);
}

/* Child i and child i+1 of x, both minimal, become one full node with key
 * i of x between them. Allocates nothing. */
static void merge_children(heap *h, obj *x, uint32_t i) {
    obj *left = child(x, i), *right = child(x, i + 1);
    copy_entry(h, left, MIN_DEGREE - 1, x, i);
    for (uint32_t j = 0; j < MIN_DEGREE - 1; j++) copy_entry(h, left, MIN_DEGREE + j, right, j);
    if (!node_of(left)->leaf)
        for (uint32_t j = 0; j < MIN_DEGREE; j++) obj_set(h, left, MIN_DEGREE + j, child(right, j));
    node_of(left)->count = MAX_KEYS;
    shift_left(h, x, i, i + 1); /* drops `right`, whose contents live on in `left` */
}

/* Gives the minimal child i of x one more key, from a sibling that can
 * spare one or else by merging with a sibling; returns the child that now
 * covers the range child i did. */
static obj *fatten_child(heap *h, obj *x, uint32_t i) {
    node_data *d = node_of(x);
    obj *c = child(x, i);
    if (i > 0 && node_of(child(x, i - 1))->count >= MIN_DEGREE) {
        obj *sibling = child(x, i - 1);
        uint32_t last = node_of(sibling)->count - 1;
        shift_right(h, c, 0, 0);
        copy_entry(h, c, 0, x, i - 1);
        if (!node_of(c)->leaf) {
            obj_set(h, c, 0, child(sibling, last + 1));
            obj_set(h, sibling, last + 1, NULL);
        }
        copy_entry(h, x, i - 1, sibling, last);
        obj_set(h, sibling, record_slot(sibling, last), NULL);
        node_of(sibling)->count = last;
        node_of(c)->count++;
        return c;
    }
    if (i < d->count && node_of(child(x, i + 1))->count >= MIN_DEGREE) {
        obj *sibling = child(x, i + 1);
        uint32_t end = node_of(c)->count;
        copy_entry(h, c, end, x, i);
        if (!node_of(c)->leaf) obj_set(h, c, end + 1, child(sibling, 0));
        node_of(c)->count = end + 1;
        copy_entry(h, x, i, sibling, 0);
        shift_left(h, sibling, 0, 0);
        return c;
    }
    if (i == d->count) i--;
    merge_children(h, x, i);
    return child(x, i);
}

/* Deletes `key` (which must be present). Allocates nothing, so raw
 * pointers hold throughout; a root emptied by a merge gives way to its only
 * child. */
static void remove_key(heap *h, root tree, uint64_t key) {
    obj *x = root_get(h, tree);
    for (;;) {
        node_data *d = node_of(x);
        uint32_t i = 0;
        while (i < d->count && d->keys[i] < key) i++;
        bool here = i < d->count && d->keys[i] == key;
        if (d->leaf) {
            if (here) shift_left(h, x, i, 0);
            return;
        }
        obj *next;
        if (here && node_of(child(x, i))->count >= MIN_DEGREE) {
            /* Replace it by its predecessor, then delete that below. */
            next = child(x, i);
            obj *p = next;
            while (!node_of(p)->leaf) p = child(p, node_of(p)->count);
            copy_entry(h, x, i, p, node_of(p)->count - 1);
            key = node_of(x)->keys[i];
        } else if (here && node_of(child(x, i + 1))->count >= MIN_DEGREE) {
            next = child(x, i + 1);
            obj *s = next;
            while (!node_of(s)->leaf) s = child(s, 0);
            copy_entry(h, x, i, s, 0);
            key = node_of(x)->keys[i];
        } else if (here) {
            merge_children(h, x, i); /* the key moves down into the merged child */
            next = child(x, i);
        } else {
            next = child(x, i);
            if (node_of(next)->count < MIN_DEGREE) next = fatten_child(h, x, i);
        }
        if (node_of(x)->count == 0) root_set(h, tree, next); /* only the root can empty */
        x = next;
    }
}

/*
 * A random order of 0..n-1 without storing it: a four-round Feistel
 * network permutes [0, 4^half_bits), and walking its cycle until the value
 * falls below n permutes [0, n).
 */
typedef struct permutation {
    uint64_t n;
    unsigned half_bits;
    uint64_t round_keys[4];
} permutation;

static permutation permutation_new(uint64_t n, rng *r) {
    permutation p = {.n = n, .half_bits = 1};
    while ((UINT64_C(1) << (2 * p.half_bits)) < n) p.half_bits++;
    for (int k = 0; k < 4; k++) p.round_keys[k] = rng_next(r);
    return p;
}

static uint64_t permute(const permutation *p, uint64_t i) {
    uint64_t mask = (UINT64_C(1) << p->half_bits) - 1, x = i;
    do {
        uint64_t left = x >> p->half_bits, right = x & mask;
        for (int k = 0; k < 4; k++) {
            rng f = rng_seeded(right ^ p->round_keys[k]);
            uint64_t mixed = left ^ (rng_next(&f) & mask);
            left = right;
            right = mixed;
        }
        x = left << p->half_bits | right;
    } while (x >= p->n);
    return x;
}

/* In-order walk with an explicit stack: every key, in order, with its own
 * record, every leaf at the same depth. */
static uint64_t tree_checksum(obj *tree, uint64_t keys) {
    struct frame {
        obj *node;
        uint32_t next; /* entries of this node already visited */
    } stack[MAX_HEIGHT];
    uint32_t depth = 0, leaf_depth = 0;
    uint64_t sum = 0, seen = 0, expected_key = 0;
    bool sound = true;
    stack[depth++] = (struct frame){tree, 0};
    while (depth) {
        struct frame *f = &stack[depth - 1];
        node_data *d = node_of(f->node);
        if (d->leaf) {
            if (!leaf_depth) leaf_depth = depth;
            sound &= leaf_depth == depth;
            for (uint32_t i = 0; i < d->count; i++) {
                record_data *rd = obj_data(record(f->node, i));
                sound &= d->keys[i] == expected_key && rd->key == expected_key;
                expected_key++;
                sum = checksum_mix(sum, rd->value);
            }
            seen += d->count;
            depth--;
            continue;
        }
        /* Children 0..count, with entry n-1 visited before child n. */
        uint32_t n = f->next++;
        if (n > d->count) {
            depth--;
            continue;
        }
        if (n > 0) {
            record_data *rd = obj_data(record(f->node, n - 1));
            sound &= d->keys[n - 1] == expected_key && rd->key == expected_key;
            expected_key++;
            sum = checksum_mix(sum, rd->value);
            seen++;
        }
        sound &= depth < MAX_HEIGHT;
        if (depth < MAX_HEIGHT) stack[depth++] = (struct frame){child(f->node, n), 0};
    }
    return checksum_mix(sum, sound && seen == keys);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint64_t keys = (uint64_t)a->params[KEYS], low = keys / 5;
    rng r = rng_seeded(a->seed);
    uint64_t sum = 0;
    for (uint64_t t = 0; t < a->size; t++) {
        new_node(h, true);
        root tree = root_depth(h) - 1;
        permutation order = permutation_new(keys, &r);
        for (uint64_t i = 0; i < keys; i++) insert(h, tree, permute(&order, i), rng_next(&r));
        if (low) {
            permutation gone = permutation_new(low, &r), back = permutation_new(low, &r);
            for (uint64_t i = 0; i < low; i++) remove_key(h, tree, permute(&gone, i));
            for (uint64_t i = 0; i < low; i++) insert(h, tree, permute(&back, i), rng_next(&r));
        }
        sum = checksum_mix(sum, tree_checksum(root_get(h, tree), keys));
        root_pop(h, 1);
    }
    return sum;
}

const workload workload_btree = {
    .name = "btree",
    .summary = "B-trees of records (branching 16) built in random order, a fifth deleted and reinserted",
    .description = "Models a sorted index: a B-tree of branching factor 16 whose nodes are\n"
                   "containers of child and record slots, keys in their data. Keys arrive in\n"
                   "random order (node splits all over the tree); the lowest fifth is then\n"
                   "deleted (merges, borrows, the root shrinking) and inserted again, so old and\n"
                   "new nodes interleave in the heap. Each tree is dropped whole. Stresses\n"
                   "mid-sized containers, slot stores that move references between old objects,\n"
                   "and freeing or tracing a large tree at once.",
    .size_help = "trees built and dropped",
    .default_size = 5,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .small_args = "--size=2 --keys=120",
    .run = run,
};
