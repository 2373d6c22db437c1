//go:build ofi && cgo

package ofi

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/fabric"
)

const testProvider = "ofi+tcp;ofi_rxm"

func openTest(t testing.TB, d Driver, h fabric.Handler) *endpoint {
	t.Helper()
	have, err := d.Providers()
	require.NoError(t, err)
	if !slices.Contains(have, testProvider) {
		t.Skipf("%s is not offered here (have %v)", testProvider, have)
	}
	ep, err := fabric.Open(context.Background(), fabric.Config{Provider: testProvider, Interface: "127.0.0.1"}, []fabric.Driver{d}, h)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	return ep.(*endpoint)
}

func addrCount(ep *endpoint) int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return len(ep.addrs)
}

// Peers come and go (each client process has an address of its own): the
// address vector entry of one that no session uses any more is removed
// after a while, and the peer can come back.
func TestAddressesOfGonePeersRemoved(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := Driver{PingInterval: 20 * time.Millisecond, HandshakeTimeout: 200 * time.Millisecond, AddrLinger: 200 * time.Millisecond}
	got := make(chan string, 4)
	a := openTest(t, d, func(fabric.Peer, []byte) {})
	b := openTest(t, d, func(_ fabric.Peer, m []byte) { got <- string(m) })

	exchange := func(what string) {
		ab, err := a.Connect(ctx, b.URI())
		require.NoError(t, err)
		require.NoError(t, ab.Send(ctx, []byte(what)))
		select {
		case m := <-got:
			require.Equal(t, what, m)
		case <-ctx.Done():
			t.Fatalf("%s: nothing arrived", what)
		}
		require.Equal(t, 1, addrCount(b), "b knows a")
		require.NoError(t, ab.Close())
	}
	exchange("first")
	require.Eventually(t, func() bool { return addrCount(a) == 0 && addrCount(b) == 0 }, 10*time.Second, 10*time.Millisecond,
		"the entries stay: a %d, b %d", addrCount(a), addrCount(b))
	exchange("again")
}

// FuzzReceived feeds arbitrary bytes to an endpoint as if a peer had sent
// them: it must never panic, and nothing may come of them: no message
// delivered, no session and no address vector entry left behind. (Hellos
// and pings naming a well-formed socket address would make a session and
// an entry, and are skipped.)
func FuzzReceived(f *testing.F) {
	var delivered atomic.Int64
	ep := openTest(f, Driver{HandshakeTimeout: 100 * time.Millisecond}, func(fabric.Peer, []byte) { delivered.Add(1) })
	msg := func(h header, payload []byte) []byte {
		b := make([]byte, hdrLen+len(payload))
		h.put(b)
		copy(b[hdrLen:], payload)
		return b
	}
	f.Add(msg(header{typ: typMsg, session: 1, seq: 1}, []byte("hello")))
	f.Add(msg(header{typ: typBye, flags: flagFromAcceptor, session: 2, seq: 1}, []byte{byeTooLarge}))
	f.Add(msg(header{typ: typPing, session: 3}, nil))
	f.Add(msg(header{typ: typPing, session: 3}, []byte("not an address")))
	f.Add(msg(header{typ: typUnknown, flags: flagFromAcceptor, session: 7}, nil))
	f.Add(msg(header{typ: typHello, session: 4}, []byte{1, 2, 3}))    // not an address
	f.Add(msg(header{typ: typHello, session: 5}, make([]byte, 1000))) // over the name limit
	f.Add(msg(header{typ: typHelloAck, flags: flagFromAcceptor, session: 6}, nil))
	f.Add([]byte{typMsg})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) >= hdrLen && (data[0] == typHello || data[0] == typPing) {
			// A hello naming a socket address makes a session and
			// answers it, at whatever address the bytes name, and so
			// does a ping for an unknown session: tests reach loopback
			// only. Other names must be refused.
			if name := data[hdrLen:]; (len(name) == 16 && name[0] == 2) || (len(name) == 28 && name[0] == 10) {
				return
			}
		}
		mem := make([]byte, len(data)+64)
		copy(mem, data)
		require.True(t, ep.received(mem, ofi.TaggedMessage{Len: len(data)}, nil))
		require.Zero(t, delivered.Load(), "a message reached the handler")
		ep.mu.Lock()
		sessions, addrs := len(ep.accepted)+len(ep.dialed), len(ep.addrs)
		ep.mu.Unlock()
		require.Zero(t, sessions, "a session was made")
		require.Zero(t, addrs, "an address vector entry was added")
	})
}

// Messages that overtook an earlier one are parked, within bounds: a
// duplicate, or more bytes than the receives posted at once could hold,
// end the session as malformed.
func TestParkedMessagesBounded(t *testing.T) {
	var got []string
	ep := openTest(t, Driver{}, func(_ fabric.Peer, m []byte) { got = append(got, string(m)) })
	// The sessions' goodbyes at the end go to a real peer.
	peer := openTest(t, Driver{}, func(fabric.Peer, []byte) {})
	addr, err := ep.insert(peer.name)
	require.NoError(t, err)
	session := func(id uint64) *session {
		s := newSession(ep, id, true, addr, "test peer")
		ep.mu.Lock()
		ep.accepted[id] = s
		ep.mu.Unlock()
		return s
	}

	s := session(1)
	s.arrive(3, typMsg, []byte("c"))
	s.arrive(2, typMsg, []byte("b"))
	require.Empty(t, got)
	s.arrive(1, typMsg, []byte("a"))
	require.Equal(t, []string{"a", "b", "c"}, got)
	require.Zero(t, s.stashB)
	require.NoError(t, s.Err())

	s = session(2)
	s.arrive(2, typMsg, []byte("b"))
	s.arrive(2, typMsg, []byte("b again"))
	require.ErrorIs(t, s.Err(), fabric.ErrMalformed, "duplicate")

	s = session(3)
	s.arrive(2, typMsg, make([]byte, ep.stashLimit()/2))
	require.NoError(t, s.Err())
	s.arrive(3, typMsg, make([]byte, ep.stashLimit()/2+1))
	require.ErrorIs(t, s.Err(), fabric.ErrMalformed, "too many bytes parked")
}

// A peer that restarts at the same address does not know the sessions of
// its previous incarnation: it answers their pings so, and the dialer's
// session ends then, long before its pings would have gone unanswered
// for DeadAfter.
func TestRestartedPeerEndsOldSessions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := Driver{PingInterval: 50 * time.Millisecond, DeadAfter: time.Minute}
	a := openTest(t, d, func(fabric.Peer, []byte) {})
	b := openTest(t, d, func(fabric.Peer, []byte) {})
	ab, err := a.Connect(ctx, b.URI())
	require.NoError(t, err)
	require.NoError(t, ab.Send(ctx, []byte("before")))

	// b dies without a goodbye, and comes back on the same port.
	ap, err := b.URI().AddrPort()
	require.NoError(t, err)
	close(b.stop)
	b.wg.Wait()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	require.NoError(t, b.teardown())
	ep, err := fabric.Open(ctx, fabric.Config{Provider: testProvider, Interface: "127.0.0.1", Port: int(ap.Port())}, []fabric.Driver{d}, func(fabric.Peer, []byte) {})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	require.Equal(t, b.URI(), ep.URI())

	select {
	case <-ab.Done():
		require.ErrorIs(t, ab.Err(), fabric.ErrPeerLost)
		require.ErrorContains(t, ab.Err(), "no longer knows this session")
	case <-ctx.Done():
		t.Fatal("the old session outlived the restart")
	}
	// A new session reaches the new incarnation.
	ab2, err := a.Connect(ctx, ep.URI())
	require.NoError(t, err)
	require.NoError(t, ab2.Send(ctx, []byte("after")))
}

// TestTrySendNeverWaits: with every send buffer taken, TrySend and the
// control messages sent where messages are delivered return at once
// instead of waiting for buffers only progress frees (which, on the
// progress goroutine, would stop the endpoint); once buffers come back,
// TrySend sends and the peer receives in order.
func TestTrySendNeverWaits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan string, 16)
	b := openTest(t, Driver{}, func(_ fabric.Peer, msg []byte) { got <- string(msg) })
	a := openTest(t, Driver{}, func(fabric.Peer, []byte) {})
	p, err := a.Connect(ctx, b.URI())
	require.NoError(t, err)
	s := p.(*session)
	require.NoError(t, s.Send(ctx, []byte("first")))
	require.Equal(t, "first", <-got)

	var held []slot
	for {
		sl, ok, err := a.small.tryGet()
		require.NoError(t, err)
		if !ok {
			break
		}
		held = append(held, sl)
	}
	require.NotEmpty(t, held)
	returned := make(chan struct{})
	go func() {
		sent, err := s.TrySend([]byte("not now"))
		require.NoError(t, err)
		require.False(t, sent)
		s.sendControl(typPong)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a send that must not wait waited for a buffer")
	}
	for _, sl := range held {
		a.small.put(sl)
	}
	// A sender that waits holds sendMu through its post (which may wait
	// for queue space): TrySend does not wait for it either.
	s.sendMu.Lock()
	locked := make(chan struct{})
	go func() {
		defer close(locked)
		sent, err := s.TrySend([]byte("not now either"))
		require.NoError(t, err)
		require.False(t, sent)
	}()
	select {
	case <-locked:
	case <-time.After(5 * time.Second):
		t.Fatal("TrySend waited for another sender")
	}
	s.sendMu.Unlock()
	sent, err := s.TrySend([]byte("second"))
	require.NoError(t, err)
	require.True(t, sent)
	require.Equal(t, "second", <-got, "the refused message left no gap in the order")
	require.NoError(t, s.Err())
}

// TestParkedBytesBoundedOverSessions: sessions cost a peer nothing to
// open, so what all of one peer's park is bounded too, without taking
// another peer's room; a session that ends gives its parked bytes back.
func TestParkedBytesBoundedOverSessions(t *testing.T) {
	ep := openTest(t, Driver{}, func(fabric.Peer, []byte) {})
	peer := openTest(t, Driver{}, func(fabric.Peer, []byte) {})
	other := openTest(t, Driver{}, func(fabric.Peer, []byte) {})
	addr, err := ep.insert(peer.name)
	require.NoError(t, err)
	otherAddr, err := ep.insert(other.name)
	require.NoError(t, err)
	big := make([]byte, ep.stashLimit()/2) // one array parked by all: only counts matter
	open := func(id uint64, a ofi.Addr) *session {
		s := newSession(ep, id, true, a, "test peer")
		ep.mu.Lock()
		ep.accepted[id] = s
		ep.mu.Unlock()
		return s
	}
	var ss []*session
	for id := uint64(1); ; id++ {
		s := open(id, addr)
		s.arrive(2, typMsg, big)
		if s.Err() != nil {
			require.ErrorIs(t, s.Err(), fabric.ErrMalformed)
			break
		}
		ss = append(ss, s)
		require.Less(t, len(ss), 100, "nothing bounds the bytes parked over a peer's sessions")
	}
	require.LessOrEqual(t, ep.parkedFor(addr), ep.parkedLimit())
	s := open(1000, otherAddr)
	s.arrive(2, typMsg, big)
	require.NoError(t, s.Err(), "another peer's session parks as before")
	ss = append(ss, s)
	for _, s := range ss {
		s.fail(fabric.ErrClosed)
	}
	require.Eventually(t, func() bool { return ep.parkedFor(addr) == 0 && ep.parkedFor(otherAddr) == 0 }, 5*time.Second, time.Millisecond)
}
