package rpc

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/daos-go/daos/pkg/fabric"
)

// BenchmarkPing64 is a 64-byte request and reply through the RPC layer on
// the tcp provider, in one process (ci/bench.sh fabric measures across
// processes with cmd/self_test).
func BenchmarkPing64(b *testing.B) {
	b.Run("impl=rpc", func(b *testing.B) {
		srv := listenB(b, (&testServer{}).registry())
		cl := listenB(b, nil)
		ctx := context.Background()
		req := &echoMsg{Data: make([]byte, 64)}
		var resp echoMsg
		if err := cl.Call(ctx, srv.URI(), opEchoInline, req, &resp); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := cl.Call(ctx, srv.URI(), opEchoInline, req, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A handler that is not inline, as object I/O's are: started on the
	// goroutine that read the request (tcp hands the reading off) with
	// its own context.
	b.Run("impl=rpc-handler", func(b *testing.B) {
		srv := listenB(b, (&testServer{}).registry())
		cl := listenB(b, nil)
		ctx := context.Background()
		req := &echoMsg{Data: make([]byte, 64)}
		var resp echoMsg
		if err := cl.Call(ctx, srv.URI(), opEcho, req, &resp); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := cl.Call(ctx, srv.URI(), opEcho, req, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=rawtcp", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			buf := make([]byte, 64)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if _, err := c.Write(buf); err != nil {
					return
				}
			}
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 64)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func listenB(b *testing.B, reg *Registry) *Endpoint {
	ep, err := Listen(context.Background(), Config{Fabric: fabric.Config{Provider: "tcp"}, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ep.Close() })
	return ep
}
