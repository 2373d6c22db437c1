package main

/*
#include <daos.h>
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/daos-go/daos/pkg/capi"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// owned is the owner, group and ACL a create's properties give
// (DAOS_PROP_CO_OWNER, DAOS_PROP_CO_OWNER_GROUP, DAOS_PROP_CO_ACL; a nil
// ACL: none given).
type owned struct {
	owner, group string
	acl          []string
}

// propsOwned turns C container properties into the names and values the
// container service takes (as `daos container create --properties`), and
// the owner, group and ACL into o.
func propsOwned(in *C.daos_prop_t, o *owned) (map[string]string, error) {
	out := map[string]string{}
	if in == nil || in.dpp_nr == 0 {
		return out, nil
	}
	if in.dpp_entries == nil {
		return nil, inval("properties: %d entries but a NULL entry array", in.dpp_nr)
	}
	for _, e := range unsafe.Slice(in.dpp_entries, int(in.dpp_nr)) {
		if e.dpe_flags&C.DAOS_PROP_ENTRY_NOT_SET != 0 {
			continue
		}
		if uint32(e.dpe_type) == propContACL {
			acl, err := aclFromC(*(*unsafe.Pointer)(unsafe.Pointer(&e.anon0)), "property acl")
			if err != nil {
				return nil, err
			}
			o.acl = acl
			continue
		}
		if t := uint32(e.dpe_type); t == poolsvc.ContPropOwner || t == poolsvc.ContPropOwnerGroup {
			p := *(**C.char)(unsafe.Pointer(&e.anon0))
			if p == nil {
				return nil, inval("property owner/group: NULL string")
			}
			if t == poolsvc.ContPropOwner {
				o.owner = C.GoString(p)
			} else {
				o.group = C.GoString(p)
			}
			continue
		}
		d, err := poolsvc.LookupContPropNumber(uint32(e.dpe_type))
		if err != nil {
			return nil, err
		}
		// The value union: a number, or a string pointer.
		raw := *(*C.uint64_t)(unsafe.Pointer(&e.anon0))
		var v string
		if d.String {
			p := *(**C.char)(unsafe.Pointer(&e.anon0))
			if p == nil {
				return nil, inval("property %s: NULL string", d.Name)
			}
			v = C.GoString(p)
		} else if d.Number == poolsvc.ContPropStatus {
			// Packed as DAOS_PROP_CO_STATUS_VAL: the status in bits
			// 32-47 (flags above, a map version below: not kept).
			v = d.Format(poolsvc.Prop{Num: (uint64(raw) >> 32) & 0xFFFF})
		} else {
			v = d.Format(poolsvc.Prop{Num: uint64(raw)})
		}
		out[d.Name] = v
	}
	return out, nil
}

func contInfo(out *C.daos_cont_info_t, ci *poolsvc.ContInfo) error {
	*out = C.daos_cont_info_t{}
	if err := setUUID(&out.ci_uuid, ci.UUID); err != nil {
		return err
	}
	out.ci_nhandles = C.uint32_t(ci.NumHandles)
	out.ci_nsnapshots = C.uint32_t(ci.NumSnaps)
	out.ci_md_otime = C.uint64_t(ci.OpenTime)
	out.ci_md_mtime = C.uint64_t(ci.CloseModifyTime)
	for _, s := range ci.Snapshots {
		if C.daos_epoch_t(s) > out.ci_lsnapshot {
			out.ci_lsnapshot = C.daos_epoch_t(s)
		}
	}
	return nil
}

func contCreate(poh C.uint64_t, label string, cprops *C.daos_prop_t, uuid *C.uuid_t, ev *C.daos_event_t) C.int {
	return contCreateID(poh, "", label, cprops, uuid, ev)
}

// contCreateID is contCreate with the container's UUID chosen (want; empty:
// a new one).
func contCreateID(poh C.uint64_t, want, label string, cprops *C.daos_prop_t, uuid *C.uuid_t, ev *C.daos_event_t) C.int {
	var o owned
	ps, err := propsOwned(cprops, &o)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		id, err := lib.ContCreateID(ctx, uint64(poh), want, label, ps, capi.Ownership{Owner: o.owner, Group: o.group, ACL: o.acl})
		if err != nil || uuid == nil {
			return err
		}
		return setUUID(uuid, id)
	})
}

//export dgo_cont_create
func dgo_cont_create(poh C.uint64_t, uuid *C.uuid_t, cprops *C.daos_prop_t, ev *C.daos_event_t) C.int {
	return contCreate(poh, "", cprops, uuid, ev)
}

//export dgo_cont_create_id
func dgo_cont_create_id(poh C.uint64_t, id *C.char, cprops *C.daos_prop_t, ev *C.daos_event_t) C.int {
	if id == nil {
		return failed(ev, inval("container create: NULL UUID"))
	}
	return contCreateID(poh, C.GoString(id), "", cprops, nil, ev)
}

//export dgo_cont_create_with_label
func dgo_cont_create_with_label(poh C.uint64_t, label *C.char, cprops *C.daos_prop_t, uuid *C.uuid_t, ev *C.daos_event_t) C.int {
	if label == nil {
		return failed(ev, inval("container create: NULL label"))
	}
	l := C.GoString(label)
	if l == "" {
		return failed(ev, inval("container create: empty label"))
	}
	return contCreate(poh, l, cprops, uuid, ev)
}

//export dgo_cont_open
func dgo_cont_open(poh C.uint64_t, cont *C.char, flags C.uint, coh *C.daos_handle_t, info *C.daos_cont_info_t, ev *C.daos_event_t) C.int {
	if cont == nil || coh == nil {
		return failed(ev, inval("container open: NULL container or handle"))
	}
	id := C.GoString(cont)
	return run(ev, func(ctx context.Context) error {
		h, ci, err := lib.ContOpen(ctx, uint64(poh), id, uint32(flags), info != nil)
		if err != nil {
			return err
		}
		if info != nil {
			if err := contInfo(info, ci); err != nil {
				_ = lib.ContClose(ctx, h)
				return err
			}
		}
		setHandle(coh, h)
		return nil
	})
}

//export dgo_cont_close
func dgo_cont_close(coh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(ctx context.Context) error { return lib.ContClose(ctx, uint64(coh)) })
}

//export dgo_cont_destroy
func dgo_cont_destroy(poh C.uint64_t, cont *C.char, force C.int, ev *C.daos_event_t) C.int {
	if cont == nil {
		return failed(ev, inval("container destroy: NULL container"))
	}
	id := C.GoString(cont)
	return run(ev, func(ctx context.Context) error { return lib.ContDestroy(ctx, uint64(poh), id, force != 0) })
}

//export dgo_cont_query
func dgo_cont_query(coh C.uint64_t, info *C.daos_cont_info_t, cprops *C.daos_prop_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		ci, err := lib.ContQuery(ctx, uint64(coh))
		if err != nil {
			return err
		}
		// Everything is asked before anything is handed out, so that a
		// failure (no a for the ACL) leaves the caller nothing to free.
		var acl []string
		if cprops != nil && propAsked(cprops, propContACL) {
			a, err := c.GetACL(ctx)
			if err != nil {
				return err
			}
			acl = a.ACL
		}
		if info != nil {
			if err := contInfo(info, ci); err != nil {
				return err
			}
		}
		if cprops != nil {
			return queryProps(cprops, ci, acl)
		}
		return nil
	})
}

//export dgo_cont_local2global
func dgo_cont_local2global(coh C.uint64_t, glob *C.d_iov_t) C.int {
	blob, err := lib.ContLocal2Global(uint64(coh))
	return toGlobal(glob, blob, err)
}

//export dgo_cont_global2local
func dgo_cont_global2local(poh C.uint64_t, glob C.d_iov_t, coh *C.daos_handle_t) C.int {
	if coh == nil {
		return rc(inval("container global2local: NULL handle"))
	}
	blob, err := fromGlobal(glob)
	if err != nil {
		return rc(err)
	}
	h, err := lib.ContGlobal2Local(uint64(poh), blob)
	if err != nil {
		return rc(err)
	}
	setHandle(coh, h)
	return 0
}
