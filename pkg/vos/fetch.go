package vos

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
)

// FetchOptions qualify a fetch.
type FetchOptions struct {
	// Flags: CondDkeyFetch, CondAkeyFetch or CondPerAkey make a missing
	// key DER_NONEXIST instead of an empty result.
	Flags daos.CondFlags
	// Tx lets a transaction read its own uncommitted writes.
	Tx TxID
}

// ExtentInfo is a written piece of an array as a read sees it.
type ExtentInfo struct {
	Recx  daos.Recx
	Epoch daos.Epoch
}

// FetchResult is what a fetch found for one IOD.
type FetchResult struct {
	// Size is the value size (single) or record size (array); 0 when
	// nothing is visible.
	Size uint64
	// Data is the value, or the requested extents back to back with holes
	// as zeros; nil when the IOD asked for the size only (RecAny).
	Data []byte
	// Csums are the stored checksums: of the value, or of each stored
	// extent that Extents came from (in Extents order).
	Csums [][]byte
	// Extents are the written pieces inside the requested ranges (arrays).
	Extents []ExtentInfo
	// Stored are the whole extents those pieces are of, as written (in
	// Extents order): where a piece is its whole extent, Csums are the
	// sums of exactly its data.
	Stored []daos.Recx
	// At is where each piece is in Data, in records (Extents order).
	At []uint64
}

// Fetch reads the IODs of dkey of oid as of epoch.
func (p *Pool) Fetch(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, opts FetchOptions) ([]FetchResult, error) {
	out := make([]FetchResult, len(iods))
	if err := p.FetchInto(ctx, cont, oid, epoch, dkeyName, iods, nil, out, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// FetchInto is Fetch into the caller's memory, as DAOS fetches into the
// caller's scatter-gather lists: the results go to res (one entry per IOD,
// overwritten), and the data of IOD i is read into bufs[i] when its
// capacity is enough (res[i].Data then shares bufs[i]'s memory); otherwise
// into new memory. bufs may be nil or shorter than iods.
func (p *Pool) FetchInto(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, bufs [][]byte, res []FetchResult, opts FetchOptions) error {
	return p.fetchInto(ctx, cont, oid, epoch, dkeyName, iods, bufs, res, opts, nil)
}

// MappedFetch is a fetch whose values on NVMe were not copied: its
// segments are slices of the device's mapped memory (as DAOS's
// vos_fetch_begin hands out the media's addresses for a bulk transfer),
// kept from reuse until End. Use it only to pass the data on (a bulk
// push), and never write to the segments: some are the stored values.
type MappedFetch struct {
	res   []FetchResult
	nvme  valueStore // the store pinned; nil: nothing pinned
	reads nvmeReads  // what is pinned
	views []*bdev.View
	segs  [][][]byte // per IOD; nil: res[i].Data
	ended bool
}

// BeginFetch is FetchInto for a caller that passes the data on: where the
// pool's NVMe device is RAM-backed and mapped, the values on it are handed
// out in place (their CRCs checked as reads check them) rather than read
// into bufs, and res[i].Data is nil for the IODs that have some; the data
// of IOD i is then Segments(i). Elsewhere it reads as FetchInto does, and
// Segments(i) is res[i].Data. Call End once done with the segments,
// whatever happened meanwhile; until then the extents the fetch found
// stay allocated (punches, overwrites and aggregation go on, and free
// them at End), and Close waits.
func (p *Pool) BeginFetch(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, bufs [][]byte, res []FetchResult, opts FetchOptions) (*MappedFetch, error) {
	f := &MappedFetch{res: res}
	if err := p.fetchInto(ctx, cont, oid, epoch, dkeyName, iods, bufs, res, opts, f); err != nil {
		return nil, err
	}
	return f, nil
}

// Segments is IOD i's data, as FetchResult.Data would hold it back to
// back (holes as zeros); nil when it has none. Valid until End.
func (f *MappedFetch) Segments(i int) [][]byte {
	if f.segs != nil && f.segs[i] != nil {
		return f.segs[i]
	}
	if f.res[i].Data == nil {
		return nil
	}
	return [][]byte{f.res[i].Data}
}

// ZeroCopy reports whether some segments are the device's memory.
func (f *MappedFetch) ZeroCopy() bool { return len(f.views) > 0 }

// End gives the device memory back: the extents the fetch found may be
// reused from now on. Ending twice is harmless.
func (f *MappedFetch) End() {
	if f.ended {
		return
	}
	f.ended = true
	for _, v := range f.views {
		v.Release()
	}
	f.views, f.segs = nil, nil
	if f.nvme != nil {
		f.nvme.unpin(f.reads)
		f.nvme, f.reads = nil, nil
	}
}

// fetchInto is FetchInto, or BeginFetch when mf is not nil.
func (p *Pool) fetchInto(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, bufs [][]byte, res []FetchResult, opts FetchOptions, mf *MappedFetch) error {
	if err := checkFetchArgs(oid, dkeyName, iods); err != nil {
		return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	if len(res) != len(iods) {
		return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName,
			daos.Errorf(daos.ErrInval, "%d result slots for %d IODs", len(res), len(iods)))
	}
	clear(res)
	var reads nvmeReads
	p.mu.RLock()
	err := p.fetch(ctx, cont, oid, view{epoch: epoch, tx: opts.Tx}, aliasString(dkeyName), iods, opts.Flags, bufs, res, &reads)
	sj, seen := p.pendingRead()
	if err != nil || len(reads) == 0 {
		p.mu.RUnlock()
		// Errors too (a conditional fetch's DER_NONEXIST, say) may rest
		// on what is not durable yet.
		if berr := p.readBarrier(ctx, sj, seen, false); berr != nil {
			err = berr
		}
		if err != nil {
			return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName, err)
		}
		return nil
	}
	// NVMe is read without the pool's lock, so writers of later epochs
	// need not wait for the device (nor, for a mapped fetch, for the
	// network). The pin, taken while the index still references the
	// extents found, keeps them from being reused until it ends.
	nvme := p.nvme
	nvme.pin(reads)
	p.mu.RUnlock()
	var m bdev.ReadMapper
	if mf != nil {
		m = nvme.readMapper()
	}
	if m == nil {
		err = reads.run(ctx, nvme)
		nvme.unpin(reads)
	} else {
		mf.nvme, mf.reads = nvme, reads
		err = mf.mapReads(nvme, m, reads)
	}
	if err == nil {
		// Nothing a writer waits for is held now (a pin blocks no one).
		err = p.readBarrier(ctx, sj, seen, false)
	}
	if err != nil {
		if mf != nil {
			mf.End()
		}
		return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	return nil
}

// mapReads makes the segments of the IODs that have values on NVMe: their
// result buffers (inline values, holes) around the mapped extents. The
// views go to f, to be released by End.
func (f *MappedFetch) mapReads(nvme valueStore, m bdev.ReadMapper, reads nvmeReads) error {
	slices.SortFunc(reads, func(x, y nvmeRead) int {
		return cmp.Or(cmp.Compare(x.iod, y.iod), cmp.Compare(x.off, y.off))
	})
	mapped := make(map[uint64][]byte, len(reads)) // extent offset: its bytes
	f.segs = make([][][]byte, len(f.res))
	for k := 0; k < len(reads); {
		i := reads[k].iod
		buf := f.res[i].Data
		var segs [][]byte
		at := uint64(0)
		for ; k < len(reads) && reads[k].iod == i; k++ {
			r := &reads[k]
			b, ok := mapped[r.ext.Off]
			if !ok {
				v, vb, err := nvme.mapRead(m, r.ext)
				if err != nil {
					return err
				}
				f.views = append(f.views, v)
				b, mapped[r.ext.Off] = vb, vb
			}
			n := uint64(len(r.dst))
			if r.off < at || r.from+n > uint64(len(b)) {
				// The index gave overlapping pieces, or one past its
				// extent: never hand out bytes that are not the value.
				return daos.Errorf(daos.ErrIo, "IOD %d: piece at byte %d (%d bytes from %d of a %d-byte extent) overlaps or overruns", i, r.off, n, r.from, len(b))
			}
			if r.off > at {
				segs = append(segs, buf[at:r.off])
			}
			segs = append(segs, b[r.from:r.from+n:r.from+n])
			at = r.off + n
		}
		if at < uint64(len(buf)) {
			segs = append(segs, buf[at:])
		}
		f.segs[i] = segs
		f.res[i].Data = nil
	}
	return nil
}

// dataBuf is n bytes for IOD i's data: the caller's buffer when it has the
// room, new memory otherwise. zero asks for the bytes to be cleared (array
// holes read as zeros); new memory always is.
func dataBuf(bufs [][]byte, i int, n uint64, zero bool) []byte {
	if i < len(bufs) && uint64(cap(bufs[i])) >= n {
		b := bufs[i][:n]
		if zero {
			clear(b)
		}
		return b
	}
	return make([]byte, n)
}

// nvmeRead is a value to copy from NVMe into a fetch result once the
// pool's lock is released: bytes [from, from+len(dst)) of the extent.
// iod and off place dst in the results: IOD iod's data at byte off.
type nvmeRead struct {
	ext  extent
	dst  []byte
	from uint64
	iod  int
	off  uint64
}

type nvmeReads []nvmeRead

// readInto fills dst, bytes [off, off+len(dst)) of IOD iod's data, with
// v's bytes from offset from: now if they are inline, later (run or
// mapReads) if they are on NVMe.
func (rs *nvmeReads) readInto(v value, dst []byte, from uint64, iod int, off uint64) {
	if v.ext == nil {
		copy(dst, v.inline[from:])
		return
	}
	*rs = append(*rs, nvmeRead{ext: *v.ext, dst: dst, from: from, iod: iod, off: off})
}

func (rs nvmeReads) run(ctx context.Context, nvme valueStore) error {
	for _, r := range rs {
		buf := r.dst
		if r.from != 0 || uint64(len(r.dst)) != r.ext.Len {
			buf = make([]byte, r.ext.Len)
		}
		if err := nvme.read(ctx, r.ext, buf); err != nil {
			return err
		}
		if &buf[0] != &r.dst[0] {
			copy(r.dst, buf[r.from:])
		}
	}
	return nil
}

func checkFetchArgs(oid daos.ObjectID, dkeyName []byte, iods []daos.IOD) error {
	if err := checkDkey(oid, dkeyName); err != nil {
		return err
	}
	if len(iods) == 0 || len(iods) > MaxIODs {
		return daos.Errorf(daos.ErrInval, "%d IODs (want 1 to %d)", len(iods), MaxIODs)
	}
	total := uint64(0) // bytes the fetch may have to return
	for i := range iods {
		if err := checkKey("akey", iods[i].Name); err != nil {
			return err
		}
		switch iods[i].Type {
		case daos.IODSingle:
			// The result is as large as the stored value, not the buffer.
		case daos.IODArray:
			if len(iods[i].Recxs) > MaxRecxs {
				return daos.Errorf(daos.ErrInval, "akey %q: %d extents (at most %d)", iods[i].Name, len(iods[i].Recxs), MaxRecxs)
			}
			for _, r := range iods[i].Recxs {
				if r.Nr == 0 || r.End() < r.Idx {
					return daos.Errorf(daos.ErrInval, "akey %q: extent %s is empty or overflows", iods[i].Name, r)
				}
				if iods[i].Size != daos.RecAny {
					n, ok := mulNoOverflow(r.Nr, iods[i].Size)
					if !ok || n > MaxFetchBytes {
						return daos.Errorf(daos.ErrInval, "akey %q: extent %s of %d-byte records exceeds %d bytes", iods[i].Name, r, iods[i].Size, MaxFetchBytes)
					}
					total += n
				}
			}
		default:
			return daos.Errorf(daos.ErrInval, "akey %q: IOD type %d", iods[i].Name, iods[i].Type)
		}
		if total > MaxFetchBytes {
			return daos.Errorf(daos.ErrInval, "fetch of more than %d bytes", MaxFetchBytes)
		}
	}
	return nil
}

// mulNoOverflow multiplies, reporting whether the product fits 64 bits.
func mulNoOverflow(a, b uint64) (uint64, bool) {
	if a != 0 && b > ^uint64(0)/a {
		return 0, false
	}
	return a * b, true
}

func (p *Pool) fetch(ctx context.Context, cont ContainerID, oid daos.ObjectID, v view, dkeyName string,
	iods []daos.IOD, flags daos.CondFlags, bufs [][]byte, out []FetchResult, reads *nvmeReads) error {
	c, err := p.container(cont)
	if err != nil {
		return err
	}
	var d *dkey
	floor := daos.Epoch(0)
	if o := c.object(oid, false); o != nil {
		floor = v.floor(0, o.punches)
		d = o.dkey(dkeyName, false)
	}
	if flags&daos.CondDkeyFetch != 0 && (d == nil || !d.exists(v, floor)) {
		return daos.Errorf(daos.ErrNonexist, "conditional fetch: dkey does not exist")
	}
	for i := range iods {
		var a *akey
		afloor := floor
		if d != nil {
			a = d.akey(aliasString(iods[i].Name), false)
			afloor = v.floor(floor, d.punchList())
		}
		af := flags
		if flags&daos.CondPerAkey != 0 {
			af = iods[i].Flags
		}
		if af&daos.CondAkeyFetch != 0 && (a == nil || !a.exists(v, afloor)) {
			return daos.Errorf(daos.ErrNonexist, "conditional fetch: akey %q does not exist", iods[i].Name)
		}
		if a == nil {
			if iods[i].Type == daos.IODArray && iods[i].Size != daos.RecAny {
				out[i].Data = dataBuf(bufs, i, totalRecords(iods[i].Recxs)*iods[i].Size, true)
			}
			continue
		}
		afloor = v.floor(afloor, a.punchList())
		if iods[i].Type == daos.IODSingle {
			err = p.fetchSV(a, v, afloor, &iods[i], bufs, i, &out[i], reads)
		} else {
			err = p.fetchArray(a, v, afloor, &iods[i], bufs, i, &out[i], reads)
		}
		if err != nil {
			return fmt.Errorf("akey %q: %w", iods[i].Name, err)
		}
	}
	return nil
}

func totalRecords(rs []daos.Recx) uint64 {
	n := uint64(0)
	for _, r := range rs {
		n += r.Nr
	}
	return n
}

func (p *Pool) fetchSV(a *akey, v view, floor daos.Epoch, iod *daos.IOD, bufs [][]byte, bi int, res *FetchResult, reads *nvmeReads) error {
	i := a.newestSV(v, floor)
	if i < 0 || a.svs[i].size() == 0 {
		return nil
	}
	r := &a.svs[i]
	res.Size = r.size()
	if r.csum != nil {
		res.Csums = [][]byte{[]byte(*r.csum)}
	}
	if iod.Size == daos.RecAny {
		return nil
	}
	if iod.Size < res.Size {
		return daos.Errorf(daos.ErrRec2big, "value of %d bytes does not fit a %d-byte buffer", res.Size, iod.Size)
	}
	res.Data = dataBuf(bufs, bi, res.Size, false)
	reads.readInto(r.val, res.Data, 0, bi, 0)
	return nil
}

func (p *Pool) fetchArray(a *akey, v view, floor daos.Epoch, iod *daos.IOD, bufs [][]byte, bi int, res *FetchResult, reads *nvmeReads) error {
	type piece struct {
		dst  uint64 // byte offset in the output
		frag fragment
	}
	var pieces []piece
	base := uint64(0)
	for _, want := range iod.Recxs {
		for _, f := range visibleFragments(a.extents(), v, floor, want) {
			if res.Size == 0 {
				res.Size = f.rec.rsize
			} else if f.rec.rsize != res.Size {
				return daos.Errorf(daos.ErrRecSize, "records of %d and %d bytes in one fetch", res.Size, f.rec.rsize)
			}
			pieces = append(pieces, piece{dst: base + (f.recx.Idx - want.Idx), frag: f})
			res.Extents = append(res.Extents, ExtentInfo{Recx: f.recx, Epoch: f.rec.epoch})
			res.Stored = append(res.Stored, f.rec.recx)
			res.At = append(res.At, base+(f.recx.Idx-want.Idx))
			res.Csums = append(res.Csums, csumBytes(f.rec.csum))
		}
		base += want.Nr
	}
	if iod.Size == daos.RecAny {
		return nil
	}
	if res.Size != 0 && iod.Size != res.Size {
		return daos.Errorf(daos.ErrRecSize, "asked for %d-byte records, stored %d", iod.Size, res.Size)
	}
	// Only the holes are cleared: the pieces overwrite the rest (clearing
	// a 1 MiB buffer that a 1 MiB extent then fills cost a tenth of a
	// read's CPU).
	res.Data = dataBuf(bufs, bi, base*iod.Size, false)
	spans := make([]span, 0, len(pieces))
	for _, pc := range pieces {
		r := pc.frag.rec
		from := (pc.frag.recx.Idx - r.recx.Idx) * r.rsize
		n := pc.frag.recx.Nr * r.rsize
		reads.readInto(r.val, res.Data[pc.dst*r.rsize:pc.dst*r.rsize+n], from, bi, pc.dst*r.rsize)
		spans = append(spans, span{pc.dst * r.rsize, n})
	}
	clearHoles(res.Data, spans)
	return nil
}

// span is bytes [off, off+n) of a fetch buffer that a piece fills.
type span struct{ off, n uint64 }

// clearHoles zeroes the bytes of b that no span covers.
func clearHoles(b []byte, spans []span) {
	slices.SortFunc(spans, func(x, y span) int { return cmp.Compare(x.off, y.off) })
	at := uint64(0)
	for _, s := range spans {
		if s.off > at {
			clear(b[at:s.off])
		}
		at = max(at, s.off+s.n)
	}
	if at < uint64(len(b)) {
		clear(b[at:])
	}
}

func csumBytes(c string) []byte {
	if c == "" {
		return nil
	}
	return []byte(c)
}
