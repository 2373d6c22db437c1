// Package objsrv serves object I/O on an engine: the handlers of
// pkg/object/objproto's opcodes. Each request is checked (pool map
// version, target index, sizes), stamped with the engine's hybrid logical
// clock, and run on the executor of the target that holds the shard,
// against that target's VOS pool.
package objsrv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/bufpool"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// Targets finds the engine's targets.
type Targets interface {
	Target(idx uint32) (*target.Target, error)
}

// PoolMaps reports the pool map version an engine holds for a pool, to
// refuse requests placed with an older map (DER_STALE). ok is false when
// the engine holds no map for the pool (no check then).
type PoolMaps interface {
	MapVersion(pool objproto.UUID) (version uint32, ok bool)
}

// MapLearner is a PoolMaps that hears of requests placed with a newer
// map than the engine's, or for a pool it holds no version of: the
// engine missed a version and may go and learn it. The request is served
// (the sender's map came from the pool service); NewerMap must not block.
type MapLearner interface {
	NewerMap(pool objproto.UUID, version uint32)
}

// Handles resolves container handles, so that only clients that opened
// a container do I/O on it. ContHandle gives the container that handle is open
// on in pool, and whether it was opened for writing (RW or EX); an
// unknown handle is DER_NO_HDL.
type Handles interface {
	ContHandle(ctx context.Context, pool, handle objproto.UUID) (HandleInfo, error)
}

// HandleInfo is what an open container handle allows.
type HandleInfo struct {
	// Cont is the container it is open on.
	Cont objproto.UUID
	// Write: open for writing.
	Write bool
	// Csum is how the container sums its data: the data a request
	// carries or reads must be summed so.
	Csum csum.Spec
}

// Metrics receives one observation per request served (iostats.Stats).
type Metrics interface {
	Observe(target uint32, op string, bytes int64, d time.Duration, err error)
}

// observed wraps a handler so that every call is counted under op.
func observed[R any](s *Service, op string, h func(context.Context, *rpc.Incoming, *R) (rpc.Message, error),
	what func(*R, rpc.Message) (uint32, int64)) func(context.Context, *rpc.Incoming, *R) (rpc.Message, error) {
	return func(ctx context.Context, in *rpc.Incoming, req *R) (rpc.Message, error) {
		start := time.Now()
		resp, err := h(ctx, in, req)
		if s.Metrics != nil {
			tgt, n := what(req, resp)
			s.Metrics.Observe(tgt, op, n, time.Since(start), err)
		}
		return resp, err
	}
}

// fetchedBytes is what a fetch returned (not the room the caller gave):
// each single value's size, each array's record size times the records
// asked for (holes read as zeros).
func fetchedBytes(r *objproto.FetchReq, resp rpc.Message) int64 {
	fr, ok := resp.(*objproto.FetchResp)
	if !ok || fr == nil {
		return 0
	}
	var n uint64
	for i, iod := range r.IODs {
		if i >= len(fr.Sizes) || fr.Sizes[i] == 0 {
			continue
		}
		if iod.Type != daos.IODArray {
			n += fr.Sizes[i]
			continue
		}
		for _, x := range iod.Recxs {
			n += fr.Sizes[i] * x.Nr
		}
	}
	return int64(n)
}

// Service is the object I/O service of one engine.
type Service struct {
	Targets Targets
	Clock   *hlc.Clock
	// Handles is required: without it every request is refused, so a
	// forgotten field fails closed rather than skipping the check.
	Handles Handles
	// Maps may be nil: no map version checks.
	Maps PoolMaps
	// Metrics may be nil: nothing counted.
	Metrics Metrics

	bufs sync.Pool
	// small holds the buffers small fetches read into and reply from,
	// given back once the reply has gone.
	small bufpool.Pool
}

// Register adds the object opcodes to reg.
func (s *Service) Register(reg *rpc.Registry) error {
	for _, op := range []struct {
		op   rpc.Opcode
		name string
		h    rpc.Handler
		// borrow: the handler keeps nothing of the request once it has
		// returned (VOS copies the keys and values it stores), so the
		// request's memory can carry the next one (rpc.RegisterBorrowing).
		borrow bool
	}{
		{objproto.OpUpdate, "obj_update", rpc.Handle(observed(s, "update", s.update,
			func(r *objproto.UpdateReq, _ rpc.Message) (uint32, int64) { return r.Target, r.Data.Len })), true},
		{objproto.OpFetch, "obj_fetch", rpc.Handle(observed(s, "fetch", s.fetch,
			func(r *objproto.FetchReq, resp rpc.Message) (uint32, int64) { return r.Target, fetchedBytes(r, resp) })), false},
		{objproto.OpPunch, "obj_punch", rpc.Handle(observed(s, "punch", s.punch,
			func(r *objproto.PunchReq, _ rpc.Message) (uint32, int64) { return r.Target, 0 })), false},
		{objproto.OpEnum, "obj_enum", rpc.Handle(observed(s, "enumerate", s.enum,
			func(r *objproto.EnumReq, _ rpc.Message) (uint32, int64) { return r.Target, 0 })), false},
		{objproto.OpQueryKey, "obj_query_key", rpc.Handle(observed(s, "query_key", s.queryKey,
			func(r *objproto.QueryKeyReq, _ rpc.Message) (uint32, int64) { return r.Target, 0 })), false},
		{objproto.OpBatch, "obj_batch", rpc.Handle(observed(s, "batch", s.batch,
			func(r *objproto.BatchReq, _ rpc.Message) (uint32, int64) { return r.Target, 0 })), false},
		// Each target's part is counted as its own query or punch.
		{objproto.OpCollective, "obj_coll", rpc.Handle(s.collective), false},
	} {
		register := reg.Register
		if op.borrow {
			register = reg.RegisterBorrowing
		}
		if err := register(op.op, op.name, op.h); err != nil {
			return fmt.Errorf("register object service: %w", err)
		}
	}
	return nil
}

// check validates the header, that its container handle is open on its
// container (and writable when write is set), and finds the target.
func (s *Service) check(ctx context.Context, h *objproto.Header, a access) (*target.Target, uint32, error) {
	// A sender's clock (or a write's explicit epoch) far ahead of this
	// engine's would stamp writes that hide every later one.
	if err := s.Clock.Check(h.HLC); err != nil {
		return nil, 0, err
	}
	if a&accWrite != 0 && h.Epoch != 0 {
		if err := s.Clock.Check(h.Epoch); err != nil {
			return nil, 0, err
		}
	}
	s.Clock.Update(h.HLC)
	var version uint32
	if s.Maps != nil {
		v, ok := s.Maps.MapVersion(h.Pool)
		if ok {
			version = v
			if h.MapVersion < v {
				return nil, v, daos.Errorf(daos.ErrStale, "pool map version %d is older than the engine's %d: refresh the pool map", h.MapVersion, v)
			}
		}
		if l, isLearner := s.Maps.(MapLearner); isLearner && (!ok || h.MapVersion > v) {
			l.NewerMap(h.Pool, h.MapVersion)
		}
	}
	if err := s.checkHandle(ctx, h, a); err != nil {
		return nil, version, err
	}
	t, err := s.Targets.Target(h.Target)
	if err != nil {
		return nil, version, err
	}
	return t, version, nil
}

func (s *Service) checkHandle(ctx context.Context, h *objproto.Header, a access) error {
	if s.Handles == nil {
		return daos.Errorf(daos.ErrNoHdl, "this engine cannot check container handles")
	}
	info, err := s.Handles.ContHandle(ctx, h.Pool, h.ContHandle)
	if err != nil {
		return fmt.Errorf("container handle %s: %w", uuidString(h.ContHandle), err)
	}
	if info.Cont != h.Cont {
		return daos.Errorf(daos.ErrNoHdl, "container handle %s is not open on container %s", uuidString(h.ContHandle), uuidString(h.Cont))
	}
	if a&accWrite != 0 && !info.Write {
		return daos.Errorf(daos.ErrNoPerm, "container handle %s is read-only", uuidString(h.ContHandle))
	}
	// Data in or out is summed as the container says, whatever the
	// client thinks: a client that sums nothing (or otherwise) would
	// store data nobody can check.
	if a&accData != 0 && h.Csum != info.Csum {
		return daos.Errorf(daos.ErrInval, "container %s sums its data with %s, the request with %s",
			uuidString(h.Cont), info.Csum, h.Csum)
	}
	return nil
}

// access is what a request does with a container.
type access uint8

const (
	accRead  access = 0
	accWrite access = 1 << iota // changes it
	accData                     // carries or reads values
)

func uuidString(u objproto.UUID) string { return target.UUID(u).String() }

// dataLens is how many bytes each IOD's data takes: the value size for a
// single value, records times record size for an array.
func dataLens(iods []daos.IOD) ([]int64, int64, error) {
	lens := make([]int64, len(iods))
	var total int64
	for i, iod := range iods {
		var n uint64
		switch iod.Type {
		case daos.IODSingle:
			n = iod.Size
		case daos.IODArray:
			var recs uint64
			for _, r := range iod.Recxs {
				if r.Nr > vos.MaxFetchBytes || recs+r.Nr > vos.MaxFetchBytes {
					return nil, 0, daos.Errorf(daos.ErrInval, "IOD %q: too many records", iod.Name)
				}
				recs += r.Nr
			}
			if iod.Size != 0 && recs > vos.MaxFetchBytes/iod.Size {
				return nil, 0, daos.Errorf(daos.ErrInval, "IOD %q: %d records of %d bytes is too much", iod.Name, recs, iod.Size)
			}
			n = recs * iod.Size
		}
		if n > vos.MaxFetchBytes || uint64(total)+n > vos.MaxFetchBytes {
			return nil, 0, daos.Errorf(daos.ErrInval, "IODs describe more than %d bytes", vos.MaxFetchBytes)
		}
		lens[i] = int64(n)
		total += int64(n)
	}
	return lens, total, nil
}

func (s *Service) buf(n int64) []byte {
	if n <= 0 {
		return nil
	}
	if b, ok := s.bufs.Get().(*[]byte); ok && int64(cap(*b)) >= n {
		return (*b)[:n]
	}
	return make([]byte, n)
}

// minPooled is the smallest buffer worth keeping in the pool.
const minPooled = 64 << 10

func (s *Service) put(b []byte) {
	if cap(b) >= minPooled && cap(b) <= 16<<20 {
		s.bufs.Put(&b)
	}
}

func (s *Service) update(ctx context.Context, in *rpc.Incoming, req *objproto.UpdateReq) (rpc.Message, error) {
	t, version, err := s.check(ctx, &req.Header, accWrite|accData)
	if err != nil {
		return nil, err
	}
	lens, total, err := dataLens(req.IODs)
	if err != nil {
		return nil, err
	}
	if total != req.Data.Len {
		return nil, daos.Errorf(daos.ErrInval, "update: the IODs describe %d bytes, the request carries %d", total, req.Data.Len)
	}
	// Conditional updates take the buffered path, which can stamp again
	// when a condition meets a newer change (see stamped).
	if total >= ZeroCopyMin && req.Flags == 0 {
		// The epoch is taken before the data arrives (VOS checks it at
		// Begin), as DAOS stamps an update when its handler starts.
		epoch := req.Epoch
		if epoch == 0 {
			epoch = s.Clock.Now()
		}
		if done, err := s.updateInPlace(ctx, in, req, t, epoch, lens); done || err != nil {
			if err != nil {
				return nil, err
			}
			return &objproto.UpdateResp{Epoch: epoch, MapVersion: version, HLC: s.Clock.Now()}, nil
		}
	}
	var buf []byte
	if req.Data.Handle.IsZero() && int64(len(req.Data.Inline)) == total {
		// Inline data is the request's own memory, valid while the
		// handler runs (VOS copies what it keeps): no buffer, no copy.
		buf = req.Data.Inline
	} else {
		buf = s.buf(total)
		defer s.put(buf)
		if total > 0 {
			if err := in.Pull(ctx, req.Data, [][]byte{buf}); err != nil {
				return nil, fmt.Errorf("update: fetch the data: %w", err)
			}
		}
	}
	data := make([][]byte, len(lens))
	off := int64(0)
	for i, n := range lens {
		data[i] = buf[off : off+n]
		off += n
	}
	perIOD := make([][][]byte, len(data))
	for i := range data {
		perIOD[i] = data[i : i+1 : i+1]
	}
	sums, err := updateCsums(&req.Header, req.IODs, perIOD, lens, req.Csums)
	if err != nil {
		return nil, err
	}
	cont := vos.ContainerID(req.Cont)
	epoch, err := s.stamped(req.Epoch, func(epoch daos.Epoch) error {
		return t.Exec.Run(ctx, func(ctx context.Context) error {
			vp, err := t.Container(ctx, target.UUID(req.Pool), cont)
			if err != nil {
				return err
			}
			return vp.Update(ctx, cont, req.OID, epoch, req.Dkey, req.IODs, data, vos.UpdateOptions{Flags: req.Flags, Csums: sums})
		})
	})
	if err != nil {
		return nil, err
	}
	return &objproto.UpdateResp{Epoch: epoch, MapVersion: version, HLC: s.Clock.Now()}, nil
}

// maxRestamps bounds how often one write is stamped again.
const maxRestamps = 8

// stamped runs apply at the request's epoch or, when the engine stamps
// it (epoch 0), at the clock's now, stamping again when VOS answers
// DER_TX_RESTART: a conditional write met a change made at a newer epoch
// by a request that took its stamp later but got to the target first.
// The new stamp is after that change, so the condition is decided on the
// latest state. A client's own epoch is never changed: it gets the error.
func (s *Service) stamped(reqEpoch daos.Epoch, apply func(daos.Epoch) error) (daos.Epoch, error) {
	for try := 0; ; try++ {
		epoch := reqEpoch
		if epoch == 0 {
			epoch = s.Clock.Now()
		}
		err := apply(epoch)
		if reqEpoch != 0 || try == maxRestamps || !errors.Is(err, daos.ErrTxRestart) {
			return epoch, err
		}
	}
}

// ZeroCopyMin is the update size from which the data is pulled straight
// into the NVMe device's memory (VOS's two-phase update) when the
// target's pool can take it; smaller updates go through a pooled buffer,
// whose extra copy costs less than the reservation.
const ZeroCopyMin = 64 << 10

// updateInPlace is the update as DAOS does it (vos_update_begin, bulk
// transfer into the reserved media, vos_update_end): VOS reserves the
// extents and hands out their memory, the bulk lands there, and the commit
// runs on the target's executor. done is false, with nothing done, when
// the target's pool cannot take the data in place (no NVMe that can be
// mapped): the caller then takes the buffered path.
func (s *Service) updateInPlace(ctx context.Context, in *rpc.Incoming, req *objproto.UpdateReq, t *target.Target, epoch daos.Epoch, lens []int64) (bool, error) {
	cont := vos.ContainerID(req.Cont)
	// What VOS stores with the extents; checked against the data once it
	// has landed.
	var sums [][][]byte
	if req.Csum.On() {
		sums = make([][][]byte, len(req.IODs))
		for i := range req.IODs {
			if i < len(req.Csums) {
				sums[i] = req.Csum.Split(&req.IODs[i], uint64(lens[i]), req.Csums[i])
			}
		}
	}
	var u *vos.PendingUpdate
	err := t.Exec.Run(ctx, func(ctx context.Context) error {
		vp, err := t.Container(ctx, target.UUID(req.Pool), cont)
		if err != nil {
			return err
		}
		if !vp.ZeroCopyUpdates() {
			return nil
		}
		u, err = vp.BeginUpdate(ctx, cont, req.OID, epoch, req.Dkey, req.IODs, vos.UpdateOptions{Flags: req.Flags, Csums: sums})
		return err
	})
	if err != nil {
		return true, err
	}
	if u == nil {
		return false, nil
	}
	// Whatever fails from here, the reservations go back (Abort does
	// nothing after Commit).
	defer u.Abort()
	if err := in.Pull(ctx, req.Data, u.Segments()); err != nil {
		return true, fmt.Errorf("update: fetch the data: %w", err)
	}
	if _, err := updateCsums(&req.Header, req.IODs, splitSegs(u.Segments(), lens), lens, req.Csums); err != nil {
		return true, err
	}
	return true, t.Exec.Run(ctx, u.Commit)
}

func (s *Service) fetch(ctx context.Context, in *rpc.Incoming, req *objproto.FetchReq) (rpc.Message, error) {
	a := accData
	if req.SizeOnly {
		a = accRead
	}
	t, version, err := s.check(ctx, &req.Header, a)
	if err != nil {
		return nil, err
	}
	lens, total, err := dataLens(req.IODs)
	if err != nil {
		return nil, err
	}
	if !req.SizeOnly && total > req.Data.Len {
		return nil, daos.Errorf(daos.ErrInval, "fetch: the IODs describe %d bytes, the caller has room for %d", total, req.Data.Len)
	}
	if req.Csum.On() && !req.SizeOnly {
		for i := range req.IODs {
			if err := req.Csum.Fits(&req.IODs[i], uint64(lens[i]), objproto.MaxCsumBytes); err != nil {
				return nil, fmt.Errorf("fetch: %w", err)
			}
		}
	}
	epoch := req.Epoch
	if epoch == 0 {
		epoch = daos.EpochMax
	}
	cont := vos.ContainerID(req.Cont)
	iods := req.IODs
	if req.SizeOnly {
		// Ask VOS for sizes only.
		iods = make([]daos.IOD, len(req.IODs))
		for i, iod := range req.IODs {
			iods[i] = iod
			iods[i].Size = daos.RecAny
		}
	}
	res := make([]vos.FetchResult, len(iods))
	// Large reads go into pooled memory rather than a new buffer per
	// call (1 MiB array reads otherwise allocate, and zero, 1 MiB each
	// and drive the collector). The data is copied out (inline reply) or
	// written to the caller (bulk push) before the handler returns.
	var bufs [][]byte
	if !req.SizeOnly && total >= minPooled {
		buf := s.buf(total)
		defer s.put(buf)
		bufs = cutBuf(buf, lens)
	} else if !req.SizeOnly && total > 0 && total <= bufpool.Max {
		// The reply carries these bytes (inline data) or they are pushed
		// before the handler returns: the buffer goes back after the reply.
		buf := s.small.Get(int(total))
		in.AfterReply(func() { s.small.Put(buf) })
		bufs = cutBuf(buf, lens)
	}
	// Large reads are pushed from the device's memory where VOS can hand
	// it out (BeginFetch), saving the copy into the buffer; the extents
	// stay pinned until the push is over, whatever its outcome.
	var mf *vos.MappedFetch
	defer func() {
		if mf != nil {
			mf.End()
		}
	}()
	err = t.Exec.Run(ctx, func(ctx context.Context) error {
		vp, ok, err := t.HasContainer(target.UUID(req.Pool), cont)
		if err != nil {
			return err
		}
		if !ok {
			// A container never written here holds nothing, so a fetch
			// conditional on a key finds none, as VOS would say.
			if daos.CondFlags(req.Flags)&(daos.CondDkeyFetch|daos.CondAkeyFetch) != 0 {
				return daos.Errorf(daos.ErrNonexist, "fetch: dkey %q does not exist", req.Dkey)
			}
			return nil
		}
		if !req.SizeOnly && total >= ZeroCopyMin {
			mf, err = vp.BeginFetch(ctx, cont, req.OID, epoch, req.Dkey, iods, bufs, res, vos.FetchOptions{Flags: req.Flags})
			return err
		}
		return vp.FetchInto(ctx, cont, req.OID, epoch, req.Dkey, iods, bufs, res, vos.FetchOptions{Flags: req.Flags})
	})
	if err != nil {
		return nil, err
	}
	resp := &objproto.FetchResp{Sizes: make([]uint64, len(res)), MapVersion: version}
	for i, r := range res {
		resp.Sizes[i] = r.Size
		if req.IODs[i].Type == daos.IODSingle && req.IODs[i].Size != daos.RecAny && r.Size > req.IODs[i].Size && !req.SizeOnly {
			return nil, daos.Errorf(daos.ErrRec2big, "fetch: akey %q holds %d bytes, the caller gave room for %d", req.IODs[i].Name, r.Size, req.IODs[i].Size)
		}
	}
	if !req.SizeOnly && total > 0 {
		// The caller's layout: each IOD's room in order, whatever it
		// holds now (shorter single values leave the rest untouched).
		segs := make([][]byte, 0, len(res))
		if req.Csum.On() {
			resp.Csums = make([][]byte, len(res))
		}
		for i, r := range res {
			data := [][]byte{r.Data}
			if mf != nil {
				data = mf.Segments(i)
			}
			start := len(segs)
			segs = appendSized(segs, data, lens[i])
			if resp.Csums != nil {
				n := csum.FetchedBytes(&req.IODs[i], r.Size, uint64(lens[i]))
				if resp.Csums[i] = storedSums(req.Csum, &req.IODs[i], &r, n); resp.Csums[i] != nil {
					continue
				}
				// Summed here: first the whole stored extents among
				// what was read are checked against the sums their
				// writer made, so that what is summed is what was
				// stored.
				if err := checkStoredExtents(req.Csum, &req.IODs[i], &r, segs[start:]); err != nil {
					return nil, fmt.Errorf("fetch: %w", err)
				}
				if resp.Csums[i], err = req.Csum.Compute(nil, &req.IODs[i], segs[start:], n); err != nil {
					return nil, fmt.Errorf("fetch: checksums of akey %q: %w", req.IODs[i].Name, err)
				}
			}
		}
		if req.Data.Handle.IsZero() && total < minPooled && mf == nil && len(segs) == 1 && int64(len(segs[0])) <= req.Data.Len {
			// One value in a buffer of this call's (VOS's, or a small
			// one given back after the reply): it goes into the reply as
			// it is instead of through a copy.
			resp.Inline = segs[0]
		} else {
			inline, err := in.Push(ctx, rpc.Bulk{Len: req.Data.Len, Handle: req.Data.Handle, Inline: req.Data.Inline}, segs)
			if err != nil {
				return nil, fmt.Errorf("fetch: return the data: %w", err)
			}
			resp.Inline = inline
		}
	}
	resp.HLC = s.Clock.Now()
	return resp, nil
}

// storedSums are the sums stored with what a fetch read when they cover
// exactly the n bytes it returns (a whole single value; one whole extent
// asked for as it was written): the sums the writing client made, which
// the reader then checks the data against, end to end. Nil otherwise,
// and the engine sums what it returns.
func storedSums(spec csum.Spec, iod *daos.IOD, r *vos.FetchResult, n uint64) []byte {
	if len(r.Csums) != 1 || n == 0 {
		return nil
	}
	sums := r.Csums[0]
	if len(sums) != spec.Count(iod, n)*spec.Type.Size() {
		return nil
	}
	if iod.Type != daos.IODArray {
		if n != r.Size {
			return nil
		}
		return sums
	}
	if len(iod.Recxs) != 1 || len(r.Extents) != 1 || len(r.Stored) != 1 ||
		r.Extents[0].Recx != iod.Recxs[0] || r.Stored[0] != iod.Recxs[0] {
		return nil
	}
	return sums
}

// checkStoredExtents checks the pieces of an array fetch that are whole
// stored extents (res.Extents[k] == res.Stored[k]) against the sums
// stored with them, where they were stored with sums of this spec; segs
// hold the IOD's data as returned. DER_CSUM: the stored data changed.
// Pieces of extents cannot be checked without the rest of their chunks;
// VOS checks its own CRC of every extent on NVMe as it reads it.
func checkStoredExtents(spec csum.Spec, iod *daos.IOD, r *vos.FetchResult, segs [][]byte) error {
	if iod.Type != daos.IODArray || r.Size == 0 || len(r.Stored) != len(r.Extents) || len(r.Csums) != len(r.Extents) || len(r.At) != len(r.Extents) {
		return nil
	}
	for k, piece := range r.Extents {
		if piece.Recx != r.Stored[k] {
			continue
		}
		whole := daos.IOD{Name: iod.Name, Type: daos.IODArray, Size: r.Size, Recxs: []daos.Recx{piece.Recx}}
		n := piece.Recx.Nr * r.Size
		if len(r.Csums[k]) != spec.Count(&whole, n)*spec.Type.Size() {
			continue // stored without sums, or with others
		}
		off := r.At[k] * r.Size
		if err := spec.Verify(&whole, sliceSegs(segs, off, n), n, r.Csums[k]); err != nil {
			return fmt.Errorf("stored extent [%d, %d) does not match the checksums it was written with: %w",
				piece.Recx.Idx, piece.Recx.Idx+piece.Recx.Nr, err)
		}
	}
	return nil
}

// sliceSegs is the n bytes from off of the data segs hold back to back.
func sliceSegs(segs [][]byte, off, n uint64) [][]byte {
	var out [][]byte
	for _, s := range segs {
		if n == 0 {
			break
		}
		if off >= uint64(len(s)) {
			off -= uint64(len(s))
			continue
		}
		take := min(uint64(len(s))-off, n)
		out = append(out, s[off:off+take])
		n -= take
		off = 0
	}
	return out
}

// updateCsums checks an update's data (each IOD's as segments) against
// the checksums it came with when the container asks engines to
// (srv_cksum), and returns the checksums cut per extent, as VOS stores
// them (nil: the container sums nothing).
func updateCsums(h *objproto.Header, iods []daos.IOD, data [][][]byte, lens []int64, sums [][]byte) ([][][]byte, error) {
	if !h.Csum.On() {
		return nil, nil
	}
	if len(sums) != len(iods) {
		return nil, daos.Errorf(daos.ErrInval, "update: the container sums its data with %s but the request carries %d checksum lists for %d IODs",
			h.Csum.Type, len(sums), len(iods))
	}
	out := make([][][]byte, len(iods))
	for i := range iods {
		n := uint64(lens[i])
		if err := h.Csum.Fits(&iods[i], n, vos.MaxCsumBytes); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		if h.Csum.ServerVerify {
			if err := h.Csum.Verify(&iods[i], data[i], n, sums[i]); err != nil {
				return nil, fmt.Errorf("update: %w", err)
			}
		}
		if out[i] = h.Csum.Split(&iods[i], n, sums[i]); out[i] == nil && n > 0 {
			return nil, daos.Errorf(daos.ErrCsum, "update: akey %q: %d bytes of checksums do not fit its data", iods[i].Name, len(sums[i]))
		}
	}
	return out, nil
}

// splitSegs cuts a list of segments holding every IOD's data back to
// back into one list per IOD, of the IODs' lengths.
func splitSegs(segs [][]byte, lens []int64) [][][]byte {
	segs = slices.Clone(segs) // its first entry is cut as it goes
	out := make([][][]byte, len(lens))
	for i, n := range lens {
		for n > 0 && len(segs) > 0 {
			s := segs[0]
			if int64(len(s)) > n {
				out[i] = append(out[i], s[:n])
				segs[0] = s[n:]
				n = 0
				break
			}
			out[i] = append(out[i], s)
			n -= int64(len(s))
			segs = segs[1:]
		}
	}
	return out
}

// cutBuf cuts buf into one slice per IOD, of the IODs' lengths.
func cutBuf(buf []byte, lens []int64) [][]byte {
	bufs := make([][]byte, len(lens))
	off := int64(0)
	for i, n := range lens {
		bufs[i] = buf[off : off+n : off+n]
		off += n
	}
	return bufs
}

// zeros pads the data of short values; it is only ever read.
var zeros = make([]byte, 64<<10)

// appendSized appends data, cut or padded with zeros to n bytes, to segs.
func appendSized(segs, data [][]byte, n int64) [][]byte {
	for _, d := range data {
		if n == 0 {
			break
		}
		if int64(len(d)) > n {
			d = d[:n]
		}
		if len(d) > 0 {
			segs = append(segs, d)
		}
		n -= int64(len(d))
	}
	for n > 0 {
		z := zeros[:min(n, int64(len(zeros)))]
		segs = append(segs, z)
		n -= int64(len(z))
	}
	return segs
}

func (s *Service) punch(ctx context.Context, _ *rpc.Incoming, req *objproto.PunchReq) (rpc.Message, error) {
	t, version, err := s.check(ctx, &req.Header, accWrite)
	if err != nil {
		return nil, err
	}
	cont := vos.ContainerID(req.Cont)
	opts := vos.PunchOptions{Flags: req.Flags}
	epoch, err := s.stamped(req.Epoch, func(epoch daos.Epoch) error {
		return t.Exec.Run(ctx, func(ctx context.Context) error {
			vp, err := t.Container(ctx, target.UUID(req.Pool), cont)
			if err != nil {
				return err
			}
			switch req.Kind {
			case objproto.PunchObject:
				return vp.PunchObject(ctx, cont, req.OID, epoch, opts)
			case objproto.PunchDkeys:
				return vp.PunchDkeys(ctx, cont, req.OID, epoch, req.Keys, opts)
			default:
				return vp.PunchAkeys(ctx, cont, req.OID, epoch, req.Dkey, req.Keys, opts)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	return &objproto.UpdateResp{Epoch: epoch, MapVersion: version, HLC: s.Clock.Now()}, nil
}

// maxEnum bounds one enumeration reply's entries, maxEnumBytes its keys'
// bytes: 4096 keys of up to 64 KiB would not fit a reply (about 1 MiB).
const (
	maxEnum      = 4096
	maxEnumBytes = 512 << 10
)

// pageKeys lists up to max keys after anchor whose bytes add up to at most
// maxEnumBytes, leaving the anchor on the last key returned. list is VOS's
// listing; it is asked for a few keys at a time so long keys are not all
// read only to be dropped.
func pageKeys(anchor *vos.Anchor, max int, list func(a *vos.Anchor, n int) ([][]byte, error)) ([][]byte, error) {
	var out [][]byte
	size := 0
	ask := min(max, 16)
	for {
		from := anchor.Key
		keys, err := list(anchor, ask)
		if err != nil {
			return out, err
		}
		for i, k := range keys {
			if size+len(k) > maxEnumBytes {
				if len(out) == 0 {
					return nil, daos.Errorf(daos.ErrKey2big, "key of %d bytes does not fit an enumeration reply of %d", len(k), maxEnumBytes)
				}
				// Resume after the last key included.
				last := from
				if i > 0 {
					last = keys[i-1]
				}
				anchor.Key, anchor.EOF = last, false
				return out, nil
			}
			out = append(out, k)
			size += len(k)
		}
		if anchor.EOF || len(out) >= max {
			return out, nil
		}
		// Ask for as many more as the bytes left would hold at the mean
		// key size so far.
		ask = max - len(out)
		if size > 0 {
			ask = min(ask, (maxEnumBytes-size)*len(out)/size+1)
		}
	}
}

func (s *Service) enum(ctx context.Context, _ *rpc.Incoming, req *objproto.EnumReq) (rpc.Message, error) {
	t, version, err := s.check(ctx, &req.Header, accRead)
	if err != nil {
		return nil, err
	}
	max := int(req.Max)
	if max <= 0 || max > maxEnum {
		max = maxEnum
	}
	epoch := req.Epoch
	if epoch == 0 {
		epoch = daos.EpochMax
	}
	cont := vos.ContainerID(req.Cont)
	resp := &objproto.EnumResp{MapVersion: version}
	err = t.Exec.Run(ctx, func(ctx context.Context) error {
		vp, ok, err := t.HasContainer(target.UUID(req.Pool), cont)
		if err != nil {
			return err
		}
		if !ok {
			resp.EOF = true
			return nil
		}
		anchor := &vos.Anchor{Key: req.Anchor}
		switch req.Kind {
		case objproto.EnumObjects:
			resp.OIDs, err = vp.ListObjects(cont, epoch, anchor, max, vos.ReadOptions{})
		case objproto.EnumDkeys:
			resp.Keys, err = pageKeys(anchor, max, func(a *vos.Anchor, n int) ([][]byte, error) {
				return vp.ListDkeys(cont, req.OID, epoch, a, n, vos.ReadOptions{})
			})
		case objproto.EnumAkeys:
			resp.Keys, err = pageKeys(anchor, max, func(a *vos.Anchor, n int) ([][]byte, error) {
				return vp.ListAkeys(cont, req.OID, epoch, req.Dkey, a, n, vos.ReadOptions{})
			})
		default:
			var exts []vos.ExtentInfo
			exts, resp.RecordSize, err = vp.ListRecx(cont, req.OID, epoch, req.Dkey, req.Akey, anchor, max, vos.ReadOptions{})
			for _, x := range exts {
				resp.Extents = append(resp.Extents, objproto.Extent{Recx: x.Recx, Epoch: x.Epoch})
			}
		}
		if errors.Is(err, daos.ErrNonexist) {
			err, anchor.EOF = nil, true
		}
		resp.Anchor, resp.EOF = anchor.Key, anchor.EOF
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func (s *Service) queryKey(ctx context.Context, _ *rpc.Incoming, req *objproto.QueryKeyReq) (rpc.Message, error) {
	t, version, err := s.check(ctx, &req.Header, accRead)
	if err != nil {
		return nil, err
	}
	epoch := req.Epoch
	if epoch == 0 {
		epoch = daos.EpochMax
	}
	cont := vos.ContainerID(req.Cont)
	var qr vos.QueryResult
	err = t.Exec.Run(ctx, func(ctx context.Context) error {
		vp, ok, err := t.HasContainer(target.UUID(req.Pool), cont)
		if err != nil {
			return err
		}
		if !ok {
			return daos.Errorf(daos.ErrNonexist, "query key: the object has no data")
		}
		qr, err = vp.QueryKey(cont, req.OID, epoch, req.Query, req.Dkey, req.Akey, vos.ReadOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &objproto.QueryKeyResp{Dkey: qr.Dkey, Akey: qr.Akey, Recx: qr.Recx, MapVersion: version, MaxEpoch: qr.MaxEpoch}, nil
}
