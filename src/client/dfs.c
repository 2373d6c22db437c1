/*
 * The dfs_* entry points (in libdaos.so.2; libdfs.so is a link to it).
 * The POSIX namespace behind them comes with the DFS issue: until then
 * each returns ENOSYS (DFS calls return positive errno values), as
 * docs/libdaos.md says. They exist so that DFS programs and configure
 * probes (IOR's looks for dfs_mkdir) link, and fail at run time with a
 * clear error instead of at link time.
 */
/* Every parameter is unused until the calls are implemented. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include <errno.h>

#include <daos_fs.h>

int
dfs_init(void)
{
	return ENOSYS;
}

int
dfs_fini(void)
{
	return ENOSYS;
}

int
dfs_connect(const char *pool, const char *sys, const char *cont, int flags, dfs_attr_t *attr, dfs_t **dfs)
{
	return ENOSYS;
}

int
dfs_disconnect(dfs_t *dfs)
{
	return ENOSYS;
}

int
dfs_cont_create(daos_handle_t poh, uuid_t *uuid, dfs_attr_t *attr, daos_handle_t *coh, dfs_t **dfs)
{
	return ENOSYS;
}

int
dfs_cont_create_with_label(daos_handle_t poh, const char *label, dfs_attr_t *attr, uuid_t *uuid, daos_handle_t *coh, dfs_t **dfs)
{
	return ENOSYS;
}

int
dfs_mount(daos_handle_t poh, daos_handle_t coh, int flags, dfs_t **dfs)
{
	return ENOSYS;
}

int
dfs_umount(dfs_t *dfs)
{
	return ENOSYS;
}

int
dfs_query(dfs_t *dfs, dfs_attr_t *attr)
{
	return ENOSYS;
}

int
dfs_pool_get(dfs_t *dfs, daos_handle_t *poh)
{
	return ENOSYS;
}

int
dfs_pool_put(dfs_t *dfs, daos_handle_t poh)
{
	return ENOSYS;
}

int
dfs_cont_get(dfs_t *dfs, daos_handle_t *coh)
{
	return ENOSYS;
}

int
dfs_cont_put(dfs_t *dfs, daos_handle_t coh)
{
	return ENOSYS;
}

int
dfs_local2global(dfs_t *dfs, d_iov_t *glob)
{
	return ENOSYS;
}

int
dfs_global2local(daos_handle_t poh, daos_handle_t coh, int flags, d_iov_t glob, dfs_t **dfs)
{
	return ENOSYS;
}

int
dfs_set_prefix(dfs_t *dfs, const char *prefix)
{
	return ENOSYS;
}

int
dfs_lookup(dfs_t *dfs, const char *path, int flags, dfs_obj_t **obj, mode_t *mode, struct stat *stbuf)
{
	return ENOSYS;
}

int
dfs_lookup_rel(dfs_t *dfs, dfs_obj_t *parent, const char *name, int flags, dfs_obj_t **obj, mode_t *mode, struct stat *stbuf)
{
	return ENOSYS;
}

int
dfs_open(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode, int flags, daos_oclass_id_t cid, daos_size_t chunk_size, const char *value, dfs_obj_t **obj)
{
	return ENOSYS;
}

int
dfs_release(dfs_obj_t *obj)
{
	return ENOSYS;
}

int
dfs_obj_local2global(dfs_t *dfs, dfs_obj_t *obj, d_iov_t *glob)
{
	return ENOSYS;
}

int
dfs_obj_global2local(dfs_t *dfs, int flags, d_iov_t glob, dfs_obj_t **obj)
{
	return ENOSYS;
}

int
dfs_read(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off, daos_size_t *read_size, daos_event_t *ev)
{
	return ENOSYS;
}

int
dfs_write(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off, daos_event_t *ev)
{
	return ENOSYS;
}

int
dfs_get_size(dfs_t *dfs, dfs_obj_t *obj, daos_size_t *size)
{
	return ENOSYS;
}

int
dfs_mkdir(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode, daos_oclass_id_t cid)
{
	return ENOSYS;
}

int
dfs_remove(dfs_t *dfs, dfs_obj_t *parent, const char *name, bool force, daos_obj_id_t *oid)
{
	return ENOSYS;
}

int
dfs_move(dfs_t *dfs, dfs_obj_t *parent, const char *name, dfs_obj_t *new_parent, const char *new_name, daos_obj_id_t *oid)
{
	return ENOSYS;
}

int
dfs_stat(dfs_t *dfs, dfs_obj_t *parent, const char *name, struct stat *stbuf)
{
	return ENOSYS;
}

int
dfs_access(dfs_t *dfs, dfs_obj_t *parent, const char *name, int mask)
{
	return ENOSYS;
}

int
dfs_sync(dfs_t *dfs)
{
	return ENOSYS;
}

int
dfs_readdir(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor, uint32_t *nr, struct dirent *dirs)
{
	return ENOSYS;
}
