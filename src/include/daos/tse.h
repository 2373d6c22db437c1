/*
 * The task scheduler (TSE): tasks with bodies, dependencies, preparation
 * and completion callbacks, run by whoever calls tse_sched_progress (or
 * daos_progress). Nothing runs in the background: a task's body runs in
 * the thread that schedules it (instant) or that progresses the
 * scheduler, and its completion callbacks in the thread that completes
 * it. The layouts of tse_task_t and tse_sched_t are DAOS's, so that
 * programs that embed them (a scheduler in a global, say) link unchanged.
 */
#ifndef DAOS_TSE_H
#define DAOS_TSE_H

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <gurt/list.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes a task carries for its arguments, its private area and in all. */
#define TSE_TASK_ARG_LEN	(840 + sizeof(pthread_mutex_t))
#define TSE_PRIV_SIZE		(TSE_TASK_ARG_LEN + 136)
#define TSE_TASK_SIZE		(TSE_PRIV_SIZE + 8)

typedef struct tse_task {
	/* The task's result: 0, or the first error it was completed with
	 * (or that a failed dependency passed on). Read it, don't write it. */
	int	dt_result;
	int	dt_pad32;
	struct {
		char	dt_space[TSE_PRIV_SIZE];
	} dt_private;
} tse_task_t;

typedef struct {
	/* The first error any of the scheduler's tasks ended with. */
	int	ds_result;
	/* The caller's, from tse_sched_init. */
	void	*ds_udata;
	struct {
		uint64_t	ds_space[48];
	} ds_private;
} tse_sched_t;

typedef int (*tse_sched_comp_cb_t)(void *args, int rc);
typedef int (*tse_task_func_t)(tse_task_t *task);
typedef int (*tse_task_cb_t)(tse_task_t *task, void *arg);

/* Schedulers. comp_cb (may be NULL) runs with udata when
 * tse_sched_complete finishes. */
int tse_sched_init(tse_sched_t *sched, tse_sched_comp_cb_t comp_cb, void *udata);
/* Releases the scheduler; its tasks must all have completed. */
void tse_sched_fini(tse_sched_t *sched);
void tse_sched_addref(tse_sched_t *sched);
void tse_sched_decref(tse_sched_t *sched);
/* Runs (cancel false) or completes with ret (cancel true) every pending
 * task until none is left, then the scheduler's completion callbacks. */
void tse_sched_complete(tse_sched_t *sched, int ret, bool cancel);
int tse_sched_register_comp_cb(tse_sched_t *sched, tse_sched_comp_cb_t comp_cb, void *arg);
/* Runs the bodies of the tasks that are ready, until none is. */
void tse_sched_progress(tse_sched_t *sched);
/* True when no task is waiting to run or running. */
bool tse_sched_check_complete(tse_sched_t *sched);

/* Tasks. A new task holds one reference, which its completion drops. */
int tse_task_create(tse_task_func_t task_func, tse_sched_t *sched, void *priv,
		    tse_task_t **taskp);
/* Makes the task runnable: with instant, a ready task with no
 * preparation callbacks runs its body before this returns. A task with
 * no body stays running until it is completed. */
int tse_task_schedule(tse_task_t *task, bool instant);
int tse_task_schedule_with_delay(tse_task_t *task, bool instant, uint64_t delay);
/* Runs the completion callbacks (last registered first), then ends the
 * task unless one of them re-initialised it or gave it dependencies. */
void tse_task_complete(tse_task_t *task, int ret);
int tse_task_register_deps(tse_task_t *task, int num_deps, tse_task_t *dep_tasks[]);
/* Callback data are copied (arg_size bytes); the callback gets the copy. */
int tse_task_register_comp_cb(tse_task_t *task, tse_task_cb_t comp_cb, void *arg,
			      size_t arg_size);
int tse_task_register_cbs(tse_task_t *task, tse_task_cb_t prep_cb, void *prep_data,
			  size_t prep_data_size, tse_task_cb_t comp_cb, void *comp_data,
			  size_t comp_data_size);
int tse_task_register_comp_cb_and_reinit(tse_task_t *task, tse_task_cb_t comp_cb,
					 void *arg, size_t arg_size, uint64_t delay);
/* Puts a running (or completing) task back to be run again. */
int tse_task_reinit(tse_task_t *task);
int tse_task_reinit_with_delay(tse_task_t *task, uint64_t delay);
/* Reuses a completed task that a reference kept, with a new body. */
int tse_task_reset(tse_task_t *task, tse_task_func_t task_func, void *priv);
void tse_task_addref(tse_task_t *task);
void tse_task_decref(tse_task_t *task);

void *tse_task_get_priv(tse_task_t *task);
/* Returns the previous private pointer. */
void *tse_task_set_priv(tse_task_t *task, void *priv);
tse_sched_t *tse_task2sched(tse_task_t *task);
void *tse_task2arg(tse_task_t *task);
/* The task's argument space, size bytes of it (NULL if it cannot hold
 * them beside what the task stack holds). */
void *tse_task_buf_embedded(tse_task_t *task, int size);
/* A stack in the same space, from its far end. */
void *tse_task_stack_push(tse_task_t *task, uint32_t size);
void *tse_task_stack_pop(tse_task_t *task, uint32_t size);
/* Errors of the task's dependencies are not passed on to it. */
void tse_disable_propagate(tse_task_t *task);

/* Lists of tasks the caller keeps (a task is on at most one). */
int tse_task_list_add(tse_task_t *task, d_list_t *head);
void tse_task_list_del(tse_task_t *task);
tse_task_t *tse_task_list_first(d_list_t *head);
void tse_task_list_sched(d_list_t *head, bool instant);
void tse_task_list_abort(d_list_t *head, int rc);
/* Every task on head depends on task. */
int tse_task_list_depend(d_list_t *head, tse_task_t *task);
/* task depends on every task on head. */
int tse_task_depend_list(tse_task_t *task, d_list_t *head);
int tse_task_list_traverse(d_list_t *head, tse_task_cb_t cb, void *arg);
int tse_task_list_traverse_adv(d_list_t *head, tse_task_cb_t cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_TSE_H */
