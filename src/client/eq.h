/*
 * Event queues in the C layer (eq.c): hidden, not API.
 */
#ifndef DGO_EQ_H
#define DGO_EQ_H

#include <stdint.h>
#include <daos.h>

#include "dgo_ops.h"

/* dgo_ring_start hands the core the submission stack (once per process,
 * when the core is loaded); 0 or -1 with the reason on stderr. */
int dgo_ring_start(const struct dgo_ops *ops) __attribute__((visibility("hidden")));

/* dgo_ring_submit submits op with its n arguments on ev: 0 once queued,
 * a negative DER code when ev cannot take it now (-DER_BUSY), 1 when ev
 * is not an event of a live queue, so the caller calls the core itself
 * (which reports what is wrong with it). */
int dgo_ring_submit(daos_event_t *ev, int op, const uint64_t *args, int n)
	__attribute__((visibility("hidden")));

/* dgo_started says that this thread started operations on events
 * directly in the core, whose requests may wait for a flush: pollers
 * flush before they wait. */
void dgo_started(void) __attribute__((visibility("hidden")));

/* dgo_ring_after_fini ends the C side of every event queue when the
 * daos_fini just made tore the library down (the core then dropped the
 * queues' handles); otherwise it does nothing. */
void dgo_ring_after_fini(void) __attribute__((visibility("hidden")));

/* dgo_core is the loaded core's table, NULL before daos_init (libdaos.c). */
const struct dgo_ops *dgo_core(void) __attribute__((visibility("hidden")));

#endif /* DGO_EQ_H */
