package bdev

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestReadOnly(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		name := "direct"
		if buffered {
			name = "buffered"
		}
		t.Run(name, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, e Engine) {
				testReadOnly(t, e, buffered)
			})
		})
	}
}

func testReadOnly(t *testing.T, e Engine, buffered bool) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dev.img")
	opts := []Option{WithEngine(e)}
	if buffered {
		opts = append(opts, WithBuffered())
	}
	w, err := CreateFile(path, 1<<20, opts...)
	require.NoError(t, err)
	want := pattern(5, 64<<10)
	require.NoError(t, w.WriteAt(ctx, want, 8*BlockSize))
	require.NoError(t, w.Sync(ctx))

	ro := append(opts, WithReadOnly(), WithLockWait(0))
	_, err = OpenFile(path, ro...)
	require.ErrorIs(t, err, unix.EWOULDBLOCK, "a writer holds the device")
	require.Contains(t, err.Error(), "open for writing elsewhere")
	require.NoError(t, w.Close())

	before, err := os.ReadFile(path)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)

	r1, err := OpenFile(path, ro...)
	require.NoError(t, err)
	defer r1.Close()
	r2, err := OpenFile(path, ro...)
	require.NoError(t, err, "readers share the device")
	defer r2.Close()
	require.True(t, r1.ReadOnly())
	got := make([]byte, len(want))
	require.NoError(t, r1.ReadAt(ctx, got, 8*BlockSize))
	require.True(t, bytes.Equal(want, got))
	require.NoError(t, r2.ReadAt(ctx, got, 8*BlockSize))
	require.True(t, bytes.Equal(want, got))

	require.ErrorIs(t, r1.WriteAt(ctx, make([]byte, BlockSize), 0), ErrReadOnly)
	require.ErrorIs(t, r1.Sync(ctx), ErrReadOnly)
	_, err = OpenFile(path, append(opts, WithLockWait(0))...)
	require.ErrorIs(t, err, unix.EWOULDBLOCK, "no writer while a reader looks")

	require.NoError(t, r1.Close())
	require.NoError(t, r2.Close())
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Equal(before, after))
	fi2, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, fi.ModTime(), fi2.ModTime())
}

// TestReadOnlyWaitsForWriter: a writer that closes within the lock wait
// (a killed engine whose I/O the kernel is finishing) is waited for.
func TestReadOnlyWaitsForWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.img")
	w, err := CreateFile(path, 1<<20, WithEngine(EngineThreads))
	require.NoError(t, err)
	time.AfterFunc(30*time.Millisecond, func() { w.Close() })
	r, err := OpenFile(path, WithReadOnly(), WithEngine(EngineThreads), WithLockWait(5*time.Second))
	require.NoError(t, err)
	require.NoError(t, r.Close())
}

func TestCreateReadOnlyRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.img")
	_, err := CreateFile(path, 1<<20, WithReadOnly())
	require.ErrorIs(t, err, ErrReadOnly)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "nothing was created")
}
