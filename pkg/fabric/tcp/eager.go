package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// Eager pushes. A pull of a region costs a read request from the puller
// and the data back: a round trip more than a stream. A caller that sends
// a message naming its own remotely readable region (SendEager) can send
// the region's bytes right behind it instead: the message goes on the
// control connection preceded by an announcement (id, key, size), and the
// bytes on the bulk connection in chunks (the driver's chunk size, at most
// eagerChunk), interleaved with other bulk frames. The receiver's pull of
// that key (Read) then claims the eager bytes. The receiver's bulk reader
// leaves an unclaimed region's data in the socket for up to eagerWait,
// since the pull usually follows its message within microseconds; claimed
// chunks go straight into the puller's memory, and chunks that arrive
// unclaimed are buffered (up to Driver.EagerBuffer per session, and
// Driver.EagerBudget over the endpoint's sessions) and copied
// at the claim. Anything the eager bytes cannot serve (a second pull after bytes went straight to the first, a
// region over the limits, dropped buffers) is pulled as usual, so eager
// data only ever saves the read request. The receiver drops the entry
// when the message's consumer releases it (TakeEager), or right after the
// message was delivered when nobody took it.

const (
	// eagerChunk bounds an eager data chunk (the sender uses its chunk
	// size up to this), and is the size of pooled receive buffers: an
	// unclaimed chunk is buffered whole.
	eagerChunk = 1 << 20
	// eagerMinBuf is what a buffered chunk counts against the buffer
	// limit at least, so that tiny chunks cannot multiply buffers.
	eagerMinBuf = 4 << 10
	// maxEagerEntries bounds the eager regions a session tracks; a peer
	// that keeps more in flight breaks the protocol.
	maxEagerEntries = 4096
	// maxEagerPerMessage bounds the announcements before one message.
	maxEagerPerMessage = fabric.MaxHandleSegments
	// eagerWait bounds how long the bulk reader holds an unclaimed eager
	// chunk in the socket before buffering it.
	eagerWait = time.Millisecond
)

var eagerPool = sync.Pool{New: func() any { b := make([]byte, eagerChunk); return &b }}

// eagerIn is one region the peer pushes eagerly to this side.
type eagerIn struct {
	id, key  uint64
	n, got   int64      // region size, bytes received (in order)
	released bool       // the message's consumer is done with it
	dropped  bool       // bytes are discarded: over a limit, or released
	direct   bool       // some bytes went straight to a claim (not in bufs)
	bufs     []eagerBuf // hold [0, buffered) in order
	buffered int64
	claim    *eagerClaim   // the pull being served, if any
	ready    chan struct{} // closed when got == n
	// wake is closed at the first claim, or when the entry is dropped:
	// the bulk reader waits for it (up to eagerWait) before buffering.
	wake  chan struct{}
	woken bool
}

// signal closes wake once; under mu.
func (e *eagerIn) signal() {
	if !e.woken {
		e.woken = true
		close(e.wake)
	}
}

// eagerBuf is one buffered chunk: n bytes of b, from the pool when p.
type eagerBuf struct {
	b []byte
	p *[]byte
	n int64
}

func getEagerBuf(c int64) eagerBuf {
	if c == eagerChunk {
		p := eagerPool.Get().(*[]byte)
		return eagerBuf{b: *p, p: p, n: c}
	}
	return eagerBuf{b: make([]byte, c), n: c}
}

func (b eagerBuf) cost() int64 { return max(b.n, eagerMinBuf) }

func (b eagerBuf) free() {
	if b.p != nil {
		eagerPool.Put(b.p)
	}
}

// eagerClaim is a pull waiting for an eager region.
type eagerClaim struct {
	local      *region
	loff, roff int64
	n          int64
	fill       chan struct{} // non-nil while the bulk reader writes into local
}

// eagerState is a session's eager bookkeeping.
type eagerState struct {
	mu        sync.Mutex
	byID      map[uint64]*eagerIn
	byKey     map[uint64]*eagerIn // announced, unreleased
	bytes     int64               // buffered over all entries
	announced uint64              // highest announced id
	// held is the endpoint's count of eager bytes buffered over all its
	// sessions (bytes is this session's part of it).
	held *atomic.Int64
	// ended: the bulk reader has stopped, the buffers went (endEager);
	// a claim still copying frees its entry's when it is done.
	ended bool

	// pending are announced for the next message, cur belong to the
	// message being delivered; both guarded by the session's rdTok.
	pending, cur []*eagerIn

	// Sending side: ids, and slots bounding our regions in flight.
	seq   uint64 // under mu
	slots chan struct{}
}

func newEagerState(slots int, held *atomic.Int64) eagerState {
	return eagerState{byID: map[uint64]*eagerIn{}, byKey: map[uint64]*eagerIn{}, slots: make(chan struct{}, slots), held: held}
}

// account reserves c bytes of buffer within this session's limit and the
// endpoint's budget; under mu.
func (st *eagerState) account(c, limit, budget int64) bool {
	if st.bytes+c > limit {
		return false
	}
	if st.held.Add(c) > budget {
		st.held.Add(-c)
		return false
	}
	st.bytes += c
	return true
}

// unaccount returns a buffer to the pool and its bytes to both counts;
// under mu.
func (st *eagerState) unaccount(b eagerBuf) {
	b.free()
	st.bytes -= b.cost()
	st.held.Add(-b.cost())
}

// freeBufs returns e's buffers to the pool; under mu.
func (st *eagerState) freeBufs(e *eagerIn) {
	for _, b := range e.bufs {
		st.unaccount(b)
	}
	e.bufs, e.buffered = nil, 0
}

// endEager frees what the session's eager regions buffered once its bulk
// reader has stopped, so that a session's end gives its bytes back to the
// endpoint's budget; a claim copying from buffers frees them when done.
func (s *session) endEager() {
	st := &s.eager
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ended = true
	for _, e := range st.byID {
		if e.claim == nil {
			st.freeBufs(e)
			e.dropped = true
			e.signal()
		}
	}
}

// forget drops e once nothing can refer to it; under mu.
func (st *eagerState) forgetIfDone(e *eagerIn) {
	if e.released && e.claim == nil && e.got == e.n {
		st.freeBufs(e)
		delete(st.byID, e.id)
	}
}

// entry returns the entry for id, creating it; under mu.
func (s *session) eagerEntry(id, n uint64) (*eagerIn, error) {
	st := &s.eager
	e := st.byID[id]
	if e == nil {
		if len(st.byID) >= maxEagerEntries {
			return nil, fmt.Errorf("peer has more than %d eager regions in flight: %w", maxEagerEntries, fabric.ErrMalformed)
		}
		e = &eagerIn{id: id, n: int64(n), ready: make(chan struct{}), wake: make(chan struct{})}
		e.dropped = e.n > s.ep.drv.eagerLimit()
		if e.dropped {
			e.signal()
		}
		st.byID[id] = e
	} else if e.n != int64(n) {
		return nil, fmt.Errorf("eager region %d is %d bytes, then %d: %w", id, e.n, n, fabric.ErrMalformed)
	}
	return e, nil
}

// announceEager records an announcement read from the control connection;
// the caller holds rdTok.
func (s *session) announceEager(payload []byte) error {
	a, err := parseEagerAnnounce(payload)
	if err != nil {
		return err
	}
	st := &s.eager
	if len(st.pending) >= maxEagerPerMessage {
		return fmt.Errorf("more than %d eager regions announced for one message: %w", maxEagerPerMessage, fabric.ErrMalformed)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if a.id <= st.announced {
		return fmt.Errorf("eager region %d announced after %d: %w", a.id, st.announced, fabric.ErrMalformed)
	}
	st.announced = a.id
	e, err := s.eagerEntry(a.id, a.n)
	if err != nil {
		return err
	}
	e.key = a.key
	// A newer announcement of the same key (a retried call) wins.
	st.byKey[a.key] = e
	st.pending = append(st.pending, e)
	return nil
}

// releaseEager ends the eager regions of a delivered message.
func (s *session) releaseEager(es []*eagerIn) {
	st := &s.eager
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, e := range es {
		if e.released {
			continue
		}
		e.released = true
		if st.byKey[e.key] == e {
			delete(st.byKey, e.key)
		}
		if e.claim == nil {
			st.freeBufs(e)
			e.dropped = true
			e.signal()
		}
		st.forgetIfDone(e)
	}
}

// TakeEager hands the eager regions that came with the message being
// delivered to the caller, who calls the returned function once no pull
// of them can follow (an RPC server: when the handler has returned). It
// must be called from the Handler, during the delivery; without a call
// the regions are released when the Handler returns. It returns nil when
// the message came without eager data.
func (s *session) TakeEager() func() {
	es := s.eager.cur
	if len(es) == 0 {
		return nil
	}
	s.eager.cur = nil
	return func() { s.releaseEager(es) }
}

// eagerData receives a chunk of an eager region from the bulk connection.
func (s *session) eagerData(r io.Reader, h bulkHeader) error {
	st := &s.eager
	c := int64(h.chunk)
	off := int64(h.off)
	st.mu.Lock()
	// A region's data may overtake its announcement (they travel on two
	// connections), but a region starts at 0 and an announced one stays
	// known until all its data is in.
	if st.byID[h.op] == nil && (off != 0 || h.op <= st.announced) {
		st.mu.Unlock()
		return fmt.Errorf("eager data at %d for unknown region %d: %w", off, h.op, fabric.ErrMalformed)
	}
	e, err := s.eagerEntry(h.op, h.n)
	if err != nil {
		st.mu.Unlock()
		return err
	}
	if off != e.got {
		st.mu.Unlock()
		return fmt.Errorf("eager data at %d of region %d, expected %d: %w", off, h.op, e.got, fabric.ErrMalformed)
	}
	if !e.woken {
		// The pull usually comes within microseconds of its message:
		// leave the bytes in the socket until it does, so that they go
		// straight into its memory instead of through a buffer. Bounded,
		// since a handler may pull late or wait for other bulk data.
		wake := e.wake
		st.mu.Unlock()
		if s.eagerTimer == nil {
			s.eagerTimer = time.NewTimer(eagerWait)
		} else {
			s.eagerTimer.Reset(eagerWait)
		}
		select {
		case <-wake:
		case <-s.eagerTimer.C:
		case <-s.done:
		}
		s.eagerTimer.Stop()
		st.mu.Lock()
		e.signal() // waited once: later chunks do not wait again
	}
	cl := e.claim
	var buf eagerBuf
	switch {
	case e.dropped:
		cl = nil
	case cl != nil:
		e.direct = true
		cl.fill = make(chan struct{})
	case !st.account(max(c, eagerMinBuf), s.ep.drv.eagerBuffer(), s.ep.drv.eagerBudget()):
		st.freeBufs(e)
		e.dropped = true
		e.signal()
	default:
		buf = getEagerBuf(c)
	}
	st.mu.Unlock()

	switch {
	case cl != nil:
		err = s.eagerDirect(r, cl, off, c)
	case buf.b != nil:
		_, err = io.ReadFull(r, buf.b[:c])
		err = unexpectedEOF(err)
	default:
		_, err = io.CopyN(io.Discard, r, c)
		err = unexpectedEOF(err)
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	if cl != nil {
		close(cl.fill)
		cl.fill = nil
	}
	if buf.b != nil {
		if e.dropped || err != nil {
			// Released while this chunk came in, or cut short.
			st.unaccount(buf)
		} else {
			e.bufs = append(e.bufs, buf)
			e.buffered += c
		}
	}
	if err != nil {
		return err
	}
	e.got += c
	if e.got == e.n {
		close(e.ready)
		st.forgetIfDone(e)
	}
	return nil
}

// eagerDirect reads [off, off+c) of a region, putting what the claim
// covers straight into its memory and dropping the rest.
func (s *session) eagerDirect(r io.Reader, cl *eagerClaim, off, c int64) error {
	lo := max(off, cl.roff)
	hi := min(off+c, cl.roff+cl.n)
	if lo >= hi {
		_, err := io.CopyN(io.Discard, r, c)
		return unexpectedEOF(err)
	}
	if lo > off {
		if _, err := io.CopyN(io.Discard, r, lo-off); err != nil {
			return unexpectedEOF(err)
		}
	}
	if err := scatter(r, cl.local.segs, cl.loff+lo-cl.roff, hi-lo); err != nil {
		return err
	}
	if off+c > hi {
		_, err := io.CopyN(io.Discard, r, off+c-hi)
		return unexpectedEOF(err)
	}
	return nil
}

// readEager serves a pull of [roff, roff+n) of the peer's region key into
// local from eager data. It reports false, with nothing written to local
// that a usual pull would not overwrite, when eager data cannot serve it.
func (s *session) readEager(ctx context.Context, key uint64, roff int64, local *region, loff, n int64) (bool, error) {
	st := &s.eager
	st.mu.Lock()
	e := st.byKey[key]
	if e == nil || e.claim != nil || e.dropped || e.direct || roff < 0 || n > e.n-roff {
		st.mu.Unlock()
		return false, nil
	}
	cl := &eagerClaim{local: local, loff: loff, roff: roff, n: n}
	e.claim = cl
	e.signal()
	st.mu.Unlock()

	var err error
	select {
	case <-e.ready:
	default:
		select {
		case <-e.ready:
		case <-ctx.Done():
			err = fabric.ContextError(ctx.Err())
		case <-s.done:
			err = s.Err()
		}
	}

	st.mu.Lock()
	if err != nil || e.dropped {
		// Stop the reader from writing into local before giving it back.
		e.claim = nil
		fill := cl.fill
		if st.ended {
			// endEager skipped this claimed entry: its buffers go now,
			// and no later pull may take the entry for a whole one.
			st.freeBufs(e)
			e.dropped = true
		}
		st.forgetIfDone(e)
		st.mu.Unlock()
		if fill != nil {
			select {
			case <-fill:
			case <-time.After(time.Second):
				s.fail(fmt.Errorf("peer stalled inside an eager chunk: %w", fabric.ErrPeerLost))
				<-fill
			}
		}
		return err != nil, err
	}
	st.mu.Unlock()
	// All bytes are in (ready): the buffered ones are [0, e.buffered),
	// immutable while our claim keeps release from freeing them.
	var done int64
	for _, b := range e.bufs {
		lo, hi := max(done, roff), min(done+b.n, roff+n)
		if lo < hi {
			copyInto(local.segs, loff+lo-roff, b.b[lo-done:hi-done])
		}
		done += b.n
		if done >= roff+n {
			break
		}
	}
	st.mu.Lock()
	e.claim = nil
	if e.released || st.ended {
		st.freeBufs(e)
		e.dropped = true
	}
	st.forgetIfDone(e)
	st.mu.Unlock()
	return true, nil
}

// copyInto copies src into segs from offset off.
func copyInto(segs [][]byte, off int64, src []byte) {
	_ = fabric.SliceSpans(segs, off, int64(len(src)), func(sp fabric.Span) error {
		copy(segs[sp.Seg][sp.SegOff:sp.SegOff+sp.Len], src[sp.Off:])
		return nil
	})
}

// SendEager sends msg like Send, and the bytes of those of the handles
// that are whole regions registered here for remote reads (up to the
// eager limit) right behind it, so that the peer's pulls of them need no
// read request. The bytes are in the socket when it returns; it returns a
// function to call when the peer can no longer pull them (the call ended).
func (s *session) SendEager(ctx context.Context, msg []byte, handles []fabric.BulkHandle) (func(), error) {
	limit := s.ep.drv.eagerLimit()
	select {
	case <-s.bulkReady:
	default:
		limit = 0
	}
	var regs []*region
	var ids []uint64
	release := func() {
		for range ids {
			<-s.eager.slots
		}
	}
	total := int64(0)
	for _, h := range handles {
		if limit <= 0 || len(h.Segments) != 1 || h.Segments[0].Addr != 0 || h.Access&fabric.AccessRemoteRead == 0 {
			continue
		}
		seg := h.Segments[0]
		s.ep.regMu.RLock()
		r := s.ep.regions[seg.Key]
		s.ep.regMu.RUnlock()
		if r == nil || uint64(r.n) != seg.Len || r.n == 0 || total+r.n > limit {
			continue
		}
		select {
		case s.eager.slots <- struct{}{}:
		default:
			continue
		}
		if r.acquire(fabric.AccessRemoteRead, 0, r.n) != daos.Success {
			<-s.eager.slots
			continue
		}
		total += r.n
		regs = append(regs, r)
		ids = append(ids, 0)
	}
	if len(regs) == 0 {
		return func() {}, s.Send(ctx, msg)
	}
	defer func() {
		for _, r := range regs {
			r.release()
		}
	}()
	if len(msg) > s.ep.maxMsg {
		release()
		return nil, fmt.Errorf("send %d bytes to %s: the limit is %d: %w", len(msg), s.remote, s.ep.maxMsg, fabric.ErrTooLarge)
	}
	pre := make([]byte, len(regs)*(ctrlHeaderLen+ctrlEagerLen)+ctrlHeaderLen)
	if err := s.ctrlLock.lock(ctx, s.done); err != nil {
		release()
		return nil, s.why("send to", err)
	}
	s.takeDeferredLocked() // ahead of these frames, as they came first
	s.tx.Add(1)
	// Ids are taken in the order they go out: the peer checks they grow.
	s.eager.mu.Lock()
	for i, r := range regs {
		s.eager.seq++
		ids[i] = s.eager.seq
		b := pre[i*(ctrlHeaderLen+ctrlEagerLen):]
		putCtrlHeader(b, ctrlEager, ctrlEagerLen)
		eagerAnnounce{id: ids[i], key: r.key, n: uint64(r.n)}.put(b[ctrlHeaderLen:])
	}
	s.eager.mu.Unlock()
	putCtrlHeader(pre[len(pre)-ctrlHeaderLen:], ctrlMessage, len(msg))
	err := s.writeAfterPend(ctx, pre, msg)
	s.ctrlLock.unlock()
	if err != nil {
		release()
		s.writeFailed(ctx, err)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("send to %s: %w", s.remote, fabric.ContextError(ctx.Err()))
		}
		return nil, s.why("send to", errSessionDone)
	}
	// From here the peer expects every byte: a failure ends the session,
	// so the bytes are written whatever ctx says (the peer reads them
	// promptly, into a pull or a buffer, or drops them), as a served pull
	// is.
	ctx = context.Background()
	chunk := min(int64(s.ep.drv.chunkSize()), eagerChunk)
	for i, r := range regs {
		for sent := int64(0); sent < r.n; {
			c := min(chunk, r.n-sent)
			h := bulkHeader{typ: bulkEagerData, op: ids[i], off: uint64(sent), n: uint64(r.n), chunk: uint32(c)}
			hdr := make([]byte, bulkHeaderLen)
			h.put(hdr)
			if err := s.writeBulk(ctx, append(net.Buffers{hdr}, gather(r.segs, sent, c)...)); err != nil {
				release()
				s.fail(fmt.Errorf("eager data cut short: %w", err))
				return nil, fmt.Errorf("send to %s: eager data: %w", s.remote, err)
			}
			sent += c
		}
	}
	return release, nil
}
