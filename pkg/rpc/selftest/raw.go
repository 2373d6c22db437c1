package selftest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// RawServer is the baseline's server side: plain Go TCP on loopback, with
// no framing beyond what each test needs.
type RawServer struct {
	ln net.Listener
	wg sync.WaitGroup
}

// The first byte a raw client sends picks the test; then, for echo, an
// 8-byte size; for sink and spread, an 8-byte chunk size. Spread is a sink
// that lands chunks in turn in a number of buffers (8 more bytes), as
// calls in flight land in their own buffers.
const (
	rawEcho   = 1
	rawSink   = 2
	rawSpread = 3

	// maxSpreadBuffers bounds the buffers of a spread test.
	maxSpreadBuffers = 64
)

// ServeRaw listens on addr ("127.0.0.1:0") for baseline clients.
func ServeRaw(addr string) (*RawServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("raw TCP baseline: listen: %w", err)
	}
	s := &RawServer{ln: ln}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is where clients connect.
func (s *RawServer) Addr() string { return s.ln.Addr().String() }

// Close stops listening and waits for the connections to end.
func (s *RawServer) Close() error {
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *RawServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = serveRawConn(c)
		}()
	}
}

func serveRawConn(c net.Conn) error {
	var hdr [9]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint64(hdr[1:])
	if n > MaxBulk || n == 0 {
		return errors.New("raw baseline: size out of range")
	}
	buf := make([]byte, max(n, 1))
	switch hdr[0] {
	case rawEcho:
		// A request/response loop: read size bytes, send them back.
		for {
			if _, err := io.ReadFull(c, buf[:n]); err != nil {
				return err
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return err
			}
		}
	case rawSink:
		// A stream copy: read everything; answer one byte at the end.
		var total [8]byte
		if _, err := io.ReadFull(c, total[:]); err != nil {
			return err
		}
		left := binary.LittleEndian.Uint64(total[:])
		for left > 0 {
			m, err := c.Read(buf[:min(uint64(len(buf)), left)])
			if err != nil {
				return err
			}
			left -= uint64(m)
		}
		_, err := c.Write([]byte{1})
		return err
	case rawSpread:
		var args [16]byte
		if _, err := io.ReadFull(c, args[:]); err != nil {
			return err
		}
		left := binary.LittleEndian.Uint64(args[:8])
		count := binary.LittleEndian.Uint64(args[8:])
		if count == 0 || count > maxSpreadBuffers || n*count > MaxBulk || left%n != 0 {
			return errors.New("raw baseline: spread arguments out of range")
		}
		bufs := make([][]byte, count)
		bufs[0] = buf
		for i := 1; i < len(bufs); i++ {
			bufs[i] = make([]byte, n)
		}
		for i := 0; left > 0; i++ {
			if _, err := io.ReadFull(c, bufs[i%len(bufs)]); err != nil {
				return err
			}
			left -= n
		}
		_, err := c.Write([]byte{1})
		return err
	}
	return fmt.Errorf("raw baseline: unknown test %d", hdr[0])
}

func dialRaw(ctx context.Context, addr string, test byte, n int64) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("raw TCP baseline: %w", err)
	}
	var hdr [9]byte
	hdr[0] = test
	binary.LittleEndian.PutUint64(hdr[1:], uint64(n))
	if _, err := c.Write(hdr[:]); err != nil {
		c.Close()
		return nil, fmt.Errorf("raw TCP baseline: %w", err)
	}
	return c, nil
}

// RawPing times reps round trips of size bytes over one plain connection.
func RawPing(ctx context.Context, addr string, size int64, reps int) (Result, error) {
	if size <= 0 {
		return Result{}, errors.New("raw TCP ping: size must be positive")
	}
	c, err := dialRaw(ctx, addr, rawEcho, size)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, size)
	lat := make([]time.Duration, reps)
	start := time.Now()
	for i := range lat {
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			return Result{}, fmt.Errorf("raw TCP ping: %w", err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return Result{}, fmt.Errorf("raw TCP ping: %w", err)
		}
		lat[i] = time.Since(t0)
	}
	return summarise("raw tcp ping", size, 1, lat, time.Since(start)), nil
}

// RawStream copies reps chunks of size bytes through one plain connection
// and waits for the receiver's one-byte acknowledgement of the whole.
func RawStream(ctx context.Context, addr string, size int64, reps int) (Result, error) {
	c, err := dialRaw(ctx, addr, rawSink, size)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var total [8]byte
	binary.LittleEndian.PutUint64(total[:], uint64(size)*uint64(reps))
	buf := make([]byte, size)
	lat := make([]time.Duration, reps)
	start := time.Now()
	if _, err := c.Write(total[:]); err != nil {
		return Result{}, fmt.Errorf("raw TCP stream: %w", err)
	}
	for i := range lat {
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			return Result{}, fmt.Errorf("raw TCP stream: %w", err)
		}
		lat[i] = time.Since(t0)
	}
	if _, err := io.ReadFull(c, total[:1]); err != nil {
		return Result{}, fmt.Errorf("raw TCP stream: %w", err)
	}
	return summarise("raw tcp stream", size, 1, lat, time.Since(start)), nil
}

// RawStreamSpread is RawStream with count buffers on each side, written
// and read in turn: the memory a transfer with count calls in flight
// touches (each call has its buffer), which the baseline's one buffer per
// side keeps in the cache. It is not a baseline for the goals; it tells
// how much of a gap with many calls in flight is the memory's.
func RawStreamSpread(ctx context.Context, addr string, size int64, reps, count int) (Result, error) {
	if size <= 0 || count <= 0 || count > maxSpreadBuffers || size*int64(count) > MaxBulk {
		return Result{}, errors.New("raw TCP spread stream: size or buffer count out of range")
	}
	c, err := dialRaw(ctx, addr, rawSpread, size)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var args [16]byte
	binary.LittleEndian.PutUint64(args[:8], uint64(size)*uint64(reps))
	binary.LittleEndian.PutUint64(args[8:], uint64(count))
	bufs := make([][]byte, count)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	lat := make([]time.Duration, reps)
	start := time.Now()
	if _, err := c.Write(args[:]); err != nil {
		return Result{}, fmt.Errorf("raw TCP spread stream: %w", err)
	}
	for i := range lat {
		t0 := time.Now()
		if _, err := c.Write(bufs[i%count]); err != nil {
			return Result{}, fmt.Errorf("raw TCP spread stream: %w", err)
		}
		lat[i] = time.Since(t0)
	}
	if _, err := io.ReadFull(c, args[:1]); err != nil {
		return Result{}, fmt.Errorf("raw TCP spread stream: %w", err)
	}
	return summarise("raw tcp stream", size, count, lat, time.Since(start)), nil
}
