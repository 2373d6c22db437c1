/*
 * The libgurt hash table (gurt/hash.h). Records are the caller's memory,
 * linked through an embedded d_list_t; every decision about lifetime is
 * delegated to the caller's callbacks. One lock covers the whole table:
 * the tables applications build are small, and per-bucket locks would
 * complicate LRU moves and the destroy walk for no measured gain.
 *
 * Callbacks that only count references (addref, decref, ndecref) run
 * under the table lock so they need no atomics of their own;
 * hop_rec_free runs after the lock is dropped, because freeing a record
 * may call back into the application (IOR releases DFS objects there).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>

#include <gurt/hash.h>

struct d_hash_table {
	uint32_t		 ht_bits;
	uint32_t		 ht_feats;
	void			*ht_priv;
	d_hash_table_ops_t	*ht_ops;
	d_list_t		*ht_buckets;	/* 2^ht_bits list heads */
	pthread_mutex_t		 ht_mutex;	/* unless RWLOCK or NOLOCK */
	pthread_rwlock_t	 ht_rwlock;	/* with RWLOCK */
};

/* 2^31 buckets already exceed any sane allocation; beyond it the mask
 * arithmetic would overflow. */
#define HASH_BITS_MAX 31

static void
ht_lock(struct d_hash_table *t, bool write)
{
	if (t->ht_feats & D_HASH_FT_NOLOCK)
		return;
	if (t->ht_feats & D_HASH_FT_RWLOCK) {
		if (write)
			pthread_rwlock_wrlock(&t->ht_rwlock);
		else
			pthread_rwlock_rdlock(&t->ht_rwlock);
		return;
	}
	pthread_mutex_lock(&t->ht_mutex);
}

static void
ht_unlock(struct d_hash_table *t)
{
	if (t->ht_feats & D_HASH_FT_NOLOCK)
		return;
	if (t->ht_feats & D_HASH_FT_RWLOCK)
		pthread_rwlock_unlock(&t->ht_rwlock);
	else
		pthread_mutex_unlock(&t->ht_mutex);
}

static d_list_t *
ht_bucket(struct d_hash_table *t, const void *key, unsigned int ksize)
{
	uint32_t h;

	if (t->ht_ops->hop_key_hash != NULL)
		h = t->ht_ops->hop_key_hash(t, key, ksize);
	else
		h = d_hash_string_u32((const char *)key, ksize);
	return &t->ht_buckets[h & ((1U << t->ht_bits) - 1)];
}

static d_list_t *
ht_scan(struct d_hash_table *t, d_list_t *head, const void *key,
	unsigned int ksize)
{
	d_list_t *link;

	d_list_for_each(link, head) {
		if (t->ht_ops->hop_key_cmp(t, link, key, ksize))
			return link;
	}
	return NULL;
}

/* The caller's reference on a found record, and its LRU promotion. */
static void
ht_found(struct d_hash_table *t, d_list_t *head, d_list_t *link)
{
	if (t->ht_ops->hop_rec_addref != NULL)
		t->ht_ops->hop_rec_addref(t, link);
	if ((t->ht_feats & D_HASH_FT_LRU) && head->next != link)
		d_list_move(link, head);
}

/* Link a record in; the table keeps a reference unless EPHEMERAL. */
static void
ht_link(struct d_hash_table *t, d_list_t *head, d_list_t *link)
{
	d_list_add(link, head);
	if (!(t->ht_feats & D_HASH_FT_EPHEMERAL) &&
	    t->ht_ops->hop_rec_addref != NULL)
		t->ht_ops->hop_rec_addref(t, link);
}

/*
 * Unlink a record the table is giving up and say whether it must now be
 * freed. An EPHEMERAL table holds no reference, so a record it deletes
 * is finished with; otherwise the table drops its own reference. Called
 * with the lock held.
 */
static bool
ht_unlink(struct d_hash_table *t, d_list_t *link)
{
	d_list_del_init(link);
	if (t->ht_feats & D_HASH_FT_EPHEMERAL)
		return true;
	if (t->ht_ops->hop_rec_decref == NULL)
		return true;
	return t->ht_ops->hop_rec_decref(t, link);
}

static void
ht_free(struct d_hash_table *t, d_list_t *link)
{
	if (t->ht_ops->hop_rec_free != NULL)
		t->ht_ops->hop_rec_free(t, link);
}

/* Writers are needed whenever a callback or an LRU move changes state,
 * so rwlock tables only read-share lookups of plain tables. */
static bool
ht_find_writes(struct d_hash_table *t)
{
	return (t->ht_feats & D_HASH_FT_LRU) ||
	       t->ht_ops->hop_rec_addref != NULL;
}

int
d_hash_table_create(uint32_t feats, uint32_t bits, void *priv,
		    d_hash_table_ops_t *hops, struct d_hash_table **htable_pp)
{
	struct d_hash_table *t;
	size_t nbuckets;
	size_t i;
	int rc;

	if (htable_pp == NULL || hops == NULL || hops->hop_key_cmp == NULL ||
	    bits > HASH_BITS_MAX)
		return -DER_INVAL;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -DER_NOMEM;
	nbuckets = (size_t)1 << bits;
	t->ht_buckets = calloc(nbuckets, sizeof(*t->ht_buckets));
	if (t->ht_buckets == NULL) {
		free(t);
		return -DER_NOMEM;
	}
	for (i = 0; i < nbuckets; i++)
		D_INIT_LIST_HEAD(&t->ht_buckets[i]);
	t->ht_bits = bits;
	t->ht_feats = feats;
	t->ht_priv = priv;
	t->ht_ops = hops;

	rc = 0;
	if (feats & D_HASH_FT_NOLOCK)
		;
	else if (feats & D_HASH_FT_RWLOCK)
		rc = pthread_rwlock_init(&t->ht_rwlock, NULL);
	else
		rc = pthread_mutex_init(&t->ht_mutex, NULL);
	if (rc != 0) {
		free(t->ht_buckets);
		free(t);
		return -DER_NOMEM;
	}

	*htable_pp = t;
	return 0;
}

int
d_hash_table_destroy(struct d_hash_table *t, bool force)
{
	d_list_t zombies;
	d_list_t *link;
	size_t nbuckets;
	size_t i;

	if (t == NULL)
		return -DER_INVAL;
	nbuckets = (size_t)1 << t->ht_bits;
	D_INIT_LIST_HEAD(&zombies);

	ht_lock(t, true);
	for (i = 0; i < nbuckets; i++) {
		d_list_t *head = &t->ht_buckets[i];

		if (d_list_empty(head))
			continue;
		if (!force) {
			ht_unlock(t);
			return -DER_BUSY;
		}
		while (!d_list_empty(head)) {
			link = head->next;
			/* Parked on a private list so the free callbacks
			 * can run after the lock is released. */
			if (ht_unlink(t, link))
				d_list_add_tail(link, &zombies);
		}
	}
	ht_unlock(t);

	while ((link = d_list_pop(&zombies)) != NULL)
		ht_free(t, link);

	if (t->ht_feats & D_HASH_FT_NOLOCK)
		;
	else if (t->ht_feats & D_HASH_FT_RWLOCK)
		pthread_rwlock_destroy(&t->ht_rwlock);
	else
		pthread_mutex_destroy(&t->ht_mutex);
	free(t->ht_buckets);
	free(t);
	return 0;
}

void *
d_hash_table_priv(struct d_hash_table *t)
{
	return t == NULL ? NULL : t->ht_priv;
}

d_list_t *
d_hash_rec_find(struct d_hash_table *t, const void *key, unsigned int ksize)
{
	d_list_t *head;
	d_list_t *link;

	if (t == NULL)
		return NULL;
	ht_lock(t, ht_find_writes(t));
	head = ht_bucket(t, key, ksize);
	link = ht_scan(t, head, key, ksize);
	if (link != NULL)
		ht_found(t, head, link);
	ht_unlock(t);
	return link;
}

int
d_hash_rec_insert(struct d_hash_table *t, const void *key, unsigned int ksize,
		  d_list_t *link, bool exclusive)
{
	d_list_t *head;

	if (t == NULL || link == NULL)
		return -DER_INVAL;
	ht_lock(t, true);
	head = ht_bucket(t, key, ksize);
	if (exclusive && ht_scan(t, head, key, ksize) != NULL) {
		ht_unlock(t);
		return -DER_EXIST;
	}
	ht_link(t, head, link);
	ht_unlock(t);
	return 0;
}

d_list_t *
d_hash_rec_find_insert(struct d_hash_table *t, const void *key,
		       unsigned int ksize, d_list_t *link)
{
	d_list_t *head;
	d_list_t *found;

	if (t == NULL || link == NULL)
		return NULL;
	ht_lock(t, true);
	head = ht_bucket(t, key, ksize);
	found = ht_scan(t, head, key, ksize);
	if (found != NULL) {
		ht_found(t, head, found);
	} else {
		ht_link(t, head, link);
		found = link;
	}
	ht_unlock(t);
	return found;
}

int
d_hash_rec_insert_anonym(struct d_hash_table *t, d_list_t *link, void *arg)
{
	d_list_t *head;
	bool keyinit_unlocked;
	uint32_t h;

	if (t == NULL || link == NULL || t->ht_ops->hop_key_init == NULL ||
	    t->ht_ops->hop_rec_hash == NULL)
		return -DER_INVAL;
	keyinit_unlocked = (t->ht_feats & D_HASH_FT_NO_KEYINIT_LOCK) != 0;
	if (keyinit_unlocked)
		t->ht_ops->hop_key_init(t, link, arg);
	ht_lock(t, true);
	if (!keyinit_unlocked)
		t->ht_ops->hop_key_init(t, link, arg);
	h = t->ht_ops->hop_rec_hash(t, link);
	head = &t->ht_buckets[h & ((1U << t->ht_bits) - 1)];
	ht_link(t, head, link);
	ht_unlock(t);
	return 0;
}

bool
d_hash_rec_delete(struct d_hash_table *t, const void *key, unsigned int ksize)
{
	d_list_t *link;
	bool zombie = false;

	if (t == NULL)
		return false;
	ht_lock(t, true);
	link = ht_scan(t, ht_bucket(t, key, ksize), key, ksize);
	if (link != NULL)
		zombie = ht_unlink(t, link);
	ht_unlock(t);
	if (zombie)
		ht_free(t, link);
	return link != NULL;
}

bool
d_hash_rec_delete_at(struct d_hash_table *t, d_list_t *link)
{
	bool linked;
	bool zombie = false;

	if (t == NULL || link == NULL)
		return false;
	ht_lock(t, true);
	linked = !d_list_empty(link);
	if (linked)
		zombie = ht_unlink(t, link);
	ht_unlock(t);
	if (zombie)
		ht_free(t, link);
	return linked;
}

void
d_hash_rec_addref(struct d_hash_table *t, d_list_t *link)
{
	if (t == NULL || link == NULL || t->ht_ops->hop_rec_addref == NULL)
		return;
	ht_lock(t, true);
	t->ht_ops->hop_rec_addref(t, link);
	ht_unlock(t);
}

/* After the last reference went: a record still linked (always the case
 * in an EPHEMERAL table) leaves the table before it is freed, so walks
 * such as first+decref make progress. */
static void
ht_last_ref(d_list_t *link)
{
	if (!d_list_empty(link))
		d_list_del_init(link);
}

void
d_hash_rec_decref(struct d_hash_table *t, d_list_t *link)
{
	bool zombie;

	if (t == NULL || link == NULL || t->ht_ops->hop_rec_decref == NULL)
		return;
	ht_lock(t, true);
	zombie = t->ht_ops->hop_rec_decref(t, link);
	if (zombie)
		ht_last_ref(link);
	ht_unlock(t);
	if (zombie)
		ht_free(t, link);
}

int
d_hash_rec_ndecref(struct d_hash_table *t, int count, d_list_t *link)
{
	d_hash_table_ops_t *ops;
	bool zombie = false;
	int rc = 0;
	int i;

	if (t == NULL || link == NULL || count <= 0)
		return -DER_INVAL;
	ops = t->ht_ops;
	ht_lock(t, true);
	if (ops->hop_rec_ndecref != NULL) {
		rc = ops->hop_rec_ndecref(t, link, count);
		zombie = rc > 0;
		if (rc > 0)
			rc = 0;
	} else if (ops->hop_rec_decref != NULL) {
		for (i = 0; i < count && !zombie; i++)
			zombie = ops->hop_rec_decref(t, link);
		/* References dropped past the last one are a caller bug. */
		if (i < count)
			rc = -DER_INVAL;
	}
	if (zombie)
		ht_last_ref(link);
	ht_unlock(t);
	if (zombie)
		ht_free(t, link);
	return rc;
}

bool
d_hash_rec_unlinked(d_list_t *link)
{
	return d_list_empty(link);
}

d_list_t *
d_hash_rec_first(struct d_hash_table *t)
{
	d_list_t *link = NULL;
	size_t nbuckets;
	size_t i;

	if (t == NULL)
		return NULL;
	nbuckets = (size_t)1 << t->ht_bits;
	ht_lock(t, false);
	for (i = 0; i < nbuckets; i++) {
		if (!d_list_empty(&t->ht_buckets[i])) {
			link = t->ht_buckets[i].next;
			break;
		}
	}
	ht_unlock(t);
	return link;
}

int
d_hash_table_traverse(struct d_hash_table *t, d_hash_traverse_cb_t cb,
		      void *arg)
{
	d_list_t *link;
	d_list_t *next;
	size_t nbuckets;
	size_t i;
	int rc = 0;

	if (t == NULL || cb == NULL)
		return -DER_INVAL;
	nbuckets = (size_t)1 << t->ht_bits;
	ht_lock(t, false);
	for (i = 0; i < nbuckets && rc == 0; i++) {
		d_list_for_each_safe(link, next, &t->ht_buckets[i]) {
			rc = cb(link, arg);
			if (rc != 0)
				break;
		}
	}
	ht_unlock(t);
	return rc;
}
