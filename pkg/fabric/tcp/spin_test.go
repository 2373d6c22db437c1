package tcp

import (
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
