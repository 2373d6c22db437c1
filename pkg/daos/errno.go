package daos

import (
	"errors"
	"fmt"
)

// Errno is a DAOS error number, DER_*, as a positive value; the C API and
// the JSON status return its negation. It implements error, so a function
// can return ErrNonexist directly or wrap it with what it was doing,
// fmt.Errorf("open container %s: %w", label, daos.ErrNonexist), and callers
// test with errors.Is and find the code with Code.
type Errno int

// Success is DER_SUCCESS.
const Success Errno = 0

// The DER_* codes, numbered as DAOS numbers them.
const (
	ErrNoPerm           Errno = 1001
	ErrNoHdl            Errno = 1002
	ErrInval            Errno = 1003
	ErrExist            Errno = 1004
	ErrNonexist         Errno = 1005
	ErrUnreach          Errno = 1006
	ErrNospace          Errno = 1007
	ErrAlready          Errno = 1008
	ErrNomem            Errno = 1009
	ErrNosys            Errno = 1010
	ErrTimedout         Errno = 1011
	ErrBusy             Errno = 1012
	ErrAgain            Errno = 1013
	ErrProto            Errno = 1014
	ErrUninit           Errno = 1015
	ErrTrunc            Errno = 1016
	ErrOverflow         Errno = 1017
	ErrCanceled         Errno = 1018
	ErrOog              Errno = 1019
	ErrHg               Errno = 1020
	ErrUnreg            Errno = 1021
	ErrAddrstrGen       Errno = 1022
	ErrPmix             Errno = 1023
	ErrIvcbForward      Errno = 1024
	ErrMisc             Errno = 1025
	ErrBadpath          Errno = 1026
	ErrNotdir           Errno = 1027
	ErrCorpcIncomplete  Errno = 1028
	ErrNoRasRank        Errno = 1029
	ErrNotattach        Errno = 1030
	ErrMismatch         Errno = 1031
	ErrExcluded         Errno = 1032
	ErrNoreply          Errno = 1033
	ErrDos              Errno = 1034
	ErrBadTarget        Errno = 1035
	ErrGrpver           Errno = 1036
	ErrHlcSync          Errno = 1037
	ErrNoShmem          Errno = 1038
	ErrAddMetricFailed  Errno = 1039
	ErrDurationMismatch Errno = 1040
	ErrOpNotPermitted   Errno = 1041
	ErrExceedsPathLen   Errno = 1042
	ErrMetricNotFound   Errno = 1043
	ErrShmemPerms       Errno = 1044
	ErrHgFatal          Errno = 1045
	ErrQuotaLimit       Errno = 1046
	ErrIo               Errno = 2001
	ErrFreeMem          Errno = 2002
	ErrEnoent           Errno = 2003
	ErrNotype           Errno = 2004
	ErrNoschema         Errno = 2005
	ErrNolocal          Errno = 2006
	ErrStale            Errno = 2007
	ErrNotleader        Errno = 2008
	ErrTgtCreate        Errno = 2009
	ErrEpRo             Errno = 2010
	ErrEpOld            Errno = 2011
	ErrKey2big          Errno = 2012
	ErrRec2big          Errno = 2013
	ErrIoInval          Errno = 2014
	ErrEqBusy           Errno = 2015
	ErrDomain           Errno = 2016
	ErrShutdown         Errno = 2017
	ErrInprogress       Errno = 2018
	ErrNotapplicable    Errno = 2019
	ErrNotreplica       Errno = 2020
	ErrCsum             Errno = 2021
	ErrDfInval          Errno = 2022
	ErrDfIncompt        Errno = 2023
	ErrRecSize          Errno = 2024
	ErrTxRestart        Errno = 2025
	ErrDataLoss         Errno = 2026
	ErrOpCanceled       Errno = 2027
	ErrTxBusy           Errno = 2028
	ErrAgentIncompat    Errno = 2029
	ErrNeedTx           Errno = 2030
	ErrRf               Errno = 2031
	ErrFetchAgain       Errno = 2032
	ErrTxUncertain      Errno = 2033
	ErrAgentComm        Errno = 2034
	ErrIdMismatch       Errno = 2035
	ErrTgtRetry         Errno = 2036
	ErrNotsupported     Errno = 2037
	ErrControlIncompat  Errno = 2038
	ErrNoService        Errno = 2039
	ErrTxIdReused       Errno = 2040
	ErrUpdateAgain      Errno = 2041
	ErrNvmeIo           Errno = 2042
	ErrNoCert           Errno = 2043
	ErrBadCert          Errno = 2044
	ErrVosPartialUpdate Errno = 2045
	ErrChkptBusy        Errno = 2046
	ErrDivByZero        Errno = 2047
	ErrOverloadRetry    Errno = 2048
	ErrNotResume        Errno = 2049
	ErrContNonexist     Errno = 2050
	ErrContDestroying   Errno = 2051
	ErrIgnore           Errno = 2052
)

// ErrUnknown is DER_UNKNOWN, for errors that carry no DAOS code.
const ErrUnknown Errno = 501000

type errInfo struct{ name, desc string }

// errInfos never changes after initialisation.
var errInfos = map[Errno]errInfo{
	Success:             {"DER_SUCCESS", "no error"},
	ErrNoPerm:           {"DER_NO_PERM", "permission denied"},
	ErrNoHdl:            {"DER_NO_HDL", "handle is not valid"},
	ErrInval:            {"DER_INVAL", "invalid argument"},
	ErrExist:            {"DER_EXIST", "already exists"},
	ErrNonexist:         {"DER_NONEXIST", "does not exist"},
	ErrUnreach:          {"DER_UNREACH", "peer cannot be reached"},
	ErrNospace:          {"DER_NOSPACE", "not enough storage space"},
	ErrAlready:          {"DER_ALREADY", "already done"},
	ErrNomem:            {"DER_NOMEM", "cannot allocate memory"},
	ErrNosys:            {"DER_NOSYS", "not implemented"},
	ErrTimedout:         {"DER_TIMEDOUT", "timed out"},
	ErrBusy:             {"DER_BUSY", "resource in use"},
	ErrAgain:            {"DER_AGAIN", "temporarily unavailable, retry"},
	ErrProto:            {"DER_PROTO", "protocol versions do not match"},
	ErrUninit:           {"DER_UNINIT", "library or service not initialised"},
	ErrTrunc:            {"DER_TRUNC", "buffer too small, result truncated"},
	ErrOverflow:         {"DER_OVERFLOW", "value does not fit its type or buffer"},
	ErrCanceled:         {"DER_CANCELED", "cancelled"},
	ErrOog:              {"DER_OOG", "rank is outside the group"},
	ErrHg:               {"DER_HG", "network transport failure"},
	ErrUnreg:            {"DER_UNREG", "RPC opcode has no handler"},
	ErrAddrstrGen:       {"DER_ADDRSTR_GEN", "cannot build a network address string"},
	ErrPmix:             {"DER_PMIX", "process-management interface failure"},
	ErrIvcbForward:      {"DER_IVCB_FORWARD", "request must be forwarded to another rank"},
	ErrMisc:             {"DER_MISC", "unclassified failure"},
	ErrBadpath:          {"DER_BADPATH", "bad path"},
	ErrNotdir:           {"DER_NOTDIR", "path component is not a directory"},
	ErrCorpcIncomplete:  {"DER_CORPC_INCOMPLETE", "some members of a group call failed"},
	ErrNoRasRank:        {"DER_NO_RAS_RANK", "no rank receives RAS events"},
	ErrNotattach:        {"DER_NOTATTACH", "not attached to the service group"},
	ErrMismatch:         {"DER_MISMATCH", "versions or schemas do not match"},
	ErrExcluded:         {"DER_EXCLUDED", "rank has been excluded"},
	ErrNoreply:          {"DER_NOREPLY", "no reply from rank"},
	ErrDos:              {"DER_DOS", "refused to protect the service from overload"},
	ErrBadTarget:        {"DER_BAD_TARGET", "request sent to the wrong target"},
	ErrGrpver:           {"DER_GRPVER", "group version mismatch"},
	ErrHlcSync:          {"DER_HLC_SYNC", "clocks too far apart"},
	ErrNoShmem:          {"DER_NO_SHMEM", "shared memory exhausted"},
	ErrAddMetricFailed:  {"DER_ADD_METRIC_FAILED", "cannot register metric"},
	ErrDurationMismatch: {"DER_DURATION_MISMATCH", "duration stopped without a start"},
	ErrOpNotPermitted:   {"DER_OP_NOT_PERMITTED", "operation not valid for this metric"},
	ErrExceedsPathLen:   {"DER_EXCEEDS_PATH_LEN", "path too long"},
	ErrMetricNotFound:   {"DER_METRIC_NOT_FOUND", "no such metric"},
	ErrShmemPerms:       {"DER_SHMEM_PERMS", "shared memory has wrong permissions"},
	ErrHgFatal:          {"DER_HG_FATAL", "unrecoverable network transport failure"},
	ErrQuotaLimit:       {"DER_QUOTA_LIMIT", "quota exceeded"},
	ErrIo:               {"DER_IO", "input/output error"},
	ErrFreeMem:          {"DER_FREE_MEM", "cannot release memory"},
	ErrEnoent:           {"DER_ENOENT", "no such entry"},
	ErrNotype:           {"DER_NOTYPE", "object type not known"},
	ErrNoschema:         {"DER_NOSCHEMA", "object schema not known"},
	ErrNolocal:          {"DER_NOLOCAL", "object not stored locally"},
	ErrStale:            {"DER_STALE", "stale handle or map"},
	ErrNotleader:        {"DER_NOTLEADER", "this replica is not the service leader"},
	ErrTgtCreate:        {"DER_TGT_CREATE", "cannot create target"},
	ErrEpRo:             {"DER_EP_RO", "epoch cannot be written"},
	ErrEpOld:            {"DER_EP_OLD", "epoch already discarded"},
	ErrKey2big:          {"DER_KEY2BIG", "key larger than the buffer"},
	ErrRec2big:          {"DER_REC2BIG", "value larger than the buffer"},
	ErrIoInval:          {"DER_IO_INVAL", "buffers do not match the I/O descriptor"},
	ErrEqBusy:           {"DER_EQ_BUSY", "event queue still has events"},
	ErrDomain:           {"DER_DOMAIN", "fault domain not found"},
	ErrShutdown:         {"DER_SHUTDOWN", "service is shutting down"},
	ErrInprogress:       {"DER_INPROGRESS", "operation still in progress"},
	ErrNotapplicable:    {"DER_NOTAPPLICABLE", "does not apply here"},
	ErrNotreplica:       {"DER_NOTREPLICA", "this engine holds no service replica"},
	ErrCsum:             {"DER_CSUM", "checksum mismatch"},
	ErrDfInval:          {"DER_DF_INVAL", "stored data format is invalid"},
	ErrDfIncompt:        {"DER_DF_INCOMPT", "stored data format is not supported"},
	ErrRecSize:          {"DER_REC_SIZE", "record size does not match"},
	ErrTxRestart:        {"DER_TX_RESTART", "transaction conflict, restart it"},
	ErrDataLoss:         {"DER_DATA_LOSS", "data lost beyond recovery"},
	ErrOpCanceled:       {"DER_OP_CANCELED", "operation was cancelled"},
	ErrTxBusy:           {"DER_TX_BUSY", "transaction busy with another operation"},
	ErrAgentIncompat:    {"DER_AGENT_INCOMPAT", "agent version not supported by libdaos"},
	ErrNeedTx:           {"DER_NEED_TX", "must run inside a transaction"},
	ErrRf:               {"DER_RF", "failures exceed the redundancy factor"},
	ErrFetchAgain:       {"DER_FETCH_AGAIN", "fetch must be retried"},
	ErrTxUncertain:      {"DER_TX_UNCERTAIN", "transaction outcome unknown"},
	ErrAgentComm:        {"DER_AGENT_COMM", "cannot talk to the agent"},
	ErrIdMismatch:       {"DER_ID_MISMATCH", "identifier does not match"},
	ErrTgtRetry:         {"DER_TGT_RETRY", "retry on another target"},
	ErrNotsupported:     {"DER_NOTSUPPORTED", "not supported"},
	ErrControlIncompat:  {"DER_CONTROL_INCOMPAT", "control plane version not supported by libdaos"},
	ErrNoService:        {"DER_NO_SERVICE", "service unavailable"},
	ErrTxIdReused:       {"DER_TX_ID_REUSED", "transaction identifier used twice"},
	ErrUpdateAgain:      {"DER_UPDATE_AGAIN", "update must be retried"},
	ErrNvmeIo:           {"DER_NVME_IO", "NVMe device I/O failure"},
	ErrNoCert:           {"DER_NO_CERT", "certificate cannot be read"},
	ErrBadCert:          {"DER_BAD_CERT", "certificate is not valid"},
	ErrVosPartialUpdate: {"DER_VOS_PARTIAL_UPDATE", "update applied only in part"},
	ErrChkptBusy:        {"DER_CHKPT_BUSY", "checkpoint in progress"},
	ErrDivByZero:        {"DER_DIV_BY_ZERO", "division by zero"},
	ErrOverloadRetry:    {"DER_OVERLOAD_RETRY", "server overloaded, retry later"},
	ErrNotResume:        {"DER_NOT_RESUME", "previous check cannot be resumed"},
	ErrContNonexist:     {"DER_CONT_NONEXIST", "container does not exist"},
	ErrContDestroying:   {"DER_CONT_DESTROYING", "container is being destroyed"},
	ErrIgnore:           {"DER_IGNORE", "nothing to do, safe to ignore"},
	ErrUnknown:          {"DER_UNKNOWN", "unknown error"},
}

// Name is the symbolic name, e.g. "DER_NONEXIST".
func (e Errno) Name() string {
	if info, ok := errInfos[e]; ok {
		return info.name
	}
	return "DER_UNKNOWN"
}

// Description is the English sentence for the code.
func (e Errno) Description() string {
	if info, ok := errInfos[e]; ok {
		return info.desc
	}
	return fmt.Sprintf("unknown error code %d", int(e))
}

// Error formats as DAOS's DF_RC does:
// "DER_NONEXIST(-1005): 'the specified entity does not exist'".
func (e Errno) Error() string {
	return fmt.Sprintf("%s(%d): '%s'", e.Name(), -int(e), e.Description())
}

// DerCode is the negative code the C API returns and the JSON status shows.
func (e Errno) DerCode() int { return -int(e) }

// Known reports whether e is a code DAOS defines.
func (e Errno) Known() bool {
	_, ok := errInfos[e]
	return ok
}

// FromCode turns a C-style return value (0 or a negative DER code) into an
// error: nil for 0, the Errno for a known negative code, and an error that
// wraps ErrUnknown otherwise.
func FromCode(rc int) error {
	if rc == 0 {
		return nil
	}
	if e := Errno(-rc); rc < 0 && e.Known() {
		return e
	}
	return fmt.Errorf("unrecognised DAOS return code %d: %w", rc, ErrUnknown)
}

// Code finds the DER code of err: Success for nil, the Errno it wraps, or
// ErrUnknown when it carries none (the caller decides what that means,
// e.g. DER_MISC in the CLIs).
func Code(err error) Errno {
	if err == nil {
		return Success
	}
	var e Errno
	if errors.As(err, &e) {
		return e
	}
	return ErrUnknown
}

// Errorf wraps code with a message saying what failed:
// Errorf(ErrNonexist, "fetch akey %q", key).
func Errorf(code Errno, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), code)
}
