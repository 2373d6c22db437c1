package ofi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// region is registered memory: the caller's segments staged in one mmap'd
// buffer that the provider may read and write, or, for one segment inside
// memory from Alloc, that memory itself (alloc is then set and nothing is
// copied).
type region struct {
	ep     *endpoint
	segs   [][]byte
	n      int64
	access fabric.Access
	buf    *ofi.Buffer
	mr     *ofi.MemRegion
	rb     ofi.RemoteBuffer
	alloc  *allocation

	mu      sync.Mutex
	uses    int // local transfers running
	closing bool
	idle    chan struct{} // closed when uses drops to 0 after closing
}

// Register stages segs into registered memory.
func (ep *endpoint) Register(segs [][]byte, access fabric.Access) (fabric.Region, error) {
	if access == 0 || access&^fabric.AccessAll != 0 {
		return nil, fmt.Errorf("register memory: invalid access %#x", access)
	}
	if ep.isClosed() {
		return nil, fmt.Errorf("register memory: %w", fabric.ErrClosed)
	}
	acc := ofiAccess(access)
	if len(segs) == 1 {
		if a, off := ep.inPlace(segs[0]); a != nil {
			// A view of its own, so that this region's transfers are
			// counted apart from other regions in the same memory.
			view, err := a.buf.View(off, len(segs[0]))
			var mr *ofi.MemRegion
			if err == nil {
				mr, err = ep.fi.Register(view, acc)
			}
			if err != nil {
				a.dropRegion()
				if ep.isClosed() {
					return nil, fmt.Errorf("register memory: %w", fabric.ErrClosed)
				}
				return nil, fmt.Errorf("register %d bytes in place: %w", len(segs[0]), err)
			}
			return &region{ep: ep, segs: segs, n: int64(len(segs[0])), access: access, buf: view, mr: mr, rb: mr.Remote(), alloc: a}, nil
		}
	}
	var n int64
	for _, s := range segs {
		n += int64(len(s))
	}
	buf, err := ep.stage.get(int(max(n, 1)))
	if err != nil {
		return nil, fmt.Errorf("register %d bytes: %w", n, err)
	}
	if access&(fabric.AccessRemoteRead|fabric.AccessRemoteWrite) != 0 {
		// Peers read the staged copy; and since Close copies the whole
		// region back, it must start as the segments are.
		mem := buf.Bytes()
		for _, s := range segs {
			mem = mem[copy(mem, s):]
		}
	}
	mr, err := ep.fi.RegisterPrefix(buf, int(max(n, 1)), acc)
	if err != nil {
		_ = ep.stage.put(buf)
		if ep.isClosed() {
			return nil, fmt.Errorf("register memory: %w", fabric.ErrClosed)
		}
		return nil, fmt.Errorf("register %d bytes: %w", n, err)
	}
	return &region{ep: ep, segs: segs, n: n, access: access, buf: buf, mr: mr, rb: mr.Remote()}, nil
}

func ofiAccess(access fabric.Access) ofi.Access {
	var acc ofi.Access
	if access&fabric.AccessLocal != 0 {
		acc |= ofi.AccessLocal
	}
	if access&fabric.AccessRemoteRead != 0 {
		acc |= ofi.AccessRemoteRead
	}
	if access&fabric.AccessRemoteWrite != 0 {
		acc |= ofi.AccessRemoteWrite
	}
	return acc
}

func (r *region) Len() int64 { return r.n }

func (r *region) Handle() fabric.BulkHandle {
	return fabric.BulkHandle{
		Segments: []fabric.RemoteSegment{{Addr: r.rb.Addr, Key: r.rb.Key, Len: uint64(r.n)}},
		Access:   r.access,
	}
}

// Close deregisters the region, waits for local transfers on it, and
// copies what peers (or local reads) wrote back into the segments.
func (r *region) Close() error {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return errors.New("close memory region: already closed")
	}
	r.closing = true
	busy := r.uses > 0
	if busy {
		r.idle = make(chan struct{})
	}
	r.mu.Unlock()
	if busy {
		<-r.idle
	}
	if r.alloc != nil {
		return r.closeInPlace()
	}
	// An error here means the endpoint closed (which deregistered it) or
	// a transfer abandoned through its context still holds the memory.
	mrErr := r.mr.Close()
	if r.access&fabric.AccessRemoteWrite != 0 {
		mem := r.buf.Bytes()
		for _, s := range r.segs {
			mem = mem[copy(s, mem):]
		}
	}
	if r.buf.InFlight() > 0 || (mrErr != nil && !r.ep.isClosed()) {
		// The provider may still touch the memory: free it with the
		// endpoint.
		r.ep.mu.Lock()
		if !r.ep.closed {
			r.ep.orphans = append(r.ep.orphans, r.buf)
			r.ep.mu.Unlock()
			return nil
		}
		r.ep.mu.Unlock()
	}
	if err := r.ep.stage.put(r.buf); err != nil {
		return fmt.Errorf("close memory region: %w", err)
	}
	return nil
}

// closeInPlace ends a region registered where the caller's memory is. The
// memory goes back to the caller, so a transfer abandoned through its
// context must have ended first: the provider would write into it.
func (r *region) closeInPlace() error {
	if !settle(r.buf) {
		// The registration stays and so does the region's count on the
		// memory, so that it is never freed (or unmapped) while the
		// provider may still write into it.
		return fmt.Errorf("close memory region: %d transfers on it are still in flight after %v; its memory may still change",
			r.buf.InFlight(), settleWait)
	}
	if err := r.mr.Close(); err != nil && !r.ep.isClosed() {
		return fmt.Errorf("close memory region: %w", err)
	}
	r.alloc.dropRegion()
	return nil
}

// stage copies [off, off+n) between the segments and the staged memory:
// into the staging before a local Write, out of it after a local Read.
// An in-place region has nothing to copy.
func (r *region) stage(off, n int64, out bool) {
	if r.alloc != nil {
		return
	}
	mem := r.buf.Bytes()
	_ = fabric.SliceSpans(r.segs, off, n, func(sp fabric.Span) error {
		seg := r.segs[sp.Seg][sp.SegOff : sp.SegOff+sp.Len]
		st := mem[off+sp.Off : off+sp.Off+sp.Len]
		if out {
			copy(seg, st)
		} else {
			copy(st, seg)
		}
		return nil
	})
}

func (r *region) acquire(loff, n int64) error {
	if r.access&fabric.AccessLocal == 0 {
		return fmt.Errorf("local region lacks local access (has %s)", r.access)
	}
	if loff < 0 || n < 0 || loff > r.n || n > r.n-loff {
		return fmt.Errorf("local range [%d, %d) outside region of %d bytes", loff, loff+n, r.n)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return errors.New("local region is closed")
	}
	r.uses++
	return nil
}

func (r *region) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.uses--
	if r.uses == 0 && r.closing && r.idle != nil {
		close(r.idle)
	}
}

// Read pulls n bytes at roff of the peer's region into local at loff.
func (s *session) Read(ctx context.Context, remote fabric.BulkHandle, roff int64, local fabric.Region, loff, n int64) error {
	return s.transfer(ctx, "bulk read from", false, remote, roff, local, loff, n)
}

// Write pushes n bytes at loff of local into the peer's region at roff.
func (s *session) Write(ctx context.Context, local fabric.Region, loff int64, remote fabric.BulkHandle, roff, n int64) error {
	return s.transfer(ctx, "bulk write to", true, remote, roff, local, loff, n)
}

func (s *session) transfer(ctx context.Context, what string, write bool, remote fabric.BulkHandle, roff int64, local fabric.Region, loff, n int64) error {
	what += " " + s.remote
	lr, ok := local.(*region)
	if !ok || lr.ep != s.ep {
		return fmt.Errorf("%s: local region was not registered with this endpoint", what)
	}
	if err := remote.Check(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return nil
	}
	need := fabric.AccessRemoteRead
	if write {
		need = fabric.AccessRemoteWrite
	}
	if remote.Access&need == 0 {
		return fmt.Errorf("%s: the peer's region allows %s only: %w", what, remote.Access, daos.ErrNoPerm)
	}
	if err := lr.acquire(loff, n); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer lr.release()
	if err := s.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if write {
		lr.stage(loff, n, false)
	}
	err := fabric.HandleSpans(remote, roff, n, func(sp fabric.Span) error {
		seg := remote.Segments[sp.Seg]
		rb := ofi.RemoteBuffer{Addr: seg.Addr, Key: seg.Key, Len: seg.Len}
		off, size := int(loff+sp.Off), int(sp.Len)
		// A session that ended (between spans, or during a retry's
		// wait) sends nothing more: its address may leave the address
		// vector (reapAddrs), its index then naming another peer.
		var err error
		for attempt := 0; ; attempt++ {
			if serr := s.Err(); serr != nil {
				return fmt.Errorf("%s: %w", what, serr)
			}
			if write {
				err = s.ep.fi.Write(ctx, s.addr, lr.mr, off, size, rb, uint64(sp.SegOff))
			} else {
				err = s.ep.fi.Read(ctx, s.addr, lr.mr, off, size, rb, uint64(sp.SegOff))
			}
			if err == nil || attempt == len(reconnectBackoff) || !disconnected(err) || s.Err() != nil {
				break
			}
			// tcp;ofi_rxm drops the connection after refusing an RMA with
			// a key the target does not know; the provider reconnects
			// on the next operation.
			select {
			case <-time.After(reconnectBackoff[attempt]):
			case <-ctx.Done():
			case <-s.done:
			}
		}
		if err != nil {
			return fmt.Errorf("%s (key %#x, range [%d, %d)): %w", what, seg.Key, sp.SegOff, sp.SegOff+sp.Len, s.rmaError(ctx, err))
		}
		return nil
	})
	if err == nil && !write {
		lr.stage(loff, n, true)
	}
	return err
}

// reconnectBackoff spaces the retries of an RMA whose connection dropped.
var reconnectBackoff = []time.Duration{time.Millisecond, 20 * time.Millisecond}

// disconnected reports whether an RMA failed because the provider's
// connection to the peer dropped.
func disconnected(err error) bool {
	var ce *ofi.CompletionError
	if !errors.As(err, &ce) {
		return false
	}
	for _, e := range []syscall.Errno{syscall.Errno(ce.Errno), syscall.Errno(ce.ProvErrno)} {
		switch e {
		case syscall.ENOTCONN, syscall.EPIPE, syscall.ECONNRESET:
			return true
		}
	}
	return false
}

// rmaError maps a failed RMA to the transport's conditions: the context,
// a key the peer no longer (or never) registered, a refused access, or a
// lost peer (which ends the session).
func (s *session) rmaError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fabric.ContextError(ctx.Err())
	}
	if s.ep.isClosed() {
		return fmt.Errorf("%w: %w", fabric.ErrClosed, err)
	}
	var ce *ofi.CompletionError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%w: %w", fabric.ErrTransport, err)
	}
	// tcp;ofi_rxm reports a key the target does not know as a cancelled
	// operation with the provider's ENOENT, and keeps the connection.
	for _, e := range []syscall.Errno{syscall.Errno(ce.Errno), syscall.Errno(ce.ProvErrno)} {
		switch e {
		case syscall.EACCES, syscall.EPERM:
			return fmt.Errorf("%w: %w", daos.ErrNoPerm, err)
		case syscall.ENOKEY, syscall.ENOENT:
			return fmt.Errorf("region not registered by the peer: %w: %w", daos.ErrNonexist, err)
		}
	}
	s.fail(s.lost(err))
	return s.Err()
}
