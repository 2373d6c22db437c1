package bdev

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
