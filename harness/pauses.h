/*
 * The log of every pause (a collection or a refcount cascade) as start and
 * end times since the run began, and minimum mutator utilisation over it.
 *
 * MMU(w) is the smallest share of any window of length w, inside the run,
 * left to the mutator. Up to PAUSE_LOG_EXACT pauses are kept exactly. Past
 * that, neighbouring entries are merged pairwise into one interval spanning
 * both (the gap between them counted as paused), so the log stays bounded and
 * the MMU it gives is a lower bound: exact for windows much longer than the
 * merged gaps, pessimistic for shorter ones. `merges` says how often.
 */
#ifndef HEAPLAB_PAUSES_H
#define HEAPLAB_PAUSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PAUSE_LOG_EXACT 1000000

typedef struct pause_log {
    uint64_t *starts, *ends; /* ascending, non-overlapping */
    size_t count, capacity;
    unsigned merges;         /* how many times the log was halved */
} pause_log;

void pause_log_init(pause_log *log);
void pause_log_release(pause_log *log);
/* Records [start, end); a start before the previous end counts from that
 * end. If memory for the log cannot be had, neighbours are merged. */
void pause_log_add(pause_log *log, uint64_t start, uint64_t end);

/* Minimum mutator utilisation in [0, 1] for windows of `window` ns in a run
 * of `run` ns. */
double pause_log_mmu(const pause_log *log, uint64_t run, uint64_t window);
/* The same for `count` windows at once (one pass over the log each, one
 * scratch table for all); false, and NaNs, if the table could not be had. */
bool pause_log_mmus(const pause_log *log, uint64_t run, const uint64_t *windows, double *mmus, size_t count);

/* The whole curve, "window_ns,mmu" lines for windows from 1 us to the run's
 * length, ten per decade. Returns false on a write error (or without memory
 * for its scratch table). */
bool pause_log_write_mmu(const pause_log *log, uint64_t run, FILE *out);

#endif
