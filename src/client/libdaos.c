/*
 * libdaos.so.2: the public daos_* entry points. Each forwards to the Go
 * core (libdaos_core.so, built from bindings/libdaos), which is loaded
 * with dlopen on the first daos_init rather than linked: a Go runtime
 * started at program load does not survive fork(), and benchmarks fork
 * their jobs before those call DAOS.
 *
 * The core is found at $DAOS_GO_CORE if set, else next to this library
 * as daos-go/libdaos_core.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <daos.h>

#include "dgo_ops.h"
#include "dgo_ring.h"
#include "eq.h"

static const struct dgo_ops *dgo;
static pthread_mutex_t dgo_lock = PTHREAD_MUTEX_INITIALIZER;

/* core_path finds the core: the environment's choice, or the file next
 * to the library this function lives in. */
static int
core_path(char *buf, size_t len)
{
	const char *env = getenv("DAOS_GO_CORE");
	Dl_info     info;
	char        self[PATH_MAX];

	if (env != NULL && env[0] != '\0') {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -1;
		return 0;
	}
	if (dladdr((void *)core_path, &info) == 0 || info.dli_fname == NULL)
		return -1;
	if ((size_t)snprintf(self, sizeof(self), "%s", info.dli_fname) >= sizeof(self))
		return -1;
	if ((size_t)snprintf(buf, len, "%s/daos-go/libdaos_core.so", dirname(self)) >= len)
		return -1;
	return 0;
}

/* load_core loads the core once; failures are reported on stderr, since
 * the caller only sees a DER code. */
static int
load_core(void)
{
	char                   path[PATH_MAX];
	void                  *h;
	const struct dgo_ops  *ops;
	int                    rc = 0;

	pthread_mutex_lock(&dgo_lock);
	if (__atomic_load_n(&dgo, __ATOMIC_ACQUIRE) != NULL)
		goto out;
	if (core_path(path, sizeof(path)) != 0) {
		fprintf(stderr, "libdaos: cannot find the daos-go core next to libdaos (set DAOS_GO_CORE)\n");
		rc = -DER_MISC;
		goto out;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "libdaos: cannot load the daos-go core %s: %s\n", path, dlerror());
		rc = -DER_MISC;
		goto out;
	}
	ops = dlsym(h, "dgo_ops");
	if (ops == NULL || ops->version != DGO_OPS_VERSION) {
		fprintf(stderr, "libdaos: %s is not a daos-go core for this library (table version %u, want %u)\n",
			path, ops == NULL ? 0 : ops->version, DGO_OPS_VERSION);
		rc = -DER_MISC;
		goto out;
	}
	if (dgo_ring_start(ops) != 0) {
		rc = -DER_MISC;
		goto out;
	}
	__atomic_store_n(&dgo, ops, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&dgo_lock);
	return rc;
}

/* CORE(o) binds o to the loaded core, or returns -DER_UNINIT: nothing but
 * daos_init loads it. */
#define CORE(o)                                                          \
	const struct dgo_ops *o = __atomic_load_n(&dgo, __ATOMIC_ACQUIRE); \
	if (o == NULL)                                                   \
		return -DER_UNINIT

/* dgo_core is the loaded core's table (NULL before daos_init) for the
 * library's other C files (dfs.c); hidden, as it is not API. */
__attribute__((visibility("hidden"))) const struct dgo_ops *
dgo_core(void)
{
	return __atomic_load_n(&dgo, __ATOMIC_ACQUIRE);
}

int
daos_init(void)
{
	int rc = load_core();

	if (rc != 0)
		return rc;
	return dgo->init();
}

int
daos_fini(void)
{
	int rc;

	CORE(o);
	rc = o->fini();
	dgo_ring_after_fini();
	return rc;
}

/* Event queues and events: eq.c. */

/* Parent events are not supported (daos_event_init refuses a parent with
 * -DER_NOSYS), so no event has children: there is nothing to wait for
 * and nothing to iterate. */
int
daos_event_parent_barrier(daos_event_t *ev)
{
	(void)ev;
	return -DER_NOSYS;
}

daos_event_t *
daos_event_next(daos_event_t *parent, daos_event_t *child)
{
	(void)parent;
	(void)child;
	return NULL;
}

/* Pools. daos_pool_connect is daos_pool_connect2 through the header's
 * rename; the plain name is exported too, for binaries built against
 * headers without the rename. */

int
daos_pool_connect(const char *pool, const char *sys, unsigned int flags, daos_handle_t *poh,
		  daos_pool_info_t *info, daos_event_t *ev)
{
	CORE(o);
	return o->pool_connect((char *)pool, (char *)sys, flags, poh, info, ev);
}

int
daos_pool_disconnect(daos_handle_t poh, daos_event_t *ev)
{
	CORE(o);
	return o->pool_disconnect(poh.cookie, ev);
}

int
daos_pool_query(daos_handle_t poh, d_rank_list_t **ranks, daos_pool_info_t *info,
		daos_prop_t *pool_prop, daos_event_t *ev)
{
	CORE(o);
	return o->pool_query(poh.cookie, ranks, info, pool_prop, ev);
}

int
daos_pool_local2global(daos_handle_t poh, d_iov_t *glob)
{
	CORE(o);
	return o->pool_local2global(poh.cookie, glob);
}

int
daos_pool_global2local(d_iov_t glob, daos_handle_t *poh)
{
	CORE(o);
	return o->pool_global2local(glob, poh);
}

/* Containers. */

int
daos_cont_create(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop, daos_event_t *ev)
{
	CORE(o);
	return o->cont_create(poh.cookie, uuid, cont_prop, ev);
}

int
daos_cont_create_with_label(daos_handle_t poh, const char *label, daos_prop_t *cont_prop,
			    uuid_t *uuid, daos_event_t *ev)
{
	CORE(o);
	return o->cont_create_with_label(poh.cookie, (char *)label, cont_prop, uuid, ev);
}

int
daos_cont_open(daos_handle_t poh, const char *cont, unsigned int flags, daos_handle_t *coh,
	       daos_cont_info_t *info, daos_event_t *ev)
{
	CORE(o);
	return o->cont_open(poh.cookie, (char *)cont, flags, coh, info, ev);
}

int
daos_cont_close(daos_handle_t coh, daos_event_t *ev)
{
	CORE(o);
	return o->cont_close(coh.cookie, ev);
}

int
daos_cont_destroy(daos_handle_t poh, const char *cont, int force, daos_event_t *ev)
{
	CORE(o);
	return o->cont_destroy(poh.cookie, (char *)cont, force, ev);
}

int
daos_cont_query(daos_handle_t coh, daos_cont_info_t *info, daos_prop_t *cont_prop,
		daos_event_t *ev)
{
	CORE(o);
	return o->cont_query(coh.cookie, info, cont_prop, ev);
}

int
daos_cont_local2global(daos_handle_t coh, d_iov_t *glob)
{
	CORE(o);
	return o->cont_local2global(coh.cookie, glob);
}

int
daos_cont_global2local(daos_handle_t poh, d_iov_t glob, daos_handle_t *coh)
{
	CORE(o);
	return o->cont_global2local(poh.cookie, glob, coh);
}

/* Object classes and ids. */

int
daos_oclass_name2id(const char *name)
{
	CORE(o);
	return o->oclass_name2id((char *)name);
}

int
daos_oclass_id2name(daos_oclass_id_t oc_id, char *name)
{
	CORE(o);
	return o->oclass_id2name(oc_id, name);
}

int
daos_mgmt_list_pools(const char *group, daos_size_t *npools, daos_mgmt_pool_info_t *pools,
		     daos_event_t *ev)
{
	CORE(o);
	return o->mgmt_list_pools((char *)group, npools, pools, ev);
}

ssize_t
daos_oclass_names_list(size_t size, char *str)
{
	CORE(o);
	return o->oclass_names_list(size, str);
}

int
daos_oclass_nr(int opts)
{
	(void)opts; /* reserved */
	CORE(o);
	return o->oclass_nr();
}

/* As in DAOS: class attributes are not served to clients. */
int
daos_obj_query_class(daos_handle_t coh, daos_oclass_id_t cid, struct daos_oclass_attr *attr,
		     daos_event_t *ev)
{
	(void)coh;
	(void)cid;
	(void)attr;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_obj_list_class(daos_handle_t coh, struct daos_oclass_list *list, daos_anchor_t *anchor,
		    daos_event_t *ev)
{
	(void)coh;
	(void)list;
	(void)anchor;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_obj_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, enum daos_otype_t type,
		      daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args)
{
	CORE(o);
	return o->obj_generate_oid(coh.cookie, oid, (int)type, cid, hints, args);
}

/* Objects. */

int
daos_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
	      daos_event_t *ev)
{
	CORE(o);
	return o->obj_open(coh.cookie, oid, mode, oh, ev);
}

int
daos_obj_close(daos_handle_t oh, daos_event_t *ev)
{
	CORE(o);
	return o->obj_close(oh.cookie, ev);
}

int
daos_obj_punch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_event_t *ev)
{
	CORE(o);
	return o->obj_punch(oh.cookie, th.cookie, flags, ev);
}

int
daos_obj_punch_dkeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, unsigned int nr,
		     daos_key_t *dkeys, daos_event_t *ev)
{
	CORE(o);
	return o->obj_punch_dkeys(oh.cookie, th.cookie, flags, nr, dkeys, ev);
}

int
daos_obj_punch_akeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		     unsigned int nr, daos_key_t *akeys, daos_event_t *ev)
{
	CORE(o);
	return o->obj_punch_akeys(oh.cookie, th.cookie, flags, dkey, nr, akeys, ev);
}

/* bulk_update reports whether an update's sg lists hold at least the
 * core's inline threshold (asked once), so that its data goes by bulk.
 * Only small shapes are looked at; anything else is left to the core. */
static bool
bulk_update(const struct dgo_ops *o, unsigned int nr, const d_sg_list_t *sgls)
{
	static int   inline_bytes;
	int          limit = __atomic_load_n(&inline_bytes, __ATOMIC_RELAXED);
	uint64_t     n     = 0;
	unsigned int i, j;

	if (sgls == NULL || nr == 0 || nr > 16)
		return false;
	if (limit <= 0) {
		limit = o->obj_inline_bytes();
		if (limit <= 0)
			return false;
		__atomic_store_n(&inline_bytes, limit, __ATOMIC_RELAXED);
	}
	for (i = 0; i < nr; i++) {
		if (sgls[i].sg_nr > 16 || (sgls[i].sg_nr > 0 && sgls[i].sg_iovs == NULL))
			return false;
		for (j = 0; j < sgls[i].sg_nr; j++) {
			if (sgls[i].sg_iovs[j].iov_len > sgls[i].sg_iovs[j].iov_buf_len)
				return false;
			n += sgls[i].sg_iovs[j].iov_len;
		}
	}
	return n >= (uint64_t)limit;
}

int
daos_obj_update(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_event_t *ev)
{
	uint64_t a[] = {oh.cookie, th.cookie, flags, (uintptr_t)dkey, nr, (uintptr_t)iods, (uintptr_t)sgls};
	int      rc;

	CORE(o);
	/* Data that goes by bulk would hold this thread for its transfer:
	 * with an event of a queue the update goes through the submission
	 * stack, without calling in to be told so (each call in costs the
	 * Go runtime a processor hand-off). Arguments are checked where the
	 * core takes it; an event without a queue, or not ready, calls in. */
	if (ev != NULL && bulk_update(o, nr, sgls) && dgo_ring_submit(ev, DGO_OP_OBJ_UPDATE, a, 7) == 0)
		return 0;
	/* Called in, not through the submission stack: the core sends the
	 * request from this thread and completes the event where its reply
	 * is read, with no thread in between (dgo_ring.h). */
	rc = o->obj_update(oh.cookie, th.cookie, flags, dkey, nr, iods, sgls, ev);
	if (rc == DGO_USE_RING) {
		rc = dgo_ring_submit(ev, DGO_OP_OBJ_UPDATE, a, 7);
		if (rc == 1) /* its queue is gone since */
			rc = -DER_NONEXIST;
		return rc;
	}
	if (ev != NULL && rc == 0)
		dgo_started();
	return rc;
}

int
daos_obj_fetch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
	       unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_iom_t *ioms,
	       daos_event_t *ev)
{
	int rc;

	CORE(o);
	/* Called in, not through the submission stack: the core sends the
	 * request from this thread and completes the event where its reply
	 * is read, with no thread in between (dgo_ring.h). */
	rc = o->obj_fetch(oh.cookie, th.cookie, flags, dkey, nr, iods, sgls, ioms, ev);
	if (ev != NULL && rc == 0)
		dgo_started();
	return rc;
}

int
daos_obj_list_dkey(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
		   d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	CORE(o);
	return o->obj_list_dkey(oh.cookie, th.cookie, nr, kds, sgl, anchor, ev);
}

int
daos_obj_anchor_split(daos_handle_t oh, uint32_t *nr, daos_anchor_t *anchors)
{
	CORE(o);
	return o->obj_anchor_split(oh.cookie, nr, anchors);
}

int
daos_obj_anchor_set(daos_handle_t oh, uint32_t index, daos_anchor_t *anchor)
{
	CORE(o);
	return o->obj_anchor_set(oh.cookie, index, anchor);
}

int
daos_obj_list_akey(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, uint32_t *nr,
		   daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	CORE(o);
	return o->obj_list_akey(oh.cookie, th.cookie, dkey, nr, kds, sgl, anchor, ev);
}

/* Flat KV objects. */

int
daos_kv_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
	     daos_event_t *ev)
{
	CORE(o);
	return o->kv_open(coh.cookie, oid, mode, oh, ev);
}

int
daos_kv_close(daos_handle_t oh, daos_event_t *ev)
{
	CORE(o);
	return o->kv_close(oh.cookie, ev);
}

int
daos_kv_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev)
{
	CORE(o);
	return o->kv_destroy(oh.cookie, th.cookie, ev);
}

int
daos_kv_put(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key, daos_size_t size,
	    const void *buf, daos_event_t *ev)
{
	CORE(o);
	return o->kv_put(oh.cookie, th.cookie, flags, (char *)key, size, (void *)buf, ev);
}

int
daos_kv_get(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key, daos_size_t *size,
	    void *buf, daos_event_t *ev)
{
	CORE(o);
	return o->kv_get(oh.cookie, th.cookie, flags, (char *)key, size, buf, ev);
}

int
daos_kv_remove(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key, daos_event_t *ev)
{
	CORE(o);
	return o->kv_remove(oh.cookie, th.cookie, flags, (char *)key, ev);
}

int
daos_kv_list(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
	     d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	CORE(o);
	return o->kv_list(oh.cookie, th.cookie, nr, kds, sgl, anchor, ev);
}

/* Arrays. */

int
daos_array_create(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th, daos_size_t cell_size,
		  daos_size_t chunk_size, daos_handle_t *oh, daos_event_t *ev)
{
	CORE(o);
	return o->array_create(coh.cookie, oid, th.cookie, cell_size, chunk_size, oh, ev);
}

int
daos_array_open(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th, unsigned int mode,
		daos_size_t *cell_size, daos_size_t *chunk_size, daos_handle_t *oh, daos_event_t *ev)
{
	CORE(o);
	return o->array_open(coh.cookie, oid, th.cookie, mode, cell_size, chunk_size, oh, ev);
}

int
daos_array_open_with_attr(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
			  unsigned int mode, daos_size_t cell_size, daos_size_t chunk_size,
			  daos_handle_t *oh, daos_event_t *ev)
{
	CORE(o);
	return o->array_open_with_attr(coh.cookie, oid, th.cookie, mode, cell_size, chunk_size, oh,
				       ev);
}

int
daos_array_close(daos_handle_t oh, daos_event_t *ev)
{
	CORE(o);
	return o->array_close(oh.cookie, ev);
}

int
daos_array_get_attr(daos_handle_t oh, daos_size_t *chunk_size, daos_size_t *cell_size)
{
	CORE(o);
	return o->array_get_attr(oh.cookie, chunk_size, cell_size);
}

int
daos_array_read(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		daos_event_t *ev)
{
	CORE(o);
	if (ev != NULL) {
		uint64_t a[] = {oh.cookie, th.cookie, (uintptr_t)iod, (uintptr_t)sgl};
		int      rc  = dgo_ring_submit(ev, DGO_OP_ARRAY_READ, a, 4);

		if (rc <= 0)
			return rc;
	}
	return o->array_read(oh.cookie, th.cookie, iod, sgl, ev);
}

int
daos_array_write(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		 daos_event_t *ev)
{
	CORE(o);
	if (ev != NULL) {
		uint64_t a[] = {oh.cookie, th.cookie, (uintptr_t)iod, (uintptr_t)sgl};
		int      rc  = dgo_ring_submit(ev, DGO_OP_ARRAY_WRITE, a, 4);

		if (rc <= 0)
			return rc;
	}
	return o->array_write(oh.cookie, th.cookie, iod, sgl, ev);
}

int
daos_array_get_size(daos_handle_t oh, daos_handle_t th, daos_size_t *size, daos_event_t *ev)
{
	CORE(o);
	return o->array_get_size(oh.cookie, th.cookie, size, ev);
}

int
daos_array_set_size(daos_handle_t oh, daos_handle_t th, daos_size_t size, daos_event_t *ev)
{
	CORE(o);
	return o->array_set_size(oh.cookie, th.cookie, size, ev);
}

int
daos_array_stat(daos_handle_t oh, daos_handle_t th, daos_array_stbuf_t *stbuf, daos_event_t *ev)
{
	CORE(o);
	return o->array_stat(oh.cookie, th.cookie, stbuf, ev);
}

int
daos_array_punch(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, daos_event_t *ev)
{
	CORE(o);
	return o->array_punch(oh.cookie, th.cookie, iod, ev);
}

int
daos_array_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev)
{
	CORE(o);
	return o->array_destroy(oh.cookie, th.cookie, ev);
}

/* Container properties, attributes, object ids and snapshots. */

int
daos_cont_set_prop(daos_handle_t coh, daos_prop_t *prop, daos_event_t *ev)
{
	CORE(o);
	return o->cont_set_prop(coh.cookie, prop, ev);
}

/* Marks an UNCLEAN container (one that lost data it could not rebuild)
 * healthy again, as DAOS does: a set_prop of the status with the clear
 * flag. The list is copied before the call returns, so it is freed here
 * even with an event. */
int
daos_cont_status_clear(daos_handle_t coh, daos_event_t *ev)
{
	daos_prop_t *prop = daos_prop_alloc(1);
	int          rc;

	if (prop == NULL)
		return -DER_NOMEM;
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_STATUS;
	prop->dpp_entries[0].dpe_val =
	    DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, DAOS_PROP_CO_CLEAR, 0);
	rc = daos_cont_set_prop(coh, prop, ev);
	daos_prop_free(prop);
	return rc;
}

/* Epoch operations no service here offers yet: aggregation on request,
 * rollback to a snapshot, subscription to new epochs. */
int
daos_cont_aggregate(daos_handle_t coh, daos_epoch_t epoch, daos_event_t *ev)
{
	(void)coh;
	(void)epoch;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_cont_rollback(daos_handle_t coh, daos_epoch_t epoch, daos_event_t *ev)
{
	(void)coh;
	(void)epoch;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_cont_subscribe(daos_handle_t coh, daos_epoch_t *epoch, daos_event_t *ev)
{
	(void)coh;
	(void)epoch;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_cont_get_acl(daos_handle_t coh, daos_prop_t **acl_prop, daos_event_t *ev)
{
	CORE(o);
	return o->cont_get_acl(coh.cookie, acl_prop, ev);
}

int
daos_cont_overwrite_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev)
{
	CORE(o);
	return o->cont_overwrite_acl(coh.cookie, acl, ev);
}

int
daos_cont_update_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev)
{
	CORE(o);
	return o->cont_update_acl(coh.cookie, acl, ev);
}

int
daos_cont_delete_acl(daos_handle_t coh, enum daos_acl_principal_type type, d_string_t name,
		     daos_event_t *ev)
{
	CORE(o);
	return o->cont_delete_acl(coh.cookie, (int)type, name, ev);
}

/* An owner or group name given as "" is an error, as in DAOS; NULL keeps
 * the current one. */
static bool
owner_names_ok(d_string_t user, d_string_t group)
{
	return (user != NULL || group != NULL) && (user == NULL || user[0] != '\0') &&
	       (group == NULL || group[0] != '\0');
}

/* As DAOS's, the names must be users and groups this node knows. */
int
daos_cont_set_owner(daos_handle_t coh, d_string_t user, d_string_t group, daos_event_t *ev)
{
	uid_t uid;
	gid_t gid;
	int   rc;

	CORE(o);
	if (!owner_names_ok(user, group))
		return -DER_INVAL;
	if (user != NULL && (rc = daos_acl_principal_to_uid(user, &uid)) != 0)
		return rc;
	if (group != NULL && (rc = daos_acl_principal_to_gid(group, &gid)) != 0)
		return rc;
	return o->cont_set_owner(coh.cookie, user, group, ev);
}

int
daos_cont_set_owner_no_check(daos_handle_t coh, d_string_t user, d_string_t group,
			     daos_event_t *ev)
{
	CORE(o);
	if (!owner_names_ok(user, group))
		return -DER_INVAL;
	return o->cont_set_owner(coh.cookie, user, group, ev);
}

int
daos_pool_list_attr(daos_handle_t poh, char *buffer, size_t *size, daos_event_t *ev)
{
	CORE(o);
	return o->pool_list_attr(poh.cookie, buffer, size, ev);
}

int
daos_pool_get_attr(daos_handle_t poh, int n, char const *const names[], void *const buffers[],
		   size_t sizes[], daos_event_t *ev)
{
	CORE(o);
	return o->pool_get_attr(poh.cookie, n, (char **)names, (void **)buffers, sizes, ev);
}

int
daos_pool_set_attr(daos_handle_t poh, int n, char const *const names[], void const *const values[],
		   size_t const sizes[], daos_event_t *ev)
{
	CORE(o);
	return o->pool_set_attr(poh.cookie, n, (char **)names, (void **)values, (size_t *)sizes, ev);
}

int
daos_pool_del_attr(daos_handle_t poh, int n, char const *const names[], daos_event_t *ev)
{
	CORE(o);
	return o->pool_del_attr(poh.cookie, n, (char **)names, ev);
}

int
daos_cont_list_attr(daos_handle_t coh, char *buffer, size_t *size, daos_event_t *ev)
{
	CORE(o);
	return o->cont_list_attr(coh.cookie, buffer, size, ev);
}

int
daos_cont_get_attr(daos_handle_t coh, int n, char const *const names[], void *const buffers[],
		   size_t sizes[], daos_event_t *ev)
{
	CORE(o);
	return o->cont_get_attr(coh.cookie, n, (char **)names, (void **)buffers, sizes, ev);
}

int
daos_cont_set_attr(daos_handle_t coh, int n, char const *const names[], void const *const values[],
		   size_t const sizes[], daos_event_t *ev)
{
	CORE(o);
	return o->cont_set_attr(coh.cookie, n, (char **)names, (void **)values, (size_t *)sizes, ev);
}

int
daos_cont_del_attr(daos_handle_t coh, int n, char const *const names[], daos_event_t *ev)
{
	CORE(o);
	return o->cont_del_attr(coh.cookie, n, (char **)names, ev);
}

int
daos_cont_alloc_oids(daos_handle_t coh, daos_size_t num_oids, uint64_t *oid, daos_event_t *ev)
{
	CORE(o);
	return o->cont_alloc_oids(coh.cookie, num_oids, oid, ev);
}

int
daos_cont_create_snap(daos_handle_t coh, daos_epoch_t *epoch, char *name, daos_event_t *ev)
{
	CORE(o);
	return o->cont_create_snap(coh.cookie, epoch, name, ev);
}

int
daos_cont_list_snap(daos_handle_t coh, int *nr, daos_epoch_t *epochs, char **names,
		    daos_anchor_t *anchor, daos_event_t *ev)
{
	CORE(o);
	return o->cont_list_snap(coh.cookie, nr, epochs, names, anchor, ev);
}

int
daos_cont_destroy_snap(daos_handle_t coh, daos_epoch_range_t epr, daos_event_t *ev)
{
	CORE(o);
	return o->cont_destroy_snap(coh.cookie, epr, ev);
}

int
daos_pool_list_cont(daos_handle_t poh, daos_size_t *ncont, struct daos_pool_cont_info *cbuf, daos_event_t *ev)
{
	CORE(o);
	return o->pool_list_cont(poh.cookie, ncont, cbuf, ev);
}

int
daos_obj_query_max_epoch(daos_handle_t oh, daos_handle_t th, daos_epoch_t *epoch, daos_event_t *ev)
{
	CORE(o);
	return o->obj_query_max_epoch(oh.cookie, th.cookie, epoch, ev);
}

int
daos_cont_create_snap_opt(daos_handle_t coh, daos_epoch_t *epoch, char *name, enum daos_snapshot_opts opts,
			  daos_event_t *ev)
{
	CORE(o);
	return o->cont_create_snap_opt(coh.cookie, epoch, name, (int)opts, ev);
}

int
daos_cont_snap_oit_create(daos_handle_t coh, daos_epoch_t epoch, char *name, daos_event_t *ev)
{
	(void)name;
	CORE(o);
	return o->cont_snap_oit_create(coh.cookie, epoch, ev);
}

int
daos_cont_snap_oit_destroy(daos_handle_t coh, daos_handle_t oh, daos_event_t *ev)
{
	CORE(o);
	return o->cont_snap_oit_destroy(coh.cookie, oh.cookie, ev);
}

int
daos_oit_open(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *oh, daos_event_t *ev)
{
	CORE(o);
	return o->oit_open(coh.cookie, epoch, oh, ev);
}

int
daos_oit_close(daos_handle_t oh, daos_event_t *ev)
{
	CORE(o);
	return o->oit_close(oh.cookie, ev);
}

/* The three listings share the core's entry: all, unmarked, filtered (the
 * core's oitAll, oitUnmarked and oitFiltered). */
int
daos_oit_list(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr, daos_anchor_t *anchor,
	      daos_event_t *ev)
{
	CORE(o);
	return o->oit_list(oh.cookie, oids, oids_nr, anchor, 0, NULL, ev);
}

int
daos_oit_list_unmarked(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr, daos_anchor_t *anchor,
		       daos_event_t *ev)
{
	CORE(o);
	return o->oit_list(oh.cookie, oids, oids_nr, anchor, 1, NULL, ev);
}

int
daos_oit_list_filter(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr, daos_anchor_t *anchor,
		     daos_oit_filter_cb filter, daos_event_t *ev)
{
	CORE(o);
	return o->oit_list(oh.cookie, oids, oids_nr, anchor, 2, filter, ev);
}

int
daos_oit_mark(daos_handle_t oh, daos_obj_id_t oid, d_iov_t *marker, daos_event_t *ev)
{
	CORE(o);
	return o->oit_mark(oh.cookie, oid, marker, ev);
}

int
daos_array_local2global(daos_handle_t oh, d_iov_t *glob)
{
	CORE(o);
	return o->array_local2global(oh.cookie, glob);
}

int
daos_array_global2local(daos_handle_t coh, d_iov_t glob, unsigned int mode, daos_handle_t *oh)
{
	CORE(o);
	return o->array_global2local(coh.cookie, glob, mode, oh);
}

int
daos_obj_query_key(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		   daos_key_t *akey, daos_recx_t *recx, daos_event_t *ev)
{
	CORE(o);
	return o->obj_query_key(oh.cookie, th.cookie, flags, dkey, akey, recx, ev);
}

int
daos_obj_list_recx(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, daos_key_t *akey,
		   daos_size_t *size, uint32_t *nr, daos_recx_t *recxs, daos_epoch_range_t *eprs,
		   daos_anchor_t *anchor, bool incr_order, daos_event_t *ev)
{
	CORE(o);
	return o->obj_list_recx(oh.cookie, th.cookie, dkey, akey, size, nr, recxs, eprs, anchor,
				incr_order, ev);
}

/* Classes are built in: as in DAOS, registering one is not implemented. */
int
daos_obj_register_class(daos_handle_t coh, daos_oclass_id_t cid, struct daos_oclass_attr *cattr,
			daos_event_t *ev)
{
	(void)coh;
	(void)cid;
	(void)cattr;
	(void)ev;
	return -DER_NOSYS;
}

/* The renamed entry points under their plain names too (ABI.md 0.1). */
#undef daos_pool_connect
#undef daos_cont_create
#undef daos_cont_open
#undef daos_cont_destroy
#undef daos_obj_generate_oid
int daos_pool_connect(const char *, const char *, unsigned int, daos_handle_t *,
		      daos_pool_info_t *, daos_event_t *)
	__attribute__((weak, alias("daos_pool_connect2")));
int daos_cont_create(daos_handle_t, uuid_t *, daos_prop_t *, daos_event_t *)
	__attribute__((weak, alias("daos_cont_create2")));
int daos_cont_open(daos_handle_t, const char *, unsigned int, daos_handle_t *,
		   daos_cont_info_t *, daos_event_t *) __attribute__((weak, alias("daos_cont_open2")));
int daos_cont_destroy(daos_handle_t, const char *, int, daos_event_t *)
	__attribute__((weak, alias("daos_cont_destroy2")));
int daos_obj_generate_oid(daos_handle_t, daos_obj_id_t *, enum daos_otype_t, daos_oclass_id_t,
			  daos_oclass_hints_t, uint32_t)
	__attribute__((weak, alias("daos_obj_generate_oid2")));

/* Transactions come with their own issue. Until then DAOS_TX_NONE is the
 * only transaction: opening one is refused as unimplemented rather than
 * pretending, and no other handle can name one. */

int
daos_tx_open(daos_handle_t coh, daos_handle_t *th, uint64_t flags, daos_event_t *ev)
{
	(void)coh;
	(void)th;
	(void)flags;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_tx_open_snap(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *th, daos_event_t *ev)
{
	(void)coh;
	(void)epoch;
	(void)th;
	(void)ev;
	return -DER_NOSYS;
}

int
daos_tx_commit(daos_handle_t th, daos_event_t *ev)
{
	(void)th;
	(void)ev;
	return -DER_NO_HDL;
}

int
daos_tx_abort(daos_handle_t th, daos_event_t *ev)
{
	(void)th;
	(void)ev;
	return -DER_NO_HDL;
}

int
daos_tx_close(daos_handle_t th, daos_event_t *ev)
{
	(void)th;
	(void)ev;
	return -DER_NO_HDL;
}

int
daos_tx_restart(daos_handle_t th, daos_event_t *ev)
{
	(void)th;
	(void)ev;
	return -DER_NO_HDL;
}

int
daos_tx_hdl2epoch(daos_handle_t th, daos_epoch_t *epoch)
{
	(void)th;
	if (epoch == NULL)
		return -DER_INVAL;
	return -DER_NO_HDL;
}
