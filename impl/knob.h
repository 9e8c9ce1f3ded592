/*
 * A named, bounded numeric setting with a default: a collector's knob
 * (rcgen's thresholds, marksweep's growth factor) or a workload's parameter.
 */
#ifndef HEAPLAB_KNOB_H
#define HEAPLAB_KNOB_H

#include <stdbool.h>

typedef struct knob {
    const char *name;  /* as given on the command line: --NAME=value */
    const char *help;  /* one line */
    double default_value, min, max;
    bool integer;      /* reject fractional values */
    double step;       /* when not 0, the values are min, min + step, ... max (a choice of a few) */
} knob;

/* Whether `value` is one of the knob's steps (always, without a step). */
bool knob_on_step(const knob *k, double value);

/* Index of `name` in a {NULL}-terminated table, or -1. */
int knob_find(const knob *table, const char *name);

#endif
