/*
 * The unified namespace (libduns.so is a link to libdaos.so.2): paths of
 * an ordinary file system that name a container, through the "user.daos"
 * extended attribute the daos tool and dfuse also read and write
 * (pkg/uns), or directly as daos://<pool>/<cont>[/<rel>]. Plain C over
 * the public daos_* and dfs_* calls. Returns are positive errno values.
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <daos.h>
#include <daos_fs.h>
#include <daos_uns.h>

/* In dfs.c. */
__attribute__((visibility("hidden"))) int dgo_der2errno(int rc);

static const char daos_scheme[] = "daos://";

/* is_id tells whether the n bytes at s name a pool or container: a UUID,
 * or a label of the characters labels take. */
static bool
is_id(const char *s, size_t n, bool uuid_only)
{
	size_t i;

	if (daos_label_looks_like_uuid(s, n))
		return true;
	if (uuid_only || n == 0 || n > DAOS_PROP_LABEL_MAX_LEN)
		return false;
	for (i = 0; i < n; i++) {
		if (!daos_label_char_ok(s[i]))
			return false;
	}
	return true;
}

/* no_prefix tells whether attr says its paths lack the daos:// prefix. */
static bool
no_prefix(const struct duns_attr_t *attr)
{
	return attr->da_no_prefix || (attr->da_flags & DUNS_NO_PREFIX);
}

/* set_id copies the n-byte id at s into dst (DAOS_PROP_LABEL_MAX_LEN + 1
 * bytes), and a UUID also into the deprecated uuid field. */
static void
set_id(char *dst, uuid_t uuid, const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
	if (daos_label_looks_like_uuid(s, n))
		uuid_parse(dst, uuid);
}

/* direct parses a direct path: daos://<pool>[/<cont>[/<rel>]], or with
 * bare (no prefix) /<pool>/<cont>[/<rel>] (slashes may repeat). With check, it
 * only reports (0 or EINVAL) whether the path has that form; a path
 * without the prefix is taken for a direct one only when it names UUIDs,
 * as any other could be a file system path. */
static int
direct(const char *path, bool bare, bool check, struct duns_attr_t *attr)
{
	const char *p = path, *pool, *cont;
	size_t      pn, cn;

	if (!bare) {
		if (strncasecmp(p, daos_scheme, sizeof(daos_scheme) - 1) != 0)
			return EINVAL;
		p += sizeof(daos_scheme) - 1;
	}
	while (*p == '/')
		p++;
	pool = p;
	pn = strcspn(pool, "/");
	if (!is_id(pool, pn, bare && check))
		return EINVAL;
	p = pool + pn;
	while (*p == '/')
		p++;
	if (*p == '\0') {
		/* A pool alone is a direct path only with the prefix. */
		if (bare)
			return EINVAL;
		if (!check)
			set_id(attr->da_pool, attr->da_puuid, pool, pn);
		return 0;
	}
	cont = p;
	cn = strcspn(cont, "/");
	if (!is_id(cont, cn, bare && check))
		return EINVAL;
	if (check)
		return 0;
	set_id(attr->da_pool, attr->da_puuid, pool, pn);
	set_id(attr->da_cont, attr->da_cuuid, cont, cn);
	p = cont + cn;
	while (*p == '/')
		p++;
	if (*p != '\0' && asprintf(&attr->da_rel_path, "/%s", p) < 0) {
		attr->da_rel_path = NULL;
		return ENOMEM;
	}
	return 0;
}

int
duns_parse_attr(char *str, daos_size_t len, struct duns_attr_t *attr)
{
	char   value[DUNS_MAX_XATTR_LEN + 1];
	char  *type, *sep, *pool, *cont;
	size_t pn, cn;

	if (str == NULL || attr == NULL || len == 0)
		return EINVAL;
	len = strnlen(str, len);
	if (len > DUNS_MAX_XATTR_LEN)
		return EINVAL;
	memcpy(value, str, len);
	value[len] = '\0';
	if (strncmp(value, "DAOS.", 5) != 0)
		return EINVAL;
	type = value + 5;
	sep = strstr(type, "://");
	if (sep == NULL)
		return EINVAL;
	*sep = '\0';
	daos_parse_ctype(type, &attr->da_type);
	if (attr->da_type == DAOS_PROP_CO_LAYOUT_UNKNOWN)
		return EINVAL;
	/* The link names UUIDs; what older versions appended after the
	 * container (object class, chunk size) is not part of it. */
	pool = sep + 3;
	pn = strcspn(pool, "/");
	cont = pool + pn + (pool[pn] == '/');
	cn = strcspn(cont, "/");
	if (!daos_label_looks_like_uuid(pool, pn) || !daos_label_looks_like_uuid(cont, cn))
		return EINVAL;
	set_id(attr->da_pool, attr->da_puuid, pool, pn);
	set_id(attr->da_cont, attr->da_cuuid, cont, cn);
	return 0;
}

int
duns_resolve_path(const char *path, struct duns_attr_t *attr)
{
	char	    value[DUNS_MAX_XATTR_LEN + 1];
	char	   *real, *dir;
	size_t	    len, end;
	ssize_t	    n;
	bool	    bare;
	struct statfs fs;
	int	    rc;

	if (path == NULL || path[0] == '\0' || attr == NULL)
		return EINVAL;
	bare = no_prefix(attr);
	attr->da_sys = NULL;
	attr->da_rel_path = NULL;
	attr->da_on_lustre = false;
	if ((attr->da_flags & DUNS_NO_CHECK_PATH) || direct(path, bare, true, NULL) == 0) {
		rc = direct(path, bare, false, attr);
		if (rc != 0)
			duns_destroy_attr(attr);
		return rc;
	}

	if (statfs(path, &fs) != 0)
		return errno;
	real = realpath(path, NULL);
	if (real == NULL)
		return errno;
	len = strlen(real);
	dir = strdup(real);
	if (dir == NULL) {
		free(real);
		return ENOMEM;
	}
	/* Walk up from the path itself to the first entry with the link. */
	end = len;
	for (;;) {
		n = lgetxattr(dir, DUNS_XATTR_NAME, value, DUNS_MAX_XATTR_LEN);
		if (n >= 0) {
			rc = duns_parse_attr(value, (daos_size_t)n, attr);
			break;
		}
		rc = errno;
		if (rc == ERANGE)
			break; /* longer than any link */
		if (rc != ENODATA || end <= 1 || (attr->da_flags & DUNS_NO_REVERSE_LOOKUP))
			break;
		/* Up one entry: dir is real[0, end) cut at its last slash. */
		while (end > 1 && real[end - 1] != '/')
			end--;
		if (end > 1)
			end--; /* the slash, unless it is the root's */
		memcpy(dir, real, end);
		dir[end] = '\0';
	}
	if (rc == 0 && end < len) {
		/* What is below the linked entry, from its slash. */
		attr->da_rel_path = strdup(real + (end == 1 ? 0 : end));
		if (attr->da_rel_path == NULL)
			rc = ENOMEM;
	}
	free(dir);
	free(real);
	return rc;
}

void
duns_destroy_attr(struct duns_attr_t *attrp)
{
	if (attrp == NULL)
		return;
	free(attrp->da_rel_path);
	attrp->da_rel_path = NULL;
	free(attrp->da_sys);
	attrp->da_sys = NULL;
}

int
duns_set_sys_name(struct duns_attr_t *attrp, const char *sys)
{
	char *copy = NULL;

	if (attrp == NULL)
		return EINVAL;
	if (sys != NULL) {
		if (strnlen(sys, DAOS_SYS_NAME_MAX + 1) > DAOS_SYS_NAME_MAX)
			return EINVAL;
		copy = strdup(sys);
		if (copy == NULL)
			return ENOMEM;
	}
	free(attrp->da_sys);
	attrp->da_sys = copy;
	return 0;
}

/* make_cont creates the container the new path names, its UUID in cuuid:
 * a POSIX one formatted for DFS with the attribute's class and chunk
 * size, any other a plain container of its layout type, each with the
 * caller's properties and the label, if any. */
static int
make_cont(daos_handle_t poh, struct duns_attr_t *attrp, const char *label, uuid_t cuuid)
{
	daos_prop_t *prop;
	uint32_t     i, n;
	int	     rc;

	if (attrp->da_type == DAOS_PROP_CO_LAYOUT_POSIX) {
		dfs_attr_t dattr;

		memset(&dattr, 0, sizeof(dattr));
		dattr.da_oclass_id = attrp->da_oclass_id;
		dattr.da_dir_oclass_id = attrp->da_dir_oclass_id;
		dattr.da_file_oclass_id = attrp->da_file_oclass_id;
		dattr.da_chunk_size = attrp->da_chunk_size;
		dattr.da_props = attrp->da_props;
		memcpy(dattr.da_hints, attrp->da_hints, sizeof(dattr.da_hints));
		dattr.da_hints[sizeof(dattr.da_hints) - 1] = '\0';
		if (label != NULL)
			return dfs_cont_create_with_label(poh, label, &dattr, (uuid_t *)cuuid, NULL, NULL);
		return dfs_cont_create(poh, (uuid_t *)cuuid, &dattr, NULL, NULL);
	}
	/* The caller's properties, and the layout type unless they set it. */
	n = attrp->da_props != NULL ? attrp->da_props->dpp_nr : 0;
	if (n > 0 && (attrp->da_props->dpp_entries == NULL || n >= 128)) /* libdaos takes at most 128 entries */
		return EINVAL;
	prop = daos_prop_alloc(n + 1);
	if (prop == NULL)
		return ENOMEM;
	prop->dpp_nr = 0;
	for (i = 0; i < n; i++) {
		prop->dpp_entries[i].dpe_type = attrp->da_props->dpp_entries[i].dpe_type;
		prop->dpp_nr++;
	}
	if (n > 0) {
		rc = dgo_der2errno(daos_prop_copy(prop, attrp->da_props));
		if (rc != 0)
			goto out;
	}
	{
		struct daos_prop_entry *lt = daos_prop_entry_get(prop, DAOS_PROP_CO_LAYOUT_TYPE);

		/* The link will name da_type: the container must be of it. */
		if (lt != NULL && lt->dpe_val != attrp->da_type) {
			rc = EINVAL;
			goto out;
		}
		if (lt == NULL) {
			prop->dpp_entries[prop->dpp_nr].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
			prop->dpp_entries[prop->dpp_nr].dpe_val = attrp->da_type;
			prop->dpp_nr++;
		}
	}
	if (label != NULL)
		rc = dgo_der2errno(daos_cont_create_with_label(poh, label, prop, (uuid_t *)cuuid, NULL));
	else
		rc = dgo_der2errno(daos_cont_create(poh, (uuid_t *)cuuid, prop, NULL));
out:
	/* daos_prop_free releases what the entries hold: count them all. */
	prop->dpp_nr = n + 1;
	daos_prop_free(prop);
	return rc;
}

/* make_entry creates the file system entry of a link: a directory (for a
 * POSIX container) or an empty file. 0 or an errno. */
static int
make_entry(const char *path, bool dir, mode_t mode)
{
	int fd;

	if (dir)
		return mkdir(path, mode) != 0 ? errno : 0;
	fd = open(path, O_CREAT | O_EXCL | O_RDONLY, mode);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void
remove_entry(const char *path, bool dir)
{
	if (dir)
		rmdir(path);
	else
		unlink(path);
}

/* set_link writes the attribute duns_resolve_path reads: the container's
 * layout type, pool and container UUIDs. 0 or an errno. */
static int
set_link(const char *path, daos_cont_layout_t layout, const char *pool, const char *cont)
{
	char type[16], value[DUNS_MAX_XATTR_LEN + 1];

	daos_unparse_ctype(layout, type);
	snprintf(value, sizeof(value), "DAOS.%s://%s/%s", type, pool, cont);
	if (lsetxattr(path, DUNS_XATTR_NAME, value, strlen(value) + 1, XATTR_CREATE) != 0)
		return errno;
	return 0;
}

int
duns_create_path(daos_handle_t poh, const char *path, struct duns_attr_t *attrp)
{
	daos_pool_info_t info;
	char		 pool[37], cont[37];
	uuid_t		 cuuid;
	bool		 dir;
	int		 rc;

	if (path == NULL || path[0] == '\0' || attrp == NULL)
		return EINVAL;
	if (attrp->da_type == DAOS_PROP_CO_LAYOUT_UNKNOWN ||
	    attrp->da_type > DAOS_PROP_CO_LAYOUT_METEO)
		return EINVAL;
	/* The link stores UUIDs: the pool's comes from its handle, and a
	 * (deprecated) pool UUID the caller gives must be that pool's. */
	memset(&info, 0, sizeof(info));
	rc = dgo_der2errno(daos_pool_query(poh, NULL, &info, NULL, NULL));
	if (rc != 0)
		return rc;
	if (!uuid_is_null(attrp->da_puuid) && uuid_compare(attrp->da_puuid, info.pi_uuid) != 0)
		return EINVAL;
	uuid_unparse_lower(info.pi_uuid, pool);

	/* A direct path names the container only: it is made under its
	 * label, with no file system entry. */
	if (direct(path, no_prefix(attrp), true, NULL) == 0) {
		struct duns_attr_t d;

		memset(&d, 0, sizeof(d));
		rc = direct(path, no_prefix(attrp), false, &d);
		if (rc != 0)
			return rc;
		duns_destroy_attr(&d);
		/* Our containers get their UUIDs from the service: a direct
		 * path to a UUID cannot be made. */
		if (d.da_cont[0] == '\0' || daos_label_looks_like_uuid(d.da_cont, strlen(d.da_cont)))
			return EINVAL;
		rc = make_cont(poh, attrp, d.da_cont, cuuid);
		if (rc != 0)
			return rc;
		goto done;
	}

	/* A POSIX container is entered as a directory; the others are files
	 * (an HDF5 file, for instance). */
	dir = attrp->da_type == DAOS_PROP_CO_LAYOUT_POSIX;
	rc = make_entry(path, dir, dir ? 0755 : 0644);
	if (rc != 0)
		return rc;
	rc = make_cont(poh, attrp, NULL, cuuid);
	if (rc != 0)
		goto out_path;
	uuid_unparse_lower(cuuid, cont);
	rc = set_link(path, (daos_cont_layout_t)attrp->da_type, pool, cont);
	if (rc != 0) {
		daos_cont_destroy(poh, cont, 1, NULL);
		goto out_path;
	}
done:
	uuid_unparse_lower(cuuid, cont);
	uuid_copy(attrp->da_cuuid, cuuid);
	strcpy(attrp->da_cont, cont);
	uuid_copy(attrp->da_puuid, info.pi_uuid);
	strcpy(attrp->da_pool, pool);
	return 0;

out_path:
	remove_entry(path, dir);
	return rc;
}

/* duns_link_cont links the existing container cont (label or UUID) of the
 * pool at path: a new directory for a POSIX container, a new file for the
 * other layouts, with the attribute duns_resolve_path reads. */
int
duns_link_cont(daos_handle_t poh, const char *cont, const char *path)
{
	daos_pool_info_t pinfo;
	daos_cont_info_t cinfo;
	daos_handle_t	 coh;
	daos_prop_t	*prop;
	struct daos_prop_entry *e;
	char		 pool[37], cuuid[37];
	uint64_t	 layout;
	bool		 dir;
	int		 rc;

	if (path == NULL || path[0] == '\0' || cont == NULL)
		return EINVAL;
	memset(&pinfo, 0, sizeof(pinfo));
	rc = dgo_der2errno(daos_pool_query(poh, NULL, &pinfo, NULL, NULL));
	if (rc != 0)
		return rc;
	memset(&cinfo, 0, sizeof(cinfo));
	rc = dgo_der2errno(daos_cont_open(poh, cont, DAOS_COO_RW, &coh, &cinfo, NULL));
	if (rc != 0)
		return rc;
	prop = daos_prop_alloc(1);
	if (prop == NULL) {
		rc = ENOMEM;
		goto out_cont;
	}
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
	rc = dgo_der2errno(daos_cont_query(coh, NULL, prop, NULL));
	e = daos_prop_entry_get(prop, DAOS_PROP_CO_LAYOUT_TYPE);
	layout = e != NULL ? e->dpe_val : DAOS_PROP_CO_LAYOUT_UNKNOWN;
	daos_prop_free(prop);
	if (rc != 0)
		goto out_cont;
	/* A container of no known layout has nothing to be entered as. */
	if (layout == DAOS_PROP_CO_LAYOUT_UNKNOWN || layout > DAOS_PROP_CO_LAYOUT_METEO) {
		rc = EINVAL;
		goto out_cont;
	}
	dir = layout == DAOS_PROP_CO_LAYOUT_POSIX;
	/* DAOS's modes for links: group-writable */
	rc = make_entry(path, dir,
			dir ? (S_IRWXU | S_IRWXG | S_IROTH | S_IXOTH)
			    : (S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH));
	if (rc != 0)
		goto out_cont;
	uuid_unparse_lower(pinfo.pi_uuid, pool);
	uuid_unparse_lower(cinfo.ci_uuid, cuuid);
	rc = set_link(path, (daos_cont_layout_t)layout, pool, cuuid);
	if (rc != 0)
		remove_entry(path, dir);
out_cont:
	daos_cont_close(coh, NULL);
	return rc;
}

int
duns_destroy_path(daos_handle_t poh, const char *path)
{
	struct duns_attr_t attr;
	struct stat	   st;
	bool		   direct_path;
	int		   rc;

	if (path == NULL || path[0] == '\0')
		return EINVAL;
	direct_path = direct(path, false, true, NULL) == 0;
	memset(&attr, 0, sizeof(attr));
	attr.da_flags = DUNS_NO_REVERSE_LOOKUP;
	rc = duns_resolve_path(path, &attr);
	if (rc != 0)
		return rc;
	if (attr.da_cont[0] == '\0') {
		duns_destroy_attr(&attr);
		return EINVAL; /* a direct path to a pool alone names no container */
	}
	/* The entry goes first, as in DAOS: a link left to a destroyed
	 * container would be worse than a container left unlinked. */
	if (!direct_path) {
		if (lstat(path, &st) != 0)
			rc = errno;
		else if ((S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) != 0)
			rc = errno;
	}
	if (rc == 0)
		rc = dgo_der2errno(daos_cont_destroy(poh, attr.da_cont, 1, NULL));
	duns_destroy_attr(&attr);
	return rc;
}
