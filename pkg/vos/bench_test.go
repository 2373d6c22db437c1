package vos

import (
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

func benchPool(b *testing.B) *Pool {
	cfg := StoreConfig{Dir: b.TempDir(), LogMode: LogPMem, LogBytes: 256 << 20, Options: Options{SCMBytes: 4 << 30}}
	if d := shmDirB(b); d != "" {
		cfg.Dir = d
	}
	p, err := Create(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	if err := p.CreateContainer(ctx, cid); err != nil {
		b.Fatal(err)
	}
	return p
}

func shmDirB(b *testing.B) string {
	d := "/dev/shm/vos-bench-" + b.Name()
	d = d[:min(len(d), 200)]
	for i := range d {
		if d[i] == '/' && i > len("/dev/shm") {
			d = d[:i] + "_" + d[i+1:]
		}
	}
	b.Cleanup(func() { removeAll(d) })
	return d
}

func benchKey(i int) []byte { return binary.BigEndian.AppendUint64([]byte("k"), uint64(i)) }

func BenchmarkUpdate64B(b *testing.B) {
	p := benchPool(b)
	val := make([]byte, 64)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 64}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFetch64B(b *testing.B) {
	p := benchPool(b)
	val := make([]byte, 64)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 64}}
	const n = 10000
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, benchKey(i%n), iods, FetchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReopen200k times Open of a pool holding 200,000 small values,
// all in the journal (no checkpoint).
func BenchmarkReopen200k(b *testing.B) {
	dir := shmDirB(b)
	p, err := Create(ctx, StoreConfig{Dir: dir, LogMode: LogPMem, LogBytes: 256 << 20, Options: Options{SCMBytes: 4 << 30}})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.CreateContainer(ctx, cid); err != nil {
		b.Fatal(err)
	}
	val := make([]byte, 8)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 8}}
	for i := 0; i < 200000; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, err := Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		q.Close()
		b.StartTimer()
	}
}

// BenchmarkMemoryPerValue reports the heap one small single value costs
// (one dkey, one akey, an 8-byte value), as bytes/value.
func BenchmarkMemoryPerValue(b *testing.B) {
	const n = 200000
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p, err := NewPool(Options{SCMBytes: 4 << 30})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.CreateContainer(ctx, cid); err != nil {
			b.Fatal(err)
		}
		val := make([]byte, 8)
		iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 8}}
		for j := 0; j < n; j++ {
			if err := p.Update(ctx, cid, oid1, daos.Epoch(j+1), benchKey(j), iods, [][]byte{val}, UpdateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/value")
		runtime.KeepAlive(p)
	}
}

// BenchmarkFetchRandom64B reads random keys among 20,000, as ci/vosbench
// does.
func BenchmarkFetchRandom64B(b *testing.B) {
	p := benchPool(b)
	val := make([]byte, 64)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 64}}
	const n = 20000
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = benchKey(int(uint32(i*2654435761) % n))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, keys[i%len(keys)], iods, FetchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
