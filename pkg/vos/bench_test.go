package vos

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

func benchPool(b *testing.B) *Pool {
	return createBenchPool(b, StoreConfig{Dir: shmDir(b), LogMode: LogPMem, LogBytes: 256 << 20, Options: Options{SCMBytes: 4 << 30}})
}

// createBenchPool creates the pool cfg describes, closed when the
// benchmark ends, with container cid.
func createBenchPool(b *testing.B, cfg StoreConfig) *Pool {
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

// filledPool is a pool holding n 64-byte values, one dkey each, and the
// IOD that reads them.
func filledPool(b *testing.B, n int) (*Pool, []daos.IOD) {
	p := benchPool(b)
	val := make([]byte, 64)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 64}}
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	return p, iods
}

// nvmePool is a pool with a container whose values of 4 KiB and more go
// to emulated NVMe (a file in RAM).
func nvmePool(b *testing.B, scm, nvme uint64) *Pool {
	dir := shmDir(b)
	return createBenchPool(b, StoreConfig{Dir: dir, LogMode: LogPMem, LogBytes: 64 << 20, NVMePath: dir + "/nvme",
		Options: Options{SCMBytes: scm, NVMeBytes: nvme}})
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
	const n = 10000
	p, iods := filledPool(b, n)
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
	dir := shmDir(b)
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
	const n = 20000
	p, iods := filledPool(b, n)
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

// BenchmarkListDkeys enumerates 20,000 dkeys in pages of 1,000, as
// ci/vosbench does; one op is one key.
func BenchmarkListDkeys(b *testing.B) {
	const n = 20000
	p, _ := filledPool(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i += n {
		seen, anchor := 0, &Anchor{}
		for !anchor.EOF {
			keys, err := p.ListDkeys(cid, oid1, daos.EpochMax, anchor, 1000, ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			seen += len(keys)
		}
		if seen != n {
			b.Fatalf("listed %d dkeys, want %d", seen, n)
		}
	}
}

// BenchmarkFetchIntoRandom64B reads random keys among all 20,000 into a
// reused buffer, as ci/vosbench does.
func BenchmarkFetchIntoRandom64B(b *testing.B) {
	const n = 20000
	p, iods := filledPool(b, n)
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bufs, res := [][]byte{make([]byte, 64)}, make([]FetchResult, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.FetchInto(ctx, cid, oid1, daos.EpochMax, keys[rng.IntN(n)], iods, bufs, res, FetchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate1MNVMe16 is 1 MiB array extents written by 16 goroutines
// to a pool whose large values go to emulated NVMe (a file in RAM): the
// VOS share of the e2e bandwidth test.
func BenchmarkUpdate1MNVMe16(b *testing.B) { benchUpdate1MNVMe(b, 16) }

// BenchmarkUpdate1MNVMe1 is BenchmarkUpdate1MNVMe16 one at a time.
func BenchmarkUpdate1MNVMe1(b *testing.B) { benchUpdate1MNVMe(b, 1) }

func benchUpdate1MNVMe(b *testing.B, inflight int) {
	p := nvmePool(b, 256<<20, 2<<30)
	const n = 1 << 20
	iods := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: n}}}}
	var next atomic.Int64
	b.SetBytes(n)
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			val := make([]byte, n)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				// Rewrites of 1024 dkeys: the space of older versions is
				// not reclaimed here, so stay within the device.
				if err := p.Update(ctx, cid, oid1, daos.Epoch(i), benchKey(int(i%1024)), iods, [][]byte{val}, UpdateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkFetch1MNVMe: one 1 MiB array extent on RAM-backed NVMe read
// at a time, copied into the caller's buffer (copy: FetchInto, the pread
// path) or handed out as the device's memory (mapped: BeginFetch, End);
// both check the extent's CRC.
func BenchmarkFetch1MNVMe(b *testing.B) {
	p := nvmePool(b, 64<<20, 128<<20)
	const n, keys = 1 << 20, 64
	iods := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: n}}}}
	val := make([]byte, n)
	for i := 0; i < keys; i++ {
		if err := p.Update(ctx, cid, oid1, 1, benchKey(i), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	bufs := [][]byte{make([]byte, n)}
	res := make([]FetchResult, 1)
	b.Run("copy", func(b *testing.B) {
		b.SetBytes(n)
		for i := 0; i < b.N; i++ {
			if err := p.FetchInto(ctx, cid, oid1, 2, benchKey(i%keys), iods, bufs, res, FetchOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mapped", func(b *testing.B) {
		b.SetBytes(n)
		for i := 0; i < b.N; i++ {
			f, err := p.BeginFetch(ctx, cid, oid1, 2, benchKey(i%keys), iods, bufs, res, FetchOptions{})
			if err != nil {
				b.Fatal(err)
			}
			f.End()
		}
	})
}

// BenchmarkUpdate4KNVMe is one 4 KiB single value at a time to a pool
// whose values of 4 KiB and more go to emulated NVMe (a file in RAM): the
// VOS share of the e2e 4 KiB latency test.
func BenchmarkUpdate4KNVMe(b *testing.B) {
	p := nvmePool(b, 256<<20, 1<<30)
	val := make([]byte, 4096)
	iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 4096}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Update(ctx, cid, oid1, daos.Epoch(i+1), benchKey(i%100), iods, [][]byte{val}, UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
