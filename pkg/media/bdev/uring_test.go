package bdev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The Go mirrors of the kernel structures must match the ABI byte for byte.
func TestURingABILayout(t *testing.T) {
	require.EqualValues(t, uringSQESize, unsafe.Sizeof(sqe{}))
	require.EqualValues(t, uringCQESize, unsafe.Sizeof(cqe{}))
	require.EqualValues(t, 120, unsafe.Sizeof(uringParams{}))
	require.EqualValues(t, 40, unsafe.Sizeof(sqringOffsets{}))
	require.EqualValues(t, 40, unsafe.Sizeof(cqringOffsets{}))
	require.EqualValues(t, 16+uringProbeMaxOps*8, unsafe.Sizeof(uringProbe{}))
	var s sqe
	for name, c := range map[string]struct{ got, want uintptr }{
		"fd":        {unsafe.Offsetof(s.fd), 4},
		"off":       {unsafe.Offsetof(s.off), 8},
		"addr":      {unsafe.Offsetof(s.addr), 16},
		"len":       {unsafe.Offsetof(s.len), 24},
		"op_flags":  {unsafe.Offsetof(s.opFlags), 28},
		"user_data": {unsafe.Offsetof(s.userData), 32},
		"buf_index": {unsafe.Offsetof(s.bufIndex), 40},
		"addr3":     {unsafe.Offsetof(s.addr3), 48},
	} {
		require.Equal(t, c.want, c.got, "sqe.%s", name)
	}
	var p uringParams
	require.EqualValues(t, 40, unsafe.Offsetof(p.sqOff))
	require.EqualValues(t, 80, unsafe.Offsetof(p.cqOff))
	var c cqe
	require.EqualValues(t, 8, unsafe.Offsetof(c.res))
}

func TestEngineChoice(t *testing.T) {
	dir := t.TempDir()
	open := func(name string, opts ...Option) *File {
		d, err := CreateFile(filepath.Join(dir, name), 1<<20, opts...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	d := open("threads.img", WithEngine(EngineThreads))
	require.Equal(t, EngineThreads, d.Engine())
	require.NoError(t, d.EngineFallback(), "threads were asked for: nothing fell back")

	d = open("buffered.img", WithBuffered())
	require.Equal(t, EngineThreads, d.Engine(), "auto uses threads for buffered I/O")
	require.ErrorIs(t, d.EngineFallback(), errURingBuffered)

	shm, err := CreateFile(filepath.Join(shmDir(t), "auto.img"), 1<<20)
	require.NoError(t, err)
	defer shm.Close()
	if shm.Direct() {
		require.Equal(t, EngineThreads, shm.Engine(), "auto uses threads on tmpfs")
		require.ErrorIs(t, shm.EngineFallback(), errURingTmpfs)
	}

	d = open("auto.img")
	if !d.Direct() {
		t.Skipf("%s refuses O_DIRECT: auto never takes io_uring there", dir)
	}
	if _, err := newRing(4); err != nil {
		require.Equal(t, EngineThreads, d.Engine(), "no io_uring here (%v): auto falls back", err)
		require.Error(t, d.EngineFallback())
		t.Skipf("io_uring unavailable on this host, only the fallback was tested: %v", err)
	}
	require.Equal(t, EngineURing, d.Engine(), "auto takes io_uring for O_DIRECT where the kernel has it")
	require.NoError(t, d.EngineFallback())
	require.Equal(t, EngineURing, open("uring.img", WithEngine(EngineURing)).Engine())
	require.Equal(t, EngineURing, open("uring-buffered.img", WithEngine(EngineURing), WithBuffered()).Engine(),
		"asked for by name, io_uring is used even where auto would not")

	require.Equal(t, "auto uring threads", EngineAuto.String()+" "+EngineURing.String()+" "+EngineThreads.String())
	_, err = CreateFile(filepath.Join(dir, "bad.img"), 1<<20, WithEngine(Engine(7)))
	require.ErrorContains(t, err, "unknown I/O engine Engine(7)")
}

// Many callers at once, each with its own odd-sized requests at odd block
// offsets, on a device with small chunks and fewer slots than callers:
// requests share the ring (or the thread pool), split into chunks that
// compete for slots, and every byte must land where it was meant to.
func TestConcurrentOddRequests(t *testing.T) {
	const (
		callers = 12
		region  = 64 * BlockSize // each caller's own part of the device
		rounds  = 12
	)
	forEachEngine(t, func(t *testing.T, e Engine) {
		d, err := CreateFile(filepath.Join(t.TempDir(), "dev.img"), callers*region,
			WithEngine(e), WithQueueDepth(5), WithChunkSize(3*BlockSize))
		require.NoError(t, err)
		defer d.Close()
		ctx := context.Background()
		model := make([]byte, callers*region) // what each caller wrote, by the caller
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for c := range callers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(c), 7))
				mine := model[c*region : (c+1)*region]
				for r := range rounds {
					blocks := 1 + rng.IntN(region/BlockSize-1)
					at := rng.IntN(region/BlockSize-blocks+1) * BlockSize
					n := blocks * BlockSize
					p := unalignedBuf(n)
					copy(p, pattern(c*rounds+r+1, n))
					if err := d.WriteAt(ctx, p, int64(c*region+at)); err != nil {
						errs <- err
						return
					}
					copy(mine[at:], p)
					// Read back a different odd span of the caller's region.
					blocks = 1 + rng.IntN(region/BlockSize-1)
					at = rng.IntN(region/BlockSize-blocks+1) * BlockSize
					got := unalignedBuf(blocks * BlockSize)
					if err := d.ReadAt(ctx, got, int64(c*region+at)); err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(mine[at:at+len(got)], got) {
						errs <- errors.New("read back differs")
						return
					}
				}
			})
		}
		wg.Go(func() {
			for range rounds {
				if err := d.Sync(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got := make([]byte, len(model))
		require.NoError(t, d.ReadAt(ctx, got, 0))
		require.True(t, bytes.Equal(model, got), "device content differs from what was written")
		require.Len(t, d.slots, 5, "every slot is back")
		if d.ring != nil {
			require.Zero(t, d.ring.inflight.Load())
		}
	})
}

func newURingFile(t *testing.T, opts ...Option) *File {
	t.Helper()
	requireEngine(t, EngineURing)
	d, err := CreateFile(filepath.Join(t.TempDir(), "dev.img"), 4<<20, append(opts, WithEngine(EngineURing))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// A large request has one chunk in flight per free slot.
func TestURingChunksInFlight(t *testing.T) {
	d := newURingFile(t, WithChunkSize(256<<10), WithQueueDepth(8))
	ctx := context.Background()
	want := pattern(5, 1<<20)
	require.NoError(t, d.WriteAt(ctx, want, 0))
	require.EqualValues(t, 4, d.ring.peak.Load(), "a 1 MiB write in 256 KiB chunks has 4 SQEs in flight")
	got := make([]byte, 1<<20)
	require.NoError(t, d.ReadAt(ctx, got, 0))
	require.True(t, bytes.Equal(want, got))
	// 3 MiB is 12 chunks on 8 slots: each slot takes the next chunk as it
	// frees up.
	want = pattern(6, 3<<20)
	require.NoError(t, d.WriteAt(ctx, want, 1<<20))
	require.EqualValues(t, 8, d.ring.peak.Load())
	got = make([]byte, 3<<20)
	require.NoError(t, d.ReadAt(ctx, got, 1<<20))
	require.True(t, bytes.Equal(want, got))
}

// pipeTarget points the device's SQEs at the read end of a new pipe, so
// that a read stays in flight until the test writes to the pipe. It
// returns the write end; the device's file is put back at cleanup.
func pipeTarget(t *testing.T, d *File) (w int) {
	t.Helper()
	var fds [2]int
	require.NoError(t, unix.Pipe2(fds[:], unix.O_CLOEXEC))
	file := d.ring.target
	d.ring.target = int32(fds[0])
	t.Cleanup(func() {
		d.ring.target = file
		_ = unix.Close(fds[0])
		_ = unix.Close(fds[1])
	})
	return fds[1]
}

func feed(t *testing.T, w int, p []byte) {
	t.Helper()
	n, err := unix.Write(w, p)
	require.NoError(t, err)
	require.Equal(t, len(p), n)
}

// A caller whose context ends while its SQEs are in flight cancels them and
// returns only once the kernel has given up every buffer.
func TestURingCancelInFlight(t *testing.T) {
	for name, c := range map[string]struct {
		chunks int
		stop   func(context.CancelFunc)
		want   error
	}{
		"cancel one chunk":        {1, func(cancel context.CancelFunc) { time.Sleep(20 * time.Millisecond); cancel() }, context.Canceled},
		"deadline on four chunks": {4, func(context.CancelFunc) {}, context.DeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			d := newURingFile(t, WithChunkSize(BlockSize), WithQueueDepth(8))
			w := pipeTarget(t, d)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- d.ReadAt(ctx, make([]byte, c.chunks*BlockSize), 0) }()
			go c.stop(cancel)
			select {
			case err := <-done:
				require.ErrorIs(t, err, c.want)
			case <-time.After(5 * time.Second):
				t.Fatal("a cancelled read did not return")
			}
			require.EqualValues(t, 2*c.chunks, d.ring.peak.Load(), "every chunk was in flight, then its cancellation too")
			require.Zero(t, d.ring.inflight.Load(), "nothing of the request is left in the kernel")
			require.Len(t, d.slots, 8, "every slot is back")
			// The pipe is still empty: nothing was read from it by a
			// request that had already returned.
			feed(t, w, pattern(1, BlockSize))
			got := make([]byte, BlockSize)
			require.NoError(t, d.ReadAt(context.Background(), got, 0))
			require.Equal(t, pattern(1, BlockSize), got)
		})
	}
}

// Short transfers are completed by resubmitting the rest; -EAGAIN and
// -EINTR are retried; other errors name the operation and what was left.
func TestURingShortAndFailedTransfers(t *testing.T) {
	t.Run("pipe delivers in parts", func(t *testing.T) {
		d := newURingFile(t)
		w := pipeTarget(t, d)
		want := pattern(2, 2*BlockSize)
		done := make(chan error, 1)
		got := make([]byte, len(want))
		go func() { done <- d.ReadAt(context.Background(), got, 0) }()
		for _, part := range [][]byte{want[:1000], want[1000:5000], want[5000:]} {
			time.Sleep(5 * time.Millisecond)
			feed(t, w, part)
		}
		require.NoError(t, <-done)
		require.Equal(t, want, got)
	})

	// The filter plays a kernel that transfers one block less than asked
	// (so every chunk is resubmitted), refuses each first attempt with
	// -EAGAIN or -EINTR, or fails with -EIO.
	shortBy := func(kind opKind, res int32) int32 {
		if kind != opSync && res > BlockSize {
			return res - BlockSize
		}
		return res
	}
	var mu sync.Mutex
	var calls int
	flaky := func(kind opKind, res int32) int32 {
		mu.Lock()
		defer mu.Unlock()
		calls++
		switch calls % 3 {
		case 1:
			return -int32(unix.EAGAIN)
		case 2:
			return -int32(unix.EINTR)
		}
		return res
	}
	for name, filter := range map[string]func(opKind, int32) int32{"short": shortBy, "again and interrupted": flaky} {
		t.Run(name, func(t *testing.T) {
			d := newURingFile(t, WithChunkSize(64<<10), withURingFilter(filter))
			ctx := context.Background()
			want := pattern(3, 1<<20)
			require.NoError(t, d.WriteAt(ctx, want, BlockSize))
			require.NoError(t, d.Sync(ctx))
			got := make([]byte, len(want))
			require.NoError(t, d.ReadAt(ctx, got, BlockSize))
			require.True(t, bytes.Equal(want, got))
		})
	}

	t.Run("EIO", func(t *testing.T) {
		eio := func(kind opKind, res int32) int32 { return -int32(unix.EIO) }
		d := newURingFile(t, WithChunkSize(64<<10), withURingFilter(eio))
		ctx := context.Background()
		err := d.WriteAt(ctx, make([]byte, 128<<10), 1<<20)
		require.ErrorIs(t, err, syscall.EIO)
		require.ErrorContains(t, err, "write "+d.Path()+" at offset 1048576 length 131072: io_uring write at offset")
		err = d.ReadAt(ctx, make([]byte, BlockSize), 0)
		require.ErrorIs(t, err, syscall.EIO)
		require.ErrorContains(t, err, "io_uring read at offset 0 length 4096")
		require.ErrorIs(t, d.Sync(ctx), syscall.EIO)
		require.ErrorContains(t, d.Sync(ctx), "sync "+d.Path()+": io_uring fdatasync")
		require.Zero(t, d.ring.inflight.Load())
	})

	t.Run("retries are bounded", func(t *testing.T) {
		again := func(kind opKind, res int32) int32 { return -int32(unix.EAGAIN) }
		d := newURingFile(t, withURingFilter(again))
		require.ErrorIs(t, d.ReadAt(context.Background(), make([]byte, BlockSize), 0), syscall.EAGAIN)
	})
}

// Close fails new requests, waits for those in flight and then releases
// the ring.
func TestURingCloseWaitsForInFlight(t *testing.T) {
	d := newURingFile(t)
	w := pipeTarget(t, d)
	read := make(chan error, 1)
	got := make([]byte, BlockSize)
	go func() { read <- d.ReadAt(context.Background(), got, 0) }()
	require.Eventually(t, func() bool { return d.ring.inflight.Load() == 1 }, 5*time.Second, time.Millisecond)

	closed := make(chan error, 1)
	go func() { closed <- d.Close() }()
	late := make(chan error, 1)
	go func() {
		time.Sleep(10 * time.Millisecond) // after Close started waiting
		late <- d.WriteAt(context.Background(), make([]byte, BlockSize), 0)
	}()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a read was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	feed(t, w, pattern(4, BlockSize))
	require.NoError(t, <-read, "the request in flight completes")
	require.Equal(t, pattern(4, BlockSize), got)
	require.NoError(t, <-closed)
	require.ErrorIs(t, <-late, ErrClosed, "a request after Close fails")
	require.Nil(t, d.ring.r.sqes, "the rings are unmapped")
	_, err := unix.FcntlInt(uintptr(d.ring.r.fd), unix.F_GETFD, 0)
	require.ErrorIs(t, err, unix.EBADF, "the ring is closed")
	require.NoError(t, d.Close(), "second Close")
}

// Close while many callers hammer the device: each request either
// completes or fails with ErrClosed, and none is left in the kernel.
func TestCloseUnderLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		d, err := CreateFile(filepath.Join(t.TempDir(), "dev.img"), 4<<20, WithEngine(e), WithChunkSize(16<<10))
		require.NoError(t, err)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := range 16 {
			wg.Go(func() {
				p := pattern(g, 64<<10)
				off := int64(g) * (64 << 10)
				for i := 0; ; i++ {
					var err error
					switch i % 3 {
					case 0:
						err = d.WriteAt(ctx, p, off)
					case 1:
						err = d.ReadAt(ctx, p, off)
					default:
						err = d.Sync(ctx)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		time.Sleep(30 * time.Millisecond)
		require.NoError(t, d.Close())
		wg.Wait()
		close(errs)
		for err := range errs {
			require.ErrorIs(t, err, ErrClosed)
		}
	})
}

// An idle io_uring device sleeps: nobody waits in the kernel, nothing
// polls.
func TestURingIdleUsesNoCPU(t *testing.T) {
	d := newURingFile(t)
	ctx := context.Background()
	require.NoError(t, d.WriteAt(ctx, make([]byte, BlockSize), 0))
	require.NoError(t, d.ReadAt(ctx, make([]byte, BlockSize), 0))
	time.Sleep(50 * time.Millisecond)
	cpu := func() time.Duration {
		var ru unix.Rusage
		require.NoError(t, unix.Getrusage(unix.RUSAGE_SELF, &ru))
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := cpu()
	time.Sleep(300 * time.Millisecond)
	used := cpu() - before
	require.Less(t, used, 50*time.Millisecond, "an idle io_uring device used %v of CPU in 300ms", used)
}

// A refused io_uring_setup says what was asked.
func TestURingSetupError(t *testing.T) {
	requireEngine(t, EngineURing)
	_, err := newRing(1 << 20) // more than IORING_MAX_ENTRIES
	require.ErrorIs(t, err, unix.EINVAL)
	require.ErrorContains(t, err, "io_uring_setup of 1048576 entries")
}

// killedWriterEnv names the device file TestKilledWriterChild writes to;
// only the child started by TestLockAfterKilledWriter sets it.
const killedWriterEnv = "BDEV_KILLED_WRITER_PATH"

// TestKilledWriterChild is the child of TestLockAfterKilledWriter: it keeps
// many writes and syncs in flight on io_uring until it is killed.
func TestKilledWriterChild(t *testing.T) {
	path := os.Getenv(killedWriterEnv)
	if path == "" {
		t.Skip("only run as the child of TestLockAfterKilledWriter")
	}
	d, err := OpenFile(path, WithEngine(EngineURing), WithQueueDepth(32), WithChunkSize(64<<10))
	require.NoError(t, err)
	_, err = os.Stdout.WriteString("ready\n")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			p := make([]byte, 256<<10)
			for i := 0; ; i++ {
				_ = d.WriteAt(context.Background(), p, int64((g*7+i)%64)*int64(len(p)))
				_ = d.Sync(context.Background())
			}
		})
	}
	wg.Wait()
}

// A process killed with io_uring requests in flight keeps its file, and so
// its lock, until the kernel has finished them, which can be after the
// process was reaped. Reopening (as an engine restarted after a crash
// does) waits for the lock instead of failing.
func TestLockAfterKilledWriter(t *testing.T) {
	if os.Getenv(killedWriterEnv) != "" {
		t.Skip("in the child")
	}
	requireEngine(t, EngineURing)
	path := filepath.Join(t.TempDir(), "dev.img")
	d, err := CreateFile(path, 16<<20)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	for round := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterChild$")
		cmd.Env = append(os.Environ(), killedWriterEnv+"="+path)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		if !sc.Scan() || sc.Text() != "ready" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // stderr is complete only now
			t.Fatalf("the child did not start: %q %s", sc.Text(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for sc.Scan() {
		}
		_ = cmd.Wait()
		start := time.Now()
		d, err := OpenFile(path)
		require.NoError(t, err, "round %d: reopen after the writer was killed", round)
		t.Logf("round %d: reopened %v after the writer was reaped", round, time.Since(start))
		require.NoError(t, d.Close())
	}
}
