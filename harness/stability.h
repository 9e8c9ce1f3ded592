/*
 * Whether a quantity reached a steady state: robust measures of change over
 * the tail of a run's memory curve, judged against the level it sits at.
 *
 * Steady when both of these are within STEADY_TOLERANCE of the median y (or
 * of STEADY_FLOOR when the median is below it: a few kilobytes wandering over
 * a nearly empty heap are steady):
 *  - the drift: the Theil-Sen slope (the median of the slopes between every
 *    two points; points sharing an x are skipped) times the span of x;
 *  - the shift: the median of the second half of the points less the median
 *    of the first half. The slope alone misses a step: most pairs of points
 *    lie on one side of it, so the median slope stays near zero.
 * Being medians, both ignore a change confined to the last quarter of the
 * points. Past STEADY_MAX_POINTS points everything is taken over that many,
 * evenly thinned (the first and last kept), so the cost stays bounded.
 */
#ifndef HEAPLAB_STABILITY_H
#define HEAPLAB_STABILITY_H

#include <stddef.h>

#define STEADY_MIN_POINTS 8
#define STEADY_MAX_POINTS 256
#define STEADY_TOLERANCE 0.10
#define STEADY_FLOOR (1024.0 * 1024.0)

typedef enum steady_state { STEADY_UNKNOWN = -1, STEADY_NO = 0, STEADY_YES = 1 } steady_state;

/* The Theil-Sen slope of y over x for n points in ascending x; 0 if no two
 * points differ in x. */
double theil_sen_slope(const double *x, const double *y, size_t n);

/* The median of n values (n > 0), reordering them. */
double median_of(double *values, size_t n);

/* The verdict on n points in ascending x: STEADY_UNKNOWN below
 * STEADY_MIN_POINTS. */
steady_state steady_state_of(const double *x, const double *y, size_t n);

#endif
