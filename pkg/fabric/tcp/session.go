package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

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
	wbuf     []byte // control frame staging; guarded by ctrlLock

	opsMu  sync.Mutex
	ops    map[uint64]*bulkOp // transfers this side started
	nextOp atomic.Uint64
	slots  chan struct{} // bounds ops
	serves atomic.Int32  // reads served for the peer right now

	once sync.Once
	dead bool  // set under ep.mu once failed
	err  error // set before done closes
	done chan struct{}
}

func newSession(ep *endpoint, id uint64, remote string, ctrl net.Conn) *session {
	return &session{
		ep:        ep,
		id:        id,
		remote:    remote,
		ctrl:      ctrl,
		bulkReady: make(chan struct{}),
		ctrlDone:  make(chan struct{}),
		ctrlLock:  make(writeLock, 1),
		bulkLock:  make(writeLock, 1),
		ops:       map[uint64]*bulkOp{},
		slots:     make(chan struct{}, ep.drv.maxBulkOps()),
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
func (s *session) close(err error) {
	select {
	case s.ctrlLock <- struct{}{}:
		var bye [ctrlHeaderLen]byte
		putCtrlHeader(bye[:], ctrlBye, 0)
		_ = s.ctrl.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = s.ctrl.Write(bye[:])
		s.ctrlLock.unlock()
	default:
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
func (s *session) Send(ctx context.Context, msg []byte) error {
	if len(msg) > s.ep.maxMsg {
		return fmt.Errorf("send %d bytes to %s: the limit is %d: %w", len(msg), s.remote, s.ep.maxMsg, fabric.ErrTooLarge)
	}
	if err := s.ctrlLock.lock(ctx, s.done); err != nil {
		return s.why("send to", err)
	}
	var err error
	if len(msg) <= smallWrite {
		if s.wbuf == nil {
			s.wbuf = make([]byte, ctrlHeaderLen, 512)
		}
		s.wbuf = append(s.wbuf[:ctrlHeaderLen], msg...)
		putCtrlHeader(s.wbuf, ctrlMessage, len(msg))
		_, err = s.ctrl.Write(s.wbuf)
	} else {
		var hdr [ctrlHeaderLen]byte
		putCtrlHeader(hdr[:], ctrlMessage, len(msg))
		err = writeAll(ctx, s.ctrl, net.Buffers{hdr[:], msg})
	}
	s.ctrlLock.unlock()
	if err != nil {
		// Part of a frame may have gone out: the stream is unusable.
		s.fail(s.lost(err))
		if ctx.Err() != nil {
			return fmt.Errorf("send to %s: %w", s.remote, fabric.ContextError(ctx.Err()))
		}
		return s.why("send to", errSessionDone)
	}
	return nil
}

// writeAll writes bufs, which may take long, giving up (and so breaking the
// connection) when ctx ends.
func writeAll(ctx context.Context, c net.Conn, bufs net.Buffers) error {
	stop := context.AfterFunc(ctx, func() { _ = c.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := bufs.WriteTo(c)
	if !stop() {
		// The deadline is (or is about to be) in the past: the connection
		// cannot be trusted with another write.
		return fmt.Errorf("write: %w", fabric.ContextError(ctx.Err()))
	}
	return err
}

// lost is the session error after an I/O error err.
func (s *session) lost(err error) error {
	if s.ep.isClosed() {
		return fabric.ErrClosed
	}
	return fmt.Errorf("%w: %w", fabric.ErrPeerLost, err)
}

// readCtrl delivers the peer's messages until the connection ends.
func (s *session) readCtrl() {
	defer close(s.ctrlDone)
	r := newBufferedReader(s.ctrl)
	for {
		typ, msg, err := readCtrlFrame(r, s.ep.maxMsg)
		if err != nil {
			if errors.Is(err, fabric.ErrMalformed) {
				s.fail(fmt.Errorf("control connection: %w", err))
			} else {
				s.fail(s.lost(err))
			}
			return
		}
		if typ == ctrlBye {
			s.fail(fmt.Errorf("peer closed the session: %w", fabric.ErrPeerLost))
			return
		}
		s.ep.h(s, msg)
	}
}
