/*
 * Access control. Pool and container ACLs travel as property values
 * (DAOS_PROP_PO_ACL, DAOS_PROP_CO_ACL); their layout is the library's,
 * so applications handle them through pointers only.
 */
#ifndef DAOS_SECURITY_H
#define DAOS_SECURITY_H

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest principal name ("user@" or "group@" form), without the NUL. */
#define DAOS_ACL_MAX_PRINCIPAL_LEN	255

struct daos_acl;

#ifdef __cplusplus
}
#endif

#endif /* DAOS_SECURITY_H */
