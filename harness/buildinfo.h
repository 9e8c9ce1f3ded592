/* How this harness was built, recorded in every summary: written by the
 * Makefile (scripts/buildinfo) into $(BUILD)/gen/buildinfo.c, and rewritten
 * only when it changes, so builds stay incremental. */
#ifndef HEAPLAB_BUILDINFO_H
#define HEAPLAB_BUILDINFO_H

extern const char build_compiler[]; /* the first line of `$(CC) --version` */
extern const char build_cflags[];   /* the flags every object was compiled with */
extern const char build_commit[];   /* the commit's hash, "-dirty" if tracked files had changes; or "unknown" */

#endif
