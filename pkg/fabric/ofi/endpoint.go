package ofi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/fabric"
)

// Receive pool sizes.
const (
	// SmallSlot is the size of a small receive or send buffer, header
	// included; larger messages use the large class.
	SmallSlot = 8 << 10
	// smallRecvs and largeRecvs are the receives kept posted.
	smallRecvs = 64
	largeRecvs = 4
	// maxSmallSends and maxLargeSends bound the send buffers (messages
	// the provider has not finished sending); senders wait beyond that.
	maxSmallSends = 1024
	maxLargeSends = 32
	// maxStash bounds the messages a session holds while an earlier one
	// is still arriving; stashLimit bounds their bytes. Only the receives
	// posted at once can overtake each other, so a peer that needs more
	// is misbehaving.
	maxStash = 4096
	// maxAddrs bounds the address vector entries made for peers' hellos.
	maxAddrs = 1 << 16
)

// peerAddr is an address vector entry.
type peerAddr struct {
	a    ofi.Addr
	idle time.Time // since when no session uses it; zero: in use or just inserted
}

// stashLimit bounds the bytes of the messages a session parks.
func (ep *endpoint) stashLimit() int { return 64<<20 + largeRecvs*ep.maxMsg }

// parkedLimit bounds the bytes parked over all the sessions of one peer
// address (parkedBy): four sessions' worth.
func (ep *endpoint) parkedLimit() int64 { return 4 * int64(ep.stashLimit()) }

// park counts n more bytes parked for the peer at a; false, counting
// nothing, when that would pass parkedLimit. Per address rather than for
// the endpoint, so that a peer opening many sessions spends only its own
// budget.
func (ep *endpoint) park(a ofi.Addr, n int64) bool {
	ep.parkedMu.Lock()
	defer ep.parkedMu.Unlock()
	if ep.parkedBy[a]+n > ep.parkedLimit() {
		return false
	}
	if ep.parkedBy == nil {
		ep.parkedBy = map[ofi.Addr]int64{}
	}
	ep.parkedBy[a] += n
	return true
}

// unpark counts n bytes parked for a as gone.
func (ep *endpoint) unpark(a ofi.Addr, n int64) {
	if n == 0 {
		return
	}
	ep.parkedMu.Lock()
	defer ep.parkedMu.Unlock()
	if ep.parkedBy[a] -= n; ep.parkedBy[a] <= 0 {
		delete(ep.parkedBy, a)
	}
}

// parkedFor is what park counts for a.
func (ep *endpoint) parkedFor(a ofi.Addr) int64 {
	ep.parkedMu.Lock()
	defer ep.parkedMu.Unlock()
	return ep.parkedBy[a]
}

// endpoint is one libfabric RDM endpoint and the sessions made through it.
type endpoint struct {
	drv    Driver
	prov   fabric.Provider
	uri    fabric.URI
	name   []byte
	h      fabric.Handler
	maxMsg int
	fi     *ofi.Endpoint

	small, large *slab // send buffers
	parkedMu     sync.Mutex
	parkedBy     map[ofi.Addr]int64 // bytes parked out of order, by peer address (park)
	stage        stagePool          // staging buffers of regions
	recvBufs     []*ofi.Buffer

	mu       sync.Mutex
	closed   bool
	addrs    map[string]*peerAddr // address vector entries by provider address
	dialed   map[uint64]*session  // by session id
	accepted map[uint64]*session  // by the dialer's session id
	orphans  []*ofi.Buffer        // staging buffers the provider may still touch

	allocMu sync.Mutex
	allocs  []*allocation // memory from Alloc, by address

	stop chan struct{}
	wg   sync.WaitGroup // heartbeat
}

func open(d Driver, p fabric.Provider, oc ofi.Config, maxMsg int, h fabric.Handler) (*endpoint, error) {
	fi, err := ofi.Open(oc)
	if err != nil {
		return nil, fmt.Errorf("open %s endpoint: %w", p, err)
	}
	ep := &endpoint{
		drv: d, prov: p, h: h, maxMsg: maxMsg, fi: fi,
		addrs: map[string]*peerAddr{}, dialed: map[uint64]*session{}, accepted: map[uint64]*session{},
		stop: make(chan struct{}),
	}
	if err := ep.start(); err != nil {
		ep.teardown()
		return nil, fmt.Errorf("open %s endpoint: %w", p, err)
	}
	ep.wg.Add(1)
	go ep.heartbeat()
	return ep, nil
}

// start learns the endpoint's address and posts the receive pools.
func (ep *endpoint) start() error {
	name, err := ep.fi.Name()
	if err != nil {
		return err
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("provider address of %d bytes is longer than %d", len(name), maxNameLen)
	}
	ep.name = name
	if ep.uri, err = uriFor(ep.prov, name); err != nil {
		return err
	}
	largeSlot := pageRound(hdrLen + ep.maxMsg)
	ep.small = newSlab(ep.fi, SmallSlot, 64, maxSmallSends)
	ep.large = newSlab(ep.fi, largeSlot, 1, maxLargeSends)
	if err := ep.postPool(tagSmall, SmallSlot, smallRecvs); err != nil {
		return err
	}
	return ep.postPool(tagLarge, largeSlot, largeRecvs)
}

func pageRound(n int) int { return (n + 4095) &^ 4095 }

// postPool posts count receives of size bytes each under tag.
func (ep *endpoint) postPool(tag uint64, size, count int) error {
	buf, err := ofi.AllocBuffer(size * count)
	if err != nil {
		return err
	}
	ep.recvBufs = append(ep.recvBufs, buf)
	mr, err := ep.fi.Register(buf, ofi.AccessLocal)
	if err != nil {
		return err
	}
	for i := 0; i < count; i++ {
		mem := buf.Bytes()[i*size : (i+1)*size]
		err := ep.fi.PostRecv(tag, 0, mr, i*size, size, func(m ofi.TaggedMessage, err error) bool {
			return ep.received(mem, m, err)
		})
		if err != nil {
			return fmt.Errorf("post receive %d of %d: %w", i, count, err)
		}
	}
	return nil
}

func (ep *endpoint) URI() fabric.URI { return ep.uri }

func (ep *endpoint) isClosed() bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.closed
}

// insert returns the address vector entry for a provider address.
func (ep *endpoint) insert(name []byte) (ofi.Addr, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.closed {
		return 0, fabric.ErrClosed
	}
	if pa, ok := ep.addrs[string(name)]; ok {
		pa.idle = time.Time{}
		return pa.a, nil
	}
	if len(ep.addrs) >= maxAddrs {
		return 0, fmt.Errorf("%d peer addresses known already", len(ep.addrs))
	}
	a, err := ep.fi.InsertAddr(name)
	if err != nil {
		return 0, err
	}
	ep.addrs[string(name)] = &peerAddr{a: a}
	return a, nil
}

// reapAddrs removes the address vector entries that no session has used
// for the driver's AddrLinger, so that peers coming and going (every client process
// has an address of its own) do not grow it for ever.
func (ep *endpoint) reapAddrs(now time.Time) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.closed {
		return
	}
	used := make(map[ofi.Addr]bool, len(ep.dialed)+len(ep.accepted))
	for _, s := range ep.dialed {
		used[s.addr] = true
	}
	for _, s := range ep.accepted {
		used[s.addr] = true
	}
	for name, pa := range ep.addrs {
		switch {
		case used[pa.a]:
			pa.idle = time.Time{}
		case pa.idle.IsZero():
			pa.idle = now
		case now.Sub(pa.idle) > ep.drv.addrLinger():
			delete(ep.addrs, name)
			_ = ep.fi.RemoveAddr(pa.a)
		}
	}
}

// received handles one completed receive in mem; true posts it again.
func (ep *endpoint) received(mem []byte, m ofi.TaggedMessage, err error) bool {
	if err != nil {
		// Failed receives lose one message; a closed endpoint stops
		// reposting. A truncated one (a peer whose limit is larger than
		// ours) would leave its session a message short for ever: end
		// that session instead, so its calls fail now and the next dial
		// starts afresh.
		var ce *ofi.CompletionError
		if errors.As(err, &ce) && ce.Truncated && m.Len >= hdrLen {
			ep.tooLarge(mem[:min(m.Len, len(mem))])
		}
		return !ep.isClosed()
	}
	msg := mem[:m.Len]
	h, err := parseHeader(msg)
	if err != nil {
		return true
	}
	payload := msg[hdrLen:]
	if h.typ == typHello {
		ep.accept(h.session, payload)
		return true
	}
	ep.mu.Lock()
	var s *session
	if h.flags&flagFromAcceptor != 0 {
		s = ep.dialed[h.session]
	} else {
		s = ep.accepted[h.session]
	}
	ep.mu.Unlock()
	if s == nil {
		// A session that ended, or one of our previous incarnation's.
		if h.typ == typPing && h.flags&flagFromAcceptor == 0 {
			ep.unknownSession(h.session, payload)
		}
		return true
	}
	s.heard()
	switch h.typ {
	case typHelloAck:
		s.acked()
	case typPing:
		s.sendControl(typPong)
	case typPong:
	case typUnknown:
		if !s.acceptor {
			s.fail(fmt.Errorf("%s no longer knows this session (restarted?): %w", s.remote, fabric.ErrPeerLost))
		}
	default:
		s.arrive(h.seq, h.typ, bytes.Clone(payload))
	}
	return true
}

// tooLarge ends the session a truncated message (its first bytes in msg)
// came on, telling the peer with a goodbye.
func (ep *endpoint) tooLarge(msg []byte) {
	h, err := parseHeader(msg)
	if err != nil {
		return
	}
	ep.mu.Lock()
	s := ep.accepted[h.session]
	if h.flags&flagFromAcceptor != 0 {
		s = ep.dialed[h.session]
	}
	ep.mu.Unlock()
	if s == nil {
		return
	}
	// Not on the progress goroutine: the goodbye's send needs it.
	go s.closeWith(fmt.Errorf("%s sent a message larger than the %d-byte limit here: %w", s.remote, ep.maxMsg, fabric.ErrTooLarge), []byte{byeTooLarge}, nil)
}

// unknownSession tells the dialer at name, whose ping named a session id
// we do not have, that its session is gone.
func (ep *endpoint) unknownSession(id uint64, name []byte) {
	if len(name) == 0 || len(name) > maxNameLen {
		return // a peer whose pings carry no address
	}
	addr, err := ep.insert(name)
	if err != nil {
		return
	}
	// A session of the moment, in no table, to send the one answer.
	newSession(ep, id, true, addr, "unknown session").sendControl(typUnknown)
}

// accept makes the session a dialer's hello asks for and acknowledges it.
func (ep *endpoint) accept(id uint64, name []byte) {
	if len(name) == 0 || len(name) > maxNameLen {
		return
	}
	addr, err := ep.insert(name)
	if err != nil {
		return
	}
	remote := "ofi-peer-" + fmt.Sprintf("%016x", id)
	if u, err := uriFor(ep.prov, name); err == nil {
		remote = u.String()
	}
	ep.mu.Lock()
	if ep.closed || ep.accepted[id] != nil {
		ep.mu.Unlock()
		return
	}
	s := newSession(ep, id, true, addr, remote)
	ep.accepted[id] = s
	ep.mu.Unlock()
	s.sendControl(typHelloAck)
}

// Connect makes a session with the endpoint at uri: a hello that the peer
// must acknowledge within ctx.
func (ep *endpoint) Connect(ctx context.Context, uri fabric.URI) (fabric.Peer, error) {
	if uri.Provider != ep.prov {
		return nil, fmt.Errorf("connect to %s: a %s endpoint cannot reach provider %s", uri, ep.prov, uri.Provider)
	}
	name, err := nameFor(uri)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", uri, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ep.drv.handshakeTimeout())
		defer cancel()
	}
	addr, err := ep.insert(name)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", uri, err)
	}
	ep.mu.Lock()
	if ep.closed {
		ep.mu.Unlock()
		return nil, fmt.Errorf("connect to %s: %w", uri, fabric.ErrClosed)
	}
	s := newSession(ep, fabric.NewSessionID(), false, addr, uri.String())
	ep.dialed[s.id] = s
	ep.mu.Unlock()
	if err := s.send(ctx, typHello, ep.name); err != nil {
		s.fail(fmt.Errorf("%w: %w", fabric.ErrUnreachable, err))
		return nil, fmt.Errorf("connect to %s: %w", uri, s.Err())
	}
	select {
	case <-s.ready:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("connect to %s: %w", uri, s.Err())
	case <-ctx.Done():
		err := fabric.ContextError(ctx.Err())
		s.fail(fmt.Errorf("no answer to hello: %w", err))
		return nil, fmt.Errorf("connect to %s: no answer to hello: %w", uri, err)
	}
}

// heartbeat pings quiet dialled sessions, and ends sessions that stayed
// silent too long: dialled ones after DeadAfter, accepted ones (whose
// dialers ping them) after three times that.
func (ep *endpoint) heartbeat() {
	defer ep.wg.Done()
	every := ep.drv.pingInterval() / 2
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ep.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		ep.mu.Lock()
		var all []*session
		for _, s := range ep.dialed {
			all = append(all, s)
		}
		for _, s := range ep.accepted {
			all = append(all, s)
		}
		ep.mu.Unlock()
		ep.reapAddrs(now)
		for _, s := range all {
			quiet := now.Sub(time.Unix(0, s.lastHeard.Load()))
			dead := ep.drv.deadAfter()
			if s.acceptor {
				dead *= 3
			}
			switch {
			case quiet > dead:
				s.fail(fmt.Errorf("peer silent for %v: %w", quiet.Round(time.Millisecond), fabric.ErrPeerLost))
			case !s.acceptor && quiet > ep.drv.pingInterval() && s.isAcked():
				// Not before the hello's answer: a ping that overtook
				// the hello would find no session and be told so.
				s.ping()
			}
		}
	}
}

// Close says goodbye on every session, fails what is in flight, and
// closes the libfabric endpoint.
func (ep *endpoint) Close() error {
	ep.mu.Lock()
	if ep.closed {
		ep.mu.Unlock()
		return fmt.Errorf("close %s endpoint %s: %w", ep.prov, ep.uri, fabric.ErrClosed)
	}
	ep.closed = true
	var all []*session
	for _, s := range ep.dialed {
		all = append(all, s)
	}
	for _, s := range ep.accepted {
		all = append(all, s)
	}
	ep.mu.Unlock()
	close(ep.stop)
	ep.wg.Wait()
	var byes sync.WaitGroup
	for _, s := range all {
		s.close(fmt.Errorf("local endpoint %s: %w", ep.uri, fabric.ErrClosed), &byes)
	}
	// Give the goodbyes a moment to leave before the endpoint goes.
	waitGroupFor(&byes, 200*time.Millisecond)
	return ep.teardown()
}

// teardown closes the libfabric endpoint and frees the buffers.
func (ep *endpoint) teardown() error {
	err := ep.fi.Close()
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, b := range ep.recvBufs {
		errs = append(errs, b.Free())
	}
	if ep.small != nil {
		errs = append(errs, ep.small.free(), ep.large.free())
	}
	errs = append(errs, ep.stage.close())
	ep.mu.Lock()
	for _, b := range ep.orphans {
		errs = append(errs, b.Free())
	}
	ep.orphans = nil
	ep.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s endpoint %s: %w", ep.prov, ep.uri, err)
	}
	return nil
}

func waitGroupFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// slab hands out fixed-size send buffers carved from registered memory,
// growing by chunks up to a bound.
type slab struct {
	fi       *ofi.Endpoint
	size     int
	perChunk int
	limit    int

	mu     sync.Mutex
	avail  []slot
	total  int
	bufs   []*ofi.Buffer
	wakeup chan struct{} // a slot came back
}

type slot struct {
	mr  *ofi.MemRegion
	off int
	mem []byte
}

func newSlab(fi *ofi.Endpoint, size, perChunk, limit int) *slab {
	return &slab{fi: fi, size: size, perChunk: perChunk, limit: limit, wakeup: make(chan struct{}, 1)}
}

// get returns a free slot, growing the slab or waiting for one.
func (s *slab) get(ctx context.Context) (slot, error) {
	for {
		if sl, ok, err := s.tryGet(); ok || err != nil {
			return sl, err
		}
		select {
		case <-s.wakeup:
		case <-ctx.Done():
			return slot{}, fmt.Errorf("wait for a send buffer: %w", fabric.ContextError(ctx.Err()))
		}
	}
}

// tryGet returns a free slot, growing the slab, without waiting: false
// when every slot is in use.
func (s *slab) tryGet() (slot, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.avail) == 0 && s.total < s.limit {
		if err := s.grow(); err != nil {
			return slot{}, false, fmt.Errorf("send buffers: %w", err)
		}
	}
	n := len(s.avail)
	if n == 0 {
		return slot{}, false, nil
	}
	sl := s.avail[n-1]
	s.avail = s.avail[:n-1]
	return sl, true, nil
}

// grow adds a chunk of slots; call it holding mu.
func (s *slab) grow() error {
	buf, err := ofi.AllocBuffer(s.size * s.perChunk)
	if err != nil {
		return err
	}
	mr, err := s.fi.Register(buf, ofi.AccessLocal)
	if err != nil {
		_ = buf.Free()
		return err
	}
	s.bufs = append(s.bufs, buf)
	for i := 0; i < s.perChunk; i++ {
		s.avail = append(s.avail, slot{mr: mr, off: i * s.size, mem: buf.Bytes()[i*s.size : (i+1)*s.size]})
	}
	s.total += s.perChunk
	return nil
}

func (s *slab) put(sl slot) {
	s.mu.Lock()
	s.avail = append(s.avail, sl)
	s.mu.Unlock()
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// free unmaps the slab's memory once its endpoint is closed.
func (s *slab) free() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, b := range s.bufs {
		errs = append(errs, b.Free())
	}
	s.bufs, s.avail = nil, nil
	return errors.Join(errs...)
}
