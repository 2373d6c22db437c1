/*
 * cmocka tests of src/client/prop.c (daos_prop_*), built with the address
 * and undefined-behaviour sanitizers by prop_test.go so that a value an
 * entry owns but nobody frees shows up as a leak at exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <daos_errno.h>
#include <daos_prop.h>
#include <daos_security.h>
#include <gurt/common.h>

/* A small valid ACL; free with daos_acl_free. */
static struct daos_acl *
sample_acl(void)
{
	const char	*aces[] = {"A::OWNER@:rwdtTaAo", "A:G:GROUP@:rwtT", "A::bob@:r"};
	struct daos_acl	*acl = NULL;

	assert_int_equal(daos_acl_from_strs(aces, 3, &acl), 0);
	return acl;
}

/* Container roots with recognisable ids. */
static struct daos_prop_co_roots
sample_roots(void)
{
	struct daos_prop_co_roots	r;
	int				i;

	for (i = 0; i < 4; i++) {
		r.cr_oids[i].lo = 100 + i;
		r.cr_oids[i].hi = 200 + i;
	}
	return r;
}

static void
test_alloc_free(void **state)
{
	daos_prop_t *p;
	uint32_t     i;

	(void)state;
	p = daos_prop_alloc(0);
	assert_non_null(p);
	assert_int_equal(p->dpp_nr, 0);
	assert_null(p->dpp_entries);
	assert_null(daos_prop_entry_get(p, DAOS_PROP_CO_LABEL));
	daos_prop_free(p);

	p = daos_prop_alloc(7);
	assert_non_null(p);
	assert_int_equal(p->dpp_nr, 7);
	for (i = 0; i < 7; i++) {
		assert_int_equal(p->dpp_entries[i].dpe_type, 0);
		assert_int_equal(p->dpp_entries[i].dpe_flags, 0);
		assert_int_equal(p->dpp_entries[i].dpe_val, 0);
	}
	daos_prop_free(p);

	/* A count no property list needs is refused, not attempted. */
	assert_null(daos_prop_alloc(UINT32_MAX));
	assert_null(daos_prop_alloc(1u << 20));

	daos_prop_free(NULL);
	daos_prop_fini(NULL);
}

/* Strings and blobs the entries own are released by free and fini (the
 * sanitizer's leak check at exit is the assertion). */
static void
test_owned_values_freed(void **state)
{
	daos_prop_t   *p;
	daos_prop_t    onstack;
	d_rank_list_t *ranks;
	struct daos_acl *acl = sample_acl();

	(void)state;
	p = daos_prop_alloc(5);
	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	p->dpp_entries[1].dpe_type = DAOS_PROP_PO_OWNER;
	p->dpp_entries[2].dpe_type = DAOS_PROP_PO_ACL;
	p->dpp_entries[3].dpe_type = DAOS_PROP_PO_SVC_LIST;
	p->dpp_entries[4].dpe_type = DAOS_PROP_PO_SPACE_RB;
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_PO_LABEL, "pool_a", 6), 0);
	/* Replacing a value releases the old one. */
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_PO_LABEL, "pool_b", 64), 0);
	assert_string_equal(p->dpp_entries[0].dpe_str, "pool_b");
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_PO_OWNER, "root@", 5), 0);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_PO_ACL, acl, daos_acl_get_size(acl)), 0);
	assert_ptr_not_equal(p->dpp_entries[2].dpe_val_ptr, acl);
	assert_memory_equal(p->dpp_entries[2].dpe_val_ptr, acl, daos_acl_get_size(acl));
	/* An ACL's size is its own; a refused value leaves the entry as it
	 * was. */
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_PO_ACL, acl, 8), -DER_INVAL);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_PO_ACL, acl, daos_acl_get_size(acl) + 8),
			 -DER_INVAL);
	assert_int_equal(daos_acl_validate(p->dpp_entries[2].dpe_val_ptr), 0);
	daos_acl_free(acl);

	ranks = d_rank_list_alloc(3);
	assert_non_null(ranks);
	ranks->rl_ranks[0] = 4;
	ranks->rl_ranks[2] = 9;
	/* The list is copied deep; a size of 0 would clear the entry. */
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_PO_SVC_LIST, ranks, sizeof(*ranks)), 0);
	d_rank_list_free(ranks);
	ranks = p->dpp_entries[3].dpe_val_ptr;
	assert_int_equal(ranks->rl_nr, 3);
	assert_int_equal(ranks->rl_ranks[2], 9);
	p->dpp_entries[4].dpe_val = 10;
	daos_prop_free(p);

	/* fini keeps the caller's struct but releases the rest. */
	memset(&onstack, 0, sizeof(onstack));
	onstack.dpp_nr = 1;
	onstack.dpp_entries = calloc(1, sizeof(*onstack.dpp_entries));
	assert_non_null(onstack.dpp_entries);
	onstack.dpp_entries[0].dpe_type = DAOS_PROP_CO_OWNER_GROUP;
	assert_int_equal(daos_prop_set_str(&onstack, DAOS_PROP_CO_OWNER_GROUP,
					   "admins@", 7), 0);
	daos_prop_fini(&onstack);
	assert_int_equal(onstack.dpp_nr, 0);
	assert_null(onstack.dpp_entries);

	/* A value the application allocated and assigned itself is freed
	 * like DAOS frees it. */
	p = daos_prop_alloc(2);
	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	p->dpp_entries[0].dpe_val_ptr = malloc(24);
	p->dpp_entries[1].dpe_type = DAOS_PROP_CO_LABEL;
	p->dpp_entries[1].dpe_str = strdup("raw_label");
	daos_prop_free(p);
}

static void
test_entry_get(void **state)
{
	daos_prop_t *p;

	(void)state;
	p = daos_prop_alloc(3);
	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
	p->dpp_entries[1].dpe_type = DAOS_PROP_CO_CSUM;
	p->dpp_entries[2].dpe_type = DAOS_PROP_CO_LABEL;
	assert_ptr_equal(daos_prop_entry_get(p, DAOS_PROP_CO_CSUM), &p->dpp_entries[1]);
	assert_ptr_equal(daos_prop_entry_get(p, DAOS_PROP_CO_LABEL), &p->dpp_entries[2]);
	assert_null(daos_prop_entry_get(p, DAOS_PROP_CO_ACL));
	assert_null(daos_prop_entry_get(p, DAOS_PROP_PO_LABEL));
	assert_null(daos_prop_entry_get(NULL, DAOS_PROP_CO_CSUM));
	daos_prop_free(p);
}

static void
test_set_str_limits(void **state)
{
	daos_prop_t	*p;
	char		 label[DAOS_PROP_LABEL_MAX_LEN + 2];
	char		 owner[DAOS_ACL_MAX_PRINCIPAL_LEN + 2];
	struct daos_acl	*acl;
	ssize_t		 n;

	(void)state;
	p = daos_prop_alloc(3);
	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	p->dpp_entries[1].dpe_type = DAOS_PROP_CO_OWNER;
	p->dpp_entries[2].dpe_type = DAOS_PROP_CO_REDUN_FAC;

	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, label, sizeof(label)),
			 -DER_INVAL);
	assert_null(p->dpp_entries[0].dpe_str);
	label[DAOS_PROP_LABEL_MAX_LEN] = '\0';
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, label, sizeof(label)), 0);
	assert_int_equal(strlen(p->dpp_entries[0].dpe_str), DAOS_PROP_LABEL_MAX_LEN);

	/* len bounds the copy; the source need not end within it. */
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "abcdef", 3), 0);
	assert_string_equal(p->dpp_entries[0].dpe_str, "abc");

	/* A failed set keeps the old value. */
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "", 1), -DER_INVAL);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "bad label", 9), -DER_INVAL);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL,
					   "12345678-1234-1234-1234-123456789abc", 36),
			 -DER_INVAL);
	assert_string_equal(p->dpp_entries[0].dpe_str, "abc");

	/* No string (NULL, or a length of 0) clears the entry, as in DAOS. */
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, NULL, 4), 0);
	assert_null(p->dpp_entries[0].dpe_str);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "abc", 3), 0);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "abc", 0), 0);
	assert_null(p->dpp_entries[0].dpe_str);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "abc", 3), 0);

	memset(owner, 'o', sizeof(owner) - 1);
	owner[sizeof(owner) - 1] = '\0';
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_OWNER, owner, sizeof(owner)),
			 -DER_INVAL);
	owner[DAOS_ACL_MAX_PRINCIPAL_LEN] = '\0';
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_OWNER, owner, sizeof(owner)), 0);

	/* Wrong kind, missing entry, NULL list. */
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_REDUN_FAC, "x", 1), -DER_INVAL);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_OWNER_GROUP, "g@", 2),
			 -DER_NONEXIST);
	assert_int_equal(daos_prop_set_str(NULL, DAOS_PROP_CO_LABEL, "x", 1), -DER_NONEXIST);
	assert_int_equal(daos_prop_set_ptr(NULL, DAOS_PROP_CO_ACL, "x", 1), -DER_NONEXIST);
	assert_int_equal(daos_prop_entry_set_str(NULL, "x", 1), -DER_INVAL);

	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_LABEL, "x", 2), -DER_INVAL);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, "x", 2), -DER_NONEXIST);
	daos_prop_free(p);

	p = daos_prop_alloc(1);
	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	acl = sample_acl();
	n = daos_acl_get_size(acl);
	/* No value clears the entry; bytes that are no ACL are refused. */
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, "x", 2), -DER_INVAL);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, acl, n), 0);
	assert_non_null(p->dpp_entries[0].dpe_val_ptr);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, acl, 0), 0);
	assert_null(p->dpp_entries[0].dpe_val_ptr);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, acl, n), 0);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, NULL, 4), 0);
	assert_null(p->dpp_entries[0].dpe_val_ptr);
	/* A set clears "not set". */
	p->dpp_entries[0].dpe_flags = DAOS_PROP_ENTRY_NOT_SET;
	assert_false(daos_prop_is_set(&p->dpp_entries[0]));
	assert_int_equal(daos_prop_entry_set_ptr(&p->dpp_entries[0], acl, n), 0);
	assert_true(daos_prop_is_set(&p->dpp_entries[0]));
	daos_acl_free(acl);
	daos_prop_free(p);
}

/* A container list with one entry of every value kind. */
static daos_prop_t *
cont_sample(void)
{
	daos_prop_t			*p = daos_prop_alloc(5);
	struct daos_acl			*acl = sample_acl();
	struct daos_prop_co_roots	 roots = sample_roots();

	assert_non_null(p);
	p->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	p->dpp_entries[1].dpe_type = DAOS_PROP_CO_OWNER;
	p->dpp_entries[2].dpe_type = DAOS_PROP_CO_ACL;
	p->dpp_entries[3].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
	p->dpp_entries[3].dpe_val = DAOS_PROP_CO_LAYOUT_POSIX;
	p->dpp_entries[4].dpe_type = DAOS_PROP_CO_ROOTS;
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_LABEL, "cont1", 5), 0);
	assert_int_equal(daos_prop_set_str(p, DAOS_PROP_CO_OWNER, "alice@", 6), 0);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ACL, acl, daos_acl_get_size(acl)), 0);
	/* Roots are exactly one struct daos_prop_co_roots. */
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ROOTS, &roots, 32), -DER_INVAL);
	assert_int_equal(daos_prop_set_ptr(p, DAOS_PROP_CO_ROOTS, &roots, sizeof(roots)), 0);
	daos_acl_free(acl);
	return p;
}

/* Changes every owned value of a cont_sample list in place. */
static void
scribble(daos_prop_t *p)
{
	p->dpp_entries[0].dpe_str[0] = 'X';
	p->dpp_entries[1].dpe_str[0] = 'X';
	memset(((struct daos_acl *)p->dpp_entries[2].dpe_val_ptr)->dal_ace, 'X', 8);
	p->dpp_entries[3].dpe_val = DAOS_PROP_CO_LAYOUT_HDF5;
	memset(p->dpp_entries[4].dpe_val_ptr, 'X', sizeof(struct daos_prop_co_roots));
}

static void
check_sample(daos_prop_t *p)
{
	struct daos_prop_entry		*e;
	struct daos_acl			*acl = sample_acl();
	struct daos_prop_co_roots	 roots = sample_roots();

	e = daos_prop_entry_get(p, DAOS_PROP_CO_LABEL);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, "cont1");
	e = daos_prop_entry_get(p, DAOS_PROP_CO_OWNER);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, "alice@");
	e = daos_prop_entry_get(p, DAOS_PROP_CO_ACL);
	assert_non_null(e);
	assert_int_equal(daos_acl_get_size(e->dpe_val_ptr), daos_acl_get_size(acl));
	assert_memory_equal(e->dpe_val_ptr, acl, daos_acl_get_size(acl));
	daos_acl_free(acl);
	e = daos_prop_entry_get(p, DAOS_PROP_CO_LAYOUT_TYPE);
	assert_non_null(e);
	assert_int_equal(e->dpe_val, DAOS_PROP_CO_LAYOUT_POSIX);
	e = daos_prop_entry_get(p, DAOS_PROP_CO_ROOTS);
	assert_non_null(e);
	assert_memory_equal(e->dpe_val_ptr, &roots, sizeof(roots));
}

static void
test_copy(void **state)
{
	daos_prop_t *src, *dst, *small, *all;
	uint32_t     i;

	(void)state;
	src = cont_sample();
	/* dst's entries say what is copied, in its own order, over what
	 * they held (an old label). */
	dst = daos_prop_alloc(5);
	assert_non_null(dst);
	for (i = 0; i < 5; i++)
		dst->dpp_entries[4 - i].dpe_type = src->dpp_entries[i].dpe_type;
	assert_int_equal(daos_prop_set_str(dst, DAOS_PROP_CO_LABEL, "old", 3), 0);

	assert_int_equal(daos_prop_copy(dst, src), 0);
	check_sample(dst);
	assert_ptr_not_equal(daos_prop_entry_get(dst, DAOS_PROP_CO_LABEL)->dpe_str,
			     src->dpp_entries[0].dpe_str);
	scribble(src);
	check_sample(dst);

	/* Copying onto itself is harmless. */
	assert_int_equal(daos_prop_copy(dst, dst), 0);
	check_sample(dst);

	/* A subset: only the entries dst names. */
	small = daos_prop_alloc(1);
	assert_non_null(small);
	small->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_copy(small, dst), 0);
	assert_string_equal(small->dpp_entries[0].dpe_str, "cont1");

	/* An entry src lacks fails the copy (-DER_PROTO, as DAOS), and dst
	 * is unchanged. */
	daos_prop_free(small);
	small = daos_prop_alloc(1);
	assert_non_null(small);
	small->dpp_entries[0].dpe_type = DAOS_PROP_CO_CSUM;
	small->dpp_entries[0].dpe_val = DAOS_PROP_CO_CSUM_CRC32;
	assert_int_equal(daos_prop_copy(small, dst), -DER_PROTO);
	assert_int_equal(small->dpp_entries[0].dpe_val, DAOS_PROP_CO_CSUM_CRC32);

	/* Untyped entries take src's at the same index; no entries at all
	 * get every one of src's. */
	daos_prop_free(small);
	small = daos_prop_alloc(2);
	assert_non_null(small);
	assert_int_equal(daos_prop_copy(small, dst), 0);
	assert_int_equal(small->dpp_entries[0].dpe_type, dst->dpp_entries[0].dpe_type);
	assert_int_equal(small->dpp_entries[1].dpe_type, dst->dpp_entries[1].dpe_type);
	all = daos_prop_alloc(0);
	assert_non_null(all);
	assert_int_equal(daos_prop_copy(all, dst), 0);
	assert_int_equal(all->dpp_nr, dst->dpp_nr);
	check_sample(all);
	daos_prop_free(all);

	assert_int_equal(daos_prop_copy(NULL, src), -DER_INVAL);
	assert_int_equal(daos_prop_copy(dst, NULL), -DER_PROTO);
	all = daos_prop_alloc(0);
	assert_int_equal(daos_prop_copy(dst, all), -DER_PROTO); /* nothing to copy */
	daos_prop_free(all);

	/* An ACL the application assigned itself is copied by its size. */
	daos_prop_free(small);
	small = daos_prop_alloc(1);
	assert_non_null(small);
	small->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	small->dpp_entries[0].dpe_val_ptr = sample_acl();
	all = daos_prop_alloc(1);
	assert_non_null(all);
	all->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	assert_int_equal(daos_prop_copy(all, small), 0);
	assert_int_equal(daos_prop_entry_cmp_acl(&all->dpp_entries[0], &small->dpp_entries[0]), 0);

	daos_prop_free(all);
	daos_prop_free(small);
	daos_prop_free(src);
	daos_prop_free(dst);
}

static void
test_dup(void **state)
{
	daos_prop_t   *src, *dup, *pool;
	d_rank_list_t *ranks;

	(void)state;
	src = cont_sample();
	dup = daos_prop_dup(src, false, true);
	assert_non_null(dup);
	assert_int_equal(dup->dpp_nr, src->dpp_nr);
	check_sample(dup);
	scribble(src);
	check_sample(dup);
	daos_prop_free(dup);

	/* Container types are not pool types, and the reverse. */
	assert_null(daos_prop_dup(src, true, false));
	assert_null(daos_prop_dup(src, true, true));
	/* An unknown layout is not valid input, but is accepted as the
	 * service's output. */
	src->dpp_entries[3].dpe_val = 999;
	assert_null(daos_prop_dup(src, false, true));
	dup = daos_prop_dup(src, false, false);
	assert_non_null(dup);
	daos_prop_free(dup);
	daos_prop_free(src);

	pool = daos_prop_alloc(3);
	assert_non_null(pool);
	pool->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	pool->dpp_entries[1].dpe_type = DAOS_PROP_PO_SVC_LIST;
	pool->dpp_entries[2].dpe_type = DAOS_PROP_PO_SPACE_RB;
	pool->dpp_entries[2].dpe_val = 5;
	assert_int_equal(daos_prop_set_str(pool, DAOS_PROP_PO_LABEL, "tank", 4), 0);
	ranks = d_rank_list_alloc(2);
	assert_non_null(ranks);
	ranks->rl_ranks[0] = 1;
	ranks->rl_ranks[1] = 2;
	assert_int_equal(daos_prop_set_ptr(pool, DAOS_PROP_PO_SVC_LIST, ranks,
					   sizeof(*ranks)), 0);
	d_rank_list_free(ranks);

	assert_null(daos_prop_dup(pool, false, false));
	dup = daos_prop_dup(pool, true, true);
	assert_non_null(dup);
	ranks = pool->dpp_entries[1].dpe_val_ptr;
	ranks->rl_ranks[0] = 77;
	ranks = daos_prop_entry_get(dup, DAOS_PROP_PO_SVC_LIST)->dpe_val_ptr;
	assert_ptr_not_equal(ranks, pool->dpp_entries[1].dpe_val_ptr);
	assert_int_equal(ranks->rl_nr, 2);
	assert_int_equal(ranks->rl_ranks[0], 1);
	assert_string_equal(daos_prop_entry_get(dup, DAOS_PROP_PO_LABEL)->dpe_str, "tank");
	daos_prop_free(dup);

	/* Out-of-range values are refused only as input. */
	pool->dpp_entries[2].dpe_val = 101;
	assert_null(daos_prop_dup(pool, true, true));
	dup = daos_prop_dup(pool, true, false);
	assert_non_null(dup);
	daos_prop_free(dup);
	/* Unless the entry is marked not set. */
	pool->dpp_entries[2].dpe_flags = DAOS_PROP_ENTRY_NOT_SET;
	dup = daos_prop_dup(pool, true, true);
	assert_non_null(dup);
	daos_prop_free(dup);

	/* Type 10 is the dropped pool property; repeats are ambiguous. */
	pool->dpp_entries[2].dpe_type = 10;
	assert_null(daos_prop_dup(pool, true, false));
	pool->dpp_entries[2].dpe_type = DAOS_PROP_PO_LABEL;
	assert_null(daos_prop_dup(pool, true, false));
	pool->dpp_entries[2].dpe_type = DAOS_PROP_PO_MAX;
	assert_null(daos_prop_dup(pool, true, false));
	pool->dpp_entries[2].dpe_type = DAOS_PROP_PO_MIN;
	assert_null(daos_prop_dup(pool, true, false));
	daos_prop_free(pool);

	assert_null(daos_prop_dup(NULL, true, false));
	pool = daos_prop_alloc(0);
	assert_non_null(pool);
	dup = daos_prop_dup(pool, false, true);
	assert_non_null(dup);
	assert_int_equal(dup->dpp_nr, 0);
	daos_prop_free(dup);
	daos_prop_free(pool);
}

/* daos_prop_from_str: the creation-time container properties the HDF5
 * VOL takes from its users as text. */
static void
test_from_str(void **state)
{
	const char  good[] = "label:my-cont;cksum:crc64;cksum_size:0x4000;srv_cksum:on;"
			     "rd_fac:2;compression:lz4;encryption:off;dedup:hash;ec_cell_sz:65536;";
	daos_prop_t *prop = NULL;
	struct daos_prop_entry *e;
	const char *bad[] = {"cksum:md5", "rf:5", "layout_type:POSIX", "owner:me@", "nocolon",
			     "label:", "label:bad label", "cksum_size:12x", "cksum_size:-1",
			     "whatever:1", ";;", NULL};
	int i;

	(void)state;
	assert_int_equal(daos_prop_from_str(NULL, 10, &prop), -DER_INVAL);
	assert_int_equal(daos_prop_from_str(good, 0, &prop), -DER_INVAL);
	assert_int_equal(daos_prop_from_str(good, sizeof(good), NULL), -DER_INVAL);

	assert_int_equal(daos_prop_from_str(good, sizeof(good), &prop), 0);
	assert_int_equal(prop->dpp_nr, 9);
	e = daos_prop_entry_get(prop, DAOS_PROP_CO_LABEL);
	assert_non_null(e);
	assert_string_equal(e->dpe_str, "my-cont");
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_CSUM)->dpe_val,
			 DAOS_PROP_CO_CSUM_CRC64);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_CSUM_CHUNK_SIZE)->dpe_val,
			 0x4000);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_CSUM_SERVER_VERIFY)->dpe_val,
			 DAOS_PROP_CO_CSUM_SV_ON);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_REDUN_FAC)->dpe_val,
			 DAOS_PROP_CO_REDUN_RF2);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_COMPRESS)->dpe_val,
			 DAOS_PROP_CO_COMPRESS_LZ4);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_ENCRYPT)->dpe_val,
			 DAOS_PROP_CO_ENCRYPT_OFF);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_DEDUP)->dpe_val,
			 DAOS_PROP_CO_DEDUP_HASH);
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_EC_CELL_SZ)->dpe_val, 65536);
	daos_prop_free(prop);

	/* len bounds what is read: the first property only */
	prop = NULL;
	assert_int_equal(daos_prop_from_str(good, strlen("label:my-cont"), &prop), 0);
	assert_int_equal(prop->dpp_nr, 1);
	daos_prop_free(prop);

	for (i = 0; bad[i] != NULL; i++) {
		prop = NULL;
		assert_int_equal(daos_prop_from_str(bad[i], strlen(bad[i]), &prop), -DER_INVAL);
		assert_null(prop);
	}
}

static void
test_merge_and_helpers(void **state)
{
	daos_prop_t		*old, *nw, *out = NULL;
	struct daos_prop_entry	*e;
	struct daos_acl		*acl;
	struct daos_co_status	 st = {DAOS_PROP_CO_UNCLEAN, DAOS_PROP_CO_CLEAR, 77}, back;
	const char		*other[] = {"A::OWNER@:rw"};

	(void)state;
	/* old: the sample; new: a label to override, an entry to append. */
	old = cont_sample();
	nw = daos_prop_alloc(2);
	assert_non_null(nw);
	nw->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_set_str(nw, DAOS_PROP_CO_LABEL, "merged", 6), 0);
	nw->dpp_entries[1].dpe_type = DAOS_PROP_CO_REDUN_FAC;
	nw->dpp_entries[1].dpe_val = DAOS_PROP_CO_REDUN_RF2;
	assert_int_equal(daos_prop_merge2(old, nw, &out), 0);
	assert_int_equal(out->dpp_nr, old->dpp_nr + 1);
	assert_string_equal(daos_prop_entry_get(out, DAOS_PROP_CO_LABEL)->dpe_str, "merged");
	assert_int_equal(daos_prop_entry_get(out, DAOS_PROP_CO_REDUN_FAC)->dpe_val,
			 DAOS_PROP_CO_REDUN_RF2);
	/* Deep copies: changing the inputs leaves the result alone. */
	scribble(old);
	nw->dpp_entries[0].dpe_str[0] = 'X';
	assert_string_equal(daos_prop_entry_get(out, DAOS_PROP_CO_LABEL)->dpe_str, "merged");
	assert_string_equal(daos_prop_entry_get(out, DAOS_PROP_CO_OWNER)->dpe_str, "alice@");
	daos_prop_free(out);
	out = daos_prop_merge(nw, nw);
	assert_non_null(out);
	assert_int_equal(out->dpp_nr, 2);
	daos_prop_free(out);
	assert_null(daos_prop_merge(NULL, nw));
	assert_int_equal(daos_prop_merge2(old, NULL, &out), -DER_INVAL);
	assert_int_equal(daos_prop_merge2(old, nw, NULL), -DER_INVAL);

	/* Kinds of entries. */
	assert_true(daos_prop_has_str(daos_prop_entry_get(old, DAOS_PROP_CO_LABEL)));
	assert_false(daos_prop_has_str(daos_prop_entry_get(old, DAOS_PROP_CO_ACL)));
	assert_true(daos_prop_has_ptr(daos_prop_entry_get(old, DAOS_PROP_CO_ACL)));
	assert_true(daos_prop_has_ptr(daos_prop_entry_get(old, DAOS_PROP_CO_ROOTS)));
	assert_false(daos_prop_has_ptr(daos_prop_entry_get(old, DAOS_PROP_CO_LAYOUT_TYPE)));
	assert_false(daos_prop_has_ptr(NULL));

	/* ACL comparison and pointer copies. */
	daos_prop_free(old);
	old = cont_sample();
	out = cont_sample();
	e = daos_prop_entry_get(out, DAOS_PROP_CO_ACL);
	assert_int_equal(daos_prop_entry_cmp_acl(e, daos_prop_entry_get(old, DAOS_PROP_CO_ACL)), 0);
	assert_int_equal(daos_acl_from_strs(other, 1, &acl), 0);
	assert_int_equal(daos_prop_entry_set_ptr(e, acl, daos_acl_get_size(acl)), 0);
	assert_int_equal(daos_prop_entry_cmp_acl(e, daos_prop_entry_get(old, DAOS_PROP_CO_ACL)),
			 -DER_MISMATCH);
	assert_int_equal(daos_prop_entry_cmp_acl(e, daos_prop_entry_get(old, DAOS_PROP_CO_LABEL)),
			 -DER_INVAL);
	assert_int_equal(daos_prop_entry_dup_ptr(e, daos_prop_entry_get(old, DAOS_PROP_CO_ACL),
						 daos_acl_get_size(daos_prop_entry_get(old,
							DAOS_PROP_CO_ACL)->dpe_val_ptr)), 0);
	assert_int_equal(daos_prop_entry_cmp_acl(e, daos_prop_entry_get(old, DAOS_PROP_CO_ACL)), 0);
	daos_acl_free(acl);
	e = daos_prop_entry_get(out, DAOS_PROP_CO_ROOTS);
	memset(e->dpe_val_ptr, 0, sizeof(struct daos_prop_co_roots));
	assert_int_equal(daos_prop_entry_dup_co_roots(e, daos_prop_entry_get(old, DAOS_PROP_CO_ROOTS)), 0);
	check_sample(out);
	assert_int_equal(daos_prop_entry_dup_co_roots(e, daos_prop_entry_get(old, DAOS_PROP_CO_ACL)),
			 -DER_INVAL);
	daos_prop_free(out);
	daos_prop_free(old);
	daos_prop_free(nw);

	/* The status value packs flags, status and map version. */
	assert_int_equal(daos_prop_co_status_2_val(&st),
			 DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_UNCLEAN, DAOS_PROP_CO_CLEAR, 77));
	daos_prop_val_2_co_status(daos_prop_co_status_2_val(&st), &back);
	assert_int_equal(back.dcs_status, DAOS_PROP_CO_UNCLEAN);
	assert_int_equal(back.dcs_flags, DAOS_PROP_CO_CLEAR);
	assert_int_equal(back.dcs_pm_ver, 77);
	assert_true(daos_rf_is_valid(4));
	assert_false(daos_rf_is_valid(5));
	assert_true(daos_svc_rf_is_valid(0));
	assert_false(daos_svc_rf_is_valid(5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_free),
		cmocka_unit_test(test_owned_values_freed),
		cmocka_unit_test(test_entry_get),
		cmocka_unit_test(test_set_str_limits),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_merge_and_helpers),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_from_str),
	};

	return cmocka_run_group_tests_name("daos_prop", tests, NULL, NULL);
}
