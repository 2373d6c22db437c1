/*
 * cmocka tests of the ACL helpers (src/client/acl.c): entries, ACLs in
 * DAOS's flat layout, their string forms, and principals. Run by
 * TestACL under ASan/UBSan.
 */
#define _GNU_SOURCE
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

/* An entry from its string; fails the test if it does not parse. */
static struct daos_ace *
ace(const char *s)
{
	struct daos_ace *a = NULL;

	assert_int_equal(daos_ace_from_str(s, &a), 0);
	return a;
}

/* The ACL's entries as strings joined by ' '. */
static void
acl_text(struct daos_acl *acl, char *out, size_t len)
{
	char	**strs = NULL;
	size_t	  n = 0, i;

	assert_int_equal(daos_acl_to_strs(acl, &strs, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, strs[i], len - strlen(out) - 1);
		free(strs[i]);
	}
	free(strs);
}

static void
test_ace_create(void **state)
{
	struct daos_ace	*a;
	char		 longname[DAOS_ACL_MAX_PRINCIPAL_LEN + 2];

	(void)state;
	a = daos_ace_create(DAOS_ACL_USER, "alice@");
	assert_non_null(a);
	assert_int_equal(a->dae_principal_type, DAOS_ACL_USER);
	/* "alice@" and its NUL, padded to 8. */
	assert_int_equal(a->dae_principal_len, 8);
	assert_string_equal(a->dae_principal, "alice@");
	assert_int_equal(daos_ace_get_size(a), sizeof(struct daos_ace) + 8);
	assert_int_equal(a->dae_access_flags, 0);
	/* No access yet: not valid until the caller gives it some. */
	assert_false(daos_ace_is_valid(a));
	a->dae_access_types = DAOS_ACL_ACCESS_ALLOW;
	a->dae_allow_perms = DAOS_ACL_PERM_READ;
	assert_true(daos_ace_is_valid(a));
	daos_ace_free(a);

	a = daos_ace_create(DAOS_ACL_GROUP, "staff@lab");
	assert_non_null(a);
	assert_int_equal(a->dae_principal_len, 16);
	assert_int_equal(a->dae_access_flags, DAOS_ACL_FLAG_GROUP);
	daos_ace_free(a);

	/* Special principals carry no name, whatever is passed. */
	a = daos_ace_create(DAOS_ACL_OWNER_GROUP, "ignored@");
	assert_non_null(a);
	assert_int_equal(a->dae_principal_len, 0);
	assert_int_equal(a->dae_access_flags, DAOS_ACL_FLAG_GROUP);
	assert_string_equal(daos_ace_get_principal_str(a), "GROUP@");
	daos_ace_free(a);

	assert_null(daos_ace_create(NUM_DAOS_ACL_TYPES, "x@"));
	assert_null(daos_ace_create(DAOS_ACL_USER, NULL));
	assert_null(daos_ace_create(DAOS_ACL_USER, ""));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(daos_ace_create(DAOS_ACL_USER, longname));
	assert_int_equal(daos_ace_get_size(NULL), -DER_INVAL);
	assert_false(daos_ace_is_valid(NULL));
	assert_null(daos_ace_get_principal_str(NULL));
}

static void
test_ace_validity(void **state)
{
	struct daos_ace *a;

	(void)state;
	a = ace("A::bob@:rw");
	assert_true(daos_ace_is_valid(a));
	a->dae_access_types |= 0x80; /* no such access type */
	assert_false(daos_ace_is_valid(a));
	a->dae_access_types = DAOS_ACL_ACCESS_ALLOW;
	a->dae_audit_perms = DAOS_ACL_PERM_READ; /* perms for an access it lacks */
	assert_false(daos_ace_is_valid(a));
	a->dae_audit_perms = 0;
	a->dae_allow_perms |= 1ULL << 40; /* no such permission */
	assert_false(daos_ace_is_valid(a));
	a->dae_allow_perms = DAOS_ACL_PERM_READ;
	a->dae_access_flags = DAOS_ACL_FLAG_ACCESS_FAIL; /* alarm flag on an allow entry */
	assert_false(daos_ace_is_valid(a));
	a->dae_access_flags = DAOS_ACL_FLAG_GROUP; /* a user with the group flag */
	assert_false(daos_ace_is_valid(a));
	a->dae_access_flags = 0;
	memset(a->dae_principal, 'x', 8); /* no NUL inside the name's bytes */
	assert_false(daos_ace_is_valid(a));
	strcpy(a->dae_principal, "bob");
	assert_false(daos_ace_is_valid(a)); /* no '@' */
	strcpy(a->dae_principal, "bob@");
	a->dae_principal_len = 4; /* not 8-aligned */
	assert_false(daos_ace_is_valid(a));
	a->dae_principal_len = 8;
	assert_true(daos_ace_is_valid(a));
	a->dae_principal_type = DAOS_ACL_EVERYONE; /* special principal with a name */
	assert_false(daos_ace_is_valid(a));
	daos_ace_free(a);

	/* Audit and alarm entries need a success or failure flag. */
	a = ace("U:S:EVERYONE@:w");
	assert_int_equal(a->dae_access_types, DAOS_ACL_ACCESS_AUDIT);
	assert_int_equal(a->dae_audit_perms, DAOS_ACL_PERM_WRITE);
	a->dae_access_flags = 0;
	assert_false(daos_ace_is_valid(a));
	daos_ace_free(a);
}

static void
test_ace_strings(void **state)
{
	static const char *const round[] = {
		"A::OWNER@:rwdtTaAo",
		"A:G:GROUP@:rwtT",
		"A::EVERYONE@:",
		"A::alice@:r",
		"A:G:admins@site:rwcd",
		"AUL:SF:bob@:rw",
		"L:GSP:ops@:c",
	};
	static const char *const bad[] = {
		"", "A", "A::OWNER@", "A::OWNER@:rw:x", "X::OWNER@:r", "A:Z:OWNER@:r",
		"A::OWNER@:q", "A::bob:r", "A::@:r", "A::a@b@:r", ":::",
		"A::GROUP@:r",		/* GROUP@ is a group: needs G */
		"A:G:bob@:r:",		/* a fifth field */
		"U::bob@:r",		/* audit without S or F */
		"A:S:bob@:r",		/* S on an allow entry */
		"::bob@:r",		/* no access type */
	};
	struct daos_ace	*a;
	char		 buf[DAOS_ACL_MAX_ACE_STR_LEN + 1];
	char		 small[8];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		a = ace(round[i]);
		assert_int_equal(daos_ace_to_str(a, buf, sizeof(buf)), 0);
		assert_string_equal(buf, round[i]);
		daos_ace_free(a);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = NULL;
		if (daos_ace_from_str(bad[i], &a) != -DER_INVAL)
			fail_msg("\"%s\" was taken", bad[i]);
		assert_null(a);
	}

	/* Types and names from strings. */
	a = ace("A:G:admins@:r");
	assert_int_equal(a->dae_principal_type, DAOS_ACL_GROUP);
	assert_string_equal(daos_ace_get_principal_str(a), "admins@");
	/* A cut-short string still ends in a NUL. */
	assert_int_equal(daos_ace_to_str(a, small, sizeof(small)), -DER_TRUNC);
	assert_string_equal(small, "A:G:adm");
	/* One string cannot give access types different permissions. */
	a->dae_access_types |= DAOS_ACL_ACCESS_ALARM;
	a->dae_access_flags |= DAOS_ACL_FLAG_ACCESS_FAIL;
	a->dae_alarm_perms = DAOS_ACL_PERM_WRITE;
	assert_true(daos_ace_is_valid(a));
	assert_int_equal(daos_ace_to_str(a, buf, sizeof(buf)), -DER_INVAL);
	a->dae_alarm_perms = DAOS_ACL_PERM_READ;
	assert_int_equal(daos_ace_to_str(a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "AL:GF:admins@:r");
	assert_int_equal(daos_ace_to_str(a, buf, 0), -DER_INVAL);
	assert_int_equal(daos_ace_to_str(NULL, buf, sizeof(buf)), -DER_INVAL);
	daos_ace_free(a);

	assert_int_equal(daos_ace_from_str(NULL, &a), -DER_INVAL);
	assert_int_equal(daos_ace_from_str("A::bob@:r", NULL), -DER_INVAL);
}

static void
test_verbose(void **state)
{
	char buf[256];
	char small[10];

	(void)state;
	assert_int_equal(daos_ace_str_get_verbose("A:G:GROUP@:rw", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Allow:Group:Owner-Group:Read/Write");
	assert_int_equal(daos_ace_str_get_verbose("A::OWNER@:", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Allow::Owner:No-Access");
	assert_int_equal(daos_ace_str_get_verbose("UL:SFP:bob@:cdo", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Audit/Alarm:Access-Success/Access-Failure/Pool-Inherit:bob@:"
			    "Create-Container/Delete-Container/Set-Owner");
	assert_int_equal(daos_ace_str_get_verbose("A::EVERYONE@:tTaA", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Allow::Everyone:Get-Prop/Set-Prop/Get-ACL/Set-ACL");
	assert_int_equal(daos_ace_str_get_verbose("A::OWNER@:rw", small, sizeof(small)),
			 -DER_TRUNC);
	assert_string_equal(small, "Allow::Ow");
	assert_int_equal(daos_ace_str_get_verbose("Q::OWNER@:rw", buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(daos_ace_str_get_verbose("A::OWNER", buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(daos_ace_str_get_verbose(NULL, buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(daos_ace_str_get_verbose("A::OWNER@:r", NULL, 4), -DER_INVAL);
}

static void
test_acl_create(void **state)
{
	struct daos_ace	*in[4], *cur, *found = NULL;
	struct daos_acl	*acl, *dup;
	char		 text[512];
	int		 n;

	(void)state;
	/* Given out of order; kept by principal type. */
	in[0] = ace("A::EVERYONE@:r");
	in[1] = ace("A:G:staff@:rw");
	in[2] = ace("A::bob@:rw");
	in[3] = ace("A::OWNER@:rwdtTaAo");
	acl = daos_acl_create(in, 4);
	assert_non_null(acl);
	assert_int_equal(acl->dal_ver, DAOS_ACL_VERSION);
	assert_int_equal(daos_acl_validate(acl), 0);
	assert_int_equal(daos_acl_get_size(acl),
			 sizeof(*acl) + 4 * sizeof(struct daos_ace) + 8 + 8);
	acl_text(acl, text, sizeof(text));
	assert_string_equal(text, "A::OWNER@:rwdtTaAo A::bob@:rw A:G:staff@:rw A::EVERYONE@:r");
	for (n = 0, cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur))
		n++;
	assert_int_equal(n, 4);
	/* A pointer that is not one of its entries ends the walk. */
	assert_null(daos_acl_get_next_ace(acl, in[0]));
	assert_null(daos_acl_get_next_ace(NULL, NULL));

	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_GROUP, "staff@", &found), 0);
	assert_string_equal(found->dae_principal, "staff@");
	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_USER, "staff@", &found),
			 -DER_NONEXIST);
	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_EVERYONE, NULL, &found), 0);
	assert_int_equal(found->dae_principal_type, DAOS_ACL_EVERYONE);
	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_USER, NULL, &found),
			 -DER_INVAL);
	assert_int_equal(daos_acl_get_ace_for_principal(NULL, DAOS_ACL_OWNER, NULL, &found),
			 -DER_INVAL);

	dup = daos_acl_dup(acl);
	assert_non_null(dup);
	assert_memory_equal(dup, acl, daos_acl_get_size(acl));
	daos_acl_free(dup);
	daos_acl_free(acl);

	/* As DAOS's, create takes entries as they are (two for one
	 * principal, one not filled in yet): validate says what is wrong. */
	daos_ace_free(in[0]);
	in[0] = ace("A::bob@:r");
	acl = daos_acl_create(in, 4);
	assert_non_null(acl);
	assert_int_equal(daos_acl_validate(acl), -DER_INVAL);
	daos_acl_free(acl);
	in[0]->dae_access_types = 0;
	acl = daos_acl_create(in, 1);
	assert_non_null(acl);
	assert_int_equal(daos_acl_validate(acl), -DER_INVAL);
	/* An entry can still be added to it, and removed. */
	assert_int_equal(daos_acl_add_ace(&acl, in[3]), 0);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_USER, "bob@"), 0);
	acl_text(acl, text, sizeof(text));
	assert_string_equal(text, "A::OWNER@:rwdtTaAo");
	daos_acl_free(acl);
	assert_null(daos_acl_create(NULL, 2));
	/* No entries at all is an ACL. */
	acl = daos_acl_create(NULL, 0);
	assert_non_null(acl);
	assert_int_equal(acl->dal_len, 0);
	assert_int_equal(daos_acl_validate(acl), 0);
	assert_null(daos_acl_get_next_ace(acl, NULL));
	daos_acl_free(acl);
	for (n = 0; n < 4; n++)
		daos_ace_free(in[n]);
	assert_int_equal(daos_acl_get_size(NULL), -DER_INVAL);
}

static void
test_acl_add_remove(void **state)
{
	const char	*strs[] = {"A::OWNER@:rw", "A::EVERYONE@:r"};
	struct daos_acl	*acl = NULL;
	struct daos_ace	*a;
	char		 text[512];

	(void)state;
	assert_int_equal(daos_acl_from_strs(strs, 2, &acl), 0);
	a = ace("A:G:staff@:rw");
	assert_int_equal(daos_acl_add_ace(&acl, a), 0);
	daos_ace_free(a);
	a = ace("A::bob@:r");
	assert_int_equal(daos_acl_add_ace(&acl, a), 0);
	daos_ace_free(a);
	acl_text(acl, text, sizeof(text));
	assert_string_equal(text, "A::OWNER@:rw A::bob@:r A:G:staff@:rw A::EVERYONE@:r");
	/* An entry for a principal already there replaces it in place. */
	a = ace("A::bob@:rwt");
	assert_int_equal(daos_acl_add_ace(&acl, a), 0);
	daos_ace_free(a);
	a = ace("A::OWNER@:rwdtTaAo");
	assert_int_equal(daos_acl_add_ace(&acl, a), 0);
	acl_text(acl, text, sizeof(text));
	assert_string_equal(text, "A::OWNER@:rwdtTaAo A::bob@:rwt A:G:staff@:rw A::EVERYONE@:r");

	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_GROUP, "staff@"), 0);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_EVERYONE, NULL), 0);
	acl_text(acl, text, sizeof(text));
	assert_string_equal(text, "A::OWNER@:rwdtTaAo A::bob@:rwt");
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_GROUP, "staff@"), -DER_NONEXIST);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_USER, "nope"), -DER_NONEXIST);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_USER, ""), -DER_INVAL);
	assert_int_equal(daos_acl_remove_ace(&acl, NUM_DAOS_ACL_TYPES, NULL), -DER_INVAL);
	assert_int_equal(daos_acl_remove_ace(NULL, DAOS_ACL_OWNER, NULL), -DER_INVAL);

	a->dae_access_types = 0;
	assert_int_equal(daos_acl_add_ace(&acl, a), -DER_INVAL);
	assert_int_equal(daos_acl_add_ace(&acl, NULL), -DER_INVAL);
	assert_int_equal(daos_acl_add_ace(NULL, a), -DER_INVAL);
	daos_ace_free(a);
	daos_acl_free(acl);
}

static void
test_acl_validate(void **state)
{
	const char	*strs[] = {"A::OWNER@:rw", "A::bob@:r", "A::EVERYONE@:r"};
	struct daos_acl	*acl = NULL, *bad;
	struct daos_ace	*first, *second;
	size_t		 n;

	(void)state;
	assert_int_equal(daos_acl_from_strs(strs, 3, &acl), 0);
	n = daos_acl_get_size(acl);
	bad = malloc(n);
	assert_non_null(bad);

	memcpy(bad, acl, n);
	bad->dal_ver = 0;
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);

	memcpy(bad, acl, n);
	bad->dal_len -= 8; /* the last entry no longer fits */
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);
	bad->dal_len = 4; /* shorter than one entry, and unaligned */
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);
	bad->dal_len = DAOS_ACL_MAX_ACE_LEN + 8;
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);
	assert_null(daos_acl_get_next_ace(bad, NULL));

	/* A name length running past the entries. */
	memcpy(bad, acl, n);
	second = daos_acl_get_next_ace(bad, daos_acl_get_next_ace(bad, NULL));
	second->dae_principal_len = 4096;
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);

	/* Out of order: OWNER@ after bob@. */
	memcpy(bad, acl, n);
	first = (struct daos_ace *)bad->dal_ace;
	first->dae_principal_type = DAOS_ACL_EVERYONE;
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);
	/* The same special principal twice. */
	memcpy(bad, acl, n);
	second = daos_acl_get_next_ace(bad, daos_acl_get_next_ace(bad, NULL));
	memset(bad->dal_ace, 0, sizeof(struct daos_ace));
	first = (struct daos_ace *)bad->dal_ace;
	*first = *daos_acl_get_next_ace(acl, daos_acl_get_next_ace(acl, daos_acl_get_next_ace(acl, NULL)));
	assert_int_equal(first->dae_principal_type, DAOS_ACL_EVERYONE);
	assert_int_equal(daos_acl_validate(bad), -DER_INVAL);

	assert_int_equal(daos_acl_validate(NULL), -DER_INVAL);
	free(bad);
	daos_acl_free(acl);

	/* The same named principal twice, through strings. */
	{
		const char *dups[] = {"A::bob@:r", "A::alice@:r", "A::bob@:w"};

		acl = NULL;
		assert_int_equal(daos_acl_from_strs(dups, 3, &acl), -DER_INVAL);
		assert_null(acl);
	}
	(void)second;
}

static void
test_acl_strs(void **state)
{
	const char	*strs[] = {"A:G:GROUP@:rw", "A::OWNER@:rwdtTaAo", "UL:F:carol@x:rw"};
	const char	*with_null[] = {"A::OWNER@:r", NULL};
	struct daos_acl	*acl = NULL;
	char		**out = NULL;
	size_t		  n = 0, i;

	(void)state;
	assert_int_equal(daos_acl_from_strs(strs, 3, &acl), 0);
	assert_int_equal(daos_acl_to_strs(acl, &out, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "A::OWNER@:rwdtTaAo");
	assert_string_equal(out[1], "UL:F:carol@x:rw");
	assert_string_equal(out[2], "A:G:GROUP@:rw");
	for (i = 0; i < n; i++)
		free(out[i]);
	free(out);

	assert_int_equal(daos_acl_to_strs(acl, NULL, &n), -DER_INVAL);
	assert_int_equal(daos_acl_to_strs(NULL, &out, &n), -DER_INVAL);
	daos_acl_free(acl);

	/* An empty ACL has no strings. */
	acl = daos_acl_create(NULL, 0);
	out = (char **)&n;
	assert_int_equal(daos_acl_to_strs(acl, &out, &n), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	daos_acl_free(acl);

	acl = NULL;
	assert_int_equal(daos_acl_from_strs(NULL, 1, &acl), -DER_INVAL);
	assert_int_equal(daos_acl_from_strs(strs, 0, &acl), -DER_INVAL);
	assert_int_equal(daos_acl_from_strs(strs, 3, NULL), -DER_INVAL);
	assert_int_equal(daos_acl_from_strs(with_null, 2, &acl), -DER_INVAL);
	assert_null(acl);
}

static void
test_acl_stream(void **state)
{
	const char	*strs[] = {"A::OWNER@:rw", "A:G:GROUP@:r"};
	struct daos_acl	*acl = NULL, *empty;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*f;

	(void)state;
	assert_int_equal(daos_acl_from_strs(strs, 2, &acl), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(daos_acl_to_stream(f, acl, false), 0);
	fflush(f);
	assert_string_equal(text, "# Entries:\nA::OWNER@:rw\nA:G:GROUP@:r\n");
	fclose(f);
	free(text);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(daos_acl_to_stream(f, acl, true), 0);
	fflush(f);
	assert_string_equal(text, "# Entries:\n# Allow::Owner:Read/Write\nA::OWNER@:rw\n"
			    "# Allow:Group:Owner-Group:Read\nA:G:GROUP@:r\n");
	fclose(f);
	free(text);

	empty = daos_acl_create(NULL, 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(daos_acl_to_stream(f, empty, true), 0);
	assert_int_equal(daos_acl_to_stream(f, NULL, true), 0);
	fflush(f);
	assert_string_equal(text, "# Entries:\n#   None\n# Entries:\n#   None\n");
	fclose(f);
	free(text);
	daos_acl_free(empty);

	assert_int_equal(daos_acl_to_stream(NULL, acl, false), -DER_INVAL);
	acl->dal_ver = 9;
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(daos_acl_to_stream(f, acl, false), -DER_INVAL);
	fclose(f);
	daos_acl_free(acl);
}

static void
test_principals(void **state)
{
	enum daos_acl_principal_type	 type;
	char				*name = NULL;
	uid_t				 uid = 1;
	gid_t				 gid = 1;

	(void)state;
	assert_true(daos_acl_principal_is_valid("bob@"));
	assert_true(daos_acl_principal_is_valid("bob@example.org"));
	assert_true(daos_acl_principal_is_valid("OWNER@"));
	assert_false(daos_acl_principal_is_valid("bob"));
	assert_false(daos_acl_principal_is_valid("@x"));
	assert_false(daos_acl_principal_is_valid("a@b@c"));
	assert_false(daos_acl_principal_is_valid(""));
	assert_false(daos_acl_principal_is_valid(NULL));

	assert_int_equal(daos_acl_principal_from_str("u:bob@", &type, &name), 0);
	assert_int_equal(type, DAOS_ACL_USER);
	assert_string_equal(name, "bob@");
	free(name);
	assert_int_equal(daos_acl_principal_from_str("g:staff@lab", &type, &name), 0);
	assert_int_equal(type, DAOS_ACL_GROUP);
	assert_string_equal(name, "staff@lab");
	free(name);
	assert_int_equal(daos_acl_principal_from_str("GROUP@", &type, &name), 0);
	assert_int_equal(type, DAOS_ACL_OWNER_GROUP);
	assert_null(name);
	assert_int_equal(daos_acl_principal_from_str("EVERYONE@", &type, &name), 0);
	assert_int_equal(type, DAOS_ACL_EVERYONE);
	assert_int_equal(daos_acl_principal_from_str("bob@", &type, &name), -DER_INVAL);
	assert_int_equal(daos_acl_principal_from_str("u:bob", &type, &name), -DER_INVAL);
	assert_int_equal(daos_acl_principal_from_str(NULL, &type, &name), -DER_INVAL);

	/* Local identities: root exists everywhere. */
	assert_int_equal(daos_acl_uid_to_principal(0, &name), 0);
	assert_string_equal(name, "root@");
	free(name);
	assert_int_equal(daos_acl_gid_to_principal(0, &name), 0);
	assert_string_equal(name, "root@");
	free(name);
	assert_int_equal(daos_acl_principal_to_uid("root@", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(daos_acl_principal_to_gid("root@somewhere", &gid), 0);
	assert_int_equal(gid, 0);
	assert_int_equal(daos_acl_principal_to_uid("no_such_user_dgo@", &uid), -DER_NONEXIST);
	assert_int_equal(daos_acl_principal_to_gid("no_such_group_dgo@", &gid), -DER_NONEXIST);
	assert_int_equal(daos_acl_uid_to_principal((uid_t)4000000001U, &name), -DER_NONEXIST);
	assert_int_equal(daos_acl_principal_to_uid("root", &uid), -DER_INVAL);
	assert_int_equal(daos_acl_uid_to_principal(0, NULL), -DER_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ace_create),
		cmocka_unit_test(test_ace_validity),
		cmocka_unit_test(test_ace_strings),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_acl_create),
		cmocka_unit_test(test_acl_add_remove),
		cmocka_unit_test(test_acl_validate),
		cmocka_unit_test(test_acl_strs),
		cmocka_unit_test(test_acl_stream),
		cmocka_unit_test(test_principals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
