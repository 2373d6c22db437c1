package drpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

const (
	testModule Module = ModuleTest
	echo       Method = 1
	fail       Method = 2
	badBody    Method = 3
	block      Method = 4
)

// startServer serves the test handlers on a socket in a temp dir until the
// test ends.
func startServer(t *testing.T) *Server {
	t.Helper()
	return startServerWith(t, ServerOptions{})
}

// startServerWith is startServer with the given options.
func startServerWith(t *testing.T, opts ServerOptions) *Server {
	t.Helper()
	// Unix socket paths are limited to 108 bytes: keep the dir short.
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := NewServer(filepath.Join(dir, "test.sock"), opts)
	s.Register(testModule, echo, func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	s.Register(testModule, fail, func(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") })
	s.Register(testModule, badBody, func(context.Context, []byte) ([]byte, error) {
		return nil, fmt.Errorf("decode: %w", ErrBadPayload)
	})
	s.Register(testModule, block, func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRoundTrip(t *testing.T) {
	s := startServer(t)
	c := NewClient(s.Path(), 0)
	defer c.Close()
	ctx := testCtx(t)
	for _, size := range []int{0, 1, 1000, MaxChunkDataBytes, 3*MaxChunkDataBytes + 11} {
		body := bytes.Repeat([]byte("x"), size)
		got, err := c.Call(ctx, testModule, echo, body)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("size %d: got %d bytes back", size, len(got))
		}
	}
}

func TestStatuses(t *testing.T) {
	s := startServer(t)
	c := NewClient(s.Path(), 0)
	defer c.Close()
	ctx := testCtx(t)
	for name, tc := range map[string]struct {
		module Module
		method Method
		want   drpcpb.Status
	}{
		"handler error":  {testModule, fail, drpcpb.Status_FAILURE},
		"bad payload":    {testModule, badBody, drpcpb.Status_FAILED_UNMARSHAL_PAYLOAD},
		"unknown method": {testModule, 99, drpcpb.Status_UNKNOWN_METHOD},
		"unknown module": {ModuleSec, 401, drpcpb.Status_UNKNOWN_MODULE},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Call(ctx, tc.module, tc.method, nil)
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tc.want {
				t.Fatalf("got %v, want status %s", err, tc.want)
			}
		})
	}
	// The connection stays usable after error statuses.
	if _, err := c.Call(ctx, testModule, echo, []byte("ok")); err != nil {
		t.Fatal(err)
	}
}

func TestDeadline(t *testing.T) {
	s := startServer(t)
	c := NewClient(s.Path(), 0)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Call(ctx, testModule, block, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("call returned after %v", d)
	}
	// Cancellation, not only deadlines, ends a call.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	if _, err := c.Call(ctx2, testModule, block, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
	// The client reconnects for the next call.
	if _, err := c.Call(testCtx(t), testModule, echo, []byte("again")); err != nil {
		t.Fatal(err)
	}
}

func TestMalformedInputDropsOnlyThatConnection(t *testing.T) {
	s := startServer(t)
	for name, packet := range map[string][]byte{
		"garbage":      []byte("not a dRPC packet at all, but long enough"),
		"short":        {1, 2, 3},
		"huge claim":   mkPacket(header{totalBytes: 1 << 50, chunkBytes: 4, totalChunks: 1}, []byte{1, 2, 3, 4}),
		"bad protobuf": splitPackets([]byte{0xff, 0xff, 0xff})[0],
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := net.Dial("unixpacket", s.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Write(packet); err != nil {
				t.Fatal(err)
			}
			raw.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, MaxPacketBytes)
			n, err := raw.Read(buf)
			if name == "bad protobuf" {
				// An undecodable call is answered, not dropped.
				if err != nil {
					t.Fatal(err)
				}
				a := newAssembler(0)
				if _, err := a.add(buf[:n]); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("server answered %d bytes to a malformed frame", n)
			}
		})
	}
	c := NewClient(s.Path(), 0)
	defer c.Close()
	if _, err := c.Call(testCtx(t), testModule, echo, []byte("still serving")); err != nil {
		t.Fatal(err)
	}
}

func TestPeerGoesAway(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "gone.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			buf := make([]byte, MaxPacketBytes)
			conn.Read(buf) // take the call, then hang up without answering
			conn.Close()
		}
	}()
	c := NewClient(path, 0)
	defer c.Close()
	_, err = c.Call(testCtx(t), testModule, echo, []byte("hi"))
	if !errors.Is(err, errPeerClosed) {
		t.Fatalf("got %v, want peer closed", err)
	}
	ln.Close()
	if _, err := c.Call(testCtx(t), testModule, echo, nil); err == nil {
		t.Fatal("call to a closed socket succeeded")
	}
}

func TestServerStopEndsCalls(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s := NewServer(filepath.Join(dir, "s.sock"), ServerOptions{})
	s.Register(testModule, block, func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	time.AfterFunc(100*time.Millisecond, cancel)
	c := NewClient(s.Path(), 0)
	defer c.Close()
	if _, err := c.Call(testCtx(t), testModule, block, nil); err == nil {
		t.Fatal("call survived the server's shutdown")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func TestSocketFile(t *testing.T) {
	s := startServer(t)
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != SocketMode || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v, want socket %o", fi.Mode(), SocketMode)
	}
	// A live socket is not taken over.
	if err := NewServer(s.Path(), ServerOptions{}).Listen(testCtx(t)); err == nil {
		t.Fatal("second server took over a live socket")
	}
}

func TestStaleSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // leaves the file behind, as a crashed process would
	s := NewServer(path, ServerOptions{})
	ctx, cancel := context.WithCancel(testCtx(t))
	if err := s.Listen(ctx); err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	cancel()
	s.Serve(ctx)

	notSock := filepath.Join(dir, "file")
	os.WriteFile(notSock, []byte("keep me"), 0o644)
	if err := NewServer(notSock, ServerOptions{}).Listen(testCtx(t)); err == nil {
		t.Fatal("a regular file was replaced by a socket")
	}
	if b, _ := os.ReadFile(notSock); string(b) != "keep me" {
		t.Fatal("regular file was touched")
	}
}

func TestPeerCredentials(t *testing.T) {
	dir, err := os.MkdirTemp("", "drpc")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s := NewServer(filepath.Join(dir, "peer.sock"), ServerOptions{})
	s.Register(testModule, echo, func(ctx context.Context, _ []byte) ([]byte, error) {
		p, ok := PeerFromContext(ctx)
		if !ok {
			return nil, errors.New("no peer")
		}
		return []byte(fmt.Sprintf("%d/%d/%d", p.PID, p.UID, p.GID)), nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	c := NewClient(s.Path(), 0)
	defer c.Close()
	got, err := c.Call(ctx, testModule, echo, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d/%d/%d", os.Getpid(), os.Getuid(), os.Getgid())
	if string(got) != want {
		t.Fatalf("peer = %s, want %s", got, want)
	}
}
