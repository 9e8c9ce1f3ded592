/*
 * pymalloc: CPython 3.11's own small-object allocator, PyObject_Malloc and
 * PyObject_Free from libpython, called without initialising the
 * interpreter: in 3.11 its state is static and its allocator table starts
 * out as pymalloc, so it works from the first call.
 *
 * Footprint: the arenas pymalloc has mapped (1 MiB each), read from the
 * "# arenas allocated current" line of _PyObject_DebugMallocStats, plus the
 * requests over 512 bytes that it passes on to malloc, which we count here.
 * Its arena map (the radix tree behind address_in_range, about 640 KiB of
 * mostly untouched malloc'd memory) is left out. Reading the statistics
 * walks every arena, so this is for sampling, not for a hot loop.
 */
// link: -lpython3.11
#include "../alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here rather than through Python.h, which would pull in the
 * whole C API for two functions. */
void *PyObject_Malloc(size_t size);
void PyObject_Free(void *ptr);
int _PyObject_DebugMallocStats(FILE *out);

#define SMALL_LIMIT 512
#define ARENA_SIZE ((size_t)1 << 20)

static size_t large_bytes;

const char alloc_name[] = "pymalloc";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

void *alloc_allocate(size_t size) {
    void *p = PyObject_Malloc(size);
    if (p && size > SMALL_LIMIT) large_bytes += size;
    return p;
}

void alloc_free(void *ptr, size_t size) {
    if (size > SMALL_LIMIT) large_bytes -= size;
    PyObject_Free(ptr);
}

static size_t arenas_current(void) {
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    if (!out) return 0;
    _PyObject_DebugMallocStats(out);
    fclose(out);
    /* "# arenas allocated current = 1,234": digits grouped by commas. */
    size_t arenas = 0;
    const char *line = text ? strstr(text, "# arenas allocated current") : NULL;
    const char *value = line ? strchr(line, '=') : NULL;
    for (; value && *value && *value != '\n'; value++)
        if (isdigit((unsigned char)*value)) arenas = arenas * 10 + (size_t)(*value - '0');
    free(text);
    return arenas;
}

size_t alloc_footprint(void) { return arenas_current() * ARENA_SIZE + large_bytes; }
