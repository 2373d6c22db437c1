package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
)

// Config describes an Endpoint.
type Config struct {
	// Fabric selects the provider, interface and port.
	Fabric fabric.Config
	// Drivers are the fabric drivers to choose from; nil means
	// drivers.Default().
	Drivers []fabric.Driver
	// Registry holds the opcodes this endpoint serves (and names the ones
	// it calls, for messages). Listen takes a copy. Nil serves nothing.
	Registry *Registry
	// InlineThreshold is the size from which bulk data goes through a
	// bulk handle instead of inline; 0 means DefaultInlineThreshold.
	InlineThreshold int
	// DefaultTimeout bounds calls whose context has no deadline, and
	// requests that arrive without one; 0 means DefaultTimeout.
	DefaultTimeout time.Duration
	// MaxHandlers bounds the requests served at once; further requests
	// wait (and hold back their connection). 0 means DefaultMaxHandlers.
	MaxHandlers int
	// Logger receives reports of dropped messages; nil discards them.
	Logger *slog.Logger
	// PeerKey is the system's peer key (see SetPeerKey); nil: none yet.
	PeerKey []byte
}

// Defaults of Config.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMaxHandlers = 1024
	// DefaultAttempts bounds the attempts of an idempotent call.
	DefaultAttempts = 3
)

// CallOptions adjust one call.
type CallOptions struct {
	// Idempotent allows the call to be sent again after a transport
	// failure (peer unreachable or lost, transport error, an attempt's
	// timeout, a server shutting down): the caller promises that running
	// it twice does no harm. Errors returned by the handler are never
	// retried.
	Idempotent bool
	// MaxAttempts bounds the attempts of an idempotent call; 0 means
	// DefaultAttempts.
	MaxAttempts int
	// AttemptTimeout bounds each attempt within the call's deadline; 0
	// lets one attempt use all of it.
	AttemptTimeout time.Duration
}

// Endpoint is one fabric endpoint speaking the RPC protocol: it calls
// peers and serves its registry's opcodes. Safe for concurrent use.
type Endpoint struct {
	fab fabric.Endpoint
	// recycler is fab when its provider takes messages back (set once
	// fab is open; requests may arrive before).
	recycler atomic.Pointer[recyclerRef]
	reg      *Registry
	inline   int
	timeout  time.Duration
	log      *slog.Logger
	enc      sync.Pool // *Encoder

	peersMu sync.Mutex
	peers   map[fabric.URI]*peerSlot

	callsMu sync.Mutex
	calls   map[uint64]*pending
	closed  bool // under callsMu: no new calls or background sends
	nextID  atomic.Uint64
	closing chan struct{} // closed when calls must fail
	bg      sync.WaitGroup

	servingMu sync.Mutex
	serving   map[servingKey]*handlerCtx
	sweepKick chan struct{} // starts the sweeper's ticks
	sweeping  bool          // under servingMu: the sweeper ticks
	swept     bool          // under servingMu: no request came since the last tick
	draining  bool
	handlers  sync.WaitGroup
	slots     chan struct{}
	// waiting counts requests from progress-thread providers waiting
	// for a slot in goroutines of their own (dispatch), at most
	// cap(slots)*maxWaitingPerSlot; more are refused with DER_BUSY.
	waiting  atomic.Int64
	jobs     chan serveJob   // to idle handler goroutines
	spawned  atomic.Int64    // handler goroutines started
	base     context.Context // parent of handler contexts
	stopBase context.CancelFunc

	shutOnce sync.Once
	shutErr  error

	// Peer authentication (auth.go).
	keyMu      sync.Mutex // serialises SetPeerKey
	keyGen     uint64     // under keyMu
	key        atomic.Pointer[peerKey]
	authMu     sync.Mutex
	auth       map[fabric.Peer]*sessAuth // sessions that asked for a challenge
	refused    atomic.Uint64
	refusedLog atomic.Int64 // unix ns of the last refusal warning
}

type peerSlot struct {
	ready chan struct{}
	p     fabric.Peer
	err   error
	auth  dialAuth
	watch sync.Once // starts watchPeer for the first asynchronous call
}

type pending struct {
	r    reply         // set before done receives
	done chan struct{} // one value once r is set
	// peer is where the request went: only it may answer. Ids are
	// sequential, so without this any endpoint could answer any call.
	peer fabric.Peer
	// async is the call when it was made with Start (done unused): the
	// reply ends it where it is delivered.
	async *asyncCall
}

type reply struct {
	h    header
	body []byte
	msg  []byte // the provider's message that body is a part of
}

type servingKey struct {
	from fabric.Peer
	id   uint64
}

// errEndpointClosed fails calls in flight when their endpoint shuts down.
var errEndpointClosed = fmt.Errorf("rpc endpoint shut down: %w", fabric.ErrClosed)

// Listen opens the fabric endpoint cfg describes and starts serving.
func Listen(ctx context.Context, cfg Config) (*Endpoint, error) {
	e := &Endpoint{
		reg:       cfg.Registry.clone(),
		inline:    cfg.InlineThreshold,
		timeout:   cfg.DefaultTimeout,
		log:       cfg.Logger,
		peers:     map[fabric.URI]*peerSlot{},
		calls:     map[uint64]*pending{},
		closing:   make(chan struct{}),
		serving:   map[servingKey]*handlerCtx{},
		sweepKick: make(chan struct{}, 1),
		auth:      map[fabric.Peer]*sessAuth{},
	}
	if err := e.SetPeerKey(cfg.PeerKey); err != nil {
		return nil, fmt.Errorf("rpc listen: %w", err)
	}
	if e.inline <= 0 {
		e.inline = DefaultInlineThreshold
	}
	if e.timeout <= 0 {
		e.timeout = DefaultTimeout
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	maxHandlers := cfg.MaxHandlers
	if maxHandlers <= 0 {
		maxHandlers = DefaultMaxHandlers
	}
	e.slots = make(chan struct{}, maxHandlers)
	e.jobs = make(chan serveJob)
	e.base, e.stopBase = context.WithCancel(context.Background())
	go e.sweep()
	e.enc.New = func() any { return &Encoder{buf: make([]byte, 0, 512)} }
	ds := cfg.Drivers
	if ds == nil {
		ds = drivers.Default()
	}
	fab, err := fabric.Open(ctx, cfg.Fabric, ds, e.deliver)
	if err != nil {
		e.stopBase()
		return nil, fmt.Errorf("rpc listen: %w", err)
	}
	e.fab = fab
	if r, ok := fab.(fabric.Recycler); ok {
		e.recycler.Store(&recyclerRef{r})
	}
	return e, nil
}

// recyclerRef holds a fabric.Recycler for atomic.Pointer.
type recyclerRef struct{ r fabric.Recycler }

// URI is where peers reach this endpoint.
func (e *Endpoint) URI() fabric.URI { return e.fab.URI() }

// Fabric is the underlying fabric endpoint (to register memory, say).
func (e *Endpoint) Fabric() fabric.Endpoint { return e.fab }

// InlineThreshold is the size from which bulk data goes by handle.
func (e *Endpoint) InlineThreshold() int { return e.inline }

// Call sends req to the endpoint at to as opcode op and decodes the reply
// into resp (nil: ignore the body). It is CallWith without options.
func (e *Endpoint) Call(ctx context.Context, to fabric.URI, op Opcode, req, resp Message) error {
	return e.CallWith(ctx, to, op, req, resp, CallOptions{})
}

// CallWith is Call with options.
func (e *Endpoint) CallWith(ctx context.Context, to fabric.URI, op Opcode, req, resp Message, o CallOptions) error {
	return e.call(ctx, callee{uri: to}, op, req, resp, o)
}

// CallRank calls the rank of group g, looking its URI up at each attempt
// so that a retry follows a map update. An unknown rank is DER_OOG.
func (e *Endpoint) CallRank(ctx context.Context, g *fabric.Group, r fabric.Rank, op Opcode, req, resp Message, o CallOptions) error {
	return e.call(ctx, callee{group: g, rank: r}, op, req, resp, o)
}

// callee is who a call goes to: a URI, or a rank of a group looked up at
// each attempt. (A value rather than a closure and a name made up front:
// a call costs neither allocation unless it fails.)
type callee struct {
	uri   fabric.URI
	group *fabric.Group
	rank  fabric.Rank
}

func (c callee) resolve() (fabric.URI, error) {
	if c.group == nil {
		return c.uri, nil
	}
	u, _, err := c.group.Lookup(c.rank)
	return u, err
}

func (c callee) String() string {
	if c.group == nil {
		return c.uri.String()
	}
	return fmt.Sprintf("rank %d of %s", c.rank, c.group.Name())
}

func (e *Endpoint) call(ctx context.Context, target callee, op Opcode, req, resp Message, o CallOptions) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	attempts := 1
	if o.Idempotent {
		attempts = o.MaxAttempts
		if attempts <= 0 {
			attempts = DefaultAttempts
		}
	}
	var err error
	backoff := 5 * time.Millisecond
	for i := 1; ; i++ {
		var to fabric.URI
		if to, err = target.resolve(); err == nil {
			err = e.attempt(ctx, to, op, req, resp, o.AttemptTimeout)
		}
		if err == nil {
			return nil
		}
		if i >= attempts || ctx.Err() != nil || !retriable(err) {
			break
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		case <-e.closing:
		}
		backoff = min(2*backoff, time.Second)
	}
	return e.callError(ctx, op, target, err)
}

// callError names a failed call's error as callers see it: the call, its
// target, and the caller's context's end when the error says no more.
func (e *Endpoint) callError(ctx context.Context, op Opcode, target callee, err error) error {
	if ctx.Err() != nil && daos.Code(err) == daos.ErrUnknown {
		err = fabric.ContextError(ctx.Err())
	}
	return fmt.Errorf("rpc %s to %s: %w", e.reg.Name(op), target.String(), err)
}

// retriable reports whether an idempotent call may try again after err.
func retriable(err error) bool {
	var re *RemoteError
	if errors.As(err, &re) {
		return re.Code == daos.ErrShutdown
	}
	switch daos.Code(err) {
	case daos.ErrUnreach, daos.ErrHg, daos.ErrTimedout, daos.ErrShutdown:
		return true
	}
	return false
}

// attempt sends the request once and waits for its reply.
func (e *Endpoint) attempt(ctx context.Context, to fabric.URI, op Opcode, req, resp Message, limit time.Duration) error {
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	s, err := e.peer(ctx, to)
	if err != nil {
		return err
	}
	e.authenticate(ctx, s, to, false)
	err = e.roundTrip(ctx, s.p, op, req, resp)
	if isUnauthenticated(err) && e.authenticate(ctx, s, to, true) {
		// The server lost our proof (its key changed, or it had none
		// when we proved): the request was refused unread, so sending it
		// again after a new proof is safe.
		err = e.roundTrip(ctx, s.p, op, req, resp)
	}
	return err
}

// roundTrip sends one request on p and waits for its reply.
func (e *Endpoint) roundTrip(ctx context.Context, p fabric.Peer, op Opcode, req, resp Message) error {
	var err error
	id := e.nextID.Add(1)
	pc := &pending{done: make(chan struct{}, 1), peer: p}
	e.callsMu.Lock()
	if e.closed {
		e.callsMu.Unlock()
		return errEndpointClosed
	}
	// Only a lone caller polls for its reply (poller): with more in
	// flight the poller catches the others' replies too and must hand
	// them over anyway, while its spinning takes the CPU their goroutines
	// (and the peer) need.
	alone := len(e.calls) == 0
	e.calls[id] = pc
	e.callsMu.Unlock()

	enc := e.enc.Get().(*Encoder)
	h := header{kind: kindRequest, id: id, op: op}
	if dl, ok := ctx.Deadline(); ok {
		h.timeoutUS = uint64(max(time.Until(dl).Microseconds(), 1))
	}
	h.encode(enc)
	if req != nil {
		req.EncodeRPC(enc)
	}
	if es, ok := p.(eagerSender); ok && len(enc.readable) > 0 {
		var sent func()
		sent, err = es.SendEager(ctx, enc.Bytes(), enc.readable)
		if err == nil {
			defer sent()
		}
	} else {
		err = p.Send(ctx, enc.Bytes())
	}
	e.putEncoder(enc)
	if err != nil {
		e.forget(id)
		return err
	}
	if ap, ok := p.(awaiter); ok {
		if ap.Await(ctx, pc.done) {
			return e.reply(ctx, pc, resp)
		}
	} else if pp, ok := p.(poller); ok && alone && fabric.ReplyPollWanted(ctx) {
		pp.Poll(func() bool { return len(pc.done) > 0 })
	}
	select {
	case <-pc.done:
		return e.reply(ctx, pc, resp)
	case <-ctx.Done():
		if e.forget(id) {
			e.sendCancel(p, id)
			return fabric.ContextError(ctx.Err())
		}
	case <-p.Done():
		if e.forget(id) {
			return p.Err()
		}
	case <-e.closing:
		if e.forget(id) {
			return errEndpointClosed
		}
	}
	// The reply won the race and is waiting.
	<-pc.done
	return e.finishCall(pc, resp)
}

// reply ends a call with its reply.
func (e *Endpoint) reply(ctx context.Context, pc *pending, resp Message) error {
	if pc.r.h.status != daos.Success && ctx.Err() != nil {
		// The handler gave up at the same deadline; the caller's own
		// view of it is the clearer error.
		e.recycleReply(pc, nil)
		return fabric.ContextError(ctx.Err())
	}
	return e.finishCall(pc, resp)
}

// Copying is a reply Message that can say its DecodeRPC keeps no slice of
// the bytes it decodes (scalars, or copies): once such a reply is decoded,
// its message goes back to the provider's pool instead of the garbage
// collector.
type Copying interface {
	Message
	CopiesRPC() bool
}

// finishCall decodes pc's reply into resp, then recycles the reply's
// message when nothing can alias it.
func (e *Endpoint) finishCall(pc *pending, resp Message) error {
	err := e.finish(pc.r, resp)
	e.recycleReply(pc, resp)
	return err
}

// recycleReply gives pc's reply message back to the provider, unless resp
// (decoded from it) may still hold slices of it.
func (e *Endpoint) recycleReply(pc *pending, resp Message) {
	msg := pc.r.msg
	pc.r = reply{}
	if msg == nil {
		return
	}
	if c, ok := resp.(Copying); resp != nil && (!ok || !c.CopiesRPC()) {
		return
	}
	if rr := e.recycler.Load(); rr != nil {
		rr.r.Recycle(msg)
	}
}

// awaiter is a Peer whose caller may read the provider's connection
// itself while it waits for a reply (the tcp provider): Await delivers
// the peer's messages on the calling goroutine until ready receives, so
// that a reply that arrives where the caller waits reaches it without a
// goroutine hand-off. It reports whether it received from ready; false
// when ctx or the peer ended first.
type awaiter interface {
	Await(ctx context.Context, ready <-chan struct{}) bool
}

// poller is a Peer whose caller may drive the provider's progress while
// it waits for a reply (the ofi provider reads its completion queue), so
// that a quick reply reaches the caller without a goroutine hand-off. Poll
// returns after a short while even when ready never reports true.
type poller interface {
	Poll(ready func() bool)
}

// eagerSender is a Peer that can send the bytes of the caller's readable
// regions right behind a request (the tcp provider), so that the server's
// pulls of them need no read request. The returned function is called when
// the call has ended.
type eagerSender interface {
	SendEager(ctx context.Context, msg []byte, readable []fabric.BulkHandle) (func(), error)
}

// eagerTaker is a Peer that holds the eager bytes that came with the
// request being delivered until the function TakeEager returns (nil: none)
// is called; it must be called during the delivery.
type eagerTaker interface {
	TakeEager() func()
}

// forget removes a pending call; false means its reply was already taken.
func (e *Endpoint) forget(id uint64) bool {
	e.callsMu.Lock()
	defer e.callsMu.Unlock()
	if _, ok := e.calls[id]; !ok {
		return false
	}
	delete(e.calls, id)
	return true
}

func (e *Endpoint) finish(r reply, resp Message) error {
	if r.h.status != daos.Success {
		return &RemoteError{Code: r.h.status, Text: r.h.text}
	}
	if resp == nil {
		return nil
	}
	d := getDecoder(r.body)
	defer putDecoder(d)
	if err := resp.DecodeRPC(d); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	return nil
}

func (e *Endpoint) putEncoder(enc *Encoder) {
	if cap(enc.buf) > 64<<10 {
		return // do not pin large buffers
	}
	enc.Reset()
	e.enc.Put(enc)
}

// readyPeer is the connected, healthy slot for to, or nil when peer
// would have to connect (or wait for a connection under way).
func (e *Endpoint) readyPeer(to fabric.URI) *peerSlot {
	e.peersMu.Lock()
	defer e.peersMu.Unlock()
	s := e.peers[to]
	if s == nil {
		return nil
	}
	select {
	case <-s.ready:
		if s.err == nil && s.p.Err() == nil {
			return s
		}
	default:
	}
	return nil
}

// peer returns the slot of a live Peer for to, connecting once for
// concurrent callers.
func (e *Endpoint) peer(ctx context.Context, to fabric.URI) (*peerSlot, error) {
	e.peersMu.Lock()
	s := e.peers[to]
	if s != nil {
		select {
		case <-s.ready:
			if s.err == nil && s.p.Err() == nil {
				e.peersMu.Unlock()
				return s, nil
			}
			s = nil // failed or broken: connect again
		default:
			e.peersMu.Unlock()
			select {
			case <-s.ready:
				if s.err != nil {
					return nil, s.err
				}
				return s, nil
			case <-ctx.Done():
				return nil, fabric.ContextError(ctx.Err())
			}
		}
	}
	s = &peerSlot{ready: make(chan struct{})}
	e.peers[to] = s
	e.peersMu.Unlock()
	s.p, s.err = e.fab.Connect(ctx, to)
	close(s.ready)
	if s.err != nil {
		e.peersMu.Lock()
		if e.peers[to] == s {
			delete(e.peers, to)
		}
		e.peersMu.Unlock()
		return nil, s.err
	}
	return s, nil
}

// background runs fn unless the endpoint is closed; Shutdown waits for it.
func (e *Endpoint) background(fn func()) {
	e.callsMu.Lock()
	defer e.callsMu.Unlock()
	if e.closed {
		return
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		fn()
	}()
}

// sendCancel tells the server that the caller gave up on call id.
func (e *Endpoint) sendCancel(p fabric.Peer, id uint64) {
	e.background(func() {
		enc := NewEncoder(make([]byte, 0, 16))
		(&header{kind: kindCancel, id: id}).encode(enc)
		ctx, cancel := context.WithTimeout(e.base, time.Second)
		defer cancel()
		_ = p.Send(ctx, enc.Bytes())
	})
}

// deliver is the fabric handler: it routes replies to their calls,
// cancellations to their handlers, and requests to new handlers.
func (e *Endpoint) deliver(from fabric.Peer, msg []byte) {
	h, body, err := parseHeader(msg)
	if err != nil {
		e.log.Warn("dropping malformed message", "peer", from.String(), "err", err)
		unanswered(from)
		return
	}
	switch h.kind {
	case kindReply:
		e.callsMu.Lock()
		pc := e.calls[h.id]
		if pc != nil && pc.peer != from {
			e.callsMu.Unlock()
			e.log.Warn("dropping a reply from a peer the call did not go to", "peer", from.String(), "to", pc.peer.String(), "id", h.id)
			return
		}
		delete(e.calls, h.id)
		e.callsMu.Unlock()
		if pc != nil && pc.async != nil {
			pc.async.end(reply{h: h, body: body, msg: msg}, nil)
		} else if pc != nil {
			pc.r = reply{h: h, body: body, msg: msg}
			pc.done <- struct{}{}
		}
	case kindCancel:
		unanswered(from)
		e.servingMu.Lock()
		hc := e.serving[servingKey{from, h.id}]
		e.servingMu.Unlock()
		if hc != nil {
			hc.cancel(nil)
		}
	case kindRequest:
		e.dispatch(from, h, body, msg)
	}
}

// unanswered tells the provider that a message from p gets no reply.
func unanswered(p fabric.Peer) {
	if u, ok := p.(fabric.Unanswered); ok {
		u.Unanswered()
	}
}

// dispatch starts a handler for a request, waiting for a free slot.
func (e *Endpoint) dispatch(from fabric.Peer, h header, body, msg []byte) {
	// The request's eager bytes stay with the provider until the handler
	// has returned: only it can pull them.
	release := func() {}
	if et, ok := from.(eagerTaker); ok {
		if r := et.TakeEager(); r != nil {
			release = r
		}
	}
	// The message itself goes back to the provider once the reply has
	// gone, when the handler only borrows it.
	var recycle []byte
	rr := e.recycler.Load()
	if rr != nil && e.reg.borrowing(h.op) {
		recycle = msg
	}
	if h.op >= reservedOps {
		release()
		e.serveAuth(from, h, body)
		return
	}
	hd, inline, internal := e.reg.handler(h.op)
	if internal && !e.trusted(from) {
		// Before anything reads the body: an untrusted peer's request
		// for an engine-only opcode gets no further.
		release()
		e.refuse(from, h)
		return
	}
	e.servingMu.Lock()
	if e.draining || hd == nil {
		release()
		draining := e.draining
		e.servingMu.Unlock()
		if draining {
			e.replyError(from, h.id, daos.Errorf(daos.ErrShutdown, "%s: endpoint %s is shutting down", e.reg.Name(h.op), e.URI()))
		} else {
			e.replyError(from, h.id, daos.Errorf(daos.ErrUnreg, "%s is not served by %s", e.reg.Name(h.op), e.URI()))
		}
		return
	}
	if inline {
		e.handlers.Add(1)
		e.servingMu.Unlock()
		in := &Incoming{ep: e, from: from, op: h.op, body: body}
		resp, err := hd(e.base, in)
		release()
		e.sendReply(from, h.id, resp, err, true)
		in.replied()
		e.handlers.Done()
		return
	}
	timeout := e.timeout
	if h.timeoutUS > 0 {
		// A little past the caller's deadline, so that the caller's own
		// timeout, not the handler's error, normally ends the call.
		timeout = time.Duration(min(h.timeoutUS, uint64(1<<62)/1000)) * time.Microsecond
		timeout += min(timeout/10, time.Second) + time.Millisecond
	}
	key := servingKey{from, h.id}
	if e.serving[key] != nil {
		// A broken peer reused the id of a request still being served:
		// both would end with the first handler, the first's context
		// never (it would only be found by id).
		e.servingMu.Unlock()
		release()
		unanswered(from)
		e.log.Warn("dropping a request whose id is being served", "peer", from.String(), "id", h.id, "op", e.reg.Name(h.op))
		return
	}
	ctx := newHandlerCtx(e.base, time.Now().Add(timeout))
	e.serving[key] = ctx
	e.swept = false
	if !e.sweeping {
		// One kick per stop of the ticker, so this never blocks.
		e.sweeping = true
		e.sweepKick <- struct{}{}
	}
	e.handlers.Add(1)
	e.servingMu.Unlock()

	j := serveJob{ctx: ctx, key: key, in: &Incoming{ep: e, from: from, op: h.op, body: body}, hd: hd, release: release, recycle: recycle}
	if recycle != nil {
		j.recycler = rr.r
	}
	select {
	case e.slots <- struct{}{}:
		e.start(j)
		return
	default:
	}
	if _, ok := from.(progressDeliverer); ok {
		// This provider delivers on its progress thread, which the
		// handlers holding the slots need for their own transfers and
		// replies: waiting there would stop them all. The waiters are
		// bounded, as a reader's back-pressure bounds them on tcp.
		if e.waiting.Add(1) > int64(cap(e.slots))*maxWaitingPerSlot {
			e.waiting.Add(-1)
			e.unserved(j, h, daos.Errorf(daos.ErrBusy, "%s: %d requests already wait for a handler at %s", e.reg.Name(h.op), cap(e.slots)*maxWaitingPerSlot, e.URI()))
			return
		}
		go func() {
			defer e.waiting.Add(-1)
			e.waitSlot(j, h)
		}()
		return
	}
	// Otherwise waiting holds back this peer's messages only: the
	// provider's back-pressure on a peer that sends too much.
	e.waitSlot(j, h)
}

// start hands j, which holds a slot, to an idle handler goroutine or a
// new one.
func (e *Endpoint) start(j serveJob) {
	select {
	case e.jobs <- j:
	default:
		e.spawned.Add(1)
		go e.handlerLoop(j)
	}
}

// waitSlot starts j once a handler slot is free, or refuses it when its
// deadline passes first.
func (e *Endpoint) waitSlot(j serveJob, h header) {
	select {
	case e.slots <- struct{}{}:
		e.start(j)
	case <-j.ctx.Done():
		e.unserved(j, h, fmt.Errorf("%s: waiting for a free handler: %w", e.reg.Name(h.op), fabric.ContextError(j.ctx.Err())))
	}
}

// unserved answers a request that got no handler with err.
func (e *Endpoint) unserved(j serveJob, h header, err error) {
	j.release()
	e.done(j.key)
	e.replyError(j.in.from, h.id, err)
	e.handlers.Done()
}

// maxWaitingPerSlot bounds the requests waiting for a handler (see
// dispatch), per handler slot.
const maxWaitingPerSlot = 4

// progressDeliverer is a peer whose messages arrive on its provider's
// progress thread (ofi), which must never wait for a handler.
type progressDeliverer interface{ DeliversOnProgress() }

// done forgets a served request and releases its context.
func (e *Endpoint) done(key servingKey) {
	e.servingMu.Lock()
	hc := e.serving[key]
	delete(e.serving, key)
	e.servingMu.Unlock()
	if hc != nil {
		hc.cancel(nil)
	}
}

// handlerCtx is a served request's context. Its deadline has no timer of
// its own (creating and stopping one per request was about 5 % of an
// engine's CPU): Err reports the deadline once it has passed, and the
// endpoint's sweeper cancels the requests past their deadlines, so Done is
// closed at most sweepEvery late. Its cause, and that of contexts derived
// from it, is context.DeadlineExceeded then.
type handlerCtx struct {
	context.Context // a child of the endpoint's base
	cancel          context.CancelCauseFunc
	deadline        time.Time
}

func newHandlerCtx(base context.Context, deadline time.Time) *handlerCtx {
	ctx, cancel := context.WithCancelCause(base)
	return &handlerCtx{Context: ctx, cancel: cancel, deadline: deadline}
}

func (c *handlerCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Err is the first of the cancellation and the deadline: context.Canceled
// or context.DeadlineExceeded, the same on every call once not nil.
func (c *handlerCtx) Err() error {
	if c.Context.Err() == nil {
		if time.Now().Before(c.deadline) {
			return nil
		}
		c.expire()
	}
	return context.Cause(c.Context)
}

// expire ends c for its deadline, unless something ended it first.
func (c *handlerCtx) expire() { c.cancel(context.DeadlineExceeded) }

// sweepEvery is how often requests being served are checked against
// their deadlines: how late a handler's context may end. Late is cheap
// here: a handler's deadline is past its caller's, who has given up by
// then; a shorter period cost about 1 % of an engine's CPU at 10 ms.
const sweepEvery = 50 * time.Millisecond

// sweep cancels served requests past their deadlines. It ticks while
// requests come: a tick that finds none served and none come since the
// one before stops it, and dispatch kicks it again, so an idle endpoint
// does not wake and a busy one does not touch the ticker per request.
func (e *Endpoint) sweep() {
	t := time.NewTicker(sweepEvery)
	t.Stop()
	var late []*handlerCtx
	for {
		select {
		case <-e.sweepKick:
			t.Reset(sweepEvery)
		case now := <-t.C:
			e.servingMu.Lock()
			for _, hc := range e.serving {
				if !now.Before(hc.deadline) {
					late = append(late, hc)
				}
			}
			idle := len(e.serving) == 0 && e.swept
			e.swept = true
			if idle {
				e.sweeping = false
			}
			e.servingMu.Unlock()
			if idle {
				t.Stop()
			}
			for i, hc := range late {
				hc.expire()
				late[i] = nil
			}
			late = late[:0]
		case <-e.base.Done():
			t.Stop()
			return
		}
	}
}

// serveJob is a request handed to a handler goroutine.
type serveJob struct {
	ctx      context.Context
	key      servingKey
	in       *Incoming
	hd       Handler
	release  func()
	recycle  []byte // the request's message, for recycler after the reply
	recycler fabric.Recycler
}

// handlerIdle is how long a handler goroutine waits for another request
// at least before it ends; at most twice that, 5 s, the bound goroutine
// leak checks after a burst of requests rely on.
const handlerIdle = 2500 * time.Millisecond

// handlerLoop serves j, then further requests while they keep coming.
// Handler goroutines are reused because a new one starts with a small
// stack that the object I/O path grows (by copying) on every request.
func (e *Endpoint) handlerLoop(j serveJob) {
	// The idle timer is not reset per request (a timer modification
	// each): a goroutine that served nothing over a whole period ends, so
	// it ends between one and two periods after its last request.
	idle := time.NewTimer(handlerIdle)
	defer idle.Stop()
	for {
		e.serve(j.ctx, j.key, j.in, j.hd, j.release)
		if j.recycle != nil {
			j.recycler.Recycle(j.recycle)
		}
		j = serveJob{}
		for served, got := true, false; !got; {
			select {
			case j = <-e.jobs:
				got = true
			case <-idle.C:
				if !served {
					return
				}
				served = false
				idle.Reset(handlerIdle)
			case <-e.base.Done():
				return
			}
		}
	}
}

func (e *Endpoint) serve(ctx context.Context, key servingKey, in *Incoming, hd Handler, release func()) {
	defer e.handlers.Done()
	resp, err := hd(ctx, in)
	release()
	e.done(key)
	<-e.slots
	e.sendReply(in.from, key.id, resp, err, false)
	in.replied()
}

// sendReply encodes and sends a reply; one that exceeds the message limit
// is replaced by a DER_OVERFLOW error. onDelivery says the caller is the
// goroutine that delivered the request (see sendOn).
func (e *Endpoint) sendReply(to fabric.Peer, id uint64, resp Message, herr error, onDelivery bool) {
	enc := e.enc.Get().(*Encoder)
	defer e.putEncoder(enc)
	h := header{kind: kindReply, id: id}
	if herr != nil {
		h.status, h.text = errorCode(herr), herr.Error()
	}
	h.encode(enc)
	if herr == nil && resp != nil {
		resp.EncodeRPC(enc)
	}
	// No deadline of its own: a reply that does not fit the socket now
	// waits for the peer, and fails when the peer or the endpoint goes.
	ctx := context.Background()
	err := e.sendOn(ctx, to, enc.Bytes(), onDelivery)
	if errors.Is(err, fabric.ErrTooLarge) {
		size := enc.Len()
		enc.Reset()
		h.status, h.text = daos.ErrOverflow, fmt.Sprintf("reply of %d bytes is too large: %v", size, err)
		h.encode(enc)
		err = e.sendOn(ctx, to, enc.Bytes(), onDelivery)
	}
	if err != nil {
		e.log.Debug("reply not sent", "peer", to.String(), "id", id, "err", err)
	}
}

// trySender is a Peer that can send without waiting for resources only
// its provider's progress frees (the ofi provider): false when the
// message cannot go now.
type trySender interface {
	TrySend(msg []byte) (bool, error)
}

// sendOn sends msg to to. Where the provider delivers on its progress
// goroutine, the goroutine that delivered a request (onDelivery) must not
// wait for send buffers or queue space, which only that progress frees:
// the message is tried without waiting, and one that cannot go now goes
// from a goroutine of its own.
func (e *Endpoint) sendOn(ctx context.Context, to fabric.Peer, msg []byte, onDelivery bool) error {
	ts, ok := to.(trySender)
	if !onDelivery || !ok {
		return to.Send(ctx, msg)
	}
	if sent, err := ts.TrySend(msg); sent || err != nil {
		return err
	}
	later := bytes.Clone(msg)
	e.background(func() {
		if err := to.Send(ctx, later); err != nil {
			e.log.Debug("message not sent", "peer", to.String(), "err", err)
		}
	})
	return nil
}

// errorCode is the DER code a handler's error is reported with; context
// errors without a code of their own become DER_TIMEDOUT or DER_CANCELED.
func errorCode(err error) daos.Errno {
	code := daos.Code(err)
	if code == daos.ErrUnknown {
		code = daos.Code(fabric.ContextError(err))
	}
	return code
}

// replyError answers a request that gets no handler, from a goroutine of
// its own (deliver runs on the provider's progress goroutine).
func (e *Endpoint) replyError(to fabric.Peer, id uint64, err error) {
	e.background(func() { e.sendReply(to, id, nil, err, false) })
}

// Shutdown stops the endpoint gracefully: new requests are refused with
// DER_SHUTDOWN, handlers in progress may finish until ctx ends (then their
// contexts are cancelled and they are waited for), calls in flight fail
// with an error wrapping fabric.ErrClosed (DER_CANCELED), and the fabric
// endpoint closes. Later calls fail the same way.
func (e *Endpoint) Shutdown(ctx context.Context) error {
	e.shutOnce.Do(func() {
		e.servingMu.Lock()
		e.draining = true
		e.servingMu.Unlock()
		idle := make(chan struct{})
		go func() { e.handlers.Wait(); close(idle) }()
		select {
		case <-idle:
		case <-ctx.Done():
			e.stopBase()
			<-idle
		}
		e.callsMu.Lock()
		e.closed = true
		close(e.closing)
		e.callsMu.Unlock()
		if err := e.fab.Close(); err != nil {
			e.shutErr = fmt.Errorf("rpc shutdown: %w", err)
		}
		e.stopBase()
		e.bg.Wait()
	})
	return e.shutErr
}

// Close shuts down at once: handlers in progress are cancelled.
func (e *Endpoint) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return e.Shutdown(ctx)
}
