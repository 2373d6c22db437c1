/*
 * Object classes: how an object's data is protected (replication or
 * erasure code) and over how many redundancy groups it is spread.
 * A class id is (redundancy << 24) | group count; group count
 * MAX_NUM_GROUPS means "as many as the pool can hold", resolved when the
 * object id is generated. Ids below 2^24 are older fixed classes.
 */
#ifndef DAOS_OBJ_CLASS_H
#define DAOS_OBJ_CLASS_H

#include <stdint.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t daos_oclass_id_t;
typedef uint16_t daos_oclass_hints_t;

#define MAX_NUM_GROUPS		0xFFFF
#define OC_REDUN_SHIFT		24
#define MAX_OBJ_CLASS_NAME_LEN	24

#define OC_CLASS_ID(redun, grp)	(((redun) << OC_REDUN_SHIFT) | (grp))

/* Redundancy methods (the top byte of a class id), with the legacy
 * fixed classes that share the numbering space below 2^24. */
enum daos_obj_redun {
	OC_UNKNOWN	= 0,
	OR_RP_1		= 1,
	OR_RP_2		= 8,
	OR_RP_3		= 9,
	OR_RP_4		= 10,
	OR_RP_5		= 11,
	OR_RP_6		= 12,
	OR_RP_8		= 13,
	OR_RP_12	= 14,
	OR_RP_16	= 15,
	OR_RP_24	= 16,
	OR_RP_32	= 17,
	OR_RP_48	= 18,
	OR_RP_64	= 19,
	OR_RP_128	= 20,
	OR_RS_2P1	= 32,
	OR_RS_2P2	= 33,
	OR_RS_4P1	= 34,
	OR_RS_4P2	= 35,
	OR_RS_8P1	= 36,
	OR_RS_8P2	= 37,
	OR_RS_16P1	= 38,
	OR_RS_16P2	= 39,
	OR_RS_4P3	= 40,
	OR_RS_8P3	= 41,
	OR_RS_16P3	= 42,

	OC_BACK_COMPAT	= 50,
	OC_TINY		= 51,
	OC_SMALL	= 52,
	OC_LARGE	= 53,
	OC_MAX		= 54,
	OC_RP_TINY	= 60,
	OC_RP_SMALL	= 61,
	OC_RP_LARGE	= 62,
	OC_RP_MAX	= 63,
	OC_RP_SF_TINY	= 70,
	OC_RP_SF_SMALL	= 71,
	OC_RP_SF_LARGE	= 72,
	OC_RP_SF_MAX	= 73,
	OC_RP_XSF	= 80,
	OC_EC_TINY	= 100,
	OC_EC_SMALL	= 101,
	OC_EC_LARGE	= 102,
	OC_EC_MAX	= 103,
	OC_RESERVED	= (1 << 30),
};

/* Predefined classes, by the names daos_oclass_name2id accepts
 * (without the OC_ prefix). */
enum daos_obj_class_id {
	/* Single replica, striped over N groups (X: as many as fit). */
	OC_S1               = OC_CLASS_ID(OR_RP_1, 1),
	OC_S2               = OC_CLASS_ID(OR_RP_1, 2),
	OC_S4               = OC_CLASS_ID(OR_RP_1, 4),
	OC_S6               = OC_CLASS_ID(OR_RP_1, 6),
	OC_S8               = OC_CLASS_ID(OR_RP_1, 8),
	OC_S12              = OC_CLASS_ID(OR_RP_1, 12),
	OC_S16              = OC_CLASS_ID(OR_RP_1, 16),
	OC_S32              = OC_CLASS_ID(OR_RP_1, 32),
	OC_SX               = OC_CLASS_ID(OR_RP_1, MAX_NUM_GROUPS),
	/* 2-way replication. */
	OC_RP_2G1           = OC_CLASS_ID(OR_RP_2, 1),
	OC_RP_2G2           = OC_CLASS_ID(OR_RP_2, 2),
	OC_RP_2G4           = OC_CLASS_ID(OR_RP_2, 4),
	OC_RP_2G6           = OC_CLASS_ID(OR_RP_2, 6),
	OC_RP_2G8           = OC_CLASS_ID(OR_RP_2, 8),
	OC_RP_2G12          = OC_CLASS_ID(OR_RP_2, 12),
	OC_RP_2G16          = OC_CLASS_ID(OR_RP_2, 16),
	OC_RP_2G32          = OC_CLASS_ID(OR_RP_2, 32),
	OC_RP_2GX           = OC_CLASS_ID(OR_RP_2, MAX_NUM_GROUPS),
	/* 3-way replication. */
	OC_RP_3G1           = OC_CLASS_ID(OR_RP_3, 1),
	OC_RP_3G2           = OC_CLASS_ID(OR_RP_3, 2),
	OC_RP_3G4           = OC_CLASS_ID(OR_RP_3, 4),
	OC_RP_3G6           = OC_CLASS_ID(OR_RP_3, 6),
	OC_RP_3G8           = OC_CLASS_ID(OR_RP_3, 8),
	OC_RP_3G12          = OC_CLASS_ID(OR_RP_3, 12),
	OC_RP_3G16          = OC_CLASS_ID(OR_RP_3, 16),
	OC_RP_3G32          = OC_CLASS_ID(OR_RP_3, 32),
	OC_RP_3GX           = OC_CLASS_ID(OR_RP_3, MAX_NUM_GROUPS),
	/* 4-way replication. */
	OC_RP_4G1           = OC_CLASS_ID(OR_RP_4, 1),
	OC_RP_4G2           = OC_CLASS_ID(OR_RP_4, 2),
	OC_RP_4G4           = OC_CLASS_ID(OR_RP_4, 4),
	OC_RP_4G6           = OC_CLASS_ID(OR_RP_4, 6),
	OC_RP_4G8           = OC_CLASS_ID(OR_RP_4, 8),
	OC_RP_4G12          = OC_CLASS_ID(OR_RP_4, 12),
	OC_RP_4G16          = OC_CLASS_ID(OR_RP_4, 16),
	OC_RP_4G32          = OC_CLASS_ID(OR_RP_4, 32),
	OC_RP_4GX           = OC_CLASS_ID(OR_RP_4, MAX_NUM_GROUPS),
	/* 5-way replication. */
	OC_RP_5G1           = OC_CLASS_ID(OR_RP_5, 1),
	OC_RP_5G2           = OC_CLASS_ID(OR_RP_5, 2),
	OC_RP_5G4           = OC_CLASS_ID(OR_RP_5, 4),
	OC_RP_5G6           = OC_CLASS_ID(OR_RP_5, 6),
	OC_RP_5G8           = OC_CLASS_ID(OR_RP_5, 8),
	OC_RP_5G12          = OC_CLASS_ID(OR_RP_5, 12),
	OC_RP_5G16          = OC_CLASS_ID(OR_RP_5, 16),
	OC_RP_5G32          = OC_CLASS_ID(OR_RP_5, 32),
	OC_RP_5GX           = OC_CLASS_ID(OR_RP_5, MAX_NUM_GROUPS),
	/* 6-way replication. */
	OC_RP_6G1           = OC_CLASS_ID(OR_RP_6, 1),
	OC_RP_6G2           = OC_CLASS_ID(OR_RP_6, 2),
	OC_RP_6G4           = OC_CLASS_ID(OR_RP_6, 4),
	OC_RP_6G6           = OC_CLASS_ID(OR_RP_6, 6),
	OC_RP_6G8           = OC_CLASS_ID(OR_RP_6, 8),
	OC_RP_6G12          = OC_CLASS_ID(OR_RP_6, 12),
	OC_RP_6G16          = OC_CLASS_ID(OR_RP_6, 16),
	OC_RP_6G32          = OC_CLASS_ID(OR_RP_6, 32),
	OC_RP_6GX           = OC_CLASS_ID(OR_RP_6, MAX_NUM_GROUPS),
	/* Wide replication, one group. */
	OC_RP_12G1          = OC_CLASS_ID(OR_RP_12, 1),
	OC_RP_16G1          = OC_CLASS_ID(OR_RP_16, 1),
	OC_RP_24G1          = OC_CLASS_ID(OR_RP_24, 1),
	OC_RP_32G1          = OC_CLASS_ID(OR_RP_32, 1),
	OC_RP_48G1          = OC_CLASS_ID(OR_RP_48, 1),
	OC_RP_64G1          = OC_CLASS_ID(OR_RP_64, 1),
	OC_RP_128G1         = OC_CLASS_ID(OR_RP_128, 1),
	/* Erasure code, 2 data and 1 parity cells. */
	OC_EC_2P1G1         = OC_CLASS_ID(OR_RS_2P1, 1),
	OC_EC_2P1G2         = OC_CLASS_ID(OR_RS_2P1, 2),
	OC_EC_2P1G4         = OC_CLASS_ID(OR_RS_2P1, 4),
	OC_EC_2P1G6         = OC_CLASS_ID(OR_RS_2P1, 6),
	OC_EC_2P1G8         = OC_CLASS_ID(OR_RS_2P1, 8),
	OC_EC_2P1G12        = OC_CLASS_ID(OR_RS_2P1, 12),
	OC_EC_2P1G16        = OC_CLASS_ID(OR_RS_2P1, 16),
	OC_EC_2P1G32        = OC_CLASS_ID(OR_RS_2P1, 32),
	OC_EC_2P1GX         = OC_CLASS_ID(OR_RS_2P1, MAX_NUM_GROUPS),
	/* Erasure code, 2 data and 2 parity cells. */
	OC_EC_2P2G1         = OC_CLASS_ID(OR_RS_2P2, 1),
	OC_EC_2P2G2         = OC_CLASS_ID(OR_RS_2P2, 2),
	OC_EC_2P2G4         = OC_CLASS_ID(OR_RS_2P2, 4),
	OC_EC_2P2G6         = OC_CLASS_ID(OR_RS_2P2, 6),
	OC_EC_2P2G8         = OC_CLASS_ID(OR_RS_2P2, 8),
	OC_EC_2P2G12        = OC_CLASS_ID(OR_RS_2P2, 12),
	OC_EC_2P2G16        = OC_CLASS_ID(OR_RS_2P2, 16),
	OC_EC_2P2G32        = OC_CLASS_ID(OR_RS_2P2, 32),
	OC_EC_2P2GX         = OC_CLASS_ID(OR_RS_2P2, MAX_NUM_GROUPS),
	/* Erasure code, 4 data and 1 parity cells. */
	OC_EC_4P1G1         = OC_CLASS_ID(OR_RS_4P1, 1),
	OC_EC_4P1G2         = OC_CLASS_ID(OR_RS_4P1, 2),
	OC_EC_4P1G4         = OC_CLASS_ID(OR_RS_4P1, 4),
	OC_EC_4P1G6         = OC_CLASS_ID(OR_RS_4P1, 6),
	OC_EC_4P1G8         = OC_CLASS_ID(OR_RS_4P1, 8),
	OC_EC_4P1G12        = OC_CLASS_ID(OR_RS_4P1, 12),
	OC_EC_4P1G16        = OC_CLASS_ID(OR_RS_4P1, 16),
	OC_EC_4P1G32        = OC_CLASS_ID(OR_RS_4P1, 32),
	OC_EC_4P1GX         = OC_CLASS_ID(OR_RS_4P1, MAX_NUM_GROUPS),
	/* Erasure code, 4 data and 2 parity cells. */
	OC_EC_4P2G1         = OC_CLASS_ID(OR_RS_4P2, 1),
	OC_EC_4P2G2         = OC_CLASS_ID(OR_RS_4P2, 2),
	OC_EC_4P2G4         = OC_CLASS_ID(OR_RS_4P2, 4),
	OC_EC_4P2G6         = OC_CLASS_ID(OR_RS_4P2, 6),
	OC_EC_4P2G8         = OC_CLASS_ID(OR_RS_4P2, 8),
	OC_EC_4P2G12        = OC_CLASS_ID(OR_RS_4P2, 12),
	OC_EC_4P2G16        = OC_CLASS_ID(OR_RS_4P2, 16),
	OC_EC_4P2G32        = OC_CLASS_ID(OR_RS_4P2, 32),
	OC_EC_4P2GX         = OC_CLASS_ID(OR_RS_4P2, MAX_NUM_GROUPS),
	/* Erasure code, 8 data and 1 parity cells. */
	OC_EC_8P1G1         = OC_CLASS_ID(OR_RS_8P1, 1),
	OC_EC_8P1G2         = OC_CLASS_ID(OR_RS_8P1, 2),
	OC_EC_8P1G4         = OC_CLASS_ID(OR_RS_8P1, 4),
	OC_EC_8P1G6         = OC_CLASS_ID(OR_RS_8P1, 6),
	OC_EC_8P1G8         = OC_CLASS_ID(OR_RS_8P1, 8),
	OC_EC_8P1G12        = OC_CLASS_ID(OR_RS_8P1, 12),
	OC_EC_8P1G16        = OC_CLASS_ID(OR_RS_8P1, 16),
	OC_EC_8P1G32        = OC_CLASS_ID(OR_RS_8P1, 32),
	OC_EC_8P1GX         = OC_CLASS_ID(OR_RS_8P1, MAX_NUM_GROUPS),
	/* Erasure code, 8 data and 2 parity cells. */
	OC_EC_8P2G1         = OC_CLASS_ID(OR_RS_8P2, 1),
	OC_EC_8P2G2         = OC_CLASS_ID(OR_RS_8P2, 2),
	OC_EC_8P2G4         = OC_CLASS_ID(OR_RS_8P2, 4),
	OC_EC_8P2G6         = OC_CLASS_ID(OR_RS_8P2, 6),
	OC_EC_8P2G8         = OC_CLASS_ID(OR_RS_8P2, 8),
	OC_EC_8P2G12        = OC_CLASS_ID(OR_RS_8P2, 12),
	OC_EC_8P2G16        = OC_CLASS_ID(OR_RS_8P2, 16),
	OC_EC_8P2G32        = OC_CLASS_ID(OR_RS_8P2, 32),
	OC_EC_8P2GX         = OC_CLASS_ID(OR_RS_8P2, MAX_NUM_GROUPS),
	/* Erasure code, 16 data and 1 parity cells. */
	OC_EC_16P1G1        = OC_CLASS_ID(OR_RS_16P1, 1),
	OC_EC_16P1G2        = OC_CLASS_ID(OR_RS_16P1, 2),
	OC_EC_16P1G4        = OC_CLASS_ID(OR_RS_16P1, 4),
	OC_EC_16P1G6        = OC_CLASS_ID(OR_RS_16P1, 6),
	OC_EC_16P1G8        = OC_CLASS_ID(OR_RS_16P1, 8),
	OC_EC_16P1G12       = OC_CLASS_ID(OR_RS_16P1, 12),
	OC_EC_16P1G16       = OC_CLASS_ID(OR_RS_16P1, 16),
	OC_EC_16P1G32       = OC_CLASS_ID(OR_RS_16P1, 32),
	OC_EC_16P1GX        = OC_CLASS_ID(OR_RS_16P1, MAX_NUM_GROUPS),
	/* Erasure code, 16 data and 2 parity cells. */
	OC_EC_16P2G1        = OC_CLASS_ID(OR_RS_16P2, 1),
	OC_EC_16P2G2        = OC_CLASS_ID(OR_RS_16P2, 2),
	OC_EC_16P2G4        = OC_CLASS_ID(OR_RS_16P2, 4),
	OC_EC_16P2G6        = OC_CLASS_ID(OR_RS_16P2, 6),
	OC_EC_16P2G8        = OC_CLASS_ID(OR_RS_16P2, 8),
	OC_EC_16P2G12       = OC_CLASS_ID(OR_RS_16P2, 12),
	OC_EC_16P2G16       = OC_CLASS_ID(OR_RS_16P2, 16),
	OC_EC_16P2G32       = OC_CLASS_ID(OR_RS_16P2, 32),
	OC_EC_16P2GX        = OC_CLASS_ID(OR_RS_16P2, MAX_NUM_GROUPS),
	/* Erasure code, 4 data and 3 parity cells. */
	OC_EC_4P3G1         = OC_CLASS_ID(OR_RS_4P3, 1),
	OC_EC_4P3G2         = OC_CLASS_ID(OR_RS_4P3, 2),
	OC_EC_4P3G4         = OC_CLASS_ID(OR_RS_4P3, 4),
	OC_EC_4P3G6         = OC_CLASS_ID(OR_RS_4P3, 6),
	OC_EC_4P3G8         = OC_CLASS_ID(OR_RS_4P3, 8),
	OC_EC_4P3G12        = OC_CLASS_ID(OR_RS_4P3, 12),
	OC_EC_4P3G16        = OC_CLASS_ID(OR_RS_4P3, 16),
	OC_EC_4P3G32        = OC_CLASS_ID(OR_RS_4P3, 32),
	OC_EC_4P3GX         = OC_CLASS_ID(OR_RS_4P3, MAX_NUM_GROUPS),
	/* Erasure code, 8 data and 3 parity cells. */
	OC_EC_8P3G1         = OC_CLASS_ID(OR_RS_8P3, 1),
	OC_EC_8P3G2         = OC_CLASS_ID(OR_RS_8P3, 2),
	OC_EC_8P3G4         = OC_CLASS_ID(OR_RS_8P3, 4),
	OC_EC_8P3G6         = OC_CLASS_ID(OR_RS_8P3, 6),
	OC_EC_8P3G8         = OC_CLASS_ID(OR_RS_8P3, 8),
	OC_EC_8P3G12        = OC_CLASS_ID(OR_RS_8P3, 12),
	OC_EC_8P3G16        = OC_CLASS_ID(OR_RS_8P3, 16),
	OC_EC_8P3G32        = OC_CLASS_ID(OR_RS_8P3, 32),
	OC_EC_8P3GX         = OC_CLASS_ID(OR_RS_8P3, MAX_NUM_GROUPS),
	/* Erasure code, 16 data and 3 parity cells. */
	OC_EC_16P3G1        = OC_CLASS_ID(OR_RS_16P3, 1),
	OC_EC_16P3G2        = OC_CLASS_ID(OR_RS_16P3, 2),
	OC_EC_16P3G4        = OC_CLASS_ID(OR_RS_16P3, 4),
	OC_EC_16P3G6        = OC_CLASS_ID(OR_RS_16P3, 6),
	OC_EC_16P3G8        = OC_CLASS_ID(OR_RS_16P3, 8),
	OC_EC_16P3G12       = OC_CLASS_ID(OR_RS_16P3, 12),
	OC_EC_16P3G16       = OC_CLASS_ID(OR_RS_16P3, 16),
	OC_EC_16P3G32       = OC_CLASS_ID(OR_RS_16P3, 32),
	OC_EC_16P3GX        = OC_CLASS_ID(OR_RS_16P3, MAX_NUM_GROUPS),
};

/* How data is laid out and protected within one object. */
enum daos_obj_schema {
	DAOS_OS_SINGLE		= 0,	/* one target */
	DAOS_OS_STRIPED		= 1,	/* fixed stripes */
	DAOS_OS_DYN_STRIPED	= 2,
	DAOS_OS_DYN_CHUNKED	= 3,
};

enum daos_obj_resil {
	DAOS_RES_EC		= 0,
	DAOS_RES_REPL		= 1,
};

struct daos_oclass_attr {
	enum daos_obj_schema	ca_schema;
	enum daos_obj_resil	ca_resil;
	unsigned int		ca_resil_degree;	/* failures tolerated */
	unsigned int		ca_grp_nr;		/* redundancy groups */
	union {
		struct {
			unsigned int	r_proto;
			unsigned int	r_num;		/* replicas */
		} rp;
		struct {
			uint16_t	e_k;		/* data cells */
			uint16_t	e_p;		/* parity cells */
			uint32_t	e_len;		/* cell size */
		} ec;
	} u;
};

/* Hints for daos_obj_generate_oid when the class is OC_UNKNOWN:
 * redundancy (RDD) and sharding (SHD) preferences. */
enum {
	DAOS_OCH_RDD_DEF	= (1 << 0),
	DAOS_OCH_RDD_NO		= (1 << 1),
	DAOS_OCH_RDD_RP		= (1 << 2),
	DAOS_OCH_RDD_EC		= (1 << 3),
	DAOS_OCH_SHD_DEF	= (1 << 4),
	DAOS_OCH_SHD_TINY	= (1 << 5),
	DAOS_OCH_SHD_REG	= (1 << 6),
	DAOS_OCH_SHD_HI		= (1 << 7),
	DAOS_OCH_SHD_EXT	= (1 << 8),
	DAOS_OCH_SHD_MAX	= (1 << 9),
};

#define DAOS_OCH_RDD_MASK	(DAOS_OCH_RDD_DEF | DAOS_OCH_RDD_NO | \
				 DAOS_OCH_RDD_RP | DAOS_OCH_RDD_EC)
#define DAOS_OCH_SHD_MASK	(DAOS_OCH_SHD_DEF | DAOS_OCH_SHD_TINY | \
				 DAOS_OCH_SHD_REG | DAOS_OCH_SHD_HI | \
				 DAOS_OCH_SHD_EXT | DAOS_OCH_SHD_MAX)

/* Exact, case-sensitive name ("SX", "RP_3GX", "EC_2P1GX"); OC_UNKNOWN
 * when the name is not a known class. */
int daos_oclass_name2id(const char *name);
/* Writes the class name into name (room for MAX_OBJ_CLASS_NAME_LEN + 1
 * bytes); "UNKNOWN" and -1 for an unknown id. */
int daos_oclass_id2name(daos_oclass_id_t oc_id, char *name);
/* Every class name, each followed by ", ", into str (size bytes); the
 * length of that list, or -DER_OVERFLOW when it does not fit. */
ssize_t daos_oclass_names_list(size_t size, char *str);
/* How many classes there are (opts is reserved). */
int daos_oclass_nr(int opts);

struct daos_oclass_list {
	uint32_t		 cl_nr;		/* room in cl_cids */
	uint32_t		 cl_nr_out;	/* classes listed */
	daos_oclass_id_t	*cl_cids;
	struct daos_oclass_attr	*cl_cattrs;	/* optional */
};

/* Class attributes are not served to clients, as in DAOS: these return
 * -DER_NOSYS. */
int daos_obj_query_class(daos_handle_t coh, daos_oclass_id_t cid,
			 struct daos_oclass_attr *attr, daos_event_t *ev);
int daos_obj_list_class(daos_handle_t coh, struct daos_oclass_list *list,
			daos_anchor_t *anchor, daos_event_t *ev);
/* Registering custom classes is not supported: -DER_NOSYS. */
int daos_obj_register_class(daos_handle_t coh, daos_oclass_id_t cid,
			    struct daos_oclass_attr *cattr,
			    daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_OBJ_CLASS_H */
