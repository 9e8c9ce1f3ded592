/*
 * cpython: the real CPython 3.11 runtime (Debian's libpython3.11, embedded)
 * as the collector. Every heaplab object is a Python object: a container
 * (an object with slots) is an instance of a garbage-collected type made
 * with the C API, counted with Py_INCREF/Py_DECREF, deallocated by CPython
 * (its trashcan keeps a ten-million-object chain off the C stack), and its
 * cycles are found by CPython's own Modules/gcmodule.c, thresholds
 * 700/10/10 unless the knobs say otherwise. An atom (no slots) is an
 * instance of a plain type that is never tracked, as an int or a str is.
 * rcgen reimplements exactly this; this is what it is checked against.
 *
 *   [ PyGC_Head (containers) | PyVarObject | nrefs | nbytes | slots | data ]
 *                                            ^ obj * points here
 *
 * The interpreter is started once per process, on the first heap_create,
 * with no signal handlers; whatever it made while starting is moved out of
 * the collector's sight with gc.freeze(), so collections see only the
 * heap's objects and the counts start at zero. One heap lives at a time:
 * CPython's collector is the process's.
 *
 * What CPython tells, and how it reaches the books:
 * - collections and their pauses: a C function in gc.callbacks, called at
 *   "start" and "stop" of every collection, automatic or asked for;
 * - per-generation collections, collected and uncollectable objects:
 *   gc.get_stats(), less what they were when the heap was created;
 *   thresholds and counts from gc.get_threshold() and gc.get_count();
 * - frees: counted in the types' tp_dealloc, so live objects and bytes are
 *   exact; a release of the last reference outside a collection is a
 *   cascade, counted and timed as every counting collector's are.
 * Reading CPython's figures calls into the gc module, which makes a few
 * objects of its own; it is done with the collector disabled, and what it
 * made is freed before it is enabled again, so its counts are as they were.
 *
 * Back ends: with pymalloc, CPython allocates as it always does (obmalloc,
 * its own allocator); with malloc, the object and memory domains go to the
 * C library through PyMem_SetAllocator, as PYTHONMALLOC=malloc does. The
 * footprint is the back end's, and includes the interpreter's own memory
 * (about 2 MiB after start-up).
 */
// link: -lpython3.11
// cflags: -I/usr/include/python3.11
// allocators: pymalloc malloc
#define PY_SSIZE_T_CLEAN
/* The interpreter's collector state (internal/pycore_gc.h), read where
 * gc.get_stats() and gc.get_count() read it. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_interp.h>

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "../heap_base.h"

const char gc_name[] = "cpython";
const char gc_description[] = "the real CPython 3.11 runtime: Py_DECREF and gcmodule.c's generational collector";
const collector_traits gc_traits = {
    .reclaims = GC_RECLAIMS_UNREACHABLE,
    .frees_at_last_reference = true,
    .generations = 3,
    .exact_books = true,
    /* CPython frees 30 to 60 ns an object here: on gcbench one cascade in
     * five of 16 to 31 objects took 1 us or more (the audit build). */
    .cascade_timed_after = 16,
};
/* As gc.set_threshold takes them; rcgen's defaults under its 3.11 policy. */
const knob gc_knobs[] = {
    [0] = {"threshold0", "container allocations minus frees that trigger a collection (0: never automatically)", 700,
           0, 1e9, true},
    [1] = {"threshold1", "generation-0 collections before generation 1 is collected", 10, 0, 1e9, true},
    [2] = {"threshold2", "generation-1 collections before a full collection is considered", 10, 0, 1e9, true},
    {NULL},
};

#define GENERATIONS 3

struct heap {
    heap_base base;
    /* gc.get_stats() when the heap was created: the heap's figures are
     * what was added since. */
    heap_generation_stats stats_before[GENERATIONS];
    /* Inside a collection: the frees counted when it began. */
    uint64_t collection_objects_freed, collection_bytes_freed;
    /* Objects the current cascade has freed (the clock starts at the K-th). */
    uint64_t cascade_freed;
};

/* ---- the objects ---- */

/* Where `obj` sits in a Python object: right after its variable-size head
 * (whose ob_size CPython sets to the items past the fixed part). */
#define PY_HEAD sizeof(PyVarObject)

static inline PyObject *py_of(const obj *o) { return (PyObject *)((char *)o - PY_HEAD); }
static inline obj *obj_of(PyObject *p) { return (obj *)((char *)p + PY_HEAD); }

/* CPython's GC head (two words) before a container; nothing before an atom. */
static inline size_t header_size(uint32_t nrefs) { return PY_HEAD + (nrefs ? 2 * sizeof(void *) : 0); }
static inline size_t size_of(const obj *o) { return obj_footprint(header_size(o->nrefs), o->nrefs, o->nbytes); }

/* The one heap there can be (CPython's collector is the process's). */
static heap *the_heap;

/* A freed object, in the books: a cascade's K-th starts its clock. */
static void count_free(obj *o) {
    heap *h = the_heap;
    if (!h) return;
    heap_base *b = &h->base;
    b->objects_freed++;
    b->bytes_freed += size_of(o);
    if (UNLIKELY(b->config.verify)) registry_remove(&b->registry, o);
    if (++h->cascade_freed == b->cascade_timed_at) heap_base_cascade_timed(b);
}

/* A slot's Python object, or NULL. */
static inline PyObject *py_or_null(const obj *o) { return o ? py_of(o) : NULL; }

static int container_traverse(PyObject *self, visitproc visit, void *arg) {
    obj *o = obj_of(self);
    for (uint32_t i = 0; i < o->nrefs; i++) Py_VISIT(py_or_null(o->refs[i]));
    return 0;
}

/* gcmodule.c's delete_garbage breaks a garbage cycle through this. */
static int container_clear(PyObject *self) {
    obj *o = obj_of(self);
    for (uint32_t i = 0; i < o->nrefs; i++) {
        PyObject *child = py_or_null(o->refs[i]);
        o->refs[i] = NULL;
        Py_XDECREF(child);
    }
    return 0;
}

/* Slots released in order, as rc frees them; the trashcan defers a deep
 * chain's frees to its outermost dealloc instead of recursing. */
static void container_dealloc(PyObject *self) {
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, container_dealloc)
    obj *o = obj_of(self);
    count_free(o);
    container_clear(self);
    PyObject_GC_Del(self);
    Py_TRASHCAN_END
}

static void atom_dealloc(PyObject *self) {
    count_free(obj_of(self));
    PyObject_Free(self);
}

/* One byte per item: the items are the slots and the data. */
static PyTypeObject container_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heaplab.container",
    .tp_basicsize = PY_HEAD + sizeof(obj),
    .tp_itemsize = 1,
    .tp_dealloc = container_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = container_traverse,
    .tp_clear = container_clear,
};

static PyTypeObject atom_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heaplab.atom",
    .tp_basicsize = PY_HEAD + sizeof(obj),
    .tp_itemsize = 1,
    .tp_dealloc = atom_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

/* A new object from CPython, NULL (and no exception left) if it had no
 * memory. A container is tracked at once, its slots NULL first, as
 * PyList_New does; an atom never is. A collection may run in here, before
 * the object exists, as in every CPython allocation of a container. */
static void *make_object(heap *h, uint32_t nrefs, uint32_t nbytes, size_t size) {
    (void)h, (void)size;
    Py_ssize_t items = (Py_ssize_t)nrefs * (Py_ssize_t)sizeof(obj *) + (Py_ssize_t)nbytes;
    PyObject *p = nrefs ? (PyObject *)PyObject_GC_NewVar(PyVarObject, &container_type, items)
                        : (PyObject *)PyObject_NewVar(PyVarObject, &atom_type, items);
    if (!p) {
        PyErr_Clear();
        return NULL;
    }
    obj *o = obj_of(p);
    o->nrefs = nrefs;
    o->nbytes = nbytes;
    memset(o->refs, 0, (size_t)nrefs * sizeof(obj *));
    if (nrefs) PyObject_GC_Track(p);
    return p;
}

/* ---- references: Py_INCREF and Py_DECREF ---- */

static inline void incref(obj *o) {
    if (o) Py_INCREF(py_of(o));
}

/* The last reference: CPython frees o and whatever dies with it; counted
 * as a cascade when it frees two objects or more outside a collection. */
__attribute__((noinline)) static void release_last(heap *h, obj *o) {
    heap_base *b = &h->base;
#ifdef HEAPLAB_CASCADE_AUDIT
    if (b->listener.release_begin) b->listener.release_begin(b->listener.data);
#endif
    heap_base_note_peak(b);
    heap_frees freed = {.objects = b->objects_freed, .bytes = b->bytes_freed};
    h->cascade_freed = 0;
    Py_DECREF(py_of(o));
    freed.objects = b->objects_freed - freed.objects;
    freed.bytes = b->bytes_freed - freed.bytes;
    if (freed.objects > 1) heap_base_cascade_end(b, &freed);
#ifdef HEAPLAB_CASCADE_AUDIT
    if (b->listener.release_end && heap_base_cascade_reported(b)) b->listener.release_end(b->listener.data, freed.objects);
#endif
}

static inline void decref(heap *h, obj *o) {
    if (!o) return;
    PyObject *p = py_of(o);
    if (Py_REFCNT(p) > 1) Py_SET_REFCNT(p, Py_REFCNT(p) - 1);
    else release_last(h, o);
}

inline void obj_set(heap *h, obj *o, uint32_t i, obj *value) {
    incref(value); /* before the decrement: storing what the slot holds must not free it */
    obj *old = o->refs[i];
    o->refs[i] = value;
    decref(h, old);
}

inline void obj_set_pop(heap *h, obj *o, uint32_t i) {
    root_stack *rs = &h->base.roots;
    if (!rs->depth) root_stack_bad_index(rs, SIZE_MAX);
    obj *old = o->refs[i];
    o->refs[i] = rs->slots[--rs->depth]; /* the root's reference goes with it */
    decref(h, old);
}

inline root root_push(heap *h, obj *o) {
    incref(o);
    root_stack_push(&h->base.roots, o);
    return h->base.roots.depth - 1;
}

inline obj *root_get(heap *h, root r) { return *root_stack_slot(&h->base.roots, r); }

inline void root_set(heap *h, root r, obj *o) {
    obj **slot = root_stack_slot(&h->base.roots, r);
    incref(o);
    obj *old = *slot;
    *slot = o;
    decref(h, old);
}

inline void root_pop(heap *h, size_t n) {
    root_stack *rs = &h->base.roots;
    if (n > rs->depth) root_stack_bad_index(rs, rs->depth - n);
    while (n--) decref(h, rs->slots[--rs->depth]);
}

size_t root_depth(heap *h) { return h->base.roots.depth; }

/* ---- the gc module ---- */

static struct _gc_runtime_state *gc_state;
static PyObject *gc_collect_function;

/* Fails loudly: the embedded runtime not doing what 3.11 documents is a
 * broken installation, not bad input. */
_Noreturn static void python_failed(const char *what) {
    fprintf(stderr, "heaplab: cpython: %s failed\n", what);
    if (PyErr_Occurred()) PyErr_Print();
    abort();
}

/* gc.collect(generation), called through vectorcall: no argument tuple.
 * Whatever Python objects heaplab made during a run would move CPython's
 * counts (a tuple or dict from a free list is not counted when made but is
 * when freed, or the other way round), and the counts are what is compared
 * with rcgen's. */
static void gc_collect(int generation) {
    PyObject *g = PyLong_FromLong(generation); /* a small int: cached, not made */
    PyObject *result = g ? PyObject_CallOneArg(gc_collect_function, g) : NULL;
    if (!result) python_failed("gc.collect");
    Py_DECREF(result);
    Py_DECREF(g);
}

/* gc.get_stats(), gc.get_threshold() and gc.get_count(), read from the
 * state they read, without making the objects they return. */
static void read_generations(heap_generation_stats out[GENERATIONS]) {
    for (int g = 0; g < GENERATIONS; g++) {
        out[g] = (heap_generation_stats){
            .collections = (uint64_t)gc_state->generation_stats[g].collections,
            .collected = (uint64_t)gc_state->generation_stats[g].collected,
            .uncollectable = (uint64_t)gc_state->generation_stats[g].uncollectable,
            .threshold = (uint64_t)gc_state->generations[g].threshold,
            .count = (uint64_t)gc_state->generations[g].count,
        };
    }
}

static uint64_t dict_number(PyObject *dict, const char *key) {
    PyObject *value = PyDict_GetItemString(dict, key);
    long long n = value ? PyLong_AsLongLong(value) : -1;
    if (n < 0) python_failed(key);
    return (uint64_t)n;
}

/* Verify mode's view of the count. */
static uint64_t refcount_value(const obj *o) { return (uint64_t)Py_REFCNT(py_of(o)); }

/* gc.callbacks: a collection begins or ends. The frees in between are the
 * collection's, not cascades; verify mode checks the heap after each. A
 * fast call: CPython makes no argument tuple for it (the info dict it
 * makes comes from and goes back to the dict free list). */
static PyObject *on_collection(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    const char *phase = nargs == 2 ? PyUnicode_AsUTF8(args[0]) : NULL;
    PyObject *info = nargs == 2 ? args[1] : NULL;
    if (!phase || !PyDict_Check(info)) {
        PyErr_SetString(PyExc_TypeError, "heaplab_on_collection(phase, info)");
        return NULL;
    }
    int generation = (int)dict_number(info, "generation");
    bool start = strcmp(phase, "start") == 0;
    /* A full collection empties the dict free list as it ends, so the info
     * dict of its "stop" is a new one, counted in generation 0, that will
     * go back to the free list uncounted: without this, a callback would
     * leave every full collection's count at 1 instead of CPython's 0. */
    if (!start && generation == GENERATIONS - 1 && gc_state->generations[0].count > 0) gc_state->generations[0].count--;
    heap *h = the_heap;
    if (!h) Py_RETURN_NONE;
    heap_base *b = &h->base;
    if (start) {
        heap_base_collection_begin(b, generation == GENERATIONS - 1 ? -1 : generation);
        h->collection_objects_freed = b->objects_freed;
        h->collection_bytes_freed = b->bytes_freed;
        b->collecting = true;
    } else {
        b->collecting = false;
        gc_collection_summary summary = {
            .generation = generation == GENERATIONS - 1 ? -1 : generation,
            .objects_freed = b->objects_freed - h->collection_objects_freed,
            .bytes_freed = b->bytes_freed - h->collection_bytes_freed,
            .uncollectable = dict_number(info, "uncollectable"),
        };
        heap_base_collection_end(b, &summary);
        if (UNLIKELY(b->config.verify)) heap_base_check(b, refcount_value, generation == GENERATIONS - 1);
    }
    Py_RETURN_NONE;
}

static PyMethodDef on_collection_method = {"heaplab_on_collection", (PyCFunction)(void (*)(void))on_collection, METH_FASTCALL, NULL};

/* ---- the back end ---- */

/* PYTHONMALLOC=malloc: the object and memory domains go to the C library
 * (through the malloc back end, which follows its footprint). The back
 * end's frees are sized; glibc knows each block's usable size. */
static void *via_malloc(void *context, size_t size) {
    (void)context;
    return alloc_allocate(size ? size : 1);
}

static void *via_calloc(void *context, size_t count, size_t size) {
    (void)context;
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) return NULL;
    void *p = alloc_allocate(total ? total : 1);
    if (p) memset(p, 0, total);
    return p;
}

static void via_free(void *context, void *p) {
    (void)context;
    if (p) alloc_free(p, malloc_usable_size(p));
}

static void *via_realloc(void *context, void *p, size_t size) {
    void *q = via_malloc(context, size);
    if (q && p) {
        size_t old = malloc_usable_size(p);
        memcpy(q, p, old < size ? old : size);
        via_free(context, p);
    }
    return q;
}

static void use_back_end(void) {
    if (strcmp(alloc_name, "pymalloc") == 0) return; /* CPython's own: nothing to change */
    if (strcmp(alloc_name, "malloc") != 0) {
        fprintf(stderr, "heaplab: cpython cannot free into the %s back end (only pymalloc and malloc)\n", alloc_name);
        abort();
    }
    PyMemAllocatorEx functions = {NULL, via_malloc, via_calloc, via_realloc, via_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &functions);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &functions);
}

/* Once per process: the interpreter, the types, the callback; then what
 * start-up made is frozen out of every collection. */
static void start_python(void) {
    if (gc_state) return;
    use_back_end();
    Py_InitializeEx(0);
    if (PyType_Ready(&container_type) < 0 || PyType_Ready(&atom_type) < 0) python_failed("PyType_Ready");
    PyObject *gc_module = PyImport_ImportModule("gc");
    gc_collect_function = gc_module ? PyObject_GetAttrString(gc_module, "collect") : NULL;
    PyObject *callbacks = gc_module ? PyObject_GetAttrString(gc_module, "callbacks") : NULL;
    PyObject *callback = PyCFunction_New(&on_collection_method, NULL);
    if (!gc_collect_function || !callbacks || !callback || PyList_Append(callbacks, callback) < 0)
        python_failed("gc.callbacks");
    Py_DECREF(callback);
    Py_DECREF(callbacks);
    PyObject *frozen = PyObject_CallMethod(gc_module, "freeze", NULL);
    if (!frozen) python_failed("gc.freeze");
    Py_DECREF(frozen);
    Py_DECREF(gc_module);
    gc_state = &PyInterpreterState_Get()->gc;
}

#if defined(__SANITIZE_ADDRESS__)
/* The interpreter lives as long as the process and is never finalized. With
 * pymalloc, much of what it holds is reachable only from pymalloc's arenas,
 * mappings LeakSanitizer does not scan, so it would look lost; with malloc
 * every block is malloc's and scanned, and leaks are still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
    return strcmp(alloc_name, "pymalloc") == 0 ? "leak:libpython3.11\n" : "";
}
/* Said here once, not in a table on stderr after every run. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) { return "print_suppressions=0"; }
#endif

/* ---- the heap ---- */

heap *heap_create(const heap_config *config) {
    if (the_heap) {
        fprintf(stderr, "heaplab: cpython: one heap at a time (CPython's collector is the process's)\n");
        return NULL;
    }
    heap *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    start_python();
    heap_base_init(&h->base, config);
    /* As gc.set_threshold does. */
    for (int g = 0; g < GENERATIONS; g++) gc_state->generations[g].threshold = (int)config->knobs[g];
    /* Counts from zero: start-up's objects are frozen, and an empty full
     * collection zeroes every generation's count and the long-lived
     * figures behind the full-collection guard. */
    gc_collect(GENERATIONS - 1);
    read_generations(h->stats_before);
    if (config->collect_only_when_asked) PyGC_Disable();
    else PyGC_Enable();
    the_heap = h;
    return h;
}

/* gc.collect(generation); -1 and anything past the oldest is a full one. */
void heap_collect(heap *h, int generation) {
    int g = generation < 0 || generation >= GENERATIONS ? GENERATIONS - 1 : generation;
    (void)h;
    gc_collect(g);
}

/* The new object, counted and pushed on the roots (it arrives with the
 * one reference that is the root slot's). */
static inline obj *init_object(heap *h, void *block, uint32_t nrefs, uint32_t nbytes, size_t size) {
    (void)nrefs, (void)nbytes;
    obj *o = obj_of(block);
    heap_base_count_allocation(&h->base, size);
    root_stack_push(&h->base.roots, o);
    return o;
}

__attribute__((noinline)) static obj *obj_new_checked(heap *h, uint32_t nrefs, uint32_t nbytes) {
    static const checked_path path = {
        .header_size = header_size,
        .generations = GENERATIONS,
        .collect = heap_collect,
        .collecting_makes_room = true,
        .allocate = make_object,
        .init_object = init_object,
        .reset_budget = heap_base_reset_budget_untriggered,
    };
    return heap_base_new_checked(h, &h->base, &path, nrefs, nbytes);
}

__attribute__((always_inline)) inline obj *obj_new(heap *h, uint32_t nrefs, uint32_t nbytes) {
    size_t size = obj_footprint(header_size(nrefs), nrefs, nbytes);
    if (UNLIKELY(size > h->base.allocation_budget)) return obj_new_checked(h, nrefs, nbytes);
    void *block = make_object(h, nrefs, nbytes, size);
    if (UNLIKELY(!block)) return obj_new_checked(h, nrefs, nbytes);
    return init_object(h, block, nrefs, nbytes, size);
}

void heap_stats_get(heap *h, heap_stats *stats) {
    heap_base_stats(&h->base, stats);
    heap_generation_stats now[GENERATIONS];
    read_generations(now);
    stats->generations = GENERATIONS;
    for (int g = 0; g < GENERATIONS; g++) {
        stats->generation[g] = now[g];
        stats->generation[g].collections -= h->stats_before[g].collections;
        stats->generation[g].collected -= h->stats_before[g].collected;
        stats->generation[g].uncollectable -= h->stats_before[g].uncollectable;
    }
}

/* Nothing can be left after the final full collection; an object that
 * were would still be CPython's to free, so verify mode leaves it. */
static void leave_left(obj *o, uint64_t size, void *data) { (void)o, (void)size, (void)data; }

void heap_destroy(heap *h, heap_leak_report *report) {
    h->base.tearing_down = true;
    root_pop(h, h->base.roots.depth);
    gc_collect(GENERATIONS - 1); /* the cycles, with no roots left */
    PyGC_Disable();
    heap_base_finish(&h->base, report, leave_left, NULL);
    heap_base_release(&h->base);
    the_heap = NULL;
    free(h);
}

size_t obj_size(const obj *o) { return size_of(o); }
