/*
 * dfs_sys_test: DFS by path (daos_fs_sys.h) against a running system, as
 * a parallel copy tool uses it: a mount made by name, trees made and
 * walked, file I/O (also through events), links, attributes, removal
 * and the directory cache, a path prefix, handle sharing, and threads
 * on one mount (cmocka). Needs a daos_agent (DAOS_AGENT_DRPC_DIR) and a
 * pool whose label is in $DAOS_POOL; creates and destroys its container.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include <daos_fs_sys.h>

#define CONT "dfs_sys_test"

static const char *pool_label;
static dfs_sys_t  *sys;

static void
must_stat(dfs_sys_t *s, const char *path, int flags, mode_t type)
{
	struct stat st;

	assert_int_equal(dfs_sys_stat(s, path, flags, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, type);
}

static void
test_connect(void **state)
{
	dfs_sys_t *s;
	dfs_t     *base;

	(void)state;
	assert_int_equal(dfs_init(), 0);
	/* The container does not exist yet: O_CREAT makes it. */
	assert_int_equal(dfs_sys_connect(pool_label, NULL, CONT, O_RDWR, 0, NULL, &s), ENOENT);
	assert_int_equal(dfs_sys_connect(pool_label, NULL, CONT, O_RDWR | O_CREAT, 0, NULL, &sys), 0);
	assert_int_equal(dfs_sys_connect(pool_label, NULL, CONT, O_RDWR, 8, NULL, &s), EINVAL);
	assert_int_equal(dfs_sys_connect(pool_label, NULL, CONT, O_RDWR, 0, NULL, NULL), EINVAL);
	assert_int_equal(dfs_sys_connect(NULL, NULL, CONT, O_RDWR, 0, NULL, &s), EINVAL);
	assert_int_equal(dfs_sys2base(sys, &base), 0);
	assert_non_null(base);
	assert_int_equal(dfs_sys2base(NULL, &base), EINVAL);
	/* A connected mount is ended by disconnect, a mounted one by umount. */
	assert_int_equal(dfs_sys_umount(sys), EINVAL);
	must_stat(sys, "/", 0, S_IFDIR);
}

static void
test_tree(void **state)
{
	char        long_name[300];
	char        path[400];
	struct stat st;

	(void)state;
	assert_int_equal(dfs_sys_mkdir_p(sys, "/a/b/c", 0755, 0), 0);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/a/b/c", 0755, 0), 0);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/", 0755, 0), 0);
	assert_int_equal(dfs_sys_mkdir(sys, "/a", 0755, 0), EEXIST);
	assert_int_equal(dfs_sys_mkdir(sys, "/", 0755, 0), EEXIST);
	assert_int_equal(dfs_sys_mkdir(sys, "/a/b/d", 0700, 0), 0);
	assert_int_equal(dfs_sys_mknod(sys, "/a/f", S_IFREG | 0644, 0, 0), 0);
	assert_int_equal(dfs_sys_mknod(sys, "/a/f", S_IFREG | 0644, 0, 0), EEXIST);
	assert_int_equal(dfs_sys_mknod(sys, "/a/dir2", S_IFDIR | 0755, 0, 0), 0);
	assert_int_equal(dfs_sys_mknod(sys, "/a/l", S_IFLNK | 0777, 0, 0), EINVAL);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/a/f/x", 0755, 0), ENOTDIR);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/a/f", 0755, 0), EEXIST);

	must_stat(sys, "/a/b/c", 0, S_IFDIR);
	must_stat(sys, "/a/f", 0, S_IFREG);
	must_stat(sys, "/a/dir2", 0, S_IFDIR);
	/* Slashes, "." and ".." are taken apart on the text. */
	must_stat(sys, "//a/./b/../b/c/", 0, S_IFDIR);
	must_stat(sys, "/a/b/c/../../../..", 0, S_IFDIR);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/d", 0, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(dfs_sys_stat(sys, "a/b", 0, &st), EINVAL);
	assert_int_equal(dfs_sys_stat(sys, NULL, 0, &st), EINVAL);
	assert_int_equal(dfs_sys_stat(sys, "/a", 0, NULL), EINVAL);
	assert_int_equal(dfs_sys_stat(NULL, "/a", 0, &st), EINVAL);
	assert_int_equal(dfs_sys_stat(sys, "/nope", 0, &st), ENOENT);
	assert_int_equal(dfs_sys_stat(sys, "/nope/x", 0, &st), ENOENT);
	assert_int_equal(dfs_sys_stat(sys, "/a/f/x", 0, &st), ENOTDIR);
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	snprintf(path, sizeof(path), "/a/%s", long_name);
	assert_int_equal(dfs_sys_mkdir(sys, path, 0755, 0), ENAMETOOLONG);
}

static void
fill(char *buf, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)((i * 31 + seed) & 0xff);
}

static void
test_io(void **state)
{
	const size_t  n = (1 << 20) + 17;
	char         *w, *r;
	dfs_obj_t    *obj, *dir;
	daos_size_t   size;
	daos_handle_t eqh;
	daos_event_t  ev, *done;
	struct stat   st;

	(void)state;
	w = malloc(n);
	r = malloc(n);
	assert_non_null(w);
	assert_non_null(r);
	fill(w, n, 7);

	assert_int_equal(dfs_sys_open(sys, "/a/b/file", S_IFREG | 0644, O_RDWR | O_CREAT, 0, 0, NULL, &obj), 0);
	size = n;
	assert_int_equal(dfs_sys_write(sys, obj, w, 5, &size, NULL), 0);
	assert_int_equal(size, n);
	size = n;
	assert_int_equal(dfs_sys_read(sys, obj, r, 5, &size, NULL), 0);
	assert_int_equal(size, n);
	assert_memory_equal(r, w, n);
	/* A read past the end is short. */
	size = n;
	assert_int_equal(dfs_sys_read(sys, obj, r, 5 + n - 10, &size, NULL), 0);
	assert_int_equal(size, 10);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/file", 0, &st), 0);
	assert_int_equal(st.st_size, 5 + n);
	size = 1;
	assert_int_equal(dfs_sys_read(sys, obj, NULL, 0, &size, NULL), EINVAL);
	assert_int_equal(dfs_sys_read(sys, obj, r, 0, NULL, NULL), EINVAL);
	assert_int_equal(dfs_sys_write(NULL, obj, w, 0, &size, NULL), EINVAL);

	/* Through an event: *size is set when it completes. */
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	fill(w, n, 99);
	size = n;
	assert_int_equal(dfs_sys_write(sys, obj, w, 0, &size, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, &done), 1);
	assert_int_equal(ev.ev_error, 0);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	memset(r, 0, n);
	size = n;
	assert_int_equal(dfs_sys_read(sys, obj, r, 0, &size, &ev), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 1, &done), 1);
	assert_int_equal(ev.ev_error, 0);
	assert_int_equal(size, n);
	assert_memory_equal(r, w, n);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(dfs_sys_close(obj), 0);
	assert_int_equal(dfs_sys_close(NULL), EINVAL);

	/* Punch by path, then O_TRUNC. */
	assert_int_equal(dfs_sys_punch(sys, "/a/b/file", 3, DFS_MAX_FSIZE), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/file", 0, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(dfs_sys_open(sys, "/a/b/file", S_IFREG, O_RDWR | O_TRUNC, 0, 0, NULL, &obj), 0);
	assert_int_equal(dfs_sys_close(obj), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/file", 0, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* Without O_CREAT the entry must be of mode's type (none: a file). */
	assert_int_equal(dfs_sys_open(sys, "/a/b", S_IFDIR, O_RDONLY, 0, 0, NULL, &dir), 0);
	assert_int_equal(dfs_sys_close(dir), 0);
	assert_int_equal(dfs_sys_open(sys, "/a/b", 0, O_RDONLY, 0, 0, NULL, &dir), EINVAL);
	assert_int_equal(dfs_sys_open(sys, "/a/b", S_IFREG, O_RDONLY, 0, 0, NULL, &dir), EINVAL);
	assert_int_equal(dfs_sys_open(sys, "/a/f", S_IFDIR, O_RDONLY, 0, 0, NULL, &dir), EINVAL);
	assert_int_equal(dfs_sys_open(sys, "/a/f", 0, O_RDONLY, 0, 0, NULL, &obj), 0);
	assert_int_equal(dfs_sys_close(obj), 0);
	assert_int_equal(dfs_sys_open(sys, "/", S_IFDIR, O_RDONLY, 0, 0, NULL, &dir), 0);
	assert_int_equal(dfs_sys_close(dir), 0);
	assert_int_equal(dfs_sys_open(sys, "/", 0, O_RDONLY, 0, 0, NULL, &dir), ENOTDIR);
	assert_int_equal(dfs_sys_open(sys, "/", S_IFDIR, O_RDWR | O_CREAT | O_EXCL, 0, 0, NULL, &dir), EEXIST);
	assert_int_equal(dfs_sys_open(sys, "/a/f", 0, O_RDONLY, 0, 0, NULL, NULL), EINVAL);
	/* O_CREAT with permissions only makes a regular file. */
	assert_int_equal(dfs_sys_open(sys, "/a/plain", 0644, O_RDWR | O_CREAT, 0, 0, NULL, &obj), 0);
	assert_int_equal(dfs_sys_close(obj), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/plain", 0, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(dfs_sys_open(sys, "/a/b/file", S_IFREG | 0644, O_RDWR | O_CREAT | O_EXCL, 0, 0, NULL,
				      &obj),
			 EEXIST);
	assert_int_equal(dfs_sys_open(sys, "/a/none", 0, O_RDONLY, 0, 0, NULL, &obj), ENOENT);
	free(w);
	free(r);
}

static void
test_links(void **state)
{
	char        buf[64];
	daos_size_t size;
	DIR        *d;

	(void)state;
	assert_int_equal(dfs_sys_symlink(sys, "/a/b/c", "/lnk"), 0);
	assert_int_equal(dfs_sys_symlink(sys, "/a/b/c", "/lnk"), EEXIST);
	assert_int_equal(dfs_sys_symlink(sys, NULL, "/lnk2"), EINVAL);
	must_stat(sys, "/lnk", 0, S_IFDIR);
	must_stat(sys, "/lnk", O_NOFOLLOW, S_IFLNK);

	size = sizeof(buf);
	assert_int_equal(dfs_sys_readlink(sys, "/lnk", buf, &size), 0);
	assert_int_equal(size, strlen("/a/b/c") + 1);
	assert_string_equal(buf, "/a/b/c");
	size = 4;
	assert_int_equal(dfs_sys_readlink(sys, "/lnk", buf, &size), 0);
	assert_int_equal(size, strlen("/a/b/c") + 1);
	assert_string_equal(buf, "/a/");
	size = sizeof(buf);
	assert_int_equal(dfs_sys_readlink(sys, "/a", buf, &size), EINVAL);
	assert_int_equal(dfs_sys_readlink(sys, "/lnk", buf, NULL), EINVAL);

	/* Links are followed unless the flags say otherwise. */
	assert_int_equal(dfs_sys_opendir(sys, "/lnk", 0, &d), 0);
	assert_int_equal(dfs_sys_closedir(d), 0);
	assert_int_equal(dfs_sys_opendir(sys, "/lnk", O_NOFOLLOW, &d), ENOTDIR);
	assert_int_equal(dfs_sys_access(sys, "/lnk", R_OK | W_OK, O_NOFOLLOW), 0);
	assert_int_equal(dfs_sys_access(sys, "/lnk", R_OK, 0), 0);
	assert_int_equal(dfs_sys_access(sys, "/lnk", R_OK, AT_EACCESS), ENOTSUP);
	assert_int_equal(dfs_sys_access(sys, "/lnk", R_OK, O_APPEND), EINVAL);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/lnk/under", 0755, 0), 0);
	must_stat(sys, "/a/b/c/under", 0, S_IFDIR);
	/* A dangling link: lstat sees it, stat does not. */
	assert_int_equal(dfs_sys_symlink(sys, "/missing", "/dangling"), 0);
	must_stat(sys, "/dangling", O_NOFOLLOW, S_IFLNK);
	{
		struct stat st;

		assert_int_equal(dfs_sys_stat(sys, "/dangling", 0, &st), ENOENT);
	}
	assert_int_equal(dfs_sys_remove(sys, "/dangling", false, NULL), 0);
}

static void
test_attrs(void **state)
{
	struct timespec times[2] = {{.tv_sec = 1000000, .tv_nsec = 5}, {.tv_sec = 2000000, .tv_nsec = 7}};
	struct stat     st;
	char            val[16], list[64];
	daos_size_t     size;

	(void)state;
	assert_int_equal(dfs_sys_chmod(sys, "/a/f", 0600), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/f", 0, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* No execute bit anywhere: not even root may run it. */
	assert_int_equal(dfs_sys_access(sys, "/a/f", X_OK, 0), EACCES);
	assert_int_equal(dfs_sys_access(sys, "/a/f", F_OK, 0), 0);
	assert_int_equal(dfs_sys_access(sys, "/a/nope", F_OK, 0), ENOENT);
	assert_int_equal(dfs_sys_chown(sys, "/a/f", 1234, (gid_t)-1, 0), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/f", 0, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(dfs_sys_chmod(sys, "/", 0755), 0);

	assert_int_equal(dfs_sys_utimens(sys, "/a/f", times, 0), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/f", 0, &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 2000000);
	assert_int_equal(st.st_mtim.tv_nsec, 7);
	assert_int_equal(dfs_sys_utimens(sys, "/a/f", NULL, 0), EINVAL);
	st.st_size = 4096;
	assert_int_equal(dfs_sys_setattr(sys, "/a/f", &st, DFS_SET_ATTR_SIZE, 0), 0);
	assert_int_equal(st.st_size, 4096);
	assert_int_equal(dfs_sys_setattr(sys, "/a/f", NULL, DFS_SET_ATTR_SIZE, 0), EINVAL);

	assert_int_equal(dfs_sys_setxattr(sys, "/a/f", "user.k", "value", 6, 0, 0), 0);
	assert_int_equal(dfs_sys_setxattr(sys, "/a/f", "user.k", "v", 2, XATTR_CREATE, 0), EEXIST);
	size = sizeof(val);
	assert_int_equal(dfs_sys_getxattr(sys, "/a/f", "user.k", val, &size, 0), 0);
	assert_int_equal(size, 6);
	assert_string_equal(val, "value");
	size = sizeof(list);
	assert_int_equal(dfs_sys_listxattr(sys, "/a/f", list, &size, 0), 0);
	assert_int_equal(size, strlen("user.k") + 1);
	assert_string_equal(list, "user.k");
	/* On a link itself, or through it. */
	assert_int_equal(dfs_sys_setxattr(sys, "/lnk", "user.on-link", "l", 2, 0, O_NOFOLLOW), 0);
	size = sizeof(val);
	assert_int_equal(dfs_sys_getxattr(sys, "/lnk", "user.on-link", val, &size, O_NOFOLLOW), 0);
	size = sizeof(val);
	assert_int_equal(dfs_sys_getxattr(sys, "/lnk", "user.on-link", val, &size, 0), ENODATA);
	assert_int_equal(dfs_sys_removexattr(sys, "/a/f", "user.k", 0), 0);
	size = sizeof(val);
	assert_int_equal(dfs_sys_getxattr(sys, "/a/f", "user.k", val, &size, 0), ENODATA);
	assert_int_equal(dfs_sys_getxattr(sys, "/a/f", NULL, val, &size, 0), EINVAL);
}

static void
test_readdir(void **state)
{
	const int      n = 150; /* more than one batch */
	char           path[64];
	bool           seen[150] = {false};
	struct dirent *de;
	DIR           *d;
	int            i, got = 0;

	(void)state;
	assert_int_equal(dfs_sys_mkdir(sys, "/many", 0755, 0), 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/many/e%03d", i);
		assert_int_equal(dfs_sys_mknod(sys, path, S_IFREG | 0644, 0, 0), 0);
	}
	assert_int_equal(dfs_sys_opendir(sys, "/many", 0, &d), 0);
	for (;;) {
		assert_int_equal(dfs_sys_readdir(sys, d, &de), 0);
		if (de == NULL)
			break;
		assert_int_equal(sscanf(de->d_name, "e%03d", &i), 1);
		assert_true(i >= 0 && i < n);
		assert_false(seen[i]);
		seen[i] = true;
		got++;
	}
	assert_int_equal(got, n);
	assert_int_equal(dfs_sys_readdir(sys, d, &de), 0);
	assert_null(de);
	assert_int_equal(dfs_sys_readdir(NULL, d, &de), EINVAL);
	assert_int_equal(dfs_sys_readdir(sys, d, NULL), EINVAL);
	assert_int_equal(dfs_sys_closedir(d), 0);
	assert_int_equal(dfs_sys_closedir(NULL), EINVAL);
	assert_int_equal(dfs_sys_opendir(sys, "/a/f", 0, &d), ENOTDIR);
	assert_int_equal(dfs_sys_opendir(sys, "/nope", 0, &d), ENOENT);
	assert_int_equal(dfs_sys_opendir(sys, "/", 0, NULL), EINVAL);
}

static void
test_remove(void **state)
{
	daos_obj_id_t oid = {0};
	dfs_t        *base;
	dfs_obj_t    *obj;
	struct stat   st;

	(void)state;
	assert_int_equal(dfs_sys_remove(sys, "/a/b", false, NULL), ENOTEMPTY);
	assert_int_equal(dfs_sys_remove_type(sys, "/a/f", false, S_IFDIR, NULL), ENOTDIR);
	assert_int_equal(dfs_sys_remove_type(sys, "/a/dir2", false, S_IFREG, NULL), EISDIR);
	assert_int_equal(dfs_sys_remove_type(sys, "/lnk", false, S_IFREG, NULL), EINVAL);
	assert_int_equal(dfs_sys_remove_type(sys, "/a/dir2", false, S_IFDIR, &oid), 0);
	assert_true(oid.lo != 0 || oid.hi != 0);
	assert_int_equal(dfs_sys_remove(sys, "/", true, NULL), EBUSY);
	assert_int_equal(dfs_sys_remove(sys, "/nope", false, NULL), ENOENT);

	/* /a/b and /a/b/c are in the cache by now; a forced remove of /a
	 * must drop them, or the new /a/b/c/new would go into the old
	 * directory and not be found by a fresh lookup. */
	must_stat(sys, "/a/b/c/under", 0, S_IFDIR);
	assert_int_equal(dfs_sys_remove(sys, "/a", true, NULL), 0);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/c", 0, &st), ENOENT);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/a/b/c", 0755, 0), 0);
	assert_int_equal(dfs_sys_mknod(sys, "/a/b/c/new", S_IFREG | 0644, 0, 0), 0);
	assert_int_equal(dfs_sys2base(sys, &base), 0);
	assert_int_equal(dfs_lookup(base, "/a/b/c/new", O_RDONLY, &obj, NULL, NULL), 0);
	assert_int_equal(dfs_release(obj), 0);
	/* The same for a directory removed and made again without force. */
	assert_int_equal(dfs_sys_remove(sys, "/a/b/c/new", false, NULL), 0);
	assert_int_equal(dfs_sys_remove(sys, "/a/b/c", false, NULL), 0);
	assert_int_equal(dfs_sys_mkdir(sys, "/a/b/c", 0755, 0), 0);
	assert_int_equal(dfs_sys_mknod(sys, "/a/b/c/again", S_IFREG | 0644, 0, 0), 0);
	assert_int_equal(dfs_lookup(base, "/a/b/c/again", O_RDONLY, &obj, NULL, NULL), 0);
	assert_int_equal(dfs_release(obj), 0);
	/* test_links made /lnk/under through the link to /a/b/c: what is
	 * reached through a link is not cached under the link's path, so
	 * the link now leads to the new /a/b/c. */
	assert_int_equal(dfs_sys_stat(sys, "/lnk/under", 0, &st), ENOENT);
	assert_int_equal(dfs_sys_mknod(sys, "/lnk/via-link", S_IFREG | 0644, 0, 0), 0);
	assert_int_equal(dfs_lookup(base, "/a/b/c/via-link", O_RDONLY, &obj, NULL, NULL), 0);
	assert_int_equal(dfs_release(obj), 0);
}

static void
test_prefix(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(dfs_sys_set_prefix(sys, "/mnt/dfs/"), 0);
	must_stat(sys, "/mnt/dfs/a/b/c", 0, S_IFDIR);
	must_stat(sys, "/mnt/dfs", 0, S_IFDIR);
	must_stat(sys, "/mnt/dfs/", 0, S_IFDIR);
	assert_int_equal(dfs_sys_stat(sys, "/a/b/c", 0, &st), EINVAL);
	assert_int_equal(dfs_sys_stat(sys, "/mnt/dfsx/a", 0, &st), EINVAL);
	assert_int_equal(dfs_sys_mkdir_p(sys, "/mnt/dfs/p/q", 0755, 0), 0);
	must_stat(sys, "/mnt/dfs/p/../p/q/..", 0, S_IFDIR);
	assert_int_equal(dfs_sys_stat(sys, "/mnt/dfs/../dfs/a", 0, &st), EINVAL); /* out of the prefix */
	assert_int_equal(dfs_sys_set_prefix(sys, "relative"), EINVAL);
	assert_int_equal(dfs_sys_set_prefix(sys, NULL), 0);
	must_stat(sys, "/p/q", 0, S_IFDIR);
	must_stat(sys, "/a/b/c", 0, S_IFDIR);
}

static void
test_share(void **state)
{
	dfs_sys_t    *s2;
	dfs_t        *base;
	daos_handle_t poh, coh;
	d_iov_t       g;
	char          small[8];
	uint8_t      *bad;

	(void)state;
	/* Everything, for a process with no handles of its own. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(dfs_sys_local2global_all(sys, &g), 0);
	assert_true(g.iov_buf_len > 32);
	g.iov_buf = malloc(g.iov_buf_len);
	assert_non_null(g.iov_buf);
	assert_int_equal(dfs_sys_local2global_all(sys, &g), 0);
	assert_int_equal(g.iov_len, g.iov_buf_len);
	assert_int_equal(dfs_sys_global2local_all(0, 0, g, &s2), 0);
	must_stat(s2, "/a/b/c", 0, S_IFDIR);
	assert_int_equal(dfs_sys_mkdir(s2, "/from-s2", 0755, 0), 0);
	must_stat(sys, "/from-s2", 0, S_IFDIR);
	assert_int_equal(dfs_sys_umount(s2), EINVAL);
	assert_int_equal(dfs_sys_disconnect(s2), 0);
	/* A damaged buffer is refused, never trusted. */
	bad = malloc(g.iov_len);
	assert_non_null(bad);
	memcpy(bad, g.iov_buf, g.iov_len);
	bad[0] ^= 0xff;
	{
		d_iov_t b = g;

		b.iov_buf = bad;
		assert_int_equal(dfs_sys_global2local_all(0, 0, b, &s2), EINVAL);
		memcpy(bad, g.iov_buf, g.iov_len);
		b.iov_len = g.iov_len - 1;
		assert_int_equal(dfs_sys_global2local_all(0, 0, b, &s2), EINVAL);
		/* Part lengths (after the magic and version) of 0 and of all
		 * ones: refused, nothing read past the buffer. */
		b.iov_len = g.iov_len;
		memset(bad + 8, 0, 8);
		assert_int_equal(dfs_sys_global2local_all(0, 0, b, &s2), EINVAL);
		memset(bad + 8, 0xff, 8);
		assert_int_equal(dfs_sys_global2local_all(0, 0, b, &s2), EINVAL);
	}
	free(bad);
	free(g.iov_buf);
	d_iov_set(&g, small, sizeof(small));
	g.iov_len = 0;
	assert_int_equal(dfs_sys_local2global_all(sys, &g), ENOBUFS);
	assert_true(g.iov_buf_len > sizeof(small)); /* the size needed */

	/* The mount alone, over handles the receiver has. */
	assert_int_equal(dfs_sys2base(sys, &base), 0);
	assert_int_equal(dfs_pool_get(base, &poh), 0);
	assert_int_equal(dfs_cont_get(base, &coh), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(dfs_sys_local2global(sys, &g), 0);
	g.iov_buf = malloc(g.iov_buf_len);
	assert_non_null(g.iov_buf);
	assert_int_equal(dfs_sys_local2global(sys, &g), 0);
	/* mflags 0 (O_RDONLY is 0 too) keeps the sender's read-write. */
	assert_int_equal(dfs_sys_global2local(poh, coh, 0, DFS_SYS_NO_CACHE, g, &s2), 0);
	must_stat(s2, "/from-s2", 0, S_IFDIR);
	assert_int_equal(dfs_sys_mkdir(s2, "/rw", 0755, 0), 0);
	assert_int_equal(dfs_sys_remove(s2, "/rw", false, NULL), 0);
	assert_int_equal(dfs_sys_disconnect(s2), EINVAL);
	assert_int_equal(dfs_sys_umount(s2), 0);
	/* A read-only mount of the same container refuses changes. */
	assert_int_equal(dfs_sys_mount(poh, coh, O_RDONLY, 0, &s2), 0);
	must_stat(s2, "/from-s2", 0, S_IFDIR);
	assert_int_equal(dfs_sys_mkdir(s2, "/ro", 0755, 0), EPERM);
	assert_int_equal(dfs_sys_mkdir_p(s2, "/from-s2/ro", 0755, 0), EPERM);
	assert_int_equal(dfs_sys_umount(s2), 0);
	free(g.iov_buf);

	/* dfs_sys_mount over the same handles, without cache or lock. */
	assert_int_equal(dfs_sys_mount(poh, coh, O_RDWR, DFS_SYS_NO_CACHE | DFS_SYS_NO_LOCK, &s2), 0);
	assert_int_equal(dfs_sys_mkdir_p(s2, "/nc/x/y", 0755, 0), 0);
	must_stat(s2, "/nc/x/y", 0, S_IFDIR);
	assert_int_equal(dfs_sys_remove(s2, "/nc", true, NULL), 0);
	assert_int_equal(dfs_sys_umount(s2), 0);
	assert_int_equal(dfs_sys_mount(poh, coh, O_RDWR, 4, &s2), EINVAL);
	assert_int_equal(dfs_cont_put(base, coh), 0);
	assert_int_equal(dfs_pool_put(base, poh), 0);
}

/* Threads on one mount share its cache: each makes and checks a tree of
 * its own below a parent they all use, then removes it. */
struct worker {
	int id;
	int rc;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	char           path[128];
	struct stat    st;
	int            i;

	for (i = 0; i < 20 && w->rc == 0; i++) {
		snprintf(path, sizeof(path), "/shared/t%d/d%d/e", w->id, i % 4);
		w->rc = dfs_sys_mkdir_p(sys, path, 0755, 0);
		if (w->rc == 0) {
			snprintf(path, sizeof(path), "/shared/t%d/d%d/e/f%d", w->id, i % 4, i);
			w->rc = dfs_sys_mknod(sys, path, S_IFREG | 0644, 0, 0);
		}
		if (w->rc == 0)
			w->rc = dfs_sys_stat(sys, path, 0, &st);
		if (w->rc == 0 && !S_ISREG(st.st_mode))
			w->rc = -1;
	}
	if (w->rc == 0) {
		snprintf(path, sizeof(path), "/shared/t%d", w->id);
		w->rc = dfs_sys_remove(sys, path, true, NULL);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t     th[4];
	struct worker w[4];
	int           i;

	(void)state;
	assert_int_equal(dfs_sys_mkdir(sys, "/shared", 0755, 0), 0);
	for (i = 0; i < 4; i++) {
		w[i].id = i;
		w[i].rc = 0;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].rc, 0);
	}
	assert_int_equal(dfs_sys_remove(sys, "/shared", false, NULL), 0);
}

/* More directories than the cache holds (4096): the least recently used
 * go, and every path still leads to the right directory. */
static void
test_cache_limit(void **state)
{
	const int   n = 4200;
	char        path[64];
	struct stat st;
	dfs_t      *base;
	dfs_obj_t  *obj;
	int         i;

	(void)state;
	assert_int_equal(dfs_sys2base(sys, &base), 0);
	assert_int_equal(dfs_sys_mkdir(sys, "/ev", 0755, 0), 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/ev/d%04d", i);
		assert_int_equal(dfs_sys_mkdir(sys, path, 0755, 0), 0);
		/* Caches /ev/dNNNN as the parent of x. */
		snprintf(path, sizeof(path), "/ev/d%04d/x", i);
		assert_int_equal(dfs_sys_stat(sys, path, 0, &st), ENOENT);
	}
	/* The first (long evicted) and the last (cached), each removed and
	 * made again: a file made in either is where a fresh lookup looks. */
	for (i = 0; i < n; i += n - 1) {
		snprintf(path, sizeof(path), "/ev/d%04d", i);
		assert_int_equal(dfs_sys_remove(sys, path, false, NULL), 0);
		assert_int_equal(dfs_sys_mkdir(sys, path, 0755, 0), 0);
		snprintf(path, sizeof(path), "/ev/d%04d/f", i);
		assert_int_equal(dfs_sys_mknod(sys, path, S_IFREG | 0644, 0, 0), 0);
		assert_int_equal(dfs_lookup(base, path, O_RDONLY, &obj, NULL, NULL), 0);
		assert_int_equal(dfs_release(obj), 0);
	}
	assert_int_equal(dfs_sys_remove(sys, "/ev", true, NULL), 0);
	assert_int_equal(dfs_sys_stat(sys, "/ev/d0001", 0, &st), ENOENT);
}

static void
test_teardown(void **state)
{
	daos_handle_t poh;

	(void)state;
	assert_int_equal(dfs_sys_disconnect(sys), 0);
	assert_int_equal(dfs_sys_disconnect(NULL), EINVAL);
	assert_int_equal(daos_pool_connect(pool_label, NULL, DAOS_PC_RW, &poh, NULL, NULL), 0);
	assert_int_equal(daos_cont_destroy(poh, CONT, 0, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
	assert_int_equal(dfs_fini(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connect), cmocka_unit_test(test_tree),    cmocka_unit_test(test_io),
	    cmocka_unit_test(test_links),   cmocka_unit_test(test_attrs),   cmocka_unit_test(test_readdir),
	    cmocka_unit_test(test_remove),  cmocka_unit_test(test_prefix),  cmocka_unit_test(test_share),
	    cmocka_unit_test(test_threads), cmocka_unit_test(test_cache_limit), cmocka_unit_test(test_teardown),
	};

	pool_label = getenv("DAOS_POOL");
	if (pool_label == NULL) {
		fprintf(stderr, "dfs_sys_test: set DAOS_POOL to a pool's label\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL) != 0;
}
