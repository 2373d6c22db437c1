package main

/*
#include <stdlib.h>
#include <daos.h>
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// setUUID writes a UUID string into a uuid_t.
func setUUID(out *C.uuid_t, s string) error {
	u, err := target.ParseUUID(s)
	if err != nil {
		return daos.Errorf(daos.ErrProto, "service sent a bad UUID %q: %v", s, err)
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), 16), u[:])
	return nil
}

// poolInfo fills what daos_pool_info_t holds of the service's answer and,
// when pi_bits asks for DPI_SPACE, the pool's space per tier.
func poolInfo(ctx context.Context, h uint64, out *C.daos_pool_info_t, pi *poolsvc.PoolInfo) error {
	want := out.pi_bits
	*out = C.daos_pool_info_t{}
	if err := setUUID(&out.pi_uuid, pi.UUID); err != nil {
		return err
	}
	out.pi_ntargets = C.uint32_t(pi.TotalTargets)
	out.pi_nnodes = C.uint32_t(pi.TotalEngines)
	out.pi_ndisabled = C.uint32_t(pi.DisabledTargets)
	out.pi_map_ver = C.uint32_t(pi.MapVersion)
	switch {
	case pi.Leader != nil:
		out.pi_leader = C.uint32_t(*pi.Leader)
	case len(pi.SvcRanks) > 0:
		out.pi_leader = C.uint32_t(pi.SvcRanks[0]) // an engine that does not say
	}
	out.pi_bits = want
	out.pi_space.ps_ntargets = C.uint32_t(pi.ActiveTargets)
	if want&C.DPI_SPACE != 0 {
		sp, err := lib.PoolSpace(ctx, h)
		if err != nil {
			return err
		}
		ps := &out.pi_space
		ps.ps_ntargets = C.uint32_t(sp.Targets)
		for m := 0; m < 2; m++ {
			ps.ps_space.s_total[m] = C.uint64_t(sp.Total[m])
			ps.ps_space.s_free[m] = C.uint64_t(sp.Free[m])
			ps.ps_free_min[m] = C.uint64_t(sp.FreeMin[m])
			ps.ps_free_max[m] = C.uint64_t(sp.FreeMax[m])
			if sp.Targets > 0 {
				ps.ps_free_mean[m] = C.uint64_t(sp.Free[m] / uint64(sp.Targets))
			}
		}
	}
	rs := &out.pi_rebuild_st
	rs.rs_version = C.uint32_t(pi.MapVersion)
	// rs_state is the union's first member: cgo names the union's bytes.
	state := C.int32_t(C.DRS_COMPLETED) // nothing to rebuild
	if pi.Rebuild == "busy" {
		state = C.DRS_IN_PROGRESS
	}
	*(*C.int32_t)(unsafe.Pointer(&rs.anon0[0])) = state
	return nil
}

//export dgo_pool_connect
func dgo_pool_connect(pool, sys *C.char, flags C.uint, poh *C.daos_handle_t, info *C.daos_pool_info_t, ev *C.daos_event_t) C.int {
	if pool == nil || poh == nil {
		return failed(ev, inval("pool connect: NULL pool or handle"))
	}
	id, system := C.GoString(pool), ""
	if sys != nil {
		system = C.GoString(sys)
	}
	return run(ev, func(ctx context.Context) error {
		h, err := lib.PoolConnect(ctx, id, system, uint32(flags))
		if err != nil {
			return err
		}
		if info != nil {
			// What the caller's pi_bits ask is not trusted here (callers
			// pass uninitialised memory): connect reports the basics.
			info.pi_bits = 0
			pi, err := lib.PoolQuery(ctx, h)
			if err == nil {
				err = poolInfo(ctx, h, info, pi)
			}
			if err != nil {
				_ = lib.PoolDisconnect(ctx, h)
				return err
			}
		}
		setHandle(poh, h)
		return nil
	})
}

//export dgo_pool_disconnect
func dgo_pool_disconnect(poh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(ctx context.Context) error { return lib.PoolDisconnect(ctx, uint64(poh)) })
}

//export dgo_pool_query
func dgo_pool_query(poh C.uint64_t, ranks **C.d_rank_list_t, info *C.daos_pool_info_t, props *C.daos_prop_t, ev *C.daos_event_t) C.int {
	if props != nil {
		if err := checkPoolPropsOut(props); err != nil {
			return failed(ev, err)
		}
	}
	// As DAOS: the enabled engines when pi_bits asks for
	// DPI_ENGINES_ENABLED, else (no info too) the disabled ones.
	enabled := info != nil && info.pi_bits&C.DPI_ENGINES_ENABLED != 0
	return run(ev, func(ctx context.Context) error {
		h := uint64(poh)
		pi, err := lib.PoolQuery(ctx, h)
		if err != nil {
			return err
		}
		// Everything is asked before anything is handed out, so that a
		// failure leaves the caller nothing to free.
		var rs []uint32
		if ranks != nil {
			if rs, err = lib.PoolEngineRanks(ctx, h, enabled); err != nil {
				return err
			}
		}
		var wire map[string]poolsvc.Prop
		var acl []string
		if props != nil {
			if wire, err = lib.PoolProps(ctx, h); err != nil {
				return err
			}
			if propAsked(props, poolPropACL) {
				if acl, err = lib.PoolACL(ctx, h); err != nil {
					return err
				}
			}
		}
		if info != nil {
			if err := poolInfo(ctx, h, info, pi); err != nil {
				return err
			}
		}
		if props != nil {
			if err := poolPropsOut(props, pi, wire, acl); err != nil {
				return err
			}
		}
		if ranks != nil {
			l, err := rankList(rs)
			if err != nil {
				return err
			}
			*ranks = l
		}
		return nil
	})
}

// toGlobal answers a local2global call: with a NULL buffer the blob's size
// in iov_buf_len, else the blob (DER_TRUNC with the size when it does not
// fit).
func toGlobal(glob *C.d_iov_t, blob []byte, err error) C.int {
	if err != nil && glob != nil {
		return rc(err)
	}
	return rc(fillGlobal(glob, blob))
}

// fillGlobal is the local2global protocol every handle kind shares (DFS
// mounts and objects too, whose callers turn DER_TRUNC into ENOBUFS): a
// NULL buffer asks for the size, an iov that contradicts itself is
// DER_INVAL before anything is written to it, as in DAOS, and a buffer
// too small is DER_TRUNC with the size needed in iov_buf_len.
func fillGlobal(glob *C.d_iov_t, blob []byte) error {
	if glob == nil {
		return inval("local2global: NULL iov")
	}
	if glob.iov_buf == nil {
		glob.iov_buf_len = C.size_t(len(blob))
		glob.iov_len = 0
		return nil
	}
	if glob.iov_buf_len == 0 || glob.iov_buf_len < glob.iov_len {
		return inval("local2global: iov of %d bytes in a buffer of %d", glob.iov_len, glob.iov_buf_len)
	}
	if uint64(glob.iov_buf_len) < uint64(len(blob)) {
		have := glob.iov_buf_len
		glob.iov_buf_len = C.size_t(len(blob))
		return daos.Errorf(daos.ErrTrunc, "local2global: buffer of %d bytes for %d", have, len(blob))
	}
	dst, err := cBytes(glob.iov_buf, C.size_t(len(blob)), "local2global")
	if err != nil {
		return err
	}
	copy(dst, blob)
	glob.iov_len = C.size_t(len(blob))
	return nil
}

// fromGlobal is the blob a global2local call was given.
func fromGlobal(glob C.d_iov_t) ([]byte, error) {
	if glob.iov_buf == nil || glob.iov_len == 0 || glob.iov_len > glob.iov_buf_len {
		return nil, inval("global2local: empty or inconsistent iov (%d bytes in a buffer of %d)", glob.iov_len, glob.iov_buf_len)
	}
	return goBytes(glob.iov_buf, glob.iov_len, "global2local")
}

//export dgo_pool_local2global
func dgo_pool_local2global(poh C.uint64_t, glob *C.d_iov_t) C.int {
	blob, err := lib.PoolLocal2Global(uint64(poh))
	return toGlobal(glob, blob, err)
}

//export dgo_pool_global2local
func dgo_pool_global2local(glob C.d_iov_t, poh *C.daos_handle_t) C.int {
	if poh == nil {
		return rc(inval("pool global2local: NULL handle"))
	}
	blob, err := fromGlobal(glob)
	if err != nil {
		return rc(err)
	}
	h, err := lib.PoolGlobal2Local(context.Background(), blob)
	if err != nil {
		return rc(err)
	}
	setHandle(poh, h)
	return 0
}

// noRank is d_rank_t's "no rank" (CRT_NO_RANK): the service leader a
// pool listing does not know.
const noRank = ^C.d_rank_t(0)

//export dgo_mgmt_list_pools
func dgo_mgmt_list_pools(group *C.char, npools *C.daos_size_t, pools *C.daos_mgmt_pool_info_t, ev *C.daos_event_t) C.int {
	if npools == nil {
		return failed(ev, inval("list pools: NULL count"))
	}
	var sys string
	if group != nil {
		sys = C.GoString(group)
	}
	room := int(*npools)
	return run(ev, func(ctx context.Context) error {
		ps, err := lib.ListPools(ctx, sys)
		if err != nil {
			return err
		}
		*npools = C.daos_size_t(len(ps))
		if pools == nil {
			return nil
		}
		if len(ps) > room {
			return daos.Errorf(daos.ErrTrunc, "list pools: %d pools, room for %d", len(ps), room)
		}
		out := unsafe.Slice(pools, len(ps))
		// Everything is made before anything is handed out.
		ranks := make([]*C.d_rank_list_t, len(ps))
		for i, p := range ps {
			if ranks[i], err = rankList(p.SvcRanks); err != nil {
				for _, r := range ranks[:i] {
					freeRankList(r)
				}
				return err
			}
		}
		for i, p := range ps {
			out[i] = C.daos_mgmt_pool_info_t{}
			if err := setUUID(&out[i].mgpi_uuid, p.UUID); err != nil {
				return err
			}
			out[i].mgpi_label = C.CString(p.Label) // malloc'ed: the caller frees it
			out[i].mgpi_svc = ranks[i]
			out[i].mgpi_ldr = noRank
		}
		return nil
	})
}

// freeRankList frees a list rankList made, as d_rank_list_free would.
func freeRankList(l *C.d_rank_list_t) {
	C.free(unsafe.Pointer(l.rl_ranks))
	C.free(unsafe.Pointer(l))
}
