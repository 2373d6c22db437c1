/*
 * Basic buffer, scatter/gather and rank types shared by every DAOS API.
 * Layouts are fixed by the ABI: applications fill these structures by
 * hand, positionally, so field order and widths must never change.
 */
#ifndef GURT_TYPES_H
#define GURT_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <uuid/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A caller-owned buffer: capacity and the bytes in use are kept apart so
 * one iov can serve as both an input and an output. */
typedef struct {
	void	*iov_buf;
	size_t	 iov_buf_len;	/* capacity of iov_buf */
	size_t	 iov_len;	/* bytes of valid data */
} d_iov_t;

typedef struct {
	uint32_t	 sg_nr;		/* iovs supplied */
	uint32_t	 sg_nr_out;	/* iovs holding data after a read */
	d_iov_t		*sg_iovs;
} d_sg_list_t;

typedef uint32_t d_rank_t;

typedef struct {
	d_rank_t	*rl_ranks;
	uint32_t	 rl_nr;
} d_rank_list_t;

typedef char *d_string_t;
typedef const char *d_const_string_t;

static inline void
d_iov_set(d_iov_t *iov, void *buf, size_t size)
{
	iov->iov_buf = buf;
	iov->iov_buf_len = size;
	iov->iov_len = size;
}

#ifdef __cplusplus
}
#endif

#endif /* GURT_TYPES_H */
