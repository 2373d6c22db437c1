package vos

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
	"github.com/daos-go/daos/pkg/media/vea"
)

// nvmeStore keeps large values on a block device, in extents handed out by
// the allocator. The allocator's state is not persisted: at open it is
// rebuilt from the extents the recovered index references, so a crash can
// neither leak nor double-allocate space.
type nvmeStore struct {
	dev     bdev.Device
	alloc   *vea.Allocator
	block   uint64
	syncs   syncGroup
	readers readers
}

func newNVMeStore(dev bdev.Device) *nvmeStore {
	block := uint64(dev.BlockSize())
	s := &nvmeStore{dev: dev, alloc: vea.New(uint64(dev.Size()) / block), block: block}
	s.readers.idle.L = &s.readers.mu
	return s
}

func (s *nvmeStore) blocks(n uint64) uint64 { return (n + s.block - 1) / s.block }

// write stores data in a new extent; it is durable after sync.
func (s *nvmeStore) write(ctx context.Context, data []byte) (extent, error) {
	if m := s.mapper(); m != nil && m.RAMBacked() {
		e, err := s.writeMapped(m, data)
		if err == nil || errors.Is(err, daos.ErrNospace) {
			return e, err
		}
		// The mapping was refused: the device still takes writes.
	}
	nb := s.blocks(uint64(len(data)))
	e, err := s.reserve(nb)
	if err != nil {
		return extent{}, err
	}
	buf := data
	if uint64(len(data))%s.block != 0 {
		buf = make([]byte, nb*s.block)
		copy(buf, data)
	}
	if err := s.dev.WriteAt(ctx, buf, int64(e.Off*s.block)); err != nil {
		_ = s.alloc.Cancel(e)
		return extent{}, daos.Errorf(daos.ErrNvmeIo, "write %d bytes at block %d: %v", len(buf), e.Off, err)
	}
	if err := s.alloc.Publish(e); err != nil {
		return extent{}, daos.Errorf(daos.ErrNvmeIo, "publish extent at block %d: %v", e.Off, err)
	}
	return extent{Off: e.Off * s.block, Len: uint64(len(data)), CRC: isal.CRC32C(0, data)}, nil
}

// writeMapped is write on a RAM-backed device: a copy into the mapping,
// whose pages are the medium. A pwrite would store the same bytes, but
// (the file being open O_DIRECT) also unmap the pages from the mapping,
// which mapped fetches of the value would then fault back in one by one.
func (s *nvmeStore) writeMapped(m bdev.Mapper, data []byte) (extent, error) {
	r, err := s.reserveView(m, uint64(len(data)))
	if err != nil {
		return extent{}, err
	}
	copy(r.data, data)
	r.view.Release()
	if err := s.alloc.Publish(r.ext); err != nil {
		return extent{}, daos.Errorf(daos.ErrNvmeIo, "publish extent at block %d: %v", r.ext.Off, err)
	}
	return extent{Off: r.ext.Off * s.block, Len: uint64(len(data)), CRC: isal.CRC32C(0, data)}, nil
}

func (s *nvmeStore) reserve(nb uint64) (vea.Extent, error) {
	e, err := s.alloc.Reserve(nb)
	if err != nil {
		if errors.Is(err, vea.ErrNoSpace) {
			return vea.Extent{}, daos.Errorf(daos.ErrNospace, "need %d blocks of NVMe, %d free", nb, s.alloc.FreeBlocks())
		}
		return vea.Extent{}, daos.Errorf(daos.ErrNvmeIo, "reserve %d blocks: %v", nb, err)
	}
	return e, nil
}

// mapper is the device as a Mapper, or nil when it cannot be written
// through memory.
func (s *nvmeStore) mapper() bdev.Mapper {
	m, _ := s.dev.(bdev.Mapper)
	return m
}

// reservation is a new extent whose bytes the caller of BeginUpdate
// writes in place, through a view of the device.
type reservation struct {
	ext  vea.Extent
	view *bdev.View
	data []byte // the value's bytes: the start of the view
}

// reserveView reserves an extent for n bytes and maps it for writing. The
// tail of its last block is zeroed, as write pads it.
func (s *nvmeStore) reserveView(m bdev.Mapper, n uint64) (reservation, error) {
	nb := s.blocks(n)
	e, err := s.reserve(nb)
	if err != nil {
		return reservation{}, err
	}
	v, err := m.MapWrite(int64(e.Off*s.block), int(nb*s.block))
	if err != nil {
		_ = s.alloc.Cancel(e)
		return reservation{}, daos.Errorf(daos.ErrNvmeIo, "map %d blocks at block %d: %v", nb, e.Off, err)
	}
	b := v.Bytes()
	clear(b[n:])
	return reservation{ext: e, view: v, data: b[:n:n]}, nil
}

// cancel gives a reservation back: nothing references it.
func (s *nvmeStore) cancel(r *reservation) {
	if r.view != nil {
		r.view.Release()
		r.view = nil
	}
	_ = s.alloc.Cancel(r.ext)
}

// sync makes every write that returned before it durable; concurrent
// callers share device syncs.
func (s *nvmeStore) sync(ctx context.Context) error {
	if err := s.syncs.sync(ctx, s.dev.Sync); err != nil {
		return daos.Errorf(daos.ErrNvmeIo, "sync NVMe: %v", err)
	}
	return nil
}

// syncGroup runs one device sync at a time for many callers. A caller is
// covered by a round that starts after it arrived (its writes had returned
// by then); one that finds a round running waits for it, then for the next.
// A failed sync is sticky: after it the kernel may have dropped the dirty
// pages, so a later sync that succeeds proves nothing.
type syncGroup struct {
	mu       sync.Mutex
	running  bool
	done     chan struct{} // closed when the running round ends
	started  uint64        // rounds started
	finished uint64        // the last round that completed
	err      error
}

func (g *syncGroup) sync(ctx context.Context, do func(context.Context) error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	need := g.started + 1
	for g.finished < need {
		if g.err != nil {
			return g.err
		}
		if !g.running {
			g.running, g.done = true, make(chan struct{})
			g.started++
			round := g.started
			g.mu.Unlock()
			// A sync once started runs to its end: its leader's cancelled
			// context must not fail it for everyone.
			err := do(context.WithoutCancel(ctx))
			g.mu.Lock()
			g.running = false
			if err != nil {
				g.err = err
			} else {
				g.finished = round
			}
			close(g.done)
			continue
		}
		done := g.done
		g.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			g.mu.Lock()
			return ctx.Err()
		}
		g.mu.Lock()
	}
	return nil
}

func (s *nvmeStore) read(ctx context.Context, e extent, p []byte) error {
	if m := s.readMapper(); m != nil {
		// The medium is memory: a copy from it costs less than a read
		// system call (and, in a Go process, the runtime's bookkeeping
		// around one). A device that cannot map the extent is read.
		v, b, err := s.mapRead(m, e)
		switch {
		case err == nil:
			copy(p, b)
			v.Release()
			return nil
		case errors.Is(err, daos.ErrCsum):
			return err
		}
	}
	n := s.blocks(e.Len) * s.block
	buf := p
	if uint64(len(p)) != n {
		buf = make([]byte, n)
	}
	if err := s.dev.ReadAt(ctx, buf, int64(e.Off)); err != nil {
		return daos.Errorf(daos.ErrNvmeIo, "read %d bytes at NVMe offset %d: %v", n, e.Off, err)
	}
	if got := isal.CRC32C(0, buf[:e.Len]); got != e.CRC {
		return daos.Errorf(daos.ErrCsum, "NVMe extent at offset %d (%d bytes): CRC-32C %08x, index says %08x", e.Off, e.Len, got, e.CRC)
	}
	copy(p, buf[:min(uint64(len(p)), e.Len)])
	return nil
}

// readMapper is the device as a ReadMapper when reads may hand out its
// memory: only where that memory is the medium (a RAM-backed file). On
// other file systems a mapped read would fault pages in from the medium
// one by one and rely on the kernel keeping them coherent with direct
// writes, so reads there copy.
func (s *nvmeStore) readMapper() bdev.ReadMapper {
	m, ok := s.dev.(bdev.ReadMapper)
	if !ok || !m.RAMBacked() {
		return nil
	}
	if ro, ok := s.dev.(interface{ ReadOnly() bool }); ok && ro.ReadOnly() {
		return nil // read-only devices are not mapped
	}
	return m
}

// mapRead maps extent e for reading and checks its CRC as read does. The
// caller holds a pin (see readers) until it has released the view.
func (s *nvmeStore) mapRead(m bdev.ReadMapper, e extent) (*bdev.View, []byte, error) {
	v, err := m.MapRead(int64(e.Off), int(e.Len))
	if err != nil {
		return nil, nil, daos.Errorf(daos.ErrNvmeIo, "map %d bytes at NVMe offset %d: %v", e.Len, e.Off, err)
	}
	b := v.Bytes()
	if got := isal.CRC32C(0, b); got != e.CRC {
		v.Release()
		return nil, nil, daos.Errorf(daos.ErrCsum, "NVMe extent at offset %d (%d bytes): CRC-32C %08x, index says %08x", e.Off, e.Len, got, e.CRC)
	}
	return v, b, nil
}

func (s *nvmeStore) blockExtent(e extent) vea.Extent {
	return vea.Extent{Off: e.Off / s.block, Len: s.blocks(e.Len)}
}

// release returns an extent no durable metadata references any more,
// once no read that may have found it in the index is left (see readers).
func (s *nvmeStore) release(e extent) {
	s.readers.free(s.alloc, e.Off, s.blockExtent(e))
}

// pin marks the extents of rs as read, under the pool's lock (while the
// index still references them): until unpin, none of them is reused.
func (s *nvmeStore) pin(rs nvmeReads) { s.readers.pin(rs) }

func (s *nvmeStore) unpin(rs nvmeReads) { s.readers.unpin(s.alloc, rs) }

func (s *nvmeStore) drain() { s.readers.drain() }

// readers holds back the reuse of extents that reads may still touch.
// Reads (a pread, or a push from mapped device memory, which may take as
// long as the network does) find extents in the index under the pool's
// lock and use them after it; an extent the index drops meanwhile is
// freed when the last read of it ends. Reads never block a release, so a
// slow client cannot stall the writers, and hold back only what they read.
type readers struct {
	mu     sync.Mutex
	pinned map[uint64]pinned // by byte offset
	idle   sync.Cond         // signalled when pinned empties (L: mu)
}

type pinned struct {
	reads    int
	released bool // dropped from the index: free at the last unpin
	ext      vea.Extent
}

func (r *readers) pin(rs nvmeReads) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pinned == nil {
		r.pinned = make(map[uint64]pinned)
	}
	for i := range rs {
		pn := r.pinned[rs[i].ext.Off]
		pn.reads++
		r.pinned[rs[i].ext.Off] = pn
	}
}

func (r *readers) unpin(alloc *vea.Allocator, rs nvmeReads) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range rs {
		off := rs[i].ext.Off
		pn, ok := r.pinned[off]
		if !ok {
			panic(fmt.Sprintf("vos: unpin of NVMe offset %d, which is not pinned", off))
		}
		if pn.reads--; pn.reads > 0 {
			r.pinned[off] = pn
			continue
		}
		if pn.released {
			freeExtent(alloc, pn.ext)
		}
		delete(r.pinned, off)
	}
	if len(r.pinned) == 0 {
		r.idle.Broadcast()
	}
}

func (r *readers) free(alloc *vea.Allocator, off uint64, e vea.Extent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pn, ok := r.pinned[off]; ok {
		pn.released, pn.ext = true, e
		r.pinned[off] = pn
		return
	}
	freeExtent(alloc, e)
}

// drain waits until no read is in flight; the pool's close calls it
// before the device goes (a mapped push could otherwise see the extent
// reused by whoever opens the pool next).
func (r *readers) drain() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.pinned) > 0 {
		r.idle.Wait()
	}
}

func freeExtent(alloc *vea.Allocator, e vea.Extent) {
	// An error means the index and allocator disagree, which the open-time
	// rebuild would also catch; nothing better can be done here.
	_ = alloc.Free(e)
}

func (s *nvmeStore) used() uint64 { return s.alloc.UsedBlocks() * s.block }

// markUsed claims an extent found in the recovered index.
func (s *nvmeStore) markUsed(e extent) error {
	if e.Off%s.block != 0 || e.Off+e.Len > uint64(s.dev.Size()) || e.Off+e.Len < e.Off {
		return fmt.Errorf("extent at byte %d of %d bytes lies outside the %d-byte device", e.Off, e.Len, s.dev.Size())
	}
	return s.alloc.MarkUsed(s.blockExtent(e))
}
