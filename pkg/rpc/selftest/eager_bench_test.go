package selftest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/tcp"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

// BenchmarkPull is the self-test's bulk pull (the server pulls the caller's
// registered buffer) in one process, with the tcp provider's eager push on
// and off.
func BenchmarkPull(b *testing.B) {
	for _, size := range []int64{64 << 10, 1 << 20} {
		for _, eager := range []int64{0, -1} {
			b.Run(fmt.Sprintf("size=%d/eager=%v", size, eager == 0), func(b *testing.B) {
				ctx := context.Background()
				ds := []fabric.Driver{tcp.Driver{EagerLimit: eager}}
				reg := rpc.NewRegistry()
				if err := selftest.Register(reg); err != nil {
					b.Fatal(err)
				}
				listen := func(reg *rpc.Registry) *rpc.Endpoint {
					ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Drivers: ds, Registry: reg})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { _ = ep.Close() })
					return ep
				}
				srv, cl := listen(reg), listen(nil)
				if _, err := selftest.Bulk(ctx, cl, srv.URI(), rpc.ToServer, size, 1, 4); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(size)
				b.ResetTimer()
				if _, err := selftest.Bulk(ctx, cl, srv.URI(), rpc.ToServer, size, 1, b.N); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
