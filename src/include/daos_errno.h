/*
 * DAOS error numbers. Library calls return 0 or the negation of one of
 * these; the numbering is part of the ABI because applications compare
 * return codes against the constants.
 */
#ifndef DAOS_ERRNO_H
#define DAOS_ERRNO_H

#ifdef __cplusplus
extern "C" {
#endif

enum daos_errno {
	DER_SUCCESS			= 0,

	/* Transport and common-library errors. */
	DER_ERR_GURT_BASE		= 1000,
	DER_NO_PERM			= 1001,
	DER_NO_HDL			= 1002,
	DER_INVAL			= 1003,
	DER_EXIST			= 1004,
	DER_NONEXIST			= 1005,
	DER_UNREACH			= 1006,
	DER_NOSPACE			= 1007,
	DER_ALREADY			= 1008,
	DER_NOMEM			= 1009,
	DER_NOSYS			= 1010,
	DER_TIMEDOUT			= 1011,
	DER_BUSY			= 1012,
	DER_AGAIN			= 1013,
	DER_PROTO			= 1014,
	DER_UNINIT			= 1015,
	DER_TRUNC			= 1016,
	DER_OVERFLOW			= 1017,
	DER_CANCELED			= 1018,
	DER_OOG				= 1019,
	DER_HG				= 1020,
	DER_UNREG			= 1021,
	DER_ADDRSTR_GEN			= 1022,
	DER_PMIX			= 1023,
	DER_IVCB_FORWARD		= 1024,
	DER_MISC			= 1025,
	DER_BADPATH			= 1026,
	DER_NOTDIR			= 1027,
	DER_CORPC_INCOMPLETE		= 1028,
	DER_NO_RAS_RANK			= 1029,
	DER_NOTATTACH			= 1030,
	DER_MISMATCH			= 1031,
	DER_EXCLUDED			= 1032,
	DER_NOREPLY			= 1033,
	DER_DOS				= 1034,
	DER_BAD_TARGET			= 1035,
	DER_GRPVER			= 1036,
	DER_HLC_SYNC			= 1037,
	DER_NO_SHMEM			= 1038,
	DER_ADD_METRIC_FAILED		= 1039,
	DER_DURATION_MISMATCH		= 1040,
	DER_OP_NOT_PERMITTED		= 1041,
	DER_EXCEEDS_PATH_LEN		= 1042,
	DER_METRIC_NOT_FOUND		= 1043,
	DER_SHMEM_PERMS			= 1044,
	DER_HG_FATAL			= 1045,
	DER_QUOTA_LIMIT			= 1046,

	/* Storage and client-library errors. */
	DER_ERR_DAOS_BASE		= 2000,
	DER_IO				= 2001,
	DER_FREE_MEM			= 2002,
	DER_ENOENT			= 2003,
	DER_NOTYPE			= 2004,
	DER_NOSCHEMA			= 2005,
	DER_NOLOCAL			= 2006,
	DER_STALE			= 2007,
	DER_NOTLEADER			= 2008,
	DER_TGT_CREATE			= 2009,
	DER_EP_RO			= 2010,
	DER_EP_OLD			= 2011,
	DER_KEY2BIG			= 2012,
	DER_REC2BIG			= 2013,
	DER_IO_INVAL			= 2014,
	DER_EQ_BUSY			= 2015,
	DER_DOMAIN			= 2016,
	DER_SHUTDOWN			= 2017,
	DER_INPROGRESS			= 2018,
	DER_NOTAPPLICABLE		= 2019,
	DER_NOTREPLICA			= 2020,
	DER_CSUM			= 2021,
	DER_DF_INVAL			= 2022,
	DER_DF_INCOMPT			= 2023,
	DER_REC_SIZE			= 2024,
	DER_TX_RESTART			= 2025,
	DER_DATA_LOSS			= 2026,
	DER_OP_CANCELED			= 2027,
	DER_TX_BUSY			= 2028,
	DER_AGENT_INCOMPAT		= 2029,
	DER_NEED_TX			= 2030,
	DER_RF				= 2031,
	DER_FETCH_AGAIN			= 2032,
	DER_TX_UNCERTAIN		= 2033,
	DER_AGENT_COMM			= 2034,
	DER_ID_MISMATCH			= 2035,
	DER_TGT_RETRY			= 2036,
	DER_NOTSUPPORTED		= 2037,
	DER_CONTROL_INCOMPAT		= 2038,
	DER_NO_SERVICE			= 2039,
	DER_TX_ID_REUSED		= 2040,
	DER_UPDATE_AGAIN		= 2041,
	DER_NVME_IO			= 2042,
	DER_NO_CERT			= 2043,
	DER_BAD_CERT			= 2044,
	DER_VOS_PARTIAL_UPDATE		= 2045,
	DER_CHKPT_BUSY			= 2046,
	DER_DIV_BY_ZERO			= 2047,
	DER_OVERLOAD_RETRY		= 2048,
	DER_NOT_RESUME			= 2049,
	DER_CONT_NONEXIST		= 2050,
	DER_CONT_DESTROYING		= 2051,
	DER_IGNORE			= 2052,
	DER_LAST_VALID			= 2053,

	/* For failures that carry no DAOS code of their own. */
	DER_UNKNOWN			= 501000,
};

/* Printf helpers: printf("... " DF_RC "\n", DP_RC(rc)). */
#define DF_RC "%s(%d): '%s'"
#define DP_RC(rc) d_errstr(rc), (rc), d_errdesc(rc)

/* Both take the negative code a call returned and never return NULL:
 * 0 is DER_SUCCESS, anything unrecognised is DER_UNKNOWN. */
const char *d_errstr(int rc);
const char *d_errdesc(int rc);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_ERRNO_H */
