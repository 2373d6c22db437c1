package main

/*
#include <stdlib.h>
#include <daos.h>
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// propContACL is DAOS_PROP_CO_ACL.
const propContACL = 0x100a

// aclToC copies ACE strings into C memory as a struct daos_acl (malloc'd:
// daos_acl_free or daos_prop_free releases it).
func aclToC(entries []string) (unsafe.Pointer, error) {
	acl, err := poolsvc.ParseACL(entries)
	if err != nil {
		return nil, err
	}
	b, err := acl.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return C.CBytes(b), nil
}

// aclFromC reads a struct daos_acl the application gave, its header first
// so that no more is read than it says it holds; the entries come back as
// ACE strings (an empty ACL as an empty, non-nil list).
func aclFromC(p unsafe.Pointer, what string) ([]string, error) {
	if p == nil {
		return nil, inval("%s: NULL ACL", what)
	}
	n, err := poolsvc.ACLBinaryLen(C.GoBytes(p, 8))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	acl, err := poolsvc.UnmarshalACL(C.GoBytes(p, C.int(n)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := acl.Strings()
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// contACLProp builds daos_cont_get_acl's answer: a property list (calloc,
// as daos_prop_free expects) with the ACL, the owner and the owner group.
func contACLProp(a *client.ContACL) (*C.daos_prop_t, error) {
	acl, err := aclToC(a.ACL)
	if err != nil {
		return nil, err
	}
	// The core has no daos_prop_alloc of its own (that is the C layer's):
	// the list is laid out with calloc as it does.
	p := (*C.daos_prop_t)(C.calloc(1, C.size_t(unsafe.Sizeof(C.daos_prop_t{}))))
	ents := (*C.struct_daos_prop_entry)(C.calloc(3, C.size_t(unsafe.Sizeof(C.struct_daos_prop_entry{}))))
	if p == nil || ents == nil {
		C.free(unsafe.Pointer(p))
		C.free(unsafe.Pointer(ents))
		C.free(acl)
		return nil, daos.Errorf(daos.ErrNomem, "container get-acl: property list")
	}
	p.dpp_nr, p.dpp_entries = 3, ents
	es := unsafe.Slice(ents, 3)
	es[0].dpe_type = propContACL
	*(*unsafe.Pointer)(unsafe.Pointer(&es[0].anon0)) = acl
	es[1].dpe_type = propOwner
	*(**C.char)(unsafe.Pointer(&es[1].anon0)) = C.CString(a.Owner)
	es[2].dpe_type = propOwnerGroup
	*(**C.char)(unsafe.Pointer(&es[2].anon0)) = C.CString(a.Group)
	return p, nil
}

//export dgo_cont_get_acl
func dgo_cont_get_acl(coh C.uint64_t, out **C.daos_prop_t, ev *C.daos_event_t) C.int {
	if out == nil {
		return failed(ev, inval("container get-acl: NULL property pointer"))
	}
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		a, err := c.GetACL(ctx)
		if err != nil {
			return err
		}
		p, err := contACLProp(a)
		if err != nil {
			return err
		}
		*out = p
		return nil
	})
}

// contACLChange runs a change of the container's ACL given as a struct
// daos_acl: overwrite (replace) or update (merge).
func contACLChange(coh C.uint64_t, acl unsafe.Pointer, overwrite bool, ev *C.daos_event_t) C.int {
	what := "container update-acl"
	if overwrite {
		what = "container overwrite-acl"
	}
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	entries, err := aclFromC(acl, what)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		switch {
		case overwrite:
			return c.OverwriteACL(ctx, entries)
		case len(entries) == 0:
			return nil // nothing to add: done, as in DAOS
		}
		return c.UpdateACL(ctx, entries)
	})
}

//export dgo_cont_overwrite_acl
func dgo_cont_overwrite_acl(coh C.uint64_t, acl unsafe.Pointer, ev *C.daos_event_t) C.int {
	return contACLChange(coh, acl, true, ev)
}

//export dgo_cont_update_acl
func dgo_cont_update_acl(coh C.uint64_t, acl unsafe.Pointer, ev *C.daos_event_t) C.int {
	return contACLChange(coh, acl, false, ev)
}

//export dgo_cont_delete_acl
func dgo_cont_delete_acl(coh C.uint64_t, typ C.int, name *C.char, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	// The principal as the service names it (dmg's delete-acl form).
	var principal string
	switch typ {
	case C.DAOS_ACL_OWNER:
		principal = "OWNER@"
	case C.DAOS_ACL_OWNER_GROUP:
		principal = "GROUP@"
	case C.DAOS_ACL_EVERYONE:
		principal = "EVERYONE@"
	case C.DAOS_ACL_USER, C.DAOS_ACL_GROUP:
		if name == nil || !poolsvc.ValidPrincipalName(C.GoString(name)) {
			return failed(ev, inval("container delete-acl: principal type %d needs a name@[domain]", int(typ)))
		}
		principal = "u:" + C.GoString(name)
		if typ == C.DAOS_ACL_GROUP {
			principal = "g:" + C.GoString(name)
		}
	default:
		return failed(ev, inval("container delete-acl: unknown principal type %d", int(typ)))
	}
	return run(ev, func(ctx context.Context) error { return c.DeleteACL(ctx, principal) })
}

//export dgo_cont_set_owner
func dgo_cont_set_owner(coh C.uint64_t, user, group *C.char, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	var u, g string
	if user != nil {
		u = C.GoString(user)
	}
	if group != nil {
		g = C.GoString(group)
	}
	if u == "" && g == "" {
		return failed(ev, inval("container set-owner: neither a user nor a group"))
	}
	return run(ev, func(ctx context.Context) error { return c.SetOwner(ctx, u, g) })
}
