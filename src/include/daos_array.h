/*
 * Array objects: a one-dimensional array of fixed-size cells stored in
 * chunks of chunk_size cells, one dkey per chunk.
 */
#ifndef DAOS_ARRAY_H
#define DAOS_ARRAY_H

#include <stdint.h>
#include <stdbool.h>

#include <daos_types.h>
#include <daos_obj.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on ranges in one I/O descriptor. */
#define DAOS_ARRAY_LIST_IO_LIMIT	16384
/* Ranges at most this many cells long may be coalesced. */
#define DAOS_ARRAY_RG_LEN_THD		16

typedef struct {
	daos_size_t	 arr_nr;		/* ranges in arr_rgs */
	daos_range_t	*arr_rgs;
	daos_size_t	 arr_nr_short_read;	/* out: cells past the end */
	daos_size_t	 arr_nr_read;		/* out: cells within the size */
} daos_array_iod_t;

typedef struct {
	daos_size_t	st_size;	/* cells */
	daos_epoch_t	st_max_epoch;
} daos_array_stbuf_t;

/* add_attr: the cell and chunk sizes are stored in the object by
 * daos_array_create (DAOS_OT_ARRAY); otherwise the caller supplies them
 * on every open (DAOS_OT_ARRAY_ATTR). */
static inline int
daos_array_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, bool add_attr,
			daos_oclass_id_t cid, daos_oclass_hints_t hints,
			uint32_t args)
{
	enum daos_otype_t type;

	type = add_attr ? DAOS_OT_ARRAY : DAOS_OT_ARRAY_ATTR;
	return daos_obj_generate_oid(coh, oid, type, cid, hints, args);
}

/* -DER_EXIST if the array was already created. */
int daos_array_create(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
		      daos_size_t cell_size, daos_size_t chunk_size,
		      daos_handle_t *oh, daos_event_t *ev);
/* Returns the stored sizes; -DER_NONEXIST if never created. */
int daos_array_open(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
		    unsigned int mode, daos_size_t *cell_size,
		    daos_size_t *chunk_size, daos_handle_t *oh,
		    daos_event_t *ev);
/* Open with caller-supplied sizes, nothing read from the object. */
int daos_array_open_with_attr(daos_handle_t coh, daos_obj_id_t oid,
			      daos_handle_t th, unsigned int mode,
			      daos_size_t cell_size, daos_size_t chunk_size,
			      daos_handle_t *oh, daos_event_t *ev);
int daos_array_local2global(daos_handle_t oh, d_iov_t *glob);
int daos_array_global2local(daos_handle_t coh, d_iov_t glob,
			    unsigned int mode, daos_handle_t *oh);
int daos_array_close(daos_handle_t oh, daos_event_t *ev);
int daos_array_get_attr(daos_handle_t oh, daos_size_t *chunk_size,
			daos_size_t *cell_size);

int daos_array_read(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod,
		    d_sg_list_t *sgl, daos_event_t *ev);
int daos_array_write(daos_handle_t oh, daos_handle_t th,
		     daos_array_iod_t *iod, d_sg_list_t *sgl,
		     daos_event_t *ev);
/* 1 + the highest cell written, or as set by daos_array_set_size. */
int daos_array_get_size(daos_handle_t oh, daos_handle_t th, daos_size_t *size,
			daos_event_t *ev);
int daos_array_set_size(daos_handle_t oh, daos_handle_t th, daos_size_t size,
			daos_event_t *ev);
int daos_array_stat(daos_handle_t oh, daos_handle_t th,
		    daos_array_stbuf_t *stbuf, daos_event_t *ev);
/* Punch the cells of the listed ranges; they read back as zeros. */
int daos_array_punch(daos_handle_t oh, daos_handle_t th,
		     daos_array_iod_t *iod, daos_event_t *ev);
/* Remove the whole array, attributes included. */
int daos_array_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_ARRAY_H */
