#include "knob.h"

#include <string.h>

int knob_find(const knob *table, const char *name) {
    for (int i = 0; table[i].name; i++)
        if (strcmp(table[i].name, name) == 0) return i;
    return -1;
}
