/*
 * The memory curve of a run: samples taken on the allocation clock (every so
 * many bytes allocated), each with the elapsed time, live bytes, the
 * allocator's footprint, RSS and collections so far.
 *
 * Memory is bounded: sampling starts every 64 KiB; whenever SERIES_MAX
 * samples are held, every other one is dropped and the interval doubles, so
 * a run ends with between SERIES_MAX/2 and SERIES_MAX evenly spaced samples
 * (fewer for a run that allocates little). Peaks are taken over every sample,
 * kept or not. A sample may also carry the uncollected garbage a
 * reachability pass found at that point (metrics.h).
 */
#ifndef HEAPLAB_SERIES_H
#define HEAPLAB_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SERIES_MAX 1024
#define SERIES_FIRST_INTERVAL (64 * 1024)

typedef struct series_sample {
    uint64_t bytes_allocated, elapsed_ns, live_bytes, footprint_bytes, rss_bytes, collections;
    /* Held but unreachable, when a --trash-every pass ran at this sample. */
    bool garbage_measured;
    uint64_t garbage_objects, garbage_bytes;
} series_sample;

typedef struct series {
    series_sample samples[SERIES_MAX];
    size_t count;
    uint64_t interval; /* bytes between kept samples */
    uint64_t peak_footprint_bytes, peak_rss_bytes;
} series;

void series_init(series *s);
void series_add(series *s, const series_sample *sample);
/* CSV with a header line (the garbage columns empty where no pass ran);
 * false on a write error. */
bool series_write(const series *s, FILE *out);

/* Resident set size now, in bytes (0 if it cannot be read). */
uint64_t current_rss_bytes(void);

#endif
