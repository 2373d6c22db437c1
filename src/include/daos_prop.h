/*
 * Pool and container properties: a list of typed entries, each holding
 * an integer, a string or a pointer depending on its type.
 */
#ifndef DAOS_PROP_H
#define DAOS_PROP_H

#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <daos_types.h>
#include <daos_security.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pool property types. 10 is unused: it was a property since dropped. */
enum daos_pool_props {
	DAOS_PROP_PO_MIN		= 0,
	DAOS_PROP_PO_LABEL		= 1,	/* string */
	DAOS_PROP_PO_ACL		= 2,	/* struct daos_acl * */
	DAOS_PROP_PO_SPACE_RB		= 3,	/* percent reserved for rebuild */
	DAOS_PROP_PO_SELF_HEAL		= 4,
	DAOS_PROP_PO_RECLAIM		= 5,
	DAOS_PROP_PO_OWNER		= 6,	/* string */
	DAOS_PROP_PO_OWNER_GROUP	= 7,	/* string */
	DAOS_PROP_PO_SVC_LIST		= 8,	/* d_rank_list_t * */
	DAOS_PROP_PO_EC_CELL_SZ		= 9,
	DAOS_PROP_PO_REDUN_FAC		= 11,
	DAOS_PROP_PO_EC_PDA		= 12,
	DAOS_PROP_PO_RP_PDA		= 13,
	DAOS_PROP_PO_GLOBAL_VERSION	= 14,
	DAOS_PROP_PO_UPGRADE_STATUS	= 15,
	DAOS_PROP_PO_SCRUB_MODE		= 16,
	DAOS_PROP_PO_SCRUB_FREQ		= 17,
	DAOS_PROP_PO_SCRUB_THRESH	= 18,
	DAOS_PROP_PO_SVC_REDUN_FAC	= 19,
	DAOS_PROP_PO_OBJ_VERSION	= 20,
	DAOS_PROP_PO_PERF_DOMAIN	= 21,
	DAOS_PROP_PO_CHECKPOINT_MODE	= 22,
	DAOS_PROP_PO_CHECKPOINT_FREQ	= 23,
	DAOS_PROP_PO_CHECKPOINT_THRESH	= 24,
	DAOS_PROP_PO_REINT_MODE		= 25,
	DAOS_PROP_PO_SVC_OPS_ENABLED	= 26,
	DAOS_PROP_PO_SVC_OPS_ENTRY_AGE	= 27,
	DAOS_PROP_PO_DATA_THRESH	= 28,
	DAOS_PROP_PO_MAX,
};

/* Container property types. */
enum daos_cont_props {
	DAOS_PROP_CO_MIN		= 0x1000,
	DAOS_PROP_CO_LABEL		= 0x1001,	/* string */
	DAOS_PROP_CO_LAYOUT_TYPE	= 0x1002,	/* daos_cont_layout */
	DAOS_PROP_CO_LAYOUT_VER		= 0x1003,
	DAOS_PROP_CO_CSUM		= 0x1004,
	DAOS_PROP_CO_CSUM_CHUNK_SIZE	= 0x1005,
	DAOS_PROP_CO_CSUM_SERVER_VERIFY	= 0x1006,
	DAOS_PROP_CO_REDUN_FAC		= 0x1007,
	DAOS_PROP_CO_REDUN_LVL		= 0x1008,
	DAOS_PROP_CO_SNAPSHOT_MAX	= 0x1009,
	DAOS_PROP_CO_ACL		= 0x100a,	/* struct daos_acl * */
	DAOS_PROP_CO_COMPRESS		= 0x100b,
	DAOS_PROP_CO_ENCRYPT		= 0x100c,
	DAOS_PROP_CO_OWNER		= 0x100d,	/* string */
	DAOS_PROP_CO_OWNER_GROUP	= 0x100e,	/* string */
	DAOS_PROP_CO_DEDUP		= 0x100f,
	DAOS_PROP_CO_DEDUP_THRESHOLD	= 0x1010,
	DAOS_PROP_CO_ROOTS		= 0x1011,	/* pointer */
	DAOS_PROP_CO_STATUS		= 0x1012,
	DAOS_PROP_CO_ALLOCED_OID	= 0x1013,
	DAOS_PROP_CO_EC_CELL_SZ		= 0x1014,
	DAOS_PROP_CO_EC_PDA		= 0x1015,
	DAOS_PROP_CO_RP_PDA		= 0x1016,
	DAOS_PROP_CO_GLOBAL_VERSION	= 0x1017,
	DAOS_PROP_CO_SCRUBBER_DISABLED	= 0x1018,
	DAOS_PROP_CO_OBJ_VERSION	= 0x1019,
	DAOS_PROP_CO_PERF_DOMAIN	= 0x101a,
	DAOS_PROP_CO_MAX,
};

/* Values of DAOS_PROP_CO_LAYOUT_TYPE (an unnamed enum, as in DAOS, so
 * that comparing them with daos_cont_layout_t values draws no warning;
 * UNKOWN is the misspelling DAOS keeps for old code). */
enum {
	DAOS_PROP_CO_LAYOUT_UNKNOWN	= 0,
	DAOS_PROP_CO_LAYOUT_UNKOWN	= DAOS_PROP_CO_LAYOUT_UNKNOWN,
	DAOS_PROP_CO_LAYOUT_POSIX	= 1,
	DAOS_PROP_CO_LAYOUT_HDF5	= 2,
	DAOS_PROP_CO_LAYOUT_PYTHON	= 3,
	DAOS_PROP_CO_LAYOUT_SPARK	= 4,
	DAOS_PROP_CO_LAYOUT_DATABASE	= 5,
	DAOS_PROP_CO_LAYOUT_ROOT	= 6,
	DAOS_PROP_CO_LAYOUT_SEISMIC	= 7,
	DAOS_PROP_CO_LAYOUT_METEO	= 8,
};

/* A container layout type as the unified namespace and DFS carry it. */
typedef uint16_t daos_cont_layout_t;

/* Reads a layout type name, in any case, with the short forms the daos
 * tool accepts; anything else is DAOS_PROP_CO_LAYOUT_UNKNOWN. */
static inline void
daos_parse_ctype(const char *string, daos_cont_layout_t *type)
{
	static const struct {
		const char		*name;
		daos_cont_layout_t	 type;
	} names[] = {
		{"POSIX", DAOS_PROP_CO_LAYOUT_POSIX},	{"HDF5", DAOS_PROP_CO_LAYOUT_HDF5},
		{"PYTHON", DAOS_PROP_CO_LAYOUT_PYTHON},	{"SPARK", DAOS_PROP_CO_LAYOUT_SPARK},
		{"DATABASE", DAOS_PROP_CO_LAYOUT_DATABASE}, {"DB", DAOS_PROP_CO_LAYOUT_DATABASE},
		{"ROOT", DAOS_PROP_CO_LAYOUT_ROOT},	{"RNTuple", DAOS_PROP_CO_LAYOUT_ROOT},
		{"SEISMIC", DAOS_PROP_CO_LAYOUT_SEISMIC}, {"DSG", DAOS_PROP_CO_LAYOUT_SEISMIC},
		{"METEO", DAOS_PROP_CO_LAYOUT_METEO},	{"FDB", DAOS_PROP_CO_LAYOUT_METEO},
	};
	size_t i;

	*type = DAOS_PROP_CO_LAYOUT_UNKNOWN;
	if (string == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(string, names[i].name) == 0) {
			*type = names[i].type;
			return;
		}
	}
}

/* Writes a layout type's name (at most 8 characters and the NUL). */
static inline void
daos_unparse_ctype(daos_cont_layout_t ctype, char *string)
{
	static const char *const names[] = {"unknown", "POSIX", "HDF5", "PYTHON", "SPARK",
					    "DATABASE", "ROOT", "SEISMIC", "METEO"};

	strcpy(string, ctype < sizeof(names) / sizeof(names[0]) ? names[ctype] : "unknown");
}

/* Values of DAOS_PROP_CO_CSUM. */
enum {
	DAOS_PROP_CO_CSUM_OFF		= 0,
	DAOS_PROP_CO_CSUM_CRC16		= 1,
	DAOS_PROP_CO_CSUM_CRC32		= 2,
	DAOS_PROP_CO_CSUM_CRC64		= 3,
	DAOS_PROP_CO_CSUM_SHA1		= 4,
	DAOS_PROP_CO_CSUM_SHA256	= 5,
	DAOS_PROP_CO_CSUM_SHA512	= 6,
	DAOS_PROP_CO_CSUM_ADLER32	= 7,
};

/* Values of DAOS_PROP_CO_CSUM_SERVER_VERIFY. */
enum {
	DAOS_PROP_CO_CSUM_SV_OFF	= 0,
	DAOS_PROP_CO_CSUM_SV_ON		= 1,
};

/* Values of DAOS_PROP_CO_DEDUP. */
enum {
	DAOS_PROP_CO_DEDUP_OFF		= 0,
	DAOS_PROP_CO_DEDUP_MEMCMP	= 1,
	DAOS_PROP_CO_DEDUP_HASH		= 2,
};

/* Values of DAOS_PROP_CO_COMPRESS. */
enum {
	DAOS_PROP_CO_COMPRESS_OFF	= 0,
	DAOS_PROP_CO_COMPRESS_LZ4	= 1,
	DAOS_PROP_CO_COMPRESS_DEFLATE	= 2,
	DAOS_PROP_CO_COMPRESS_DEFLATE1	= 3,
	DAOS_PROP_CO_COMPRESS_DEFLATE2	= 4,
	DAOS_PROP_CO_COMPRESS_DEFLATE3	= 5,
	DAOS_PROP_CO_COMPRESS_DEFLATE4	= 6,
};

/* Values of DAOS_PROP_CO_ENCRYPT. */
enum {
	DAOS_PROP_CO_ENCRYPT_OFF	= 0,
	DAOS_PROP_CO_ENCRYPT_AES_XTS128	= 1,
	DAOS_PROP_CO_ENCRYPT_AES_XTS256	= 2,
	DAOS_PROP_CO_ENCRYPT_AES_CBC128	= 3,
	DAOS_PROP_CO_ENCRYPT_AES_CBC192	= 4,
	DAOS_PROP_CO_ENCRYPT_AES_CBC256	= 5,
	DAOS_PROP_CO_ENCRYPT_AES_GCM128	= 6,
	DAOS_PROP_CO_ENCRYPT_AES_GCM256	= 7,
};

/* Values of DAOS_PROP_CO_REDUN_FAC: failures the container survives. */
enum {
	DAOS_PROP_CO_REDUN_RF0		= 0,
	DAOS_PROP_CO_REDUN_RF1		= 1,
	DAOS_PROP_CO_REDUN_RF2		= 2,
	DAOS_PROP_CO_REDUN_RF3		= 3,
	DAOS_PROP_CO_REDUN_RF4		= 4,
};

/* Values of DAOS_PROP_CO_REDUN_LVL: the fault domain level. */
enum {
	DAOS_PROP_CO_REDUN_RANK		= 1,
	DAOS_PROP_CO_REDUN_NODE		= 2,
};

/* Values of DAOS_PROP_CO_STATUS. */
enum {
	DAOS_PROP_CO_HEALTHY		= 0,
	DAOS_PROP_CO_UNCLEAN		= 1,
};

/* dcs_flags: the status is being cleared. */
#define DAOS_PROP_CO_CLEAR	0x1

/* DAOS_PROP_CO_STATUS's value, unpacked: flags in bits 48-63, the status
 * in 32-47, the pool map version it was set at in 0-31. */
struct daos_co_status {
	uint16_t	dcs_status;	/* DAOS_PROP_CO_HEALTHY or _UNCLEAN */
	uint16_t	dcs_flags;
	uint32_t	dcs_pm_ver;
};

#define DAOS_PROP_CO_STATUS_VAL(status, flag, pm_ver)			\
	((((uint64_t)(flag)) << 48) | (((uint64_t)(status) & 0xFFFF) << 32) |	\
	 ((uint64_t)(pm_ver)))

static inline uint64_t
daos_prop_co_status_2_val(struct daos_co_status *co_status)
{
	return DAOS_PROP_CO_STATUS_VAL(co_status->dcs_status, co_status->dcs_flags,
				       co_status->dcs_pm_ver);
}

static inline void
daos_prop_val_2_co_status(uint64_t val, struct daos_co_status *co_status)
{
	co_status->dcs_flags = (uint16_t)(val >> 48);
	co_status->dcs_status = (uint16_t)((val >> 32) & 0xFFFF);
	co_status->dcs_pm_ver = (uint32_t)(val & 0xFFFFFFFF);
}

/* DAOS_PROP_CO_ROOTS's value: the object ids a middleware (DFS: the
 * superblock and the root directory) keeps its roots in. */
struct daos_prop_co_roots {
	daos_obj_id_t	cr_oids[4];
};

/* Highest redundancy factors of a pool's data and of its service. */
#define DAOS_PROP_PO_REDUN_FAC_MAX	4
#define DAOS_PROP_PO_SVC_REDUN_FAC_MAX	4

static inline bool
daos_rf_is_valid(unsigned long long rf)
{
	return rf <= DAOS_PROP_PO_REDUN_FAC_MAX;
}

static inline bool
daos_svc_rf_is_valid(uint64_t svc_rf)
{
	return svc_rf <= DAOS_PROP_PO_SVC_REDUN_FAC_MAX;
}

#define DAOS_PROP_LABEL_MAX_LEN		127
#define DAOS_CONT_HINT_MAX_LEN		128

/* dpe_flags: the entry was requested but the service had no value. */
#define DAOS_PROP_ENTRY_NOT_SET		(1 << 0)

struct daos_prop_entry {
	uint32_t	dpe_type;	/* daos_pool_props or daos_cont_props */
	uint16_t	dpe_flags;
	uint16_t	dpe_reserv;
	union {
		uint64_t	 dpe_val;
		d_string_t	 dpe_str;
		void		*dpe_val_ptr;
	};
};

typedef struct {
	uint32_t		 dpp_nr;
	uint32_t		 dpp_reserv;
	struct daos_prop_entry	*dpp_entries;
} daos_prop_t;

static inline bool
daos_label_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '-';
}

/* Labels must never be mistaken for UUIDs, which share the namespace. */
static inline bool
daos_label_looks_like_uuid(const char *label, size_t len)
{
	size_t i;

	if (len != 36)
		return false;
	for (i = 0; i < len; i++) {
		char c = label[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

/* 1 to DAOS_PROP_LABEL_MAX_LEN characters of [A-Za-z0-9._:-], and not a
 * UUID string. */
static inline bool
daos_label_is_valid(const char *label)
{
	size_t len;

	if (label == NULL)
		return false;
	for (len = 0; label[len] != '\0'; len++) {
		if (len >= DAOS_PROP_LABEL_MAX_LEN ||
		    !daos_label_char_ok(label[len]))
			return false;
	}
	if (len == 0)
		return false;
	return !daos_label_looks_like_uuid(label, len);
}

/* A list of entries_nr zeroed entries; NULL on no memory or too many. */
daos_prop_t *daos_prop_alloc(uint32_t entries_nr);
/* Frees the list, its entries and the strings and pointers they own. */
void daos_prop_free(daos_prop_t *prop);
/* Releases what the entries own but keeps the list itself. */
void daos_prop_fini(daos_prop_t *prop);
/* The entry of that type, or NULL. */
struct daos_prop_entry *daos_prop_entry_get(daos_prop_t *prop, uint32_t type);
/* Deep copy of src into dst; dst entries without a match in src are
 * left alone. 0 or -DER_*. */
int daos_prop_copy(daos_prop_t *dst, daos_prop_t *src);
/* Container properties from "name:value;name:value" (len bytes of str at
 * most): label, cksum, cksum_size, srv_cksum, dedup, dedup_threshold,
 * compression, encryption, rd_fac (or rf), ec_cell_sz, ec_pda, rp_pda,
 * perf_domain, the ones set only at creation. Free with daos_prop_free.
 * -DER_INVAL names nothing here, or a read-only property, or a bad value. */
int daos_prop_from_str(const char *str, daos_size_t len, daos_prop_t **prop);
/* A deep copy, checked against the pool (pool true) or container types;
 * NULL on invalid input or no memory. */
daos_prop_t *daos_prop_dup(daos_prop_t *prop, bool pool, bool input);
/* Set the string or pointer value of the entry of that type (copied);
 * a NULL value or a length of 0 clears it. -DER_NONEXIST: no such entry. */
int daos_prop_set_str(daos_prop_t *prop, uint32_t type, const char *str,
		      daos_size_t len);
int daos_prop_set_ptr(daos_prop_t *prop, uint32_t type, const void *ptr,
		      daos_size_t size);
int daos_prop_entry_set_str(struct daos_prop_entry *entry, const char *str,
			    daos_size_t len);
int daos_prop_entry_set_ptr(struct daos_prop_entry *entry, const void *ptr,
			    daos_size_t size);

/* A new list: old_prop's entries, with new_prop's value where it has an
 * entry of the same type, then new_prop's other entries (deep copies).
 * 0, -DER_INVAL or -DER_NOMEM; merge gives NULL on any error. */
int daos_prop_merge2(daos_prop_t *old_prop, daos_prop_t *new_prop,
		     daos_prop_t **out_prop);
daos_prop_t *daos_prop_merge(daos_prop_t *old_prop, daos_prop_t *new_prop);
/* Copy src's pointer value into dst (releasing dst's), as
 * daos_prop_entry_set_ptr with len. */
int daos_prop_entry_dup_ptr(struct daos_prop_entry *entry_dst,
			    struct daos_prop_entry *entry_src, size_t len);
int daos_prop_entry_dup_co_roots(struct daos_prop_entry *dst,
				 struct daos_prop_entry *src);
/* 0 when the two ACL entries hold the same ACL, else -DER_MISMATCH. */
int daos_prop_entry_cmp_acl(struct daos_prop_entry *entry1,
			    struct daos_prop_entry *entry2);
/* Does the entry's type take a string (owner, label) or a pointer (ACL,
 * service ranks, roots)? */
bool daos_prop_has_str(struct daos_prop_entry *entry);
bool daos_prop_has_ptr(struct daos_prop_entry *entry);

static inline bool
daos_prop_is_set(struct daos_prop_entry *entry)
{
	return entry != NULL && !(entry->dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_PROP_H */
