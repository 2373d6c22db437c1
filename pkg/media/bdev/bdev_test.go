package bdev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// backend opens a fresh device of a given size for a test. reopen, when
// not nil, closes the device and opens the same storage again.
type backend struct {
	name   string
	open   func(t *testing.T, size int64) Device
	reopen func(t *testing.T, d Device) Device
}

// shmDir is a temporary directory on tmpfs, removed at the end of the test;
// the test is skipped where there is no /dev/shm.
func shmDir(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
		t.Skip("no /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "bdev-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// fileBackend is a File on the given engine; with EngineURing the test is
// skipped where the kernel refuses io_uring.
func fileBackend(name string, engine Engine, dir func(t testing.TB) string, opts ...Option) backend {
	opts = append(opts[:len(opts):len(opts)], WithEngine(engine))
	return backend{
		name: name + "/" + engine.String(),
		open: func(t *testing.T, size int64) Device {
			requireEngine(t, engine)
			d, err := CreateFile(filepath.Join(dir(t), "dev.img"), size, opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = d.Close() })
			require.Equal(t, engine, d.Engine())
			t.Logf("%s: direct=%v engine=%v", d.Path(), d.Direct(), d.Engine())
			return d
		},
		reopen: func(t *testing.T, d Device) Device {
			f := d.(*File)
			require.NoError(t, f.Close())
			g, err := OpenFile(f.Path(), opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = g.Close() })
			require.Equal(t, f.Direct(), g.Direct(), "same file system, same mode")
			return g
		},
	}
}

func backends() []backend {
	tmp := func(t testing.TB) string { return t.TempDir() }
	bs := []backend{
		{name: "mem", open: func(t *testing.T, size int64) Device {
			d, err := NewMem(size)
			require.NoError(t, err)
			return d
		}},
		{name: "faulty-mem", open: func(t *testing.T, size int64) Device {
			d, err := NewMem(size)
			require.NoError(t, err)
			return NewFaulty(d)
		}},
	}
	for _, e := range []Engine{EngineURing, EngineThreads} {
		bs = append(bs,
			fileBackend("file-tmp", e, tmp),
			fileBackend("file-tmp-buffered", e, tmp, WithBuffered()),
			fileBackend("file-tmp-qd1", e, tmp, WithQueueDepth(1), WithChunkSize(BlockSize)),
			fileBackend("file-shm", e, shmDir),
		)
	}
	return bs
}

// forEachEngine runs test once per File engine, skipping io_uring where
// the kernel refuses it.
func forEachEngine(t *testing.T, test func(t *testing.T, e Engine)) {
	for _, e := range []Engine{EngineURing, EngineThreads} {
		t.Run(e.String(), func(t *testing.T) {
			requireEngine(t, e)
			test(t, e)
		})
	}
}

// requireEngine skips the test when e is EngineURing and this kernel (or
// its seccomp filter, or io_uring_disabled) refuses io_uring.
func requireEngine(t testing.TB, e Engine) {
	t.Helper()
	if e != EngineURing {
		return
	}
	r, err := newRing(4)
	if err != nil {
		t.Skipf("io_uring unavailable on this host, testing the threads engine only: %v", err)
	}
	require.NoError(t, r.close())
}

// forEach runs test against every backend.
func forEach(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// pattern fills n bytes with content that differs per seed and per block,
// so that a block written to the wrong place shows.
func pattern(seed, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seed*131 + i/BlockSize*7 + i)
	}
	return p
}

// alignedBuf returns an n-byte slice starting on a block boundary, the
// zero-copy case of File in direct mode.
func alignedBuf(n int) []byte {
	b := make([]byte, n+BlockSize)
	skip := (BlockSize - int(uintptr(addr(b))%BlockSize)) % BlockSize
	return b[skip : skip+n]
}

// unalignedBuf returns an n-byte slice that does not start on a block
// boundary, the bounce-buffer case.
func unalignedBuf(n int) []byte {
	b := alignedBuf(n + BlockSize)
	return b[1 : n+1]
}

func TestRoundTrip(t *testing.T) {
	const size = 8 << 20
	cases := []struct {
		name    string
		off, n  int
		aligned bool
	}{
		{"first block", 0, BlockSize, true},
		{"last block", size - BlockSize, BlockSize, false},
		{"one chunk unaligned buffer", 3 * BlockSize, DefaultChunkSize, false},
		{"many chunks aligned buffer", 1 << 20, 1<<20 + 5*BlockSize, true},
		{"many chunks unaligned buffer", 4 << 20, 3<<20 + BlockSize, false},
		{"whole device", 0, size, false},
		{"empty", size, 0, true},
	}
	forEach(t, func(t *testing.T, b backend) {
		d := b.open(t, size)
		ctx := context.Background()
		require.Equal(t, int64(size), d.Size())
		require.Equal(t, BlockSize, d.BlockSize())
		for i, c := range cases {
			want := pattern(i+1, c.n)
			in, out := unalignedBuf(c.n), unalignedBuf(c.n)
			if c.aligned {
				in, out = alignedBuf(c.n), alignedBuf(c.n)
			}
			copy(in, want)
			require.NoError(t, d.WriteAt(ctx, in, int64(c.off)), c.name)
			require.NoError(t, d.ReadAt(ctx, out, int64(c.off)), c.name)
			require.True(t, bytes.Equal(want, out), "%s: read back differs", c.name)
			require.True(t, bytes.Equal(want, in), "%s: write changed the caller's buffer", c.name)
		}
		require.NoError(t, d.Sync(ctx))
	})
}

func TestBoundsAndAlignment(t *testing.T) {
	const size = 1 << 20
	cases := []struct {
		name   string
		off, n int64
		want   error
	}{
		{"negative offset", -BlockSize, BlockSize, ErrRange},
		{"unaligned offset", 512, BlockSize, ErrAlign},
		{"unaligned length", 0, 100, ErrAlign},
		{"starts at end", size, BlockSize, ErrRange},
		{"crosses end", size - BlockSize, 2 * BlockSize, ErrRange},
		{"far beyond end", 1 << 40, BlockSize, ErrRange},
	}
	forEach(t, func(t *testing.T, b backend) {
		d := b.open(t, size)
		ctx := context.Background()
		for _, c := range cases {
			p := make([]byte, c.n)
			for op, call := range map[string]func() error{
				"read":  func() error { return d.ReadAt(ctx, p, c.off) },
				"write": func() error { return d.WriteAt(ctx, p, c.off) },
			} {
				err := call()
				require.ErrorIs(t, err, c.want, "%s %s", op, c.name)
				require.Contains(t, err.Error(), fmt.Sprintf("offset %d length %d", c.off, c.n), "%s %s", op, c.name)
			}
		}
	})
}

func TestConcurrentDisjointWriters(t *testing.T) {
	const (
		writers = 8
		region  = 512 << 10 // many chunks each with the qd1 backend's 4 KiB chunks
		rounds  = 4
	)
	forEach(t, func(t *testing.T, b backend) {
		d := b.open(t, writers*region)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, (writers+1)*rounds)
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					p := pattern(w*rounds+r, region)
					errs <- d.WriteAt(ctx, p, int64(w*region))
				}
			})
		}
		wg.Go(func() {
			for range rounds {
				errs <- d.Sync(ctx)
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.NoError(t, d.Sync(ctx))
		got := make([]byte, writers*region)
		require.NoError(t, d.ReadAt(ctx, got, 0))
		for w := range writers {
			require.True(t, bytes.Equal(pattern(w*rounds+rounds-1, region), got[w*region:(w+1)*region]), "writer %d", w)
		}
	})
}

func TestContextAndClose(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		d := b.open(t, 1<<20)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := make([]byte, BlockSize)
		require.ErrorIs(t, d.WriteAt(ctx, p, 0), context.Canceled)
		require.ErrorIs(t, d.ReadAt(ctx, p, 0), context.Canceled)
		require.ErrorIs(t, d.Sync(ctx), context.Canceled)

		require.NoError(t, d.Close())
		require.NoError(t, d.Close(), "second Close")
		bg := context.Background()
		require.ErrorIs(t, d.WriteAt(bg, p, 0), ErrClosed)
		require.ErrorIs(t, d.ReadAt(bg, p, 0), ErrClosed)
		require.ErrorIs(t, d.Sync(bg), ErrClosed)
	})
}

func TestReopenKeepsData(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		if b.reopen == nil {
			t.Skip("not persistent")
		}
		const size = 2 << 20
		d := b.open(t, size)
		ctx := context.Background()
		want := pattern(9, size)
		require.NoError(t, d.WriteAt(ctx, want, 0))
		require.NoError(t, d.Sync(ctx))
		d = b.reopen(t, d)
		require.Equal(t, int64(size), d.Size())
		got := make([]byte, size)
		require.NoError(t, d.ReadAt(ctx, got, 0))
		require.True(t, bytes.Equal(want, got))
	})
}

func TestNewDeviceErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dev.img")

	for _, size := range []int64{0, -BlockSize, BlockSize + 1} {
		_, err := CreateFile(path, size)
		require.ErrorIs(t, err, ErrSize, "size %d", size)
		_, err = NewMem(size)
		require.ErrorIs(t, err, ErrSize, "size %d", size)
	}
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist, "a refused size leaves no file")

	for _, opt := range []Option{WithQueueDepth(0), WithQueueDepth(MaxQueueDepth + 1), WithChunkSize(100), WithChunkSize(MaxChunkSize * 2)} {
		_, err := CreateFile(path, 1<<20, opt)
		require.Error(t, err)
	}

	d, err := CreateFile(path, 1<<20)
	require.NoError(t, err)
	_, err = CreateFile(path, 1<<20)
	require.ErrorIs(t, err, os.ErrExist, "CreateFile never reuses a file")
	start := time.Now()
	_, err = OpenFile(path, WithLockWait(30*time.Millisecond))
	require.ErrorContains(t, err, "lock", "a second opener is refused while the device is open")
	require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "after waiting for the lock")
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = d.Close()
	}()
	d, err = OpenFile(path)
	require.NoError(t, err, "the lock goes with Close, and the opener waits for it")
	require.NoError(t, d.Close())

	_, err = OpenFile(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)

	odd := filepath.Join(dir, "odd.img")
	require.NoError(t, os.WriteFile(odd, make([]byte, BlockSize+512), 0o600))
	_, err = OpenFile(odd)
	require.ErrorIs(t, err, ErrSize)
}

func TestDirectMode(t *testing.T) {
	for name, dir := range map[string]func(testing.TB) string{
		"tmp": func(t testing.TB) string { return t.TempDir() },
		"shm": shmDir,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir(t), "dev.img")
			d, err := CreateFile(path, 1<<20)
			require.NoError(t, err)
			t.Logf("%s: O_DIRECT %v", path, d.Direct())
			require.NoError(t, d.Close())

			d, err = OpenFile(path, WithBuffered())
			require.NoError(t, err)
			require.False(t, d.Direct(), "WithBuffered never uses O_DIRECT")
			require.NoError(t, d.Close())
		})
	}
}

func TestWriteErrorNamesRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		d, err := CreateFile(filepath.Join(t.TempDir(), "dev.img"), 1<<20, WithEngine(e))
		require.NoError(t, err)
		defer d.Close()
		// Shrink the file behind the device's back: the read of the tail
		// fails in the kernel (end of file), not in the bounds check.
		require.NoError(t, os.Truncate(d.Path(), BlockSize))
		err = d.ReadAt(context.Background(), make([]byte, 2*BlockSize), 4*BlockSize)
		require.Error(t, err)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		require.Contains(t, err.Error(), "offset 16384 length 8192")
		require.False(t, errors.Is(err, ErrRange), "the device did not know")
	})
}

func TestDirectRefusedFallsBack(t *testing.T) {
	refuse := func(c *fileConfig) {
		c.openDirect = func(path string, _ int) (*os.File, error) {
			return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EINVAL}
		}
	}
	forEachEngine(t, func(t *testing.T, e Engine) {
		path := filepath.Join(t.TempDir(), "dev.img")
		d, err := CreateFile(path, 1<<20, refuse, WithEngine(e))
		require.NoError(t, err)
		defer d.Close()
		require.False(t, d.Direct())
		ctx := context.Background()
		want := pattern(3, 1<<20)
		require.NoError(t, d.WriteAt(ctx, want, 0))
		require.NoError(t, d.Sync(ctx))
		got := make([]byte, 1<<20)
		require.NoError(t, d.ReadAt(ctx, got, 0))
		require.True(t, bytes.Equal(want, got))
		require.NoError(t, d.Close())

		// Any other failure to open is reported, not papered over.
		_, err = OpenFile(path, WithEngine(e), func(c *fileConfig) {
			c.openDirect = func(string, int) (*os.File, error) { return nil, os.ErrPermission }
		})
		require.ErrorIs(t, err, os.ErrPermission)
	})
}

func TestQueueFullHonoursContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		d, err := CreateFile(filepath.Join(t.TempDir(), "dev.img"), 1<<20, WithQueueDepth(2), WithEngine(e))
		require.NoError(t, err)
		defer d.Close()
		held := []*slot{<-d.slots, <-d.slots} // two requests stuck in the kernel
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err = d.WriteAt(ctx, make([]byte, BlockSize), 0)
		require.ErrorIs(t, err, context.DeadlineExceeded, "a full queue makes callers wait, until their context ends")
		require.ErrorIs(t, d.Sync(ctx), context.DeadlineExceeded)
		for _, s := range held {
			d.slots <- s
		}
		require.NoError(t, d.WriteAt(context.Background(), make([]byte, BlockSize), 0))
	})
}

// TestRAMSyncNeedsNoQueueSlot: on tmpfs a sync has nothing to write, so it
// neither enters the kernel nor waits for a queue slot, while still
// honouring its context and Close.
func TestRAMSyncNeedsNoQueueSlot(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		d, err := CreateFile(filepath.Join(shmDir(t), "dev.img"), 1<<20, WithQueueDepth(2), WithEngine(e))
		require.NoError(t, err)
		require.True(t, d.RAMBacked())
		held := []*slot{<-d.slots, <-d.slots}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, d.Sync(ctx), "a full queue does not hold up a sync on RAM")
		done, stop := context.WithCancel(context.Background())
		stop()
		require.ErrorIs(t, d.Sync(done), context.Canceled)
		for _, s := range held {
			d.slots <- s
		}
		require.NoError(t, d.Close())
		require.ErrorIs(t, d.Sync(context.Background()), ErrClosed)
	})
}

// TestDirectAlignedAndBounced: in direct mode (where the file system takes
// O_DIRECT) block-aligned caller buffers go straight to the kernel and
// others through the bounce buffer; both write and read the same bytes,
// and a chunked request mixes neither up.
func TestDirectAlignedAndBounced(t *testing.T) {
	for name, dir := range map[string]func(testing.TB) string{
		"tmp": func(t testing.TB) string { return t.TempDir() },
		"shm": shmDir,
	} {
		t.Run(name, func(t *testing.T) {
			d, err := CreateFile(filepath.Join(dir(t), "dev.img"), 8<<20, WithChunkSize(64<<10))
			require.NoError(t, err)
			defer d.Close()
			t.Logf("O_DIRECT %v", d.Direct())
			ctx := context.Background()
			const n = 256 << 10
			backing := make([]byte, n+2*BlockSize)
			aligned := alignedIn(backing, n)
			require.True(t, blockAligned(aligned))
			unaligned := backing[1 : 1+n]
			require.False(t, blockAligned(unaligned))
			for i := range aligned {
				aligned[i] = byte(i * 7)
			}
			want := bytes.Clone(aligned)
			require.NoError(t, d.WriteAt(ctx, aligned, 0))
			copy(unaligned, want)
			require.NoError(t, d.WriteAt(ctx, unaligned, n))

			for _, off := range []int64{0, n} {
				clear(backing)
				require.NoError(t, d.ReadAt(ctx, aligned, off))
				require.Equal(t, want, aligned, "aligned read at %d", off)
				clear(backing)
				require.NoError(t, d.ReadAt(ctx, unaligned, off))
				require.Equal(t, want, unaligned, "bounced read at %d", off)
			}
		})
	}
}

// alignedIn is n bytes of b starting on a block boundary.
func alignedIn(b []byte, n int) []byte {
	for i := range BlockSize {
		if blockAligned(b[i : i+BlockSize]) {
			return b[i : i+n]
		}
	}
	panic("no aligned start")
}

func TestBlockAligned(t *testing.T) {
	b := make([]byte, 3*BlockSize)
	a := alignedIn(b, BlockSize)
	require.True(t, blockAligned(a))
	require.False(t, blockAligned(a[:BlockSize-1]), "a partial block")
	require.False(t, blockAligned(a[:0]), "nothing")
	require.False(t, blockAligned(b[1:1+BlockSize]) && blockAligned(b[2:2+BlockSize]), "an odd start")
}
