#include "machine.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void unknown(char *out, size_t size) { snprintf(out, size, "unknown"); }

void machine_name(char *out, size_t size) {
    if (gethostname(out, size) != 0 || !out[0]) unknown(out, size);
    out[size - 1] = '\0';
}

void machine_cpu_model(char *out, size_t size) {
    unknown(out, size);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *value = strchr(line, ':');
        if (!value) continue;
        for (value++; *value == ' ' || *value == '\t'; value++) {}
        size_t n = strcspn(value, "\n");
        while (n && (value[n - 1] == ' ' || value[n - 1] == '\t')) n--;
        if (n) snprintf(out, size, "%.*s", (int)n, value);
        break;
    }
    fclose(f);
}

uint64_t machine_available_memory(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) break;
    fclose(f);
    return (uint64_t)kib * 1024;
}
