/*
 * An intrusive hash table: callers embed a d_list_t in their records and
 * supply callbacks for key comparison, hashing and reference counting.
 * The table never copies or allocates records; it only links them.
 * Functions return 0 or a negative DER code.
 */
#ifndef GURT_HASH_H
#define GURT_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include <gurt/common.h>
#include <gurt/list.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layout kept private: consumers only ever hold a pointer. */
struct d_hash_table;

typedef struct {
	/* Mandatory: does the record at link have this key? */
	bool	 (*hop_key_cmp)(struct d_hash_table *htable, d_list_t *link,
				const void *key, unsigned int ksize);
	/* Give an anonymous record its key (d_hash_rec_insert_anonym). */
	void	 (*hop_key_init)(struct d_hash_table *htable, d_list_t *link,
				 void *arg);
	/* Hash of a key; djb2 of its bytes when absent. */
	uint32_t (*hop_key_hash)(struct d_hash_table *htable, const void *key,
				 unsigned int ksize);
	/* Hash of a linked record's key. */
	uint32_t (*hop_rec_hash)(struct d_hash_table *htable, d_list_t *link);
	void	 (*hop_rec_addref)(struct d_hash_table *htable, d_list_t *link);
	/* Drop one reference; true when it was the last. */
	bool	 (*hop_rec_decref)(struct d_hash_table *htable, d_list_t *link);
	/* Drop count references: 1 when none are left, 0 when some are,
	 * negative DER code on misuse. */
	int	 (*hop_rec_ndecref)(struct d_hash_table *htable, d_list_t *link,
				    int count);
	/* Release a record nobody references any more. */
	void	 (*hop_rec_free)(struct d_hash_table *htable, d_list_t *link);
} d_hash_table_ops_t;

enum d_hash_feats {
	D_HASH_FT_NOLOCK		= (1 << 0),	/* caller serialises */
	D_HASH_FT_MUTEX			= (1 << 1),
	D_HASH_FT_RWLOCK		= (1 << 2),
	/* The table holds no reference: a record is unlinked and freed
	 * when its last reference goes. */
	D_HASH_FT_EPHEMERAL		= (1 << 3),
	/* A found record moves to the front of its bucket. */
	D_HASH_FT_LRU			= (1 << 4),
	D_HASH_FT_NO_KEYINIT_LOCK	= (1 << 5),
	D_HASH_FT_GLOCK			= (1 << 15),
};

/* 2^bits buckets; priv is returned by d_hash_table_priv. */
int d_hash_table_create(uint32_t feats, uint32_t bits, void *priv,
			d_hash_table_ops_t *hops,
			struct d_hash_table **htable_pp);
/* -DER_BUSY while records remain unless force, which deletes them all
 * as d_hash_rec_delete does. */
int d_hash_table_destroy(struct d_hash_table *htable, bool force);
void *d_hash_table_priv(struct d_hash_table *htable);

/* Takes a reference (hop_rec_addref) on the record found. */
d_list_t *d_hash_rec_find(struct d_hash_table *htable, const void *key,
			  unsigned int ksize);
/* -DER_EXIST when exclusive and the key is present. */
int d_hash_rec_insert(struct d_hash_table *htable, const void *key,
		      unsigned int ksize, d_list_t *link, bool exclusive);
/* Finds the key or inserts link; returns the record now in the table,
 * with a reference taken. */
d_list_t *d_hash_rec_find_insert(struct d_hash_table *htable,
				 const void *key, unsigned int ksize,
				 d_list_t *link);
/* Keys the record with hop_key_init (arg passed through), then inserts
 * it; -DER_INVAL without hop_key_init and hop_rec_hash. */
int d_hash_rec_insert_anonym(struct d_hash_table *htable, d_list_t *link,
			     void *arg);
/* Unlink the record with this key and drop the table's reference (an
 * EPHEMERAL table holds none, so there the record is freed at once);
 * true if one was found. d_hash_table_destroy with force does this to
 * every record. */
bool d_hash_rec_delete(struct d_hash_table *htable, const void *key,
		       unsigned int ksize);
bool d_hash_rec_delete_at(struct d_hash_table *htable, d_list_t *link);
void d_hash_rec_addref(struct d_hash_table *htable, d_list_t *link);
/* When hop_rec_decref reports the last reference, the record is
 * unlinked (if still linked) and then hop_rec_free is called. */
void d_hash_rec_decref(struct d_hash_table *htable, d_list_t *link);
int d_hash_rec_ndecref(struct d_hash_table *htable, int count,
		       d_list_t *link);
/* True when link is in no table. */
bool d_hash_rec_unlinked(d_list_t *link);
/* Some record of the table, no reference taken; NULL when empty. */
d_list_t *d_hash_rec_first(struct d_hash_table *htable);

typedef int (*d_hash_traverse_cb_t)(d_list_t *link, void *arg);
/* Calls cb on every record until it returns non-zero, which is returned.
 * cb runs under the table lock and must not change the table. */
int d_hash_table_traverse(struct d_hash_table *htable,
			  d_hash_traverse_cb_t cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* GURT_HASH_H */
