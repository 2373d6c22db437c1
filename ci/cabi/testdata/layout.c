/*
 * ABI layout check for the public headers: every size, alignment, field
 * offset and constant that ABI.md fixes, as compile-time assertions,
 * then run-time checks of the header inlines. Built and run by
 * cabi_test.go, as C and (assertions only) as C++.
 *
 * The expected numbers are written out literally from ABI.md, never
 * derived from the headers, so a wrong header cannot agree with itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_*, S_IF*, NAME_MAX and PATH_MAX from libc */
#endif

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>

#include <daos.h>
#include <daos_fs.h>
#include <daos_uns.h>
#include <daos_task.h>
#include <daos/common.h>
#include <gurt/common.h>
#include <gurt/hash.h>

#ifdef __cplusplus
#define STATIC_ASSERT(e, msg) static_assert(e, msg)
#define ALIGNOF(t) alignof(t)
#else
#define STATIC_ASSERT(e, msg) _Static_assert(e, msg)
#define ALIGNOF(t) _Alignof(t)
#endif

#define SIZE(t, s, a)                                                     \
	STATIC_ASSERT(sizeof(t) == (s), "sizeof(" #t ") != " #s);         \
	STATIC_ASSERT(ALIGNOF(t) == (a), "alignof(" #t ") != " #a)
#define OFF(t, f, o) \
	STATIC_ASSERT(offsetof(t, f) == (o), "offsetof(" #t ", " #f ") != " #o)
#define FSIZE(t, f, s) \
	STATIC_ASSERT(sizeof(((t *)0)->f) == (s), "sizeof(" #t "." #f ") != " #s)
#define EQ(x, v) STATIC_ASSERT((x) == (v), #x " != " #v)


/* daos/tse.h and daos_task.h: DAOS's task and scheduler (the HDF5 VOL
 * keeps a scheduler in a global) and the argument structs callers fill. */
SIZE(tse_task_t, 1024, 4);
OFF(tse_task_t, dt_result, 0);
OFF(tse_task_t, dt_private, 8);
SIZE(tse_sched_t, 400, 8);
OFF(tse_sched_t, ds_udata, 8);
EQ(DAOS_OPC_POOL_CONNECT, 5);
EQ(DAOS_OPC_CONT_CREATE, 18);
EQ(DAOS_OPC_CONT_ALLOC_OIDS, 33);
EQ(DAOS_OPC_TX_OPEN, 37);
EQ(DAOS_OPC_OBJ_OPEN, 46);
EQ(DAOS_OPC_OBJ_FETCH, 54);
EQ(DAOS_OPC_OBJ_UPDATE, 55);
EQ(DAOS_OPC_OBJ_LIST_AKEY, 57);
EQ(DAOS_OPC_ARRAY_CREATE, 60);
EQ(DAOS_OPC_KV_OPEN, 70);
EQ(DAOS_OPC_KV_LIST, 76);
EQ(DAOS_OPC_PIPELINE_RUN, 81);
SIZE(daos_pool_connect_t, 56, 8);
OFF(daos_pool_connect_t, grp, 16);
OFF(daos_pool_connect_t, flags, 24);
OFF(daos_pool_connect_t, pool, 48);
SIZE(daos_cont_create_t, 40, 8);
OFF(daos_cont_create_t, uuid, 8);
OFF(daos_cont_create_t, cuuid, 32);
SIZE(daos_cont_open_t, 56, 8);
OFF(daos_cont_open_t, cont, 48);
SIZE(daos_cont_destroy_t, 40, 8);
OFF(daos_cont_destroy_t, force, 24);
SIZE(daos_obj_punch_t, 48, 8);
OFF(daos_obj_punch_t, flags, 32);
OFF(daos_obj_punch_t, akey_nr, 40);
SIZE(daos_obj_rw_t, 80, 8);
OFF(daos_obj_rw_t, nr, 32);
OFF(daos_obj_rw_t, extra_flags, 36);
OFF(daos_obj_rw_t, csum_iov, 72);
SIZE(daos_obj_list_t, 136, 8);
OFF(daos_obj_list_t, type, 64);
OFF(daos_obj_list_t, dkey_anchor, 96);
OFF(daos_obj_list_t, akey_anchor, 104);
OFF(daos_obj_list_t, incr_order, 128);
SIZE(daos_array_open_t, 64, 8);
OFF(daos_array_open_t, open_with_attr, 36);
SIZE(daos_kv_get_t, 48, 8);
SIZE(daos_tx_commit_t, 16, 8);
SIZE(daos_cont_get_attr_t, 40, 8);
SIZE(daos_pool_set_attr_t, 40, 8);
OFF(daos_pool_set_attr_t, sizes, 32);
OFF(daos_cont_get_attr_t, names, 16);
SIZE(daos_cont_list_snap_t, 40, 8);
SIZE(daos_cont_create_snap_t, 32, 8);
OFF(daos_cont_create_snap_t, epoch, 16);
SIZE(daos_cont_destroy_snap_t, 24, 8);
SIZE(struct daos_pool_cont_info, 144, 1);
OFF(struct daos_pool_cont_info, pci_label, 16);
SIZE(daos_cont_snap_oit_create_t, 24, 8);
OFF(daos_cont_snap_oit_create_t, name, 16);
SIZE(daos_cont_snap_oit_destroy_t, 16, 8);

/* daos_uns.h: DAOS's struct duns_attr_t (ROMIO and the HDF5 VOL embed it). */
SIZE(daos_cont_layout_t, 2, 2);
OFF(struct duns_attr_t, da_type, 0);
OFF(struct duns_attr_t, da_oclass_id, 4);
OFF(struct duns_attr_t, da_chunk_size, 8);
OFF(struct duns_attr_t, da_props, 16);
OFF(struct duns_attr_t, da_flags, 24);
OFF(struct duns_attr_t, da_pool, 28);
OFF(struct duns_attr_t, da_cont, 156);
OFF(struct duns_attr_t, da_sys, 288);
OFF(struct duns_attr_t, da_rel_path, 296);
OFF(struct duns_attr_t, da_on_lustre, 304);
OFF(struct duns_attr_t, da_no_prefix, 305);
OFF(struct duns_attr_t, da_puuid, 306);
OFF(struct duns_attr_t, da_cuuid, 322);
OFF(struct duns_attr_t, da_dir_oclass_id, 340);
OFF(struct duns_attr_t, da_file_oclass_id, 344);
OFF(struct duns_attr_t, da_hints, 348);
SIZE(struct duns_attr_t, 480, 8);
EQ(DUNS_NO_PREFIX, 1);
EQ(DUNS_NO_REVERSE_LOOKUP, 2);
EQ(DUNS_NO_CHECK_PATH, 4);
EQ(DUNS_MAX_XATTR_LEN, 170);

/* 2.4 gurt/types.h, gurt/list.h */
SIZE(d_iov_t, 24, 8);
OFF(d_iov_t, iov_buf, 0);
FSIZE(d_iov_t, iov_buf, 8);
OFF(d_iov_t, iov_buf_len, 8);
FSIZE(d_iov_t, iov_buf_len, 8);
OFF(d_iov_t, iov_len, 16);
FSIZE(d_iov_t, iov_len, 8);
SIZE(d_sg_list_t, 16, 8);
OFF(d_sg_list_t, sg_nr, 0);
FSIZE(d_sg_list_t, sg_nr, 4);
OFF(d_sg_list_t, sg_nr_out, 4);
FSIZE(d_sg_list_t, sg_nr_out, 4);
OFF(d_sg_list_t, sg_iovs, 8);
FSIZE(d_sg_list_t, sg_iovs, 8);
SIZE(d_rank_t, 4, 4);
SIZE(d_rank_list_t, 16, 8);
OFF(d_rank_list_t, rl_ranks, 0);
FSIZE(d_rank_list_t, rl_ranks, 8);
OFF(d_rank_list_t, rl_nr, 8);
FSIZE(d_rank_list_t, rl_nr, 4);
SIZE(d_list_t, 16, 8);
OFF(d_list_t, next, 0);
FSIZE(d_list_t, next, 8);
OFF(d_list_t, prev, 8);
FSIZE(d_list_t, prev, 8);
SIZE(struct d_list_head, 16, 8);
SIZE(d_string_t, 8, 8);

/* 2.5 gurt/hash.h: eight callbacks in this order */
SIZE(d_hash_table_ops_t, 64, 8);
OFF(d_hash_table_ops_t, hop_key_cmp, 0);
FSIZE(d_hash_table_ops_t, hop_key_cmp, 8);
OFF(d_hash_table_ops_t, hop_key_init, 8);
FSIZE(d_hash_table_ops_t, hop_key_init, 8);
OFF(d_hash_table_ops_t, hop_key_hash, 16);
FSIZE(d_hash_table_ops_t, hop_key_hash, 8);
OFF(d_hash_table_ops_t, hop_rec_hash, 24);
FSIZE(d_hash_table_ops_t, hop_rec_hash, 8);
OFF(d_hash_table_ops_t, hop_rec_addref, 32);
FSIZE(d_hash_table_ops_t, hop_rec_addref, 8);
OFF(d_hash_table_ops_t, hop_rec_decref, 40);
FSIZE(d_hash_table_ops_t, hop_rec_decref, 8);
OFF(d_hash_table_ops_t, hop_rec_ndecref, 48);
FSIZE(d_hash_table_ops_t, hop_rec_ndecref, 8);
OFF(d_hash_table_ops_t, hop_rec_free, 56);
FSIZE(d_hash_table_ops_t, hop_rec_free, 8);
EQ(D_HASH_FT_NOLOCK, 1);
EQ(D_HASH_FT_MUTEX, 2);
EQ(D_HASH_FT_RWLOCK, 4);
EQ(D_HASH_FT_EPHEMERAL, 8);
EQ(D_HASH_FT_LRU, 16);
EQ(D_HASH_FT_NO_KEYINIT_LOCK, 32);
EQ(D_HASH_FT_GLOCK, 0x8000);

/* 2.3 daos_errno.h */
EQ(DER_SUCCESS, 0);
EQ(DER_ERR_GURT_BASE, 1000);
EQ(DER_NO_PERM, 1001);
EQ(DER_NO_HDL, 1002);
EQ(DER_INVAL, 1003);
EQ(DER_EXIST, 1004);
EQ(DER_NONEXIST, 1005);
EQ(DER_UNREACH, 1006);
EQ(DER_NOSPACE, 1007);
EQ(DER_ALREADY, 1008);
EQ(DER_NOMEM, 1009);
EQ(DER_NOSYS, 1010);
EQ(DER_TIMEDOUT, 1011);
EQ(DER_BUSY, 1012);
EQ(DER_AGAIN, 1013);
EQ(DER_PROTO, 1014);
EQ(DER_UNINIT, 1015);
EQ(DER_TRUNC, 1016);
EQ(DER_OVERFLOW, 1017);
EQ(DER_CANCELED, 1018);
EQ(DER_OOG, 1019);
EQ(DER_HG, 1020);
EQ(DER_UNREG, 1021);
EQ(DER_ADDRSTR_GEN, 1022);
EQ(DER_PMIX, 1023);
EQ(DER_IVCB_FORWARD, 1024);
EQ(DER_MISC, 1025);
EQ(DER_BADPATH, 1026);
EQ(DER_NOTDIR, 1027);
EQ(DER_CORPC_INCOMPLETE, 1028);
EQ(DER_NO_RAS_RANK, 1029);
EQ(DER_NOTATTACH, 1030);
EQ(DER_MISMATCH, 1031);
EQ(DER_EXCLUDED, 1032);
EQ(DER_NOREPLY, 1033);
EQ(DER_DOS, 1034);
EQ(DER_BAD_TARGET, 1035);
EQ(DER_GRPVER, 1036);
EQ(DER_HLC_SYNC, 1037);
EQ(DER_NO_SHMEM, 1038);
EQ(DER_ADD_METRIC_FAILED, 1039);
EQ(DER_DURATION_MISMATCH, 1040);
EQ(DER_OP_NOT_PERMITTED, 1041);
EQ(DER_EXCEEDS_PATH_LEN, 1042);
EQ(DER_METRIC_NOT_FOUND, 1043);
EQ(DER_SHMEM_PERMS, 1044);
EQ(DER_HG_FATAL, 1045);
EQ(DER_QUOTA_LIMIT, 1046);
EQ(DER_ERR_DAOS_BASE, 2000);
EQ(DER_IO, 2001);
EQ(DER_FREE_MEM, 2002);
EQ(DER_ENOENT, 2003);
EQ(DER_NOTYPE, 2004);
EQ(DER_NOSCHEMA, 2005);
EQ(DER_NOLOCAL, 2006);
EQ(DER_STALE, 2007);
EQ(DER_NOTLEADER, 2008);
EQ(DER_TGT_CREATE, 2009);
EQ(DER_EP_RO, 2010);
EQ(DER_EP_OLD, 2011);
EQ(DER_KEY2BIG, 2012);
EQ(DER_REC2BIG, 2013);
EQ(DER_IO_INVAL, 2014);
EQ(DER_EQ_BUSY, 2015);
EQ(DER_DOMAIN, 2016);
EQ(DER_SHUTDOWN, 2017);
EQ(DER_INPROGRESS, 2018);
EQ(DER_NOTAPPLICABLE, 2019);
EQ(DER_NOTREPLICA, 2020);
EQ(DER_CSUM, 2021);
EQ(DER_DF_INVAL, 2022);
EQ(DER_DF_INCOMPT, 2023);
EQ(DER_REC_SIZE, 2024);
EQ(DER_TX_RESTART, 2025);
EQ(DER_DATA_LOSS, 2026);
EQ(DER_OP_CANCELED, 2027);
EQ(DER_TX_BUSY, 2028);
EQ(DER_AGENT_INCOMPAT, 2029);
EQ(DER_NEED_TX, 2030);
EQ(DER_RF, 2031);
EQ(DER_FETCH_AGAIN, 2032);
EQ(DER_TX_UNCERTAIN, 2033);
EQ(DER_AGENT_COMM, 2034);
EQ(DER_ID_MISMATCH, 2035);
EQ(DER_TGT_RETRY, 2036);
EQ(DER_NOTSUPPORTED, 2037);
EQ(DER_CONTROL_INCOMPAT, 2038);
EQ(DER_NO_SERVICE, 2039);
EQ(DER_TX_ID_REUSED, 2040);
EQ(DER_UPDATE_AGAIN, 2041);
EQ(DER_NVME_IO, 2042);
EQ(DER_NO_CERT, 2043);
EQ(DER_BAD_CERT, 2044);
EQ(DER_VOS_PARTIAL_UPDATE, 2045);
EQ(DER_CHKPT_BUSY, 2046);
EQ(DER_DIV_BY_ZERO, 2047);
EQ(DER_OVERLOAD_RETRY, 2048);
EQ(DER_NOT_RESUME, 2049);
EQ(DER_CONT_NONEXIST, 2050);
EQ(DER_CONT_DESTROYING, 2051);
EQ(DER_IGNORE, 2052);
EQ(DER_LAST_VALID, 2053);
EQ(DER_UNKNOWN, 501000);

/* 2.6 daos_types.h, daos_event.h */
SIZE(daos_handle_t, 8, 8);
OFF(daos_handle_t, cookie, 0);
FSIZE(daos_handle_t, cookie, 8);
SIZE(daos_size_t, 8, 8);
SIZE(daos_off_t, 8, 8);
SIZE(daos_epoch_t, 8, 8);
SIZE(daos_key_t, 24, 8);
SIZE(daos_obj_id_t, 16, 8);
OFF(daos_obj_id_t, lo, 0);
FSIZE(daos_obj_id_t, lo, 8);
OFF(daos_obj_id_t, hi, 8);
FSIZE(daos_obj_id_t, hi, 8);
SIZE(daos_anchor_t, 120, 8);
OFF(daos_anchor_t, da_type, 0);
FSIZE(daos_anchor_t, da_type, 2);
OFF(daos_anchor_t, da_shard, 2);
FSIZE(daos_anchor_t, da_shard, 2);
OFF(daos_anchor_t, da_flags, 4);
FSIZE(daos_anchor_t, da_flags, 4);
OFF(daos_anchor_t, da_sub_anchors, 8);
FSIZE(daos_anchor_t, da_sub_anchors, 8);
OFF(daos_anchor_t, da_buf, 16);
FSIZE(daos_anchor_t, da_buf, 104);
SIZE(daos_event_t, 176, 8);
SIZE(struct daos_event, 176, 8);
OFF(daos_event_t, ev_error, 0);
FSIZE(daos_event_t, ev_error, 4);
OFF(daos_event_t, ev_private, 8);
FSIZE(daos_event_t, ev_private, 160);
OFF(daos_event_t, ev_private.space, 8);
FSIZE(daos_event_t, ev_private.space, 160);
OFF(daos_event_t, ev_debug, 168);
FSIZE(daos_event_t, ev_debug, 8);
SIZE(daos_cont_info_t, 48, 8);
OFF(daos_cont_info_t, ci_uuid, 0);
FSIZE(daos_cont_info_t, ci_uuid, 16);
OFF(daos_cont_info_t, ci_lsnapshot, 16);
FSIZE(daos_cont_info_t, ci_lsnapshot, 8);
OFF(daos_cont_info_t, ci_nhandles, 24);
FSIZE(daos_cont_info_t, ci_nhandles, 4);
OFF(daos_cont_info_t, ci_nsnapshots, 28);
FSIZE(daos_cont_info_t, ci_nsnapshots, 4);
OFF(daos_cont_info_t, ci_md_otime, 32);
FSIZE(daos_cont_info_t, ci_md_otime, 8);
OFF(daos_cont_info_t, ci_md_mtime, 40);
FSIZE(daos_cont_info_t, ci_md_mtime, 8);
SIZE(uuid_t, 16, 1);
EQ(DAOS_PC_RO, 1);
EQ(DAOS_PC_RW, 2);
EQ(DAOS_PC_EX, 4);
EQ(DAOS_PC_NBITS, 3);
EQ(DAOS_EQ_WAIT, -1);
EQ(DAOS_EQ_NOWAIT, 0);
EQ(DAOS_EQ_DESTROY_FORCE, 1);
EQ(DAOS_EQR_COMPLETED, 1);
EQ(DAOS_EQR_WAITING, 2);
EQ(DAOS_EQR_ALL, 3);
EQ(DAOS_EVS_READY, 0);
EQ(DAOS_EVS_RUNNING, 1);
EQ(DAOS_EVS_COMPLETED, 2);
EQ(DAOS_EVS_ABORTED, 3);
EQ(DAOS_ANCHOR_BUF_MAX, 104);
EQ(DAOS_SYS_NAME_MAX, 15);
EQ(DAOS_UUID_STR_SIZE, 37);
EQ(DAOS_EPOCH_MAX, ~0ULL);
EQ(DAOS_TF_RDONLY, 1);
EQ(DAOS_ANCHOR_TYPE_ZERO, 0);
EQ(DAOS_ANCHOR_TYPE_HKEY, 1);
EQ(DAOS_ANCHOR_TYPE_KEY, 2);
EQ(DAOS_ANCHOR_TYPE_EOF, 3);

/* 2.2 daos_version.h */
EQ(DAOS_API_VERSION_MAJOR, 2);
EQ(DAOS_API_VERSION_MINOR, 8);
EQ(DAOS_API_VERSION_FIX, 0);
SIZE(daos_version_t, 4, 4);
OFF(daos_version_t, protocol, 0);
FSIZE(daos_version_t, protocol, 1);
OFF(daos_version_t, patch, 1);
FSIZE(daos_version_t, patch, 1);
OFF(daos_version_t, minor, 2);
FSIZE(daos_version_t, minor, 1);
OFF(daos_version_t, major, 3);
FSIZE(daos_version_t, major, 1);

/* 2.7 daos_obj_class.h */
SIZE(daos_oclass_id_t, 4, 4);
SIZE(daos_oclass_hints_t, 2, 2);
EQ(MAX_NUM_GROUPS, 0xFFFF);
EQ(OC_REDUN_SHIFT, 24);
EQ(MAX_OBJ_CLASS_NAME_LEN, 24);
EQ(OC_UNKNOWN, 0);
EQ(OR_RP_1, 1);
EQ(OR_RP_2, 8);
EQ(OR_RP_3, 9);
EQ(OR_RP_4, 10);
EQ(OR_RP_5, 11);
EQ(OR_RP_6, 12);
EQ(OR_RP_8, 13);
EQ(OR_RP_12, 14);
EQ(OR_RP_16, 15);
EQ(OR_RP_24, 16);
EQ(OR_RP_32, 17);
EQ(OR_RP_48, 18);
EQ(OR_RP_64, 19);
EQ(OR_RP_128, 20);
EQ(OR_RS_2P1, 32);
EQ(OR_RS_2P2, 33);
EQ(OR_RS_4P1, 34);
EQ(OR_RS_4P2, 35);
EQ(OR_RS_8P1, 36);
EQ(OR_RS_8P2, 37);
EQ(OR_RS_16P1, 38);
EQ(OR_RS_16P2, 39);
EQ(OR_RS_4P3, 40);
EQ(OR_RS_8P3, 41);
EQ(OR_RS_16P3, 42);
EQ(OC_BACK_COMPAT, 50);
EQ(OC_TINY, 51);
EQ(OC_SMALL, 52);
EQ(OC_LARGE, 53);
EQ(OC_MAX, 54);
EQ(OC_RP_TINY, 60);
EQ(OC_RP_SMALL, 61);
EQ(OC_RP_LARGE, 62);
EQ(OC_RP_MAX, 63);
EQ(OC_RP_SF_TINY, 70);
EQ(OC_RP_SF_SMALL, 71);
EQ(OC_RP_SF_LARGE, 72);
EQ(OC_RP_SF_MAX, 73);
EQ(OC_RP_XSF, 80);
EQ(OC_EC_TINY, 100);
EQ(OC_EC_SMALL, 101);
EQ(OC_EC_LARGE, 102);
EQ(OC_EC_MAX, 103);
EQ(OC_RESERVED, (1 << 30));
EQ(OC_S1, 0x1000001);
EQ(OC_S2, 0x1000002);
EQ(OC_S4, 0x1000004);
EQ(OC_S6, 0x1000006);
EQ(OC_S8, 0x1000008);
EQ(OC_S12, 0x100000c);
EQ(OC_S16, 0x1000010);
EQ(OC_S32, 0x1000020);
EQ(OC_SX, 0x100ffff);
EQ(OC_RP_2G1, 0x8000001);
EQ(OC_RP_2G2, 0x8000002);
EQ(OC_RP_2G4, 0x8000004);
EQ(OC_RP_2G6, 0x8000006);
EQ(OC_RP_2G8, 0x8000008);
EQ(OC_RP_2G12, 0x800000c);
EQ(OC_RP_2G16, 0x8000010);
EQ(OC_RP_2G32, 0x8000020);
EQ(OC_RP_2GX, 0x800ffff);
EQ(OC_RP_3G1, 0x9000001);
EQ(OC_RP_3G2, 0x9000002);
EQ(OC_RP_3G4, 0x9000004);
EQ(OC_RP_3G6, 0x9000006);
EQ(OC_RP_3G8, 0x9000008);
EQ(OC_RP_3G12, 0x900000c);
EQ(OC_RP_3G16, 0x9000010);
EQ(OC_RP_3G32, 0x9000020);
EQ(OC_RP_3GX, 0x900ffff);
EQ(OC_RP_4G1, 0xa000001);
EQ(OC_RP_4G2, 0xa000002);
EQ(OC_RP_4G4, 0xa000004);
EQ(OC_RP_4G6, 0xa000006);
EQ(OC_RP_4G8, 0xa000008);
EQ(OC_RP_4G12, 0xa00000c);
EQ(OC_RP_4G16, 0xa000010);
EQ(OC_RP_4G32, 0xa000020);
EQ(OC_RP_4GX, 0xa00ffff);
EQ(OC_RP_5G1, 0xb000001);
EQ(OC_RP_5G2, 0xb000002);
EQ(OC_RP_5G4, 0xb000004);
EQ(OC_RP_5G6, 0xb000006);
EQ(OC_RP_5G8, 0xb000008);
EQ(OC_RP_5G12, 0xb00000c);
EQ(OC_RP_5G16, 0xb000010);
EQ(OC_RP_5G32, 0xb000020);
EQ(OC_RP_5GX, 0xb00ffff);
EQ(OC_RP_6G1, 0xc000001);
EQ(OC_RP_6G2, 0xc000002);
EQ(OC_RP_6G4, 0xc000004);
EQ(OC_RP_6G6, 0xc000006);
EQ(OC_RP_6G8, 0xc000008);
EQ(OC_RP_6G12, 0xc00000c);
EQ(OC_RP_6G16, 0xc000010);
EQ(OC_RP_6G32, 0xc000020);
EQ(OC_RP_6GX, 0xc00ffff);
EQ(OC_RP_12G1, 0xe000001);
EQ(OC_RP_16G1, 0xf000001);
EQ(OC_RP_24G1, 0x10000001);
EQ(OC_RP_32G1, 0x11000001);
EQ(OC_RP_48G1, 0x12000001);
EQ(OC_RP_64G1, 0x13000001);
EQ(OC_RP_128G1, 0x14000001);
EQ(OC_EC_2P1G1, 0x20000001);
EQ(OC_EC_2P1G2, 0x20000002);
EQ(OC_EC_2P1G4, 0x20000004);
EQ(OC_EC_2P1G6, 0x20000006);
EQ(OC_EC_2P1G8, 0x20000008);
EQ(OC_EC_2P1G12, 0x2000000c);
EQ(OC_EC_2P1G16, 0x20000010);
EQ(OC_EC_2P1G32, 0x20000020);
EQ(OC_EC_2P1GX, 0x2000ffff);
EQ(OC_EC_2P2G1, 0x21000001);
EQ(OC_EC_2P2G2, 0x21000002);
EQ(OC_EC_2P2G4, 0x21000004);
EQ(OC_EC_2P2G6, 0x21000006);
EQ(OC_EC_2P2G8, 0x21000008);
EQ(OC_EC_2P2G12, 0x2100000c);
EQ(OC_EC_2P2G16, 0x21000010);
EQ(OC_EC_2P2G32, 0x21000020);
EQ(OC_EC_2P2GX, 0x2100ffff);
EQ(OC_EC_4P1G1, 0x22000001);
EQ(OC_EC_4P1G2, 0x22000002);
EQ(OC_EC_4P1G4, 0x22000004);
EQ(OC_EC_4P1G6, 0x22000006);
EQ(OC_EC_4P1G8, 0x22000008);
EQ(OC_EC_4P1G12, 0x2200000c);
EQ(OC_EC_4P1G16, 0x22000010);
EQ(OC_EC_4P1G32, 0x22000020);
EQ(OC_EC_4P1GX, 0x2200ffff);
EQ(OC_EC_4P2G1, 0x23000001);
EQ(OC_EC_4P2G2, 0x23000002);
EQ(OC_EC_4P2G4, 0x23000004);
EQ(OC_EC_4P2G6, 0x23000006);
EQ(OC_EC_4P2G8, 0x23000008);
EQ(OC_EC_4P2G12, 0x2300000c);
EQ(OC_EC_4P2G16, 0x23000010);
EQ(OC_EC_4P2G32, 0x23000020);
EQ(OC_EC_4P2GX, 0x2300ffff);
EQ(OC_EC_8P1G1, 0x24000001);
EQ(OC_EC_8P1G2, 0x24000002);
EQ(OC_EC_8P1G4, 0x24000004);
EQ(OC_EC_8P1G6, 0x24000006);
EQ(OC_EC_8P1G8, 0x24000008);
EQ(OC_EC_8P1G12, 0x2400000c);
EQ(OC_EC_8P1G16, 0x24000010);
EQ(OC_EC_8P1G32, 0x24000020);
EQ(OC_EC_8P1GX, 0x2400ffff);
EQ(OC_EC_8P2G1, 0x25000001);
EQ(OC_EC_8P2G2, 0x25000002);
EQ(OC_EC_8P2G4, 0x25000004);
EQ(OC_EC_8P2G6, 0x25000006);
EQ(OC_EC_8P2G8, 0x25000008);
EQ(OC_EC_8P2G12, 0x2500000c);
EQ(OC_EC_8P2G16, 0x25000010);
EQ(OC_EC_8P2G32, 0x25000020);
EQ(OC_EC_8P2GX, 0x2500ffff);
EQ(OC_EC_16P1G1, 0x26000001);
EQ(OC_EC_16P1G2, 0x26000002);
EQ(OC_EC_16P1G4, 0x26000004);
EQ(OC_EC_16P1G6, 0x26000006);
EQ(OC_EC_16P1G8, 0x26000008);
EQ(OC_EC_16P1G12, 0x2600000c);
EQ(OC_EC_16P1G16, 0x26000010);
EQ(OC_EC_16P1G32, 0x26000020);
EQ(OC_EC_16P1GX, 0x2600ffff);
EQ(OC_EC_16P2G1, 0x27000001);
EQ(OC_EC_16P2G2, 0x27000002);
EQ(OC_EC_16P2G4, 0x27000004);
EQ(OC_EC_16P2G6, 0x27000006);
EQ(OC_EC_16P2G8, 0x27000008);
EQ(OC_EC_16P2G12, 0x2700000c);
EQ(OC_EC_16P2G16, 0x27000010);
EQ(OC_EC_16P2G32, 0x27000020);
EQ(OC_EC_16P2GX, 0x2700ffff);
EQ(OC_EC_4P3G1, 0x28000001);
EQ(OC_EC_4P3G2, 0x28000002);
EQ(OC_EC_4P3G4, 0x28000004);
EQ(OC_EC_4P3G6, 0x28000006);
EQ(OC_EC_4P3G8, 0x28000008);
EQ(OC_EC_4P3G12, 0x2800000c);
EQ(OC_EC_4P3G16, 0x28000010);
EQ(OC_EC_4P3G32, 0x28000020);
EQ(OC_EC_4P3GX, 0x2800ffff);
EQ(OC_EC_8P3G1, 0x29000001);
EQ(OC_EC_8P3G2, 0x29000002);
EQ(OC_EC_8P3G4, 0x29000004);
EQ(OC_EC_8P3G6, 0x29000006);
EQ(OC_EC_8P3G8, 0x29000008);
EQ(OC_EC_8P3G12, 0x2900000c);
EQ(OC_EC_8P3G16, 0x29000010);
EQ(OC_EC_8P3G32, 0x29000020);
EQ(OC_EC_8P3GX, 0x2900ffff);
EQ(OC_EC_16P3G1, 0x2a000001);
EQ(OC_EC_16P3G2, 0x2a000002);
EQ(OC_EC_16P3G4, 0x2a000004);
EQ(OC_EC_16P3G6, 0x2a000006);
EQ(OC_EC_16P3G8, 0x2a000008);
EQ(OC_EC_16P3G12, 0x2a00000c);
EQ(OC_EC_16P3G16, 0x2a000010);
EQ(OC_EC_16P3G32, 0x2a000020);
EQ(OC_EC_16P3GX, 0x2a00ffff);
EQ(OC_S1, 0x01000001);
EQ(OC_SX, 0x0100FFFF);
EQ(OC_RP_2G1, 0x08000001);
EQ(OC_RP_2GX, 0x0800FFFF);
EQ(OC_RP_3G1, 0x09000001);
EQ(OC_RP_3GX, 0x0900FFFF);
EQ(OC_EC_2P1G1, 0x20000001);
EQ(OC_EC_2P1GX, 0x2000FFFF);
EQ(OC_EC_4P2G1, 0x23000001);
EQ(OC_EC_4P2GX, 0x2300FFFF);
EQ(OC_EC_8P2GX, 0x2500FFFF);
EQ(OC_EC_16P3GX, 0x2A00FFFF);
SIZE(struct daos_oclass_attr, 24, 4);
OFF(struct daos_oclass_attr, ca_schema, 0);
FSIZE(struct daos_oclass_attr, ca_schema, 4);
OFF(struct daos_oclass_attr, ca_resil, 4);
FSIZE(struct daos_oclass_attr, ca_resil, 4);
OFF(struct daos_oclass_attr, ca_resil_degree, 8);
FSIZE(struct daos_oclass_attr, ca_resil_degree, 4);
OFF(struct daos_oclass_attr, ca_grp_nr, 12);
FSIZE(struct daos_oclass_attr, ca_grp_nr, 4);
OFF(struct daos_oclass_attr, u.rp.r_proto, 16);
FSIZE(struct daos_oclass_attr, u.rp.r_proto, 4);
OFF(struct daos_oclass_attr, u.rp.r_num, 20);
FSIZE(struct daos_oclass_attr, u.rp.r_num, 4);
OFF(struct daos_oclass_attr, u.ec.e_k, 16);
FSIZE(struct daos_oclass_attr, u.ec.e_k, 2);
OFF(struct daos_oclass_attr, u.ec.e_p, 18);
FSIZE(struct daos_oclass_attr, u.ec.e_p, 2);
OFF(struct daos_oclass_attr, u.ec.e_len, 20);
FSIZE(struct daos_oclass_attr, u.ec.e_len, 4);
EQ(DAOS_OS_SINGLE, 0);
EQ(DAOS_OS_STRIPED, 1);
EQ(DAOS_OS_DYN_STRIPED, 2);
EQ(DAOS_OS_DYN_CHUNKED, 3);
EQ(DAOS_RES_EC, 0);
EQ(DAOS_RES_REPL, 1);
EQ(DAOS_OCH_RDD_DEF, 1);
EQ(DAOS_OCH_RDD_NO, 2);
EQ(DAOS_OCH_RDD_RP, 4);
EQ(DAOS_OCH_RDD_EC, 8);
EQ(DAOS_OCH_SHD_DEF, 16);
EQ(DAOS_OCH_SHD_TINY, 32);
EQ(DAOS_OCH_SHD_REG, 64);
EQ(DAOS_OCH_SHD_HI, 128);
EQ(DAOS_OCH_SHD_EXT, 256);
EQ(DAOS_OCH_SHD_MAX, 512);

/* 2.7 OID layout (daos_obj.h) */
EQ(OID_FMT_TYPE_SHIFT, 56);
EQ(OID_FMT_CLASS_SHIFT, 48);
EQ(OID_FMT_META_SHIFT, 32);
EQ(OID_FMT_TYPE_MASK, 0xFF00000000000000ULL);
EQ(OID_FMT_CLASS_MASK, 0x00FF000000000000ULL);
EQ(OID_FMT_META_MASK, 0x0000FFFF00000000ULL);
EQ(DAOS_OT_MULTI_HASHED, 0);
EQ(DAOS_OT_OIT, 1);
EQ(DAOS_OT_DKEY_UINT64, 2);
EQ(DAOS_OT_AKEY_UINT64, 3);
EQ(DAOS_OT_MULTI_UINT64, 4);
EQ(DAOS_OT_DKEY_LEXICAL, 5);
EQ(DAOS_OT_AKEY_LEXICAL, 6);
EQ(DAOS_OT_MULTI_LEXICAL, 7);
EQ(DAOS_OT_KV_HASHED, 8);
EQ(DAOS_OT_KV_UINT64, 9);
EQ(DAOS_OT_KV_LEXICAL, 10);
EQ(DAOS_OT_ARRAY, 11);
EQ(DAOS_OT_ARRAY_ATTR, 12);
EQ(DAOS_OT_ARRAY_BYTE, 13);
EQ(DAOS_OT_OIT_V2, 14);
EQ(DAOS_OT_MAX, 14);

/* 2.8 daos_obj.h */
SIZE(daos_recx_t, 16, 8);
OFF(daos_recx_t, rx_idx, 0);
FSIZE(daos_recx_t, rx_idx, 8);
OFF(daos_recx_t, rx_nr, 8);
FSIZE(daos_recx_t, rx_nr, 8);
SIZE(daos_iod_type_t, 4, 4);
EQ(DAOS_IOD_NONE, 0);
EQ(DAOS_IOD_SINGLE, 1);
EQ(DAOS_IOD_ARRAY, 2);
SIZE(daos_iod_t, 64, 8);
OFF(daos_iod_t, iod_name, 0);
FSIZE(daos_iod_t, iod_name, 24);
OFF(daos_iod_t, iod_type, 24);
FSIZE(daos_iod_t, iod_type, 4);
OFF(daos_iod_t, iod_size, 32);
FSIZE(daos_iod_t, iod_size, 8);
OFF(daos_iod_t, iod_flags, 40);
FSIZE(daos_iod_t, iod_flags, 8);
OFF(daos_iod_t, iod_nr, 48);
FSIZE(daos_iod_t, iod_nr, 4);
OFF(daos_iod_t, iod_recxs, 56);
FSIZE(daos_iod_t, iod_recxs, 8);
SIZE(daos_iom_t, 64, 8);
OFF(daos_iom_t, iom_type, 0);
FSIZE(daos_iom_t, iom_type, 4);
OFF(daos_iom_t, iom_nr, 4);
FSIZE(daos_iom_t, iom_nr, 4);
OFF(daos_iom_t, iom_nr_out, 8);
FSIZE(daos_iom_t, iom_nr_out, 4);
OFF(daos_iom_t, iom_flags, 12);
FSIZE(daos_iom_t, iom_flags, 4);
OFF(daos_iom_t, iom_size, 16);
FSIZE(daos_iom_t, iom_size, 8);
OFF(daos_iom_t, iom_recx_lo, 24);
FSIZE(daos_iom_t, iom_recx_lo, 16);
OFF(daos_iom_t, iom_recx_hi, 40);
FSIZE(daos_iom_t, iom_recx_hi, 16);
OFF(daos_iom_t, iom_recxs, 56);
FSIZE(daos_iom_t, iom_recxs, 8);
SIZE(daos_key_desc_t, 16, 8);
OFF(daos_key_desc_t, kd_key_len, 0);
FSIZE(daos_key_desc_t, kd_key_len, 8);
OFF(daos_key_desc_t, kd_val_type, 8);
FSIZE(daos_key_desc_t, kd_val_type, 4);
EQ(DAOS_OO_RO, 2);
EQ(DAOS_OO_RW, 4);
EQ(DAOS_OO_EXCL, 8);
EQ(DAOS_OO_IO_RAND, 16);
EQ(DAOS_OO_IO_SEQ, 32);
EQ(DAOS_COND_PUNCH, 1);
EQ(DAOS_COND_DKEY_INSERT, 2);
EQ(DAOS_COND_DKEY_UPDATE, 4);
EQ(DAOS_COND_DKEY_FETCH, 8);
EQ(DAOS_COND_AKEY_INSERT, 16);
EQ(DAOS_COND_AKEY_UPDATE, 32);
EQ(DAOS_COND_AKEY_FETCH, 64);
EQ(DAOS_COND_PER_AKEY, 128);
EQ(DAOS_REC_ANY, 0);
EQ(DAOS_GET_MAX, 1);
EQ(DAOS_GET_MIN, 2);
EQ(DAOS_GET_DKEY, 4);
EQ(DAOS_GET_AKEY, 8);
EQ(DAOS_GET_RECX, 16);

/* 2.9 daos_array.h, daos_kv.h */
SIZE(daos_range_t, 16, 8);
OFF(daos_range_t, rg_idx, 0);
FSIZE(daos_range_t, rg_idx, 8);
OFF(daos_range_t, rg_len, 8);
FSIZE(daos_range_t, rg_len, 8);
SIZE(daos_array_iod_t, 32, 8);
OFF(daos_array_iod_t, arr_nr, 0);
FSIZE(daos_array_iod_t, arr_nr, 8);
OFF(daos_array_iod_t, arr_rgs, 8);
FSIZE(daos_array_iod_t, arr_rgs, 8);
OFF(daos_array_iod_t, arr_nr_short_read, 16);
FSIZE(daos_array_iod_t, arr_nr_short_read, 8);
OFF(daos_array_iod_t, arr_nr_read, 24);
FSIZE(daos_array_iod_t, arr_nr_read, 8);
SIZE(daos_array_stbuf_t, 16, 8);
OFF(daos_array_stbuf_t, st_size, 0);
FSIZE(daos_array_stbuf_t, st_size, 8);
OFF(daos_array_stbuf_t, st_max_epoch, 8);
FSIZE(daos_array_stbuf_t, st_max_epoch, 8);
EQ(DAOS_ARRAY_LIST_IO_LIMIT, 16384);
EQ(DAOS_ARRAY_RG_LEN_THD, 16);
EQ(DAOS_COND_KEY_INSERT, 2);
EQ(DAOS_COND_KEY_UPDATE, 4);
EQ(DAOS_COND_KEY_GET, 8);
EQ(DAOS_COND_KEY_REMOVE, 1);

/* 2.10 daos_pool.h, daos_cont.h, daos_prop.h */
SIZE(struct daos_space, 32, 8);
OFF(struct daos_space, s_total, 0);
FSIZE(struct daos_space, s_total, 16);
OFF(struct daos_space, s_free, 16);
FSIZE(struct daos_space, s_free, 16);
EQ(DAOS_MEDIA_SCM, 0);
EQ(DAOS_MEDIA_NVME, 1);
EQ(DAOS_MEDIA_MAX, 2);
SIZE(struct daos_pool_space, 88, 8);
OFF(struct daos_pool_space, ps_space, 0);
FSIZE(struct daos_pool_space, ps_space, 32);
OFF(struct daos_pool_space, ps_free_min, 32);
FSIZE(struct daos_pool_space, ps_free_min, 16);
OFF(struct daos_pool_space, ps_free_max, 48);
FSIZE(struct daos_pool_space, ps_free_max, 16);
OFF(struct daos_pool_space, ps_free_mean, 64);
FSIZE(struct daos_pool_space, ps_free_mean, 16);
OFF(struct daos_pool_space, ps_ntargets, 80);
FSIZE(struct daos_pool_space, ps_ntargets, 4);
OFF(struct daos_pool_space, ps_padding, 84);
FSIZE(struct daos_pool_space, ps_padding, 4);
SIZE(struct daos_rebuild_status, 56, 8);
OFF(struct daos_rebuild_status, rs_version, 0);
FSIZE(struct daos_rebuild_status, rs_version, 4);
OFF(struct daos_rebuild_status, rs_seconds, 4);
FSIZE(struct daos_rebuild_status, rs_seconds, 4);
OFF(struct daos_rebuild_status, rs_errno, 8);
FSIZE(struct daos_rebuild_status, rs_errno, 4);
OFF(struct daos_rebuild_status, rs_state, 12);
FSIZE(struct daos_rebuild_status, rs_state, 4);
OFF(struct daos_rebuild_status, rs_done, 12);
FSIZE(struct daos_rebuild_status, rs_done, 4);
OFF(struct daos_rebuild_status, rs_max_supported_layout_ver, 16);
FSIZE(struct daos_rebuild_status, rs_max_supported_layout_ver, 2);
OFF(struct daos_rebuild_status, rs_flags, 18);
FSIZE(struct daos_rebuild_status, rs_flags, 1);
OFF(struct daos_rebuild_status, rs_reserved_, 19);
FSIZE(struct daos_rebuild_status, rs_reserved_, 1);
OFF(struct daos_rebuild_status, rs_fail_rank, 20);
FSIZE(struct daos_rebuild_status, rs_fail_rank, 4);
OFF(struct daos_rebuild_status, rs_toberb_obj_nr, 24);
FSIZE(struct daos_rebuild_status, rs_toberb_obj_nr, 8);
OFF(struct daos_rebuild_status, rs_obj_nr, 32);
FSIZE(struct daos_rebuild_status, rs_obj_nr, 8);
OFF(struct daos_rebuild_status, rs_rec_nr, 40);
FSIZE(struct daos_rebuild_status, rs_rec_nr, 8);
OFF(struct daos_rebuild_status, rs_size, 48);
FSIZE(struct daos_rebuild_status, rs_size, 8);
SIZE(daos_pool_info_t, 192, 8);
OFF(daos_pool_info_t, pi_uuid, 0);
FSIZE(daos_pool_info_t, pi_uuid, 16);
OFF(daos_pool_info_t, pi_ntargets, 16);
FSIZE(daos_pool_info_t, pi_ntargets, 4);
OFF(daos_pool_info_t, pi_nnodes, 20);
FSIZE(daos_pool_info_t, pi_nnodes, 4);
OFF(daos_pool_info_t, pi_ndisabled, 24);
FSIZE(daos_pool_info_t, pi_ndisabled, 4);
OFF(daos_pool_info_t, pi_map_ver, 28);
FSIZE(daos_pool_info_t, pi_map_ver, 4);
OFF(daos_pool_info_t, pi_leader, 32);
FSIZE(daos_pool_info_t, pi_leader, 4);
OFF(daos_pool_info_t, pi_bits, 40);
FSIZE(daos_pool_info_t, pi_bits, 8);
OFF(daos_pool_info_t, pi_space, 48);
FSIZE(daos_pool_info_t, pi_space, 88);
OFF(daos_pool_info_t, pi_rebuild_st, 136);
FSIZE(daos_pool_info_t, pi_rebuild_st, 56);
OFF(daos_pool_info_t, pi_space.ps_space.s_total, 48);
FSIZE(daos_pool_info_t, pi_space.ps_space.s_total, 16);
OFF(daos_pool_info_t, pi_space.ps_space.s_free, 64);
FSIZE(daos_pool_info_t, pi_space.ps_space.s_free, 16);
SIZE(daos_prop_t, 16, 8);
OFF(daos_prop_t, dpp_nr, 0);
FSIZE(daos_prop_t, dpp_nr, 4);
OFF(daos_prop_t, dpp_reserv, 4);
FSIZE(daos_prop_t, dpp_reserv, 4);
OFF(daos_prop_t, dpp_entries, 8);
FSIZE(daos_prop_t, dpp_entries, 8);
SIZE(struct daos_prop_entry, 16, 8);
OFF(struct daos_prop_entry, dpe_type, 0);
FSIZE(struct daos_prop_entry, dpe_type, 4);
OFF(struct daos_prop_entry, dpe_flags, 4);
FSIZE(struct daos_prop_entry, dpe_flags, 2);
OFF(struct daos_prop_entry, dpe_reserv, 6);
FSIZE(struct daos_prop_entry, dpe_reserv, 2);
OFF(struct daos_prop_entry, dpe_val, 8);
FSIZE(struct daos_prop_entry, dpe_val, 8);
OFF(struct daos_prop_entry, dpe_str, 8);
FSIZE(struct daos_prop_entry, dpe_str, 8);
OFF(struct daos_prop_entry, dpe_val_ptr, 8);
FSIZE(struct daos_prop_entry, dpe_val_ptr, 8);
/* daos_security.h: ACLs in DAOS's flat layout. */
SIZE(struct daos_acl, 8, 4);
OFF(struct daos_acl, dal_ver, 0);
OFF(struct daos_acl, dal_reserv, 2);
OFF(struct daos_acl, dal_len, 4);
OFF(struct daos_acl, dal_ace, 8);
SIZE(struct daos_ace, 32, 8);
OFF(struct daos_ace, dae_access_types, 0);
OFF(struct daos_ace, dae_principal_type, 1);
OFF(struct daos_ace, dae_principal_len, 2);
OFF(struct daos_ace, dae_access_flags, 4);
OFF(struct daos_ace, dae_reserv, 6);
OFF(struct daos_ace, dae_allow_perms, 8);
OFF(struct daos_ace, dae_audit_perms, 16);
OFF(struct daos_ace, dae_alarm_perms, 24);
OFF(struct daos_ace, dae_principal, 32);
EQ(DAOS_ACL_VERSION, 1);
EQ(DAOS_ACL_MAX_ACE_LEN, 65536);
EQ(DAOS_ACL_MAX_ACE_STR_LEN, 319);
EQ(DAOS_ACL_OWNER, 0);
EQ(DAOS_ACL_USER, 1);
EQ(DAOS_ACL_OWNER_GROUP, 2);
EQ(DAOS_ACL_GROUP, 3);
EQ(DAOS_ACL_EVERYONE, 4);
EQ(NUM_DAOS_ACL_TYPES, 5);
EQ(DAOS_ACL_ACCESS_ALLOW, 1);
EQ(DAOS_ACL_ACCESS_AUDIT, 2);
EQ(DAOS_ACL_ACCESS_ALARM, 4);
EQ(DAOS_ACL_FLAG_GROUP, 1);
EQ(DAOS_ACL_FLAG_POOL_INHERIT, 2);
EQ(DAOS_ACL_FLAG_ACCESS_FAIL, 4);
EQ(DAOS_ACL_FLAG_ACCESS_SUCCESS, 8);
EQ(DAOS_ACL_PERM_READ, 0x1);
EQ(DAOS_ACL_PERM_SET_OWNER, 0x100);
EQ(DAOS_ACL_PERM_POOL_ALL, 0x1f);
EQ(DAOS_ACL_PERM_CONT_ALL, 0x1fb);
EQ(DAOS_ACL_PERM_ALL, 0x1ff);
SIZE(struct daos_co_status, 8, 4);
OFF(struct daos_co_status, dcs_status, 0);
OFF(struct daos_co_status, dcs_flags, 2);
OFF(struct daos_co_status, dcs_pm_ver, 4);
SIZE(struct daos_prop_co_roots, 64, 8);
EQ(DAOS_PROP_CO_STATUS_VAL(1, 1, 7), 0x0001000100000007ULL);
EQ(DPI_SPACE, 1);
EQ(DRS_IN_PROGRESS, 0);
EQ(DRS_NOT_STARTED, 1);
EQ(DRS_COMPLETED, 2);
EQ(DPI_REBUILD_STATUS, 2);
EQ(DPI_ENGINES_ENABLED, 4);
EQ(DPI_ENGINES_DISABLED, 8);
EQ(DPI_ENGINES_DEAD, 16);
EQ(DPI_REBUILD_MAX_LAYOUT_VER, 32);
EQ(DPI_SELF_HEAL_POLICY, 64);
EQ(DPI_ALL, -1);
EQ(DAOS_COO_RO, 1);
EQ(DAOS_COO_RW, 2);
EQ(DAOS_COO_EX, 4);
EQ(DAOS_COO_FORCE, 8);
EQ(DAOS_COO_RO_MDSTATS, 16);
EQ(DAOS_COO_EVICT, 32);
EQ(DAOS_COO_EVICT_ALL, 64);
EQ(DAOS_COO_NEW_LAYOUT, 128);
EQ(DAOS_COO_NBITS, 8);
EQ(DAOS_PROP_LABEL_MAX_LEN, 127);
EQ(DAOS_CONT_HINT_MAX_LEN, 128);

/* Property numbers: as the Go pool and container services store them */
EQ(DAOS_PROP_PO_LABEL, 1);
EQ(DAOS_PROP_PO_ACL, 2);
EQ(DAOS_PROP_PO_EC_CELL_SZ, 9);
EQ(DAOS_PROP_PO_REDUN_FAC, 11);
EQ(DAOS_PROP_PO_DATA_THRESH, 28);
EQ(DAOS_PROP_CO_LABEL, 0x1001);
EQ(DAOS_PROP_CO_LAYOUT_TYPE, 0x1002);
EQ(DAOS_PROP_CO_REDUN_FAC, 0x1007);
EQ(DAOS_PROP_CO_ACL, 0x100a);
EQ(DAOS_PROP_CO_ROOTS, 0x1011);
EQ(DAOS_PROP_CO_PERF_DOMAIN, 0x101a);
EQ(DAOS_PROP_CO_LAYOUT_POSIX, 1);

/* 2.11 daos_fs.h */
EQ(DFS_MAX_NAME, 255);
EQ(DFS_MAX_PATH, 4096);
EQ(DFS_MAX_FSIZE, ~0ULL);
EQ(DFS_DEFAULT_CHUNK_SIZE, 1048576);
EQ(DFS_MAX_XATTR_NAME, 255);
EQ(DFS_MAX_XATTR_LEN, 65536);
EQ(DAOS_SUPER_MAGIC, 0xDA05AD10);
EQ(DFS_BALANCED, 4);
EQ(DFS_RELAXED, 0);
EQ(DFS_RDONLY, O_RDONLY);
EQ(DFS_RDWR, O_RDWR);
EQ(DFS_SET_ATTR_MODE, 1);
EQ(DFS_SET_ATTR_ATIME, 2);
EQ(DFS_SET_ATTR_MTIME, 4);
EQ(DFS_SET_ATTR_SIZE, 8);
EQ(DFS_SET_ATTR_UID, 16);
EQ(DFS_SET_ATTR_GID, 32);
EQ(NAME_MAX, 255);
EQ(PATH_MAX, 4096);
SIZE(dfs_attr_t, 176, 8);
OFF(dfs_attr_t, da_id, 0);
FSIZE(dfs_attr_t, da_id, 8);
OFF(dfs_attr_t, da_chunk_size, 8);
FSIZE(dfs_attr_t, da_chunk_size, 8);
OFF(dfs_attr_t, da_oclass_id, 16);
FSIZE(dfs_attr_t, da_oclass_id, 4);
OFF(dfs_attr_t, da_props, 24);
FSIZE(dfs_attr_t, da_props, 8);
OFF(dfs_attr_t, da_mode, 32);
FSIZE(dfs_attr_t, da_mode, 4);
OFF(dfs_attr_t, da_dir_oclass_id, 36);
FSIZE(dfs_attr_t, da_dir_oclass_id, 4);
OFF(dfs_attr_t, da_file_oclass_id, 40);
FSIZE(dfs_attr_t, da_file_oclass_id, 4);
OFF(dfs_attr_t, da_hints, 44);
FSIZE(dfs_attr_t, da_hints, 128);
SIZE(dfs_iod_t, 16, 8);
OFF(dfs_iod_t, iod_nr, 0);
FSIZE(dfs_iod_t, iod_nr, 8);
OFF(dfs_iod_t, iod_rgs, 8);
FSIZE(dfs_iod_t, iod_rgs, 8);
SIZE(dfs_obj_info_t, 40, 8);
OFF(dfs_obj_info_t, doi_oclass_id, 0);
FSIZE(dfs_obj_info_t, doi_oclass_id, 4);
OFF(dfs_obj_info_t, doi_chunk_size, 8);
FSIZE(dfs_obj_info_t, doi_chunk_size, 8);
OFF(dfs_obj_info_t, doi_dir_oclass_id, 16);
FSIZE(dfs_obj_info_t, doi_dir_oclass_id, 4);
OFF(dfs_obj_info_t, doi_file_oclass_id, 20);
FSIZE(dfs_obj_info_t, doi_file_oclass_id, 4);
OFF(dfs_obj_info_t, doi_oid, 24);
FSIZE(dfs_obj_info_t, doi_oid, 16);
EQ(O_RDONLY, 0);
EQ(O_WRONLY, 1);
EQ(O_RDWR, 2);
EQ(O_ACCMODE, 3);
EQ(O_CREAT, 0100);
EQ(O_EXCL, 0200);
EQ(O_TRUNC, 01000);
EQ(O_APPEND, 02000);
EQ(O_NOFOLLOW, 0400000);
EQ(S_IFMT, 0170000);
EQ(S_IFREG, 0100000);
EQ(S_IFDIR, 040000);
EQ(S_IFLNK, 0120000);
SIZE(struct stat, 144, 8);
SIZE(struct dirent, 280, 8);

#ifndef __cplusplus

static int failures;

#define CHECK(e)                                                          \
	do {                                                              \
		if (!(e)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",      \
				__FILE__, __LINE__, #e);                  \
			failures++;                                       \
		}                                                         \
	} while (0)

/* Container of an embedded list node, as IOR's hash records use it. */
struct item {
	int		value;
	d_list_t	link;
};

static void
check_iov_sgl(void)
{
	char buf[32];
	d_iov_t iov;
	d_sg_list_t sgl;

	memset(&iov, 0xa5, sizeof(iov));
	d_iov_set(&iov, buf, sizeof(buf));
	CHECK(iov.iov_buf == buf);
	CHECK(iov.iov_buf_len == sizeof(buf));
	CHECK(iov.iov_len == sizeof(buf));

	/* Positional initialisation order: buf, capacity, length. */
	d_iov_t pos = { buf, 8, 4 };

	CHECK(pos.iov_buf_len == 8 && pos.iov_len == 4);

	CHECK(d_sgl_init(&sgl, 3) == 0);
	CHECK(sgl.sg_nr == 3 && sgl.sg_nr_out == 0 && sgl.sg_iovs != NULL);
	CHECK(sgl.sg_iovs[2].iov_buf == NULL && sgl.sg_iovs[2].iov_len == 0);
	d_sgl_fini(&sgl, false);
	CHECK(sgl.sg_iovs == NULL && sgl.sg_nr == 0);
}

static void
check_list(void)
{
	D_LIST_HEAD(head);
	struct item a = { 1, { NULL, NULL } };
	struct item b = { 2, { NULL, NULL } };
	struct item *pos;
	struct item *tmp;
	int sum = 0;

	CHECK(d_list_empty(&head));
	CHECK(head.next == &head && head.prev == &head);
	d_list_add_tail(&a.link, &head);
	d_list_add_tail(&b.link, &head);
	CHECK(d_list_first_entry(&head, struct item, link) == &a);
	CHECK(container_of(&b.link, struct item, link) == &b);
	d_list_for_each_entry(pos, &head, link)
		sum = sum * 10 + pos->value;
	CHECK(sum == 12);
	d_list_for_each_entry_safe(pos, tmp, &head, link)
		d_list_del_init(&pos->link);
	CHECK(d_list_empty(&head) && d_list_empty(&a.link));
	CHECK(d_list_pop_entry(&head, struct item, link) == NULL);
}

static void
check_handles_anchor(void)
{
	daos_handle_t h = DAOS_HDL_INVAL;
	daos_handle_t tx = DAOS_TX_NONE;
	daos_anchor_t anchor = DAOS_ANCHOR_INIT;

	CHECK(daos_handle_is_inval(h) && !daos_handle_is_valid(h));
	CHECK(tx.cookie == 0);
	h.cookie = 42;
	CHECK(!daos_handle_is_inval(h) && daos_handle_is_valid(h));

	CHECK(!daos_anchor_is_eof(&anchor));
	CHECK(daos_anchor_is_zero(&anchor));
	anchor.da_type = 3;	/* the library's encoding of EOF */
	CHECK(daos_anchor_is_eof(&anchor));
	anchor.da_type = DAOS_ANCHOR_TYPE_KEY;
	CHECK(!daos_anchor_is_eof(&anchor));
	daos_anchor_set_eof(&anchor);
	CHECK(anchor.da_type == 3);
	memset(&anchor, 0x5a, sizeof(anchor));
	CHECK(daos_anchor_init(&anchor, 7) == 0);
	CHECK(anchor.da_type == 0 && anchor.da_flags == 7 &&
	      anchor.da_sub_anchors == 0 && anchor.da_buf[103] == 0);
	daos_anchor_fini(&anchor);
}

static void
check_oid(void)
{
	daos_obj_id_t oid;

	/* What generate_oid would produce for an array of class SX that
	 * resolved to 8 groups: type ARRAY, ord RP_1, 8 groups, user bits
	 * kept in hi's low half. */
	oid.lo = 0x1234;
	oid.hi = (11ULL << 56) | (1ULL << 48) | (8ULL << 32) | 0xbeefULL;
	CHECK(daos_obj_id2type(oid) == DAOS_OT_ARRAY);
	CHECK(daos_obj_id2ord(oid) == OR_RP_1);
	CHECK(daos_obj_id2grp_nr(oid) == 8);
	CHECK(daos_obj_id2class(oid) == 0x01000008);
	CHECK(daos_obj_id2class(oid) == OC_S8);
	CHECK(daos_is_array(oid) && !daos_is_kv(oid));
	CHECK(daos_is_dkey_uint64(oid) && !daos_is_akey_uint64(oid));

	oid.hi = (8ULL << 56) | (0x23ULL << 48) | (0xFFFFULL << 32);
	CHECK(daos_obj_id2type(oid) == DAOS_OT_KV_HASHED);
	CHECK(daos_is_kv(oid) && !daos_is_array(oid));
	CHECK(daos_obj_id2class(oid) == OC_EC_4P2GX);

	oid.hi = (7ULL << 56) | (9ULL << 48) | (1ULL << 32);
	CHECK(daos_is_dkey_lexical(oid) && daos_is_akey_lexical(oid));
	CHECK(daos_obj_id2class(oid) == OC_RP_3G1);

	oid.hi = (4ULL << 56);
	CHECK(daos_is_dkey_uint64(oid) && daos_is_akey_uint64(oid));
	CHECK(daos_obj_id2class(oid) == OC_UNKNOWN);

	oid = DAOS_OBJ_NIL;
	CHECK(daos_obj_id_is_nil(oid));
	oid.lo = 1;
	CHECK(!daos_obj_id_is_nil(oid));
}

static void
check_labels(void)
{
	char longest[DAOS_PROP_LABEL_MAX_LEN + 2];

	CHECK(daos_label_is_valid("my_cont-1.a:b"));
	CHECK(!daos_label_is_valid(""));
	CHECK(!daos_label_is_valid(NULL));
	CHECK(!daos_label_is_valid("has space"));
	CHECK(!daos_label_is_valid("slash/"));
	CHECK(!daos_label_is_valid("5f9a8b2c-0c4e-4a8a-9d1c-5b9f0d8e7a61"));
	/* One character short of a UUID is an ordinary label. */
	CHECK(daos_label_is_valid("5f9a8b2c-0c4e-4a8a-9d1c-5b9f0d8e7a6"));
	memset(longest, 'a', sizeof(longest));
	longest[DAOS_PROP_LABEL_MAX_LEN] = '\0';
	CHECK(daos_label_is_valid(longest));
	longest[DAOS_PROP_LABEL_MAX_LEN] = 'a';
	longest[DAOS_PROP_LABEL_MAX_LEN + 1] = '\0';
	CHECK(!daos_label_is_valid(longest));
}

static void
check_der2errno(void)
{
	static const struct {
		int der;
		int err;
	} cases[] = {
		{ 0, 0 },
		{ -DER_NO_PERM, EPERM },	{ -DER_EP_RO, EPERM },
		{ -DER_EP_OLD, EPERM },		{ -DER_CONT_DESTROYING, EPERM },
		{ -DER_ENOENT, ENOENT },	{ -DER_NONEXIST, ENOENT },
		{ -DER_INVAL, EINVAL },		{ -DER_NOTYPE, EINVAL },
		{ -DER_NOSCHEMA, EINVAL },	{ -DER_NOLOCAL, EINVAL },
		{ -DER_NO_HDL, EINVAL },	{ -DER_IO_INVAL, EINVAL },
		{ -DER_KEY2BIG, E2BIG },	{ -DER_REC2BIG, E2BIG },
		{ -DER_EXIST, EEXIST },		{ -DER_UNREACH, EHOSTUNREACH },
		{ -DER_NOSPACE, ENOSPC },	{ -DER_ALREADY, EALREADY },
		{ -DER_DOS, ENOMEM },		{ -DER_NOMEM, ENOMEM },
		{ -DER_TIMEDOUT, ETIMEDOUT },	{ -DER_BUSY, EBUSY },
		{ -DER_EQ_BUSY, EBUSY },	{ -DER_AGAIN, EAGAIN },
		{ -DER_PROTO, EPROTO },		{ -DER_IO, EIO },
		{ -DER_CANCELED, ECANCELED },	{ -DER_OVERFLOW, EOVERFLOW },
		{ -DER_BADPATH, ENOTDIR },	{ -DER_NOTDIR, ENOTDIR },
		{ -DER_STALE, ESTALE },		{ -DER_TX_RESTART, ERESTART },
		{ -DER_NOTSUPPORTED, ENOTSUP },	{ -DER_MISC, EIO },
		{ -DER_UNKNOWN, EIO },		{ -123456, EIO },
		{ 5, EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (daos_der2errno(cases[i].der) != cases[i].err) {
			fprintf(stderr, "daos_der2errno(%d) = %d, want %d\n",
				cases[i].der, daos_der2errno(cases[i].der),
				cases[i].err);
			failures++;
		}
	}
}

static void
check_alloc(void)
{
	int *p = NULL;
	d_rank_list_t *rl;

	D_ALLOC_ARRAY(p, 4);
	CHECK(p != NULL && p[3] == 0);
	D_FREE(p);
	CHECK(p == NULL);
	D_ALLOC_PTR(p);
	CHECK(p != NULL && *p == 0);
	D_FREE(p);

	rl = d_rank_list_alloc(3);
	CHECK(rl != NULL && rl->rl_nr == 3 && rl->rl_ranks[2] == 0);
	d_rank_list_free(rl);
	d_rank_list_free(NULL);
}

int
main(void)
{
	check_iov_sgl();
	check_list();
	check_handles_anchor();
	check_oid();
	check_labels();
	check_der2errno();
	check_alloc();
	if (failures != 0) {
		fprintf(stderr, "%d layout check(s) failed\n", failures);
		return 1;
	}
	printf("layout: all checks passed\n");
	return 0;
}

#endif /* !__cplusplus */
