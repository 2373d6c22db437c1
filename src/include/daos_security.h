/*
 * Access control lists. Pool and container ACLs travel as property values
 * (DAOS_PROP_PO_ACL, DAOS_PROP_CO_ACL) in the flat layout below: a header,
 * then dal_len bytes of entries, each a struct daos_ace followed by its
 * principal name padded to 8 bytes. The layout is DAOS's, so ACLs built
 * by applications (or read from files written by DAOS tools) carry over.
 *
 * ACE strings have the form "access:flags:principal:permissions", e.g.
 * "A::OWNER@:rw" or "A:G:admins@:r":
 *  - access: A allow, U audit, L alarm (one or more);
 *  - flags: G group, P pool-inherit, S audit success, F audit failure;
 *  - principal: OWNER@, GROUP@, EVERYONE@ or name@[domain];
 *  - permissions: r w c d t T a A o (read, write, create container,
 *    delete container, get property, set property, get ACL, set ACL,
 *    set owner).
 *
 * These helpers are plain C and work without daos_init.
 */
#ifndef DAOS_SECURITY_H
#define DAOS_SECURITY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DAOS_ACL_VERSION		1

/* Longest principal name ("user@" or "group@" form), without the NUL. */
#define DAOS_ACL_MAX_PRINCIPAL_LEN	255
#define DAOS_ACL_MAX_PRINCIPAL_BUF_LEN	(DAOS_ACL_MAX_PRINCIPAL_LEN + 1)

#define DAOS_ACL_PRINCIPAL_OWNER	"OWNER@"
#define DAOS_ACL_PRINCIPAL_OWNER_GRP	"GROUP@"
#define DAOS_ACL_PRINCIPAL_EVERYONE	"EVERYONE@"

/* Most bytes of entries one ACL holds (dal_len). */
#define DAOS_ACL_MAX_ACE_LEN		65536
/* Longest ACE string, without the NUL. */
#define DAOS_ACL_MAX_ACE_STR_LEN	(DAOS_ACL_MAX_PRINCIPAL_LEN + 64)

struct daos_acl {
	uint16_t	dal_ver;	/* DAOS_ACL_VERSION */
	uint16_t	dal_reserv;
	uint32_t	dal_len;	/* bytes of dal_ace */
	uint8_t		dal_ace[];	/* struct daos_ace entries, back to back */
};

/* Entries of an ACL are kept in this order. */
enum daos_acl_principal_type {
	DAOS_ACL_OWNER,
	DAOS_ACL_USER,
	DAOS_ACL_OWNER_GROUP,
	DAOS_ACL_GROUP,
	DAOS_ACL_EVERYONE,
	NUM_DAOS_ACL_TYPES
};

enum daos_acl_access_type {
	DAOS_ACL_ACCESS_ALLOW	= (1U << 0),
	DAOS_ACL_ACCESS_AUDIT	= (1U << 1),
	DAOS_ACL_ACCESS_ALARM	= (1U << 2)
};

#define DAOS_ACL_ACCESS_ALL						\
	(DAOS_ACL_ACCESS_ALLOW | DAOS_ACL_ACCESS_AUDIT | DAOS_ACL_ACCESS_ALARM)

enum daos_acl_flags {
	DAOS_ACL_FLAG_GROUP		= (1U << 0),
	DAOS_ACL_FLAG_POOL_INHERIT	= (1U << 1),
	DAOS_ACL_FLAG_ACCESS_FAIL	= (1U << 2),
	DAOS_ACL_FLAG_ACCESS_SUCCESS	= (1U << 3)
};

#define DAOS_ACL_FLAG_ALL						\
	(DAOS_ACL_FLAG_GROUP | DAOS_ACL_FLAG_POOL_INHERIT |		\
	 DAOS_ACL_FLAG_ACCESS_FAIL | DAOS_ACL_FLAG_ACCESS_SUCCESS)

enum daos_acl_perm {
	DAOS_ACL_PERM_READ		= (1U << 0),
	DAOS_ACL_PERM_WRITE		= (1U << 1),
	DAOS_ACL_PERM_CREATE_CONT	= (1U << 2),
	DAOS_ACL_PERM_DEL_CONT		= (1U << 3),
	DAOS_ACL_PERM_GET_PROP		= (1U << 4),
	DAOS_ACL_PERM_SET_PROP		= (1U << 5),
	DAOS_ACL_PERM_GET_ACL		= (1U << 6),
	DAOS_ACL_PERM_SET_ACL		= (1U << 7),
	DAOS_ACL_PERM_SET_OWNER		= (1U << 8),
};

/* What a pool ACL and a container ACL may grant. */
#define DAOS_ACL_PERM_POOL_ALL						\
	(DAOS_ACL_PERM_READ | DAOS_ACL_PERM_GET_PROP |			\
	 DAOS_ACL_PERM_WRITE | DAOS_ACL_PERM_CREATE_CONT |		\
	 DAOS_ACL_PERM_DEL_CONT)
#define DAOS_ACL_PERM_CONT_ALL						\
	(DAOS_ACL_PERM_READ | DAOS_ACL_PERM_WRITE |			\
	 DAOS_ACL_PERM_DEL_CONT | DAOS_ACL_PERM_GET_PROP |		\
	 DAOS_ACL_PERM_SET_PROP | DAOS_ACL_PERM_GET_ACL |		\
	 DAOS_ACL_PERM_SET_ACL | DAOS_ACL_PERM_SET_OWNER)
#define DAOS_ACL_PERM_ALL	(DAOS_ACL_PERM_POOL_ALL | DAOS_ACL_PERM_CONT_ALL)

struct daos_ace {
	uint8_t		dae_access_types;	/* enum daos_acl_access_type bits */
	uint8_t		dae_principal_type;	/* enum daos_acl_principal_type */
	uint16_t	dae_principal_len;	/* bytes of dae_principal, a multiple of 8 */
	uint16_t	dae_access_flags;	/* enum daos_acl_flags bits */
	uint16_t	dae_reserv;
	uint64_t	dae_allow_perms;	/* enum daos_acl_perm bits, per access type */
	uint64_t	dae_audit_perms;
	uint64_t	dae_alarm_perms;
	/* NUL-terminated name of a named user or group, padded; empty for
	 * OWNER@, GROUP@ and EVERYONE@. */
	char		dae_principal[];
};

/* ACLs. Those returned are allocated and released with daos_acl_free. */

/* A new ACL holding copies of the entries, sorted; NULL if an entry is
 * invalid, two name the same principal, or memory ran out. */
struct daos_acl *daos_acl_create(struct daos_ace *aces[], uint16_t num_aces);
struct daos_acl *daos_acl_dup(struct daos_acl *acl);
void daos_acl_free(struct daos_acl *acl);
/* Bytes of the whole ACL (header and entries); -DER_INVAL for NULL. */
ssize_t daos_acl_get_size(struct daos_acl *acl);
/* The entry after current (the first when current is NULL); NULL at the
 * end or when current is not an entry of acl. */
struct daos_ace *daos_acl_get_next_ace(struct daos_acl *acl,
				       struct daos_ace *current_ace);
/* The entry for a principal (name only for DAOS_ACL_USER and
 * DAOS_ACL_GROUP); -DER_NONEXIST when there is none. */
int daos_acl_get_ace_for_principal(struct daos_acl *acl,
				   enum daos_acl_principal_type type,
				   const char *principal, struct daos_ace **ace);
/* Add a copy of new_ace (replacing the entry of its principal); *acl is
 * reallocated. */
int daos_acl_add_ace(struct daos_acl **acl, struct daos_ace *new_ace);
/* Remove a principal's entry; *acl is reallocated. -DER_NONEXIST when
 * there is none. */
int daos_acl_remove_ace(struct daos_acl **acl,
			enum daos_acl_principal_type type,
			const char *principal_name);
void daos_acl_dump(struct daos_acl *acl);
/* 0, or -DER_INVAL when the version, length, an entry, the order or a
 * duplicate principal is wrong. */
int daos_acl_validate(struct daos_acl *acl);

/* Entries. daos_ace_create gives an entry with no access and no
 * permissions yet; NULL for a bad type or a missing name. */
struct daos_ace *daos_ace_create(enum daos_acl_principal_type type,
				 const char *principal_name);
void daos_ace_free(struct daos_ace *ace);
ssize_t daos_ace_get_size(struct daos_ace *ace);
void daos_ace_dump(struct daos_ace *ace, uint32_t tabs);
bool daos_ace_is_valid(struct daos_ace *ace);

/* Principals: "name@[domain]", or OWNER@, GROUP@, EVERYONE@. */
bool daos_acl_principal_is_valid(const char *name);
/* Names of local users and groups ("name@"), allocated (free()). */
int daos_acl_uid_to_principal(uid_t uid, char **name);
int daos_acl_gid_to_principal(gid_t gid, char **name);
int daos_acl_principal_to_uid(const char *principal, uid_t *uid);
int daos_acl_principal_to_gid(const char *principal, gid_t *gid);
/* The principal as ACE strings name it; the entry's own memory. */
const char *daos_ace_get_principal_str(struct daos_ace *ace);
/* "u:name@", "g:name@", OWNER@, GROUP@ or EVERYONE@ to a type and an
 * allocated name (NULL for the three special principals). */
int daos_acl_principal_from_str(const char *principal_str,
				enum daos_acl_principal_type *type,
				char **name);

/* Strings. */
int daos_ace_from_str(const char *str, struct daos_ace **ace);
/* -DER_TRUNC when buf is too small; -DER_INVAL for an entry whose access
 * types grant different permissions (one string cannot say that). */
int daos_ace_to_str(struct daos_ace *ace, char *buf, size_t buf_len);
/* The ACE string spelled out in words, e.g. "Allow::Owner:Read/Write". */
int daos_ace_str_get_verbose(const char *ace_str, char *buf, size_t buf_len);
int daos_acl_from_strs(const char **ace_strs, size_t ace_nr,
		       struct daos_acl **acl);
/* An allocated array of allocated strings: free each, then the array. */
int daos_acl_to_strs(struct daos_acl *acl, char ***ace_strs, size_t *ace_nr);
/* One ACE string per line, with its words as a comment when verbose. */
int daos_acl_to_stream(FILE *stream, struct daos_acl *acl, bool verbose);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_SECURITY_H */
