/*
 * daos_api_test: the libdaos C API against a running system, as an
 * application sees it (cmocka). Needs a daos_agent (DAOS_AGENT_DRPC_DIR)
 * and a pool whose label is in $DAOS_POOL (with $DAOS_POOL_TARGETS
 * targets, when set), holding a container labelled "forked" (the forked
 * children open it before the parent may call DAOS); creates and destroys
 * its other containers itself.
 *
 * The fork test runs first on purpose: the process must not have loaded
 * the Go core before it forks (see src/client/libdaos.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <daos.h>
#include <daos_task.h>
#include <gurt/common.h>

static const char *pool_label;
static unsigned int pool_targets; /* $DAOS_POOL_TARGETS, 0: not checked */

static char cont_label[64];
static daos_handle_t poh, coh;

#define NCHILD 4

/* Children fork before the parent ever initialises DAOS, then each runs a
 * whole client: init, connect, open, write its own dkey, fini. */
static void
test_fork_then_init(void **state)
{
	pid_t pids[NCHILD];
	int   i;

	(void)state;
	for (i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			daos_handle_t ph, ch, oh;
			daos_obj_id_t oid = {.lo = 77, .hi = 0};
			d_iov_t       dkey, iov;
			d_sg_list_t   sgl;
			daos_iod_t    iod;
			char          dk[32], val[32];
			const char   *step = "init";
			int           rc;

			alarm(60);
			rc = daos_init();
			if (rc == 0) {
				step = "pool connect";
				rc = daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &ph, NULL, NULL);
			}
			if (rc == 0) {
				step = "container open";
				rc = daos_cont_open(ph, "forked", DAOS_COO_RW, &ch, NULL, NULL);
			}
			if (rc == 0) {
				step = "generate oid";
				rc = daos_obj_generate_oid(ch, &oid, DAOS_OT_MULTI_HASHED, OC_S1, 0, 0);
			}
			if (rc == 0) {
				step = "object open";
				rc = daos_obj_open(ch, oid, DAOS_OO_RW, &oh, NULL);
			}
			if (rc == 0) {
				step = "update";
				snprintf(dk, sizeof(dk), "child%d", i);
				snprintf(val, sizeof(val), "written by child %d", i);
				d_iov_set(&dkey, dk, strlen(dk));
				d_iov_set(&iov, val, strlen(val) + 1);
				sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};
				memset(&iod, 0, sizeof(iod));
				d_iov_set(&iod.iod_name, "a", 1);
				iod.iod_type = DAOS_IOD_SINGLE;
				iod.iod_size = strlen(val) + 1;
				iod.iod_nr = 1;
				rc = daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL);
			}
			if (rc == 0) {
				step = "object close";
				rc = daos_obj_close(oh, NULL);
			}
			if (rc == 0) {
				step = "container close";
				rc = daos_cont_close(ch, NULL);
			}
			if (rc == 0) {
				step = "pool disconnect";
				rc = daos_pool_disconnect(ph, NULL);
			}
			if (rc == 0) {
				step = "fini";
				rc = daos_fini();
			}
			if (rc != 0)
				fprintf(stderr, "child %d: %s: " DF_RC "\n", i, step, DP_RC(rc));
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < NCHILD; i++) {
		int status = 0;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void
test_uninitialised(void **state)
{
	daos_handle_t h;

	(void)state;
	assert_int_equal(daos_fini(), -DER_UNINIT);
	assert_int_equal(daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &h, NULL, NULL), -DER_UNINIT);
	assert_int_equal(daos_eq_create(&h), -DER_UNINIT);
}

/* No agent where the environment points: init says so, and stays
 * uninitialised. */
static void
test_init_without_agent(void **state)
{
	char *saved = getenv("DAOS_AGENT_DRPC_DIR");

	(void)state;
	saved = saved ? strdup(saved) : NULL;
	setenv("DAOS_AGENT_DRPC_DIR", "/nonexistent/daos_agent", 1);
	assert_int_equal(daos_init(), -DER_AGENT_COMM);
	assert_int_equal(daos_fini(), -DER_UNINIT);
	if (saved != NULL) {
		setenv("DAOS_AGENT_DRPC_DIR", saved, 1);
		free(saved);
	} else {
		unsetenv("DAOS_AGENT_DRPC_DIR");
	}
}

static void
test_init_counts(void **state)
{
	(void)state;
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_fini(), 0);
	/* Still initialised once. */
	assert_int_equal(daos_oclass_name2id("SX"), OC_SX);
}

static void
test_oclass(void **state)
{
	char name[MAX_OBJ_CLASS_NAME_LEN + 1];

	(void)state;
	assert_int_equal(daos_oclass_name2id("S1"), OC_S1);
	assert_int_equal(daos_oclass_name2id("SX"), 0x0100FFFF);
	assert_int_equal(daos_oclass_name2id("RP_3GX"), 0x0900FFFF);
	assert_int_equal(daos_oclass_name2id("EC_2P1GX"), 0x2000FFFF);
	assert_int_equal(daos_oclass_name2id("sx"), 0);
	assert_int_equal(daos_oclass_name2id("NO_SUCH_CLASS"), 0);
	assert_int_equal(daos_oclass_name2id(NULL), 0);
	assert_int_equal(daos_oclass_id2name(OC_S1, name), 0);
	assert_string_equal(name, "S1");
	assert_int_equal(daos_oclass_id2name(0x12345, name), -1);

	/* The class list: every name and ", ", its length returned. */
	{
		char	 small[8], *all;
		ssize_t	 n;
		int	 nr = daos_oclass_nr(0);

		assert_true(nr > 100);
		assert_int_equal(daos_oclass_names_list(sizeof(small), small), -DER_OVERFLOW);
		assert_string_equal(small, "");
		all = malloc(8192);
		assert_non_null(all);
		n = daos_oclass_names_list(8192, all);
		assert_true(n > 0);
		assert_int_equal((size_t)n, strlen(all));
		assert_non_null(strstr(all, "S1, "));
		assert_non_null(strstr(all, ", RP_3GX, "));
		assert_non_null(strstr(all, ", EC_2P1GX, "));
		assert_int_equal(daos_oclass_names_list(0, all), -DER_INVAL);
		assert_int_equal(daos_oclass_names_list(8, NULL), -DER_INVAL);
		free(all);
	}
	assert_int_equal(daos_obj_query_class(DAOS_HDL_INVAL, OC_S1, NULL, NULL), -DER_NOSYS);
	assert_int_equal(daos_obj_list_class(DAOS_HDL_INVAL, NULL, NULL, NULL), -DER_NOSYS);
}

static void
test_pool(void **state)
{
	daos_pool_info_t info;
	daos_handle_t    h;
	uuid_t           zero = {0};

	(void)state;
	assert_int_equal(daos_pool_connect("no_such_pool", NULL, DAOS_PC_RW, &h, NULL, NULL),
			 -DER_NONEXIST);
	assert_int_equal(daos_pool_connect(pool_label, NULL, 0, &h, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_connect(pool_label, NULL, DAOS_PC_RW, NULL, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(NULL, NULL, DAOS_PC_RW, &h, NULL, NULL), -DER_INVAL);

	memset(&info, 0xa5, sizeof(info));
	info.pi_bits = DPI_ALL;
	assert_int_equal(daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &poh, &info, NULL), 0);
	assert_true(daos_handle_is_valid(poh));
	assert_memory_not_equal(info.pi_uuid, zero, sizeof(uuid_t));
	if (pool_targets != 0)
		assert_int_equal(info.pi_ntargets, pool_targets);
	assert_true(info.pi_ntargets > 0);
	assert_true(info.pi_nnodes > 0);
	assert_int_equal(info.pi_ndisabled, 0);
	assert_true(info.pi_map_ver >= 1);

	/* The system's pool directory lists this pool. */
	{
		daos_mgmt_pool_info_t	*pools;
		daos_size_t		 n = 0, room, i;
		int			 found = 0;

		assert_int_equal(daos_mgmt_list_pools(NULL, &n, NULL, NULL), 0);
		assert_true(n >= 1);
		pools = calloc(n, sizeof(*pools));
		assert_non_null(pools);
		room = 0;
		assert_int_equal(daos_mgmt_list_pools(NULL, &room, pools, NULL), -DER_TRUNC);
		assert_int_equal(room, n);
		assert_null(pools[0].mgpi_label);
		assert_int_equal(daos_mgmt_list_pools(NULL, &n, pools, NULL), 0);
		for (i = 0; i < n; i++) {
			if (pools[i].mgpi_label != NULL &&
			    strcmp(pools[i].mgpi_label, pool_label) == 0) {
				found++;
				assert_memory_equal(pools[i].mgpi_uuid, info.pi_uuid, sizeof(uuid_t));
				assert_non_null(pools[i].mgpi_svc);
				assert_true(pools[i].mgpi_svc->rl_nr >= 1);
				assert_int_equal(pools[i].mgpi_ldr, (d_rank_t)-1);
			}
			free(pools[i].mgpi_label);
			d_rank_list_free(pools[i].mgpi_svc);
		}
		assert_int_equal(found, 1);
		free(pools);
		assert_int_equal(daos_mgmt_list_pools(NULL, NULL, NULL, NULL), -DER_INVAL);
		n = 0;
		/* A system this agent does not serve (the agent's answer). */
		assert_true(daos_mgmt_list_pools("no_such_system", &n, NULL, NULL) < 0);
	}

	memset(&info, 0, sizeof(info));
	assert_int_equal(daos_pool_query(poh, NULL, &info, NULL, NULL), 0);
	assert_true(info.pi_ntargets > 0);
	assert_int_equal(info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM], 0); /* not asked */
	/* Nothing excluded, so nothing to rebuild: done, not in progress. */
	assert_int_equal(info.pi_rebuild_st.rs_state, DRS_COMPLETED);
	assert_int_equal(info.pi_rebuild_st.rs_errno, 0);

	/* Space per tier, over every target. */
	memset(&info, 0, sizeof(info));
	info.pi_bits = DPI_SPACE;
	assert_int_equal(daos_pool_query(poh, NULL, &info, NULL, NULL), 0);
	assert_true(info.pi_bits & DPI_SPACE);
	assert_int_equal(info.pi_space.ps_ntargets, info.pi_ntargets);
	assert_true(info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM] > 0);
	assert_true(info.pi_space.ps_space.s_total[DAOS_MEDIA_NVME] > 0);
	assert_true(info.pi_space.ps_space.s_free[DAOS_MEDIA_SCM] <=
		    info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM]);
	assert_true(info.pi_space.ps_space.s_free[DAOS_MEDIA_NVME] > 0);
	assert_true(info.pi_space.ps_free_min[DAOS_MEDIA_NVME] <= info.pi_space.ps_free_max[DAOS_MEDIA_NVME]);
	assert_int_equal(daos_pool_query(DAOS_HDL_INVAL, NULL, &info, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_disconnect(DAOS_HDL_INVAL, NULL), -DER_NO_HDL);
}

/* A container created with its owner group as a property has it from the
 * start; a group that is no principal is refused and nothing is made. */
static void
test_cont_owned(void)
{
	daos_prop_t   *prop = daos_prop_alloc(1);
	daos_handle_t  h;
	struct daos_prop_entry *e;
	char           label[64];

	snprintf(label, sizeof(label), "capi_owned_%d", (int)getpid());
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_OWNER_GROUP;
	assert_int_equal(daos_prop_set_str(prop, DAOS_PROP_CO_OWNER_GROUP, "capi_grp@", 9), 0);
	assert_int_equal(daos_cont_create_with_label(poh, label, prop, NULL, NULL), 0);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_open(poh, label, DAOS_COO_RO, &h, NULL, NULL), 0);
	prop = daos_prop_alloc(0);
	assert_int_equal(daos_cont_query(h, NULL, prop, NULL), 0);
	e = daos_prop_entry_get(prop, DAOS_PROP_CO_OWNER_GROUP);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, "capi_grp@");
	daos_prop_free(prop);
	assert_int_equal(daos_cont_close(h, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, label, 0, NULL), 0);

	prop = daos_prop_alloc(1);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_OWNER_GROUP;
	assert_int_equal(daos_prop_set_str(prop, DAOS_PROP_CO_OWNER_GROUP, "nogroup", 7), 0);
	assert_int_equal(daos_cont_create_with_label(poh, label, prop, NULL, NULL), -DER_INVAL);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_open(poh, label, DAOS_COO_RO, &h, NULL, NULL), -DER_NONEXIST);
}

static void
test_cont(void **state)
{
	daos_cont_info_t info;
	uuid_t           uuid;
	daos_handle_t    h;

	(void)state;
	snprintf(cont_label, sizeof(cont_label), "capi_%d", (int)getpid());
	assert_int_equal(daos_cont_create_with_label(poh, cont_label, NULL, &uuid, NULL), 0);
	assert_int_equal(daos_cont_create_with_label(poh, cont_label, NULL, NULL, NULL), -DER_EXIST);
	assert_int_equal(daos_cont_create_with_label(poh, NULL, NULL, NULL, NULL), -DER_INVAL);
	test_cont_owned();
	assert_int_equal(daos_cont_open(poh, "no_such_cont", DAOS_COO_RW, &h, NULL, NULL),
			 -DER_NONEXIST);
	assert_int_equal(daos_cont_open(poh, cont_label, 0, &h, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_open(coh, cont_label, DAOS_COO_RW, &h, NULL, NULL), -DER_NO_HDL);

	assert_int_equal(daos_cont_open(poh, cont_label, DAOS_COO_RW, &coh, &info, NULL), 0);
	assert_memory_equal(info.ci_uuid, uuid, sizeof(uuid_t));
	assert_true(info.ci_nhandles >= 1);
	memset(&info, 0, sizeof(info));
	assert_int_equal(daos_cont_query(coh, &info, NULL, NULL), 0);
	assert_memory_equal(info.ci_uuid, uuid, sizeof(uuid_t));
	/* The open just made is the latest open (an HLC stamp). */
	assert_true(info.ci_md_otime != 0);
	/* Disconnecting while a container is open is refused. */
	assert_int_equal(daos_pool_disconnect(poh, NULL), -DER_BUSY);
}

/* A single value and an array extent under one dkey, read back; a size
 * query; errors for bad handles and descriptors. */
static void
test_obj_io(void **state)
{
	daos_obj_id_t oid = {.lo = 1, .hi = 0};
	daos_handle_t oh;
	d_iov_t       dkey, iovs[2];
	d_sg_list_t   sgls[2];
	daos_iod_t    iods[2];
	daos_recx_t   recx = {.rx_idx = 10, .rx_nr = 1000};
	char          single[100], arr[1000], back1[100], back2[1000];
	int           i;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_MULTI_HASHED);
	assert_int_equal(daos_obj_id2class(oid) >> OC_REDUN_SHIFT, OR_RP_1);
	assert_int_equal(oid.lo, 1);
	assert_int_equal(daos_obj_generate_oid(DAOS_HDL_INVAL, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0),
			 -DER_NO_HDL);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);

	for (i = 0; i < 100; i++)
		single[i] = (char)(i * 7);
	for (i = 0; i < 1000; i++)
		arr[i] = (char)(i * 13 + 1);
	d_iov_set(&dkey, "dkey0", 5);
	memset(iods, 0, sizeof(iods));
	d_iov_set(&iods[0].iod_name, "single", 6);
	iods[0].iod_type = DAOS_IOD_SINGLE;
	iods[0].iod_size = sizeof(single);
	iods[0].iod_nr = 1;
	d_iov_set(&iods[1].iod_name, "array", 5);
	iods[1].iod_type = DAOS_IOD_ARRAY;
	iods[1].iod_size = 1;
	iods[1].iod_nr = 1;
	iods[1].iod_recxs = &recx;
	d_iov_set(&iovs[0], single, sizeof(single));
	d_iov_set(&iovs[1], arr, sizeof(arr));
	sgls[0] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iovs[0]};
	sgls[1] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iovs[1]};
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 2, iods, sgls, NULL), 0);

	/* Size query: no sg lists, DAOS_REC_ANY. */
	iods[0].iod_size = DAOS_REC_ANY;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, NULL, NULL, NULL), 0);
	assert_int_equal(iods[0].iod_size, sizeof(single));

	memset(back1, 0, sizeof(back1));
	memset(back2, 0, sizeof(back2));
	d_iov_set(&iovs[0], back1, sizeof(back1));
	iovs[0].iov_len = 0;
	d_iov_set(&iovs[1], back2, sizeof(back2));
	iovs[1].iov_len = 0;
	sgls[0].sg_nr_out = sgls[1].sg_nr_out = 99;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 2, iods, sgls, NULL, NULL), 0);
	assert_memory_equal(back1, single, sizeof(single));
	assert_memory_equal(back2, arr, sizeof(arr));
	assert_int_equal(iovs[0].iov_len, sizeof(single));
	assert_int_equal(sgls[0].sg_nr_out, 1);
	assert_int_equal(iovs[1].iov_len, sizeof(arr));

	/* A value larger than the buffer. */
	iovs[0].iov_buf_len = 10;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL, NULL),
			 -DER_REC2BIG);
	iods[0].iod_size = DAOS_REC_ANY;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL, NULL),
			 -DER_REC2BIG);
	iovs[0].iov_buf_len = sizeof(back1);

	/* An extent whose bytes overflow 64 bits (2^62 records of 8 bytes)
	 * is invalid, not a wrapped-around few bytes. */
	{
		daos_recx_t huge = {.rx_idx = 0, .rx_nr = 1ULL << 62};
		daos_iod_t  big  = iods[1];

		big.iod_size  = 8;
		big.iod_recxs = &huge;
		assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &big, &sgls[1], NULL,
						NULL),
				 -DER_INVAL);
	}

	/* Bad arguments. */
	assert_int_equal(daos_obj_update(DAOS_HDL_INVAL, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL),
			 -DER_NO_HDL);
	assert_int_equal(daos_obj_update(coh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL),
			 -DER_NO_HDL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, NULL, 1, iods, sgls, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 0, iods, sgls, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, NULL, sgls, NULL), -DER_INVAL);
	iods[0].iod_type = 7;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL), -DER_INVAL);
	iods[0].iod_type = DAOS_IOD_SINGLE;
	/* Absurd counts are refused before anything is read or allocated. */
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1u << 30, iods, sgls, NULL),
			 -DER_INVAL);
	iods[1].iod_nr = 1u << 31;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 2, iods, sgls, NULL), -DER_INVAL);
	iods[1].iod_nr = 1;
	sgls[0].sg_nr = 1u << 30;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, sgls, NULL, NULL), -DER_INVAL);
	sgls[0].sg_nr = 1;
	assert_int_equal(daos_obj_punch_dkeys(oh, DAOS_TX_NONE, 0, 1u << 30, &dkey, NULL), -DER_INVAL);

	/* Punch the dkey: the value is gone. */
	assert_int_equal(daos_obj_punch_dkeys(oh, DAOS_TX_NONE, 0, 1, &dkey, NULL), 0);
	iods[0].iod_size = DAOS_REC_ANY;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iods, NULL, NULL, NULL), 0);
	assert_int_equal(iods[0].iod_size, 0);

	/* Closing the container with an object open is refused. */
	assert_int_equal(daos_cont_close(coh, NULL), -DER_BUSY);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_obj_close(oh, NULL), -DER_NO_HDL);
}

#define NEV 64

/* poll_all_ok harvests n events of evs[0..n) from eqh (done holds n),
 * each completed without error. */
static void
poll_all_ok(daos_handle_t eqh, daos_event_t *evs, int n, daos_event_t **done)
{
	int got, total, i;

	for (total = 0; total < n; total += got) {
		got = daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, n, done);
		assert_true(got > 0);
		for (i = 0; i < got; i++) {
			assert_true(done[i] >= &evs[0] && done[i] < &evs[n]);
			assert_int_equal(done[i]->ev_error, 0);
		}
	}
}

/* 64 updates in flight on one event queue, then 64 fetches; every value
 * read back. */
static void
test_async(void **state)
{
	static daos_event_t evs[NEV];
	static char         vals[NEV][64], back[NEV][64], dks[NEV][16];
	static d_iov_t      dkeys[NEV], iovs[NEV];
	static d_sg_list_t  sgls[NEV];
	static daos_iod_t   iods[NEV];
	daos_event_t       *done[NEV];
	daos_obj_id_t       oid = {.lo = 2, .hi = 0};
	daos_handle_t       eqh, oh, ch;
	int                 i, pass;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, 0, 0, done), -DER_INVAL);
	/* Parent events are not supported: refused, and nothing has children. */
	assert_int_equal(daos_event_init(&evs[0], eqh, &evs[1]), -DER_NOSYS);
	assert_null(daos_event_next(&evs[0], NULL));
	assert_int_equal(daos_event_parent_barrier(&evs[0]), -DER_NOSYS);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NEV; i++) {
			assert_int_equal(daos_event_init(&evs[i], eqh, NULL), 0);
			snprintf(dks[i], sizeof(dks[i]), "async%d", i);
			d_iov_set(&dkeys[i], dks[i], strlen(dks[i]));
			memset(&iods[i], 0, sizeof(iods[i]));
			d_iov_set(&iods[i].iod_name, "v", 1);
			iods[i].iod_type = DAOS_IOD_SINGLE;
			iods[i].iod_size = sizeof(vals[i]);
			iods[i].iod_nr = 1;
			if (pass == 0) {
				memset(vals[i], 'a' + i % 26, sizeof(vals[i]));
				snprintf(vals[i], sizeof(vals[i]), "value %d", i);
				d_iov_set(&iovs[i], vals[i], sizeof(vals[i]));
			} else {
				memset(back[i], 0, sizeof(back[i]));
				d_iov_set(&iovs[i], back[i], sizeof(back[i]));
			}
			sgls[i] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iovs[i]};
			if (pass == 0)
				assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i],
								 &sgls[i], &evs[i]), 0);
			else
				assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i],
								&sgls[i], NULL, &evs[i]), 0);
		}
		/* A running event cannot be finalised, nor its queue destroyed. */
		assert_int_equal(daos_eq_destroy(eqh, 0), -DER_BUSY);
		poll_all_ok(eqh, evs, NEV, done);
		assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, NEV, done), 0);
		for (i = 0; i < NEV; i++)
			assert_int_equal(daos_event_fini(&evs[i]), 0);
	}
	for (i = 0; i < NEV; i++)
		assert_memory_equal(back[i], vals[i], sizeof(vals[i]));
	assert_int_equal(daos_obj_close(oh, NULL), 0);

	/* An async error lands in ev_error. */
	assert_int_equal(daos_event_init(&evs[0], eqh, NULL), 0);
	assert_int_equal(daos_cont_open(poh, "no_such_cont", DAOS_COO_RW, &ch, NULL, &evs[0]), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, done), 1);
	assert_ptr_equal(done[0], &evs[0]);
	assert_int_equal(evs[0].ev_error, -DER_NONEXIST);
	assert_int_equal(daos_event_fini(&evs[0]), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), -DER_NONEXIST);
}

/* Completion callbacks (daos_event_register_comp_cb): run once, in the
 * order registered, on the polling or testing thread, each with the
 * operation's result; the first failure becomes the event's error only
 * when the operation succeeded. */
static int cb_order[8], cb_n, cb_rc[8];

static int reuse_fini, reuse_launch;

/* A callback that tries to finalise and relaunch its own event. */
static int
comp_cb_reuse(void *arg, daos_event_t *ev, int rc)
{
	(void)arg;
	(void)rc;
	reuse_fini   = daos_event_fini(ev);
	reuse_launch = daos_cont_query(coh, NULL, NULL, ev);
	return 0;
}

static int
comp_cb(void *arg, daos_event_t *ev, int rc)
{
	(void)ev;
	cb_rc[cb_n]      = rc;
	cb_order[cb_n++] = (int)(intptr_t)arg;
	return (int)(intptr_t)arg == 2 ? -DER_IO : 0;
}

static void
test_comp_cb(void **state)
{
	daos_event_t  ev, sev, *done[1];
	daos_handle_t eqh, ch, none = DAOS_HDL_INVAL;
	bool          flag;

	(void)state;
	assert_int_equal(daos_eq_create(&eqh), 0);
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, NULL), -DER_INVAL); /* not initialised */
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	assert_int_equal(daos_event_register_comp_cb(&ev, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_event_register_comp_cb(NULL, comp_cb, NULL), -DER_INVAL);

	/* Through daos_eq_poll: 1 then 2 (which fails: the event's error). */
	cb_n = 0;
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)1), 0);
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)2), 0);
	assert_int_equal(daos_cont_query(coh, NULL, NULL, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, done), 1);
	assert_int_equal(cb_n, 2);
	assert_int_equal(cb_order[0], 1);
	assert_int_equal(cb_order[1], 2);
	assert_int_equal(cb_rc[0], 0);
	assert_int_equal(cb_rc[1], 0);
	assert_int_equal(ev.ev_error, -DER_IO);
	/* Once only: the next operation on the event runs none. */
	assert_int_equal(daos_cont_query(coh, NULL, NULL, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, done), 1);
	assert_int_equal(cb_n, 2);
	assert_int_equal(ev.ev_error, 0);

	/* A failed operation keeps its error; callbacks see it. */
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)2), 0);
	assert_int_equal(daos_cont_open(poh, "no_such_cont", DAOS_COO_RW, &ch, NULL, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, done), 1);
	assert_int_equal(cb_n, 3);
	assert_int_equal(cb_rc[2], -DER_NONEXIST);
	assert_int_equal(ev.ev_error, -DER_NONEXIST);

	/* Through daos_event_test; a test of an event never launched runs
	 * nothing. */
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)3), 0);
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_NOWAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(cb_n, 3);
	assert_int_equal(daos_cont_query(coh, NULL, NULL, &ev), 0);
	/* Registered before the launch only. */
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)6), -DER_BUSY);
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(cb_n, 4);
	assert_int_equal(cb_order[3], 3);

	/* While its callbacks run, the event cannot be finalised or reused. */
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb_reuse, NULL), 0);
	assert_int_equal(daos_cont_query(coh, NULL, NULL, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, done), 1);
	assert_int_equal(reuse_fini, -DER_BUSY);
	assert_int_equal(reuse_launch, -DER_BUSY);
	assert_int_equal(ev.ev_error, 0);

	/* Events of no queue complete in the core: not supported there. */
	assert_int_equal(daos_event_init(&sev, none, NULL), 0);
	assert_int_equal(daos_event_register_comp_cb(&sev, comp_cb, (void *)4), -DER_NOSYS);
	assert_int_equal(daos_event_fini(&sev), 0);

	/* Callbacks never run go with the event. */
	assert_int_equal(daos_event_register_comp_cb(&ev, comp_cb, (void *)5), 0);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(cb_n, 4);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
}

/* Updates whose data goes by bulk (64 KiB arrays in two iovs), with events
 * of a queue: all land, and argument errors come back through the event
 * (the call returns 0), as for inline updates. */
static void
test_async_bulk(void **state)
{
	enum { N = 8, SZ = 64 << 10 };
	static daos_event_t evs[N + 2];
	static char         vals[N][SZ], back[SZ], dks[N][16];
	static d_iov_t      dkeys[N], iovs[N][2];
	static d_sg_list_t  sgls[N];
	static daos_iod_t   iods[N];
	static daos_recx_t  recx = {.rx_idx = 0, .rx_nr = SZ};
	daos_event_t       *done[N + 2];
	daos_obj_id_t       oid = {.lo = 23, .hi = 0};
	daos_handle_t       eqh, oh, bad = {.cookie = 12345};
	d_sg_list_t         one;
	d_iov_t             iov;
	daos_iod_t          bad_iod;
	int                 i, got, errors = 0;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(daos_event_init(&evs[i], eqh, NULL), 0);
		memset(vals[i], 'A' + i, SZ);
		snprintf(dks[i], sizeof(dks[i]), "bulk%d", i);
		d_iov_set(&dkeys[i], dks[i], strlen(dks[i]));
		memset(&iods[i], 0, sizeof(iods[i]));
		d_iov_set(&iods[i].iod_name, "a", 1);
		iods[i].iod_type  = DAOS_IOD_ARRAY;
		iods[i].iod_size  = 1;
		iods[i].iod_nr    = 1;
		iods[i].iod_recxs = &recx;
		d_iov_set(&iovs[i][0], vals[i], 1000);
		d_iov_set(&iovs[i][1], vals[i] + 1000, SZ - 1000);
		sgls[i] = (d_sg_list_t){.sg_nr = 2, .sg_iovs = iovs[i]};
		assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i], &sgls[i], &evs[i]), 0);
	}
	/* A handle that names nothing, and a single value with two records. */
	assert_int_equal(daos_event_init(&evs[N], eqh, NULL), 0);
	assert_int_equal(daos_obj_update(bad, DAOS_TX_NONE, 0, &dkeys[0], 1, &iods[0], &sgls[0], &evs[N]), 0);
	assert_int_equal(daos_event_init(&evs[N + 1], eqh, NULL), 0);
	bad_iod          = iods[0];
	bad_iod.iod_type = DAOS_IOD_SINGLE;
	bad_iod.iod_size = SZ;
	bad_iod.iod_nr   = 2;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[0], 1, &bad_iod, &sgls[0], &evs[N + 1]), 0);
	for (got = 0; got < N + 2;) {
		int n = daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, N + 2, done);

		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			if (done[i] == &evs[N])
				assert_int_equal(done[i]->ev_error, -DER_NO_HDL);
			else if (done[i] == &evs[N + 1])
				assert_int_equal(done[i]->ev_error, -DER_INVAL);
			else
				assert_int_equal(done[i]->ev_error, 0);
			errors += done[i]->ev_error != 0;
		}
		got += n;
	}
	assert_int_equal(errors, 2);
	for (i = 0; i < N + 2; i++)
		assert_int_equal(daos_event_fini(&evs[i]), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	for (i = 0; i < N; i++) {
		memset(back, 0, SZ);
		d_iov_set(&iov, back, SZ);
		one = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};
		assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i], &one, NULL, NULL), 0);
		assert_memory_equal(back, vals[i], SZ);
	}
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* One slot of test_events: a 4 KiB single value under its own dkey. */
struct ev_slot {
	daos_event_t ev;
	char         dk[16];
	d_iov_t      dkey, iov;
	d_sg_list_t  sgl;
	daos_iod_t   iod;
	char         val[4096];
};

static int
ev_update(daos_handle_t oh, struct ev_slot *s, int i)
{
	snprintf(s->dk, sizeof(s->dk), "ev%d", i);
	d_iov_set(&s->dkey, s->dk, strlen(s->dk));
	memset(&s->iod, 0, sizeof(s->iod));
	d_iov_set(&s->iod.iod_name, "v", 1);
	s->iod.iod_type = DAOS_IOD_SINGLE;
	s->iod.iod_size = sizeof(s->val);
	s->iod.iod_nr   = 1;
	memset(s->val, 'a' + i % 26, sizeof(s->val));
	d_iov_set(&s->iov, s->val, sizeof(s->val));
	s->sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &s->iov};
	return daos_obj_update(oh, DAOS_TX_NONE, 0, &s->dkey, 1, &s->iod, &s->sgl, &s->ev);
}

/* Events whose values take both paths into the core: 16 updates, half
 * of 4 KiB (sent from the calling thread) and half of 256 KiB (moved by
 * bulk, through the submission stack), all in flight at once on one
 * queue, then fetched back with events into fresh buffers and compared;
 * an event busy either way is -DER_BUSY. */
static void
test_events_sizes(void **state)
{
	enum { N = 16, BIGV = 256 << 10 };
	static daos_event_t evs[N];
	static char         bufs[N][BIGV], back[N][BIGV];
	static char         dks[N][16];
	d_iov_t             dkeys[N], iovs[N];
	d_sg_list_t         sgls[N];
	daos_iod_t          iods[N];
	daos_event_t       *done[N];
	daos_obj_id_t       oid = {.lo = 23, .hi = 0};
	daos_handle_t       eqh, oh;
	int                 i;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	for (i = 0; i < N; i++) {
		size_t n = i % 2 ? BIGV : 4096, j;

		assert_int_equal(daos_event_init(&evs[i], eqh, NULL), 0);
		snprintf(dks[i], sizeof(dks[i]), "sz%d", i);
		d_iov_set(&dkeys[i], dks[i], strlen(dks[i]));
		for (j = 0; j < n; j++)
			bufs[i][j] = (char)(i * 31 + j * 7);
		memset(&iods[i], 0, sizeof(iods[i]));
		d_iov_set(&iods[i].iod_name, "v", 1);
		iods[i].iod_type = DAOS_IOD_SINGLE;
		iods[i].iod_size = n;
		iods[i].iod_nr   = 1;
		d_iov_set(&iovs[i], bufs[i], n);
		sgls[i] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iovs[i]};
		assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i], &sgls[i], &evs[i]), 0);
	}
	/* In flight or completed and not polled: busy, whatever the size. */
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[0], 1, &iods[0], &sgls[0], &evs[0]), -DER_BUSY);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkeys[1], 1, &iods[1], &sgls[1], &evs[1]), -DER_BUSY);
	poll_all_ok(eqh, evs, N, done);
	for (i = 0; i < N; i++) {
		d_iov_set(&iovs[i], back[i], BIGV);
		iods[i].iod_size = i % 2 ? BIGV : 4096;
		assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkeys[i], 1, &iods[i], &sgls[i], NULL, &evs[i]), 0);
	}
	poll_all_ok(eqh, evs, N, done);
	for (i = 0; i < N; i++) {
		size_t n = i % 2 ? BIGV : 4096;

		assert_int_equal(iods[i].iod_size, n);
		assert_memory_equal(back[i], bufs[i], n);
		assert_int_equal(daos_event_fini(&evs[i]), 0);
	}
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* test_events_threads: threads sharing one queue each wait for their own
 * events with daos_event_test while the others' complete, so that
 * sleepers come and go on the queue's completion word all the time; a
 * wake-up lost among them shows as a wait that times out. */
struct ev_thread {
	daos_handle_t  oh, eqh;
	int            id;
	struct ev_slot s[2];
	int            failed;
};

static void *
ev_thread_run(void *arg)
{
	struct ev_thread *t = arg;
	int               i, j;
	bool              flag;

	for (j = 0; j < 2; j++)
		if (daos_event_init(&t->s[j].ev, t->eqh, NULL) != 0)
			return (void *)(t->failed = __LINE__, NULL);
	for (i = 0; i < 150; i++) {
		for (j = 0; j < 2; j++)
			if (ev_update(t->oh, &t->s[j], t->id * 1000 + i * 2 + j) != 0)
				return (void *)(t->failed = __LINE__, NULL);
		/* Each wait is bounded (10 s): a lost wake-up fails here. */
		for (j = 1; j >= 0; j--)
			if (daos_event_test(&t->s[j].ev, 10 * 1000 * 1000, &flag) != 0 || !flag ||
			    t->s[j].ev.ev_error != 0)
				return (void *)(t->failed = __LINE__, NULL);
	}
	for (j = 0; j < 2; j++)
		if (daos_event_fini(&t->s[j].ev) != 0)
			return (void *)(t->failed = __LINE__, NULL);
	return NULL;
}

static void
test_events_threads(void **state)
{
	enum { T = 4 };
	static struct ev_thread th[T];
	pthread_t               tid[T];
	daos_obj_id_t           oid = {.lo = 29, .hi = 0};
	daos_handle_t           eqh, oh;
	int                     i;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	for (i = 0; i < T; i++) {
		th[i] = (struct ev_thread){.oh = oh, .eqh = eqh, .id = i};
		assert_int_equal(pthread_create(&tid[i], NULL, ev_thread_run, &th[i]), 0);
	}
	for (i = 0; i < T; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(th[i].failed, 0); /* the line that failed */
	}
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* wait_completed waits until eqh holds n completed, unpolled events. */
static void
wait_completed(daos_handle_t eqh, int n)
{
	int i;

	for (i = 0; i < 10000 && daos_eq_query(eqh, DAOS_EQR_COMPLETED, 0, NULL) < n; i++)
		usleep(1000);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_COMPLETED, 0, NULL), n);
}

/* The life of events on a queue: counted while in flight and once
 * completed, tested (which harvests), refused while in flight or not yet
 * polled, finalised or initialised again while unpolled (which drops
 * them from the queue), aborted, an error reported through the event,
 * and a queue destroyed with force while its events run. */
static void
test_events(void **state)
{
	static struct ev_slot s[8];
	daos_event_t         *done[8];
	daos_obj_id_t         oid = {.lo = 19, .hi = 0};
	daos_handle_t         eqh, oh, bad = {.cookie = 0x7777777};
	daos_event_t          solo;
	bool                  flag;
	int                   i, n, rc;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_eq_query(eqh, 0, 0, NULL), 0); /* asks for nothing */
	assert_int_equal(daos_eq_query(eqh, 8, 0, NULL), -DER_INVAL);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 0, NULL), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(daos_event_init(&s[i].ev, eqh, NULL), 0);

	/* Counted in flight or completed; a running event cannot be
	 * launched again nor finalised. */
	for (i = 0; i < 8; i++)
		assert_int_equal(ev_update(oh, &s[i], i), 0);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 0, NULL), 8);
	/* Listed too: all of them, each once; with room for fewer, that many
	 * are written and counted, as DAOS does. */
	memset(done, 0, sizeof(done));
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 8, done), 8);
	for (i = 0; i < 8; i++) {
		int j, seen = 0;

		for (j = 0; j < 8; j++)
			seen += done[j] == &s[i].ev;
		assert_int_equal(seen, 1);
	}
	memset(done, 0, sizeof(done));
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 3, done), 3);
	assert_non_null(done[2]);
	assert_null(done[3]);
	rc = ev_update(oh, &s[0], 0);
	assert_true(rc == -DER_BUSY);
	assert_int_equal(daos_eq_destroy(eqh, 0), -DER_BUSY);
	wait_completed(eqh, 8);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_WAITING, 0, NULL), 0);
	/* Completed and not polled: still busy. */
	assert_int_equal(ev_update(oh, &s[0], 0), -DER_BUSY);

	/* daos_event_test harvests: the event is no longer polled. */
	assert_int_equal(daos_event_test(&s[0].ev, DAOS_EQ_NOWAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(s[0].ev.ev_error, 0);
	/* A finalised or re-initialised unpolled event leaves the queue too. */
	assert_int_equal(daos_event_fini(&s[1].ev), 0);
	assert_int_equal(daos_event_init(&s[2].ev, eqh, NULL), 0);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_COMPLETED, 0, NULL), 5);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_COMPLETED, 8, done), 5);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_WAITING, 8, done), 0);
	n = daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_true(done[i] == &s[3].ev || done[i] == &s[4].ev || done[i] == &s[5].ev ||
			    done[i] == &s[6].ev || done[i] == &s[7].ev);
		assert_int_equal(done[i]->ev_error, 0);
	}
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, 1000, 8, done), 0); /* times out */

	/* daos_event_test waits for a running event. */
	assert_int_equal(ev_update(oh, &s[0], 10), 0);
	assert_int_equal(daos_event_test(&s[0].ev, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(s[0].ev.ev_error, 0);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 0, NULL), 0);

	/* An error found when the operation starts comes back through the
	 * event. */
	assert_int_equal(daos_obj_update(bad, DAOS_TX_NONE, 0, &s[3].dkey, 1, &s[3].iod, &s[3].sgl, &s[3].ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 1);
	assert_ptr_equal(done[0], &s[3].ev);
	assert_int_equal(s[3].ev.ev_error, -DER_NO_HDL);
	/* Harvested by daos_event_test instead, the error stays. */
	assert_int_equal(daos_obj_update(bad, DAOS_TX_NONE, 0, &s[3].dkey, 1, &s[3].iod, &s[3].sgl, &s[3].ev), 0);
	assert_int_equal(daos_event_test(&s[3].ev, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(s[3].ev.ev_error, -DER_NO_HDL);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_COMPLETED, 8, done), 0);
	/* So does any call's: the call itself returns 0 (ABI.md 2.6). */
	assert_int_equal(daos_obj_punch(bad, DAOS_TX_NONE, 0, &s[3].ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 1);
	assert_int_equal(s[3].ev.ev_error, -DER_NO_HDL);
	assert_int_equal(daos_kv_put(bad, DAOS_TX_NONE, 0, "k", 1, "x", &s[3].ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 1);
	assert_int_equal(s[3].ev.ev_error, -DER_NO_HDL);
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, NULL, NULL, NULL, NULL, &s[3].ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 1);
	assert_int_equal(s[3].ev.ev_error, -DER_INVAL);

	/* Abort: the update either finished first or was cancelled. */
	assert_int_equal(ev_update(oh, &s[4], 4), 0);
	rc = daos_event_abort(&s[4].ev);
	assert_true(rc == 0 || rc == -DER_NO_PERM);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 8, done), 1);
	assert_true(s[4].ev.ev_error == 0 || s[4].ev.ev_error == -DER_CANCELED);
	assert_int_equal(daos_event_abort(&s[4].ev), -DER_NO_PERM); /* not running */

	/* A standalone event is tested, never polled. */
	assert_int_equal(daos_event_init(&solo, DAOS_HDL_INVAL, NULL), 0);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &s[5].dkey, 1, &s[5].iod, &s[5].sgl, &solo), 0);
	assert_int_equal(daos_event_test(&solo, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(solo.ev_error, 0);
	assert_int_equal(daos_event_fini(&solo), 0);

	/* Destroyed with force while its events run: they end, and the
	 * queue and its events are gone. */
	for (i = 5; i < 8; i++)
		assert_int_equal(ev_update(oh, &s[i], i), 0);
	/* Unknown flag bits are ignored: still busy without the force bit. */
	assert_int_equal(daos_eq_destroy(eqh, 0x100), -DER_BUSY);
	assert_int_equal(daos_eq_destroy(eqh, DAOS_EQ_DESTROY_FORCE | 0x100), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_NOWAIT, 8, done), -DER_NONEXIST);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 0, NULL), -DER_NONEXIST);
	assert_int_equal(daos_eq_destroy(eqh, DAOS_EQ_DESTROY_FORCE), -DER_NONEXIST);
	/* Their events are finalised all the same; DAOS says the queue is
	 * gone. */
	assert_int_equal(daos_event_fini(&s[5].ev), -DER_NONEXIST);
	assert_int_equal(daos_event_test(&s[6].ev, DAOS_EQ_NOWAIT, &flag), -DER_NONEXIST);
	assert_int_equal(daos_event_abort(&s[7].ev), -DER_NONEXIST);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* Pool and container handles shared as bytes, used from "another
 * process" (here: the same one, through fresh handles). */
static void
test_handle_sharing(void **state)
{
	d_iov_t       pg = {0}, cg = {0};
	daos_handle_t p2, c2, oh;
	daos_obj_id_t oid = {.lo = 2, .hi = 0};
	d_iov_t       dkey, iov;
	d_sg_list_t   sgl;
	daos_iod_t    iod;
	char          back[64];

	(void)state;
	assert_int_equal(daos_pool_local2global(poh, &pg), 0);
	assert_true(pg.iov_buf_len > 0);
	pg.iov_buf = malloc(pg.iov_buf_len);
	pg.iov_len = pg.iov_buf_len;
	/* An iov holding more than its buffer is refused; a buffer too
	 * small is -DER_TRUNC with the size needed. */
	pg.iov_buf_len = 1;
	assert_int_equal(daos_pool_local2global(poh, &pg), -DER_INVAL);
	pg.iov_len = 0;
	assert_int_equal(daos_pool_local2global(poh, &pg), -DER_TRUNC);
	assert_true(pg.iov_buf_len > 1);
	pg.iov_len = pg.iov_buf_len;
	assert_int_equal(daos_pool_local2global(poh, &pg), 0);
	assert_int_equal(daos_cont_local2global(coh, &cg), 0);
	cg.iov_buf = malloc(cg.iov_buf_len);
	cg.iov_len = cg.iov_buf_len;
	assert_int_equal(daos_cont_local2global(coh, &cg), 0);

	assert_int_equal(daos_pool_global2local(pg, &p2), 0);
	assert_int_equal(daos_cont_global2local(p2, cg, &c2), 0);
	assert_int_equal(daos_obj_generate_oid(c2, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(c2, oid, DAOS_OO_RO, &oh, NULL), 0);
	d_iov_set(&dkey, "async5", 6);
	memset(&iod, 0, sizeof(iod));
	d_iov_set(&iod.iod_name, "v", 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = sizeof(back);
	iod.iod_nr = 1;
	d_iov_set(&iov, back, sizeof(back));
	sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL), 0);
	assert_string_equal(back, "value 5");
	/* Read-only object: writes are refused. */
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), -DER_NO_PERM);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(c2, NULL), 0);
	assert_int_equal(daos_pool_disconnect(p2, NULL), 0);

	/* A damaged blob is refused. */
	((char *)cg.iov_buf)[cg.iov_len / 2] ^= 0x55;
	assert_int_equal(daos_cont_global2local(poh, cg, &c2), -DER_INVAL);
	free(pg.iov_buf);
	free(cg.iov_buf);
}

/* The forked children's writes are all there. */
static void
test_forked_writes(void **state)
{
	daos_handle_t ch, oh;
	daos_obj_id_t oid = {.lo = 77, .hi = 0};
	int           i;

	(void)state;
	assert_int_equal(daos_cont_open(poh, "forked", DAOS_COO_RO, &ch, NULL, NULL), 0);
	assert_int_equal(daos_obj_generate_oid(ch, &oid, DAOS_OT_MULTI_HASHED, OC_S1, 0, 0), 0);
	assert_int_equal(daos_obj_open(ch, oid, DAOS_OO_RO, &oh, NULL), 0);
	for (i = 0; i < NCHILD; i++) {
		char        dk[32], want[32], back[32] = {0};
		d_iov_t     dkey, iov;
		d_sg_list_t sgl;
		daos_iod_t  iod;

		snprintf(dk, sizeof(dk), "child%d", i);
		snprintf(want, sizeof(want), "written by child %d", i);
		d_iov_set(&dkey, dk, strlen(dk));
		memset(&iod, 0, sizeof(iod));
		d_iov_set(&iod.iod_name, "a", 1);
		iod.iod_type = DAOS_IOD_SINGLE;
		iod.iod_size = DAOS_REC_ANY;
		iod.iod_nr = 1;
		d_iov_set(&iov, back, sizeof(back));
		sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};
		assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL), 0);
		assert_int_equal(iod.iod_size, strlen(want) + 1);
		assert_string_equal(back, want);
	}
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(ch, NULL), 0);
}

/* Single-value update of dkey/akey with val (a C string, NUL included). */
static void
put_value(daos_handle_t oh, const char *dk, const char *ak, const char *val)
{
	d_iov_t     dkey, iov;
	d_sg_list_t sgl;
	daos_iod_t  iod;

	d_iov_set(&dkey, (void *)dk, strlen(dk));
	memset(&iod, 0, sizeof(iod));
	d_iov_set(&iod.iod_name, (void *)ak, strlen(ak));
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = strlen(val) + 1;
	iod.iod_nr = 1;
	d_iov_set(&iov, (void *)val, strlen(val) + 1);
	sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), 0);
}

#define NKEYS 50

/* Dkey and akey listing in pages: every key exactly once, a long key
 * included, and DER_KEY2BIG with the length needed. */
static void
test_list(void **state)
{
	daos_obj_id_t   oid = {.lo = 3, .hi = 0};
	daos_handle_t   oh;
	daos_anchor_t   anchor = {0};
	daos_key_desc_t kds[7];
	char            buf[300], longkey[151], dk[32], seen[NKEYS + 1] = {0};
	d_iov_t         iov, dkey;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t        nr;
	int             i, total = 0, pages = 0, akeys = 0;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_LEXICAL, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	for (i = 0; i < NKEYS; i++) {
		snprintf(dk, sizeof(dk), "key-%03d", i);
		put_value(oh, dk, "a", "v");
	}
	memset(longkey, 'L', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	put_value(oh, longkey, "a", "v");
	for (i = 0; i < 5; i++) {
		char ak[8];

		snprintf(ak, sizeof(ak), "ak%d", i);
		put_value(oh, "key-000", ak, "v");
	}

	/* The smallest key does not fit 3 bytes. */
	d_iov_set(&iov, buf, 3);
	nr = 7;
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL),
			 -DER_KEY2BIG);
	assert_true(kds[0].kd_key_len >= 7);
	assert_false(daos_anchor_is_eof(&anchor));

	while (!daos_anchor_is_eof(&anchor)) {
		char *p = buf;

		assert_true(++pages < 100);
		nr = 7;
		d_iov_set(&iov, buf, sizeof(buf));
		assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), 0);
		assert_true(nr <= 7);
		for (i = 0; i < (int)nr; i++) {
			if (kds[i].kd_key_len == 150) {
				assert_memory_equal(p, longkey, 150);
				assert_int_equal(seen[NKEYS], 0);
				seen[NKEYS] = 1;
			} else {
				int k;

				assert_int_equal(kds[i].kd_key_len, 7);
				assert_int_equal(memcmp(p, "key-", 4), 0);
				k = (p[4] - '0') * 100 + (p[5] - '0') * 10 + (p[6] - '0');
				assert_true(k >= 0 && k < NKEYS);
				assert_int_equal(seen[k], 0);
				seen[k] = 1;
			}
			p += kds[i].kd_key_len;
			total++;
		}
	}
	assert_int_equal(total, NKEYS + 1);

	/* Split listing: one anchor per group, each listing its group only;
	 * together every key once. */
	{
		daos_anchor_t	*parts;
		uint32_t	 np = 0, j;
		char		 seen2[NKEYS + 1] = {0};

		assert_int_equal(daos_obj_anchor_split(oh, &np, NULL), 0);
		assert_true(np > 1);
		parts = calloc(np, sizeof(*parts));
		assert_non_null(parts);
		j = np + 1;
		assert_int_equal(daos_obj_anchor_split(oh, &j, parts), -DER_INVAL);
		assert_int_equal(daos_obj_anchor_split(oh, &np, parts), 0);
		assert_int_equal(daos_obj_anchor_split(oh, NULL, parts), -DER_INVAL);
		/* The last part again, through anchor_set. */
		assert_int_equal(daos_obj_anchor_set(oh, np - 1, &parts[np - 1]), 0);
		assert_int_equal(daos_obj_anchor_set(oh, np, &anchor), -DER_INVAL);
		total = 0;
		for (j = 0; j < np; j++) {
			while (!daos_anchor_is_eof(&parts[j])) {
				char *p = buf;

				nr = 7;
				d_iov_set(&iov, buf, sizeof(buf));
				assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl,
								    &parts[j], NULL), 0);
				for (i = 0; i < (int)nr; i++) {
					int k = NKEYS;

					if (kds[i].kd_key_len == 7)
						k = (p[4] - '0') * 100 + (p[5] - '0') * 10 + (p[6] - '0');
					assert_int_equal(seen2[k], 0);
					seen2[k] = 1;
					p += kds[i].kd_key_len;
					total++;
				}
			}
		}
		assert_int_equal(total, NKEYS + 1);
		free(parts);
		assert_int_equal(daos_obj_anchor_split(DAOS_HDL_INVAL, &np, NULL), -DER_NO_HDL);
	}

	memset(&anchor, 0, sizeof(anchor));
	d_iov_set(&dkey, "key-000", 7);
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 2;
		d_iov_set(&iov, buf, sizeof(buf));
		assert_int_equal(daos_obj_list_akey(oh, DAOS_TX_NONE, &dkey, &nr, kds, &sgl, &anchor, NULL),
				 0);
		assert_true(nr <= 2);
		akeys += nr;
		assert_true(akeys <= 6);
	}
	assert_int_equal(akeys, 6); /* "a" and ak0..ak4 */

	/* Long keys in hash order, one per page: each listed once. */
	{
		daos_obj_id_t hoid = {.lo = 9, .hi = 0};
		daos_handle_t hh;
		char          lk[102];
		int           found[5] = {0}, n = 0;

		assert_int_equal(daos_obj_generate_oid(coh, &hoid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
		assert_int_equal(daos_obj_open(coh, hoid, DAOS_OO_RW, &hh, NULL), 0);
		memset(lk, 'L', 100);
		lk[101] = '\0';
		for (i = 0; i < 5; i++) {
			lk[100] = (char)('0' + i);
			put_value(hh, lk, "a", "v");
		}
		memset(&anchor, 0, sizeof(anchor));
		while (!daos_anchor_is_eof(&anchor)) {
			nr = 7;
			d_iov_set(&iov, buf, 128);
			assert_int_equal(daos_obj_list_dkey(hh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), 0);
			assert_true(nr <= 1);
			if (nr == 1) {
				assert_int_equal(kds[0].kd_key_len, 101);
				assert_int_equal(found[buf[100] - '0'], 0);
				found[buf[100] - '0'] = 1;
				n++;
			}
			assert_true(n <= 5);
		}
		assert_int_equal(n, 5);
		assert_int_equal(daos_obj_close(hh, NULL), 0);
	}

	/* An anchor this library did not make is refused. */
	memset(&anchor, 0, sizeof(anchor));
	anchor.da_type = 9;
	nr = 7;
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* The flat KV API: put, get (size query, too small, missing), remove,
 * list, read-only handles, destroy. */
static void
test_kv(void **state)
{
	daos_obj_id_t   oid = {.lo = 4, .hi = 0}, plain = {.lo = 5, .hi = 0};
	daos_handle_t   kh, ro;
	daos_anchor_t   anchor = {0};
	daos_key_desc_t kds[32];
	char            key[32], val[64], back[64], buf[1024];
	d_iov_t         iov;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_size_t     size;
	uint32_t        nr;
	int             i, total = 0;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_KV_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_generate_oid(coh, &plain, DAOS_OT_MULTI_HASHED, OC_S1, 0, 0), 0);
	assert_int_equal(daos_kv_open(coh, plain, DAOS_OO_RW, &kh, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_open(coh, oid, DAOS_OO_RW, &kh, NULL), 0);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "kv-key-%d", i);
		snprintf(val, sizeof(val), "the value of key %d", i);
		assert_int_equal(daos_kv_put(kh, DAOS_TX_NONE, 0, key, strlen(val) + 1, val, NULL), 0);
	}
	assert_int_equal(daos_kv_put(kh, DAOS_TX_NONE, 0, NULL, 1, "x", NULL), -DER_INVAL);

	size = 0;
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-7", &size, NULL, NULL), 0);
	assert_int_equal(size, strlen("the value of key 7") + 1);
	size = 0; /* a buffer of no bytes asks for the size too */
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-7", &size, back, NULL), 0);
	assert_int_equal(size, strlen("the value of key 7") + 1);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-7", &size, back, NULL), 0);
	assert_string_equal(back, "the value of key 7");
	size = 4;
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-7", &size, back, NULL), -DER_REC2BIG);
	assert_int_equal(size, strlen("the value of key 7") + 1);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "no-such-key", &size, back, NULL), 0);
	assert_int_equal(size, 0);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, DAOS_COND_KEY_GET, "no-such-key", &size, back, NULL),
			 -DER_NONEXIST);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-7", NULL, back, NULL), -DER_INVAL);

	assert_int_equal(daos_kv_remove(kh, DAOS_TX_NONE, 0, "kv-key-3", NULL), 0);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-3", &size, back, NULL), 0);
	assert_int_equal(size, 0);

	while (!daos_anchor_is_eof(&anchor)) {
		nr = 32;
		d_iov_set(&iov, buf, sizeof(buf));
		assert_int_equal(daos_kv_list(kh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), 0);
		total += nr;
		assert_true(total <= 19);
	}
	assert_int_equal(total, 19);

	/* A read-only handle reads but does not write. */
	assert_int_equal(daos_kv_open(coh, oid, DAOS_OO_RO, &ro, NULL), 0);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(ro, DAOS_TX_NONE, 0, "kv-key-9", &size, back, NULL), 0);
	assert_string_equal(back, "the value of key 9");
	assert_int_equal(daos_kv_put(ro, DAOS_TX_NONE, 0, "k", 1, "x", NULL), -DER_NO_PERM);
	assert_int_equal(daos_kv_close(ro, NULL), 0);

	assert_int_equal(daos_kv_destroy(kh, DAOS_TX_NONE, NULL), 0);
	size = sizeof(back);
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "kv-key-9", &size, back, NULL), 0);
	assert_int_equal(size, 0);
	assert_int_equal(daos_kv_close(kh, NULL), 0);
	assert_int_equal(daos_kv_close(kh, NULL), -DER_NO_HDL);
}

#define ARR_BYTES (3 << 20)

/* The Array API: create, write across chunks from two iovs, size, holes,
 * short reads, punch, set_size, stat, reopen with the stored attributes,
 * destroy. */
static void
test_array(void **state)
{
	daos_obj_id_t      oid = {.lo = 6, .hi = 0};
	daos_handle_t      ah, ah2;
	daos_array_iod_t   iod;
	daos_range_t       rg;
	daos_array_stbuf_t st;
	daos_size_t        size, cell, chunk;
	d_iov_t            iovs[2];
	d_sg_list_t        sgl = {.sg_nr = 2, .sg_iovs = iovs};
	char              *data, *back, zeros[100] = {0};
	int                i;

	(void)state;
	data = malloc(ARR_BYTES);
	back = malloc(ARR_BYTES);
	assert_non_null(data);
	assert_non_null(back);
	for (i = 0; i < ARR_BYTES; i++)
		data[i] = (char)(i * 31 + i / 4093);
	assert_int_equal(daos_array_generate_oid(coh, &oid, true, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_ARRAY);
	assert_int_equal(daos_array_create(coh, oid, DAOS_TX_NONE, 0, 1 << 20, &ah, NULL), -DER_INVAL);
	assert_int_equal(daos_array_create(coh, oid, DAOS_TX_NONE, 1, 1 << 20, &ah, NULL), 0);

	rg = (daos_range_t){.rg_idx = 100, .rg_len = ARR_BYTES};
	iod = (daos_array_iod_t){.arr_nr = 1, .arr_rgs = &rg};
	d_iov_set(&iovs[0], data, 12345);
	d_iov_set(&iovs[1], data + 12345, ARR_BYTES - 12345);
	assert_int_equal(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_int_equal(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL), 0);
	assert_int_equal(size, 100 + ARR_BYTES);

	/* Read back whole, through another handle opened with the stored sizes. */
	assert_int_equal(daos_array_open(coh, oid, DAOS_TX_NONE, DAOS_OO_RO, &cell, &chunk, &ah2, NULL), 0);
	assert_int_equal(cell, 1);
	assert_int_equal(chunk, 1 << 20);
	assert_int_equal(daos_array_get_attr(ah2, &chunk, &cell), 0);
	assert_int_equal(chunk, 1 << 20);
	memset(back, 0x55, ARR_BYTES);
	d_iov_set(&iovs[0], back, ARR_BYTES / 2);
	d_iov_set(&iovs[1], back + ARR_BYTES / 2, ARR_BYTES / 2);
	assert_int_equal(daos_array_read(ah2, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_memory_equal(back, data, ARR_BYTES);
	assert_int_equal(iod.arr_nr_read, ARR_BYTES);
	assert_int_equal(iod.arr_nr_short_read, 0);
	assert_int_equal(daos_array_write(ah2, DAOS_TX_NONE, &iod, &sgl, NULL), -DER_NO_PERM);

	/* The hole below offset 100 reads as zeros; a read past the end is short. */
	rg = (daos_range_t){.rg_idx = 0, .rg_len = 100};
	memset(back, 0x55, 100);
	d_iov_set(&iovs[0], back, 100);
	sgl.sg_nr = 1;
	assert_int_equal(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_memory_equal(back, zeros, 100);
	rg = (daos_range_t){.rg_idx = 100 + ARR_BYTES - 50, .rg_len = 100};
	assert_int_equal(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_memory_equal(back, data + ARR_BYTES - 50, 50);
	assert_int_equal(iod.arr_nr_read, 50);
	assert_int_equal(iod.arr_nr_short_read, 50);

	/* Punch 1000 cells in the middle: zeros there, size unchanged. */
	rg = (daos_range_t){.rg_idx = 100 + 500000, .rg_len = 1000};
	assert_int_equal(daos_array_punch(ah, DAOS_TX_NONE, &iod, NULL), 0);
	memset(back, 0x55, 1000);
	d_iov_set(&iovs[0], back, 1000);
	assert_int_equal(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL), 0);
	assert_int_equal(size, 100 + ARR_BYTES);

	assert_int_equal(daos_array_set_size(ah, DAOS_TX_NONE, 4096, NULL), 0);
	assert_int_equal(daos_array_stat(ah, DAOS_TX_NONE, &st, NULL), 0);
	assert_int_equal(st.st_size, 4096);

	assert_int_equal(daos_array_close(ah2, NULL), 0);
	assert_int_equal(daos_array_destroy(ah, DAOS_TX_NONE, NULL), 0);
	assert_int_equal(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL), 0);
	assert_int_equal(size, 0);
	assert_int_equal(daos_array_close(ah, NULL), 0);
	free(data);
	free(back);
}

/* Attributes, properties, object id ranges and snapshots of a container. */
static void
test_cont_extras(void **state)
{
	const char *const names[] = {"color", "shape"};
	const void *const vals[] = {"blue", "round"};
	const size_t      vsizes[] = {5, 6};
	void             *bufs[2];
	size_t            sizes[2];
	char              b0[16], b1[2], list[64];
	size_t            lsize;
	daos_prop_t      *prop;
	struct daos_prop_entry *e;
	uint64_t          first, second;
	daos_epoch_t      snap, epochs[4];
	daos_epoch_range_t epr;
	int               nr;

	(void)state;
	assert_int_equal(daos_cont_set_attr(coh, 2, names, vals, vsizes, NULL), 0);
	bufs[0] = b0;
	bufs[1] = b1;
	sizes[0] = sizeof(b0);
	sizes[1] = sizeof(b1);
	assert_int_equal(daos_cont_get_attr(coh, 2, names, bufs, sizes, NULL), 0);
	assert_string_equal(b0, "blue");
	assert_int_equal(sizes[0], 5);
	assert_int_equal(sizes[1], 6); /* the whole size, though only 2 bytes fit */
	assert_memory_equal(b1, "ro", 2);
	sizes[0] = sizes[1] = 0; /* no buffers at all: the sizes only */
	assert_int_equal(daos_cont_get_attr(coh, 2, names, NULL, sizes, NULL), 0);
	assert_int_equal(sizes[0], 5);
	assert_int_equal(sizes[1], 6);
	lsize = sizeof(list);
	assert_int_equal(daos_cont_list_attr(coh, list, &lsize, NULL), 0);
	assert_int_equal(lsize, strlen("color") + 1 + strlen("shape") + 1);
	assert_int_equal(daos_cont_del_attr(coh, 1, names, NULL), 0);
	lsize = 0;
	assert_int_equal(daos_cont_list_attr(coh, NULL, &lsize, NULL), 0);
	assert_int_equal(lsize, strlen("shape") + 1);
	assert_int_equal(daos_cont_set_attr(coh, 0, names, vals, vsizes, NULL), -DER_INVAL);

	/* A label change, read back through a query of that property. */
	prop = daos_prop_alloc(1);
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_set_str(prop, DAOS_PROP_CO_LABEL, "capi_relabelled", 15), 0);
	assert_int_equal(daos_cont_set_prop(coh, prop, NULL), 0);
	daos_prop_free(prop);
	prop = daos_prop_alloc(2);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	prop->dpp_entries[1].dpe_type = DAOS_PROP_CO_REDUN_FAC;
	assert_int_equal(daos_cont_query(coh, NULL, prop, NULL), 0);
	assert_string_equal(prop->dpp_entries[0].dpe_str, "capi_relabelled");
	assert_true(prop->dpp_entries[1].dpe_val <= 4);
	daos_prop_free(prop);
	/* An empty list asks for every property. */
	prop = daos_prop_alloc(0);
	assert_int_equal(daos_cont_query(coh, NULL, prop, NULL), 0);
	assert_true(prop->dpp_nr > 5);
	e = daos_prop_entry_get(prop, DAOS_PROP_CO_LABEL);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, "capi_relabelled");
	daos_prop_free(prop);
	/* Back to the label teardown uses. */
	prop = daos_prop_alloc(1);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_set_str(prop, DAOS_PROP_CO_LABEL, cont_label, strlen(cont_label)), 0);
	assert_int_equal(daos_cont_set_prop(coh, prop, NULL), 0);
	daos_prop_free(prop);

	assert_int_equal(daos_cont_alloc_oids(coh, 10, &first, NULL), 0);
	assert_int_equal(daos_cont_alloc_oids(coh, 1, &second, NULL), 0);
	assert_true(second >= first + 10);

	assert_int_equal(daos_cont_create_snap(coh, &snap, NULL, NULL), 0);
	assert_true(snap > 0);
	nr = 4;
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, NULL, NULL, NULL), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(epochs[0], snap);
	epr.epr_lo = epr.epr_hi = snap;
	assert_int_equal(daos_cont_destroy_snap(coh, epr, NULL), 0);
	assert_int_equal(daos_cont_destroy_snap(coh, epr, NULL), -DER_NONEXIST);
	nr = 4;
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, NULL, NULL, NULL), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(daos_obj_register_class(coh, OC_S1, NULL, NULL), -DER_NOSYS);
	assert_int_equal(daos_tx_open(coh, NULL, 0, NULL), -DER_NOSYS);
	/* No transaction can be opened, so no handle names one. */
	assert_int_equal(daos_tx_restart(DAOS_TX_NONE, NULL), -DER_NO_HDL);
	assert_int_equal(daos_tx_hdl2epoch(DAOS_TX_NONE, &epr.epr_lo), -DER_NO_HDL);
	assert_int_equal(daos_tx_hdl2epoch(DAOS_TX_NONE, NULL), -DER_INVAL);
}

/* The greatest integer dkey and the extent of an array akey under it. */
static void
test_query_key(void **state)
{
	daos_obj_id_t oid = {.lo = 7, .hi = 0};
	daos_handle_t oh;
	uint64_t      dks[3] = {5, 900, 42}, got = 0;
	d_iov_t       dkey, akey, iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_iod_t    iod;
	daos_recx_t   recx = {.rx_idx = 1000, .rx_nr = 24}, out;
	char          data[24] = "twenty-four bytes here!", ak[8];
	int           i;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_DKEY_UINT64, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	for (i = 0; i < 3; i++) {
		d_iov_set(&dkey, &dks[i], sizeof(uint64_t));
		memset(&iod, 0, sizeof(iod));
		d_iov_set(&iod.iod_name, "arr", 3);
		iod.iod_type = DAOS_IOD_ARRAY;
		iod.iod_size = 1;
		iod.iod_nr = 1;
		iod.iod_recxs = &recx;
		d_iov_set(&iov, data, sizeof(data));
		assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), 0);
	}
	d_iov_set(&dkey, &got, sizeof(got));
	d_iov_set(&akey, ak, sizeof(ak));
	memset(&out, 0, sizeof(out));
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_DKEY | DAOS_GET_MAX, &dkey, NULL,
					    NULL, NULL), 0);
	assert_int_equal(got, 900);
	d_iov_set(&dkey, &dks[0], sizeof(uint64_t));
	d_iov_set(&akey, "arr", 3);
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_RECX | DAOS_GET_MAX, &dkey, &akey,
					    &out, NULL), 0);
	assert_int_equal(out.rx_idx + out.rx_nr, 1024);

	/* The extents of that akey, two at a time: [0,4) [10,14) [20,24) and
	 * the one written above at 1000, in increasing order. */
	{
		daos_recx_t   got[2], rx[3];
		daos_anchor_t anchor = {0};
		daos_size_t   rsize = 0;
		uint32_t      nr;
		uint64_t      seen[8];
		int           n = 0, j;

		for (i = 0; i < 3; i++) {
			rx[i] = (daos_recx_t){.rx_idx = (uint64_t)i * 10, .rx_nr = 4};
			memset(&iod, 0, sizeof(iod));
			d_iov_set(&iod.iod_name, "arr", 3);
			iod.iod_type = DAOS_IOD_ARRAY;
			iod.iod_size = 1;
			iod.iod_nr = 1;
			iod.iod_recxs = &rx[i];
			d_iov_set(&iov, data, 4);
			assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), 0);
		}
		while (!daos_anchor_is_eof(&anchor)) {
			nr = 2;
			assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey, &rsize, &nr, got,
							    NULL, &anchor, true, NULL), 0);
			for (j = 0; j < (int)nr; j++) {
				assert_true(n < 8);
				seen[n++] = got[j].rx_idx;
			}
		}
		assert_int_equal(rsize, 1);
		assert_int_equal(n, 4);
		assert_int_equal(seen[0], 0);
		assert_int_equal(seen[1], 10);
		assert_int_equal(seen[2], 20);
		assert_int_equal(seen[3], 1000);
		/* The same in decreasing order, with epoch ranges; an anchor
		 * stays with its order. */
		{
			daos_epoch_range_t eprs[2];

			n = 0;
			memset(&anchor, 0, sizeof(anchor));
			while (!daos_anchor_is_eof(&anchor)) {
				nr = 2;
				assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey, &rsize,
								    &nr, got, eprs, &anchor, false, NULL), 0);
				for (j = 0; j < (int)nr; j++) {
					assert_true(n < 8);
					assert_true(eprs[j].epr_lo > 0);
					assert_int_equal(eprs[j].epr_hi, DAOS_EPOCH_MAX);
					seen[n++] = got[j].rx_idx;
				}
				if (n == 2) {
					uint32_t one = 1;

					assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey,
									    &rsize, &one, got, NULL,
									    &anchor, true, NULL),
							 -DER_INVAL);
				}
			}
			assert_int_equal(n, 4);
			assert_int_equal(seen[0], 1000);
			assert_int_equal(seen[1], 20);
			assert_int_equal(seen[2], 10);
			assert_int_equal(seen[3], 0);
			assert_int_equal(got[(int)nr - 1].rx_nr, 4);
			/* An increasing listing's anchor is not taken downwards. */
			memset(&anchor, 0, sizeof(anchor));
			nr = 1;
			assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey, &rsize, &nr, got,
							    NULL, &anchor, true, NULL), 0);
			nr = 1;
			assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey, &rsize, &nr, got,
							    NULL, &anchor, false, NULL), -DER_INVAL);
			nr = 0;
			memset(&anchor, 0, sizeof(anchor));
			assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &akey, &rsize, &nr, got,
							    NULL, &anchor, false, NULL), -DER_INVAL);
			nr = 2;
			assert_int_equal(daos_obj_list_recx(DAOS_HDL_INVAL, DAOS_TX_NONE, &dkey, &akey, &rsize,
							    &nr, got, NULL, &anchor, false, NULL), -DER_NO_HDL);
		}
	}
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* daos_pool_query's rank lists (enabled engines with DPI_ENGINES_ENABLED,
 * else the disabled ones, freed with d_rank_list_free) and properties
 * (the types asked for, or all of them into an empty list). */
static void
test_pool_query_ranks_props(void **state)
{
	daos_pool_info_t        info;
	d_rank_list_t          *ranks = NULL, *svc;
	daos_prop_t            *prop;
	struct daos_prop_entry *e;
	uint32_t                i;

	(void)state;
	memset(&info, 0, sizeof(info));
	info.pi_bits = DPI_ENGINES_ENABLED;
	assert_int_equal(daos_pool_query(poh, &ranks, &info, NULL, NULL), 0);
	assert_non_null(ranks);
	assert_int_equal(ranks->rl_nr, info.pi_nnodes);
	for (i = 1; i < ranks->rl_nr; i++)
		assert_true(ranks->rl_ranks[i - 1] < ranks->rl_ranks[i]);
	d_rank_list_free(ranks);
	/* Disabled engines: by default (no info too) and with the bit. */
	ranks = NULL;
	assert_int_equal(daos_pool_query(poh, &ranks, NULL, NULL, NULL), 0);
	assert_non_null(ranks);
	assert_int_equal(ranks->rl_nr, 0);
	d_rank_list_free(ranks);
	ranks = NULL;
	info.pi_bits = DPI_ENGINES_DISABLED | DPI_SPACE;
	assert_int_equal(daos_pool_query(poh, &ranks, &info, NULL, NULL), 0);
	assert_non_null(ranks);
	assert_int_equal(ranks->rl_nr, 0);
	assert_true(info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM] > 0);
	d_rank_list_free(ranks);

	/* Properties by type; the ACL as a struct daos_acl. */
	prop = daos_prop_alloc(4);
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	prop->dpp_entries[1].dpe_type = DAOS_PROP_PO_RECLAIM;
	prop->dpp_entries[2].dpe_type = DAOS_PROP_PO_SVC_LIST;
	prop->dpp_entries[3].dpe_type = DAOS_PROP_PO_ACL;
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), 0);
	assert_string_equal(prop->dpp_entries[0].dpe_str, pool_label);
	assert_false(prop->dpp_entries[1].dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
	assert_true(prop->dpp_entries[1].dpe_val <= 4);
	svc = prop->dpp_entries[2].dpe_val_ptr;
	assert_non_null(svc);
	assert_true(svc->rl_nr >= 1);
	assert_false(prop->dpp_entries[3].dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
	assert_int_equal(daos_acl_validate(prop->dpp_entries[3].dpe_val_ptr), 0);
	{
		struct daos_ace *owner_ace = NULL;

		assert_int_equal(daos_acl_get_ace_for_principal(prop->dpp_entries[3].dpe_val_ptr,
								DAOS_ACL_OWNER, NULL, &owner_ace), 0);
		assert_true(owner_ace->dae_allow_perms & DAOS_ACL_PERM_READ);
	}
	daos_prop_free(prop);
	/* An empty list: every property, entries allocated for it. */
	prop = daos_prop_alloc(0);
	assert_non_null(prop);
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), 0);
	assert_true(prop->dpp_nr > 5);
	e = daos_prop_entry_get(prop, DAOS_PROP_PO_LABEL);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, pool_label);
	e = daos_prop_entry_get(prop, DAOS_PROP_PO_OWNER);
	assert_non_null(e);
	assert_non_null(e->dpe_str);
	assert_non_null(daos_prop_entry_get(prop, DAOS_PROP_PO_SVC_LIST));
	e = daos_prop_entry_get(prop, DAOS_PROP_PO_ACL);
	assert_non_null(e);
	assert_int_equal(daos_acl_validate(e->dpe_val_ptr), 0);
	/* The pool's owner (this user) may read and write. */
	{
		uint64_t	perms = 0;
		gid_t		g = getegid();

		assert_int_equal(daos_pool_get_perms(prop, geteuid(), &g, 1, &perms), 0);
		assert_true(perms & DAOS_ACL_PERM_READ);
	}
	daos_prop_free(prop);

	/* Bad lists and handles. */
	prop = daos_prop_alloc(2);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	prop->dpp_entries[1].dpe_type = DAOS_PROP_PO_LABEL;
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), -DER_INVAL);
	prop->dpp_entries[1].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), -DER_INVAL);
	prop->dpp_entries[1].dpe_type = 0;
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), -DER_INVAL);
	daos_prop_free(prop);
	ranks = NULL;
	assert_int_equal(daos_pool_query(DAOS_HDL_INVAL, &ranks, NULL, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_query(coh, &ranks, NULL, NULL, NULL), -DER_NO_HDL);
	assert_null(ranks);
}

/* put_byte writes one byte, a single value under akey "a", at dkey dk. */
static void
put_byte(daos_handle_t oh, const char *dk)
{
	d_iov_t     val, dkey;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &val};
	daos_iod_t  iod;
	char        v = 'v';

	d_iov_set(&val, &v, 1);
	d_iov_set(&dkey, (void *)dk, strlen(dk));
	memset(&iod, 0, sizeof(iod));
	d_iov_set(&iod.iod_name, "a", 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = 1;
	iod.iod_nr   = 1;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), 0);
}

/* daos_pool_list_cont (count, fill, too small) and
 * daos_obj_query_max_epoch (later updates, later epochs). */
static void
test_list_cont_max_epoch(void **state)
{
	static struct daos_pool_cont_info info[64];
	daos_size_t                       n = 0, all, i;
	daos_obj_id_t                     oid = {.lo = 77};
	daos_handle_t                     oh;
	daos_epoch_t                      e0 = 0, e1 = 0;
	int                               found = 0;

	(void)state;
	assert_int_equal(daos_pool_list_cont(poh, &n, NULL, NULL), 0);
	all = n;
	assert_true(all >= 2 && all <= 64); /* this test's and the forked children's */
	n = 64;
	memset(info, 0xff, sizeof(info));
	assert_int_equal(daos_pool_list_cont(poh, &n, info, NULL), 0);
	assert_int_equal(n, all);
	for (i = 0; i < n; i++) {
		assert_true(strlen(info[i].pci_label) < sizeof(info[i].pci_label));
		found += strcmp(info[i].pci_label, cont_label) == 0;
	}
	assert_int_equal(found, 1);
	n = 1;
	assert_int_equal(daos_pool_list_cont(poh, &n, info, NULL), -DER_TRUNC);
	assert_int_equal(n, all);
	assert_int_equal(daos_pool_list_cont(poh, NULL, info, NULL), -DER_INVAL);
	n = 0; /* no room: a count, as DAOS answers */
	assert_int_equal(daos_pool_list_cont(poh, &n, info, NULL), 0);
	assert_int_equal(n, all);
	assert_int_equal(daos_pool_list_cont(coh, &n, info, NULL), -DER_NO_HDL);

	assert_int_equal(daos_obj_generate_oid(coh, &oid, 0, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	put_byte(oh, "d");
	assert_int_equal(daos_obj_query_max_epoch(oh, DAOS_TX_NONE, &e0, NULL), 0);
	assert_true(e0 > 0);
	put_byte(oh, "e");
	assert_int_equal(daos_obj_query_max_epoch(oh, DAOS_TX_NONE, &e1, NULL), 0);
	assert_true(e1 > e0);
	assert_int_equal(daos_obj_query_max_epoch(oh, DAOS_TX_NONE, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_query_max_epoch(coh, DAOS_TX_NONE, &e1, NULL), -DER_NO_HDL);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* daos_cont_list_snap's names: written into the caller's buffers. */
static void
test_snap_names(void **state)
{
	daos_epoch_t       e1, e2, epochs[3];
	char               n0[DAOS_SNAPSHOT_MAX_LEN], n1[DAOS_SNAPSHOT_MAX_LEN];
	char              *names[3] = {n0, n1, NULL};
	daos_anchor_t      anchor = {0};
	daos_epoch_range_t epr;
	int                nr;

	(void)state;
	assert_int_equal(daos_cont_create_snap(coh, &e1, "first_snap", NULL), 0);
	assert_int_equal(daos_cont_create_snap(coh, &e2, NULL, NULL), 0);
	memset(n0, 'x', sizeof(n0));
	memset(n1, 'x', sizeof(n1));
	nr = 3;
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, names, &anchor, NULL), 0);
	assert_int_equal(nr, 2);
	assert_true(daos_anchor_is_eof(&anchor));
	assert_int_equal(epochs[0], e1);
	assert_int_equal(epochs[1], e2);
	assert_string_equal(n0, "first_snap");
	assert_string_equal(n1, "");
	/* Room for one: the count says how many there are. */
	nr = 1;
	memset(n0, 0, sizeof(n0));
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, names, NULL, NULL), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(n0, "first_snap");
	/* Count only: no arrays, or a negative count (as DAOS). */
	nr = 5;
	assert_int_equal(daos_cont_list_snap(coh, &nr, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(nr, 2);
	nr = -1;
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, names, NULL, NULL), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(daos_cont_list_snap(coh, NULL, epochs, names, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_list_snap(poh, &nr, epochs, names, NULL, NULL), -DER_NO_HDL);
	epr.epr_lo = epr.epr_hi = e1;
	assert_int_equal(daos_cont_destroy_snap(coh, epr, NULL), 0);
	epr.epr_lo = epr.epr_hi = e2;
	assert_int_equal(daos_cont_destroy_snap(coh, epr, NULL), 0);
	nr = 3;
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, names, NULL, NULL), 0);
	assert_int_equal(nr, 0);
}

/* Object index tables: a snapshot's objects listed in pages, markers set
 * and cleared, the unmarked and filtered listings, and the table going
 * with its snapshot. In a container of its own, so the ids are known. */
static int
oit_keep_even(daos_obj_id_t oid, d_iov_t *marker)
{
	(void)marker;
	return (oid.lo & 1) == 0;
}

static int
oit_fail(daos_obj_id_t oid, d_iov_t *marker)
{
	(void)oid;
	(void)marker;
	return -DER_CANCELED;
}

static daos_size_t oit_marked_len;

static int
oit_seen_markers(daos_obj_id_t oid, d_iov_t *marker)
{
	(void)oid;
	if (marker != NULL)
		oit_marked_len += marker->iov_len;
	return 1;
}

static void
oit_list_all(daos_handle_t oit, int kind, daos_oit_filter_cb *f, daos_obj_id_t *out, uint32_t *n)
{
	daos_anchor_t anchor = {0};
	uint32_t      nr;
	int           pages = 0;

	*n = 0;
	while (!daos_anchor_is_eof(&anchor)) {
		assert_true(++pages < 100);
		nr = 3;
		if (kind == 0)
			assert_int_equal(daos_oit_list(oit, out + *n, &nr, &anchor, NULL), 0);
		else if (kind == 1)
			assert_int_equal(daos_oit_list_unmarked(oit, out + *n, &nr, &anchor, NULL), 0);
		else
			assert_int_equal(daos_oit_list_filter(oit, out + *n, &nr, &anchor, f, NULL), 0);
		assert_true(nr <= 3);
		*n += nr;
	}
}

/* ACL strings of an ACL property entry, joined by ' '. */
static void
acl_entry_text(struct daos_prop_entry *e, char *out, size_t len)
{
	char	**strs = NULL;
	size_t	  n = 0, i;

	assert_non_null(e);
	assert_non_null(e->dpe_val_ptr);
	assert_int_equal(daos_acl_to_strs(e->dpe_val_ptr, &strs, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, strs[i], len - strlen(out) - 1);
		free(strs[i]);
	}
	free(strs);
}

/* Container ACLs through the C API, and mpifileutils' way of copying a
 * container's properties and ACL to a new one (query, get_acl, merge,
 * create). */
static void
test_cont_acl(void **state)
{
	daos_handle_t	 c, c2;
	daos_prop_t	*prop, *acl_prop = NULL, *q, *merged;
	struct daos_acl	*acl = NULL, *bad;
	struct daos_ace	*ace = NULL;
	daos_event_t	 ev;
	daos_handle_t	 eq;
	char		*me = NULL, *mygroup = NULL;
	char		 ent[4][DAOS_ACL_MAX_ACE_STR_LEN], want[4 * DAOS_ACL_MAX_ACE_STR_LEN + 4];
	char		 text[2048];
	const char	*strs[4];
	gid_t		 gid = getegid();
	uint64_t	 perms = 0;
	bool		 flag;

	(void)state;
	assert_int_equal(daos_acl_uid_to_principal(geteuid(), &me), 0);
	assert_int_equal(daos_acl_gid_to_principal(gid, &mygroup), 0);
	/* This user by name, with everything, so that it keeps its rights
	 * whoever owns the container. */
	snprintf(ent[0], sizeof(ent[0]), "A::OWNER@:rwdtTaAo");
	snprintf(ent[1], sizeof(ent[1]), "A::%s:rwdtTaAo", me);
	snprintf(ent[2], sizeof(ent[2]), "A:G:GROUP@:rt");
	snprintf(ent[3], sizeof(ent[3]), "A::EVERYONE@:r");
	strs[0] = ent[3]; /* out of order on purpose */
	strs[1] = ent[1];
	strs[2] = ent[0];
	strs[3] = ent[2];
	assert_int_equal(daos_acl_from_strs(strs, 4, &acl), 0);
	snprintf(want, sizeof(want), "%s %s %s %s", ent[0], ent[1], ent[2], ent[3]);

	/* Created with the ACL among its properties. */
	prop = daos_prop_alloc(2);
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	assert_int_equal(daos_prop_set_ptr(prop, DAOS_PROP_CO_ACL, acl, daos_acl_get_size(acl)), 0);
	prop->dpp_entries[1].dpe_type = DAOS_PROP_CO_REDUN_FAC;
	prop->dpp_entries[1].dpe_val = DAOS_PROP_CO_REDUN_RF0;
	assert_int_equal(daos_cont_create_with_label(poh, "acl_src", prop, NULL, NULL), 0);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_open(poh, "acl_src", DAOS_COO_RW, &c, NULL, NULL), 0);

	assert_int_equal(daos_cont_get_acl(c, &acl_prop, NULL), 0);
	assert_non_null(acl_prop);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_string_equal(text, want);
	assert_string_equal(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_OWNER)->dpe_str, me);
	assert_non_null(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_OWNER_GROUP)->dpe_str);
	/* What the ACL grants this user, evaluated locally. */
	assert_int_equal(daos_cont_get_perms(acl_prop, geteuid(), &gid, 1, &perms), 0);
	assert_int_equal(perms, DAOS_ACL_PERM_CONT_ALL);
	assert_int_equal(daos_cont_get_perms(acl_prop, geteuid(), NULL, 1, &perms), -DER_INVAL);
	assert_int_equal(daos_cont_get_perms(NULL, geteuid(), NULL, 0, &perms), -DER_INVAL);
	assert_int_equal(daos_pool_get_perms(acl_prop, geteuid(), NULL, 0, &perms), -DER_INVAL);
	daos_prop_free(acl_prop);
	acl_prop = NULL;

	/* Update adds (or replaces) entries; delete removes one. */
	assert_int_equal(daos_ace_from_str("A::acl_bob@:r", &ace), 0);
	daos_acl_free(acl);
	acl = daos_acl_create(&ace, 1);
	assert_non_null(acl);
	assert_int_equal(daos_cont_update_acl(c, acl, NULL), 0);
	assert_int_equal(daos_cont_get_acl(c, &acl_prop, NULL), 0);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_non_null(strstr(text, "A::acl_bob@:r"));
	daos_prop_free(acl_prop);
	acl_prop = NULL;
	assert_int_equal(daos_cont_delete_acl(c, DAOS_ACL_USER, "acl_bob@", NULL), 0);
	assert_int_equal(daos_cont_delete_acl(c, DAOS_ACL_USER, "acl_bob@", NULL), -DER_NONEXIST);
	assert_int_equal(daos_cont_delete_acl(c, DAOS_ACL_USER, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_delete_acl(c, 77, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_get_acl(c, &acl_prop, NULL), 0);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_string_equal(text, want);
	daos_prop_free(acl_prop);
	acl_prop = NULL;

	/* A query names the ACL like any property; all properties include
	 * it. */
	q = daos_prop_alloc(2);
	q->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	q->dpp_entries[1].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_cont_query(c, NULL, q, NULL), 0);
	acl_entry_text(&q->dpp_entries[0], text, sizeof(text));
	assert_string_equal(text, want);
	assert_string_equal(q->dpp_entries[1].dpe_str, "acl_src");
	daos_prop_free(q);
	q = daos_prop_alloc(0);
	assert_int_equal(daos_cont_query(c, NULL, q, NULL), 0);
	acl_entry_text(daos_prop_entry_get(q, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_string_equal(text, want);
	daos_prop_free(q);

	/* mpifileutils' copy: the sixteen properties it names (the owner and
	 * group among them), then the ACL, merged into the new container's
	 * create. */
	{
		static const uint32_t mfu[] = {
			DAOS_PROP_CO_LAYOUT_TYPE, DAOS_PROP_CO_LAYOUT_VER, DAOS_PROP_CO_CSUM,
			DAOS_PROP_CO_CSUM_CHUNK_SIZE, DAOS_PROP_CO_CSUM_SERVER_VERIFY,
			DAOS_PROP_CO_REDUN_FAC, DAOS_PROP_CO_REDUN_LVL, DAOS_PROP_CO_SNAPSHOT_MAX,
			DAOS_PROP_CO_COMPRESS, DAOS_PROP_CO_ENCRYPT, DAOS_PROP_CO_OWNER,
			DAOS_PROP_CO_OWNER_GROUP, DAOS_PROP_CO_DEDUP, DAOS_PROP_CO_DEDUP_THRESHOLD,
			DAOS_PROP_CO_EC_CELL_SZ, DAOS_PROP_CO_SCRUBBER_DISABLED,
		};
		uint32_t k;

		q = daos_prop_alloc(16);
		for (k = 0; k < 16; k++)
			q->dpp_entries[k].dpe_type = mfu[k];
	}
	assert_int_equal(daos_cont_query(c, NULL, q, NULL), 0);
	/* Every one reported, the read-only ones too; checksums as DAOS's
	 * documentation gives new containers: CRC-32 in 32 KiB chunks, with
	 * the engines checking. */
	{
		uint32_t k;

		for (k = 0; k < q->dpp_nr; k++)
			assert_false(q->dpp_entries[k].dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
	}
	assert_int_equal(daos_prop_entry_get(q, DAOS_PROP_CO_LAYOUT_VER)->dpe_val, 1);
	assert_int_equal(daos_prop_entry_get(q, DAOS_PROP_CO_SNAPSHOT_MAX)->dpe_val, 0);
	assert_int_equal(daos_prop_entry_get(q, DAOS_PROP_CO_CSUM)->dpe_val, DAOS_PROP_CO_CSUM_CRC32);
	assert_int_equal(daos_prop_entry_get(q, DAOS_PROP_CO_CSUM_CHUNK_SIZE)->dpe_val, 32768);
	assert_int_equal(daos_prop_entry_get(q, DAOS_PROP_CO_CSUM_SERVER_VERIFY)->dpe_val,
			 DAOS_PROP_CO_CSUM_SV_ON);
	assert_int_equal(daos_cont_get_acl(c, &acl_prop, NULL), 0);
	merged = daos_prop_merge(q, acl_prop);
	assert_non_null(merged);
	assert_int_equal(merged->dpp_nr, 17);
	assert_int_equal(daos_cont_create_with_label(poh, "acl_dst", merged, NULL, NULL), 0);
	assert_int_equal(daos_cont_open(poh, "acl_dst", DAOS_COO_RW, &c2, NULL, NULL), 0);
	daos_prop_free(q);
	q = NULL;
	assert_int_equal(daos_cont_get_acl(c2, &q, NULL), 0);
	assert_int_equal(daos_prop_entry_cmp_acl(daos_prop_entry_get(q, DAOS_PROP_CO_ACL),
						 daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL)), 0);
	assert_string_equal(daos_prop_entry_get(q, DAOS_PROP_CO_OWNER)->dpe_str, me);
	daos_prop_free(q);
	daos_prop_free(merged);
	daos_prop_free(acl_prop);
	acl_prop = NULL;

	/* Its copy of an object-level container also carries the highest
	 * allocated object id (and asks for the roots, which containers of
	 * no middleware do not have): allocation in the copy goes on above
	 * the source's, so the objects copied keep ids nobody else gets. */
	{
		uint64_t	lo = 0, lo2 = 0;
		daos_handle_t	c3;

		assert_int_equal(daos_cont_alloc_oids(c, 100, &lo, NULL), 0);
		q = daos_prop_alloc(2);
		q->dpp_entries[0].dpe_type = DAOS_PROP_CO_ALLOCED_OID;
		q->dpp_entries[1].dpe_type = DAOS_PROP_CO_ROOTS;
		assert_int_equal(daos_cont_query(c, NULL, q, NULL), 0);
		assert_false(q->dpp_entries[0].dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
		assert_int_equal(q->dpp_entries[0].dpe_val, lo + 99);
		assert_true(q->dpp_entries[1].dpe_flags & DAOS_PROP_ENTRY_NOT_SET);
		assert_int_equal(daos_cont_create_with_label(poh, "oid_dst", q, NULL, NULL), 0);
		daos_prop_free(q);
		assert_int_equal(daos_cont_open(poh, "oid_dst", DAOS_COO_RW, &c3, NULL, NULL), 0);
		assert_int_equal(daos_cont_alloc_oids(c3, 1, &lo2, NULL), 0);
		assert_int_equal(lo2, lo + 100);
		assert_int_equal(daos_cont_close(c3, NULL), 0);
		assert_int_equal(daos_cont_destroy(poh, "oid_dst", 0, NULL), 0);
	}

	/* The status, packed as DAOS packs it, and clearing it. */
	{
		struct daos_co_status st = {.dcs_status = 99};

		q = daos_prop_alloc(1);
		q->dpp_entries[0].dpe_type = DAOS_PROP_CO_STATUS;
		assert_int_equal(daos_cont_query(c, NULL, q, NULL), 0);
		daos_prop_val_2_co_status(q->dpp_entries[0].dpe_val, &st);
		assert_int_equal(st.dcs_status, DAOS_PROP_CO_HEALTHY);
		daos_prop_free(q);
		assert_int_equal(daos_cont_status_clear(c, NULL), 0);
		assert_int_equal(daos_cont_status_clear(DAOS_HDL_INVAL, NULL), -DER_NO_HDL);
		assert_int_equal(daos_cont_aggregate(c, 10, NULL), -DER_NOSYS);
		assert_int_equal(daos_cont_rollback(c, 10, NULL), -DER_NOSYS);
		assert_int_equal(daos_cont_subscribe(c, NULL, NULL), -DER_NOSYS);
	}

	/* Overwrite replaces the whole ACL, with an event this time. */
	daos_acl_free(acl);
	strs[0] = ent[1];
	strs[1] = ent[3];
	assert_int_equal(daos_acl_from_strs(strs, 2, &acl), 0);
	assert_int_equal(daos_eq_create(&eq), 0);
	assert_int_equal(daos_event_init(&ev, eq, NULL), 0);
	assert_int_equal(daos_cont_overwrite_acl(c2, acl, &ev), 0);
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(ev.ev_error, 0);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_event_init(&ev, eq, NULL), 0);
	assert_int_equal(daos_cont_get_acl(c2, &acl_prop, &ev), 0);
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_WAIT, &flag), 0);
	assert_int_equal(ev.ev_error, 0);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	snprintf(want, sizeof(want), "%s %s", ent[1], ent[3]);
	assert_string_equal(text, want);
	daos_prop_free(acl_prop);
	acl_prop = NULL;
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_eq_destroy(eq, 0), 0);

	/* A new owner and group; this user keeps its rights by name. Names
	 * this node does not know need the _no_check call. */
	assert_int_equal(daos_cont_set_owner(c2, "acl_carol@", NULL, NULL), -DER_NONEXIST);
	assert_int_equal(daos_cont_set_owner(c2, me, mygroup, NULL), 0);
	assert_int_equal(daos_cont_set_owner_no_check(c2, "acl_carol@", NULL, NULL), 0);
	assert_int_equal(daos_cont_set_owner_no_check(c2, NULL, "acl_staff@", NULL), 0);
	assert_int_equal(daos_cont_get_acl(c2, &acl_prop, NULL), 0);
	assert_string_equal(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_OWNER)->dpe_str, "acl_carol@");
	assert_string_equal(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_OWNER_GROUP)->dpe_str,
			    "acl_staff@");
	daos_prop_free(acl_prop);
	acl_prop = NULL;
	assert_int_equal(daos_cont_set_owner(c2, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_set_owner(c2, "no_at_sign", NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_set_owner_no_check(c2, NULL, "", NULL), -DER_INVAL);

	/* Bad ACLs and arguments: named, never a crash. */
	bad = daos_acl_dup(acl);
	bad->dal_ver = 9;
	assert_int_equal(daos_cont_overwrite_acl(c2, bad, NULL), -DER_INVAL);
	bad->dal_ver = DAOS_ACL_VERSION;
	bad->dal_len = 1 << 20;
	assert_int_equal(daos_cont_update_acl(c2, bad, NULL), -DER_INVAL);
	daos_acl_free(bad);
	assert_int_equal(daos_cont_overwrite_acl(c2, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_get_acl(c2, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_get_acl(DAOS_HDL_INVAL, &acl_prop, NULL), -DER_NO_HDL);
	assert_null(acl_prop);
	/* An unsorted ACL is refused, as daos_acl_validate refuses it. */
	bad = daos_acl_dup(acl);
	{
		/* EVERYONE@ first, then the named user. */
		struct daos_ace	*first = (struct daos_ace *)acl->dal_ace;
		size_t		 n1 = daos_ace_get_size(first);
		size_t		 n2 = acl->dal_len - n1;

		memcpy(bad->dal_ace, acl->dal_ace + n1, n2);
		memcpy(bad->dal_ace + n2, acl->dal_ace, n1);
	}
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);
	assert_int_equal(daos_cont_overwrite_acl(c2, bad, NULL), -DER_INVAL);
	daos_acl_free(bad);

	/* The ACL also goes through set_prop, as in DAOS. */
	prop = daos_prop_alloc(1);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	prop->dpp_entries[0].dpe_val_ptr = daos_acl_dup(acl);
	assert_int_equal(daos_cont_set_prop(c2, prop, NULL), 0);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_get_acl(c2, &acl_prop, NULL), 0);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_string_equal(text, want);
	daos_prop_free(acl_prop);
	acl_prop = NULL;

	/* Without get-ACL (a) the ACL cannot be read. */
	daos_acl_free(acl);
	snprintf(ent[1], sizeof(ent[1]), "A::%s:rwdtTAo", me);
	strs[0] = ent[1];
	assert_int_equal(daos_acl_from_strs(strs, 1, &acl), 0);
	assert_int_equal(daos_cont_overwrite_acl(c2, acl, NULL), 0);
	assert_int_equal(daos_cont_get_acl(c2, &acl_prop, NULL), -DER_NO_PERM);
	q = daos_prop_alloc(1);
	q->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	assert_int_equal(daos_cont_query(c2, NULL, q, NULL), -DER_NO_PERM);
	daos_prop_free(q);

	/* The owner may always read and change its container's ACL. */
	strs[0] = ent[3];
	daos_acl_free(acl);
	assert_int_equal(daos_acl_from_strs(strs, 1, &acl), 0);
	assert_int_equal(daos_cont_overwrite_acl(c, acl, NULL), 0);
	assert_int_equal(daos_cont_get_acl(c, &acl_prop, NULL), 0);
	acl_entry_text(daos_prop_entry_get(acl_prop, DAOS_PROP_CO_ACL), text, sizeof(text));
	assert_string_equal(text, ent[3]);
	assert_int_equal(daos_cont_get_perms(acl_prop, geteuid(), &gid, 1, &perms), 0);
	assert_int_equal(perms, DAOS_ACL_PERM_READ | DAOS_ACL_PERM_GET_ACL | DAOS_ACL_PERM_SET_ACL);
	daos_prop_free(acl_prop);
	acl_prop = NULL;
	strs[0] = ent[0];
	daos_acl_free(acl);
	assert_int_equal(daos_acl_from_strs(strs, 1, &acl), 0);
	assert_int_equal(daos_cont_overwrite_acl(c, acl, NULL), 0);

	assert_int_equal(daos_cont_close(c2, NULL), 0);
	assert_int_equal(daos_cont_close(c, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, "acl_dst", 0, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, "acl_src", 0, NULL), 0);
	daos_acl_free(acl);
	daos_ace_free(ace);
	free(me);
	free(mygroup);
}

static void
test_oit(void **state)
{
	enum { N = 20 };
	daos_handle_t      c, oh, oit;
	daos_obj_id_t      ids[N], got[N + 4], late;
	daos_epoch_t       snap, none = 0;
	daos_epoch_range_t epr;
	daos_anchor_t      anchor = {0};
	d_iov_t            mark;
	uint32_t           n, nr;
	int                i, j, found;

	(void)state;
	assert_int_equal(daos_cont_create_with_label(poh, "oit", NULL, NULL, NULL), 0);
	assert_int_equal(daos_cont_open(poh, "oit", DAOS_COO_RW, &c, NULL, NULL), 0);
	for (i = 0; i <= N; i++) {
		daos_obj_id_t id = {.lo = 100 + (uint64_t)i};

		assert_int_equal(daos_obj_generate_oid(c, &id, 0, OC_S1, 0, 0), 0);
		assert_int_equal(daos_obj_open(c, id, DAOS_OO_RW, &oh, NULL), 0);
		put_byte(oh, "d");
		assert_int_equal(daos_obj_close(oh, NULL), 0);
		if (i < N)
			ids[i] = id;
		else
			late = id;
		if (i == N - 1)
			assert_int_equal(daos_cont_create_snap_opt(c, &snap, "oit",
								   DAOS_SNAP_OPT_CR | DAOS_SNAP_OPT_OIT, NULL), 0);
	}
	/* A snapshot without a table has none to open, and gets one later. */
	assert_int_equal(daos_cont_create_snap(c, &none, NULL, NULL), 0);
	assert_int_equal(daos_oit_open(c, none, &oit, NULL), -DER_NONEXIST);
	assert_int_equal(daos_cont_create_snap_opt(c, &none, NULL, DAOS_SNAP_OPT_OIT, NULL), -DER_NOSYS);
	assert_int_equal(daos_cont_snap_oit_create(c, none, NULL, NULL), 0);
	assert_int_equal(daos_oit_open(c, none, &oit, NULL), 0);
	oit_list_all(oit, 0, NULL, got, &n);
	assert_int_equal(n, N + 1); /* the late object too */
	/* An open table keeps its container open; destroyed, it is gone. */
	assert_int_equal(daos_cont_close(c, NULL), -DER_BUSY);
	assert_int_equal(daos_cont_snap_oit_destroy(c, oit, NULL), 0);
	assert_int_equal(daos_oit_close(oit, NULL), 0);
	assert_int_equal(daos_oit_open(c, none, &oit, NULL), -DER_NONEXIST);

	assert_int_equal(daos_oit_open(c, snap, &oit, NULL), 0);
	oit_list_all(oit, 0, NULL, got, &n);
	assert_int_equal(n, N);
	for (i = 0; i < N; i++) {
		for (found = 0, j = 0; j < N; j++)
			found += got[j].lo == ids[i].lo && got[j].hi == ids[i].hi;
		assert_int_equal(found, 1);
		assert_false(got[i].lo == late.lo && got[i].hi == late.hi);
	}

	/* As a task, as the HDF5 VOL would run it. */
	{
		daos_cont_snap_oit_create_t *a;
		tse_sched_t                  sched;
		tse_task_t                  *t;
		daos_epoch_t                 e3;
		bool                         empty;

		assert_int_equal(daos_cont_create_snap(c, &e3, NULL, NULL), 0);
		assert_int_equal(tse_sched_init(&sched, NULL, NULL), 0);
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_SNAP_OIT_DESTROY, &sched, 0, NULL, &t),
				 -DER_NOSYS);
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_SNAP_OIT_CREATE, &sched, 0, NULL, &t), 0);
		a        = daos_task_get_args(t);
		a->coh   = c;
		a->epoch = e3;
		tse_task_addref(t);
		assert_int_equal(tse_task_schedule(t, false), 0);
		assert_int_equal(daos_progress(&sched, DAOS_EQ_WAIT, &empty), 0);
		assert_true(empty);
		assert_int_equal(t->dt_result, 0);
		tse_task_decref(t);
		tse_sched_fini(&sched);
		assert_int_equal(daos_oit_open(c, e3, &oh, NULL), 0);
		assert_int_equal(daos_oit_close(oh, NULL), 0);
	}

	/* Markers. */
	d_iov_set(&mark, "checked", 7);
	assert_int_equal(daos_oit_mark(oit, ids[0], &mark, NULL), 0);
	assert_int_equal(daos_oit_mark(oit, ids[1], &mark, NULL), 0);
	assert_int_equal(daos_oit_mark(oit, late, &mark, NULL), -DER_NONEXIST);
	d_iov_set(&mark, "0123456789012345678901234567890123", 33);
	assert_int_equal(daos_oit_mark(oit, ids[2], &mark, NULL), -DER_INVAL);
	d_iov_set(&mark, NULL, 0);
	assert_int_equal(daos_oit_mark(oit, ids[2], &mark, NULL), -DER_INVAL);
	oit_list_all(oit, 1, NULL, got, &n);
	assert_int_equal(n, N - 2);
	oit_marked_len = 0;
	oit_list_all(oit, 2, oit_seen_markers, got, &n);
	assert_int_equal(n, N);
	assert_int_equal(oit_marked_len, 14);
	assert_int_equal(daos_oit_mark(oit, ids[0], NULL, NULL), 0);
	oit_list_all(oit, 1, NULL, got, &n);
	assert_int_equal(n, N - 1);
	oit_list_all(oit, 2, oit_keep_even, got, &n);
	for (i = 0; i < (int)n; i++)
		assert_int_equal(got[i].lo & 1, 0);
	nr = 3;
	assert_int_equal(daos_oit_list_filter(oit, got, &nr, &anchor, oit_fail, NULL), -DER_CANCELED);

	/* Bad arguments. */
	memset(&anchor, 0, sizeof(anchor));
	assert_int_equal(daos_oit_list(oit, got, NULL, &anchor, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_list(oit, got, &nr, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_list_filter(oit, got, &nr, &anchor, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_list(c, got, &nr, &anchor, NULL), -DER_NO_HDL);
	assert_int_equal(daos_oit_open(c, snap, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_create_snap_opt(c, &none, NULL, 0, NULL), -DER_NOSYS);
	assert_int_equal(daos_cont_create_snap_opt(c, &none, NULL, 4, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_create_snap_opt(c, NULL, NULL, DAOS_SNAP_OPT_CR, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_snap_oit_create(c, snap + 1, NULL, NULL), -DER_NONEXIST);
	nr = 0;
	assert_int_equal(daos_oit_list(oit, got, &nr, &anchor, NULL), -DER_INVAL);
	nr = 3;
	assert_int_equal(daos_oit_list(oit, NULL, &nr, &anchor, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_close(oit, NULL), 0);
	assert_int_equal(daos_oit_close(oit, NULL), -DER_NO_HDL);

	/* The tables go with their snapshots. */
	epr.epr_lo = 0;
	epr.epr_hi = DAOS_EPOCH_MAX;
	assert_int_equal(daos_cont_destroy_snap(c, epr, NULL), 0);
	assert_int_equal(daos_oit_open(c, snap, &oit, NULL), -DER_NONEXIST);
	assert_int_equal(daos_cont_close(c, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, "oit", 0, NULL), 0);
}

/* daos_obj_fetch's I/O maps: the pieces of an array holding data within
 * the range fetched (lo/hi always, all of them with DAOS_IOMF_DETAIL,
 * into the caller's array or one allocated for it), none for a single
 * value. */
static void
test_fetch_iom(void **state)
{
	daos_obj_id_t oid = {.lo = 11, .hi = 0};
	daos_handle_t oh;
	d_iov_t       dkey, iov[2];
	d_sg_list_t   sgl[2];
	daos_iod_t    iod[2];
	daos_iom_t    iom[2];
	daos_recx_t   rx, want = {.rx_idx = 0, .rx_nr = 100}, one[1];
	char          data[100], back[200], sv[8] = "single!";
	int           i;

	(void)state;
	/* A type past DAOS_OT_MAX, even one that is a type modulo 256. */
	assert_int_equal(daos_obj_generate_oid(coh, &oid, 256 + DAOS_OT_ARRAY, OC_SX, 0, 0), -DER_INVAL);
	assert_int_equal(daos_obj_generate_oid(DAOS_HDL_INVAL, &oid, -1, OC_SX, 0, 0), -DER_INVAL);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	d_iov_set(&dkey, "d", 1);
	memset(data, 'a', sizeof(data));
	/* Extents at [10,15) [30,40) [90,100), then a single value. */
	for (i = 0; i < 3; i++) {
		rx = (daos_recx_t){.rx_idx = i == 0 ? 10 : i == 1 ? 30 : 90, .rx_nr = i == 1 ? 10 : 5};
		if (i == 2)
			rx.rx_nr = 10;
		memset(iod, 0, sizeof(iod));
		d_iov_set(&iod[0].iod_name, "arr", 3);
		iod[0].iod_type = DAOS_IOD_ARRAY;
		iod[0].iod_size = 2;
		iod[0].iod_nr = 1;
		iod[0].iod_recxs = &rx;
		d_iov_set(&iov[0], data, rx.rx_nr * 2);
		sgl[0] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov[0]};
		assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, iod, sgl, NULL), 0);
	}
	memset(iod, 0, sizeof(iod));
	d_iov_set(&iod[1].iod_name, "sv", 2);
	iod[1].iod_type = DAOS_IOD_SINGLE;
	iod[1].iod_size = sizeof(sv);
	iod[1].iod_nr = 1;
	d_iov_set(&iov[1], sv, sizeof(sv));
	sgl[1] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov[1]};
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod[1], &sgl[1], NULL), 0);

	/* Fetch [0,100) and the value; a caller array of one for the map. */
	d_iov_set(&iod[0].iod_name, "arr", 3);
	iod[0].iod_type = DAOS_IOD_ARRAY;
	iod[0].iod_size = 2;
	iod[0].iod_nr = 1;
	iod[0].iod_recxs = &want;
	d_iov_set(&iov[0], back, sizeof(back));
	sgl[0] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov[0]};
	memset(iom, 0, sizeof(iom));
	iom[0].iom_flags = DAOS_IOMF_DETAIL;
	iom[0].iom_nr = 1;
	iom[0].iom_recxs = one;
	iom[1].iom_nr_out = 9;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 2, iod, sgl, iom, NULL), 0);
	assert_int_equal(iom[0].iom_type, DAOS_IOD_ARRAY);
	assert_int_equal(iom[0].iom_size, 2);
	assert_int_equal(iom[0].iom_nr_out, 3);
	assert_int_equal(iom[0].iom_nr, 1);
	assert_int_equal(one[0].rx_idx, 10);
	assert_int_equal(one[0].rx_nr, 5);
	assert_int_equal(iom[0].iom_recx_lo.rx_idx, 10);
	assert_int_equal(iom[0].iom_recx_hi.rx_idx, 90);
	assert_int_equal(iom[0].iom_recx_hi.rx_nr, 10);
	assert_int_equal(iom[1].iom_type, DAOS_IOD_SINGLE);
	assert_int_equal(iom[1].iom_size, sizeof(sv));
	assert_int_equal(iom[1].iom_nr_out, 0);

	/* NULL iom_recxs: allocated for the caller, who frees it. */
	memset(iom, 0, sizeof(iom));
	iom[0].iom_flags = DAOS_IOMF_DETAIL;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iod, sgl, iom, NULL), 0);
	assert_int_equal(iom[0].iom_nr_out, 3);
	assert_int_equal(iom[0].iom_nr, 3);
	assert_non_null(iom[0].iom_recxs);
	assert_int_equal(iom[0].iom_recxs[1].rx_idx, 30);
	assert_int_equal(iom[0].iom_recxs[1].rx_nr, 10);
	assert_int_equal(iom[0].iom_recxs[2].rx_idx, 90);
	free(iom[0].iom_recxs);

	/* Without the flag: lo and hi only; a range cuts the pieces. */
	want = (daos_recx_t){.rx_idx = 12, .rx_nr = 80};
	memset(iom, 0, sizeof(iom));
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iod, sgl, iom, NULL), 0);
	assert_int_equal(iom[0].iom_nr_out, 0);
	assert_null(iom[0].iom_recxs);
	assert_int_equal(iom[0].iom_recx_lo.rx_idx, 12);
	assert_int_equal(iom[0].iom_recx_lo.rx_nr, 3);
	assert_int_equal(iom[0].iom_recx_hi.rx_idx, 90);
	assert_int_equal(iom[0].iom_recx_hi.rx_nr, 2);
	/* Nothing in the range. */
	want = (daos_recx_t){.rx_idx = 50, .rx_nr = 20};
	memset(iom, 0, sizeof(iom));
	iom[0].iom_flags = DAOS_IOMF_DETAIL;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iod, sgl, iom, NULL), 0);
	assert_int_equal(iom[0].iom_nr_out, 0);
	assert_null(iom[0].iom_recxs);
	assert_int_equal(iom[0].iom_recx_lo.rx_nr, 0);
	/* A size query fills the maps too; a bad handle fills nothing. */
	want = (daos_recx_t){.rx_idx = 0, .rx_nr = 100};
	iod[0].iod_size = DAOS_REC_ANY;
	memset(iom, 0, sizeof(iom));
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, iod, NULL, iom, NULL), 0);
	assert_int_equal(iod[0].iod_size, 2);
	assert_int_equal(iom[0].iom_size, 2);
	assert_int_equal(iom[0].iom_recx_hi.rx_idx, 90);
	memset(iom, 0, sizeof(iom));
	assert_int_equal(daos_obj_fetch(DAOS_HDL_INVAL, DAOS_TX_NONE, 0, &dkey, 1, iod, sgl, iom, NULL),
			 -DER_NO_HDL);
	assert_int_equal(iom[0].iom_size, 0);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
}

/* An array handle shared as bytes opens the same array. */
static void
test_array_sharing(void **state)
{
	daos_obj_id_t    oid = {.lo = 8, .hi = 0};
	daos_handle_t    ah, ah2;
	d_iov_t          glob = {0}, iov;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_array_iod_t iod;
	daos_range_t     rg = {.rg_idx = 0, .rg_len = 8};
	daos_size_t      cell, chunk;
	char             data[64] = "eight cells of 8 bytes each, sixty-four bytes, ok!!", back[64];

	(void)state;
	assert_int_equal(daos_array_generate_oid(coh, &oid, true, OC_SX, 0, 0), 0);
	assert_int_equal(daos_array_create(coh, oid, DAOS_TX_NONE, 8, 4096, &ah, NULL), 0);
	iod = (daos_array_iod_t){.arr_nr = 1, .arr_rgs = &rg};
	d_iov_set(&iov, data, sizeof(data));
	assert_int_equal(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_int_equal(daos_array_local2global(ah, &glob), 0);
	glob.iov_buf = malloc(glob.iov_buf_len);
	glob.iov_len = glob.iov_buf_len;
	assert_int_equal(daos_array_local2global(ah, &glob), 0);
	assert_int_equal(daos_array_global2local(coh, glob, DAOS_OO_RO, &ah2), 0);
	assert_int_equal(daos_array_get_attr(ah2, &chunk, &cell), 0);
	assert_int_equal(cell, 8);
	assert_int_equal(chunk, 4096);
	d_iov_set(&iov, back, sizeof(back));
	assert_int_equal(daos_array_read(ah2, DAOS_TX_NONE, &iod, &sgl, NULL), 0);
	assert_memory_equal(back, data, sizeof(data));
	((char *)glob.iov_buf)[0] ^= 1;
	assert_int_equal(daos_array_global2local(coh, glob, DAOS_OO_RO, &ah2), -DER_INVAL);
	free(glob.iov_buf);
	assert_int_equal(daos_array_close(ah2, NULL), 0);
	assert_int_equal(daos_array_close(ah, NULL), 0);
}

/* Sizes no memory can have, NULL buffers with room, and ranges whose sums
 * wrap are refused with -DER_INVAL; some used to end the process (a panic
 * in the Go core) or make it allocate without bound. A property entry's
 * old string is the caller's, never freed by a query. */
static void
test_bad_sizes(void **state)
{
	daos_obj_id_t      oid = {.lo = 20, .hi = 0}, kvoid = {.lo = 21, .hi = 0};
	daos_obj_id_t      aoid = {.lo = 22, .hi = 0};
	daos_handle_t      oh, kh, ah;
	d_iov_t            dkey, iovs[2];
	d_sg_list_t        sgl = {.sg_nr = 1, .sg_iovs = iovs};
	daos_iod_t         iod;
	daos_key_desc_t    kds[4];
	daos_anchor_t      anchor = {0};
	daos_array_iod_t   aiod;
	daos_range_t       rgs[2];
	daos_size_t        size;
	daos_prop_t       *prop;
	uint32_t           nr;
	static char        buf[4096];
	const char *const  name = "huge";
	const void *const  val = buf;
	size_t             vsize;

	(void)state;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	d_iov_set(&dkey, "d", 1);
	memset(&iod, 0, sizeof(iod));
	d_iov_set(&iod.iod_name, "a", 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = 16;
	iod.iod_nr   = 1;
	d_iov_set(&iovs[0], buf, 16);
	iod.iod_nr = 2; /* a single value is one record */
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), -DER_INVAL);
	iod.iod_nr = 1;
	/* Data short of the IOD is refused before sending; more is allowed and only the IOD's bytes are stored. */
	d_iov_set(&iovs[0], buf, 8);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), -DER_REC2BIG);
	d_iov_set(&iovs[0], buf, 32);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), 0);
	iod.iod_size = DAOS_REC_ANY;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, NULL, NULL, NULL), 0);
	assert_int_equal(iod.iod_size, 16);
	iovs[0] = (d_iov_t){.iov_buf = buf, .iov_buf_len = (size_t)-1, .iov_len = (size_t)-1};
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), -DER_INVAL);
	iovs[0]   = (d_iov_t){.iov_buf = buf, .iov_buf_len = 1ULL << 63, .iov_len = 1ULL << 63};
	iovs[1]   = iovs[0];
	sgl.sg_nr = 2;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL), -DER_INVAL);
	iovs[0] = (d_iov_t){.iov_buf = NULL, .iov_buf_len = 16};
	d_iov_set(&iovs[1], buf, 16);
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL), -DER_INVAL);
	sgl.sg_nr = 1;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL), -DER_INVAL);
	iovs[0] = (d_iov_t){.iov_buf = buf, .iov_buf_len = 1ULL << 63};
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL), -DER_INVAL);
	nr = 4;
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_close(oh, NULL), 0);

	assert_int_equal(daos_obj_generate_oid(coh, &kvoid, DAOS_OT_KV_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(daos_kv_open(coh, kvoid, DAOS_OO_RW, &kh, NULL), 0);
	assert_int_equal(daos_kv_put(kh, DAOS_TX_NONE, 0, "k", (daos_size_t)-1, buf, NULL), -DER_INVAL);
	size = 1ULL << 63;
	assert_int_equal(daos_kv_get(kh, DAOS_TX_NONE, 0, "k", &size, buf, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_close(kh, NULL), 0);

	assert_int_equal(daos_array_generate_oid(coh, &aoid, true, OC_SX, 0, 0), 0);
	assert_int_equal(daos_array_create(coh, aoid, DAOS_TX_NONE, 1, 1 << 20, &ah, NULL), 0);
	d_iov_set(&iovs[0], buf, sizeof(buf));
	rgs[0] = (daos_range_t){.rg_idx = 0, .rg_len = 1ULL << 50};
	aiod   = (daos_array_iod_t){.arr_nr = 1, .arr_rgs = rgs};
	assert_int_equal(daos_array_write(ah, DAOS_TX_NONE, &aiod, &sgl, NULL), -DER_INVAL);
	rgs[0]      = (daos_range_t){.rg_idx = 0, .rg_len = 1ULL << 63};
	rgs[1]      = (daos_range_t){.rg_idx = 0, .rg_len = (1ULL << 63) + sizeof(buf)};
	aiod.arr_nr = 2;
	assert_int_equal(daos_array_read(ah, DAOS_TX_NONE, &aiod, &sgl, NULL), -DER_INVAL);
	assert_int_equal(daos_array_destroy(ah, DAOS_TX_NONE, NULL), 0);
	assert_int_equal(daos_array_close(ah, NULL), 0);

	vsize = 1ULL << 31;
	assert_int_equal(daos_cont_set_attr(coh, 1, &name, &val, &vsize, NULL), -DER_INVAL);
	vsize = (1ULL << 32) + 16;
	assert_int_equal(daos_cont_set_attr(coh, 1, &name, &val, &vsize, NULL), -DER_INVAL);

	prop = daos_prop_alloc(1);
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	prop->dpp_entries[0].dpe_str  = (char *)"a literal, not the library's to free";
	assert_int_equal(daos_cont_query(coh, NULL, prop, NULL), 0);
	assert_string_equal(prop->dpp_entries[0].dpe_str, cont_label);
	daos_prop_free(prop);
}

static void
test_teardown(void **state)
{
	(void)state;
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, cont_label, 0, NULL), 0);
	assert_int_equal(daos_cont_open(poh, cont_label, DAOS_COO_RW, &coh, NULL, NULL), -DER_NONEXIST);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_fini(), -DER_UNINIT);
}

/* test_fini_ends_queues: the last daos_fini ends every event queue, C
 * side included: after a new daos_init the old handle is gone for polls
 * and destroys alike, and new queues work. */
static void
test_fini_ends_queues(void **state)
{
	daos_handle_t eqh, eqh2;
	daos_event_t  ev, *got[1];

	(void)state;
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 1, got), 0);
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 1, got), -DER_NONEXIST);

	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 1, got), -DER_NONEXIST);
	assert_int_equal(daos_eq_destroy(eqh, 0), -DER_NONEXIST);
	assert_int_equal(daos_eq_create(&eqh2), 0);
	assert_int_equal(daos_eq_poll(eqh2, 0, DAOS_EQ_NOWAIT, 1, got), 0);
	assert_int_equal(daos_eq_destroy(eqh2, 0), 0);
	assert_int_equal(daos_fini(), 0);
}

/* Pool user attributes: the container's calls on a pool handle, then the
 * same through tasks. */
static void
test_pool_attrs(void **state)
{
	const char *const names[] = {"pool-color", "pool-shape"};
	const void *const vals[] = {"green", "flat"};
	const size_t      vsizes[] = {6, 5};
	char              b0[16], b1[2], list[64];
	void             *bufs[] = {b0, b1};
	size_t            sizes[] = {sizeof(b0), sizeof(b1)}, lsize = sizeof(list);
	daos_handle_t     bad = {.cookie = 999999};
	tse_sched_t       s;
	tse_task_t       *set, *get;
	daos_pool_set_attr_t *sa;
	daos_pool_get_attr_t *ga;
	bool              empty;

	(void)state;
	assert_int_equal(daos_pool_set_attr(poh, 2, names, vals, vsizes, NULL), 0);
	assert_int_equal(daos_pool_get_attr(poh, 2, names, bufs, sizes, NULL), 0);
	assert_string_equal(b0, "green");
	assert_int_equal(sizes[1], 5); /* the whole size, though only 2 bytes fit */
	assert_memory_equal(b1, "fl", 2);
	assert_int_equal(daos_pool_list_attr(poh, list, &lsize, NULL), 0);
	assert_true(lsize >= strlen("pool-color") + strlen("pool-shape") + 2);
	assert_int_equal(daos_pool_del_attr(poh, 2, names, NULL), 0);
	sizes[0] = sizeof(b0);
	assert_int_equal(daos_pool_get_attr(poh, 1, names, bufs, sizes, NULL), -DER_NONEXIST);
	assert_int_equal(daos_pool_set_attr(poh, 0, names, vals, vsizes, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_list_attr(poh, list, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_del_attr(bad, 1, names, NULL), -DER_NO_HDL);

	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);
	assert_int_equal(daos_task_create(DAOS_OPC_POOL_SET_ATTR, &s, 0, NULL, &set), 0);
	sa = daos_task_get_args(set);
	sa->poh = poh;
	sa->n = 1;
	sa->names = names;
	sa->values = vals;
	sa->sizes = vsizes;
	assert_int_equal(daos_task_create(DAOS_OPC_POOL_GET_ATTR, &s, 1, &set, &get), 0);
	ga = daos_task_get_args(get);
	ga->poh = poh;
	ga->n = 1;
	ga->names = names;
	ga->values = bufs;
	ga->sizes = sizes;
	memset(b0, 0, sizeof(b0));
	sizes[0] = sizeof(b0);
	assert_int_equal(tse_task_schedule(get, false), 0);
	assert_int_equal(tse_task_schedule(set, false), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
	assert_true(empty);
	assert_int_equal(s.ds_result, 0);
	assert_string_equal(b0, "green");
	tse_sched_fini(&s);
	assert_int_equal(daos_pool_del_attr(poh, 1, names, NULL), 0);
}

/* Tasks (daos_task.h), as the HDF5 DAOS VOL chains them: each task's
 * handles come from the one before through a prep callback. */
struct chain {
	uuid_t        uuid;
	char          uuid_str[37];
	daos_handle_t c2, oh;
	daos_key_t    dkey;
	daos_iod_t    iod;
	d_iov_t       iov, back_iov, key_iov;
	d_sg_list_t   sgl, back_sgl, key_sgl;
	char          data[64], back[64], keys[256];
	uint32_t      nr;
	daos_key_desc_t kds[8];
	daos_anchor_t anchor;
	int           checked;
};

static int
prep_obj_open(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;
	daos_obj_open_t *a = daos_task_get_args(task);

	a->coh = c->c2;
	return 0;
}

static int
prep_oh(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;
	daos_obj_rw_t *a = daos_task_get_args(task);

	a->oh = c->oh;
	return 0;
}

static int
prep_list_oh(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;
	daos_obj_list_t *a = daos_task_get_args(task);

	a->oh = c->oh;
	return 0;
}

static int
prep_close_oh(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;
	daos_obj_close_t *a = daos_task_get_args(task);

	a->oh = c->oh;
	return 0;
}

static int
prep_cont_close(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;
	daos_cont_close_t *a = daos_task_get_args(task);

	a->coh = c->c2;
	return 0;
}

static int
comp_fetched(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;

	assert_int_equal(task->dt_result, 0);
	assert_memory_equal(c->back, c->data, sizeof(c->data));
	c->checked++;
	return 0;
}

static int
comp_listed(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;

	assert_int_equal(task->dt_result, 0);
	assert_int_equal(c->nr, 1);
	assert_int_equal(c->kds[0].kd_key_len, strlen("task-dkey"));
	assert_memory_equal(c->keys, "task-dkey", strlen("task-dkey"));
	c->checked++;
	return 0;
}

/* The VOL lists with a small buffer first and lists again, from the
 * list task's own completion callback, when a key does not fit. */
static int relists;

static int
comp_relist(tse_task_t *task, void *arg)
{
	struct chain *c = *(struct chain **)arg;

	if (task->dt_result == -DER_KEY2BIG) {
		relists++;
		assert_true(c->kds[0].kd_key_len > 4);
		d_iov_set(&c->key_sgl.sg_iovs[0], c->keys, sizeof(c->keys));
		c->nr = 8;
		assert_int_equal(tse_task_register_cbs(task, NULL, NULL, 0, comp_relist, &c,
						       sizeof(c)), 0);
		assert_int_equal(tse_task_reinit(task), 0);
		return 0;
	}
	assert_int_equal(task->dt_result, 0);
	assert_int_equal(c->nr, 1);
	assert_memory_equal(c->keys, "task-dkey", strlen("task-dkey"));
	c->checked++;
	return 0;
}

static tse_task_t *
chain_task(tse_sched_t *s, daos_opc_t opc, tse_task_t *dep, tse_task_cb_t prep,
	   tse_task_cb_t comp, struct chain *c)
{
	tse_task_t *t;

	assert_int_equal(daos_task_create(opc, s, dep ? 1 : 0, dep ? &dep : NULL, &t), 0);
	if (prep != NULL || comp != NULL)
		assert_int_equal(tse_task_register_cbs(t, prep, &c, sizeof(c), comp, &c,
						       sizeof(c)), 0);
	return t;
}

static void
test_tasks(void **state)
{
	tse_sched_t        s;
	struct chain      *c;
	tse_task_t        *create, *open, *oopen, *update, *fetch, *list, *oclose, *cclose,
			  *destroy, *bad, *after, *gate;
	daos_cont_create_t *ca;
	daos_cont_open_t   *oa;
	daos_obj_open_t    *ooa;
	daos_obj_rw_t      *rw;
	daos_obj_list_t    *la;
	daos_cont_destroy_t *da;
	daos_obj_id_t      oid = {.lo = 77, .hi = 0};
	bool               empty;
	int                i;

	(void)state;
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_S1, 0, 0), 0);
	assert_int_equal(tse_sched_init(&s, NULL, NULL), 0);

	/* Bad arguments, and an operation this library does not run. */
	assert_int_equal(daos_task_create(DAOS_OPC_OBJ_UPDATE, NULL, 0, NULL, &bad), -DER_INVAL);
	assert_int_equal(daos_task_create(DAOS_OPC_OBJ_UPDATE, &s, 0, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_task_create(DAOS_OPC_OBJ_UPDATE, &s, 0, &bad, &bad), -DER_INVAL);
	assert_int_equal(daos_task_create(DAOS_OPC_POOL_EXCLUDE, &s, 0, NULL, &bad), -DER_NOSYS);
	assert_int_equal(daos_progress(NULL, 0, &empty), -DER_INVAL);

	/* create (with a UUID of ours) -> open by it -> object open -> update
	 * -> fetch and list -> closes -> destroy */
	uuid_generate(c->uuid);
	uuid_unparse_lower(c->uuid, c->uuid_str);
	for (i = 0; i < (int)sizeof(c->data); i++)
		c->data[i] = (char)('a' + i % 26);
	d_iov_set(&c->key_iov, "task-dkey", strlen("task-dkey"));
	c->dkey = c->key_iov;
	d_iov_set(&c->iod.iod_name, "v", 1);
	c->iod.iod_type = DAOS_IOD_SINGLE;
	c->iod.iod_nr = 1;
	c->iod.iod_size = sizeof(c->data);
	d_iov_set(&c->iov, c->data, sizeof(c->data));
	c->sgl.sg_nr = 1;
	c->sgl.sg_iovs = &c->iov;
	d_iov_set(&c->back_iov, c->back, sizeof(c->back));
	c->back_sgl.sg_nr = 1;
	c->back_sgl.sg_iovs = &c->back_iov;
	c->key_sgl.sg_nr = 1;
	c->key_sgl.sg_iovs = malloc(sizeof(d_iov_t));
	assert_non_null(c->key_sgl.sg_iovs);
	d_iov_set(&c->key_sgl.sg_iovs[0], c->keys, sizeof(c->keys));
	c->nr = 8;

	create = chain_task(&s, DAOS_OPC_CONT_CREATE, NULL, NULL, NULL, c);
	ca = daos_task_get_args(create);
	ca->poh = poh;
	uuid_copy(ca->uuid, c->uuid);

	open = chain_task(&s, DAOS_OPC_CONT_OPEN, create, NULL, NULL, c);
	oa = daos_task_get_args(open);
	oa->poh = poh;
	oa->cont = c->uuid_str;
	oa->flags = DAOS_COO_RW;
	oa->coh = &c->c2;

	oopen = chain_task(&s, DAOS_OPC_OBJ_OPEN, open, prep_obj_open, NULL, c);
	ooa = daos_task_get_args(oopen);
	ooa->oid = oid;
	ooa->mode = DAOS_OO_RW;
	ooa->oh = &c->oh;

	update = chain_task(&s, DAOS_OPC_OBJ_UPDATE, oopen, prep_oh, NULL, c);
	rw = daos_task_get_args(update);
	rw->th = DAOS_TX_NONE;
	rw->dkey = &c->dkey;
	rw->nr = 1;
	rw->iods = &c->iod;
	rw->sgls = &c->sgl;

	fetch = chain_task(&s, DAOS_OPC_OBJ_FETCH, update, prep_oh, comp_fetched, c);
	rw = daos_task_get_args(fetch);
	rw->th = DAOS_TX_NONE;
	rw->dkey = &c->dkey;
	rw->nr = 1;
	rw->iods = &c->iod;
	rw->sgls = &c->back_sgl;

	list = chain_task(&s, DAOS_OPC_OBJ_LIST_DKEY, update, prep_list_oh, comp_listed, c);
	la = daos_task_get_args(list);
	la->th = DAOS_TX_NONE;
	la->nr = &c->nr;
	la->kds = c->kds;
	la->sgl = &c->key_sgl;
	la->dkey_anchor = &c->anchor;

	oclose = chain_task(&s, DAOS_OPC_OBJ_CLOSE, fetch, prep_close_oh, NULL, c);
	assert_int_equal(tse_task_register_deps(oclose, 1, &list), 0);
	cclose = chain_task(&s, DAOS_OPC_CONT_CLOSE, oclose, prep_cont_close, NULL, c);
	destroy = chain_task(&s, DAOS_OPC_CONT_DESTROY, cclose, NULL, NULL, c);
	da = daos_task_get_args(destroy);
	da->poh = poh;
	uuid_copy(da->uuid, c->uuid); /* cont NULL: by UUID */
	da->force = 0;

	/* Scheduled last to first: dependencies order them. */
	assert_int_equal(tse_task_schedule(destroy, false), 0);
	assert_int_equal(tse_task_schedule(cclose, false), 0);
	assert_int_equal(tse_task_schedule(oclose, false), 0);
	assert_int_equal(tse_task_schedule(list, false), 0);
	assert_int_equal(tse_task_schedule(fetch, false), 0);
	assert_int_equal(tse_task_schedule(update, false), 0);
	assert_int_equal(tse_task_schedule(oopen, false), 0);
	assert_int_equal(tse_task_schedule(open, false), 0);
	assert_int_equal(tse_task_schedule(create, true), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
	assert_true(empty);
	assert_int_equal(s.ds_result, 0);
	assert_int_equal(c->checked, 2);
	/* the container is gone: the chain's destroy used the UUID we chose */
	assert_int_equal(daos_cont_open(poh, c->uuid_str, DAOS_COO_RO, &c->c2, NULL, NULL),
			 -DER_NONEXIST);

	/* An error that comes back through the operation's event (a key
	 * larger than the buffer), listed again from the completion
	 * callback; then the same task reused for a fetch. */
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &c->oh, NULL), 0);
	assert_int_equal(daos_obj_update(c->oh, DAOS_TX_NONE, 0, &c->dkey, 1, &c->iod, &c->sgl,
					 NULL), 0);
	memset(&c->anchor, 0, sizeof(c->anchor));
	d_iov_set(&c->key_sgl.sg_iovs[0], c->keys, 4);
	c->nr = 8;
	c->checked = 0;
	list = chain_task(&s, DAOS_OPC_OBJ_LIST_DKEY, NULL, NULL, comp_relist, c);
	la = daos_task_get_args(list);
	la->oh = c->oh;
	la->th = DAOS_TX_NONE;
	la->nr = &c->nr;
	la->kds = c->kds;
	la->sgl = &c->key_sgl;
	la->dkey_anchor = &c->anchor;
	tse_task_addref(list); /* kept for reuse, as the VOL's task list does */
	assert_int_equal(tse_task_schedule(list, false), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
	assert_true(empty);
	assert_int_equal(relists, 1);
	assert_int_equal(c->checked, 1);
	assert_int_equal(list->dt_result, 0);

	assert_int_equal(daos_task_reset(list, DAOS_OPC_OBJ_FETCH), 0);
	assert_int_equal(tse_task_register_cbs(list, NULL, NULL, 0, comp_fetched, &c, sizeof(c)),
			 0);
	rw = daos_task_get_args(list);
	memset(rw, 0, sizeof(*rw));
	memset(c->back, 0, sizeof(c->back));
	rw->oh = c->oh;
	rw->th = DAOS_TX_NONE;
	rw->dkey = &c->dkey;
	rw->nr = 1;
	rw->iods = &c->iod;
	rw->sgls = &c->back_sgl;
	tse_task_addref(list);
	assert_int_equal(tse_task_schedule(list, true), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
	assert_int_equal(c->checked, 2);
	tse_task_decref(list); /* the list's: the task is freed */
	assert_int_equal(daos_obj_close(c->oh, NULL), 0);

	/* An operation's error completes its task and passes on. */
	assert_int_equal(daos_task_create(DAOS_OPC_OBJ_UPDATE, &s, 0, NULL, &bad), 0);
	rw = daos_task_get_args(bad);
	rw->oh.cookie = 12345; /* no such handle */
	rw->dkey = &c->dkey;
	rw->nr = 1;
	rw->iods = &c->iod;
	rw->sgls = &c->sgl;
	assert_int_equal(daos_task_create(DAOS_OPC_CONT_QUERY, &s, 1, &bad, &after), 0);
	((daos_cont_query_t *)daos_task_get_args(after))->coh = coh;
	tse_task_addref(after);
	assert_int_equal(tse_task_schedule(after, false), 0);
	assert_int_equal(tse_task_schedule(bad, false), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
	assert_true(empty);
	assert_int_equal(after->dt_result, -DER_NO_HDL);
	assert_int_equal(s.ds_result, -DER_NO_HDL);
	tse_task_decref(after);

	/* A task nobody completes keeps daos_progress from finishing. */
	assert_int_equal(tse_task_create(NULL, &s, NULL, &gate), 0);
	assert_int_equal(tse_task_schedule(gate, false), 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_NOWAIT, &empty), -DER_TIMEDOUT);
	assert_false(empty);
	{
		struct timespec t0, t1;
		int64_t us;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(daos_progress(&s, 2000, &empty), -DER_TIMEDOUT);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
		assert_true(us >= 2000);
		assert_false(empty);
	}
	tse_task_complete(gate, 0);
	assert_int_equal(daos_progress(&s, DAOS_EQ_NOWAIT, &empty), 0);
	assert_true(empty);

	/* Container attributes and snapshots as tasks, in one chain. */
	{
		const char   *names[] = {"task-attr"};
		const void   *values[] = {"v1"};
		size_t        sizes[] = {2}, got[] = {8};
		char          buf[8] = {0};
		void         *bufs[] = {buf};
		daos_epoch_t  epoch = 0, epochs[4] = {0};
		int           nsnap = 4;
		daos_anchor_t sa = {0};
		tse_task_t   *set, *get, *snap, *ls, *oit_snap;
		daos_epoch_t  oit_epoch = 0;
		daos_handle_t oit;
		daos_cont_set_attr_t    *sa_args;
		daos_cont_get_attr_t    *ga;
		daos_cont_create_snap_t *cs;
		daos_cont_list_snap_t   *lsa;

		assert_int_equal(daos_task_create(DAOS_OPC_CONT_SET_ATTR, &s, 0, NULL, &set), 0);
		sa_args = daos_task_get_args(set);
		sa_args->coh = coh;
		sa_args->n = 1;
		sa_args->names = names;
		sa_args->values = values;
		sa_args->sizes = sizes;
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_GET_ATTR, &s, 1, &set, &get), 0);
		ga = daos_task_get_args(get);
		ga->coh = coh;
		ga->n = 1;
		ga->names = names;
		ga->values = bufs;
		ga->sizes = got;
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_CREATE_SNAP, &s, 1, &get, &snap), 0);
		cs = daos_task_get_args(snap);
		cs->coh = coh;
		cs->opts = DAOS_SNAP_OPT_CR;
		cs->epoch = &epoch;
		cs->name = "task-snap";
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_LIST_SNAP, &s, 1, &snap, &ls), 0);
		lsa = daos_task_get_args(ls);
		lsa->coh = coh;
		lsa->nr = &nsnap;
		lsa->epochs = epochs;
		lsa->anchor = &sa;
		assert_int_equal(daos_task_create(DAOS_OPC_CONT_CREATE_SNAP, &s, 0, NULL, &oit_snap),
				 0);
		cs = daos_task_get_args(oit_snap);
		cs->coh = coh;
		cs->opts = DAOS_SNAP_OPT_CR | DAOS_SNAP_OPT_OIT;
		cs->epoch = &oit_epoch;
		tse_task_addref(ls);
		tse_task_addref(oit_snap);
		assert_int_equal(tse_task_schedule(ls, false), 0);
		assert_int_equal(tse_task_schedule(snap, false), 0);
		assert_int_equal(tse_task_schedule(get, false), 0);
		assert_int_equal(tse_task_schedule(set, false), 0);
		assert_int_equal(tse_task_schedule(oit_snap, false), 0);
		assert_int_equal(daos_progress(&s, DAOS_EQ_WAIT, &empty), 0);
		assert_true(empty);
		assert_int_equal(ls->dt_result, 0);
		assert_int_equal(oit_snap->dt_result, 0);
		assert_true(oit_epoch != 0);
		assert_int_equal(daos_oit_open(coh, oit_epoch, &oit, NULL), 0);
		assert_int_equal(daos_oit_close(oit, NULL), 0);
		assert_int_equal(got[0], 2);
		assert_memory_equal(buf, "v1", 2);
		assert_true(epoch != 0);
		assert_true(nsnap >= 1);
		{
			int i, found = 0;

			for (i = 0; i < nsnap && i < 4; i++)
				found |= epochs[i] == epoch;
			assert_true(found || nsnap > 4);
		}
		tse_task_decref(ls);
		tse_task_decref(oit_snap);
		assert_int_equal(daos_cont_destroy_snap(coh, (daos_epoch_range_t){epoch, epoch},
							NULL), 0);
		assert_int_equal(daos_cont_destroy_snap(coh, (daos_epoch_range_t){oit_epoch, oit_epoch},
							NULL), 0);
	}

	tse_sched_fini(&s);
	free(c->key_sgl.sg_iovs);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fork_then_init),
	    cmocka_unit_test(test_uninitialised),
	    cmocka_unit_test(test_init_without_agent),
	    cmocka_unit_test(test_init_counts),
	    cmocka_unit_test(test_oclass),
	    cmocka_unit_test(test_pool),
	    cmocka_unit_test(test_cont),
	    cmocka_unit_test(test_obj_io),
	    cmocka_unit_test(test_async),
	    cmocka_unit_test(test_async_bulk),
	    cmocka_unit_test(test_comp_cb),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_events_sizes),
	    cmocka_unit_test(test_events_threads),
	    cmocka_unit_test(test_handle_sharing),
	    cmocka_unit_test(test_forked_writes),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_kv),
	    cmocka_unit_test(test_array),
	    cmocka_unit_test(test_cont_extras),
	    cmocka_unit_test(test_query_key),
	    cmocka_unit_test(test_pool_query_ranks_props),
	    cmocka_unit_test(test_snap_names),
	    cmocka_unit_test(test_list_cont_max_epoch),
	    cmocka_unit_test(test_cont_acl),
	    cmocka_unit_test(test_oit),
	    cmocka_unit_test(test_fetch_iom),
	    cmocka_unit_test(test_array_sharing),
	    cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_tasks),
	    cmocka_unit_test(test_pool_attrs),
	    cmocka_unit_test(test_teardown),
	    cmocka_unit_test(test_fini_ends_queues),
	};

	if (getenv("DAOS_POOL_TARGETS") != NULL)
		pool_targets = (unsigned int)atoi(getenv("DAOS_POOL_TARGETS"));
	pool_label = getenv("DAOS_POOL");
	if (pool_label == NULL) {
		fprintf(stderr, "daos_api_test: set DAOS_POOL to a pool's label\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
