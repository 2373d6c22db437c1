/*
 * dfs_sys_*: DFS by path, over the dfs_* calls of dfs.c. A path is
 * normalised, split into its parent directory and last name, the parent
 * is opened (or found in the mount's cache of open directories) and the
 * dfs_* call that takes a parent and a name, or an object, does the rest.
 *
 * The cache is a gurt hash table of directory objects keyed by their
 * container path, with a reference per user so that an entry evicted
 * while a call uses it is released by that call. It holds at most
 * SYS_CACHE_MAX directories, the least recently used going first. Paths
 * are resolved one component at a time without following links, so a
 * cached path is the directory's real one: what is reached through a link
 * is not cached. Entries go when this mount removes the path (and, for a
 * forced remove, everything under it); another client's renames are not
 * seen, as with any cache of names (DFS_SYS_NO_CACHE turns it off).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <daos.h>
#include <daos_fs.h>
#include <daos_fs_sys.h>
#include <gurt/hash.h>

#define SYS_CACHE_BITS 10
#define SYS_CACHE_MAX  4096
/* Entries a directory stream asks dfs_readdir for at a time. */
#define SYS_DIR_BATCH 64

struct dfs_sys {
	dfs_t               *dfs;
	/* Made by dfs_sys_connect or dfs_sys_global2local_all: the mount is
	 * ended with dfs_disconnect, which also lets go of its handles. */
	bool                 connected;
	bool                 locking;
	pthread_mutex_t      lock; /* the cache, its list, count and generation */
	struct d_hash_table *cache; /* NULL with DFS_SYS_NO_CACHE */
	d_list_t             lru;   /* cached records, least recently used first */
	uint32_t             cached;
	/* Bumped by every eviction for a remove: a lookup that began before
	 * one may have opened what was removed, and is not cached. */
	uint64_t             gen;
	char                *prefix; /* NULL: none */
	size_t               prefix_len;
};

struct dir_rec {
	d_list_t   link;
	d_list_t   lru; /* on dfs_sys's list while in the table */
	uint32_t   refs;
	dfs_obj_t *obj;
	uint32_t   klen;
	char       key[];
};

static inline struct dir_rec *
rec_of(d_list_t *link)
{
	return (struct dir_rec *)((char *)link - offsetof(struct dir_rec, link));
}

static inline struct dir_rec *
lru_of(d_list_t *l)
{
	return (struct dir_rec *)((char *)l - offsetof(struct dir_rec, lru));
}

static bool
rec_key_cmp(struct d_hash_table *t, d_list_t *link, const void *key, unsigned int ksize)
{
	struct dir_rec *r = rec_of(link);

	(void)t;
	return r->klen == ksize && memcmp(r->key, key, ksize) == 0;
}

static void
rec_addref(struct d_hash_table *t, d_list_t *link)
{
	(void)t;
	__atomic_add_fetch(&rec_of(link)->refs, 1, __ATOMIC_RELAXED);
}

static bool
rec_decref(struct d_hash_table *t, d_list_t *link)
{
	(void)t;
	return __atomic_sub_fetch(&rec_of(link)->refs, 1, __ATOMIC_ACQ_REL) == 0;
}

static void
rec_free(struct d_hash_table *t, d_list_t *link)
{
	struct dir_rec *r = rec_of(link);

	(void)t;
	dfs_release(r->obj);
	free(r);
}

static d_hash_table_ops_t rec_ops = {
	.hop_key_cmp    = rec_key_cmp,
	.hop_rec_addref = rec_addref,
	.hop_rec_decref = rec_decref,
	.hop_rec_free   = rec_free,
};

static void
sys_lock(dfs_sys_t *s)
{
	if (s->locking)
		pthread_mutex_lock(&s->lock);
}

static void
sys_unlock(dfs_sys_t *s)
{
	if (s->locking)
		pthread_mutex_unlock(&s->lock);
}

static bool
bad_sflags(int sflags)
{
	return (sflags & ~(DFS_SYS_NO_CACHE | DFS_SYS_NO_LOCK)) != 0;
}

/* adopt wraps the mount a dfs_* call made (rc its answer) in a dfs_sys_t;
 * without memory the mount is ended the way it was made. (Callers make
 * the call first: arguments are evaluated in no set order.) */
static int
adopt(int rc, dfs_t *dfs, bool connected, int sflags, dfs_sys_t **out)
{
	dfs_sys_t *s;

	if (rc != 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto fail;
	s->dfs       = dfs;
	s->connected = connected;
	s->locking   = !(sflags & DFS_SYS_NO_LOCK);
	D_INIT_LIST_HEAD(&s->lru);
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		goto fail;
	}
	/* Our lock covers the table: its count and eviction go together. */
	if (!(sflags & DFS_SYS_NO_CACHE) &&
	    d_hash_table_create(D_HASH_FT_NOLOCK, SYS_CACHE_BITS, NULL, &rec_ops, &s->cache) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (connected)
		dfs_disconnect(dfs);
	else
		dfs_umount(dfs);
	return ENOMEM;
}

/* cache_clear drops every record (each freed by its last user); the
 * lock is held or not needed. */
static void
cache_clear(dfs_sys_t *s)
{
	d_list_t *l;

	if (s->cache == NULL)
		return;
	/* Off the list first: destroying the table frees the records. */
	while ((l = d_list_pop(&s->lru)) != NULL)
		D_INIT_LIST_HEAD(l);
	d_hash_table_destroy(s->cache, true);
	s->cache  = NULL;
	s->cached = 0;
}

/* unwrap frees s and its cache, leaving the mount to the caller. */
static void
unwrap(dfs_sys_t *s)
{
	cache_clear(s);
	pthread_mutex_destroy(&s->lock);
	free(s->prefix);
	free(s);
}

int
dfs_sys_connect(const char *pool, const char *sys, const char *cont, int mflags, int sflags,
		dfs_attr_t *attr, dfs_sys_t **dfs_sys)
{
	dfs_t *dfs = NULL;
	int    rc;

	if (dfs_sys == NULL || bad_sflags(sflags))
		return EINVAL;
	rc = dfs_connect(pool, sys, cont, mflags, attr, &dfs);
	return adopt(rc, dfs, true, sflags, dfs_sys);
}

int
dfs_sys_mount(daos_handle_t poh, daos_handle_t coh, int mflags, int sflags, dfs_sys_t **dfs_sys)
{
	dfs_t *dfs = NULL;
	int    rc;

	if (dfs_sys == NULL || bad_sflags(sflags))
		return EINVAL;
	rc = dfs_mount(poh, coh, mflags, &dfs);
	return adopt(rc, dfs, false, sflags, dfs_sys);
}

int
dfs_sys_global2local(daos_handle_t poh, daos_handle_t coh, int mflags, int sflags, d_iov_t glob,
		     dfs_sys_t **dfs_sys)
{
	dfs_t *dfs = NULL;
	int    rc;

	if (dfs_sys == NULL || bad_sflags(sflags))
		return EINVAL;
	rc = dfs_global2local(poh, coh, mflags, glob, &dfs);
	return adopt(rc, dfs, false, sflags, dfs_sys);
}

int
dfs_sys_global2local_all(int mflags, int sflags, d_iov_t glob, dfs_sys_t **dfs_sys)
{
	dfs_t *dfs = NULL;
	int    rc;

	if (dfs_sys == NULL || bad_sflags(sflags))
		return EINVAL;
	rc = dfs_global2local_all(mflags, glob, &dfs);
	return adopt(rc, dfs, true, sflags, dfs_sys);
}

/* end drops the cache, then the mount the way it was made; a mount of
 * the wrong kind for the call is EINVAL, and a mount that refuses to end
 * (EBUSY: handles still lent out) leaves s as it was. */
static int
end(dfs_sys_t *s, bool connected)
{
	int rc;

	if (s == NULL || s->connected != connected)
		return EINVAL;
	if (s->cache != NULL) {
		/* Cached directories hold objects of the mount: release them
		 * first; should the mount stay, a later call finds an empty
		 * cache again (or none, without memory). */
		sys_lock(s);
		cache_clear(s);
		if (d_hash_table_create(D_HASH_FT_NOLOCK, SYS_CACHE_BITS, NULL, &rec_ops, &s->cache) != 0)
			s->cache = NULL;
		sys_unlock(s);
	}
	rc = connected ? dfs_disconnect(s->dfs) : dfs_umount(s->dfs);
	if (rc != 0)
		return rc;
	unwrap(s);
	return 0;
}

int
dfs_sys_disconnect(dfs_sys_t *dfs_sys)
{
	return end(dfs_sys, true);
}

int
dfs_sys_umount(dfs_sys_t *dfs_sys)
{
	return end(dfs_sys, false);
}

int
dfs_sys_local2global_all(dfs_sys_t *dfs_sys, d_iov_t *glob)
{
	if (dfs_sys == NULL)
		return EINVAL;
	return dfs_local2global_all(dfs_sys->dfs, glob);
}

int
dfs_sys_local2global(dfs_sys_t *dfs_sys, d_iov_t *glob)
{
	if (dfs_sys == NULL)
		return EINVAL;
	return dfs_local2global(dfs_sys->dfs, glob);
}

int
dfs_sys2base(dfs_sys_t *dfs_sys, dfs_t **dfs)
{
	if (dfs_sys == NULL || dfs == NULL)
		return EINVAL;
	*dfs = dfs_sys->dfs;
	return 0;
}

int
dfs_sys_set_prefix(dfs_sys_t *dfs_sys, const char *prefix)
{
	char  *p = NULL;
	size_t n = 0;
	int    rc;

	if (dfs_sys == NULL)
		return EINVAL;
	if (prefix != NULL) {
		n = strnlen(prefix, DFS_MAX_PATH);
		if (n == 0 || prefix[0] != '/')
			return EINVAL;
		if (n >= DFS_MAX_PATH)
			return ENAMETOOLONG;
		/* "/a/b/" names what "/a/b" does. */
		while (n > 1 && prefix[n - 1] == '/')
			n--;
		p = strndup(prefix, n);
		if (p == NULL)
			return ENOMEM;
	}
	rc = dfs_set_prefix(dfs_sys->dfs, p);
	if (rc != 0) {
		free(p);
		return rc;
	}
	free(dfs_sys->prefix);
	dfs_sys->prefix     = p;
	dfs_sys->prefix_len = n;
	return 0;
}

/*
 * A path taken apart: buf holds the container path, normalised ("/" or
 * "/a/b", no "." or ".." left); name points at its last component (NULL
 * for the root) and dir_len is the length of the parent's path in buf
 * (0: the parent is the root).
 */
struct sys_path {
	char       *buf;
	size_t      len;
	const char *name;
	size_t      dir_len;
};

static int
path_parse(dfs_sys_t *s, const char *path, struct sys_path *p)
{
	const char *in, *c;
	size_t      n, clen, last = 0;
	char       *out;

	memset(p, 0, sizeof(*p));
	if (path == NULL)
		return EINVAL;
	n = strnlen(path, DFS_MAX_PATH + 1);
	if (n > DFS_MAX_PATH)
		return ENAMETOOLONG;
	if (path[0] != '/')
		return EINVAL;
	in = path;
	if (s->prefix != NULL && s->prefix_len > 1) {
		/* The prefix and then nothing or a slash, as dfs_lookup takes it. */
		if (strncmp(path, s->prefix, s->prefix_len) != 0 ||
		    (path[s->prefix_len] != '\0' && path[s->prefix_len] != '/'))
			return EINVAL;
		in = path + s->prefix_len;
	}
	out = malloc(n + 2);
	if (out == NULL)
		return ENOMEM;
	p->len = 0;
	for (c = in; *c != '\0';) {
		while (*c == '/')
			c++;
		if (*c == '\0')
			break;
		clen = strcspn(c, "/");
		if (clen > DFS_MAX_NAME) {
			free(out);
			return ENAMETOOLONG;
		}
		if (clen == 1 && c[0] == '.') {
			/* nothing */
		} else if (clen == 2 && c[0] == '.' && c[1] == '.') {
			/* Up one, on the text. The root's parent is the root,
			 * but a prefix's is outside what this mount names. */
			if (p->len == 0 && in != path) {
				free(out);
				return EINVAL;
			}
			while (p->len > 0 && out[p->len - 1] != '/')
				p->len--;
			if (p->len > 0)
				p->len--;
		} else {
			out[p->len++] = '/';
			memcpy(out + p->len, c, clen);
			p->len += clen;
		}
		c += clen;
	}
	if (p->len == 0) {
		out[0] = '/';
		out[1] = '\0';
		p->len = 1;
		p->buf = out;
		return 0;
	}
	out[p->len] = '\0';
	for (n = 0; n < p->len; n++)
		if (out[n] == '/')
			last = n;
	p->buf     = out;
	p->name    = out + last + 1;
	p->dir_len = last;
	return 0;
}

/* A call's target: the parent directory (obj NULL for the root) held
 * through the cache (rec) or on its own, and the parsed path. */
struct target {
	struct sys_path p;
	dfs_obj_t      *parent;
	struct dir_rec *rec;
};

/* lookup_full opens the container path cpath[0..clen) through the mount,
 * which wants the prefix back in front. */
static int
lookup_full(dfs_sys_t *s, const char *cpath, size_t clen, int flags, dfs_obj_t **obj, mode_t *mode)
{
	size_t plen = s->prefix != NULL && s->prefix_len > 1 ? s->prefix_len : 0;
	char  *full;
	int    rc;

	full = malloc(plen + clen + 2);
	if (full == NULL)
		return ENOMEM;
	if (plen != 0)
		memcpy(full, s->prefix, plen);
	if (clen != 0)
		memcpy(full + plen, cpath, clen);
	full[plen + clen] = '\0';
	if (plen + clen == 0) {
		full[0] = '/';
		full[1] = '\0';
	}
	rc = dfs_lookup(s->dfs, full, flags, obj, mode, NULL);
	free(full);
	return rc;
}

static void
close_dir(dfs_sys_t *s, dfs_obj_t *obj, struct dir_rec *rec)
{
	if (rec != NULL) {
		sys_lock(s);
		d_hash_rec_decref(s->cache, &rec->link);
		sys_unlock(s);
	} else if (obj != NULL) {
		dfs_release(obj);
	}
}

/* cache_find takes a reference on the record for key, if cached, and
 * makes it the most recently used; the lock is held. */
static struct dir_rec *
cache_find(dfs_sys_t *s, const char *key, size_t klen)
{
	d_list_t       *link = d_hash_rec_find(s->cache, key, (unsigned int)klen);
	struct dir_rec *r;

	if (link == NULL)
		return NULL;
	r = rec_of(link);
	d_list_move_tail(&r->lru, &s->lru);
	return r;
}

/* cache_drop takes r out of the table and the list (users holding it
 * keep it until they let go); the lock is held. */
static void
cache_drop(dfs_sys_t *s, struct dir_rec *r)
{
	d_list_del_init(&r->lru);
	if (d_hash_rec_delete_at(s->cache, &r->link))
		s->cached--;
}

/* cache_add caches obj, the directory at key[0..klen), unless a remove
 * came since gen or there is no memory (then NULL: the caller keeps obj
 * uncached). A record cached meanwhile by another call wins: obj is
 * released and *objp becomes that record's. The caller holds the record
 * returned. */
static struct dir_rec *
cache_add(dfs_sys_t *s, const char *key, size_t klen, dfs_obj_t **objp, uint64_t gen)
{
	struct dir_rec *r, *old;

	r = malloc(sizeof(*r) + klen);
	if (r == NULL)
		return NULL;
	r->refs = 1; /* the caller's */
	r->obj  = *objp;
	r->klen = (uint32_t)klen;
	memcpy(r->key, key, klen);
	D_INIT_LIST_HEAD(&r->lru);
	sys_lock(s);
	if (s->gen != gen) {
		sys_unlock(s);
		free(r);
		return NULL;
	}
	old = cache_find(s, key, klen);
	if (old == NULL) {
		/* The least recently used record makes room. */
		if (s->cached >= SYS_CACHE_MAX && !d_list_empty(&s->lru))
			cache_drop(s, lru_of(s->lru.next));
		/* Cannot find the key: it was looked for under this lock. */
		d_hash_rec_insert(s->cache, key, (unsigned int)klen, &r->link, false);
		d_list_add_tail(&r->lru, &s->lru);
		s->cached++;
	}
	sys_unlock(s);
	if (old != NULL) {
		dfs_release(r->obj);
		free(r);
		*objp = old->obj;
		return old;
	}
	return r;
}

/* last_slash is where the parent's path of key[0..end) ends (0: the
 * root). */
static size_t
last_slash(const char *key, size_t end)
{
	while (end > 0 && key[end - 1] != '/')
		end--;
	return end > 0 ? end - 1 : 0;
}

/* open_dir opens the directory at the container path key[0..klen) (klen
 * 0 is the root: obj NULL). From its longest cached ancestor (or the
 * root) it looks each component up without following links, caching the
 * directories on the way; a link is followed by a lookup of the whole
 * path so far, and nothing at or below it is cached (*recp NULL). */
static int
open_dir(dfs_sys_t *s, const char *key, size_t klen, dfs_obj_t **obj, struct dir_rec **recp)
{
	struct dir_rec *rec = NULL;
	dfs_obj_t      *cur = NULL, *next;
	char            name[DFS_MAX_NAME + 1];
	bool            aliased = false;
	uint64_t        gen     = 0;
	size_t          end = klen, stop;
	mode_t          mode;
	int             rc = 0;

	*obj  = NULL;
	*recp = NULL;
	if (s->cache != NULL) {
		sys_lock(s);
		gen = s->gen;
		for (; end > 0; end = last_slash(key, end)) {
			rec = cache_find(s, key, end);
			if (rec != NULL) {
				cur = rec->obj;
				break;
			}
		}
		sys_unlock(s);
	} else {
		end = 0;
	}
	while (end < klen) {
		/* The next component: key[end] is its '/'. */
		for (stop = end + 1; stop < klen && key[stop] != '/'; stop++)
			;
		memcpy(name, key + end + 1, stop - end - 1);
		name[stop - end - 1] = '\0';
		rc = dfs_lookup_rel(s->dfs, cur, name, O_RDONLY | O_NOFOLLOW, &next, &mode, NULL);
		if (rc == 0 && S_ISLNK(mode)) {
			dfs_release(next);
			aliased = true;
			rc      = lookup_full(s, key, stop, O_RDONLY, &next, &mode);
		}
		if (rc == 0 && !S_ISDIR(mode)) {
			dfs_release(next);
			rc = ENOTDIR;
		}
		close_dir(s, cur, rec);
		rec = NULL;
		cur = NULL;
		if (rc != 0)
			return rc;
		cur = next;
		if (s->cache != NULL && !aliased)
			rec = cache_add(s, key, stop, &cur, gen);
		end = stop;
	}
	*obj  = cur;
	*recp = rec;
	return 0;
}

static int
target_get(dfs_sys_t *s, const char *path, struct target *t)
{
	int rc;

	t->parent = NULL;
	t->rec    = NULL;
	if (s == NULL)
		return EINVAL;
	rc = path_parse(s, path, &t->p);
	if (rc != 0)
		return rc;
	if (t->p.name == NULL || t->p.dir_len == 0)
		return 0; /* the root, or an entry of it */
	rc = open_dir(s, t->p.buf, t->p.dir_len, &t->parent, &t->rec);
	if (rc != 0)
		free(t->p.buf);
	return rc;
}

static void
target_put(dfs_sys_t *s, struct target *t)
{
	close_dir(s, t->parent, t->rec);
	free(t->p.buf);
}

/* target_open opens the target itself (the root when it has no name). */
static int
target_open(dfs_sys_t *s, struct target *t, int flags, dfs_obj_t **obj, mode_t *mode)
{
	if (t->p.name == NULL)
		return lookup_full(s, "", 0, flags, obj, mode);
	return dfs_lookup_rel(s->dfs, t->parent, t->p.name, flags, obj, mode, NULL);
}

/* follow is the lookup flags for a call's O_NOFOLLOW and access mode. */
static inline int
follow(int flags, int acc)
{
	return acc | (flags & O_NOFOLLOW);
}

int
dfs_sys_access(dfs_sys_t *dfs_sys, const char *path, int mask, int flags)
{
	struct target t;
	struct stat   st;
	int           rc;

	if (flags & AT_EACCESS)
		return ENOTSUP; /* the effective ids: DFS checks the real ones */
	if (flags & ~O_NOFOLLOW)
		return EINVAL;
	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	if (flags & O_NOFOLLOW) {
		/* A link's own permissions are all there are: rwx for all. */
		rc = dfs_stat(dfs_sys->dfs, t.parent, t.p.name, &st);
		if (rc == 0 && !S_ISLNK(st.st_mode))
			rc = dfs_access(dfs_sys->dfs, t.parent, t.p.name, mask);
	} else {
		rc = dfs_access(dfs_sys->dfs, t.parent, t.p.name, mask);
	}
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_chmod(dfs_sys_t *dfs_sys, const char *path, mode_t mode)
{
	struct target t;
	int           rc;

	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	rc = dfs_chmod(dfs_sys->dfs, t.parent, t.p.name, mode);
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_chown(dfs_sys_t *dfs_sys, const char *path, uid_t uid, gid_t gid, int flags)
{
	struct target t;
	int           rc;

	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	rc = dfs_chown(dfs_sys->dfs, t.parent, t.p.name, uid, gid, flags & O_NOFOLLOW);
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_stat(dfs_sys_t *dfs_sys, const char *path, int flags, struct stat *stbuf)
{
	struct target t;
	dfs_obj_t    *obj;
	int           rc;

	if (stbuf == NULL)
		return EINVAL;
	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	/* dfs_stat does not follow a link; following needs the target. */
	rc = dfs_stat(dfs_sys->dfs, t.parent, t.p.name, stbuf);
	if (rc == 0 && S_ISLNK(stbuf->st_mode) && !(flags & O_NOFOLLOW)) {
		rc = target_open(dfs_sys, &t, O_RDONLY, &obj, NULL);
		if (rc == 0) {
			rc = dfs_ostat(dfs_sys->dfs, obj, stbuf);
			dfs_release(obj);
		}
	}
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_mknod(dfs_sys_t *dfs_sys, const char *path, mode_t mode, daos_oclass_id_t cid,
	      daos_size_t chunk_size)
{
	struct target t;
	dfs_obj_t    *obj;
	int           rc;

	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return EINVAL; /* links need a target: dfs_sys_symlink */
	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	if (t.p.name == NULL)
		rc = EEXIST;
	else
		rc = dfs_open(dfs_sys->dfs, t.parent, t.p.name, mode, O_RDWR | O_CREAT | O_EXCL, cid, chunk_size,
			      NULL, &obj);
	if (rc == 0)
		dfs_release(obj);
	target_put(dfs_sys, &t);
	return rc;
}

/* with_obj runs one of the calls on an open object on the target,
 * opened with lookup flags lflags. */
enum obj_call {
	CALL_LISTXATTR,
	CALL_GETXATTR,
	CALL_REMOVEXATTR,
	CALL_SETXATTR,
	CALL_READLINK,
	CALL_SETATTR,
	CALL_PUNCH,
};

struct obj_args {
	const char  *name;
	void        *buf;
	const void  *value;
	daos_size_t *size;
	daos_size_t  vsize;
	int          xflags;
	struct stat *st;
	daos_off_t   off, len;
};

static int
with_obj(dfs_sys_t *s, const char *path, int lflags, enum obj_call call, struct obj_args *a)
{
	struct target t;
	dfs_obj_t    *obj;
	mode_t        mode;
	int           rc;

	rc = target_get(s, path, &t);
	if (rc != 0)
		return rc;
	rc = target_open(s, &t, lflags, &obj, &mode);
	if (rc != 0)
		goto out;
	switch (call) {
	case CALL_LISTXATTR:
		rc = dfs_listxattr(s->dfs, obj, a->buf, a->size);
		break;
	case CALL_GETXATTR:
		rc = dfs_getxattr(s->dfs, obj, a->name, a->buf, a->size);
		break;
	case CALL_REMOVEXATTR:
		rc = dfs_removexattr(s->dfs, obj, a->name);
		break;
	case CALL_SETXATTR:
		rc = dfs_setxattr(s->dfs, obj, a->name, a->value, a->vsize, a->xflags);
		break;
	case CALL_READLINK:
		rc = S_ISLNK(mode) ? dfs_get_symlink_value(obj, a->buf, a->size) : EINVAL;
		break;
	case CALL_SETATTR:
		rc = dfs_osetattr(s->dfs, obj, a->st, a->xflags);
		break;
	case CALL_PUNCH:
		rc = dfs_punch(s->dfs, obj, a->off, a->len);
		break;
	}
	dfs_release(obj);
out:
	target_put(s, &t);
	return rc;
}

int
dfs_sys_listxattr(dfs_sys_t *dfs_sys, const char *path, char *list, daos_size_t *size, int flags)
{
	struct obj_args a = {.buf = list, .size = size};

	if (size == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, follow(flags, O_RDONLY), CALL_LISTXATTR, &a);
}

int
dfs_sys_getxattr(dfs_sys_t *dfs_sys, const char *path, const char *name, void *value, daos_size_t *size,
		 int flags)
{
	struct obj_args a = {.name = name, .buf = value, .size = size};

	if (name == NULL || size == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, follow(flags, O_RDONLY), CALL_GETXATTR, &a);
}

int
dfs_sys_setxattr(dfs_sys_t *dfs_sys, const char *path, const char *name, const void *value,
		 daos_size_t size, int flags, int sflags)
{
	struct obj_args a = {.name = name, .value = value, .vsize = size, .xflags = flags};

	if (name == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, follow(sflags, O_RDWR), CALL_SETXATTR, &a);
}

int
dfs_sys_removexattr(dfs_sys_t *dfs_sys, const char *path, const char *name, int flags)
{
	struct obj_args a = {.name = name};

	if (name == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, follow(flags, O_RDWR), CALL_REMOVEXATTR, &a);
}

int
dfs_sys_readlink(dfs_sys_t *dfs_sys, const char *path, char *buf, daos_size_t *size)
{
	struct obj_args a = {.buf = buf, .size = size};

	if (size == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, O_RDONLY | O_NOFOLLOW, CALL_READLINK, &a);
}

int
dfs_sys_setattr(dfs_sys_t *dfs_sys, const char *path, struct stat *stbuf, int flags, int sflags)
{
	struct obj_args a = {.st = stbuf, .xflags = flags};

	if (stbuf == NULL)
		return EINVAL;
	return with_obj(dfs_sys, path, follow(sflags, O_RDWR), CALL_SETATTR, &a);
}

int
dfs_sys_utimens(dfs_sys_t *dfs_sys, const char *path, const struct timespec times[2], int flags)
{
	struct stat st;

	if (times == NULL)
		return EINVAL;
	memset(&st, 0, sizeof(st));
	st.st_atim = times[0];
	st.st_mtim = times[1];
	return dfs_sys_setattr(dfs_sys, path, &st, DFS_SET_ATTR_ATIME | DFS_SET_ATTR_MTIME, flags);
}

int
dfs_sys_punch(dfs_sys_t *dfs_sys, const char *path, daos_off_t offset, daos_off_t len)
{
	struct obj_args a = {.off = offset, .len = len};

	return with_obj(dfs_sys, path, O_RDWR, CALL_PUNCH, &a);
}

int
dfs_sys_symlink(dfs_sys_t *dfs_sys, const char *target, const char *path)
{
	dfs_obj_t *obj;
	int        rc;

	if (target == NULL)
		return EINVAL;
	rc = dfs_sys_open(dfs_sys, path, S_IFLNK | 0777, O_RDWR | O_CREAT | O_EXCL, 0, 0, target, &obj);
	if (rc == 0)
		dfs_release(obj);
	return rc;
}

int
dfs_sys_open(dfs_sys_t *dfs_sys, const char *path, mode_t mode, int flags, daos_oclass_id_t cid,
	     daos_size_t chunk_size, const char *value, dfs_obj_t **obj)
{
	struct target t;
	dfs_obj_t    *o = NULL;
	mode_t        got;
	int           rc;

	if (obj == NULL)
		return EINVAL;
	/* A mode without a type is a regular file's, as in DAOS. */
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	if (t.p.name == NULL) {
		/* The root exists and is a directory. */
		if (flags & (O_CREAT | O_EXCL))
			rc = EEXIST;
		else if (!S_ISDIR(mode))
			rc = ENOTDIR;
		else
			rc = target_open(dfs_sys, &t, flags & (O_ACCMODE | O_NOFOLLOW), &o, NULL);
	} else if (flags & O_CREAT) {
		rc = dfs_open(dfs_sys->dfs, t.parent, t.p.name, mode, flags, cid, chunk_size, value, &o);
	} else {
		/* An existing entry, of mode's type. */
		rc = target_open(dfs_sys, &t, flags & (O_ACCMODE | O_NOFOLLOW), &o, &got);
		if (rc == 0 && (mode & S_IFMT) != (got & S_IFMT))
			rc = EINVAL;
		if (rc == 0 && (flags & O_TRUNC) && S_ISREG(got))
			rc = dfs_punch(dfs_sys->dfs, o, 0, DFS_MAX_FSIZE);
		if (rc != 0 && o != NULL)
			dfs_release(o);
	}
	target_put(dfs_sys, &t);
	if (rc == 0)
		*obj = o;
	return rc;
}

int
dfs_sys_close(dfs_obj_t *obj)
{
	if (obj == NULL)
		return EINVAL;
	return dfs_release(obj);
}

int
dfs_sys_read(dfs_sys_t *dfs_sys, dfs_obj_t *obj, void *buf, daos_off_t off, daos_size_t *size,
	     daos_event_t *ev)
{
	d_sg_list_t sgl;
	d_iov_t     iov;

	if (dfs_sys == NULL || size == NULL || (buf == NULL && *size != 0))
		return EINVAL;
	/* The library copies the list when the call is made (only the
	 * buffer stays in use until ev completes), so it may live here. */
	d_iov_set(&iov, buf, *size);
	sgl.sg_nr     = 1;
	sgl.sg_nr_out = 0;
	sgl.sg_iovs   = &iov;
	return dfs_read(dfs_sys->dfs, obj, &sgl, off, size, ev);
}

int
dfs_sys_write(dfs_sys_t *dfs_sys, dfs_obj_t *obj, const void *buf, daos_off_t off, daos_size_t *size,
	      daos_event_t *ev)
{
	d_sg_list_t sgl;
	d_iov_t     iov;

	if (dfs_sys == NULL || size == NULL || (buf == NULL && *size != 0))
		return EINVAL;
	/* A write is whole or fails: *size stays the bytes asked for. */
	d_iov_set(&iov, (void *)buf, *size);
	sgl.sg_nr     = 1;
	sgl.sg_nr_out = 0;
	sgl.sg_iovs   = &iov;
	return dfs_write(dfs_sys->dfs, obj, &sgl, off, ev);
}

/* Records of the directory removed and, with force, of the ones below
 * it, collected by a traverse (which must not change the table) and
 * then deleted. */
struct evict_scan {
	const char *key;
	size_t      klen;
	bool        below;
	d_list_t   *found[64];
	int         n;
};

static int
evict_match(d_list_t *link, void *arg)
{
	struct evict_scan *e = arg;
	struct dir_rec    *r = rec_of(link);

	if (r->klen == e->klen && memcmp(r->key, e->key, e->klen) == 0)
		e->found[e->n++] = link;
	else if (e->below && r->klen > e->klen && memcmp(r->key, e->key, e->klen) == 0 && r->key[e->klen] == '/')
		e->found[e->n++] = link;
	return e->n == (int)(sizeof(e->found) / sizeof(e->found[0]));
}

static void
evict(dfs_sys_t *s, const char *key, size_t klen, bool below)
{
	struct evict_scan e = {.key = key, .klen = klen, .below = below};
	struct dir_rec   *r;
	int               i;

	if (s->cache == NULL)
		return;
	sys_lock(s);
	s->gen++;
	if (!below) {
		r = cache_find(s, key, klen);
		if (r != NULL) {
			cache_drop(s, r);
			d_hash_rec_decref(s->cache, &r->link);
		}
		sys_unlock(s);
		return;
	}
	/* A full batch may leave more: scan again until one is not full. */
	do {
		e.n = 0;
		d_hash_table_traverse(s->cache, evict_match, &e);
		for (i = 0; i < e.n; i++)
			cache_drop(s, rec_of(e.found[i]));
	} while (e.n == (int)(sizeof(e.found) / sizeof(e.found[0])));
	sys_unlock(s);
}

int
dfs_sys_remove_type(dfs_sys_t *dfs_sys, const char *path, bool force, mode_t mode, daos_obj_id_t *oid)
{
	struct target t;
	struct stat   st;
	int           rc;

	rc = target_get(dfs_sys, path, &t);
	if (rc != 0)
		return rc;
	if (t.p.name == NULL) {
		rc = EBUSY; /* the root cannot go */
		goto out;
	}
	if ((mode & S_IFMT) != 0) {
		rc = dfs_stat(dfs_sys->dfs, t.parent, t.p.name, &st);
		if (rc == 0 && (st.st_mode & S_IFMT) != (mode & S_IFMT))
			rc = S_ISDIR(mode) ? ENOTDIR : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		if (rc != 0)
			goto out;
	}
	rc = dfs_remove(dfs_sys->dfs, t.parent, t.p.name, force, oid);
	/* A forced remove that failed may have removed some of the tree. */
	if (rc == 0 || force)
		evict(dfs_sys, t.p.buf, t.p.len, force);
out:
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_remove(dfs_sys_t *dfs_sys, const char *path, bool force, daos_obj_id_t *oid)
{
	return dfs_sys_remove_type(dfs_sys, path, force, 0, oid);
}

int
dfs_sys_mkdir(dfs_sys_t *dfs_sys, const char *dir, mode_t mode, daos_oclass_id_t cid)
{
	struct target t;
	int           rc;

	rc = target_get(dfs_sys, dir, &t);
	if (rc != 0)
		return rc;
	if (t.p.name == NULL)
		rc = EEXIST;
	else
		rc = dfs_mkdir(dfs_sys->dfs, t.parent, t.p.name, mode, cid);
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_mkdir_p(dfs_sys_t *dfs_sys, const char *dir_path, mode_t mode, daos_oclass_id_t cid)
{
	struct sys_path p;
	dfs_obj_t      *parent = NULL, *obj;
	struct dir_rec *rec    = NULL;
	const char     *c;
	char           *name;
	size_t          clen, end;
	mode_t          got;
	int             rc;

	if (dfs_sys == NULL)
		return EINVAL;
	rc = path_parse(dfs_sys, dir_path, &p);
	if (rc != 0)
		return rc;
	name = malloc(DFS_MAX_NAME + 1);
	if (name == NULL) {
		free(p.buf);
		return ENOMEM;
	}
	/* Down the normalised path one directory at a time, each made if
	 * missing and opened (through the cache) as the next one's parent. */
	for (c = p.buf + 1; p.name != NULL && *c != '\0'; c += clen + (c[clen] == '/')) {
		clen = strcspn(c, "/");
		memcpy(name, c, clen);
		name[clen] = '\0';
		rc = dfs_mkdir(dfs_sys->dfs, parent, name, mode, cid);
		if (rc == EEXIST) {
			/* Fine if it is a directory (or a link to one). */
			rc = dfs_lookup_rel(dfs_sys->dfs, parent, name, O_RDONLY, &obj, &got, NULL);
			if (rc == 0) {
				dfs_release(obj);
				rc = S_ISDIR(got) ? 0 : (c[clen] == '\0' ? EEXIST : ENOTDIR);
			}
		}
		if (rc != 0 || c[clen] == '\0')
			break;
		close_dir(dfs_sys, parent, rec);
		parent = NULL;
		end    = (size_t)(c - p.buf) + clen;
		rc     = open_dir(dfs_sys, p.buf, end, &parent, &rec);
		if (rc != 0)
			break;
	}
	close_dir(dfs_sys, parent, rec);
	free(name);
	free(p.buf);
	return rc;
}

/* A stream of dfs_sys_opendir, handed out as a DIR * (which callers
 * treat as opaque). */
struct sys_dir {
	dfs_sys_t    *s;
	dfs_obj_t    *obj;
	daos_anchor_t anchor;
	uint32_t      nr, next;
	struct dirent ents[SYS_DIR_BATCH];
};

int
dfs_sys_opendir(dfs_sys_t *dfs_sys, const char *dir, int flags, DIR **dirp)
{
	struct sys_dir *d;
	struct target   t;
	mode_t          mode;
	int             rc;

	if (dirp == NULL)
		return EINVAL;
	rc = target_get(dfs_sys, dir, &t);
	if (rc != 0)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rc = ENOMEM;
		goto out;
	}
	rc = target_open(dfs_sys, &t, follow(flags, O_RDONLY), &d->obj, &mode);
	if (rc == 0 && !S_ISDIR(mode)) {
		dfs_release(d->obj);
		rc = ENOTDIR;
	}
	if (rc != 0) {
		free(d);
		goto out;
	}
	d->s  = dfs_sys;
	*dirp = (DIR *)d;
out:
	target_put(dfs_sys, &t);
	return rc;
}

int
dfs_sys_closedir(DIR *dirp)
{
	struct sys_dir *d = (struct sys_dir *)dirp;
	int             rc;

	if (d == NULL)
		return EINVAL;
	rc = dfs_release(d->obj);
	free(d);
	return rc;
}

int
dfs_sys_readdir(dfs_sys_t *dfs_sys, DIR *dirp, struct dirent **dirent)
{
	struct sys_dir *d = (struct sys_dir *)dirp;
	int             rc;

	if (dfs_sys == NULL || d == NULL || dirent == NULL || d->s != dfs_sys)
		return EINVAL;
	/* A batch may come back empty before the end: ask again. */
	while (d->next == d->nr) {
		if (daos_anchor_is_eof(&d->anchor)) {
			*dirent = NULL;
			return 0;
		}
		d->nr   = SYS_DIR_BATCH;
		d->next = 0;
		rc      = dfs_readdir(dfs_sys->dfs, d->obj, &d->anchor, &d->nr, d->ents);
		if (rc != 0) {
			d->nr = 0;
			return rc;
		}
	}
	*dirent = &d->ents[d->next++];
	return 0;
}
