/*
 * The dfs_* entry points (in libdaos.so.2; libdfs.so is a link to it).
 * Each forwards to the Go core's dgo_dfs_* exports (pkg/dfs does the
 * work). DFS calls return positive errno values, never DER codes.
 *
 * dfs_t and dfs_obj_t are C memory allocated here holding the core's
 * cookie for the mount or object: callers keep the pointers for as long
 * as they like, which Go pointers could not be.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <daos.h>
#include <daos_fs.h>

#include "dgo_ops.h"

/* In libdaos.c: the core's table, NULL until daos_init has loaded it. */
__attribute__((visibility("hidden"))) const struct dgo_ops *dgo_core(void);

struct dfs {
	uint64_t      cookie;
	/* The handles the mount was made over (for dfs_pool_get and
	 * dfs_cont_get). A dfs_connect'ed mount has them from its cache
	 * entry, known by its serial (conn, 0 for dfs_mount): the entry may
	 * be gone (dfs_fini) by the time dfs_disconnect looks. */
	uint64_t      conn;
	daos_handle_t poh;
	daos_handle_t coh;
	/* Handles handed out by dfs_pool_get/dfs_cont_get, not yet put. */
	uint32_t      pool_refs;
	uint32_t      cont_refs;
	/* poh and coh were opened by dfs_global2local_all: dfs_disconnect
	 * closes them. */
	bool          owns;
};

struct dfs_obj {
	uint64_t cookie;
	/* The mount's cookie, for the calls DAOS gives only an object. */
	uint64_t mount;
};

/* dfs_init's count: dfs_fini without dfs_init is EINVAL, and dfs_connect
 * needs dfs_init (EACCES otherwise), as in DFS. */
static pthread_mutex_t dfs_lock = PTHREAD_MUTEX_INITIALIZER;
static int             dfs_refs;

/* CORE(o) binds o to the core's table. Every handle argument comes from
 * a call that needed the core, so without it the arguments are bad. */
#define CORE(o)                                 \
	const struct dgo_ops *o = dgo_core();  \
	if (o == NULL)                          \
		return EINVAL

/* der2errno maps the DER codes of the daos_* calls DFS (and the unified
 * namespace, duns.c) makes itself. */
__attribute__((visibility("hidden"))) int
dgo_der2errno(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case -DER_NO_PERM:
		return EPERM;
	case -DER_NO_HDL:
	case -DER_INVAL:
	case -DER_UNINIT:
		return EINVAL;
	case -DER_EXIST:
		return EEXIST;
	case -DER_NONEXIST:
		return ENOENT;
	case -DER_NOSPACE:
		return ENOSPC;
	case -DER_NOMEM:
		return ENOMEM;
	case -DER_BUSY:
		return EBUSY;
	case -DER_TIMEDOUT:
		return ETIMEDOUT;
	case -DER_UNREACH:
		return EHOSTUNREACH;
	}
	return EIO;
}

/* The handles dfs_connect opened, shared by the connections to the same
 * container with the same access and counted; guarded by dfs_lock. */
struct conn {
	struct conn  *next;
	uint64_t      serial;
	char         *sys, *pool, *cont;
	bool          rw;
	daos_handle_t poh, coh;
	int           refs;
};

static struct conn *conns;
static uint64_t     conn_serial;

static void
conn_close(struct conn *c)
{
	daos_cont_close(c->coh, NULL);
	daos_pool_disconnect(c->poh, NULL);
	free(c->sys);
	free(c->pool);
	free(c->cont);
	free(c);
}

int
dfs_init(void)
{
	int rc;

	pthread_mutex_lock(&dfs_lock);
	rc = dgo_der2errno(daos_init());
	if (rc == 0)
		dfs_refs++;
	pthread_mutex_unlock(&dfs_lock);
	return rc;
}

int
dfs_fini(void)
{
	struct conn *c;
	int          rc;

	pthread_mutex_lock(&dfs_lock);
	if (dfs_refs == 0) {
		pthread_mutex_unlock(&dfs_lock);
		return EINVAL;
	}
	/* The last fini closes what dfs_connect left open. */
	if (--dfs_refs == 0) {
		while ((c = conns) != NULL) {
			conns = c->next;
			conn_close(c);
		}
	}
	rc = dgo_der2errno(daos_fini());
	pthread_mutex_unlock(&dfs_lock);
	return rc;
}

/* new_dfs wraps a mount cookie made over poh and coh; without memory the
 * mount is undone. */
static int
new_dfs(const struct dgo_ops *o, uint64_t cookie, daos_handle_t poh, daos_handle_t coh, dfs_t **out)
{
	dfs_t *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		o->dfs_umount(cookie);
		return ENOMEM;
	}
	d->cookie = cookie;
	d->poh    = poh;
	d->coh    = coh;
	*out = d;
	return 0;
}

static int
new_obj(const struct dgo_ops *o, uint64_t mount, uint64_t cookie, dfs_obj_t **out)
{
	dfs_obj_t *obj = malloc(sizeof(*obj));

	if (obj == NULL) {
		o->dfs_release(cookie);
		return ENOMEM;
	}
	obj->cookie = cookie;
	obj->mount  = mount;
	*out = obj;
	return 0;
}

/* cont_create is both dfs_cont_create calls: label NULL for the UUID
 * one. attr NULL takes the defaults. */
static int
cont_create(daos_handle_t poh, const char *label, dfs_attr_t *attr, uuid_t *uuid, daos_handle_t *coh,
	    dfs_t **dfs)
{
	dfs_attr_t def = {0};
	uint64_t   mh = 0;
	char       hints[DAOS_CONT_HINT_MAX_LEN + 1];
	int        rc;

	CORE(o);
	if (dfs != NULL && coh == NULL)
		return EINVAL; /* the mount needs the container open */
	if (attr == NULL)
		attr = &def;
	/* da_hints need not end in a NUL when it is full. */
	memcpy(hints, attr->da_hints, DAOS_CONT_HINT_MAX_LEN);
	hints[DAOS_CONT_HINT_MAX_LEN] = '\0';
	rc = o->dfs_cont_create(poh.cookie, (char *)label, uuid, attr->da_chunk_size, attr->da_oclass_id,
				attr->da_dir_oclass_id, attr->da_file_oclass_id, attr->da_mode, hints,
				attr->da_props, coh, dfs != NULL ? &mh : NULL);
	if (rc != 0 || dfs == NULL)
		return rc;
	return new_dfs(o, mh, poh, *coh, dfs);
}

int
dfs_cont_create(daos_handle_t poh, uuid_t *uuid, dfs_attr_t *attr, daos_handle_t *coh, dfs_t **dfs)
{
	/* Without a label the UUID is the only way back to the container. */
	if (uuid == NULL)
		return EINVAL;
	return cont_create(poh, NULL, attr, uuid, coh, dfs);
}

int
dfs_cont_create_with_label(daos_handle_t poh, const char *label, dfs_attr_t *attr, uuid_t *uuid,
			   daos_handle_t *coh, dfs_t **dfs)
{
	if (label == NULL || label[0] == '\0')
		return EINVAL;
	return cont_create(poh, label, attr, uuid, coh, dfs);
}

int
dfs_mount(daos_handle_t poh, daos_handle_t coh, int flags, dfs_t **dfs)
{
	uint64_t mh;
	int      rc;

	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	/* Only the access mode matters (DFS_BALANCED is the container's). */
	rc = o->dfs_mount(poh.cookie, coh.cookie, flags & O_ACCMODE, &mh);
	if (rc != 0)
		return rc;
	return new_dfs(o, mh, poh, coh, dfs);
}

/* unmount ends a mount of either kind and frees dfs. */
static int
unmount(dfs_t *dfs)
{
	int rc;

	CORE(o);
	if (__atomic_load_n(&dfs->pool_refs, __ATOMIC_ACQUIRE) != 0 ||
	    __atomic_load_n(&dfs->cont_refs, __ATOMIC_ACQUIRE) != 0)
		return EBUSY;
	rc = o->dfs_umount(dfs->cookie);
	/* A cookie the core does not know is not ours to free. */
	if (rc == 0)
		free(dfs);
	return rc;
}

int
dfs_umount(dfs_t *dfs)
{
	/* A dfs_connect'ed mount is ended by dfs_disconnect, which also lets
	 * go of its connection; freeing it here would leave that call a
	 * pointer to freed memory. */
	if (dfs == NULL || dfs->conn != 0 || dfs->owns)
		return EINVAL;
	return unmount(dfs);
}

static bool
same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* conn_open finds or makes the cache entry for a container; dfs_lock is
 * held. */
static int
conn_open(const char *pool, const char *sys, const char *cont, int flags, dfs_attr_t *attr, struct conn **out)
{
	struct conn *c;
	bool         rw = (flags & O_ACCMODE) == O_RDWR;
	unsigned int coflags = rw ? DAOS_COO_RW : DAOS_COO_RO;
	int          rc;

	for (c = conns; c != NULL; c = c->next) {
		if (c->rw == rw && same(c->sys, sys) && same(c->pool, pool) && same(c->cont, cont)) {
			c->refs++;
			*out = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ENOMEM;
	c->rw   = rw;
	c->sys  = strdup(sys != NULL ? sys : "");
	c->pool = strdup(pool);
	c->cont = strdup(cont);
	if (c->sys == NULL || c->pool == NULL || c->cont == NULL) {
		rc = ENOMEM;
		goto out_free;
	}
	rc = dgo_der2errno(daos_pool_connect(pool, sys, rw ? DAOS_PC_RW : DAOS_PC_RO, &c->poh, NULL, NULL));
	if (rc != 0)
		goto out_free;
	rc = daos_cont_open(c->poh, cont, coflags, &c->coh, NULL, NULL);
	if (rc == -DER_NONEXIST && (flags & O_CREAT)) {
		rc = dfs_cont_create_with_label(c->poh, cont, attr, NULL, &c->coh, NULL);
		/* Someone else created it meanwhile: use theirs. */
		if (rc == EEXIST)
			rc = dgo_der2errno(daos_cont_open(c->poh, cont, coflags, &c->coh, NULL, NULL));
	} else {
		rc = dgo_der2errno(rc);
	}
	if (rc != 0) {
		daos_pool_disconnect(c->poh, NULL);
		goto out_free;
	}
	c->serial = ++conn_serial;
	c->refs   = 1;
	c->next   = conns;
	conns     = c;
	*out      = c;
	return 0;
out_free:
	free(c->sys);
	free(c->pool);
	free(c->cont);
	free(c);
	return rc;
}

/* conn_put drops a reference to the entry with serial; dfs_lock is
 * held. */
static void
conn_put(uint64_t serial)
{
	struct conn **p, *c;

	for (p = &conns; (c = *p) != NULL; p = &c->next) {
		if (c->serial == serial) {
			if (--c->refs == 0) {
				*p = c->next;
				conn_close(c);
			}
			return;
		}
	}
}

int
dfs_connect(const char *pool, const char *sys, const char *cont, int flags, dfs_attr_t *attr, dfs_t **dfs)
{
	struct conn *c;
	int          rc;

	if (pool == NULL || cont == NULL || dfs == NULL)
		return EINVAL;
	pthread_mutex_lock(&dfs_lock);
	if (dfs_refs == 0) {
		pthread_mutex_unlock(&dfs_lock);
		return EACCES;
	}
	rc = conn_open(pool, sys, cont, flags, attr, &c);
	if (rc == 0) {
		rc = dfs_mount(c->poh, c->coh, flags & O_ACCMODE, dfs);
		if (rc == 0)
			(*dfs)->conn = c->serial;
		else
			conn_put(c->serial);
	}
	pthread_mutex_unlock(&dfs_lock);
	return rc;
}

int
dfs_disconnect(dfs_t *dfs)
{
	uint64_t conn;
	int      rc;

	if (dfs == NULL || (dfs->conn == 0 && !dfs->owns))
		return EINVAL;
	if (dfs->owns) {
		daos_handle_t poh = dfs->poh, coh = dfs->coh;

		rc = unmount(dfs);
		if (rc != 0)
			return rc;
		daos_cont_close(coh, NULL);
		daos_pool_disconnect(poh, NULL);
		return 0;
	}
	conn = dfs->conn;
	rc   = unmount(dfs);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&dfs_lock);
	conn_put(conn);
	pthread_mutex_unlock(&dfs_lock);
	return 0;
}

int
dfs_query(dfs_t *dfs, dfs_attr_t *attr)
{
	uint64_t chunk;
	uint32_t oclass, dir_oclass, file_oclass, mode;
	int      rc;

	CORE(o);
	if (dfs == NULL || attr == NULL)
		return EINVAL;
	rc = o->dfs_query(dfs->cookie, &chunk, &oclass, &dir_oclass, &file_oclass, &mode);
	if (rc != 0)
		return rc;
	memset(attr, 0, sizeof(*attr));
	attr->da_chunk_size     = chunk;
	attr->da_oclass_id      = oclass;
	attr->da_dir_oclass_id  = dir_oclass;
	attr->da_file_oclass_id = file_oclass;
	attr->da_mode           = mode;
	return 0;
}

/* dfs_pool_get and dfs_cont_get hand out the handles the mount was made
 * over, counted so that dfs_umount can refuse (EBUSY) while they are out;
 * the caller gives each back with the matching _put. */
static int
handle_get(dfs_t *dfs, bool pool, daos_handle_t *out)
{
	if (dfs == NULL || out == NULL)
		return EINVAL;
	if (pool) {
		*out = dfs->poh;
		__atomic_add_fetch(&dfs->pool_refs, 1, __ATOMIC_ACQ_REL);
	} else {
		*out = dfs->coh;
		__atomic_add_fetch(&dfs->cont_refs, 1, __ATOMIC_ACQ_REL);
	}
	return 0;
}

static int
handle_put(dfs_t *dfs, bool pool, daos_handle_t h)
{
	uint32_t *refs;
	uint32_t  n;

	if (dfs == NULL)
		return EINVAL;
	if (h.cookie != (pool ? dfs->poh.cookie : dfs->coh.cookie))
		return EINVAL;
	refs = pool ? &dfs->pool_refs : &dfs->cont_refs;
	n    = __atomic_load_n(refs, __ATOMIC_ACQUIRE);
	do {
		if (n == 0)
			return EINVAL; /* more puts than gets */
	} while (!__atomic_compare_exchange_n(refs, &n, n - 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return 0;
}

int
dfs_pool_get(dfs_t *dfs, daos_handle_t *poh)
{
	return handle_get(dfs, true, poh);
}

int
dfs_pool_put(dfs_t *dfs, daos_handle_t poh)
{
	return handle_put(dfs, true, poh);
}

int
dfs_cont_get(dfs_t *dfs, daos_handle_t *coh)
{
	return handle_get(dfs, false, coh);
}

int
dfs_cont_put(dfs_t *dfs, daos_handle_t coh)
{
	return handle_put(dfs, false, coh);
}

int
dfs_local2global(dfs_t *dfs, d_iov_t *glob)
{
	CORE(o);
	if (dfs == NULL || glob == NULL)
		return EINVAL;
	return o->dfs_local2global(dfs->cookie, glob);
}

int
dfs_global2local(daos_handle_t poh, daos_handle_t coh, int flags, d_iov_t glob, dfs_t **dfs)
{
	uint64_t mh;
	int      rc;

	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	rc = o->dfs_global2local(poh.cookie, coh.cookie, flags, glob, &mh);
	if (rc != 0)
		return rc;
	return new_dfs(o, mh, poh, coh, dfs);
}

/* dfs_local2global_all's buffer: this header, then the pool's, the
 * container's and the mount's global handles, each len[i] bytes. */
struct all_header {
	uint32_t magic;
	uint32_t version;
	uint64_t len[3];
};

#define ALL_MAGIC   0x31414744u /* "DGA1" */
#define ALL_VERSION 1u

/* part_sizes asks each local2global call for its size (iov_buf NULL); the
 * daos_* ones answer DER codes, dfs_local2global an errno. */
static int
part_sizes(dfs_t *dfs, uint64_t len[3])
{
	d_iov_t q;
	int     rc;

	memset(&q, 0, sizeof(q));
	rc = dgo_der2errno(daos_pool_local2global(dfs->poh, &q));
	if (rc != 0)
		return rc;
	len[0] = q.iov_buf_len;
	memset(&q, 0, sizeof(q));
	rc = dgo_der2errno(daos_cont_local2global(dfs->coh, &q));
	if (rc != 0)
		return rc;
	len[1] = q.iov_buf_len;
	memset(&q, 0, sizeof(q));
	rc = dfs_local2global(dfs, &q);
	if (rc != 0)
		return rc;
	len[2] = q.iov_buf_len;
	return 0;
}

/* fill_part writes one part's global handle at p, which must take
 * exactly len bytes: a handle that changed size since it was measured
 * is ENOBUFS, as is a buffer too small, so that the caller asks again. */
static int
fill_part(int rc, const d_iov_t *part, uint64_t len)
{
	if (rc == -DER_TRUNC || (rc == 0 && part->iov_len != len))
		return ENOBUFS;
	return rc < 0 ? dgo_der2errno(rc) : rc;
}

int
dfs_local2global_all(dfs_t *dfs, d_iov_t *glob)
{
	struct all_header h = {.magic = ALL_MAGIC, .version = ALL_VERSION};
	uint64_t          total;
	d_iov_t           part;
	char             *p;
	int               rc;

	if (dfs == NULL || glob == NULL)
		return EINVAL;
	rc = part_sizes(dfs, h.len);
	if (rc != 0)
		return rc;
	total = sizeof(h) + h.len[0] + h.len[1] + h.len[2];
	if (glob->iov_buf == NULL) {
		glob->iov_buf_len = total;
		glob->iov_len     = 0;
		return 0;
	}
	if (glob->iov_buf_len < glob->iov_len)
		return EINVAL;
	if (glob->iov_buf_len < total) {
		glob->iov_buf_len = total; /* the size to ask with, as in DAOS */
		return ENOBUFS;
	}
	p = glob->iov_buf;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	d_iov_set(&part, p, h.len[0]);
	part.iov_len = 0;
	rc = fill_part(daos_pool_local2global(dfs->poh, &part), &part, h.len[0]);
	if (rc == 0) {
		p += h.len[0];
		d_iov_set(&part, p, h.len[1]);
		part.iov_len = 0;
		rc = fill_part(daos_cont_local2global(dfs->coh, &part), &part, h.len[1]);
	}
	if (rc == 0) {
		p += h.len[1];
		d_iov_set(&part, p, h.len[2]);
		part.iov_len = 0;
		rc = fill_part(dfs_local2global(dfs, &part), &part, h.len[2]);
	}
	if (rc == 0)
		glob->iov_len = total;
	return rc;
}

int
dfs_global2local_all(int flags, d_iov_t glob, dfs_t **dfs)
{
	struct all_header h;
	daos_handle_t     poh, coh;
	d_iov_t           part;
	char             *p;
	int               rc;

	if (dfs == NULL || glob.iov_buf == NULL || glob.iov_len > glob.iov_buf_len ||
	    glob.iov_len < sizeof(h))
		return EINVAL;
	memcpy(&h, glob.iov_buf, sizeof(h));
	if (h.magic != ALL_MAGIC || h.version != ALL_VERSION)
		return EINVAL;
	/* Taken off what is left one at a time, so nothing can wrap. */
	{
		uint64_t left = glob.iov_len - sizeof(h);
		int      i;

		for (i = 0; i < 3; i++) {
			if (h.len[i] == 0 || h.len[i] > left)
				return EINVAL;
			left -= h.len[i];
		}
		if (left != 0)
			return EINVAL;
	}
	p = (char *)glob.iov_buf + sizeof(h);
	d_iov_set(&part, p, h.len[0]);
	rc = dgo_der2errno(daos_pool_global2local(part, &poh));
	if (rc != 0)
		return rc;
	p += h.len[0];
	d_iov_set(&part, p, h.len[1]);
	rc = dgo_der2errno(daos_cont_global2local(poh, part, &coh));
	if (rc != 0)
		goto out_pool;
	p += h.len[1];
	d_iov_set(&part, p, h.len[2]);
	rc = dfs_global2local(poh, coh, flags, part, dfs);
	if (rc != 0)
		goto out_cont;
	(*dfs)->owns = true;
	return 0;
out_cont:
	daos_cont_close(coh, NULL);
out_pool:
	daos_pool_disconnect(poh, NULL);
	return rc;
}

int
dfs_set_prefix(dfs_t *dfs, const char *prefix)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	return o->dfs_set_prefix(dfs->cookie, (char *)prefix);
}

/* Stat fields as the core reports them (bindings/libdaos/dfs.go). */
enum {
	DGO_ST_MODE,
	DGO_ST_UID,
	DGO_ST_GID,
	DGO_ST_NLINK,
	DGO_ST_SIZE,
	DGO_ST_BLOCKS,
	DGO_ST_BLKSIZE,
	DGO_ST_ATIME,
	DGO_ST_ATIME_NS,
	DGO_ST_MTIME,
	DGO_ST_MTIME_NS,
	DGO_ST_CTIME,
	DGO_ST_CTIME_NS,
	DGO_ST_INO,
	DGO_ST_COUNT,
};

static void
fill_stat(struct stat *st, const int64_t *v)
{
	memset(st, 0, sizeof(*st));
	st->st_mode            = (mode_t)v[DGO_ST_MODE];
	st->st_uid             = (uid_t)v[DGO_ST_UID];
	st->st_gid             = (gid_t)v[DGO_ST_GID];
	st->st_nlink           = (nlink_t)v[DGO_ST_NLINK];
	st->st_size            = (off_t)v[DGO_ST_SIZE];
	st->st_blocks          = (blkcnt_t)v[DGO_ST_BLOCKS];
	st->st_blksize         = (blksize_t)v[DGO_ST_BLKSIZE];
	st->st_atim.tv_sec     = (time_t)v[DGO_ST_ATIME];
	st->st_atim.tv_nsec    = (long)v[DGO_ST_ATIME_NS];
	st->st_mtim.tv_sec     = (time_t)v[DGO_ST_MTIME];
	st->st_mtim.tv_nsec    = (long)v[DGO_ST_MTIME_NS];
	st->st_ctim.tv_sec     = (time_t)v[DGO_ST_CTIME];
	st->st_ctim.tv_nsec    = (long)v[DGO_ST_CTIME_NS];
	st->st_ino             = (ino_t)v[DGO_ST_INO];
}

static inline uint64_t
obj_cookie(dfs_obj_t *obj)
{
	return obj == NULL ? 0 : obj->cookie;
}

/* lookup is dfs_lookup (parent unused) and dfs_lookup_rel. */
static int
lookup(dfs_t *dfs, bool rel, dfs_obj_t *parent, const char *path, int flags, dfs_obj_t **obj, mode_t *mode,
       struct stat *stbuf)
{
	int64_t  st[DGO_ST_COUNT];
	uint32_t m;
	uint64_t oh;
	int      rc;

	CORE(o);
	if (dfs == NULL || path == NULL || obj == NULL)
		return EINVAL;
	if (rel)
		rc = o->dfs_lookup_rel(dfs->cookie, obj_cookie(parent), (char *)path, flags, &oh, &m,
				       stbuf != NULL ? st : NULL);
	else
		rc = o->dfs_lookup(dfs->cookie, (char *)path, flags, &oh, &m, stbuf != NULL ? st : NULL);
	if (rc != 0)
		return rc;
	rc = new_obj(o, dfs->cookie, oh, obj);
	if (rc != 0)
		return rc;
	if (mode != NULL)
		*mode = m;
	if (stbuf != NULL)
		fill_stat(stbuf, st);
	return 0;
}

int
dfs_lookup(dfs_t *dfs, const char *path, int flags, dfs_obj_t **obj, mode_t *mode, struct stat *stbuf)
{
	return lookup(dfs, false, NULL, path, flags, obj, mode, stbuf);
}

int
dfs_lookup_rel(dfs_t *dfs, dfs_obj_t *parent, const char *name, int flags, dfs_obj_t **obj, mode_t *mode,
	       struct stat *stbuf)
{
	return lookup(dfs, true, parent, name, flags, obj, mode, stbuf);
}

int
dfs_open(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode, int flags, daos_oclass_id_t cid,
	 daos_size_t chunk_size, const char *value, dfs_obj_t **obj)
{
	uint64_t oh;
	int      rc;

	CORE(o);
	if (dfs == NULL || name == NULL || obj == NULL)
		return EINVAL;
	rc = o->dfs_open(dfs->cookie, obj_cookie(parent), (char *)name, mode, flags, cid, chunk_size,
			 (char *)value, &oh);
	if (rc != 0)
		return rc;
	return new_obj(o, dfs->cookie, oh, obj);
}

int
dfs_release(dfs_obj_t *obj)
{
	int rc;

	CORE(o);
	if (obj == NULL)
		return EINVAL;
	rc = o->dfs_release(obj->cookie);
	/* As dfs_umount: only a cookie the core knew is freed. */
	if (rc == 0)
		free(obj);
	return rc;
}

int
dfs_obj_local2global(dfs_t *dfs, dfs_obj_t *obj, d_iov_t *glob)
{
	CORE(o);
	if (dfs == NULL || obj == NULL || glob == NULL)
		return EINVAL;
	return o->dfs_obj_local2global(dfs->cookie, obj->cookie, glob);
}

int
dfs_obj_global2local(dfs_t *dfs, int flags, d_iov_t glob, dfs_obj_t **obj)
{
	uint64_t oh;
	int      rc;

	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	rc = o->dfs_obj_global2local(dfs->cookie, flags, glob, &oh);
	if (rc != 0)
		return rc;
	return new_obj(o, dfs->cookie, oh, obj);
}

int
dfs_read(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off, daos_size_t *read_size, daos_event_t *ev)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_read(dfs->cookie, obj->cookie, sgl, off, read_size, ev);
}

int
dfs_write(dfs_t *dfs, dfs_obj_t *obj, d_sg_list_t *sgl, daos_off_t off, daos_event_t *ev)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_write(dfs->cookie, obj->cookie, sgl, off, ev);
}

int
dfs_readx(dfs_t *dfs, dfs_obj_t *obj, dfs_iod_t *iod, d_sg_list_t *sgl, daos_size_t *read_size,
	  daos_event_t *ev)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_readx(dfs->cookie, obj->cookie, iod, sgl, read_size, ev);
}

int
dfs_writex(dfs_t *dfs, dfs_obj_t *obj, dfs_iod_t *iod, d_sg_list_t *sgl, daos_event_t *ev)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_writex(dfs->cookie, obj->cookie, iod, sgl, ev);
}

int
dfs_get_size(dfs_t *dfs, dfs_obj_t *obj, daos_size_t *size)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_get_size(dfs->cookie, obj->cookie, size);
}

int
dfs_mkdir(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode, daos_oclass_id_t cid)
{
	CORE(o);
	if (dfs == NULL || name == NULL)
		return EINVAL;
	return o->dfs_mkdir(dfs->cookie, obj_cookie(parent), (char *)name, mode, cid);
}

int
dfs_remove(dfs_t *dfs, dfs_obj_t *parent, const char *name, bool force, daos_obj_id_t *oid)
{
	CORE(o);
	if (dfs == NULL || name == NULL)
		return EINVAL;
	return o->dfs_remove(dfs->cookie, obj_cookie(parent), (char *)name, force, oid);
}

int
dfs_move(dfs_t *dfs, dfs_obj_t *parent, const char *name, dfs_obj_t *new_parent, const char *new_name,
	 daos_obj_id_t *oid)
{
	CORE(o);
	if (dfs == NULL || name == NULL || new_name == NULL)
		return EINVAL;
	return o->dfs_move(dfs->cookie, obj_cookie(parent), (char *)name, obj_cookie(new_parent), (char *)new_name,
			   oid);
}

int
dfs_stat(dfs_t *dfs, dfs_obj_t *parent, const char *name, struct stat *stbuf)
{
	int64_t st[DGO_ST_COUNT];
	int     rc;

	CORE(o);
	if (dfs == NULL || stbuf == NULL)
		return EINVAL;
	rc = o->dfs_stat(dfs->cookie, obj_cookie(parent), (char *)name, st);
	if (rc == 0)
		fill_stat(stbuf, st);
	return rc;
}

int
dfs_access(dfs_t *dfs, dfs_obj_t *parent, const char *name, int mask)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	return o->dfs_access(dfs->cookie, obj_cookie(parent), (char *)name, mask);
}

int
dfs_sync(dfs_t *dfs)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	return o->dfs_sync(dfs->cookie);
}

int
dfs_readdir(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor, uint32_t *nr, struct dirent *dirs)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	if (obj == NULL) /* no directory, as DFS answers */
		return ENOTDIR;
	/* The core writes only d_name, at libc's offsets. */
	return o->dfs_readdir(dfs->cookie, obj->cookie, anchor, nr, dirs, sizeof(*dirs),
			      offsetof(struct dirent, d_name), sizeof(dirs->d_name));
}

int
dfs_readdirplus(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor, uint32_t *nr,
		struct dirent *dirs, struct stat *stbufs)
{
	uint32_t i, kept = 0;
	int      rc;

	if (stbufs == NULL || nr == NULL)
		return EINVAL;
	rc = dfs_readdir(dfs, obj, anchor, nr, dirs);
	if (rc != 0)
		return rc;
	for (i = 0; i < *nr; i++) {
		rc = dfs_stat(dfs, obj, dirs[i].d_name, &stbufs[kept]);
		if (rc == ENOENT)
			continue; /* removed since it was listed: not there any more */
		if (rc != 0)
			return rc;
		if (kept != i)
			dirs[kept] = dirs[i];
		kept++;
	}
	*nr = kept;
	return 0;
}

/* A second handle on an open object, made as another process would from
 * the object's global form: nothing is asked of the servers. */
int
dfs_dup(dfs_t *dfs, dfs_obj_t *obj, int flags, dfs_obj_t **new_obj)
{
	d_iov_t glob = {0};
	int     rc;

	if (dfs == NULL || obj == NULL || new_obj == NULL)
		return EINVAL;
	rc = dfs_obj_local2global(dfs, obj, &glob);
	if (rc != 0)
		return rc;
	glob.iov_buf = malloc(glob.iov_buf_len);
	if (glob.iov_buf == NULL)
		return ENOMEM;
	glob.iov_len = glob.iov_buf_len;
	rc = dfs_obj_local2global(dfs, obj, &glob);
	if (rc == 0)
		rc = dfs_obj_global2local(dfs, flags, glob, new_obj);
	free(glob.iov_buf);
	return rc;
}

int
dfs_suggest_oclass(dfs_t *dfs, const char *hint, daos_oclass_id_t *cid)
{
	uint32_t c;
	int      rc;

	CORE(o);
	if (dfs == NULL || hint == NULL || cid == NULL)
		return EINVAL;
	rc = o->dfs_suggest_oclass(dfs->cookie, (char *)hint, &c);
	if (rc == 0)
		*cid = c;
	return rc;
}

int
dfs_obj_anchor_split(dfs_obj_t *obj, uint32_t *nr, daos_anchor_t *anchors)
{
	CORE(o);
	if (obj == NULL)
		return EINVAL;
	return o->dfs_obj_anchor_split(obj->mount, obj->cookie, nr, anchors);
}

int
dfs_obj_anchor_set(dfs_obj_t *obj, uint32_t index, daos_anchor_t *anchor)
{
	CORE(o);
	if (obj == NULL)
		return EINVAL;
	return o->dfs_obj_anchor_set(obj->mount, obj->cookie, index, anchor);
}

/* put_stat is fill_stat the other way: the fields dfs_osetattr may set,
 * in the core's order. */
static void
put_stat(int64_t *v, const struct stat *st)
{
	memset(v, 0, DGO_ST_COUNT * sizeof(*v));
	v[DGO_ST_MODE]     = st->st_mode;
	v[DGO_ST_UID]      = st->st_uid;
	v[DGO_ST_GID]      = st->st_gid;
	v[DGO_ST_SIZE]     = st->st_size;
	v[DGO_ST_ATIME]    = st->st_atim.tv_sec;
	v[DGO_ST_ATIME_NS] = st->st_atim.tv_nsec;
	v[DGO_ST_MTIME]    = st->st_mtim.tv_sec;
	v[DGO_ST_MTIME_NS] = st->st_mtim.tv_nsec;
}

int
dfs_ostat(dfs_t *dfs, dfs_obj_t *obj, struct stat *stbuf)
{
	int64_t st[DGO_ST_COUNT];
	int     rc;

	CORE(o);
	if (dfs == NULL || obj == NULL || stbuf == NULL)
		return EINVAL;
	rc = o->dfs_ostat(dfs->cookie, obj->cookie, st);
	if (rc == 0)
		fill_stat(stbuf, st);
	return rc;
}

int
dfs_osetattr(dfs_t *dfs, dfs_obj_t *obj, struct stat *stbuf, int flags)
{
	int64_t in[DGO_ST_COUNT], out[DGO_ST_COUNT];
	int     rc;

	CORE(o);
	if (dfs == NULL || obj == NULL || stbuf == NULL)
		return EINVAL;
	put_stat(in, stbuf);
	rc = o->dfs_osetattr(dfs->cookie, obj->cookie, in, flags, out);
	if (rc == 0)
		fill_stat(stbuf, out);
	return rc;
}

int
dfs_chmod(dfs_t *dfs, dfs_obj_t *parent, const char *name, mode_t mode)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	return o->dfs_chmod(dfs->cookie, obj_cookie(parent), (char *)name, mode);
}

int
dfs_chown(dfs_t *dfs, dfs_obj_t *parent, const char *name, uid_t uid, gid_t gid, int flags)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	return o->dfs_chown(dfs->cookie, obj_cookie(parent), (char *)name, uid, gid, flags);
}

int
dfs_punch(dfs_t *dfs, dfs_obj_t *obj, daos_off_t offset, daos_size_t len)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_punch(dfs->cookie, obj->cookie, offset, len);
}

int
dfs_setxattr(dfs_t *dfs, dfs_obj_t *obj, const char *name, const void *value, daos_size_t size, int flags)
{
	CORE(o);
	if (dfs == NULL || obj == NULL || name == NULL)
		return EINVAL;
	return o->dfs_setxattr(dfs->cookie, obj->cookie, (char *)name, (void *)value, size, flags);
}

int
dfs_getxattr(dfs_t *dfs, dfs_obj_t *obj, const char *name, void *value, daos_size_t *size)
{
	CORE(o);
	if (dfs == NULL || obj == NULL || name == NULL || size == NULL)
		return EINVAL;
	return o->dfs_getxattr(dfs->cookie, obj->cookie, (char *)name, value, size);
}

int
dfs_removexattr(dfs_t *dfs, dfs_obj_t *obj, const char *name)
{
	CORE(o);
	if (dfs == NULL || obj == NULL || name == NULL)
		return EINVAL;
	return o->dfs_removexattr(dfs->cookie, obj->cookie, (char *)name);
}

int
dfs_listxattr(dfs_t *dfs, dfs_obj_t *obj, char *list, daos_size_t *size)
{
	CORE(o);
	if (dfs == NULL || obj == NULL || size == NULL)
		return EINVAL;
	return o->dfs_listxattr(dfs->cookie, obj->cookie, list, size);
}

int
dfs_get_mode(dfs_obj_t *obj, mode_t *mode)
{
	uint32_t m;
	int      rc;

	CORE(o);
	if (obj == NULL || mode == NULL)
		return EINVAL;
	rc = o->dfs_get_mode(obj->mount, obj->cookie, &m);
	if (rc == 0)
		*mode = m;
	return rc;
}

int
dfs_obj2id(dfs_obj_t *obj, daos_obj_id_t *oid)
{
	CORE(o);
	if (obj == NULL || oid == NULL)
		return EINVAL;
	return o->dfs_obj2id(obj->mount, obj->cookie, oid);
}

int
dfs_get_chunk_size(dfs_obj_t *obj, daos_size_t *chunk_size)
{
	CORE(o);
	if (obj == NULL || chunk_size == NULL)
		return EINVAL;
	return o->dfs_get_chunk_size(obj->mount, obj->cookie, chunk_size);
}

int
dfs_get_symlink_value(dfs_obj_t *obj, char *buf, daos_size_t *size)
{
	CORE(o);
	if (obj == NULL || size == NULL)
		return EINVAL;
	return o->dfs_get_symlink_value(obj->mount, obj->cookie, buf, size);
}

int
dfs_obj_get_info(dfs_t *dfs, dfs_obj_t *obj, dfs_obj_info_t *info)
{
	uint32_t oclass, dir_oclass, file_oclass;
	uint64_t chunk;
	int      rc;

	CORE(o);
	if (obj == NULL || info == NULL)
		return EINVAL;
	/* As in DAOS, dfs may be NULL: the object knows its mount. */
	rc = o->dfs_obj_get_info(dfs != NULL ? dfs->cookie : obj->mount, obj->cookie, &oclass, &chunk, &dir_oclass,
				 &file_oclass, &info->doi_oid);
	if (rc != 0)
		return rc;
	info->doi_oclass_id      = oclass;
	info->doi_chunk_size     = chunk;
	info->doi_dir_oclass_id  = dir_oclass;
	info->doi_file_oclass_id = file_oclass;
	return 0;
}

int
dfs_obj_set_oclass(dfs_t *dfs, dfs_obj_t *obj, int flags, daos_oclass_id_t cid)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_obj_set_oclass(dfs->cookie, obj->cookie, flags, cid);
}

int
dfs_obj_set_chunk_size(dfs_t *dfs, dfs_obj_t *obj, int flags, daos_size_t csize)
{
	CORE(o);
	if (dfs == NULL || obj == NULL)
		return EINVAL;
	return o->dfs_obj_set_chunk_size(dfs->cookie, obj->cookie, flags, csize);
}

int
dfs_exchange(dfs_t *dfs, dfs_obj_t *parent1, const char *name1, dfs_obj_t *parent2, const char *name2)
{
	CORE(o);
	if (dfs == NULL || name1 == NULL || name2 == NULL)
		return EINVAL;
	return o->dfs_exchange(dfs->cookie, obj_cookie(parent1), (char *)name1, obj_cookie(parent2), (char *)name2);
}

int
dfs_iterate(dfs_t *dfs, dfs_obj_t *obj, daos_anchor_t *anchor, uint32_t *nr, size_t size, dfs_filler_cb_t op,
	    void *arg)
{
	CORE(o);
	if (dfs == NULL)
		return EINVAL;
	if (obj == NULL) /* no directory, as DFS answers */
		return ENOTDIR;
	if (anchor == NULL || nr == NULL)
		return EINVAL;
	/* The core calls op back with the caller's own dfs and obj. */
	return o->dfs_iterate(dfs->cookie, obj->cookie, anchor, nr, size, (void *)op, dfs, obj, arg);
}
