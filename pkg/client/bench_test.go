package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

// BenchmarkUpdate4K is one 4 KiB single-value update at a time through
// the client to in-process engines (the e2e latency test's path without
// the processes).
func BenchmarkUpdate4K(b *testing.B) {
	c, _ := cluster(b)
	o, err := c.Object(oidOf(b, c, "S1", 3))
	if err != nil {
		b.Fatal(err)
	}
	val := make([]byte, 4096)
	iod := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 4096}}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Update(ctx, []byte(fmt.Sprint("k", i%64)), iod, [][]byte{val}, 0); err != nil {
			b.Fatal(err)
		}
	}
}
