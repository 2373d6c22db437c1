package rpc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/tcp"
)

// TestCallsWithReplyPolling: a client whose tcp driver polls for replies
// (tcp.Driver.ReplySpin) gets every reply right, alone and with others in
// flight, when the reply comes after the poll has given up, and when its
// deadline passes while it polls.
func TestCallsWithReplyPolling(t *testing.T) {
	ctx := testCtx(t)
	srv := newServer(t, "tcp")
	cl, err := Listen(context.Background(), Config{
		Fabric:  fabric.Config{Provider: "tcp", Interface: "127.0.0.1"},
		Drivers: []fabric.Driver{tcp.Driver{ReplySpin: 200 * time.Microsecond}},
		Logger:  testLogger(),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cl.Close() })

	call := func(seq uint64) error {
		req := &echoMsg{Seq: seq, Data: []byte(fmt.Sprint("payload-", seq))}
		var resp echoMsg
		if err := cl.Call(ctx, srv.ep.URI(), opEcho, req, &resp); err != nil {
			return err
		}
		if resp.Seq != seq || string(resp.Data) != string(req.Data) {
			return fmt.Errorf("call %d answered %d %q", seq, resp.Seq, resp.Data)
		}
		return nil
	}
	for i := uint64(0); i < 200; i++ {
		require.NoError(t, call(i))
	}
	callsInParallel(t, 16, 50, func(w, i int) error { return call(uint64(1000*w + i)) })

	// A reply long after the poll gave up.
	done := make(chan error, 1)
	go func() {
		var resp echoMsg
		done <- cl.Call(ctx, srv.ep.URI(), opBlock, nil, &resp)
	}()
	recv(t, ctx, srv.started, "blocking call started")
	time.Sleep(20 * time.Millisecond)
	srv.release <- struct{}{}
	require.NoError(t, recv(t, ctx, done, "blocking call answered"))
	recv(t, ctx, srv.ended, "blocking handler ended")

	// A deadline that passes while the caller polls.
	short, cancel := context.WithTimeout(ctx, 100*time.Microsecond)
	defer cancel()
	var resp echoMsg
	err = cl.Call(short, srv.ep.URI(), opBlock, nil, &resp)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, call(7), "the session works after a call timed out")
}
