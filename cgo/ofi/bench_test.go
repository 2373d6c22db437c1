package ofi

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// Regions are closed with defers, before their endpoints, since the
// benchmark function runs several times per sub-benchmark.

// BenchmarkRMAWrite compares a libfabric RMA write over tcp;ofi_rxm on
// loopback with the plainest Go equivalent: copying the same bytes through
// a loopback TCP connection to a goroutine that reads them into a buffer.
func BenchmarkRMAWrite(b *testing.B) {
	const size = 1 << 20
	b.Run("size=1MiB/impl=ofi", func(b *testing.B) {
		a, err := Open(loopback)
		if errors.Is(err, ErrNotBuilt) {
			b.Skip("libfabric not built in")
		}
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		t, err := Open(loopback)
		if err != nil {
			b.Fatal(err)
		}
		defer t.Close()
		name, err := t.Name()
		if err != nil {
			b.Fatal(err)
		}
		dest, err := a.InsertAddr(name)
		if err != nil {
			b.Fatal(err)
		}
		src := benchRegion(b, a, size, AccessLocal)
		defer freeRegion(b, src)
		dst := benchRegion(b, t, size, AccessRemoteWrite)
		defer freeRegion(b, dst)
		ctx := context.Background()
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := a.Write(ctx, dest, src, 0, size, dst.Remote(), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("size=1MiB/impl=gotcp", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		// The receiver acknowledges each full buffer with one byte, as a
		// delivery-complete write would.
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			buf := make([]byte, size)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				if _, err := c.Write([]byte{1}); err != nil {
					return
				}
			}
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		src := make([]byte, size)
		ack := make([]byte, 1)
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(src); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, ack); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTaggedPingPong measures a 64-byte round trip through tagged
// messages, against the same exchange over a plain loopback TCP connection.
func BenchmarkTaggedPingPong(b *testing.B) {
	b.Run("size=64B/impl=ofi", benchPingPongOFI)
	b.Run("size=64B/impl=gotcp", benchPingPongTCP)
}

func benchPingPongOFI(b *testing.B) {
	a, err := Open(loopback)
	if errors.Is(err, ErrNotBuilt) {
		b.Skip("libfabric not built in")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	t, err := Open(loopback)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Close()
	an, err := a.Name()
	if err != nil {
		b.Fatal(err)
	}
	tn, err := t.Name()
	if err != nil {
		b.Fatal(err)
	}
	toT, err := a.InsertAddr(tn)
	if err != nil {
		b.Fatal(err)
	}
	toA, err := t.InsertAddr(an)
	if err != nil {
		b.Fatal(err)
	}
	am := benchRegion(b, a, 64, AccessLocal)
	defer freeRegion(b, am)
	tm := benchRegion(b, t, 64, AccessLocal)
	defer freeRegion(b, tm)
	ctx, cancel := context.WithCancel(context.Background())
	responder := make(chan struct{})
	// Stop the responder before the deferred Closes run.
	defer func() { cancel(); <-responder }()
	go func() {
		defer close(responder)
		for ctx.Err() == nil {
			if _, err := t.RecvTagged(ctx, 1, 0, tm, 0, 64); err != nil {
				return
			}
			if err := t.SendTagged(ctx, toA, 2, tm, 0, 64); err != nil {
				return
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.SendTagged(ctx, toT, 1, am, 0, 64); err != nil {
			b.Fatal(err)
		}
		if _, err := a.RecvTagged(ctx, 2, 0, am, 0, 64); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPingPongTCP(b *testing.B) {
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
}

func benchRegion(b *testing.B, ep *Endpoint, size int, access Access) *MemRegion {
	buf, err := AllocBuffer(size)
	if err != nil {
		b.Fatal(err)
	}
	m, err := ep.Register(buf, access)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// freeRegion releases a benchRegion; call it before closing the endpoint.
// A send abandoned when the benchmark stopped may still be completing.
func freeRegion(b *testing.B, m *MemRegion) {
	for i := 0; i < 1000 && m.Buffer().InFlight() > 0; i++ {
		time.Sleep(time.Millisecond)
	}
	if err := m.Close(); err != nil {
		b.Error(err)
	}
	if err := m.Buffer().Free(); err != nil {
		b.Error(err)
	}
}
