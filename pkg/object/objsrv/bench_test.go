package objsrv_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/vos"
)

// engineB is an in-process engine whose SCM is RAM (/dev/shm) when there
// is some, as an engine's is.
func engineB(b *testing.B) fabric.URI {
	uri, _ := engineWith(b, "tcp", shmDirs(b), vos.LogPMem)
	return uri
}

func clientB(b *testing.B) *objclient.Client { return clientOn(b, "tcp") }

// BenchmarkSizeQuery is one size-only fetch at a time against an
// in-process engine over tcp: the object RPC path with the least data
// (rpc's BenchmarkPing64 is the same round trip without object I/O).
func BenchmarkSizeQuery(b *testing.B) {
	uri := engineB(b)
	c := clientB(b)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	if _, err := c.Update(ctx, s, hdr(1), []byte("d"), []daos.IOD{single("a", 8)}, [][]byte{make([]byte, 8)}); err != nil {
		b.Fatal(err)
	}
	iods := []daos.IOD{single("a", 0)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Sizes(ctx, s, hdr(1), []byte("d"), iods); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate4K is one 4 KiB single-value update at a time.
func BenchmarkUpdate4K(b *testing.B) {
	uri := engineB(b)
	c := clientB(b)
	ctx := context.Background()
	s := objclient.Shard{URI: uri}
	val := make([]byte, 4096)
	iods := []daos.IOD{single("a", 4096)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Update(ctx, s, hdr(1), []byte("d"), iods, [][]byte{val}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetch1M16 is 16 fetches of a 1 MiB array extent in flight at
// a time, against an in-process engine with RAM-backed NVMe over tcp (the
// e2e read test's server path): 64 extents are written first, across
// both targets.
func BenchmarkFetch1M16(b *testing.B) {
	uri := engineB(b)
	c := clientB(b)
	ctx := context.Background()
	const n, keys = 1 << 20, 64
	iods := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: n}}}}
	val := make([]byte, n)
	for i := 0; i < keys; i++ {
		val[0] = byte(i)
		s := objclient.Shard{URI: uri, Target: uint32(i % 2)}
		if _, err := c.Update(ctx, s, hdr(1), []byte(fmt.Sprint("chunk", i)), iods, [][]byte{val}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetBytes(n)
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, n)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				k := int(i % keys)
				s := objclient.Shard{URI: uri, Target: uint32(k % 2)}
				if _, err := c.Fetch(ctx, s, hdr(1), []byte(fmt.Sprint("chunk", k)), iods, [][]byte{buf}); err != nil {
					b.Error(err)
					return
				}
				if buf[0] != byte(k) {
					b.Errorf("chunk %d read back as %d", k, buf[0])
					return
				}
			}
		}()
	}
	wg.Wait()
}
