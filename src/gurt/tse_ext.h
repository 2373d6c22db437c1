/*
 * What libdaos's task layer (src/client/task.c) needs of the scheduler
 * beyond the public TSE API: hidden, not API.
 */
#ifndef DGO_TSE_EXT_H
#define DGO_TSE_EXT_H

#include <daos/tse.h>

#define DGO_HIDDEN __attribute__((visibility("hidden")))

/* A scheduler's hook for work that runs outside it (DAOS operations in
 * flight): wait drives it for up to timeout µs (negative: no bound) and
 * reports how many tasks it completed, or a negative DER code; pending
 * counts what is in flight; fini releases it with the scheduler. */
struct tse_hook {
	int (*wait)(void *arg, int64_t timeout);
	int (*pending)(void *arg);
	void (*fini)(void *arg);
	void *arg;
};

/* The scheduler's hook, NULL until set. */
struct tse_hook *tse_sched_hook(tse_sched_t *sched) DGO_HIDDEN;
/* Sets it once; -DER_BUSY if it is set already. */
int tse_sched_set_hook(tse_sched_t *sched, const struct tse_hook *hook) DGO_HIDDEN;

/* A slot of the task's own for the layer above (daos_task_get/set_priv),
 * apart from the user's, and a number (the DAOS opcode). */
void *tse_task_get_priv_internal(tse_task_t *task) DGO_HIDDEN;
void *tse_task_set_priv_internal(tse_task_t *task, void *priv) DGO_HIDDEN;
int tse_task_get_tag(tse_task_t *task) DGO_HIDDEN;
/* The operation a task's body started (cleared by reinit and reset), so
 * that an operation that ends after its task moved on is not taken for
 * the task's current one. */
void *tse_task_get_ext(tse_task_t *task) DGO_HIDDEN;
void tse_task_set_ext(tse_task_t *task, void *ext) DGO_HIDDEN;
void tse_task_set_tag(tse_task_t *task, int tag) DGO_HIDDEN;

/* Microseconds of the monotonic clock. */
uint64_t tse_now_us(void) DGO_HIDDEN;

#endif /* DGO_TSE_EXT_H */
