package main

/*
#include <stdlib.h>
#include <daos.h>
*/
import "C"

import (
	"sort"
	"unsafe"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// propEntriesMax is DAOS's DAOS_PROP_ENTRIES_MAX_NR.
const propEntriesMax = 128

// rankList makes a d_rank_list_t as gurt's d_rank_list_alloc does (calloc
// for the list and for its ranks, none for an empty list), so the caller
// frees it with d_rank_list_free.
func rankList(rs []uint32) (*C.d_rank_list_t, error) {
	l := (*C.d_rank_list_t)(C.calloc(1, C.size_t(unsafe.Sizeof(C.d_rank_list_t{}))))
	if l == nil {
		return nil, daos.Errorf(daos.ErrNomem, "rank list")
	}
	if len(rs) > 0 {
		l.rl_ranks = (*C.d_rank_t)(C.calloc(C.size_t(len(rs)), C.size_t(unsafe.Sizeof(C.d_rank_t(0)))))
		if l.rl_ranks == nil {
			C.free(unsafe.Pointer(l))
			return nil, daos.Errorf(daos.ErrNomem, "rank list")
		}
		out := unsafe.Slice(l.rl_ranks, len(rs))
		for i, r := range rs {
			out[i] = C.d_rank_t(r)
		}
	}
	l.rl_nr = C.uint32_t(len(rs))
	return l, nil
}

// checkPoolPropsOut is DAOS's daos_prop_valid for a pool query's output
// list: at most DAOS_PROP_ENTRIES_MAX_NR entries, an entry array exactly
// when there are entries, each a pool property type, none twice.
func checkPoolPropsOut(p *C.daos_prop_t) error {
	if p.dpp_nr > propEntriesMax {
		return inval("pool query: %d properties (at most %d)", p.dpp_nr, propEntriesMax)
	}
	if (p.dpp_nr == 0) != (p.dpp_entries == nil) {
		return inval("pool query: %d properties with a %s entry array", p.dpp_nr, map[bool]string{true: "NULL", false: "non-NULL"}[p.dpp_entries == nil])
	}
	seen := map[C.uint32_t]bool{}
	for _, e := range unsafe.Slice(p.dpp_entries, int(p.dpp_nr)) {
		if e.dpe_type <= C.DAOS_PROP_PO_MIN || e.dpe_type >= C.DAOS_PROP_PO_MAX {
			return inval("pool query: property type %d is not a pool property", e.dpe_type)
		}
		if seen[e.dpe_type] {
			return inval("pool query: property type %d asked twice", e.dpe_type)
		}
		seen[e.dpe_type] = true
	}
	return nil
}

// poolPropTypes are the properties a pool query with an empty list
// returns, in number order: every stored one DAOS numbers, the owner,
// group, ACL and service ranks.
func poolPropTypes(wire map[string]poolsvc.Prop) []uint32 {
	types := []uint32{system.PoolPropOwner, system.PoolPropOwnerGroup, system.PoolPropSvcList, system.PoolPropACL}
	for name := range wire {
		d, err := system.LookupPoolProp(name)
		if err != nil || d.Number == system.PoolPropSvcList || d.Number == system.PoolPropACL {
			continue
		}
		types = append(types, d.Number)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	return types
}

// poolPropsOut fills a pool query's property list as DAOS's
// daos_prop_copy does: with no entries, every property (entries allocated
// with calloc); else the types asked for, those the pool does not have
// flagged DAOS_PROP_ENTRY_NOT_SET. Strings are strdup'ed into dpe_str and
// the service ranks are a d_rank_list_t, for daos_prop_free.
func poolPropsOut(p *C.daos_prop_t, pi *poolsvc.PoolInfo, wire map[string]poolsvc.Prop, acl []string) error {
	if p.dpp_nr == 0 {
		types := poolPropTypes(wire)
		es := (*C.struct_daos_prop_entry)(C.calloc(C.size_t(len(types)), C.size_t(unsafe.Sizeof(C.struct_daos_prop_entry{}))))
		if es == nil {
			return daos.Errorf(daos.ErrNomem, "pool query: properties")
		}
		entries := unsafe.Slice(es, len(types))
		for i := range entries {
			entries[i].dpe_type = C.uint32_t(types[i])
		}
		p.dpp_entries, p.dpp_nr = es, C.uint32_t(len(types))
	}
	entries := unsafe.Slice(p.dpp_entries, int(p.dpp_nr))
	for i := range entries {
		if err := fillPoolProp(&entries[i], pi, wire, acl); err != nil {
			return err
		}
	}
	return nil
}

// fillPoolProp sets one entry; acl is the pool's ACL, read when the list
// asks for it.
func fillPoolProp(e *C.struct_daos_prop_entry, pi *poolsvc.PoolInfo, wire map[string]poolsvc.Prop, acl []string) error {
	val := (*C.uint64_t)(unsafe.Pointer(&e.anon0))
	ptr := (*unsafe.Pointer)(unsafe.Pointer(&e.anon0))
	setStr := func(s string) error {
		*ptr = unsafe.Pointer(C.CString(s)) // malloc'ed: daos_prop_free frees it
		return nil
	}
	notSet := func() error { e.dpe_flags |= C.DAOS_PROP_ENTRY_NOT_SET; return nil }
	t := uint32(e.dpe_type)
	switch t {
	case system.PoolPropOwner:
		e.dpe_flags = 0
		return setStr(pi.Owner)
	case system.PoolPropOwnerGroup:
		e.dpe_flags = 0
		return setStr(pi.Group)
	case system.PoolPropSvcList:
		l, err := rankList(pi.SvcRanks)
		if err != nil {
			return err
		}
		e.dpe_flags = 0
		*ptr = unsafe.Pointer(l)
		return nil
	case system.PoolPropACL:
		p, err := aclToC(acl)
		if err != nil {
			return err
		}
		e.dpe_flags = 0
		*ptr = p
		return nil
	}
	d, ok := system.PoolPropByNumber(t)
	if !ok {
		return notSet()
	}
	v, ok := wire[d.Name]
	if !ok {
		return notSet()
	}
	e.dpe_flags = 0
	if d.String {
		return setStr(v.Str)
	}
	*val = C.uint64_t(v.Num)
	return nil
}

// poolPropACL is DAOS_PROP_PO_ACL.
const poolPropACL = system.PoolPropACL
