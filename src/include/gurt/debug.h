/*
 * Logging macros for programs written against DAOS headers. We have no
 * log facility in the client library, so errors and warnings go to
 * stderr and debug messages are compiled out (their arguments are still
 * type-checked so callers get the same warnings either way).
 */
#ifndef GURT_DEBUG_H
#define GURT_DEBUG_H

#include <stdio.h>
#include <assert.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Debug masks accepted by D_DEBUG; the value is ignored. */
#define DB_ANY	(~0ULL)
#define DB_TRACE (1ULL << 0)
#define DB_MEM	(1ULL << 1)
#define DB_NET	(1ULL << 2)
#define DB_IO	(1ULL << 3)
#define DB_MD	(1ULL << 4)
#define DB_PL	(1ULL << 5)
#define DB_MGMT	(1ULL << 6)
#define DB_EPC	(1ULL << 7)
#define DB_DF	(1ULL << 8)
#define DB_REBUILD (1ULL << 9)
#define DB_SEC	(1ULL << 10)
#define DB_CSUM	(1ULL << 11)

#define D_ERROR(...)	fprintf(stderr, __VA_ARGS__)
#define D_WARN(...)	fprintf(stderr, __VA_ARGS__)
#define D_NOTE(...)	fprintf(stderr, __VA_ARGS__)
#define D_PRINT(...)	fprintf(stdout, __VA_ARGS__)
#define D_INFO(...)	do { if (0) fprintf(stderr, __VA_ARGS__); } while (0)
#define D_DEBUG(mask, ...) \
	do { if (0) { (void)(mask); fprintf(stderr, __VA_ARGS__); } } while (0)

#define D_ASSERT(e)	assert(e)
#define D_ASSERTF(e, ...) \
	do { if (!(e)) { fprintf(stderr, __VA_ARGS__); assert(e); } } while (0)

/* The rc expression runs for its side effect, e.g. D_GOTO(out, rc = -1). */
#define D_GOTO(label, rc) do { (void)(rc); goto label; } while (0)

#ifdef __cplusplus
}
#endif

#endif /* GURT_DEBUG_H */
