package client_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// BenchmarkUpdate4K is one 4 KiB single-value update at a time through
// the client to in-process engines (the e2e latency test's path without
// the processes).
func BenchmarkUpdate4K(b *testing.B) {
	o, iod, val := singleValue4K(b, 3)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Update(ctx, []byte(fmt.Sprint("k", i%64)), iod, [][]byte{val}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetch4K is one 4 KiB single-value fetch at a time, of values
// BenchmarkUpdate4K's pattern wrote first (untimed).
func BenchmarkFetch4K(b *testing.B) {
	o, iod, val := singleValue4K(b, 4)
	ctx := context.Background()
	for i := 0; i < 64; i++ {
		if _, err := o.Update(ctx, []byte(fmt.Sprint("k", i)), iod, [][]byte{val}, 0); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 4096)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("k", i%64)), iod, [][]byte{buf}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// singleValue4K is an S1 object (from object id lo) on in-process engines,
// the IOD of a 4 KiB single value under akey "v", and such a value.
func singleValue4K(b *testing.B, lo uint64) (*client.Object, []daos.IOD, []byte) {
	c, _ := cluster(b)
	o, err := c.Object(oidOf(b, c, "S1", lo))
	if err != nil {
		b.Fatal(err)
	}
	return o, []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 4096}}, make([]byte, 4096)
}

// BenchmarkWrite1M16 is 1 MiB array extents written 16 at a time to an
// SX object on in-process engines (the e2e bandwidth test's path without
// the processes).
func BenchmarkWrite1M16(b *testing.B) { benchWrite1M(b, 16) }

// BenchmarkWrite1M1 is BenchmarkWrite1M16 one at a time.
func BenchmarkWrite1M1(b *testing.B) { benchWrite1M(b, 1) }

func benchWrite1M(b *testing.B, inflight int) {
	c, _ := clusterOf(b, nil, 512<<20)
	o, err := c.Object(oidOf(b, c, "SX", 5))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 20
	iod := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: n}}}}
	ctx := context.Background()
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
				if _, err := o.Update(ctx, []byte(fmt.Sprint("chunk", i%256)), iod, [][]byte{val}, 0); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkRead1M16 is 1 MiB array extents read 16 at a time from an SX
// object on in-process engines (the e2e read test's path without the
// processes); 256 extents are written first.
func BenchmarkRead1M16(b *testing.B) {
	c, _ := clusterOf(b, nil, 512<<20)
	o, err := c.Object(oidOf(b, c, "SX", 6))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 20
	iod := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: n}}}}
	ctx := context.Background()
	val := make([]byte, n)
	for i := 0; i < 256; i++ {
		if _, err := o.Update(ctx, []byte(fmt.Sprint("chunk", i)), iod, [][]byte{val}, 0); err != nil {
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
				if _, err := o.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("chunk", i%256)), iod, [][]byte{buf}, 0); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
