/*
 * tcmalloc: gperftools' thread-caching allocator (Debian's
 * libgoogle-perftools-dev), the minimal build without the heap profiler's
 * sampling hooks. Size classes with per-thread free lists in front of a
 * central cache and a page heap; tc_free_sized skips the page-map lookup that
 * finds a block's size class. Like jemalloc and mimalloc, linking it also
 * makes it the process's malloc.
 *
 * Footprint is "generic.total_physical_bytes": what tcmalloc holds mapped
 * from the OS (the page heap's free pages and the caches' free blocks
 * included, pages it has released back left out) plus its metadata.
 */
// link: -ltcmalloc_minimal
#include "../alloc.h"

#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>

const char alloc_name[] = "tcmalloc";
const bool alloc_frees = true;
const knob alloc_knobs[] = {{NULL}};

void alloc_set_knob(int index, double value) {
    (void)index;
    (void)value;
}

/* tcmalloc's size classes from 16 bytes up are multiples of 16 (its
 * alignment guarantee for blocks of 16 bytes or more). */
void *alloc_allocate(size_t size) { return tc_malloc(size < 16 ? 16 : size); }

void alloc_free(void *ptr, size_t size) { tc_free_sized(ptr, size < 16 ? 16 : size); }

#if defined(__SANITIZE_ADDRESS__)
/* tcmalloc registers its MallocExtension singleton with operator new at
 * start-up and never frees it: not this heap's leak. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:MallocExtension::Register\n"; }
#endif

size_t alloc_footprint(void) {
    size_t bytes = 0;
    if (!MallocExtension_GetNumericProperty("generic.total_physical_bytes", &bytes)) return 0;
    return bytes;
}
