/*
 * The task scheduler (daos/tse.h) on its own, without a cluster: the
 * patterns the HDF5 DAOS VOL builds on (dependencies, prep callbacks that
 * skip the body, gate and meta tasks with no body, re-initialisation from
 * a completion callback, reuse through reset), run under the sanitizers
 * when they are here (leaks and freed memory are failures).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <daos/tse.h>
#include <daos_errno.h>

/* A log of what ran, in order. */
static char trail[256];

static void
mark(const char *what)
{
	strncat(trail, what, sizeof(trail) - strlen(trail) - 1);
}

static int
body_ok(tse_task_t *task)
{
	const char *name = tse_task_get_priv(task);

	mark(name);
	tse_task_complete(task, 0);
	return 0;
}

static int
body_fail(tse_task_t *task)
{
	mark(tse_task_get_priv(task));
	tse_task_complete(task, -DER_IO);
	return 0;
}

/* A body that sees its result (a failed dependency's, passed on). */
static int seen_result;

static int
body_record(tse_task_t *task)
{
	seen_result = task->dt_result;
	mark(tse_task_get_priv(task));
	tse_task_complete(task, 0);
	return 0;
}

static int
cb_mark(tse_task_t *task, void *arg)
{
	(void)task;
	mark(*(const char **)arg);
	return 0;
}

static void
progress_all(tse_sched_t *s)
{
	int i;

	for (i = 0; i < 100 && !tse_sched_check_complete(s); i++)
		tse_sched_progress(s);
}

static void
test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(tse_task_t), TSE_TASK_SIZE);
	assert_int_equal(offsetof(tse_task_t, dt_result), 0);
	assert_int_equal(offsetof(tse_task_t, dt_private), 8);
	assert_int_equal(sizeof(tse_sched_t), 8 + 8 + 48 * 8);
	assert_int_equal(offsetof(tse_sched_t, ds_udata), 8);
}

/* C waits for B, B for A; they run in that order whatever the order of
 * scheduling, and completion callbacks run last registered first. */
static void
test_dependencies(void **state)
{
	tse_sched_t s;
	tse_task_t *a, *b, *c;
	const char *x = "x", *y = "y";

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "A", &a), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "B", &b), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "C", &c), 0);
	assert_int_equal(tse_task_register_deps(c, 1, &b), 0);
	assert_int_equal(tse_task_register_deps(b, 1, &a), 0);
	assert_int_equal(tse_task_register_comp_cb(b, cb_mark, &x, sizeof(x)), 0);
	assert_int_equal(tse_task_register_comp_cb(b, cb_mark, &y, sizeof(y)), 0);
	assert_int_equal(tse_task_schedule(c, false), 0);
	assert_int_equal(tse_task_schedule(b, true), 0); /* not ready: waits */
	assert_int_equal(tse_task_schedule(a, false), 0);
	assert_string_equal(trail, "");
	assert_false(tse_sched_check_complete(&s));
	progress_all(&s);
	assert_string_equal(trail, "AByxC");
	assert_true(tse_sched_check_complete(&s));
	tse_sched_fini(&s);
}

/* A failure is passed on to dependents (their bodies still run and see
 * it) unless they turned that off; the scheduler keeps the first. */
static void
test_error_propagates(void **state)
{
	tse_sched_t s;
	tse_task_t *a, *b, *c;

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_fail, &s, "A", &a), 0);
	assert_int_equal(tse_task_create(body_record, &s, "B", &b), 0);
	assert_int_equal(tse_task_register_deps(b, 1, &a), 0);
	assert_int_equal(tse_task_schedule(a, false), 0);
	assert_int_equal(tse_task_schedule(b, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "AB");
	assert_int_equal(seen_result, -DER_IO);
	assert_int_equal(s.ds_result, -DER_IO);

	trail[0] = 0;
	assert_int_equal(tse_task_create(body_fail, &s, "A", &a), 0);
	assert_int_equal(tse_task_create(body_record, &s, "C", &c), 0);
	tse_disable_propagate(c);
	assert_int_equal(tse_task_register_deps(c, 1, &a), 0);
	assert_int_equal(tse_task_schedule(c, false), 0);
	assert_int_equal(tse_task_schedule(a, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "AC");
	assert_int_equal(seen_result, 0);
	tse_sched_fini(&s);
}

static int
prep_fail(tse_task_t *task, void *arg)
{
	(void)arg;
	mark("p");
	tse_task_complete(task, -DER_NOSPACE);
	return -DER_NOSPACE;
}

static int
prep_ok(tse_task_t *task, void *arg)
{
	(void)task;
	mark(*(const char **)arg);
	return 0;
}

/* Prep callbacks run first to last before the body; one that completes
 * the task skips the rest and the body, and the completion callback
 * still runs. */
static void
test_prep_callbacks(void **state)
{
	tse_sched_t s;
	tse_task_t *t;
	const char *one = "1", *two = "2", *done = "d";

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "B", &t), 0);
	assert_int_equal(tse_task_register_cbs(t, prep_ok, &one, sizeof(one), NULL, NULL, 0), 0);
	assert_int_equal(tse_task_register_cbs(t, prep_ok, &two, sizeof(two), cb_mark, &done,
					       sizeof(done)), 0);
	/* instant, but prep callbacks make it wait for progress */
	assert_int_equal(tse_task_schedule(t, true), 0);
	assert_string_equal(trail, "");
	progress_all(&s);
	assert_string_equal(trail, "12Bd");

	trail[0] = 0;
	assert_int_equal(tse_task_create(body_ok, &s, "B", &t), 0);
	assert_int_equal(tse_task_register_cbs(t, prep_fail, NULL, 0, cb_mark, &done,
					       sizeof(done)), 0);
	assert_int_equal(tse_task_register_cbs(t, prep_ok, &one, sizeof(one), NULL, NULL, 0), 0);
	assert_int_equal(tse_task_schedule(t, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "pd");
	assert_int_equal(s.ds_result, -DER_NOSPACE);
	tse_sched_fini(&s);
}

/* A task with no body stays running (a gate) until completed; a task
 * with no body that is given dependencies while it runs (a meta task)
 * ends when they have. */
static void
test_gate_and_meta(void **state)
{
	tse_sched_t s;
	tse_task_t *gate, *after, *meta, *child;
	const char *m = "M";

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(NULL, &s, NULL, &gate), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "G", &after), 0);
	assert_int_equal(tse_task_register_deps(after, 1, &gate), 0);
	assert_int_equal(tse_task_schedule(gate, false), 0);
	assert_int_equal(tse_task_schedule(after, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "");
	assert_false(tse_sched_check_complete(&s));
	tse_task_complete(gate, 0);
	progress_all(&s);
	assert_string_equal(trail, "G");

	trail[0] = 0;
	assert_int_equal(tse_task_create(NULL, &s, NULL, &meta), 0);
	assert_int_equal(tse_task_register_comp_cb(meta, cb_mark, &m, sizeof(m)), 0);
	assert_int_equal(tse_task_schedule(meta, false), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "c", &child), 0);
	assert_int_equal(tse_task_register_deps(meta, 1, &child), 0);
	assert_int_equal(tse_task_schedule(child, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "cM");
	assert_true(tse_sched_check_complete(&s));
	tse_sched_fini(&s);
}

/* A completion callback that re-arms and re-initialises its task, as the
 * VOL does to list again: first on its own, then after a task it makes
 * and depends on (registered on the completing task itself). The body
 * runs again each time; the task ends once. */
static int runs;

static int
body_count(tse_task_t *task)
{
	runs++;
	tse_task_complete(task, runs < 3 ? -DER_KEY2BIG : 0);
	return 0;
}

static int
cb_again(tse_task_t *task, void *arg)
{
	(void)arg;
	if (task->dt_result == -DER_KEY2BIG) {
		tse_task_t *helper;

		mark("r");
		assert_int_equal(tse_task_create(body_ok, tse_task2sched(task), "h", &helper), 0);
		assert_int_equal(tse_task_register_deps(task, 1, &helper), 0);
		assert_int_equal(tse_task_register_comp_cb(task, cb_again, NULL, 0), 0);
		assert_int_equal(tse_task_reinit(task), 0);
		assert_int_equal(tse_task_schedule(helper, false), 0);
		return 0;
	}
	mark("E");
	return 0;
}

/* A dependency that is already complete when the callback registers it
 * does not stop the completion. */
static tse_task_t *done_task;

static int
cb_dep_on_done(tse_task_t *task, void *arg)
{
	(void)arg;
	assert_int_equal(tse_task_register_deps(task, 1, &done_task), 0);
	mark("c");
	return 0;
}

static void
test_reinit_from_callback(void **state)
{
	tse_sched_t s;
	tse_task_t *t;

	(void)state;
	trail[0] = 0;
	runs = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_count, &s, NULL, &t), 0);
	assert_int_equal(tse_task_register_comp_cb(t, cb_again, NULL, 0), 0);
	assert_int_equal(tse_task_schedule(t, false), 0);
	progress_all(&s);
	assert_int_equal(runs, 3);
	assert_string_equal(trail, "rhrhE");
	assert_true(tse_sched_check_complete(&s));

	trail[0] = 0;
	assert_int_equal(tse_task_create(body_ok, &s, "D", &done_task), 0);
	tse_task_addref(done_task);
	assert_int_equal(tse_task_schedule(done_task, true), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "T", &t), 0);
	assert_int_equal(tse_task_register_comp_cb(t, cb_dep_on_done, NULL, 0), 0);
	assert_int_equal(tse_task_schedule(t, true), 0);
	assert_string_equal(trail, "DTc");
	assert_true(tse_sched_check_complete(&s));
	tse_task_decref(done_task);
	tse_sched_fini(&s);
}

/* A reference keeps a completed task for reuse with a new body; the
 * last reference frees it. */
static void
test_reset_and_refs(void **state)
{
	tse_sched_t s;
	tse_task_t *t, *done;
	const char *x = "x";

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "1", &t), 0);
	tse_task_addref(t);
	assert_int_equal(tse_task_schedule(t, true), 0); /* runs now */
	assert_string_equal(trail, "1");
	assert_int_equal(tse_task_schedule(t, false), -DER_NO_PERM);
	assert_int_equal(tse_task_register_comp_cb(t, cb_mark, &x, sizeof(x)), -DER_NO_PERM);
	/* a dependency on a completed task is no wait */
	assert_int_equal(tse_task_create(body_ok, &s, "2", &done), 0);
	assert_int_equal(tse_task_register_deps(done, 1, &t), 0);
	assert_int_equal(tse_task_schedule(done, true), 0);
	assert_string_equal(trail, "12");
	/* a completed task a reference keeps can be run again */
	assert_int_equal(tse_task_reinit(t), 0);
	progress_all(&s);
	assert_string_equal(trail, "121");

	assert_int_equal(tse_task_reset(t, body_ok, "3"), 0);
	tse_task_addref(t); /* the VOL's list takes one per use */
	assert_int_equal(tse_task_schedule(t, false), 0);
	progress_all(&s);
	assert_string_equal(trail, "1213");
	tse_task_decref(t); /* the list's: the task is freed */
	tse_sched_fini(&s);
}

/* Tasks that were never scheduled end (and are freed) when completed. */
static void
test_complete_unscheduled(void **state)
{
	tse_sched_t s;
	tse_task_t *t;
	const char *x = "x";

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_ok, &s, "B", &t), 0);
	assert_int_equal(tse_task_register_comp_cb(t, cb_mark, &x, sizeof(x)), 0);
	tse_task_complete(t, -DER_INVAL);
	assert_string_equal(trail, "x");
	assert_true(tse_sched_check_complete(&s));
	tse_sched_fini(&s);
}

static void
test_bad_arguments(void **state)
{
	tse_sched_t s, zero;
	tse_task_t *t, *none = NULL;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(tse_sched_init(NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(tse_task_create(body_ok, &zero, NULL, &t), -DER_INVAL);
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(tse_task_create(body_ok, &s, NULL, NULL), -DER_INVAL);
	assert_int_equal(tse_task_create(body_ok, &s, "x", &t), 0);
	assert_int_equal(tse_task_register_deps(t, 1, &t), -DER_INVAL);
	assert_int_equal(tse_task_register_deps(t, 1, &none), -DER_INVAL);
	assert_int_equal(tse_task_register_deps(t, -1, &t), -DER_INVAL);
	assert_int_equal(tse_task_register_deps(t, 0, NULL), 0);
	assert_int_equal(tse_task_register_cbs(t, NULL, NULL, 0, NULL, NULL, 0), -DER_INVAL);
	assert_null(tse_task_buf_embedded(t, (int)TSE_TASK_ARG_LEN + 1));
	assert_non_null(tse_task_buf_embedded(t, 64));
	assert_non_null(tse_task_stack_push(t, 16));
	assert_null(tse_task_stack_push(t, (uint32_t)TSE_TASK_ARG_LEN));
	assert_non_null(tse_task_stack_pop(t, 16));
	assert_null(tse_task_stack_pop(t, 8));
	tse_task_complete(t, 0);
	tse_sched_fini(&s);
}

/* Cancelling completes the tasks still waiting with the given code. */
static int sched_done_rc = 1;

static int
sched_done(void *arg, int rc)
{
	(void)arg;
	sched_done_rc = rc;
	return 0;
}

static void
test_sched_cancel(void **state)
{
	tse_sched_t s;
	tse_task_t *gate, *t, *u;

	(void)state;
	trail[0] = 0;
	assert_int_equal(tse_sched_init(&s, sched_done, NULL), 0);
	assert_int_equal(tse_task_create(NULL, &s, NULL, &gate), 0);
	assert_int_equal(tse_task_create(body_record, &s, "T", &t), 0);
	assert_int_equal(tse_task_create(body_count, &s, NULL, &u), 0);
	assert_int_equal(tse_task_register_deps(t, 1, &gate), 0);
	assert_int_equal(tse_task_register_comp_cb(u, cb_again, NULL, 0), 0);
	assert_int_equal(tse_task_schedule(gate, false), 0); /* running, nobody ends it */
	assert_int_equal(tse_task_schedule(t, false), 0);    /* blocked on the gate */
	assert_int_equal(tse_task_schedule(u, false), 0);    /* would re-run itself */
	tse_sched_complete(&s, -DER_CANCELED, true);
	/* no body ran; u's completion callback did, with the cancel's code */
	assert_string_equal(trail, "E");
	assert_int_equal(sched_done_rc, -DER_CANCELED);
	assert_true(tse_sched_check_complete(&s));
	tse_sched_fini(&s);
}

/* Threads creating, scheduling and completing tasks of one scheduler
 * while another progresses it: every task runs once and ends. */
#define NTHREADS 4
#define PER_THREAD 300

static tse_sched_t shared;
static int bodies_run; /* atomic */

static int
body_async(tse_task_t *task)
{
	__atomic_add_fetch(&bodies_run, 1, __ATOMIC_RELAXED);
	(void)task; /* completed by its thread */
	return 0;
}

static void *
worker(void *arg)
{
	tse_task_t *gate, *t;
	int i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		assert_int_equal(tse_task_create(NULL, &shared, NULL, &gate), 0);
		assert_int_equal(tse_task_create(body_async, &shared, NULL, &t), 0);
		assert_int_equal(tse_task_register_deps(t, 1, &gate), 0);
		tse_task_addref(t);
		assert_int_equal(tse_task_schedule(gate, false), 0);
		assert_int_equal(tse_task_schedule(t, false), 0);
		tse_task_complete(gate, 0);
		/* races the progressing thread: before, during or after the
		 * body, the task ends once and is freed once */
		tse_task_complete(t, 0);
		tse_task_decref(t);
	}
	return NULL;
}

static void *
progressor(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE))
		tse_sched_progress(&shared);
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t w[NTHREADS], p;
	int i, stop = 0;

	(void)state;
	bodies_run = 0;
	assert_int_equal(tse_sched_init(&shared, NULL, NULL), 0);
	assert_int_equal(pthread_create(&p, NULL, progressor, &stop), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, worker, NULL), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(w[i], NULL), 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(p, NULL), 0);
	/* a body may not have run when its thread completed the task first */
	assert_true(bodies_run <= NTHREADS * PER_THREAD);
	assert_true(tse_sched_check_complete(&shared));
	tse_sched_fini(&shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_error_propagates),
		cmocka_unit_test(test_prep_callbacks),
		cmocka_unit_test(test_gate_and_meta),
		cmocka_unit_test(test_reinit_from_callback),
		cmocka_unit_test(test_reset_and_refs),
		cmocka_unit_test(test_complete_unscheduled),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_sched_cancel),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
