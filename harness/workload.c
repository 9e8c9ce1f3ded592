#include "workload.h"

#include <string.h>

const workload *workload_find(const char *name) {
    for (int i = 0; all_workloads[i]; i++)
        if (strcmp(all_workloads[i]->name, name) == 0) return all_workloads[i];
    return NULL;
}
