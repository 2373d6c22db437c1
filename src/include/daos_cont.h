/* Containers: create, open, query, attributes and snapshots. */
#ifndef DAOS_CONT_H
#define DAOS_CONT_H

#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_types.h>
#include <daos_prop.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Container open flags. */
#define DAOS_COO_RO		(1U << 0)
#define DAOS_COO_RW		(1U << 1)
#define DAOS_COO_EX		(1U << 2)
#define DAOS_COO_FORCE		(1U << 3)
#define DAOS_COO_RO_MDSTATS	(1U << 4)
#define DAOS_COO_EVICT		(1U << 5)
#define DAOS_COO_EVICT_ALL	(1U << 6)
#define DAOS_COO_NEW_LAYOUT	(1U << 7)
#define DAOS_COO_NBITS		8
#define DAOS_COO_MASK		((1U << DAOS_COO_NBITS) - 1)

/* Handle sharing, as for pools; g2l takes the receiver's own pool
 * handle. */
int daos_cont_local2global(daos_handle_t coh, d_iov_t *glob);
int daos_cont_global2local(daos_handle_t poh, d_iov_t glob,
			   daos_handle_t *coh);

/* Callers built against these headers reference the versioned symbols. */
#define daos_cont_create daos_cont_create2
#define daos_cont_open daos_cont_open2
#define daos_cont_destroy daos_cont_destroy2

/* An unlabelled container; its UUID is returned in *uuid. */
int daos_cont_create(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop,
		     daos_event_t *ev);
/* -DER_EXIST if the label is taken; uuid optional. */
int daos_cont_create_with_label(daos_handle_t poh, const char *label,
				daos_prop_t *cont_prop, uuid_t *uuid,
				daos_event_t *ev);
/* cont: label or UUID string; -DER_NONEXIST if there is no such
 * container. info optional. */
int daos_cont_open(daos_handle_t poh, const char *cont, unsigned int flags,
		   daos_handle_t *coh, daos_cont_info_t *info,
		   daos_event_t *ev);
int daos_cont_close(daos_handle_t coh, daos_event_t *ev);
/* force non-zero destroys even while handles are open. */
int daos_cont_destroy(daos_handle_t poh, const char *cont, int force,
		      daos_event_t *ev);

/* info and cont_prop optional; cont_prop entries select what is read
 * (all properties when it has none). */
int daos_cont_query(daos_handle_t coh, daos_cont_info_t *info,
		    daos_prop_t *cont_prop, daos_event_t *ev);
int daos_cont_set_prop(daos_handle_t coh, daos_prop_t *prop,
		       daos_event_t *ev);

/* Marks an UNCLEAN container healthy again (DAOS_PROP_CO_STATUS). */
int daos_cont_status_clear(daos_handle_t coh, daos_event_t *ev);
/* Not offered yet: -DER_NOSYS (no service here aggregates on request,
 * rolls back to a snapshot or reports new epochs). */
int daos_cont_aggregate(daos_handle_t coh, daos_epoch_t epoch, daos_event_t *ev);
int daos_cont_rollback(daos_handle_t coh, daos_epoch_t epoch, daos_event_t *ev);
int daos_cont_subscribe(daos_handle_t coh, daos_epoch_t *epoch, daos_event_t *ev);

/* Access control. get_acl gives a new property list (daos_prop_free)
 * holding DAOS_PROP_CO_ACL, DAOS_PROP_CO_OWNER and _OWNER_GROUP; it needs
 * the get-ACL permission (a). overwrite replaces the ACL, update adds
 * entries (replacing those of the same principals), delete removes one
 * principal's entry (name only for DAOS_ACL_USER and DAOS_ACL_GROUP):
 * they need the set-ACL permission (A). set_owner changes the owner
 * and/or the owner group (NULL keeps one) and needs o; the _no_check
 * variant is the same here, as the service never looks names up. */
int daos_cont_get_acl(daos_handle_t coh, daos_prop_t **acl_prop,
		      daos_event_t *ev);
int daos_cont_overwrite_acl(daos_handle_t coh, struct daos_acl *acl,
			    daos_event_t *ev);
int daos_cont_update_acl(daos_handle_t coh, struct daos_acl *acl,
			 daos_event_t *ev);
int daos_cont_delete_acl(daos_handle_t coh, enum daos_acl_principal_type type,
			 d_string_t name, daos_event_t *ev);
int daos_cont_set_owner(daos_handle_t coh, d_string_t user, d_string_t group,
			daos_event_t *ev);
int daos_cont_set_owner_no_check(daos_handle_t coh, d_string_t user,
				 d_string_t group, daos_event_t *ev);
/* The permissions (enum daos_acl_perm bits) the ACL, owner and owner
 * group in cont_prop grant a local user in the given local groups. */
int daos_cont_get_perms(daos_prop_t *cont_prop, uid_t uid, gid_t *gids,
			size_t nr_gids, uint64_t *perms);

/* User attributes. list_attr packs NUL-terminated names into buffer and
 * sets *size to the total length needed. */
int daos_cont_list_attr(daos_handle_t coh, char *buffer, size_t *size,
			daos_event_t *ev);
int daos_cont_get_attr(daos_handle_t coh, int n, char const *const names[],
		       void *const buffers[], size_t sizes[],
		       daos_event_t *ev);
int daos_cont_set_attr(daos_handle_t coh, int n, char const *const names[],
		       void const *const values[], size_t const sizes[],
		       daos_event_t *ev);
int daos_cont_del_attr(daos_handle_t coh, int n, char const *const names[],
		       daos_event_t *ev);

/* Reserve num_oids consecutive object ids; *oid is the first. */
int daos_cont_alloc_oids(daos_handle_t coh, daos_size_t num_oids,
			 uint64_t *oid, daos_event_t *ev);

/* Snapshots, identified by epoch; name optional. */
int daos_cont_create_snap(daos_handle_t coh, daos_epoch_t *epoch, char *name,
			  daos_event_t *ev);
/* Longest snapshot name, its NUL included: the size of each names[i]
 * buffer daos_cont_list_snap writes into. */
#define DAOS_SNAPSHOT_MAX_LEN 128
/* *nr in: capacity of epochs/names; out: snapshots in total. names[i]:
 * caller buffers of DAOS_SNAPSHOT_MAX_LEN bytes ("" for an unnamed
 * snapshot; NULL ones are skipped). */
int daos_cont_list_snap(daos_handle_t coh, int *nr, daos_epoch_t *epochs,
			char **names, daos_anchor_t *anchor,
			daos_event_t *ev);
/* Every snapshot with an epoch in [epr_lo, epr_hi], with its object
 * index table. */
int daos_cont_destroy_snap(daos_handle_t coh, daos_epoch_range_t epr,
			   daos_event_t *ev);

enum daos_snapshot_opts {
	DAOS_SNAP_OPT_CR	= (1 << 0),	/* take a snapshot now */
	DAOS_SNAP_OPT_OIT	= (1 << 1),	/* and list its objects (daos_oit_*) */
};

/* A snapshot (*epoch out) and, with DAOS_SNAP_OPT_OIT, its object index
 * table: both or neither. Options without DAOS_SNAP_OPT_CR are
 * -DER_NOSYS, as in DAOS. */
int daos_cont_create_snap_opt(daos_handle_t coh, daos_epoch_t *epoch, char *name,
			      enum daos_snapshot_opts opts, daos_event_t *ev);
/* The object index table of the existing snapshot at epoch (name is not
 * used), and the removal of an open one (oh from daos_oit_open, to be
 * closed still). */
int daos_cont_snap_oit_create(daos_handle_t coh, daos_epoch_t epoch, char *name,
			      daos_event_t *ev);
int daos_cont_snap_oit_destroy(daos_handle_t coh, daos_handle_t oh, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_CONT_H */
