/*
 * The task scheduler (daos/tse.h). One mutex per scheduler guards every
 * task's state; bodies and callbacks run with it released, since they
 * call back into the scheduler (complete, register, reinit).
 *
 * A task is on at most one of its scheduler's lists: waiting (scheduled,
 * its body not yet run: dependencies unfinished, a delay, or no progress
 * since) or running (its body ran, or it has none, and it has not been
 * completed). Completion takes it off, runs its callbacks, passes its
 * result on to the tasks that depend on it and drops the reference its
 * creation gave.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <daos_errno.h>

#include "tse_ext.h"

enum tstate { T_NEW, T_WAITING, T_RUNNING, T_COMPLETED };

struct cb {
	struct cb	*next;
	tse_task_cb_t	 fn;
	union {
		max_align_t	align;
		char		bytes[1];
	} data[];
};

struct dependent {
	struct dependent *next;
	struct task	 *task;
};

struct sched;

struct task {
	tse_task_t	  pub; /* first: callers hold &pub */
	struct sched	 *s;
	tse_sched_t	 *sched;
	tse_task_func_t	  func;
	void		 *priv;
	void		 *ipriv;
	void		 *ext;        /* the layer above's (an operation in flight) */
	int		  tag;
	int		  refs;
	enum tstate	  state;
	int		  ndeps;      /* dependencies not yet completed */
	unsigned int	  reinits;    /* bumped by reinit */
	unsigned int	  depgen;     /* bumped when a dependency is linked */
	int		  completing; /* its completion callbacks are running */
	int		  no_propagate;
	uint32_t	  embedded;   /* argument bytes handed out */
	uint32_t	  stack_top;  /* stack bytes in use, from the far end */
	uint64_t	  wake_at;    /* µs; 0: no delay */
	d_list_t	  link;       /* the scheduler's waiting or running list */
	d_list_t	  ulink;      /* a caller's list (tse_task_list_*) */
	struct cb	 *prep;       /* run first to last */
	struct cb	 *comp;       /* run from the head: last registered first */
	struct dependent *dependents;
};

struct sched_cb {
	struct sched_cb	   *next;
	tse_sched_comp_cb_t fn;
	void		   *arg;
};

struct sched {
	pthread_mutex_t	 lock;
	d_list_t	 waiting;
	d_list_t	 running;
	int		 inflight; /* scheduled, not completed */
	int		 ntasks;   /* tasks not yet freed: they point here */
	int		 finied;   /* tse_sched_fini ran: free with the last task */
	int		 cancelling;
	int		 refs;
	struct sched_cb	*cbs;
	struct tse_hook	 hook;
	int		 has_hook;
};

/* ds_private holds a pointer to the scheduler and a mark that says it
 * was initialised (a zeroed or garbage tse_sched_t has neither). */
#define SCHED_MARK 0x7473656473636864ULL

_Static_assert(sizeof(tse_task_t) == TSE_TASK_SIZE, "tse_task_t has DAOS's size");

static struct sched *
sched_of(tse_sched_t *sched)
{
	if (sched == NULL || sched->ds_private.ds_space[1] != SCHED_MARK)
		return NULL;
	return (struct sched *)(uintptr_t)sched->ds_private.ds_space[0];
}

static struct task *
T(tse_task_t *task)
{
	return (struct task *)task;
}

uint64_t
tse_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static struct cb *
cb_new(tse_task_cb_t fn, const void *data, size_t size)
{
	struct cb *c = malloc(sizeof(*c) + (size ? size : 1));

	if (c == NULL)
		return NULL;
	c->next = NULL;
	c->fn = fn;
	if (size != 0 && data != NULL)
		memcpy(c->data, data, size);
	return c;
}

static void
cbs_free(struct cb *c)
{
	while (c != NULL) {
		struct cb *next = c->next;

		free(c);
		c = next;
	}
}

int
tse_sched_init(tse_sched_t *sched, tse_sched_comp_cb_t comp_cb, void *udata)
{
	struct sched *s;

	if (sched == NULL)
		return -DER_INVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -DER_NOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return -DER_NOMEM;
	}
	D_INIT_LIST_HEAD(&s->waiting);
	D_INIT_LIST_HEAD(&s->running);
	s->refs = 1;
	memset(sched, 0, sizeof(*sched));
	sched->ds_udata = udata;
	sched->ds_private.ds_space[0] = (uint64_t)(uintptr_t)s;
	sched->ds_private.ds_space[1] = SCHED_MARK;
	if (comp_cb != NULL) {
		int rc = tse_sched_register_comp_cb(sched, comp_cb, udata);

		if (rc != 0) {
			tse_sched_fini(sched);
			return rc;
		}
	}
	return 0;
}

static void
sched_free(struct sched *s)
{
	if (s->has_hook && s->hook.fini != NULL)
		s->hook.fini(s->hook.arg);
	while (s->cbs != NULL) {
		struct sched_cb *next = s->cbs->next;

		free(s->cbs);
		s->cbs = next;
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void
tse_sched_fini(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);
	int now;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->inflight != 0)
		fprintf(stderr, "tse_sched_fini: %d task(s) not completed\n", s->inflight);
	/* Tasks still referenced point at s: the last of them frees it. */
	s->finied = 1;
	now = s->ntasks == 0;
	pthread_mutex_unlock(&s->lock);
	sched->ds_private.ds_space[0] = 0;
	sched->ds_private.ds_space[1] = 0;
	if (now)
		sched_free(s);
}

void
tse_sched_addref(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->refs++;
	pthread_mutex_unlock(&s->lock);
}

void
tse_sched_decref(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);
	int last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last)
		tse_sched_fini(sched);
}

int
tse_sched_register_comp_cb(tse_sched_t *sched, tse_sched_comp_cb_t comp_cb, void *arg)
{
	struct sched *s = sched_of(sched);
	struct sched_cb *c;

	if (s == NULL || comp_cb == NULL)
		return -DER_INVAL;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return -DER_NOMEM;
	c->fn = comp_cb;
	c->arg = arg;
	pthread_mutex_lock(&s->lock);
	c->next = s->cbs;
	s->cbs = c;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

struct tse_hook *
tse_sched_hook(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);
	int has;

	if (s == NULL)
		return NULL;
	/* set once, under the lock: reading the flag under it orders the rest */
	pthread_mutex_lock(&s->lock);
	has = s->has_hook;
	pthread_mutex_unlock(&s->lock);
	return has ? &s->hook : NULL;
}

int
tse_sched_set_hook(tse_sched_t *sched, const struct tse_hook *hook)
{
	struct sched *s = sched_of(sched);
	int rc = 0;

	if (s == NULL || hook == NULL)
		return -DER_INVAL;
	pthread_mutex_lock(&s->lock);
	if (s->has_hook) {
		rc = -DER_BUSY;
	} else {
		s->hook = *hook;
		s->has_hook = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
tse_task_create(tse_task_func_t task_func, tse_sched_t *sched, void *priv, tse_task_t **taskp)
{
	struct sched *s = sched_of(sched);
	struct task *t;

	if (s == NULL || taskp == NULL)
		return -DER_INVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -DER_NOMEM;
	t->s = s;
	t->sched = sched;
	t->func = task_func;
	t->priv = priv;
	t->refs = 1;
	t->state = T_NEW;
	D_INIT_LIST_HEAD(&t->link);
	D_INIT_LIST_HEAD(&t->ulink);
	pthread_mutex_lock(&s->lock);
	s->ntasks++;
	pthread_mutex_unlock(&s->lock);
	*taskp = &t->pub;
	return 0;
}

static void
task_free(struct task *t)
{
	struct dependent *d = t->dependents;
	struct sched *s = t->s;
	int last;

	cbs_free(t->prep);
	cbs_free(t->comp);
	while (d != NULL) {
		struct dependent *next = d->next;

		free(d);
		d = next;
	}
	free(t);
	pthread_mutex_lock(&s->lock);
	last = --s->ntasks == 0 && s->finied;
	pthread_mutex_unlock(&s->lock);
	if (last)
		sched_free(s);
}

/* put drops a reference taken with the lock not held. */
static void
put(struct task *t)
{
	int last;

	pthread_mutex_lock(&t->s->lock);
	last = --t->refs == 0;
	pthread_mutex_unlock(&t->s->lock);
	if (last)
		task_free(t);
}

void
tse_task_addref(tse_task_t *task)
{
	struct task *t = T(task);

	if (task == NULL)
		return;
	pthread_mutex_lock(&t->s->lock);
	t->refs++;
	pthread_mutex_unlock(&t->s->lock);
}

void
tse_task_decref(tse_task_t *task)
{
	if (task != NULL)
		put(T(task));
}

/* ready: may the task's body run now? */
static int
ready(const struct task *t, uint64_t now)
{
	return t->ndeps == 0 && (t->wake_at == 0 || t->wake_at <= now);
}

int
tse_task_schedule_with_delay(tse_task_t *task, bool instant, uint64_t delay)
{
	struct task *t = T(task);
	struct sched *s;
	int run_now;

	if (task == NULL)
		return -DER_INVAL;
	s = t->s;
	pthread_mutex_lock(&s->lock);
	if (t->state != T_NEW) {
		pthread_mutex_unlock(&s->lock);
		return -DER_NO_PERM;
	}
	s->inflight++;
	t->wake_at = delay != 0 ? tse_now_us() + delay : 0;
	if (t->func == NULL && t->ndeps == 0 && delay == 0) {
		/* Nothing to run: it waits to be completed. */
		t->state = T_RUNNING;
		d_list_add_tail(&t->link, &s->running);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	run_now = instant && t->ndeps == 0 && delay == 0 && t->prep == NULL;
	if (!run_now) {
		t->state = T_WAITING;
		d_list_add_tail(&t->link, &s->waiting);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	t->state = T_RUNNING;
	d_list_add_tail(&t->link, &s->running);
	t->refs++; /* the body may complete it */
	pthread_mutex_unlock(&s->lock);
	t->func(task);
	put(t);
	return 0;
}

int
tse_task_schedule(tse_task_t *task, bool instant)
{
	return tse_task_schedule_with_delay(task, instant, 0);
}

/* run takes a task the caller moved to running (holding a reference for
 * it): preparation callbacks first, then the body, unless one of them
 * completed the task. A task with no body that became ready ends. */
static void
run(struct task *t)
{
	struct sched *s = t->s;

	for (;;) {
		struct cb *c;
		int rc;

		pthread_mutex_lock(&s->lock);
		if (t->state != T_RUNNING) {
			pthread_mutex_unlock(&s->lock);
			goto out;
		}
		c = t->prep;
		if (c == NULL) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		t->prep = c->next;
		pthread_mutex_unlock(&s->lock);
		rc = c->fn(&t->pub, c->data);
		free(c);
		if (rc != 0) {
			pthread_mutex_lock(&s->lock);
			if (t->pub.dt_result == 0)
				t->pub.dt_result = rc;
			pthread_mutex_unlock(&s->lock);
		}
	}
	if (t->func != NULL)
		t->func(&t->pub);
	else
		tse_task_complete(&t->pub, 0);
out:
	put(t);
}

/* next_ready moves the first waiting task that may run to running and
 * returns it with a reference for the runner, or NULL. */
static struct task *
next_ready(struct sched *s)
{
	uint64_t now = tse_now_us();
	d_list_t *p;

	pthread_mutex_lock(&s->lock);
	for (p = s->waiting.next; p != &s->waiting; p = p->next) {
		struct task *t = (struct task *)((char *)p - offsetof(struct task, link));

		if (!ready(t, now))
			continue;
		d_list_del_init(&t->link);
		d_list_add_tail(&t->link, &s->running);
		t->state = T_RUNNING;
		t->refs++;
		pthread_mutex_unlock(&s->lock);
		return t;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void
tse_sched_progress(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);
	struct task *t;

	if (s == NULL)
		return;
	while ((t = next_ready(s)) != NULL)
		run(t);
}

bool
tse_sched_check_complete(tse_sched_t *sched)
{
	struct sched *s = sched_of(sched);
	bool done;

	if (s == NULL)
		return true;
	pthread_mutex_lock(&s->lock);
	done = s->inflight == 0;
	pthread_mutex_unlock(&s->lock);
	return done;
}

/* complete_one completes t with ret (see tse_task_complete) and pushes
 * the dependents it leaves with no dependency and nothing to run on *work
 * (each node holds a reference on its task). The caller holds a reference
 * on t for the call. */
static void
complete_one(struct task *t, int ret, struct dependent **work)
{
	struct sched *s = t->s;
	struct dependent *deps, *d;
	struct cb *c;
	unsigned int reinits;

	pthread_mutex_lock(&s->lock);
	if (t->state == T_COMPLETED || t->completing) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (t->pub.dt_result == 0)
		t->pub.dt_result = ret;
	t->completing = 1;
	reinits = t->reinits;
	for (;;) {
		unsigned int depgen = t->depgen;
		int rc;

		c = t->comp;
		if (c == NULL)
			break;
		t->comp = c->next;
		pthread_mutex_unlock(&s->lock);
		rc = c->fn(&t->pub, c->data);
		free(c);
		pthread_mutex_lock(&s->lock);
		if (rc != 0 && t->pub.dt_result == 0)
			t->pub.dt_result = rc;
		if (t->reinits != reinits ||
		    (t->depgen != depgen && t->ndeps != 0)) {
			/* Re-initialised, or waiting for new dependencies: this
			 * completion is over; the next one runs what is left. */
			t->completing = 0;
			pthread_mutex_unlock(&s->lock);
			return;
		}
	}
	t->completing = 0;
	if (t->state == T_WAITING || t->state == T_RUNNING) {
		d_list_del_init(&t->link);
		s->inflight--;
	}
	t->state = T_COMPLETED;
	/* A prep callback that completed the task leaves the others unrun. */
	cbs_free(t->prep);
	t->prep = NULL;
	if (t->pub.dt_result != 0 && t->sched->ds_result == 0)
		t->sched->ds_result = t->pub.dt_result;
	deps = t->dependents;
	t->dependents = NULL;
	while ((d = deps) != NULL) {
		struct task *w = d->task;

		deps = d->next;
		if (t->pub.dt_result != 0 && !w->no_propagate && w->pub.dt_result == 0)
			w->pub.dt_result = t->pub.dt_result;
		if (--w->ndeps == 0 && !w->completing &&
		    (w->state == T_RUNNING || (w->state == T_WAITING && w->func == NULL))) {
			/* It was only waiting for these: it ends now. */
			d->next = *work;
			*work = d;
			continue;
		}
		d->next = NULL;
		d->task = NULL;
		w->refs--; /* the link's; the task keeps its own */
		if (w->refs == 0) {
			pthread_mutex_unlock(&s->lock);
			task_free(w);
			pthread_mutex_lock(&s->lock);
		}
		free(d);
	}
	t->refs--; /* the creation's: the caller's keeps t for now */
	pthread_mutex_unlock(&s->lock);
}

void
tse_task_complete(tse_task_t *task, int ret)
{
	struct task *t = T(task);
	struct dependent *work = NULL, *d;

	if (task == NULL)
		return;
	/* Dependents that end with it are completed here in turn, not by
	 * recursion: chains of meta tasks can be long. */
	tse_task_addref(task);
	complete_one(t, ret, &work);
	put(t);
	while ((d = work) != NULL) {
		work = d->next;
		complete_one(d->task, 0, &work);
		put(d->task);
		free(d);
	}
}

int
tse_task_register_deps(tse_task_t *task, int num_deps, tse_task_t *dep_tasks[])
{
	struct task *t = T(task);
	struct dependent **nodes;
	struct sched *s;
	int i, rc = 0;

	if (task == NULL || num_deps < 0 || (num_deps > 0 && dep_tasks == NULL))
		return -DER_INVAL;
	if (num_deps == 0)
		return 0;
	s = t->s;
	for (i = 0; i < num_deps; i++)
		if (dep_tasks[i] == NULL || dep_tasks[i] == task || T(dep_tasks[i])->s != s)
			return -DER_INVAL;
	nodes = calloc((size_t)num_deps, sizeof(*nodes));
	if (nodes == NULL)
		return -DER_NOMEM;
	for (i = 0; i < num_deps; i++) {
		nodes[i] = malloc(sizeof(**nodes));
		if (nodes[i] == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	}
	pthread_mutex_lock(&s->lock);
	if (t->state == T_COMPLETED) {
		pthread_mutex_unlock(&s->lock);
		rc = -DER_NO_PERM;
		goto out;
	}
	for (i = 0; i < num_deps; i++) {
		struct task *dep = T(dep_tasks[i]);

		if (dep->state == T_COMPLETED)
			continue; /* nothing to wait for */
		nodes[i]->task = t;
		nodes[i]->next = dep->dependents;
		dep->dependents = nodes[i];
		nodes[i] = NULL;
		t->refs++;
		t->ndeps++;
		t->depgen++;
	}
	pthread_mutex_unlock(&s->lock);
out:
	for (i = 0; i < num_deps; i++)
		free(nodes[i]);
	free(nodes);
	return rc;
}

static int
add_cbs(struct task *t, struct cb *prep, struct cb *comp)
{
	pthread_mutex_lock(&t->s->lock);
	if (t->state == T_COMPLETED) {
		pthread_mutex_unlock(&t->s->lock);
		free(prep);
		free(comp);
		return -DER_NO_PERM;
	}
	if (prep != NULL) {
		struct cb **tail = &t->prep;

		while (*tail != NULL)
			tail = &(*tail)->next;
		*tail = prep;
	}
	if (comp != NULL) {
		comp->next = t->comp;
		t->comp = comp;
	}
	pthread_mutex_unlock(&t->s->lock);
	return 0;
}

int
tse_task_register_cbs(tse_task_t *task, tse_task_cb_t prep_cb, void *prep_data,
		      size_t prep_data_size, tse_task_cb_t comp_cb, void *comp_data,
		      size_t comp_data_size)
{
	struct cb *prep = NULL, *comp = NULL;

	if (task == NULL || (prep_cb == NULL && comp_cb == NULL))
		return -DER_INVAL;
	if (prep_cb != NULL && (prep = cb_new(prep_cb, prep_data, prep_data_size)) == NULL)
		return -DER_NOMEM;
	if (comp_cb != NULL && (comp = cb_new(comp_cb, comp_data, comp_data_size)) == NULL) {
		free(prep);
		return -DER_NOMEM;
	}
	return add_cbs(T(task), prep, comp);
}

int
tse_task_register_comp_cb(tse_task_t *task, tse_task_cb_t comp_cb, void *arg, size_t arg_size)
{
	return tse_task_register_cbs(task, NULL, NULL, 0, comp_cb, arg, arg_size);
}

int
tse_task_reinit_with_delay(tse_task_t *task, uint64_t delay)
{
	struct task *t = T(task);
	struct sched *s;

	if (task == NULL)
		return -DER_INVAL;
	s = t->s;
	pthread_mutex_lock(&s->lock);
	if (t->func == NULL) {
		pthread_mutex_unlock(&s->lock);
		return -DER_INVAL;
	}
	if (s->cancelling || (t->state != T_RUNNING && t->state != T_COMPLETED)) {
		pthread_mutex_unlock(&s->lock);
		return -DER_NO_PERM;
	}
	if (t->state == T_COMPLETED) {
		/* Back in flight; its next completion drops the reference
		 * its first one did. */
		s->inflight++;
		t->refs++;
	}
	d_list_del_init(&t->link);
	d_list_add_tail(&t->link, &s->waiting);
	t->state = T_WAITING;
	t->pub.dt_result = 0;
	t->stack_top = 0;
	t->ext = NULL;
	t->wake_at = delay != 0 ? tse_now_us() + delay : 0;
	t->reinits++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int
tse_task_reinit(tse_task_t *task)
{
	return tse_task_reinit_with_delay(task, 0);
}

int
tse_task_register_comp_cb_and_reinit(tse_task_t *task, tse_task_cb_t comp_cb, void *arg,
				     size_t arg_size, uint64_t delay)
{
	struct task *t = T(task);
	int rc = tse_task_register_comp_cb(task, comp_cb, arg, arg_size);

	if (rc != 0)
		return rc;
	rc = tse_task_reinit_with_delay(task, delay);
	if (rc != 0) {
		struct cb *c;

		pthread_mutex_lock(&t->s->lock);
		c = t->comp;
		if (c != NULL && c->fn == comp_cb)
			t->comp = c->next;
		else
			c = NULL;
		pthread_mutex_unlock(&t->s->lock);
		free(c);
	}
	return rc;
}

int
tse_task_reset(tse_task_t *task, tse_task_func_t task_func, void *priv)
{
	struct task *t = T(task);
	int rc = 0;

	if (task == NULL)
		return -DER_INVAL;
	pthread_mutex_lock(&t->s->lock);
	if ((t->state != T_COMPLETED && t->state != T_NEW) || t->completing ||
	    !d_list_empty(&t->ulink) || t->prep != NULL || t->comp != NULL ||
	    t->dependents != NULL || t->ndeps != 0) {
		rc = -DER_NO_PERM;
	} else {
		t->state = T_NEW;
		t->func = task_func;
		t->priv = priv;
		t->ipriv = NULL;
		t->ext = NULL;
		t->pub.dt_result = 0;
		t->wake_at = 0;
		t->stack_top = 0;
		t->embedded = 0;
		t->no_propagate = 0;
	}
	pthread_mutex_unlock(&t->s->lock);
	return rc;
}

void *
tse_task_get_priv(tse_task_t *task)
{
	return task != NULL ? T(task)->priv : NULL;
}

void *
tse_task_set_priv(tse_task_t *task, void *priv)
{
	void *old;

	if (task == NULL)
		return NULL;
	old = T(task)->priv;
	T(task)->priv = priv;
	return old;
}

void *
tse_task_get_priv_internal(tse_task_t *task)
{
	return task != NULL ? T(task)->ipriv : NULL;
}

void *
tse_task_set_priv_internal(tse_task_t *task, void *priv)
{
	void *old;

	if (task == NULL)
		return NULL;
	old = T(task)->ipriv;
	T(task)->ipriv = priv;
	return old;
}

void *
tse_task_get_ext(tse_task_t *task)
{
	void *v;

	if (task == NULL)
		return NULL;
	pthread_mutex_lock(&T(task)->s->lock);
	v = T(task)->ext;
	pthread_mutex_unlock(&T(task)->s->lock);
	return v;
}

void
tse_task_set_ext(tse_task_t *task, void *ext)
{
	if (task == NULL)
		return;
	pthread_mutex_lock(&T(task)->s->lock);
	T(task)->ext = ext;
	pthread_mutex_unlock(&T(task)->s->lock);
}

int
tse_task_get_tag(tse_task_t *task)
{
	return task != NULL ? T(task)->tag : 0;
}

void
tse_task_set_tag(tse_task_t *task, int tag)
{
	if (task != NULL)
		T(task)->tag = tag;
}

tse_sched_t *
tse_task2sched(tse_task_t *task)
{
	return task != NULL ? T(task)->sched : NULL;
}

void *
tse_task2arg(tse_task_t *task)
{
	return task != NULL ? task->dt_private.dt_space : NULL;
}

static uint32_t
round8(uint32_t n)
{
	return (n + 7) & ~7u;
}

void *
tse_task_buf_embedded(tse_task_t *task, int size)
{
	struct task *t = T(task);
	uint32_t n;

	if (task == NULL || size < 0 || (size_t)size > TSE_TASK_ARG_LEN)
		return NULL;
	n = round8((uint32_t)size);
	if (n + t->stack_top > TSE_TASK_ARG_LEN)
		return NULL;
	t->embedded = n;
	return task->dt_private.dt_space;
}

void *
tse_task_stack_push(tse_task_t *task, uint32_t size)
{
	struct task *t = T(task);
	uint32_t n;

	if (task == NULL || size > TSE_TASK_ARG_LEN)
		return NULL;
	n = round8(size);
	if (t->embedded + t->stack_top + n > TSE_TASK_ARG_LEN)
		return NULL;
	t->stack_top += n;
	return task->dt_private.dt_space + TSE_TASK_ARG_LEN - t->stack_top;
}

void *
tse_task_stack_pop(tse_task_t *task, uint32_t size)
{
	struct task *t = T(task);
	uint32_t n;
	void *p;

	if (task == NULL || size > TSE_TASK_ARG_LEN)
		return NULL;
	n = round8(size);
	if (n > t->stack_top)
		return NULL;
	p = task->dt_private.dt_space + TSE_TASK_ARG_LEN - t->stack_top;
	t->stack_top -= n;
	return p;
}

void
tse_disable_propagate(tse_task_t *task)
{
	if (task != NULL)
		T(task)->no_propagate = 1;
}

/* first_pending returns, with a reference, the first task waiting or
 * else running, or NULL. */
static struct task *
first_pending(struct sched *s)
{
	d_list_t *p = NULL;
	struct task *t = NULL;

	pthread_mutex_lock(&s->lock);
	if (!d_list_empty(&s->waiting))
		p = s->waiting.next;
	else if (!d_list_empty(&s->running))
		p = s->running.next;
	if (p != NULL) {
		t = (struct task *)((char *)p - offsetof(struct task, link));
		t->refs++;
	}
	pthread_mutex_unlock(&s->lock);
	return t;
}

void
tse_sched_complete(tse_sched_t *sched, int ret, bool cancel)
{
	struct sched *s = sched_of(sched);
	struct sched_cb *c;
	struct task *t;

	if (s == NULL)
		return;
	if (cancel) {
		/* Every task not completed ends with ret; none may be re-run. */
		pthread_mutex_lock(&s->lock);
		s->cancelling = 1;
		pthread_mutex_unlock(&s->lock);
		while ((t = first_pending(s)) != NULL) {
			tse_task_complete(&t->pub, ret);
			put(t);
		}
	} else {
		for (;;) {
			struct tse_hook *h = tse_sched_hook(sched);

			tse_sched_progress(sched);
			if (tse_sched_check_complete(sched))
				break;
			/* What is left runs outside: wait for it, if anything does. */
			if (h == NULL || h->pending(h->arg) == 0 || h->wait(h->arg, -1) < 0)
				break;
		}
	}
	pthread_mutex_lock(&s->lock);
	c = s->cbs;
	s->cbs = NULL;
	s->cancelling = 0;
	pthread_mutex_unlock(&s->lock);
	while (c != NULL) {
		struct sched_cb *next = c->next;

		c->fn(c->arg, cancel ? ret : sched->ds_result);
		free(c);
		c = next;
	}
}

int
tse_task_list_add(tse_task_t *task, d_list_t *head)
{
	struct task *t = T(task);

	if (task == NULL || head == NULL || !d_list_empty(&t->ulink))
		return -DER_INVAL;
	d_list_add_tail(&t->ulink, head);
	return 0;
}

void
tse_task_list_del(tse_task_t *task)
{
	if (task != NULL)
		d_list_del_init(&T(task)->ulink);
}

static struct task *
of_ulink(d_list_t *p)
{
	return (struct task *)((char *)p - offsetof(struct task, ulink));
}

tse_task_t *
tse_task_list_first(d_list_t *head)
{
	if (head == NULL || d_list_empty(head))
		return NULL;
	return &of_ulink(head->next)->pub;
}

void
tse_task_list_sched(d_list_t *head, bool instant)
{
	tse_task_t *task;

	while ((task = tse_task_list_first(head)) != NULL) {
		tse_task_list_del(task);
		tse_task_schedule(task, instant);
	}
}

void
tse_task_list_abort(d_list_t *head, int rc)
{
	tse_task_t *task;

	while ((task = tse_task_list_first(head)) != NULL) {
		tse_task_list_del(task);
		tse_task_complete(task, rc);
	}
}

int
tse_task_list_depend(d_list_t *head, tse_task_t *task)
{
	d_list_t *p;

	if (head == NULL)
		return -DER_INVAL;
	for (p = head->next; p != head; p = p->next) {
		tse_task_t *deps[1] = {task};
		int rc = tse_task_register_deps(&of_ulink(p)->pub, 1, deps);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
tse_task_depend_list(tse_task_t *task, d_list_t *head)
{
	d_list_t *p;

	if (head == NULL)
		return -DER_INVAL;
	for (p = head->next; p != head; p = p->next) {
		tse_task_t *deps[1] = {&of_ulink(p)->pub};
		int rc = tse_task_register_deps(task, 1, deps);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
tse_task_list_traverse(d_list_t *head, tse_task_cb_t cb, void *arg)
{
	d_list_t *p, *next;
	int ret = 0;

	if (head == NULL || cb == NULL)
		return -DER_INVAL;
	/* The callback may take its task off the list. */
	for (p = head->next; p != head; p = next) {
		int rc;

		next = p->next;
		rc = cb(&of_ulink(p)->pub, arg);
		if (rc != 0)
			ret = rc;
	}
	return ret;
}

int
tse_task_list_traverse_adv(d_list_t *head, tse_task_cb_t cb, void *arg)
{
	/* traverse already reads each successor before the callback runs. */
	return tse_task_list_traverse(head, cb, arg);
}
