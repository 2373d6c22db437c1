/*
 * DAOS operations as scheduler tasks (daos_task.h). A task's body starts
 * its operation with an event of an event queue the scheduler owns (made
 * at its first operation); daos_progress runs the scheduler and polls
 * that queue, completing each task with its event's result. So an
 * operation behaves as the same call with an event, and nothing is done
 * behind the caller's back: tasks move only inside daos_progress,
 * tse_sched_progress, tse_task_complete and instant schedules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include <daos.h>
#include <daos_task.h>

#include "../gurt/tse_ext.h"
#include "eq.h"

/* What a scheduler keeps for its operations. */
struct ops_queue {
	daos_handle_t	eqh;
	pthread_mutex_t	lock;
	int		inflight;
};

/* One operation in flight: its event and task. */
struct op {
	daos_event_t	 ev;
	tse_task_t	*task;
};

/* queue_wait completes the tasks of operations that ended, one event per
 * poll: a completion callback may itself progress the scheduler, and must
 * find every other ended operation still in the queue. */
static int
queue_wait(void *arg, int64_t timeout)
{
	struct ops_queue *q = arg;
	daos_event_t *ev;
	int n, done = 0;

	for (;;) {
		struct op *op;
		tse_task_t *task;
		int rc;

		n = daos_eq_poll(q->eqh, 1, done == 0 ? timeout : 0, 1, &ev);
		if (n <= 0)
			return done > 0 ? done : n;
		op = (struct op *)ev;
		task = op->task;
		rc = ev->ev_error;
		daos_event_fini(ev);
		pthread_mutex_lock(&q->lock);
		q->inflight--;
		pthread_mutex_unlock(&q->lock);
		/* The task may have been completed (and reset, or re-run) by
		 * others meanwhile: then this operation's end is not its. */
		if (tse_task_get_ext(task) == op) {
			tse_task_set_ext(task, NULL);
			tse_task_complete(task, rc);
		}
		free(op);
		tse_task_decref(task); /* the operation's */
		done++;
	}
}

static int
queue_pending(void *arg)
{
	struct ops_queue *q = arg;
	int n;

	pthread_mutex_lock(&q->lock);
	n = q->inflight;
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void
queue_fini(void *arg)
{
	struct ops_queue *q = arg;

	/* Runs when the scheduler's last task is freed, and each operation
	 * holds its task: nothing is in flight. */
	daos_eq_destroy(q->eqh, 0);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* The scheduler's queue, made at its first operation. Two threads that
 * make one at once both try to set it: the loser's is dropped. */
static struct ops_queue *
queue_of(tse_sched_t *sched, int *rc)
{
	struct tse_hook *h = tse_sched_hook(sched);
	struct tse_hook nh;
	struct ops_queue *q;

	if (h != NULL)
		return h->arg;
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		*rc = -DER_NOMEM;
		return NULL;
	}
	*rc = daos_eq_create(&q->eqh);
	if (*rc != 0) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	nh.wait = queue_wait;
	nh.pending = queue_pending;
	nh.fini = queue_fini;
	nh.arg = q;
	*rc = tse_sched_set_hook(sched, &nh);
	if (*rc == 0)
		return q;
	queue_fini(q);
	if (*rc == -DER_BUSY && (h = tse_sched_hook(sched)) != NULL) {
		*rc = 0;
		return h->arg;
	}
	return NULL;
}

/* A UUID as the text the core takes (open and destroy by UUID). */
static const char *
uuid_text(const uuid_t u, char buf[37])
{
	uuid_unparse_lower(u, buf);
	return buf;
}

/* OP opens start's case for an opcode. A probe (args NULL, from runs)
 * ends there, so that start's switch is the one list of the opcodes run
 * here: the body's args are never NULL. */
#define OP(opc)                  \
	case opc:                \
		if (args == NULL) \
			return 0;

/* start calls the operation of the task's opcode on ev. */
static int
start(int opc, void *args, daos_event_t *ev)
{
	char ub[37];

	switch (opc) {
	OP(DAOS_OPC_POOL_CONNECT) {
		daos_pool_connect_t *a = args;

		return daos_pool_connect(a->pool != NULL ? a->pool : uuid_text(a->uuid, ub),
					 a->grp, a->flags, a->poh, a->info, ev);
	}
	OP(DAOS_OPC_POOL_DISCONNECT)
		return daos_pool_disconnect(((daos_pool_disconnect_t *)args)->poh, ev);
	OP(DAOS_OPC_POOL_QUERY) {
		daos_pool_query_t *a = args;

		return daos_pool_query(a->poh, a->ranks, a->info, a->prop, ev);
	}
	OP(DAOS_OPC_POOL_LIST_ATTR) {
		daos_pool_list_attr_t *a = args;

		return daos_pool_list_attr(a->poh, a->buf, a->size, ev);
	}
	OP(DAOS_OPC_POOL_GET_ATTR) {
		daos_pool_get_attr_t *a = args;

		return daos_pool_get_attr(a->poh, a->n, a->names, a->values, a->sizes, ev);
	}
	OP(DAOS_OPC_POOL_SET_ATTR) {
		daos_pool_set_attr_t *a = args;

		return daos_pool_set_attr(a->poh, a->n, a->names, a->values, a->sizes, ev);
	}
	OP(DAOS_OPC_POOL_DEL_ATTR) {
		daos_pool_del_attr_t *a = args;

		return daos_pool_del_attr(a->poh, a->n, a->names, ev);
	}
	OP(DAOS_OPC_CONT_CREATE) {
		daos_cont_create_t *a = args;
		const struct dgo_ops *o = dgo_core();

		if (uuid_is_null(a->uuid))
			return daos_cont_create(a->poh, a->cuuid, a->prop, ev);
		if (o == NULL)
			return -DER_UNINIT;
		if (a->cuuid != NULL)
			uuid_copy(*a->cuuid, a->uuid);
		return o->cont_create_id(a->poh.cookie, (char *)uuid_text(a->uuid, ub), a->prop,
					 ev);
	}
	OP(DAOS_OPC_CONT_OPEN) {
		daos_cont_open_t *a = args;

		return daos_cont_open(a->poh, a->cont != NULL ? a->cont : uuid_text(a->uuid, ub),
				      a->flags, a->coh, a->info, ev);
	}
	OP(DAOS_OPC_CONT_CLOSE)
		return daos_cont_close(((daos_cont_close_t *)args)->coh, ev);
	OP(DAOS_OPC_CONT_DESTROY) {
		daos_cont_destroy_t *a = args;

		return daos_cont_destroy(a->poh, a->cont != NULL ? a->cont : uuid_text(a->uuid, ub),
					 a->force, ev);
	}
	OP(DAOS_OPC_CONT_QUERY) {
		daos_cont_query_t *a = args;

		return daos_cont_query(a->coh, a->info, a->prop, ev);
	}
	OP(DAOS_OPC_CONT_ALLOC_OIDS) {
		daos_cont_alloc_oids_t *a = args;

		return daos_cont_alloc_oids(a->coh, a->num_oids, a->oid, ev);
	}
	OP(DAOS_OPC_CONT_SET_PROP) {
		daos_cont_set_prop_t *a = args;

		return daos_cont_set_prop(a->coh, a->prop, ev);
	}
	OP(DAOS_OPC_CONT_LIST_ATTR) {
		daos_cont_list_attr_t *a = args;

		return daos_cont_list_attr(a->coh, a->buf, a->size, ev);
	}
	OP(DAOS_OPC_CONT_GET_ATTR) {
		daos_cont_get_attr_t *a = args;

		return daos_cont_get_attr(a->coh, a->n, a->names, a->values, a->sizes, ev);
	}
	OP(DAOS_OPC_CONT_SET_ATTR) {
		daos_cont_set_attr_t *a = args;

		return daos_cont_set_attr(a->coh, a->n, a->names, a->values, a->sizes, ev);
	}
	OP(DAOS_OPC_CONT_DEL_ATTR) {
		daos_cont_del_attr_t *a = args;

		return daos_cont_del_attr(a->coh, a->n, a->names, ev);
	}
	OP(DAOS_OPC_CONT_LIST_SNAP) {
		daos_cont_list_snap_t *a = args;

		return daos_cont_list_snap(a->coh, a->nr, a->epochs, a->names, a->anchor, ev);
	}
	OP(DAOS_OPC_CONT_CREATE_SNAP) {
		daos_cont_create_snap_t *a = args;

		return daos_cont_create_snap_opt(a->coh, a->epoch, a->name, a->opts, ev);
	}
	OP(DAOS_OPC_CONT_SNAP_OIT_CREATE) {
		daos_cont_snap_oit_create_t *a = args;

		return daos_cont_snap_oit_create(a->coh, a->epoch, a->name, ev);
	}
	OP(DAOS_OPC_CONT_DESTROY_SNAP) {
		daos_cont_destroy_snap_t *a = args;

		return daos_cont_destroy_snap(a->coh, a->epr, ev);
	}
	OP(DAOS_OPC_TX_OPEN) {
		daos_tx_open_t *a = args;

		return daos_tx_open(a->coh, a->th, a->flags, ev);
	}
	OP(DAOS_OPC_TX_COMMIT)
		return daos_tx_commit(((daos_tx_commit_t *)args)->th, ev);
	OP(DAOS_OPC_TX_ABORT)
		return daos_tx_abort(((daos_tx_abort_t *)args)->th, ev);
	OP(DAOS_OPC_TX_OPEN_SNAP) {
		daos_tx_open_snap_t *a = args;

		return daos_tx_open_snap(a->coh, a->epoch, a->th, ev);
	}
	OP(DAOS_OPC_TX_CLOSE)
		return daos_tx_close(((daos_tx_close_t *)args)->th, ev);
	OP(DAOS_OPC_TX_RESTART)
		return daos_tx_restart(((daos_tx_restart_t *)args)->th, ev);
	OP(DAOS_OPC_OBJ_OPEN) {
		daos_obj_open_t *a = args;

		return daos_obj_open(a->coh, a->oid, a->mode, a->oh, ev);
	}
	OP(DAOS_OPC_OBJ_CLOSE)
		return daos_obj_close(((daos_obj_close_t *)args)->oh, ev);
	OP(DAOS_OPC_OBJ_PUNCH) {
		daos_obj_punch_t *a = args;

		return daos_obj_punch(a->oh, a->th, a->flags, ev);
	}
	OP(DAOS_OPC_OBJ_PUNCH_DKEYS) {
		daos_obj_punch_t *a = args;

		return daos_obj_punch_dkeys(a->oh, a->th, a->flags, 1, a->dkey, ev);
	}
	OP(DAOS_OPC_OBJ_PUNCH_AKEYS) {
		daos_obj_punch_t *a = args;

		return daos_obj_punch_akeys(a->oh, a->th, a->flags, a->dkey, a->akey_nr, a->akeys,
					    ev);
	}
	OP(DAOS_OPC_OBJ_QUERY_KEY) {
		daos_obj_query_key_t *a = args;

		return daos_obj_query_key(a->oh, a->th, a->flags, a->dkey, a->akey, a->recx, ev);
	}
	OP(DAOS_OPC_OBJ_FETCH) {
		daos_obj_rw_t *a = args;

		return daos_obj_fetch(a->oh, a->th, a->flags, a->dkey, a->nr, a->iods, a->sgls,
				      a->ioms, ev);
	}
	OP(DAOS_OPC_OBJ_UPDATE) {
		daos_obj_rw_t *a = args;

		return daos_obj_update(a->oh, a->th, a->flags, a->dkey, a->nr, a->iods, a->sgls,
				       ev);
	}
	OP(DAOS_OPC_OBJ_LIST_DKEY) {
		daos_obj_list_t *a = args;

		return daos_obj_list_dkey(a->oh, a->th, a->nr, a->kds, a->sgl, a->dkey_anchor, ev);
	}
	OP(DAOS_OPC_OBJ_LIST_AKEY) {
		daos_obj_list_t *a = args;

		return daos_obj_list_akey(a->oh, a->th, a->dkey, a->nr, a->kds, a->sgl,
					  a->akey_anchor, ev);
	}
	OP(DAOS_OPC_OBJ_LIST_RECX) {
		daos_obj_list_t *a = args;

		return daos_obj_list_recx(a->oh, a->th, a->dkey, a->akey, a->size, a->nr,
					  a->recxs, a->eprs, a->anchor, a->incr_order, ev);
	}
	OP(DAOS_OPC_ARRAY_CREATE) {
		daos_array_create_t *a = args;

		return daos_array_create(a->coh, a->oid, a->th, a->cell_size, a->chunk_size, a->oh,
					 ev);
	}
	OP(DAOS_OPC_ARRAY_OPEN) {
		daos_array_open_t *a = args;

		if (!a->open_with_attr)
			return daos_array_open(a->coh, a->oid, a->th, a->mode, a->cell_size,
					       a->chunk_size, a->oh, ev);
		if (a->cell_size == NULL || a->chunk_size == NULL)
			return -DER_INVAL;
		return daos_array_open_with_attr(a->coh, a->oid, a->th, a->mode, *a->cell_size,
						 *a->chunk_size, a->oh, ev);
	}
	OP(DAOS_OPC_ARRAY_CLOSE)
		return daos_array_close(((daos_array_close_t *)args)->oh, ev);
	OP(DAOS_OPC_ARRAY_DESTROY) {
		daos_array_destroy_t *a = args;

		return daos_array_destroy(a->oh, a->th, ev);
	}
	OP(DAOS_OPC_ARRAY_READ) {
		daos_array_io_t *a = args;

		return daos_array_read(a->oh, a->th, a->iod, a->sgl, ev);
	}
	OP(DAOS_OPC_ARRAY_WRITE) {
		daos_array_io_t *a = args;

		return daos_array_write(a->oh, a->th, a->iod, a->sgl, ev);
	}
	OP(DAOS_OPC_ARRAY_PUNCH) {
		daos_array_io_t *a = args;

		return daos_array_punch(a->oh, a->th, a->iod, ev);
	}
	OP(DAOS_OPC_ARRAY_GET_SIZE) {
		daos_array_get_size_t *a = args;

		return daos_array_get_size(a->oh, a->th, a->size, ev);
	}
	OP(DAOS_OPC_ARRAY_SET_SIZE) {
		daos_array_set_size_t *a = args;

		return daos_array_set_size(a->oh, a->th, a->size, ev);
	}
	OP(DAOS_OPC_ARRAY_STAT) {
		daos_array_stat_t *a = args;

		return daos_array_stat(a->oh, a->th, a->stbuf, ev);
	}
	OP(DAOS_OPC_KV_OPEN) {
		daos_kv_open_t *a = args;

		return daos_kv_open(a->coh, a->oid, a->mode, a->oh, ev);
	}
	OP(DAOS_OPC_KV_CLOSE)
		return daos_kv_close(((daos_kv_close_t *)args)->oh, ev);
	OP(DAOS_OPC_KV_DESTROY) {
		daos_kv_destroy_t *a = args;

		return daos_kv_destroy(a->oh, a->th, ev);
	}
	OP(DAOS_OPC_KV_GET) {
		daos_kv_get_t *a = args;

		return daos_kv_get(a->oh, a->th, a->flags, a->key, a->buf_size, a->buf, ev);
	}
	OP(DAOS_OPC_KV_PUT) {
		daos_kv_put_t *a = args;

		return daos_kv_put(a->oh, a->th, a->flags, a->key, a->buf_size, a->buf, ev);
	}
	OP(DAOS_OPC_KV_REMOVE) {
		daos_kv_remove_t *a = args;

		return daos_kv_remove(a->oh, a->th, a->flags, a->key, ev);
	}
	OP(DAOS_OPC_KV_LIST) {
		daos_kv_list_t *a = args;

		return daos_kv_list(a->oh, a->th, a->nr, a->kds, a->sgl, a->anchor, ev);
	}
	}
	return -DER_NOSYS;
}

/* runs reports whether this library runs opc as a task. */
static int
runs(int opc)
{
	return start(opc, NULL, NULL) == 0;
}

/* body is every DAOS task's body: it starts the operation, whose end
 * completes the task (an operation refused before it started completes
 * it at once). */
static int
body(tse_task_t *task)
{
	struct ops_queue *q;
	struct op *op;
	int rc = 0;

	q = queue_of(tse_task2sched(task), &rc);
	if (q == NULL) {
		tse_task_complete(task, rc);
		return rc;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		tse_task_complete(task, -DER_NOMEM);
		return -DER_NOMEM;
	}
	op->task = task;
	rc = daos_event_init(&op->ev, q->eqh, NULL);
	if (rc != 0) {
		free(op);
		tse_task_complete(task, rc);
		return rc;
	}
	pthread_mutex_lock(&q->lock);
	q->inflight++;
	pthread_mutex_unlock(&q->lock);
	tse_task_addref(task); /* the operation's, until its event is polled */
	tse_task_set_ext(task, op);
	rc = start(tse_task_get_tag(task), tse_task2arg(task), &op->ev);
	if (rc != 0) {
		/* Not launched: the event will not complete. */
		pthread_mutex_lock(&q->lock);
		q->inflight--;
		pthread_mutex_unlock(&q->lock);
		tse_task_set_ext(task, NULL);
		daos_event_fini(&op->ev);
		free(op);
		tse_task_complete(task, rc);
		tse_task_decref(task);
	}
	return rc;
}

int
daos_task_create(daos_opc_t opc, tse_sched_t *sched, unsigned int num_deps,
		 tse_task_t *dep_tasks[], tse_task_t **taskp)
{
	tse_task_t *task;
	int rc;

	if (sched == NULL || taskp == NULL || (dep_tasks != NULL && num_deps == 0))
		return -DER_INVAL;
	if (!runs(opc))
		return -DER_NOSYS;
	rc = tse_task_create(body, sched, NULL, &task);
	if (rc != 0)
		return rc;
	tse_task_set_tag(task, opc);
	memset(tse_task2arg(task), 0, TSE_TASK_ARG_LEN);
	/* As in DAOS, a count with no array names no dependency. */
	if (num_deps != 0 && dep_tasks != NULL) {
		rc = tse_task_register_deps(task, (int)num_deps, dep_tasks);
		if (rc != 0) {
			tse_task_decref(task); /* never seen by the caller */
			return rc;
		}
	}
	*taskp = task;
	return 0;
}

int
daos_task_reset(tse_task_t *task, daos_opc_t opc)
{
	int rc;

	if (task == NULL)
		return -DER_INVAL;
	if (!runs(opc))
		return -DER_NOSYS;
	rc = tse_task_reset(task, body, NULL);
	if (rc == 0)
		tse_task_set_tag(task, opc);
	return rc;
}

void *
daos_task_get_args(tse_task_t *task)
{
	return tse_task2arg(task);
}

void *
daos_task_get_priv(tse_task_t *task)
{
	return tse_task_get_priv_internal(task);
}

void *
daos_task_set_priv(tse_task_t *task, void *priv)
{
	return tse_task_set_priv_internal(task, priv);
}

int
daos_progress(tse_sched_t *sched, int64_t timeout, bool *is_empty)
{
	uint64_t deadline = 0;

	if (sched == NULL || is_empty == NULL)
		return -DER_INVAL;
	*is_empty = false;
	if (timeout > 0)
		deadline = tse_now_us() + (uint64_t)timeout;
	for (;;) {
		struct tse_hook *h;
		int64_t wait;
		int n = 0;

		tse_sched_progress(sched);
		if (tse_sched_check_complete(sched)) {
			*is_empty = true;
			return 0;
		}
		if (timeout == DAOS_EQ_NOWAIT) {
			wait = 0;
		} else if (timeout < 0) {
			wait = 1000;
		} else {
			uint64_t now = tse_now_us();

			if (now >= deadline)
				return -DER_TIMEDOUT;
			wait = (int64_t)(deadline - now);
			if (wait > 1000)
				wait = 1000;
		}
		/* Operations in flight end next; tasks that only others
		 * complete (an MPI request's, a gate) or that wait on a delay
		 * are looked at again after at most 1 ms. */
		h = tse_sched_hook(sched);
		if (h != NULL && h->pending(h->arg) > 0) {
			n = h->wait(h->arg, wait);
			if (n < 0 && n != -DER_TIMEDOUT)
				return n;
		} else if (wait > 0) {
			struct timespec ts = {0, 1000 * wait};

			nanosleep(&ts, NULL);
		}
		if (timeout == DAOS_EQ_NOWAIT) {
			/* One round: what the poll completed may have freed
			 * others to run. */
			tse_sched_progress(sched);
			if (tse_sched_check_complete(sched)) {
				*is_empty = true;
				return 0;
			}
			return -DER_TIMEDOUT;
		}
	}
}
