/*
 * daos_acl_* and daos_ace_*: access control lists in DAOS's flat layout
 * (daos_security.h), pure C so they work before daos_init and never need
 * the Go core. ACLs and entries are malloc'd; daos_acl_free and
 * daos_ace_free are free().
 *
 * Everything that walks an ACL checks each entry's bounds against dal_len
 * first: ACLs arrive from applications and from files.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daos_errno.h>
#include <daos_prop.h>
#include <daos_security.h>

#define ACE_HDR		sizeof(struct daos_ace)
#define PERM_KNOWN	((uint64_t)DAOS_ACL_PERM_ALL)

/* ---- entries ---- */

static bool
type_ok(unsigned type)
{
	return type < NUM_DAOS_ACL_TYPES;
}

/* Named users and groups carry a name; the three special principals none. */
static bool
type_named(unsigned type)
{
	return type == DAOS_ACL_USER || type == DAOS_ACL_GROUP;
}

static bool
type_group(unsigned type)
{
	return type == DAOS_ACL_OWNER_GROUP || type == DAOS_ACL_GROUP;
}

static size_t
ace_size(const struct daos_ace *ace)
{
	return ACE_HDR + ace->dae_principal_len;
}

bool
daos_acl_principal_is_valid(const char *name)
{
	const char	*at;
	size_t		 n;

	if (name == NULL)
		return false;
	n = strnlen(name, DAOS_ACL_MAX_PRINCIPAL_BUF_LEN);
	if (n == 0 || n > DAOS_ACL_MAX_PRINCIPAL_LEN)
		return false;
	/* name@[domain]: a non-empty name, exactly one '@'. */
	at = strchr(name, '@');
	return at != NULL && at != name && strchr(at + 1, '@') == NULL;
}

struct daos_ace *
daos_ace_create(enum daos_acl_principal_type type, const char *principal_name)
{
	struct daos_ace	*ace;
	size_t		 n = 0;
	size_t		 padded = 0;

	if (!type_ok(type))
		return NULL;
	if (type_named(type)) {
		if (principal_name == NULL)
			return NULL;
		n = strnlen(principal_name, DAOS_ACL_MAX_PRINCIPAL_BUF_LEN);
		if (n == 0 || n > DAOS_ACL_MAX_PRINCIPAL_LEN)
			return NULL;
		/* The NUL included, rounded up to keep entries 8-aligned. */
		padded = (n + 1 + 7) & ~(size_t)7;
	}
	ace = calloc(1, ACE_HDR + padded);
	if (ace == NULL)
		return NULL;
	ace->dae_principal_type = (uint8_t)type;
	ace->dae_principal_len = (uint16_t)padded;
	if (n > 0)
		memcpy(ace->dae_principal, principal_name, n);
	if (type_group(type))
		ace->dae_access_flags = DAOS_ACL_FLAG_GROUP;
	return ace;
}

void
daos_ace_free(struct daos_ace *ace)
{
	free(ace);
}

ssize_t
daos_ace_get_size(struct daos_ace *ace)
{
	if (ace == NULL)
		return -DER_INVAL;
	return (ssize_t)ace_size(ace);
}

/* The permissions granted for one access type. */
static uint64_t
perms_of(const struct daos_ace *ace, unsigned access)
{
	switch (access) {
	case DAOS_ACL_ACCESS_ALLOW:
		return ace->dae_allow_perms;
	case DAOS_ACL_ACCESS_AUDIT:
		return ace->dae_audit_perms;
	default:
		return ace->dae_alarm_perms;
	}
}

static const unsigned access_bits[] = {
	DAOS_ACL_ACCESS_ALLOW, DAOS_ACL_ACCESS_AUDIT, DAOS_ACL_ACCESS_ALARM,
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

bool
daos_ace_is_valid(struct daos_ace *ace)
{
	bool	alert, alert_flags;
	size_t	i;

	if (ace == NULL || !type_ok(ace->dae_principal_type))
		return false;
	if (ace->dae_access_types == 0 ||
	    (ace->dae_access_types & ~DAOS_ACL_ACCESS_ALL) != 0)
		return false;
	/* Bits with no meaning could not survive a round trip through the
	 * string form the services keep. */
	if ((ace->dae_access_flags & ~DAOS_ACL_FLAG_ALL) != 0)
		return false;
	if (type_named(ace->dae_principal_type) != (ace->dae_principal_len != 0))
		return false;
	if (type_group(ace->dae_principal_type) !=
	    ((ace->dae_access_flags & DAOS_ACL_FLAG_GROUP) != 0))
		return false;
	if (ace->dae_principal_len % 8 != 0)
		return false;
	if (ace->dae_principal_len != 0 &&
	    (memchr(ace->dae_principal, '\0', ace->dae_principal_len) == NULL ||
	     !daos_acl_principal_is_valid(ace->dae_principal)))
		return false;
	for (i = 0; i < NELEM(access_bits); i++) {
		uint64_t p = perms_of(ace, access_bits[i]);

		if ((p & ~PERM_KNOWN) != 0)
			return false;
		/* Permissions only for the access types the entry has. */
		if (p != 0 && (ace->dae_access_types & access_bits[i]) == 0)
			return false;
	}
	/* Audit and alarm entries say when they fire; nothing else may. */
	alert = (ace->dae_access_types &
		 (DAOS_ACL_ACCESS_AUDIT | DAOS_ACL_ACCESS_ALARM)) != 0;
	alert_flags = (ace->dae_access_flags &
		       (DAOS_ACL_FLAG_ACCESS_SUCCESS | DAOS_ACL_FLAG_ACCESS_FAIL)) != 0;
	return alert == alert_flags;
}

const char *
daos_ace_get_principal_str(struct daos_ace *ace)
{
	if (ace == NULL)
		return NULL;
	switch (ace->dae_principal_type) {
	case DAOS_ACL_OWNER:
		return DAOS_ACL_PRINCIPAL_OWNER;
	case DAOS_ACL_OWNER_GROUP:
		return DAOS_ACL_PRINCIPAL_OWNER_GRP;
	case DAOS_ACL_EVERYONE:
		return DAOS_ACL_PRINCIPAL_EVERYONE;
	case DAOS_ACL_USER:
	case DAOS_ACL_GROUP:
		return ace->dae_principal_len != 0 ? ace->dae_principal : NULL;
	default:
		return NULL;
	}
}

/* Do two entries name the same principal? */
static bool
same_principal(const struct daos_ace *a, unsigned type, const char *name)
{
	if (a->dae_principal_type != type)
		return false;
	if (!type_named(type))
		return true;
	return a->dae_principal_len != 0 &&
	       strncmp(a->dae_principal, name, a->dae_principal_len) == 0;
}

/* ---- ACLs ---- */

ssize_t
daos_acl_get_size(struct daos_acl *acl)
{
	if (acl == NULL)
		return -DER_INVAL;
	return (ssize_t)(sizeof(*acl) + acl->dal_len);
}

/* The entry at byte off of acl's entries if it lies whole inside them. */
static struct daos_ace *
ace_at(struct daos_acl *acl, size_t off)
{
	struct daos_ace *ace;

	/* Entries start 8-aligned, as their sizes are multiples of 8. */
	if (off % 8 != 0 || off >= acl->dal_len || acl->dal_len - off < ACE_HDR)
		return NULL;
	ace = (struct daos_ace *)(acl->dal_ace + off);
	if (ace_size(ace) > acl->dal_len - off)
		return NULL;
	return ace;
}

struct daos_ace *
daos_acl_get_next_ace(struct daos_acl *acl, struct daos_ace *current_ace)
{
	uintptr_t start, cur;

	if (acl == NULL || acl->dal_len > DAOS_ACL_MAX_ACE_LEN)
		return NULL;
	if (current_ace == NULL)
		return ace_at(acl, 0);
	start = (uintptr_t)acl->dal_ace;
	cur = (uintptr_t)current_ace;
	if (cur < start || cur >= start + acl->dal_len ||
	    ace_at(acl, cur - start) != current_ace)
		return NULL;
	return ace_at(acl, cur - start + ace_size(current_ace));
}

int
daos_acl_validate(struct daos_acl *acl)
{
	struct daos_ace	*ace, *prev;
	size_t		 off, poff, run = 0;
	int		 last = -1;

	if (acl == NULL || acl->dal_ver != DAOS_ACL_VERSION)
		return -DER_INVAL;
	if (acl->dal_len > DAOS_ACL_MAX_ACE_LEN || acl->dal_len % 8 != 0 ||
	    (acl->dal_len > 0 && acl->dal_len < ACE_HDR))
		return -DER_INVAL;
	for (off = 0; off < acl->dal_len; off += ace_size(ace)) {
		ace = ace_at(acl, off);
		if (ace == NULL || !daos_ace_is_valid(ace))
			return -DER_INVAL;
		if ((int)ace->dae_principal_type < last)
			return -DER_INVAL; /* out of order */
		if ((int)ace->dae_principal_type != last) {
			/* run: where this principal type's entries start */
			last = ace->dae_principal_type;
			run = off;
			continue;
		}
		if (!type_named(ace->dae_principal_type))
			return -DER_INVAL; /* a special principal twice */
		for (poff = run; poff < off; poff += ace_size(prev)) {
			prev = ace_at(acl, poff);
			if (same_principal(prev, ace->dae_principal_type, ace->dae_principal))
				return -DER_INVAL;
		}
	}
	return 0;
}

/* A new ACL of n entries in *out, ordered by principal type and otherwise
 * as given: -DER_INVAL when they do not fit in one ACL, or with check when
 * one is invalid or two share a principal. Unchecked, it takes what DAOS's
 * daos_acl_create takes: entries still being filled in, for instance. */
static int
acl_build(struct daos_ace *const aces[], size_t n, bool check, struct daos_acl **out)
{
	struct daos_acl	*acl;
	size_t		 i, len = 0, off = 0;
	unsigned	 t;

	for (i = 0; i < n; i++) {
		if (aces[i] == NULL || (check && !daos_ace_is_valid(aces[i])) ||
		    aces[i]->dae_principal_len % 8 != 0)
			return -DER_INVAL;
		len += ace_size(aces[i]);
		if (len > DAOS_ACL_MAX_ACE_LEN)
			return -DER_INVAL;
	}
	acl = calloc(1, sizeof(*acl) + len);
	if (acl == NULL)
		return -DER_NOMEM;
	acl->dal_ver = DAOS_ACL_VERSION;
	acl->dal_len = (uint32_t)len;
	/* Types out of range go last, in their given order. */
	for (t = 0; t <= NUM_DAOS_ACL_TYPES; t++)
		for (i = 0; i < n; i++)
			if (aces[i]->dae_principal_type == t ||
			    (t == NUM_DAOS_ACL_TYPES && !type_ok(aces[i]->dae_principal_type))) {
				memcpy(acl->dal_ace + off, aces[i], ace_size(aces[i]));
				off += ace_size(aces[i]);
			}
	if (check && daos_acl_validate(acl) != 0) {
		free(acl);
		return -DER_INVAL;
	}
	*out = acl;
	return 0;
}

struct daos_acl *
daos_acl_create(struct daos_ace *aces[], uint16_t num_aces)
{
	struct daos_acl *acl = NULL;

	if (num_aces > 0 && aces == NULL)
		return NULL;
	(void)acl_build(aces, num_aces, false, &acl);
	return acl;
}

struct daos_acl *
daos_acl_dup(struct daos_acl *acl)
{
	struct daos_acl	*out;
	size_t		 n;

	if (acl == NULL || acl->dal_len > DAOS_ACL_MAX_ACE_LEN)
		return NULL;
	n = sizeof(*acl) + acl->dal_len;
	out = malloc(n);
	if (out != NULL)
		memcpy(out, acl, n);
	return out;
}

void
daos_acl_free(struct daos_acl *acl)
{
	free(acl);
}

int
daos_acl_get_ace_for_principal(struct daos_acl *acl,
			       enum daos_acl_principal_type type,
			       const char *principal, struct daos_ace **ace)
{
	struct daos_ace *cur;

	/* As DAOS: a named type needs a name; one that is no principal is
	 * simply not found. */
	if (acl == NULL || ace == NULL || !type_ok(type) ||
	    (type_named(type) && (principal == NULL || principal[0] == '\0')))
		return -DER_INVAL;
	for (cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur))
		if (same_principal(cur, type, principal)) {
			*ace = cur;
			return 0;
		}
	return -DER_NONEXIST;
}

/* The entries of acl as an array of pointers into it, with room for one
 * more; *n is their count. */
static int
acl_entries(struct daos_acl *acl, struct daos_ace ***out, size_t *n)
{
	struct daos_ace	**v, *cur;
	size_t		  cnt = 0;

	for (cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur))
		cnt++;
	v = calloc(cnt + 1, sizeof(*v));
	if (v == NULL)
		return -DER_NOMEM;
	cnt = 0;
	for (cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur))
		v[cnt++] = cur;
	*out = v;
	*n = cnt;
	return 0;
}

int
daos_acl_add_ace(struct daos_acl **acl, struct daos_ace *new_ace)
{
	struct daos_ace	**v;
	struct daos_acl	 *out;
	size_t		  n, i;
	int		  rc;

	if (acl == NULL || *acl == NULL || !daos_ace_is_valid(new_ace))
		return -DER_INVAL;
	rc = acl_entries(*acl, &v, &n);
	if (rc != 0)
		return rc;
	/* The principal's entry is replaced where it stands. */
	for (i = 0; i < n; i++)
		if (same_principal(v[i], new_ace->dae_principal_type, new_ace->dae_principal))
			break;
	v[i] = new_ace;
	rc = acl_build(v, i == n ? n + 1 : n, false, &out);
	free(v);
	if (rc != 0)
		return rc;
	free(*acl);
	*acl = out;
	return 0;
}

int
daos_acl_remove_ace(struct daos_acl **acl, enum daos_acl_principal_type type,
		    const char *principal_name)
{
	struct daos_ace	**v;
	struct daos_acl	 *out;
	size_t		  n, i;
	int		  rc;

	if (acl == NULL || *acl == NULL || !type_ok(type) ||
	    (type_named(type) && (principal_name == NULL || principal_name[0] == '\0')))
		return -DER_INVAL;
	rc = acl_entries(*acl, &v, &n);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (same_principal(v[i], type, principal_name))
			break;
	if (i == n) {
		free(v);
		return -DER_NONEXIST;
	}
	memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
	rc = acl_build(v, n - 1, false, &out);
	free(v);
	if (rc != 0)
		return rc;
	free(*acl);
	*acl = out;
	return 0;
}

/* ---- strings ---- */

struct letter {
	char		 c;
	uint64_t	 bit;
	const char	*word;
};

static const struct letter access_letters[] = {
	{'A', DAOS_ACL_ACCESS_ALLOW, "Allow"},
	{'U', DAOS_ACL_ACCESS_AUDIT, "Audit"},
	{'L', DAOS_ACL_ACCESS_ALARM, "Alarm"},
};

static const struct letter flag_letters[] = {
	{'G', DAOS_ACL_FLAG_GROUP, "Group"},
	{'S', DAOS_ACL_FLAG_ACCESS_SUCCESS, "Access-Success"},
	{'F', DAOS_ACL_FLAG_ACCESS_FAIL, "Access-Failure"},
	{'P', DAOS_ACL_FLAG_POOL_INHERIT, "Pool-Inherit"},
};

static const struct letter perm_letters[] = {
	{'r', DAOS_ACL_PERM_READ, "Read"},
	{'w', DAOS_ACL_PERM_WRITE, "Write"},
	{'c', DAOS_ACL_PERM_CREATE_CONT, "Create-Container"},
	{'d', DAOS_ACL_PERM_DEL_CONT, "Delete-Container"},
	{'t', DAOS_ACL_PERM_GET_PROP, "Get-Prop"},
	{'T', DAOS_ACL_PERM_SET_PROP, "Set-Prop"},
	{'a', DAOS_ACL_PERM_GET_ACL, "Get-ACL"},
	{'A', DAOS_ACL_PERM_SET_ACL, "Set-ACL"},
	{'o', DAOS_ACL_PERM_SET_OWNER, "Set-Owner"},
};

static const struct letter *
letter_find(const struct letter *set, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i].c == c)
			return &set[i];
	return NULL;
}

/* ORs the bits of a field's letters into *bits; false on a letter that is
 * not one of the set's. */
static bool
letters_parse(const struct letter *set, size_t n, const char *s, size_t len,
	      uint64_t *bits)
{
	const struct letter	*l;
	size_t			 i;

	for (i = 0; i < len; i++) {
		l = letter_find(set, n, s[i]);
		if (l == NULL)
			return false;
		*bits |= l->bit;
	}
	return true;
}

/* The four fields of an ACE string: their starts and lengths. */
struct ace_fields {
	const char	*f[4];
	size_t		 len[4];
};

static bool
split_fields(const char *s, struct ace_fields *out)
{
	const char	*colon;
	int		 i;

	for (i = 0; i < 4; i++) {
		colon = strchr(s, ':');
		if ((colon == NULL) != (i == 3))
			return false; /* too few or too many fields */
		out->f[i] = s;
		out->len[i] = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (colon != NULL)
			s = colon + 1;
	}
	return true;
}

int
daos_ace_from_str(const char *str, struct daos_ace **ace)
{
	char			 name[DAOS_ACL_MAX_PRINCIPAL_BUF_LEN];
	struct ace_fields	 fl;
	struct daos_ace		*out;
	uint64_t		 access = 0, flags = 0, perms = 0;
	enum daos_acl_principal_type type;
	size_t			 i;

	if (str == NULL || ace == NULL ||
	    strnlen(str, DAOS_ACL_MAX_ACE_STR_LEN + 1) > DAOS_ACL_MAX_ACE_STR_LEN)
		return -DER_INVAL;
	if (!split_fields(str, &fl) || fl.len[2] > DAOS_ACL_MAX_PRINCIPAL_LEN ||
	    !letters_parse(access_letters, NELEM(access_letters), fl.f[0], fl.len[0], &access) ||
	    !letters_parse(flag_letters, NELEM(flag_letters), fl.f[1], fl.len[1], &flags) ||
	    !letters_parse(perm_letters, NELEM(perm_letters), fl.f[3], fl.len[3], &perms))
		return -DER_INVAL;
	memcpy(name, fl.f[2], fl.len[2]);
	name[fl.len[2]] = '\0';
	if (!daos_acl_principal_is_valid(name))
		return -DER_INVAL;
	if (strcmp(name, DAOS_ACL_PRINCIPAL_OWNER) == 0)
		type = DAOS_ACL_OWNER;
	else if (strcmp(name, DAOS_ACL_PRINCIPAL_OWNER_GRP) == 0)
		type = DAOS_ACL_OWNER_GROUP;
	else if (strcmp(name, DAOS_ACL_PRINCIPAL_EVERYONE) == 0)
		type = DAOS_ACL_EVERYONE;
	else if (flags & DAOS_ACL_FLAG_GROUP)
		type = DAOS_ACL_GROUP;
	else
		type = DAOS_ACL_USER;
	out = daos_ace_create(type, name);
	if (out == NULL)
		return -DER_NOMEM;
	/* The string's flags are the entry's: GROUP@ needs its G written. */
	out->dae_access_flags = (uint16_t)flags;
	out->dae_access_types = (uint8_t)access;
	for (i = 0; i < NELEM(access_bits); i++) {
		if (!(access & access_bits[i]))
			continue;
		if (access_bits[i] == DAOS_ACL_ACCESS_ALLOW)
			out->dae_allow_perms = perms;
		else if (access_bits[i] == DAOS_ACL_ACCESS_AUDIT)
			out->dae_audit_perms = perms;
		else
			out->dae_alarm_perms = perms;
	}
	if (!daos_ace_is_valid(out)) {
		daos_ace_free(out);
		return -DER_INVAL;
	}
	*ace = out;
	return 0;
}

/* A bounded writer: keeps a NUL-terminated prefix and says whether
 * everything fitted. */
struct pen {
	char	*buf;
	size_t	 cap;
	size_t	 used;
	bool	 trunc;
};

static void
pen_put(struct pen *p, const char *s, size_t n)
{
	size_t room = p->cap - 1 - p->used;

	if (n > room) {
		n = room;
		p->trunc = true;
	}
	memcpy(p->buf + p->used, s, n);
	p->used += n;
	p->buf[p->used] = '\0';
}

static void
pen_str(struct pen *p, const char *s)
{
	pen_put(p, s, strlen(s));
}

/* The letters (or, with words, the words joined by '/') of bits. */
static void
pen_bits(struct pen *p, const struct letter *set, size_t n, uint64_t bits, bool words)
{
	bool	first = true;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!(bits & set[i].bit))
			continue;
		if (words) {
			if (!first)
				pen_put(p, "/", 1);
			pen_str(p, set[i].word);
		} else {
			pen_put(p, &set[i].c, 1);
		}
		first = false;
	}
}

int
daos_ace_to_str(struct daos_ace *ace, char *buf, size_t buf_len)
{
	struct pen	p = {buf, buf_len, 0, false};
	uint64_t	perms = 0;
	bool		have = false;
	size_t		i;

	if (ace == NULL || buf == NULL || buf_len == 0 || !daos_ace_is_valid(ace))
		return -DER_INVAL;
	/* One string gives all its access types the same permissions. */
	for (i = 0; i < NELEM(access_bits); i++) {
		if (!(ace->dae_access_types & access_bits[i]))
			continue;
		if (have && perms_of(ace, access_bits[i]) != perms)
			return -DER_INVAL;
		perms = perms_of(ace, access_bits[i]);
		have = true;
	}
	buf[0] = '\0';
	pen_bits(&p, access_letters, NELEM(access_letters), ace->dae_access_types, false);
	pen_put(&p, ":", 1);
	pen_bits(&p, flag_letters, NELEM(flag_letters), ace->dae_access_flags, false);
	pen_put(&p, ":", 1);
	pen_str(&p, daos_ace_get_principal_str(ace));
	pen_put(&p, ":", 1);
	pen_bits(&p, perm_letters, NELEM(perm_letters), perms, false);
	return p.trunc ? -DER_TRUNC : 0;
}

int
daos_ace_str_get_verbose(const char *ace_str, char *buf, size_t buf_len)
{
	char			 name[DAOS_ACL_MAX_PRINCIPAL_BUF_LEN];
	struct pen		 p = {buf, buf_len, 0, false};
	struct ace_fields	 fl;
	uint64_t		 access = 0, flags = 0, perms = 0;
	const char		*word;

	if (buf == NULL || buf_len == 0 || ace_str == NULL)
		return -DER_INVAL;
	buf[0] = '\0';
	if (strnlen(ace_str, DAOS_ACL_MAX_ACE_STR_LEN + 1) > DAOS_ACL_MAX_ACE_STR_LEN ||
	    !split_fields(ace_str, &fl) || fl.len[0] == 0 ||
	    fl.len[2] > DAOS_ACL_MAX_PRINCIPAL_LEN ||
	    !letters_parse(access_letters, NELEM(access_letters), fl.f[0], fl.len[0], &access) ||
	    !letters_parse(flag_letters, NELEM(flag_letters), fl.f[1], fl.len[1], &flags) ||
	    !letters_parse(perm_letters, NELEM(perm_letters), fl.f[3], fl.len[3], &perms))
		return -DER_INVAL;
	memcpy(name, fl.f[2], fl.len[2]);
	name[fl.len[2]] = '\0';
	if (!daos_acl_principal_is_valid(name))
		return -DER_INVAL;
	if (strcmp(name, DAOS_ACL_PRINCIPAL_OWNER) == 0)
		word = "Owner";
	else if (strcmp(name, DAOS_ACL_PRINCIPAL_OWNER_GRP) == 0)
		word = "Owner-Group";
	else if (strcmp(name, DAOS_ACL_PRINCIPAL_EVERYONE) == 0)
		word = "Everyone";
	else
		word = name;
	pen_bits(&p, access_letters, NELEM(access_letters), access, true);
	pen_put(&p, ":", 1);
	pen_bits(&p, flag_letters, NELEM(flag_letters), flags, true);
	pen_put(&p, ":", 1);
	pen_str(&p, word);
	pen_put(&p, ":", 1);
	if (perms == 0)
		pen_str(&p, "No-Access");
	else
		pen_bits(&p, perm_letters, NELEM(perm_letters), perms, true);
	return p.trunc ? -DER_TRUNC : 0;
}

static void
strs_free(char **strs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(strs[i]);
	free(strs);
}

int
daos_acl_from_strs(const char **ace_strs, size_t ace_nr, struct daos_acl **acl)
{
	struct daos_ace	**aces;
	struct daos_acl	 *out;
	size_t		  i;
	int		  rc = 0;

	if (ace_strs == NULL || ace_nr == 0 || acl == NULL)
		return -DER_INVAL;
	/* Every entry takes at least a header: more could not fit. */
	if (ace_nr > DAOS_ACL_MAX_ACE_LEN / ACE_HDR)
		return -DER_INVAL;
	aces = calloc(ace_nr, sizeof(*aces));
	if (aces == NULL)
		return -DER_NOMEM;
	for (i = 0; i < ace_nr && rc == 0; i++)
		rc = daos_ace_from_str(ace_strs[i], &aces[i]);
	if (rc == 0)
		rc = acl_build(aces, ace_nr, true, &out);
	if (rc == 0)
		*acl = out;
	for (i = 0; i < ace_nr; i++)
		daos_ace_free(aces[i]);
	free(aces);
	return rc;
}

int
daos_acl_to_strs(struct daos_acl *acl, char ***ace_strs, size_t *ace_nr)
{
	char		  buf[DAOS_ACL_MAX_ACE_STR_LEN + 1];
	struct daos_ace	**v;
	char		**out = NULL;
	size_t		  n, i;
	int		  rc;

	if (ace_strs == NULL || ace_nr == NULL)
		return -DER_INVAL;
	rc = daos_acl_validate(acl);
	if (rc != 0)
		return rc;
	rc = acl_entries(acl, &v, &n);
	if (rc != 0)
		return rc;
	if (n > 0) {
		out = calloc(n, sizeof(*out));
		if (out == NULL)
			rc = -DER_NOMEM;
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = daos_ace_to_str(v[i], buf, sizeof(buf));
		if (rc == 0 && (out[i] = strdup(buf)) == NULL)
			rc = -DER_NOMEM;
	}
	free(v);
	if (rc != 0) {
		if (out != NULL)
			strs_free(out, n);
		return rc;
	}
	*ace_strs = out;
	*ace_nr = n;
	return 0;
}

int
daos_acl_to_stream(FILE *stream, struct daos_acl *acl, bool verbose)
{
	char	  words[2 * DAOS_ACL_MAX_ACE_STR_LEN];
	char	**strs = NULL;
	size_t	  n = 0, i;
	int	  rc;

	if (stream == NULL)
		return -DER_INVAL;
	if (acl != NULL) {
		rc = daos_acl_to_strs(acl, &strs, &n);
		if (rc != 0)
			return rc;
	}
	rc = fputs("# Entries:\n", stream) < 0 ? -DER_IO : 0;
	if (rc == 0 && n == 0)
		rc = fputs("#   None\n", stream) < 0 ? -DER_IO : 0;
	for (i = 0; i < n && rc == 0; i++) {
		/* A verbose line cut short is still worth printing. */
		if (verbose) {
			rc = daos_ace_str_get_verbose(strs[i], words, sizeof(words));
			if (rc == 0 || rc == -DER_TRUNC)
				rc = fprintf(stream, "# %s\n", words) < 0 ? -DER_IO : 0;
		}
		if (rc == 0)
			rc = fprintf(stream, "%s\n", strs[i]) < 0 ? -DER_IO : 0;
	}
	if (strs != NULL)
		strs_free(strs, n);
	return rc;
}

void
daos_ace_dump(struct daos_ace *ace, uint32_t tabs)
{
	char		buf[2 * DAOS_ACL_MAX_ACE_STR_LEN];
	struct pen	p = {buf, sizeof(buf), 0, false};
	uint32_t	i;
	size_t		j;

	buf[0] = '\0';
	for (i = 0; i < tabs && i < 16; i++)
		pen_put(&p, "\t", 1);
	if (ace == NULL) {
		printf("%sACE: NULL\n", buf);
		return;
	}
	printf("%sACE: type %u, principal %s, length %u\n", buf,
	       ace->dae_principal_type,
	       daos_ace_is_valid(ace) ? daos_ace_get_principal_str(ace) : "(invalid)",
	       ace->dae_principal_len);
	printf("%s\taccess types %#x, flags %#x\n", buf, ace->dae_access_types,
	       ace->dae_access_flags);
	for (j = 0; j < NELEM(access_letters); j++) {
		char		perms[128];
		struct pen	q = {perms, sizeof(perms), 0, false};

		perms[0] = '\0';
		pen_bits(&q, perm_letters, NELEM(perm_letters),
			 perms_of(ace, (unsigned)access_letters[j].bit), true);
		printf("%s\t%s: %s\n", buf, access_letters[j].word,
		       perms[0] != '\0' ? perms : "none");
	}
}

void
daos_acl_dump(struct daos_acl *acl)
{
	struct daos_ace *cur;

	if (acl == NULL) {
		printf("ACL: NULL\n");
		return;
	}
	printf("ACL: version %u, %u bytes of entries%s\n", acl->dal_ver,
	       acl->dal_len, daos_acl_validate(acl) == 0 ? "" : " (invalid)");
	for (cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur))
		daos_ace_dump(cur, 1);
}

/* ---- principals and local identities ---- */

/* One password or group database lookup, with its buffer. */
struct ident {
	struct passwd	 pw;
	struct group	 gr;
	char		*buf;
};

typedef int (*ident_call)(const void *key, struct ident *id, size_t len, void **found);

static int
pw_by_uid(const void *key, struct ident *id, size_t len, void **found)
{
	struct passwd	*r = NULL;
	int		 rc = getpwuid_r(*(const uid_t *)key, &id->pw, id->buf, len, &r);

	*found = r;
	return rc;
}

static int
gr_by_gid(const void *key, struct ident *id, size_t len, void **found)
{
	struct group	*r = NULL;
	int		 rc = getgrgid_r(*(const gid_t *)key, &id->gr, id->buf, len, &r);

	*found = r;
	return rc;
}

static int
pw_by_name(const void *key, struct ident *id, size_t len, void **found)
{
	struct passwd	*r = NULL;
	int		 rc = getpwnam_r(key, &id->pw, id->buf, len, &r);

	*found = r;
	return rc;
}

static int
gr_by_name(const void *key, struct ident *id, size_t len, void **found)
{
	struct group	*r = NULL;
	int		 rc = getgrnam_r(key, &id->gr, id->buf, len, &r);

	*found = r;
	return rc;
}

/* Runs call with a buffer that grows while it is too small; 0 with *found
 * set, -DER_NONEXIST when there is no such entry. Free id->buf after. */
static int
ident_lookup(ident_call call, const void *key, struct ident *id, void **found)
{
	size_t	 len = 1024;
	char	*nb;
	int	 rc;

	for (;;) {
		nb = realloc(id->buf, len);
		if (nb == NULL)
			return -DER_NOMEM;
		id->buf = nb;
		*found = NULL;
		rc = call(key, id, len, found);
		if (rc != ERANGE || len >= (1U << 20))
			break;
		len *= 2;
	}
	switch (rc) {
	case 0:
		return *found == NULL ? -DER_NONEXIST : 0;
	case ENOENT:
	case ESRCH:
		return -DER_NONEXIST;
	case ENOMEM:
		return -DER_NOMEM;
	case EPERM:
	case EACCES:
		return -DER_NO_PERM;
	case EIO:
		return -DER_IO;
	default:
		return -DER_MISC;
	}
}

static int
name_to_principal(const char *local, char **name)
{
	size_t	 n = strlen(local);
	char	*out = malloc(n + 2);

	if (out == NULL)
		return -DER_NOMEM;
	memcpy(out, local, n);
	out[n] = '@';
	out[n + 1] = '\0';
	*name = out;
	return 0;
}

int
daos_acl_uid_to_principal(uid_t uid, char **name)
{
	struct ident	 id = {.buf = NULL};
	void		*found;
	int		 rc;

	if (name == NULL)
		return -DER_INVAL;
	rc = ident_lookup(pw_by_uid, &uid, &id, &found);
	if (rc == 0)
		rc = name_to_principal(((struct passwd *)found)->pw_name, name);
	free(id.buf);
	return rc;
}

int
daos_acl_gid_to_principal(gid_t gid, char **name)
{
	struct ident	 id = {.buf = NULL};
	void		*found;
	int		 rc;

	if (name == NULL)
		return -DER_INVAL;
	rc = ident_lookup(gr_by_gid, &gid, &id, &found);
	if (rc == 0)
		rc = name_to_principal(((struct group *)found)->gr_name, name);
	free(id.buf);
	return rc;
}

/* The local name of a principal: what comes before its '@'. */
static int
local_name(const char *principal, char *out)
{
	size_t n;

	if (!daos_acl_principal_is_valid(principal))
		return -DER_INVAL;
	n = (size_t)(strchr(principal, '@') - principal);
	memcpy(out, principal, n);
	out[n] = '\0';
	return 0;
}

/* Looks up the local user or group a principal names. */
static int
principal_lookup(const char *principal, ident_call call, struct ident *id, void **found)
{
	char	local[DAOS_ACL_MAX_PRINCIPAL_BUF_LEN];
	int	rc = local_name(principal, local);

	return rc != 0 ? rc : ident_lookup(call, local, id, found);
}

int
daos_acl_principal_to_uid(const char *principal, uid_t *uid)
{
	struct ident	 id = {.buf = NULL};
	void		*found;
	int		 rc = uid == NULL ? -DER_INVAL :
			      principal_lookup(principal, pw_by_name, &id, &found);

	if (rc == 0)
		*uid = ((struct passwd *)found)->pw_uid;
	free(id.buf);
	return rc;
}

int
daos_acl_principal_to_gid(const char *principal, gid_t *gid)
{
	struct ident	 id = {.buf = NULL};
	void		*found;
	int		 rc = gid == NULL ? -DER_INVAL :
			      principal_lookup(principal, gr_by_name, &id, &found);

	if (rc == 0)
		*gid = ((struct group *)found)->gr_gid;
	free(id.buf);
	return rc;
}

int
daos_acl_principal_from_str(const char *principal_str,
			    enum daos_acl_principal_type *type, char **name)
{
	const char *p;

	if (principal_str == NULL || type == NULL || name == NULL)
		return -DER_INVAL;
	if (strcmp(principal_str, DAOS_ACL_PRINCIPAL_OWNER) == 0)
		*type = DAOS_ACL_OWNER;
	else if (strcmp(principal_str, DAOS_ACL_PRINCIPAL_OWNER_GRP) == 0)
		*type = DAOS_ACL_OWNER_GROUP;
	else if (strcmp(principal_str, DAOS_ACL_PRINCIPAL_EVERYONE) == 0)
		*type = DAOS_ACL_EVERYONE;
	else if (strncmp(principal_str, "u:", 2) == 0)
		*type = DAOS_ACL_USER;
	else if (strncmp(principal_str, "g:", 2) == 0)
		*type = DAOS_ACL_GROUP;
	else
		return -DER_INVAL;
	if (!type_named(*type)) {
		*name = NULL;
		return 0;
	}
	p = principal_str + 2;
	if (!daos_acl_principal_is_valid(p))
		return -DER_INVAL;
	*name = strdup(p);
	return *name == NULL ? -DER_NOMEM : 0;
}

/* ---- permissions from properties ---- */

/* The permissions an ACL grants a user (name) in groups (names), where
 * owner and group own the object: the owner's entry if the user owns it,
 * else the user's own entry, else the union of every matching group
 * entry, else EVERYONE@'s. Only allow entries grant. The owner also has
 * owner_min whatever the ACL says (a container's get and set ACL). */
static uint64_t
acl_perms(struct daos_acl *acl, const char *owner, const char *group,
	  const char *user, char *const groups[], size_t nr_groups, uint64_t owner_min)
{
	struct daos_ace	*a;
	uint64_t	 p = 0;
	bool		 matched = false;
	bool		 owns = strcmp(user, owner) == 0;
	size_t		 i;

#define ALLOWED(e) (((e)->dae_access_types & DAOS_ACL_ACCESS_ALLOW) ? (e)->dae_allow_perms : 0)
	if (owns && daos_acl_get_ace_for_principal(acl, DAOS_ACL_OWNER, NULL, &a) == 0)
		return ALLOWED(a) | owner_min;
	if (daos_acl_get_ace_for_principal(acl, DAOS_ACL_USER, user, &a) == 0)
		return ALLOWED(a) | (owns ? owner_min : 0);
	for (i = 0; i < nr_groups; i++) {
		if (strcmp(groups[i], group) == 0 &&
		    daos_acl_get_ace_for_principal(acl, DAOS_ACL_OWNER_GROUP, NULL, &a) == 0) {
			p |= ALLOWED(a);
			matched = true;
		}
		if (daos_acl_get_ace_for_principal(acl, DAOS_ACL_GROUP, groups[i], &a) == 0) {
			p |= ALLOWED(a);
			matched = true;
		}
	}
	if (!matched && daos_acl_get_ace_for_principal(acl, DAOS_ACL_EVERYONE, NULL, &a) == 0)
		p = ALLOWED(a);
#undef ALLOWED
	return p | (owns ? owner_min : 0);
}

/* Evaluates prop's ACL, owner and owner group (entries of the three types
 * given) for a local user and groups. */
static int
prop_perms(daos_prop_t *prop, uint32_t acl_type, uint32_t owner_type, uint32_t group_type,
	   uint64_t owner_min, uid_t uid, gid_t *gids, size_t nr_gids, uint64_t *perms)
{
	struct daos_prop_entry	 *acl, *owner, *group;
	char			 *user = NULL;
	char			**groups = NULL;
	size_t			  i, n = 0;
	int			  rc;

	if (perms != NULL)
		*perms = 0;
	if (prop == NULL || perms == NULL || (nr_gids > 0 && gids == NULL) ||
	    nr_gids > 65536)
		return -DER_INVAL;
	acl = daos_prop_entry_get(prop, acl_type);
	owner = daos_prop_entry_get(prop, owner_type);
	group = daos_prop_entry_get(prop, group_type);
	if (acl == NULL || owner == NULL || group == NULL || acl->dpe_val_ptr == NULL ||
	    owner->dpe_str == NULL || group->dpe_str == NULL ||
	    daos_acl_validate(acl->dpe_val_ptr) != 0)
		return -DER_INVAL;
	rc = daos_acl_uid_to_principal(uid, &user);
	if (rc != 0)
		return rc;
	if (nr_gids > 0) {
		groups = calloc(nr_gids, sizeof(*groups));
		if (groups == NULL)
			rc = -DER_NOMEM;
	}
	for (n = 0; n < nr_gids && rc == 0; n++)
		rc = daos_acl_gid_to_principal(gids[n], &groups[n]);
	if (rc == 0)
		*perms = acl_perms(acl->dpe_val_ptr, owner->dpe_str, group->dpe_str, user,
				   groups, nr_gids, owner_min);
	for (i = 0; i < n && groups != NULL; i++)
		free(groups[i]);
	free(groups);
	free(user);
	return rc;
}

int
daos_cont_get_perms(daos_prop_t *cont_prop, uid_t uid, gid_t *gids, size_t nr_gids,
		    uint64_t *perms)
{
	return prop_perms(cont_prop, DAOS_PROP_CO_ACL, DAOS_PROP_CO_OWNER,
			  DAOS_PROP_CO_OWNER_GROUP, DAOS_ACL_PERM_GET_ACL | DAOS_ACL_PERM_SET_ACL,
			  uid, gids, nr_gids, perms);
}

int
daos_pool_get_perms(daos_prop_t *pool_prop, uid_t uid, gid_t *gids, size_t nr_gids,
		    uint64_t *perms)
{
	return prop_perms(pool_prop, DAOS_PROP_PO_ACL, DAOS_PROP_PO_OWNER,
			  DAOS_PROP_PO_OWNER_GROUP, 0, uid, gids, nr_gids, perms);
}
