package rpc

import (
	"context"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/fabric"
)

// Start begins a call and returns once the request is sent (or queued to
// be, with WithDeferredSend); done is then called exactly once with the
// call's result, resp decoded before it. It
// is Call for callers that cannot wait, such as libdaos's event queues,
// whose C threads start operations and must not block on them: waiting
// in a goroutine of its own instead would cost a thread hand-off per
// call.
//
// done runs on whichever goroutine ends the call: the one that read the
// reply (a provider's reader, or a synchronous caller reading its own
// connection), a timer at the deadline, the watcher of a lost peer, or
// the caller itself when the call fails before its request is out. It
// must not block.
//
// Connecting to a peer for the first time, or proving who we are to it,
// happens before Start returns. What Call would retry (an idempotent
// call's transport failure, a server that asks for a new proof)
// continues as a synchronous call on a goroutine of its own.
func (e *Endpoint) Start(ctx context.Context, to fabric.URI, op Opcode, req, resp Message, o CallOptions, done func(error)) {
	a := &asyncCall{e: e, ctx: ctx, to: to, op: op, req: req, resp: resp, o: o, done: done}
	a.deadline = time.Now().Add(e.timeout)
	if dl, ok := ctx.Deadline(); ok {
		a.deadline = dl
	}
	a.attemptEnd = a.deadline
	if o.AttemptTimeout > 0 {
		if dl := time.Now().Add(o.AttemptTimeout); dl.Before(a.deadline) {
			a.attemptEnd = dl
		}
	}
	if err := a.start(); err != nil {
		a.failed(err)
	}
}

// WithDeferredSend asks Start to let the provider hold the request back
// while other calls are in flight (a reply's reading flushes it), until
// Flush, or for the provider's short bound at most, so that requests
// started in a row share a write. For callers that start calls in bursts
// and flush before they wait (libdaos's event queues).
func WithDeferredSend(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferSendKey{}, true)
}

type deferSendKey struct{}

func deferWanted(ctx context.Context) bool { return ctx.Value(deferSendKey{}) != nil }

// Flush sends the requests held back for WithDeferredSend.
func (e *Endpoint) Flush() {
	if f, ok := e.fab.(fabric.Flusher); ok {
		f.Flush()
	}
}

// afterFuncer is a context that can run a function when it ends without
// the child context context.AfterFunc makes (a started client event's).
type afterFuncer interface {
	AfterFunc(f func()) (stop func() bool)
}

// asyncCall is one call made with Start.
type asyncCall struct {
	e        *Endpoint
	ctx      context.Context
	to       fabric.URI
	op       Opcode
	req      Message
	resp     Message
	o        CallOptions
	done     func(error)
	deadline time.Time // the call's
	// attemptEnd is when this attempt gives up: the deadline, or sooner
	// with CallOptions.AttemptTimeout.
	attemptEnd time.Time

	slot  *peerSlot
	id    uint64
	timer *time.Timer
	stop  func() bool // ends the ctx watch, nil when ctx never ends
	// bctx bounds what start may wait for (a first connection, a proof, a
	// large write) by the attempt's deadline; made only when needed, as
	// the usual call needs none.
	bctx    context.Context
	bcancel context.CancelFunc
	// mu guards timer, stop and sent, which start sets while the call
	// may already be ending on another goroutine.
	mu   sync.Mutex
	sent func() // releases eager bytes, nil when none
}

// start sends the request with the call registered; an error means the
// call ended before its request was out (nothing is registered then).
func (a *asyncCall) start() error {
	e := a.e
	if err := a.ctx.Err(); err != nil {
		return fabric.ContextError(err)
	}
	defer a.unbound()
	s := e.readyPeer(a.to)
	if s == nil {
		var err error
		if s, err = e.peer(a.bound(), a.to); err != nil {
			return err
		}
	}
	if !e.authenticated(s) {
		e.authenticate(a.bound(), s, a.to, false)
	}
	a.slot = s
	s.watch.Do(func() { go e.watchPeer(s.p) })
	p := s.p
	a.id = e.nextID.Add(1)
	pc := &pending{peer: p, async: a}
	// Registered and armed under mu: whatever ends the call (the reply
	// may come before Send returns, the watcher may find the peer lost at
	// once, the deadline may be past) stops the timer and the ctx watch,
	// and waits for them to be set.
	a.mu.Lock()
	e.callsMu.Lock()
	if e.closed {
		e.callsMu.Unlock()
		a.mu.Unlock()
		return errEndpointClosed
	}
	e.calls[a.id] = pc
	e.callsMu.Unlock()
	a.timer = time.AfterFunc(time.Until(a.attemptEnd), a.expire)
	if af, ok := a.ctx.(afterFuncer); ok {
		a.stop = af.AfterFunc(a.cancelled)
	} else if a.ctx.Done() != nil {
		a.stop = context.AfterFunc(a.ctx, a.cancelled)
	}
	a.mu.Unlock()

	enc := e.enc.Get().(*Encoder)
	h := header{kind: kindRequest, id: a.id, op: a.op}
	h.timeoutUS = uint64(max(time.Until(a.attemptEnd).Microseconds(), 1))
	h.encode(enc)
	if a.req != nil {
		a.req.EncodeRPC(enc)
	}
	var err error
	if es, ok := p.(eagerSender); ok && len(enc.readable) > 0 {
		// Set before any reply can end the call: deliver reads it.
		var sent func()
		sent, err = es.SendEager(a.bound(), enc.Bytes(), enc.readable)
		if err == nil {
			a.setSent(sent)
		}
	} else if ds, ok := p.(fabric.DeferredSender); ok && deferWanted(a.ctx) && a.deferred(ds, enc.Bytes(), &err) {
		if err == nil {
			// Held back only while other calls are in flight: a reply's
			// reading flushes it (fabric.DeferredSender). The frame is
			// queued before the count is read, and a reply's reader
			// takes its call out of the count before it flushes, so one
			// of the two sees the other. The calls counted may all be
			// held back themselves (two callers at once, say): then the
			// pollers' flush, or the provider's bound, sends them.
			e.callsMu.Lock()
			alone := len(e.calls) <= 1
			e.callsMu.Unlock()
			if alone {
				e.Flush()
			}
		}
	} else {
		err = p.Send(a.bound(), enc.Bytes())
	}
	e.putEncoder(enc)
	if err != nil {
		if e.forget(a.id) {
			a.end(reply{}, err)
		}
		return nil
	}

	if ex, ok := p.(fabric.ReplyExpecter); ok {
		ex.ExpectReply()
	}
	// A peer lost before the call was registered is not in its
	// watcher's sweep; one lost since is.
	select {
	case <-p.Done():
		if e.forget(a.id) {
			a.end(reply{}, p.Err())
		}
	default:
	}
	return nil
}

// deferred queues msg on ds, reporting whether ds took it (or failed:
// *err says); a message too large to hold back is sent as usual.
func (a *asyncCall) deferred(ds fabric.DeferredSender, msg []byte, err *error) bool {
	queued, e := ds.SendDeferred(msg)
	*err = e
	return queued || e != nil
}

// bound is start's context for what may wait.
func (a *asyncCall) bound() context.Context {
	if a.bctx == nil {
		a.bctx, a.bcancel = context.WithDeadline(a.ctx, a.attemptEnd)
	}
	return a.bctx
}

// unbound ends start's bounded context.
func (a *asyncCall) unbound() {
	if a.bcancel != nil {
		a.bcancel()
		a.bctx, a.bcancel = nil, nil
	}
}

func (a *asyncCall) setSent(sent func()) {
	a.mu.Lock()
	if a.sent == nil {
		a.sent = sent
		sent = nil
	}
	a.mu.Unlock()
	if sent != nil {
		sent() // the call has ended already
	}
}

// ended stops the call's timer and ctx watch and releases its eager
// bytes, leaving a release function that marks the call ended for a
// setSent still to come.
func (a *asyncCall) ended() {
	a.mu.Lock()
	a.timer.Stop()
	if a.stop != nil {
		a.stop()
	}
	s := a.sent
	a.sent = func() {}
	a.mu.Unlock()
	if s != nil {
		s()
	}
}

// expire ends the call at its deadline.
func (a *asyncCall) expire() {
	if a.e.forget(a.id) {
		a.e.sendCancel(a.slot.p, a.id)
		a.end(reply{}, fabric.ContextError(context.DeadlineExceeded))
	}
}

// cancelled ends the call when its ctx ends.
func (a *asyncCall) cancelled() {
	if a.e.forget(a.id) {
		a.e.sendCancel(a.slot.p, a.id)
		a.end(reply{}, fabric.ContextError(a.ctx.Err()))
	}
}

// end finishes a call its ender took out of the endpoint's table: with
// its reply (err nil) or err.
func (a *asyncCall) end(r reply, err error) {
	a.ended()
	e := a.e
	if err == nil {
		err = e.reply(a.ctx, &pending{r: r}, a.resp)
	}
	if err == nil {
		a.done(nil)
		return
	}
	if isUnauthenticated(err) {
		// Refused unread: safe to send again after a new proof.
		go func() {
			ctx, cancel := context.WithDeadline(a.ctx, a.deadline)
			defer cancel()
			err := err
			if e.authenticate(ctx, a.slot, a.to, true) {
				err = e.roundTrip(ctx, a.slot.p, a.op, a.req, a.resp)
			}
			a.failed(err)
		}()
		return
	}
	if a.o.Idempotent && retriable(err) && a.ctx.Err() == nil && time.Now().Before(a.deadline) {
		o := a.o
		if o.MaxAttempts <= 0 {
			o.MaxAttempts = DefaultAttempts
		}
		if o.MaxAttempts > 1 {
			o.MaxAttempts--
			go func() {
				ctx, cancel := context.WithDeadline(a.ctx, a.deadline)
				defer cancel()
				a.done(e.call(ctx, callee{uri: a.to}, a.op, a.req, a.resp, o))
			}()
			return
		}
	}
	a.failed(err)
}

// failed ends the call with err, named as Call names its errors.
func (a *asyncCall) failed(err error) {
	if err == nil {
		a.done(nil)
		return
	}
	a.done(a.e.callError(a.ctx, a.op, callee{uri: a.to}, err))
}

// watchPeer ends the asynchronous calls waiting on p when p is lost or
// the endpoint shuts down (synchronous callers watch for themselves).
func (e *Endpoint) watchPeer(p fabric.Peer) {
	var err error
	select {
	case <-p.Done():
		err = p.Err()
	case <-e.closing:
		err = errEndpointClosed
	}
	var lost []*asyncCall
	e.callsMu.Lock()
	for id, pc := range e.calls {
		if pc.async != nil && pc.peer == p {
			delete(e.calls, id)
			lost = append(lost, pc.async)
		}
	}
	e.callsMu.Unlock()
	for _, a := range lost {
		a.end(reply{}, err)
	}
}
