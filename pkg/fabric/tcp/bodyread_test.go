package tcp

import (
	"bytes"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBodyReader(t *testing.T) {
	t.Run("a body written in pieces arrives whole", func(t *testing.T) {
		c, p := connPair(t)
		body, r := newBulkReader(c)
		require.True(t, body.rc != nil || runtime.GOMAXPROCS(0) == 1, "polls with more than one P")
		want := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16+7)
		go func() {
			// Pauses shorter and longer than the spin, and pieces
			// larger than one read.
			for i, off := 0, 0; off < len(want); i++ {
				n := min([]int{1, 4096, 300 << 10, 1 << 20}[i%4], len(want)-off)
				_, _ = p.Write(want[off : off+n])
				off += n
				time.Sleep([]time.Duration{0, 10 * time.Microsecond, 2 * time.Millisecond}[i%3])
			}
		}()
		body.inBody = true
		got := make([]byte, len(want))
		_, err := io.ReadFull(r, got)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "bytes differ")
	})
	t.Run("one P never polls", func(t *testing.T) {
		c, p := connPair(t)
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		body := newBodyReader(c)
		require.Nil(t, body.rc)
		body.inBody = true
		go func() {
			time.Sleep(time.Millisecond)
			_, _ = p.Write([]byte("late"))
		}()
		buf := make([]byte, 4)
		_, err := io.ReadFull(body, buf)
		require.NoError(t, err)
		require.Equal(t, "late", string(buf))
	})
	t.Run("one read takes at most bodyRead", func(t *testing.T) {
		c, p := connPair(t)
		body := newBodyReader(c)
		body.inBody = true
		go func() { _, _ = p.Write(make([]byte, 2*bodyRead)) }()
		buf := make([]byte, 2*bodyRead)
		n, err := body.Read(buf)
		require.NoError(t, err)
		require.LessOrEqual(t, n, bodyRead)
	})
	t.Run("between frames a read waits as the connection's does", func(t *testing.T) {
		c, p := connPair(t)
		body := newBodyReader(c)
		go func() {
			time.Sleep(5 * time.Millisecond)
			_, _ = p.Write([]byte("hdr"))
		}()
		buf := make([]byte, 3)
		_, err := io.ReadFull(body, buf)
		require.NoError(t, err)
		require.Equal(t, "hdr", string(buf))
	})
	t.Run("peer closes inside a body", func(t *testing.T) {
		c, p := connPair(t)
		body := newBodyReader(c)
		body.inBody = true
		go func() {
			time.Sleep(time.Millisecond)
			p.Close()
		}()
		_, err := body.Read(make([]byte, 16))
		require.ErrorIs(t, err, io.EOF)
	})
	t.Run("a deadline ends a read inside a body", func(t *testing.T) {
		c, _ := connPair(t)
		body := newBodyReader(c)
		body.inBody = true
		require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
		_, err := body.Read(make([]byte, 16))
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
	t.Run("closed locally inside a body", func(t *testing.T) {
		c, _ := connPair(t)
		body := newBodyReader(c)
		body.inBody = true
		go func() {
			time.Sleep(time.Millisecond)
			c.Close()
		}()
		_, err := body.Read(make([]byte, 16))
		require.ErrorIs(t, err, net.ErrClosed)
	})
}
