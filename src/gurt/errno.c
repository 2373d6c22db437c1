/*
 * Names and English descriptions of the DER codes. The tables are
 * constant: nothing here needs initialising or locking.
 */
#include <daos_errno.h>

/* One line per code: the enum constant and what it means to a user. */
#define DER_TABLE(X)							\
	X(DER_SUCCESS, "no error")					\
	X(DER_NO_PERM, "permission denied")				\
	X(DER_NO_HDL, "handle is not valid")				\
	X(DER_INVAL, "invalid argument")				\
	X(DER_EXIST, "already exists")					\
	X(DER_NONEXIST, "does not exist")				\
	X(DER_UNREACH, "peer cannot be reached")			\
	X(DER_NOSPACE, "not enough storage space")			\
	X(DER_ALREADY, "already done")					\
	X(DER_NOMEM, "cannot allocate memory")				\
	X(DER_NOSYS, "not implemented")				\
	X(DER_TIMEDOUT, "timed out")					\
	X(DER_BUSY, "resource in use")					\
	X(DER_AGAIN, "temporarily unavailable, retry")			\
	X(DER_PROTO, "protocol versions do not match")			\
	X(DER_UNINIT, "library or service not initialised")		\
	X(DER_TRUNC, "buffer too small, result truncated")		\
	X(DER_OVERFLOW, "value does not fit its type or buffer")	\
	X(DER_CANCELED, "cancelled")					\
	X(DER_OOG, "rank is outside the group")				\
	X(DER_HG, "network transport failure")				\
	X(DER_UNREG, "RPC opcode has no handler")			\
	X(DER_ADDRSTR_GEN, "cannot build a network address string")	\
	X(DER_PMIX, "process-management interface failure")		\
	X(DER_IVCB_FORWARD, "request must be forwarded to another rank") \
	X(DER_MISC, "unclassified failure")				\
	X(DER_BADPATH, "bad path")					\
	X(DER_NOTDIR, "path component is not a directory")		\
	X(DER_CORPC_INCOMPLETE, "some members of a group call failed")	\
	X(DER_NO_RAS_RANK, "no rank receives RAS events")		\
	X(DER_NOTATTACH, "not attached to the service group")		\
	X(DER_MISMATCH, "versions or schemas do not match")		\
	X(DER_EXCLUDED, "rank has been excluded")			\
	X(DER_NOREPLY, "no reply from rank")				\
	X(DER_DOS, "refused to protect the service from overload")	\
	X(DER_BAD_TARGET, "request sent to the wrong target")		\
	X(DER_GRPVER, "group version mismatch")				\
	X(DER_HLC_SYNC, "clocks too far apart")				\
	X(DER_NO_SHMEM, "shared memory exhausted")			\
	X(DER_ADD_METRIC_FAILED, "cannot register metric")		\
	X(DER_DURATION_MISMATCH, "duration stopped without a start")	\
	X(DER_OP_NOT_PERMITTED, "operation not valid for this metric")	\
	X(DER_EXCEEDS_PATH_LEN, "path too long")			\
	X(DER_METRIC_NOT_FOUND, "no such metric")			\
	X(DER_SHMEM_PERMS, "shared memory has wrong permissions")	\
	X(DER_HG_FATAL, "unrecoverable network transport failure")	\
	X(DER_QUOTA_LIMIT, "quota exceeded")				\
	X(DER_IO, "input/output error")					\
	X(DER_FREE_MEM, "cannot release memory")			\
	X(DER_ENOENT, "no such entry")					\
	X(DER_NOTYPE, "object type not known")				\
	X(DER_NOSCHEMA, "object schema not known")			\
	X(DER_NOLOCAL, "object not stored locally")			\
	X(DER_STALE, "stale handle or map")				\
	X(DER_NOTLEADER, "this replica is not the service leader")	\
	X(DER_TGT_CREATE, "cannot create target")			\
	X(DER_EP_RO, "epoch cannot be written")				\
	X(DER_EP_OLD, "epoch already discarded")			\
	X(DER_KEY2BIG, "key larger than the buffer")			\
	X(DER_REC2BIG, "value larger than the buffer")			\
	X(DER_IO_INVAL, "buffers do not match the I/O descriptor")	\
	X(DER_EQ_BUSY, "event queue still has events")			\
	X(DER_DOMAIN, "fault domain not found")				\
	X(DER_SHUTDOWN, "service is shutting down")			\
	X(DER_INPROGRESS, "operation still in progress")		\
	X(DER_NOTAPPLICABLE, "does not apply here")			\
	X(DER_NOTREPLICA, "this engine holds no service replica")	\
	X(DER_CSUM, "checksum mismatch")				\
	X(DER_DF_INVAL, "stored data format is invalid")		\
	X(DER_DF_INCOMPT, "stored data format is not supported")	\
	X(DER_REC_SIZE, "record size does not match")			\
	X(DER_TX_RESTART, "transaction conflict, restart it")		\
	X(DER_DATA_LOSS, "data lost beyond recovery")			\
	X(DER_OP_CANCELED, "operation was cancelled")			\
	X(DER_TX_BUSY, "transaction busy with another operation")	\
	X(DER_AGENT_INCOMPAT, "agent version not supported by libdaos") \
	X(DER_NEED_TX, "must run inside a transaction")		\
	X(DER_RF, "failures exceed the redundancy factor")		\
	X(DER_FETCH_AGAIN, "fetch must be retried")			\
	X(DER_TX_UNCERTAIN, "transaction outcome unknown")		\
	X(DER_AGENT_COMM, "cannot talk to the agent")			\
	X(DER_ID_MISMATCH, "identifier does not match")			\
	X(DER_TGT_RETRY, "retry on another target")			\
	X(DER_NOTSUPPORTED, "not supported")				\
	X(DER_CONTROL_INCOMPAT, "control plane version not supported by libdaos") \
	X(DER_NO_SERVICE, "service unavailable")			\
	X(DER_TX_ID_REUSED, "transaction identifier used twice")	\
	X(DER_UPDATE_AGAIN, "update must be retried")			\
	X(DER_NVME_IO, "NVMe device I/O failure")			\
	X(DER_NO_CERT, "certificate cannot be read")			\
	X(DER_BAD_CERT, "certificate is not valid")			\
	X(DER_VOS_PARTIAL_UPDATE, "update applied only in part")	\
	X(DER_CHKPT_BUSY, "checkpoint in progress")			\
	X(DER_DIV_BY_ZERO, "division by zero")				\
	X(DER_OVERLOAD_RETRY, "server overloaded, retry later")		\
	X(DER_NOT_RESUME, "previous check cannot be resumed")		\
	X(DER_CONT_NONEXIST, "container does not exist")		\
	X(DER_CONT_DESTROYING, "container is being destroyed")		\
	X(DER_IGNORE, "nothing to do, safe to ignore")			\
	X(DER_UNKNOWN, "unknown error")

#define DER_NAME_CASE(code, desc) case code: return #code;
#define DER_DESC_CASE(code, desc) case code: return desc;

/* Positive input is not a DER return value, so it falls to unknown
 * along with codes nobody defined; the range check also keeps -rc from
 * overflowing. */
const char *
d_errstr(int rc)
{
	if (rc > 0 || rc < -DER_UNKNOWN)
		return "DER_UNKNOWN";
	switch (-rc) {
	DER_TABLE(DER_NAME_CASE)
	default:
		return "DER_UNKNOWN";
	}
}

const char *
d_errdesc(int rc)
{
	if (rc > 0 || rc < -DER_UNKNOWN)
		return "unknown error code";
	switch (-rc) {
	DER_TABLE(DER_DESC_CASE)
	default:
		return "unknown error code";
	}
}
