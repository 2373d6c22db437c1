/*
 * daos-go: DFS by path (dfs_sys_*), the API of tools that walk trees the
 * way POSIX programs do (a parallel copy, say). Each call takes a path,
 * finds its parent directory, through a cache of open directories unless
 * the mount says otherwise, and makes the matching dfs_* call there.
 *
 * Paths are absolute ("/" is the container's root, or the prefix given
 * to dfs_sys_set_prefix); repeated slashes and "." are ignored and ".."
 * is applied to the path's text. Calls return 0 or a positive errno.
 * Symbolic links are followed unless the call's flags hold O_NOFOLLOW.
 */
#ifndef DAOS_FS_SYS_H
#define DAOS_FS_SYS_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <daos.h>
#include <daos_fs.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* sflags of the mount calls. */
#define DFS_SYS_NO_CACHE	1	/* look every parent directory up again */
#define DFS_SYS_NO_LOCK		2	/* one thread only: no lock on the cache */

/* Opaque: created and freed only by the library. */
typedef struct dfs_sys dfs_sys_t;

/* dfs_connect and dfs_disconnect with a cache: mflags as dfs_connect's
 * (O_CREAT creates the container, with attr). */
int dfs_sys_connect(const char *pool, const char *sys, const char *cont, int mflags, int sflags,
		    dfs_attr_t *attr, dfs_sys_t **dfs_sys);
int dfs_sys_disconnect(dfs_sys_t *dfs_sys);

/* Share a mount with its pool and container handles (dfs_local2global_all);
 * the receiver's mount is ended with dfs_sys_disconnect. mflags 0 keeps the
 * sender's access mode; sflags are the receiver's own. */
int dfs_sys_local2global_all(dfs_sys_t *dfs_sys, d_iov_t *glob);
int dfs_sys_global2local_all(int mflags, int sflags, d_iov_t glob, dfs_sys_t **dfs_sys);

/* dfs_mount and dfs_umount with a cache, over handles the caller keeps. */
int dfs_sys_mount(daos_handle_t poh, daos_handle_t coh, int mflags, int sflags,
		  dfs_sys_t **dfs_sys);
int dfs_sys_umount(dfs_sys_t *dfs_sys);

/* Share the mount alone (dfs_local2global); the receiver's is ended with
 * dfs_sys_umount. */
int dfs_sys_local2global(dfs_sys_t *dfs_sys, d_iov_t *glob);
int dfs_sys_global2local(daos_handle_t poh, daos_handle_t coh, int mflags, int sflags, d_iov_t glob,
			 dfs_sys_t **dfs_sys);

/* An absolute prefix every path given must start with, removed before the
 * path is used (NULL clears it; ".." cannot climb above it); also set on
 * the underlying mount. Not to be called while other calls use the mount. */
int dfs_sys_set_prefix(dfs_sys_t *dfs_sys, const char *prefix);

/* The underlying mount, which stays the dfs_sys_t's: do not unmount it. */
int dfs_sys2base(dfs_sys_t *dfs_sys, dfs_t **dfs);

/* access(2): mask F_OK or R_OK|W_OK|X_OK; flags O_NOFOLLOW (AT_EACCESS is
 * ENOTSUP: the real ids are checked). */
int dfs_sys_access(dfs_sys_t *dfs_sys, const char *path, int mask, int flags);
int dfs_sys_chmod(dfs_sys_t *dfs_sys, const char *path, mode_t mode);
/* uid or gid (uid_t)-1 / (gid_t)-1 stays as it is; flags O_NOFOLLOW. */
int dfs_sys_chown(dfs_sys_t *dfs_sys, const char *path, uid_t uid, gid_t gid, int flags);
/* dfs_osetattr on the path: flags DFS_SET_ATTR_*, sflags O_NOFOLLOW;
 * stbuf comes back with the entry's attributes. */
int dfs_sys_setattr(dfs_sys_t *dfs_sys, const char *path, struct stat *stbuf, int flags,
		    int sflags);
/* times[0] atime, times[1] mtime; flags O_NOFOLLOW. */
int dfs_sys_utimens(dfs_sys_t *dfs_sys, const char *path, const struct timespec times[2], int flags);
/* flags O_NOFOLLOW stats a symbolic link itself (lstat). */
int dfs_sys_stat(dfs_sys_t *dfs_sys, const char *path, int flags, struct stat *stbuf);
/* Create an entry of mode's type (S_IFREG or S_IFDIR; EEXIST if the path
 * exists). cid 0 and chunk_size 0 take the container's defaults. */
int dfs_sys_mknod(dfs_sys_t *dfs_sys, const char *path, mode_t mode, daos_oclass_id_t cid,
		  daos_size_t chunk_size);

/* Extended attributes, as dfs_getxattr and friends answer them on the
 * entry at path; flags (sflags for set) O_NOFOLLOW. */
int dfs_sys_listxattr(dfs_sys_t *dfs_sys, const char *path, char *list, daos_size_t *size, int flags);
int dfs_sys_getxattr(dfs_sys_t *dfs_sys, const char *path, const char *name, void *value,
		     daos_size_t *size, int flags);
int dfs_sys_setxattr(dfs_sys_t *dfs_sys, const char *path, const char *name, const void *value,
		     daos_size_t size, int flags, int sflags);
int dfs_sys_removexattr(dfs_sys_t *dfs_sys, const char *path, const char *name, int flags);

/* A symbolic link's target with its NUL; *size is the buffer's size in,
 * the target's out (copied only as far as the buffer goes). EINVAL when
 * the path is not a link. */
int dfs_sys_readlink(dfs_sys_t *dfs_sys, const char *path, char *buf, daos_size_t *size);
int dfs_sys_symlink(dfs_sys_t *dfs_sys, const char *target, const char *path);

/* Open (or with O_CREAT create, as dfs_open) the entry at path; value is
 * a new symbolic link's target. A mode without a type is S_IFREG's; an
 * existing entry of another type is EINVAL (the root: S_IFDIR, and EEXIST
 * with O_CREAT or O_EXCL). O_TRUNC empties a file. The object is closed
 * by dfs_sys_close. */
int dfs_sys_open(dfs_sys_t *dfs_sys, const char *path, mode_t mode, int flags, daos_oclass_id_t cid,
		 daos_size_t chunk_size, const char *value, dfs_obj_t **obj);
int dfs_sys_close(dfs_obj_t *obj);
/* One buffer: *size bytes in, the bytes read (or written) out. With ev
 * the call returns at once and *size is set when ev completes. */
int dfs_sys_read(dfs_sys_t *dfs_sys, dfs_obj_t *obj, void *buf, daos_off_t off, daos_size_t *size,
		 daos_event_t *ev);
int dfs_sys_write(dfs_sys_t *dfs_sys, dfs_obj_t *obj, const void *buf, daos_off_t off,
		  daos_size_t *size, daos_event_t *ev);
/* dfs_punch on the file at path (len DFS_MAX_FSIZE truncates to offset). */
int dfs_sys_punch(dfs_sys_t *dfs_sys, const char *path, daos_off_t offset, daos_off_t len);

/* Remove the entry at path (a link, not its target); a directory that is
 * not empty needs force. oid, if given, receives the removed object's id.
 * remove_type also checks the entry's type against mode's (0: any):
 * ENOTDIR or EISDIR, or EINVAL between a file and a link. */
int dfs_sys_remove(dfs_sys_t *dfs_sys, const char *path, bool force, daos_obj_id_t *oid);
int dfs_sys_remove_type(dfs_sys_t *dfs_sys, const char *path, bool force, mode_t mode,
			daos_obj_id_t *oid);
int dfs_sys_mkdir(dfs_sys_t *dfs_sys, const char *dir, mode_t mode, daos_oclass_id_t cid);
/* mkdir -p: the directories on the way that exist are fine. */
int dfs_sys_mkdir_p(dfs_sys_t *dfs_sys, const char *dir_path, mode_t mode, daos_oclass_id_t cid);

/* Directory streams: readdir sets *dirent to the next entry (only d_name
 * is filled), NULL after the last; an entry stays valid until the next
 * readdir or closedir of the stream. flags O_NOFOLLOW. */
int dfs_sys_opendir(dfs_sys_t *dfs_sys, const char *dir, int flags, DIR **dirp);
int dfs_sys_closedir(DIR *dirp);
int dfs_sys_readdir(dfs_sys_t *dfs_sys, DIR *dirp, struct dirent **dirent);

#if defined(__cplusplus)
}
#endif

#endif /* DAOS_FS_SYS_H */
