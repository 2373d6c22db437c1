package tcp

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWriteSmallWaitsForRoom: writeSmall's direct system call meets a full
// socket (the peer reads nothing yet), waits in the poller instead of
// failing or spinning, and every byte then arrives in order.
func TestWriteSmallWaitsForRoom(t *testing.T) {
	c, p := connPair(t)
	s := &session{ctrl: c}
	const frames, size = 512, 32 << 10
	want := make([]byte, 0, frames*size)
	for i := range frames {
		want = append(want, bytes.Repeat([]byte{byte(i)}, size)...)
	}
	done := make(chan error, 1)
	go func() {
		for i := range frames {
			if err := s.writeSmall(want[i*size : (i+1)*size]); err != nil {
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
	s := &session{ctrl: c}
	require.NoError(t, p.Close())
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = s.writeSmall(make([]byte, 4096))
		time.Sleep(time.Millisecond)
	}
	require.Error(t, err)
	c.Close()
	require.Error(t, s.writeSmall([]byte("x")), "a closed connection refuses")
}
