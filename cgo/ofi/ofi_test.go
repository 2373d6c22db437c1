package ofi

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// loopback keeps the tcp provider on 127.0.0.1 and never on a real NIC.
var loopback = Config{Provider: "tcp;ofi_rxm", Node: "127.0.0.1", Service: "0"}

func openPair(t testing.TB) (a, b *Endpoint, aToB, bToA Addr) {
	t.Helper()
	a, err := Open(loopback)
	if errors.Is(err, ErrNotBuilt) {
		t.Skip("libfabric not built in (run with -tags ofi)")
	}
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	b, err = Open(loopback)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	aName, err := a.Name()
	require.NoError(t, err)
	bName, err := b.Name()
	require.NoError(t, err)
	aToB, err = a.InsertAddr(bName)
	require.NoError(t, err)
	bToA, err = b.InsertAddr(aName)
	require.NoError(t, err)
	return a, b, aToB, bToA
}

// region registers a fresh buffer, released when the test ends (before the
// endpoints, which were opened earlier). A send abandoned through its
// context may still be completing then, so the release waits a little.
func region(t testing.TB, ep *Endpoint, size int, access Access) *MemRegion {
	t.Helper()
	buf, err := AllocBuffer(size)
	require.NoError(t, err)
	m, err := ep.Register(buf, access)
	require.NoError(t, err)
	t.Cleanup(func() {
		for i := 0; i < 1000 && buf.InFlight() > 0; i++ {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, m.Close())
		require.NoError(t, buf.Free())
	})
	return m
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNotBuiltOrInfo(t *testing.T) {
	infos, err := GetInfo("")
	if Backend == "none" {
		require.ErrorIs(t, err, ErrNotBuilt)
		_, err = Open(loopback)
		require.ErrorIs(t, err, ErrNotBuilt)
		return
	}
	require.NoError(t, err)
	require.NotEmpty(t, infos, "libfabric lists no RDM interface")
	var sawLo bool
	for _, i := range infos {
		require.Equal(t, "FI_EP_RDM", i.EndpointType)
		if i.Provider == "tcp;ofi_rxm" && i.Domain == "lo" {
			sawLo = true
			require.Contains(t, i.Caps, "FI_RMA")
			require.Contains(t, i.Caps, "FI_TAGGED")
		}
	}
	require.True(t, sawLo, "tcp;ofi_rxm on lo missing from %v", infos)
	only, err := GetInfo("shm")
	require.NoError(t, err)
	for _, i := range only {
		require.Equal(t, "shm", i.Provider)
	}
	require.Regexp(t, `^\d+\.\d+$`, Version())
}

func TestProviderNames(t *testing.T) {
	require.Equal(t, "tcp;ofi_rxm", LibfabricProvider("ofi+tcp;ofi_rxm"))
	require.Equal(t, "shm", LibfabricProvider("shm"))
	require.Equal(t, "ofi+verbs;ofi_rxm", Info{Provider: "verbs;ofi_rxm"}.DAOSProvider())
}

func TestOpenBadProvider(t *testing.T) {
	if Backend == "none" {
		t.Skip("libfabric not built in")
	}
	_, err := Open(Config{Provider: "no-such-provider", Node: "127.0.0.1"})
	require.Error(t, err)
	require.Contains(t, err.Error(), "fi_getinfo")
}

func TestTaggedMessages(t *testing.T) {
	a, b, aToB, _ := openPair(t)
	ctx := testCtx(t)
	send := region(t, a, 4096, AccessLocal)
	recv := region(t, b, 4096, AccessLocal)

	for i, msg := range []string{"hello", "second message", string(bytes.Repeat([]byte{'x'}, 4096))} {
		copy(send.Buffer().Bytes(), msg)
		got := make(chan TaggedMessage, 1)
		errc := make(chan error, 1)
		go func() {
			m, err := b.RecvTagged(ctx, 0x10+uint64(i), 0, recv, 0, 4096)
			errc <- err
			got <- m
		}()
		require.NoError(t, a.SendTagged(ctx, aToB, 0x10+uint64(i), send, 0, len(msg)))
		require.NoError(t, <-errc)
		m := <-got
		require.Equal(t, len(msg), m.Len)
		require.Equal(t, 0x10+uint64(i), m.Tag)
		require.Equal(t, msg, string(recv.Buffer().Bytes()[:m.Len]))
	}
}

func TestTagMatchingSkipsOtherTags(t *testing.T) {
	a, b, aToB, _ := openPair(t)
	ctx := testCtx(t)
	send := region(t, a, 64, AccessLocal)
	recvA := region(t, b, 64, AccessLocal)
	recvB := region(t, b, 64, AccessLocal)
	copy(send.Buffer().Bytes(), "tag-two")
	require.NoError(t, a.SendTagged(ctx, aToB, 2, send, 0, 7))
	copy(send.Buffer().Bytes(), "tag-one")
	require.NoError(t, a.SendTagged(ctx, aToB, 1, send, 0, 7))

	m, err := b.RecvTagged(ctx, 1, 0, recvA, 0, 64)
	require.NoError(t, err)
	require.Equal(t, "tag-one", string(recvA.Buffer().Bytes()[:m.Len]))
	m, err = b.RecvTagged(ctx, 2, 0, recvB, 0, 64)
	require.NoError(t, err)
	require.Equal(t, "tag-two", string(recvB.Buffer().Bytes()[:m.Len]))
}

func TestRMAWriteThenReadBack1MiB(t *testing.T) {
	const size = 1 << 20
	a, b, aToB, _ := openPair(t)
	ctx := testCtx(t)
	src := region(t, a, size, AccessLocal)
	back := region(t, a, size, AccessLocal)
	target := region(t, b, size, AccessRemoteRead|AccessRemoteWrite|AccessLocal)
	_, err := rand.Read(src.Buffer().Bytes())
	require.NoError(t, err)

	require.NoError(t, a.Write(ctx, aToB, src, 0, size, target.Remote(), 0))
	// Delivery-complete: the target's memory already holds the data.
	require.True(t, bytes.Equal(src.Buffer().Bytes(), target.Buffer().Bytes()), "target memory differs after RMA write")

	require.NoError(t, a.Read(ctx, aToB, back, 0, size, target.Remote(), 0))
	require.True(t, bytes.Equal(src.Buffer().Bytes(), back.Buffer().Bytes()), "RMA read-back differs")

	// A partial write at an offset touches only its range.
	copy(src.Buffer().Bytes()[100:], "partial")
	require.NoError(t, a.Write(ctx, aToB, src, 100, 7, target.Remote(), 5000))
	require.Equal(t, "partial", string(target.Buffer().Bytes()[5000:5007]))
	require.Equal(t, src.Buffer().Bytes()[5007:size], target.Buffer().Bytes()[5007:size])
}

func TestBadArguments(t *testing.T) {
	a, _, aToB, _ := openPair(t)
	ctx := testCtx(t)
	m := region(t, a, 4096, AccessLocal)
	require.Error(t, a.SendTagged(ctx, aToB, 1, m, 4000, 200))
	require.Error(t, a.SendTagged(ctx, aToB, 1, m, -1, 10))
	require.Error(t, a.Write(ctx, aToB, m, 0, 4096, RemoteBuffer{Len: 100}, 0))
	_, err := a.InsertAddr(nil)
	require.Error(t, err)
	// Bytes that are not an address of the provider's format (a peer's
	// hello carries them) are refused before libfabric reads them.
	name, err := a.Name()
	require.NoError(t, err)
	for _, bad := range [][]byte{name[:len(name)-1], append(name, 0), {0xff, 0xff}, make([]byte, 300)} {
		_, err = a.InsertAddr(bad)
		require.Error(t, err, "%x", bad)
	}
	_, err = a.InsertAddr(name)
	require.NoError(t, err)
	_, err = a.Register(nil, AccessLocal)
	require.Error(t, err)
	_, err = AllocBuffer(0)
	require.Error(t, err)
}

func TestRecvCancelledByContext(t *testing.T) {
	_, b, _, _ := openPair(t)
	m := region(t, b, 64, AccessLocal)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := b.RecvTagged(ctx, 99, 0, m, 0, 64)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The cancel completion has released the buffer by the time it returns.
	require.Zero(t, m.Buffer().inflight.Load())
}

func TestCloseWhileBusy(t *testing.T) {
	a, err := Open(loopback)
	if errors.Is(err, ErrNotBuilt) {
		t.Skip("libfabric not built in (run with -tags ofi)")
	}
	require.NoError(t, err)
	b, err := Open(loopback)
	require.NoError(t, err)
	defer b.Close()
	bName, err := b.Name()
	require.NoError(t, err)
	dest, err := a.InsertAddr(bName)
	require.NoError(t, err)
	buf, err := AllocBuffer(4096)
	require.NoError(t, err)
	m, err := a.Register(buf, AccessLocal)
	require.NoError(t, err)

	// Senders and receivers hammer the endpoint while it closes under them.
	ctx := testCtx(t)
	done := make(chan error, 8)
	for i := 0; i < 4; i++ {
		go func() {
			for {
				if err := a.SendTagged(ctx, dest, 7, m, 0, 64); err != nil {
					done <- err
					return
				}
			}
		}()
		go func() {
			_, err := a.RecvTagged(ctx, 8, 0, m, 64, 64)
			done <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, a.Close())
	for i := 0; i < 8; i++ {
		select {
		case err := <-done:
			require.Error(t, err)
		case <-ctx.Done():
			t.Fatal("an operation was still blocked after Close")
		}
	}
	require.Error(t, a.Close(), "second close")
	require.Error(t, m.Close(), "region of a closed endpoint")
	_, err = a.Name()
	require.ErrorIs(t, err, errClosed)
	require.ErrorIs(t, a.SendTagged(ctx, dest, 1, m, 0, 1), errClosed)
	_, err = a.Register(buf, AccessLocal)
	require.ErrorIs(t, err, errClosed)
	require.NoError(t, buf.Free(), "nothing may stay in flight after Close")
}

// An idle endpoint must sleep in the provider's wait object, not spin: a
// spinning progress loop would use a whole core.
func TestIdleEndpointDoesNotSpin(t *testing.T) {
	a, b, _, _ := openPair(t)
	_, _ = a, b
	time.Sleep(100 * time.Millisecond) // let the spin window after setup pass
	cpu := func() time.Duration {
		var ru unix.Rusage
		require.NoError(t, unix.Getrusage(unix.RUSAGE_SELF, &ru))
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := cpu()
	time.Sleep(time.Second)
	used := cpu() - before
	require.Less(t, used, 200*time.Millisecond, "two idle endpoints used %v of CPU in 1s", used)
}

func TestFreeRefusedWhileRegistered(t *testing.T) {
	a, _, _, _ := openPair(t)
	buf, err := AllocBuffer(4096)
	require.NoError(t, err)
	m, err := a.Register(buf, AccessRemoteWrite|AccessLocal)
	require.NoError(t, err)
	require.ErrorContains(t, buf.Free(), "still registered", "a peer could still write into it")
	require.NoError(t, m.Close())
	require.NoError(t, buf.Free())
}

// Signals interrupt the progress loop's wait (EINTR); that must not be
// taken for a failed completion queue.
func TestSignalsDoNotFailPendingOperations(t *testing.T) {
	_, b, _, _ := openPair(t)
	m := region(t, b, 64, AccessLocal)
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := b.RecvTagged(ctx, 42, 0, m, 0, 64)
		done <- err
	}()
	deadline := time.Now().Add(400 * time.Millisecond)
	for time.Now().Before(deadline) {
		tasks, _ := os.ReadDir("/proc/self/task")
		for _, task := range tasks {
			if tid, err := strconv.Atoi(task.Name()); err == nil {
				_ = unix.Tgkill(os.Getpid(), tid, unix.SIGURG)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	err := <-done
	require.ErrorIs(t, err, context.DeadlineExceeded, "the receive must only end by its context")
	require.Zero(t, m.Buffer().InFlight())
}

// TestPostedReceives posts two receives whose callbacks repost them, sends
// more messages than are posted, and lets the sender's caller poll.
func TestPostedReceives(t *testing.T) {
	a, _, _, _ := openPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The receiver's posted receives stay in flight until it closes, which
	// deregisters its memory: close it before freeing the buffer.
	b, err := Open(loopback)
	require.NoError(t, err)
	buf, err := AllocBuffer(2 * 64)
	require.NoError(t, err)
	defer func() {
		require.NoError(t, b.Close())
		require.NoError(t, buf.Free())
	}()
	recv, err := b.Register(buf, AccessLocal)
	require.NoError(t, err)
	bName, err := b.Name()
	require.NoError(t, err)
	aToB, err := a.InsertAddr(bName)
	require.NoError(t, err)
	got := make(chan []byte, 16)
	for i := 0; i < 2; i++ {
		mem := recv.Buffer().Bytes()[i*64 : (i+1)*64]
		require.NoError(t, b.PostRecv(5, 0, recv, i*64, 64, func(m TaggedMessage, err error) bool {
			if err != nil {
				return false
			}
			got <- append([]byte(nil), mem[:m.Len]...)
			return true
		}))
	}
	const count = 10
	send := region(t, a, count*8, AccessLocal)
	sent := make(chan error, count)
	for i := 0; i < count; i++ {
		copy(send.Buffer().Bytes()[i*8:], strconv.Itoa(i))
		require.NoError(t, a.PostSend(ctx, aToB, 5, send, i*8, 1, func(err error) { sent <- err }))
	}
	for i := 0; i < count; i++ {
		a.Poll(func() bool { return len(sent) > 0 }, time.Millisecond)
		select {
		case err := <-sent:
			require.NoError(t, err)
		case <-ctx.Done():
			t.Fatal("send never completed")
		}
	}
	seen := map[string]bool{}
	for i := 0; i < count; i++ {
		select {
		case m := <-got:
			seen[string(m)] = true
		case <-ctx.Done():
			t.Fatalf("%d of %d messages arrived", i, count)
		}
	}
	require.Len(t, seen, count)
}

// While a caller polls an endpoint, its progress loop stands aside: the
// caller's CQ reads must drive the endpoint's side of transfers (here the
// target of RMA writes, which tcp;ofi_rxm completes only when the target
// makes progress), and the loop must take over again once polling stops.
func TestPollStandsInForProgressLoop(t *testing.T) {
	a, b, aToB, _ := openPair(t)
	ctx := testCtx(t)
	src := region(t, a, 4096, AccessLocal)
	target := region(t, b, 4096, AccessRemoteWrite|AccessRemoteRead)
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			b.Poll(func() bool { return false }, 2*time.Millisecond)
		}
	}()
	for i := 0; i < 50; i++ {
		src.Buffer().Bytes()[0] = byte(i)
		require.NoError(t, a.Write(ctx, aToB, src, 0, 4096, target.Remote(), 0))
		require.Equal(t, byte(i), target.Buffer().Bytes()[0])
	}
	close(stop)
	<-stopped
	// Nobody polls b now: its progress loop must serve the target again.
	for i := 0; i < 5; i++ {
		src.Buffer().Bytes()[0] = byte(0xe0 + i)
		require.NoError(t, a.Write(ctx, aToB, src, 0, 4096, target.Remote(), 0))
		require.Equal(t, byte(0xe0+i), target.Buffer().Bytes()[0])
	}
}
