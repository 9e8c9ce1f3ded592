#include "pauses.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void pause_log_init(pause_log *log) { memset(log, 0, sizeof *log); }

/* The log's arrays are mapped, not malloc'd: a first pause must not put
 * blocks of the harness's among the workload's when the allocator under
 * test is malloc (it did: the request made glibc consolidate its free
 * chunks mid-run, and marksweep's churn ran 3% slower for it). */
static uint64_t *grow_mapping(uint64_t *old, size_t old_count, size_t count) {
    void *p = old ? mremap(old, old_count * sizeof *old, count * sizeof *old, MREMAP_MAYMOVE)
                  : mmap(NULL, count * sizeof *old, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void pause_log_release(pause_log *log) {
    if (log->starts) munmap(log->starts, log->capacity * sizeof *log->starts);
    if (log->ends) munmap(log->ends, log->capacity * sizeof *log->ends);
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
            /* Both grow, or neither: capacity is both arrays' size. */
            uint64_t *starts = grow_mapping(log->starts, log->capacity, capacity);
            uint64_t *ends = starts ? grow_mapping(log->ends, log->capacity, capacity) : NULL;
            if (starts && !ends) { /* back to the old size (shrinking a mapping does not fail) */
                if (log->capacity) starts = grow_mapping(starts, capacity, log->capacity);
                else munmap(starts, capacity * sizeof *starts), starts = NULL;
            }
            if (starts) log->starts = starts;
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
    /* Two clock reads a few cycles apart (or on two cores) may disagree by a
     * little; the log stays ordered whatever they say. */
    if (log->count && start < log->ends[log->count - 1]) start = log->ends[log->count - 1];
    if (end < start) end = start;
    log->starts[log->count] = start;
    log->ends[log->count] = end;
    log->count++;
}

/* The first i in [lo, hi) with values[i] + offset >= x (hi if none). */
static size_t lower_bound(const uint64_t *values, size_t lo, size_t hi, uint64_t offset, uint64_t x) {
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (values[mid] + offset < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Paused time in [0, x) when pause j is the first to end after x:
 * `prefix[j]` (prefix[i] is the paused time of the first i pauses) plus the
 * part of pause j before x. */
static inline uint64_t paused_before(const pause_log *log, const uint64_t *prefix, size_t j, uint64_t x) {
    return prefix[j] + (j < log->count && log->starts[j] < x ? x - log->starts[j] : 0);
}

/* Moves j forward to the first pause that ends after x (one is known to).
 * Mostly a window's edge crosses one pause or two per candidate: two steps
 * without branches, then a loop that is rarely taken and so predicted. */
static inline size_t advance(const uint64_t *ends, size_t j, uint64_t x) {
    j += ends[j] <= x;
    j += ends[j] <= x;
    while (ends[j] <= x) j++;
    return j;
}

/* The worse of `worst` and the window that starts where pause i starts;
 * *far follows the window's end, which must be before the last pause's end. */
static inline uint64_t window_from_start(const pause_log *log, const uint64_t *prefix, size_t i, uint64_t window,
                                         size_t *far, uint64_t worst) {
    uint64_t x = log->starts[i] + window;
    size_t j = *far = advance(log->ends, *far, x);
    uint64_t paused = prefix[j] + (log->starts[j] < x ? x - log->starts[j] : 0) - prefix[i];
    return paused > worst ? paused : worst;
}

/* The same for the window that ends where pause i ends, which must be after
 * `window`; counted if it ends in the run. *near follows the window's start,
 * at or before pause i. */
static inline uint64_t window_to_end(const pause_log *log, const uint64_t *prefix, size_t i, uint64_t window,
                                     uint64_t run, size_t *near, uint64_t worst) {
    uint64_t y = log->ends[i] - window;
    size_t j = *near = advance(log->ends, *near, y);
    uint64_t paused = prefix[i + 1] - prefix[j] - (log->starts[j] < y ? y - log->starts[j] : 0);
    return log->ends[i] <= run && paused > worst ? paused : worst;
}

/* What every window's computation shares: prefix[i], the paused time of the
 * first i pauses, and the longest stretch of one pause inside the run. */
typedef struct mmu_tables {
    uint64_t *prefix;
    uint64_t longest;
} mmu_tables;

static double mmu_with_tables(const pause_log *log, const mmu_tables *t, uint64_t run, uint64_t window) {
    const uint64_t *starts = log->starts, *ends = log->ends, *prefix = t->prefix;
    size_t n = log->count;
    if (!run || !window) return 1.0;
    /* A window that fits inside a pause holds no mutator time: the short
     * end of the curve costs nothing, where churn's million cascades would
     * otherwise make each of its points a pass over the log. */
    if (window <= t->longest) return 0.0;
    if (window >= run) {
        uint64_t paused = paused_before(log, prefix, lower_bound(ends, 0, n, 0, run + 1), run);
        return 1.0 - (double)paused / (double)run;
    }
    /* Paused time in a sliding window is piecewise linear in its start, so
     * its maximum is where the window starts at a pause's start or ends at a
     * pause's end, or at the run's edges. Both kinds of candidate come in
     * ascending order, so one pass over the log, with a cursor for each
     * kind's other edge, sees them all: O(pauses) per window. */
    uint64_t last_start = run - window;
    uint64_t worst = paused_before(log, prefix, lower_bound(ends, 0, n, 0, window + 1), window);
    uint64_t at_end = paused_before(log, prefix, lower_bound(ends, 0, n, 0, run + 1), run) -
                      paused_before(log, prefix, lower_bound(ends, 0, n, 0, last_start + 1), last_start);
    if (at_end > worst) worst = at_end;
    if (!n) return 1.0 - (double)worst / (double)window;
    /* Windows from a pause's start count until last_start, and while their
     * far edge is before the last pause's end (so it finds a pause ending
     * after it): beyond, the window ending where the last pause ends holds
     * at least as much, or the run's last window does. */
    size_t from_starts = lower_bound(starts, 0, n, 0, last_start);
    size_t inside = lower_bound(starts, 0, from_starts, window, ends[n - 1]);
    /* Windows ending where a pause ends count from the first that ends
     * after `window` (earlier ones are the run's first window) and while it
     * ends by the run's end. */
    size_t from_ends = lower_bound(ends, 0, n, 0, window + 1);
    size_t far = 0, near = 0, i = 0;
    for (size_t both = from_ends < inside ? from_ends : inside; i < both; i++)
        worst = window_from_start(log, prefix, i, window, &far, worst);
    for (; i < inside; i++) {
        worst = window_from_start(log, prefix, i, window, &far, worst);
        worst = window_to_end(log, prefix, i, window, run, &near, worst);
    }
    for (i = from_ends > inside ? from_ends : inside; i < n; i++)
        worst = window_to_end(log, prefix, i, window, run, &near, worst);
    return 1.0 - (double)worst / (double)window;
}

/* False without memory for the prefix sums. */
static bool mmu_tables_make(const pause_log *log, uint64_t run, mmu_tables *t) {
    t->prefix = malloc((log->count + 1) * sizeof *t->prefix);
    t->longest = 0;
    if (!t->prefix) return false;
    t->prefix[0] = 0;
    for (size_t i = 0; i < log->count; i++) {
        t->prefix[i + 1] = t->prefix[i] + (log->ends[i] - log->starts[i]);
        uint64_t end = log->ends[i] < run ? log->ends[i] : run;
        if (end > log->starts[i] && end - log->starts[i] > t->longest) t->longest = end - log->starts[i];
    }
    return true;
}

bool pause_log_mmus(const pause_log *log, uint64_t run, const uint64_t *windows, double *mmus, size_t count) {
    mmu_tables t;
    bool ok = mmu_tables_make(log, run, &t);
    for (size_t w = 0; w < count; w++) mmus[w] = ok ? mmu_with_tables(log, &t, run, windows[w]) : NAN;
    free(t.prefix);
    return ok;
}

double pause_log_mmu(const pause_log *log, uint64_t run, uint64_t window) {
    double mmu;
    pause_log_mmus(log, run, &window, &mmu, 1);
    return mmu;
}

bool pause_log_write_mmu(const pause_log *log, uint64_t run, FILE *out) {
    mmu_tables t;
    if (!mmu_tables_make(log, run, &t)) {
        free(t.prefix);
        return false;
    }
    bool ok = fprintf(out, "window_ns,mmu\n") > 0;
    for (int step = 0; ok; step++) {
        uint64_t window = (uint64_t)llround(1000.0 * pow(10.0, step / 10.0));
        if (window > run) window = run;
        ok = fprintf(out, "%llu,%.6f\n", (unsigned long long)window, mmu_with_tables(log, &t, run, window)) > 0;
        if (window == run) break;
    }
    free(t.prefix);
    return ok && !ferror(out);
}
