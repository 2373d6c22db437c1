#!/usr/bin/env bash
# Checks that an installed prefix passes the probes IOR's configure makes
# for its DFS backend (ABI.md 3.1), each of which silently drops DFS when it
# fails, and that a program using what IOR's aiori-DFS.c uses links with
# IOR's library list.
#
#   ci/iorprobe.sh PREFIX
set -euo pipefail
prefix=${1:?usage: ci/iorprobe.sh PREFIX}
if [[ -d "$prefix/lib/x86_64-linux-gnu" ]]; then libdir=$prefix/lib/x86_64-linux-gnu; else libdir=$prefix/lib64; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc() { gcc -I"$prefix/include" -L"$libdir" -Wl,--enable-new-dtags -Wl,-rpath="$libdir" "$@"; }
fail() { echo "iorprobe: $*" >&2; exit 1; }

# AC_CHECK_HEADERS: each header after autoconf's default includes.
for h in gurt/common.h daos.h; do
	printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <stdint.h>\n#include <unistd.h>\n#include <%s>\nint main(void) { return 0; }\n' "$h" >"$work/h.c"
	cc -c -o "$work/h.o" "$work/h.c" || fail "header $h does not compile on its own"
done
# AC_CHECK_LIB: a call through an undeclared prototype, as autoconf writes it.
for pair in gurt:d_hash_murmur64 uuid:uuid_generate daos:daos_init dfs:dfs_mkdir; do
	lib=${pair%%:*} sym=${pair#*:}
	printf 'char %s (void);\nint main (void) { return %s (); }\n' "$sym" "$sym" >"$work/l.c"
	cc -o "$work/l" "$work/l.c" -l"$lib" 2>"$work/err" || { cat "$work/err"; fail "-l$lib lacks $sym"; }
done
# What aiori-DFS.c calls, linked as IOR's Makefile links it.
cat >"$work/dfs.c" <<'C'
#include <gurt/common.h>
#include <gurt/hash.h>
#include <daos.h>
#include <daos_fs.h>
#include <fcntl.h>
void *refs[] = {
	(void *)daos_init, (void *)daos_fini, (void *)daos_oclass_name2id, (void *)daos_pool_connect,
	(void *)daos_pool_disconnect, (void *)daos_pool_local2global, (void *)daos_pool_global2local,
	(void *)daos_pool_query, (void *)daos_cont_open, (void *)daos_cont_close, (void *)daos_cont_destroy,
	(void *)daos_cont_local2global, (void *)daos_cont_global2local,
	(void *)dfs_cont_create_with_label, (void *)dfs_mount, (void *)dfs_umount, (void *)dfs_local2global,
	(void *)dfs_global2local, (void *)dfs_set_prefix, (void *)dfs_obj_local2global,
	(void *)dfs_obj_global2local, (void *)dfs_lookup, (void *)dfs_open, (void *)dfs_release,
	(void *)dfs_read, (void *)dfs_write, (void *)dfs_sync, (void *)dfs_remove, (void *)dfs_get_size,
	(void *)dfs_mkdir, (void *)dfs_move, (void *)dfs_access, (void *)dfs_stat,
	(void *)d_hash_table_create, (void *)d_hash_table_destroy, (void *)d_hash_rec_find,
	(void *)d_hash_rec_insert, (void *)d_hash_rec_first, (void *)d_hash_rec_decref,
	(void *)d_hash_string_u32,
};
int main(void) { return refs[0] == 0; }
C
cc -o "$work/dfs" "$work/dfs.c" -lgurt -ldaos_common -ldaos -ldfs -luuid -lm || fail "IOR's DFS backend does not link"
for sym in daos_pool_connect2 daos_cont_open2 daos_cont_destroy2; do
	nm -u "$work/dfs" | grep -qw "$sym" || fail "the renamed entry point $sym is not what a program built against our headers calls"
done
# One library behind all the names (one Go runtime, loaded later).
needed=$(readelf -d "$work/dfs" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u | tr '\n' ' ')
grep -qw libdaos.so.2 <<<"$needed" || fail "the program does not need libdaos.so.2 (needs: $needed)"
for l in $needed; do
	case $l in libdaos.so.2|libuuid.so.1|libc.so.6|libm.so.6) ;; *) fail "unexpected NEEDED $l (needs: $needed)";; esac
done
# ROMIO's DAOS driver (ad_daos): its configure's AC_CHECK_LIB for -lduns,
# daos_uns.h after only the headers ad_fstype.c includes, and what it calls.
printf 'char %s (void);\nint main (void) { return %s (); }\n' duns_resolve_path duns_resolve_path >"$work/l.c"
cc -o "$work/l" "$work/l.c" -lduns 2>"$work/err" || { cat "$work/err"; fail "-lduns lacks duns_resolve_path"; }
cat >"$work/romio.c" <<'C'
#include <daos_prop.h>
#include <daos_obj_class.h>
#include <daos_cont.h>
#include <daos_uns.h>
#include <daos.h>
#include <daos_fs.h>
#include <gurt/common.h>
void *refs[] = {
	(void *)duns_resolve_path, (void *)duns_destroy_attr, (void *)dfs_readx, (void *)dfs_writex,
	(void *)dfs_punch, (void *)d_getenv_bool, (void *)daos_event_test,
};
int main(void) { struct duns_attr_t a = {.da_flags = DUNS_NO_PREFIX}; return refs[0] == 0 || a.da_flags == 0; }
C
cc -o "$work/romio" "$work/romio.c" -ldaos -ldfs -lduns -lgurt -luuid || fail "ROMIO's DAOS driver does not build"
# The HDF5 DAOS VOL's private header includes these, in this order, and
# schedules every call as a task.
cat >"$work/vol.c" <<'C'
#include <gurt/common.h>
#include <gurt/types.h>
#include <daos.h>
#include <daos/tse.h>
#include <daos_task.h>
#include <daos_uns.h>
static tse_sched_t sched; /* a global, as the VOL keeps it */
void *refs[] = {
	(void *)tse_sched_init, (void *)tse_sched_fini, (void *)tse_task_create,
	(void *)tse_task_reset, (void *)tse_task_schedule, (void *)tse_task_register_deps,
	(void *)tse_task_register_cbs, (void *)tse_task_reinit, (void *)tse_task_get_priv,
	(void *)tse_task_set_priv, (void *)tse_task_complete, (void *)tse_task_addref,
	(void *)tse_task_decref, (void *)daos_task_create, (void *)daos_task_reset,
	(void *)daos_task_get_args, (void *)daos_progress, (void *)daos_prop_from_str,
	(void *)duns_create_path,
};
int main(void) { daos_obj_rw_t *a = 0; (void)a; return refs[0] == 0 || sched.ds_result != 0; }
C
cc -o "$work/vol" "$work/vol.c" -ldaos -lduns -lgurt -luuid || fail "the HDF5 DAOS VOL's task calls do not build"
# A parallel copy tool's calls (mpifileutils): dfs_sys (daos_fs_sys.h after
# daos_fs.h's own includes) and, for object-level copies, snapshots with
# object index tables; linked with -ldfs.
cat >"$work/sys.c" <<'C'
#include <fcntl.h>
#include <daos.h>
#include <daos_fs.h>
#include <daos_fs_sys.h>
void *refs[] = {
	(void *)dfs_sys_connect, (void *)dfs_sys_disconnect, (void *)dfs_sys_local2global_all,
	(void *)dfs_sys_global2local_all, (void *)dfs_sys_stat, (void *)dfs_sys_open,
	(void *)dfs_sys_read, (void *)dfs_sys_write, (void *)dfs_sys_close, (void *)dfs_sys_mkdir_p,
	(void *)dfs_sys_opendir, (void *)dfs_sys_readdir, (void *)dfs_sys_closedir,
	(void *)dfs_sys_readlink, (void *)dfs_sys_symlink, (void *)dfs_sys_utimens,
	(void *)dfs_sys_listxattr, (void *)dfs_sys_remove_type, (void *)dfs_local2global_all,
	(void *)daos_cont_create_snap_opt, (void *)daos_oit_open, (void *)daos_oit_list,
	(void *)daos_oit_close, (void *)daos_cont_destroy_snap,
};
int main(void)
{
	enum daos_snapshot_opts o = DAOS_SNAP_OPT_CR | DAOS_SNAP_OPT_OIT;

	return refs[0] == 0 || DFS_SYS_NO_CACHE != 1 || DFS_SYS_NO_LOCK != 2 || o != 3;
}
C
cc -o "$work/sys" "$work/sys.c" -ldfs -ldaos -luuid || fail "the dfs_sys calls do not build"
# Its container copy: properties and the ACL merged into the new
# container's create, the status word decoded, with only daos.h and
# gurt/common.h included (PRId64 among what gurt brings), linked with
# every library its FindDAOS insists on (libcart included).
cat >"$work/mfu.c" <<'C'
#include <daos.h>
#include <gurt/common.h>
void *refs[] = {
	(void *)daos_cont_get_acl, (void *)daos_prop_merge, (void *)daos_acl_to_strs,
	(void *)daos_acl_from_strs, (void *)daos_cont_query, (void *)daos_prop_entry_get,
};
int main(void)
{
	struct daos_co_status	st;
	uint16_t		t = DAOS_PROP_CO_LAYOUT_UNKOWN;

	daos_prop_val_2_co_status(DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, 0, 1), &st);
	printf("%" PRId64 "\n", (int64_t)st.dcs_pm_ver);
	return refs[0] == 0 || st.dcs_status != DAOS_PROP_CO_HEALTHY || t != DAOS_PROP_CO_LAYOUT_UNKNOWN;
}
C
cc -Wall -Werror -o "$work/mfu" "$work/mfu.c" -ldaos -lgurt -lcart -lduns -ldfs -ldaos_common -luuid ||
	fail "mpifileutils' container copy calls do not build"
echo "iorprobe: $prefix passes IOR's configure probes; aiori-DFS links against $libdir (needs: $needed); ROMIO's ad_daos calls link with -lduns; the HDF5 VOL's task calls link; dfs_sys and OIT calls link with -ldfs; mpifileutils' container copy links with its libraries"
