package tcp_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/tcp"
)

// BenchmarkRead is one side pulling another's registered memory over a
// session, with bufs distinct buffers on each side used in turn.
func BenchmarkRead(b *testing.B) {
	for _, size := range []int{8 << 10, 1 << 20} {
		for _, bufs := range []int{1, 16} {
			b.Run(fmt.Sprintf("size=%d/bufs=%d", size, bufs), func(b *testing.B) {
				ctx := context.Background()
				open := func() fabric.Endpoint {
					ep, err := tcp.Driver{}.Open(ctx, fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, func(fabric.Peer, []byte) {})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = ep.Close() })
					return ep
				}
				a, o := open(), open()
				p, err := a.Connect(ctx, o.URI())
				if err != nil {
					b.Fatal(err)
				}
				remote := make([]fabric.Region, bufs)
				local := make([]fabric.Region, bufs)
				for i := range remote {
					if remote[i], err = o.Register([][]byte{make([]byte, size)}, fabric.AccessRemoteRead); err != nil {
						b.Fatal(err)
					}
					if local[i], err = a.Register([][]byte{make([]byte, size)}, fabric.AccessLocal); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := p.Read(ctx, remote[i%bufs].Handle(), 0, local[i%bufs], 0, int64(size)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
