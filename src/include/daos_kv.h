/*
 * Flat key-value objects: NUL-terminated string keys mapped to byte
 * values, each put atomic. The object's id must be of type
 * DAOS_OT_KV_HASHED (or another KV type); there is no create step.
 */
#ifndef DAOS_KV_H
#define DAOS_KV_H

#include <stdint.h>

#include <daos_types.h>
#include <daos_obj.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Conditions for put/get/remove. */
#define DAOS_COND_KEY_REMOVE	DAOS_COND_PUNCH		/* must exist */
#define DAOS_COND_KEY_INSERT	DAOS_COND_DKEY_INSERT	/* must not exist */
#define DAOS_COND_KEY_UPDATE	DAOS_COND_DKEY_UPDATE	/* must exist */
#define DAOS_COND_KEY_GET	DAOS_COND_DKEY_FETCH	/* must exist */

int daos_kv_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode,
		 daos_handle_t *oh, daos_event_t *ev);
int daos_kv_close(daos_handle_t oh, daos_event_t *ev);
/* Remove every key and the object itself. */
int daos_kv_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev);

int daos_kv_put(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		const char *key, daos_size_t size, const void *buf,
		daos_event_t *ev);
/* buf NULL: *size is set to the value's size. Otherwise *size is the
 * capacity in and the value's size out (-DER_REC2BIG if it does not
 * fit). A missing key gives *size 0, or -DER_NONEXIST with
 * DAOS_COND_KEY_GET. */
int daos_kv_get(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		const char *key, daos_size_t *size, void *buf,
		daos_event_t *ev);
int daos_kv_remove(daos_handle_t oh, daos_handle_t th, uint64_t flags,
		   const char *key, daos_event_t *ev);
/* Same contract as daos_obj_list_dkey; keys come without their NUL. */
int daos_kv_list(daos_handle_t oh, daos_handle_t th, uint32_t *nr,
		 daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor,
		 daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_KV_H */
