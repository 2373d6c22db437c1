package tcp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// region is registered memory: segments seen as one range.
type region struct {
	ep     *endpoint
	key    uint64
	segs   [][]byte
	n      int64
	access fabric.Access

	mu      sync.Mutex
	uses    int // transfers touching the memory now
	closing bool
	idle    chan struct{} // closed when uses drops to 0 after closing
}

// Register exposes segs as one region; remote access makes it findable by
// its key.
func (ep *endpoint) Register(segs [][]byte, access fabric.Access) (fabric.Region, error) {
	if access == 0 || access&^fabric.AccessAll != 0 {
		return nil, fmt.Errorf("register memory: invalid access %#x", access)
	}
	var n int64
	for _, s := range segs {
		n += int64(len(s))
	}
	if ep.isClosed() {
		return nil, fmt.Errorf("register memory: %w", fabric.ErrClosed)
	}
	r := &region{ep: ep, segs: segs, n: n, access: access}
	if access&(fabric.AccessRemoteRead|fabric.AccessRemoteWrite) == 0 {
		return r, nil // never looked up: its key is never read
	}
	ep.regMu.Lock()
	for r.key == 0 || ep.regions[r.key] != nil {
		r.key = regionKey()
	}
	ep.regions[r.key] = r
	ep.regMu.Unlock()
	return r, nil
}

// regionKey draws a region's key. The key is all a peer needs to reach
// the region's memory, and any peer may connect, so keys are random, as
// a provider's memory keys are, rather than counted: a peer can use only
// the handles it was sent.
func regionKey() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return binary.LittleEndian.Uint64(b[:])
}

func (r *region) Len() int64 { return r.n }

func (r *region) Handle() fabric.BulkHandle {
	return fabric.BulkHandle{
		Segments: []fabric.RemoteSegment{{Addr: 0, Key: r.key, Len: uint64(r.n)}},
		Access:   r.access,
	}
}

// Close withdraws the region and waits for transfers inside it.
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
	r.ep.regMu.Lock()
	delete(r.ep.regions, r.key)
	r.ep.regMu.Unlock()
	if busy {
		<-r.idle
	}
	return nil
}

// acquire marks a transfer inside [off, off+n) of r, checking access.
func (r *region) acquire(access fabric.Access, off, n int64) daos.Errno {
	if r.access&access == 0 {
		return daos.ErrNoPerm
	}
	if off < 0 || n < 0 || off > r.n || n > r.n-off {
		return daos.ErrOverflow
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return daos.ErrNonexist
	}
	r.uses++
	return daos.Success
}

func (r *region) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.uses--
	if r.uses == 0 && r.closing && r.idle != nil {
		close(r.idle)
	}
}

// lookup finds a remotely accessible region by key and acquires it.
func (ep *endpoint) lookup(key uint64, access fabric.Access, off, n int64) (*region, daos.Errno) {
	ep.regMu.RLock()
	r := ep.regions[key]
	ep.regMu.RUnlock()
	if r == nil {
		return nil, daos.ErrNonexist
	}
	if code := r.acquire(access, off, n); code != daos.Success {
		return nil, code
	}
	return r, daos.Success
}

// localRegion checks that local is this endpoint's and usable locally.
func (ep *endpoint) localRegion(what string, local fabric.Region, off, n int64) (*region, error) {
	r, ok := local.(*region)
	if !ok || r.ep != ep {
		return nil, fmt.Errorf("%s: local region was not registered with this endpoint", what)
	}
	if r.access&fabric.AccessLocal == 0 {
		return nil, fmt.Errorf("%s: local region lacks local access (has %s)", what, r.access)
	}
	if off < 0 || n < 0 || off > r.n || n > r.n-off {
		return nil, fmt.Errorf("%s: local range [%d, %d) outside region of %d bytes", what, off, off+n, r.n)
	}
	return r, nil
}

// bulkOp is one transfer this side started, waiting for the peer.
type bulkOp struct {
	local *region
	loff  int64
	n     int64
	got   int64         // read bytes received so far
	fill  chan struct{} // non-nil while the reader fills local memory
	done  chan error    // one result
	// A write's last chunk is on its way: only from then on may the peer
	// say the write succeeded. A read never ends with a success status
	// (its last data chunk ends it).
	write, lastOut bool
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
	lr, err := s.ep.localRegion(what+" "+s.remote, local, loff, n)
	if err != nil {
		return err
	}
	if err := remote.Check(); err != nil {
		return fmt.Errorf("%s %s: %w", what, s.remote, err)
	}
	if n == 0 {
		return nil
	}
	return fabric.HandleSpans(remote, roff, n, func(sp fabric.Span) error {
		seg := remote.Segments[sp.Seg]
		off := int64(seg.Addr) + sp.SegOff
		var err error
		if write {
			err = s.writeOne(ctx, seg.Key, off, lr, loff+sp.Off, sp.Len)
		} else {
			err = s.readOne(ctx, seg.Key, off, lr, loff+sp.Off, sp.Len)
		}
		if err != nil {
			return fmt.Errorf("%s %s (key %d, range [%d, %d)): %w", what, s.remote, seg.Key, off, off+sp.Len, err)
		}
		return nil
	})
}

// start reserves a slot and registers an op.
func (s *session) start(ctx context.Context, op *bulkOp) (uint64, error) {
	select {
	case <-s.bulkReady:
	case <-ctx.Done():
		return 0, fabric.ContextError(ctx.Err())
	case <-s.done:
		return 0, s.Err()
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, fabric.ContextError(ctx.Err())
	case <-s.done:
		return 0, s.Err()
	}
	id := s.nextOp.Add(1)
	s.opsMu.Lock()
	s.ops[id] = op
	s.opsMu.Unlock()
	return id, nil
}

// finish removes op id (if the reader has not) and waits until the reader
// no longer writes into its memory; it frees the op's slot.
func (s *session) finish(id uint64, op *bulkOp) {
	s.opsMu.Lock()
	delete(s.ops, id)
	fill := op.fill
	s.opsMu.Unlock()
	if fill != nil {
		// The peer is streaming into our memory right now; a chunk takes
		// microseconds unless the peer stalls, in which case the session
		// is given up so that the memory is ours again.
		select {
		case <-fill:
		case <-time.After(time.Second):
			s.fail(fmt.Errorf("peer stalled inside a bulk chunk: %w", fabric.ErrPeerLost))
			<-fill
		}
	}
	<-s.slots
}

// status ends one of our ops as the peer says. A success the op cannot
// have earned (a read whose data has not all come, a write whose last
// chunk has not gone) would hand the caller memory the peer never filled:
// the peer is broken and the session ends.
func (s *session) status(h bulkHeader) error {
	code := daos.Errno(h.n)
	if code == daos.Success {
		s.opsMu.Lock()
		op := s.ops[h.op]
		early := op != nil && (!op.write || !op.lastOut)
		s.opsMu.Unlock()
		if early {
			return fmt.Errorf("peer says bulk op %d succeeded before its data was all sent: %w", h.op, fabric.ErrMalformed)
		}
	}
	s.complete(h.op, fabric.RemoteStatus(code))
	return nil
}

// complete ends op id with err, if it is still waiting.
func (s *session) complete(id uint64, err error) {
	s.opsMu.Lock()
	op := s.ops[id]
	delete(s.ops, id)
	s.opsMu.Unlock()
	if op != nil {
		op.done <- err
	}
}

// wait waits for op's result, the context or the session's end.
func (s *session) wait(ctx context.Context, op *bulkOp) error {
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return fabric.ContextError(ctx.Err())
	case <-s.done:
		return s.Err()
	}
}

func (s *session) readOne(ctx context.Context, key uint64, roff int64, local *region, loff, n int64) error {
	if ok, err := s.readEager(ctx, key, roff, local, loff, n); ok {
		return err
	}
	op := &bulkOp{local: local, loff: loff, n: n, done: make(chan error, 1)}
	id, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer s.finish(id, op)
	hdr := make([]byte, bulkHeaderLen)
	(&bulkHeader{typ: bulkReadReq, op: id, key: key, off: uint64(roff), n: uint64(n)}).put(hdr)
	if err := s.writeBulk(ctx, net.Buffers{hdr}); err != nil {
		return err
	}
	return s.wait(ctx, op)
}

func (s *session) writeOne(ctx context.Context, key uint64, roff int64, local *region, loff, n int64) error {
	op := &bulkOp{local: local, loff: loff, n: n, done: make(chan error, 1), write: true}
	id, err := s.start(ctx, op)
	if err != nil {
		return err
	}
	defer s.finish(id, op)
	if code := local.acquire(fabric.AccessLocal, loff, n); code != daos.Success {
		return fmt.Errorf("local region: %w", code)
	}
	defer local.release()
	chunk := int64(s.ep.drv.chunkSize())
	for sent := int64(0); sent < n; {
		c := min(chunk, n-sent)
		h := bulkHeader{typ: bulkWriteData, op: id, key: key, off: uint64(roff + sent), chunk: uint32(c)}
		if sent+c == n {
			h.flags = flagLast
			// Before the write: the peer may answer before it returns.
			s.opsMu.Lock()
			op.lastOut = true
			s.opsMu.Unlock()
		}
		hdr := make([]byte, bulkHeaderLen)
		h.put(hdr)
		bufs := append(net.Buffers{hdr}, gather(local.segs, loff+sent, c)...)
		if err := s.writeBulk(ctx, bufs); err != nil {
			return err
		}
		sent += c
		if len(op.done) > 0 {
			break // the peer refused an earlier chunk
		}
	}
	return s.wait(ctx, op)
}

// writeBulk writes one bulk frame (header and data) under the bulk lock.
func (s *session) writeBulk(ctx context.Context, bufs net.Buffers) error {
	if err := s.bulkLock.lock(ctx, s.done); err != nil {
		if errors.Is(err, errSessionDone) {
			return s.Err()
		}
		return err
	}
	err := writeAll(ctx, s.bulk, bufs, s.ep.drv.stall())
	s.bulkLock.unlock()
	if err != nil {
		s.fail(s.lost(err))
		if ctx.Err() != nil {
			return fabric.ContextError(ctx.Err())
		}
		return s.Err()
	}
	return nil
}

// gather returns the pieces of segs in [off, off+n) without copying.
func gather(segs [][]byte, off, n int64) net.Buffers {
	var out net.Buffers
	_ = fabric.SliceSpans(segs, off, n, func(sp fabric.Span) error {
		out = append(out, segs[sp.Seg][sp.SegOff:sp.SegOff+sp.Len])
		return nil
	})
	return out
}

// scatter reads n bytes from r into [off, off+n) of segs.
func scatter(r io.Reader, segs [][]byte, off, n int64) error {
	return fabric.SliceSpans(segs, off, n, func(sp fabric.Span) error {
		_, err := io.ReadFull(r, segs[sp.Seg][sp.SegOff:sp.SegOff+sp.Len])
		return unexpectedEOF(err)
	})
}

// readBulk handles the peer's bulk frames until the connection ends.
func (s *session) readBulk() {
	// Only this reader buffers eager bytes: once it stops, they go.
	defer s.endEager()
	body, r := newBulkReader(s.bulk)
	hdr := make([]byte, bulkHeaderLen)
	// refused holds writes whose earlier chunk was refused, so that the
	// peer hears of each at most once; bounded by the peer's slots.
	refused := map[uint64]struct{}{}
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			// A peer that closes says so on the control connection, which
			// may still hold its last messages: let that reader finish
			// them before the session ends.
			select {
			case <-s.ctrlDone:
			case <-s.done:
			case <-time.After(time.Second):
			}
			s.fail(s.lost(err))
			return
		}
		h, err := parseBulkHeader(hdr)
		// The frame's body follows its header, mostly still being
		// written: an empty socket is polled a moment (bodyReader).
		body.inBody = h.chunk > 0
		if body.inBody {
			// A body that stops coming holds the memory it lands in
			// (and so Region.Close): the session ends instead.
			_ = s.bulk.SetReadDeadline(time.Now().Add(s.ep.drv.stall()))
		}
		if err == nil {
			switch h.typ {
			case bulkReadReq:
				err = s.serveRead(h)
			case bulkReadData:
				err = s.readData(r, h)
			case bulkStatus:
				err = s.status(h)
			case bulkWriteData:
				err = s.writeData(r, h, refused)
			case bulkEagerData:
				err = s.eagerData(r, h)
			}
		}
		if body.inBody {
			_ = s.bulk.SetReadDeadline(time.Time{})
		}
		body.inBody = false
		if err != nil {
			if errors.Is(err, fabric.ErrMalformed) {
				s.fail(fmt.Errorf("bulk connection: %w", err))
			} else {
				s.fail(s.lost(err))
			}
			return
		}
	}
}

// serveRead starts streaming a region's bytes to the peer.
func (s *session) serveRead(h bulkHeader) error {
	if int(s.serves.Add(1)) > s.ep.drv.maxBulkOps() {
		return fmt.Errorf("peer has more than %d bulk reads outstanding: %w", s.ep.drv.maxBulkOps(), fabric.ErrMalformed)
	}
	s.ep.wg.Add(1)
	go func() {
		defer s.ep.wg.Done()
		defer s.serves.Add(-1)
		reg, code := s.ep.lookup(h.key, fabric.AccessRemoteRead, int64(h.off), int64(h.n))
		if code != daos.Success {
			s.sendStatus(h.op, code)
			return
		}
		defer reg.release()
		if h.n == 0 {
			s.sendStatus(h.op, daos.ErrInval)
			return
		}
		ctx := context.Background()
		chunk := int64(s.ep.drv.chunkSize())
		off, n := int64(h.off), int64(h.n)
		for sent := int64(0); sent < n; {
			reg.mu.Lock()
			closing := reg.closing
			reg.mu.Unlock()
			if closing {
				s.sendStatus(h.op, daos.ErrNonexist)
				return
			}
			c := min(chunk, n-sent)
			d := bulkHeader{typ: bulkReadData, op: h.op, off: uint64(sent), chunk: uint32(c)}
			if sent+c == n {
				d.flags = flagLast
			}
			hdr := make([]byte, bulkHeaderLen)
			d.put(hdr)
			if err := s.writeBulk(ctx, append(net.Buffers{hdr}, gather(reg.segs, off+sent, c)...)); err != nil {
				return
			}
			sent += c
		}
	}()
	return nil
}

// readData receives a chunk of one of our reads straight into its memory.
func (s *session) readData(r io.Reader, h bulkHeader) error {
	s.opsMu.Lock()
	op := s.ops[h.op]
	if op != nil {
		if h.off != uint64(op.got) || uint64(h.chunk) > uint64(op.n-op.got) {
			s.opsMu.Unlock()
			return fmt.Errorf("read data [%d, +%d) does not continue the transfer at %d of %d: %w",
				h.off, h.chunk, op.got, op.n, fabric.ErrMalformed)
		}
		op.fill = make(chan struct{})
	}
	s.opsMu.Unlock()
	if op == nil {
		// The transfer was abandoned: drop its bytes.
		_, err := io.CopyN(io.Discard, r, int64(h.chunk))
		return unexpectedEOF(err)
	}
	err := scatter(r, op.local.segs, op.loff+op.got, int64(h.chunk))
	s.opsMu.Lock()
	close(op.fill)
	op.fill = nil
	op.got += int64(h.chunk)
	finished := h.flags&flagLast != 0
	if finished && op.got != op.n {
		s.opsMu.Unlock()
		return fmt.Errorf("read ended after %d of %d bytes: %w", op.got, op.n, fabric.ErrMalformed)
	}
	s.opsMu.Unlock()
	if err != nil {
		return err
	}
	if finished {
		s.complete(h.op, nil)
	}
	return nil
}

// writeData lands a chunk of the peer's write in our region.
func (s *session) writeData(r io.Reader, h bulkHeader, refused map[uint64]struct{}) error {
	last := h.flags&flagLast != 0
	if _, ok := refused[h.op]; ok {
		if last {
			delete(refused, h.op)
		}
		_, err := io.CopyN(io.Discard, r, int64(h.chunk))
		return unexpectedEOF(err)
	}
	reg, code := s.ep.lookup(h.key, fabric.AccessRemoteWrite, int64(h.off), int64(h.chunk))
	if code != daos.Success {
		if int(s.statuses.Load()) >= 2*s.ep.drv.maxBulkOps() {
			// Each refusal is written by a goroutine: a peer that
			// keeps earning them without reading them would pile those
			// up.
			return fmt.Errorf("peer has %d refusals unread: %w", s.statuses.Load(), fabric.ErrMalformed)
		}
		if !last {
			if len(refused) >= 2*s.ep.drv.maxBulkOps() {
				return fmt.Errorf("peer keeps writing after %d refusals: %w", len(refused), fabric.ErrMalformed)
			}
			refused[h.op] = struct{}{}
		}
		s.sendStatus(h.op, code)
		_, err := io.CopyN(io.Discard, r, int64(h.chunk))
		return unexpectedEOF(err)
	}
	err := scatter(r, reg.segs, int64(h.off), int64(h.chunk))
	reg.release()
	if err != nil {
		return err
	}
	if last {
		s.sendStatus(h.op, daos.Success)
	}
	return nil
}

// sendStatus tells the peer how its op ended, from a goroutine of its own:
// readers never write.
func (s *session) sendStatus(op uint64, code daos.Errno) {
	hdr := make([]byte, bulkHeaderLen)
	(&bulkHeader{typ: bulkStatus, op: op, n: uint64(code)}).put(hdr)
	refusal := code != daos.Success
	if refusal {
		s.statuses.Add(1)
	}
	s.ep.wg.Add(1)
	go func() {
		defer s.ep.wg.Done()
		if refusal {
			defer s.statuses.Add(-1)
		}
		_ = s.writeBulk(context.Background(), net.Buffers{hdr})
	}()
}
