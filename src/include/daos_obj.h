/*
 * Object I/O: a multi-level key-value store where each object holds
 * distribution keys (dkeys), each dkey holds attribute keys (akeys), and
 * each akey holds either one atomic value or an array of records.
 */
#ifndef DAOS_OBJ_H
#define DAOS_OBJ_H

#include <stdint.h>
#include <stdbool.h>

#include <daos_types.h>
#include <daos_obj_class.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Object types: what keys look like and which API owns the object. */
enum daos_otype_t {
	DAOS_OT_MULTI_HASHED	= 0,	/* hashed dkeys and akeys */
	DAOS_OT_OIT		= 1,	/* object index table, internal */
	DAOS_OT_DKEY_UINT64	= 2,	/* integer dkeys */
	DAOS_OT_AKEY_UINT64	= 3,	/* integer akeys */
	DAOS_OT_MULTI_UINT64	= 4,	/* integer dkeys and akeys */
	DAOS_OT_DKEY_LEXICAL	= 5,	/* ordered string dkeys */
	DAOS_OT_AKEY_LEXICAL	= 6,
	DAOS_OT_MULTI_LEXICAL	= 7,
	DAOS_OT_KV_HASHED	= 8,	/* daos_kv_* objects */
	DAOS_OT_KV_UINT64	= 9,
	DAOS_OT_KV_LEXICAL	= 10,
	DAOS_OT_ARRAY		= 11,	/* daos_array_*, attributes stored */
	DAOS_OT_ARRAY_ATTR	= 12,	/* attributes implied by the oid */
	DAOS_OT_ARRAY_BYTE	= 13,	/* byte array, attributes implied */
	DAOS_OT_OIT_V2		= 14,
	DAOS_OT_MAX		= DAOS_OT_OIT_V2,
};

/* Bits of oid.hi owned by the library: type, redundancy, group count.
 * The low 32 bits of hi and all of lo are the application's. */
#define OID_FMT_TYPE_BITS	8
#define OID_FMT_CLASS_BITS	8
#define OID_FMT_META_BITS	16

#define OID_FMT_TYPE_SHIFT	56
#define OID_FMT_CLASS_SHIFT	48
#define OID_FMT_META_SHIFT	32

#define OID_FMT_TYPE_MAX	((1ULL << OID_FMT_TYPE_BITS) - 1)
#define OID_FMT_CLASS_MAX	((1ULL << OID_FMT_CLASS_BITS) - 1)
#define OID_FMT_META_MAX	((1ULL << OID_FMT_META_BITS) - 1)

#define OID_FMT_TYPE_MASK	(OID_FMT_TYPE_MAX << OID_FMT_TYPE_SHIFT)
#define OID_FMT_CLASS_MASK	(OID_FMT_CLASS_MAX << OID_FMT_CLASS_SHIFT)
#define OID_FMT_META_MASK	(OID_FMT_META_MAX << OID_FMT_META_SHIFT)

#define DAOS_OBJ_NIL		((daos_obj_id_t){0})

static inline bool
daos_obj_id_is_nil(daos_obj_id_t oid)
{
	return oid.lo == 0 && oid.hi == 0;
}

static inline bool
daos_oid_cmp(daos_obj_id_t a, daos_obj_id_t b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

static inline enum daos_otype_t
daos_obj_id2type(daos_obj_id_t oid)
{
	return (enum daos_otype_t)((oid.hi & OID_FMT_TYPE_MASK) >>
				   OID_FMT_TYPE_SHIFT);
}

/* Redundancy method (enum daos_obj_redun) the oid was generated with. */
static inline uint32_t
daos_obj_id2ord(daos_obj_id_t oid)
{
	return (uint32_t)((oid.hi & OID_FMT_CLASS_MASK) >>
			  OID_FMT_CLASS_SHIFT);
}

/* The actual number of groups, never the "X" placeholder. */
static inline uint32_t
daos_obj_id2grp_nr(daos_obj_id_t oid)
{
	return (uint32_t)((oid.hi & OID_FMT_META_MASK) >> OID_FMT_META_SHIFT);
}

/* The resolved class: SX generated on 8 targets reads back as S8. */
static inline daos_oclass_id_t
daos_obj_id2class(daos_obj_id_t oid)
{
	uint32_t ord = daos_obj_id2ord(oid);

	return (daos_oclass_id_t)((ord << OC_REDUN_SHIFT) |
				  daos_obj_id2grp_nr(oid));
}

static inline bool
daos_is_dkey_uint64_type(enum daos_otype_t type)
{
	return type == DAOS_OT_DKEY_UINT64 || type == DAOS_OT_MULTI_UINT64 ||
	       type == DAOS_OT_KV_UINT64 || type == DAOS_OT_ARRAY ||
	       type == DAOS_OT_ARRAY_ATTR || type == DAOS_OT_ARRAY_BYTE;
}

static inline bool
daos_is_akey_uint64_type(enum daos_otype_t type)
{
	return type == DAOS_OT_AKEY_UINT64 || type == DAOS_OT_MULTI_UINT64;
}

static inline bool
daos_is_dkey_lexical_type(enum daos_otype_t type)
{
	return type == DAOS_OT_DKEY_LEXICAL || type == DAOS_OT_MULTI_LEXICAL ||
	       type == DAOS_OT_KV_LEXICAL;
}

static inline bool
daos_is_akey_lexical_type(enum daos_otype_t type)
{
	return type == DAOS_OT_AKEY_LEXICAL || type == DAOS_OT_MULTI_LEXICAL;
}

static inline bool
daos_is_kv_type(enum daos_otype_t type)
{
	return type == DAOS_OT_KV_HASHED || type == DAOS_OT_KV_UINT64 ||
	       type == DAOS_OT_KV_LEXICAL;
}

static inline bool
daos_is_array_type(enum daos_otype_t type)
{
	return type == DAOS_OT_ARRAY || type == DAOS_OT_ARRAY_ATTR ||
	       type == DAOS_OT_ARRAY_BYTE;
}

static inline bool
daos_is_dkey_uint64(daos_obj_id_t oid)
{
	return daos_is_dkey_uint64_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_akey_uint64(daos_obj_id_t oid)
{
	return daos_is_akey_uint64_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_dkey_lexical(daos_obj_id_t oid)
{
	return daos_is_dkey_lexical_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_akey_lexical(daos_obj_id_t oid)
{
	return daos_is_akey_lexical_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_kv(daos_obj_id_t oid)
{
	return daos_is_kv_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_array(daos_obj_id_t oid)
{
	return daos_is_array_type(daos_obj_id2type(oid));
}

/* Object open modes. */
#define DAOS_OO_RO		(1 << 1)
#define DAOS_OO_RW		(1 << 2)
#define DAOS_OO_EXCL		(1 << 3)
#define DAOS_OO_IO_RAND		(1 << 4)
#define DAOS_OO_IO_SEQ		(1 << 5)

/* Conditional update/fetch/punch flags. */
#define DAOS_COND_PUNCH		(1 << 0)
#define DAOS_COND_DKEY_INSERT	(1 << 1)
#define DAOS_COND_DKEY_UPDATE	(1 << 2)
#define DAOS_COND_DKEY_FETCH	(1 << 3)
#define DAOS_COND_AKEY_INSERT	(1 << 4)
#define DAOS_COND_AKEY_UPDATE	(1 << 5)
#define DAOS_COND_AKEY_FETCH	(1 << 6)
#define DAOS_COND_PER_AKEY	(1 << 7)

/* daos_obj_query_key flags. */
#define DAOS_GET_MAX		(1 << 0)
#define DAOS_GET_MIN		(1 << 1)
#define DAOS_GET_DKEY		(1 << 2)
#define DAOS_GET_AKEY		(1 << 3)
#define DAOS_GET_RECX		(1 << 4)

/* Record size "unknown": fetch fills it in. */
#define DAOS_REC_ANY		0

typedef struct {
	uint64_t	rx_idx;		/* first record */
	uint64_t	rx_nr;		/* number of records */
} daos_recx_t;

typedef enum {
	DAOS_IOD_NONE		= 0,
	DAOS_IOD_SINGLE		= 1,	/* one atomic value */
	DAOS_IOD_ARRAY		= 2,	/* extents of fixed-size records */
} daos_iod_type_t;

/* What to read or write under one akey. */
typedef struct {
	daos_key_t	 iod_name;	/* the akey */
	daos_iod_type_t	 iod_type;
	daos_size_t	 iod_size;	/* record or value size in bytes */
	uint64_t	 iod_flags;	/* per-akey DAOS_COND_*, if PER_AKEY */
	uint32_t	 iod_nr;	/* extents in iod_recxs; 1 for SINGLE */
	daos_recx_t	*iod_recxs;
} daos_iod_t;

/* iom_flags: also list every extent holding data in iom_recxs (without
 * it only iom_recx_lo/hi); NULL iom_recxs: the library allocates them
 * (iom_nr = iom_nr_out), for the caller to free(). */
#define DAOS_IOMF_DETAIL	(0x1U)

/* Where data actually exists within a fetched akey. */
typedef struct {
	daos_iod_type_t	 iom_type;
	uint32_t	 iom_nr;	/* capacity of iom_recxs */
	uint32_t	 iom_nr_out;	/* extents found */
	uint32_t	 iom_flags;
	daos_size_t	 iom_size;
	daos_recx_t	 iom_recx_lo;
	daos_recx_t	 iom_recx_hi;
	daos_recx_t	*iom_recxs;
} daos_iom_t;

typedef struct {
	daos_size_t	kd_key_len;
	uint32_t	kd_val_type;
} daos_key_desc_t;

/* Callers built against these headers reference the versioned symbol. */
#define daos_obj_generate_oid daos_obj_generate_oid2

/* Fill the library bits of oid->hi for this type and class (OC_UNKNOWN:
 * chosen from the container's redundancy and the hints). The result is
 * the same in every process for the same container and inputs. */
int daos_obj_generate_oid(daos_handle_t coh, daos_obj_id_t *oid,
			  enum daos_otype_t type, daos_oclass_id_t cid,
			  daos_oclass_hints_t hints, uint32_t args);

int daos_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode,
		  daos_handle_t *oh, daos_event_t *ev);
int daos_obj_close(daos_handle_t oh, daos_event_t *ev);

/* Remove the whole object, or the listed dkeys, or akeys under a dkey. */
int daos_obj_punch(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		   daos_event_t *ev);
int daos_obj_punch_dkeys(daos_handle_t oh, daos_handle_t th, uint64_t flags,
			 unsigned int nr, daos_key_t *dkeys,
			 daos_event_t *ev);
int daos_obj_punch_akeys(daos_handle_t oh, daos_handle_t th, uint64_t flags,
			 daos_key_t *dkey, unsigned int nr, daos_key_t *akeys,
			 daos_event_t *ev);

int daos_obj_update(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		    daos_key_t *dkey, unsigned int nr, daos_iod_t *iods,
		    d_sg_list_t *sgls, daos_event_t *ev);
int daos_obj_fetch(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		   daos_key_t *dkey, unsigned int nr, daos_iod_t *iods,
		   d_sg_list_t *sgls, daos_iom_t *ioms, daos_event_t *ev);

/* Key listing: up to *nr keys packed into sgl, lengths in kds, *nr set
 * to the count returned; the anchor reaches EOF after the last key. */
int daos_obj_list_dkey(daos_handle_t oh, daos_handle_t th, uint32_t *nr,
		       daos_key_desc_t *kds, d_sg_list_t *sgl,
		       daos_anchor_t *anchor, daos_event_t *ev);
/* Parallel listing: an object's dkeys split into one anchor per group of
 * its layout, each listing that group only. *nr in: anchors wanted (0: the
 * number recommended, which any other value must equal, as in DAOS), out:
 * that number; anchors (optional) are set. anchor_set sets one. */
int daos_obj_anchor_split(daos_handle_t oh, uint32_t *nr, daos_anchor_t *anchors);
int daos_obj_anchor_set(daos_handle_t oh, uint32_t index, daos_anchor_t *anchor);
int daos_obj_list_akey(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey,
		       uint32_t *nr, daos_key_desc_t *kds, d_sg_list_t *sgl,
		       daos_anchor_t *anchor, daos_event_t *ev);
int daos_obj_list_recx(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey,
		       daos_key_t *akey, daos_size_t *size, uint32_t *nr,
		       daos_recx_t *recxs, daos_epoch_range_t *eprs,
		       daos_anchor_t *anchor, bool incr_order,
		       daos_event_t *ev);

/* Greatest or smallest dkey, akey or extent (DAOS_GET_* flags) of an
 * object with integer keys. */
int daos_obj_query_key(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		       daos_key_t *dkey, daos_key_t *akey, daos_recx_t *recx,
		       daos_event_t *ev);
/* The highest epoch at which the object was updated. */
int daos_obj_query_max_epoch(daos_handle_t oh, daos_handle_t th,
			     daos_epoch_t *epoch, daos_event_t *ev);

/*
 * Object index tables: the ids of the objects a snapshot holds, made by
 * daos_cont_create_snap_opt with DAOS_SNAP_OPT_OIT and removed with the
 * snapshot. Each id may carry a marker of up to DAOS_OIT_MARKER_MAX_LEN
 * bytes (a checker's progress, say), kept in the table.
 */
#define DAOS_OIT_MARKER_MAX_LEN	(32)

/* -DER_NONEXIST when the snapshot at epoch has no table. */
int daos_oit_open(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *oh,
		  daos_event_t *ev);
int daos_oit_close(daos_handle_t oh, daos_event_t *ev);
/* *oids_nr in: room in oids; out: ids returned. Start with a zeroed
 * anchor; the listing is over when daos_anchor_is_eof(anchor). */
int daos_oit_list(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr,
		  daos_anchor_t *anchor, daos_event_t *ev);
/* marker NULL clears the id's marker; -DER_NONEXIST for an id not in
 * the table. */
int daos_oit_mark(daos_handle_t oh, daos_obj_id_t oid, d_iov_t *marker,
		  daos_event_t *ev);
int daos_oit_list_unmarked(daos_handle_t oh, daos_obj_id_t *oids,
			   uint32_t *oids_nr, daos_anchor_t *anchor,
			   daos_event_t *ev);
/* Called for each id listed, with its marker (NULL: none): positive keeps
 * the id, 0 leaves it out, negative ends the listing with that code. */
typedef int (daos_oit_filter_cb)(daos_obj_id_t oid, d_iov_t *marker);
int daos_oit_list_filter(daos_handle_t oh, daos_obj_id_t *oids,
			 uint32_t *oids_nr, daos_anchor_t *anchor,
			 daos_oit_filter_cb filter, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_OBJ_H */
