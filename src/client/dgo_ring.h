/*
 * What the C layer of libdaos and the Go core share so that a C thread
 * polling events never enters Go, and launching array I/O does not
 * either. Private: not installed.
 *
 * Why: every call from a C thread into Go takes a processor from the Go
 * scheduler and leaves it parked with that thread when the call returns,
 * so the runtime's monitor must take it back; with a completion handed to
 * C and a poll asking Go again, that was about 25 us of CPU per 4 KiB
 * operation on top of the Go client's (docs/performance.md).
 *
 * Submissions of array reads and writes, which take several requests and
 * run on goroutines of the core: the C layer stores the operation and its
 * arguments in the event's private space and pushes the event on one
 * lock-free stack for the process; a Go goroutine takes the whole stack
 * at once, launches every operation on it and sleeps on an eventfd,
 * which the C layer writes only when that goroutine said it was idle.
 * Object updates and fetches, one request each, are called in instead
 * (an update whose data goes by bulk is sent back to the stack):
 * the core sends the request from the calling thread (held back for the
 * next flush, which pollers ask for before they wait, so that a burst of
 * them shares a write) and completes the event wherever the reply is
 * read, which costs less than the hand-off to the dispatching goroutine.
 *
 * Completions: the core pushes each completed event on its queue's
 * lock-free stack and bumps a futex word (waking sleepers only when the
 * word says there are some); daos_eq_poll takes the stack,
 * keeps the events in completion order in a list of its own, and sleeps
 * on that word (FUTEX_WAIT_PRIVATE) when there is nothing to hand back.
 *
 * All shared words are accessed with sequentially consistent atomics on
 * both sides.
 */
#ifndef DGO_RING_H
#define DGO_RING_H

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>

/* ev_private words (uint64_t space[20]). */
enum {
	DGO_EV_MARKER = 0, /* "goevent1" once daos_event_init ran */
	DGO_EV_ID     = 1, /* the core's id for the event */
	DGO_EV_EQ     = 2, /* struct dgo_eqc * of its queue, 0 when standalone */
	DGO_EV_STATE  = 3, /* enum dgo_ev_state */
	DGO_EV_SUBMIT = 4, /* next event on the submission stack */
	DGO_EV_DONE   = 5, /* next event on the completion stack or list */
	DGO_EV_OP     = 6, /* enum dgo_ring_op */
	DGO_EV_ARG0   = 7, /* arguments: DGO_EV_ARG0 .. DGO_EV_ARG0 + 8 */
	DGO_EV_NARGS  = 9,
	DGO_EV_EQH    = 16, /* the queue's handle cookie, 0 when standalone */
	DGO_EV_CB     = 17, /* completion callbacks (C side only: struct ev_cb *) */
};

/* States of an event bound to a queue. */
enum dgo_ev_state {
	DGO_EV_READY     = 0, /* never launched, or completed and polled */
	DGO_EV_RUNNING   = 1, /* launched in the core */
	DGO_EV_COMPLETED = 2, /* on its queue's completion stack or list */
	DGO_EV_QUEUED    = 3, /* on the submission stack */
	DGO_EV_TAKEN     = 4, /* being launched by the core's dispatcher */
	DGO_EV_CALLBACK  = 5, /* taken off its queue, its completion callbacks running */
};

/* Operations the C layer submits through the stack: object updates whose
 * data goes by bulk (the core answers DGO_USE_RING when called with one);
 * array reads and writes. */
enum dgo_ring_op {
	DGO_OP_OBJ_UPDATE  = 1,
	DGO_OP_ARRAY_WRITE = 3,
	DGO_OP_ARRAY_READ  = 4,
	DGO_OP_KV_PUT      = 5,
	DGO_OP_KV_GET      = 6,
};

/* What the core's obj_update returns, instead of 0 or a DER code, for an
 * event bound to a queue whose data goes by bulk: submit it through the
 * stack, as the transfer would hold the calling thread. */
#define DGO_USE_RING 1

/* The completion futex word counts in steps of 2; its low bit says that
 * threads sleep on it (set by them, cleared by the push that wakes them). */
#define DGO_SEQ_STEP     2u
#define DGO_SEQ_SLEEPERS 1u

/* The C side of one event queue. */
struct dgo_eqc {
	uint64_t        done;        /* completion stack: daos_event_t *, 0 when empty */
	uint32_t        seq;         /* futex word: DGO_SEQ_STEP added after every push */
	uint32_t        pad;
	int64_t         outstanding; /* launched (or queued) and not yet pushed */
	int64_t         handing;     /* pushes under way: q is the core's until 0 */
	pthread_mutex_t lock;        /* guards the list below */
	uint64_t        head, tail;  /* completed, in order, not yet polled */
	int64_t         nlist;
	/* The queue's events in flight (guarded by lock), for
	 * daos_eq_query's listing: added when submitted (C) or launched
	 * directly (the core), removed when taken off the completion stack. */
	daos_event_t  **evs;
	size_t          nevs, capevs;
};

/* dgo_eq_inflight adds ev to q's events in flight; 0, or -1 out of
 * memory (the event is then only missing from listings). */
static inline int
dgo_eq_inflight(struct dgo_eqc *q, daos_event_t *ev)
{
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (q->nevs == q->capevs) {
		size_t         nc = q->capevs == 0 ? 16 : q->capevs * 2;
		daos_event_t **ne = (daos_event_t **)realloc(q->evs, nc * sizeof(*ne));

		if (ne == NULL)
			rc = -1;
		else {
			q->evs    = ne;
			q->capevs = nc;
		}
	}
	if (rc == 0)
		q->evs[q->nevs++] = ev;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* dgo_eq_landed_locked removes ev from q's events in flight; q->lock
 * held. */
static inline void
dgo_eq_landed_locked(struct dgo_eqc *q, daos_event_t *ev)
{
	size_t i;

	for (i = 0; i < q->nevs; i++)
		if (q->evs[i] == ev) {
			q->evs[i] = q->evs[--q->nevs];
			return;
		}
}

/* dgo_eq_landed is dgo_eq_landed_locked taking the lock. */
static inline void
dgo_eq_landed(struct dgo_eqc *q, daos_event_t *ev)
{
	pthread_mutex_lock(&q->lock);
	dgo_eq_landed_locked(q, ev);
	pthread_mutex_unlock(&q->lock);
}

/* The process's submission stack. */
struct dgo_ring {
	uint64_t head; /* daos_event_t *, 0 when empty */
	uint32_t idle; /* the dispatcher is about to sleep on efd */
	int32_t  efd;  /* eventfd, non-blocking */
	uint32_t down; /* set by the core's last daos_fini: its queues are gone */
};

#endif /* DGO_RING_H */
