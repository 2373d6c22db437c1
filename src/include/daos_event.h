/*
 * Event queues and events. Every call that takes a daos_event_t * runs
 * synchronously when it is NULL; otherwise it returns once launched and
 * the result lands in ev_error, seen through daos_eq_poll.
 */
#ifndef DAOS_EVENT_H
#define DAOS_EVENT_H

#include <stdint.h>
#include <stdbool.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* daos_eq_poll timeouts, in microseconds. */
#define DAOS_EQ_WAIT		(-1)
#define DAOS_EQ_NOWAIT		0

/* daos_eq_destroy flags. */
#define DAOS_EQ_DESTROY_FORCE	1

typedef enum {
	DAOS_EQR_COMPLETED	= (1 << 0),
	DAOS_EQR_WAITING	= (1 << 1),
	DAOS_EQR_ALL		= (DAOS_EQR_COMPLETED | DAOS_EQR_WAITING),
} daos_eq_query_t;

typedef enum {
	DAOS_EVS_READY		= 0,
	DAOS_EVS_RUNNING	= 1,
	DAOS_EVS_COMPLETED	= 2,
	DAOS_EVS_ABORTED	= 3,
} daos_ev_status_t;

int daos_eq_create(daos_handle_t *eqh);
/* -DER_BUSY while events are in flight or unpolled, unless forced. */
int daos_eq_destroy(daos_handle_t eqh, int flags);
/* Harvest up to n completed events into evs; returns how many. */
int daos_eq_poll(daos_handle_t eqh, int wait_running, int64_t timeout,
		 unsigned int n, daos_event_t **events);
/* Count (and with events != NULL, list) events in the given states. */
int daos_eq_query(daos_handle_t eqh, daos_eq_query_t query, unsigned int n,
		  daos_event_t **events);

/* DAOS_HDL_INVAL as eqh makes a standalone event, tested with
 * daos_event_test. */
int daos_event_init(daos_event_t *ev, daos_handle_t eqh,
		    daos_event_t *parent);
int daos_event_fini(daos_event_t *ev);
/* Wait up to timeout microseconds for ev; *flag is true once done. */
int daos_event_test(daos_event_t *ev, int64_t timeout, bool *flag);
int daos_event_abort(daos_event_t *ev);

/* A function to call when ev completes, with arg, the event and the
 * operation's result; registered ones run once, in order, on the thread
 * that polls or tests the event (before daos_eq_poll or daos_event_test
 * return it), and the first to fail sets the event's error when the
 * operation succeeded. Register before launching the operation. */
typedef int (*daos_event_comp_cb_t)(void *, daos_event_t *, int);
int daos_event_register_comp_cb(daos_event_t *ev, daos_event_comp_cb_t cb, void *arg);
int daos_event_parent_barrier(daos_event_t *ev);
daos_event_t *daos_event_next(daos_event_t *parent, daos_event_t *child);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_EVENT_H */
