package drpc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestIdleConnectionsLoseTheirSlot: with an idle timeout, connections that
// send nothing are closed, so they cannot keep others out for ever.
func TestIdleConnectionsLoseTheirSlot(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := NewServer(filepath.Join(dir, "s.sock"), ServerOptions{MaxConns: 2, IdleTimeout: 200 * time.Millisecond})
	s.Register(testModule, echo, func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	go s.Serve(ctx)
	// Two idle connections take every slot.
	for range 2 {
		c, err := net.Dial("unixpacket", s.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	// A real client gets through once the idle ones are dropped (it
	// retries a refused connection within its deadline).
	cl := NewClient(s.Path(), 0)
	defer cl.Close()
	for i := 0; ; i++ {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		_, err := cl.Call(cctx, testModule, echo, []byte("hi"))
		ccancel()
		if err == nil {
			break
		}
		if i == 50 {
			t.Fatalf("idle connections kept the server full: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLiveSocketOfAnotherKindIsKept: a socket that refuses our kind of
// connection but is served (a stream socket here) is not removed as
// stale.
func TestLiveSocketOfAnotherKindIsKept(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "stream.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := RemoveStaleSocket(context.Background(), path); err == nil {
		t.Fatal("a live stream socket was treated as stale")
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the live socket is gone: %v", err)
	}
}

// TestLateCancelDoesNotReachTheNextCall: a call's context ending just as
// the call returns must not set a past deadline under the next call.
func TestLateCancelDoesNotReachTheNextCall(t *testing.T) {
	s := startServer(t)
	c := NewClient(s.Path(), 0)
	defer c.Close()
	for i := range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		if _, err := c.Call(ctx, testModule, echo, []byte("a")); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		go cancel() // races with the next call
		if _, err := c.Call(context.Background(), testModule, echo, []byte("b")); err != nil {
			t.Fatalf("call after a late cancel (%d): %v", i, err)
		}
	}
}

// TestAllowPeer: a server refuses connections its AllowPeer rejects, and
// serves the rest.
func TestAllowPeer(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, allow := range []bool{true, false} {
		s := NewServer(filepath.Join(dir, "p.sock"), ServerOptions{AllowPeer: func(p PeerCred) error {
			if p.PID != int32(os.Getpid()) {
				return errors.New("not the test process")
			}
			if !allow {
				return errors.New("refused by the test")
			}
			return SameUser(p)
		}})
		s.Register(testModule, echo, func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
		ctx, cancel := context.WithCancel(context.Background())
		if err := s.Listen(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { defer close(done); s.Serve(ctx) }()
		c := NewClient(s.Path(), 0)
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := c.Call(cctx, testModule, echo, []byte("x"))
		ccancel()
		c.Close()
		if allow && err != nil {
			t.Fatalf("allowed peer refused: %v", err)
		}
		if !allow && err == nil {
			t.Fatal("refused peer was served")
		}
		cancel()
		<-done
	}
}
