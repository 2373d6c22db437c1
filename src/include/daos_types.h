/*
 * Types shared by every part of the DAOS client API: handles, sizes,
 * epochs, object ids, enumeration anchors, events and container info.
 * Sizes and offsets are x86_64 ABI facts; applications allocate these
 * structures themselves and pass them in.
 */
#ifndef DAOS_TYPES_H
#define DAOS_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <uuid/uuid.h>

#include <daos_errno.h>
#include <gurt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t daos_size_t;
typedef uint64_t daos_off_t;
typedef uint64_t daos_epoch_t;

typedef struct {
	daos_epoch_t	epr_lo;
	daos_epoch_t	epr_hi;
} daos_epoch_range_t;

#define DAOS_EPOCH_MAX		(~0ULL)

/* An opaque reference to a pool, container, object, event queue or
 * transaction; 0 is never a valid cookie. */
typedef struct {
	uint64_t	cookie;
} daos_handle_t;

#define DAOS_HDL_INVAL		((daos_handle_t){0})
#define DAOS_TX_NONE		DAOS_HDL_INVAL

static inline bool
daos_handle_is_inval(daos_handle_t hdl)
{
	return hdl.cookie == 0;
}

static inline bool
daos_handle_is_valid(daos_handle_t hdl)
{
	return hdl.cookie != 0;
}

/* Keys are plain byte buffers. */
typedef d_iov_t daos_key_t;

/* Object id: lo and the low 32 bits of hi are the application's; the top
 * 32 bits of hi carry type, redundancy and group count (daos_obj.h). */
typedef struct {
	uint64_t	lo;
	uint64_t	hi;
} daos_obj_id_t;

/* A run of cells of an array object. */
typedef struct {
	daos_off_t	rg_idx;		/* first cell */
	daos_size_t	rg_len;		/* number of cells */
} daos_range_t;

/* Pool connect flags. */
#define DAOS_PC_RO		(1U << 0)
#define DAOS_PC_RW		(1U << 1)
#define DAOS_PC_EX		(1U << 2)
#define DAOS_PC_NBITS		3
#define DAOS_PC_MASK		((1U << DAOS_PC_NBITS) - 1)

#define DAOS_SYS_NAME_MAX	15
#define DAOS_UUID_STR_SIZE	37	/* 36 characters and the NUL */

/* Transaction flags (daos_tx_open). */
#define DAOS_TF_RDONLY		(1 << 0)

/* Enumeration cursor. Zero it to start; the library owns da_buf. */
typedef enum {
	DAOS_ANCHOR_TYPE_ZERO	= 0,
	DAOS_ANCHOR_TYPE_HKEY	= 1,
	DAOS_ANCHOR_TYPE_KEY	= 2,
	DAOS_ANCHOR_TYPE_EOF	= 3,
} daos_anchor_type_t;

#define DAOS_ANCHOR_BUF_MAX	104

typedef struct {
	uint16_t	da_type;	/* daos_anchor_type_t */
	uint16_t	da_shard;
	uint32_t	da_flags;
	uint64_t	da_sub_anchors;
	uint8_t		da_buf[DAOS_ANCHOR_BUF_MAX];
} daos_anchor_t;

#define DAOS_ANCHOR_INIT	{ 0 }

static inline int
daos_anchor_init(daos_anchor_t *anchor, unsigned int opts)
{
	memset(anchor, 0, sizeof(*anchor));
	anchor->da_flags = opts;
	return 0;
}

/* Anchors own no memory today; kept so callers can pair init/fini. */
static inline void
daos_anchor_fini(daos_anchor_t *anchor)
{
	(void)anchor;
}

static inline bool
daos_anchor_is_eof(daos_anchor_t *anchor)
{
	return anchor->da_type == DAOS_ANCHOR_TYPE_EOF;
}

static inline void
daos_anchor_set_eof(daos_anchor_t *anchor)
{
	anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
}

static inline bool
daos_anchor_is_zero(daos_anchor_t *anchor)
{
	return anchor->da_type == DAOS_ANCHOR_TYPE_ZERO;
}

static inline void
daos_anchor_set_zero(daos_anchor_t *anchor)
{
	anchor->da_type = DAOS_ANCHOR_TYPE_ZERO;
}

/* An asynchronous operation's completion record. The caller owns the
 * memory; ev_private is the library's to use while the event lives. */
typedef struct daos_event {
	int		ev_error;	/* result once completed */
	struct {
		uint64_t	space[20];
	}		ev_private;
	uint64_t	ev_debug;
} daos_event_t;

typedef struct {
	uuid_t		ci_uuid;
	daos_epoch_t	ci_lsnapshot;	/* latest snapshot */
	uint32_t	ci_nhandles;	/* open handles */
	uint32_t	ci_nsnapshots;
	uint64_t	ci_md_otime;	/* last open, HLC */
	uint64_t	ci_md_mtime;	/* last metadata change, HLC */
} daos_cont_info_t;

#ifdef __cplusplus
}
#endif

#endif /* DAOS_TYPES_H */
