/*
 * daos_der2errno: how a DER code maps to a POSIX errno, the mapping the
 * POSIX layer (DFS) uses for its own return values.
 */
#ifndef DAOS_COMMON_H
#define DAOS_COMMON_H

#include <errno.h>

#include <daos_errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Takes a negative DER code (or 0); positive input is a caller bug and
 * gives EINVAL; codes without a closer errno give EIO. */
static inline int
daos_der2errno(int err)
{
	if (err > 0)
		return EINVAL;
	switch (-err) {
	case DER_SUCCESS:		return 0;
	case DER_NO_PERM:
	case DER_EP_RO:
	case DER_EP_OLD:
	case DER_CONT_DESTROYING:	return EPERM;
	case DER_ENOENT:
	case DER_NONEXIST:		return ENOENT;
	case DER_INVAL:
	case DER_NOTYPE:
	case DER_NOSCHEMA:
	case DER_NOLOCAL:
	case DER_NO_HDL:
	case DER_IO_INVAL:		return EINVAL;
	case DER_KEY2BIG:
	case DER_REC2BIG:		return E2BIG;
	case DER_EXIST:			return EEXIST;
	case DER_UNREACH:		return EHOSTUNREACH;
	case DER_NOSPACE:		return ENOSPC;
	case DER_ALREADY:		return EALREADY;
	case DER_DOS:
	case DER_NOMEM:			return ENOMEM;
	case DER_TIMEDOUT:		return ETIMEDOUT;
	case DER_BUSY:
	case DER_EQ_BUSY:		return EBUSY;
	case DER_AGAIN:			return EAGAIN;
	case DER_PROTO:			return EPROTO;
	case DER_IO:			return EIO;
	case DER_CANCELED:		return ECANCELED;
	case DER_OVERFLOW:		return EOVERFLOW;
	case DER_BADPATH:
	case DER_NOTDIR:		return ENOTDIR;
	case DER_STALE:			return ESTALE;
	case DER_TX_RESTART:		return ERESTART;
	case DER_NOTSUPPORTED:		return ENOTSUP;
	default:			return EIO;
	}
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_COMMON_H */
