/*
 * dfs_api_test: the DFS C API (daos_fs.h) against a running system, as
 * IOR's DFS backend uses it, then (a second group) the rest: attributes,
 * extended attributes, classes, exchange, iteration (cmocka). Needs a daos_agent
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
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include <daos.h>
#include <daos_fs.h>
#include <daos_uns.h>

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
	assert_int_equal(dfs_cont_create(poh, NULL, NULL, NULL, NULL), EINVAL);
	assert_int_equal(dfs_mount(poh, coh, O_RDWR, &dfs), 0);

	SHARE(daos_pool_local2global, poh, pg);
	SHARE(daos_cont_local2global, coh, cg);
	SHARE(dfs_local2global, dfs, dg);
	/* A buffer too small is ENOBUFS, with the size needed. */
	{
		d_iov_t small = {.iov_buf = dg.iov_buf, .iov_buf_len = 1, .iov_len = 1};

		assert_int_equal(dfs_local2global(dfs, &small), ENOBUFS);
		assert_int_equal(small.iov_buf_len, dg.iov_buf_len);
		/* One holding more than its buffer, or an empty one, is EINVAL. */
		small = (d_iov_t){.iov_buf = dg.iov_buf, .iov_buf_len = 1, .iov_len = 2};
		assert_int_equal(dfs_local2global(dfs, &small), EINVAL);
		small.iov_buf_len = 0;
		small.iov_len = 0;
		assert_int_equal(dfs_local2global(dfs, &small), EINVAL);
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
	/* A length past its buffer is refused, both ways, and writes nothing. */
	iovs[0].iov_buf_len = 100;
	assert_int_equal(dfs_read(dfs, f2, &sgl, 0, &got, NULL), EINVAL);
	assert_int_equal(dfs_write(dfs, f, &sgl, 8 * MiB, NULL), EINVAL);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 8 * MiB);
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
	/* Room for nothing reads nothing, and is no error. */
	memset(&anchor, 0, sizeof(anchor));
	nr = 0;
	assert_int_equal(dfs_readdir(dfs, dir, &anchor, &nr, NULL), 0);
	assert_int_equal(nr, 0);
	assert_false(daos_anchor_is_eof(&anchor));
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
	/* Reads and writes want a file the handle may read or write, checked
	 * before an empty transfer returns; no sg list writes nothing. */
	assert_int_equal(dfs_write(dfs, f, NULL, 0, NULL), 0);
	d_iov_set(&iov, &c, 0);
	assert_int_equal(dfs_mkdir(dfs, NULL, "iodir", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/iodir", O_RDWR, &obj, NULL, NULL), 0);
	assert_int_equal(dfs_read(dfs, obj, &sgl, 0, &(daos_size_t){0}, NULL), EINVAL);
	assert_int_equal(dfs_write(dfs, obj, &sgl, 0, NULL), EINVAL);
	assert_int_equal(dfs_release(obj), 0);
	assert_int_equal(dfs_open(dfs, NULL, "e", S_IFREG | 0600, O_WRONLY, 0, 0, NULL, &obj), 0);
	assert_int_equal(dfs_read(dfs, obj, &sgl, 0, &(daos_size_t){0}, NULL), EPERM);
	assert_int_equal(dfs_release(obj), 0);
	assert_int_equal(dfs_open(dfs, NULL, "e", S_IFREG | 0600, O_RDONLY, 0, 0, NULL, &obj), 0);
	assert_int_equal(dfs_write(dfs, obj, &sgl, 0, NULL), EPERM);
	assert_int_equal(dfs_release(obj), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "iodir", false, NULL), 0);
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
	/* Refused before the event is launched, as DFS checks the handle
	 * first: the event stays ready. */
	assert_int_equal(dfs_write(dfs, fro, &sgl, 0, &ev), EPERM);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_NOWAIT, 2, done), 0);

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
	/* A connected mount is ended by dfs_disconnect only, which then
	 * still finds it. */
	assert_int_equal(dfs_umount(d), EINVAL);
	assert_int_equal(dfs_disconnect(d), 0);
	assert_int_equal(dfs_disconnect(dfs), EINVAL); /* mounted, not connected */
	assert_int_equal(daos_cont_destroy(poh, CONT "_conn", 0, NULL), 0);
}


/* Attributes of open objects: ostat, osetattr, chmod, chown, punch and
 * the object accessors. */
static void
test_attrs(void **state)
{
	dfs_obj_t    *dir, *f, *l, *fro;
	dfs_t        *ro;
	struct stat   st;
	mode_t        mode;
	daos_obj_id_t oid;
	daos_size_t   size, chunk, got;
	ino_t         ino;
	char          buf[64], data[100], back[100];
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	int           i;

	(void)state;
	assert_int_equal(dfs_mkdir(dfs, NULL, "attrs", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/attrs", O_RDWR, &dir, NULL, NULL), 0);
	assert_int_equal(dfs_open(dfs, dir, "f", S_IFREG | 0644, O_CREAT | O_RDWR, 0, 4096, NULL, &f), 0);
	assert_int_equal(dfs_open(dfs, dir, "l", S_IFLNK | 0777, O_CREAT | O_RDWR, 0, 0, "f", &l), 0);
	/* A symlink is only created: again is EEXIST, without O_CREAT ENOTSUP. */
	assert_int_equal(dfs_open(dfs, dir, "l", S_IFLNK | 0777, O_CREAT | O_RDWR, 0, 0, "f", &fro), EEXIST);
	assert_int_equal(dfs_open(dfs, dir, "l", S_IFLNK | 0777, O_RDWR, 0, 0, NULL, &fro), ENOTSUP);

	assert_int_equal(dfs_ostat(dfs, f, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_size, 0);
	ino = st.st_ino;
	assert_int_equal(dfs_ostat(dfs, l, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_size, 1);
	assert_int_equal(dfs_ostat(dfs, NULL, &st), EINVAL);
	assert_int_equal(dfs_ostat(dfs, f, NULL), EINVAL);
	assert_int_equal(dfs_ostat(NULL, f, &st), EINVAL);

	/* Accessors. */
	assert_int_equal(dfs_get_mode(f, &mode), 0);
	assert_int_equal(mode, S_IFREG | 0644);
	assert_int_equal(dfs_get_mode(dir, &mode), 0);
	assert_true(S_ISDIR(mode));
	assert_int_equal(dfs_get_mode(NULL, &mode), EINVAL);
	assert_int_equal(dfs_get_mode(f, NULL), EINVAL);
	assert_int_equal(dfs_obj2id(f, &oid), 0);
	assert_int_equal(oid.lo, ino);
	assert_int_equal(dfs_obj2id(NULL, &oid), EINVAL);
	assert_int_equal(dfs_obj2id(f, NULL), EINVAL);
	assert_int_equal(dfs_get_chunk_size(f, &chunk), 0);
	assert_int_equal(chunk, 4096);
	assert_int_equal(dfs_get_chunk_size(dir, &chunk), EINVAL);
	assert_int_equal(dfs_get_chunk_size(l, &chunk), EINVAL);
	assert_int_equal(dfs_get_chunk_size(f, NULL), EINVAL);

	/* Symlink targets: size query, copy, truncated copy. */
	size = 0;
	assert_int_equal(dfs_get_symlink_value(l, NULL, &size), 0);
	assert_int_equal(size, 2);
	size = sizeof(buf);
	assert_int_equal(dfs_get_symlink_value(l, buf, &size), 0);
	assert_int_equal(size, 2);
	assert_string_equal(buf, "f");
	size = 1;
	buf[0] = 'x';
	assert_int_equal(dfs_get_symlink_value(l, buf, &size), 0);
	assert_int_equal(size, 2);
	assert_int_equal(buf[0], '\0');
	size = sizeof(buf);
	assert_int_equal(dfs_get_symlink_value(f, buf, &size), EINVAL);
	assert_int_equal(dfs_get_symlink_value(dir, buf, &size), EINVAL);
	assert_int_equal(dfs_get_symlink_value(l, buf, NULL), EINVAL);
	assert_int_equal(dfs_get_symlink_value(NULL, buf, &size), EINVAL);

	/* osetattr sets what its flags select and returns the result. */
	memset(&st, 0, sizeof(st));
	st.st_mode          = S_IFREG | 0600;
	st.st_mtim.tv_sec   = 1000000;
	st.st_size          = 10000;
	assert_int_equal(dfs_osetattr(dfs, f, &st, DFS_SET_ATTR_MODE | DFS_SET_ATTR_MTIME | DFS_SET_ATTR_SIZE), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(st.st_size, 10000);
	assert_int_equal(st.st_mtim.tv_sec, 1000000);
	memset(&st, 0, sizeof(st));
	assert_int_equal(dfs_ostat(dfs, f, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(st.st_size, 10000);
	assert_int_equal(st.st_mtim.tv_sec, 1000000);
	st.st_uid = 1234;
	st.st_gid = 5678;
	assert_int_equal(dfs_osetattr(dfs, f, &st, DFS_SET_ATTR_UID | DFS_SET_ATTR_GID), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	st.st_mode = S_IFDIR | 0700;
	assert_int_equal(dfs_osetattr(dfs, f, &st, DFS_SET_ATTR_MODE), EINVAL);
	st.st_mode = S_IFREG | 01600;
	assert_int_equal(dfs_osetattr(dfs, f, &st, DFS_SET_ATTR_MODE), ENOTSUP);
	assert_int_equal(dfs_osetattr(dfs, dir, &st, DFS_SET_ATTR_SIZE), EINVAL);
	assert_int_equal(dfs_osetattr(dfs, NULL, &st, DFS_SET_ATTR_UID), EINVAL);
	assert_int_equal(dfs_osetattr(dfs, f, NULL, DFS_SET_ATTR_UID), EINVAL);

	/* chmod and chown follow the link (chown not with O_NOFOLLOW). */
	assert_int_equal(dfs_chmod(dfs, dir, "l", 0640), 0);
	assert_int_equal(dfs_stat(dfs, dir, "f", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640);
	assert_int_equal(dfs_stat(dfs, dir, "l", &st), 0);
	assert_int_equal(st.st_mode, S_IFLNK | 0777);
	assert_int_equal(dfs_chmod(dfs, dir, "f", S_IFREG | 0600), 0);
	assert_int_equal(dfs_chmod(dfs, dir, "f", S_IFDIR | 0600), EINVAL);
	assert_int_equal(dfs_chmod(dfs, dir, "f", 01600), ENOTSUP);
	assert_int_equal(dfs_chmod(dfs, dir, "none", 0600), ENOENT);
	assert_int_equal(dfs_chmod(dfs, f, "x", 0600), ENOTDIR);
	assert_int_equal(dfs_chmod(dfs, dir, NULL, 0600), EINVAL);
	assert_int_equal(dfs_chmod(NULL, dir, "f", 0600), EINVAL);
	assert_int_equal(dfs_chown(dfs, dir, "l", 42, (gid_t)-1, 0), 0);
	assert_int_equal(dfs_stat(dfs, dir, "f", &st), 0);
	assert_int_equal(st.st_uid, 42);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(dfs_chown(dfs, dir, "l", 7, 8, O_NOFOLLOW), 0);
	assert_int_equal(dfs_stat(dfs, dir, "l", &st), 0);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	assert_int_equal(dfs_stat(dfs, dir, "f", &st), 0);
	assert_int_equal(st.st_uid, 42);
	assert_int_equal(dfs_chown(dfs, dir, "f", (uid_t)-1, (gid_t)-1, 0), 0);
	assert_int_equal(dfs_chown(dfs, dir, "none", (uid_t)-1, (gid_t)-1, 0), ENOENT);
	assert_int_equal(dfs_chown(dfs, f, "x", 1, 1, 0), ENOTDIR);
	assert_int_equal(dfs_chown(dfs, dir, NULL, 1, 1, 0), EINVAL);
	/* The root, by a NULL name. */
	assert_int_equal(dfs_chmod(dfs, NULL, NULL, 0755), 0);
	assert_int_equal(dfs_chown(dfs, NULL, NULL, getuid(), getgid(), 0), 0);

	/* Punch: a hole, a truncate by DFS_MAX_FSIZE (both ways), a range
	 * past the end shortens. */
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	d_iov_set(&iov, data, sizeof(data));
	assert_int_equal(dfs_write(dfs, f, &sgl, 0, NULL), 0);
	assert_int_equal(dfs_punch(dfs, f, 10, 20), 0);
	d_iov_set(&iov, back, sizeof(back));
	assert_int_equal(dfs_read(dfs, f, &sgl, 0, &got, NULL), 0);
	assert_int_equal(got, sizeof(back));
	assert_memory_equal(back, data, 10);
	for (i = 10; i < 30; i++)
		assert_int_equal(back[i], 0);
	assert_memory_equal(back + 30, data + 30, sizeof(data) - 30);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 10000);
	assert_int_equal(dfs_punch(dfs, f, 5000, DFS_MAX_FSIZE), 0);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 5000);
	assert_int_equal(dfs_punch(dfs, f, 8000, DFS_MAX_FSIZE), 0);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 8000);
	assert_int_equal(dfs_punch(dfs, f, 50, 100000), 0);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 50);
	assert_int_equal(dfs_punch(dfs, f, 1000, 10), 0);
	assert_int_equal(dfs_get_size(dfs, f, &size), 0);
	assert_int_equal(size, 50);
	assert_int_equal(dfs_punch(dfs, dir, 0, 1), EINVAL);
	assert_int_equal(dfs_punch(dfs, l, 0, 1), EINVAL);
	assert_int_equal(dfs_punch(dfs, NULL, 0, 1), EINVAL);
	assert_int_equal(dfs_lookup(dfs, "/attrs/f", O_RDONLY, &fro, NULL, NULL), 0);
	assert_int_equal(dfs_punch(dfs, fro, 0, 1), EPERM);
	assert_int_equal(dfs_release(fro), 0);

	/* A read-only mount changes nothing. */
	assert_int_equal(dfs_mount(poh, coh, O_RDONLY, &ro), 0);
	assert_int_equal(dfs_lookup(ro, "/attrs/f", O_RDONLY, &fro, NULL, NULL), 0);
	assert_int_equal(dfs_ostat(ro, fro, &st), 0);
	assert_int_equal(dfs_osetattr(ro, fro, &st, DFS_SET_ATTR_UID), EPERM);
	assert_int_equal(dfs_punch(ro, fro, 0, 1), EPERM);
	assert_int_equal(dfs_chmod(ro, NULL, "attrs", 0700), EPERM);
	assert_int_equal(dfs_chown(ro, NULL, "attrs", 1, 1, 0), EPERM);
	/* An object is used only with its own mount. */
	assert_int_equal(dfs_ostat(dfs, fro, &st), EINVAL);
	assert_int_equal(dfs_release(fro), 0);
	assert_int_equal(dfs_umount(ro), 0);

	assert_int_equal(dfs_release(l), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_release(dir), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "attrs", true, NULL), 0);
}

/* Extended attributes, with DAOS's size protocols and errno values. */
static void
test_xattrs(void **state)
{
	dfs_obj_t  *f, *d, *fro;
	dfs_t      *ro;
	char        buf[100], name[DFS_MAX_XATTR_NAME + 2], *big, *p;
	daos_size_t size;
	bool        saw_a = false, saw_empty = false;

	(void)state;
	assert_int_equal(dfs_open(dfs, NULL, "x", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_setxattr(dfs, f, "user.a", "hello", 5, 0), 0);
	assert_int_equal(dfs_setxattr(dfs, f, "user.a", "x", 1, XATTR_CREATE), EEXIST);
	assert_int_equal(dfs_setxattr(dfs, f, "user.b", "v", 1, XATTR_REPLACE), ENOENT);
	assert_int_equal(dfs_setxattr(dfs, f, "user.empty", NULL, 0, XATTR_CREATE), 0);
	assert_int_equal(dfs_setxattr(dfs, f, NULL, "v", 1, 0), EINVAL);
	assert_int_equal(dfs_setxattr(dfs, f, "user.c", NULL, 3, 0), EINVAL);
	assert_int_equal(dfs_setxattr(dfs, NULL, "user.c", "v", 1, 0), EINVAL);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(dfs_setxattr(dfs, f, name, "v", 1, 0), EINVAL);
	big = calloc(1, DFS_MAX_XATTR_LEN + 1);
	assert_non_null(big);
	assert_int_equal(dfs_setxattr(dfs, f, "user.big", big, DFS_MAX_XATTR_LEN + 1, 0), EINVAL);
	assert_int_equal(dfs_setxattr(dfs, f, "user.big", big, DFS_MAX_XATTR_LEN, 0), 0);
	free(big);
	assert_int_equal(dfs_removexattr(dfs, f, "user.big"), 0);

	/* getxattr: size query, fetch, too small (E2BIG, size kept). */
	size = 0;
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", NULL, &size), 0);
	assert_int_equal(size, 5);
	size = 100;
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", NULL, &size), 0);
	assert_int_equal(size, 5);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", buf, &size), 0);
	assert_int_equal(size, 5);
	assert_memory_equal(buf, "hello", 5);
	size = 2;
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", buf, &size), E2BIG);
	assert_int_equal(size, 2);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, f, "user.empty", buf, &size), 0);
	assert_int_equal(size, 0);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, f, "user.none", buf, &size), ENODATA);
	size = 0;
	assert_int_equal(dfs_getxattr(dfs, f, "user.none", NULL, &size), ENODATA);
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", buf, NULL), EINVAL);
	assert_int_equal(dfs_getxattr(dfs, f, NULL, buf, &size), EINVAL);
	assert_int_equal(dfs_setxattr(dfs, f, "user.a", "bye", 3, XATTR_REPLACE), 0);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", buf, &size), 0);
	assert_int_equal(size, 3);
	assert_memory_equal(buf, "bye", 3);

	/* listxattr: size query, every name NUL-terminated, and with a
	 * short buffer only the names that fit (size still the total). */
	size = 0;
	assert_int_equal(dfs_listxattr(dfs, f, NULL, &size), 0);
	assert_int_equal(size, sizeof("user.a") + sizeof("user.empty"));
	size = sizeof(buf);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(dfs_listxattr(dfs, f, buf, &size), 0);
	assert_int_equal(size, sizeof("user.a") + sizeof("user.empty"));
	for (p = buf; p < buf + size; p += strlen(p) + 1) {
		saw_a |= strcmp(p, "user.a") == 0;
		saw_empty |= strcmp(p, "user.empty") == 0;
	}
	assert_true(saw_a && saw_empty);
	size = sizeof("user.a");
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(dfs_listxattr(dfs, f, buf, &size), 0);
	assert_int_equal(size, sizeof("user.a") + sizeof("user.empty"));
	assert_string_equal(buf, "user.a");
	assert_int_equal((unsigned char)buf[sizeof("user.a")], 0xff);
	assert_int_equal(dfs_listxattr(dfs, f, buf, NULL), EINVAL);
	assert_int_equal(dfs_listxattr(dfs, NULL, buf, &size), EINVAL);

	/* Read-only: listed and read, not changed. */
	assert_int_equal(dfs_mount(poh, coh, O_RDONLY, &ro), 0);
	assert_int_equal(dfs_lookup(ro, "/x", O_RDONLY, &fro, NULL, NULL), 0);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(ro, fro, "user.a", buf, &size), 0);
	assert_int_equal(dfs_setxattr(ro, fro, "user.a", "v", 1, 0), EPERM);
	assert_int_equal(dfs_removexattr(ro, fro, "user.a"), EPERM);
	assert_int_equal(dfs_release(fro), 0);
	assert_int_equal(dfs_umount(ro), 0);

	assert_int_equal(dfs_removexattr(dfs, f, "user.a"), 0);
	assert_int_equal(dfs_removexattr(dfs, f, "user.a"), ENOENT);
	assert_int_equal(dfs_removexattr(dfs, f, NULL), EINVAL);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, f, "user.a", buf, &size), ENODATA);
	size = 0;
	assert_int_equal(dfs_listxattr(dfs, f, NULL, &size), 0);
	assert_int_equal(size, sizeof("user.empty"));

	/* Directories have them too. */
	assert_int_equal(dfs_mkdir(dfs, NULL, "xd", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/xd", O_RDWR, &d, NULL, NULL), 0);
	assert_int_equal(dfs_setxattr(dfs, d, "user.d", "dir", 3, 0), 0);
	size = sizeof(buf);
	assert_int_equal(dfs_getxattr(dfs, d, "user.d", buf, &size), 0);
	assert_int_equal(size, 3);
	assert_int_equal(dfs_release(d), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "xd", false, NULL), 0);

	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "x", false, NULL), 0);
}

/* Object class and chunk size: dfs_obj_get_info and a directory's
 * defaults for what is created in it. */
static void
test_objinfo(void **state)
{
	dfs_obj_t     *dir, *dir2, *f, *l;
	dfs_obj_info_t info;
	daos_obj_id_t  oid;
	daos_size_t    chunk;

	(void)state;
	/* Classes suggested for hints (this container: rd_fac 0). */
	{
		daos_oclass_id_t	cid = 0;
		char			name[MAX_OBJ_CLASS_NAME_LEN + 1];

		assert_int_equal(dfs_suggest_oclass(dfs, "file:single", &cid), 0);
		assert_int_equal(daos_oclass_id2name(cid, name), 0);
		assert_string_equal(name, "S1");
		assert_int_equal(dfs_suggest_oclass(dfs, "dir:max", &cid), 0);
		assert_int_equal(daos_oclass_id2name(cid, name), 0);
		assert_true(name[0] == 'S' && strcmp(name, "S1") != 0);
		assert_int_equal(dfs_suggest_oclass(dfs, "file:huge", &cid), EINVAL);
		assert_int_equal(dfs_suggest_oclass(dfs, "link:single", &cid), EINVAL);
		assert_int_equal(dfs_suggest_oclass(dfs, NULL, &cid), EINVAL);
		assert_int_equal(dfs_suggest_oclass(NULL, "file:single", &cid), EINVAL);
	}
	assert_int_equal(dfs_mkdir(dfs, NULL, "oi", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/oi", O_RDWR, &dir, NULL, NULL), 0);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(dfs_obj_get_info(dfs, dir, &info), 0);
	assert_int_equal(info.doi_chunk_size, DFS_DEFAULT_CHUNK_SIZE);
	assert_int_not_equal(info.doi_dir_oclass_id, 0);
	assert_int_not_equal(info.doi_file_oclass_id, 0);
	assert_int_equal(dfs_obj2id(dir, &oid), 0);
	assert_int_equal(info.doi_oid.lo, oid.lo);
	assert_int_equal(info.doi_oid.hi, oid.hi);
	assert_int_equal(info.doi_oclass_id, daos_obj_id2class(oid));

	assert_int_equal(dfs_obj_set_chunk_size(dfs, dir, 0, 65536), 0);
	assert_int_equal(dfs_obj_set_oclass(dfs, dir, 0, OC_S1), 0);
	assert_int_equal(dfs_lookup(dfs, "/oi", O_RDWR, &dir2, NULL, NULL), 0);
	assert_int_equal(dfs_obj_get_info(dfs, dir2, &info), 0);
	assert_int_equal(info.doi_chunk_size, 65536);
	assert_int_equal(info.doi_file_oclass_id, OC_S1);
	assert_int_equal(info.doi_dir_oclass_id, OC_S1);
	assert_int_equal(dfs_open(dfs, dir2, "f", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_get_chunk_size(f, &chunk), 0);
	assert_int_equal(chunk, 65536);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(dfs_obj_get_info(dfs, f, &info), 0);
	assert_int_equal(info.doi_oclass_id, OC_S1);
	assert_int_equal(info.doi_chunk_size, 65536);
	assert_int_equal(dfs_obj2id(f, &oid), 0);
	assert_int_equal(info.doi_oid.lo, oid.lo);
	assert_int_equal(daos_obj_id2class(oid), OC_S1);
	/* dfs may be NULL, as in DAOS. */
	assert_int_equal(dfs_obj_get_info(NULL, f, &info), 0);
	assert_int_equal(info.doi_oclass_id, OC_S1);

	/* A symlink has neither. */
	assert_int_equal(dfs_open(dfs, dir2, "l", S_IFLNK | 0777, O_CREAT | O_RDWR, 0, 0, "f", &l), 0);
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(dfs_obj_get_info(dfs, l, &info), 0);
	assert_int_equal(info.doi_oclass_id, 0);
	assert_int_equal(info.doi_chunk_size, 0);

	/* Directories only (ENOTSUP, as DAOS), no flags, known classes. */
	assert_int_equal(dfs_obj_set_oclass(dfs, f, 0, OC_S1), ENOTSUP);
	assert_int_equal(dfs_obj_set_chunk_size(dfs, f, 0, 4096), ENOTSUP);
	assert_int_equal(dfs_obj_set_oclass(dfs, l, 0, OC_S1), ENOTSUP);
	assert_int_equal(dfs_obj_set_oclass(dfs, dir, 1, OC_S1), EINVAL);
	assert_int_equal(dfs_obj_set_chunk_size(dfs, dir, 1, 4096), EINVAL);
	assert_int_equal(dfs_obj_set_oclass(dfs, dir, 0, 0x7fffffff), EINVAL);
	assert_int_equal(dfs_obj_set_oclass(dfs, NULL, 0, OC_S1), EINVAL);
	assert_int_equal(dfs_obj_set_chunk_size(NULL, dir, 0, 4096), EINVAL);
	assert_int_equal(dfs_obj_get_info(dfs, NULL, &info), EINVAL);
	assert_int_equal(dfs_obj_get_info(dfs, dir, NULL), EINVAL);

	/* 0 goes back to the container's defaults. */
	assert_int_equal(dfs_obj_set_chunk_size(dfs, dir, 0, 0), 0);
	assert_int_equal(dfs_release(dir2), 0);
	assert_int_equal(dfs_lookup(dfs, "/oi", O_RDWR, &dir2, NULL, NULL), 0);
	assert_int_equal(dfs_obj_get_info(dfs, dir2, &info), 0);
	assert_int_equal(info.doi_chunk_size, DFS_DEFAULT_CHUNK_SIZE);

	assert_int_equal(dfs_release(l), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_release(dir2), 0);
	assert_int_equal(dfs_release(dir), 0);

	/* Hints pick the default classes of a new container by sharding. */
	{
		dfs_attr_t    attr = {0}, got = {0};
		daos_handle_t hc;
		dfs_t        *hd;

		strcpy(attr.da_hints, "file:single,dir:single");
		assert_int_equal(dfs_cont_create_with_label(poh, "hinted", &attr, NULL, &hc, &hd), 0);
		assert_int_equal(dfs_query(hd, &got), 0);
		assert_int_equal(got.da_file_oclass_id, OC_S1);
		assert_int_equal(got.da_dir_oclass_id, OC_S1);
		assert_int_equal(dfs_umount(hd), 0);
		assert_int_equal(daos_cont_close(hc, NULL), 0);
		assert_int_equal(daos_cont_destroy(poh, "hinted", 0, NULL), 0);
		strcpy(attr.da_hints, "file:huge");
		assert_int_equal(dfs_cont_create_with_label(poh, "badhint", &attr, NULL, NULL, NULL), EINVAL);
	}
	assert_int_equal(dfs_remove(dfs, NULL, "oi", true, NULL), 0);
}

/* dfs_exchange swaps two names, in one directory or across two. */
static void
test_exchange(void **state)
{
	dfs_obj_t  *ex, *sub, *f, *a;
	struct stat st;

	(void)state;
	assert_int_equal(dfs_mkdir(dfs, NULL, "ex", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/ex", O_RDWR, &ex, NULL, NULL), 0);
	assert_int_equal(dfs_open(dfs, ex, "a", S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);
	assert_int_equal(dfs_mkdir(dfs, ex, "b", 0700, 0), 0);
	assert_int_equal(dfs_exchange(dfs, ex, "a", ex, "b"), 0);
	assert_int_equal(dfs_stat(dfs, ex, "a", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(dfs_stat(dfs, ex, "b", &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* Across directories. */
	assert_int_equal(dfs_mkdir(dfs, ex, "sub", 0700, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/ex/sub", O_RDWR, &sub, NULL, NULL), 0);
	assert_int_equal(dfs_mkdir(dfs, sub, "c", 0711, 0), 0);
	assert_int_equal(dfs_exchange(dfs, ex, "b", sub, "c"), 0);
	assert_int_equal(dfs_stat(dfs, ex, "b", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0711);
	assert_int_equal(dfs_stat(dfs, sub, "c", &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* A directory cannot go into its own subtree. */
	assert_int_equal(dfs_lookup(dfs, "/ex/sub", O_RDWR, &a, NULL, NULL), 0);
	assert_int_equal(dfs_exchange(dfs, ex, "sub", a, "c"), EINVAL);
	assert_int_equal(dfs_release(a), 0);

	assert_int_equal(dfs_exchange(dfs, ex, "a", ex, "none"), ENOENT);
	assert_int_equal(dfs_exchange(dfs, ex, "none", ex, "a"), ENOENT);
	assert_int_equal(dfs_exchange(dfs, ex, NULL, ex, "a"), EINVAL);
	assert_int_equal(dfs_exchange(dfs, ex, "a", ex, NULL), EINVAL);
	assert_int_equal(dfs_exchange(NULL, ex, "a", ex, "b"), EINVAL);
	assert_int_equal(dfs_exchange(dfs, f, "a", ex, "b"), ENOTDIR);
	/* NULL parents are the root. */
	assert_int_equal(dfs_exchange(dfs, NULL, "ex", NULL, "ex"), 0);

	assert_int_equal(dfs_release(sub), 0);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_release(ex), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "ex", true, NULL), 0);
}

#define IT_N    100
#define IT_NAME 9 /* "entry-%03d" */

struct it_state {
	dfs_t     *dfs;
	dfs_obj_t *obj;
	int        seen[IT_N];
	int        calls;
	int        fail_at; /* the call that fails (0: none) */
};

static int
it_cb(dfs_t *d, dfs_obj_t *obj, const char name[], void *arg)
{
	struct it_state *s = arg;
	int              i;

	assert_ptr_equal(d, s->dfs);
	assert_ptr_equal(obj, s->obj);
	assert_int_equal(strlen(name), IT_NAME);
	assert_int_equal(sscanf(name, "entry-%d", &i), 1);
	assert_true(i >= 0 && i < IT_N);
	if (++s->calls == s->fail_at)
		return 99;
	s->seen[i]++;
	return 0;
}

static void
it_check_all_once(struct it_state *s)
{
	int i;

	for (i = 0; i < IT_N; i++)
		assert_int_equal(s->seen[i], 1);
}

/* dfs_iterate over a directory of IT_N entries: in steps of a few, under
 * a size limit, resuming after a failing callback. */
static void
test_iterate(void **state)
{
	dfs_obj_t      *dir, *f;
	daos_anchor_t   anchor;
	struct it_state s;
	uint32_t        nr, total;
	char            name[32];
	int             i, calls;

	(void)state;
	assert_int_equal(dfs_mkdir(dfs, NULL, "it", 0755, 0), 0);
	assert_int_equal(dfs_lookup(dfs, "/it", O_RDWR, &dir, NULL, NULL), 0);
	for (i = 0; i < IT_N; i++) {
		snprintf(name, sizeof(name), "entry-%03d", i);
		assert_int_equal(dfs_open(dfs, dir, name, S_IFREG | 0600, O_CREAT | O_RDWR, 0, 0, NULL, &f), 0);
		assert_int_equal(dfs_release(f), 0);
	}

	/* At most 7 a call. */
	memset(&s, 0, sizeof(s));
	s.dfs = dfs;
	s.obj = dir;
	memset(&anchor, 0, sizeof(anchor));
	total = 0;
	calls = 0;
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 7;
		assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 7 * DFS_MAX_NAME, it_cb, &s), 0);
		assert_true(nr <= 7);
		total += nr;
		assert_true(++calls <= IT_N);
	}
	assert_int_equal(total, IT_N);
	assert_int_equal(s.calls, IT_N);
	it_check_all_once(&s);

	/* At most 30 bytes of names a call: 3 of them. */
	memset(s.seen, 0, sizeof(s.seen));
	s.calls = 0;
	memset(&anchor, 0, sizeof(anchor));
	total = 0;
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 50;
		assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 30, it_cb, &s), 0);
		assert_true(nr <= 3);
		assert_true(nr == 3 || daos_anchor_is_eof(&anchor));
		total += nr;
	}
	assert_int_equal(total, IT_N);
	it_check_all_once(&s);

	/* A failing callback's value is returned; its entry comes first
	 * on the next call. */
	memset(s.seen, 0, sizeof(s.seen));
	s.calls   = 0;
	s.fail_at = 12;
	memset(&anchor, 0, sizeof(anchor));
	nr = 20;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 20 * DFS_MAX_NAME, it_cb, &s), 99);
	assert_int_equal(s.calls, 12);
	assert_false(daos_anchor_is_eof(&anchor));
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 20;
		assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 20 * DFS_MAX_NAME, it_cb, &s), 0);
	}
	assert_int_equal(s.calls, IT_N + 1);
	it_check_all_once(&s);

	/* Without a callback, entries are only counted. */
	memset(&anchor, 0, sizeof(anchor));
	nr = 2 * IT_N;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 2 * IT_N * DFS_MAX_NAME, NULL, NULL), 0);
	assert_int_equal(nr, IT_N);
	assert_true(daos_anchor_is_eof(&anchor));
	nr = 5;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 1000, NULL, NULL), 0);
	assert_int_equal(nr, 0);

	/* A size smaller than the first name: E2BIG, the anchor kept. */
	memset(&anchor, 0, sizeof(anchor));
	nr = 5;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, IT_NAME - 1, NULL, NULL), E2BIG);
	nr = 1;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, IT_NAME, NULL, NULL), 0);
	assert_int_equal(nr, 1);
	nr = 0;
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, &nr, 1000, NULL, NULL), 0);
	assert_int_equal(nr, 0);

	/* readdirplus: each name with its stat. */
	{
		struct dirent	ents[16];
		struct stat	sts[16];
		uint32_t	j;
		dfs_obj_t	*d2;
		char		buf[4] = "abc", back[4] = {0};
		d_iov_t		iov;
		d_sg_list_t	sgl = {1, 0, &iov};
		daos_size_t	got = 0;

		memset(&anchor, 0, sizeof(anchor));
		total = 0;
		while (!daos_anchor_is_eof(&anchor)) {
			nr = 16;
			memset(sts, 0, sizeof(sts));
			assert_int_equal(dfs_readdirplus(dfs, dir, &anchor, &nr, ents, sts), 0);
			for (j = 0; j < nr; j++) {
				assert_true(S_ISREG(sts[j].st_mode));
				assert_int_equal(sts[j].st_mode & 0777, 0600);
				assert_int_equal(sts[j].st_size, 0);
				assert_int_equal(strncmp(ents[j].d_name, "entry-", 6), 0);
			}
			total += nr;
		}
		assert_int_equal(total, IT_N);
		assert_int_equal(dfs_readdirplus(dfs, dir, &anchor, &nr, ents, NULL), EINVAL);

		/* dup: a second handle on an open file, released on its own. */
		assert_int_equal(dfs_lookup(dfs, "/it/entry-001", O_RDWR, &f, NULL, NULL), 0);
		assert_int_equal(dfs_dup(dfs, f, O_RDWR, &d2), 0);
		assert_int_equal(dfs_release(f), 0);
		d_iov_set(&iov, buf, 3);
		assert_int_equal(dfs_write(dfs, d2, &sgl, 0, NULL), 0);
		d_iov_set(&iov, back, 3);
		assert_int_equal(dfs_read(dfs, d2, &sgl, 0, &got, NULL), 0);
		assert_int_equal(got, 3);
		assert_string_equal(back, "abc");
		assert_int_equal(dfs_release(d2), 0);
		assert_int_equal(dfs_dup(dfs, NULL, O_RDWR, &d2), EINVAL);
		assert_int_equal(dfs_dup(dfs, dir, O_RDONLY, NULL), EINVAL);

		/* A split listing, as a parallel loader does: every entry
		 * once over all the parts. */
		{
			daos_anchor_t	part;
			uint32_t	np = 0, p;

			assert_int_equal(dfs_obj_anchor_split(dir, &np, NULL), 0);
			assert_true(np >= 1);
			total = 0;
			for (p = 0; p < np; p++) {
				assert_int_equal(dfs_obj_anchor_set(dir, p, &part), 0);
				while (!daos_anchor_is_eof(&part)) {
					nr = 16;
					assert_int_equal(dfs_readdir(dfs, dir, &part, &nr, ents), 0);
					total += nr;
				}
			}
			assert_int_equal(total, IT_N);
			assert_int_equal(dfs_obj_anchor_set(dir, np, &part), EINVAL);
			assert_int_equal(dfs_obj_anchor_split(NULL, &np, NULL), EINVAL);
			assert_int_equal(dfs_lookup(dfs, "/it/entry-002", O_RDONLY, &f, NULL, NULL), 0);
			assert_int_equal(dfs_obj_anchor_split(f, &np, NULL), ENOTDIR);
			assert_int_equal(dfs_release(f), 0);
		}
	}

	/* Bad arguments. */
	assert_int_equal(dfs_lookup(dfs, "/it/entry-000", O_RDONLY, &f, NULL, NULL), 0);
	memset(&anchor, 0, sizeof(anchor));
	nr = 5;
	assert_int_equal(dfs_iterate(dfs, f, &anchor, &nr, 1000, NULL, NULL), ENOTDIR);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_iterate(dfs, dir, NULL, &nr, 1000, NULL, NULL), EINVAL);
	assert_int_equal(dfs_iterate(dfs, dir, &anchor, NULL, 1000, NULL, NULL), EINVAL);
	assert_int_equal(dfs_iterate(dfs, NULL, &anchor, &nr, 1000, NULL, NULL), ENOTDIR);
	assert_int_equal(dfs_readdir(dfs, NULL, &anchor, &nr, NULL), ENOTDIR);
	assert_int_equal(dfs_iterate(NULL, dir, &anchor, &nr, 1000, NULL, NULL), EINVAL);

	assert_int_equal(dfs_release(dir), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "it", true, NULL), 0);
}

/* Strided I/O as ROMIO's DAOS driver does it: ranges of the file from and
 * into one sg list, in the ranges' order; reads stop at the end. */
static void
test_readx_writex(void **state)
{
	dfs_obj_t   *f;
	char	     in[] = "abcdefg", out[16], whole[16];
	d_iov_t	     iov;
	d_sg_list_t  sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_range_t rg[2] = {{.rg_idx = 0, .rg_len = 4}, {.rg_idx = 10, .rg_len = 3}};
	dfs_iod_t    iod = {.iod_nr = 2, .iod_rgs = rg};
	daos_size_t  got;
	daos_handle_t eqh;
	daos_event_t ev, *evp;

	(void)state;
	assert_int_equal(dfs_open(dfs, NULL, "strided", S_IFREG | 0644, O_RDWR | O_CREAT, 0, 0, NULL, &f), 0);
	d_iov_set(&iov, in, 7);
	assert_int_equal(dfs_writex(dfs, f, &iod, &sgl, NULL), 0);
	assert_int_equal(dfs_get_size(dfs, f, &got), 0);
	assert_int_equal(got, 13);
	memset(whole, 'x', sizeof(whole));
	d_iov_set(&iov, whole, 13);
	assert_int_equal(dfs_read(dfs, f, &sgl, 0, &got, NULL), 0);
	assert_int_equal(got, 13);
	assert_memory_equal(whole, "abcd\0\0\0\0\0\0efg", 13);

	/* The other order, through an event. */
	rg[0] = (daos_range_t){.rg_idx = 10, .rg_len = 3};
	rg[1] = (daos_range_t){.rg_idx = 0, .rg_len = 4};
	memset(out, 0, sizeof(out));
	d_iov_set(&iov, out, 7);
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	assert_int_equal(dfs_readx(dfs, f, &iod, &sgl, &got, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_WAIT, 1, &evp), 1);
	assert_int_equal(evp->ev_error, 0);
	assert_int_equal(got, 7);
	assert_memory_equal(out, "efgabcd", 7);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);

	/* A range past the end reads what is there. */
	iod.iod_nr = 1;
	rg[0] = (daos_range_t){.rg_idx = 12, .rg_len = 4};
	d_iov_set(&iov, out, 4);
	assert_int_equal(dfs_readx(dfs, f, &iod, &sgl, &got, NULL), 0);
	assert_int_equal(got, 1);
	assert_int_equal(out[0], 'g');

	/* An sg list of several iovs (an empty one among them) split across
	 * ranges that cross their bounds, and a range of no bytes. */
	{
		char	     a[3], b[4];
		d_iov_t	     v3[3];
		d_sg_list_t  s3 = {.sg_nr = 3, .sg_iovs = v3};
		daos_range_t r3[3] = {{.rg_idx = 1, .rg_len = 5}, {.rg_idx = 0, .rg_len = 0},
				      {.rg_idx = 10, .rg_len = 2}};
		dfs_iod_t    i3 = {.iod_nr = 3, .iod_rgs = r3};

		d_iov_set(&v3[0], a, 3);
		d_iov_set(&v3[1], out, 0);
		d_iov_set(&v3[2], b, 4);
		assert_int_equal(dfs_readx(dfs, f, &i3, &s3, &got, NULL), 0);
		assert_int_equal(got, 7);
		assert_memory_equal(a, "bcd", 3);
		assert_memory_equal(b, "\0\0ef", 4);
	}

	/* No ranges need no sg list; the sg list must hold exactly what the
	 * ranges do. */
	{
		dfs_iod_t none = {.iod_nr = 0};

		got = 99;
		assert_int_equal(dfs_readx(dfs, f, &none, NULL, &got, NULL), 0);
		assert_int_equal(got, 0);
		assert_int_equal(dfs_writex(dfs, f, &none, NULL, NULL), 0);
	}
	rg[0].rg_len = 3;
	assert_int_equal(dfs_readx(dfs, f, &iod, &sgl, &got, NULL), EINVAL);
	rg[0].rg_len = 5;
	assert_int_equal(dfs_readx(dfs, f, &iod, &sgl, &got, NULL), EINVAL);
	assert_int_equal(dfs_writex(dfs, f, &iod, &sgl, NULL), EINVAL);
	assert_int_equal(dfs_readx(dfs, f, NULL, &sgl, &got, NULL), EINVAL);
	iod.iod_rgs = NULL;
	assert_int_equal(dfs_writex(dfs, f, &iod, &sgl, NULL), EINVAL);
	assert_int_equal(dfs_readx(dfs, NULL, &iod, &sgl, &got, NULL), EINVAL);
	assert_int_equal(dfs_release(f), 0);
	assert_int_equal(dfs_remove(dfs, NULL, "strided", false, NULL), 0);
}

/* The unified namespace: direct paths parse without a file system; a
 * created path names a new POSIX container that resolves, with the rest
 * of a longer path, and goes with its container. */
static void
test_duns(void **state)
{
	struct duns_attr_t attr;
	char		   dir[256], path[300], deep[400];
	const char	  *tmp = getenv("TMPDIR");
	const char	  *u1 = "11111111-2222-3333-4444-555555555555";
	const char	  *u2 = "66666666-7777-8888-9999-aaaaaaaaaaaa";
	daos_handle_t	   c2;
	dfs_t		  *d2;

	(void)state;
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("daos://my-pool/my-cont", &attr), 0);
	assert_string_equal(attr.da_pool, "my-pool");
	assert_string_equal(attr.da_cont, "my-cont");
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("daos://tank/c1/a/b", &attr), 0);
	assert_string_equal(attr.da_pool, "tank");
	assert_string_equal(attr.da_cont, "c1");
	assert_string_equal(attr.da_rel_path, "/a/b");
	duns_destroy_attr(&attr);
	assert_null(attr.da_rel_path);

	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("DAOS://tank//c1", &attr), 0);
	assert_null(attr.da_rel_path);
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("daos://tank", &attr), 0);
	assert_string_equal(attr.da_pool, "tank");
	assert_string_equal(attr.da_cont, "");

	/* Without the prefix, UUIDs only; the UUIDs also fill the old fields. */
	memset(&attr, 0, sizeof(attr));
	attr.da_flags = DUNS_NO_PREFIX;
	snprintf(deep, sizeof(deep), "/%s/%s/x", u1, u2);
	assert_int_equal(duns_resolve_path(deep, &attr), 0);
	assert_string_equal(attr.da_cont, u2);
	assert_string_equal(attr.da_rel_path, "/x");
	{
		char s[37];

		uuid_unparse_lower(attr.da_puuid, s);
		assert_string_equal(s, u1);
	}
	duns_destroy_attr(&attr);
	/* Labels without the prefix only when told the path is direct. */
	memset(&attr, 0, sizeof(attr));
	attr.da_flags = DUNS_NO_CHECK_PATH | DUNS_NO_PREFIX;
	assert_int_equal(duns_resolve_path("/tank/c1", &attr), 0);
	assert_string_equal(attr.da_cont, "c1");
	memset(&attr, 0, sizeof(attr));
	attr.da_flags = DUNS_NO_PREFIX;
	assert_int_equal(duns_resolve_path("/tank/c1", &attr), ENOENT);
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("daos://bad pool/c1", &attr), ENOENT);
	assert_int_equal(duns_resolve_path(NULL, &attr), EINVAL);
	assert_int_equal(duns_resolve_path("", &attr), EINVAL);

	/* A path with no link on its way up. */
	snprintf(dir, sizeof(dir), "%s/dfs_api_test.XXXXXX", tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	if (lsetxattr(dir, "user.dfs_api_test", "x", 1, 0) != 0 && errno == ENOTSUP) {
		rmdir(dir);
		skip(); /* a file system without user attributes */
	}
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path(dir, &attr), ENODATA);
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_resolve_path("/no/such/path", &attr), ENOENT);

	/* Create, resolve (the linked directory and below it), destroy. */
	snprintf(path, sizeof(path), "%s/link", dir);
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_create_path(poh, path, &attr), EINVAL); /* no type */
	attr.da_type = DAOS_PROP_CO_LAYOUT_POSIX;
	assert_int_equal(duns_create_path(poh, path, &attr), 0);
	assert_int_equal(strlen(attr.da_cont), 36);
	assert_int_equal(duns_create_path(poh, path, &attr), EEXIST);
	{
		char cont[DAOS_PROP_LABEL_MAX_LEN + 1];
		struct duns_attr_t r;

		strcpy(cont, attr.da_cont);
		memset(&r, 0, sizeof(r));
		assert_int_equal(duns_resolve_path(path, &r), 0);
		assert_int_equal(r.da_type, DAOS_PROP_CO_LAYOUT_POSIX);
		assert_string_equal(r.da_cont, cont);
		assert_null(r.da_rel_path);
		/* The container is a DFS one: mount it through what resolved. */
		assert_int_equal(daos_cont_open(poh, r.da_cont, DAOS_COO_RW, &c2, NULL, NULL), 0);
		assert_int_equal(dfs_mount(poh, c2, O_RDWR, &d2), 0);
		assert_int_equal(dfs_umount(d2), 0);
		assert_int_equal(daos_cont_close(c2, NULL), 0);
		duns_destroy_attr(&r);

		snprintf(deep, sizeof(deep), "%s/sub/file", path);
		memset(&r, 0, sizeof(r));
		assert_int_equal(duns_resolve_path(deep, &r), ENOENT); /* must exist */
		snprintf(deep, sizeof(deep), "%s/sub", path);
		assert_int_equal(mkdir(deep, 0755), 0);
		assert_int_equal(duns_resolve_path(deep, &r), 0);
		assert_string_equal(r.da_cont, cont);
		assert_string_equal(r.da_rel_path, "/sub");
		duns_destroy_attr(&r);
		memset(&r, 0, sizeof(r));
		r.da_flags = DUNS_NO_REVERSE_LOOKUP;
		assert_int_equal(duns_resolve_path(deep, &r), ENODATA);
		assert_int_equal(rmdir(deep), 0);

		assert_int_equal(duns_destroy_path(poh, path), 0);
		assert_int_equal(daos_cont_open(poh, cont, DAOS_COO_RO, &c2, NULL, NULL), -DER_NONEXIST);
	}
	assert_int_equal(access(path, F_OK), -1);

	/* Links to containers that exist: a directory for a POSIX one, a
	 * file for the others; both resolve to them. */
	{
		daos_prop_t	  *prop = daos_prop_alloc(1);
		struct duns_attr_t r;
		struct stat	   st;
		char		   fpath[320];

		assert_non_null(prop);
		prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
		prop->dpp_entries[0].dpe_val = DAOS_PROP_CO_LAYOUT_HDF5;
		assert_int_equal(daos_cont_create_with_label(poh, "duns-link-h5", prop, NULL, NULL), 0);
		daos_prop_free(prop);
		snprintf(fpath, sizeof(fpath), "%s/file.h5", dir);
		assert_int_equal(duns_link_cont(poh, "duns-link-h5", fpath), 0);
		assert_int_equal(stat(fpath, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		memset(&r, 0, sizeof(r));
		assert_int_equal(duns_resolve_path(fpath, &r), 0);
		assert_int_equal(r.da_type, DAOS_PROP_CO_LAYOUT_HDF5);
		assert_int_equal(strlen(r.da_cont), 36);
		duns_destroy_attr(&r);
		assert_int_equal(duns_link_cont(poh, "duns-link-h5", fpath), EEXIST);
		assert_int_equal(duns_link_cont(poh, "no-such-cont", path), ENOENT);
		assert_int_equal(access(path, F_OK), -1); /* nothing left behind */
		assert_int_equal(duns_link_cont(poh, NULL, path), EINVAL);
		assert_int_equal(duns_destroy_path(poh, fpath), 0); /* the container too */
		assert_int_equal(access(fpath, F_OK), -1);

		assert_int_equal(dfs_cont_create_with_label(poh, "duns-link-posix", NULL, NULL, NULL,
							    NULL), 0);
		assert_int_equal(duns_link_cont(poh, "duns-link-posix", path), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		memset(&r, 0, sizeof(r));
		assert_int_equal(duns_resolve_path(path, &r), 0);
		assert_int_equal(r.da_type, DAOS_PROP_CO_LAYOUT_POSIX);
		duns_destroy_attr(&r);
		assert_int_equal(duns_destroy_path(poh, path), 0);
		assert_int_equal(daos_cont_open(poh, "duns-link-posix", DAOS_COO_RO, &c2, NULL, NULL),
				 -DER_NONEXIST);
	}
	assert_int_equal(duns_destroy_path(poh, dir), ENODATA);
	assert_int_equal(rmdir(dir), 0);

	/* A direct path makes the container under its label alone. */
	memset(&attr, 0, sizeof(attr));
	attr.da_type = DAOS_PROP_CO_LAYOUT_POSIX;
	snprintf(deep, sizeof(deep), "daos://%s/duns-direct", pool_label);
	assert_int_equal(duns_create_path(poh, deep, &attr), 0);
	assert_int_equal(daos_cont_open(poh, "duns-direct", DAOS_COO_RO, &c2, NULL, NULL), 0);
	assert_int_equal(daos_cont_close(c2, NULL), 0);
	assert_int_equal(duns_destroy_path(poh, deep), 0);
	assert_int_equal(daos_cont_open(poh, "duns-direct", DAOS_COO_RO, &c2, NULL, NULL), -DER_NONEXIST);
	snprintf(deep, sizeof(deep), "daos://%s", pool_label);
	assert_int_equal(duns_create_path(poh, deep, &attr), EINVAL); /* no container */

	/* The system name is the caller's to set, and is freed with the rest. */
	memset(&attr, 0, sizeof(attr));
	assert_int_equal(duns_set_sys_name(&attr, "daos_server"), 0);
	assert_string_equal(attr.da_sys, "daos_server");
	duns_destroy_attr(&attr);
	assert_null(attr.da_sys);
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

/* The second group (the calls IOR does not make) runs in a container of
 * its own, made and mounted by its setup. */
static int
more_setup(void **state)
{
	(void)state;
	if (dfs_init() != 0 || daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &poh, NULL, NULL) != 0)
		return -1;
	return dfs_cont_create_with_label(poh, CONT "_more", NULL, NULL, &coh, &dfs) == 0 ? 0 : -1;
}

static int
more_teardown(void **state)
{
	int rc = 0;

	(void)state;
	rc |= dfs_umount(dfs);
	rc |= daos_cont_close(coh, NULL);
	rc |= daos_cont_destroy(poh, CONT "_more", 0, NULL);
	rc |= daos_pool_disconnect(poh, NULL);
	rc |= dfs_fini();
	return rc == 0 ? 0 : -1;
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
	/* A group of its own: ci/systest counts the first group's tests. */
	const struct CMUnitTest more[] = {
	    cmocka_unit_test(test_attrs),
	    cmocka_unit_test(test_xattrs),
	    cmocka_unit_test(test_objinfo),
	    cmocka_unit_test(test_exchange),
	    cmocka_unit_test(test_iterate),
	    cmocka_unit_test(test_readx_writex),
	    cmocka_unit_test(test_duns),
	};
	int rc;

	pool_label = getenv("DAOS_POOL");
	if (pool_label == NULL) {
		fprintf(stderr, "dfs_api_test: set DAOS_POOL to a pool's label\n");
		return 2;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	/* Run even when the first group failed: its teardown may not have
	 * run, but this group needs nothing from it. */
	rc += cmocka_run_group_tests_name("dfs_more", more, more_setup, more_teardown);
	return rc != 0;
}
