/* The machine a run runs on, recorded in every summary. */
#ifndef HEAPLAB_MACHINE_H
#define HEAPLAB_MACHINE_H

#include <stddef.h>

/* The host name ("unknown" if it cannot be had). */
void machine_name(char *out, size_t size);
/* The CPU's model name from /proc/cpuinfo ("unknown" if it says none). */
void machine_cpu_model(char *out, size_t size);

#endif
