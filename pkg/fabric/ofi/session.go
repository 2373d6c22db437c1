package ofi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/fabric"
)

// pollWindow is how long a caller waiting for a reply reads the completion
// queue itself (Poll): a few loopback round trips.
const pollWindow = 200 * time.Microsecond

// session is a Peer: one side of a pair made by a dialer's Connect.
type session struct {
	ep       *endpoint
	id       uint64
	acceptor bool // this side accepted the session
	addr     ofi.Addr
	remote   string

	sendMu sync.Mutex
	seq    uint64 // last ordered sequence number sent; guarded by sendMu

	recvMu sync.Mutex
	next   uint64            // next ordered sequence number to deliver
	stash  map[uint64]parked // ordered messages that overtook an earlier one
	stashB int               // bytes in stash

	lastHeard atomic.Int64  // unix ns
	ready     chan struct{} // dialer: closed when the hello is acknowledged
	readyOnce sync.Once

	once sync.Once
	err  error // set before done closes
	done chan struct{}
}

type parked struct {
	typ byte
	msg []byte
}

func newSession(ep *endpoint, id uint64, acceptor bool, addr ofi.Addr, remote string) *session {
	s := &session{
		ep: ep, id: id, acceptor: acceptor, addr: addr, remote: remote,
		next: 1, stash: map[uint64]parked{},
		ready: make(chan struct{}), done: make(chan struct{}),
	}
	s.heard()
	return s
}

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

func (s *session) heard() { s.lastHeard.Store(time.Now().UnixNano()) }
func (s *session) acked() { s.readyOnce.Do(func() { close(s.ready) }) }

// isAcked reports whether the peer answered the hello.
func (s *session) isAcked() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// fail ends the session once, with err.
func (s *session) fail(err error) {
	s.once.Do(func() {
		s.ep.mu.Lock()
		if s.acceptor {
			if s.ep.accepted[s.id] == s {
				delete(s.ep.accepted, s.id)
			}
		} else {
			delete(s.ep.dialed, s.id)
		}
		s.ep.mu.Unlock()
		s.err = err
		close(s.done)
		// Not here: fail may be called under recvMu (by arrive).
		go s.dropStash()
	})
}

// dropStash forgets an ended session's parked messages and their bytes
// in the endpoint's count.
func (s *session) dropStash() {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	s.ep.unpark(s.addr, int64(s.stashB))
	s.stash, s.stashB = nil, 0
}

// close says goodbye (best effort; wg counts the goodbye until it left)
// and ends the session with err.
func (s *session) close(err error, wg *sync.WaitGroup) { s.closeWith(err, nil, wg) }

// closeWith is close with a bye reason (nil: none) in the goodbye.
func (s *session) closeWith(err error, reason []byte, wg *sync.WaitGroup) {
	if s.Err() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if wg != nil {
			wg.Add(1)
		}
		if s.post(ctx, typBye, reason, func() {
			if wg != nil {
				wg.Done()
			}
		}) != nil && wg != nil {
			wg.Done()
		}
		cancel()
	}
	s.fail(err)
}

// Close ends the session; the peer hears of it.
func (s *session) Close() error {
	if s.Err() != nil {
		return nil
	}
	var wg sync.WaitGroup
	s.close(fmt.Errorf("peer closed locally: %w", fabric.ErrClosed), &wg)
	return nil
}

// Send transmits msg as one ordered message.
func (s *session) Send(ctx context.Context, msg []byte) error {
	if err := s.sendable(msg); err != nil {
		return err
	}
	if err := s.send(ctx, typMsg, msg); err != nil {
		return fmt.Errorf("send to %s: %w", s.remote, err)
	}
	return nil
}

// sendable checks what Send and TrySend send: within the message limit,
// on a session that works.
func (s *session) sendable(msg []byte) error {
	if len(msg) > s.ep.maxMsg {
		return fmt.Errorf("send %d bytes to %s: the limit is %d: %w", len(msg), s.remote, s.ep.maxMsg, fabric.ErrTooLarge)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("send to %s: %w", s.remote, err)
	}
	return nil
}

// Poll lets a caller that expects a message soon (the reply to its
// request) read the completion queue itself until ready reports true, for
// a short while; the message is then delivered on the caller's goroutine.
func (s *session) Poll(ready func() bool) { s.ep.fi.Poll(ready, pollWindow) }

// TrySend is Send without waiting for send buffers or the provider's
// queues, which only progress frees: false when the message could not go
// now. For senders on the goroutine that delivers (rpc's inline replies),
// whose waiting would stop the progress it waits for.
func (s *session) TrySend(msg []byte) (bool, error) {
	if err := s.sendable(msg); err != nil {
		return false, err
	}
	err := s.postWith(context.Background(), false, typMsg, msg, nil)
	if errors.Is(err, errWouldWait) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("send to %s: %w", s.remote, err)
	}
	return true, nil
}

// sendControl sends an unordered control message, best effort: a failure
// to send ends the session (see post). It is called where messages are
// delivered, so it never waits there: a message that cannot go at once
// goes from a goroutine of its own.
func (s *session) sendControl(typ byte) {
	if err := s.postWith(context.Background(), false, typ, nil, nil); !errors.Is(err, errWouldWait) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.post(ctx, typ, nil, nil)
	}()
}

// ping asks the acceptor for a sign of life, with our address, so that an
// acceptor that does not know the session can say so (typUnknown).
func (s *session) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.post(ctx, typPing, s.ep.name, nil)
}

func (s *session) send(ctx context.Context, typ byte, payload []byte) error {
	return s.post(ctx, typ, payload, nil)
}

// post copies the header and payload into a send buffer and hands it to
// the provider; sent (if set) runs once the provider is done with it. A
// send the provider reports as failed ends the session: the peer is gone.
func (s *session) post(ctx context.Context, typ byte, payload []byte, sent func()) error {
	return s.postWith(ctx, true, typ, payload, sent)
}

// errWouldWait ends a post without wait that would have had to wait.
var errWouldWait = errors.New("ofi: no send buffer or queue space right now")

// postWith is post; without wait, no free send buffer or full provider
// queues end it with errWouldWait, nothing sent.
func (s *session) postWith(ctx context.Context, wait bool, typ byte, payload []byte, sent func()) error {
	n := hdrLen + len(payload)
	pool, tag := s.ep.small, uint64(tagSmall)
	if n > SmallSlot {
		pool, tag = s.ep.large, tagLarge
	}
	var sl slot
	var err error
	if wait {
		sl, err = pool.get(ctx)
	} else {
		var ok bool
		sl, ok, err = pool.tryGet()
		if err == nil && !ok {
			err = errWouldWait
		}
	}
	if err != nil {
		return err
	}
	copy(sl.mem[hdrLen:], payload)
	h := header{typ: typ, session: s.id}
	if s.acceptor {
		h.flags = flagFromAcceptor
	}
	done := func(err error) {
		pool.put(sl)
		if sent != nil {
			sent()
		}
		if err != nil {
			s.fail(s.lost(err))
		}
	}
	if wait {
		s.sendMu.Lock()
	} else if !s.sendMu.TryLock() {
		// A waiting sender holds it through its post, which may wait
		// for queue space only progress frees.
		pool.put(sl)
		return errWouldWait
	}
	if err := s.Err(); err != nil && typ != typBye {
		// Ended while this sender waited for a buffer: its address
		// may leave the address vector (reapAddrs), so nothing more
		// goes to it.
		s.sendMu.Unlock()
		pool.put(sl)
		return err
	}
	if ordered(typ) {
		s.seq++
		h.seq = s.seq
	}
	h.put(sl.mem)
	if wait {
		err = s.ep.fi.PostSend(ctx, s.addr, tag, sl.mr, sl.off, n, done)
	} else if err = s.ep.fi.PostSendNow(s.addr, tag, sl.mr, sl.off, n, done); errors.Is(err, ofi.ErrAgain) {
		if ordered(typ) {
			s.seq-- // unspent: nothing else took one under sendMu
		}
		s.sendMu.Unlock()
		pool.put(sl)
		return errWouldWait
	}
	s.sendMu.Unlock()
	if err != nil {
		pool.put(sl)
		if ordered(typ) {
			// The sequence number is spent: the peer would wait for it.
			s.fail(s.lost(err))
		}
		if ctx.Err() != nil {
			return fabric.ContextError(ctx.Err())
		}
		return s.lost(err)
	}
	return nil
}

// lost is the session error after a provider error.
func (s *session) lost(err error) error {
	if s.ep.isClosed() {
		return fmt.Errorf("%w: %w", fabric.ErrClosed, err)
	}
	var ce *ofi.CompletionError
	if errors.As(err, &ce) && !s.acceptor {
		select {
		case <-s.ready:
		default:
			return fmt.Errorf("%w: %w", fabric.ErrUnreachable, err)
		}
	}
	return fmt.Errorf("%w: %w", fabric.ErrPeerLost, err)
}

// arrive delivers an ordered message in sequence order, parking it if an
// earlier one has not completed yet.
func (s *session) arrive(seq uint64, typ byte, msg []byte) {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	if seq != s.next {
		_, dup := s.stash[seq]
		if seq < s.next || dup || len(s.stash) >= maxStash || s.stashB+len(msg) > s.ep.stashLimit() {
			s.fail(fmt.Errorf("message %d out of sequence (expecting %d, %d parked, %d bytes): %w", seq, s.next, len(s.stash), s.stashB, fabric.ErrMalformed))
			return
		}
		if s.Err() != nil {
			return // its stash is being dropped (dropStash)
		}
		// Sessions cost a peer nothing to open: the bytes parked over
		// all of a peer's are bounded too.
		if !s.ep.park(s.addr, int64(len(msg))) {
			s.fail(fmt.Errorf("message %d out of sequence with %d bytes parked over the peer's sessions: %w", seq, s.ep.parkedFor(s.addr), fabric.ErrMalformed))
			return
		}
		s.stash[seq] = parked{typ, msg}
		s.stashB += len(msg)
		return
	}
	s.deliver(typ, msg)
	s.next++
	for len(s.stash) > 0 {
		p, ok := s.stash[s.next]
		if !ok {
			return
		}
		delete(s.stash, s.next)
		s.stashB -= len(p.msg)
		s.ep.unpark(s.addr, int64(len(p.msg)))
		s.deliver(p.typ, p.msg)
		s.next++
	}
}

// DeliversOnProgress says the session's messages arrive on the
// endpoint's progress goroutine, which must not be held up (pkg/rpc).
func (s *session) DeliversOnProgress() {}

func (s *session) deliver(typ byte, msg []byte) {
	if s.Err() != nil {
		return
	}
	if typ == typBye {
		if len(msg) == 1 && msg[0] == byeTooLarge {
			s.fail(fmt.Errorf("%s refused a message over its size limit and closed the session: %w", s.remote, fabric.ErrTooLarge))
			return
		}
		s.fail(fmt.Errorf("peer closed the session: %w", fabric.ErrPeerLost))
		return
	}
	s.ep.h(s, msg)
}
