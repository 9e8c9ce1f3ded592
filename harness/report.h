/* One run's summary as a row of named fields, written as CSV (a header
 * line, then the row) or as one JSON object: one mechanism, two formats. */
#ifndef HEAPLAB_REPORT_H
#define HEAPLAB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define REPORT_MAX_FIELDS 96

typedef struct report_field {
    const char *name;
    char value[512]; /* room for every parameter of a workload, exactly */
    bool quoted; /* a string in JSON */
    bool empty;  /* no value: an empty CSV field, null in JSON */
} report_field;

typedef struct report {
    report_field fields[REPORT_MAX_FIELDS];
    int count;
} report;

void report_text(report *r, const char *name, const char *value);
void report_uint(report *r, const char *name, uint64_t value);
void report_double(report *r, const char *name, double value);
/* A column with no value in this run (a measurement that was not taken). */
void report_empty(report *r, const char *name);
/* Writes the whole row with one write, so nothing half-written is left. */
void report_write(const report *r, FILE *out, bool json);

#endif
