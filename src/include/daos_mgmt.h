/*
 * Management calls of the client library. Pool and system administration
 * goes through dmg and the control plane; no management entry points are
 * exported to applications yet, so this header only keeps the include
 * set of daos.h complete for programs that name it.
 */
#ifndef DAOS_MGMT_H
#define DAOS_MGMT_H

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* DAOS_MGMT_H */
