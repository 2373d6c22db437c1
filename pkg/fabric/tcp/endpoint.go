package tcp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/bufpool"
	"github.com/daos-go/daos/pkg/fabric"
)

// Driver opens "tcp" endpoints. Its zero value uses the defaults.
type Driver struct {
	// ChunkSize is the largest bulk chunk sent before another transfer
	// may interleave; 0 means DefaultChunkSize.
	ChunkSize int
	// MaxBulkOps bounds the bulk reads and writes a session has
	// outstanding in each direction; 0 means DefaultMaxBulkOps.
	MaxBulkOps int
	// EagerLimit is the largest region (in total per message) that a
	// message announcing it sends right behind itself on the bulk
	// connection, so that the peer's pull of it needs no read request;
	// larger regions are pulled as usual. It also bounds what this side
	// accepts per region. 0 means DefaultEagerLimit; negative disables
	// eager pushes.
	EagerLimit int64
	// EagerBuffer bounds the eager bytes a session holds for pulls that
	// have not claimed them yet; beyond it they are dropped and pulled
	// as usual. 0 means DefaultEagerBuffer.
	EagerBuffer int64
	// EagerBudget bounds the eager bytes held over all the sessions of
	// an endpoint, so that a peer opening many sessions cannot multiply
	// EagerBuffer; beyond it eager bytes are dropped and pulled as
	// usual. 0 means DefaultEagerBudget.
	EagerBudget int64
	// HandshakeTimeout bounds connection set-up when the caller's context
	// has no deadline, and always on the listening side; 0 means 10 s.
	HandshakeTimeout time.Duration
	// ReplySpin is how long a caller waiting for its reply polls the
	// socket before it parks: a reply that comes within it needs no
	// wake-up of a sleeping thread, which costs tens of microseconds on
	// a loaded or virtual machine (DAOS's clients poll their network
	// progress the same way). The poller holds a CPU meanwhile, which on
	// a machine with few cores the peer may need: servers leave it off,
	// client processes poll ClientReplySpin (drivers.Client). 0 means
	// ReplySpinEnv's value when it is set, else no polling; negative
	// never polls.
	ReplySpin time.Duration
	// Stall bounds how long a session waits on a peer that stops in the
	// middle of an exchange before it gives the session up: a write
	// waiting for room that the peer takes nothing of for Stall (a
	// process stopped, or one that no longer reads; a peer that takes
	// some is only slow), or a bulk frame whose body does not all come
	// within Stall (a chunk, 1 MiB by default). Callers' deadlines bound
	// writes too. 0 means DefaultStall.
	Stall time.Duration
}

// Defaults of Driver.
const (
	DefaultChunkSize  = 1 << 20
	DefaultMaxBulkOps = 64

	DefaultEagerLimit  = 2 << 20
	DefaultEagerBuffer = 16 << 20
	DefaultEagerBudget = 256 << 20

	// DefaultReplySpin is no polling (see Driver.ReplySpin).
	DefaultReplySpin = 0
	// ClientReplySpin is the reply spin of client processes
	// (drivers.Client): about twice a 4 KiB update's round trip to an
	// engine here, so that a synchronous caller's reply finds it still
	// polling (a shorter poll, 40 µs, ended before most replies came and
	// saved nothing). The ofi provider's callers poll as long.
	ClientReplySpin = 200 * time.Microsecond

	// DefaultStall is a minute: a peer held up that long by its own load
	// is as good as gone for the calls waiting on it.
	DefaultStall = time.Minute
)

var provider = fabric.Provider{Core: "tcp"}

// Name is "tcp".
func (Driver) Name() string { return "tcp" }

// Serves reports whether p is "tcp".
func (Driver) Serves(p fabric.Provider) bool { return p == provider }

// Providers is always ["tcp"]: it needs nothing beyond Go.
func (Driver) Providers() ([]string, error) { return []string{"tcp"}, nil }

func (d Driver) chunkSize() int {
	if d.ChunkSize <= 0 {
		return DefaultChunkSize
	}
	return min(d.ChunkSize, MaxChunkWire)
}

func (d Driver) stall() time.Duration {
	if d.Stall <= 0 {
		return DefaultStall
	}
	return d.Stall
}

func (d Driver) maxBulkOps() int {
	if d.MaxBulkOps <= 0 {
		return DefaultMaxBulkOps
	}
	return d.MaxBulkOps
}

func (d Driver) eagerLimit() int64 {
	switch {
	case d.EagerLimit < 0:
		return 0
	case d.EagerLimit == 0:
		return DefaultEagerLimit
	}
	return min(d.EagerLimit, MaxEagerWire)
}

// ReplySpinEnv, when set, is the reply spin of endpoints whose Driver
// leaves ReplySpin at 0: a Go duration ("50us"), "0" for none.
const ReplySpinEnv = "DAOS_GO_TCP_REPLY_SPIN"

func replySpinFromEnv() (time.Duration, error) {
	v, ok := os.LookupEnv(ReplySpinEnv)
	if !ok || v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("tcp driver: %s=%q: want a duration such as 50us, or 0 for none", ReplySpinEnv, v)
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

func (d Driver) replySpin() time.Duration {
	switch {
	case d.ReplySpin < 0:
		return 0
	case d.ReplySpin == 0:
		return DefaultReplySpin
	}
	return d.ReplySpin
}

func (d Driver) eagerBuffer() int64 {
	if d.EagerBuffer <= 0 {
		return DefaultEagerBuffer
	}
	return d.EagerBuffer
}

func (d Driver) eagerBudget() int64 {
	if d.EagerBudget <= 0 {
		return DefaultEagerBudget
	}
	return d.EagerBudget
}

func (d Driver) handshakeTimeout() time.Duration {
	if d.HandshakeTimeout <= 0 {
		return 10 * time.Second
	}
	return d.HandshakeTimeout
}

// endpoint is a listening socket and the sessions made through it.
type endpoint struct {
	drv    Driver
	uri    fabric.URI
	h      fabric.Handler
	maxMsg int
	ln     net.Listener
	frames bufpool.Pool // messages handed back by the receiver (Recycle)

	mu       sync.Mutex
	closed   bool
	dialed   map[*session]struct{}
	accepted map[uint64]*session // by the dialer's session id

	regMu   sync.RWMutex
	regions map[uint64]*region // remotely accessible ones, by key

	// eagerHeld is the eager bytes buffered over all sessions, bounded
	// by Driver.EagerBudget.
	eagerHeld atomic.Int64

	// awaiting counts the callers in Await on all sessions: only a call
	// alone in flight on the endpoint polls for its reply.
	awaiting atomic.Int32

	// Sessions holding deferred frames (SendDeferred), written by Flush.
	deferMu  sync.Mutex
	deferred []*session
	nDefer   atomic.Int32 // len(deferred), read without the lock
	backstop *time.Timer  // backstopTick's
	ticking  bool         // backstop is set
	// deferSeen: a frame was deferred since the last tick; closedDefer:
	// the endpoint is closed, the backstop stays off.
	deferSeen, closedDefer bool

	wg sync.WaitGroup // accept loop, readers, bulk helpers
}

// Flush writes the frames SendDeferred held back on every session. It
// does not wait for a connection another writer holds, nor for room in a
// full socket: a goroutine finishes those.
func (ep *endpoint) Flush() {
	if ep.nDefer.Load() == 0 {
		return
	}
	ep.deferMu.Lock()
	ss := ep.deferred
	ep.deferred = nil
	ep.nDefer.Store(0)
	ep.deferMu.Unlock()
	for _, s := range ss {
		s.flushDeferred(false)
	}
}

// deferBackstop bounds how long a deferred frame can wait when neither a
// reply nor a flush comes (its sender's rules make that rare: see
// fabric.DeferredSender). The backstop ticks at this period while frames
// are being deferred and stops after a quiet period: a timer set per
// batch would cost more, as each one earlier than the runtime poller's
// next wake-up makes the runtime wake that thread to say so.
const deferBackstop = 2 * time.Millisecond

// listDeferredLocked puts s on the sessions to flush; ep.deferMu held.
func (ep *endpoint) listDeferredLocked(s *session) {
	ep.deferred = append(ep.deferred, s)
	ep.nDefer.Add(1)
	ep.deferSeen = true
	if !ep.ticking && !ep.closedDefer {
		ep.ticking = true
		if ep.backstop == nil {
			ep.backstop = time.AfterFunc(deferBackstop, ep.backstopTick)
		} else {
			ep.backstop.Reset(deferBackstop)
		}
	}
}

// backstopTick flushes whatever waits, and ticks again while frames keep
// being deferred.
func (ep *endpoint) backstopTick() {
	ep.Flush()
	ep.deferMu.Lock()
	defer ep.deferMu.Unlock()
	if ep.deferSeen && !ep.closedDefer {
		ep.deferSeen = false
		ep.backstop.Reset(deferBackstop)
		return
	}
	ep.ticking = false
}

// Open listens as cfg says and serves connections until Close.
func (d Driver) Open(ctx context.Context, cfg fabric.Config, h fabric.Handler) (fabric.Endpoint, error) {
	p, err := fabric.ParseProvider(cfg.Provider)
	if err != nil || p != provider {
		return nil, fmt.Errorf("tcp driver cannot open provider %q", cfg.Provider)
	}
	if h == nil {
		return nil, errors.New("tcp driver: nil message handler")
	}
	if d.ReplySpin == 0 {
		if d.ReplySpin, err = replySpinFromEnv(); err != nil {
			return nil, err
		}
	}
	ap, err := cfg.ListenAddr()
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", ap.String())
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", ap, err)
	}
	bound, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on %s: bound address %q: %w", ap, ln.Addr(), err)
	}
	ep := &endpoint{
		drv:      d,
		uri:      fabric.IPURI(provider, bound),
		h:        h,
		maxMsg:   cfg.MessageLimit(),
		ln:       ln,
		dialed:   map[*session]struct{}{},
		accepted: map[uint64]*session{},
		regions:  map[uint64]*region{},
	}
	ep.wg.Add(1)
	go ep.acceptLoop()
	return ep, nil
}

func (ep *endpoint) URI() fabric.URI { return ep.uri }

func (ep *endpoint) acceptLoop() {
	defer ep.wg.Done()
	for {
		c, err := ep.ln.Accept()
		if err != nil {
			if ep.isClosed() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// Out of descriptors and the like: back off rather than spin.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ep.wg.Add(1)
		go ep.serveConn(c)
	}
}

func (ep *endpoint) isClosed() bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.closed
}

// serveConn answers a dialer's hello and then runs the connection's
// reader in this goroutine.
func (ep *endpoint) serveConn(c net.Conn) {
	defer ep.wg.Done()
	_ = c.SetDeadline(time.Now().Add(ep.drv.handshakeTimeout()))
	buf := make([]byte, helloLen)
	if _, err := io.ReadFull(c, buf); err != nil {
		c.Close()
		return
	}
	hi, version, err := parseHello(buf)
	if err != nil {
		c.Close()
		return
	}
	if version != protoVersion {
		_, _ = c.Write(encodeAnswer(answerBadVersion))
		c.Close()
		return
	}
	var s *session
	status := byte(answerOK)
	ep.mu.Lock()
	switch {
	case ep.closed:
		status = answerClosing
	case hi.kind == kindCtrl:
		if _, dup := ep.accepted[hi.session]; dup {
			status = answerUnknownSession
			break
		}
		s = newSession(ep, hi.session, "tcp://"+c.RemoteAddr().String(), c)
		ep.accepted[hi.session] = s
	default:
		s = ep.accepted[hi.session]
		if s == nil || s.bulk != nil {
			status, s = answerUnknownSession, nil
			break
		}
		s.bulk = c
		close(s.bulkReady)
	}
	ep.mu.Unlock()
	if _, err := c.Write(encodeAnswer(status)); err != nil || status != answerOK {
		c.Close()
		if s != nil {
			s.fail(fmt.Errorf("handshake with %s: %w", s.remote, fabric.ErrPeerLost))
		}
		return
	}
	_ = c.SetDeadline(time.Time{})
	if hi.kind == kindCtrl {
		s.readCtrl()
	} else {
		s.readBulk()
	}
}

// Connect dials the control and bulk connections of a new session.
func (ep *endpoint) Connect(ctx context.Context, uri fabric.URI) (fabric.Peer, error) {
	if uri.Provider != provider {
		return nil, fmt.Errorf("connect to %s: the tcp provider cannot reach provider %s", uri, uri.Provider)
	}
	ap, err := uri.AddrPort()
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", uri, err)
	}
	if ep.isClosed() {
		return nil, fmt.Errorf("connect to %s: %w", uri, fabric.ErrClosed)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ep.drv.handshakeTimeout())
		defer cancel()
	}
	id := fabric.NewSessionID()
	ctrl, err := ep.dial(ctx, ap, hello{kind: kindCtrl, session: id})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", uri, err)
	}
	bulk, err := ep.dial(ctx, ap, hello{kind: kindBulk, session: id})
	if err != nil {
		ctrl.Close()
		return nil, fmt.Errorf("connect to %s: bulk connection: %w", uri, err)
	}
	s := newSession(ep, id, uri.String(), ctrl)
	s.bulk = bulk
	close(s.bulkReady)
	ep.mu.Lock()
	if ep.closed {
		ep.mu.Unlock()
		ctrl.Close()
		bulk.Close()
		return nil, fmt.Errorf("connect to %s: %w", uri, fabric.ErrClosed)
	}
	ep.dialed[s] = struct{}{}
	ep.wg.Add(2)
	ep.mu.Unlock()
	go func() { defer ep.wg.Done(); s.readCtrl() }()
	go func() { defer ep.wg.Done(); s.readBulk() }()
	return s, nil
}

// dial opens one connection and exchanges hellos, within ctx.
func (ep *endpoint) dial(ctx context.Context, ap netip.AddrPort, hi hello) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", ap.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dial: %w", fabric.ContextError(ctx.Err()))
		}
		return nil, fmt.Errorf("dial: %w: %w", fabric.ErrUnreachable, err)
	}
	dl, _ := ctx.Deadline()
	_ = c.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(what string, err error) (net.Conn, error) {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, fabric.ContextError(ctx.Err()))
		}
		return nil, fmt.Errorf("%s: %w: %w", what, fabric.ErrUnreachable, err)
	}
	if _, err := c.Write(hi.encode()); err != nil {
		return fail("send hello", err)
	}
	buf := make([]byte, answerLen)
	if _, err := io.ReadFull(c, buf); err != nil {
		return fail("read answer to hello", err)
	}
	status, err := parseAnswer(buf)
	if err != nil {
		c.Close()
		return nil, err
	}
	switch status {
	case answerOK:
	case answerClosing:
		return fail("hello", errors.New("peer endpoint is closing"))
	default:
		c.Close()
		return nil, fmt.Errorf("hello refused by peer (status %d): %w", status, fabric.ErrTransport)
	}
	if !stop() {
		// ctx ended just now and may have set the deadline.
		c.Close()
		return nil, fmt.Errorf("hello: %w", fabric.ContextError(ctx.Err()))
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// forget drops a failed session from the endpoint's tables.
func (ep *endpoint) forget(s *session) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	delete(ep.dialed, s)
	if ep.accepted[s.id] == s {
		delete(ep.accepted, s.id)
	}
}

// Close stops listening, says goodbye on every session, fails what is in
// flight and waits for the endpoint's goroutines.
func (ep *endpoint) Close() error {
	ep.mu.Lock()
	if ep.closed {
		ep.mu.Unlock()
		return fmt.Errorf("close tcp endpoint %s: %w", ep.uri, fabric.ErrClosed)
	}
	ep.closed = true
	ep.deferMu.Lock()
	ep.closedDefer = true
	if ep.backstop != nil {
		ep.backstop.Stop()
	}
	ep.deferMu.Unlock()
	var all []*session
	for s := range ep.dialed {
		all = append(all, s)
	}
	for _, s := range ep.accepted {
		all = append(all, s)
	}
	ep.mu.Unlock()
	err := ep.ln.Close()
	for _, s := range all {
		s.close(fmt.Errorf("local endpoint %s: %w", ep.uri, fabric.ErrClosed))
	}
	ep.wg.Wait()
	if err != nil {
		return fmt.Errorf("close tcp endpoint %s: %w", ep.uri, err)
	}
	return nil
}

// ctrlReadBuffer sizes the readers of control connections.
const ctrlReadBuffer = 64 << 10

// bulkReadBuffer sizes the reader of bulk connections. Data chunks are
// read straight into their destination once the buffer is empty, so
// whatever the buffer took in with a frame header is copied a second
// time, in user space, into memory that is usually not in the cache: a
// small buffer keeps that to a few KiB per chunk while still taking in
// runs of small frames (read requests, statuses) with one system call.
const bulkReadBuffer = 4 << 10

// newBulkReader is the bulk connection's reader: buffered for headers
// and small frames, polling briefly inside bodies (body.inBody).
func newBulkReader(c net.Conn) (body *bodyReader, r *bufio.Reader) {
	body = newBodyReader(c)
	return body, bufio.NewReaderSize(body, bulkReadBuffer)
}

// Recycle implements fabric.Recycler: msg's memory may carry a later
// control message.
func (e *endpoint) Recycle(msg []byte) { e.frames.Put(msg) }
