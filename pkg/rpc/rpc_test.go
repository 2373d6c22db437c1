package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

func TestCallsMatchedUnderConcurrency(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		const workers, each = 32, 40
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					seq := uint64(w*each + i)
					req := &echoMsg{Seq: seq, Data: pattern(seq, int64(seq*131%6000))}
					var resp echoMsg
					op := opEcho
					if w%2 == 1 {
						op = opEchoInline // half the calls are served inline
					}
					if err := cl.Call(ctx, srv.ep.URI(), op, req, &resp); err != nil {
						errs <- err
						return
					}
					if resp.Seq != seq || !bytes.Equal(resp.Data, req.Data) {
						errs <- fmt.Errorf("call %d got the reply of call %d", seq, resp.Seq)
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
		require.Equal(t, int64(workers*each), srv.seen.Load())
	})
}

func TestDeadline(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err := cl.Call(short, srv.ep.URI(), opBlock, nil, nil)
		require.Equal(t, daos.ErrTimedout, daos.Code(err), describe(err))
		require.Contains(t, err.Error(), "rpc block to "+srv.ep.URI().String())
		// The handler saw the deadline (its own, or the caller's cancel).
		recv(t, ctx, srv.started, "handler start")
		require.Error(t, recv(t, ctx, srv.ended, "handler end"))
	})
}

func TestCancel(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		callCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- cl.Call(callCtx, srv.ep.URI(), opBlock, nil, nil) }()
		recv(t, ctx, srv.started, "handler start")
		cancel()
		err := recv(t, ctx, done, "call return")
		require.Equal(t, daos.ErrCanceled, daos.Code(err), describe(err))
		require.ErrorIs(t, err, context.Canceled)
		// The cancellation reached the handler long before its 30 s deadline.
		require.ErrorIs(t, recv(t, ctx, srv.ended, "handler end"), context.Canceled)
	})
}

func TestErrors(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()

		err := cl.Call(ctx, to, opFail, nil, nil)
		require.ErrorIs(t, err, daos.ErrNonexist)
		var re *RemoteError
		require.ErrorAs(t, err, &re)
		require.Contains(t, re.Text, "object 42 not found")

		err = cl.Call(ctx, to, opNotServed, nil, nil)
		require.Equal(t, daos.ErrUnreg, daos.Code(err), describe(err))
		require.Contains(t, err.Error(), "not-served")

		// A body the handler cannot decode is DER_PROTO, and the server
		// carries on.
		err = cl.Call(ctx, to, opEcho, &Raw{Data: []byte{0x80}}, nil)
		require.Equal(t, daos.ErrProto, daos.Code(err), describe(err))
		// A reply the caller cannot decode is DER_PROTO too.
		err = cl.Call(ctx, to, opEcho, &echoMsg{Seq: 1, Data: []byte("x")}, &bulkMsg{})
		require.Equal(t, daos.ErrProto, daos.Code(err), describe(err))

		// Oversized requests fail locally.
		err = cl.Call(ctx, to, opEcho, &Raw{Data: make([]byte, fabric.DefaultMaxMessageSize)}, nil)
		require.Equal(t, daos.ErrOverflow, daos.Code(err), describe(err))

		var resp echoMsg
		require.NoError(t, cl.Call(ctx, to, opEcho, &echoMsg{Seq: 9}, &resp))
		require.Equal(t, uint64(9), resp.Seq)
	})
}

func TestBulk(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()
		// Client-side cuts and server-side cuts differ and are odd.
		clientCuts := []uint32{1, 3000, 7, 65537}
		serverCuts := []uint32{4095, 2, 99999}
		for i, size := range []int64{0, 1, 100, 4095, 4096, 4097, 100_003, 1<<20 + 7, 3<<20 + 1} {
			seed := uint64(i + 1)
			// Pull: the server reads the client's data.
			src := pattern(seed, size)
			b, err := cl.Expose(cut(src, clientCuts), ToServer)
			require.NoError(t, err)
			require.Equal(t, size < 4096, b.Desc().Handle.IsZero(), "size %d inline?", size)
			err = cl.Call(ctx, to, opPull, &bulkMsg{Seed: seed, Cuts: serverCuts, Bulk: b.Desc()}, nil)
			require.NoError(t, b.Finish(nil))
			require.NoError(t, err, "pull of %d bytes", size)

			// Push: the server writes into the client's memory.
			dst := make([]byte, size)
			b, err = cl.Expose(cut(dst, clientCuts), FromServer)
			require.NoError(t, err)
			var resp pushReply
			err = cl.Call(ctx, to, opPush, &bulkMsg{Seed: seed, Cuts: serverCuts, Bulk: b.Desc()}, &resp)
			require.NoError(t, err, "push of %d bytes", size)
			require.NoError(t, b.Finish(resp.Inline))
			require.True(t, bytes.Equal(pattern(seed, size), dst), "push of %d bytes: data differs", size)
		}
	})
}

func TestBulkConcurrentWithSmallCalls(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()
		const bulks, size = 8, 2<<20 + 3
		var wg sync.WaitGroup
		errs := make(chan error, bulks+1)
		for i := 0; i < bulks; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seed := uint64(100 + i)
				b, err := cl.Expose([][]byte{pattern(seed, size)}, ToServer)
				if err != nil {
					errs <- err
					return
				}
				err = cl.Call(ctx, to, opPull, &bulkMsg{Seed: seed, Bulk: b.Desc()}, nil)
				errs <- errors.Join(err, b.Finish(nil))
			}()
		}
		// Small calls go through while the bulk transfers run.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if err := cl.Call(ctx, to, opEcho, &echoMsg{Seq: uint64(i)}, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
}

func TestPeerDiesMidCall(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		done := make(chan error, 1)
		go func() { done <- cl.Call(ctx, srv.ep.URI(), opBlock, nil, nil) }()
		recv(t, ctx, srv.started, "handler start")
		// The server's transport goes away under the handler, as when its
		// process dies (the two-process test kills a real one).
		require.NoError(t, srv.ep.Fabric().Close())
		err := recv(t, ctx, done, "call return")
		require.Error(t, err)
		require.True(t, transportDown(err), describe(err))
		require.NoError(t, ctx.Err(), "the call outlived its caller's deadline")
		close(srv.release)
	})
}

func TestServerRestartAndReconnect(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		uri := srv.ep.URI()
		ap, err := uri.AddrPort()
		require.NoError(t, err)
		require.NoError(t, cl.Call(ctx, uri, opEcho, &echoMsg{}, nil))

		require.NoError(t, srv.ep.Close())
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		err = cl.Call(short, uri, opEcho, &echoMsg{}, nil)
		require.Error(t, err)
		require.True(t, transportDown(err) || daos.Code(err) == daos.ErrTimedout, describe(err))

		// The same address again: the client reconnects on its own.
		s2 := &testServer{started: make(chan struct{}, 1), ended: make(chan error, 1), name: "second"}
		s2.ep = listen(t, prov, int(ap.Port()), s2.registry())
		require.Equal(t, uri, s2.ep.URI())
		var resp echoMsg
		require.NoError(t, cl.CallWith(ctx, uri, opWhoami, nil, &resp, CallOptions{Idempotent: true, MaxAttempts: 5}))
		require.Equal(t, "second", string(resp.Data))
	})
}

func TestIdempotentRetry(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		// Not idempotent: the lost reply is the caller's error.
		err := cl.Call(ctx, srv.ep.URI(), opFlaky, nil, nil)
		require.True(t, transportDown(err), describe(err))
		require.Equal(t, int32(1), srv.flakyRun.Load())

		// Idempotent: the call is sent again on a new connection.
		srv.flakyRun.Store(0)
		var resp echoMsg
		require.NoError(t, cl.CallWith(ctx, srv.ep.URI(), opFlaky, nil, &resp, CallOptions{Idempotent: true}))
		require.Equal(t, uint64(2), resp.Seq)
		require.Equal(t, int32(2), srv.flakyRun.Load())

		// Handler errors are never retried.
		err = cl.CallWith(ctx, srv.ep.URI(), opFail, nil, nil, CallOptions{Idempotent: true, MaxAttempts: 5})
		require.ErrorIs(t, err, daos.ErrNonexist)
	})
}

func TestShutdown(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()

		// A graceful shutdown lets the handler in progress finish and
		// refuses new requests meanwhile.
		blocked := make(chan error, 1)
		go func() { blocked <- cl.Call(ctx, to, opBlock, nil, nil) }()
		recv(t, ctx, srv.started, "handler start")
		shut := make(chan error, 1)
		go func() { shut <- srv.ep.Shutdown(ctx) }()
		var refused error
		for i := 0; i < 2000 && refused == nil; i++ {
			if err := cl.Call(ctx, to, opEcho, &echoMsg{}, nil); err != nil {
				refused = err
			}
		}
		require.Equal(t, daos.ErrShutdown, daos.Code(refused), describe(refused))
		close(srv.release)
		require.NoError(t, recv(t, ctx, blocked, "blocked call"))
		require.NoError(t, recv(t, ctx, shut, "shutdown"))

		// Closing a client fails its calls in flight, clearly.
		srv2 := newServer(t, prov)
		go func() { blocked <- cl.Call(ctx, srv2.ep.URI(), opBlock, nil, nil) }()
		recv(t, ctx, srv2.started, "second handler start")
		require.NoError(t, cl.Close())
		err := recv(t, ctx, blocked, "call on a closed client")
		require.ErrorIs(t, err, fabric.ErrClosed)
		require.Equal(t, daos.ErrCanceled, daos.Code(err), describe(err))
		require.ErrorIs(t, cl.Call(ctx, srv2.ep.URI(), opEcho, &echoMsg{}, nil), fabric.ErrClosed)
		close(srv2.release)
	})
}

func TestGroupCalls(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		a, b := newServer(t, prov), newServer(t, prov)
		a.name, b.name = "a", "b"
		cl := newClient(t, prov)
		g := fabric.NewGroup("daos_server")
		require.NoError(t, g.Update(1, map[fabric.Rank]fabric.URI{0: a.ep.URI(), 1: b.ep.URI()}))
		who := func(r fabric.Rank) string {
			var resp echoMsg
			require.NoError(t, cl.CallRank(ctx, g, r, opWhoami, nil, &resp, CallOptions{}))
			return string(resp.Data)
		}
		require.Equal(t, "a", who(0))
		require.Equal(t, "b", who(1))
		require.NoError(t, g.Update(2, map[fabric.Rank]fabric.URI{0: b.ep.URI(), 1: a.ep.URI()}))
		require.Equal(t, "b", who(0))
		require.Equal(t, "a", who(1))
		err := cl.CallRank(ctx, g, 7, opWhoami, nil, nil, CallOptions{Idempotent: true})
		require.Equal(t, daos.ErrOog, daos.Code(err), describe(err))
	})
}

func TestListenUnavailableProvider(t *testing.T) {
	_, err := Listen(context.Background(), Config{Fabric: fabric.Config{Provider: "ofi+verbs;ofi_rxm"}})
	require.ErrorIs(t, err, fabric.ErrUnavailable)
	require.ErrorContains(t, err, "ofi+verbs;ofi_rxm")
	require.ErrorContains(t, err, "available:")
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, r.Register(1, "one", nil))
	require.Error(t, r.Register(1, "again", nil))
	require.Error(t, r.Register(2, "", nil))
	require.Equal(t, "one", r.Name(1))
	require.Equal(t, "opcode 0x2", r.Name(2))
	require.Panics(t, func() { r.MustRegister(1, "x", nil) })
	require.Error(t, r.RegisterInline(3, "three", nil))
}

// A reply counts only from the peer the call went to: ids are sequential,
// so a third endpoint could otherwise answer another's call first.
func TestRepliesOnlyFromTheCallee(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cli := newClient(t, prov)
		forger := newClient(t, prov)
		got := make(chan error, 1)
		var resp echoMsg
		go func() { got <- cli.Call(ctx, srv.ep.URI(), opBlock, nil, &resp) }()
		<-srv.started
		// The call in flight has the client's latest id.
		enc := NewEncoder(nil)
		(&header{kind: kindReply, id: cli.nextID.Load()}).encode(enc)
		(&echoMsg{Seq: 666, Data: []byte("forged")}).EncodeRPC(enc)
		slot, err := forger.peer(ctx, cli.URI())
		require.NoError(t, err)
		require.NoError(t, slot.p.Send(ctx, enc.Bytes()))
		select {
		case err := <-got:
			t.Fatalf("the call ended on the forged reply: %v, %+v", err, resp)
		case <-time.After(200 * time.Millisecond):
		}
		srv.release <- struct{}{}
		require.NoError(t, <-got)
		require.Equal(t, uint64(1), resp.Seq, "the server's own reply")
	})
}

// More bulk requests than handler slots: those waiting for a slot must not
// stop the transfers of those holding one (ofi delivers requests on the
// thread that also completes RMA and replies).
func TestMoreRequestsThanHandlers(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServerWith(t, Config{Fabric: fabric.Config{Provider: prov}, MaxHandlers: 2})
		ep := srv.ep
		cl := newClient(t, prov)
		const calls, size = 8, 1 << 20
		errs := make(chan error, calls)
		for i := range calls {
			go func() {
				seed := uint64(300 + i)
				b, err := cl.Expose([][]byte{pattern(seed, size)}, ToServer)
				if err != nil {
					errs <- err
					return
				}
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				err = cl.Call(cctx, ep.URI(), opPull, &bulkMsg{Seed: seed, Bulk: b.Desc()}, nil)
				errs <- errors.Join(err, b.Finish(nil))
			}()
		}
		for range calls {
			require.NoError(t, <-errs)
		}
	})
}

// A request larger than the server's message limit (the client's is
// larger) fails at once, and the next call gets through: the session it
// came on is ended, not left waiting for a message that never arrives.
func TestRequestOverServersLimit(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := listenWith(t, Config{Fabric: fabric.Config{Provider: prov, MaxMessageSize: 4 << 20}, Registry: (&testServer{}).registry()})
		require.NoError(t, cl.Call(ctx, srv.ep.URI(), opEcho, &echoMsg{Seq: 1}, nil), "a session first")
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := cl.Call(cctx, srv.ep.URI(), opEcho, &echoMsg{Seq: 2, Data: make([]byte, 2<<20)}, nil)
		require.Error(t, err)
		require.Less(t, time.Since(start), 3*time.Second, "failed by its deadline, not at once: %v", err)
		// Said so, and not retried as a lost peer would be.
		require.ErrorIs(t, err, daos.ErrOverflow)
		var resp echoMsg
		require.NoError(t, cl.Call(ctx, srv.ep.URI(), opEcho, &echoMsg{Seq: 3}, &resp))
		require.Equal(t, uint64(3), resp.Seq)
	})
}

// On a provider that delivers on its progress thread, the requests waiting
// for a handler are bounded (4 per slot); past that they are refused with
// DER_BUSY at once rather than held. Elsewhere they wait on the sender.
func TestWaitingRequestsBounded(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServerWith(t, Config{Fabric: fabric.Config{Provider: prov}, MaxHandlers: 1})
		ep := srv.ep
		cl := newClient(t, prov)
		const calls = 10
		errs := make(chan error, calls)
		for range calls {
			go func() { errs <- cl.Call(ctx, ep.URI(), opBlock, nil, nil) }()
		}
		<-srv.started // one holds the slot
		busy := 0
		if prov != "tcp" {
			// 1 running + 4 waiting; the other 5 are refused.
			for range calls - 5 {
				err := <-errs
				require.ErrorIs(t, err, daos.ErrBusy)
				busy++
			}
		}
		go func() {
			for range calls - busy {
				srv.release <- struct{}{}
			}
		}()
		for range calls - busy {
			require.NoError(t, <-errs)
		}
	})
}

// TestDuplicateRequestIDDropped: a request whose id is still being served
// for the same peer is dropped rather than run beside the first (whose
// context it would hide), and the first is answered as usual.
func TestDuplicateRequestIDDropped(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cli := newClient(t, prov)
		got := make(chan error, 1)
		var resp echoMsg
		go func() { got <- cli.Call(ctx, srv.ep.URI(), opBlock, nil, &resp) }()
		<-srv.started
		enc := NewEncoder(nil)
		(&header{kind: kindRequest, id: cli.nextID.Load(), op: opBlock}).encode(enc)
		slot, err := cli.peer(ctx, srv.ep.URI())
		require.NoError(t, err)
		require.NoError(t, slot.p.Send(ctx, enc.Bytes()))
		select {
		case <-srv.started:
			t.Fatal("the duplicate request started a second handler")
		case <-time.After(200 * time.Millisecond):
		}
		srv.release <- struct{}{}
		require.NoError(t, <-got)
		require.Eventually(t, func() bool {
			srv.ep.servingMu.Lock()
			defer srv.ep.servingMu.Unlock()
			return len(srv.ep.serving) == 0
		}, 5*time.Second, time.Millisecond, "a handler context is left behind")
	})
}
