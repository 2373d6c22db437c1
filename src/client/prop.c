/*
 * daos_prop_*: pool and container property lists (daos_prop.h), pure C so
 * they work before daos_init and never need the Go core.
 *
 * What an entry owns, by type:
 *  - strings (labels, owners, owner groups): a NUL-terminated copy in
 *    dpe_str, released with free();
 *  - DAOS_PROP_PO_SVC_LIST: a d_rank_list_t with its own rank array,
 *    released with d_rank_list_free();
 *  - ACLs: a struct daos_acl in dpe_val_ptr (its header gives its size),
 *    released with free();
 *  - DAOS_PROP_CO_ROOTS: a struct daos_prop_co_roots in dpe_val_ptr,
 *    released with free();
 *  - every other type: the integer dpe_val, nothing to release.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include <daos_prop.h>
#include <daos_security.h>
#include <gurt/common.h>

/* More entries than there are property types would only hold
 * duplicates; the bound keeps a garbage count from becoming a huge
 * allocation. */
#define PROP_ENTRIES_MAX	128

enum val_kind {
	VAL_NUM,
	VAL_STR,
	VAL_RANKS,
	VAL_ACL,
	VAL_ROOTS,
};

static enum val_kind
kind_of(uint32_t type)
{
	switch (type) {
	case DAOS_PROP_PO_LABEL:
	case DAOS_PROP_PO_OWNER:
	case DAOS_PROP_PO_OWNER_GROUP:
	case DAOS_PROP_CO_LABEL:
	case DAOS_PROP_CO_OWNER:
	case DAOS_PROP_CO_OWNER_GROUP:
		return VAL_STR;
	case DAOS_PROP_PO_SVC_LIST:
		return VAL_RANKS;
	case DAOS_PROP_PO_ACL:
	case DAOS_PROP_CO_ACL:
		return VAL_ACL;
	case DAOS_PROP_CO_ROOTS:
		return VAL_ROOTS;
	default:
		return VAL_NUM;
	}
}

static bool
is_label(uint32_t type)
{
	return type == DAOS_PROP_PO_LABEL || type == DAOS_PROP_CO_LABEL;
}

/* Is s, n characters long, an acceptable value for string type? Labels
 * follow daos_label_is_valid; owners are principal names. */
static bool
str_ok(uint32_t type, const char *s, size_t n)
{
	if (is_label(type))
		return n <= DAOS_PROP_LABEL_MAX_LEN && daos_label_is_valid(s);
	return n > 0 && n <= DAOS_ACL_MAX_PRINCIPAL_LEN;
}

static bool
is_pool_type(uint32_t type)
{
	/* 10 was a property DAOS dropped; its number is not reused. */
	return type > DAOS_PROP_PO_MIN && type < DAOS_PROP_PO_MAX && type != 10;
}

static bool
is_cont_type(uint32_t type)
{
	return type > DAOS_PROP_CO_MIN && type < DAOS_PROP_CO_MAX;
}

/* ---- values ---- */

static bool
ranks_ok(const d_rank_list_t *l)
{
	return l->rl_nr == 0 || l->rl_ranks != NULL;
}

static d_rank_list_t *
ranks_dup(const d_rank_list_t *src)
{
	d_rank_list_t *dst;

	dst = d_rank_list_alloc(src->rl_nr);
	if (dst != NULL && src->rl_nr > 0)
		memcpy(dst->rl_ranks, src->rl_ranks,
		       src->rl_nr * sizeof(*src->rl_ranks));
	return dst;
}

/* Releases what the entry owns and clears its value. */
static void
entry_release(struct daos_prop_entry *e)
{
	switch (kind_of(e->dpe_type)) {
	case VAL_STR:
		free(e->dpe_str);
		break;
	case VAL_RANKS:
		d_rank_list_free(e->dpe_val_ptr);
		break;
	case VAL_ACL:
	case VAL_ROOTS:
		free(e->dpe_val_ptr);
		break;
	case VAL_NUM:
		break;
	}
	e->dpe_val = 0;
}

/* Makes out a deep copy of in's value (type, flags and value); out owns
 * nothing yet. 0 or -DER_*. */
static int
entry_dup(struct daos_prop_entry *out, const struct daos_prop_entry *in)
{
	*out = *in;
	switch (kind_of(in->dpe_type)) {
	case VAL_NUM:
		return 0;
	case VAL_STR:
		if (in->dpe_str == NULL)
			return 0;
		out->dpe_str = strdup(in->dpe_str);
		return out->dpe_str == NULL ? -DER_NOMEM : 0;
	case VAL_RANKS:
		if (in->dpe_val_ptr == NULL)
			return 0;
		out->dpe_val_ptr = NULL;
		if (!ranks_ok(in->dpe_val_ptr))
			return -DER_INVAL;
		out->dpe_val_ptr = ranks_dup(in->dpe_val_ptr);
		return out->dpe_val_ptr == NULL ? -DER_NOMEM : 0;
	case VAL_ACL:
		if (in->dpe_val_ptr == NULL)
			return 0;
		out->dpe_val_ptr = NULL;
		if (daos_acl_get_size(in->dpe_val_ptr) > (ssize_t)(sizeof(struct daos_acl) +
								   DAOS_ACL_MAX_ACE_LEN))
			return -DER_INVAL;
		out->dpe_val_ptr = daos_acl_dup(in->dpe_val_ptr);
		return out->dpe_val_ptr == NULL ? -DER_NOMEM : 0;
	case VAL_ROOTS:
		if (in->dpe_val_ptr == NULL)
			return 0;
		out->dpe_val_ptr = malloc(sizeof(struct daos_prop_co_roots));
		if (out->dpe_val_ptr == NULL)
			return -DER_NOMEM;
		memcpy(out->dpe_val_ptr, in->dpe_val_ptr, sizeof(struct daos_prop_co_roots));
		return 0;
	}
	return -DER_INVAL;
}

static bool
entries_ok(const daos_prop_t *prop)
{
	return prop->dpp_nr == 0 || prop->dpp_entries != NULL;
}

daos_prop_t *
daos_prop_alloc(uint32_t entries_nr)
{
	daos_prop_t *prop;

	if (entries_nr > PROP_ENTRIES_MAX)
		return NULL;
	prop = calloc(1, sizeof(*prop));
	if (prop == NULL)
		return NULL;
	if (entries_nr > 0) {
		prop->dpp_entries = calloc(entries_nr,
					   sizeof(*prop->dpp_entries));
		if (prop->dpp_entries == NULL) {
			free(prop);
			return NULL;
		}
	}
	prop->dpp_nr = entries_nr;
	return prop;
}

void
daos_prop_fini(daos_prop_t *prop)
{
	uint32_t i;

	if (prop == NULL)
		return;
	if (prop->dpp_entries != NULL) {
		for (i = 0; i < prop->dpp_nr; i++)
			entry_release(&prop->dpp_entries[i]);
		free(prop->dpp_entries);
	}
	prop->dpp_entries = NULL;
	prop->dpp_nr = 0;
}

void
daos_prop_free(daos_prop_t *prop)
{
	if (prop == NULL)
		return;
	daos_prop_fini(prop);
	free(prop);
}

struct daos_prop_entry *
daos_prop_entry_get(daos_prop_t *prop, uint32_t type)
{
	uint32_t i;

	if (prop == NULL || prop->dpp_entries == NULL)
		return NULL;
	for (i = 0; i < prop->dpp_nr; i++)
		if (prop->dpp_entries[i].dpe_type == type)
			return &prop->dpp_entries[i];
	return NULL;
}

int
daos_prop_copy(daos_prop_t *dst, daos_prop_t *src)
{
	struct daos_prop_entry *tmp;
	const struct daos_prop_entry *from;
	uint32_t		nr, type, i;
	bool			alloc;
	int			rc = 0;

	/* As DAOS: dst's entries say what is copied (every one must be in
	 * src), an untyped entry takes src's at the same index, and a dst
	 * with no entries gets all of src's. It is how a query's reply
	 * reaches the caller's list. */
	if (dst == NULL || !entries_ok(dst))
		return -DER_INVAL;
	if (src == NULL || src->dpp_nr == 0 || src->dpp_entries == NULL)
		return -DER_PROTO;
	alloc = dst->dpp_nr == 0;
	nr = alloc ? src->dpp_nr : dst->dpp_nr;

	/* Copy first, then swap in: dst may be src, and a failure midway
	 * must leave dst as it was. */
	tmp = calloc(nr, sizeof(*tmp));
	if (tmp == NULL)
		return -DER_NOMEM;
	for (i = 0; i < nr; i++) {
		type = alloc ? 0 : dst->dpp_entries[i].dpe_type;
		if (type == 0) {
			if (i >= src->dpp_nr) {
				rc = -DER_PROTO;
				break;
			}
			type = src->dpp_entries[i].dpe_type;
		}
		from = daos_prop_entry_get(src, type);
		if (from == NULL) {
			rc = -DER_PROTO;
			break;
		}
		rc = entry_dup(&tmp[i], from);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		while (i-- > 0)
			entry_release(&tmp[i]);
		free(tmp);
		return rc;
	}
	if (alloc) {
		dst->dpp_entries = tmp;
		dst->dpp_nr = nr;
		return 0;
	}
	for (i = 0; i < nr; i++) {
		entry_release(&dst->dpp_entries[i]);
		dst->dpp_entries[i] = tmp[i];
	}
	free(tmp);
	return 0;
}

/* Checks an entry's value as a caller would supply it. */
static bool
input_ok(const struct daos_prop_entry *e)
{
	if (e->dpe_flags & DAOS_PROP_ENTRY_NOT_SET)
		return true;
	switch (e->dpe_type) {
	case DAOS_PROP_CO_LAYOUT_TYPE:
		return e->dpe_val <= DAOS_PROP_CO_LAYOUT_METEO;
	case DAOS_PROP_CO_CSUM:
		return e->dpe_val <= DAOS_PROP_CO_CSUM_ADLER32;
	case DAOS_PROP_CO_REDUN_FAC:
		return e->dpe_val <= DAOS_PROP_CO_REDUN_RF4;
	case DAOS_PROP_PO_SPACE_RB:
		return e->dpe_val <= 100;
	default:
		break;
	}
	if (kind_of(e->dpe_type) == VAL_ACL)
		return e->dpe_val_ptr != NULL && daos_acl_validate(e->dpe_val_ptr) == 0;
	if (kind_of(e->dpe_type) == VAL_STR)
		return e->dpe_str != NULL &&
		       str_ok(e->dpe_type, e->dpe_str,
			      strnlen(e->dpe_str, DAOS_ACL_MAX_PRINCIPAL_LEN + 1));
	return true;
}

daos_prop_t *
daos_prop_dup(daos_prop_t *prop, bool pool, bool input)
{
	daos_prop_t *dup;
	uint32_t     i, j;

	if (prop == NULL || !entries_ok(prop) || prop->dpp_nr > PROP_ENTRIES_MAX)
		return NULL;
	for (i = 0; i < prop->dpp_nr; i++) {
		const struct daos_prop_entry *e = &prop->dpp_entries[i];

		if (pool ? !is_pool_type(e->dpe_type) : !is_cont_type(e->dpe_type))
			return NULL;
		/* A repeated type would make entry_get see only the first. */
		for (j = 0; j < i; j++)
			if (prop->dpp_entries[j].dpe_type == e->dpe_type)
				return NULL;
		if (input && !input_ok(e))
			return NULL;
	}

	dup = daos_prop_alloc(prop->dpp_nr);
	if (dup == NULL)
		return NULL;
	for (i = 0; i < prop->dpp_nr; i++) {
		if (entry_dup(&dup->dpp_entries[i], &prop->dpp_entries[i]) != 0) {
			/* entry_dup left the failed entry owning nothing;
			 * free the copies made so far with it. */
			dup->dpp_nr = i + 1;
			daos_prop_free(dup);
			return NULL;
		}
	}
	return dup;
}

int
daos_prop_entry_set_str(struct daos_prop_entry *entry, const char *str,
			daos_size_t len)
{
	size_t n;
	char  *s;

	if (entry == NULL || kind_of(entry->dpe_type) != VAL_STR)
		return -DER_INVAL;
	/* No string clears the entry, as in DAOS. */
	if (str == NULL || len == 0) {
		entry_release(entry);
		return 0;
	}
	/* Measure at most one past any limit: str need not be terminated
	 * within len, and a huge len must not make us scan far. */
	n = strnlen(str, len < DAOS_ACL_MAX_PRINCIPAL_LEN + 1 ?
			 (size_t)len : DAOS_ACL_MAX_PRINCIPAL_LEN + 1);
	if (n > (is_label(entry->dpe_type) ? DAOS_PROP_LABEL_MAX_LEN :
					       DAOS_ACL_MAX_PRINCIPAL_LEN))
		return -DER_INVAL;
	s = strndup(str, n);
	if (s == NULL)
		return -DER_NOMEM;
	if (!str_ok(entry->dpe_type, s, n)) {
		free(s);
		return -DER_INVAL;
	}
	entry_release(entry);
	entry->dpe_str = s;
	entry->dpe_flags &= ~DAOS_PROP_ENTRY_NOT_SET;
	return 0;
}

int
daos_prop_entry_set_ptr(struct daos_prop_entry *entry, const void *ptr,
			daos_size_t size)
{
	void *p;

	if (entry == NULL)
		return -DER_INVAL;
	if (kind_of(entry->dpe_type) != VAL_RANKS && kind_of(entry->dpe_type) != VAL_ACL &&
	    kind_of(entry->dpe_type) != VAL_ROOTS)
		return -DER_INVAL;
	/* No value clears the entry, as in DAOS. */
	if (ptr == NULL || size == 0) {
		entry_release(entry);
		return 0;
	}
	switch (kind_of(entry->dpe_type)) {
	case VAL_RANKS:
		/* The rank list says its own length; it is copied deep, where
		 * a copy of size bytes would share the caller's ranks. */
		if (!ranks_ok(ptr))
			return -DER_INVAL;
		p = ranks_dup(ptr);
		break;
	case VAL_ACL:
		/* size is the ACL's own (daos_acl_get_size), so that the
		 * copy is the whole ACL and later copies know its size; its
		 * entries are checked where it is used (daos_prop_dup with
		 * input, container create), as in DAOS. */
		if (size < sizeof(struct daos_acl) ||
		    (daos_size_t)daos_acl_get_size((struct daos_acl *)ptr) != size)
			return -DER_INVAL;
		p = daos_acl_dup((struct daos_acl *)ptr);
		break;
	case VAL_ROOTS:
		if (size != sizeof(struct daos_prop_co_roots))
			return -DER_INVAL;
		p = malloc(size);
		if (p != NULL)
			memcpy(p, ptr, size);
		break;
	default:
		return -DER_INVAL;
	}
	if (p == NULL)
		return -DER_NOMEM;
	entry_release(entry);
	entry->dpe_val_ptr = p;
	entry->dpe_flags &= ~DAOS_PROP_ENTRY_NOT_SET;
	return 0;
}

int
daos_prop_set_str(daos_prop_t *prop, uint32_t type, const char *str,
		  daos_size_t len)
{
	struct daos_prop_entry *e;

	e = daos_prop_entry_get(prop, type);
	if (e == NULL)
		return -DER_NONEXIST;
	return daos_prop_entry_set_str(e, str, len);
}

int
daos_prop_set_ptr(daos_prop_t *prop, uint32_t type, const void *ptr,
		  daos_size_t size)
{
	struct daos_prop_entry *e;

	e = daos_prop_entry_get(prop, type);
	if (e == NULL)
		return -DER_NONEXIST;
	return daos_prop_entry_set_ptr(e, ptr, size);
}

/* A value's position in a NULL-ended list of names, or -1. */
static int
name_index(const char *const *names, const char *v)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

static const char *const csum_names[] = {"off", "crc16", "crc32", "crc64", "sha1",
					 "sha256", "sha512", "adler32", NULL};
static const char *const compress_names[] = {"off", "lz4", "deflate", "deflate1",
					     "deflate2", "deflate3", "deflate4", NULL};
static const char *const encrypt_names[] = {"off", "aes-xts128", "aes-xts256", "aes-cbc128",
					    "aes-cbc192", "aes-cbc256", "aes-gcm128",
					    "aes-gcm256", NULL};
static const char *const sv_names[] = {"off", "on", NULL};
static const char *const dedup_names[] = {"off", "memcmp", "hash", NULL};
static const char *const rf_names[] = {"0", "1", "2", "3", "4", NULL};

/* Numbers as strtoull reads them (any base), the whole value. */
static int
number(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 0);
	return errno != 0 || end == v || *end != 0 || v[0] == '-' ? -DER_INVAL : 0;
}

/* parse_prop fills e from one "name:value" (its text is changed). */
static int
parse_prop(char *item, struct daos_prop_entry *e)
{
	char *colon = strchr(item, ':');
	const char *name = item, *v;
	static const struct {
		const char	   *name;
		uint32_t	    type;
		const char *const *names; /* NULL: a number */
	} table[] = {
		{"cksum", DAOS_PROP_CO_CSUM, csum_names},
		{"cksum_size", DAOS_PROP_CO_CSUM_CHUNK_SIZE, NULL},
		{"srv_cksum", DAOS_PROP_CO_CSUM_SERVER_VERIFY, sv_names},
		{"dedup", DAOS_PROP_CO_DEDUP, dedup_names},
		{"dedup_threshold", DAOS_PROP_CO_DEDUP_THRESHOLD, NULL},
		{"compression", DAOS_PROP_CO_COMPRESS, compress_names},
		{"encryption", DAOS_PROP_CO_ENCRYPT, encrypt_names},
		{"rd_fac", DAOS_PROP_CO_REDUN_FAC, rf_names},
		{"rf", DAOS_PROP_CO_REDUN_FAC, rf_names},
		{"ec_cell_sz", DAOS_PROP_CO_EC_CELL_SZ, NULL},
		{"ec_pda", DAOS_PROP_CO_EC_PDA, NULL},
		{"rp_pda", DAOS_PROP_CO_RP_PDA, NULL},
		{"perf_domain", DAOS_PROP_CO_PERF_DOMAIN, NULL},
	};
	size_t i;

	if (colon == NULL || colon == item || colon[1] == 0)
		return -DER_INVAL;
	*colon = 0;
	v = colon + 1;
	if (strcmp(name, "label") == 0) {
		if (!daos_label_is_valid(v))
			return -DER_INVAL;
		e->dpe_type = DAOS_PROP_CO_LABEL;
		return daos_prop_entry_set_str(e, v, strlen(v));
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint64_t n;
		int at;

		if (strcmp(name, table[i].name) != 0)
			continue;
		e->dpe_type = table[i].type;
		if (table[i].names == NULL) {
			if (number(v, &n) != 0)
				return -DER_INVAL;
			e->dpe_val = n;
		} else {
			at = name_index(table[i].names, v);
			if (at < 0)
				return -DER_INVAL;
			e->dpe_val = (uint64_t)at;
		}
		e->dpe_flags &= ~DAOS_PROP_ENTRY_NOT_SET;
		return 0;
	}
	return -DER_INVAL; /* read-only, or no such property */
}

int
daos_prop_from_str(const char *str, daos_size_t len, daos_prop_t **prop_out)
{
	daos_prop_t *prop;
	char *text, *item, *save = NULL;
	uint32_t n = 0, i = 0;
	int rc = 0;

	if (str == NULL || len == 0 || prop_out == NULL)
		return -DER_INVAL;
	text = strndup(str, len);
	if (text == NULL)
		return -DER_NOMEM;
	for (item = strtok_r(text, ";", &save); item != NULL; item = strtok_r(NULL, ";", &save))
		n++;
	free(text);
	if (n == 0)
		return -DER_INVAL;
	prop = daos_prop_alloc(n);
	if (prop == NULL)
		return -DER_NOMEM;
	text = strndup(str, len);
	if (text == NULL) {
		daos_prop_free(prop);
		return -DER_NOMEM;
	}
	save = NULL;
	for (item = strtok_r(text, ";", &save); item != NULL && i < n;
	     item = strtok_r(NULL, ";", &save), i++) {
		rc = parse_prop(item, &prop->dpp_entries[i]);
		if (rc != 0)
			break;
	}
	free(text);
	if (rc != 0) {
		daos_prop_free(prop);
		return rc;
	}
	*prop_out = prop;
	return 0;
}

bool
daos_prop_has_str(struct daos_prop_entry *entry)
{
	return entry != NULL && kind_of(entry->dpe_type) == VAL_STR;
}

bool
daos_prop_has_ptr(struct daos_prop_entry *entry)
{
	return entry != NULL && (kind_of(entry->dpe_type) == VAL_RANKS ||
				 kind_of(entry->dpe_type) == VAL_ACL ||
				 kind_of(entry->dpe_type) == VAL_ROOTS);
}

int
daos_prop_entry_dup_ptr(struct daos_prop_entry *entry_dst,
			struct daos_prop_entry *entry_src, size_t len)
{
	if (entry_dst == NULL || entry_src == NULL || entry_src->dpe_val_ptr == NULL ||
	    len == 0)
		return -DER_INVAL;
	return daos_prop_entry_set_ptr(entry_dst, entry_src->dpe_val_ptr, len);
}

int
daos_prop_entry_dup_co_roots(struct daos_prop_entry *dst, struct daos_prop_entry *src)
{
	if (dst == NULL || src == NULL || src->dpe_type != DAOS_PROP_CO_ROOTS ||
	    dst->dpe_type != DAOS_PROP_CO_ROOTS)
		return -DER_INVAL;
	return daos_prop_entry_dup_ptr(dst, src, sizeof(struct daos_prop_co_roots));
}

int
daos_prop_entry_cmp_acl(struct daos_prop_entry *entry1, struct daos_prop_entry *entry2)
{
	ssize_t n1, n2;

	if (entry1 == NULL || entry2 == NULL || kind_of(entry1->dpe_type) != VAL_ACL ||
	    kind_of(entry2->dpe_type) != VAL_ACL)
		return -DER_INVAL;
	n1 = daos_acl_get_size(entry1->dpe_val_ptr);
	n2 = daos_acl_get_size(entry2->dpe_val_ptr);
	if (n1 < 0 || n2 < 0)
		return n1 == n2 ? 0 : -DER_MISMATCH; /* both unset match */
	if (n1 != n2 || memcmp(entry1->dpe_val_ptr, entry2->dpe_val_ptr, (size_t)n1) != 0)
		return -DER_MISMATCH;
	return 0;
}

int
daos_prop_merge2(daos_prop_t *old_prop, daos_prop_t *new_prop, daos_prop_t **out_prop)
{
	daos_prop_t		*out;
	struct daos_prop_entry	*e;
	uint32_t		 i, nr;
	int			 rc = 0;

	if (old_prop == NULL || new_prop == NULL || out_prop == NULL ||
	    !entries_ok(old_prop) || !entries_ok(new_prop))
		return -DER_INVAL;
	/* The result: old's entries, new's values where new has one of the
	 * same type, then new's other entries. */
	nr = old_prop->dpp_nr;
	for (i = 0; i < new_prop->dpp_nr; i++)
		if (daos_prop_entry_get(old_prop, new_prop->dpp_entries[i].dpe_type) == NULL)
			nr++;
	if (nr > PROP_ENTRIES_MAX)
		return -DER_INVAL;
	out = daos_prop_alloc(nr);
	if (out == NULL)
		return -DER_NOMEM;
	out->dpp_nr = 0; /* counts the entries filled, for a clean free */
	for (i = 0; i < old_prop->dpp_nr && rc == 0; i++) {
		const struct daos_prop_entry *src = &old_prop->dpp_entries[i];
		const struct daos_prop_entry *nw = daos_prop_entry_get(new_prop, src->dpe_type);

		rc = entry_dup(&out->dpp_entries[i], nw != NULL ? nw : src);
		out->dpp_nr++;
	}
	for (i = 0; i < new_prop->dpp_nr && rc == 0; i++) {
		e = &new_prop->dpp_entries[i];
		if (daos_prop_entry_get(old_prop, e->dpe_type) != NULL)
			continue;
		rc = entry_dup(&out->dpp_entries[out->dpp_nr], e);
		out->dpp_nr++;
	}
	if (rc != 0) {
		daos_prop_free(out);
		return rc;
	}
	*out_prop = out;
	return 0;
}

daos_prop_t *
daos_prop_merge(daos_prop_t *old_prop, daos_prop_t *new_prop)
{
	daos_prop_t *out = NULL;

	if (daos_prop_merge2(old_prop, new_prop, &out) != 0)
		return NULL;
	return out;
}
