package main

/*
#include <stdlib.h>
#include <daos.h>
#include "dgo_ring.h"
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/placement"
)

// maxKey bounds dkeys and akeys from C: DAOS refuses longer keys too.
const maxKey = 64 << 10

// Bounds on counts from C, so that a garbage count is an error rather
// than an allocation that takes the process down.
const (
	maxIODs   = 1 << 16 // IODs or keys in one call
	maxRecxs  = 1 << 20 // extents in one IOD
	maxIOVs   = 1 << 16 // iovs in one sg list
	maxGather = 1 << 32 // bytes gathered or scattered through a copy
)

func oidFrom(oid C.daos_obj_id_t) daos.ObjectID {
	return daos.ObjectID{Lo: uint64(oid.lo), Hi: uint64(oid.hi)}
}

// key copies a dkey or akey.
func key(k *C.daos_key_t, what string) ([]byte, error) {
	if k == nil {
		return nil, inval("%s: NULL key", what)
	}
	if k.iov_len == 0 {
		return nil, inval("%s: empty key", what)
	}
	if k.iov_len > maxKey {
		return nil, daos.Errorf(daos.ErrKey2big, "%s: key of %d bytes (the limit is %d)", what, k.iov_len, maxKey)
	}
	if k.iov_len > k.iov_buf_len {
		return nil, inval("%s: key length %d over its buffer's %d", what, k.iov_len, k.iov_buf_len)
	}
	return goBytes(k.iov_buf, k.iov_len, what)
}

// iods copies nr C IODs; perAkey says the call's flags ask for each IOD's
// own conditions (iod_flags is left uninitialised by callers otherwise).
func iods(nr C.uint, in *C.daos_iod_t, perAkey bool) ([]daos.IOD, []C.daos_iod_t, error) {
	if nr == 0 || nr > maxIODs {
		return nil, nil, inval("%d IODs (1 to %d)", nr, maxIODs)
	}
	if in == nil {
		return nil, nil, inval("NULL IOD array for %d IODs", nr)
	}
	cs := unsafe.Slice(in, int(nr))
	out := make([]daos.IOD, nr)
	for i := range cs {
		c := &cs[i]
		name, err := key(&c.iod_name, "IOD akey")
		if err != nil {
			return nil, nil, err
		}
		d := daos.IOD{Name: name, Size: uint64(c.iod_size)}
		if perAkey {
			d.Flags = daos.CondFlags(c.iod_flags)
		}
		switch c.iod_type {
		case C.DAOS_IOD_SINGLE:
			d.Type = daos.IODSingle
			if c.iod_nr != 1 {
				return nil, nil, inval("IOD %d: a single value with iod_nr %d (must be 1)", i, c.iod_nr)
			}
		case C.DAOS_IOD_ARRAY:
			d.Type = daos.IODArray
			if c.iod_nr > maxRecxs {
				return nil, nil, inval("IOD %d: %d extents (at most %d)", i, c.iod_nr, maxRecxs)
			}
			if c.iod_nr > 0 && c.iod_recxs == nil {
				return nil, nil, inval("IOD %d: %d extents but a NULL extent array", i, c.iod_nr)
			}
			for _, r := range unsafe.Slice(c.iod_recxs, int(c.iod_nr)) {
				d.Recxs = append(d.Recxs, daos.Recx{Idx: uint64(r.rx_idx), Nr: uint64(r.rx_nr)})
			}
		default:
			return nil, nil, inval("IOD %d: type %d is neither DAOS_IOD_SINGLE nor DAOS_IOD_ARRAY", i, c.iod_type)
		}
		out[i] = d
	}
	return out, cs, nil
}

// iovs is an sg list's iovs (empty for a NULL list), each a buffer that
// can be memory: not NULL unless empty, at most maxCBuffer bytes.
func iovs(s *C.d_sg_list_t) ([]C.d_iov_t, error) {
	if s == nil || s.sg_nr == 0 {
		return nil, nil
	}
	if s.sg_iovs == nil {
		return nil, inval("sg list of %d iovs with NULL iovs", s.sg_nr)
	}
	if s.sg_nr > maxIOVs {
		return nil, inval("sg list of %d iovs (at most %d)", s.sg_nr, maxIOVs)
	}
	vs := unsafe.Slice(s.sg_iovs, int(s.sg_nr))
	for i := range vs {
		if _, err := cBytes(vs[i].iov_buf, vs[i].iov_buf_len, fmt.Sprintf("iov %d", i)); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// gather is the bytes an sg list holds for a write: each iov's iov_len
// bytes in order. One iov is used in place; several are copied together,
// as the object layer takes one buffer per IOD.
func gather(s *C.d_sg_list_t) ([]byte, error) {
	vs, err := iovs(s)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].iov_len > vs[i].iov_buf_len || (vs[i].iov_buf == nil && vs[i].iov_len > 0) {
			return nil, inval("iov %d: %d bytes in a buffer of %d", i, vs[i].iov_len, vs[i].iov_buf_len)
		}
	}
	if len(vs) == 1 {
		return cBytes(vs[0].iov_buf, vs[0].iov_len, "iov 0")
	}
	var n uint64
	for i := range vs {
		n += uint64(vs[i].iov_len)
	}
	if n > maxGather {
		return nil, inval("sg list of %d bytes in %d iovs: too large to gather", n, len(vs))
	}
	out := make([]byte, 0, n)
	for i := range vs {
		b, err := cBytes(vs[i].iov_buf, vs[i].iov_len, fmt.Sprintf("iov %d", i))
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// scatterBuf is where a read for one sg list lands: the iov's own memory
// when there is one iov, else a buffer scattered into the iovs afterwards.
func scatterBuf(vs []C.d_iov_t) ([]byte, error) {
	if len(vs) == 1 {
		return cBytes(vs[0].iov_buf, vs[0].iov_buf_len, "iov 0")
	}
	var n uint64
	for i := range vs {
		n += uint64(vs[i].iov_buf_len)
	}
	if n > maxGather {
		return nil, inval("sg list of %d bytes in %d iovs: too large to scatter into", n, len(vs))
	}
	return make([]byte, n), nil
}

// scatter records that n bytes were read into the sg list (copying them
// from buf unless it is the single iov's own memory): iov_len of each iov
// and sg_nr_out.
func scatter(s *C.d_sg_list_t, vs []C.d_iov_t, buf []byte, n uint64) {
	left := n
	used := 0
	for i := range vs {
		take := min(left, uint64(vs[i].iov_buf_len))
		if len(vs) > 1 && take > 0 {
			// iovs checked the buffer: this cannot fail.
			b, _ := cBytes(vs[i].iov_buf, C.size_t(take), "")
			copy(b, buf[n-left:])
		}
		vs[i].iov_len = C.size_t(take)
		left -= take
		if take > 0 {
			used = i + 1
		}
	}
	s.sg_nr_out = C.uint32_t(used)
}

//export dgo_obj_generate_oid
func dgo_obj_generate_oid(coh C.uint64_t, oid *C.daos_obj_id_t, typ C.int, cid C.uint32_t, hints C.uint16_t, args C.uint32_t) C.int {
	if oid == nil {
		return rc(inval("generate oid: NULL oid"))
	}
	if typ < 0 || typ > C.DAOS_OT_MAX {
		// Before the handle, as DAOS checks: and before the narrowing
		// to placement.OType, which would make 267 ARRAY.
		return rc(inval("generate oid: object type %d (0 to %d)", typ, C.DAOS_OT_MAX))
	}
	_ = args // reserved in DAOS
	out, err := lib.GenerateOID(uint64(coh), oidFrom(*oid), placement.OType(typ), placement.ClassID(cid), placement.Hints(hints))
	if err != nil {
		return rc(err)
	}
	oid.lo, oid.hi = C.uint64_t(out.Lo), C.uint64_t(out.Hi)
	return 0
}

//export dgo_obj_open
func dgo_obj_open(coh C.uint64_t, oid C.daos_obj_id_t, mode C.uint, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil {
		return failed(ev, inval("object open: NULL handle"))
	}
	return run(ev, func(context.Context) error {
		h, err := lib.ObjOpen(uint64(coh), oidFrom(oid), uint32(mode))
		if err != nil {
			return err
		}
		setHandle(oh, h)
		return nil
	})
}

//export dgo_obj_close
func dgo_obj_close(oh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(context.Context) error { return lib.ObjClose(uint64(oh)) })
}

// objectIO is the object behind oh for an operation in transaction th
// (only DAOS_TX_NONE exists yet).
func objectIO(oh, th C.uint64_t) (*client.Object, error) {
	o, err := lib.Object(uint64(oh))
	if err == nil {
		err = noTx(th)
	}
	return o, err
}

// kvIO is objectIO for KV handles; write refuses read-only ones.
func kvIO(oh, th C.uint64_t, write bool) (*client.KV, error) {
	kv, err := lib.KV(uint64(oh), write)
	if err == nil {
		err = noTx(th)
	}
	return kv, err
}

// arrayIO is objectIO for array handles; write refuses read-only ones.
func arrayIO(oh, th C.uint64_t, write bool) (*client.Array, error) {
	a, err := lib.Array(uint64(oh), write)
	if err == nil {
		err = noTx(th)
	}
	return a, err
}

// noTx refuses transactions: until they exist, only DAOS_TX_NONE is valid.
func noTx(th C.uint64_t) error {
	if th != 0 {
		return daos.Errorf(daos.ErrNoHdl, "transaction handle %#x: transactions are not supported yet (use DAOS_TX_NONE)", uint64(th))
	}
	return nil
}

//export dgo_obj_update
func dgo_obj_update(oh, th C.uint64_t, flags C.uint64_t, dkey *C.daos_key_t, nr C.uint, ciods *C.daos_iod_t, sgls *C.d_sg_list_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	dk, err := key(dkey, "update dkey")
	if err != nil {
		return failed(ev, err)
	}
	ds, _, err := iods(nr, ciods, daos.CondFlags(flags)&daos.CondPerAkey != 0)
	if err != nil {
		return failed(ev, err)
	}
	if sgls == nil {
		return failed(ev, inval("update: NULL sg lists"))
	}
	data := make([][]byte, nr)
	for i, s := range unsafe.Slice(sgls, int(nr)) {
		if data[i], err = gather(&s); err != nil {
			return failed(ev, err)
		}
	}
	if ev != nil && inlineData(o, data) {
		return rc(start(ev, func(ctx context.Context, end func(error)) {
			o.StartUpdate(ctx, dk, ds, data, daos.CondFlags(flags), func(_ daos.Epoch, err error) {
				ev.ev_error = rc(err)
				end(err)
			})
		}))
	}
	// Data that goes by bulk (a 1 MiB extent) would hold this thread for
	// its copy into the connection: an event of a queue goes through the
	// submission stack instead, whose goroutine calls here again.
	if ev != nil && evQueue(ev) != nil && atomic.LoadUint64(evState(ev)) == C.DGO_EV_READY {
		return C.DGO_USE_RING
	}
	return run(ev, func(ctx context.Context) error {
		_, err := o.Update(ctx, dk, ds, data, daos.CondFlags(flags))
		return err
	})
}

//export dgo_obj_inline_bytes
func dgo_obj_inline_bytes() C.int {
	// The size from which an update's data goes by bulk, for the C layer
	// to send such updates with an event of a queue through the
	// submission stack without calling in first (each call in costs the
	// runtime a processor hand-off). libdaos's containers leave their
	// object clients' threshold at its default. Routing only: an update
	// the C layer calls in with is answered DGO_USE_RING as before.
	return C.int((&objclient.Client{}).InlineBytes())
}

// inlineData reports whether data travels inside an update's request, so
// that starting the update on the caller's thread costs it no transfer.
func inlineData(o *client.Object, data [][]byte) bool {
	n := 0
	for _, d := range data {
		n += len(d)
	}
	return n < o.InlineBytes()
}

//export dgo_obj_fetch
func dgo_obj_fetch(oh, th C.uint64_t, flags C.uint64_t, dkey *C.daos_key_t, nr C.uint, ciods *C.daos_iod_t, sgls *C.d_sg_list_t, ioms *C.daos_iom_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	dk, err := key(dkey, "fetch dkey")
	if err != nil {
		return failed(ev, err)
	}
	ds, cs, err := iods(nr, ciods, daos.CondFlags(flags)&daos.CondPerAkey != 0)
	if err != nil {
		return failed(ev, err)
	}
	if sgls == nil {
		// A size query.
		return run(ev, func(ctx context.Context) error {
			sizes, err := o.Sizes(ctx, daos.EpochMax, dk, ds)
			for i := range sizes {
				cs[i].iod_size = C.daos_size_t(sizes[i])
			}
			if err != nil || ioms == nil {
				return err
			}
			return fillIOMs(ctx, o, dk, ds, sizes, ioms)
		})
	}
	sl := unsafe.Slice(sgls, int(nr))
	vs := make([][]C.d_iov_t, nr)
	bufs := make([][]byte, nr)
	for i := range sl {
		if vs[i], err = iovs(&sl[i]); err != nil {
			return failed(ev, err)
		}
		if bufs[i], err = scatterBuf(vs[i]); err != nil {
			return failed(ev, err)
		}
		// A known record size that does not fit the buffer is refused
		// before asking, as DAOS does.
		if err := checkFetchFits(i, ds[i], ds[i].Size, len(bufs[i])); err != nil {
			return failed(ev, err)
		}
	}
	if ev != nil && ioms == nil && knownSizes(ds) {
		// The common case, one round trip: started here and completed
		// where its reply is read.
		return rc(start(ev, func(ctx context.Context, end func(error)) {
			o.StartFetch(ctx, daos.EpochMax, dk, ds, bufs, daos.CondFlags(flags), func(sizes []uint64, err error) {
				if err == nil {
					for i := range ds {
						cs[i].iod_size = C.daos_size_t(sizes[i])
						scatter(&sl[i], vs[i], bufs[i], min(ioBytes(ds[i], sizes[i]), uint64(len(bufs[i]))))
					}
				}
				ev.ev_error = rc(err)
				end(err)
			})
		}))
	}
	return run(ev, func(ctx context.Context) error {
		if err := resolveAnySizes(ctx, o, dk, ds, cs, bufs); err != nil {
			return err
		}
		sizes, err := o.Fetch(ctx, daos.EpochMax, dk, ds, bufs, daos.CondFlags(flags))
		if err != nil {
			return err
		}
		for i := range ds {
			cs[i].iod_size = C.daos_size_t(sizes[i])
			scatter(&sl[i], vs[i], bufs[i], min(ioBytes(ds[i], sizes[i]), uint64(len(bufs[i]))))
		}
		if ioms == nil {
			return nil
		}
		return fillIOMs(ctx, o, dk, ds, sizes, ioms)
	})
}

// fillIOMs answers a fetch's I/O maps, one per IOD, as DAOS's engine and
// client fill them: the type and the (found) record or value size; for
// an array the lowest and highest pieces holding data within the extents
// asked for, and with DAOS_IOMF_DETAIL all of them in iom_recxs (the
// caller's iom_nr of them, iom_nr_out saying how many there are; with
// NULL iom_recxs an array of them all is calloc'ed for the caller to
// free, iom_nr set to their number); a single value has none
// (iom_nr_out 0). The engine's fetch reply does not carry the pieces, so
// they come from listing each array akey's extents over the range
// fetched, just after the fetch (a write in between may show).
func fillIOMs(ctx context.Context, o *client.Object, dk []byte, ds []daos.IOD, sizes []uint64, ioms *C.daos_iom_t) error {
	ms := unsafe.Slice(ioms, len(ds))
	for i, d := range ds {
		m := &ms[i]
		m.iom_size = C.daos_size_t(sizes[i])
		m.iom_recx_lo, m.iom_recx_hi = C.daos_recx_t{}, C.daos_recx_t{}
		m.iom_nr_out = 0
		if d.Type != daos.IODArray {
			m.iom_type = C.DAOS_IOD_SINGLE
			continue
		}
		m.iom_type = C.DAOS_IOD_ARRAY
		detail := m.iom_flags&C.DAOS_IOMF_DETAIL != 0
		keep := 0
		if detail {
			keep = -1
			if m.iom_recxs != nil {
				keep = int(m.iom_nr)
			}
		}
		im, err := o.DataExtents(ctx, daos.EpochMax, dk, d.Name, d.Recxs, keep)
		if err != nil {
			return err
		}
		m.iom_recx_lo = C.daos_recx_t{rx_idx: C.uint64_t(im.Lo.Idx), rx_nr: C.uint64_t(im.Lo.Nr)}
		m.iom_recx_hi = C.daos_recx_t{rx_idx: C.uint64_t(im.Hi.Idx), rx_nr: C.uint64_t(im.Hi.Nr)}
		if !detail || im.Count == 0 {
			continue
		}
		if m.iom_recxs == nil {
			m.iom_recxs = (*C.daos_recx_t)(C.calloc(C.size_t(im.Count), C.size_t(unsafe.Sizeof(C.daos_recx_t{}))))
			if m.iom_recxs == nil {
				return daos.Errorf(daos.ErrNomem, "fetch: I/O map of IOD %d", i)
			}
			m.iom_nr = C.uint32_t(im.Count)
		}
		m.iom_nr_out = C.uint32_t(im.Count)
		out := unsafe.Slice(m.iom_recxs, len(im.Extents))
		for j, x := range im.Extents {
			out[j] = C.daos_recx_t{rx_idx: C.uint64_t(x.Idx), rx_nr: C.uint64_t(x.Nr)}
		}
	}
	return nil
}

// resolveAnySizes asks for the sizes of IODs fetched with DAOS_REC_ANY
// into a buffer (the object layer reads data only for a known size), and
// refuses with DER_REC2BIG, the size reported in iod_size, what does not
// fit.
// knownSizes reports whether every IOD gives its record size (none asks
// for whatever size is stored: DAOS_REC_ANY).
func knownSizes(ds []daos.IOD) bool {
	for i := range ds {
		if ds[i].Size == 0 {
			return false
		}
	}
	return true
}

func resolveAnySizes(ctx context.Context, o *client.Object, dk []byte, ds []daos.IOD, cs []C.daos_iod_t, bufs [][]byte) error {
	var any []int
	for i := range ds {
		if ds[i].Size == 0 {
			any = append(any, i)
		}
	}
	if len(any) == 0 {
		return nil
	}
	q := make([]daos.IOD, len(any))
	for j, i := range any {
		q[j] = ds[i]
	}
	sizes, err := o.Sizes(ctx, daos.EpochMax, dk, q)
	if err != nil {
		return err
	}
	for j, i := range any {
		ds[i].Size = sizes[j]
		cs[i].iod_size = C.daos_size_t(sizes[j])
		if err := checkFetchFits(i, ds[i], sizes[j], len(bufs[i])); err != nil {
			return err
		}
	}
	return nil
}

// ioBytes is how many bytes an IOD moves with records of size bytes;
// more than any buffer holds when that does not fit in 64 bits.
func ioBytes(d daos.IOD, size uint64) uint64 {
	d.Size = size
	n, ok := client.IODBytes(d)
	if !ok {
		return math.MaxUint64
	}
	return n
}

// checkFetchFits refuses IOD i of a fetch whose records of size bytes do
// not fit its sg list of have bytes (DER_REC2BIG, as DAOS does), or whose
// size does not fit in 64 bits at all (DER_INVAL: no extent can be that
// large, where a wrapped-around sum would pass as a few bytes).
func checkFetchFits(i int, d daos.IOD, size uint64, have int) error {
	d.Size = size
	need, ok := client.IODBytes(d)
	switch {
	case !ok:
		return inval("fetch: IOD %d: its extents of %d-byte records hold more than 2^64 bytes", i, size)
	case need > uint64(have):
		return daos.Errorf(daos.ErrRec2big, "fetch: IOD %d needs %d bytes, its sg list holds %d", i, need, have)
	}
	return nil
}

//export dgo_obj_punch
func dgo_obj_punch(oh, th C.uint64_t, flags C.uint64_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return o.Punch(ctx) })
}

// keys copies nr keys.
func keys(nr C.uint, in *C.daos_key_t, what string) ([][]byte, error) {
	if nr == 0 || in == nil || nr > maxIODs {
		return nil, inval("%s: %d keys (1 to %d)", what, nr, maxIODs)
	}
	out := make([][]byte, nr)
	for i, k := range unsafe.Slice(in, int(nr)) {
		var err error
		if out[i], err = key(&k, what); err != nil {
			return nil, err
		}
	}
	return out, nil
}

//export dgo_obj_punch_dkeys
func dgo_obj_punch_dkeys(oh, th C.uint64_t, flags C.uint64_t, nr C.uint, dkeys *C.daos_key_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	ks, err := keys(nr, dkeys, "punch dkeys")
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return o.PunchDkeys(ctx, ks, daos.CondFlags(flags)) })
}

//export dgo_obj_punch_akeys
func dgo_obj_punch_akeys(oh, th C.uint64_t, flags C.uint64_t, dkey *C.daos_key_t, nr C.uint, akeys *C.daos_key_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	dk, err := key(dkey, "punch akeys dkey")
	if err != nil {
		return failed(ev, err)
	}
	ks, err := keys(nr, akeys, "punch akeys")
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return o.PunchAkeys(ctx, dk, ks, daos.CondFlags(flags)) })
}

//export dgo_oclass_name2id
func dgo_oclass_name2id(name *C.char) C.int {
	if name == nil {
		return 0
	}
	return C.int(placement.Name2ID(C.GoString(name)))
}

//export dgo_oclass_names_list
func dgo_oclass_names_list(size C.size_t, buf *C.char) C.int {
	if size == 0 || buf == nil {
		return -C.DER_INVAL
	}
	// DAOS's form: every name followed by ", "; the length returned
	// counts them all, and a buffer they (and the NUL) do not fit is
	// -DER_OVERFLOW with nothing but a NUL in it.
	var b []byte
	for _, n := range placement.ClassNames() {
		b = append(append(b, n...), ", "...)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(size))
	out[0] = 0
	if len(b) >= int(size) {
		return -C.DER_OVERFLOW
	}
	out[copy(out, b)] = 0
	return C.int(len(b))
}

//export dgo_oclass_nr
func dgo_oclass_nr() C.int { return C.int(len(placement.ClassNames())) }

//export dgo_oclass_id2name
func dgo_oclass_id2name(id C.uint32_t, buf *C.char) C.int {
	name, ok := placement.ID2Name(placement.ClassID(id))
	if !ok {
		name = "UNKNOWN"
	}
	if buf != nil {
		out := unsafe.Slice((*byte)(unsafe.Pointer(buf)), C.MAX_OBJ_CLASS_NAME_LEN+1)
		n := copy(out[:C.MAX_OBJ_CLASS_NAME_LEN], name)
		out[n] = 0
	}
	if !ok {
		return -1
	}
	return 0
}
