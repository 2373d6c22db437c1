package tcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
)

func eagerPattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

// eagerPair opens a caller endpoint a and a server endpoint b whose
// handler gets every message with its session.
func eagerPair(t *testing.T, da, db Driver, ha fabric.Handler, h func(s *session, msg []byte)) (*endpoint, *endpoint, *session) {
	t.Helper()
	ctx := context.Background()
	open := func(d Driver, h fabric.Handler) *endpoint {
		ep, err := d.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, h)
		require.NoError(t, err)
		t.Cleanup(func() { _ = ep.Close() })
		return ep.(*endpoint)
	}
	b := open(db, func(p fabric.Peer, msg []byte) { h(p.(*session), msg) })
	if ha == nil {
		ha = func(fabric.Peer, []byte) {}
	}
	a := open(da, ha)
	p, err := a.Connect(ctx, b.URI())
	require.NoError(t, err)
	return a, b, p.(*session)
}

// eagerIdle waits until b's sessions hold no eager state.
func eagerIdle(t *testing.T, b *endpoint) {
	t.Helper()
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, s := range b.accepted {
			s.eager.mu.Lock()
			busy := len(s.eager.byID) > 0 || len(s.eager.byKey) > 0 || s.eager.bytes != 0
			s.eager.mu.Unlock()
			if busy {
				return false
			}
		}
		return b.eagerHeld.Load() == 0
	}, 5*time.Second, time.Millisecond)
}

// TestEagerBudgetOverSessions checks that the eager bytes an endpoint
// buffers stay within Driver.EagerBudget however many sessions push them
// (each session alone is within EagerBuffer), that regions dropped for
// the budget are still pulled whole, and that a session's end gives its
// buffered bytes back.
func TestEagerBudgetOverSessions(t *testing.T) {
	ctx := context.Background()
	const budget, size, sessions, perSession = 3 << 20, 1<<20 + 77, 4, 2
	type got struct {
		s   *session
		key uint64
	}
	msgs := make(chan got, sessions*perSession)
	b, err := Driver{EagerBudget: budget}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(p fabric.Peer, msg []byte) {
		s := p.(*session)
		// Taken and never released nor pulled in time: the bytes are
		// buffered until the budget says no.
		_ = s.TakeEager()
		msgs <- got{s, binary.LittleEndian.Uint64(msg)}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	srv := b.(*endpoint)

	var callers []*endpoint
	src := map[uint64][]byte{}
	for i := 0; i < sessions; i++ {
		ep, err := Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
		require.NoError(t, err)
		a := ep.(*endpoint)
		callers = append(callers, a)
		p, err := a.Connect(ctx, srv.URI())
		require.NoError(t, err)
		for j := 0; j < perSession; j++ {
			data := eagerPattern(byte(i*perSession+j), size)
			region, err := a.Register([][]byte{data}, fabric.AccessRemoteRead)
			require.NoError(t, err)
			key := region.Handle().Segments[0].Key
			src[key] = data
			_, err = p.(*session).SendEager(ctx, binary.LittleEndian.AppendUint64(nil, key), []fabric.BulkHandle{region.Handle()})
			require.NoError(t, err)
		}
	}
	// Every region's bytes have arrived (buffered or dropped).
	var all []got
	for range sessions * perSession {
		all = append(all, <-msgs)
	}
	require.Eventually(t, func() bool {
		for _, g := range all {
			g.s.eager.mu.Lock()
			for _, e := range g.s.eager.byID {
				if e.got != e.n {
					g.s.eager.mu.Unlock()
					return false
				}
			}
			g.s.eager.mu.Unlock()
		}
		return true
	}, 10*time.Second, time.Millisecond)
	held := srv.eagerHeld.Load()
	require.Positive(t, held, "some bytes are buffered")
	require.LessOrEqual(t, held, int64(budget), "the endpoint's budget bounds them")

	// Each region reads back whole, from buffers or by a usual pull.
	for _, g := range all {
		dst := make([]byte, size)
		local, err := srv.Register([][]byte{dst}, fabric.AccessLocal)
		require.NoError(t, err)
		h := fabric.BulkHandle{Access: fabric.AccessRemoteRead, Segments: []fabric.RemoteSegment{{Key: g.key, Len: size}}}
		require.NoError(t, g.s.Read(ctx, h, 0, local, 0, size))
		require.NoError(t, local.Close())
		require.Equal(t, src[g.key], dst)
	}

	// The callers go without their messages' regions being released:
	// the sessions' ends give the bytes back.
	for _, a := range callers {
		require.NoError(t, a.Close())
	}
	require.Eventually(t, func() bool { return srv.eagerHeld.Load() == 0 }, 5*time.Second, time.Millisecond)
}

// TestEagerPulls checks that pulls served from eager data return exactly
// the registered bytes: sub-ranges, scatter-gather lists with odd sizes
// and offsets, and repeated pulls of one handle, with the pull coming at
// once (straight into memory), late (buffered), or never.
func TestEagerPulls(t *testing.T) {
	type pull struct{ roff, loff, n int64 }
	const size = 3<<20 + 12345
	pulls := []pull{{1000, 3, 70001}, {0, 0, size}, {size - 5, 1, 5}, {0, 7, size - 7}}
	for _, tc := range []struct {
		name  string
		delay time.Duration
		drv   Driver
	}{
		{"direct", 0, Driver{EagerLimit: 8 << 20}},
		{"buffered", 20 * time.Millisecond, Driver{EagerLimit: 8 << 20}},
		{"over-buffer", 20 * time.Millisecond, Driver{EagerLimit: 8 << 20, EagerBuffer: 1 << 20}},
		{"small-chunks", 0, Driver{EagerLimit: 8 << 20, ChunkSize: 4099}},
		{"server-limit", 0, Driver{EagerLimit: 1 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src := eagerPattern(5, size)
			errs := make(chan error, 1)
			_, b, p := eagerPair(t, Driver{EagerLimit: 8 << 20, ChunkSize: tc.drv.ChunkSize}, tc.drv, nil, func(s *session, msg []byte) {
				release := s.TakeEager()
				h := fabric.BulkHandle{Access: fabric.AccessRemoteRead, Segments: []fabric.RemoteSegment{{
					Key: binary.LittleEndian.Uint64(msg), Len: size}}}
				go func() {
					defer func() {
						if release != nil {
							release()
						}
					}()
					time.Sleep(tc.delay)
					for _, pl := range pulls {
						// Odd segments on the puller's side too.
						dst := make([]byte, max(pl.loff+pl.n+3, 5000))
						segs := [][]byte{dst[:1], dst[1:4098], dst[4098:4100], dst[4100:]}
						local, err := s.ep.Register(segs, fabric.AccessLocal)
						if err != nil {
							errs <- err
							return
						}
						err = s.Read(ctx, h, pl.roff, local, pl.loff, pl.n)
						require.NoError(t, local.Close())
						if err != nil {
							errs <- err
							return
						}
						if !bytes.Equal(dst[pl.loff:pl.loff+pl.n], src[pl.roff:pl.roff+pl.n]) {
							errs <- errMismatch
							return
						}
					}
					errs <- nil
				}()
			})
			region, err := p.ep.Register([][]byte{src[:7], src[7 : 1<<20], src[1<<20:]}, fabric.AccessRemoteRead)
			require.NoError(t, err)
			msg := binary.LittleEndian.AppendUint64(nil, region.Handle().Segments[0].Key)
			sent, err := p.SendEager(ctx, msg, []fabric.BulkHandle{region.Handle()})
			require.NoError(t, err)
			require.NoError(t, <-errs)
			sent()
			require.NoError(t, region.Close())
			eagerIdle(t, b)
		})
	}
}

type mismatch struct{}

func (mismatch) Error() string { return "pulled bytes differ from the registered ones" }

var errMismatch error = mismatch{}

// TestEagerNeverPulled checks that eager bytes nobody pulls are freed,
// whether the handler takes them and lets go or never takes them.
func TestEagerNeverPulled(t *testing.T) {
	ctx := context.Background()
	var n atomic.Int32
	_, b, p := eagerPair(t, Driver{}, Driver{}, nil, func(s *session, msg []byte) {
		if n.Add(1)%2 == 0 {
			if release := s.TakeEager(); release != nil {
				go release()
			}
		}
	})
	for i := 0; i < 6; i++ {
		region, err := p.ep.Register([][]byte{eagerPattern(byte(i), 1<<20+i)}, fabric.AccessRemoteRead)
		require.NoError(t, err)
		sent, err := p.SendEager(ctx, []byte{1}, []fabric.BulkHandle{region.Handle()})
		require.NoError(t, err)
		sent()
		require.NoError(t, region.Close())
	}
	require.Eventually(t, func() bool { return n.Load() == 6 }, 5*time.Second, time.Millisecond)
	eagerIdle(t, b)
}

// TestEagerSmallMessagesPass checks that messages keep flowing both ways
// while a large eager push is in progress.
func TestEagerSmallMessagesPass(t *testing.T) {
	ctx := context.Background()
	const size = 256 << 20
	pongs := make(chan struct{}, 100)
	big := make(chan error, 1)
	pong := func(_ fabric.Peer, msg []byte) {
		if string(msg) == "pong" {
			pongs <- struct{}{}
		}
	}
	_, b, p := eagerPair(t, Driver{EagerLimit: size}, Driver{EagerLimit: size}, pong, func(s *session, msg []byte) {
		if len(msg) == 8 {
			release := s.TakeEager()
			h := fabric.BulkHandle{Access: fabric.AccessRemoteRead, Segments: []fabric.RemoteSegment{{
				Key: binary.LittleEndian.Uint64(msg), Len: size}}}
			go func() {
				defer release()
				local, err := s.ep.Register([][]byte{make([]byte, size)}, fabric.AccessLocal)
				if err == nil {
					err = s.Read(ctx, h, 0, local, 0, size)
					_ = local.Close()
				}
				big <- err
			}()
			return
		}
		go func() { _ = s.Send(ctx, []byte("pong")) }()
	})
	region, err := p.ep.Register([][]byte{make([]byte, size)}, fabric.AccessRemoteRead)
	require.NoError(t, err)
	var sending atomic.Bool
	sending.Store(true)
	sentDone := make(chan error, 1)
	go func() {
		sent, err := p.SendEager(ctx, binary.LittleEndian.AppendUint64(nil, region.Handle().Segments[0].Key), []fabric.BulkHandle{region.Handle()})
		sending.Store(false)
		if err == nil {
			sent()
		}
		sentDone <- err
	}()
	// Once the push is under way, a ping and its pong must get through
	// before it ends.
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, s := range b.accepted {
			s.eager.mu.Lock()
			n := len(s.eager.byID)
			s.eager.mu.Unlock()
			if n > 0 {
				return true
			}
		}
		return false
	}, 5*time.Second, 50*time.Microsecond)
	passed := false
	for i := 0; i < 10 && sending.Load(); i++ {
		require.NoError(t, p.Send(ctx, []byte("ping")))
		<-pongs
		passed = passed || sending.Load()
	}
	require.NoError(t, <-sentDone)
	require.NoError(t, <-big)
	require.NoError(t, region.Close())
	require.True(t, passed, "no small message got through while the eager push was in progress")
	eagerIdle(t, b)
}

// TestEagerOverLimitFallsBack checks that a region above the sender's
// limit goes by the usual pull.
func TestEagerOverLimitFallsBack(t *testing.T) {
	ctx := context.Background()
	got := make(chan []byte, 1)
	_, _, p := eagerPair(t, Driver{EagerLimit: 4096}, Driver{}, nil, func(s *session, msg []byte) {
		if s.TakeEager() != nil {
			got <- nil
			return
		}
		h := fabric.BulkHandle{Access: fabric.AccessRemoteRead, Segments: []fabric.RemoteSegment{{Key: binary.LittleEndian.Uint64(msg), Len: 5000}}}
		go func() {
			dst := make([]byte, 5000)
			local, _ := s.ep.Register([][]byte{dst}, fabric.AccessLocal)
			_ = s.Read(ctx, h, 0, local, 0, 5000)
			_ = local.Close()
			got <- dst
		}()
	})
	src := eagerPattern(9, 5000)
	region, err := p.ep.Register([][]byte{src}, fabric.AccessRemoteRead)
	require.NoError(t, err)
	sent, err := p.SendEager(ctx, binary.LittleEndian.AppendUint64(nil, region.Handle().Segments[0].Key), []fabric.BulkHandle{region.Handle()})
	require.NoError(t, err)
	require.Equal(t, src, <-got)
	sent()
	require.NoError(t, region.Close())
}

func TestEagerWireRejects(t *testing.T) {
	for name, h := range map[string]bulkHeader{
		"chunk too large":  {typ: bulkEagerData, chunk: MaxEagerChunkWire + 1, n: 4 << 20},
		"empty chunk":      {typ: bulkEagerData, chunk: 0, n: 10},
		"region too large": {typ: bulkEagerData, chunk: 10, n: MaxEagerWire + 1},
		"past the region":  {typ: bulkEagerData, chunk: 10, off: 5, n: 14},
		"empty region":     {typ: bulkEagerData, chunk: 1, n: 0},
	} {
		b := make([]byte, bulkHeaderLen)
		h.put(b)
		_, err := parseBulkHeader(b)
		require.ErrorIs(t, err, fabric.ErrMalformed, name)
	}
	ok := bulkHeader{typ: bulkEagerData, chunk: 10, off: 4, n: 14}
	b := make([]byte, bulkHeaderLen)
	ok.put(b)
	_, err := parseBulkHeader(b)
	require.NoError(t, err)

	for name, payload := range map[string][]byte{
		"short":      make([]byte, ctrlEagerLen-1),
		"empty":      make([]byte, ctrlEagerLen),
		"too large":  binary.LittleEndian.AppendUint64(make([]byte, 16), MaxEagerWire+1),
		"long frame": make([]byte, ctrlEagerLen+1),
	} {
		_, err := parseEagerAnnounce(payload)
		require.ErrorIs(t, err, fabric.ErrMalformed, name)
	}
	// The frame readers check the announcement's length.
	frame := make([]byte, ctrlHeaderLen+ctrlEagerLen+1)
	putCtrlHeader(frame, ctrlEager, ctrlEagerLen+1)
	_, _, err = readCtrlFrame(bufioReader(frame), 1<<20)
	require.ErrorIs(t, err, fabric.ErrMalformed)
	_, _, err = newFrameReader(bufioReader(frame), 1<<20, nil).next()
	require.ErrorIs(t, err, fabric.ErrMalformed)
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// TestEagerProtocolViolations checks that a peer breaking the eager rules
// loses its session: announcements must grow, and data for a region not
// seen before must start at its beginning.
func TestEagerProtocolViolations(t *testing.T) {
	ctx := context.Background()
	for name, send := range map[string]func(ctrl, bulk net.Conn) error{
		"ids shrink": func(ctrl, _ net.Conn) error {
			var buf []byte
			for _, id := range []uint64{5, 3} {
				f := make([]byte, ctrlHeaderLen+ctrlEagerLen)
				putCtrlHeader(f, ctrlEager, ctrlEagerLen)
				eagerAnnounce{id: id, key: 1, n: 100}.put(f[ctrlHeaderLen:])
				buf = append(buf, f...)
			}
			_, err := ctrl.Write(buf)
			return err
		},
		"data mid-region": func(_, bulk net.Conn) error {
			f := make([]byte, bulkHeaderLen+10)
			(&bulkHeader{typ: bulkEagerData, op: 1, off: 10, n: 100, chunk: 10}).put(f)
			_, err := bulk.Write(f)
			return err
		},
		"region changes size": func(_, bulk net.Conn) error {
			var buf []byte
			for _, n := range []uint64{100, 200} {
				f := make([]byte, bulkHeaderLen+10)
				(&bulkHeader{typ: bulkEagerData, op: 1, off: uint64(len(buf) / (bulkHeaderLen + 10) * 10), n: n, chunk: 10}).put(f)
				buf = append(buf, f...)
			}
			_, err := bulk.Write(buf)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv, err := Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
			require.NoError(t, err)
			defer srv.Close()
			cl, err := Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
			require.NoError(t, err)
			defer cl.Close()
			ap, err := srv.URI().AddrPort()
			require.NoError(t, err)
			ctrl, err := cl.(*endpoint).dial(ctx, ap, hello{kind: kindCtrl, session: 77})
			require.NoError(t, err)
			defer ctrl.Close()
			bulk, err := cl.(*endpoint).dial(ctx, ap, hello{kind: kindBulk, session: 77})
			require.NoError(t, err)
			defer bulk.Close()
			require.NoError(t, send(ctrl, bulk))
			// The server drops the session: both connections close.
			_ = ctrl.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.ReadAll(ctrl)
			require.NoError(t, err)
		})
	}
}

// TestEagerClaimAfterEndDrops checks that a pull which gives up after the
// session's eager state ended (its context ended, or the session did)
// frees the entry's buffers and drops the entry, so that a later pull of
// the same region falls back to a usual pull instead of being served from
// the freed, empty buffers as if its bytes had been copied.
func TestEagerClaimAfterEndDrops(t *testing.T) {
	var srv *session
	got := make(chan struct{}, 1)
	_, _, p := eagerPair(t, Driver{}, Driver{}, nil, func(s *session, _ []byte) {
		srv = s
		got <- struct{}{}
	})
	require.NoError(t, p.Send(context.Background(), []byte{1}))
	<-got

	// An entry whose bytes have not all come, in a session whose bulk
	// reader has stopped (endEager ran while it was claimed).
	const key, size = 77, 10
	st := &srv.eager
	e := &eagerIn{id: 1 << 40, key: key, n: size, ready: make(chan struct{}), wake: make(chan struct{})}
	st.mu.Lock()
	st.byID[e.id], st.byKey[key] = e, e
	st.ended = true
	st.mu.Unlock()

	dst := make([]byte, size)
	local, err := srv.ep.Register([][]byte{dst}, fabric.AccessLocal)
	require.NoError(t, err)
	defer local.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = srv.readEager(ctx, key, 0, local.(*region), 0, size)
	require.Error(t, err, "the claim gave up")

	// The bytes "arrive" after all: the entry must stay dropped.
	st.mu.Lock()
	e.got = size
	close(e.ready)
	st.mu.Unlock()
	served, err := srv.readEager(context.Background(), key, 0, local.(*region), 0, size)
	require.NoError(t, err)
	require.False(t, served, "a dropped entry serves no pull")
}
