/*
 * observer: Python's observer pattern. Subjects hold lists of their
 * observers; each observer points back at the subjects it watches. Observers
 * come and go: one leaving detaches itself from every subject it watches
 * (removing itself from the subject's list). Subjects are replaced now and
 * then, and observers leaving later never detach from a subject that is gone
 * from the table: that subject, its list and those observers become a
 * garbage cycle, the leak this pattern is known for.
 */
#include "checksum.h"
#include "rng.h"
#include "workload.h"

enum { SUBJECTS, OBSERVERS, MAX_ATTACH, RETIRE_EVERY, NOTIFY_EVERY };
enum { LIST }; /* a subject's one slot: its list of observers */

static const knob params[] = {
    [SUBJECTS] = {"subjects", "subjects in the table", 100, 1, 1000000, true},
    [OBSERVERS] = {"observers", "observers attached at once (a new one replaces a random one)", 1000, 1, 1000000, true},
    [MAX_ATTACH] = {"max-attach", "subjects each observer watches, drawn from 1..max-attach", 4, 1, 16, true},
    [RETIRE_EVERY] = {"retire-every", "every this many joins a subject is replaced (0: never)", 200, 0, 1e9, true},
    [NOTIFY_EVERY] = {"notify-every", "every this many joins a subject notifies its observers (0: never)", 4, 0, 1e9,
                      true},
    {NULL},
};

/* A new subject's list; lists grow by doubling, as Python's do. */
#define FIRST_CAPACITY 4

typedef struct subject_data {
    uint64_t id;
    uint64_t observers; /* used slots of the list */
    uint64_t notified;
    uint64_t retired;   /* gone from the table: nobody detaches from it any more */
} subject_data;

typedef struct observer_data {
    uint64_t id;
    uint64_t received;
} observer_data;

/* Leaves the new subject pushed on the root stack. */
static void new_subject(heap *h, uint64_t id) {
    obj *subject = obj_new(h, 1, sizeof(subject_data));
    *(subject_data *)obj_data(subject) = (subject_data){.id = id};
    obj *list = obj_new(h, FIRST_CAPACITY, 0);
    obj_set(h, root_get(h, root_depth(h) - 2), LIST, list);
    root_pop(h, 1);
}

/* Appends the observer to subject s of the table, growing its list if full. */
static void attach(heap *h, root table, uint32_t s, root observer) {
    obj *subject = obj_get(root_get(h, table), s);
    obj *list = obj_get(subject, LIST);
    uint64_t used = ((subject_data *)obj_data(subject))->observers;
    if (used == list->nrefs) {
        uint32_t capacity = list->nrefs < OBJ_MAX_REFS / 2 ? list->nrefs * 2 : OBJ_MAX_REFS;
        obj *bigger = obj_new(h, capacity, 0);
        subject = obj_get(root_get(h, table), s);
        list = obj_get(subject, LIST);
        for (uint32_t i = 0; i < used; i++) obj_set(h, bigger, i, obj_get(list, i));
        obj_set(h, subject, LIST, bigger);
        root_pop(h, 1); /* the subject holds it now, and nothing allocates below */
        list = bigger;
    }
    obj_set(h, list, (uint32_t)used, root_get(h, observer));
    ((subject_data *)obj_data(subject))->observers = used + 1;
}

/* Removes one occurrence of the observer from the subject's list, moving the
 * last entry into its place. */
static void detach(heap *h, obj *subject, obj *observer) {
    subject_data *d = obj_data(subject);
    obj *list = obj_get(subject, LIST);
    uint32_t last = (uint32_t)d->observers - 1;
    for (uint32_t i = 0; i <= last; i++) {
        if (obj_get(list, i) != observer) continue;
        obj_set(h, list, i, obj_get(list, last));
        obj_set(h, list, last, NULL);
        d->observers = last;
        return;
    }
}

/* The observer detaches from every subject still in the table; it forgets
 * the retired ones. Allocates nothing, so raw pointers hold throughout. */
static void leave(heap *h, obj *observer) {
    for (uint32_t i = 0; i < observer->nrefs; i++) {
        obj *subject = obj_get(observer, i);
        if (!((subject_data *)obj_data(subject))->retired) detach(h, subject, observer);
    }
}

/* A new observer watching `watched` random subjects; leaves it pushed. */
static void join(heap *h, root table, uint32_t subjects, uint32_t watched, uint64_t id, rng *r) {
    obj *observer = obj_new(h, watched, sizeof(observer_data));
    *(observer_data *)obj_data(observer) = (observer_data){.id = id};
    root self = root_depth(h) - 1;
    for (uint32_t i = 0; i < watched; i++) {
        uint32_t s = (uint32_t)rng_below(r, subjects);
        obj_set(h, root_get(h, self), i, obj_get(root_get(h, table), s));
        attach(h, table, s, self);
    }
}

static uint64_t notify(obj *subject) {
    subject_data *d = obj_data(subject);
    obj *list = obj_get(subject, LIST);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < d->observers; i++) {
        observer_data *o = obj_data(obj_get(list, i));
        o->received++;
        sum += o->id * o->received;
    }
    d->notified++;
    return checksum_mix(sum, d->observers);
}

static uint64_t run(heap *h, const workload_args *a) {
    uint32_t subjects = (uint32_t)a->params[SUBJECTS], observers = (uint32_t)a->params[OBSERVERS];
    uint32_t max_attach = (uint32_t)a->params[MAX_ATTACH];
    uint64_t retire_every = (uint64_t)a->params[RETIRE_EVERY], notify_every = (uint64_t)a->params[NOTIFY_EVERY];
    rng r = rng_seeded(a->seed);
    uint64_t next_id = 0, sum = 0;

    obj_new(h, subjects, 0);
    root table = root_depth(h) - 1;
    obj_new(h, observers, 0);
    root pool = root_depth(h) - 1;
    for (uint32_t s = 0; s < subjects; s++) {
        new_subject(h, next_id++);
        obj_set_pop(h, root_get(h, table), s);
    }

    for (uint64_t i = 0; i < a->size; i++) {
        /* Fill the pool in order first, then replace at random. */
        uint32_t slot = i < observers ? (uint32_t)i : (uint32_t)rng_below(&r, observers);
        obj *leaving = obj_get(root_get(h, pool), slot);
        if (leaving) {
            leave(h, leaving);
            obj_set(h, root_get(h, pool), slot, NULL);
        }
        join(h, table, subjects, 1 + (uint32_t)rng_below(&r, max_attach), next_id++, &r);
        obj_set_pop(h, root_get(h, pool), slot);

        if (retire_every && i % retire_every == retire_every - 1) {
            uint32_t s = (uint32_t)rng_below(&r, subjects);
            ((subject_data *)obj_data(obj_get(root_get(h, table), s)))->retired = 1;
            new_subject(h, next_id++);
            obj_set_pop(h, root_get(h, table), s);
        }
        if (notify_every && i % notify_every == 0)
            sum = checksum_mix(sum, notify(obj_get(root_get(h, table), (uint32_t)rng_below(&r, subjects))));
    }

    /* Read back every subject's books and every observer's count. */
    for (uint32_t s = 0; s < subjects; s++) {
        subject_data *d = obj_data(obj_get(root_get(h, table), s));
        sum = checksum_mix(sum, checksum_mix(d->id, d->observers) + d->notified);
    }
    for (uint32_t o = 0; o < observers; o++) {
        obj *observer = obj_get(root_get(h, pool), o);
        if (!observer) continue;
        observer_data *d = obj_data(observer);
        sum = checksum_mix(sum, checksum_mix(d->id, d->received) + observer->nrefs);
    }
    root_pop(h, 2);
    return sum;
}

const workload workload_observer = {
    .name = "observer",
    .summary = "subjects with lists of observers pointing back: attach, detach, notify",
    .description = "Models Python's observer pattern: a table of subjects, each holding a growing\n"
                   "list of observers that point back at the subjects they watch. Observers join\n"
                   "and leave at random (leaving removes them from their subjects' lists); now and\n"
                   "then a subject is replaced, and observers never detach from a replaced subject,\n"
                   "so it ends in a garbage cycle with them. Stresses list growth, refcount traffic\n"
                   "on shared objects, and cycles threaded through long-lived containers.",
    .size_help = "observers joined (each replacing one that leaves, once the pool is full)",
    .default_size = 2600000,
    .max_size = UINT64_C(1) << 40,
    .params = params,
    .cyclic = true,
    .small_args = "--size=200 --subjects=6 --observers=20 --max-attach=3 --retire-every=15 --notify-every=3",
    .run = run,
};
