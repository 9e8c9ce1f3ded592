/* The harness's command line: strict parsing, one clear line and exit
 * status 2 for anything it does not understand. */
#ifndef HEAPLAB_CLI_H
#define HEAPLAB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "object.h"
#include "workload.h"

#define EXIT_BAD_INPUT 2
#define EXIT_OUT_OF_MEMORY 3
#define EXIT_WRITE_FAILED 1 /* the output could not be written */

typedef struct run_options {
    const workload *workload;
    workload_args args;
    double params[32];
    heap_config config;
    double alloc_knobs[HEAP_MAX_KNOBS];
    bool json;
    const char *series_path; /* --series FILE: the memory curve, or NULL */
    const char *mmu_path;    /* --mmu FILE: the MMU curve, or NULL */
    uint64_t trash_every_bytes; /* --trash-every BYTES: a reachability pass that often; 0: never */
    uint64_t cascade_timed_after; /* --cascade-timed-after K: cascades of K objects or more are timed */
} run_options;

/* Reports a bad-input error in one line and exits with status 2. */
_Noreturn void cli_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* "heaplab: " and the message on stderr, one line (control characters shown as '?'). */
void cli_message(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Control characters in text replaced, in place, so that it prints as one line. */
void cli_printable(char *text);
/* Whether text is a number as the command line writes one: decimal digits,
 * with a leading '-' if `negative`, a '.' and more digits if `fraction`. */
bool cli_is_decimal(const char *text, bool negative, bool fraction);

/* Parses a whole decimal number in [min, max], or fails naming `what`. */
uint64_t cli_parse_count(const char *text, const char *what, uint64_t min, uint64_t max);
/* A byte count with an optional K, M or G suffix (powers of 1024). */
uint64_t cli_parse_bytes(const char *text, const char *what, uint64_t min, uint64_t max);

/* Parses `WORKLOAD [options]`. */
void cli_parse_run(int argc, char **argv, run_options *options);
/* The workload's small run (its small_args, the size the tests use) with
 * the given seed, parsed as the command line would be. */
void cli_parse_small_run(const workload *w, uint64_t seed, run_options *options);

#endif
