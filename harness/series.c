#include "series.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void series_init(series *s) {
    s->count = 0;
    s->interval = SERIES_FIRST_INTERVAL;
    s->peak_footprint_bytes = s->peak_rss_bytes = 0;
}

void series_add(series *s, const series_sample *sample) {
    if (sample->footprint_bytes > s->peak_footprint_bytes) s->peak_footprint_bytes = sample->footprint_bytes;
    if (sample->rss_bytes > s->peak_rss_bytes) s->peak_rss_bytes = sample->rss_bytes;
    if (s->count == SERIES_MAX) {
        for (size_t i = 0; i < SERIES_MAX / 2; i++) s->samples[i] = s->samples[2 * i];
        s->count = SERIES_MAX / 2;
        s->interval *= 2;
    }
    s->samples[s->count++] = *sample;
}

bool series_write(const series *s, FILE *out) {
    bool ok = fprintf(out, "bytes_allocated,elapsed_ns,live_bytes,footprint_bytes,rss_bytes,collections,"
                           "garbage_objects,garbage_bytes\n") > 0;
    for (size_t i = 0; ok && i < s->count; i++) {
        const series_sample *x = &s->samples[i];
        ok = fprintf(out, "%llu,%llu,%llu,%llu,%llu,%llu,", (unsigned long long)x->bytes_allocated,
                     (unsigned long long)x->elapsed_ns, (unsigned long long)x->live_bytes,
                     (unsigned long long)x->footprint_bytes, (unsigned long long)x->rss_bytes,
                     (unsigned long long)x->collections) > 0;
        if (ok && x->garbage_measured)
            ok = fprintf(out, "%llu,%llu\n", (unsigned long long)x->garbage_objects,
                         (unsigned long long)x->garbage_bytes) > 0;
        else if (ok) ok = fputs(",\n", out) >= 0;
    }
    return ok && !ferror(out);
}

uint64_t current_rss_bytes(void) {
    static int fd = -2;
    if (fd == -2) fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    static uint64_t page_size;
    if (!page_size) page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    /* "size resident ...", in pages: read on every sample of the memory
     * curve, so parsed by hand (sscanf costs as much as the read). */
    char text[128];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return 0;
    text[n] = '\0';
    const char *p = strchr(text, ' ');
    if (!p || p[1] < '0' || p[1] > '9') return 0;
    uint64_t resident = 0;
    for (p++; *p >= '0' && *p <= '9'; p++) resident = resident * 10 + (uint64_t)(*p - '0');
    return resident * page_size;
}
