/*
 * A window into gms's generations and remembered set, for its unit tests
 * only: nothing in the harness or the other collectors includes this.
 */
#ifndef HEAPLAB_GMS_INSPECT_H
#define HEAPLAB_GMS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "../object.h"

typedef struct gms_census {
    size_t young_objects;      /* allocated since the last collection */
    size_t old_objects;        /* survivors of a collection, garbage or not */
    size_t remembered_objects; /* old objects whose slots the next young collection rescans */
    size_t remembered_values;  /* young values stored into old objects too large to rescan */
} gms_census;

void gms_take_census(heap *h, gms_census *census);
/* Whether o has survived a collection (its sticky mark bit). */
bool gms_is_old(const obj *o);
/* Whether o is on the remembered set: an old object whose slots, or a
 * young value that, the next young collection takes as roots. */
bool gms_is_remembered(const obj *o);
/* The most slots an old object may have and still be remembered itself. */
size_t gms_rescan_limit(void);

#endif
