/*
 * dfs_api_test: the DFS C API (daos_fs.h) against a running system, as
 * IOR's DFS backend uses it (cmocka). Needs a daos_agent
 * (DAOS_AGENT_DRPC_DIR) and a pool whose label is in $DAOS_POOL; creates
 * and destroys its own containers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <daos.h>
#include <daos_fs.h>

static const char *pool_label;
static daos_handle_t poh, coh;
static dfs_t        *dfs;

#define CONT "dfs_api_test"
#define MiB  (1024 * 1024)

/* SHARE runs the size-query-then-fill protocol of every l2g call
 * (ABI.md 4.2) through fn on handle h into iov g. */
#define SHARE(fn, h, g)                                        \
	do {                                                   \
		memset(&(g), 0, sizeof(g));                    \
		assert_int_equal(fn(h, &(g)), 0);              \
		assert_true((g).iov_buf_len > 0);              \
		(g).iov_buf = malloc((g).iov_buf_len);         \
		(g).iov_len = (g).iov_buf_len;                 \
		assert_int_equal(fn(h, &(g)), 0);              \
	} while (0)

static void
test_init(void **state)
{
	dfs_t *d;

	(void)state;
	assert_int_equal(dfs_fini(), EINVAL);
	assert_int_equal(dfs_connect(pool_label, NULL, CONT, O_RDWR, NULL, &d), EACCES);
	assert_int_equal(dfs_init(), 0);
	assert_int_equal(dfs_init(), 0);
	assert_int_equal(dfs_fini(), 0);
	assert_int_equal(daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &poh, NULL, NULL), 0);
}

/* IOR's DFS_Init: open the container, create it with a label when
 * missing (coh out, no mount), mount it read-write, share the handles. */
static void
test_ior_setup(void **state)
{
	daos_handle_t p2, c2;
	d_iov_t       pg, cg, dg;
	dfs_t        *d2;
	dfs_obj_t    *root;
	mode_t        mode;
	struct stat   st;

	(void)state;
	assert_int_equal(daos_cont_open(poh, CONT, DAOS_COO_RW, &coh, NULL, NULL), -DER_NONEXIST);
	assert_int_equal(dfs_cont_create_with_label(poh, CONT, NULL, NULL, &coh, NULL), 0);
	assert_int_equal(dfs_cont_create_with_label(poh, CONT, NULL, NULL, NULL, NULL), EEXIST);
	assert_int_equal(dfs_mount(poh, coh, O_RDWR, &dfs), 0);

	SHARE(daos_pool_local2global, poh, pg);
	SHARE(daos_cont_local2global, coh, cg);
	SHARE(dfs_local2global, dfs, dg);
	/* A buffer too small is ENOBUFS, with the size needed. */
	{
		d_iov_t small = {.iov_buf = dg.iov_buf, .iov_buf_len = 1, .iov_len = 1};

		assert_int_equal(dfs_local2global(dfs, &small), ENOBUFS);
		assert_int_equal(small.iov_buf_len, dg.iov_buf_len);
	}
	assert_int_equal(daos_pool_global2local(pg, &p2), 0);
	assert_int_equal(daos_cont_global2local(p2, cg, &c2), 0);
	/* A blob of the wrong length is refused. */
	dg.iov_len--;
	assert_int_equal(dfs_global2local(p2, c2, 0, dg, &d2), EINVAL);
	dg.iov_len++;
	assert_int_equal(dfs_global2local(p2, c2, 0, dg, &d2), 0);
	assert_int_equal(dfs_lookup(d2, "/", O_RDONLY, &root, &mode, &st), 0);
	assert_true(S_ISDIR(mode));
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(dfs_release(root), 0);
	assert_int_equal(dfs_umount(d2), 0);
	assert_int_equal(daos_cont_close(c2, NULL), 0);
	assert_int_equal(daos_pool_disconnect(p2, NULL), 0);
	free(pg.iov_buf);
	free(cg.iov_buf);
	free(dg.iov_buf);
}

static void
fill(char *buf, size_t n, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)((off + i) * 31 + 7);
}

/* IOR's I/O: mkdir, create a file under a looked-up directory, write
 * transfers of two iovs at offsets, ship the file to another "rank",
 * read back there, size and stat. */
static void
test_ior_io(void **state)
{
	dfs_obj_t    *dir, *f, *f2, *obj;
	d_iov_t       iovs[2], og;
	d_sg_list_t   sgl = {.sg_nr = 2, .sg_iovs = iovs};
	char         *buf = malloc(4 * MiB), *back = malloc(4 * MiB);
	daos_size_t   got, size;
	mode_t        mode;
	struct stat   st;
	uint64_t      off;

	(void)state;
	assert_non_null(buf);
	assert_non_null(back);
	assert_int_equal(dfs_set_prefix(dfs, "/mnt/dfs/"), 0);
	assert_int_equal(dfs_mkdir(dfs, NULL, "testdir", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/mnt/dfs/testdir", O_RDWR, &dir, &mode, NULL), 0);
	assert_true(S_ISDIR(mode));
	assert_int_equal(dfs_open(dfs, dir, "file", S_IFREG | 0644, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);

	for (off = 0; off < 8 * MiB; off += 4 * MiB) {
		fill(buf, 4 * MiB, off);
		d_iov_set(&iovs[0], buf, 1 * MiB);
		d_iov_set(&iovs[1], buf + 1 * MiB, 3 * MiB);
		sgl.sg_nr_out = 12345; /* ignored */
		assert_int_equal(dfs_write(dfs, f, &sgl, off, NULL), 0);
	}

	/* Another rank: the object shipped through obj l2g/g2l. */
	memset(&og, 0, sizeof(og));
	assert_int_equal(dfs_obj_local2global(dfs, f, &og), 0);
	og.iov_buf = malloc(og.iov_buf_len);
	og.iov_len = og.iov_buf_len;
	assert_int_equal(dfs_obj_local2global(dfs, f, &og), 0);
	/* Flags 0 (O_RDONLY's value) keep the sender's access. */
	assert_int_equal(dfs_obj_global2local(dfs, 0, og, &f2), 0);
	free(og.iov_buf);
	for (off = 0; off < 8 * MiB; off += 4 * MiB) {
		fill(buf, 4 * MiB, off);
		memset(back, 0, 4 * MiB);
		d_iov_set(&iovs[0], back, 3 * MiB);
		d_iov_set(&iovs[1], back + 3 * MiB, 1 * MiB);
		assert_int_equal(dfs_read(dfs, f2, &sgl, off, &got, NULL), 0);
		assert_int_equal(got, 4 * MiB);
		assert_memory_equal(buf, back, 4 * MiB);
	}
	/* A read across the end gets what is there; at the end nothing. */
	d_iov_set(&iovs[0], back, 1 * MiB);
	sgl.sg_nr = 1;
	assert_int_equal(dfs_read(dfs, f2, &sgl, 8 * MiB - 100, &got, NULL), 0);
	assert_int_equal(got, 100);
	assert_int_equal(dfs_read(dfs, f2, &sgl, 8 * MiB, &got, NULL), 0);
	assert_int_equal(got, 0);
	sgl.sg_nr = 2;

	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 8 * MiB);
	assert_int_equal(dfs_get_size(dfs, dir, &size), EINVAL);
	assert_int_equal(dfs_stat(dfs, dir, "file", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_size, 8 * MiB);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(dfs_stat(dfs, NULL, NULL, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* The absolute path with the prefix finds the file; its stat too. */
	assert_int_equal(dfs_lookup(dfs, "/mnt/dfs/testdir//file", O_RDONLY, &obj, &mode, &st), 0);
	assert_true(S_ISREG(mode));
	assert_int_equal(st.st_size, 8 * MiB);
	assert_int_equal(dfs_release(obj), 0);
	assert_int_equal(dfs_lookup(dfs, "/other/testdir", O_RDONLY, &obj, NULL, NULL), EINVAL);
	assert_int_equal(dfs_lookup_rel(dfs, dir, "file", O_RDONLY, &obj, &mode, NULL), 0);
	assert_true(S_ISREG(mode));
	assert_int_equal(dfs_release(obj), 0);

	assert_int_equal(dfs_sync(dfs), 0);
	assert_int_equal(dfs_release(f2), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_release(dir), 0);
	assert_int_equal(dfs_set_prefix(dfs, NULL), 0);
	free(buf);
	free(back);
}

/* mdtest's namespace calls: move, access, readdir, remove. */
static void
test_namespace(void **state)
{
	dfs_obj_t     *dir, *f;
	daos_anchor_t  anchor = {0};
	struct dirent  ents[4];
	daos_obj_id_t  oid = {0, 0};
	uint32_t       nr, total = 0, i;
	bool           saw_moved = false, saw_sub = false;

	(void)state;
	assert_int_equal(dfs_lookup(dfs, "/testdir", O_RDWR, &dir, NULL, NULL), 0);
	assert_int_equal(dfs_move(dfs, dir, "file", dir, "moved", NULL), 0);
	assert_int_equal(dfs_access(dfs, dir, "file", F_OK), ENOENT);
	assert_int_equal(dfs_access(dfs, dir, "moved", R_OK | W_OK), 0);
	assert_int_equal(dfs_access(dfs, NULL, NULL, F_OK), 0);
	assert_int_equal(dfs_move(dfs, dir, "file", dir, "again", NULL), ENOENT);
	assert_int_equal(dfs_mkdir(dfs, dir, "sub", 0700, 0), 0);
	assert_int_equal(dfs_open(dfs, dir, "sub", S_IFDIR | 0700, O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_release(f), 0);

	while (!daos_anchor_is_eof(&anchor)) {
		nr = 4;
		memset(ents, 0xff, sizeof(ents));
		assert_int_equal(dfs_readdir(dfs, dir, &anchor, &nr, ents), 0);
		for (i = 0; i < nr; i++) {
			saw_moved |= strcmp(ents[i].d_name, "moved") == 0;
			saw_sub |= strcmp(ents[i].d_name, "sub") == 0;
		}
		total += nr;
	}
	assert_int_equal(total, 2);
	assert_true(saw_moved && saw_sub);
	nr = 4;
	assert_int_equal(dfs_lookup(dfs, "/testdir/moved", O_RDONLY, &f, NULL, NULL), 0);
	memset(&anchor, 0, sizeof(anchor));
	assert_int_equal(dfs_readdir(dfs, f, &anchor, &nr, ents), ENOTDIR);
	assert_int_equal(dfs_release(f), 0);

	assert_int_equal(dfs_remove(dfs, NULL, "testdir", false, NULL), ENOTEMPTY);
	assert_int_equal(dfs_remove(dfs, dir, "moved", false, &oid), 0);
	assert_true(oid.lo != 0 || oid.hi != 0);
	assert_int_equal(dfs_remove(dfs, dir, "moved", false, NULL), ENOENT);
	assert_int_equal(dfs_release(dir), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "testdir", true, NULL), 0);
	assert_int_equal(dfs_access(dfs, NULL, "testdir", F_OK), ENOENT);
}

static void
test_errnos(void **state)
{
	dfs_obj_t    *f, *obj;
	dfs_t        *ro;
	dfs_attr_t    attr;
	daos_handle_t h, h2;
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	char          c = 'x';

	(void)state;
	assert_int_equal(dfs_open(dfs, NULL, "e", S_IFREG | 0600, O_CREAT | O_EXCL | O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_open(dfs, NULL, "e", S_IFREG | 0600, O_CREAT | O_EXCL | O_RDWR, 0, 0, NULL, &obj),
			 EEXIST);
	assert_int_equal(dfs_mkdir(dfs, NULL, "e", 0755, 0), EEXIST);
	assert_int_equal(dfs_open(dfs, NULL, "none", S_IFREG | 0600, O_RDWR, 0, 0, NULL, &obj), ENOENT);
	assert_int_equal(dfs_lookup(dfs, "/none/x", O_RDONLY, &obj, NULL, NULL), ENOENT);
	assert_int_equal(dfs_stat(dfs, NULL, "none", &(struct stat){0}), ENOENT);
	assert_int_equal(dfs_open(dfs, f, "x", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), ENOTDIR);
	assert_int_equal(dfs_mkdir(dfs, f, "x", 0755, 0), ENOTDIR);

	/* Bad arguments. */
	assert_int_equal(dfs_open(dfs, NULL, "a/b", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), EINVAL);
	assert_int_equal(dfs_open(dfs, NULL, "a", 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), EINVAL);
	assert_int_equal(dfs_open(dfs, NULL, "a", S_IFREG | 0600, O_CREAT | O_RDWR | O_APPEND, 0, 0, NULL, &obj),
			 ENOTSUP);
	assert_int_equal(dfs_open(NULL, NULL, "a", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), EINVAL);
	assert_int_equal(dfs_open(dfs, NULL, NULL, S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), EINVAL);
	assert_int_equal(dfs_lookup(dfs, "relative", O_RDONLY, &obj, NULL, NULL), EINVAL);
	assert_int_equal(dfs_set_prefix(dfs, "relative"), EINVAL);
	assert_int_equal(dfs_release(NULL), EINVAL);
	assert_int_equal(dfs_umount(NULL), EINVAL);
	assert_int_equal(dfs_read(dfs, f, NULL, 0, &(daos_size_t){0}, NULL), EINVAL);
	assert_int_equal(dfs_stat(dfs, NULL, "e", NULL), EINVAL);
	assert_int_equal(dfs_cont_create_with_label(poh, "x", NULL, NULL, NULL, &ro), EINVAL);

	/* A read-only mount refuses every change. */
	assert_int_equal(dfs_mount(poh, coh, O_RDONLY, &ro), 0);
	assert_int_equal(dfs_mkdir(ro, NULL, "rodir", 0755, 0), EPERM);
	assert_int_equal(dfs_open(ro, NULL, "rofile", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &obj), EPERM);
	assert_int_equal(dfs_remove(ro, NULL, "e", false, NULL), EPERM);
	assert_int_equal(dfs_sync(ro), EPERM);
	assert_int_equal(dfs_access(ro, NULL, "e", W_OK), EPERM);
	assert_int_equal(dfs_lookup(ro, "/e", O_RDWR, &obj, NULL, NULL), 0);
	d_iov_set(&iov, &c, 1);
	assert_int_equal(dfs_write(ro, obj, &sgl, 0, NULL), EPERM);
	/* An object is used only with its own mount. */
	assert_int_equal(dfs_write(dfs, obj, &sgl, 0, NULL), EINVAL);
	assert_int_equal(dfs_release(obj), 0);

	/* Defaults of a container made with NULL attributes. */
	memset(&attr, 0xff, sizeof(attr));
	assert_int_equal(dfs_query(ro, &attr), 0);
	assert_int_equal(attr.da_chunk_size, DFS_DEFAULT_CHUNK_SIZE);
	assert_int_equal(attr.da_mode, DFS_RELAXED);
	assert_null(attr.da_props);

	/* Handles lent by pool_get/cont_get keep the mount (EBUSY). */
	assert_int_equal(dfs_pool_get(ro, &h), 0);
	assert_int_equal(h.cookie, poh.cookie);
	assert_int_equal(dfs_cont_get(ro, &h2), 0);
	assert_int_equal(h2.cookie, coh.cookie);
	assert_int_equal(dfs_umount(ro), EBUSY);
	assert_int_equal(dfs_pool_put(ro, h2), EINVAL);
	assert_int_equal(dfs_pool_put(ro, h), 0);
	assert_int_equal(dfs_pool_put(ro, h), EINVAL);
	assert_int_equal(dfs_umount(ro), EBUSY);
	assert_int_equal(dfs_cont_put(ro, h2), 0);
	assert_int_equal(dfs_umount(ro), 0);

	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "e", false, NULL), 0);

	/* A container that is not POSIX cannot be mounted. */
	assert_int_equal(daos_cont_create_with_label(poh, CONT "_plain", NULL, NULL, NULL), 0);
	assert_int_equal(daos_cont_open(poh, CONT "_plain", DAOS_COO_RW, &h, NULL, NULL), 0);
	assert_int_equal(dfs_mount(poh, h, O_RDWR, &ro), EINVAL);
	assert_int_equal(daos_cont_close(h, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, CONT "_plain", 0, NULL), 0);
}

/* Events: DFS results land in ev_error as positive errno values; a
 * zero-length transfer completes at once. */
static void
test_events(void **state)
{
	daos_handle_t  eqh;
	daos_event_t   ev, *done[2];
	dfs_obj_t     *f, *fro;
	d_iov_t        iov;
	d_sg_list_t    sgl = {.sg_nr = 1, .sg_iovs = &iov};
	char           data[100] = "event data", back[100];
	daos_size_t    got = 99;

	(void)state;
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	assert_int_equal(dfs_open(dfs, NULL, "ev", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);

	d_iov_set(&iov, data, sizeof(data));
	assert_int_equal(dfs_write(dfs, f, &sgl, 0, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
	assert_ptr_equal(done[0], &ev);
	assert_int_equal(ev.ev_error, 0);

	d_iov_set(&iov, back, sizeof(back));
	assert_int_equal(dfs_read(dfs, f, &sgl, 0, &got, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
	assert_int_equal(ev.ev_error, 0);
	assert_int_equal(got, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));

	d_iov_set(&iov, back, 0);
	got = 99;
	assert_int_equal(dfs_read(dfs, f, &sgl, 0, &got, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
	assert_int_equal(ev.ev_error, 0);
	assert_int_equal(got, 0);

	assert_int_equal(dfs_lookup(dfs, "/ev", O_RDONLY, &fro, NULL, NULL), 0);
	d_iov_set(&iov, data, sizeof(data));
	assert_int_equal(dfs_write(dfs, fro, &sgl, 0, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
	assert_int_equal(ev.ev_error, EPERM);

	assert_int_equal(dfs_release(fro), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "ev", false, NULL), 0);
}

/* dfs_connect creates the container when asked and owns its handles. */
static void
test_connect(void **state)
{
	dfs_t        *d, *d2;
	dfs_obj_t    *f;
	daos_handle_t h, h2;

	(void)state;
	assert_int_equal(dfs_connect(pool_label, NULL, CONT "_conn", O_RDWR, NULL, &d), ENOENT);
	assert_int_equal(dfs_connect(pool_label, NULL, CONT "_conn", O_CREAT | O_RDWR, NULL, &d), 0);
	assert_int_equal(dfs_open(d, NULL, "f", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_disconnect(d), 0);
	assert_int_equal(dfs_connect(pool_label, NULL, CONT "_conn", O_RDONLY, NULL, &d), 0);
	assert_int_equal(dfs_access(d, NULL, "f", F_OK), 0);
	/* A second connection to the container shares the handles. */
	assert_int_equal(dfs_connect(pool_label, NULL, CONT "_conn", O_RDONLY, NULL, &d2), 0);
	assert_int_equal(dfs_cont_get(d, &h), 0);
	assert_int_equal(dfs_cont_get(d2, &h2), 0);
	assert_int_equal(h.cookie, h2.cookie);
	assert_int_equal(dfs_cont_put(d, h), 0);
	assert_int_equal(dfs_cont_put(d2, h2), 0);
	assert_int_equal(dfs_disconnect(d2), 0);
	assert_int_equal(dfs_access(d, NULL, "f", F_OK), 0);
	assert_int_equal(dfs_disconnect(d), 0);
	assert_int_equal(dfs_disconnect(dfs), EINVAL); /* mounted, not connected */
	assert_int_equal(daos_cont_destroy(poh, CONT "_conn", 0, NULL), 0);
}

static void
test_teardown(void **state)
{
	(void)state;
	assert_int_equal(dfs_umount(dfs), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, CONT, 0, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
	assert_int_equal(dfs_fini(), 0);
	assert_int_equal(dfs_fini(), EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_ior_setup),
	    cmocka_unit_test(test_ior_io),
	    cmocka_unit_test(test_namespace),
	    cmocka_unit_test(test_errnos),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_teardown),
	};

	pool_label = getenv("DAOS_POOL");
	if (pool_label == NULL) {
		fprintf(stderr, "dfs_api_test: set DAOS_POOL to a pool's label\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
