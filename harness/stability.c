#include "stability.h"

#include <math.h>

/* The k-th smallest of n values (k < n), by selection in place: afterwards
 * no value before index k is larger, none after is smaller. */
static double select_kth(double *a, size_t n, size_t k) {
    size_t low = 0, high = n - 1;
    while (low < high) {
        double pivot = a[low + (high - low) / 2];
        size_t i = low, j = high;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) high = j;
        else if (k >= i) low = i;
        else break; /* between the halves: equal to the pivot */
    }
    return a[k];
}

double median_of(double *values, size_t n) {
    size_t half = n / 2;
    double upper = select_kth(values, n, half);
    if (n % 2) return upper;
    double lower = values[0]; /* the largest of the lower half */
    for (size_t i = 1; i < half; i++)
        if (values[i] > lower) lower = values[i];
    return (lower + upper) / 2;
}

double theil_sen_slope(const double *x, const double *y, size_t n) {
    /* Evenly thinned indices past the bound: point k of m is index
     * k (n - 1) / (m - 1), first and last kept. */
    size_t m = n > STEADY_MAX_POINTS ? STEADY_MAX_POINTS : n;
    /* Every pair of at most STEADY_MAX_POINTS: 255 KiB, kept off the stack
     * (the harness is single-threaded). */
    static double slopes[STEADY_MAX_POINTS * (STEADY_MAX_POINTS - 1) / 2];
    size_t count = 0;
    for (size_t a = 0; a < m; a++) {
        size_t i = m == n ? a : a * (n - 1) / (m - 1);
        for (size_t b = a + 1; b < m; b++) {
            size_t j = m == n ? b : b * (n - 1) / (m - 1);
            if (x[j] != x[i]) slopes[count++] = (y[j] - y[i]) / (x[j] - x[i]);
        }
    }
    return count ? median_of(slopes, count) : 0.0;
}

steady_state steady_state_of(const double *x, const double *y, size_t n) {
    if (n < STEADY_MIN_POINTS) return STEADY_UNKNOWN;
    double drift = fabs(theil_sen_slope(x, y, n)) * (x[n - 1] - x[0]);
    double levels[STEADY_MAX_POINTS], halves[STEADY_MAX_POINTS];
    size_t m = n > STEADY_MAX_POINTS ? STEADY_MAX_POINTS : n;
    for (size_t k = 0; k < m; k++) halves[k] = levels[k] = y[m == n ? k : k * (n - 1) / (m - 1)];
    double level = fabs(median_of(levels, m));
    double shift = fabs(median_of(halves + m / 2, m - m / 2) - median_of(halves, m / 2));
    double allowed = STEADY_TOLERANCE * (level > STEADY_FLOOR ? level : STEADY_FLOOR);
    return drift <= allowed && shift <= allowed ? STEADY_YES : STEADY_NO;
}
