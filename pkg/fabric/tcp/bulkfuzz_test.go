package tcp

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/fabric"
)

// FuzzBulkStream writes arbitrary bytes on a session's bulk connection,
// past the header parser into the reader's handling of reads, data,
// statuses, writes and eager data, with a region registered for both
// directions. Nothing may panic; the endpoint serves a well-behaved peer
// afterwards (checked once at the end of each run).
func FuzzBulkStream(f *testing.F) {
	ctx := context.Background()
	srv, err := Driver{Stall: 200 * time.Millisecond, MaxBulkOps: 4}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	ep := srv.(*endpoint)
	r, err := ep.Register([][]byte{make([]byte, 4096)}, fabric.AccessRemoteRead|fabric.AccessRemoteWrite)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close() })
	dialer, err := Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = dialer.Close() })
	ap, err := srv.URI().AddrPort()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		// Still serving: a well-behaved peer's message arrives.
		p, err := dialer.Connect(ctx, srv.URI())
		if err != nil {
			f.Fatalf("the endpoint no longer accepts peers: %v", err)
		}
		if err := p.Send(ctx, []byte("ok")); err != nil {
			f.Fatalf("the endpoint no longer takes messages: %v", err)
		}
	})

	frame := func(hs ...bulkHeader) []byte {
		var out []byte
		for _, h := range hs {
			b := make([]byte, bulkHeaderLen)
			h.put(b)
			out = append(out, b...)
			out = append(out, make([]byte, h.chunk)...)
		}
		return out
	}
	f.Add(frame(bulkHeader{typ: bulkReadReq, op: 1, key: 1, n: 16}))
	f.Add(frame(bulkHeader{typ: bulkWriteData, flags: flagLast, op: 2, key: 1, chunk: 16}))
	f.Add(frame(bulkHeader{typ: bulkStatus, op: 3}, bulkHeader{typ: bulkReadData, op: 3, chunk: 8, flags: flagLast}))
	f.Add(frame(bulkHeader{typ: bulkEagerData, op: 1, n: 100, chunk: 10}, bulkHeader{typ: bulkEagerData, op: 1, off: 10, n: 100, chunk: 90}))
	var id atomic.Uint64
	id.Store(1000)
	f.Fuzz(func(t *testing.T, stream []byte) {
		sid := id.Add(1)
		ctrl, err := dialer.(*endpoint).dial(ctx, ap, hello{kind: kindCtrl, session: sid})
		if err != nil {
			t.Fatal(err)
		}
		defer ctrl.Close()
		bulk, err := dialer.(*endpoint).dial(ctx, ap, hello{kind: kindBulk, session: sid})
		if err != nil {
			t.Fatal(err)
		}
		defer bulk.Close()
		_ = bulk.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = bulk.Write(stream)
	})
}
