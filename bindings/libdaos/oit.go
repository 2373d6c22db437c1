package main

/*
#include <daos.h>
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
)

//export dgo_cont_create_snap_opt
func dgo_cont_create_snap_opt(coh C.uint64_t, epoch *C.daos_epoch_t, name *C.char, opts C.int, ev *C.daos_event_t) C.int {
	switch {
	case opts&^(C.DAOS_SNAP_OPT_CR|C.DAOS_SNAP_OPT_OIT) != 0:
		return failed(ev, inval("container create-snap: options %#x (DAOS_SNAP_OPT_CR, DAOS_SNAP_OPT_OIT)", int(opts)))
	case opts&C.DAOS_SNAP_OPT_CR == 0:
		// As DAOS: the table of an existing snapshot is
		// daos_cont_snap_oit_create's.
		return failed(ev, daos.Errorf(daos.ErrNosys, "container create-snap: options %#x without DAOS_SNAP_OPT_CR", int(opts)))
	case epoch == nil:
		return failed(ev, inval("container create-snap: NULL epoch"))
	}
	var n string
	if name != nil {
		n = C.GoString(name)
	}
	table := opts&C.DAOS_SNAP_OPT_OIT != 0
	return run(ev, func(ctx context.Context) error {
		e, err := lib.SnapOpt(ctx, uint64(coh), n, table)
		if err == nil {
			*epoch = C.daos_epoch_t(e)
		}
		return err
	})
}

//export dgo_cont_snap_oit_create
func dgo_cont_snap_oit_create(coh C.uint64_t, epoch C.daos_epoch_t, ev *C.daos_event_t) C.int {
	return run(ev, func(ctx context.Context) error { return lib.SnapOIT(ctx, uint64(coh), daos.Epoch(epoch)) })
}

//export dgo_cont_snap_oit_destroy
func dgo_cont_snap_oit_destroy(coh, oh C.uint64_t, ev *C.daos_event_t) C.int {
	if _, err := lib.Container(uint64(coh)); err != nil {
		return failed(ev, err)
	}
	t, err := lib.OIT(uint64(oh))
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return t.Destroy(ctx) })
}

//export dgo_oit_open
func dgo_oit_open(coh C.uint64_t, epoch C.daos_epoch_t, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil {
		return failed(ev, inval("oit open: NULL handle"))
	}
	return run(ev, func(ctx context.Context) error {
		h, err := lib.OITOpen(ctx, uint64(coh), daos.Epoch(epoch))
		if err == nil {
			setHandle(oh, h)
		}
		return err
	})
}

//export dgo_oit_close
func dgo_oit_close(oh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(context.Context) error { return lib.OITClose(uint64(oh)) })
}

// The listings of dgo_oit_list.
const (
	oitAll = iota
	oitUnmarked
	oitFiltered
)

// maxOITList bounds the ids one listing returns; more room is not used.
const maxOITList = 1 << 20

//export dgo_oit_list
func dgo_oit_list(oh C.uint64_t, oids *C.daos_obj_id_t, nr *C.uint32_t, anchor *C.daos_anchor_t, kind C.int, filter *C.daos_oit_filter_cb, ev *C.daos_event_t) C.int {
	t, err := lib.OIT(uint64(oh))
	if err != nil {
		return failed(ev, err)
	}
	switch {
	case nr == nil || anchor == nil:
		return failed(ev, inval("oit list: NULL count or anchor"))
	case oids == nil || *nr == 0:
		// As DAOS: a listing with no room would never reach the end.
		return failed(ev, inval("oit list: no room for ids (%d at %p)", *nr, oids))
	case kind == oitFiltered && filter == nil:
		return failed(ev, inval("oit list: NULL filter"))
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return failed(ev, err)
	}
	var keep func(daos.ObjectID, []byte) (bool, error)
	switch kind {
	case oitUnmarked:
		keep = func(_ daos.ObjectID, m []byte) (bool, error) { return m == nil, nil }
	case oitFiltered:
		keep = oitFilter(filter)
	}
	room := int(min(*nr, maxOITList))
	return run(ev, func(ctx context.Context) error {
		ids, next, err := lib.OITList(ctx, t, a, room, keep)
		if err != nil {
			return err
		}
		out := unsafe.Slice(oids, room)
		for i, id := range ids {
			out[i] = C.daos_obj_id_t{lo: C.uint64_t(id.Lo), hi: C.uint64_t(id.Hi)}
		}
		*nr = C.uint32_t(len(ids))
		writeAnchor(anchor, next)
		return nil
	})
}

//export dgo_oit_mark
func dgo_oit_mark(oh C.uint64_t, oid C.daos_obj_id_t, marker *C.d_iov_t, ev *C.daos_event_t) C.int {
	t, err := lib.OIT(uint64(oh))
	if err != nil {
		return failed(ev, err)
	}
	var m []byte
	if marker != nil {
		if marker.iov_buf == nil || marker.iov_len == 0 || marker.iov_len > C.DAOS_OIT_MARKER_MAX_LEN {
			return failed(ev, inval("oit mark: a marker of %d bytes at %p (1 to %d)", marker.iov_len, marker.iov_buf, C.DAOS_OIT_MARKER_MAX_LEN))
		}
		if m, err = goBytes(marker.iov_buf, marker.iov_len, "oit mark"); err != nil {
			return failed(ev, err)
		}
	}
	id := oidFrom(oid)
	return run(ev, func(ctx context.Context) error { return t.Mark(ctx, id, m) })
}
