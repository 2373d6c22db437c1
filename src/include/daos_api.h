/* Transactions. th = DAOS_TX_NONE in an I/O call means "no transaction":
 * the operation stands alone. */
#ifndef DAOS_API_H
#define DAOS_API_H

#include <stdint.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* flags: DAOS_TF_*. */
int daos_tx_open(daos_handle_t coh, daos_handle_t *th, uint64_t flags,
		 daos_event_t *ev);
/* A read-only transaction reading the container as of epoch. */
int daos_tx_open_snap(daos_handle_t coh, daos_epoch_t epoch,
		      daos_handle_t *th, daos_event_t *ev);
/* -DER_TX_RESTART means: daos_tx_restart, redo the operations, commit. */
int daos_tx_commit(daos_handle_t th, daos_event_t *ev);
int daos_tx_abort(daos_handle_t th, daos_event_t *ev);
int daos_tx_close(daos_handle_t th, daos_event_t *ev);
int daos_tx_restart(daos_handle_t th, daos_event_t *ev);
int daos_tx_hdl2epoch(daos_handle_t th, daos_epoch_t *epoch);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_API_H */
