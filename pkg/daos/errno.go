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
	Success:             {"DER_SUCCESS", "success"},
	ErrNoPerm:           {"DER_NO_PERM", "operation not permitted"},
	ErrNoHdl:            {"DER_NO_HDL", "invalid handle"},
	ErrInval:            {"DER_INVAL", "invalid parameters"},
	ErrExist:            {"DER_EXIST", "entity already exists"},
	ErrNonexist:         {"DER_NONEXIST", "the specified entity does not exist"},
	ErrUnreach:          {"DER_UNREACH", "unreachable node"},
	ErrNospace:          {"DER_NOSPACE", "no space on storage target"},
	ErrAlready:          {"DER_ALREADY", "operation already performed"},
	ErrNomem:            {"DER_NOMEM", "out of memory"},
	ErrNosys:            {"DER_NOSYS", "function not implemented"},
	ErrTimedout:         {"DER_TIMEDOUT", "time out"},
	ErrBusy:             {"DER_BUSY", "device or resource busy"},
	ErrAgain:            {"DER_AGAIN", "try again"},
	ErrProto:            {"DER_PROTO", "incompatible protocol"},
	ErrUninit:           {"DER_UNINIT", "not initialized"},
	ErrTrunc:            {"DER_TRUNC", "buffer too short"},
	ErrOverflow:         {"DER_OVERFLOW", "data too long for defined data type or buffer size"},
	ErrCanceled:         {"DER_CANCELED", "operation canceled"},
	ErrOog:              {"DER_OOG", "out of group or member list"},
	ErrHg:               {"DER_HG", "transport layer mercury error"},
	ErrUnreg:            {"DER_UNREG", "opcode or RPC not registered"},
	ErrAddrstrGen:       {"DER_ADDRSTR_GEN", "failed to generate an address string"},
	ErrPmix:             {"DER_PMIX", "PMIx layer error"},
	ErrIvcbForward:      {"DER_IVCB_FORWARD", "IV callback: cannot handle locally"},
	ErrMisc:             {"DER_MISC", "miscellaneous error"},
	ErrBadpath:          {"DER_BADPATH", "bad path name"},
	ErrNotdir:           {"DER_NOTDIR", "not a directory"},
	ErrCorpcIncomplete:  {"DER_CORPC_INCOMPLETE", "collective RPC failed"},
	ErrNoRasRank:        {"DER_NO_RAS_RANK", "no rank is subscribed to RAS"},
	ErrNotattach:        {"DER_NOTATTACH", "service group not attached"},
	ErrMismatch:         {"DER_MISMATCH", "schema mismatch"},
	ErrExcluded:         {"DER_EXCLUDED", "member is excluded"},
	ErrNoreply:          {"DER_NOREPLY", "member did not reply"},
	ErrDos:              {"DER_DOS", "denial of service"},
	ErrBadTarget:        {"DER_BAD_TARGET", "incorrect target for the RPC"},
	ErrGrpver:           {"DER_GRPVER", "group versioning mismatch"},
	ErrHlcSync:          {"DER_HLC_SYNC", "HLC synchronization error"},
	ErrNoShmem:          {"DER_NO_SHMEM", "not enough shared memory free"},
	ErrAddMetricFailed:  {"DER_ADD_METRIC_FAILED", "failed to add metric"},
	ErrDurationMismatch: {"DER_DURATION_MISMATCH", "duration start and end are mismatched"},
	ErrOpNotPermitted:   {"DER_OP_NOT_PERMITTED", "operation not permitted on metric type"},
	ErrExceedsPathLen:   {"DER_EXCEEDS_PATH_LEN", "path name exceeds the permitted length"},
	ErrMetricNotFound:   {"DER_METRIC_NOT_FOUND", "metric not found"},
	ErrShmemPerms:       {"DER_SHMEM_PERMS", "invalid shared memory permissions"},
	ErrHgFatal:          {"DER_HG_FATAL", "fatal transport layer mercury error"},
	ErrQuotaLimit:       {"DER_QUOTA_LIMIT", "quota limit reached"},
	ErrIo:               {"DER_IO", "generic I/O error"},
	ErrFreeMem:          {"DER_FREE_MEM", "memory free error"},
	ErrEnoent:           {"DER_ENOENT", "entry not found"},
	ErrNotype:           {"DER_NOTYPE", "unknown object type"},
	ErrNoschema:         {"DER_NOSCHEMA", "unknown object schema"},
	ErrNolocal:          {"DER_NOLOCAL", "object is not local"},
	ErrStale:            {"DER_STALE", "stale resource"},
	ErrNotleader:        {"DER_NOTLEADER", "not service leader"},
	ErrTgtCreate:        {"DER_TGT_CREATE", "target create error"},
	ErrEpRo:             {"DER_EP_RO", "epoch is read-only"},
	ErrEpOld:            {"DER_EP_OLD", "epoch is too old, all data have been recycled"},
	ErrKey2big:          {"DER_KEY2BIG", "key is too large"},
	ErrRec2big:          {"DER_REC2BIG", "record is too large"},
	ErrIoInval:          {"DER_IO_INVAL", "I/O buffers do not match the I/O descriptor"},
	ErrEqBusy:           {"DER_EQ_BUSY", "event queue is busy"},
	ErrDomain:           {"DER_DOMAIN", "domain of cluster component cannot be found"},
	ErrShutdown:         {"DER_SHUTDOWN", "service should shut down"},
	ErrInprogress:       {"DER_INPROGRESS", "operation now in progress"},
	ErrNotapplicable:    {"DER_NOTAPPLICABLE", "not applicable"},
	ErrNotreplica:       {"DER_NOTREPLICA", "not a service replica"},
	ErrCsum:             {"DER_CSUM", "checksum error"},
	ErrDfInval:          {"DER_DF_INVAL", "invalid data format"},
	ErrDfIncompt:        {"DER_DF_INCOMPT", "incompatible data format"},
	ErrRecSize:          {"DER_REC_SIZE", "record size error"},
	ErrTxRestart:        {"DER_TX_RESTART", "transaction should restart"},
	ErrDataLoss:         {"DER_DATA_LOSS", "data lost or not recoverable"},
	ErrOpCanceled:       {"DER_OP_CANCELED", "operation canceled"},
	ErrTxBusy:           {"DER_TX_BUSY", "transaction is busy"},
	ErrAgentIncompat:    {"DER_AGENT_INCOMPAT", "agent is incompatible with libdaos"},
	ErrNeedTx:           {"DER_NEED_TX", "to be handled in a transaction"},
	ErrRf:               {"DER_RF", "exceeds the redundancy factor"},
	ErrFetchAgain:       {"DER_FETCH_AGAIN", "re-fetch again"},
	ErrTxUncertain:      {"DER_TX_UNCERTAIN", "transaction result is uncertain"},
	ErrAgentComm:        {"DER_AGENT_COMM", "communication issue with the agent"},
	ErrIdMismatch:       {"DER_ID_MISMATCH", "ID mismatch"},
	ErrTgtRetry:         {"DER_TGT_RETRY", "retry with other target"},
	ErrNotsupported:     {"DER_NOTSUPPORTED", "operation not supported"},
	ErrControlIncompat:  {"DER_CONTROL_INCOMPAT", "control plane is incompatible with libdaos"},
	ErrNoService:        {"DER_NO_SERVICE", "service not available"},
	ErrTxIdReused:       {"DER_TX_ID_REUSED", "transaction ID reused"},
	ErrUpdateAgain:      {"DER_UPDATE_AGAIN", "update again"},
	ErrNvmeIo:           {"DER_NVME_IO", "NVMe I/O error"},
	ErrNoCert:           {"DER_NO_CERT", "unable to access the certificate"},
	ErrBadCert:          {"DER_BAD_CERT", "invalid certificate"},
	ErrVosPartialUpdate: {"DER_VOS_PARTIAL_UPDATE", "VOS partial update error"},
	ErrChkptBusy:        {"DER_CHKPT_BUSY", "checkpointing is busy"},
	ErrDivByZero:        {"DER_DIV_BY_ZERO", "division by zero"},
	ErrOverloadRetry:    {"DER_OVERLOAD_RETRY", "server is overloaded, retry later"},
	ErrNotResume:        {"DER_NOT_RESUME", "cannot resume from the former check"},
	ErrContNonexist:     {"DER_CONT_NONEXIST", "the container does not exist"},
	ErrContDestroying:   {"DER_CONT_DESTROYING", "the container is being destroyed"},
	ErrIgnore:           {"DER_IGNORE", "operation can be ignored"},
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
