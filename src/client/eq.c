/*
 * Event queues and events on the C side of libdaos: completions are
 * polled, tested and counted here without calling into the Go core, and
 * the hot I/O operations are submitted to it through a lock-free stack
 * (see dgo_ring.h for why and for the protocol).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <daos.h>

#include "dgo_ops.h"
#include "dgo_ring.h"
#include "eq.h"

#define EV_MARKER 0x31746e6576656f67ULL /* "goevent1", as the core writes it */
#define SEQ       __ATOMIC_SEQ_CST

#define CORE(o)                                  \
	const struct dgo_ops *o = dgo_core();    \
	if (o == NULL)                           \
		return -DER_UNINIT

static struct dgo_ring ring = {.efd = -1};

/* Set when a C thread has started operations whose requests the core may
 * hold back to send several in one write (their reply or the next flush
 * sends them); pollers flush before they wait. */
static int unflushed;

void
dgo_started(void)
{
	if (!__atomic_load_n(&unflushed, SEQ))
		__atomic_store_n(&unflushed, 1, SEQ);
}

/* flush_started sends what the core holds back, if anything may be. */
static void
flush_started(const struct dgo_ops *o)
{
	if (__atomic_load_n(&unflushed, SEQ) && __atomic_exchange_n(&unflushed, 0, SEQ))
		(void)o->flush();
}

static uint64_t *
words(daos_event_t *ev)
{
	return ev->ev_private.space;
}

/* Completion callbacks of an event (daos_event_register_comp_cb), a list
 * hung from its DGO_EV_CB word. */
struct ev_cb {
	struct ev_cb        *next;
	daos_event_comp_cb_t cb;
	void                *arg;
};

static struct ev_cb *
take_cbs(daos_event_t *ev)
{
	return (struct ev_cb *)(uintptr_t)__atomic_exchange_n(&words(ev)[DGO_EV_CB], 0, SEQ);
}

/* done_state is what a completed event taken off its queue becomes:
 * CALLBACK while it has callbacks to run (its taker runs them, then
 * finish_cbs makes it READY), READY otherwise. */
static uint64_t
done_state(daos_event_t *ev)
{
	return __atomic_load_n(&words(ev)[DGO_EV_CB], SEQ) != 0 ? DGO_EV_CALLBACK : DGO_EV_READY;
}

static void
free_cbs(struct ev_cb *c)
{
	struct ev_cb *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

/* run_cbs runs and frees ev's callbacks, each given the operation's
 * result; the first that fails becomes the event's error if the
 * operation succeeded (as DAOS does). The event is in CALLBACK state
 * meanwhile, so a callback cannot finalise, re-initialise or relaunch it
 * (-DER_BUSY), and another thread's test waits; then it is READY. */
static void
run_cbs(daos_event_t *ev)
{
	struct ev_cb *c = take_cbs(ev), *next;
	int           rc = ev->ev_error, ret = rc, err;

	for (; c != NULL; c = next) {
		next = c->next;
		err  = c->cb(c->arg, ev, rc);
		if (ret == 0)
			ret = err;
		free(c);
	}
	ev->ev_error = ret;
	__atomic_store_n(&words(ev)[DGO_EV_STATE], DGO_EV_READY, SEQ);
}

int
daos_event_register_comp_cb(daos_event_t *ev, daos_event_comp_cb_t cb, void *arg)
{
	struct ev_cb *c, **p;

	if (ev == NULL || cb == NULL || words(ev)[DGO_EV_MARKER] != EV_MARKER)
		return -DER_INVAL;
	/* Run where a queue's poller or tester takes the event: an event of
	 * no queue completes in the core, out of reach. */
	if (words(ev)[DGO_EV_EQH] == 0)
		return -DER_NOSYS;
	/* Before the operation is launched: the list is not locked. */
	if (__atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ) != DGO_EV_READY)
		return -DER_BUSY;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -DER_NOMEM;
	c->cb  = cb;
	c->arg = arg;
	for (p = (struct ev_cb **)(uintptr_t)&words(ev)[DGO_EV_CB]; *p != NULL; p = &(*p)->next)
		;
	*p = c;
	return 0;
}

/* Live queues by handle cookie. A reference keeps a queue's C side from
 * being freed while a poll or test sleeps on it. */
struct eq_ent {
	uint64_t        cookie;
	struct dgo_eqc *q;
	int             refs;
	bool            destroyed;
};

static pthread_mutex_t eqs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eq_ent  *eqs;
static size_t          neqs, caps;

static struct eq_ent *
ent_locked(uint64_t cookie)
{
	size_t i;

	for (i = 0; i < neqs; i++)
		if (eqs[i].cookie == cookie && !eqs[i].destroyed)
			return &eqs[i];
	return NULL;
}

/* eq_get finds the live queue of cookie and takes a reference. */
static struct dgo_eqc *
eq_get(uint64_t cookie)
{
	struct eq_ent  *e;
	struct dgo_eqc *q = NULL;

	if (cookie == 0)
		return NULL;
	pthread_mutex_lock(&eqs_lock);
	e = ent_locked(cookie);
	if (e != NULL) {
		e->refs++;
		q = e->q;
	}
	pthread_mutex_unlock(&eqs_lock);
	return q;
}

static void
eq_put(struct dgo_eqc *q)
{
	size_t i;

	pthread_mutex_lock(&eqs_lock);
	for (i = 0; i < neqs; i++)
		if (eqs[i].q == q) {
			eqs[i].refs--;
			break;
		}
	pthread_mutex_unlock(&eqs_lock);
}

/* ev_queue is the live queue ev is bound to, referenced; NULL for a
 * standalone or uninitialised event, or one whose queue is gone. */
static struct dgo_eqc *
ev_queue(daos_event_t *ev)
{
	uint64_t       *w = words(ev);
	struct dgo_eqc *q;

	if (w[DGO_EV_MARKER] != EV_MARKER || w[DGO_EV_EQH] == 0)
		return NULL;
	q = eq_get(w[DGO_EV_EQH]);
	if (q != NULL && (uintptr_t)q != w[DGO_EV_EQ]) {
		eq_put(q);
		return NULL;
	}
	return q;
}

static long
futex(uint32_t *word, int op, uint32_t val, const struct timespec *rel)
{
	return syscall(SYS_futex, word, op, val, rel, NULL, 0);
}

/* take moves what the core pushed onto q's list, oldest first; q->lock
 * held. */
static void
take(struct dgo_eqc *q)
{
	uint64_t      h = __atomic_exchange_n(&q->done, 0, SEQ);
	daos_event_t *first = NULL, *last = NULL;

	/* The stack is newest first: reverse it. */
	while (h != 0) {
		daos_event_t *ev   = (daos_event_t *)(uintptr_t)h;
		uint64_t      next = __atomic_load_n(&words(ev)[DGO_EV_DONE], SEQ);

		words(ev)[DGO_EV_DONE] = (uintptr_t)first;
		if (first == NULL)
			last = ev;
		first = ev;
		h     = next;
	}
	if (first == NULL)
		return;
	if (q->tail == 0)
		q->head = (uintptr_t)first;
	else
		words((daos_event_t *)(uintptr_t)q->tail)[DGO_EV_DONE] = (uintptr_t)first;
	q->tail = (uintptr_t)last;
	for (daos_event_t *ev = first; ev != NULL; ev = (daos_event_t *)(uintptr_t)words(ev)[DGO_EV_DONE]) {
		dgo_eq_landed_locked(q, ev);
		q->nlist++;
	}
}

/* unlist takes ev off q's list (q->lock held): false if it is not there. */
static bool
unlist(struct dgo_eqc *q, daos_event_t *ev)
{
	daos_event_t *prev = NULL, *cur = (daos_event_t *)(uintptr_t)q->head;

	while (cur != NULL && cur != ev) {
		prev = cur;
		cur  = (daos_event_t *)(uintptr_t)words(cur)[DGO_EV_DONE];
	}
	if (cur == NULL)
		return false;
	if (prev == NULL)
		q->head = words(ev)[DGO_EV_DONE];
	else
		words(prev)[DGO_EV_DONE] = words(ev)[DGO_EV_DONE];
	if (q->tail == (uintptr_t)ev)
		q->tail = (uintptr_t)prev;
	q->nlist--;
	words(ev)[DGO_EV_DONE] = 0;
	return true;
}

/* harvest takes ev, completed, off q's list: it is ready again, or in
 * CALLBACK state for the caller to run its callbacks (run_cbs); true if
 * this call took it. The core marks an event completed just before it
 * pushes it, so this waits for the push. */
static bool
harvest(struct dgo_eqc *q, daos_event_t *ev)
{
	bool pending = true, took = false;

	while (pending) {
		pthread_mutex_lock(&q->lock);
		take(q);
		if (__atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ) != DGO_EV_COMPLETED) {
			pending = false; /* a poll took it */
		} else if (unlist(q, ev)) {
			__atomic_store_n(&words(ev)[DGO_EV_STATE], done_state(ev), SEQ);
			pending = false;
			took    = true;
		}
		pthread_mutex_unlock(&q->lock);
		if (pending)
			sched_yield();
	}
	return took;
}

/* deadline_of turns a timeout in microseconds (> 0) into a deadline. */
static struct timespec
deadline_of(int64_t us)
{
	struct timespec d;

	clock_gettime(CLOCK_MONOTONIC, &d);
	d.tv_sec += us / 1000000;
	d.tv_nsec += (us % 1000000) * 1000;
	if (d.tv_nsec >= 1000000000) {
		d.tv_sec++;
		d.tv_nsec -= 1000000000;
	}
	return d;
}

/* sleep_on waits for q->seq to move from seen, until the deadline (NULL:
 * no limit); false once the deadline has passed. */
static bool
sleep_on(struct dgo_eqc *q, uint32_t seen, const struct timespec *deadline)
{
	struct timespec now, rel, *relp = NULL;

	if (deadline != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		rel.tv_sec  = deadline->tv_sec - now.tv_sec;
		rel.tv_nsec = deadline->tv_nsec - now.tv_nsec;
		if (rel.tv_nsec < 0) {
			rel.tv_sec--;
			rel.tv_nsec += 1000000000;
		}
		if (rel.tv_sec < 0)
			return false;
		relp = &rel;
	}
	/* Sleepers are flagged in the word itself (DGO_SEQ_SLEEPERS), set
	 * only while it still holds seen: a push since then changed it, and
	 * this thread looks again instead of sleeping. A push after the flag
	 * is set finds it in the value its own bump returns, clears it and
	 * wakes every sleeper, so the pushes that follow while they wake make
	 * no system call; a push from before cannot clear a flag set later. */
	if (!(seen & DGO_SEQ_SLEEPERS)) {
		uint32_t want = seen;

		if (!__atomic_compare_exchange_n(&q->seq, &want, seen | DGO_SEQ_SLEEPERS, false, SEQ, SEQ))
			return true;
	}
	futex(&q->seq, FUTEX_WAIT_PRIVATE, seen | DGO_SEQ_SLEEPERS, relp);
	return true;
}

static bool
eq_destroyed(uint64_t cookie)
{
	bool gone;

	pthread_mutex_lock(&eqs_lock);
	gone = ent_locked(cookie) == NULL;
	pthread_mutex_unlock(&eqs_lock);
	return gone;
}

int
dgo_ring_start(const struct dgo_ops *ops)
{
	if (ring.efd < 0) {
		ring.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ring.efd < 0) {
			fprintf(stderr, "libdaos: eventfd for submissions: %s\n", strerror(errno));
			return -1;
		}
	}
	if (ops->set_ring(&ring) != 0) {
		fprintf(stderr, "libdaos: the core refused the submission stack\n");
		return -1;
	}
	return 0;
}

int
dgo_ring_submit(daos_event_t *ev, int op, const uint64_t *args, int n)
{
	uint64_t       *w = words(ev);
	uint64_t        ready = DGO_EV_READY, old;
	struct dgo_eqc *q;

	if (n > DGO_EV_NARGS)
		return 1;
	q = ev_queue(ev);
	if (q == NULL)
		return 1;
	if (!__atomic_compare_exchange_n(&w[DGO_EV_STATE], &ready, DGO_EV_QUEUED, false, SEQ, SEQ)) {
		eq_put(q);
		return -DER_BUSY;
	}
	w[DGO_EV_OP] = (uint64_t)op;
	memcpy(&w[DGO_EV_ARG0], args, (size_t)n * sizeof(*args));
	/* Counted before the reference goes: destroy waits for it. */
	__atomic_add_fetch(&q->outstanding, 1, SEQ);
	(void)dgo_eq_inflight(q, ev);
	eq_put(q);
	old = __atomic_load_n(&ring.head, SEQ);
	do {
		__atomic_store_n(&w[DGO_EV_SUBMIT], old, SEQ);
	} while (!__atomic_compare_exchange_n(&ring.head, &old, (uintptr_t)ev, true, SEQ, SEQ));
	if (__atomic_exchange_n(&ring.idle, 0, SEQ)) {
		uint64_t one = 1;

		if (write(ring.efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			fprintf(stderr, "libdaos: waking the core: %s\n", strerror(errno));
	}
	return 0;
}

/* end_queue frees the C side of a queue no poll or submission can find
 * any more (its entry is gone): once what was in flight has been pushed
 * (the core fails it, the handles being gone) and no push is under way,
 * unpolled events go back to READY and q is freed. */
static void
end_queue(struct dgo_eqc *q)
{
	while (__atomic_load_n(&q->outstanding, SEQ) > 0 || __atomic_load_n(&q->handing, SEQ) > 0)
		sched_yield();
	pthread_mutex_lock(&q->lock);
	take(q);
	while (q->head != 0) {
		daos_event_t *ev = (daos_event_t *)(uintptr_t)q->head;

		unlist(q, ev);
		/* A queue ended with events unpolled drops their callbacks. */
		free_cbs(take_cbs(ev));
		__atomic_store_n(&words(ev)[DGO_EV_STATE], DGO_EV_READY, SEQ);
	}
	pthread_mutex_unlock(&q->lock);
	pthread_mutex_destroy(&q->lock);
	free(q->evs);
	free(q);
}

void
dgo_ring_after_fini(void)
{
	struct dgo_eqc *q;
	size_t          i;

	if (!__atomic_exchange_n(&ring.down, 0, SEQ))
		return;
	/* Nothing finds the queues from now on; sleepers wake, see them
	 * gone and drop their references. */
	pthread_mutex_lock(&eqs_lock);
	for (i = 0; i < neqs; i++) {
		eqs[i].destroyed = true;
		__atomic_add_fetch(&eqs[i].q->seq, DGO_SEQ_STEP, SEQ);
		futex(&eqs[i].q->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	}
	pthread_mutex_unlock(&eqs_lock);
	for (;;) {
		q = NULL;
		pthread_mutex_lock(&eqs_lock);
		for (i = 0; i < neqs; i++)
			if (eqs[i].destroyed && eqs[i].refs == 0) {
				q      = eqs[i].q;
				eqs[i]     = eqs[--neqs];
				break;
			}
		if (q == NULL && neqs == 0) {
			pthread_mutex_unlock(&eqs_lock);
			return;
		}
		pthread_mutex_unlock(&eqs_lock);
		if (q != NULL)
			end_queue(q);
		else
			sched_yield(); /* a poll still holds one: it is waking */
	}
}

int
daos_eq_create(daos_handle_t *eqh)
{
	struct dgo_eqc *q;
	int             rc;

	CORE(o);
	if (eqh == NULL)
		return o->eq_create(eqh, NULL); /* the core names the error */
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -DER_NOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_lock(&eqs_lock);
	if (neqs == caps) {
		size_t         nc = caps == 0 ? 8 : caps * 2;
		struct eq_ent *ne = realloc(eqs, nc * sizeof(*ne));

		if (ne == NULL) {
			pthread_mutex_unlock(&eqs_lock);
			pthread_mutex_destroy(&q->lock);
			free(q);
			return -DER_NOMEM;
		}
		eqs  = ne;
		caps = nc;
	}
	rc = o->eq_create(eqh, q);
	if (rc == 0)
		eqs[neqs++] = (struct eq_ent){.cookie = eqh->cookie, .q = q};
	pthread_mutex_unlock(&eqs_lock);
	if (rc != 0) {
		pthread_mutex_destroy(&q->lock);
		free(q);
	}
	return rc;
}

int
daos_eq_destroy(daos_handle_t eqh, int flags)
{
	struct dgo_eqc *q;
	struct eq_ent  *e;
	bool            busy;
	int             rc;
	size_t          i;

	CORE(o);
	flags &= DAOS_EQ_DESTROY_FORCE; /* other bits are ignored, as DAOS does */
	q = eq_get(eqh.cookie);
	if (q == NULL)
		return o->eq_destroy(eqh.cookie, flags);
	if (!(flags & DAOS_EQ_DESTROY_FORCE)) {
		pthread_mutex_lock(&q->lock);
		take(q);
		busy = q->nlist > 0 || __atomic_load_n(&q->outstanding, SEQ) > 0;
		pthread_mutex_unlock(&q->lock);
		if (busy) {
			eq_put(q);
			return -DER_BUSY;
		}
	}
	rc = o->eq_destroy(eqh.cookie, flags);
	if (rc != 0) {
		eq_put(q);
		return rc;
	}
	/* No new submission or poll finds it now. Sleepers wake, see it
	 * destroyed and drop their references; a submitter that found it
	 * before has counted its event by the time it drops its own. */
	pthread_mutex_lock(&eqs_lock);
	ent_locked(eqh.cookie)->destroyed = true;
	pthread_mutex_unlock(&eqs_lock);
	__atomic_add_fetch(&q->seq, DGO_SEQ_STEP, SEQ);
	futex(&q->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
	for (;;) {
		pthread_mutex_lock(&eqs_lock);
		for (i = 0, e = NULL; i < neqs; i++)
			if (eqs[i].q == q)
				e = &eqs[i];
		if (e->refs == 1) {
			*e = eqs[--neqs];
			pthread_mutex_unlock(&eqs_lock);
			break;
		}
		pthread_mutex_unlock(&eqs_lock);
		sched_yield();
	}
	/* What was queued or running ends (aborted, or refused by the core
	 * as the queue is gone) and is pushed; then the core is done with q. */
	end_queue(q);
	return 0;
}

int
daos_eq_poll(daos_handle_t eqh, int wait_running, int64_t timeout, unsigned int n,
	     daos_event_t **events)
{
	struct timespec deadline;
	struct dgo_eqc *q;
	unsigned int    got;
	uint32_t        seen;

	CORE(o);
	if (n == 0 || events == NULL)
		return -DER_INVAL;
	q = eq_get(eqh.cookie);
	if (q == NULL)
		return -DER_NONEXIST;
	if (timeout > 0)
		deadline = deadline_of(timeout);
	for (;;) {
		/* Read the word first: a push after it wakes the sleep. */
		seen = __atomic_load_n(&q->seq, SEQ);
		pthread_mutex_lock(&q->lock);
		take(q);
		for (got = 0; got < n && q->head != 0; got++) {
			daos_event_t *ev = (daos_event_t *)(uintptr_t)q->head;

			unlist(q, ev);
			__atomic_store_n(&words(ev)[DGO_EV_STATE], done_state(ev), SEQ);
			events[got] = ev;
		}
		pthread_mutex_unlock(&q->lock);
		if (got > 0) {
			for (unsigned int i = 0; i < got; i++)
				if (__atomic_load_n(&words(events[i])[DGO_EV_STATE], SEQ) == DGO_EV_CALLBACK)
					run_cbs(events[i]);
			break;
		}
		flush_started(o);
		if (timeout == DAOS_EQ_NOWAIT)
			break;
		if (eq_destroyed(eqh.cookie)) {
			eq_put(q);
			return -DER_NONEXIST;
		}
		/* Nothing in flight: but what was pushed before the count
		 * fell is on the stack, so look once more. */
		if (wait_running && __atomic_load_n(&q->outstanding, SEQ) == 0 &&
		    __atomic_load_n(&q->done, SEQ) == 0)
			break;
		if (!sleep_on(q, seen, timeout > 0 ? &deadline : NULL))
			break;
	}
	eq_put(q);
	return (int)got;
}

/* list_events counts q's events in the states query asks for and puts
 * the first n of them in events: completed ones in completion order, then
 * those in flight. */
static int64_t
list_events(struct dgo_eqc *q, daos_eq_query_t query, unsigned int n, daos_event_t **events)
{
	int64_t cnt = 0;
	size_t  i;

	pthread_mutex_lock(&q->lock);
	take(q);
	if (query & DAOS_EQR_COMPLETED)
		for (daos_event_t *ev = (daos_event_t *)(uintptr_t)q->head; ev != NULL;
		     ev = (daos_event_t *)(uintptr_t)words(ev)[DGO_EV_DONE]) {
			if ((uint64_t)cnt < n)
				events[cnt] = ev;
			cnt++;
		}
	if (query & DAOS_EQR_WAITING)
		for (i = 0; i < q->nevs; i++) {
			uint64_t st = __atomic_load_n(&words(q->evs[i])[DGO_EV_STATE], SEQ);

			if (st != DGO_EV_RUNNING && st != DGO_EV_QUEUED && st != DGO_EV_TAKEN)
				continue;
			if ((uint64_t)cnt < n)
				events[cnt] = q->evs[i];
			cnt++;
		}
	pthread_mutex_unlock(&q->lock);
	return cnt;
}

int
daos_eq_query(daos_handle_t eqh, daos_eq_query_t query, unsigned int n, daos_event_t **events)
{
	struct dgo_eqc *q;
	int64_t         cnt = 0;

	CORE(o);
	if ((query & ~DAOS_EQR_ALL) != 0)
		return -DER_INVAL;
	q = eq_get(eqh.cookie);
	if (q == NULL)
		return -DER_NONEXIST;
	if (events != NULL && n > 0) {
		/* As DAOS: how many were written, at most n. */
		cnt = list_events(q, query, n, events);
		eq_put(q);
		if (cnt > (int64_t)n)
			cnt = n;
		return cnt > INT_MAX ? INT_MAX : (int)cnt;
	}
	if (query & DAOS_EQR_COMPLETED) {
		pthread_mutex_lock(&q->lock);
		take(q);
		cnt += q->nlist;
		pthread_mutex_unlock(&q->lock);
	}
	if (query & DAOS_EQR_WAITING)
		cnt += __atomic_load_n(&q->outstanding, SEQ);
	eq_put(q);
	return cnt > INT_MAX ? INT_MAX : (int)cnt;
}

/* settle prepares ev, bound to a queue, for init or fini: a completed,
 * unpolled event leaves the queue's list; one in flight is -DER_BUSY. */
static int
settle(daos_event_t *ev)
{
	struct dgo_eqc *q = ev_queue(ev);
	uint64_t        st;
	int             rc = 0;

	if (q == NULL)
		return 0;
	st = __atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ);
	if (st == DGO_EV_QUEUED || st == DGO_EV_TAKEN || st == DGO_EV_RUNNING || st == DGO_EV_CALLBACK)
		rc = -DER_BUSY;
	else if (st == DGO_EV_COMPLETED && harvest(q, ev) &&
		 __atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ) == DGO_EV_CALLBACK)
		run_cbs(ev); /* owed: the operation completed */
	eq_put(q);
	return rc;
}

int
daos_event_init(daos_event_t *ev, daos_handle_t eqh, daos_event_t *parent)
{
	int rc;

	CORE(o);
	if (ev != NULL && (rc = settle(ev)) != 0)
		return rc;
	return o->event_init(ev, eqh.cookie, parent);
}

int
daos_event_fini(daos_event_t *ev)
{
	struct dgo_eqc *q;
	int             rc;

	CORE(o);
	if (ev != NULL && (rc = settle(ev)) != 0)
		return rc;
	q  = ev == NULL ? NULL : ev_queue(ev);
	rc = o->event_fini(ev);
	if (rc == 0 && ev != NULL)
		free_cbs(take_cbs(ev)); /* registered, never launched */
	if (q != NULL) {
		eq_put(q);
	} else if (ev != NULL && words(ev)[DGO_EV_MARKER] == EV_MARKER && words(ev)[DGO_EV_EQH] != 0) {
		/* Bound to a queue that is gone (destroyed with force): the
		 * event is finalised all the same, and DAOS says so. */
		free_cbs(take_cbs(ev));
		words(ev)[DGO_EV_MARKER] = 0;
		return -DER_NONEXIST;
	}
	return rc;
}

/* queue_gone: ev was bound to a queue that no longer exists (destroyed
 * with force, or ended by the last daos_fini). */
static bool
queue_gone(daos_event_t *ev)
{
	struct dgo_eqc *q;

	if (words(ev)[DGO_EV_MARKER] != EV_MARKER || words(ev)[DGO_EV_EQH] == 0)
		return false;
	q = ev_queue(ev);
	if (q == NULL)
		return true;
	eq_put(q);
	return false;
}

int
daos_event_test(daos_event_t *ev, int64_t timeout, bool *flag)
{
	struct timespec deadline;
	struct dgo_eqc *q;
	uint64_t        st;
	uint32_t        seen;
	int             rc;

	CORE(o);
	if (ev != NULL && flag != NULL && queue_gone(ev))
		return -DER_NONEXIST; /* as DAOS: the queue is gone */
	if (ev == NULL || flag == NULL || (q = ev_queue(ev)) == NULL)
		return o->event_test(ev, timeout, flag); /* standalone, or the core names the error */
	/* The core checks the event is one it knows. */
	rc = o->event_test(ev, DAOS_EQ_NOWAIT, flag);
	if (rc != 0) {
		eq_put(q);
		return rc;
	}
	if (timeout > 0)
		deadline = deadline_of(timeout);
	for (;;) {
		seen = __atomic_load_n(&q->seq, SEQ);
		st   = __atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ);
		if (st == DGO_EV_CALLBACK) {
			/* Another thread took it and runs its callbacks. */
			sched_yield();
			continue;
		}
		if (st == DGO_EV_READY || st == DGO_EV_COMPLETED) {
			/* Never launched, already polled, or harvested now:
			 * only the taker runs the callbacks. */
			if (st == DGO_EV_COMPLETED && harvest(q, ev) &&
			    __atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ) == DGO_EV_CALLBACK)
				run_cbs(ev);
			*flag = true;
			break;
		}
		*flag = false;
		flush_started(o);
		if (timeout == DAOS_EQ_NOWAIT || !sleep_on(q, seen, timeout > 0 ? &deadline : NULL))
			break;
		if (eq_destroyed(words(ev)[DGO_EV_EQH]))
			break;
	}
	eq_put(q);
	return 0;
}

int
daos_event_abort(daos_event_t *ev)
{
	struct dgo_eqc *q;
	int             i;

	CORE(o);
	if (ev != NULL && queue_gone(ev))
		return -DER_NONEXIST; /* as DAOS: the queue is gone */
	if (ev != NULL && (q = ev_queue(ev)) != NULL) {
		/* A submitted event is launched in a moment: abort that. */
		for (i = 0; i < 100000; i++) {
			uint64_t st = __atomic_load_n(&words(ev)[DGO_EV_STATE], SEQ);

			if (st != DGO_EV_QUEUED && st != DGO_EV_TAKEN)
				break;
			sched_yield();
		}
		eq_put(q);
	}
	return o->event_abort(ev);
}
