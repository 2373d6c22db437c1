package bdev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// mapDirs are where the mapping tests make devices: tmpfs (the page cache
// is the medium) and the test's temporary directory (msync at Flush,
// unless that is tmpfs too).
var ctx = context.Background()

var mapDirs = map[string]func(testing.TB) string{
	"shm":  shmDir,
	"temp": func(t testing.TB) string { return t.TempDir() },
}

func mpattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

func TestMapWriteRoundTrip(t *testing.T) {
	for name, dir := range mapDirs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir(t), "dev.img")
			d, err := CreateFile(path, 1<<20)
			require.NoError(t, err)
			defer d.Close()
			if name == "shm" {
				require.True(t, d.RAMBacked())
			}
			t.Logf("direct=%v ram=%v engine=%v", d.Direct(), d.RAMBacked(), d.Engine())
			// A value that ends inside a block, and one of whole blocks.
			for _, c := range []struct {
				off int64
				n   int
			}{{0, 10000}, {3 * BlockSize, 8 * BlockSize}, {1<<20 - BlockSize, BlockSize}} {
				v, err := d.MapWrite(c.off, c.n)
				require.NoError(t, err)
				require.Len(t, v.Bytes(), c.n)
				require.Equal(t, c.off, v.Offset())
				copy(v.Bytes(), mpattern(c.n, byte(c.off)))
				require.NoError(t, v.Flush(ctx))
				v.Release()
				require.Nil(t, v.Bytes())
				v.Release() // harmless
				got := make([]byte, (c.n+BlockSize-1)/BlockSize*BlockSize)
				require.NoError(t, d.ReadAt(ctx, got, c.off))
				require.Equal(t, mpattern(c.n, byte(c.off)), got[:c.n], "read back at %d", c.off)
			}
			// A WriteAt over mapped blocks is seen through a new view.
			require.NoError(t, d.WriteAt(ctx, mpattern(BlockSize, 99), 0))
			v, err := d.MapWrite(0, BlockSize)
			require.NoError(t, err)
			require.Equal(t, mpattern(BlockSize, 99), v.Bytes())
			v.Release()
			require.NoError(t, d.Sync(ctx))
			require.NoError(t, d.Close())

			g, err := OpenFile(path)
			require.NoError(t, err)
			defer g.Close()
			got := make([]byte, 8*BlockSize)
			require.NoError(t, g.ReadAt(ctx, got, 3*BlockSize))
			require.Equal(t, mpattern(8*BlockSize, byte(3*BlockSize%256)), got)
		})
	}
}

func TestMapWriteBounds(t *testing.T) {
	d, err := CreateFile(filepath.Join(shmDir(t), "dev.img"), 16*BlockSize)
	require.NoError(t, err)
	defer d.Close()
	for _, c := range []struct {
		off  int64
		n    int
		want error
	}{
		{1, BlockSize, ErrAlign},
		{0, 0, ErrAlign},
		{0, -1, ErrAlign},
		{-BlockSize, BlockSize, ErrRange},
		{16 * BlockSize, 1, ErrRange},
		{15 * BlockSize, BlockSize + 1, ErrRange},
		{0, 16*BlockSize + 1, ErrRange},
	} {
		_, err := d.MapWrite(c.off, c.n)
		require.ErrorIs(t, err, c.want, "off %d n %d", c.off, c.n)
	}
	v, err := d.MapWrite(0, 16*BlockSize)
	require.NoError(t, err)
	v.Release()
}

func TestMapWriteReadOnlyRefuses(t *testing.T) {
	path := filepath.Join(shmDir(t), "dev.img")
	d, err := CreateFile(path, 4*BlockSize)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	r, err := OpenFile(path, WithReadOnly())
	require.NoError(t, err)
	defer r.Close()
	_, err = r.MapWrite(0, BlockSize)
	require.ErrorIs(t, err, ErrReadOnly)
}

func TestMapWriteAfterClose(t *testing.T) {
	d, err := CreateFile(filepath.Join(shmDir(t), "dev.img"), 4*BlockSize)
	require.NoError(t, err)
	v, err := d.MapWrite(0, BlockSize)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	// The view's memory stays mapped until it is released: storing into
	// it does not fault, but it can no longer be made durable.
	copy(v.Bytes(), "after close")
	require.ErrorIs(t, v.Flush(ctx), ErrClosed)
	_, err = d.MapWrite(0, BlockSize)
	require.ErrorIs(t, err, ErrClosed)
	d.mapping.mu.Lock()
	require.NotNil(t, d.mapping.mem, "unmapped under a live view")
	d.mapping.mu.Unlock()
	v.Release()
	require.ErrorIs(t, v.Flush(ctx), ErrClosed)
	d.mapping.mu.Lock()
	require.Nil(t, d.mapping.mem, "the last view's release must unmap")
	require.Zero(t, d.mapping.views)
	d.mapping.mu.Unlock()

	// Without views, Close unmaps at once.
	e, err := CreateFile(filepath.Join(shmDir(t), "dev2.img"), 4*BlockSize)
	require.NoError(t, err)
	w, err := e.MapWrite(BlockSize, BlockSize)
	require.NoError(t, err)
	w.Release()
	require.NoError(t, e.Close())
	e.mapping.mu.Lock()
	require.Nil(t, e.mapping.mem)
	e.mapping.mu.Unlock()

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f, err := CreateFile(filepath.Join(shmDir(t), "dev3.img"), 4*BlockSize)
	require.NoError(t, err)
	defer f.Close()
	x, err := f.MapWrite(0, BlockSize)
	require.NoError(t, err)
	defer x.Release()
	require.True(t, errors.Is(x.Flush(cctx), context.Canceled))
}

func TestMapWriteConcurrent(t *testing.T) {
	for name, dir := range mapDirs {
		t.Run(name, func(t *testing.T) {
			const writers, rounds, blocks = 8, 20, 4
			d, err := CreateFile(filepath.Join(dir(t), "dev.img"), writers*blocks*BlockSize)
			require.NoError(t, err)
			defer d.Close()
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					off := int64(w * blocks * BlockSize)
					for r := range rounds {
						v, err := d.MapWrite(off, blocks*BlockSize)
						if err != nil {
							errs <- err
							return
						}
						copy(v.Bytes(), mpattern(blocks*BlockSize, byte(w+r)))
						err = v.Flush(ctx)
						v.Release()
						if err != nil {
							errs <- err
							return
						}
						got := make([]byte, blocks*BlockSize)
						if err := d.ReadAt(ctx, got, off); err != nil {
							errs <- err
							return
						}
						if !bytes.Equal(got, mpattern(blocks*BlockSize, byte(w+r))) {
							errs <- fmt.Errorf("writer %d round %d: read back differs", w, r)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			d.mapping.mu.Lock()
			require.Zero(t, d.mapping.views)
			d.mapping.mu.Unlock()
		})
	}
}

// BenchmarkMapWrite1M stores 1 MiB through a view of a tmpfs device
// (map, copy, flush, release) over a 64 MiB device, against WriteAt of the
// same buffer: the copy a zero-copy writer saves is the second one.
func BenchmarkMapWrite1M(b *testing.B) {
	const dev = 64 << 20
	d, err := CreateFile(filepath.Join(shmDir(b), "dev.img"), dev)
	require.NoError(b, err)
	defer d.Close()
	src := mpattern(1<<20, 1)
	b.Run("view", func(b *testing.B) {
		b.SetBytes(1 << 20)
		for i := 0; b.Loop(); i++ {
			v, err := d.MapWrite(int64(i%64)<<20, 1<<20)
			if err != nil {
				b.Fatal(err)
			}
			copy(v.Bytes(), src)
			if err := v.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			v.Release()
		}
	})
	b.Run("writeat", func(b *testing.B) {
		b.SetBytes(1 << 20)
		for i := 0; b.Loop(); i++ {
			if err := d.WriteAt(ctx, src, int64(i%64)<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestPrefault(t *testing.T) {
	for name, dir := range mapDirs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir(t), "dev.img")
			d, err := CreateFile(path, 64*BlockSize, WithPrefault())
			require.NoError(t, err)
			d.mapping.mu.Lock()
			mapped, populated := d.mapping.mem != nil, d.mapping.populated
			d.mapping.mu.Unlock()
			require.Equal(t, d.RAMBacked(), mapped, "mapped at open exactly when RAM-backed")
			require.Equal(t, d.RAMBacked(), populated, "populated at open exactly when RAM-backed")
			v, err := d.MapWrite(8*BlockSize, 3*BlockSize)
			require.NoError(t, err)
			copy(v.Bytes(), mpattern(3*BlockSize, 5))
			require.NoError(t, v.Flush(ctx))
			v.Release()
			require.NoError(t, d.Close())
			d.mapping.mu.Lock()
			require.Nil(t, d.mapping.mem)
			d.mapping.mu.Unlock()

			r, err := OpenFile(path, WithPrefault(), WithReadOnly())
			require.NoError(t, err)
			defer r.Close()
			require.Nil(t, r.mapping.mem, "read-only files are not mapped")
			got := make([]byte, 3*BlockSize)
			require.NoError(t, r.ReadAt(ctx, got, 8*BlockSize))
			require.Equal(t, mpattern(3*BlockSize, 5), got)
		})
	}
}

func TestMapReadSeesWrites(t *testing.T) {
	for name, dir := range mapDirs {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir(t), "dev.img")
			d, err := CreateFile(path, 1<<20, WithPrefault())
			require.NoError(t, err)
			// Written by WriteAt (a buffered update) and by a view (an
			// in-place update): a read view sees both.
			require.NoError(t, d.WriteAt(ctx, mpattern(4*BlockSize, 1), 2*BlockSize))
			w, err := d.MapWrite(8*BlockSize, 3*BlockSize)
			require.NoError(t, err)
			copy(w.Bytes(), mpattern(3*BlockSize, 2))
			require.NoError(t, w.Flush(ctx))
			w.Release()
			r, err := d.MapRead(2*BlockSize, 4*BlockSize-5)
			require.NoError(t, err)
			require.Equal(t, mpattern(4*BlockSize, 1)[:4*BlockSize-5], r.Bytes())
			r2, err := d.MapRead(8*BlockSize, 3*BlockSize)
			require.NoError(t, err)
			require.Equal(t, mpattern(3*BlockSize, 2), r2.Bytes())
			r2.Release()
			// A view outlives Close: its memory stays mapped until released.
			require.NoError(t, d.Close())
			require.Equal(t, mpattern(4*BlockSize, 1)[:4*BlockSize-5], r.Bytes())
			r.Release()
			_, err = d.MapRead(0, BlockSize)
			require.ErrorIs(t, err, ErrClosed)

			// Misaligned or outside the device: refused.
			g, err := OpenFile(path)
			require.NoError(t, err)
			defer g.Close()
			_, err = g.MapRead(100, BlockSize)
			require.ErrorIs(t, err, ErrAlign)
			_, err = g.MapRead(1<<20-BlockSize, 2*BlockSize)
			require.ErrorIs(t, err, ErrRange)
		})
	}
	// A read-only device has no writable shared mapping: refused, the
	// caller reads instead.
	path := filepath.Join(t.TempDir(), "ro.img")
	d, err := CreateFile(path, 1<<20)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	ro, err := OpenFile(path, WithReadOnly())
	require.NoError(t, err)
	defer ro.Close()
	_, err = ro.MapRead(0, BlockSize)
	require.ErrorIs(t, err, ErrReadOnly)
}
