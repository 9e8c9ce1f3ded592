#include "pauses.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pause_log_init(pause_log *log) { memset(log, 0, sizeof *log); }

void pause_log_release(pause_log *log) {
    free(log->starts);
    free(log->ends);
    pause_log_init(log);
}

/* Halves the log by merging neighbours: bounded memory, MMU a lower bound. */
static void merge_pairs(pause_log *log) {
    size_t n = 0;
    for (size_t i = 0; i < log->count; i += 2) {
        log->starts[n] = log->starts[i];
        log->ends[n] = log->ends[i + 1 < log->count ? i + 1 : i];
        n++;
    }
    log->count = n;
    log->merges++;
}

void pause_log_add(pause_log *log, uint64_t start, uint64_t end) {
    if (log->count == log->capacity) {
        size_t capacity = log->capacity ? log->capacity * 2 : 1024;
        if (capacity > PAUSE_LOG_EXACT) capacity = PAUSE_LOG_EXACT;
        if (capacity > log->capacity) {
            uint64_t *starts = realloc(log->starts, capacity * sizeof *starts);
            if (starts) log->starts = starts;
            uint64_t *ends = starts ? realloc(log->ends, capacity * sizeof *ends) : NULL;
            if (ends) {
                log->ends = ends;
                log->capacity = capacity;
            }
        }
        if (log->count == log->capacity) {
            if (!log->capacity) return; /* no memory at all: the histogram still has it */
            merge_pairs(log);
        }
    }
    log->starts[log->count] = start;
    log->ends[log->count] = end;
    log->count++;
}

/* Paused time in [0, x): whole pauses ending by x, plus the part of the one
 * x falls in. `prefix[i]` is the paused time of the first i pauses. */
static uint64_t paused_before(const pause_log *log, const uint64_t *prefix, uint64_t x) {
    size_t lo = 0, hi = log->count; /* first pause with end > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->ends[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    uint64_t paused = prefix[lo];
    if (lo < log->count && log->starts[lo] < x) paused += x - log->starts[lo];
    return paused;
}

double pause_log_mmu(const pause_log *log, uint64_t run, uint64_t window) {
    if (!run || !window) return 1.0;
    uint64_t *prefix = malloc((log->count + 1) * sizeof *prefix);
    if (!prefix) return NAN;
    prefix[0] = 0;
    for (size_t i = 0; i < log->count; i++) prefix[i + 1] = prefix[i] + (log->ends[i] - log->starts[i]);
    if (window >= run) {
        double mmu = 1.0 - (double)paused_before(log, prefix, run) / (double)run;
        free(prefix);
        return mmu;
    }
    /* Paused time in a sliding window is piecewise linear in its start, so
     * its maximum is where the window starts at a pause's start or ends at a
     * pause's end (or at the run's edges). */
    uint64_t last_start = run - window, worst = paused_before(log, prefix, window);
    for (size_t i = 0; i < log->count; i++) {
        uint64_t candidates[2] = {log->starts[i], log->ends[i] > window ? log->ends[i] - window : 0};
        for (int c = 0; c < 2; c++) {
            uint64_t s = candidates[c] > last_start ? last_start : candidates[c];
            uint64_t paused = paused_before(log, prefix, s + window) - paused_before(log, prefix, s);
            if (paused > worst) worst = paused;
        }
    }
    free(prefix);
    return 1.0 - (double)worst / (double)window;
}

bool pause_log_write_mmu(const pause_log *log, uint64_t run, FILE *out) {
    bool ok = fprintf(out, "window_ns,mmu\n") > 0;
    for (int step = 0; ok; step++) {
        uint64_t window = (uint64_t)llround(1000.0 * pow(10.0, step / 10.0));
        if (window > run) window = run;
        ok = fprintf(out, "%llu,%.6f\n", (unsigned long long)window, pause_log_mmu(log, run, window)) > 0;
        if (window == run) break;
    }
    return ok && !ferror(out);
}
