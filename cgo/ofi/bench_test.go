package ofi

import (
	"context"
	"io"
	"net"
	"testing"
)

// BenchmarkRMAWrite compares a libfabric RMA write over tcp;ofi_rxm on
// loopback with the plainest Go equivalent: copying the same bytes through
// a loopback TCP connection to a goroutine that reads them into a buffer.
func BenchmarkRMAWrite(b *testing.B) {
	const size = 1 << 20
	b.Run("size=1MiB/impl=ofi", func(b *testing.B) {
		a, t, dest, _ := openPair(b)
		src := region(b, a, size, AccessLocal)
		dst := region(b, t, size, AccessRemoteWrite)
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
		// The receiver acknowledges each full buffer with one byte, as a
		// delivery-complete write would.
		c := tcpEcho(b, size, 1)
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

// BenchmarkRMARead is the pull direction of BenchmarkRMAWrite: an RMA read
// of 1 MiB over tcp;ofi_rxm, which a server's bulk pull is. With manual
// progress the passive side moves the data only while its CQ is read, so
// this is where libfabric itself bounds the ofi provider's bulk pulls.
// The Go equivalent is a 1-byte request answered with the buffer.
func BenchmarkRMARead(b *testing.B) {
	const size = 1 << 20
	b.Run("size=1MiB/impl=ofi", func(b *testing.B) {
		a, t, dest, _ := openPair(b)
		dst := region(b, a, size, AccessLocal)
		src := region(b, t, size, AccessRemoteRead)
		ctx := context.Background()
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := a.Read(ctx, dest, dst, 0, size, src.Remote(), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("size=1MiB/impl=gotcp", func(b *testing.B) {
		c := tcpSource(b, size)
		dst := make([]byte, size)
		req := []byte{1}
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(req); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// tcpSource connects to a loopback TCP peer that answers each 1-byte
// request with size bytes from one buffer. Both close when b ends.
func tcpSource(b *testing.B, size int) net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		req := make([]byte, 1)
		src := make([]byte, size)
		for {
			if _, err := io.ReadFull(c, req); err != nil {
				return
			}
			if _, err := c.Write(src); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkTaggedPingPong measures a 64-byte round trip through tagged
// messages, against the same exchange over a plain loopback TCP connection.
func BenchmarkTaggedPingPong(b *testing.B) {
	b.Run("size=64B/impl=ofi", benchPingPongOFI)
	b.Run("size=64B/impl=gotcp", benchPingPongTCP)
}

func benchPingPongOFI(b *testing.B) {
	a, t, toT, toA := openPair(b)
	am := region(b, a, 64, AccessLocal)
	tm := region(b, t, 64, AccessLocal)
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
	c := tcpEcho(b, 64, 64)
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

// tcpEcho connects to a loopback TCP peer that reads messages of in bytes
// and answers each with its first out bytes. Both close when b ends.
func tcpEcho(b *testing.B, in, out int) net.Conn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, in)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf[:out]); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}
