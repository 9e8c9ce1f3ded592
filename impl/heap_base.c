#include "heap_base.h"
#include "growable_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t growable_array_bytes;

void heap_config_init(heap_config *config) {
    memset(config, 0, sizeof *config);
    for (int i = 0; gc_knobs[i].name && i < HEAP_MAX_KNOBS; i++) config->knobs[i] = gc_knobs[i].default_value;
}

bool heap_config_set_knob(heap_config *config, const char *name, double value) {
    int i = knob_find(gc_knobs, name);
    if (i < 0 || i >= HEAP_MAX_KNOBS) return false;
    config->knobs[i] = value;
    return true;
}

const char *gc_reclaims_text(gc_reclaims reclaims) {
    switch (reclaims) {
    case GC_RECLAIMS_NOTHING: return "nothing";
    case GC_RECLAIMS_ACYCLIC: return "acyclic garbage";
    case GC_RECLAIMS_UNREACHABLE: return "everything unreachable";
    }
    return "?";
}

void heap_base_init(heap_base *b, const heap_config *config) {
    /* Said in the files' build lines too; this is where a mismatch is caught. */
    if (!alloc_frees && gc_traits.reclaims != GC_RECLAIMS_NOTHING) {
        fprintf(stderr, "heaplab: %s frees objects, but the %s allocator never frees: not a pairing\n", gc_name,
                alloc_name);
        abort();
    }
    memset(b, 0, sizeof *b);
    b->config = *config;
    if (config->listener) b->listener = *config->listener;
    if (b->listener.cascade_timed)
        b->cascade_timed_at = b->listener.cascade_timed_after < 2 ? 2 : b->listener.cascade_timed_after;
    root_stack_init(&b->roots);
    registry_init(&b->registry);
    b->stress_countdown = config->stress_interval;
    b->next_tick_bytes = UINT64_MAX;
    if (b->listener.allocation_tick) {
        uint64_t first = b->listener.allocation_tick(b->listener.data, 0, 0);
        if (first) b->next_tick_bytes = first;
    }
    heap_base_reset_budget(b, UINT64_MAX);
}

void heap_base_cascade_timed(heap_base *b) {
    if (heap_base_cascade_reported(b)) b->listener.cascade_timed(b->listener.data);
}

static void allocation_tick(heap_base *b, uint64_t allocated) {
    uint64_t live = allocated - b->bytes_freed;
    uint64_t next = b->tearing_down ? 0 : b->listener.allocation_tick(b->listener.data, allocated, live);
    b->next_tick_bytes = next && next <= UINT64_MAX - allocated ? allocated + next : UINT64_MAX;
}

void heap_base_reset_budget(heap_base *b, uint64_t collector_room) {
    uint64_t allocated = heap_base_bytes_allocated(b), live = allocated - b->bytes_freed;
    if (allocated >= b->next_tick_bytes) allocation_tick(b, allocated);
    uint64_t budget = collector_room < BUDGET_CAP ? collector_room : BUDGET_CAP;
    uint64_t until_tick = b->next_tick_bytes - allocated;
    if (until_tick < budget) budget = until_tick;
    uint64_t limit = b->config.heap_limit_bytes;
    if (limit) {
        uint64_t room = live < limit ? limit - live : 0;
        if (room < budget) budget = room;
    }
    if ((b->config.stress_interval && !b->tearing_down) || b->config.verify || b->config.fail_after_allocations)
        budget = 0;
    b->bytes_allocated_when_set = allocated;
    b->budget_set_to = b->allocation_budget = budget;
}

void heap_base_release(heap_base *b) {
    root_stack_release(&b->roots);
    registry_release(&b->registry);
}

void heap_base_check_shape(uint32_t nrefs, uint32_t nbytes) {
    if (nrefs <= OBJ_MAX_REFS && nbytes <= OBJ_MAX_BYTES) return;
    fprintf(stderr, "heaplab: object of %u refs and %u bytes is past the limits (%u refs, %u bytes)\n", nrefs,
            nbytes, OBJ_MAX_REFS, OBJ_MAX_BYTES);
    abort();
}

void heap_base_out_of_memory(heap *h, heap_base *b, size_t requested) {
    if (b->config.out_of_memory) b->config.out_of_memory(h, requested, b->config.out_of_memory_data);
    fprintf(stderr, "heaplab: out of memory allocating %zu bytes (live %llu bytes, limit %zu)\n", requested,
            (unsigned long long)heap_base_live_bytes(b), b->config.heap_limit_bytes);
    abort();
}

void heap_base_stats(const heap_base *b, heap_stats *s) {
    memset(s, 0, sizeof *s);
    s->objects_allocated = b->objects_allocated;
    s->bytes_allocated = heap_base_bytes_allocated(b);
    s->objects_freed = b->objects_freed;
    s->bytes_freed = b->bytes_freed;
    s->live_objects = b->objects_allocated - b->objects_freed;
    s->live_bytes = heap_base_live_bytes(b);
    s->peak_live_bytes = s->live_bytes > b->peak_live_bytes ? s->live_bytes : b->peak_live_bytes;
    s->collections = b->collections;
    s->heap_limit_bytes = b->config.heap_limit_bytes;
    s->cascades = b->cascades;
    s->cascade_objects = b->cascade_objects;
    s->cascade_max_objects = b->cascade_max_objects;
    memcpy(s->cascades_by_length, b->cascades_by_length, sizeof s->cascades_by_length);
}

void heap_base_check(heap_base *b, uint64_t (*refcount)(const obj *o), bool expect_only_reachable) {
    heap_check check = {
        .collector = gc_name,
        .roots = b->roots.slots,
        .root_count = b->roots.depth,
        .registry = &b->registry,
        .live_objects = b->objects_allocated - b->objects_freed,
        .live_bytes = heap_base_live_bytes(b),
        .refcount = refcount,
        .expect_only_reachable = expect_only_reachable,
    };
    heap_check_run(&check);
}

void heap_base_collect_nothing(heap_base *b, int generation, uint64_t (*refcount)(const obj *o)) {
    heap_base_collection_begin(b, generation);
    gc_collection_summary summary = {.generation = generation};
    heap_base_collection_end(b, &summary);
    if (b->config.verify) heap_base_check(b, refcount, false);
}

void heap_base_finish(heap_base *b, heap_leak_report *report, void (*free_object)(obj *o, uint64_t size, void *data),
                      void *data) {
    heap_leak_report r = {
        .objects_allocated = b->objects_allocated,
        .bytes_allocated = heap_base_bytes_allocated(b),
        .objects_freed = b->objects_freed,
        .bytes_freed = b->bytes_freed,
        .objects_leaked = b->objects_allocated - b->objects_freed,
        .bytes_leaked = heap_base_live_bytes(b),
    };
    if (report) *report = r;
    /* An abandoned heap may be halfway through a collection: its objects
     * are left to go back with the process. */
    if (b->config.verify && !b->abandoned) registry_each(&b->registry, free_object, data);
}
