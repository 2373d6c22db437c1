package tcp

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// hostilePeer connects raw control and bulk connections to srv as a peer
// that writes whatever the test wants, and returns them with srv's
// session for it (learnt from the message it sends first).
func hostilePeer(t *testing.T, d Driver) (srv *endpoint, ctrl, bulk net.Conn, peer fabric.Peer) {
	t.Helper()
	ctx := t.Context()
	peers := make(chan fabric.Peer, 1)
	ep, err := d.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(p fabric.Peer, _ []byte) {
		select {
		case peers <- p:
		default:
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	srv = ep.(*endpoint)
	dialer, err := Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dialer.Close() })
	ap, err := srv.URI().AddrPort()
	require.NoError(t, err)
	ctrl, err = dialer.(*endpoint).dial(ctx, ap, hello{kind: kindCtrl, session: 99})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ctrl.Close() })
	bulk, err = dialer.(*endpoint).dial(ctx, ap, hello{kind: kindBulk, session: 99})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bulk.Close() })
	f := make([]byte, ctrlHeaderLen+2)
	putCtrlHeader(f, ctrlMessage, 2)
	copy(f[ctrlHeaderLen:], "hi")
	_, err = ctrl.Write(f)
	require.NoError(t, err)
	select {
	case peer = <-peers:
	case <-time.After(10 * time.Second):
		t.Fatal("the endpoint never delivered the hostile peer's message")
	}
	return srv, ctrl, bulk, peer
}

// readBulkHeader reads the next bulk frame header the endpoint sent.
func readBulkHeader(t *testing.T, c net.Conn) bulkHeader {
	t.Helper()
	b := make([]byte, bulkHeaderLen)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	h, err := parseBulkHeader(b)
	require.NoError(t, err)
	return h
}

func writeBulkHeader(t *testing.T, c net.Conn, h bulkHeader) {
	t.Helper()
	b := make([]byte, bulkHeaderLen)
	h.put(b)
	_, err := c.Write(b)
	require.NoError(t, err)
}

// TestRegionsNeedTheirHandle checks that a peer cannot reach memory whose
// handle it was never sent by trying keys: reads and writes of the first
// thousand keys are all refused, and the registered memory is untouched.
func TestRegionsNeedTheirHandle(t *testing.T) {
	srv, _, bulk, _ := hostilePeer(t, Driver{})
	mem := make([]byte, 4096)
	for i := range mem {
		mem[i] = 0xa5
	}
	want := append([]byte(nil), mem...)
	for range 4 {
		r, err := srv.Register([][]byte{mem}, fabric.AccessRemoteRead|fabric.AccessRemoteWrite)
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() })
	}
	// One at a time: a peer may have only so many reads outstanding.
	garbage := make([]byte, 16)
	for k := uint64(1); k <= 1000; k++ {
		writeBulkHeader(t, bulk, bulkHeader{typ: bulkReadReq, op: 2 * k, key: k, n: 16})
		h := readBulkHeader(t, bulk)
		require.Equal(t, bulkHeader{typ: bulkStatus, op: 2 * k, n: uint64(daos.ErrNonexist)}, h, "read of key %d", k)
		b := make([]byte, bulkHeaderLen)
		(&bulkHeader{typ: bulkWriteData, flags: flagLast, op: 2*k + 1, key: k, chunk: uint32(len(garbage))}).put(b)
		_, err := bulk.Write(append(b, garbage...))
		require.NoError(t, err)
		h = readBulkHeader(t, bulk)
		require.Equal(t, bulkHeader{typ: bulkStatus, op: 2*k + 1, n: uint64(daos.ErrNonexist)}, h, "write to key %d", k)
	}
	require.Equal(t, want, mem)
}

// TestEarlySuccessEndsSession checks that a peer saying one of our bulk
// transfers succeeded before the data went both ways is taken for broken:
// the transfer fails rather than leaving memory it never filled for the
// caller to use, whether it is a read or a write.
func TestEarlySuccessEndsSession(t *testing.T) {
	t.Run("read", func(t *testing.T) {
		_, _, bulk, peer := hostilePeer(t, Driver{})
		local, dst := registerLocal(t, peer, 4096)
		done := make(chan error, 1)
		go func() {
			h := fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Key: 12345, Len: 4096}}, Access: fabric.AccessRemoteRead}
			done <- peer.Read(t.Context(), h, 0, local, 0, 4096)
		}()
		req := readBulkHeader(t, bulk)
		require.Equal(t, byte(bulkReadReq), req.typ)
		writeBulkHeader(t, bulk, bulkHeader{typ: bulkStatus, op: req.op})
		err := waitErr(t, done)
		require.Error(t, err, "a read the peer never sent data for succeeded")
		require.Equal(t, make([]byte, 4096), dst)
	})
	t.Run("write", func(t *testing.T) {
		// Small chunks and more than loopback's socket buffers hold, so
		// that the last chunk cannot have gone when the status comes.
		_, _, bulk, peer := hostilePeer(t, Driver{ChunkSize: 64 << 10})
		const n = 64 << 20
		local, _ := registerLocal(t, peer, n)
		done := make(chan error, 1)
		go func() {
			h := fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Key: 12345, Len: n}}, Access: fabric.AccessRemoteWrite}
			done <- peer.Write(t.Context(), local, 0, h, 0, n)
		}()
		first := readBulkHeader(t, bulk)
		require.Equal(t, byte(bulkWriteData), first.typ)
		writeBulkHeader(t, bulk, bulkHeader{typ: bulkStatus, op: first.op})
		// Then read on, so that a writer that took the status for the
		// end is not held by a full socket but returns.
		_ = bulk.SetReadDeadline(time.Time{})
		go func() { _, _ = io.Copy(io.Discard, bulk) }()
		require.Error(t, waitErr(t, done), "a write the peer never received succeeded")
	})
}

// registerLocal registers n zero bytes on the endpoint behind peer for
// local use.
func registerLocal(t *testing.T, peer fabric.Peer, n int) (fabric.Region, []byte) {
	t.Helper()
	mem := make([]byte, n)
	r, err := peer.(*session).ep.Register([][]byte{mem}, fabric.AccessLocal)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r, mem
}

func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the transfer never ended")
		return nil
	}
}

// TestSendToPeerThatStopsReading checks that sends to a peer that keeps
// its connections open but reads nothing (a stopped process) end at the
// caller's deadline, and without one after the driver's stall, instead of
// waiting for room for ever.
func TestSendToPeerThatStopsReading(t *testing.T) {
	flood := func(ctx context.Context, p fabric.Peer) error {
		msg := make([]byte, 64<<10)
		for range 1024 { // 64 MiB: more than loopback's buffers hold
			if err := p.Send(ctx, msg); err != nil {
				return err
			}
		}
		return nil
	}
	t.Run("deadline", func(t *testing.T) {
		_, _, _, peer := hostilePeer(t, Driver{})
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		require.ErrorIs(t, flood(ctx, peer), daos.ErrTimedout)
		require.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("stall", func(t *testing.T) {
		_, _, _, peer := hostilePeer(t, Driver{Stall: 300 * time.Millisecond})
		start := time.Now()
		require.ErrorIs(t, flood(context.Background(), peer), fabric.ErrPeerLost)
		require.Less(t, time.Since(start), 10*time.Second)
	})
}

// TestUnreadRefusalsEndSession checks that a peer that keeps writing to
// regions it has no handle for while reading none of the refusals loses
// its session, instead of each refusal waiting in a goroutine of its own.
func TestUnreadRefusalsEndSession(t *testing.T) {
	_, ctrl, bulk, _ := hostilePeer(t, Driver{MaxBulkOps: 4})
	go func() {
		b := make([]byte, bulkHeaderLen)
		for op := uint64(1); op < 1<<20; op++ {
			(&bulkHeader{typ: bulkWriteData, flags: flagLast, op: op, key: 12345}).put(b)
			if _, err := bulk.Write(b); err != nil {
				return
			}
		}
	}()
	// The endpoint hangs up: the control connection ends.
	_ = ctrl.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, ctrl)
	require.NoError(t, err, "the session should end, not time out")
}

// TestStalledBodyEndsSession checks that a peer that stops in the middle
// of writing into one of our regions loses its session after the driver's
// stall, so that the region (whose Close waits for transfers inside it)
// can be closed.
func TestStalledBodyEndsSession(t *testing.T) {
	srv, ctrl, bulk, _ := hostilePeer(t, Driver{Stall: 300 * time.Millisecond})
	mem := make([]byte, 4096)
	r, err := srv.Register([][]byte{mem}, fabric.AccessRemoteWrite)
	require.NoError(t, err)
	key := r.Handle().Segments[0].Key
	b := make([]byte, bulkHeaderLen)
	(&bulkHeader{typ: bulkWriteData, flags: flagLast, op: 1, key: key, chunk: 4096}).put(b)
	_, err = bulk.Write(append(b, make([]byte, 10)...)) // 10 of 4096 bytes, then nothing
	require.NoError(t, err)
	closed := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // the transfer has begun
		closed <- r.Close()
	}()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Region.Close waits for a transfer whose peer stalled")
	}
	_ = ctrl.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, ctrl)
	require.NoError(t, err, "the session should end")
}
