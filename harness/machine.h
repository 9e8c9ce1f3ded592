/* The machine a run runs on, recorded in every summary. */
#ifndef HEAPLAB_MACHINE_H
#define HEAPLAB_MACHINE_H

#include <stddef.h>
#include <stdint.h>

/* The host name ("unknown" if it cannot be had). */
void machine_name(char *out, size_t size);
/* The CPU's model name from /proc/cpuinfo ("unknown" if it says none). */
void machine_cpu_model(char *out, size_t size);
/* Memory the kernel says is available without swapping (MemAvailable in
 * /proc/meminfo), in bytes; 0 if it does not say. */
uint64_t machine_available_memory(void);

#endif
