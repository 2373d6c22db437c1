/*
 * cmocka tests of the pure-C libgurt pieces (src/gurt): the hash table
 * as IOR drives it and beyond, and the DER name tables.
 *
 * With arguments the program instead prints values for cabi_test.go to
 * check against its own implementations:
 *   gurt_test hash WORD...   "djb2 murmur64" per word (murmur seed 0 and 42)
 *   gurt_test errstr         "code name" for every code it probes
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <limits.h>
#include <cmocka.h>

#include <gurt/common.h>
#include <gurt/hash.h>
#include <daos_errno.h>

struct rec {
	d_list_t	link;
	char		key[32];
	int		ref;
	int		freed;
	int		addrefs;
};

static struct rec *
link2rec(d_list_t *link)
{
	return container_of(link, struct rec, link);
}

static bool
rec_key_cmp(struct d_hash_table *t, d_list_t *link, const void *key,
	    unsigned int ksize)
{
	struct rec *r = link2rec(link);

	(void)t;
	return strlen(r->key) == ksize && memcmp(r->key, key, ksize) == 0;
}

static uint32_t
rec_hash(struct d_hash_table *t, d_list_t *link)
{
	struct rec *r = link2rec(link);

	(void)t;
	return d_hash_string_u32(r->key, (unsigned int)strlen(r->key));
}

static void
rec_addref(struct d_hash_table *t, d_list_t *link)
{
	(void)t;
	link2rec(link)->ref++;
	link2rec(link)->addrefs++;
}

static bool
rec_decref(struct d_hash_table *t, d_list_t *link)
{
	struct rec *r = link2rec(link);

	(void)t;
	assert_true(r->ref > 0);
	return --r->ref == 0;
}

static void
rec_free(struct d_hash_table *t, d_list_t *link)
{
	(void)t;
	link2rec(link)->freed++;
}

/* Every key lands in one bucket, so LRU order is observable. */
static uint32_t
same_bucket(struct d_hash_table *t, const void *key, unsigned int ksize)
{
	(void)t;
	(void)key;
	(void)ksize;
	return 7;
}

/* The callbacks IOR registers for its directory-handle cache. */
static d_hash_table_ops_t ior_ops = {
	.hop_key_cmp	= rec_key_cmp,
	.hop_rec_hash	= rec_hash,
	.hop_rec_decref	= rec_decref,
	.hop_rec_free	= rec_free,
};

static d_hash_table_ops_t full_ops = {
	.hop_key_cmp	= rec_key_cmp,
	.hop_rec_hash	= rec_hash,
	.hop_rec_addref	= rec_addref,
	.hop_rec_decref	= rec_decref,
	.hop_rec_free	= rec_free,
};

static void
rec_init(struct rec *r, const char *key, int ref)
{
	memset(r, 0, sizeof(*r));
	D_INIT_LIST_HEAD(&r->link);
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->ref = ref;
}

static int
insert(struct d_hash_table *t, struct rec *r, bool exclusive)
{
	return d_hash_rec_insert(t, r->key, (unsigned int)strlen(r->key),
				 &r->link, exclusive);
}

static d_list_t *
find(struct d_hash_table *t, const char *key)
{
	return d_hash_rec_find(t, key, (unsigned int)strlen(key));
}

static void
test_create_args(void **state)
{
	struct d_hash_table *t = NULL;
	d_hash_table_ops_t no_cmp = { 0 };

	(void)state;
	assert_int_equal(d_hash_table_create(0, 4, NULL, &no_cmp, &t),
			 -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, 4, NULL, NULL, &t),
			 -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, 4, NULL, &ior_ops, NULL),
			 -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, 40, NULL, &ior_ops, &t),
			 -DER_INVAL);
	assert_int_equal(d_hash_table_destroy(NULL, false), -DER_INVAL);

	assert_int_equal(d_hash_table_create(0, 0, &t, &ior_ops, &t), 0);
	assert_ptr_equal(d_hash_table_priv(t), &t);
	assert_null(d_hash_rec_first(t));
	assert_int_equal(d_hash_table_destroy(t, false), 0);
}

/* IOR: EPHEMERAL|NOLOCK|LRU, insert with one reference, later finds,
 * and finalize by first+decref until empty. */
static void
test_ior_pattern(void **state)
{
	struct d_hash_table *t;
	d_hash_table_ops_t ops = ior_ops;
	struct rec r[5];
	struct rec dup;
	char key[8];
	d_list_t *link;
	int i;
	int rounds;

	(void)state;
	ops.hop_key_hash = same_bucket;
	assert_int_equal(d_hash_table_create(D_HASH_FT_EPHEMERAL |
					     D_HASH_FT_NOLOCK |
					     D_HASH_FT_LRU, 4, NULL, &ops, &t),
			 0);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "/d%d", i);
		rec_init(&r[i], key, 1);
		assert_int_equal(insert(t, &r[i], true), 0);
		/* EPHEMERAL: the table takes no reference of its own. */
		assert_int_equal(r[i].ref, 1);
	}
	rec_init(&dup, "/d2", 1);
	assert_int_equal(insert(t, &dup, true), -DER_EXIST);
	assert_true(d_hash_rec_unlinked(&dup.link));

	/* Newest at the head; a find moves the record there (LRU). */
	assert_ptr_equal(d_hash_rec_first(t), &r[4].link);
	link = find(t, "/d1");
	assert_ptr_equal(link, &r[1].link);
	assert_ptr_equal(d_hash_rec_first(t), &r[1].link);
	assert_null(find(t, "/nope"));
	assert_null(find(t, "/d"));	/* prefix of a key is not the key */

	/* first takes no reference. */
	assert_int_equal(r[1].ref, 1);

	rounds = 0;
	while ((link = d_hash_rec_first(t)) != NULL) {
		d_hash_rec_decref(t, link);
		assert_true(++rounds <= 5);
	}
	for (i = 0; i < 5; i++) {
		assert_int_equal(r[i].freed, 1);
		assert_true(d_hash_rec_unlinked(&r[i].link));
	}
	assert_int_equal(d_hash_table_destroy(t, false), 0);
}

/* A non-EPHEMERAL table holds a reference on each record. */
static void
test_refcounted(void **state)
{
	struct d_hash_table *t;
	struct rec a;
	struct rec b;
	struct rec c;
	d_list_t *link;

	(void)state;
	assert_int_equal(d_hash_table_create(D_HASH_FT_MUTEX, 3, NULL,
					     &full_ops, &t), 0);
	rec_init(&a, "alpha", 0);
	rec_init(&b, "beta", 0);
	assert_int_equal(insert(t, &a, true), 0);
	assert_int_equal(insert(t, &b, false), 0);
	assert_int_equal(a.ref, 1);

	link = find(t, "alpha");
	assert_ptr_equal(link, &a.link);
	assert_int_equal(a.ref, 2);
	d_hash_rec_addref(t, link);
	assert_int_equal(a.ref, 3);
	assert_int_equal(d_hash_rec_ndecref(t, 2, link), 0);
	assert_int_equal(a.ref, 1);
	assert_int_equal(a.freed, 0);

	/* find_insert returns the existing record, with a reference. */
	rec_init(&c, "alpha", 0);
	assert_ptr_equal(d_hash_rec_find_insert(t, c.key, 5, &c.link),
			 &a.link);
	assert_int_equal(a.ref, 2);
	assert_true(d_hash_rec_unlinked(&c.link));
	d_hash_rec_decref(t, &a.link);

	/* Delete drops the table's reference: the last, so freed. */
	assert_true(d_hash_rec_delete(t, "alpha", 5));
	assert_false(d_hash_rec_delete(t, "alpha", 5));
	assert_int_equal(a.freed, 1);
	assert_null(find(t, "alpha"));

	/* Delete while the caller still holds one: freed at its decref. */
	link = find(t, "beta");
	assert_int_equal(b.ref, 2);
	assert_true(d_hash_rec_delete_at(t, link));
	assert_false(d_hash_rec_delete_at(t, link));
	assert_int_equal(b.freed, 0);
	d_hash_rec_decref(t, link);
	assert_int_equal(b.freed, 1);

	assert_int_equal(d_hash_table_destroy(t, false), 0);
}

static void
test_destroy_busy_force(void **state)
{
	struct d_hash_table *t;
	struct rec r[8];
	char key[8];
	int i;

	(void)state;
	assert_int_equal(d_hash_table_create(D_HASH_FT_RWLOCK, 2, NULL,
					     &full_ops, &t), 0);
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		rec_init(&r[i], key, 0);
		assert_int_equal(insert(t, &r[i], true), 0);
	}
	assert_int_equal(d_hash_table_destroy(t, false), -DER_BUSY);
	/* The table survives a refused destroy. */
	assert_ptr_equal(find(t, "k3"), &r[3].link);
	d_hash_rec_decref(t, &r[3].link);
	for (i = 0; i < 8; i++)
		assert_int_equal(r[i].freed, 0);

	assert_int_equal(d_hash_table_destroy(t, true), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(r[i].freed, 1);
		assert_int_equal(r[i].ref, 0);
	}
}

static void
test_destroy_force_ephemeral(void **state)
{
	struct d_hash_table *t;
	struct rec r[3];
	char key[8];
	int i;

	(void)state;
	assert_int_equal(d_hash_table_create(D_HASH_FT_EPHEMERAL, 1, NULL,
					     &ior_ops, &t), 0);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "e%d", i);
		rec_init(&r[i], key, 1);
		assert_int_equal(insert(t, &r[i], true), 0);
	}
	assert_int_equal(d_hash_table_destroy(t, false), -DER_BUSY);
	assert_int_equal(d_hash_table_destroy(t, true), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(r[i].freed, 1);
}

static void
anon_key_init(struct d_hash_table *t, d_list_t *link, void *arg)
{
	(void)t;
	snprintf(link2rec(link)->key, sizeof(link2rec(link)->key), "anon%d",
		 *(int *)arg);
}

static int
count_cb(d_list_t *link, void *arg)
{
	(void)link;
	return ++*(int *)arg == 100 ? 99 : 0;
}

static void
test_anonym_traverse(void **state)
{
	struct d_hash_table *t;
	d_hash_table_ops_t ops = full_ops;
	struct rec r[4];
	int n = 0;
	int i;

	(void)state;
	assert_int_equal(d_hash_table_create(0, 4, NULL, &ops, &t), 0);
	rec_init(&r[0], "", 0);
	assert_int_equal(d_hash_rec_insert_anonym(t, &r[0].link, &n),
			 -DER_INVAL);
	/* The table keeps a pointer to ops, so this takes effect. */
	ops.hop_key_init = anon_key_init;
	for (i = 0; i < 4; i++) {
		rec_init(&r[i], "", 0);
		assert_int_equal(d_hash_rec_insert_anonym(t, &r[i].link, &i),
				 0);
	}
	/* Keyed by hop_key_init and bucketed by hop_rec_hash, so the
	 * default key hash must agree with rec_hash to find it. */
	assert_ptr_equal(find(t, "anon2"), &r[2].link);
	d_hash_rec_decref(t, &r[2].link);

	n = 0;
	assert_int_equal(d_hash_table_traverse(t, count_cb, &n), 0);
	assert_int_equal(n, 4);
	n = 98;
	assert_int_equal(d_hash_table_traverse(t, count_cb, &n), 99);
	assert_int_equal(d_hash_table_traverse(t, NULL, &n), -DER_INVAL);
	assert_int_equal(d_hash_table_destroy(t, true), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(r[i].freed, 1);
}

struct worker {
	struct d_hash_table	*t;
	int			 id;
};

static void *
worker_run(void *arg)
{
	struct worker *w = (struct worker *)arg;
	char key[16];
	int i;

	for (i = 0; i < 2000; i++) {
		d_list_t *link;

		snprintf(key, sizeof(key), "w%d", i % 16);
		link = find(w->t, key);
		if (link != NULL)
			d_hash_rec_decref(w->t, link);
	}
	return NULL;
}

/* Concurrent finds and decrefs on a locked table keep counts exact. */
static void
test_threads(void **state)
{
	struct d_hash_table *t;
	struct rec r[16];
	struct worker w[2];
	pthread_t tid[2];
	char key[16];
	int i;

	(void)state;
	assert_int_equal(d_hash_table_create(D_HASH_FT_MUTEX | D_HASH_FT_LRU,
					     2, NULL, &full_ops, &t), 0);
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof(key), "w%d", i);
		rec_init(&r[i], key, 0);
		assert_int_equal(insert(t, &r[i], true), 0);
	}
	for (i = 0; i < 2; i++) {
		w[i].t = t;
		w[i].id = i;
		assert_int_equal(pthread_create(&tid[i], NULL, worker_run,
						&w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	for (i = 0; i < 16; i++) {
		assert_int_equal(r[i].ref, 1);
		assert_int_equal(r[i].addrefs, 1 + 2 * 2000 / 16);
	}
	assert_int_equal(d_hash_table_destroy(t, true), 0);
}

static void
test_errstr(void **state)
{
	char buf[128];
	int rc;

	(void)state;
	assert_string_equal(d_errstr(0), "DER_SUCCESS");
	assert_string_equal(d_errstr(-DER_NONEXIST), "DER_NONEXIST");
	assert_string_equal(d_errstr(-DER_NO_PERM), "DER_NO_PERM");
	assert_string_equal(d_errstr(-DER_IGNORE), "DER_IGNORE");
	assert_string_equal(d_errstr(-DER_UNKNOWN), "DER_UNKNOWN");
	assert_string_equal(d_errstr(-DER_ERR_GURT_BASE), "DER_UNKNOWN");
	assert_string_equal(d_errstr(-DER_LAST_VALID), "DER_UNKNOWN");
	assert_string_equal(d_errstr(-99999), "DER_UNKNOWN");
	assert_string_equal(d_errstr(DER_NONEXIST), "DER_UNKNOWN");
	assert_string_equal(d_errstr(INT_MIN), "DER_UNKNOWN");
	assert_string_equal(d_errstr(INT_MAX), "DER_UNKNOWN");

	assert_non_null(d_errdesc(0));
	assert_string_not_equal(d_errdesc(-DER_NONEXIST), "");
	assert_string_not_equal(d_errdesc(-DER_NONEXIST),
				d_errdesc(-DER_EXIST));
	assert_string_not_equal(d_errdesc(-99999), "");
	assert_non_null(d_errdesc(INT_MIN));
	assert_non_null(d_errdesc(1));

	rc = -DER_NONEXIST;
	snprintf(buf, sizeof(buf), DF_RC, DP_RC(rc));
	assert_non_null(strstr(buf, "DER_NONEXIST(-1005): '"));
}

static void
test_getenv_bool(void **state)
{
	bool v = true;

	(void)state;
	unsetenv("GURT_TEST_BOOL");
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), -DER_NONEXIST);
	assert_true(v); /* unchanged */
	setenv("GURT_TEST_BOOL", "0", 1);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), 0);
	assert_false(v);
	setenv("GURT_TEST_BOOL", "000", 1);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), 0);
	assert_false(v);
	setenv("GURT_TEST_BOOL", "-0", 1);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), 0);
	assert_false(v);
	setenv("GURT_TEST_BOOL", "10", 1);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), 0);
	assert_true(v);
	v = false;
	setenv("GURT_TEST_BOOL", "yes", 1);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", &v), 0);
	assert_true(v);
	assert_int_equal(d_getenv_bool(NULL, &v), -DER_INVAL);
	assert_int_equal(d_getenv_bool("GURT_TEST_BOOL", NULL), -DER_INVAL);
	unsetenv("GURT_TEST_BOOL");
}

static int
print_hashes(int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++) {
		unsigned int len = (unsigned int)strlen(argv[i]);
		const unsigned char *key = (const unsigned char *)argv[i];

		printf("%u %llu %llu\n", d_hash_string_u32(argv[i], len),
		       (unsigned long long)d_hash_murmur64(key, len, 0),
		       (unsigned long long)d_hash_murmur64(key, len, 42));
	}
	return 0;
}

static int
print_errstrs(void)
{
	int code;

	for (code = 0; code <= 2100; code++) {
		printf("%d %s\n", code, d_errstr(-code));
		if (code > 0 && d_errdesc(-code)[0] == '\0')
			return 1;
	}
	printf("%d %s\n", DER_UNKNOWN, d_errstr(-DER_UNKNOWN));
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_ior_pattern),
		cmocka_unit_test(test_refcounted),
		cmocka_unit_test(test_destroy_busy_force),
		cmocka_unit_test(test_destroy_force_ephemeral),
		cmocka_unit_test(test_anonym_traverse),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_errstr),
		cmocka_unit_test(test_getenv_bool),
	};

	if (argc > 1 && strcmp(argv[1], "hash") == 0)
		return print_hashes(argc, argv);
	if (argc > 1 && strcmp(argv[1], "errstr") == 0)
		return print_errstrs();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
