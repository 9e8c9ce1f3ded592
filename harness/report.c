#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static report_field *add(report *r, const char *name, bool quoted) {
    if (r->count == REPORT_MAX_FIELDS) return &r->fields[REPORT_MAX_FIELDS - 1]; /* never: the fields are fixed */
    report_field *f = &r->fields[r->count++];
    f->name = name;
    f->quoted = quoted;
    f->empty = false;
    return f;
}

void report_text(report *r, const char *name, const char *value) {
    report_field *f = add(r, name, true);
    /* Values are names, hex digits and the build's description (compiler,
     * flags); keep them safe for unquoted CSV and for JSON, and readable:
     * a comma becomes a semicolon, a quote or backslash an underscore. */
    size_t n = 0;
    for (const char *p = value; *p && n < sizeof f->value - 1; p++)
        f->value[n++] = *p == ',' ? ';' : (*p == '"' || *p == '\\' || (unsigned char)*p < 32) ? '_' : *p;
    f->value[n] = '\0';
}

void report_uint(report *r, const char *name, uint64_t value) {
    snprintf(add(r, name, false)->value, sizeof r->fields[0].value, "%" PRIu64, value);
}

void report_double(report *r, const char *name, double value) {
    if (isnan(value)) report_empty(r, name); /* not measured: "nan" is no JSON */
    else snprintf(add(r, name, false)->value, sizeof r->fields[0].value, "%.6g", value);
}

void report_empty(report *r, const char *name) {
    report_field *f = add(r, name, false);
    f->value[0] = '\0';
    f->empty = true;
}

void report_write(const report *r, FILE *out, bool json) {
    static char buffer[REPORT_MAX_FIELDS * 600];
    size_t n = 0;
#define APPEND(...) n += (size_t)snprintf(buffer + n, n < sizeof buffer ? sizeof buffer - n : 0, __VA_ARGS__)
    if (json) {
        APPEND("{");
        for (int i = 0; i < r->count; i++) {
            const report_field *f = &r->fields[i];
            if (f->empty) APPEND("%s\"%s\": null", i ? ", " : "", f->name);
            else APPEND(f->quoted ? "%s\"%s\": \"%s\"" : "%s\"%s\": %s", i ? ", " : "", f->name, f->value);
        }
        APPEND("}\n");
    } else {
        for (int i = 0; i < r->count; i++) APPEND("%s%s", i ? "," : "", r->fields[i].name);
        APPEND("\n");
        for (int i = 0; i < r->count; i++) APPEND("%s%s", i ? "," : "", r->fields[i].value);
        APPEND("\n");
    }
#undef APPEND
    if (n >= sizeof buffer) n = sizeof buffer - 1;
    fwrite(buffer, 1, n, out);
    fflush(out);
}
