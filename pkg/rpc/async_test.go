package rpc

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// started runs Start and returns a channel that gets its result, failing
// the test if done runs more than once.
func started(t *testing.T, ctx context.Context, cl *Endpoint, to fabric.URI, op Opcode, req, resp Message, o CallOptions) <-chan error {
	t.Helper()
	out := make(chan error, 2)
	var calls atomic.Int32
	cl.Start(ctx, to, op, req, resp, o, func(err error) {
		if calls.Add(1) > 1 {
			err = fmt.Errorf("done called %d times", calls.Load())
		}
		out <- err
	})
	return out
}

func TestStartMatchedUnderConcurrency(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		// Bursts of asynchronous calls, half of them held back for a batch
		// and never flushed by the test: each must go out when another's
		// reply comes in, or at once when it is alone. Synchronous callers
		// run beside them on the same connection.
		const bursts, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, bursts+4)
		for b := range bursts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx := ctx
				if b%2 == 0 {
					cctx = WithDeferredSend(ctx)
				}
				type call struct {
					seq  uint64
					req  *echoMsg
					resp *echoMsg
					done <-chan error
				}
				calls := make([]call, each)
				for i := range calls {
					seq := uint64(b*each + i)
					c := call{seq: seq, req: &echoMsg{Seq: seq, Data: pattern(seq, int64(seq*131%6000))}, resp: &echoMsg{}}
					op := opEcho
					if i%3 == 0 {
						op = opEchoInline
					}
					c.done = started(t, cctx, cl, srv.ep.URI(), op, c.req, c.resp, CallOptions{})
					calls[i] = c
				}
				for _, c := range calls {
					if err := recv(t, ctx, c.done, "an asynchronous call"); err != nil {
						errs <- err
						return
					}
					if c.resp.Seq != c.seq || !bytes.Equal(c.resp.Data, c.req.Data) {
						errs <- fmt.Errorf("call %d got the reply of call %d", c.seq, c.resp.Seq)
						return
					}
				}
			}()
		}
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					seq := uint64(1_000_000 + w*each + i)
					var resp echoMsg
					if err := cl.Call(ctx, srv.ep.URI(), opEcho, &echoMsg{Seq: seq}, &resp); err != nil {
						errs <- err
						return
					}
					if resp.Seq != seq {
						errs <- fmt.Errorf("synchronous call %d got the reply of %d", seq, resp.Seq)
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
		require.Equal(t, int64(bursts*each+4*each), srv.seen.Load())
	})
}

// TestStartDeferredTogether: calls held back at the same moment by
// goroutines with nothing else in flight go out without a flush from the
// test, however they interleave (when each counts the others, the
// provider's bound sends them), many times over.
func TestStartDeferredTogether(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		dctx := WithDeferredSend(ctx)
		for round := range 200 {
			var wg sync.WaitGroup
			results := make([]<-chan error, 3)
			start := make(chan struct{})
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = started(t, dctx, cl, srv.ep.URI(), opEcho, &echoMsg{Seq: uint64(round)}, &echoMsg{}, CallOptions{})
				}()
			}
			close(start)
			wg.Wait()
			for _, r := range results {
				require.NoError(t, recv(t, ctx, r, "a call held back"))
			}
		}
	})
}

func TestStartDeferredFlush(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()
		// A call in flight that will not be answered until released.
		blocked := started(t, ctx, cl, to, opBlock, nil, nil, CallOptions{})
		recv(t, ctx, srv.started, "handler start")
		// Held back while that reply is due, if the provider can hold
		// messages; Flush sends it either way.
		var resp echoMsg
		echoed := started(t, WithDeferredSend(ctx), cl, to, opEcho, &echoMsg{Seq: 7}, &resp, CallOptions{})
		cl.Flush()
		require.NoError(t, recv(t, ctx, echoed, "flushed call"))
		require.Equal(t, uint64(7), resp.Seq)
		close(srv.release)
		require.NoError(t, recv(t, ctx, blocked, "released call"))
	})
}

func TestStartDeadlineAndCancel(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()

		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err := recv(t, ctx, started(t, short, cl, to, opBlock, nil, nil, CallOptions{}), "timed-out call")
		require.Equal(t, daos.ErrTimedout, daos.Code(err), describe(err))
		require.Contains(t, err.Error(), "rpc block to "+to.String())
		recv(t, ctx, srv.started, "handler start")
		require.Error(t, recv(t, ctx, srv.ended, "handler end"))

		// The endpoint's default deadline applies without one.
		cl2 := listenWith(t, Config{Fabric: fabric.Config{Provider: prov}, Registry: NewRegistry(), DefaultTimeout: 150 * time.Millisecond})
		err = recv(t, ctx, started(t, context.Background(), cl2, to, opBlock, nil, nil, CallOptions{}), "call without a deadline")
		require.Equal(t, daos.ErrTimedout, daos.Code(err), describe(err))
		recv(t, ctx, srv.started, "handler start")
		require.Error(t, recv(t, ctx, srv.ended, "handler end"))

		callCtx, cancelCall := context.WithCancel(ctx)
		done := started(t, callCtx, cl, to, opBlock, nil, nil, CallOptions{})
		recv(t, ctx, srv.started, "handler start")
		cancelCall()
		err = recv(t, ctx, done, "cancelled call")
		require.Equal(t, daos.ErrCanceled, daos.Code(err), describe(err))
		require.ErrorIs(t, recv(t, ctx, srv.ended, "handler end"), context.Canceled)

		// A context that has ended already never sends.
		seen := srv.seen.Load()
		err = recv(t, ctx, started(t, callCtx, cl, to, opEcho, &echoMsg{}, nil, CallOptions{}), "call on an ended context")
		require.Equal(t, daos.ErrCanceled, daos.Code(err), describe(err))
		require.Equal(t, seen, srv.seen.Load())

		// A context with its own AfterFunc is watched through it, not
		// through a child context: cancelling it ends the call, and a
		// call that ends otherwise takes its function back.
		ac := &abortCtx{Context: context.Background()}
		done = started(t, ac, cl, to, opBlock, nil, nil, CallOptions{})
		recv(t, ctx, srv.started, "handler start")
		ac.cancel()
		err = recv(t, ctx, done, "call on an aborted context")
		require.Equal(t, daos.ErrCanceled, daos.Code(err), describe(err))
		require.ErrorIs(t, recv(t, ctx, srv.ended, "handler end"), context.Canceled)
		ac = &abortCtx{Context: context.Background()}
		require.NoError(t, recv(t, ctx, started(t, ac, cl, to, opEcho, &echoMsg{Seq: 2}, &echoMsg{}, CallOptions{}), "echo"))
		require.Equal(t, [2]int{1, 1}, ac.counts(), "registered, stopped")
	})
}

// abortCtx ends only by its cancel and says so only to the functions
// given to its AfterFunc (its Done is its parent's, nil), as a started
// client event's context does.
type abortCtx struct {
	context.Context
	mu         sync.Mutex
	err        error
	fns        map[int]func()
	registered int
	stopped    int
}

func (c *abortCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *abortCtx) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = map[int]func(){}
	}
	id := c.registered
	c.registered++
	c.fns[id] = f
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.fns[id]; !ok {
			return false
		}
		delete(c.fns, id)
		c.stopped++
		return true
	}
}

func (c *abortCtx) cancel() {
	c.mu.Lock()
	c.err = context.Canceled
	fns := c.fns
	c.fns = nil
	c.mu.Unlock()
	for _, f := range fns {
		go f()
	}
}

func (c *abortCtx) counts() [2]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return [2]int{c.registered, c.stopped}
}

func TestStartErrors(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()

		err := recv(t, ctx, started(t, ctx, cl, to, opFail, nil, nil, CallOptions{}), "failing call")
		require.ErrorIs(t, err, daos.ErrNonexist)
		var re *RemoteError
		require.ErrorAs(t, err, &re)
		require.Contains(t, re.Text, "object 42 not found")

		err = recv(t, ctx, started(t, ctx, cl, to, opEcho, &echoMsg{Seq: 1, Data: []byte("x")}, &bulkMsg{}, CallOptions{}), "undecodable reply")
		require.Equal(t, daos.ErrProto, daos.Code(err), describe(err))

		err = recv(t, ctx, started(t, ctx, cl, to, opEcho, &Raw{Data: make([]byte, fabric.DefaultMaxMessageSize)}, nil, CallOptions{}), "oversized request")
		require.Equal(t, daos.ErrOverflow, daos.Code(err), describe(err))

		// Nobody listens there.
		dead := listen(t, prov, 0, NewRegistry())
		deadURI := dead.URI()
		require.NoError(t, dead.Close())
		short, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err = recv(t, ctx, started(t, short, cl, deadURI, opEcho, &echoMsg{}, nil, CallOptions{}), "call to nobody")
		require.True(t, transportDown(err) || daos.Code(err) == daos.ErrTimedout, describe(err))

		// Idempotent calls are retried as Call retries them.
		var resp echoMsg
		err = recv(t, ctx, started(t, ctx, cl, to, opFlaky, nil, &resp, CallOptions{Idempotent: true}), "flaky call")
		require.NoError(t, err)
		require.Equal(t, uint64(2), resp.Seq)
		require.Equal(t, int32(2), srv.flakyRun.Load())
	})
}

func TestStartPeerDiesAndShutdown(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		done := started(t, ctx, cl, srv.ep.URI(), opBlock, nil, nil, CallOptions{})
		recv(t, ctx, srv.started, "handler start")
		require.NoError(t, srv.ep.Fabric().Close())
		err := recv(t, ctx, done, "call to a lost peer")
		require.True(t, transportDown(err), describe(err))
		require.NoError(t, ctx.Err(), "the call outlived its caller's deadline")
		close(srv.release)

		srv2 := newServer(t, prov)
		done = started(t, ctx, cl, srv2.ep.URI(), opBlock, nil, nil, CallOptions{})
		recv(t, ctx, srv2.started, "second handler start")
		require.NoError(t, cl.Close())
		err = recv(t, ctx, done, "call on a closed client")
		require.ErrorIs(t, err, fabric.ErrClosed)
		err = recv(t, ctx, started(t, ctx, cl, srv2.ep.URI(), opEcho, &echoMsg{}, nil, CallOptions{}), "call after close")
		require.ErrorIs(t, err, fabric.ErrClosed)
		close(srv2.release)
	})
}

func TestStartBulk(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newServer(t, prov)
		cl := newClient(t, prov)
		to := srv.ep.URI()
		for i, size := range []int64{1, 4097, 1<<20 + 7} {
			seed := uint64(i + 1)
			b, err := cl.Expose(cut(pattern(seed, size), []uint32{3, 5000}), ToServer)
			require.NoError(t, err)
			err = recv(t, ctx, started(t, WithDeferredSend(ctx), cl, to, opPull, &bulkMsg{Seed: seed, Cuts: []uint32{77}, Bulk: b.Desc()}, nil, CallOptions{}), "pull")
			require.NoError(t, b.Finish(nil))
			require.NoError(t, err, "pull of %d bytes", size)

			dst := make([]byte, size)
			b, err = cl.Expose(cut(dst, []uint32{4099}), FromServer)
			require.NoError(t, err)
			var resp pushReply
			err = recv(t, ctx, started(t, ctx, cl, to, opPush, &bulkMsg{Seed: seed, Cuts: []uint32{1}, Bulk: b.Desc()}, &resp, CallOptions{}), "push")
			require.NoError(t, err, "push of %d bytes", size)
			require.NoError(t, b.Finish(resp.Inline))
			require.True(t, bytes.Equal(pattern(seed, size), dst), "push of %d bytes: data differs", size)
		}
	})
}
