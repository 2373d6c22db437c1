package main

/*
#include <daos.h>
*/
import "C"

import (
	"context"
	"encoding/binary"
	"unsafe"

	"github.com/daos-go/daos/pkg/capi"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// daos_anchor_t's private bytes (da_buf) hold a capi.Anchor: the length
// of the key kept (2 bytes), whether it is a long key's prefix (1 byte),
// a spare byte, then the key (up to capi.AnchorInline bytes) or the long
// key's digest followed by its prefix. da_shard holds the group, and
// da_flags has anchorOneGroup when the listing covers that group only
// (DAOS's internal DIOF_TO_SPEC_GROUP).
const (
	anchorOneGroup = 0x20

	anchorKeyAt    = 4
	anchorPrefixAt = anchorKeyAt + 32
)

func anchorBuf(a *C.daos_anchor_t) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&a.da_buf[0])), C.DAOS_ANCHOR_BUF_MAX)
}

func readAnchor(a *C.daos_anchor_t) (capi.Anchor, error) {
	switch a.da_type {
	case C.DAOS_ANCHOR_TYPE_ZERO:
		return capi.Anchor{}, nil
	case C.DAOS_ANCHOR_TYPE_EOF:
		return capi.Anchor{EOF: true}, nil
	case C.DAOS_ANCHOR_TYPE_KEY:
	default:
		return capi.Anchor{}, inval("anchor of type %d: not one this library made", a.da_type)
	}
	b := anchorBuf(a)
	n := int(binary.LittleEndian.Uint16(b))
	out := capi.Anchor{Group: int(a.da_shard), Long: b[2] == 1, OneGroup: a.da_flags&anchorOneGroup != 0}
	switch {
	case !out.Long && n <= capi.AnchorInline:
		out.Key = append([]byte{}, b[anchorKeyAt:anchorKeyAt+n]...)
	case out.Long && n == capi.AnchorPrefix:
		copy(out.Sum[:], b[anchorKeyAt:anchorPrefixAt])
		out.Key = append([]byte{}, b[anchorPrefixAt:anchorPrefixAt+n]...)
	default:
		return capi.Anchor{}, inval("anchor holds a key of %d bytes: damaged", n)
	}
	return out, nil
}

func writeAnchor(a *C.daos_anchor_t, in capi.Anchor) {
	if in.EOF {
		a.da_type = C.DAOS_ANCHOR_TYPE_EOF
		return
	}
	b := anchorBuf(a)
	clear(b)
	a.da_type = C.DAOS_ANCHOR_TYPE_KEY
	a.da_shard = C.uint16_t(in.Group)
	a.da_flags = 0
	if in.OneGroup {
		a.da_flags = anchorOneGroup
	}
	binary.LittleEndian.PutUint16(b, uint16(len(in.Key)))
	if in.Long {
		b[2] = 1
		copy(b[anchorKeyAt:], in.Sum[:])
		copy(b[anchorPrefixAt:], in.Key)
		return
	}
	copy(b[anchorKeyAt:], in.Key)
}

// listArgs checks a listing's outputs: nr keys at most, their lengths in
// kds, their bytes packed into sgl's first iov.
func listArgs(nr *C.uint32_t, kds *C.daos_key_desc_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t) ([]C.daos_key_desc_t, []byte, *C.d_iov_t, error) {
	if nr == nil || kds == nil || sgl == nil || anchor == nil {
		return nil, nil, nil, inval("list: NULL nr, kds, sg list or anchor")
	}
	if *nr == 0 {
		return nil, nil, nil, inval("list: room for 0 keys")
	}
	vs, err := iovs(sgl)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, nil, inval("list: sg list without an iov")
	}
	buf, err := cBytes(vs[0].iov_buf, vs[0].iov_buf_len, "list")
	if err != nil {
		return nil, nil, nil, err
	}
	return unsafe.Slice(kds, int(*nr)), buf, &vs[0], nil
}

// listOut writes a page of keys.
func listOut(res capi.Listing, err error, nr *C.uint32_t, kds []C.daos_key_desc_t, buf []byte, iov *C.d_iov_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t) error {
	if daos.Code(err) == daos.ErrKey2big {
		kds[0].kd_key_len = C.daos_size_t(res.Need)
		*nr = 0
		return err
	}
	if err != nil {
		return err
	}
	off := 0
	for i, k := range res.Keys {
		off += copy(buf[off:], k)
		kds[i].kd_key_len = C.daos_size_t(len(k))
		kds[i].kd_val_type = 0
	}
	iov.iov_len = C.size_t(off)
	sgl.sg_nr_out = 1
	*nr = C.uint32_t(len(res.Keys))
	writeAnchor(anchor, res.Next)
	return nil
}

func listDkeys(ev *C.daos_event_t, o *client.Object, nr *C.uint32_t, kds *C.daos_key_desc_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t) C.int {
	ks, buf, iov, err := listArgs(nr, kds, sgl, anchor)
	if err != nil {
		return failed(ev, err)
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return failed(ev, err)
	}
	max := int(*nr)
	return run(ev, func(ctx context.Context) error {
		res, err := lib.ListDkeys(ctx, o, a, max, len(buf))
		return listOut(res, err, nr, ks, buf, iov, sgl, anchor)
	})
}

//export dgo_obj_list_dkey
func dgo_obj_list_dkey(oh, th C.uint64_t, nr *C.uint32_t, kds *C.daos_key_desc_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	return listDkeys(ev, o, nr, kds, sgl, anchor)
}

//export dgo_obj_list_akey
func dgo_obj_list_akey(oh, th C.uint64_t, dkey *C.daos_key_t, nr *C.uint32_t, kds *C.daos_key_desc_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	dk, err := key(dkey, "list akeys dkey")
	if err != nil {
		return failed(ev, err)
	}
	ks, buf, iov, err := listArgs(nr, kds, sgl, anchor)
	if err != nil {
		return failed(ev, err)
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return failed(ev, err)
	}
	max := int(*nr)
	return run(ev, func(ctx context.Context) error {
		res, err := lib.ListAkeys(ctx, o, dk, a, max, len(buf))
		return listOut(res, err, nr, ks, buf, iov, sgl, anchor)
	})
}

// recxDownMark starts a decreasing extent listing's anchor (the
// engine's increasing anchors are 8 bytes).
const recxDownMark = 'D'

//export dgo_obj_list_recx
func dgo_obj_list_recx(oh, th C.uint64_t, dkey, akey *C.daos_key_t, size *C.daos_size_t, nr *C.uint32_t, recxs *C.daos_recx_t, eprs *C.daos_epoch_range_t, anchor *C.daos_anchor_t, incr C.bool, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	dk, err := key(dkey, "list recx dkey")
	if err != nil {
		return failed(ev, err)
	}
	ak, err := key(akey, "list recx akey")
	if err != nil {
		return failed(ev, err)
	}
	if nr == nil || *nr == 0 || recxs == nil || anchor == nil {
		return failed(ev, inval("list recx: NULL or empty nr, NULL recxs or anchor"))
	}
	a, err := readAnchor(anchor)
	if err != nil {
		return failed(ev, err)
	}
	// A decreasing listing's anchor is its lowest index so far behind a
	// marker byte, so that an anchor is not taken in the other order
	// (DAOS: an anchor keeps the order it was made with).
	pos := a.Key
	if len(pos) > 0 {
		down := len(pos) == 9 && pos[0] == recxDownMark
		if down == bool(incr) {
			return failed(ev, inval("list recx: the anchor was made listing in the other order"))
		}
		if down {
			pos = pos[1:]
		}
	}
	if a.Long {
		return failed(ev, inval("list recx: not an extent listing's anchor"))
	}
	max := int(*nr)
	return run(ev, func(ctx context.Context) error {
		if a.EOF {
			*nr = 0
			return nil
		}
		var page client.RecxPage
		var err error
		if incr {
			page, err = o.ListRecx(ctx, daos.EpochMax, dk, ak, pos, max)
		} else {
			page, err = o.ListRecxDecreasing(ctx, daos.EpochMax, dk, ak, pos, max)
			if len(page.Anchor) > 0 {
				page.Anchor = append([]byte{recxDownMark}, page.Anchor...)
			}
		}
		if err != nil {
			return err
		}
		out := unsafe.Slice(recxs, max)
		var eo []C.daos_epoch_range_t
		if eprs != nil {
			eo = unsafe.Slice(eprs, max)
		}
		for i, x := range page.Extents {
			out[i].rx_idx, out[i].rx_nr = C.uint64_t(x.Recx.Idx), C.uint64_t(x.Recx.Nr)
			if eo != nil {
				eo[i].epr_lo, eo[i].epr_hi = C.daos_epoch_t(x.Epoch), C.DAOS_EPOCH_MAX
			}
		}
		*nr = C.uint32_t(len(page.Extents))
		if size != nil {
			*size = C.daos_size_t(page.RecordSize)
		}
		writeAnchor(anchor, capi.Anchor{Key: page.Anchor, EOF: page.EOF})
		return nil
	})
}

// anchorSplit fills daos_obj_anchor_split's outputs for an object of
// groups groups.
func anchorSplit(groups int, nr *C.uint32_t, anchors *C.daos_anchor_t) error {
	if nr == nil {
		return inval("anchor split: NULL count")
	}
	as, err := capi.AnchorSplit(groups, int(*nr))
	if err != nil {
		return err
	}
	*nr = C.uint32_t(len(as))
	if anchors != nil {
		for i, a := range as {
			p := (*C.daos_anchor_t)(unsafe.Add(unsafe.Pointer(anchors), uintptr(i)*unsafe.Sizeof(C.daos_anchor_t{})))
			*p = C.daos_anchor_t{}
			writeAnchor(p, a)
		}
	}
	return nil
}

// anchorSet is daos_obj_anchor_set for an object of groups groups.
func anchorSet(groups int, index C.uint32_t, anchor *C.daos_anchor_t) error {
	if anchor == nil {
		return inval("anchor set: NULL anchor")
	}
	a, err := capi.AnchorAt(groups, int(index))
	if err != nil {
		return err
	}
	*anchor = C.daos_anchor_t{}
	writeAnchor(anchor, a)
	return nil
}

// objGroups is the number of groups of an open object's layout.
func objGroups(oh C.uint64_t) (int, error) {
	o, err := lib.Object(uint64(oh))
	if err != nil {
		return 0, err
	}
	l, err := o.Layout()
	if err != nil {
		return 0, err
	}
	return l.Groups, nil
}

//export dgo_obj_anchor_split
func dgo_obj_anchor_split(oh C.uint64_t, nr *C.uint32_t, anchors *C.daos_anchor_t) C.int {
	g, err := objGroups(oh)
	if err == nil {
		err = anchorSplit(g, nr, anchors)
	}
	return rc(err)
}

//export dgo_obj_anchor_set
func dgo_obj_anchor_set(oh C.uint64_t, index C.uint32_t, anchor *C.daos_anchor_t) C.int {
	g, err := objGroups(oh)
	if err == nil {
		err = anchorSet(g, index, anchor)
	}
	return rc(err)
}

// dfsDirGroups is the group count of an open DFS directory.
func dfsDirGroups(mh, oh C.uint64_t) (int, error) {
	fs, o, err := lib.DFSObj(uint64(mh), uint64(oh))
	if err != nil {
		return 0, err
	}
	return lib.DFSDirGroups(fs, o)
}

//export dgo_dfs_obj_anchor_split
func dgo_dfs_obj_anchor_split(mh, oh C.uint64_t, nr *C.uint32_t, anchors *C.daos_anchor_t) C.int {
	g, err := dfsDirGroups(mh, oh)
	if err == nil {
		err = anchorSplit(g, nr, anchors)
	}
	return eno(err)
}

//export dgo_dfs_obj_anchor_set
func dgo_dfs_obj_anchor_set(mh, oh C.uint64_t, index C.uint32_t, anchor *C.daos_anchor_t) C.int {
	g, err := dfsDirGroups(mh, oh)
	if err == nil {
		err = anchorSet(g, index, anchor)
	}
	return eno(err)
}
