/*
 * DFS: a POSIX namespace (directories, files, symlinks) stored in a DAOS
 * container. Unlike the daos_* calls, dfs_* calls return 0 or a positive
 * errno, and so does ev_error of their events.
 *
 * The caller includes <fcntl.h> for the O_* flags these calls take.
 */
#ifndef DAOS_FS_H
#define DAOS_FS_H

#include <stdint.h>
#include <stdbool.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <uuid/uuid.h>

#include <daos.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque: created and freed only by the library. */
typedef struct dfs dfs_t;
typedef struct dfs_obj dfs_obj_t;

/* NAME_MAX and PATH_MAX on Linux, spelled out so the header does not
 * depend on feature macros. */
#define DFS_MAX_NAME		255
#define DFS_MAX_PATH		4096
#define DFS_MAX_FSIZE		(~0ULL)
#define DFS_DEFAULT_CHUNK_SIZE	1048576
#define DFS_MAX_XATTR_NAME	255
#define DFS_MAX_XATTR_LEN	65536

#define DAOS_SUPER_MAGIC	0xDA05AD10

/* Consistency modes (dfs_attr_t.da_mode, dfs_mount flags). */
#define DFS_RELAXED		0
#define DFS_BALANCED		4

/* Mount access modes: O_RDONLY and O_RDWR on Linux. */
#define DFS_RDONLY		0
#define DFS_RDWR		2

/* Which attributes a set-attributes call changes. */
#define DFS_SET_ATTR_MODE	(1 << 0)
#define DFS_SET_ATTR_ATIME	(1 << 1)
#define DFS_SET_ATTR_MTIME	(1 << 2)
#define DFS_SET_ATTR_SIZE	(1 << 3)
#define DFS_SET_ATTR_UID	(1 << 4)
#define DFS_SET_ATTR_GID	(1 << 5)

/* Container-wide defaults, given at create and returned by dfs_query. */
typedef struct {
	uint64_t		da_id;		/* reserved */
	daos_size_t		da_chunk_size;	/* 0: 1 MiB */
	daos_oclass_id_t	da_oclass_id;	/* files and dirs; 0: auto */
	daos_prop_t		*da_props;	/* extra container properties */
	uint32_t		da_mode;	/* DFS_RELAXED or DFS_BALANCED */
	daos_oclass_id_t	da_dir_oclass_id;
	daos_oclass_id_t	da_file_oclass_id;
	char			da_hints[DAOS_CONT_HINT_MAX_LEN];
} dfs_attr_t;

/* A list of byte ranges of a file. */
typedef struct {
	daos_size_t	 iod_nr;
	daos_range_t	*iod_rgs;
} dfs_iod_t;

typedef struct {
	daos_oclass_id_t	doi_oclass_id;
	daos_size_t		doi_chunk_size;
	daos_oclass_id_t	doi_dir_oclass_id;
	daos_oclass_id_t	doi_file_oclass_id;
	daos_obj_id_t		doi_oid;
} dfs_obj_info_t;

/* Reference counted; init also initialises the DAOS library. */
int dfs_init(void);
int dfs_fini(void);

/* Connect to pool, open (with O_CREAT: create if missing) container and
 * mount, caching pool and container handles by name. Needs dfs_init;
 * release with dfs_disconnect. */
int dfs_connect(const char *pool, const char *sys, const char *cont,
		int flags, dfs_attr_t *attr, dfs_t **dfs);
int dfs_disconnect(dfs_t *dfs);

/* Create a POSIX container. uuid, coh and dfs are optional outputs (dfs
 * needs coh); attr NULL takes the defaults. */
int dfs_cont_create(daos_handle_t poh, uuid_t *uuid, dfs_attr_t *attr,
		    daos_handle_t *coh, dfs_t **dfs);
int dfs_cont_create_with_label(daos_handle_t poh, const char *label,
			       dfs_attr_t *attr, uuid_t *uuid,
			       daos_handle_t *coh, dfs_t **dfs);

/* flags: O_RDONLY or O_RDWR, optionally | DFS_BALANCED. The pool and
 * container handles must stay open until dfs_umount. */
int dfs_mount(daos_handle_t poh, daos_handle_t coh, int flags, dfs_t **dfs);
int dfs_umount(dfs_t *dfs);
int dfs_query(dfs_t *dfs, dfs_attr_t *attr);

/* Extra references on the mount's pool and container handles; while
 * held, dfs_umount fails with EBUSY. */
int dfs_pool_get(dfs_t *dfs, daos_handle_t *poh);
int dfs_pool_put(dfs_t *dfs, daos_handle_t poh);
int dfs_cont_get(dfs_t *dfs, daos_handle_t *coh);
int dfs_cont_put(dfs_t *dfs, daos_handle_t coh);

/* Mount sharing: glob->iov_buf NULL asks for the size; a buffer too
 * small gives ENOBUFS. flags 0 keeps the sender's access mode. */
int dfs_local2global(dfs_t *dfs, d_iov_t *glob);
int dfs_global2local(daos_handle_t poh, daos_handle_t coh, int flags,
		     d_iov_t glob, dfs_t **dfs);

/* The mount with its pool and container handles in one buffer, for
 * processes that have neither (an MPI rank that did not connect): same
 * size protocol. dfs_global2local_all's mount owns the handles it opens
 * and is ended with dfs_disconnect. */
int dfs_local2global_all(dfs_t *dfs, d_iov_t *glob);
int dfs_global2local_all(int flags, d_iov_t glob, dfs_t **dfs);

/* An absolute path prefix removed from paths given to dfs_lookup; NULL
 * clears it. */
int dfs_set_prefix(dfs_t *dfs, const char *prefix);

/* Resolve an absolute path; mode and stbuf are optional outputs. Release
 * the object with dfs_release. */
int dfs_lookup(dfs_t *dfs, const char *path, int flags, dfs_obj_t **obj,
	       mode_t *mode, struct stat *stbuf);
/* One path component under parent (NULL: the root). */
int dfs_lookup_rel(dfs_t *dfs, dfs_obj_t *parent, const char *name,
		   int flags, dfs_obj_t **obj, mode_t *mode,
		   struct stat *stbuf);

/* Open or create name under parent. The type comes from mode & S_IFMT;
 * cid and chunk_size apply only on create (0: inherited defaults);
 * value is a symlink's target. */
int dfs_open(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode,
	     int flags, daos_oclass_id_t cid, daos_size_t chunk_size,
	     const char *value, dfs_obj_t **obj);
int dfs_release(dfs_obj_t *obj);

/* Object sharing, for files and directories. */
int dfs_obj_local2global(dfs_t *dfs, dfs_obj_t *obj, d_iov_t *glob);
int dfs_obj_global2local(dfs_t *dfs, int flags, d_iov_t glob,
			 dfs_obj_t **obj);
/* The class a file ("file:single", "file:max") or a directory
 * ("dir:single", "dir:max") made with that hint would get in this
 * container: its pool's shape and redundancy factor. EINVAL for another
 * hint. */
int dfs_suggest_oclass(dfs_t *dfs, const char *hint, daos_oclass_id_t *cid);
/* A second handle on obj (flags: O_RDONLY or O_RDWR, 0: obj's), made
 * without asking the servers; release each with dfs_release. */
int dfs_dup(dfs_t *dfs, dfs_obj_t *obj, int flags, dfs_obj_t **new_obj);

/* Read into the sgl's iovs (iov_len bytes each) from off; *read_size is
 * what the file held there, 0 at or past its end. */
int dfs_read(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off,
	     daos_size_t *read_size, daos_event_t *ev);
/* Write the iovs' iov_len bytes, in order, at off. */
int dfs_write(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off,
	      daos_event_t *ev);
/* Read, or write, the ranges of iod (file offsets and lengths), in their
 * order, from or into the sg list's bytes in order; read_size is the
 * bytes read, each range stopping at the end of the file. */
int dfs_readx(dfs_t *dfs, dfs_obj_t *obj, dfs_iod_t *iod, d_sg_list_t *sgl,
	      daos_size_t *read_size, daos_event_t *ev);
int dfs_writex(dfs_t *dfs, dfs_obj_t *obj, dfs_iod_t *iod, d_sg_list_t *sgl,
	       daos_event_t *ev);
int dfs_get_size(dfs_t *dfs, dfs_obj_t *obj, daos_size_t *size);

/* S_IFDIR is added to mode; cid 0 takes the container's default. */
int dfs_mkdir(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode,
	      daos_oclass_id_t cid);
/* A non-empty directory needs force (then removed recursively); oid is
 * an optional output. */
int dfs_remove(dfs_t *dfs, dfs_obj_t *parent, const char *name, bool force,
	       daos_obj_id_t *oid);
/* Rename, replacing an existing target; oid gets the replaced object. */
int dfs_move(dfs_t *dfs, dfs_obj_t *parent, const char *name,
	     dfs_obj_t *new_parent, const char *new_name, daos_obj_id_t *oid);
/* name NULL with a root (or NULL) parent: the root itself. */
int dfs_stat(dfs_t *dfs, dfs_obj_t *parent, const char *name,
	     struct stat *stbuf);
/* mask: F_OK or R_OK | W_OK | X_OK, checked against the real ids. */
int dfs_access(dfs_t *dfs, dfs_obj_t *parent, const char *name, int mask);
int dfs_sync(dfs_t *dfs);

/* Up to *nr entries of dir from anchor (zeroed to start), only d_name
 * filled; *nr is set to the count and the anchor reaches EOF at the end. */
int dfs_readdir(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor,
		uint32_t *nr, struct dirent *dirs);
/* dfs_readdir with each entry's stat in stbufs (as many as dirs); an
 * entry removed between the listing and its stat is left out. */
int dfs_readdirplus(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor,
		    uint32_t *nr, struct dirent *dirs, struct stat *stbufs);

/* dfs_iterate calls this for every entry it lists; a nonzero return
 * stops the iteration, and dfs_iterate returns that value. */
typedef int (*dfs_filler_cb_t)(dfs_t *dfs, dfs_obj_t *obj, const char name[], void *arg);

/* From anchor, list up to *nr entries of dir whose names (without their
 * NULs) add up to at most size bytes, calling op (optional) on each; *nr
 * is set to the count. E2BIG when the first name does not fit. */
int dfs_iterate(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor,
		uint32_t *nr, size_t size, dfs_filler_cb_t op, void *arg);
/* A directory's listing split into anchors for readers in parallel, as
 * daos_obj_anchor_split/set do for its object (errno values). */
int dfs_obj_anchor_split(dfs_obj_t *obj, uint32_t *nr, daos_anchor_t *anchors);
int dfs_obj_anchor_set(dfs_obj_t *obj, uint32_t index, daos_anchor_t *anchor);

/* Swap two entries, each keeping its attributes (NULL parents: root). */
int dfs_exchange(dfs_t *dfs, dfs_obj_t *parent1, const char *name1,
		 dfs_obj_t *parent2, const char *name2);

/* Attributes of open objects. */
int dfs_ostat(dfs_t *dfs, dfs_obj_t *obj, struct stat *stbuf);
/* Apply the DFS_SET_ATTR_* fields of stbuf to obj (a symlink itself, not
 * its target); stbuf gets the resulting attributes. */
int dfs_osetattr(dfs_t *dfs, dfs_obj_t *obj, struct stat *stbuf, int flags);
/* Both follow a symbolic link; dfs_chown does not with O_NOFOLLOW in
 * flags. uid or gid (uid_t)-1 / (gid_t)-1 leaves it as it is. */
int dfs_chmod(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode);
int dfs_chown(dfs_t *dfs, dfs_obj_t *parent, const char *name, uid_t uid,
	      gid_t gid, int flags);
/* Free len bytes of a file from offset (they read as zeros); len
 * DFS_MAX_FSIZE sets the file's size to offset. */
int dfs_punch(dfs_t *dfs, dfs_obj_t *obj, daos_off_t offset, daos_size_t len);

/* What obj was opened as. */
int dfs_get_mode(dfs_obj_t *obj, mode_t *mode);
int dfs_obj2id(dfs_obj_t *obj, daos_obj_id_t *oid);
/* Files only. */
int dfs_get_chunk_size(dfs_obj_t *obj, daos_size_t *chunk_size);
/* Symlinks only. *size 0 or buf NULL asks for the size (with the NUL); a
 * smaller buffer gets a truncated, NUL-terminated target. */
int dfs_get_symlink_value(dfs_obj_t *obj, char *buf, daos_size_t *size);

/* Object class and chunk size in use; for a directory, those its new
 * files and directories get. */
int dfs_obj_get_info(dfs_t *dfs, dfs_obj_t *obj, dfs_obj_info_t *info);
/* Change a directory's defaults for what is created in it from now on
 * (0: the container's); flags must be 0. */
int dfs_obj_set_oclass(dfs_t *dfs, dfs_obj_t *obj, int flags,
		       daos_oclass_id_t cid);
int dfs_obj_set_chunk_size(dfs_t *dfs, dfs_obj_t *obj, int flags,
			   daos_size_t csize);

/* Extended attributes of an open object (a symlink's own). setxattr's
 * flags: 0, XATTR_CREATE or XATTR_REPLACE. getxattr: value NULL or *size
 * 0 asks for the size; a buffer too small is E2BIG. listxattr writes the
 * names that fit, each NUL-terminated, and sets *size to what all need
 * (list NULL: only that). */
int dfs_setxattr(dfs_t *dfs, dfs_obj_t *obj, const char *name,
		 const void *value, daos_size_t size, int flags);
int dfs_getxattr(dfs_t *dfs, dfs_obj_t *obj, const char *name, void *value,
		 daos_size_t *size);
int dfs_removexattr(dfs_t *dfs, dfs_obj_t *obj, const char *name);
int dfs_listxattr(dfs_t *dfs, dfs_obj_t *obj, char *list, daos_size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_FS_H */
