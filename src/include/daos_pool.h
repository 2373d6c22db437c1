/* Pool connection and query. */
#ifndef DAOS_POOL_H
#define DAOS_POOL_H

#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_types.h>
#include <daos_prop.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Indexes of the per-media arrays below. */
enum {
	DAOS_MEDIA_SCM	= 0,
	DAOS_MEDIA_NVME	= 1,
	DAOS_MEDIA_MAX	= 2,
};

/* Bytes, per media. */
struct daos_space {
	uint64_t	s_total[DAOS_MEDIA_MAX];
	uint64_t	s_free[DAOS_MEDIA_MAX];
};

struct daos_pool_space {
	struct daos_space	ps_space;	/* whole pool */
	/* Free space across targets, per media. */
	uint64_t		ps_free_min[DAOS_MEDIA_MAX];
	uint64_t		ps_free_max[DAOS_MEDIA_MAX];
	uint64_t		ps_free_mean[DAOS_MEDIA_MAX];
	uint32_t		ps_ntargets;
	uint32_t		ps_padding;
};

/* rs_state of struct daos_rebuild_status. */
enum daos_rebuild_state_t {
	DRS_IN_PROGRESS		= 0,
	DRS_NOT_STARTED		= 1,
	DRS_COMPLETED		= 2,
};

struct daos_rebuild_status {
	uint32_t	rs_version;	/* pool map version rebuilt to */
	uint32_t	rs_seconds;	/* duration */
	int32_t		rs_errno;	/* 0 or negative DER */
	union {
		int32_t	rs_state;
		int32_t	rs_done;
	};
	uint16_t	rs_max_supported_layout_ver;
	uint8_t		rs_flags;
	uint8_t		rs_reserved_;
	int32_t		rs_fail_rank;
	uint64_t	rs_toberb_obj_nr;
	uint64_t	rs_obj_nr;
	uint64_t	rs_rec_nr;
	uint64_t	rs_size;
};

/* pi_bits: which parts of daos_pool_info_t a query should fill. */
enum daos_pool_info_bit {
	DPI_SPACE			= (1ULL << 0),
	DPI_REBUILD_STATUS		= (1ULL << 1),
	DPI_ENGINES_ENABLED		= (1ULL << 2),
	DPI_ENGINES_DISABLED		= (1ULL << 3),
	DPI_ENGINES_DEAD		= (1ULL << 4),
	DPI_REBUILD_MAX_LAYOUT_VER	= (1ULL << 5),
	DPI_SELF_HEAL_POLICY		= (1ULL << 6),
	DPI_ALL				= -1,
};

typedef struct {
	uuid_t				pi_uuid;
	uint32_t			pi_ntargets;
	uint32_t			pi_nnodes;
	uint32_t			pi_ndisabled;	/* disabled targets */
	uint32_t			pi_map_ver;
	uint32_t			pi_leader;	/* service leader rank */
	uint64_t			pi_bits;	/* DPI_* */
	struct daos_pool_space		pi_space;
	struct daos_rebuild_status	pi_rebuild_st;
} daos_pool_info_t;

/* Callers built against these headers reference the versioned symbol. */
#define daos_pool_connect daos_pool_connect2

/* pool: label or UUID string; sys: NULL for the default system; flags
 * DAOS_PC_*; info optional (its pi_bits on input are not trusted). */
int daos_pool_connect(const char *pool, const char *sys, unsigned int flags,
		      daos_handle_t *poh, daos_pool_info_t *info,
		      daos_event_t *ev);
int daos_pool_disconnect(daos_handle_t poh, daos_event_t *ev);

/* Handle sharing: glob->iov_buf NULL asks for the size in iov_buf_len;
 * a buffer too small gives -DER_TRUNC. */
int daos_pool_local2global(daos_handle_t poh, d_iov_t *glob);
int daos_pool_global2local(d_iov_t glob, daos_handle_t *poh);

/* Fills the parts of info selected by info->pi_bits; ranks and prop are
 * optional. */
int daos_pool_query(daos_handle_t poh, d_rank_list_t **ranks,
		    daos_pool_info_t *info, daos_prop_t *pool_prop,
		    daos_event_t *ev);

/* User attributes of the pool, as the container's (daos_cont.h): list
 * packs the names NUL-terminated into buffer and sets *size to what all
 * need; get copies each value as far as its buffer goes and sets its
 * whole size (NULL buffers ask for sizes only). */
int daos_pool_list_attr(daos_handle_t poh, char *buffer, size_t *size,
			daos_event_t *ev);
int daos_pool_get_attr(daos_handle_t poh, int n, char const *const names[],
		       void *const buffers[], size_t sizes[], daos_event_t *ev);
int daos_pool_set_attr(daos_handle_t poh, int n, char const *const names[],
		       void const *const values[], size_t const sizes[],
		       daos_event_t *ev);
int daos_pool_del_attr(daos_handle_t poh, int n, char const *const names[],
		       daos_event_t *ev);

/* A container of the pool, as daos_pool_list_cont gives it. */
struct daos_pool_cont_info {
	uuid_t	pci_uuid;
	char	pci_label[DAOS_PROP_LABEL_MAX_LEN + 1];
};

/* *ncont in: room in cbuf (NULL: only count); out: containers in the
 * pool. -DER_TRUNC when cbuf cannot hold them all (*ncont says how many
 * there are; cbuf holds the first). */
int daos_pool_list_cont(daos_handle_t poh, daos_size_t *ncont,
			struct daos_pool_cont_info *cbuf, daos_event_t *ev);

/* The permissions (enum daos_acl_perm bits) the ACL, owner and owner
 * group in pool_prop grant a local user in the given local groups. */
int daos_pool_get_perms(daos_prop_t *pool_prop, uid_t uid, gid_t *gids,
			size_t nr_gids, uint64_t *perms);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_POOL_H */
