package client

import (
	"context"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"sort"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
)

// Array layout, as DAOS's dc_array lays it out (src/client/array):
//   - dkeys are 8-byte little-endian integers (array oid types have
//     integer dkeys, which VOS orders numerically);
//   - dkey 0 holds only the metadata: a single value under akey "0" of
//     three uint64 (little-endian, the host order DAOS writes them in):
//     magic 0xdaca55a9daca55a9, cell size, chunk size;
//   - chunk k (cells [k*chunk, (k+1)*chunk)) is dkey k+1, whose akey "0"
//     is an array of cell-size records indexed from 0 within the chunk.
//
// So arrays written here read back in DAOS and the reverse.
const arrayMagic = 0xdaca55a9daca55a9

var arrayAkey = []byte{'0'}

// arrayParallel bounds the chunk I/Os one call has in flight.
const arrayParallel = 8

// Range is a run of cells (daos_range_t): Len cells from Idx.
type Range struct {
	Idx uint64
	Len uint64
}

// ReadResult counts a read's cells (daos_array_iod_t outputs): Read were
// below the array's size, ShortRead at or past it.
type ReadResult struct {
	Read      uint64
	ShortRead uint64
}

// ArrayStat is daos_array_stbuf_t.
type ArrayStat struct {
	Size uint64
	// MaxEpoch is the epoch of the newest change to the array among the
	// groups holding records (0: none).
	MaxEpoch daos.Epoch
}

// Array is a DAOS array object (daos_array_*) opened for I/O.
type Array struct {
	obj       *Object
	cellSize  uint64
	chunkSize uint64
}

func dkeyOf(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func isArrayType(t placement.OType) bool {
	return t == placement.OTArray || t == placement.OTArrayAttr || t == placement.OTArrayByte
}

// CreateArray creates the array oid with its cell size (bytes) and chunk
// size (cells per dkey) and opens it (daos_array_create). The metadata
// goes in with insert conditions, so an existing array is DER_EXIST.
func (c *Container) CreateArray(ctx context.Context, oid daos.ObjectID, cellSize, chunkSize uint64) (*Array, error) {
	if !isArrayType(placement.OIDType(oid)) {
		return nil, daos.Errorf(daos.ErrInval, "object %s is of type %d, not an array type", oid, placement.OIDType(oid))
	}
	if cellSize == 0 || chunkSize == 0 {
		return nil, daos.Errorf(daos.ErrInval, "array cell size %d, chunk size %d: both must be positive", cellSize, chunkSize)
	}
	a, err := c.newArray(oid, cellSize, chunkSize)
	if err != nil {
		return nil, err
	}
	md := make([]byte, 0, 24)
	md = binary.LittleEndian.AppendUint64(md, arrayMagic)
	md = binary.LittleEndian.AppendUint64(md, cellSize)
	md = binary.LittleEndian.AppendUint64(md, chunkSize)
	iod := daos.IOD{Name: arrayAkey, Type: daos.IODSingle, Size: uint64(len(md))}
	if _, err := a.obj.Update(ctx, dkeyOf(0), []daos.IOD{iod}, [][]byte{md}, daos.CondDkeyInsert|daos.CondAkeyInsert); err != nil {
		return nil, err
	}
	return a, nil
}

// OpenArray opens an array created by CreateArray and reads its cell and
// chunk sizes from its metadata (daos_array_open). As in DAOS the oid
// must be of type ARRAY; no metadata is DER_NONEXIST, metadata that is
// not an array's DER_NO_PERM.
func (c *Container) OpenArray(ctx context.Context, oid daos.ObjectID) (*Array, error) {
	if placement.OIDType(oid) != placement.OTArray {
		return nil, daos.Errorf(daos.ErrInval, "object %s is of type %d: opening with metadata needs type ARRAY", oid, placement.OIDType(oid))
	}
	o, err := c.Object(oid)
	if err != nil {
		return nil, err
	}
	md := make([]byte, 24)
	iod := daos.IOD{Name: arrayAkey, Type: daos.IODSingle, Size: uint64(len(md))}
	sizes, err := o.Fetch(ctx, daos.EpochMax, dkeyOf(0), []daos.IOD{iod}, [][]byte{md}, daos.CondDkeyFetch|daos.CondAkeyFetch)
	if errors.Is(err, daos.ErrRec2big) {
		return nil, daos.Errorf(daos.ErrNoPerm, "object %s: dkey 0 holds no array metadata", oid)
	}
	if err != nil {
		return nil, err
	}
	// Size 0 is checked too: a target that never held the container
	// answers a conditional fetch with nothing rather than an error.
	if sizes[0] == 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "array %s was never created", oid)
	}
	cell, chunk := binary.LittleEndian.Uint64(md[8:]), binary.LittleEndian.Uint64(md[16:])
	if sizes[0] != 24 || binary.LittleEndian.Uint64(md) != arrayMagic || cell == 0 || chunk == 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "object %s: dkey 0 holds no array metadata", oid)
	}
	return &Array{obj: o, cellSize: cell, chunkSize: chunk}, nil
}

// OpenArrayWithAttr opens an array whose sizes the caller knows, without
// reading metadata (daos_array_open_with_attr); as in DAOS the oid must be
// of type ARRAY_ATTR or ARRAY_BYTE.
func (c *Container) OpenArrayWithAttr(oid daos.ObjectID, cellSize, chunkSize uint64) (*Array, error) {
	if t := placement.OIDType(oid); t != placement.OTArrayAttr && t != placement.OTArrayByte {
		return nil, daos.Errorf(daos.ErrInval, "object %s is of type %d: opening with attributes needs type ARRAY_ATTR or ARRAY_BYTE", oid, t)
	}
	if cellSize == 0 || chunkSize == 0 {
		return nil, daos.Errorf(daos.ErrInval, "array cell size %d, chunk size %d: both must be positive", cellSize, chunkSize)
	}
	return c.newArray(oid, cellSize, chunkSize)
}

// SharedArray is an array of any array type whose sizes came from the
// process that opened it (daos_array_global2local): nothing is read.
func (c *Container) SharedArray(oid daos.ObjectID, cellSize, chunkSize uint64) (*Array, error) {
	if !placement.OIDType(oid).IsArray() && placement.OIDType(oid) != placement.OTArrayAttr {
		return nil, daos.Errorf(daos.ErrInval, "object %s is of type %d, not an array type", oid, placement.OIDType(oid))
	}
	if cellSize == 0 || chunkSize == 0 {
		return nil, daos.Errorf(daos.ErrInval, "array cell size %d, chunk size %d: both must be positive", cellSize, chunkSize)
	}
	return c.newArray(oid, cellSize, chunkSize)
}

func (c *Container) newArray(oid daos.ObjectID, cellSize, chunkSize uint64) (*Array, error) {
	o, err := c.Object(oid)
	if err != nil {
		return nil, err
	}
	return &Array{obj: o, cellSize: cellSize, chunkSize: chunkSize}, nil
}

// CellSize is the size of a cell in bytes.
func (a *Array) CellSize() uint64 { return a.cellSize }

// ChunkSize is the number of cells per dkey.
func (a *Array) ChunkSize() uint64 { return a.chunkSize }

// Object is the array's underlying object.
func (a *Array) Object() *Object { return a.obj }

// piece is the part of one range that falls in one chunk.
type piece struct {
	chunk uint64    // chunk index; dkey chunk+1
	recx  daos.Recx // cells within the chunk
	off   uint64    // byte offset of the piece in the flattened sg list
}

func (p piece) dkey() []byte { return dkeyOf(p.chunk + 1) }

// RangeBytes is the number of cells ranges cover and their size in bytes
// with cells of cellSize; an error when a range or a sum overflows.
func RangeBytes(ranges []Range, cellSize uint64) (cells, n uint64, err error) {
	for _, r := range ranges {
		if r.Idx+r.Len < r.Idx {
			return 0, 0, daos.Errorf(daos.ErrInval, "array range [%d, +%d) overflows", r.Idx, r.Len)
		}
		var carry uint64
		if cells, carry = bits.Add64(cells, r.Len, 0); carry != 0 {
			return 0, 0, daos.Errorf(daos.ErrInval, "array ranges of more than 2^64 cells")
		}
	}
	hi, n := bits.Mul64(cells, cellSize)
	if hi != 0 {
		return 0, 0, daos.Errorf(daos.ErrInval, "array I/O of %d cells of %d bytes overflows", cells, cellSize)
	}
	return cells, n, nil
}

// split cuts ranges into per-chunk pieces, in sg-list order, and checks
// that the ranges and the sg list are the same length. The lengths are
// compared first: ranges the buffers cannot hold make no pieces (a huge
// range would make one per chunk, without bound).
func (a *Array) split(ranges []Range, sglBytes uint64) ([]piece, error) {
	cells, n, err := RangeBytes(ranges, a.cellSize)
	if err != nil {
		return nil, err
	}
	if n != sglBytes {
		return nil, daos.Errorf(daos.ErrInval, "array I/O of %d cells of %d bytes with %d bytes of buffers", cells, a.cellSize, sglBytes)
	}
	var out []piece
	cells = 0
	for _, r := range ranges {
		end := r.Idx + r.Len
		for cell := r.Idx; cell < end; {
			rel := cell % a.chunkSize
			n := min(a.chunkSize-rel, end-cell)
			out = append(out, piece{chunk: cell / a.chunkSize, recx: daos.Recx{Idx: rel, Nr: n}, off: cells * a.cellSize})
			cells += n
			cell += n
		}
	}
	return out, nil
}

// sgList is the caller's buffers with their starting offsets.
type sgList struct {
	bufs   [][]byte
	starts []uint64
	total  uint64
}

func newSGList(bufs [][]byte) sgList {
	s := sgList{bufs: bufs, starts: make([]uint64, len(bufs))}
	for i, b := range bufs {
		s.starts[i] = s.total
		s.total += uint64(len(b))
	}
	return s
}

// slice is bytes [off, off+n) of the list: the caller's memory when one
// buffer holds them all, else nil (the caller copies through a bounce
// buffer with copyOut/copyIn).
func (s sgList) slice(off, n uint64) []byte {
	i := sort.Search(len(s.starts), func(i int) bool { return s.starts[i] > off }) - 1
	for i >= 0 && i < len(s.bufs) && uint64(len(s.bufs[i])) == 0 {
		i++
	}
	if i < 0 || i >= len(s.bufs) {
		return nil
	}
	rel := off - s.starts[i]
	if rel+n <= uint64(len(s.bufs[i])) {
		return s.bufs[i][rel : rel+n : rel+n]
	}
	return nil
}

// copyOut gathers bytes from off into dst.
func (s sgList) copyOut(dst []byte, off uint64) {
	for i, b := range s.bufs {
		if len(dst) == 0 {
			return
		}
		end := s.starts[i] + uint64(len(b))
		if off >= end {
			continue
		}
		n := copy(dst, b[off-s.starts[i]:])
		dst, off = dst[n:], off+uint64(n)
	}
}

// copyIn scatters src into the list from off.
func (s sgList) copyIn(src []byte, off uint64) {
	for i, b := range s.bufs {
		if len(src) == 0 {
			return
		}
		end := s.starts[i] + uint64(len(b))
		if off >= end {
			continue
		}
		n := copy(b[off-s.starts[i]:], src)
		src, off = src[n:], off+uint64(n)
	}
}

// parallel runs fn(i) for i in [0, n) with at most arrayParallel at once
// and returns the first error.
func parallel(ctx context.Context, workers goer, n int, fn func(ctx context.Context, i int) error) error {
	if n == 1 {
		return fn(ctx, 0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, arrayParallel)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			<-sem
			break
		}
		wg.Add(1)
		workers.Go(func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return firstErr
}

// goer runs functions on goroutines (objclient.Client reuses them).
type goer interface{ Go(f func()) }

// Write writes the cells of ranges from the sg list bufs, both consumed
// in order (daos_array_write); their lengths must agree. Chunks are
// written in parallel.
func (a *Array) Write(ctx context.Context, ranges []Range, bufs [][]byte) error {
	sg := newSGList(bufs)
	pieces, err := a.split(ranges, sg.total)
	if err != nil {
		return err
	}
	return parallel(ctx, a.obj.c.IO, len(pieces), func(ctx context.Context, i int) error {
		p := pieces[i]
		n := p.recx.Nr * a.cellSize
		data := sg.slice(p.off, n)
		if data == nil {
			data = make([]byte, n)
			sg.copyOut(data, p.off)
		}
		iod := daos.IOD{Name: arrayAkey, Type: daos.IODArray, Size: a.cellSize, Recxs: []daos.Recx{p.recx}}
		_, err := a.obj.Update(ctx, p.dkey(), []daos.IOD{iod}, [][]byte{data}, 0)
		return err
	})
}

// WriteAt writes buf (whole cells) at cell offset off.
func (a *Array) WriteAt(ctx context.Context, off uint64, buf []byte) error {
	return a.Write(ctx, []Range{{Idx: off, Len: uint64(len(buf)) / a.cellSize}}, [][]byte{buf})
}

// Read reads the cells of ranges into the sg list bufs (daos_array_read).
// Holes below the array's size read as zeros; the result counts the cells
// below the size (Read) and at or past it (ShortRead), whose buffer bytes
// are zeros.
//
// The counts need the size only when the read may pass the end: alongside
// the chunk fetches one small query asks whether the highest cell read is
// written; only when it is not is the size asked of every group (DAOS
// likewise asks for the size only when a read looks short).
func (a *Array) Read(ctx context.Context, ranges []Range, bufs [][]byte) (ReadResult, error) {
	sg := newSGList(bufs)
	pieces, err := a.split(ranges, sg.total)
	if err != nil {
		return ReadResult{}, err
	}
	if len(pieces) == 0 {
		return ReadResult{}, nil
	}
	var top uint64 // the highest cell read
	for _, p := range pieces {
		top = max(top, p.chunk*a.chunkSize+p.recx.End()-1)
	}
	var size uint64
	// Task 0 is the size probe; the rest fetch one piece each.
	err = parallel(ctx, a.obj.c.IO, len(pieces)+1, func(ctx context.Context, i int) error {
		if i == 0 {
			iod := daos.IOD{Name: arrayAkey, Type: daos.IODArray, Size: daos.RecAny, Recxs: []daos.Recx{{Idx: top % a.chunkSize, Nr: 1}}}
			sizes, err := a.obj.Sizes(ctx, daos.EpochMax, dkeyOf(top/a.chunkSize+1), []daos.IOD{iod})
			if err != nil {
				return err
			}
			if sizes[0] != 0 {
				size = top + 1 // enough: nothing read is past the end
				return nil
			}
			size, err = a.GetSize(ctx)
			return err
		}
		p := pieces[i-1]
		n := p.recx.Nr * a.cellSize
		buf := sg.slice(p.off, n)
		direct := buf != nil
		if !direct {
			buf = make([]byte, n)
		}
		iod := daos.IOD{Name: arrayAkey, Type: daos.IODArray, Size: a.cellSize, Recxs: []daos.Recx{p.recx}}
		sizes, err := a.obj.Fetch(ctx, daos.EpochMax, p.dkey(), []daos.IOD{iod}, [][]byte{buf}, 0)
		if err != nil {
			return err
		}
		if sizes[0] == 0 {
			clear(buf) // nothing written in the extent: all hole
		}
		if !direct {
			sg.copyIn(buf, p.off)
		}
		return nil
	})
	if err != nil {
		return ReadResult{}, err
	}
	var res ReadResult
	for _, r := range ranges {
		switch {
		case size <= r.Idx:
			res.ShortRead += r.Len
		case size >= r.Idx+r.Len:
			res.Read += r.Len
		default:
			res.Read += size - r.Idx
			res.ShortRead += r.Idx + r.Len - size
		}
	}
	return res, nil
}

// ReadAt reads buf (whole cells) from cell offset off.
func (a *Array) ReadAt(ctx context.Context, off uint64, buf []byte) (ReadResult, error) {
	return a.Read(ctx, []Range{{Idx: off, Len: uint64(len(buf)) / a.cellSize}}, [][]byte{buf})
}

// punchExtent removes cells recx of chunk: an array update with record
// size 0, as DAOS punches extents.
func (a *Array) punchExtent(ctx context.Context, chunk uint64, recx daos.Recx) error {
	iod := daos.IOD{Name: arrayAkey, Type: daos.IODArray, Size: 0, Recxs: []daos.Recx{recx}}
	_, err := a.obj.Update(ctx, dkeyOf(chunk+1), []daos.IOD{iod}, [][]byte{nil}, 0)
	return err
}

// Punch removes cells [off, off+n) (daos_array_punch): whole chunks lose
// their dkey, partial ones the extent.
func (a *Array) Punch(ctx context.Context, off, n uint64) error {
	pieces, err := a.split([]Range{{Idx: off, Len: n}}, n*a.cellSize)
	if err != nil {
		return err
	}
	return parallel(ctx, a.obj.c.IO, len(pieces), func(ctx context.Context, i int) error {
		p := pieces[i]
		if p.recx.Idx == 0 && p.recx.Nr == a.chunkSize {
			return a.obj.PunchDkeys(ctx, [][]byte{p.dkey()}, 0)
		}
		return a.punchExtent(ctx, p.chunk, p.recx)
	})
}

// GetSize is 1 + the highest written cell, 0 for an empty array
// (daos_array_get_size): the greatest chunk dkey's greatest extent.
func (a *Array) GetSize(ctx context.Context) (uint64, error) {
	st, err := a.Stat(ctx)
	return st.Size, err
}

// Stat is the array's size and the epoch of its newest change
// (daos_array_stat): each group's greatest chunk holding a record and its
// greatest extent, asked of all the groups an engine holds at once.
func (a *Array) Stat(ctx context.Context) (ArrayStat, error) {
	req := objproto.CollReq{Kind: objproto.CollQueryKey, Query: daos.GetMax | daos.GetDkey | daos.GetRecx, Akey: arrayAkey}
	resps, errs, err := a.obj.eachGroupAt(ctx, req, daos.EpochMax)
	if err != nil {
		return ArrayStat{}, err
	}
	// A group without records answers DER_NONEXIST.
	if err := firstError(errs, isNonexist); err != nil {
		return ArrayStat{}, err
	}
	var st ArrayStat
	for _, resp := range resps {
		if resp == nil {
			continue
		}
		st.Size = max(st.Size, a.chunkEnd(resp.Dkey, resp.Recx))
		st.MaxEpoch = max(st.MaxEpoch, resp.MaxEpoch)
	}
	return st, nil
}

func (a *Array) chunkEnd(dkey []byte, recx daos.Recx) uint64 {
	if len(dkey) != 8 {
		return 0
	}
	d := binary.LittleEndian.Uint64(dkey)
	if d == 0 {
		return 0 // metadata
	}
	return (d-1)*a.chunkSize + recx.End()
}

// groupDkeys lists the integer dkeys of group g.
func (a *Array) groupDkeys(ctx context.Context, g int) ([]uint64, error) {
	var out []uint64
	var anchor []byte
	for {
		var resp *objproto.EnumResp
		err := a.obj.withShard(ctx, nil, g, func(h objproto.Header, s objclient.Shard) error {
			h.Epoch = daos.EpochMax
			var err error
			resp, err = a.obj.c.IO.Enumerate(ctx, s, objproto.EnumReq{Header: h, Kind: objproto.EnumDkeys, Anchor: anchor, Max: 1024})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, k := range resp.Keys {
			if len(k) == 8 {
				out = append(out, binary.LittleEndian.Uint64(k))
			}
		}
		if resp.EOF {
			return out, nil
		}
		anchor = resp.Anchor
	}
}

// chunkDkeys lists the chunk indexes that have a dkey, over all groups.
func (a *Array) chunkDkeys(ctx context.Context) ([]uint64, error) {
	l, err := a.obj.currentLayout()
	if err != nil {
		return nil, err
	}
	// The groups are listed at once: a truncate or a copy of an SX file
	// would otherwise wait for a dozen listings one after the other.
	per := make([][]uint64, l.Groups)
	err = parallel(ctx, a.obj.c.IO, l.Groups, func(ctx context.Context, g int) error {
		var err error
		per[g], err = a.groupDkeys(ctx, g)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, ds := range per {
		for _, d := range ds {
			if d > 0 {
				out = append(out, d-1)
			}
		}
	}
	return out, nil
}

// Chunks lists, in increasing order, the chunks of the array that hold
// records (written data or the zero cell an extension leaves); every
// other chunk is a hole. A copier reads only these.
func (a *Array) Chunks(ctx context.Context) ([]uint64, error) {
	cs, err := a.chunkDkeys(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(cs)
	return slices.Compact(cs), nil
}

// SetSize makes the array size cells long (daos_array_set_size): chunks
// wholly past the new end lose their dkey, the chunk holding it loses the
// cells past it, and cell size-1 is written as zeros if it holds nothing,
// so that GetSize reports size (DAOS's way; an extension reads as a hole).
func (a *Array) SetSize(ctx context.Context, size uint64) error {
	chunks, err := a.chunkDkeys(ctx)
	if err != nil {
		return err
	}
	type cut struct {
		chunk uint64
		from  uint64 // first cell within the chunk to go; 0: the whole chunk
	}
	var cuts []cut
	for _, k := range chunks {
		start := k * a.chunkSize
		switch {
		case start >= size:
			cuts = append(cuts, cut{chunk: k})
		case size-start < a.chunkSize:
			cuts = append(cuts, cut{chunk: k, from: size - start})
		}
	}
	err = parallel(ctx, a.obj.c.IO, len(cuts), func(ctx context.Context, i int) error {
		c := cuts[i]
		if c.from == 0 {
			return a.obj.PunchDkeys(ctx, [][]byte{dkeyOf(c.chunk + 1)}, 0)
		}
		return a.punchExtent(ctx, c.chunk, daos.Recx{Idx: c.from, Nr: a.chunkSize - c.from})
	})
	if err != nil || size == 0 {
		return err
	}
	last := size - 1
	chunk, rel := last/a.chunkSize, last%a.chunkSize
	iod := daos.IOD{Name: arrayAkey, Type: daos.IODArray, Size: daos.RecAny, Recxs: []daos.Recx{{Idx: rel, Nr: 1}}}
	sizes, err := a.obj.Sizes(ctx, daos.EpochMax, dkeyOf(chunk+1), []daos.IOD{iod})
	if err != nil || sizes[0] != 0 {
		return err
	}
	iod.Size = a.cellSize
	_, err = a.obj.Update(ctx, dkeyOf(chunk+1), []daos.IOD{iod}, [][]byte{make([]byte, a.cellSize)}, 0)
	return err
}

// Destroy punches the whole array object, metadata included
// (daos_array_destroy).
func (a *Array) Destroy(ctx context.Context) error { return a.obj.Punch(ctx) }
