package vos

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/daos-go/daos/pkg/daos"
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
	// NVMe reads run without the pool's lock, so writers of later epochs
	// need not wait for the device. Holding nvmeReadMu keeps the extents
	// from being freed and reused meanwhile (releasing one takes it
	// exclusively, which only aggregation, discard, abort and overwrites do).
	p.nvmeReadMu.RLock()
	nvme := p.nvme
	p.mu.RUnlock()
	defer p.nvmeReadMu.RUnlock()
	if err := reads.run(ctx, nvme); err != nil {
		return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	// nvmeReadMu is still held: a writer holding the pool's lock may be
	// waiting for it, so the barrier must not take that lock.
	if err := p.readBarrier(ctx, sj, seen, true); err != nil {
		return fmt.Errorf("fetch %s/%s dkey %q: %w", cont, oid, dkeyName, err)
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
type nvmeRead struct {
	ext  extent
	dst  []byte
	from uint64
}

type nvmeReads []nvmeRead

// readInto fills dst with v's bytes from offset from: now if they are
// inline, later (run) if they are on NVMe.
func (rs *nvmeReads) readInto(v value, dst []byte, from uint64) {
	if v.ext == nil {
		copy(dst, v.inline[from:])
		return
	}
	*rs = append(*rs, nvmeRead{ext: *v.ext, dst: dst, from: from})
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
	reads.readInto(r.val, res.Data, 0)
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
		reads.readInto(r.val, res.Data[pc.dst*r.rsize:pc.dst*r.rsize+n], from)
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
