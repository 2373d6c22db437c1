/*
 * Management calls of the client library. Pool and system administration
 * goes through dmg and the control plane; applications may list the
 * system's pools.
 */
#ifndef DAOS_MGMT_H
#define DAOS_MGMT_H

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A pool as daos_mgmt_list_pools gives it. The label (malloc'ed) and the
 * service ranks (d_rank_list_free) are the caller's to free. */
typedef struct {
	uuid_t		 mgpi_uuid;
	d_string_t	 mgpi_label;
	d_rank_list_t	*mgpi_svc;	/* service replicas */
	d_rank_t	 mgpi_ldr;	/* service leader; (d_rank_t)-1: not known */
} daos_mgmt_pool_info_t;

/* The pools of system group (NULL: the default one). *npools in: room in
 * pools (NULL: only count); out: the number of pools. -DER_TRUNC when
 * pools cannot hold them all (nothing written; *npools says how many).
 * Every pool of the system is listed, whether or not this user may
 * connect to it. */
int daos_mgmt_list_pools(const char *group, daos_size_t *npools,
			 daos_mgmt_pool_info_t *pools, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_MGMT_H */
