package rpc

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandlerGoroutinesReused: requests one after another are served by
// the same few handler goroutines rather than a new one each; a burst is
// served concurrently; the handler goroutines end with the endpoint.
func TestHandlerGoroutinesReused(t *testing.T) {
	ctx := context.Background()
	base := runtime.NumGoroutine()
	ts := &testServer{started: make(chan struct{}, 8), ended: make(chan error, 8), release: make(chan struct{})}
	srv := listen(t, "tcp", 0, ts.registry())
	cl := listen(t, "tcp", 0, nil)
	call := func() {
		var resp echoMsg
		require.NoError(t, cl.Call(ctx, srv.URI(), opEcho, &echoMsg{Seq: 7}, &resp))
		require.Equal(t, uint64(7), resp.Seq)
	}
	for i := 0; i < 200; i++ {
		call()
	}
	// A handler goroutine may not be back waiting when the next request
	// comes (then another starts), but not one per request.
	assert.LessOrEqual(t, srv.spawned.Load(), int64(20), "handler goroutines started for 200 requests in a row")

	// Requests that wait at once each have a goroutine of their own.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var resp echoMsg
			assert.NoError(t, cl.Call(ctx, srv.URI(), opBlock, &echoMsg{}, &resp))
		}()
	}
	for i := 0; i < 3; i++ {
		<-ts.started
	}
	close(ts.release)
	wg.Wait()
	assert.GreaterOrEqual(t, srv.spawned.Load(), int64(3), "three requests were blocked at once")

	srv.Close()
	cl.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left after the endpoints closed")
}

// TestHandlerContextDeadline: a handler's context carries the caller's
// deadline (plus the margin that lets the caller's own timeout end the
// call); the endpoint's sweeper ends a served request's context at its
// deadline with context.DeadlineExceeded, and contexts derived from it
// end too; a cancelled one is not reported as expired.
func TestHandlerContextDeadline(t *testing.T) {
	ctx := testCtx(t)
	const opDeadline Opcode = 100
	got := make(chan time.Time, 1)
	reg := NewRegistry()
	reg.MustRegister(opDeadline, "deadline", func(ctx context.Context, in *Incoming) (Message, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			return nil, errors.New("no deadline")
		}
		got <- dl
		return nil, nil
	})
	srv := listen(t, "tcp", 0, reg)
	cl := listen(t, "tcp", 0, nil)
	callCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	want, _ := callCtx.Deadline()
	require.NoError(t, cl.Call(callCtx, srv.URI(), opDeadline, nil, nil))
	dl := recv(t, ctx, got, "handler's deadline")
	assert.WithinDuration(t, want.Add(201*time.Millisecond), dl, 150*time.Millisecond, "2 s plus a tenth and a millisecond")

	serve := func(id uint64, deadline time.Time) *handlerCtx {
		hc := newHandlerCtx(srv.base, deadline)
		srv.servingMu.Lock()
		srv.serving[servingKey{id: id}] = hc
		srv.swept = false
		if !srv.sweeping {
			srv.sweeping = true
			srv.sweepKick <- struct{}{}
		}
		srv.servingMu.Unlock()
		return hc
	}
	hc := serve(1<<60, time.Now().Add(30*time.Millisecond))
	child, stop := context.WithCancel(hc)
	defer stop()
	gone := serve(1<<60+1, time.Now().Add(30*time.Millisecond))
	gone.cancel(nil)
	select {
	case <-hc.Done():
	case <-ctx.Done():
		t.Fatal("the sweeper never ended a context past its deadline")
	}
	assert.ErrorIs(t, hc.Err(), context.DeadlineExceeded)
	recv(t, ctx, child.Done(), "the derived context's end")
	assert.ErrorIs(t, context.Cause(child), context.DeadlineExceeded)
	assert.ErrorIs(t, gone.Err(), context.Canceled, "cancelled before its deadline")
	assert.ErrorIs(t, gone.Err(), context.Canceled, "the same answer again")
	srv.done(servingKey{id: 1 << 60})
	srv.done(servingKey{id: 1<<60 + 1})

	// Err reports a passed deadline at once, before any sweep.
	past := newHandlerCtx(srv.base, time.Now().Add(-time.Millisecond))
	assert.ErrorIs(t, past.Err(), context.DeadlineExceeded)
	select {
	case <-past.Done():
	default:
		t.Error("Err reported the deadline but Done is open")
	}
	past.cancel(nil)
	assert.ErrorIs(t, past.Err(), context.DeadlineExceeded, "the first end stays")
}

// TestSweeperStopsWhenIdle: once requests stop, the sweeper stops
// ticking (an idle endpoint does not wake), and starts again with the next
// request.
func TestSweeperStopsWhenIdle(t *testing.T) {
	ctx := testCtx(t)
	ts := &testServer{}
	srv := listen(t, "tcp", 0, ts.registry())
	cl := listen(t, "tcp", 0, nil)
	var resp echoMsg
	for i := 0; i < 200; i++ {
		require.NoError(t, cl.Call(ctx, srv.URI(), opEcho, &echoMsg{Seq: uint64(i)}, &resp))
	}
	sweeping := func() bool {
		srv.servingMu.Lock()
		defer srv.servingMu.Unlock()
		return srv.sweeping
	}
	deadline := time.Now().Add(5 * time.Second)
	for sweeping() && time.Now().Before(deadline) {
		time.Sleep(sweepEvery)
	}
	require.False(t, sweeping(), "the sweeper still ticks with nothing served for seconds")
	require.NoError(t, cl.Call(ctx, srv.URI(), opEcho, &echoMsg{}, &resp))
	assert.True(t, sweeping(), "a request started it again")
}

// seqReply is a scalar reply: rpc.Copying, so its message is recycled.
type seqReply struct{ Seq uint64 }

func (m *seqReply) EncodeRPC(e *Encoder) { e.PutUvarint(m.Seq) }
func (m *seqReply) DecodeRPC(d *Decoder) error {
	m.Seq = d.Uvarint()
	return d.Err()
}
func (*seqReply) CopiesRPC() bool { return true }

// TestCopyingRepliesRecycled: the messages of replies that copy what they
// decode go back to the provider, others and aliased ones do not; with
// recycled messages, many concurrent calls still get their own replies.
func TestCopyingRepliesRecycled(t *testing.T) {
	var got [][]byte
	e := &Endpoint{}
	e.recycler.Store(&recyclerRef{recorder(func(m []byte) { got = append(got, m) })})
	for _, c := range []struct {
		resp Message
		want bool
	}{
		{nil, true},
		{&seqReply{}, true},
		{&echoMsg{}, false}, // its Data aliases the message
	} {
		got = nil
		msg := []byte{1, 2, 3}
		pc := &pending{r: reply{body: msg[1:], msg: msg}}
		e.recycleReply(pc, c.resp)
		assert.Equal(t, c.want, len(got) == 1, "%T", c.resp)
		assert.Nil(t, pc.r.msg, "the call forgets the message")
	}

	ctx := testCtx(t)
	const opSeq Opcode = 101
	reg := NewRegistry()
	reg.MustRegister(opSeq, "seq", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) {
		return &seqReply{Seq: req.Seq * 3}, nil
	}))
	srv := listen(t, "tcp", 0, reg)
	cl := listen(t, "tcp", 0, nil)
	callsInParallel(t, 16, 200, func(w, i int) error {
		seq := uint64(w*1000 + i)
		var resp seqReply
		if err := cl.Call(ctx, srv.URI(), opSeq, &echoMsg{Seq: seq, Data: make([]byte, 100)}, &resp); err != nil {
			return err
		}
		if resp.Seq != 3*seq {
			return fmt.Errorf("call %d got the reply %d", seq, resp.Seq)
		}
		return nil
	})
}

// recorder is a fabric.Recycler that calls a function.
type recorder func([]byte)

func (r recorder) Recycle(m []byte) { r(m) }
