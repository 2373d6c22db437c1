/*
 * The table of entry points the Go core (bindings/libdaos, loaded with
 * dlopen) hands the C layer of libdaos. Private: not installed.
 *
 * The prototypes are the ones cgo generates for the core's exports (no
 * const: cgo cannot export const-qualified parameters), so the C layer
 * casts const away when it forwards. Handles travel as their cookies.
 * Bump DGO_OPS_VERSION whenever an entry is added, removed or changed:
 * the C layer refuses a core built for another table.
 */
#ifndef DGO_OPS_H
#define DGO_OPS_H

#include <stdbool.h>
#include <daos.h>

#define DGO_OPS_VERSION 1

struct dgo_ops {
	uint32_t version;
	int (*cont_create)(uint64_t poh, uuid_t* uuid, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_create_with_label)(uint64_t poh, char* label, daos_prop_t* cprops, uuid_t* uuid, daos_event_t* ev);
	int (*cont_open)(uint64_t poh, char* cont, unsigned int flags, daos_handle_t* coh, daos_cont_info_t* info, daos_event_t* ev);
	int (*cont_close)(uint64_t coh, daos_event_t* ev);
	int (*cont_destroy)(uint64_t poh, char* cont, int force, daos_event_t* ev);
	int (*cont_query)(uint64_t coh, daos_cont_info_t* info, daos_prop_t* cprops, daos_event_t* ev);
	int (*cont_local2global)(uint64_t coh, d_iov_t* glob);
	int (*cont_global2local)(uint64_t poh, d_iov_t glob, daos_handle_t* coh);
	int (*init)(void);
	int (*fini)(void);
	int (*eq_create)(daos_handle_t* eqh);
	int (*eq_destroy)(uint64_t eqh, int flags);
	int (*eq_poll)(uint64_t eqh, int waitRunning, int64_t timeoutUS, unsigned int n, daos_event_t** evs);
	int (*eq_query)(uint64_t eqh, int query, unsigned int n, daos_event_t** evs);
	int (*event_init)(daos_event_t* ev, uint64_t eqh, daos_event_t* parent);
	int (*event_fini)(daos_event_t* ev);
	int (*event_test)(daos_event_t* ev, int64_t timeoutUS, bool* flag);
	int (*event_abort)(daos_event_t* ev);
	int (*obj_generate_oid)(uint64_t coh, daos_obj_id_t* oid, int typ, uint32_t cid, uint16_t hints, uint32_t args);
	int (*obj_open)(uint64_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t* oh, daos_event_t* ev);
	int (*obj_close)(uint64_t oh, daos_event_t* ev);
	int (*obj_update)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_iod_t* ciods, d_sg_list_t* sgls, daos_event_t* ev);
	int (*obj_fetch)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_iod_t* ciods, d_sg_list_t* sgls, daos_iom_t* ioms, daos_event_t* ev);
	int (*obj_punch)(uint64_t oh, uint64_t th, uint64_t flags, daos_event_t* ev);
	int (*obj_punch_dkeys)(uint64_t oh, uint64_t th, uint64_t flags, unsigned int nr, daos_key_t* dkeys, daos_event_t* ev);
	int (*obj_punch_akeys)(uint64_t oh, uint64_t th, uint64_t flags, daos_key_t* dkey, unsigned int nr, daos_key_t* akeys, daos_event_t* ev);
	int (*oclass_name2id)(char* name);
	int (*oclass_id2name)(uint32_t id, char* buf);
	int (*pool_connect)(char* pool, char* sys, unsigned int flags, daos_handle_t* poh, daos_pool_info_t* info, daos_event_t* ev);
	int (*pool_disconnect)(uint64_t poh, daos_event_t* ev);
	int (*pool_query)(uint64_t poh, d_rank_list_t** ranks, daos_pool_info_t* info, daos_prop_t* props, daos_event_t* ev);
	int (*pool_local2global)(uint64_t poh, d_iov_t* glob);
	int (*pool_global2local)(d_iov_t glob, daos_handle_t* poh);
};

#endif /* DGO_OPS_H */
