/*
 * Unit tests of the harness's metrics: the pause histogram's percentiles and
 * buckets, minimum mutator utilisation over a pause log (against hand-worked
 * logs and a brute-force reference), the log's merging once full, the memory
 * curve's decimation, the tick clock's calibration, the garbage meter's
 * passes on the curve, and the steady-state verdict on synthetic curves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include <cmocka.h>

#include "histogram.h"
#include "metrics.h"
#include "pauses.h"
#include "series.h"
#include "stability.h"

/* ---- the histogram ---- */

/* `reported` is `exact` to within the histogram's promise: never below it,
 * at most 1/32 above. */
static void assert_within_bucket(uint64_t reported, uint64_t exact) {
    if (reported < exact || reported > exact + exact / 32)
        fail_msg("reported %llu for %llu: outside [v, v + v/32]", (unsigned long long)reported,
                 (unsigned long long)exact);
}

static void test_histogram_empty(void **state) {
    (void)state;
    histogram h;
    histogram_init(&h);
    assert_int_equal(histogram_percentile(&h, 0.5), 0);
    assert_int_equal(histogram_percentile(&h, 1.0), 0);
    assert_int_equal(h.count, 0);
}

static void test_histogram_exact_below_64(void **state) {
    (void)state;
    histogram h;
    histogram_init(&h);
    for (uint64_t v = 0; v < 64; v++) histogram_add(&h, v);
    /* The k-th smallest of 0..63 is k - 1: rank ceil(f * 64). */
    assert_int_equal(histogram_percentile(&h, 0.50), 31);
    assert_int_equal(histogram_percentile(&h, 0.90), 57);
    assert_int_equal(histogram_percentile(&h, 0.99), 63);
    assert_int_equal(histogram_percentile(&h, 1.0 / 64), 0);
    assert_int_equal(histogram_percentile(&h, 1.0), 63);
    assert_int_equal(histogram_percentile(&h, 0.0), 0);
    assert_int_equal(h.count, 64);
    assert_int_equal(h.total, 63 * 64 / 2);
    assert_int_equal(h.min, 0);
    assert_int_equal(h.max, 63);
    for (uint64_t v = 0; v < 64; v++) assert_int_equal(histogram_bucket(v), v);
}

static void test_histogram_one_to_thousand(void **state) {
    (void)state;
    histogram h;
    histogram_init(&h);
    /* Added out of order: the histogram must not care. */
    for (uint64_t v = 1000; v >= 1; v--) histogram_add(&h, v);
    assert_within_bucket(histogram_percentile(&h, 0.50), 500);
    assert_within_bucket(histogram_percentile(&h, 0.90), 900);
    assert_within_bucket(histogram_percentile(&h, 0.99), 990);
    assert_within_bucket(histogram_percentile(&h, 0.999), 999);
    assert_int_equal(histogram_percentile(&h, 1.0), 1000); /* capped at the largest seen */
    assert_int_equal(h.max, 1000);
    assert_int_equal(h.min, 1);
    assert_int_equal(h.total, 500500);
}

static void test_histogram_skewed(void **state) {
    (void)state;
    histogram h;
    histogram_init(&h);
    for (int i = 0; i < 990; i++) histogram_add(&h, 100);
    for (int i = 0; i < 9; i++) histogram_add(&h, 10000);
    histogram_add(&h, 1000000);
    assert_within_bucket(histogram_percentile(&h, 0.50), 100);
    assert_within_bucket(histogram_percentile(&h, 0.90), 100);
    assert_within_bucket(histogram_percentile(&h, 0.99), 100);  /* rank 990: the last 100 */
    assert_within_bucket(histogram_percentile(&h, 0.991), 10000);
    assert_within_bucket(histogram_percentile(&h, 0.999), 10000);
    assert_int_equal(histogram_percentile(&h, 1.0), 1000000);
    assert_int_equal(h.max, 1000000);
}

/* Bucket b holds [low, low + 2^shift) with low = (32 + sub) << shift: the
 * boundaries fall where the layout says, and no bucket is wider than 1/32
 * of its lowest value. */
static void test_histogram_bucket_boundaries(void **state) {
    (void)state;
    assert_int_equal(histogram_bucket(63), 63);
    assert_int_equal(histogram_bucket(64), 64);
    assert_int_equal(histogram_bucket(65), 64);
    assert_int_equal(histogram_bucket(66), 65);
    assert_int_equal(histogram_bucket(127), 95);
    assert_int_equal(histogram_bucket(128), 96);
    assert_int_equal(histogram_bucket(131), 96);
    assert_int_equal(histogram_bucket(132), 97);
    for (unsigned shift = 1; shift <= 58; shift++) {
        for (uint64_t sub = 0; sub < HISTOGRAM_SUB_BUCKETS; sub++) {
            uint64_t low = (HISTOGRAM_SUB_BUCKETS + sub) << shift, high = low + ((UINT64_C(1) << shift) - 1);
            unsigned b = histogram_bucket(low);
            assert_int_equal(b, (shift + 1) * HISTOGRAM_SUB_BUCKETS + sub);
            assert_int_equal(histogram_bucket(high), b);
            assert_int_equal(histogram_bucket(low - 1), b - 1);
            assert_true(high - low <= low / 32);
        }
    }
    assert_true(histogram_bucket(UINT64_MAX) < HISTOGRAM_BUCKETS);
}

/* A percentile lands in the right bucket even when neighbouring buckets
 * hold most of the values. */
static void test_histogram_percentile_at_boundary(void **state) {
    (void)state;
    histogram h;
    histogram_init(&h);
    for (int i = 0; i < 50; i++) histogram_add(&h, 65); /* bucket 64, upper edge 65 */
    for (int i = 0; i < 50; i++) histogram_add(&h, 66); /* bucket 65 */
    assert_int_equal(histogram_percentile(&h, 0.50), 65);
    assert_int_equal(histogram_percentile(&h, 0.51), 66);
}

/* ---- minimum mutator utilisation ---- */

static void log_of(pause_log *log, const uint64_t (*pauses)[2], size_t count) {
    pause_log_init(log);
    for (size_t i = 0; i < count; i++) pause_log_add(log, pauses[i][0], pauses[i][1]);
}

static void assert_mmu(const pause_log *log, uint64_t run, uint64_t window, double expected) {
    double mmu = pause_log_mmu(log, run, window);
    if (mmu < expected - 1e-12 || mmu > expected + 1e-12)
        fail_msg("mmu(window %llu, run %llu) = %.9f, expected %.9f", (unsigned long long)window,
                 (unsigned long long)run, mmu, expected);
}

static void test_mmu_no_pauses(void **state) {
    (void)state;
    pause_log log;
    pause_log_init(&log);
    assert_mmu(&log, 1000, 1, 1.0);
    assert_mmu(&log, 1000, 10, 1.0);
    assert_mmu(&log, 1000, 1000, 1.0);
    assert_mmu(&log, 1000, 5000, 1.0);
    pause_log_release(&log);
}

/* Run of 100: paused [10,20), [30,35), [60,80); 35 in all. */
static void test_mmu_hand_worked(void **state) {
    (void)state;
    static const uint64_t pauses[][2] = {{10, 20}, {30, 35}, {60, 80}};
    pause_log log;
    log_of(&log, pauses, 3);
    assert_mmu(&log, 100, 5, 0.0);            /* inside a pause */
    assert_mmu(&log, 100, 10, 0.0);           /* exactly [10,20) */
    assert_mmu(&log, 100, 20, 0.0);           /* exactly [60,80) */
    assert_mmu(&log, 100, 25, 1.0 - 20.0 / 25); /* holds [60,80); [10,35) holds only 15 */
    assert_mmu(&log, 100, 30, 1.0 - 20.0 / 30);
    assert_mmu(&log, 100, 50, 1.0 - 25.0 / 50); /* [30,80) */
    assert_mmu(&log, 100, 70, 1.0 - 35.0 / 70); /* [10,80) */
    assert_mmu(&log, 100, 90, 1.0 - 35.0 / 90);
    assert_mmu(&log, 100, 100, 1.0 - 35.0 / 100); /* the window is the run */
    assert_mmu(&log, 100, 400, 1.0 - 35.0 / 100); /* longer than the run: the run */
    pause_log_release(&log);
}

/* A window that only fits where a pause touches the run's edge: the
 * candidates at the run's start and end count. */
static void test_mmu_run_edges(void **state) {
    (void)state;
    static const uint64_t at_start[][2] = {{0, 30}, {50, 55}};
    pause_log log;
    log_of(&log, at_start, 2);
    assert_mmu(&log, 100, 30, 0.0);
    assert_mmu(&log, 100, 40, 1.0 - 30.0 / 40);
    pause_log_release(&log);
    static const uint64_t at_end[][2] = {{20, 25}, {70, 100}};
    log_of(&log, at_end, 2);
    assert_mmu(&log, 100, 30, 0.0);
    assert_mmu(&log, 100, 40, 1.0 - 30.0 / 40);
    assert_mmu(&log, 100, 90, 1.0 - 35.0 / 90);
    pause_log_release(&log);
}

/* The run's clock stopped inside a pause (two clocks, read apart): only the
 * part inside the run counts. */
static void test_mmu_pause_past_run_end(void **state) {
    (void)state;
    static const uint64_t pauses[][2] = {{10, 15}, {90, 120}};
    pause_log log;
    log_of(&log, pauses, 2);
    assert_mmu(&log, 100, 10, 0.0);
    assert_mmu(&log, 100, 20, 0.5);
    assert_mmu(&log, 100, 100, 0.85);
    pause_log_release(&log);
}

static void test_mmu_one_pause_covers_window(void **state) {
    (void)state;
    static const uint64_t pauses[][2] = {{400, 600}};
    pause_log log;
    log_of(&log, pauses, 1);
    assert_mmu(&log, 1000, 100, 0.0);
    assert_mmu(&log, 1000, 200, 0.0);
    assert_mmu(&log, 1000, 400, 0.5);
    assert_mmu(&log, 1000, 1000, 0.8);
    pause_log_release(&log);
}

/* The largest paused time in any window [s, s + window) inside the run,
 * trying every whole start. */
static double brute_force_mmu(const pause_log *log, uint64_t run, uint64_t window) {
    if (window >= run) window = run;
    uint64_t worst = 0;
    for (uint64_t s = 0; s + window <= run; s++) {
        uint64_t paused = 0;
        for (size_t i = 0; i < log->count; i++) {
            uint64_t a = log->starts[i] > s ? log->starts[i] : s;
            uint64_t b = log->ends[i] < s + window ? log->ends[i] : s + window;
            if (a < b) paused += b - a;
        }
        if (paused > worst) worst = paused;
    }
    return 1.0 - (double)worst / (double)window;
}

static void test_mmu_matches_brute_force(void **state) {
    (void)state;
    srand(7);
    for (int trial = 0; trial < 2000; trial++) {
        pause_log log;
        pause_log_init(&log);
        uint64_t t = (uint64_t)(rand() % 4);
        int count = rand() % 9;
        for (int i = 0; i < count; i++) {
            t += (uint64_t)(rand() % 12);
            uint64_t length = (uint64_t)(rand() % 7);
            pause_log_add(&log, t, t + length);
            t += length;
        }
        /* Now and then the run ends inside the last pause. */
        uint64_t run = t + (uint64_t)(rand() % 10);
        run = run > 2 ? run - 2 : 1;
        for (uint64_t window = 1; window <= run + 1; window++)
            assert_mmu(&log, run, window, brute_force_mmu(&log, run, window));
        pause_log_release(&log);
    }
}

/* Several windows at once give what one at a time does. */
static void test_mmu_many_windows(void **state) {
    (void)state;
    static const uint64_t pauses[][2] = {{10, 20}, {30, 35}, {60, 80}};
    pause_log log;
    log_of(&log, pauses, 3);
    const uint64_t windows[] = {5, 25, 50, 100, 400};
    double mmus[5];
    assert_true(pause_log_mmus(&log, 100, windows, mmus, 5));
    for (size_t i = 0; i < 5; i++) assert_mmu(&log, 100, windows[i], mmus[i]);
    pause_log_release(&log);
}

/* The curve file: a header, windows rising from 1 us to the run's length,
 * each line the MMU of its window. */
static void test_mmu_curve_file(void **state) {
    (void)state;
    static const uint64_t pauses[][2] = {{100000, 300000}, {2000000, 2500000}};
    pause_log log;
    log_of(&log, pauses, 2);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_true(pause_log_write_mmu(&log, 10000000, f));
    rewind(f);
    char line[128];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "window_ns,mmu\n");
    unsigned long long window, last = 0;
    double mmu;
    int lines = 0;
    while (fscanf(f, "%llu,%lf\n", &window, &mmu) == 2) {
        assert_true(window > last);
        double expected = pause_log_mmu(&log, 10000000, window); /* printed to six places */
        if (mmu < expected - 5e-7 || mmu > expected + 5e-7) fail_msg("window %llu: %.6f, not %.9f", window, mmu, expected);
        last = window;
        lines++;
    }
    assert_int_equal(last, 10000000);
    assert_int_equal(lines, 41); /* 1 us .. 10 ms at ten a decade, then the run */
    fclose(f);
    pause_log_release(&log);
}

/* A periodic log: a pause of `length` every `period`, starting at 0. */
static uint64_t periodic_paused(uint64_t window, uint64_t period, uint64_t length) {
    uint64_t whole = window / period, rest = window % period;
    return whole * length + (rest < length ? rest : length);
}

/* Past PAUSE_LOG_EXACT pauses neighbours merge (their gap counted as
 * paused): the MMU becomes a lower bound, never above the exact figure. */
static void test_mmu_merged_is_lower_bound(void **state) {
    (void)state;
    const uint64_t period = 100, length = 10, pauses = PAUSE_LOG_EXACT + PAUSE_LOG_EXACT / 2;
    pause_log log;
    pause_log_init(&log);
    for (uint64_t i = 0; i < pauses; i++) pause_log_add(&log, i * period, i * period + length);
    assert_true(log.merges >= 1);
    assert_true(log.count <= PAUSE_LOG_EXACT);
    uint64_t run = pauses * period;
    const uint64_t windows[] = {5, 50, 150, 1000, 100000, 10000000, run};
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        double exact = 1.0 - (double)periodic_paused(windows[i], period, length) / (double)windows[i];
        double merged = pause_log_mmu(&log, run, windows[i]);
        if (merged > exact + 1e-12)
            fail_msg("window %llu: merged log gives %.6f, above the exact %.6f", (unsigned long long)windows[i], merged,
                     exact);
    }
    pause_log_release(&log);
}

/* A clock read a little out of order must not break the log's order. */
static void test_pause_log_keeps_order(void **state) {
    (void)state;
    pause_log log;
    pause_log_init(&log);
    pause_log_add(&log, 10, 20);
    pause_log_add(&log, 18, 30); /* begins before the last ended */
    pause_log_add(&log, 40, 39); /* ends before it begins */
    assert_int_equal(log.count, 3);
    assert_int_equal(log.starts[1], 20);
    assert_int_equal(log.ends[1], 30);
    assert_int_equal(log.starts[2], 40);
    assert_int_equal(log.ends[2], 40);
    pause_log_release(&log);
}

/* ---- the memory curve ---- */

static series_sample sample_at(uint64_t bytes, uint64_t footprint) {
    return (series_sample){.bytes_allocated = bytes, .elapsed_ns = bytes / 2, .live_bytes = bytes / 4,
                           .footprint_bytes = footprint, .rss_bytes = footprint / 2, .collections = bytes / 1000};
}

/* Feeds the series as the allocation clock would: one sample every
 * `interval` bytes, the interval as the series last asked for. */
static uint64_t feed(series *s, uint64_t bytes, int count) {
    for (int i = 0; i < count; i++) {
        bytes += s->interval;
        series_sample x = sample_at(bytes, 4096);
        series_add(s, &x);
    }
    return bytes;
}

static void test_series_bounded_and_even(void **state) {
    (void)state;
    series *s = malloc(sizeof *s);
    assert_non_null(s);
    series_init(s);
    assert_int_equal(s->interval, SERIES_FIRST_INTERVAL);
    uint64_t bytes = feed(s, 0, SERIES_MAX);
    assert_int_equal(s->count, SERIES_MAX);
    assert_int_equal(s->interval, SERIES_FIRST_INTERVAL);
    bytes = feed(s, bytes, 1); /* full: halved, and the interval doubles */
    assert_int_equal(s->count, SERIES_MAX / 2 + 1);
    assert_int_equal(s->interval, 2 * SERIES_FIRST_INTERVAL);
    for (int round = 0; round < 5; round++) bytes = feed(s, bytes, 3000);
    assert_true(s->count <= SERIES_MAX);
    assert_true(s->count >= SERIES_MAX / 2);
    /* It fills at the 1025th sample and every 512th after: 16,025 fed, 30 times. */
    assert_int_equal(s->interval, (uint64_t)SERIES_FIRST_INTERVAL << 30);
    /* Whatever was dropped, what is kept is evenly spaced on the clock. */
    uint64_t stride = s->samples[1].bytes_allocated - s->samples[0].bytes_allocated;
    for (size_t i = 1; i < s->count; i++)
        assert_int_equal(s->samples[i].bytes_allocated - s->samples[i - 1].bytes_allocated, stride);
    assert_int_equal(s->samples[s->count - 1].bytes_allocated, bytes);
    free(s);
}

/* A peak in a sample that decimation drops still counts. */
static void test_series_keeps_peaks_of_dropped_samples(void **state) {
    (void)state;
    series *s = malloc(sizeof *s);
    assert_non_null(s);
    series_init(s);
    uint64_t bytes = feed(s, 0, 1);
    series_sample spike = sample_at(bytes + s->interval, 1 << 30); /* index 1: dropped when full */
    series_add(s, &spike);
    bytes = feed(s, spike.bytes_allocated, SERIES_MAX);
    for (size_t i = 0; i < s->count; i++) assert_true(s->samples[i].footprint_bytes < (1u << 30));
    assert_int_equal(s->peak_footprint_bytes, 1u << 30);
    assert_int_equal(s->peak_rss_bytes, 1u << 29);
    free(s);
}

static void test_series_file(void **state) {
    (void)state;
    series *s = malloc(sizeof *s);
    assert_non_null(s);
    series_init(s);
    feed(s, 0, 3);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_true(series_write(s, f));
    rewind(f);
    char text[512];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    assert_string_equal(text, "bytes_allocated,elapsed_ns,live_bytes,footprint_bytes,rss_bytes,collections,"
                              "garbage_objects,garbage_bytes\n"
                              "65536,32768,16384,4096,2048,65,,\n"
                              "131072,65536,32768,4096,2048,131,,\n"
                              "196608,98304,49152,4096,2048,196,,\n");
    fclose(f);
    free(s);
}

/* Garbage figures appear only on the samples that carry them; a zero is a
 * measurement, not an absence. */
static void test_series_file_garbage_columns(void **state) {
    (void)state;
    series *s = malloc(sizeof *s);
    assert_non_null(s);
    series_init(s);
    series_sample x = sample_at(65536, 4096);
    series_add(s, &x);
    x = sample_at(131072, 4096);
    x.garbage_measured = true;
    x.garbage_objects = 3;
    x.garbage_bytes = 96;
    series_add(s, &x);
    x = sample_at(196608, 4096);
    x.garbage_measured = true;
    series_add(s, &x);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_true(series_write(s, f));
    rewind(f);
    char text[512];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    assert_string_equal(text, "bytes_allocated,elapsed_ns,live_bytes,footprint_bytes,rss_bytes,collections,"
                              "garbage_objects,garbage_bytes\n"
                              "65536,32768,16384,4096,2048,65,,\n"
                              "131072,65536,32768,4096,2048,131,3,96\n"
                              "196608,98304,49152,4096,2048,196,0,0\n");
    fclose(f);
    free(s);
}

/* ---- the steady-state verdict ---- */

static double median_copy(const double *values, size_t n) {
    double copy[16];
    memcpy(copy, values, n * sizeof *values);
    return median_of(copy, n);
}

static void test_median(void **state) {
    (void)state;
    const double odd[] = {5, 1, 4, 2, 3}, even[] = {8, 1, 7, 2}, same[] = {3, 3, 3, 3, 3, 3};
    const double one[] = {42}, ties[] = {1, 2, 2, 2, 9, 9, 9};
    assert_true(median_copy(odd, 5) == 3);
    assert_true(median_copy(even, 4) == 4.5);
    assert_true(median_copy(same, 6) == 3);
    assert_true(median_copy(one, 1) == 42);
    assert_true(median_copy(ties, 7) == 2);
    /* Against sorting, on random arrays with many ties. */
    srand(11);
    for (int trial = 0; trial < 2000; trial++) {
        size_t n = 1 + (size_t)(rand() % 16);
        double values[16], sorted[16];
        for (size_t i = 0; i < n; i++) sorted[i] = values[i] = (double)(rand() % 6);
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
                double t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        double expected = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        assert_true(median_of(values, n) == expected);
    }
}

/* A curve of n points, x evenly spaced by 1 MiB from 64 MiB, y from `level`. */
typedef double (*level_at)(size_t i, size_t n);
static void curve(double *x, double *y, size_t n, level_at level) {
    for (size_t i = 0; i < n; i++) {
        x[i] = 64.0 * 1048576 + (double)i * 1048576;
        y[i] = level(i, n);
    }
}

static double rising(size_t i, size_t n) { (void)n; return 10e6 + 1e5 * (double)i; } /* +50% over 100 points */
static double flat(size_t i, size_t n) { (void)i, (void)n; return 50e6; }
static double slow_drift(size_t i, size_t n) { (void)n; return 50e6 + 2e4 * (double)i; } /* +4% over 100 */
static uint64_t noise_state;
static double noisy_flat(size_t i, size_t n) {
    (void)i, (void)n;
    noise_state = noise_state * 6364136223846793005u + 1442695040888963407u;
    return 50e6 * (0.8 + 0.4 * (double)(noise_state >> 11) / 9007199254740992.0); /* +-20% */
}
static double step_middle(size_t i, size_t n) { return i < n / 2 ? 20e6 : 40e6; }
static double step_later(size_t i, size_t n) { return i < 6 * n / 10 ? 20e6 : 40e6; }
static double step_early(size_t i, size_t n) { return i < n / 10 ? 20e6 : 40e6; }
static double step_down(size_t i, size_t n) { return i < 4 * n / 10 ? 40e6 : 20e6; }
static double spike(size_t i, size_t n) { return i == n / 2 ? 500e6 : 30e6; }
static double tiny_wander(size_t i, size_t n) { (void)n; return 2000.0 + (double)(i % 7) * 3000.0 + (double)i * 500; }
static double falling(size_t i, size_t n) { (void)n; return 80e6 - 4e5 * (double)i; }

static steady_state verdict(size_t n, level_at level) {
    double x[2000], y[2000];
    curve(x, y, n, level);
    return steady_state_of(x, y, n);
}

static void test_steady_state_verdicts(void **state) {
    (void)state;
    assert_int_equal(verdict(100, rising), STEADY_NO);
    assert_int_equal(verdict(100, falling), STEADY_NO);
    assert_int_equal(verdict(100, flat), STEADY_YES);
    assert_int_equal(verdict(100, slow_drift), STEADY_YES);
    noise_state = 1;
    assert_int_equal(verdict(100, noisy_flat), STEADY_YES);
    noise_state = 1;
    assert_int_equal(verdict(1000, noisy_flat), STEADY_YES); /* thinned */
    assert_int_equal(verdict(100, step_middle), STEADY_NO);
    assert_int_equal(verdict(100, step_later), STEADY_NO); /* the slope alone would say steady */
    assert_int_equal(verdict(100, step_down), STEADY_NO);
    assert_int_equal(verdict(1000, step_later), STEADY_NO);
    assert_int_equal(verdict(100, step_early), STEADY_YES); /* then level for 90% of the tail */
    assert_int_equal(verdict(100, spike), STEADY_YES); /* one outlier moves no median */
    assert_int_equal(verdict(100, tiny_wander), STEADY_YES); /* under the floor */
    assert_int_equal(verdict(1000, rising), STEADY_NO);
    assert_int_equal(verdict(STEADY_MIN_POINTS - 1, flat), STEADY_UNKNOWN);
    assert_int_equal(verdict(STEADY_MIN_POINTS, flat), STEADY_YES);
    assert_int_equal(verdict(0, flat), STEADY_UNKNOWN);
}

/* The slope itself: exact on a line, thinned or not, and unmoved by a few
 * wild points. */
static void test_theil_sen_slope(void **state) {
    (void)state;
    double x[1500], y[1500];
    for (size_t n = 2; n <= 1500; n += 499) {
        for (size_t i = 0; i < n; i++) x[i] = (double)i * 10, y[i] = 3.0 * x[i] - 7;
        assert_true(fabs(theil_sen_slope(x, y, n) - 3.0) < 1e-9);
    }
    for (size_t i = 0; i < 100; i++) x[i] = (double)i, y[i] = 2.0 * (double)i;
    y[10] = 1e9, y[50] = -1e9, y[90] = 5e8;
    assert_true(fabs(theil_sen_slope(x, y, 100) - 2.0) < 1e-9);
    x[1] = x[0]; /* a repeated x is skipped, not divided by */
    assert_true(fabs(theil_sen_slope(x, y, 100) - 2.0) < 1e-9);
}

/* ---- the garbage meter ---- */

typedef struct scripted_garbage {
    uint64_t calls, objects, bytes;
    uint64_t spin_ns; /* how long each pass takes */
} scripted_garbage;

static uint64_t monotonic_ns(void);

static bool scripted_measure(void *data, uint64_t *objects, uint64_t *bytes) {
    scripted_garbage *g = data;
    uint64_t until = monotonic_ns() + g->spin_ns;
    while (monotonic_ns() < until) {}
    g->calls++;
    *objects = g->objects;
    *bytes = g->bytes;
    return true;
}

/* Passes ride on the curve's samples: at the first sample at least
 * every_bytes past the previous pass; their rows carry the figures, peaks
 * count every pass, and their time is out of the run's clocks. */
static void test_garbage_meter_passes(void **state) {
    (void)state;
    metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    scripted_garbage script = {0};
    metrics_meter_garbage(m, 200000, scripted_measure, &script);
    gc_event_listener listener = metrics_listener(m);
    uint64_t bytes = 0, next = listener.allocation_tick(listener.data, 0, 0);
    assert_int_equal(script.calls, 0);
    for (int i = 1; i <= 20; i++) {
        bytes += next;
        script.objects = (uint64_t)i;
        script.bytes = 100 * (uint64_t)(i % 7);
        next = listener.allocation_tick(listener.data, bytes, 1000);
    }
    /* Samples every 64 KiB: passes at 262144 (the first at or past 200000),
     * then 524288, 786432, 1048576, 1310720: at samples 4, 8, 12, 16, 20. */
    assert_int_equal(script.calls, 5);
    assert_int_equal(m->garbage.passes, 5);
    assert_int_equal(m->garbage.peak_objects, 20);
    assert_int_equal(m->garbage.peak_bytes, 600); /* i = 20: 600; i = 4: 400; 8: 100; 12: 500; 16: 200 */
    size_t rows = 0;
    for (size_t i = 0; i < m->series.count; i++) {
        const series_sample *x = &m->series.samples[i];
        assert_int_equal(x->garbage_measured, x->bytes_allocated && x->bytes_allocated % 262144 == 0);
        if (x->garbage_measured) assert_int_equal(x->garbage_objects, x->bytes_allocated / 65536);
        rows += x->garbage_measured;
    }
    assert_int_equal(rows, 5);

    /* A pass of 20 ms is out of the curve's elapsed time and the run's. */
    script.spin_ns = 20000000;
    uint64_t started = monotonic_ns(), run_before = started - m->run_started_ns;
    for (int i = 0; i < 4; i++) {
        bytes += next;
        next = listener.allocation_tick(listener.data, bytes, 1000);
    }
    uint64_t ended = monotonic_ns(), run_after = ended - m->run_started_ns;
    assert_int_equal(script.calls, 6);
    assert_true(m->garbage.wall_ns >= 20000000);
    assert_true(m->garbage.cpu_ns > 0 && m->garbage.cpu_ns <= m->garbage.wall_ns + 1000000);
    assert_true(run_after - run_before <= ended - started - 20000000);
    const series_sample *last = &m->series.samples[m->series.count - 1];
    const series_sample *before = &m->series.samples[m->series.count - 5];
    assert_true(last->elapsed_ns - before->elapsed_ns <= ended - started - 20000000 + 1000000);
    metrics_release(m);
    free(m);
}

/* The verdict over a run's curve: live bytes and, when metered, garbage;
 * unknown when either has too few samples in the second half. */
static steady_state run_verdict(uint64_t every, bool rising_garbage, int samples) {
    metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    scripted_garbage script = {.objects = 1, .bytes = 5000000};
    if (every) metrics_meter_garbage(m, every, scripted_measure, &script);
    gc_event_listener listener = metrics_listener(m);
    uint64_t bytes = 0, next = listener.allocation_tick(listener.data, 0, 0);
    for (int i = 1; i <= samples; i++) {
        bytes += next;
        if (rising_garbage) script.bytes = 100000 * (uint64_t)i;
        next = listener.allocation_tick(listener.data, bytes, 40000000);
    }
    steady_state s = metrics_steady_state(m);
    metrics_release(m);
    free(m);
    return s;
}

static void test_garbage_meter_verdict(void **state) {
    (void)state;
    assert_int_equal(run_verdict(0, false, 100), STEADY_YES);
    assert_int_equal(run_verdict(65536, false, 100), STEADY_YES);
    assert_int_equal(run_verdict(65536, true, 100), STEADY_NO);
    assert_int_equal(run_verdict(0, false, 10), STEADY_UNKNOWN); /* 6 samples in the second half */
    assert_int_equal(run_verdict(20 * 65536, false, 100), STEADY_UNKNOWN); /* 2 passes there */
    assert_int_equal(run_verdict(4 * 65536, false, 100), STEADY_YES);       /* 12 */
}

/* ---- the tick clock ---- */

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A pause timed in ticks comes out in nanoseconds as CLOCK_MONOTONIC saw
 * it, calibrated over the run alone. */
static void test_ticks_calibrated(void **state) {
    (void)state;
    metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    gc_event_listener listener = metrics_listener(m);
    uint64_t spin_until = monotonic_ns() + 5000000;
    while (monotonic_ns() < spin_until) {}
    listener.collection_begin(listener.data, 0);
    uint64_t begun = monotonic_ns();
    while (monotonic_ns() < begun + 20000000) {}
    uint64_t paused = monotonic_ns() - begun;
    gc_collection_summary summary = {.generation = 0};
    listener.collection_end(listener.data, &summary);
    spin_until = monotonic_ns() + 5000000;
    while (monotonic_ns() < spin_until) {}
    metrics_finish(m);
    uint64_t gc_ns = metrics_ns(m, m->pause_histogram.total);
    if (gc_ns < paused - paused / 50 || gc_ns > paused + paused / 50)
        fail_msg("a pause of %llu ns reported as %llu ns", (unsigned long long)paused, (unsigned long long)gc_ns);
    assert_int_equal(m->pause_log.count, 1);
    /* The log is in nanoseconds since the run began: about 5 ms in. */
    assert_true(m->pause_log.starts[0] >= 4900000 && m->pause_log.starts[0] < 1000000000);
    uint64_t logged = m->pause_log.ends[0] - m->pause_log.starts[0];
    assert_true(logged + 1 >= gc_ns && logged <= gc_ns + 1); /* each end rounded on its own */
    metrics_release(m);
    free(m);
}

/* Each collection's pause goes to the generation it collected (a full heap
 * apart), cascades to none; what collections freed adds up. */
static void test_time_by_generation(void **state) {
    (void)state;
    metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    gc_event_listener listener = metrics_listener(m);
    const int generations[] = {0, 0, 1, -1, 2};
    for (size_t i = 0; i < sizeof generations / sizeof generations[0]; i++) {
        listener.collection_begin(listener.data, generations[i]);
        uint64_t until = monotonic_ns() + 1000000;
        while (monotonic_ns() < until) {}
        gc_collection_summary summary = {.generation = generations[i], .objects_freed = i + 1, .bytes_freed = 100 * (i + 1)};
        listener.collection_end(listener.data, &summary);
    }
    listener.cascade_timed(listener.data);
    listener.cascade_end(listener.data, CASCADE_TIMED_AFTER_DEFAULT + 5, 500);
    metrics_finish(m);
    assert_int_equal(m->collections, 5);
    assert_int_equal(m->cascades_timed, 1);
    assert_int_equal(m->pause_histogram.count, 6);
    for (int g = 0; g < 3; g++) assert_true(metrics_ns(m, m->generation_ticks[g]) >= (g == 0 ? 2000000u : 1000000u));
    assert_true(metrics_ns(m, m->full_heap_ticks) >= 1000000);
    uint64_t by_generation = m->generation_ticks[0] + m->generation_ticks[1] + m->generation_ticks[2] + m->full_heap_ticks;
    assert_true(by_generation <= m->pause_histogram.total); /* the rest is the cascade's */
    assert_int_equal(m->swept_objects, 1 + 2 + 3 + 4 + 5);
    assert_int_equal(m->swept_bytes, 100 * (1 + 2 + 3 + 4 + 5));
    metrics_release(m);
    free(m);
}

static void busy_wait_ns(uint64_t ns) {
    uint64_t until = monotonic_ns() + ns;
    while (monotonic_ns() < until) {}
}

/* A timed cascade's first K objects are estimated at the rate of the rest;
 * with fewer than K after them, at the rate of every timed cascade so far.
 * Checked as relations between the figures, which hold whatever the
 * machine's speed: the first cascade's pause is 30/20 of what was measured
 * of it, the estimates add up. */
static void test_cascade_estimate(void **state) {
    (void)state;
    metrics *m = malloc(sizeof *m);
    assert_non_null(m);
    metrics_init(m);
    m->cascade_timed_after = 10;
    gc_event_listener listener = metrics_listener(m);
    assert_int_equal(listener.cascade_timed_after, 10);
    listener.cascade_timed(listener.data);
    busy_wait_ns(200000);
    listener.cascade_end(listener.data, 30, 0); /* 20 objects after the 10th: its own rate */
    uint64_t measured0 = m->cascade_measured_ticks;
    listener.cascade_timed(listener.data);
    busy_wait_ns(20000);
    listener.cascade_end(listener.data, 12, 0); /* 2 after: the pooled rate, 22 objects */
    uint64_t measured1 = m->cascade_measured_ticks - measured0;
    assert_int_equal(m->cascade_measured_objects, 22);
    double first = (double)measured0 * 10 / 20, second = (double)(measured0 + measured1) * 10 / 22;
    double estimated = (double)m->cascade_estimated_ticks;
    if (fabs(estimated - first - second) > 2)
        fail_msg("estimated %.0f ticks, not %.0f + %.0f", estimated, first, second);
    assert_int_equal(m->pause_histogram.count, 2);
    double total = (double)m->pause_histogram.total, expected = (double)(measured0 + measured1) + first + second;
    if (fabs(total - expected) > 2) fail_msg("paused %.0f ticks, not %.0f", total, expected);
    metrics_finish(m);
    assert_int_equal(m->cascades_timed, 2);
    assert_int_equal(m->pause_log.count, 2);
    metrics_release(m);
    free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_empty),
        cmocka_unit_test(test_cascade_estimate),
        cmocka_unit_test(test_histogram_exact_below_64),
        cmocka_unit_test(test_histogram_one_to_thousand),
        cmocka_unit_test(test_histogram_skewed),
        cmocka_unit_test(test_histogram_bucket_boundaries),
        cmocka_unit_test(test_histogram_percentile_at_boundary),
        cmocka_unit_test(test_mmu_no_pauses),
        cmocka_unit_test(test_mmu_hand_worked),
        cmocka_unit_test(test_mmu_run_edges),
        cmocka_unit_test(test_mmu_pause_past_run_end),
        cmocka_unit_test(test_mmu_one_pause_covers_window),
        cmocka_unit_test(test_mmu_matches_brute_force),
        cmocka_unit_test(test_mmu_many_windows),
        cmocka_unit_test(test_mmu_curve_file),
        cmocka_unit_test(test_mmu_merged_is_lower_bound),
        cmocka_unit_test(test_pause_log_keeps_order),
        cmocka_unit_test(test_series_bounded_and_even),
        cmocka_unit_test(test_series_keeps_peaks_of_dropped_samples),
        cmocka_unit_test(test_series_file),
        cmocka_unit_test(test_series_file_garbage_columns),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_steady_state_verdicts),
        cmocka_unit_test(test_theil_sen_slope),
        cmocka_unit_test(test_garbage_meter_passes),
        cmocka_unit_test(test_garbage_meter_verdict),
        cmocka_unit_test(test_ticks_calibrated),
        cmocka_unit_test(test_time_by_generation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
