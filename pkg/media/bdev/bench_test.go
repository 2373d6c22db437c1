package bdev

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchFileSize is the span the benchmarks write over, round robin, so that
// the file system sees overwrites of allocated blocks, as in steady state.
const benchFileSize = 32 << 20

// BenchmarkFileWrite compares a durable write through the device layer
// (WriteAt + Sync) with the same write done with os.File and fdatasync on
// the same file system, so the overhead of the layer shows.
func BenchmarkFileWrite(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"64KiB", 64 << 10}, {"1MiB", 1 << 20}, {"8MiB", 8 << 20}} {
		b.Run("size="+size.name+"/impl=raw", func(b *testing.B) { benchRaw(b, size.n) })
		b.Run("size="+size.name+"/impl=bdev", func(b *testing.B) { benchDevice(b, size.n) })
		b.Run("size="+size.name+"/impl=bdev-buffered", func(b *testing.B) { benchDevice(b, size.n, WithBuffered()) })
	}
}

// benchDevice writes from an unaligned buffer, the common case, which goes
// through a bounce buffer in direct mode.
func benchDevice(b *testing.B, n int, opts ...Option) {
	d, err := CreateFile(filepath.Join(b.TempDir(), "dev.img"), benchFileSize, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	p := unalignedBuf(n)
	fill := pattern(1, benchFileSize)
	if err := d.WriteAt(ctx, fill, 0); err != nil {
		b.Fatal(err)
	}
	if err := d.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	var off int64
	for b.Loop() {
		if err := d.WriteAt(ctx, p, off); err != nil {
			b.Fatal(err)
		}
		if err := d.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		off = (off + int64(n)) % benchFileSize
	}
}

func benchRaw(b *testing.B, n int) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "raw.img"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(pattern(1, benchFileSize), 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	p := pattern(2, n)
	b.SetBytes(int64(n))
	var off int64
	for b.Loop() {
		if _, err := f.WriteAt(p, off); err != nil {
			b.Fatal(err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
		off = (off + int64(n)) % benchFileSize
	}
}

// benchEngines are the engines the engine benchmarks compare; io_uring is
// skipped where the kernel refuses it.
func benchEngines() []Engine { return []Engine{EngineURing, EngineThreads} }

// newBenchFile is a File filled with data over benchFileSize bytes on the
// file system of TMPDIR (ext4 on the VM disk here), with room for 16
// requests (or chunks) in flight.
func newBenchFile(b *testing.B, e Engine, opts ...Option) *File {
	b.Helper()
	requireEngine(b, e)
	opts = append(opts, WithEngine(e), WithQueueDepth(16))
	d, err := CreateFile(filepath.Join(b.TempDir(), "dev.img"), benchFileSize, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	ctx := context.Background()
	if err := d.WriteAt(ctx, pattern(1, benchFileSize), 0); err != nil {
		b.Fatal(err)
	}
	if err := d.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkFile4KRandom compares the engines on 4 KiB requests at random
// block offsets from 1 or 16 goroutines (so up to 16 in flight). Writes are
// not synced: this is the engine's cost, not the disk's flush.
func BenchmarkFile4KRandom(b *testing.B) {
	for _, op := range []string{"write", "read"} {
		for _, qd := range []int{1, 16} {
			for _, e := range benchEngines() {
				b.Run(fmt.Sprintf("op=%s/qd=%d/impl=%v", op, qd, e), func(b *testing.B) {
					bench4KRandom(b, e, op == "write", qd)
				})
			}
		}
	}
}

func bench4KRandom(b *testing.B, e Engine, write bool, goroutines int) {
	d := newBenchFile(b, e)
	ctx := context.Background()
	var left atomic.Int64
	left.Store(int64(b.N))
	errs := make(chan error, goroutines)
	b.SetBytes(BlockSize)
	b.ResetTimer()
	cpu := processCPU(b)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			p := unalignedBuf(BlockSize)
			for left.Add(-1) >= 0 {
				off := int64(rng.IntN(benchFileSize/BlockSize)) * BlockSize
				var err error
				if write {
					err = d.WriteAt(ctx, p, off)
				} else {
					err = d.ReadAt(ctx, p, off)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkFileSeqWrite1M compares the engines on 1 MiB sequential writes
// from one goroutine, not synced: with 2 MiB chunks each write is one
// request in the kernel, with 256 KiB chunks io_uring has 4 in flight while
// the threads engine issues them one after the other.
func BenchmarkFileSeqWrite1M(b *testing.B) {
	for _, chunk := range []int{2 << 20, 256 << 10} {
		for _, e := range benchEngines() {
			b.Run(fmt.Sprintf("chunk=%dKiB/impl=%v", chunk>>10, e), func(b *testing.B) {
				d := newBenchFile(b, e, WithChunkSize(chunk))
				ctx := context.Background()
				p := unalignedBuf(1 << 20)
				b.SetBytes(1 << 20)
				var off int64
				for b.Loop() {
					if err := d.WriteAt(ctx, p, off); err != nil {
						b.Fatal(err)
					}
					off = (off + 1<<20) % benchFileSize
				}
			})
		}
	}
}

// processCPU is the CPU time (user and system) the test process used so
// far, including the kernel's work done in its threads.
func processCPU(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
