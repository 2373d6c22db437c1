/*
 * The table of entry points the Go core (bindings/libdaos, loaded with
 * dlopen) hands the C layer of libdaos. Private: not installed. Generated
 * by src/client/gen_ops.py from the core's cgo export header.
 *
 * The prototypes are the ones cgo generates for the core's exports (no
 * const: cgo cannot export const-qualified parameters), so the C layer
 * casts const away when it forwards. Handles travel as their cookies.
 * DGO_OPS_VERSION changes whenever an entry is added, removed or changed:
 * the C layer refuses a core built for another table.
 */
#ifndef DGO_OPS_H
#define DGO_OPS_H

#include <stdbool.h>
#include <daos.h>
#include <daos_fs.h>

#include "dgo_ring.h"

#define DGO_OPS_VERSION 25

struct dgo_ops {
	uint32_t version;
	int (*cont_get_acl)(uint64_t coh, daos_prop_t** out, daos_event_t* ev);
	int (*cont_overwrite_acl)(uint64_t coh, void* acl, daos_event_t* ev);
	int (*cont_update_acl)(uint64_t coh, void* acl, daos_event_t* ev);
	int (*cont_delete_acl)(uint64_t coh, int typ, char* name, daos_event_t* ev);
	int (*cont_set_owner)(uint64_t coh, char* user, char* group, daos_event_t* ev);
	int (*array_create)(uint64_t coh, daos_obj_id_t oid, uint64_t th, daos_size_t cell, daos_size_t chunk, daos_handle_t* oh, daos_event_t* ev);
	int (*array_open)(uint64_t coh, daos_obj_id_t oid, uint64_t th, unsigned int mode, daos_size_t* cell, daos_size_t* chunk, daos_handle_t* oh, daos_event_t* ev);
	int (*array_open_with_attr)(uint64_t coh, daos_obj_id_t oid, uint64_t th, unsigned int mode, daos_size_t cell, daos_size_t chunk, daos_handle_t* oh, daos_event_t* ev);
	int (*array_close)(uint64_t oh, daos_event_t* ev);
	int (*array_get_attr)(uint64_t oh, daos_size_t* chunk, daos_size_t* cell);
	int (*array_write)(uint64_t oh, uint64_t th, daos_array_iod_t* iod, d_sg_list_t* sgl, daos_event_t* ev);
	int (*array_read)(uint64_t oh, uint64_t th, daos_array_iod_t* iod, d_sg_list_t* sgl, daos_event_t* ev);
	int (*array_get_size)(uint64_t oh, uint64_t th, daos_size_t* size, daos_event_t* ev);
	int (*array_set_size)(uint64_t oh, uint64_t th, daos_size_t size, daos_event_t* ev);
	int (*array_stat)(uint64_t oh, uint64_t th, daos_array_stbuf_t* st, daos_event_t* ev);
	int (*array_punch)(uint64_t oh, uint64_t th, daos_array_iod_t* iod, daos_event_t* ev);
	int (*array_destroy)(uint64_t oh, uint64_t th, daos_event_t* ev);
	int (*cont_create)(uint64_t poh, uuid_t* uuid, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_create_id)(uint64_t poh, char* id, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_create_with_label)(uint64_t poh, char* label, daos_prop_t* cprops, uuid_t* uuid, daos_event_t* ev);
	int (*cont_open)(uint64_t poh, char* cont, unsigned int flags, daos_handle_t* coh, daos_cont_info_t* info, daos_event_t* ev);
	int (*cont_close)(uint64_t coh, daos_event_t* ev);
	int (*cont_destroy)(uint64_t poh, char* cont, int force, daos_event_t* ev);
	int (*cont_query)(uint64_t coh, daos_cont_info_t* info, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_local2global)(uint64_t coh, d_iov_t* glob);
	int (*cont_global2local)(uint64_t poh, d_iov_t glob, daos_handle_t* coh);
	int (*cont_set_prop)(uint64_t coh, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_list_attr)(uint64_t coh, char* buf, size_t* size, daos_event_t* ev);
	int (*cont_get_attr)(uint64_t coh, int n, char** names, void** bufs, size_t* sizes, daos_event_t* ev);
	int (*cont_set_attr)(uint64_t coh, int n, char** names, void** vals, size_t* sizes, daos_event_t* ev);
	int (*cont_del_attr)(uint64_t coh, int n, char** names, daos_event_t* ev);
	int (*pool_list_attr)(uint64_t poh, char* buf, size_t* size, daos_event_t* ev);
	int (*pool_get_attr)(uint64_t poh, int n, char** names, void** bufs, size_t* sizes, daos_event_t* ev);
	int (*pool_set_attr)(uint64_t poh, int n, char** names, void** vals, size_t* sizes, daos_event_t* ev);
	int (*pool_del_attr)(uint64_t poh, int n, char** names, daos_event_t* ev);
	int (*cont_alloc_oids)(uint64_t coh, daos_size_t num, uint64_t* oid, daos_event_t* ev);
	int (*cont_create_snap)(uint64_t coh, daos_epoch_t* epoch, char* name, daos_event_t* ev);
	int (*cont_list_snap)(uint64_t coh, int* nr, daos_epoch_t* epochs, char** names, daos_anchor_t* anchor, daos_event_t* ev);
	int (*cont_destroy_snap)(uint64_t coh, daos_epoch_range_t epr, daos_event_t* ev);
	int (*array_local2global)(uint64_t oh, d_iov_t* glob);
	int (*array_global2local)(uint64_t coh, d_iov_t glob, unsigned int mode, daos_handle_t* oh);
	int (*obj_query_key)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, daos_key_t* akey, daos_recx_t* recx, daos_event_t* ev);
	int (*pool_list_cont)(uint64_t poh, daos_size_t* ncont, struct daos_pool_cont_info* cbuf, daos_event_t* ev);
	int (*obj_query_max_epoch)(uint64_t oh, uint64_t th, daos_epoch_t* epoch, daos_event_t* ev);
	int (*init)(void);
	int (*fini)(void);
	int (*dfs_cont_create)(uint64_t poh, char* label, uuid_t* uuid, uint64_t chunk, uint32_t oclass, uint32_t dirOClass, uint32_t fileOClass, uint32_t mode, char* hints, daos_prop_t* cprops, daos_handle_t* coh, uint64_t* mh);
	int (*dfs_mount)(uint64_t poh, uint64_t coh, int flags, uint64_t* mh);
	int (*dfs_umount)(uint64_t mh);
	int (*dfs_local2global)(uint64_t mh, d_iov_t* glob);
	int (*dfs_global2local)(uint64_t poh, uint64_t coh, int flags, d_iov_t glob, uint64_t* mh);
	int (*dfs_set_prefix)(uint64_t mh, char* prefix);
	int (*dfs_lookup)(uint64_t mh, char* path, int flags, uint64_t* oh, uint32_t* mode, int64_t* st);
	int (*dfs_lookup_rel)(uint64_t mh, uint64_t parent, char* name, int flags, uint64_t* oh, uint32_t* mode, int64_t* st);
	int (*dfs_open)(uint64_t mh, uint64_t parent, char* name, uint32_t mode, int flags, uint32_t cid, uint64_t chunk, char* value, uint64_t* oh);
	int (*dfs_release)(uint64_t oh);
	int (*dfs_obj_local2global)(uint64_t mh, uint64_t oh, d_iov_t* glob);
	int (*dfs_obj_global2local)(uint64_t mh, int flags, d_iov_t glob, uint64_t* oh);
	int (*dfs_read)(uint64_t mh, uint64_t oh, d_sg_list_t* sgl, uint64_t off, daos_size_t* readSize, daos_event_t* ev);
	int (*dfs_readx)(uint64_t mh, uint64_t oh, dfs_iod_t* iod, d_sg_list_t* sgl, daos_size_t* readSize, daos_event_t* ev);
	int (*dfs_writex)(uint64_t mh, uint64_t oh, dfs_iod_t* iod, d_sg_list_t* sgl, daos_event_t* ev);
	int (*dfs_write)(uint64_t mh, uint64_t oh, d_sg_list_t* sgl, uint64_t off, daos_event_t* ev);
	int (*dfs_get_size)(uint64_t mh, uint64_t oh, daos_size_t* size);
	int (*dfs_stat)(uint64_t mh, uint64_t parent, char* name, int64_t* st);
	int (*dfs_mkdir)(uint64_t mh, uint64_t parent, char* name, uint32_t mode, uint32_t cid);
	int (*dfs_remove)(uint64_t mh, uint64_t parent, char* name, int force, daos_obj_id_t* oid);
	int (*dfs_move)(uint64_t mh, uint64_t parent, char* name, uint64_t newParent, char* newName, daos_obj_id_t* oid);
	int (*dfs_access)(uint64_t mh, uint64_t parent, char* name, int mask);
	int (*dfs_sync)(uint64_t mh);
	int (*dfs_readdir)(uint64_t mh, uint64_t oh, daos_anchor_t* anchor, uint32_t* nr, void* buf, size_t stride, size_t nameOff, size_t nameMax);
	int (*dfs_query)(uint64_t mh, uint64_t* chunk, uint32_t* oclass, uint32_t* dirOClass, uint32_t* fileOClass, uint32_t* mode);
	int (*dfs_suggest_oclass)(uint64_t mh, char* hint, uint32_t* cid);
	int (*dfs_ostat)(uint64_t mh, uint64_t oh, int64_t* st);
	int (*dfs_osetattr)(uint64_t mh, uint64_t oh, int64_t* in, int flags, int64_t* out);
	int (*dfs_chmod)(uint64_t mh, uint64_t parent, char* name, uint32_t mode);
	int (*dfs_chown)(uint64_t mh, uint64_t parent, char* name, uint32_t uid, uint32_t gid, int flags);
	int (*dfs_punch)(uint64_t mh, uint64_t oh, uint64_t off, uint64_t n);
	int (*dfs_setxattr)(uint64_t mh, uint64_t oh, char* name, void* value, uint64_t size, int flags);
	int (*dfs_getxattr)(uint64_t mh, uint64_t oh, char* name, void* value, daos_size_t* size);
	int (*dfs_removexattr)(uint64_t mh, uint64_t oh, char* name);
	int (*dfs_listxattr)(uint64_t mh, uint64_t oh, char* list, daos_size_t* size);
	int (*dfs_get_mode)(uint64_t mh, uint64_t oh, uint32_t* mode);
	int (*dfs_obj2id)(uint64_t mh, uint64_t oh, daos_obj_id_t* oid);
	int (*dfs_get_chunk_size)(uint64_t mh, uint64_t oh, daos_size_t* chunk);
	int (*dfs_get_symlink_value)(uint64_t mh, uint64_t oh, char* buf, daos_size_t* size);
	int (*dfs_obj_get_info)(uint64_t mh, uint64_t oh, uint32_t* oclass, uint64_t* chunk, uint32_t* dirOClass, uint32_t* fileOClass, daos_obj_id_t* oid);
	int (*dfs_obj_set_oclass)(uint64_t mh, uint64_t oh, int flags, uint32_t cid);
	int (*dfs_obj_set_chunk_size)(uint64_t mh, uint64_t oh, int flags, uint64_t csize);
	int (*dfs_exchange)(uint64_t mh, uint64_t parent1, char* name1, uint64_t parent2, char* name2);
	int (*dfs_iterate)(uint64_t mh, uint64_t oh, daos_anchor_t* anchor, uint32_t* nr, size_t size, void* op, void* cdfs, void* cobj, void* arg);
	int (*set_ring)(struct dgo_ring* r);
	int (*flush)(void);
	int (*eq_create)(daos_handle_t* eqh, struct dgo_eqc* q);
	int (*eq_destroy)(uint64_t eqh, int flags);
	int (*event_init)(daos_event_t* ev, uint64_t eqh, daos_event_t* parent);
	int (*event_fini)(daos_event_t* ev);
	int (*event_test)(daos_event_t* ev, int64_t timeoutUS, bool* flag);
	int (*event_abort)(daos_event_t* ev);
	int (*kv_open)(uint64_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t* oh, daos_event_t* ev);
	int (*kv_close)(uint64_t oh, daos_event_t* ev);
	int (*kv_destroy)(uint64_t oh, uint64_t th, daos_event_t* ev);
	int (*kv_put)(uint64_t oh, uint64_t th, uint64_t flags, char* ckey, daos_size_t size, void* buf, daos_event_t* ev);
	int (*kv_get)(uint64_t oh, uint64_t th, uint64_t flags, char* ckey, daos_size_t* size, void* buf, daos_event_t* ev);
	int (*kv_remove)(uint64_t oh, uint64_t th, uint64_t flags, char* ckey, daos_event_t* ev);
	int (*kv_list)(uint64_t oh, uint64_t th, uint32_t* nr, daos_key_desc_t* kds, d_sg_list_t* sgl, daos_anchor_t* anchor, daos_event_t* ev);
	int (*obj_list_dkey)(uint64_t oh, uint64_t th, uint32_t* nr, daos_key_desc_t* kds, d_sg_list_t* sgl, daos_anchor_t* anchor, daos_event_t* ev);
	int (*obj_list_akey)(uint64_t oh, uint64_t th, daos_key_t* dkey, uint32_t* nr, daos_key_desc_t* kds, d_sg_list_t* sgl, daos_anchor_t* anchor, daos_event_t* ev);
	int (*obj_list_recx)(uint64_t oh, uint64_t th, daos_key_t* dkey, daos_key_t* akey, daos_size_t* size, uint32_t* nr, daos_recx_t* recxs, daos_epoch_range_t* eprs, daos_anchor_t* anchor, bool incr, daos_event_t* ev);
	int (*obj_anchor_split)(uint64_t oh, uint32_t* nr, daos_anchor_t* anchors);
	int (*obj_anchor_set)(uint64_t oh, uint32_t index, daos_anchor_t* anchor);
	int (*dfs_obj_anchor_split)(uint64_t mh, uint64_t oh, uint32_t* nr, daos_anchor_t* anchors);
	int (*dfs_obj_anchor_set)(uint64_t mh, uint64_t oh, uint32_t index, daos_anchor_t* anchor);
	int (*obj_generate_oid)(uint64_t coh, daos_obj_id_t* oid, int typ, uint32_t cid, uint16_t hints, uint32_t args);
	int (*obj_open)(uint64_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t* oh, daos_event_t* ev);
	int (*obj_close)(uint64_t oh, daos_event_t* ev);
	int (*obj_update)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_iod_t* ciods, d_sg_list_t* sgls, daos_event_t* ev);
	int (*obj_inline_bytes)(void);
	int (*obj_fetch)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_iod_t* ciods, d_sg_list_t* sgls, daos_iom_t* ioms, daos_event_t* ev);
	int (*obj_punch)(uint64_t oh, uint64_t th, uint64_t flags, daos_event_t* ev);
	int (*obj_punch_dkeys)(uint64_t oh, uint64_t th, uint64_t flags, unsigned int nr, daos_key_t* dkeys, daos_event_t* ev);
	int (*obj_punch_akeys)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_key_t* akeys, daos_event_t* ev);
	int (*oclass_name2id)(char* name);
	int (*oclass_names_list)(size_t size, char* buf);
	int (*oclass_nr)(void);
	int (*oclass_id2name)(uint32_t id, char* buf);
	int (*cont_create_snap_opt)(uint64_t coh, daos_epoch_t* epoch, char* name, int opts, daos_event_t* ev);
	int (*cont_snap_oit_create)(uint64_t coh, daos_epoch_t epoch, daos_event_t* ev);
	int (*cont_snap_oit_destroy)(uint64_t coh, uint64_t oh, daos_event_t* ev);
	int (*oit_open)(uint64_t coh, daos_epoch_t epoch, daos_handle_t* oh, daos_event_t* ev);
	int (*oit_close)(uint64_t oh, daos_event_t* ev);
	int (*oit_list)(uint64_t oh, daos_obj_id_t* oids, uint32_t* nr, daos_anchor_t* anchor, int kind, daos_oit_filter_cb* filter, daos_event_t* ev);
	int (*oit_mark)(uint64_t oh, daos_obj_id_t oid, d_iov_t* marker, daos_event_t* ev);
	int (*pool_connect)(char* pool, char* sys, unsigned int flags, daos_handle_t* poh, daos_pool_info_t* info, daos_event_t* ev);
	int (*pool_disconnect)(uint64_t poh, daos_event_t* ev);
	int (*pool_query)(uint64_t poh, d_rank_list_t** ranks, daos_pool_info_t* info, daos_prop_t* props, daos_event_t* ev);
	int (*pool_local2global)(uint64_t poh, d_iov_t* glob);
	int (*pool_global2local)(d_iov_t glob, daos_handle_t* poh);
	int (*mgmt_list_pools)(char* group, daos_size_t* npools, daos_mgmt_pool_info_t* pools, daos_event_t* ev);
};

#endif /* DGO_OPS_H */
