/*
 * Helpers from libgurt that applications use directly: string and key
 * hashes, rank lists, allocation wrappers and container_of.
 */
#ifndef GURT_COMMON_H
#define GURT_COMMON_H

/* The libc headers DAOS's gurt/common.h brings with it: programs written
 * against DAOS use PRId64, errno, FILE and the like without their own. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <daos_errno.h>
#include <gurt/types.h>
#include <gurt/list.h>
#include <gurt/debug.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* djb2 over exactly len bytes (not NUL-terminated): seed 5381,
 * h = h * 33 + byte, modulo 2^32. */
uint32_t d_hash_string_u32(const char *s, unsigned int len);

/* MurmurHash64A of len bytes with the given seed. */
uint64_t d_hash_murmur64(const unsigned char *key, unsigned int len,
			 unsigned int seed);

/* Allocation wrappers; memory from them is released with d_free. */
void *d_calloc(size_t count, size_t eltsize);
void *d_malloc(size_t size);
void *d_realloc(void *ptr, size_t size);
void d_free(void *ptr);

/* The pointer's own type is kept so the macros also compile as C++. */
#define D_ALLOC(ptr, size) \
	((ptr) = (__typeof__(ptr))d_calloc(1, (size)))
#define D_ALLOC_PTR(ptr) D_ALLOC(ptr, sizeof(*(ptr)))
#define D_ALLOC_ARRAY(ptr, count) \
	((ptr) = (__typeof__(ptr))d_calloc((count), sizeof(*(ptr))))
#define D_REALLOC(newptr, oldptr, size) \
	((newptr) = (__typeof__(oldptr))d_realloc((oldptr), (size)))
#define D_FREE(ptr) do { d_free(ptr); (ptr) = NULL; } while (0)

/* A rank list with room for size ranks, all zero; NULL on no memory. */
d_rank_list_t *d_rank_list_alloc(uint32_t size);
/* Frees the list and its rank array; NULL is accepted. */
void d_rank_list_free(d_rank_list_t *rank_list);

/* Reads environment variable name as a boolean into *bool_val: a decimal
 * integer (as strtoll reads it) is true unless 0, any other value is
 * true. Unset: -DER_NONEXIST and *bool_val unchanged. */
int d_getenv_bool(const char *name, bool *bool_val);

/* Gives sgl nr zeroed iovs; 0 or -DER_NOMEM. */
static inline int
d_sgl_init(d_sg_list_t *sgl, unsigned int nr)
{
	sgl->sg_nr = nr;
	sgl->sg_nr_out = 0;
	sgl->sg_iovs = NULL;
	if (nr == 0)
		return 0;
	sgl->sg_iovs = (d_iov_t *)d_calloc(nr, sizeof(*sgl->sg_iovs));
	return sgl->sg_iovs == NULL ? -DER_NOMEM : 0;
}

/* Releases the iov array and, if free_iovs, every iov's buffer too. */
static inline void
d_sgl_fini(d_sg_list_t *sgl, bool free_iovs)
{
	uint32_t i;

	if (sgl == NULL || sgl->sg_iovs == NULL)
		return;
	if (free_iovs) {
		for (i = 0; i < sgl->sg_nr; i++)
			d_free(sgl->sg_iovs[i].iov_buf);
	}
	d_free(sgl->sg_iovs);
	sgl->sg_iovs = NULL;
	sgl->sg_nr = 0;
	sgl->sg_nr_out = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* GURT_COMMON_H */
