/* The DAOS client API: everything but the POSIX layer (daos_fs.h). */
#ifndef DAOS_H
#define DAOS_H

#include <daos_version.h>
#include <daos_errno.h>
#include <daos_types.h>
#include <daos_event.h>
#include <daos_obj_class.h>
#include <daos_obj.h>
#include <daos_array.h>
#include <daos_kv.h>
#include <daos_prop.h>
#include <daos_security.h>
#include <daos_pool.h>
#include <daos_cont.h>
#include <daos_mgmt.h>
#include <daos_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reference counted: each successful daos_init needs one daos_fini.
 * daos_fini without daos_init gives -DER_UNINIT. */
int daos_init(void);
int daos_fini(void);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_H */
