package rpc

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
)

// recyclingDriver opens its inner driver's endpoints behind a wrapper
// that counts the messages given back before passing them on.
type recyclingDriver struct {
	fabric.Driver
	mu       sync.Mutex
	recycled [][]byte
}

type recyclingEndpoint struct {
	fabric.Endpoint
	d *recyclingDriver
}

func (d *recyclingDriver) Open(ctx context.Context, cfg fabric.Config, h fabric.Handler) (fabric.Endpoint, error) {
	ep, err := d.Driver.Open(ctx, cfg, h)
	if err != nil {
		return nil, err
	}
	return &recyclingEndpoint{Endpoint: ep, d: d}, nil
}

func (e *recyclingEndpoint) Recycle(msg []byte) {
	e.d.mu.Lock()
	e.d.recycled = append(e.d.recycled, msg)
	e.d.mu.Unlock()
	if r, ok := e.Endpoint.(fabric.Recycler); ok {
		r.Recycle(msg)
	}
}

func (d *recyclingDriver) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.recycled)
}

const (
	opBorrow Opcode = 100 + iota
	opKeep
)

// TestBorrowedRequestsRecycled: a borrowing handler's request goes back
// to the provider once its reply is sent, other handlers' do not, and
// many concurrent 4 KiB requests through the tcp provider's recycled
// frames each arrive intact (the handler checks a CRC the caller put in
// front of the data) and get their own answer.
func TestBorrowedRequestsRecycled(t *testing.T) {
	var tcp fabric.Driver
	for _, d := range drivers.Default() {
		if d.Name() == "tcp" {
			tcp = d
		}
	}
	require.NotNil(t, tcp)
	rd := &recyclingDriver{Driver: tcp}
	check := func(_ context.Context, _ *Incoming, req *echoMsg) (Message, error) {
		sum := binary.LittleEndian.Uint32(req.Data)
		if crc32.ChecksumIEEE(req.Data[4:]) != sum {
			return nil, fmt.Errorf("request %d damaged", req.Seq)
		}
		return &echoMsg{Seq: req.Seq, Data: req.Data[:4]}, nil
	}
	reg := NewRegistry()
	require.NoError(t, reg.RegisterBorrowing(opBorrow, "borrow", Handle(check)))
	require.NoError(t, reg.Register(opKeep, "keep", Handle(check)))
	srv, err := Listen(context.Background(), Config{
		Fabric:   fabric.Config{Provider: "tcp", Interface: "127.0.0.1"},
		Registry: reg, Logger: testLogger(), Drivers: []fabric.Driver{rd},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cl := newClient(t, "tcp")
	ctx := testCtx(t)

	call := func(op Opcode, seq uint64) error {
		data := pattern(seq, 4100)
		binary.LittleEndian.PutUint32(data, crc32.ChecksumIEEE(data[4:]))
		var out echoMsg
		if err := cl.Call(ctx, srv.URI(), op, &echoMsg{Seq: seq, Data: data}, &out); err != nil {
			return err
		}
		if out.Seq != seq || !bytes.Equal(out.Data, data[:4]) {
			return fmt.Errorf("call %d answered %d", seq, out.Seq)
		}
		return nil
	}
	require.NoError(t, call(opKeep, 1))
	require.Zero(t, rd.count(), "a handler that may keep its request's memory does not give it back")

	const workers, each = 16, 200
	callsInParallel(t, workers, each, func(w, i int) error { return call(opBorrow, uint64(w*each+i+2)) })
	// Given back after the reply went, so possibly just after the caller
	// saw it; the keep call's request never is (the count would be over).
	require.Eventually(t, func() bool { return rd.count() >= workers*each }, 5*time.Second, time.Millisecond)
	require.Equal(t, workers*each, rd.count(), "every borrowing request is given back once")
}

// TestAfterReply: what a handler asks to run after its reply runs once
// the reply has gone, after the caller can have it, for replies and
// errors alike.
func TestAfterReply(t *testing.T) {
	ran := make(chan uint64, 4)
	reg := NewRegistry()
	require.NoError(t, reg.Register(opKeep, "after", Handle(func(_ context.Context, in *Incoming, req *echoMsg) (Message, error) {
		in.AfterReply(func() { ran <- req.Seq })
		if req.Seq == 2 {
			return nil, fmt.Errorf("refused")
		}
		return req, nil
	})))
	srv := listen(t, "tcp", 0, reg)
	cl := newClient(t, "tcp")
	ctx := testCtx(t)
	var out echoMsg
	require.NoError(t, cl.Call(ctx, srv.URI(), opKeep, &echoMsg{Seq: 1, Data: []byte("x")}, &out))
	require.Equal(t, uint64(1), recv(t, ctx, ran, "after reply 1"))
	require.Error(t, cl.Call(ctx, srv.URI(), opKeep, &echoMsg{Seq: 2}, &out))
	require.Equal(t, uint64(2), recv(t, ctx, ran, "after reply 2"))
}
