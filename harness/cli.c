#include "cli.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "metrics.h"
#include "series.h"

/* Below this no heap can start: the root stack and a handful of objects. */
#define MIN_HEAP_LIMIT (64 * 1024)
/* Reachability passes ride on the memory curve's samples, which are at
 * least this far apart: a shorter interval could not be honoured. */
#define MIN_TRASH_EVERY SERIES_FIRST_INTERVAL

/* One line on stderr, its control characters made printable. */
static void print_message(const char *format, va_list args) {
    char line[2048];
    vsnprintf(line, sizeof line, format, args);
    cli_printable(line);
    fprintf(stderr, "heaplab: %s\n", line);
}

void cli_message(const char *format, ...) {
    va_list args;
    va_start(args, format);
    print_message(format, args);
    va_end(args);
}

void cli_fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    print_message(format, args);
    va_end(args);
    exit(EXIT_BAD_INPUT);
}

/* C0 controls, DEL, and C1 controls as UTF-8 (U+0080..U+009F, which some
 * terminals obey too) become '?': a message stays one line, and text from
 * an argument or a file cannot drive the terminal. */
void cli_printable(char *text) {
    for (unsigned char *p = (unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            *p = '?';
            memmove(p + 1, p + 2, strlen((char *)p + 2) + 1);
        }
    }
}

/* The one way numbers are written on the command line (and in sweep
 * files, whose values the harness judges): plain decimal digits, a leading
 * '-' where the value may be negative, one '.' between digits where it may
 * have a fraction. No '+', blanks, exponent, hexadecimal, "inf" or "nan";
 * leading zeros are no part of the number. */
bool cli_is_decimal(const char *text, bool negative, bool fraction) {
    const char *p = text;
    if (negative && *p == '-') p++;
    size_t digits = strspn(p, "0123456789");
    if (!digits) return false;
    p += digits;
    if (fraction && *p == '.') {
        digits = strspn(p + 1, "0123456789");
        if (!digits) return false;
        p += 1 + digits;
    }
    return *p == '\0';
}

static uint64_t parse_scaled(const char *text, const char *what, uint64_t min, uint64_t max, bool suffixes) {
    const char *p = text;
    if (*p < '0' || *p > '9') cli_fail("%s must be a whole number, not '%s'", what, text);
    uint64_t value = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (value > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) cli_fail("%s '%s' is too large", what, text);
        value = value * 10 + (uint64_t)(*p - '0');
    }
    if (suffixes && *p && !p[1]) {
        unsigned shift = *p == 'K' || *p == 'k' ? 10 : *p == 'M' || *p == 'm' ? 20 : *p == 'G' || *p == 'g' ? 30 : 0;
        if (shift) {
            if (value > (UINT64_MAX >> shift)) cli_fail("%s '%s' is too large", what, text);
            value <<= shift;
            p++;
        }
    }
    if (*p) cli_fail("%s must be a whole number%s, not '%s'", what, suffixes ? " (with K, M or G)" : "", text);
    if (value < min) cli_fail("%s must be at least %llu, not %s", what, (unsigned long long)min, text);
    if (value > max) cli_fail("%s must be at most %llu, not %s", what, (unsigned long long)max, text);
    return value;
}

uint64_t cli_parse_count(const char *text, const char *what, uint64_t min, uint64_t max) {
    return parse_scaled(text, what, min, max, false);
}

uint64_t cli_parse_bytes(const char *text, const char *what, uint64_t min, uint64_t max) {
    return parse_scaled(text, what, min, max, true);
}

/* Text already found decimal, as a double: read in the C locale whatever
 * the process's, which a library may have set. */
static double decimal_value(const char *text) {
    static locale_t c_locale;
    if (!c_locale) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c_locale ? strtod_l(text, NULL, c_locale) : strtod(text, NULL);
}

static double parse_knob_value(const knob *k, const char *text) {
    if (!cli_is_decimal(text, true, true)) cli_fail("--%s must be a number, not '%s'", k->name, text);
    if (k->integer && !cli_is_decimal(text, true, false))
        cli_fail("--%s must be a whole number, not '%s'", k->name, text);
    double value = decimal_value(text);
    if (!isfinite(value)) cli_fail("--%s must be between %.15g and %.15g, not %s", k->name, k->min, k->max, text);
    if (value < k->min || value > k->max) cli_fail("--%s must be between %.15g and %.15g, not %s", k->name, k->min, k->max, text);
    if (!knob_on_step(k, value))
        cli_fail("--%s must be one of %.15g, %.15g, ... %.15g, not %s", k->name, k->min, k->min + k->step, k->max, text);
    return value;
}

/* The value of `--name=value` or `--name value`; advances *i past it. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
    const char *eq = strchr(argv[*i], '=');
    if (eq) return eq + 1;
    if (*i + 1 >= argc) cli_fail("%s needs a value", name);
    return argv[++*i];
}

static bool option_is(const char *arg, const char *name) {
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static void once(bool *seen, const char *name) {
    if (*seen) cli_fail("%s given twice", name);
    *seen = true;
}

void cli_parse_run(int argc, char **argv, run_options *o) {
    memset(o, 0, sizeof *o);
    if (argc < 1) cli_fail("no workload given (try 'heaplab list')");
    o->workload = workload_find(argv[0]);
    if (!o->workload) cli_fail("unknown workload '%s' (try 'heaplab list')", argv[0]);
    const workload *w = o->workload;

    heap_config_init(&o->config);
    for (int i = 0; w->params[i].name; i++) o->params[i] = w->params[i].default_value;
    for (int i = 0; alloc_knobs[i].name && i < HEAP_MAX_KNOBS; i++) o->alloc_knobs[i] = alloc_knobs[i].default_value;
    o->args.size = w->default_size;
    o->args.seed = 1;
    o->cascade_timed_after = gc_traits.cascade_timed_after ? gc_traits.cascade_timed_after : CASCADE_TIMED_AFTER_DEFAULT;
    o->args.params = o->params;

    bool seen_size = false, seen_seed = false, seen_stress = false, seen_verify = false, seen_json = false,
         seen_limit = false, seen_series = false, seen_mmu = false, seen_trash = false, seen_fail = false,
         seen_timed = false,
         seen_param[64] = {false};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (option_is(arg, "--size")) {
            once(&seen_size, "--size");
            o->args.size = cli_parse_count(option_value(argc, argv, &i, "--size"), "--size", 1, w->max_size);
        } else if (option_is(arg, "--seed")) {
            once(&seen_seed, "--seed");
            o->args.seed = cli_parse_count(option_value(argc, argv, &i, "--seed"), "--seed", 0, UINT64_MAX);
        } else if (option_is(arg, "--stress")) {
            once(&seen_stress, "--stress");
            o->config.stress_interval = cli_parse_count(option_value(argc, argv, &i, "--stress"), "--stress", 1, UINT64_MAX);
        } else if (option_is(arg, "--heap-limit")) {
            once(&seen_limit, "--heap-limit");
            o->config.heap_limit_bytes = cli_parse_bytes(option_value(argc, argv, &i, "--heap-limit"), "--heap-limit",
                                                         MIN_HEAP_LIMIT, UINT64_C(1) << 48);
        } else if (option_is(arg, "--fail-after")) {
            once(&seen_fail, "--fail-after");
            o->config.fail_after_allocations =
                cli_parse_count(option_value(argc, argv, &i, "--fail-after"), "--fail-after", 1, UINT64_MAX);
        } else if (option_is(arg, "--cascade-timed-after")) {
            once(&seen_timed, "--cascade-timed-after");
            o->cascade_timed_after = cli_parse_count(option_value(argc, argv, &i, "--cascade-timed-after"),
                                                     "--cascade-timed-after", 2, UINT64_C(1) << 40);
        } else if (option_is(arg, "--trash-every")) {
            once(&seen_trash, "--trash-every");
            o->trash_every_bytes = cli_parse_bytes(option_value(argc, argv, &i, "--trash-every"), "--trash-every",
                                                   MIN_TRASH_EVERY, UINT64_C(1) << 48);
        } else if (option_is(arg, "--series")) {
            once(&seen_series, "--series");
            o->series_path = option_value(argc, argv, &i, "--series");
            if (!*o->series_path) cli_fail("--series needs a file name");
        } else if (option_is(arg, "--mmu")) {
            once(&seen_mmu, "--mmu");
            o->mmu_path = option_value(argc, argv, &i, "--mmu");
            if (!*o->mmu_path) cli_fail("--mmu needs a file name");
        } else if (strcmp(arg, "--verify") == 0) {
            once(&seen_verify, "--verify");
            o->config.verify = true;
        } else if (strcmp(arg, "--json") == 0) {
            once(&seen_json, "--json");
            o->json = true;
        } else if (strncmp(arg, "--", 2) == 0 && arg[2]) {
            /* --NAME=value: a workload parameter, a collector knob or an allocator knob. */
            const char *eq = strchr(arg, '=');
            char name[64];
            size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            if (len >= sizeof name) cli_fail("unknown option '%s'", arg);
            memcpy(name, arg + 2, len);
            name[len] = '\0';
            int p = knob_find(w->params, name), g = knob_find(gc_knobs, name), a = knob_find(alloc_knobs, name);
            const knob *k = p >= 0 ? &w->params[p] : g >= 0 ? &gc_knobs[g] : a >= 0 ? &alloc_knobs[a] : NULL;
            if (!k)
                cli_fail("unknown option '%s' (workload %s takes: %s; see 'heaplab describe %s')", arg, w->name,
                         w->params[0].name ? "its parameters as --NAME=value" : "no parameters", w->name);
            int seen_index = p >= 0 ? p : g >= 0 ? 32 + g : 48 + a;
            if (seen_param[seen_index]) cli_fail("--%s given twice", name);
            seen_param[seen_index] = true;
            double value = parse_knob_value(k, option_value(argc, argv, &i, arg));
            if (p >= 0) o->params[p] = value;
            else if (g >= 0) o->config.knobs[g] = value;
            else o->alloc_knobs[a] = value;
        } else {
            cli_fail("unexpected argument '%s'", arg);
        }
    }
    if (w->check) {
        const char *problem = w->check(&o->args);
        if (problem) cli_fail("%s: %s", w->name, problem);
    }
}

void cli_parse_small_run(const workload *w, uint64_t seed, run_options *options) {
    /* small_args are parameters and a size: nothing the options keep a
     * pointer to, so the split copy may go when this returns. */
    char args[256], seed_arg[40];
    snprintf(args, sizeof args, "%s", w->small_args ? w->small_args : "");
    snprintf(seed_arg, sizeof seed_arg, "--seed=%llu", (unsigned long long)seed);
    char *argv[32] = {(char *)w->name};
    int argc = 1;
    for (char *t = strtok(args, " "); t && argc < 30; t = strtok(NULL, " ")) argv[argc++] = t;
    argv[argc++] = seed_arg;
    cli_parse_run(argc, argv, options);
}
