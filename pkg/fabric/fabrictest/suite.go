package fabrictest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// Opener opens an endpoint of the provider under test on loopback that
// delivers its messages to h. The suite closes it (and tolerates Close
// being called twice), so an Opener need not register a cleanup.
type Opener func(t *testing.T, h fabric.Handler) fabric.Endpoint

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"MessagesInOrder", testMessagesInOrder},
		{"ConcurrentSenders", testConcurrentSenders},
		{"MessageLimit", testMessageLimit},
		{"BulkScatterGather", testBulkScatterGather},
		{"BulkConcurrent", testBulkConcurrent},
		{"BulkRefused", testBulkRefused},
		{"PeerCloses", testPeerCloses},
		{"LocalClose", testLocalClose},
		{"Unreachable", testUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			NoLeaks(t)
			tc.fn(t, open)
		})
	}
}

// inbox collects messages delivered to an endpoint.
type inbox struct {
	ch chan delivery
}

type delivery struct {
	from fabric.Peer
	msg  []byte
}

func newInbox(size int) *inbox { return &inbox{ch: make(chan delivery, size)} }

func (b *inbox) handler(from fabric.Peer, msg []byte) { b.ch <- delivery{from, msg} }

func (b *inbox) next(t *testing.T, ctx context.Context) delivery {
	t.Helper()
	select {
	case d := <-b.ch:
		return d
	case <-ctx.Done():
		t.Fatalf("no message arrived: %v", ctx.Err())
		return delivery{}
	}
}

// pair opens two endpoints, a and b, with inboxes, and connects a to b.
func pair(t *testing.T, open Opener) (a, b fabric.Endpoint, ain, bin *inbox, ab fabric.Peer) {
	t.Helper()
	ain, bin = newInbox(4096), newInbox(4096)
	a = open(t, ain.handler)
	t.Cleanup(func() { _ = a.Close() })
	b = open(t, bin.handler)
	t.Cleanup(func() { _ = b.Close() })
	ab, err := a.Connect(testCtx(t), b.URI())
	require.NoError(t, err)
	return a, b, ain, bin, ab
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func pattern(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testMessagesInOrder(t *testing.T, open Opener) {
	ctx := testCtx(t)
	_, _, ain, bin, ab := pair(t, open)
	const count = 300
	for i := 0; i < count; i++ {
		require.NoError(t, ab.Send(ctx, pattern(uint64(i), i*37%5000)))
	}
	var back fabric.Peer
	for i := 0; i < count; i++ {
		d := bin.next(t, ctx)
		require.Equal(t, pattern(uint64(i), i*37%5000), d.msg, "message %d", i)
		back = d.from
	}
	// The receiver answers through the Peer it was handed.
	require.NoError(t, back.Send(ctx, []byte("pong")))
	require.Equal(t, []byte("pong"), ain.next(t, ctx).msg)
	// An empty message is a message.
	require.NoError(t, ab.Send(ctx, nil))
	require.Empty(t, bin.next(t, ctx).msg)
}

func testConcurrentSenders(t *testing.T, open Opener) {
	ctx := testCtx(t)
	_, _, _, bin, ab := pair(t, open)
	const senders, each = 8, 100
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := ab.Send(ctx, []byte(fmt.Sprintf("%d/%d", s, i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	next := make([]int, senders)
	for i := 0; i < senders*each; i++ {
		var s, n int
		_, err := fmt.Sscanf(string(bin.next(t, ctx).msg), "%d/%d", &s, &n)
		require.NoError(t, err)
		require.Equal(t, next[s], n, "sender %d's messages out of order", s)
		next[s]++
	}
}

func testMessageLimit(t *testing.T, open Opener) {
	ctx := testCtx(t)
	_, _, _, bin, ab := pair(t, open)
	limit := fabric.Config{}.MessageLimit()
	big := pattern(7, limit)
	require.NoError(t, ab.Send(ctx, big))
	require.Equal(t, big, bin.next(t, ctx).msg)
	err := ab.Send(ctx, make([]byte, limit+1))
	require.ErrorIs(t, err, fabric.ErrTooLarge)
	require.Equal(t, daos.ErrOverflow, daos.Code(err))
	// Refusing a message leaves the peer usable.
	require.NoError(t, ab.Send(ctx, []byte("after")))
	require.Equal(t, []byte("after"), bin.next(t, ctx).msg)
}

// sgl cuts one buffer into segments of the given sizes.
func sgl(buf []byte, sizes ...int) [][]byte {
	var segs [][]byte
	for _, n := range sizes {
		segs = append(segs, buf[:n:n])
		buf = buf[n:]
	}
	return segs
}

func register(t *testing.T, ep fabric.Endpoint, segs [][]byte, access fabric.Access) fabric.Region {
	t.Helper()
	r, err := ep.Register(segs, access)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func testBulkScatterGather(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a, b, _, _, ab := pair(t, open)
	remoteSizes := []int{1, 4095, 7, 70001, 0, 3, 131072}
	localSizes := []int{13, 65536, 1, 99999, 40000}
	rtotal, ltotal := sum(remoteSizes), sum(localSizes)
	remoteBuf := pattern(1, rtotal)
	remote := register(t, b, sgl(remoteBuf, remoteSizes...), fabric.AccessRemoteRead|fabric.AccessRemoteWrite)
	require.Equal(t, int64(rtotal), remote.Len())
	localBuf := make([]byte, ltotal)
	local := register(t, a, sgl(localBuf, localSizes...), fabric.AccessLocal)
	require.Equal(t, int64(ltotal), local.Len())

	cases := []struct{ roff, loff, n int64 }{
		{0, 0, 1},
		{0, 0, int64(rtotal)},
		{1, 12, 4095},             // exactly the second remote segment, across local ones
		{4095, 65548, 9},          // across three remote segments
		{4103, 1, 70001 + 3},      // across the empty segment
		{int64(rtotal) - 5, 0, 5}, // the tail
		{17, 3333, 150001},
	}
	for i, tc := range cases {
		clear(localBuf)
		require.NoError(t, ab.Read(ctx, remote.Handle(), tc.roff, local, tc.loff, tc.n), "read case %d", i)
		require.True(t, bytes.Equal(remoteBuf[tc.roff:tc.roff+tc.n], localBuf[tc.loff:tc.loff+tc.n]), "read case %d: bytes differ", i)
		require.True(t, allZero(localBuf[:tc.loff]) && allZero(localBuf[tc.loff+tc.n:]), "read case %d: bytes outside the range changed", i)
	}
	require.NoError(t, remote.Close())
	for i, tc := range cases {
		src := pattern(uint64(100+i), ltotal)
		copy(localBuf, src)
		before := bytes.Clone(remoteBuf)
		// Peers' writes are the owner's to read once the region is
		// closed, so each case registers the buffer afresh.
		target, err := b.Register(sgl(remoteBuf, remoteSizes...), fabric.AccessRemoteWrite)
		require.NoError(t, err)
		require.NoError(t, ab.Write(ctx, local, tc.loff, target.Handle(), tc.roff, tc.n), "write case %d", i)
		require.NoError(t, target.Close())
		copy(before[tc.roff:], src[tc.loff:tc.loff+tc.n])
		require.True(t, bytes.Equal(before, remoteBuf), "write case %d: remote bytes differ", i)
	}
	// Zero-length transfers succeed without touching anything.
	require.NoError(t, ab.Read(ctx, fabric.BulkHandle{}, 0, local, 3, 0))
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func testBulkConcurrent(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a, b, _, _, ab := pair(t, open)
	const workers, size = 16, 300_001
	remoteBuf := pattern(9, workers*size)
	remote := register(t, b, [][]byte{remoteBuf}, fabric.AccessRemoteRead|fabric.AccessRemoteWrite)
	localBuf := make([]byte, workers*size)
	local := register(t, a, [][]byte{localBuf}, fabric.AccessLocal)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			off := int64(w * size)
			if w%2 == 0 {
				errs <- ab.Read(ctx, remote.Handle(), off, local, off, size)
			} else {
				copy(localBuf[off:off+size], pattern(uint64(w), size))
				errs <- ab.Write(ctx, local, off, remote.Handle(), off, size)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, remote.Close())
	for w := 0; w < workers; w++ {
		off := w * size
		if w%2 == 0 {
			require.True(t, bytes.Equal(pattern(9, workers*size)[off:off+size], localBuf[off:off+size]), "worker %d read", w)
		} else {
			require.True(t, bytes.Equal(pattern(uint64(w), size), remoteBuf[off:off+size]), "worker %d write", w)
		}
	}
}

func testBulkRefused(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a, b, _, _, ab := pair(t, open)
	readOnly := register(t, b, [][]byte{make([]byte, 8192)}, fabric.AccessRemoteRead)
	local := register(t, a, [][]byte{make([]byte, 8192)}, fabric.AccessLocal)

	err := ab.Write(ctx, local, 0, readOnly.Handle(), 0, 100)
	require.Error(t, err, "write into a read-only region")
	require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)

	// A range beyond the handle is refused before anything moves.
	err = ab.Read(ctx, readOnly.Handle(), 8000, local, 0, 1000)
	require.Error(t, err)

	// A closed region cannot be reached any more.
	gone, err := b.Register([][]byte{make([]byte, 4096)}, fabric.AccessRemoteRead)
	require.NoError(t, err)
	h := gone.Handle()
	require.NoError(t, gone.Close())
	err = ab.Read(ctx, h, 0, local, 0, 4096)
	require.Error(t, err, "read from a closed region")
	require.Equal(t, daos.ErrNonexist, daos.Code(err), "%v", err)

	// A local region of another endpoint is not ours to use.
	foreign := register(t, b, [][]byte{make([]byte, 64)}, fabric.AccessLocal)
	require.Error(t, ab.Read(ctx, readOnly.Handle(), 0, foreign, 0, 64))

	// The peer still works after the refusals.
	require.NoError(t, ab.Read(ctx, readOnly.Handle(), 0, local, 0, 8192))
}

// transportDown reports whether err is how a dead peer shows: unreachable,
// a transport error, or (connectionless providers) a timeout.
func transportDown(err error) bool {
	switch daos.Code(err) {
	case daos.ErrUnreach, daos.ErrHg, daos.ErrTimedout:
		return true
	}
	return false
}

func testPeerCloses(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a, b, _, _, ab := pair(t, open)
	local := register(t, a, [][]byte{make([]byte, 4096)}, fabric.AccessLocal)
	remote, err := b.Register([][]byte{make([]byte, 4096)}, fabric.AccessRemoteRead)
	require.NoError(t, err)
	h := remote.Handle()
	require.NoError(t, b.Close())

	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = ab.Read(short, h, 0, local, 0, 4096)
	require.Error(t, err)
	require.True(t, transportDown(err), "read from a closed peer: %v", err)
	// Once a connection-based provider noticed, the Peer says so.
	select {
	case <-ab.Done():
		require.True(t, transportDown(ab.Err()), "%v", ab.Err())
	default:
	}
}

func testLocalClose(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a, _, _, _, ab := pair(t, open)
	require.NoError(t, a.Close())
	select {
	case <-ab.Done():
	case <-ctx.Done():
		t.Fatal("Peer not done after its endpoint closed")
	}
	require.ErrorIs(t, ab.Err(), fabric.ErrClosed)
	err := ab.Send(ctx, []byte("x"))
	require.ErrorIs(t, err, fabric.ErrClosed)
	require.Equal(t, daos.ErrCanceled, daos.Code(err))
	_, err = a.Connect(ctx, a.URI())
	require.Error(t, err)
	_, err = a.Register([][]byte{make([]byte, 1)}, fabric.AccessLocal)
	require.ErrorIs(t, err, fabric.ErrClosed)
}

func testUnreachable(t *testing.T, open Opener) {
	ctx := testCtx(t)
	a := open(t, newInbox(1).handler)
	t.Cleanup(func() { _ = a.Close() })
	b := open(t, newInbox(1).handler)
	dead := b.URI()
	require.NoError(t, b.Close())
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	p, err := a.Connect(short, dead)
	if err == nil {
		// Connectionless providers only fail at the first transfer.
		err = p.Send(short, []byte("x"))
		if err == nil {
			local := register(t, a, [][]byte{make([]byte, 8)}, fabric.AccessLocal)
			h := fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Key: 1, Len: 8}}, Access: fabric.AccessRemoteRead}
			err = p.Read(short, h, 0, local, 0, 8)
		}
	}
	require.Error(t, err)
	require.True(t, transportDown(err), "%v", err)
	require.False(t, errors.Is(err, fabric.ErrClosed))
}
