package tcp

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/daos-go/daos/pkg/fabric"
)

// session is a Peer: the control and bulk connections between two
// endpoints, made by one Connect.
type session struct {
	ep     *endpoint
	id     uint64
	remote string
	ctrl   net.Conn
	// bulk is set before bulkReady closes (on the listening side, when
	// the dialer's second connection arrives) and never changes after.
	bulk      net.Conn
	bulkReady chan struct{}
	ctrlDone  chan struct{} // closed when the control reader returns

	ctrlLock writeLock
	bulkLock writeLock
	rawW     rawWriter // writeSmall's; guarded by ctrlLock
	// pend stages small frames: queued for the sender that set flushing,
	// which writes them all with one system call, or written at once by a
	// sender with nobody else under way; guarded by ctrlLock.
	pend     []byte
	flushing bool
	batches  int // flushes of more than one frame, for tests
	largest  int // the largest flush, for tests
	queued   int // frames in pend
	// Frames SendDeferred queued, under their own lock rather than
	// ctrlLock, which a writer holds through its system call: a caller
	// queueing a request never waits for a write. Writers move them into
	// pend first, so they keep their order with what follows them.
	deferMu sync.Mutex
	dq      []byte // frames, back to back
	dqn     int    // frames in dq
	held    bool   // the session is on ep.deferred
	flusher bool   // a flushDeferred is writing them
	// Message frames received, and sent or left unanswered: their
	// difference is the requests being handled on this session.
	rx, tx atomic.Int64

	// The control connection is read by whoever holds rdTok: the
	// background reader, or a caller waiting for a reply (Await), which
	// then reads and delivers every frame in order until its own reply is
	// there, with no hand-off between goroutines.
	rdTok writeLock
	fr    *frameReader  // guarded by rdTok
	spin  *spinReader   // under fr; polls while a caller awaits its reply
	calls atomic.Uint64 // Awaits started; the background reader stays off while it moves
	// awaiting counts the callers in Await now.
	awaiting atomic.Int32
	// expect ends the background reader's lingering: a reply is due that
	// no caller reads itself (ExpectReply).
	expect chan struct{}

	opsMu  sync.Mutex
	ops    map[uint64]*bulkOp // transfers this side started
	nextOp atomic.Uint64
	slots  chan struct{} // bounds ops
	serves atomic.Int32  // reads served for the peer right now
	// refusals being written to the peer right now (sendStatus)
	statuses atomic.Int32

	eager      eagerState
	eagerTimer *time.Timer // the bulk reader's, for eagerWait

	once sync.Once
	dead bool  // set under ep.mu once failed
	err  error // set before done closes
	done chan struct{}
}

func newSession(ep *endpoint, id uint64, remote string, ctrl net.Conn) *session {
	spin := newSpinReader(ctrl)
	spin.waiters = &ep.awaiting
	return &session{
		ep:        ep,
		id:        id,
		remote:    remote,
		ctrl:      ctrl,
		bulkReady: make(chan struct{}),
		ctrlDone:  make(chan struct{}),
		ctrlLock:  make(writeLock, 1),
		bulkLock:  make(writeLock, 1),
		rdTok:     make(writeLock, 1),
		expect:    make(chan struct{}, 1),
		fr:        newFrameReader(bufio.NewReaderSize(spin, ctrlReadBuffer), ep.maxMsg, &ep.frames),
		spin:      spin,
		ops:       map[uint64]*bulkOp{},
		slots:     make(chan struct{}, ep.drv.maxBulkOps()),
		eager:     newEagerState(ep.drv.maxBulkOps(), &ep.eagerHeld),
		done:      make(chan struct{}),
	}
}

// writeLock serialises writers on a connection; unlike a mutex, waiting for
// it gives up when the caller's context or the session ends.
type writeLock chan struct{}

func (l writeLock) lock(ctx context.Context, done <-chan struct{}) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fabric.ContextError(ctx.Err())
	case <-done:
		return errSessionDone
	}
}

func (l writeLock) unlock() { <-l }

// errSessionDone stands for the session's own error, which callers fetch.
var errSessionDone = errors.New("session ended")

func (s *session) String() string        { return s.remote }
func (s *session) Done() <-chan struct{} { return s.done }

func (s *session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// why is the error to report for an operation the session's end stopped.
func (s *session) why(what string, err error) error {
	if errors.Is(err, errSessionDone) {
		<-s.done
		err = s.err
	}
	return fmt.Errorf("%s %s: %w", what, s.remote, err)
}

// fail ends the session once, with err: it closes both connections, which
// stops the readers, and wakes every waiter.
func (s *session) fail(err error) {
	s.once.Do(func() {
		s.ep.mu.Lock()
		s.dead = true
		bulk := s.bulk
		delete(s.ep.dialed, s)
		if s.ep.accepted[s.id] == s {
			delete(s.ep.accepted, s.id)
		}
		s.ep.mu.Unlock()
		s.err = err
		close(s.done)
		s.ctrl.Close()
		if bulk != nil {
			bulk.Close()
		}
	})
}

// close ends the session from this side: the peer is told with a bye
// frame when the control connection is free.
func (s *session) close(err error) { s.closeWith(ctrlBye, err) }

// closeWith is close with the bye frame of type bye.
func (s *session) closeWith(bye byte, err error) {
	// A plain goodbye is skipped when a writer holds the connection; one
	// with a reason waits a little for it, as the peer needs the reason.
	held := false
	select {
	case s.ctrlLock <- struct{}{}:
		held = true
	default:
	}
	if !held && bye != ctrlBye {
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case s.ctrlLock <- struct{}{}:
			held = true
		case <-t.C:
		}
		t.Stop()
	}
	if held {
		var frame [ctrlHeaderLen]byte
		putCtrlHeader(frame[:], bye, 0)
		// Frames still queued go first.
		s.takeDeferredLocked()
		out := append(s.pend, frame[:]...)
		s.pend, s.flushing, s.queued = nil, false, 0
		_ = s.ctrl.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = s.ctrl.Write(out)
		s.ctrlLock.unlock()
	}
	s.fail(err)
}

// Close ends the session; its transfers fail with ErrClosed.
func (s *session) Close() error {
	if s.Err() != nil {
		return nil
	}
	s.close(fmt.Errorf("peer closed locally: %w", fabric.ErrClosed))
	return nil
}

// smallWrite is the size up to which a message is copied behind its header
// and written with one system call; larger ones are written in place.
const smallWrite = 64 << 10

// Send writes one message frame.
//
// A small frame is queued, and the sender that finds no write coming
// yields once before writing every frame queued by then with one system
// call: replies that handlers finish together, and requests that callers
// make together, share a write (on loopback each write also runs the
// peer's TCP receive path and wakes its reader). A sender whose frame
// another writes returns at once; if that write fails the session ends,
// which its call then reports.
func (s *session) Send(ctx context.Context, msg []byte) error {
	if len(msg) > s.ep.maxMsg {
		return fmt.Errorf("send %d bytes to %s: the limit is %d: %w", len(msg), s.remote, s.ep.maxMsg, fabric.ErrTooLarge)
	}
	if err := s.ctrlLock.lock(ctx, s.done); err != nil {
		return s.why("send to", err)
	}
	s.takeDeferredLocked() // ahead of this frame, as they came first
	var err error
	// Other callers waiting for replies, or other requests being handled
	// (messages received that are not answered yet): someone else is
	// likely to send soon.
	handling := s.rx.Load() - s.tx.Add(1)
	if len(msg) <= smallWrite {
		s.pend = appendFrame(s.pend, msg)
		s.queued++
		switch {
		case s.flushing && len(s.pend) < pendFlushAt:
			s.ctrlLock.unlock()
			return nil
		case s.flushing:
			// Enough is queued: write it now rather than let the queue
			// grow with the number of senders (the sender that yielded
			// still comes, and finds the rest).
			err = s.writePendLocked(ctx)
		case s.awaiting.Load() > 0 || handling > 0:
			s.flushing = true
			s.ctrlLock.unlock()
			runtime.Gosched()
			// The queued frames are others' too: write them whatever
			// this caller's context says.
			if err := s.ctrlLock.lock(context.Background(), s.done); err != nil {
				return s.why("send to", err)
			}
			err = s.flushLocked(context.Background())
		default:
			// Nobody else is sending or waiting: no reason to wait.
			err = s.writePendLocked(ctx)
		}
	} else {
		var hdr [ctrlHeaderLen]byte
		putCtrlHeader(hdr[:], ctrlMessage, len(msg))
		err = s.writeAfterPend(ctx, hdr[:], msg)
	}
	s.ctrlLock.unlock()
	if err != nil {
		// Part of a frame may have gone out: the stream is unusable.
		s.writeFailed(ctx, err)
		if ctx.Err() != nil {
			return fmt.Errorf("send to %s: %w", s.remote, fabric.ContextError(ctx.Err()))
		}
		return s.why("send to", errSessionDone)
	}
	return nil
}

// SendDeferred is fabric.DeferredSender's: a small message is queued
// and written by the endpoint's next Flush (or an earlier write on the
// session), so that messages sent in a row share one system call; a
// larger one is the caller's to send.
func (s *session) SendDeferred(msg []byte) (bool, error) {
	if len(msg) > smallWrite {
		return false, nil
	}
	if err := s.Err(); err != nil {
		return false, s.why("send to", err)
	}
	s.tx.Add(1)
	s.deferMu.Lock()
	s.dq = appendFrame(s.dq, msg)
	s.dqn++
	list := !s.held
	s.held = true
	s.deferMu.Unlock()
	if list {
		ep := s.ep
		ep.deferMu.Lock()
		ep.listDeferredLocked(s)
		ep.deferMu.Unlock()
	}
	return true, nil
}

// appendFrame appends msg to b as a message frame, header first.
func appendFrame(b, msg []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, ctrlHeaderLen)...)
	putCtrlHeader(b[n:], ctrlMessage, len(msg))
	return append(b, msg...)
}

// takeDeferredLocked moves the deferred frames behind the queued ones;
// the caller holds ctrlLock, and every write of pend calls it first.
func (s *session) takeDeferredLocked() {
	s.deferMu.Lock()
	if s.dqn > 0 {
		s.pend = append(s.pend, s.dq...)
		s.queued += s.dqn
		s.dq, s.dqn = s.dq[:0], 0
	}
	s.deferMu.Unlock()
}

// flushDeferred writes what SendDeferred queued, unless a write since did.
// One flusher at a time per session, which writes until nothing deferred
// is left: a second one (the reader after a reply, and the caller before
// it waits, say) leaves its frames to the first rather than wait for the
// connection. Without wait, a connection another writer holds or a full
// socket hands the rest to a goroutine: a reader that waited there could
// hold up replies its peer waits for, and a C thread must not block.
func (s *session) flushDeferred(wait bool) {
	s.deferMu.Lock()
	s.held = false
	if s.dqn == 0 || s.flusher {
		s.deferMu.Unlock()
		return
	}
	s.flusher = true
	s.deferMu.Unlock()
	s.flushLoop(wait)
}

// flushLoop is the flusher's work (see flushDeferred).
func (s *session) flushLoop(wait bool) {
	if wait {
		if err := s.ctrlLock.lock(context.Background(), s.done); err != nil {
			s.endFlusher()
			return // the session is over; its calls fail with it
		}
	} else {
		select {
		case s.ctrlLock <- struct{}{}:
		default:
			go s.flushLoop(true)
			return
		}
	}
	for {
		var err error
		switch {
		case s.flushing:
			// The sender that set flushing writes them with its own.
			s.takeDeferredLocked()
		case wait:
			err = s.writePendLocked(context.Background())
		default:
			err = s.tryWritePendLocked()
		}
		if err == errWouldBlock {
			s.ctrlLock.unlock()
			go s.flushLoop(true)
			return
		}
		s.deferMu.Lock()
		more := s.dqn > 0 && err == nil
		if !more {
			s.flusher = false
		}
		s.deferMu.Unlock()
		if more {
			continue
		}
		s.ctrlLock.unlock()
		if err != nil && s.Err() == nil {
			// Not on this goroutine: it may be the session's reader,
			// which writeFailed waits for.
			go s.writeFailed(context.Background(), err)
		}
		return
	}
}

func (s *session) endFlusher() {
	s.deferMu.Lock()
	s.flusher = false
	s.deferMu.Unlock()
}

// tryWritePendLocked is writePendLocked without waiting for room: when
// the socket fills, what is left stays at the head of pend and it
// reports errWouldBlock.
func (s *session) tryWritePendLocked() error {
	return s.writePendWith(context.Background(), true)
}

// byeGrace bounds how long a failed write waits for the reader to find
// the peer's goodbye (see writeFailed). The reader ends the session at
// once on the reset that follows it, so only a reader held up long (a
// machine under load) makes the writer wait this long.
const byeGrace = time.Second

// writeFailed ends the session after a failed write on the control
// connection. A peer that refused something of ours said why before it
// hung up (ctrlByeTooLarge, say), and its goodbye may sit unread in front
// of the reset that broke the write: the reader is given a moment to find
// it, so that the session ends with the peer's reason rather than as a
// lost peer (which callers would retry, the refused message with them).
func (s *session) writeFailed(ctx context.Context, err error) {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		t := time.NewTimer(byeGrace)
		select {
		case <-s.done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	s.fail(s.lost(err))
}

// Unanswered counts a delivered message that gets no reply (see
// fabric.Unanswered), so that it is not taken for a request being handled.
func (s *session) Unanswered() { s.tx.Add(1) }

// pendKeep is the queue capacity kept between flushes; a sender that
// finds pendFlushAt bytes queued writes them itself.
const (
	pendKeep    = 512 << 10
	pendFlushAt = 256 << 10
)

// flushLocked writes the queued small frames; the caller holds ctrlLock
// and, before writing a frame of its own, calls it so frames go out in
// the order they were sent.
func (s *session) flushLocked(ctx context.Context) error {
	s.flushing = false
	return s.writePendLocked(ctx)
}

// writeAfterPend writes the queued frames, then bufs, in one vectored
// write bounded by ctx; the caller holds ctrlLock.
func (s *session) writeAfterPend(ctx context.Context, bufs ...[]byte) error {
	s.takeDeferredLocked()
	out := make(net.Buffers, 0, len(bufs)+1)
	if len(s.pend) > 0 {
		out = append(out, s.pend)
	}
	out = append(out, bufs...)
	err := writeAll(ctx, s.ctrl, out, s.ep.drv.stall())
	s.flushing = false
	s.emptyPend()
	return err
}

// emptyPend forgets the queued frames once written, keeping a queue of
// moderate size for the next ones.
func (s *session) emptyPend() {
	s.queued = 0
	if cap(s.pend) > pendKeep {
		s.pend = nil
	} else {
		s.pend = s.pend[:0]
	}
}

// writePendLocked writes the queued frames, waiting for room within ctx;
// the caller holds ctrlLock.
func (s *session) writePendLocked(ctx context.Context) error {
	return s.writePendWith(ctx, false)
}

// writePendWith is writePendLocked, or with noWait its variant that keeps
// what a full socket did not take (errWouldBlock).
func (s *session) writePendWith(ctx context.Context, noWait bool) error {
	s.takeDeferredLocked()
	if len(s.pend) == 0 {
		return nil
	}
	if s.queued > 1 {
		// Others' frames ride along, their senders long gone: write them
		// whatever this caller's context says (the stall still bounds
		// it), as ending the write early ends the session for all.
		ctx = context.Background()
	}
	if s.queued > 1 {
		s.batches++
	}
	s.largest = max(s.largest, len(s.pend))
	n, err := s.writeSmallN(ctx, s.pend, noWait)
	if err == errWouldBlock {
		s.pend = s.pend[:copy(s.pend, s.pend[n:])]
		return err
	}
	s.emptyPend()
	return err
}

// writeAll writes bufs, which may take long, giving up (and so breaking
// the connection) when ctx ends or the peer takes nothing for stall.
func writeAll(ctx context.Context, c net.Conn, bufs net.Buffers, stall time.Duration) error {
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = c.SetWriteDeadline(time.Unix(1, 0)) })
	}
	var err error
	ctxEnded := false
	for {
		dl, byCtx := stallDeadline(ctx, stall)
		_ = c.SetWriteDeadline(dl)
		if ctx.Err() != nil {
			// Ended before that deadline was set, which may have replaced
			// the one ending it.
			ctxEnded = true
			break
		}
		var n int64
		n, err = bufs.WriteTo(c)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if byCtx || ctx.Err() != nil {
			if byCtx {
				// The poller's timer may beat the context's own by a
				// moment: wait for it, so that callers find ctx ended
				// (a moment only: a context may report its end late).
				t := time.NewTimer(10 * time.Millisecond)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
			ctxEnded = true
			break
		}
		if n == 0 {
			err = fmt.Errorf("the peer took nothing for %v: %w", stall, fabric.ErrPeerLost)
			break
		}
		// The peer is slow, not stuck: it took some.
	}
	if stop != nil && !stop() {
		ctxEnded = true
	}
	if ctxEnded {
		// The deadline is (or is about to be) in the past: the connection
		// cannot be trusted with another write.
		return fmt.Errorf("write: %w", fabric.ContextError(cmp.Or(ctx.Err(), context.DeadlineExceeded)))
	}
	_ = c.SetWriteDeadline(time.Time{})
	return err
}

// stallDeadline is the earlier of ctx's deadline (byCtx) and stall from
// now: what bounds a write that must wait for room.
func stallDeadline(ctx context.Context, stall time.Duration) (dl time.Time, byCtx bool) {
	dl = time.Now().Add(stall)
	if d, ok := ctx.Deadline(); ok && !d.After(dl) {
		return d, true
	}
	return dl, false
}

// lost is the session error after an I/O error err.
func (s *session) lost(err error) error {
	if s.ep.isClosed() {
		return fabric.ErrClosed
	}
	return fmt.Errorf("%w: %w", fabric.ErrPeerLost, err)
}

// readerLinger is how long the background reader stays off the control
// connection after a caller last read it for itself: callers that come
// back within it find the connection free and read their replies on
// their own goroutines. Only messages nobody waits for (a bye, a reply
// to an abandoned call) can wait that long to be read.
const readerLinger = time.Millisecond

// readCtrl reads and delivers the peer's messages, when no caller does,
// until the connection ends.
func (s *session) readCtrl() {
	defer close(s.ctrlDone)
	t := time.NewTimer(readerLinger)
	t.Stop()
	defer t.Stop()
	seen := s.calls.Load()
	for {
		if c := s.calls.Load(); c != seen {
			seen = c
			t.Reset(readerLinger)
			select {
			case <-t.C:
			case <-s.expect:
				t.Stop()
				seen = s.calls.Load()
			case <-s.done:
				return
			}
			continue
		}
		select {
		case s.rdTok <- struct{}{}:
		case <-s.done:
			return
		}
		if s.calls.Load() != seen {
			s.rdTok.unlock()
			continue
		}
		ok := s.readFrame()
		s.rdTok.unlock()
		if !ok {
			return
		}
	}
}

// ExpectReply is fabric.ReplyExpecter's: an asynchronous call's reply
// is read by the background reader, which stops lingering for callers
// that read their own.
func (s *session) ExpectReply() {
	select {
	case s.expect <- struct{}{}:
	default:
	}
}

// readFrame reads one frame and delivers it; the caller holds rdTok. It
// reports false once the session has ended. A read deadline (set to wake
// a caller whose ctx ended) is cleared and reported as true.
func (s *session) readFrame() bool {
	typ, msg, err := s.fr.next()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Clear first, then look at ctx: a deadline set after the
			// check belongs to a ctx that ended after it, and will
			// interrupt the next read.
			_ = s.ctrl.SetReadDeadline(time.Time{})
			return s.Err() == nil
		}
		if errors.Is(err, fabric.ErrTooLarge) {
			s.closeWith(ctrlByeTooLarge, fmt.Errorf("%s sent a message over the limit here: %w", s.remote, err))
		} else if errors.Is(err, fabric.ErrMalformed) {
			s.fail(fmt.Errorf("control connection: %w", err))
		} else {
			s.fail(s.lost(err))
		}
		return false
	}
	switch typ {
	case ctrlBye:
		s.fail(fmt.Errorf("peer closed the session: %w", fabric.ErrPeerLost))
		return false
	case ctrlByeTooLarge:
		s.fail(fmt.Errorf("%s refused a message over its size limit and closed the session: %w", s.remote, fabric.ErrTooLarge))
		return false
	case ctrlEager:
		if err := s.announceEager(msg); err != nil {
			s.fail(fmt.Errorf("control connection: %w", err))
			return false
		}
		return true
	}
	s.eager.cur, s.eager.pending = s.eager.pending, nil
	s.rx.Add(1)
	s.ep.h(s, msg)
	if cur := s.eager.cur; cur != nil {
		s.eager.cur = nil
		s.releaseEager(cur)
	}
	// Requests held back for a batch go out once a reply comes in, at the
	// latest: their senders count on that (see fabric.DeferredSender). Not
	// before the frames already read are delivered, though: their
	// completions let the senders add more to the batch.
	if s.fr.r.Buffered() == 0 {
		s.ep.Flush()
	}
	return true
}

// Await waits until ready can be received from, reading and delivering
// the peer's messages on the calling goroutine while no other goroutine
// reads them. It reports whether it received from ready; false means ctx
// or the session ended first.
func (s *session) Await(ctx context.Context, ready <-chan struct{}) bool {
	s.calls.Add(1)
	s.awaiting.Add(1)
	defer s.awaiting.Add(-1)
	// The endpoint-wide count only matters where callers poll: servers
	// leave the shared counter alone.
	spin := s.ep.drv.replySpin()
	if spin > 0 {
		s.ep.awaiting.Add(1)
		defer s.ep.awaiting.Add(-1)
	}
	select {
	case <-ready:
		return true
	default:
	}
	select {
	case <-ready:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	case s.rdTok <- struct{}{}:
	}
	defer s.rdTok.unlock()
	// A lone call's reply usually comes within tens of microseconds:
	// poll for it that long before parking (see Driver.ReplySpin). With
	// other calls waiting, on this session or another, replies keep the
	// readers busy anyway, and a poller would only take CPU from the
	// peers doing the work.
	if spin > 0 && s.ep.awaiting.Load() == 1 && fabric.ReplyPollWanted(ctx) {
		s.spin.spin(spin)
		defer s.spin.spin(0)
	}
	stop := context.AfterFunc(ctx, func() { _ = s.ctrl.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		select {
		case <-ready:
			return true
		default:
		}
		if ctx.Err() != nil || !s.readFrame() {
			return false
		}
		s.calls.Add(1)
	}
}

// writeSmall writes a staged control frame with write(2) called directly
// (RawSyscall) rather than through the runtime's system-call bookkeeping:
// a loopback write runs the receiver's TCP input and wake-up inside the
// call, 20-40 µs here, long enough for the runtime's monitor to take the
// processor away and wake another thread to run it, which costs the
// process more than the write itself (see docs/performance.md). The
// socket is non-blocking, so the call cannot block: when it is full the
// goroutine waits for room as a large write does (writeAll: within ctx,
// and while the peer keeps taking bytes).
func (s *session) writeSmall(ctx context.Context, b []byte) error {
	_, err := s.writeSmallN(ctx, b, false)
	return err
}

// writeSmallN is writeSmall, reporting how much was written; with noWait
// a full socket ends it with errWouldBlock rather than a wait (a
// connection without a descriptor always waits).
func (s *session) writeSmallN(ctx context.Context, b []byte, noWait bool) (int, error) {
	w := &s.rawW
	if w.conn == nil {
		sc, ok := s.ctrl.(syscall.Conn)
		if !ok {
			return len(b), writeAll(ctx, s.ctrl, net.Buffers{b}, s.ep.drv.stall())
		}
		rc, err := sc.SyscallConn()
		if err != nil {
			return 0, err
		}
		w.conn = rc
		w.fn = w.write // made once: a closure per call would be allocated
	}
	w.b, w.err = b, nil
	err := w.conn.Write(w.fn)
	rest := w.b
	w.b = nil
	if err == nil {
		err = w.err
	}
	if err == errWouldBlock && !noWait {
		// The peer reads slower than we write, or not at all.
		err = writeAll(ctx, s.ctrl, net.Buffers{rest}, s.ep.drv.stall())
		if err == nil {
			rest = nil
		}
	}
	return len(b) - len(rest), err
}

// rawWriter is writeSmall's state, guarded by the session's ctrlLock.
type rawWriter struct {
	conn syscall.RawConn
	fn   func(fd uintptr) bool
	b    []byte // what is left to write
	err  error
}

// errWouldBlock ends a raw write that found the socket full.
var errWouldBlock = errors.New("tcp: the socket is full")

// write is the RawConn.Write callback: it writes what the socket takes
// and ends the write (w.err says how); it never asks the poller to wait,
// as writeSmallN bounds that wait.
func (w *rawWriter) write(fd uintptr) bool {
	raceReleaseIO()
	for len(w.b) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&w.b[0])), uintptr(len(w.b)))
		switch e {
		case 0:
			w.b = w.b[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			// The socket is full: b holds the rest (see writeSmallN).
			w.err = errWouldBlock
			return true
		default:
			w.err = e
			return true
		}
	}
	return true
}
