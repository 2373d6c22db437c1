package objsrv_test

import (
	"context"
	"os"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/vos"
)

// engineB is an in-process engine whose SCM is RAM (/dev/shm) when there
// is some, as an engine's is.
func engineB(b *testing.B) fabric.URI {
	dir := func() string {
		d, err := os.MkdirTemp("/dev/shm", "objsrvbench")
		if err != nil {
			return b.TempDir()
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	uri, _ := engineWith(b, "tcp", dir, vos.LogPMem)
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
