/* heaplab-compare: two sweeps' results side by side.
 *
 *   heaplab-compare [--metric COLUMN] [--seed S] [--out DIR] A B
 *
 * A and B are sweep results folders (runs.csv and meta). For every
 * configuration both ran -- variant, workload, size, seed, parameters and
 * harness options -- the ratio of the medians B/A of one metric (default
 * wall_ns) over the runs whose outcome is ok, with a 95% percentile-bootstrap
 * confidence interval (each side's runs resampled with replacement), marked
 * when the interval excludes 1. Before the table, whatever makes the two sets
 * unlike is called out: machine, CPU, cores, kernel, compiler or flags that
 * differ in meta; sizes, parameters or options that differ between otherwise
 * equal configurations; checksums that disagree (the workload did other work).
 *
 * The report goes to stdout; with --out DIR it is also written to
 * DIR/compare.txt, with DIR/compare.csv (one row per configuration) and
 * DIR/compare.plot.tsv (the input of plots/compare.gp). Nothing is printed
 * or written until both folders have been read whole and found good.
 *
 * Exit status: 0 compared; 1 compared, with mismatches called out; 2 bad
 * input (one line on stderr, nothing on stdout, nothing written); 3 the
 * output could not be written (one line naming the file and why).
 *
 * Numbers are read in the C locale whatever the process's: a metric value
 * is a decimal number (an exponent allowed: other programs write 1e+06),
 * finite, at least 0. One too small for a double (below about 4.9e-324)
 * reads as 0, as the nearest double; one too large for it is out of range.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"

#define DEFAULT_METRIC "wall_ns"
#define DEFAULT_SEED 1
#define RESAMPLES 10000
#define LARGEST_FILE (1L << 30)
#define MOST_COLUMNS 10000

/* ------------------------------------------------------------------------
 * Failing. Every problem with the input is one line and exit status 2. */

/* The message, "heaplab: compare: " first, as one line on stderr: control
 * characters (from a folder's name, a file's text) shown as '?'. */
static void say(const char *format, va_list args) {
    char line[4096];
    vsnprintf(line, sizeof line, format, args);
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            *p = '?';
            memmove(p + 1, p + 2, strlen((char *)p + 2) + 1);
        }
    }
    fprintf(stderr, "heaplab: compare: %s\n", line);
}

static noreturn void bad_input(const char *format, ...) {
    va_list args;
    va_start(args, format);
    say(format, args);
    va_end(args);
    exit(2);
}

/* The output cannot be written (a full disk, a folder that went away). */
static noreturn void cannot_write(const char *format, ...) {
    va_list args;
    va_start(args, format);
    say(format, args);
    va_end(args);
    exit(3);
}

/* ------------------------------------------------------------------------
 * Memory. One comparison, then the program ends: nothing is freed piece by
 * piece. Every block is chained from `blocks`, so all of it stays reachable
 * to the end and a leak checker has nothing to report. */

typedef struct block {
    struct block *next;
    max_align_t data[];
} block;

static block *blocks;

static void *allocate(size_t bytes) {
    if (bytes > SIZE_MAX - sizeof(block)) bad_input("out of memory");
    block *fresh = malloc(sizeof(block) + bytes);
    if (!fresh) bad_input("out of memory");
    fresh->next = blocks;
    blocks = fresh;
    return fresh->data;
}

/* A larger copy of an array of old_count items (the old one stays: arrays
 * double, so what stays behind is at most what is in use). */
static void *grow(void *array, size_t old_count, size_t new_count, size_t item_size) {
    if (new_count && item_size > SIZE_MAX / new_count) bad_input("out of memory");
    void *larger = allocate(new_count * item_size);
    if (old_count) memcpy(larger, array, old_count * item_size);
    return larger;
}

static char *format_string(const char *format, ...) {
    va_list args;
    va_start(args, format);
    int length = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *text = allocate((size_t)length + 1);
    va_start(args, format);
    vsnprintf(text, (size_t)length + 1, format, args);
    va_end(args);
    return text;
}

/* A growing list of strings without repeats, in the order first seen. For
 * messages: one with a limit keeps that many and notes there were more. */
typedef struct string_set {
    const char **items;
    size_t count, capacity;
    size_t limit; /* 0: none */
    bool more;
} string_set;

enum { SHOWN_VALUES = 12 };

static void string_set_add(string_set *set, const char *item) {
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i], item) == 0) return;
    if (set->limit && set->count == set->limit) {
        set->more = true;
        return;
    }
    if (set->count == set->capacity) {
        set->capacity = set->capacity ? 2 * set->capacity : 4;
        set->items = grow(set->items, set->count, set->capacity, sizeof *set->items);
    }
    set->items[set->count++] = item;
}

/* ------------------------------------------------------------------------
 * Files. */

/* The whole file, NUL-terminated: as much of it as there is when it is
 * opened (a sweep may be appending to it). NULL, errno set, if it cannot be
 * read; NULL with errno EINVAL if it is not a regular file. Opened without
 * waiting: a FIFO there would otherwise hang the opening. */
static char *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    FILE *file = fdopen(fd, "rb");
    if (!file) {
        close(fd);
        return NULL;
    }
    if (status.st_size > LARGEST_FILE) bad_input("%s is larger than 1 GiB", path);
    char *text = allocate((size_t)status.st_size + 1);
    size_t used = fread(text, 1, (size_t)status.st_size, file);
    bool failed = ferror(file);
    int saved_errno = errno;
    fclose(file);
    if (failed) {
        errno = saved_errno;
        return NULL;
    }
    text[used] = '\0';
    *length = used;
    return text;
}

/* Text, as a sweep writes it: no NUL bytes or control characters but tabs
 * and line ends. */
static bool is_text(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || c == '\t') continue;
        if (c == '\r' && i + 1 < length && text[i + 1] == '\n') continue;
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

/* What is printed of a value read from a file: control characters shown as '?'. */
static const char *printable(const char *text) {
    bool clean = true;
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) clean = false;
    if (clean) return text;
    char *copy = format_string("%s", text);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return copy;
}

/* ------------------------------------------------------------------------
 * CSV: a header line naming the columns, then one row a line. Fields may be
 * quoted ("a, ""b""") when they hold commas or quotes. Columns are found by
 * name: other versions of the harness add columns, in any place. */

typedef struct csv_table {
    char **names;
    size_t ncolumns;
    char **fields; /* nrows x ncolumns */
    size_t *line_numbers;
    size_t nrows;
} csv_table;

/* Splits the line [start, end) into fields in place, undoing the quoting;
 * returns how many, or 0 with *problem set when the quoting is broken. */
static size_t split_csv_line(char *start, char *end, char ***fields, size_t *capacity, const char **problem) {
    char *read = start, *write = start;
    size_t count = 0;
    for (;;) {
        char *field = write;
        if (read < end && *read == '"') {
            read++;
            for (;;) {
                if (read == end) {
                    *problem = "a quoted field has no closing quote";
                    return 0;
                }
                if (*read == '"') {
                    if (read + 1 < end && read[1] == '"') {
                        *write++ = '"';
                        read += 2;
                        continue;
                    }
                    read++;
                    break;
                }
                *write++ = *read++;
            }
            if (read < end && *read != ',') {
                *problem = "text follows a quoted field's closing quote";
                return 0;
            }
        } else {
            while (read < end && *read != ',') {
                if (*read == '"') {
                    *problem = "a quote inside a field that is not quoted";
                    return 0;
                }
                *write++ = *read++;
            }
        }
        if (count == *capacity) {
            *capacity = *capacity ? 2 * *capacity : 64;
            *fields = grow(*fields, count, *capacity, sizeof **fields);
        }
        (*fields)[count++] = field;
        /* The writer never passes the reader, so the terminator lands on
         * text already read (at the latest, this line's own line end). */
        *write = '\0';
        if (read == end) return count;
        write++;
        read++;
    }
}

/* The header and every whole row of a CSV file. A last line with no line
 * end is a row being written (or torn by a kill): it is left out. */
static csv_table parse_csv(const char *path, char *text, size_t length) {
    csv_table table = {0};
    char **fields = NULL;
    size_t capacity = 0, rows_capacity = 0, line_number = 0;
    char *line = text, *limit = text + length;
    const char *problem = NULL;
    for (;;) {
        char *line_end = memchr(line, '\n', (size_t)(limit - line));
        if (!line_end) break; /* nothing more, or a torn last row */
        line_number++;
        char *end = line_end;
        if (end > line && end[-1] == '\r') end--;
        if (end == line) bad_input("%s:%zu: an empty line", path, line_number);
        size_t count = split_csv_line(line, end, &fields, &capacity, &problem);
        if (count == 0) bad_input("%s:%zu: %s", path, line_number, problem);
        if (line_number == 1) {
            if (count > MOST_COLUMNS) bad_input("%s: %zu columns in the header (at most %d)", path, count, MOST_COLUMNS);
            table.ncolumns = count;
            table.names = allocate(count * sizeof *table.names);
            memcpy(table.names, fields, count * sizeof *fields);
            for (size_t i = 0; i < count; i++)
                for (size_t j = 0; j < i; j++)
                    if (strcmp(table.names[i], table.names[j]) == 0)
                        bad_input("%s: the header names column '%s' twice", path, printable(table.names[i]));
        } else {
            if (count != table.ncolumns)
                bad_input("%s:%zu: %zu fields where the header has %zu (a truncated or damaged row)", path, line_number,
                          count, table.ncolumns);
            if (table.nrows == rows_capacity) {
                rows_capacity = rows_capacity ? 2 * rows_capacity : 256;
                table.fields = grow(table.fields, table.nrows * table.ncolumns, rows_capacity * table.ncolumns,
                                    sizeof *table.fields);
                table.line_numbers = grow(table.line_numbers, table.nrows, rows_capacity, sizeof *table.line_numbers);
            }
            memcpy(table.fields + table.nrows * table.ncolumns, fields, count * sizeof *fields);
            table.line_numbers[table.nrows++] = line_number;
        }
        line = line_end + 1;
    }
    if (line_number == 0) bad_input("%s has no whole header line", path);
    if (table.nrows == 0) bad_input("%s has no runs (a header only)", path);
    return table;
}

/* The column's position, or -1 if the file has none by that name. */
static long column_of(const csv_table *table, const char *name) {
    for (size_t i = 0; i < table->ncolumns; i++)
        if (strcmp(table->names[i], name) == 0) return (long)i;
    return -1;
}

static const char *field_of(const csv_table *table, size_t row, long column) {
    return column < 0 ? "" : table->fields[row * table->ncolumns + (size_t)column];
}

/* Columns that say which run or which configuration, or where and how it
 * ran, not what was measured. */
static const char *const identity_columns[] = {
    "run_id", "repetition", "sweep_params", "options", "exit_status", "error", "schema_version", "variant", "workload",
    "size", "seed", "params", "outcome", "checksum", "machine", "cpu_model", "compiler", "cflags", "commit", NULL,
};

static bool is_identity_column(const char *name) {
    for (const char *const *p = identity_columns; *p; p++)
        if (strcmp(*p, name) == 0) return true;
    return false;
}

/* ------------------------------------------------------------------------
 * A results folder: its runs, grouped into configurations, and its meta. */

typedef struct run {
    const char *variant, *workload, *size, *seed, *params, *options, *checksum;
    bool ok;
    double value; /* the metric; ok runs only */
} run;

typedef struct config {
    const run *first; /* the key fields */
    double *values;   /* the ok runs' metric, sorted */
    size_t nvalues; /* ok runs */
    size_t nruns;   /* every run, failed or not */
    const char *checksum; /* the first ok run's, "" if none */
    bool matched;
} config;

typedef struct meta_entry {
    char *key, *value;
} meta_entry;

typedef struct result_set {
    const char *label; /* "A" or "B" */
    const char *dir;   /* as given */
    run *runs;
    size_t nruns;
    config *configs;
    size_t nconfigs;
    meta_entry *meta;
    size_t nmeta;
    bool has_meta;
    bool has_schema_version;
    string_set schema_versions; /* of runs.csv's columns: see docs/columns.md */
} result_set;

/* Whole numbers in order of size (size 1000 after size 300), other text as
 * text; 0 only for equal text, as a configuration's key wants. */
static int compare_numeric_text(const char *a, const char *b) {
    size_t length_a = strspn(a, "0123456789"), length_b = strspn(b, "0123456789");
    if (length_a && length_b && !a[length_a] && !b[length_b]) {
        const char *x = a, *y = b;
        while (length_a > 1 && *x == '0') x++, length_a--;
        while (length_b > 1 && *y == '0') y++, length_b--;
        if (length_a != length_b) return length_a < length_b ? -1 : 1;
        int order = strcmp(x, y);
        if (order) return order;
    }
    return strcmp(a, b);
}

/* The table's order: workload, size, seed, parameters, options, variant. */
static int compare_keys(const run *a, const run *b) {
    int order;
    if ((order = strcmp(a->workload, b->workload))) return order;
    if ((order = compare_numeric_text(a->size, b->size))) return order;
    if ((order = compare_numeric_text(a->seed, b->seed))) return order;
    if ((order = strcmp(a->params, b->params))) return order;
    if ((order = strcmp(a->options, b->options))) return order;
    return strcmp(a->variant, b->variant);
}

static int compare_runs(const void *a, const void *b) { return compare_keys(a, b); }

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* strtod in the C locale, whatever the process's. */
static double c_strtod(const char *text, char **end) {
    static locale_t c_locale;
    if (!c_locale) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strtod_l(text, end, c_locale) : strtod(text, end);
}

/* The metric's value: a finite number, not negative, nothing else. A
 * number below the smallest double (4.9e-324) is read as the nearest, 0 or
 * that; beyond the largest (about 1.8e308) it is out of range. */
static double parse_value(const char *path, size_t line, const char *metric, const char *text) {
    if (!*text) bad_input("%s:%zu: %s is empty in a run whose outcome is ok", path, line, metric);
    const char *shown = printable(text);
    if (strspn(text, "0123456789.eE+-") != strlen(text))
        bad_input("%s:%zu: %s '%s' is not a number", path, line, metric, shown);
    char *end;
    errno = 0;
    double value = c_strtod(text, &end);
    if (end == text || *end) bad_input("%s:%zu: %s '%s' is not a number", path, line, metric, shown);
    if (!isfinite(value)) bad_input("%s:%zu: %s '%s' is out of range", path, line, metric, shown);
    if (value < 0) bad_input("%s:%zu: %s '%s' is negative", path, line, metric, shown);
    return value;
}

/* The columns that could be compared, for an unknown --metric: those that
 * do not name the run, and are numbers (or empty) in the first ok run. */
static const char *measured_columns(const csv_table *table, long outcome) {
    size_t example = 0;
    while (example + 1 < table->nrows && strcmp(field_of(table, example, outcome), "ok") != 0) example++;
    size_t length = 1;
    for (size_t i = 0; i < table->ncolumns; i++) length += strlen(table->names[i]) + 1;
    char *list = allocate(length);
    list[0] = '\0';
    for (size_t i = 0; i < table->ncolumns; i++) {
        const char *value = field_of(table, example, (long)i);
        if (is_identity_column(table->names[i]) || strspn(value, "0123456789.eE+-") != strlen(value)) continue;
        if (list[0]) strcat(list, " ");
        strcat(list, table->names[i]);
    }
    return printable(list);
}

static void read_meta(result_set *set) {
    char *path = format_string("%s/meta", set->dir);
    size_t length;
    char *text = read_file(path, &length);
    if (!text) return; /* called out as a mismatch: nothing to check against */
    set->has_meta = true;
    size_t capacity = 0;
    for (char *line = text; *line;) {
        char *line_end = strchr(line, '\n');
        if (line_end) *line_end = '\0';
        size_t line_length = strlen(line);
        if (line_length && line[line_length - 1] == '\r') line[--line_length] = '\0';
        if (strncmp(line, "--- ", 4) == 0) break; /* the sweep file follows */
        char *colon = strstr(line, ": ");
        if (!colon) colon = line_length && line[line_length - 1] == ':' ? line + line_length - 1 : NULL;
        if (colon && colon > line) {
            *colon = '\0';
            if (set->nmeta == capacity) {
                capacity = capacity ? 2 * capacity : 32;
                set->meta = grow(set->meta, set->nmeta, capacity, sizeof *set->meta);
            }
            set->meta[set->nmeta++] = (meta_entry){line, colon[1] ? colon + 2 : colon + 1};
        }
        if (!line_end) break;
        line = line_end + 1;
    }
}

/* The meta value for a key; NULL if not recorded. The first line wins. */
static const char *meta_value(const result_set *set, const char *key) {
    for (size_t i = 0; i < set->nmeta; i++)
        if (strcmp(set->meta[i].key, key) == 0) return set->meta[i].value;
    return NULL;
}

static void read_result_set(result_set *set, const char *metric) {
    struct stat status;
    if (stat(set->dir, &status) != 0) bad_input("no results folder '%s' (%s)", set->dir, strerror(errno));
    if (!S_ISDIR(status.st_mode)) bad_input("'%s' is not a folder (a sweep's results folder holds runs.csv and meta)", set->dir);
    char *path = format_string("%s/runs.csv", set->dir);
    if (stat(path, &status) != 0) bad_input("no runs.csv in '%s' (is it a sweep's results folder?)", set->dir);
    if (!S_ISREG(status.st_mode)) bad_input("%s is not a file", path);
    size_t length;
    char *text = read_file(path, &length);
    if (!text) bad_input("cannot read %s: %s", path, strerror(errno));
    if (length == 0) bad_input("%s is empty", path);
    if (!is_text(text, length)) bad_input("%s is not a text file (control characters or NUL bytes)", path);
    csv_table table = parse_csv(path, text, length);

    static const char *const required[] = {"variant", "workload", "size", "seed", "params", "outcome"};
    enum { REQUIRED = sizeof required / sizeof *required };
    long column[REQUIRED];
    for (size_t i = 0; i < REQUIRED; i++)
        if ((column[i] = column_of(&table, required[i])) < 0)
            bad_input("%s has no '%s' column (is it a sweep's runs.csv?)", path, required[i]);
    long options = column_of(&table, "options"), checksum = column_of(&table, "checksum");
    long schema_version = column_of(&table, "schema_version");
    set->has_schema_version = schema_version >= 0;
    set->schema_versions.limit = SHOWN_VALUES;
    long value = column_of(&table, metric);
    if (value < 0) bad_input("%s has no column '%s' (it has: %s)", path, metric, measured_columns(&table, column[5]));

    set->nruns = table.nrows;
    set->runs = allocate(table.nrows * sizeof *set->runs);
    for (size_t row = 0; row < table.nrows; row++) {
        run *r = &set->runs[row];
        r->variant = field_of(&table, row, column[0]);
        r->workload = field_of(&table, row, column[1]);
        r->size = field_of(&table, row, column[2]);
        r->seed = field_of(&table, row, column[3]);
        r->params = field_of(&table, row, column[4]);
        r->ok = strcmp(field_of(&table, row, column[5]), "ok") == 0;
        r->options = field_of(&table, row, options);
        r->checksum = field_of(&table, row, checksum);
        if (*field_of(&table, row, schema_version))
            string_set_add(&set->schema_versions, field_of(&table, row, schema_version));
        if (!*r->variant || !*r->workload)
            bad_input("%s:%zu: a run with no %s", path, table.line_numbers[row], *r->variant ? "workload" : "variant");
        r->value = r->ok ? parse_value(path, table.line_numbers[row], metric, field_of(&table, row, value)) : 0;
    }

    /* Configurations: runs with equal keys, next to each other once sorted. */
    qsort(set->runs, set->nruns, sizeof *set->runs, compare_runs);
    set->configs = allocate(set->nruns * sizeof *set->configs);
    for (size_t start = 0, end; start < set->nruns; start = end) {
        for (end = start + 1; end < set->nruns && compare_keys(&set->runs[start], &set->runs[end]) == 0; end++) {}
        config *c = &set->configs[set->nconfigs++];
        *c = (config){.first = &set->runs[start], .nruns = end - start, .checksum = ""};
        c->values = allocate((end - start) * sizeof *c->values);
        for (size_t i = start; i < end; i++) {
            if (!set->runs[i].ok) continue;
            if (!c->nvalues) c->checksum = set->runs[i].checksum;
            c->values[c->nvalues++] = set->runs[i].value;
        }
        qsort(c->values, c->nvalues, sizeof *c->values, compare_doubles);
    }
    read_meta(set);
}

/* ------------------------------------------------------------------------
 * Statistics. */

/* Halfway between two values, without overflowing near the largest double. */
static double midpoint(double low, double high) { return low + (high - low) / 2; }

static double median_of_sorted(const double *values, size_t n) {
    return n % 2 ? values[n / 2] : midpoint(values[n / 2 - 1], values[n / 2]);
}

/* The median of n draws with replacement from sorted values: count how
 * often each is drawn, then walk the counts to the middle -- no sorting. */
static double resampled_median(const double *sorted, size_t n, uint32_t *counts, rng *random) {
    memset(counts, 0, n * sizeof *counts);
    for (size_t i = 0; i < n; i++) counts[rng_below(random, n)]++;
    size_t low_rank = (n - 1) / 2, high_rank = n / 2, seen = 0;
    double low = 0;
    for (size_t i = 0; i < n; i++) {
        if (!counts[i]) continue;
        if (seen <= low_rank && low_rank < seen + counts[i]) low = sorted[i];
        if (seen <= high_rank && high_rank < seen + counts[i]) return midpoint(low, sorted[i]);
        seen += counts[i];
    }
    return low;
}

/* A 64-bit FNV-1a hash: each configuration draws from its own stream, so
 * its interval does not depend on which other configurations are there. */
static uint64_t hash_text(uint64_t hash, const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) hash = (hash ^ *p) * UINT64_C(0x100000001b3);
    return (hash ^ 0xff) * UINT64_C(0x100000001b3);
}

typedef struct comparison {
    config *a, *b; /* either may be missing: only on one side */
    double median_a, median_b, ratio, low, high;
    bool has_ratio, has_interval;
    const char *mark; /* "", or which way the interval says B went */
    const char *note;
} comparison;

/* Times (the *_ns columns) are said to be slower or faster, anything else higher or lower. */
static bool is_timing(const char *metric) {
    size_t length = strlen(metric);
    return length > 3 && strcmp(metric + length - 3, "_ns") == 0;
}

/* Room for one configuration's resampling, reused by all of them. */
typedef struct bootstrap_scratch {
    uint32_t *counts; /* as many as the most runs a configuration has */
    double *ratios;   /* RESAMPLES */
} bootstrap_scratch;

static void compare_config(comparison *c, const char *metric, uint64_t seed, const bootstrap_scratch *scratch) {
    const config *a = c->a, *b = c->b;
    bool timing = is_timing(metric);
    c->mark = "";
    c->note = "";
    if (a->nvalues) c->median_a = median_of_sorted(a->values, a->nvalues);
    if (b->nvalues) c->median_b = median_of_sorted(b->values, b->nvalues);
    if (!a->nvalues || !b->nvalues) {
        c->note = !a->nvalues && !b->nvalues ? "no ok run in A or B"
                  : !a->nvalues ? format_string("no ok run in A (%zu failed)", a->nruns)
                                : format_string("no ok run in B (%zu failed)", b->nruns);
        return;
    }
    if (c->median_a == 0) {
        c->note = "median A is 0: no ratio";
        return;
    }
    c->ratio = c->median_b / c->median_a;
    if (!isfinite(c->ratio)) {
        c->note = "ratio beyond the largest number: no ratio";
        return;
    }
    c->has_ratio = true;
    if (a->nvalues < 2 || b->nvalues < 2) {
        c->note = a->nvalues < 2 && b->nvalues < 2 ? "1 run each: no interval"
                  : a->nvalues < 2                  ? "1 run in A: no interval"
                                                    : "1 run in B: no interval";
        return;
    }
    const run *key = a->first;
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    const char *parts[] = {key->variant, key->workload, key->size, key->seed, key->params, key->options};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) hash = hash_text(hash, parts[i]);
    rng random = rng_seeded(seed ^ hash);
    uint32_t *counts = scratch->counts;
    double *ratios = scratch->ratios;
    bool undefined = false;
    for (size_t i = 0; i < RESAMPLES; i++) {
        double median_a = resampled_median(a->values, a->nvalues, counts, &random);
        double median_b = resampled_median(b->values, b->nvalues, counts, &random);
        if (median_a == 0) {
            undefined |= median_b == 0;
            ratios[i] = INFINITY;
        } else {
            ratios[i] = median_b / median_a;
        }
    }
    if (undefined) {
        c->note = "medians of 0 in resamples: no interval";
    } else {
        qsort(ratios, RESAMPLES, sizeof *ratios, compare_doubles);
        /* Percentiles by nearest rank. */
        c->low = ratios[(size_t)ceil(0.025 * RESAMPLES) - 1];
        c->high = ratios[(size_t)ceil(0.975 * RESAMPLES) - 1];
        if (!isfinite(c->high)) {
            c->note = "interval beyond the largest number: no interval";
            return;
        }
        c->has_interval = true;
        if (c->low > 1) c->mark = timing ? "slower" : "higher";
        if (c->high < 1) c->mark = timing ? "faster" : "lower";
    }
}

/* Every configuration of A and B, in the table's order: side by side where
 * both ran it, alone where one did. */
typedef struct comparisons {
    comparison *rows;
    size_t nrows;
    size_t compared; /* rows with both sides */
} comparisons;

static comparisons match_configs(result_set *a, result_set *b, const char *metric, uint64_t seed) {
    size_t most_runs = 1;
    for (const result_set *set = a; set; set = set == a ? b : NULL)
        for (size_t i = 0; i < set->nconfigs; i++)
            if (set->configs[i].nvalues > most_runs) most_runs = set->configs[i].nvalues;
    bootstrap_scratch scratch = {allocate(most_runs * sizeof *scratch.counts), allocate(RESAMPLES * sizeof *scratch.ratios)};

    /* Both lists are sorted by key: one merging walk. */
    comparisons all = {.rows = allocate((a->nconfigs + b->nconfigs) * sizeof *all.rows)};
    for (size_t i = 0, j = 0; i < a->nconfigs || j < b->nconfigs;) {
        int order = i == a->nconfigs   ? 1
                    : j == b->nconfigs ? -1
                                       : compare_keys(a->configs[i].first, b->configs[j].first);
        comparison *c = &all.rows[all.nrows++];
        *c = (comparison){.mark = "", .note = ""};
        if (order <= 0) c->a = &a->configs[i++];
        if (order >= 0) c->b = &b->configs[j++];
        if (c->a && c->b) {
            c->a->matched = c->b->matched = true;
            all.compared++;
            compare_config(c, metric, seed, &scratch);
        } else {
            const config *only = c->a ? c->a : c->b;
            if (only->nvalues) *(c->a ? &c->median_a : &c->median_b) = median_of_sorted(only->values, only->nvalues);
            c->note = c->a ? "only in A" : "only in B";
        }
    }
    return all;
}

/* ------------------------------------------------------------------------
 * Mismatches: everything that makes A and B unlike, said before any ratio. */

typedef struct mismatch_group {
    const char *what; /* e.g. "churn: sizes differ" */
    string_set values_a, values_b;
} mismatch_group;

/* Past SHOWN_GROUPS differences, the rest are only counted. */
enum { SHOWN_GROUPS = 40 };

typedef struct mismatches {
    string_set lines; /* whole lines, said as they are */
    mismatch_group *groups;
    size_t ngroups, capacity;
    size_t more_groups;
    bool nothing_in_common;
} mismatches;

static size_t count_mismatches(const mismatches *m) {
    return m->lines.count + m->ngroups + m->more_groups + m->nothing_in_common;
}

static void note_difference(mismatches *m, const char *what, const char *value_a, const char *value_b) {
    mismatch_group *group = NULL;
    for (size_t i = m->ngroups; i > 0 && !group; i--)
        if (strcmp(m->groups[i - 1].what, what) == 0) group = &m->groups[i - 1];
    if (!group && m->ngroups == SHOWN_GROUPS) {
        m->more_groups++;
        return;
    }
    if (!group) {
        if (m->ngroups == m->capacity) {
            m->capacity = m->capacity ? 2 * m->capacity : 8;
            m->groups = grow(m->groups, m->ngroups, m->capacity, sizeof *m->groups);
        }
        group = &m->groups[m->ngroups++];
        *group = (mismatch_group){.what = what, .values_a.limit = SHOWN_VALUES, .values_b.limit = SHOWN_VALUES};
    }
    string_set_add(&group->values_a, value_a);
    string_set_add(&group->values_b, value_b);
}

static const char *quoted_list(const string_set *set) {
    size_t length = 1;
    for (size_t i = 0; i < set->count; i++) length += strlen(set->items[i]) + 4;
    char *list = allocate(length);
    list[0] = '\0';
    for (size_t i = 0; i < set->count; i++) {
        if (i) strcat(list, ", ");
        strcat(list, "'");
        strcat(list, set->items[i]);
        strcat(list, "'");
    }
    return printable(set->more ? format_string("%s, ...", list) : list);
}

static const char *const meta_keys[] = {"machine", "cpu", "cores", "kernel", "compiler", "cflags", "ldflags", NULL};

static void compare_meta(mismatches *m, const result_set *a, const result_set *b) {
    for (const result_set *set = a; set; set = set == a ? b : NULL)
        if (!set->has_meta)
            string_set_add(&m->lines, format_string("%s has no meta file: its machine, compiler and flags are unknown",
                                                    set->label));
    if (!a->has_meta || !b->has_meta) return;
    for (const char *const *key = meta_keys; *key; key++) {
        const char *value_a = meta_value(a, *key), *value_b = meta_value(b, *key);
        if (value_a && value_b && strcmp(value_a, value_b) == 0) continue;
        if (!value_a && !value_b) continue;
        string_set_add(&m->lines, format_string("%s differs: A %s vs B %s", *key,
                                                value_a ? format_string("'%s'", printable(value_a)) : "(not recorded)",
                                                value_b ? format_string("'%s'", printable(value_b)) : "(not recorded)"));
    }
}

/* Columns that changed meaning between the two (the harness's schema
 * version) make every ratio suspect. */
static void compare_schemas(mismatches *m, const result_set *a, const result_set *b) {
    if (!a->has_schema_version || !b->has_schema_version) return;
    bool same = a->schema_versions.count == b->schema_versions.count;
    for (size_t i = 0; same && i < a->schema_versions.count; i++) {
        bool found = false;
        for (size_t j = 0; j < b->schema_versions.count; j++)
            found |= strcmp(a->schema_versions.items[i], b->schema_versions.items[j]) == 0;
        same = found;
    }
    if (!same)
        string_set_add(&m->lines,
                       format_string("schema_version of runs.csv differs: A %s vs B %s (a column may mean something else)",
                                     quoted_list(&a->schema_versions), quoted_list(&b->schema_versions)));
}

/* Configurations left unmatched that agree on everything but one field:
 * the same experiment run differently, not a configuration one side lacks.
 * Found by sorting each side's on every field but that one and walking the
 * two lists together. */
typedef enum key_field { SIZE_FIELD, PARAMS_FIELD, OPTIONS_FIELD } key_field;

static key_field ignored_field; /* compare_except's: qsort passes no context */

static const char *key_value(const run *key, key_field field) {
    return field == SIZE_FIELD ? key->size : field == PARAMS_FIELD ? key->params : key->options;
}

static int compare_except(const void *x, const void *y) {
    const run *a = (*(config *const *)x)->first, *b = (*(config *const *)y)->first;
    int order;
    if ((order = strcmp(a->workload, b->workload))) return order;
    if ((order = strcmp(a->variant, b->variant))) return order;
    if ((order = strcmp(a->seed, b->seed))) return order;
    for (key_field field = SIZE_FIELD; field <= OPTIONS_FIELD; field++)
        if (field != ignored_field && (order = strcmp(key_value(a, field), key_value(b, field)))) return order;
    return 0;
}

static config **unmatched_configs(const result_set *set, size_t *count) {
    config **list = allocate(set->nconfigs * sizeof *list);
    *count = 0;
    for (size_t i = 0; i < set->nconfigs; i++)
        if (!set->configs[i].matched) list[(*count)++] = &set->configs[i];
    qsort(list, *count, sizeof *list, compare_except);
    return list;
}

static void compare_unmatched(mismatches *m, const result_set *a, const result_set *b) {
    static const char *const differ[] = {"sizes differ", "parameters differ", "options differ"};
    for (key_field field = SIZE_FIELD; field <= OPTIONS_FIELD; field++) {
        ignored_field = field;
        size_t na, nb;
        config **only_a = unmatched_configs(a, &na), **only_b = unmatched_configs(b, &nb);
        for (size_t i = 0, j = 0; i < na && j < nb;) {
            int order = compare_except(&only_a[i], &only_b[j]);
            if (order) {
                order < 0 ? i++ : j++;
                continue;
            }
            /* Alike but for the field: every value of it either side has. */
            size_t end_a = i, end_b = j;
            while (end_a < na && !compare_except(&only_a[i], &only_a[end_a])) end_a++;
            while (end_b < nb && !compare_except(&only_b[j], &only_b[end_b])) end_b++;
            const run *x = only_a[i]->first, *y = only_b[j]->first;
            const char *what = format_string("%s: %s", printable(x->workload), differ[field]);
            for (size_t k = i; k < end_a; k++) note_difference(m, what, key_value(only_a[k]->first, field), key_value(y, field));
            for (size_t k = j; k < end_b; k++) note_difference(m, what, key_value(x, field), key_value(only_b[k]->first, field));
            i = end_a;
            j = end_b;
        }
    }
}

static const char *describe_config(const run *key) {
    return printable(format_string("%s size %s seed %s%s%s%s%s", key->workload, key->size, key->seed,
                                   *key->params ? " " : "", key->params, *key->options ? " " : "", key->options));
}

/* The same configuration computing other checksums did other work: the
 * ratio is shown, but the row says so and so does a MISMATCH line. */
static void compare_checksums(mismatches *m, comparisons *all) {
    for (size_t i = 0; i < all->nrows; i++) {
        comparison *c = &all->rows[i];
        if (!c->a || !c->b || !*c->a->checksum || !*c->b->checksum || !strcmp(c->a->checksum, c->b->checksum)) continue;
        note_difference(m, format_string("%s: checksums differ", describe_config(c->a->first)), c->a->checksum,
                        c->b->checksum);
        c->note = *c->note ? format_string("%s; checksums differ", c->note) : "checksums differ";
    }
    m->nothing_in_common = !all->compared;
}

/* ------------------------------------------------------------------------
 * Output. */

static const char *format_value(const char *metric, double value) {
    size_t length = strlen(metric);
    bool bytes = length > 6 && strcmp(metric + length - 6, "_bytes") == 0;
    if (is_timing(metric)) {
        if (value >= 1e9) return format_string("%.4g s", value / 1e9);
        if (value >= 1e6) return format_string("%.4g ms", value / 1e6);
        if (value >= 1e3) return format_string("%.4g us", value / 1e3);
        return format_string("%.4g ns", value);
    }
    if (bytes) {
        if (value >= 1073741824.0) return format_string("%.4g GiB", value / 1073741824.0);
        if (value >= 1048576.0) return format_string("%.4g MiB", value / 1048576.0);
        if (value >= 1024.0) return format_string("%.4g KiB", value / 1024.0);
        return format_string("%.4g B", value);
    }
    return format_string("%.6g", value);
}

/* A text table: columns padded to their widest cell, numbers to the right;
 * the last column is never padded. */
enum { COLUMNS = 12 };
static const char *const table_header[COLUMNS] = {
    "workload", "size", "seed", "variant", "n A", "n B", "median A", "median B", "ratio", "95% CI", "mark", "params",
};
static const bool right_aligned[COLUMNS] = {false, true, true, false, true, true, true, true, true, false, false, false};

static void print_table(FILE *out, const char *(*cells)[COLUMNS], size_t nrows) {
    size_t width[COLUMNS];
    for (size_t column = 0; column < COLUMNS; column++) {
        width[column] = strlen(table_header[column]);
        for (size_t row = 0; row < nrows; row++)
            if (strlen(cells[row][column]) > width[column]) width[column] = strlen(cells[row][column]);
    }
    for (size_t row = 0; row <= nrows; row++) {
        const char *const *line = row ? cells[row - 1] : table_header;
        for (size_t column = 0; column < COLUMNS; column++) {
            bool last = column == COLUMNS - 1;
            int pad = (int)width[column];
            if (last) fprintf(out, "%s", line[column]);
            else if (right_aligned[column]) fprintf(out, "%*s  ", pad, line[column]);
            else fprintf(out, "%-*s  ", pad, line[column]);
        }
        fputc('\n', out);
    }
}

/* A CSV field: quoted when it holds a comma, a quote or a line end. */
static void write_csv_field(FILE *out, const char *text, bool last) {
    if (strpbrk(text, ",\"\r\n")) {
        fputc('"', out);
        for (const char *p = text; *p; p++) {
            if (*p == '"') fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    } else {
        fputs(text, out);
    }
    fputc(last ? '\n' : ',', out);
}

/* The shortest of 15 or 17 digits that reads back as the same number. */
static const char *number_or_empty(bool present, double value) {
    if (!present) return "";
    char *text = format_string("%.15g", value);
    return c_strtod(text, NULL) == value ? text : format_string("%.17g", value);
}

static void write_csv(FILE *out, const comparisons *all, const char *metric) {
    static const char *const names[] = {"workload", "size",     "seed",     "params",   "options", "variant",
                                        "metric",   "n_a",      "n_b",      "median_a", "median_b", "ratio",
                                        "ci_low",   "ci_high",  "mark",     "note",     NULL};
    for (size_t i = 0; names[i]; i++) write_csv_field(out, names[i], !names[i + 1]);
    for (size_t i = 0; i < all->nrows; i++) {
        const comparison *c = &all->rows[i];
        const run *key = (c->a ? c->a : c->b)->first;
        const char *fields[] = {
            key->workload, key->size, key->seed, key->params, key->options, key->variant, metric,
            c->a ? format_string("%zu", c->a->nvalues) : "",
            c->b ? format_string("%zu", c->b->nvalues) : "",
            number_or_empty(c->a && c->a->nvalues, c->median_a),
            number_or_empty(c->b && c->b->nvalues, c->median_b),
            number_or_empty(c->has_ratio, c->ratio),
            number_or_empty(c->has_interval, c->low),
            number_or_empty(c->has_interval, c->high),
            c->mark ? c->mark : "",
            c->note ? c->note : "",
        };
        size_t count = sizeof fields / sizeof *fields;
        for (size_t j = 0; j < count; j++) write_csv_field(out, fields[j], j + 1 == count);
    }
}

/* A plot label: for gnuplot, no tabs and no double quotes. */
static const char *plot_text(const char *text) {
    char *copy = format_string("%s", printable(text));
    for (char *p = copy; *p; p++)
        if (*p == '\t') *p = ' ';
        else if (*p == '"') *p = '\'';
    return copy;
}

/* The plot's input: label, ratio, interval low and high, colour. Only rows
 * with a ratio; where there is no interval (or it leaves the log scale's
 * range) the bar collapses to the point. Labels name what varies: the
 * seed, parameters or options only when a workload has several. */
static const run *key_of(const comparison *c) { return (c->a ? c->a : c->b)->first; }

static void write_plot_data(FILE *out, const comparisons *all) {
    bool seeds_vary = false, params_vary = false, options_vary = false;
    for (size_t i = 0, workload_end = 0; i < all->nrows; i++) {
        const comparison *c = &all->rows[i];
        const run *key = key_of(c);
        /* Rows are in workload order: at a workload's first, look over its rows. */
        if (i == workload_end) {
            seeds_vary = params_vary = options_vary = false;
            for (; workload_end < all->nrows && !strcmp(key_of(&all->rows[workload_end])->workload, key->workload);
                 workload_end++) {
                const run *other = key_of(&all->rows[workload_end]);
                seeds_vary |= strcmp(other->seed, key->seed) != 0;
                params_vary |= strcmp(other->params, key->params) != 0;
                options_vary |= strcmp(other->options, key->options) != 0;
            }
        }
        if (!c->a || !c->b || !c->has_ratio || !(c->ratio > 0) || !isfinite(c->ratio)) continue;
        char *label = format_string("%s %s%s%s%s%s%s%s %s", key->workload, key->size, seeds_vary ? " seed " : "",
                                    seeds_vary ? key->seed : "", params_vary ? " " : "", params_vary ? key->params : "",
                                    options_vary ? " " : "", options_vary ? key->options : "", key->variant);
        bool bounded = c->has_interval && c->low > 0 && isfinite(c->high);
        unsigned colour = !*c->mark ? 0x606060 : c->low > 1 ? 0xc0392b : 0x1e8449;
        fprintf(out, "%s\t%.17g\t%.17g\t%.17g\t%u\n", plot_text(label), c->ratio, bounded ? c->low : c->ratio,
                bounded ? c->high : c->ratio, colour);
    }
}

/* The report: which sets, the mismatches, the table, what only one side
 * ran, and a summary line. */
static void write_report(FILE *out, const result_set *a, const result_set *b, const comparisons *all,
                         const mismatches *mismatch, const char *metric, uint64_t seed) {
    for (const result_set *set = a; set; set = set == a ? b : NULL) {
        const char *commit = meta_value(set, "commit"), *date = meta_value(set, "date");
        fprintf(out, "%s: %s  (commit %s%s%s)\n", set->label, printable(set->dir), commit ? printable(commit) : "unknown",
                date ? ", " : "", date ? printable(date) : "");
    }
    fprintf(out, "%s: median of B / median of A over the ok runs, 95%% bootstrap interval (%d resamples, seed %llu)\n",
            printable(metric), RESAMPLES, (unsigned long long)seed);
    size_t nmismatches = count_mismatches(mismatch);
    if (nmismatches) fputc('\n', out);
    for (size_t i = 0; i < mismatch->lines.count; i++) fprintf(out, "MISMATCH: %s\n", mismatch->lines.items[i]);
    for (size_t i = 0; i < mismatch->ngroups; i++) {
        const mismatch_group *group = &mismatch->groups[i];
        fprintf(out, "MISMATCH: %s: A %s vs B %s\n", group->what, quoted_list(&group->values_a),
                quoted_list(&group->values_b));
    }
    if (mismatch->more_groups) fprintf(out, "MISMATCH: and %zu more like these\n", mismatch->more_groups);
    if (mismatch->nothing_in_common) fputs("MISMATCH: no configuration is in both A and B\n", out);

    const char *(*cells)[COLUMNS] = allocate((all->compared ? all->compared : 1) * sizeof *cells);
    size_t ncells = 0, nabove = 0, nbelow = 0, nunclear = 0, nwithout = 0;
    for (size_t i = 0; i < all->nrows; i++) {
        const comparison *c = &all->rows[i];
        if (!c->a || !c->b) continue;
        const run *key = c->a->first;
        const char **cell = cells[ncells++];
        cell[0] = printable(key->workload);
        cell[1] = printable(key->size);
        cell[2] = printable(key->seed);
        cell[3] = printable(key->variant);
        cell[4] = format_string("%zu", c->a->nvalues);
        cell[5] = format_string("%zu", c->b->nvalues);
        cell[6] = c->a->nvalues ? format_value(metric, c->median_a) : "-";
        cell[7] = c->b->nvalues ? format_value(metric, c->median_b) : "-";
        cell[8] = c->has_ratio ? format_string("%.3f", c->ratio) : "-";
        cell[9] = c->has_interval ? format_string("[%.3f, %.3f]", c->low, c->high) : "-";
        cell[10] = *c->note ? format_string("%s%s%s", c->mark, *c->mark ? "; " : "", c->note) : c->mark;
        cell[11] = printable(format_string("%s%s%s", key->params, *key->options ? " " : "", key->options));
        if (!c->has_interval) nwithout++;
        else if (c->low > 1) nabove++;
        else if (c->high < 1) nbelow++;
        else nunclear++;
    }
    if (ncells) {
        fputc('\n', out);
        print_table(out, cells, ncells);
    }

    /* What only one side ran: a line per configuration, naming its variants
     * (which sort last, so a configuration's variants are neighbours). */
    for (const result_set *set = a; set; set = set == a ? b : NULL) {
        bool any = false;
        for (size_t i = 0; i < set->nconfigs;) {
            if (set->configs[i].matched) {
                i++;
                continue;
            }
            if (!any) fputc('\n', out);
            any = true;
            const run *key = set->configs[i].first;
            fprintf(out, "only in %s: %s:", set->label, describe_config(key));
            for (; i < set->nconfigs; i++) {
                const run *other = set->configs[i].first;
                if (strcmp(other->workload, key->workload) || strcmp(other->size, key->size) ||
                    strcmp(other->seed, key->seed) || strcmp(other->params, key->params) ||
                    strcmp(other->options, key->options))
                    break;
                if (!set->configs[i].matched) fprintf(out, " %s", printable(other->variant));
            }
            fputc('\n', out);
        }
    }
    bool timing = is_timing(metric);
    fprintf(out, "\n%zu configurations compared: %zu %s, %zu %s (95%% interval excludes 1), %zu no clear difference",
            all->compared, nabove, timing ? "slower" : "higher", nbelow, timing ? "faster" : "lower", nunclear);
    if (nwithout) fprintf(out, ", %zu without an interval", nwithout);
    fprintf(out, "%s\n", nmismatches ? "; mismatches called out above" : "");
}

static void write_file(const char *dir, const char *name, const char *contents, size_t length) {
    char *path = format_string("%s/%s", dir, name);
    FILE *file = fopen(path, "wb");
    if (!file) cannot_write("cannot write %s: %s", path, strerror(errno));
    fwrite(contents, 1, length, file);
    if (ferror(file) | (fclose(file) != 0)) cannot_write("cannot write %s: %s", path, strerror(errno ? errno : EIO));
}

/* The whole of an in-memory stream's text. */
typedef struct text_buffer {
    FILE *stream;
    char *text;
    size_t length;
} text_buffer;

static void open_buffer(text_buffer *buffer) {
    buffer->stream = open_memstream(&buffer->text, &buffer->length);
    if (!buffer->stream) bad_input("out of memory");
}

static void close_buffer(text_buffer *buffer) {
    if (fclose(buffer->stream) != 0) bad_input("out of memory");
}

/* ------------------------------------------------------------------------ */

static noreturn void usage_error(const char *problem) {
    bad_input("%s (usage: heaplab compare A B [--metric COLUMN] [--seed S] [--out DIR])", problem);
}

/* The value of option NAME if argv[*i] is it ("--name value" or
 * "--name=value"), stepping past it; NULL if argv[*i] is another. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
    size_t length = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, length) != 0) return NULL;
    const char *value;
    if (arg[length] == '=') value = arg + length + 1;
    else if (arg[length]) return NULL;
    else if (*i + 1 == argc) usage_error(format_string("%s needs a value", name));
    else value = argv[++*i];
    if (!*value) usage_error(format_string("%s needs a value", name));
    return value;
}

int main(int argc, char **argv) {
    const char *metric = DEFAULT_METRIC, *out_dir = NULL, *seed_text = NULL, *dirs[2] = {NULL, NULL};
    size_t ndirs = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (options_done || argv[i][0] != '-') {
            if (ndirs == 2) usage_error(format_string("one folder too many: '%s'", printable(argv[i])));
            dirs[ndirs++] = argv[i];
        } else if (strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if ((value = option_value(argc, argv, &i, "--metric"))) {
            metric = value;
        } else if ((value = option_value(argc, argv, &i, "--seed"))) {
            seed_text = value;
        } else if ((value = option_value(argc, argv, &i, "--out"))) {
            out_dir = value;
        } else {
            usage_error(format_string("unknown option '%s'", printable(argv[i])));
        }
    }
    uint64_t seed = DEFAULT_SEED;
    if (seed_text) {
        char *end;
        errno = 0;
        unsigned long long parsed = strtoull(seed_text, &end, 10);
        if (*end || errno || strspn(seed_text, "0123456789") != strlen(seed_text))
            bad_input("--seed wants a whole number from 0 to 18446744073709551615, not '%s'", printable(seed_text));
        seed = parsed;
    }
    if (ndirs < 2) usage_error(ndirs ? "which result set is B?" : "which two result sets?");
    if (is_identity_column(metric))
        bad_input("--metric wants a measured column such as wall_ns, gc_ns or peak_live_bytes, not '%s' "
                  "(it names the run or its configuration)",
                  printable(metric));

    result_set a = {.label = "A", .dir = dirs[0]}, b = {.label = "B", .dir = dirs[1]};
    read_result_set(&a, metric);
    read_result_set(&b, metric);
    comparisons all = match_configs(&a, &b, metric, seed);
    mismatches mismatch = {0};
    compare_meta(&mismatch, &a, &b);
    compare_schemas(&mismatch, &a, &b);
    compare_unmatched(&mismatch, &a, &b);
    compare_checksums(&mismatch, &all);
    size_t nmismatches = count_mismatches(&mismatch);

    text_buffer report;
    open_buffer(&report);
    write_report(report.stream, &a, &b, &all, &mismatch, metric, seed);
    close_buffer(&report);
    if (out_dir) {
        text_buffer table, plot;
        open_buffer(&table);
        write_csv(table.stream, &all, metric);
        close_buffer(&table);
        open_buffer(&plot);
        write_plot_data(plot.stream, &all);
        close_buffer(&plot);
        write_file(out_dir, "compare.txt", report.text, report.length);
        write_file(out_dir, "compare.csv", table.text, table.length);
        write_file(out_dir, "compare.plot.tsv", plot.text, plot.length);
        free(table.text);
        free(plot.text);
    }
    fwrite(report.text, 1, report.length, stdout);
    free(report.text);
    if (fflush(stdout) != 0) return 2;
    return nmismatches ? 1 : 0;
}
