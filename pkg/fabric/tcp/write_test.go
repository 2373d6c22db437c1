package tcp

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// TestWriteSmallWaitsForRoom: writeSmall's direct system call meets a full
// socket (the peer reads nothing yet), waits in the poller instead of
// failing or spinning, and every byte then arrives in order.
func TestWriteSmallWaitsForRoom(t *testing.T) {
	c, p := connPair(t)
	s := &session{ctrl: c, ep: &endpoint{}}
	const frames, size = 512, 32 << 10
	want := make([]byte, 0, frames*size)
	for i := range frames {
		want = append(want, bytes.Repeat([]byte{byte(i)}, size)...)
	}
	done := make(chan error, 1)
	go func() {
		for i := range frames {
			if err := s.writeSmall(t.Context(), want[i*size:(i+1)*size]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		t.Fatalf("16 MiB went into a socket nobody reads (err %v): the full-socket path was not taken", err)
	case <-time.After(100 * time.Millisecond):
	}
	got := make([]byte, len(want))
	_, err := io.ReadFull(p, got)
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.True(t, bytes.Equal(want, got), "bytes arrive in order")
}

// TestWriteSmallPeerGone: a write to a connection whose peer has gone
// fails with an error instead of hanging.
func TestWriteSmallPeerGone(t *testing.T) {
	c, p := connPair(t)
	s := &session{ctrl: c, ep: &endpoint{}}
	require.NoError(t, p.Close())
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = s.writeSmall(t.Context(), make([]byte, 4096))
		time.Sleep(time.Millisecond)
	}
	require.Error(t, err)
	c.Close()
	require.Error(t, s.writeSmall(t.Context(), []byte("x")), "a closed connection refuses")
}

// TestWriteSmallBounded: a write into a socket the peer never drains ends
// at the caller's deadline, or after the driver's stall without one,
// while a peer that drains slowly gets every byte.
func TestWriteSmallBounded(t *testing.T) {
	const stall = 300 * time.Millisecond
	fill := func(ctx context.Context, s *session) error {
		for range 2048 { // 64 MiB: more than loopback's buffers hold
			if err := s.writeSmall(ctx, make([]byte, 32<<10)); err != nil {
				return err
			}
		}
		return nil
	}
	t.Run("deadline", func(t *testing.T) {
		c, _ := connPair(t)
		s := &session{ctrl: c, ep: &endpoint{drv: Driver{Stall: time.Hour}}}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := fill(ctx, s)
		require.ErrorIs(t, err, daos.ErrTimedout)
		require.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("cancel", func(t *testing.T) {
		c, _ := connPair(t)
		s := &session{ctrl: c, ep: &endpoint{drv: Driver{Stall: time.Hour}}}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(200*time.Millisecond, cancel)
		require.Error(t, fill(ctx, s))
		require.Error(t, ctx.Err())
	})
	t.Run("stall", func(t *testing.T) {
		c, _ := connPair(t)
		s := &session{ctrl: c, ep: &endpoint{drv: Driver{Stall: stall}}}
		start := time.Now()
		require.ErrorIs(t, fill(context.Background(), s), fabric.ErrPeerLost)
		require.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("slow peer", func(t *testing.T) {
		c, p := connPair(t)
		s := &session{ctrl: c, ep: &endpoint{drv: Driver{Stall: stall}}}
		done := make(chan error, 1)
		go func() { done <- fill(context.Background(), s) }()
		got := 0
		buf := make([]byte, 4<<20)
		for got < 64<<20 {
			// The whole takes several stalls, but each read makes room
			// (the kernel reports room once a good part of the send
			// buffer is free, which may take a few reads).
			time.Sleep(stall / 10)
			select {
			case err := <-done:
				require.NoError(t, err, "the writer ended after %d bytes were read", got)
				done <- nil
			default:
			}
			n, err := p.Read(buf)
			require.NoError(t, err)
			got += n
		}
		require.NoError(t, <-done)
	})
}
