#include "knob.h"

#include <math.h>
#include <string.h>

int knob_find(const knob *table, const char *name) {
    for (int i = 0; table[i].name; i++)
        if (strcmp(table[i].name, name) == 0) return i;
    return -1;
}

bool knob_on_step(const knob *k, double value) {
    if (k->step == 0) return true;
    double steps = (value - k->min) / k->step;
    /* Decimal steps are not exact in binary: within a millionth of one. */
    return fabs(steps - nearbyint(steps)) < 1e-6;
}
