/*
 * daos-go: the DAOS unified namespace API (libduns). A directory of an
 * ordinary file system names a container through its "user.daos"
 * extended attribute ("DAOS.<type>://<pool uuid>/<cont uuid>"), and a path
 * can also name one directly ("daos://<pool>/<cont>[/<rel>]").
 */
#ifndef DAOS_UNS_H
#define DAOS_UNS_H

#include <stdbool.h>
#include <stdint.h>

#include <daos_types.h>
#include <daos_prop.h>
#include <daos_obj_class.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* duns_attr_t.da_flags for duns_resolve_path. */
enum {
	/* The path is direct without the daos:// prefix: /<pool>/<cont>[/<rel>]. */
	DUNS_NO_PREFIX		= (1 << 0),
	/* Only the path's last entry may hold the attribute: no walk up. */
	DUNS_NO_REVERSE_LOOKUP	= (1 << 1),
	/* Parse the path as a direct one; never read the file system. */
	DUNS_NO_CHECK_PATH	= (1 << 2),
};

struct duns_attr_t {
	daos_cont_layout_t	da_type;	/* in/out: POSIX, HDF5, ... */
	daos_oclass_id_t	da_oclass_id;	/* in: POSIX object class (optional) */
	daos_size_t		da_chunk_size;	/* in: POSIX chunk size (optional) */
	daos_prop_t		*da_props;	/* in: more container properties */
	uint32_t		da_flags;	/* in: DUNS_* */
	char			da_pool[DAOS_PROP_LABEL_MAX_LEN + 1];	/* out */
	char			da_cont[DAOS_PROP_LABEL_MAX_LEN + 1];	/* out */
	char			*da_sys;	/* out: system name (NULL: default) */
	char			*da_rel_path;	/* out: "/..." below the linked entry */
	bool			da_on_lustre;	/* out: always false here */
	bool			da_no_prefix;	/* in: deprecated DUNS_NO_PREFIX */
	uuid_t			da_puuid;	/* in/out: deprecated pool UUID */
	uuid_t			da_cuuid;	/* in/out: deprecated container UUID */
	daos_oclass_id_t	da_dir_oclass_id;	/* in: POSIX directories' class */
	daos_oclass_id_t	da_file_oclass_id;	/* in: POSIX files' class */
	char			da_hints[DAOS_CONT_HINT_MAX_LEN];	/* in: POSIX hints */
};

#define DUNS_XATTR_NAME		"user.daos"
#define DUNS_MAX_XATTR_LEN	170
#define DUNS_XATTR_FMT		"DAOS.%s://%36s/%36s"

/* Creates a container in the pool (a POSIX one formatted for DFS) and the
 * directory path (a file for HDF5) naming it. Returns 0 or an errno. */
int duns_create_path(daos_handle_t poh, const char *path, struct duns_attr_t *attrp);
/* Links the existing container cont (label or UUID) at path: a new
 * directory for a POSIX container, a new file otherwise. 0 or an errno. */
int duns_link_cont(daos_handle_t poh, const char *cont, const char *path);

/* Finds the pool and container path names, directly or through the
 * attribute of path or of the nearest entry above it (da_rel_path is then
 * the rest of path). Free with duns_destroy_attr. Returns 0 or an errno
 * (ENODATA: no entry on the way up has the attribute). */
int duns_resolve_path(const char *path, struct duns_attr_t *attr);

/* Destroys the container path names and removes path. */
int duns_destroy_path(daos_handle_t poh, const char *path);

/* Reads an attribute value of len bytes into attr. */
int duns_parse_attr(char *str, daos_size_t len, struct duns_attr_t *attr);

/* Sets the system name in attr (freed by duns_destroy_attr). */
int duns_set_sys_name(struct duns_attr_t *attrp, const char *sys);

/* Frees what duns_resolve_path allocated in attrp. */
void duns_destroy_attr(struct duns_attr_t *attrp);

#if defined(__cplusplus)
}
#endif
#endif /* DAOS_UNS_H */
