package tcp

import (
	"context"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
)

// connPair is a connected loopback pair: the local end and the peer.
func connPair(t *testing.T) (net.Conn, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	p, ok := <-accepted
	require.True(t, ok, "accept failed")
	t.Cleanup(func() { c.Close(); p.Close() })
	return c, p
}

func TestSpinReader(t *testing.T) {
	t.Run("data during the spin", func(t *testing.T) {
		c, p := connPair(t)
		r := newSpinReader(c)
		require.NotNil(t, r.rc)
		r.spin(time.Second)
		go func() {
			time.Sleep(2 * time.Millisecond)
			_, _ = p.Write([]byte("reply"))
		}()
		buf := make([]byte, 16)
		n, err := io.ReadAtLeast(r, buf, 5)
		require.NoError(t, err)
		require.Equal(t, "reply", string(buf[:n]))
	})
	t.Run("data after the spin parks and still arrives", func(t *testing.T) {
		c, p := connPair(t)
		r := newSpinReader(c)
		r.spin(100 * time.Microsecond)
		go func() {
			time.Sleep(20 * time.Millisecond)
			_, _ = p.Write([]byte("late"))
		}()
		buf := make([]byte, 16)
		n, err := io.ReadAtLeast(r, buf, 4)
		require.NoError(t, err)
		require.Equal(t, "late", string(buf[:n]))
	})
	t.Run("peer closes during the spin", func(t *testing.T) {
		c, p := connPair(t)
		r := newSpinReader(c)
		r.spin(time.Second)
		go func() {
			time.Sleep(time.Millisecond)
			p.Close()
		}()
		_, err := r.Read(make([]byte, 16))
		require.ErrorIs(t, err, io.EOF)
	})
	t.Run("deadline interrupts the spin", func(t *testing.T) {
		c, _ := connPair(t)
		r := newSpinReader(c)
		r.spin(10 * time.Second)
		go func() {
			time.Sleep(time.Millisecond)
			_ = c.SetReadDeadline(time.Unix(1, 0))
		}()
		start := time.Now()
		_, err := r.Read(make([]byte, 16))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.Less(t, time.Since(start), 5*time.Second, "the deadline, not the spin, ended the read")
	})
	t.Run("closed locally during the spin", func(t *testing.T) {
		c, _ := connPair(t)
		r := newSpinReader(c)
		r.spin(10 * time.Second)
		go func() {
			time.Sleep(time.Millisecond)
			c.Close()
		}()
		_, err := r.Read(make([]byte, 16))
		require.ErrorIs(t, err, net.ErrClosed)
	})
	t.Run("spin off reads as the connection does", func(t *testing.T) {
		c, p := connPair(t)
		r := newSpinReader(c)
		r.spin(time.Second)
		r.spin(0)
		require.False(t, r.spinning())
		_, err := p.Write([]byte("x"))
		require.NoError(t, err)
		buf := make([]byte, 1)
		_, err = io.ReadFull(r, buf)
		require.NoError(t, err)
		require.Equal(t, "x", string(buf))
	})
}

func TestReplySpinFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
		bad  bool
	}{
		{"", 0, false},
		{"50us", 50 * time.Microsecond, false},
		{"0", -1, false},
		{"fast", 0, true},
		{"-1ms", 0, true},
	} {
		t.Setenv(ReplySpinEnv, tc.env)
		got, err := replySpinFromEnv()
		if tc.bad {
			require.ErrorContains(t, err, ReplySpinEnv, "env %q", tc.env)
			continue
		}
		require.NoError(t, err, "env %q", tc.env)
		require.Equal(t, tc.want, got, "env %q", tc.env)
	}
	t.Setenv(ReplySpinEnv, "soon")
	_, err := Driver{}.Open(context.Background(), fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
	require.ErrorContains(t, err, ReplySpinEnv, "a bad value is refused at Open")
}

// The poll lasts only while its caller is the endpoint's one waiter.
func TestSpinStopsWhenOthersWait(t *testing.T) {
	c, _ := connPair(t)
	var waiters atomic.Int32
	r := newSpinReader(c)
	r.waiters = &waiters
	r.spin(time.Hour)
	waiters.Store(1)
	require.True(t, r.spinning())
	waiters.Store(2)
	require.False(t, r.spinning(), "another caller waits: stop polling")
	waiters.Store(1)
	require.True(t, r.spinning(), "alone again within the window")
	r.spin(0)
	require.False(t, r.spinning())
}

// Every Await leaves the endpoint-wide count of waiting callers as it
// found it: answered, cancelled, or on two sessions at once.
func TestAwaitCountsBalance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}
	srv, err := Driver{}.Open(ctx, cfg, func(from fabric.Peer, msg []byte) {
		if string(msg) != "quiet" {
			_ = from.Send(context.Background(), msg)
		}
	})
	require.NoError(t, err)
	defer srv.Close()
	// Replies are delivered on the goroutine that reads them (Await's),
	// as rpc's are: the handler readies the waiting caller right there.
	replies := make(chan struct{}, 16)
	cli, err := Driver{ReplySpin: time.Millisecond}.Open(ctx, cfg, func(fabric.Peer, []byte) {
		replies <- struct{}{}
	})
	require.NoError(t, err)
	defer cli.Close()
	ep := cli.(*endpoint)
	var sessions []*session
	for range 2 {
		p, err := cli.Connect(ctx, srv.URI())
		require.NoError(t, err)
		sessions = append(sessions, p.(*session))
	}
	require.NotSame(t, sessions[0], sessions[1])

	// Answered, one at a time.
	for _, s := range sessions {
		require.NoError(t, s.Send(ctx, []byte("ping")))
		require.True(t, s.Await(ctx, replies))
		require.Zero(t, ep.awaiting.Load())
	}
	// Cancelled while nothing comes.
	short, stop := context.WithTimeout(ctx, 20*time.Millisecond)
	require.NoError(t, sessions[0].Send(short, []byte("quiet")))
	require.False(t, sessions[0].Await(short, make(chan struct{})))
	stop()
	require.Zero(t, ep.awaiting.Load())
	// Two sessions at once: both count on the endpoint.
	w, stopBoth := context.WithCancel(ctx)
	done := make(chan bool, 2)
	for _, s := range sessions {
		go func() { done <- s.Await(w, make(chan struct{})) }()
	}
	for ep.awaiting.Load() != 2 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	require.EqualValues(t, 2, ep.awaiting.Load())
	stopBoth()
	require.False(t, <-done)
	require.False(t, <-done)
	require.Zero(t, ep.awaiting.Load())
}
