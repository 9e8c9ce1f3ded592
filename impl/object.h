/*
 * The one object interface every collector implements.
 *
 * An object is a collector-private header, then `nrefs` reference slots, then
 * `nbytes` of plain data. Workloads hold an `obj *` that points just past the
 * private header, at the public part below; only the collector knows what is
 * in front of it.
 *
 * The discipline that keeps every collector honest: a raw `obj *` is valid only
 * until the next allocation. Anything held across an allocation lives in a
 * root slot. For reference counting a root slot is an owned reference (push
 * increments, pop decrements, exactly a Python local variable); for a tracer
 * the root stack is the root set.
 *
 * Each collector (impl/gc/NAME.c) defines every function declared here; the
 * small ones are meant to be inlined across files by link-time optimisation.
 */
#ifndef HEAPLAB_OBJECT_H
#define HEAPLAB_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "knob.h"

typedef struct heap heap;

typedef struct obj {
    uint32_t nrefs;
    uint32_t nbytes;
    struct obj *refs[]; /* nrefs slots, then nbytes of data */
} obj;

/* Largest object a workload may ask for; obj_new aborts past these (a bug in
 * the workload, not bad user input: workloads validate their parameters). */
#define OBJ_MAX_REFS (1u << 24)
#define OBJ_MAX_BYTES (1u << 28)

static inline obj *obj_get(const obj *o, uint32_t i) { return o->refs[i]; }
static inline void *obj_data(obj *o) { return (void *)&o->refs[o->nrefs]; }

/* Bytes an object with this shape occupies after a header of `header` bytes,
 * rounded to 16 so that every allocator sees the same, aligned sizes. */
static inline size_t obj_footprint(size_t header, uint32_t nrefs, uint32_t nbytes) {
    size_t size = header + sizeof(obj) + (size_t)nrefs * sizeof(obj *) + nbytes;
    return (size + 15) & ~(size_t)15;
}

/* Bytes `o` occupies as the heap counts them: its collector's header, slots
 * and data, rounded as obj_footprint rounds (what heap_stats adds up). */
size_t obj_size(const obj *o);

/* Knob values are indexed like the collector's own `gc_knobs` table. */
#define HEAP_MAX_KNOBS 8

/* Verify mode fills a new object's data with this byte, as CPython's debug
 * allocator fills fresh memory: a workload that reads data it never wrote then
 * computes another checksum than without verify mode, which the conformance
 * tests compare. */
#define OBJ_VERIFY_FILL 0xCD

typedef struct heap_config {
    size_t heap_limit_bytes;   /* 0: unlimited; above it a collection runs, then out-of-memory */
    uint64_t stress_interval;  /* collect every N allocations; 0: off */
    bool verify;               /* check the whole heap after every collection */
    uint64_t fail_after_allocations; /* fault injection: the allocator refuses every request after
                                        this many (0: never); the heap answers as to any refusal */
    /* No collection unless asked for (heap_collect), due in stress mode,
     * or needed for room (the heap limit, an allocator that said no): the
     * collector's own triggers (thresholds, growth) are off. What a test or
     * a benchmark wants when it decides itself when garbage is collected. */
    bool collect_only_when_asked;
    double knobs[HEAP_MAX_KNOBS];
    const gc_event_listener *listener; /* may be NULL */
    /* Called when an allocation cannot be satisfied even after a full
     * collection. It must not return (the harness prints its stats and exits
     * with status 3); if it is NULL or returns, the process aborts. */
    void (*out_of_memory)(heap *h, size_t requested_bytes, void *data);
    void *out_of_memory_data;
} heap_config;

/* The collector's knobs ({NULL} terminated): names, help, defaults, ranges. */
extern const knob gc_knobs[];
extern const char gc_name[];
extern const char gc_description[];

/* What a collector promises, declared rather than inferred from its name:
 * the tests, the fuzzer's model, the soak, the benchmarks and the sweep
 * decide what to expect from these alone (docs/collectors.md says which
 * trait turns on which check). */
typedef enum gc_reclaims {
    GC_RECLAIMS_NOTHING,     /* never frees an object before heap_destroy */
    GC_RECLAIMS_ACYCLIC,     /* garbage no cycle holds (pure reference counting) */
    GC_RECLAIMS_UNREACHABLE, /* everything unreachable, by a full collection */
} gc_reclaims;

typedef struct collector_traits {
    gc_reclaims reclaims;
    /* Acyclic garbage is freed the moment its last reference goes, with no
     * collection (reference counting); otherwise only collections free. */
    bool frees_at_last_reference;
    /* Generations heap_collect tells apart (1: every collection is full). */
    int generations;
    /* Every figure of heap_stats and the leak report is exact; a
     * conservative collector's live figures are upper bounds instead. */
    bool exact_books;
    /* Allocates from an allocator of its own, not from impl/alloc.h's back
     * ends: built once, not paired with each of them. */
    bool own_allocator;
    /* The cascade length a listener times from by default (the harness's
     * --cascade-timed-after): about a microsecond of this collector's
     * cascade. 0: the harness's own default, 32. */
    uint32_t cascade_timed_after;
} collector_traits;

extern const collector_traits gc_traits;
const char *gc_reclaims_text(gc_reclaims reclaims);

/* Fills every field with its default, knobs included. */
void heap_config_init(heap_config *config);
/* Sets a collector knob by name; false if this collector has no such knob. */
bool heap_config_set_knob(heap_config *config, const char *name, double value);

heap *heap_create(const heap_config *config);

/* Per-generation figures, as CPython's gc.get_stats() reports them. */
typedef struct heap_generation_stats {
    uint64_t collections;
    uint64_t collected;      /* objects found unreachable and freed */
    uint64_t uncollectable;  /* found unreachable but kept (always 0 without finalizers) */
    uint64_t threshold;      /* 0 where the collector has no count threshold */
    uint64_t count;          /* progress towards the threshold */
} heap_generation_stats;

#define HEAP_MAX_GENERATIONS 3

typedef struct heap_stats {
    uint64_t objects_allocated, bytes_allocated;
    uint64_t objects_freed, bytes_freed;     /* reclaimed, by any means */
    uint64_t live_objects, live_bytes;       /* allocated and not yet freed: garbage included */
    uint64_t peak_live_bytes;
    uint64_t collections;                    /* every heap_collect, triggered or asked for */
    uint64_t objects_marked, bytes_marked;   /* tracing collectors: totals over all collections */
    uint64_t heap_limit_bytes;
    /* Reference-count cascades (releases that freed two objects or more,
     * outside collections), every one: by_length[i] counts those of 2^i to
     * 2^(i+1) - 1 objects. */
    uint64_t cascades, cascade_objects, cascade_max_objects;
    uint64_t cascades_by_length[64];
    int generations;                         /* how many entries of `generation` mean something */
    heap_generation_stats generation[HEAP_MAX_GENERATIONS];
} heap_stats;

void heap_stats_get(heap *h, heap_stats *stats);

/* What heap_destroy found: after dropping every root and a full collection,
 * whatever is still allocated could never be reclaimed (a refcounting heap's
 * cycles). Books balance: allocated = freed + leaked. */
typedef struct heap_leak_report {
    uint64_t objects_allocated, bytes_allocated;
    uint64_t objects_freed, bytes_freed;
    uint64_t objects_leaked, bytes_leaked;
} heap_leak_report;

/* `report` may be NULL. */
void heap_destroy(heap *h, heap_leak_report *report);

/* A new object: slots NULL, already pushed on the root stack. Its data is
 * not cleared, as malloc's is not (nor Boehm's GC_MALLOC_ATOMIC's): a
 * workload writes what it reads. */
obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes);
/* Store `value` (may be NULL) in slot i of o. */
void obj_set(heap *h, obj *o, uint32_t i, obj *value);
/* Pop the top root into slot i of o: the reference moves from the root stack
 * to the slot (as CPython's PyList_SET_ITEM steals one), so reference
 * counting has nothing to count up and down. The way to place a new object:
 *     obj_new(h, ...); ...; obj_set_pop(h, root_get(h, parent), i); */
void obj_set_pop(heap *h, obj *o, uint32_t i);

/* The root stack: a shadow stack of handles, indexed from the bottom. */
typedef size_t root;
root root_push(heap *h, obj *o);      /* o may be NULL; returns its slot */
obj *root_get(heap *h, root r);
void root_set(heap *h, root r, obj *o);
void root_pop(heap *h, size_t n);     /* drop the top n slots */
size_t root_depth(heap *h);

/* Collect `generation` (and those younger); -1 collects everything. A no-op
 * for a collector with nothing to collect, but always counted and reported. */
void heap_collect(heap *h, int generation);

#endif
