// Package benchutil holds what the end-to-end benchmarks share: driving a
// fixed number of operations in flight, and a client attached through the
// agent the way libdaos attaches.
package benchutil

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
)

// Parallel runs operations 0..n-1 over inflight goroutines, each taking
// the next index as it finishes one (the Go counterpart of relaunching a
// polled event), and returns the seconds taken; the first error stops it.
func Parallel(ctx context.Context, n, inflight int, op func(ctx context.Context, worker, i int) error) (float64, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, inflight)
	start := time.Now()
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := op(ctx, w, i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return 0, e
		}
	}
	return time.Since(start).Seconds(), nil
}

// Connect attaches through the agent at sock (attach info, a signed
// credential) and connects to pool label read-write; close the session
// when done.
func Connect(ctx context.Context, sock, label string) (*client.Pool, *agentclient.Session, error) {
	s, err := agentclient.AttachAt(ctx, sock, "")
	if err != nil {
		return nil, nil, fmt.Errorf("attach: %w", err)
	}
	p, err := s.Connect(ctx, label, client.RW)
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("connect to pool %s: %w", label, err)
	}
	return p, s, nil
}

// NVMeSize is the per-engine `--nvme-size` of a benchmark pool that must
// hold written bytes spread over engines (nothing overwritten or
// reclaimed): each engine's share and a quarter more, rounded up to GiB,
// plus a GiB. Not more: the emulated NVMe files are preallocated on the
// RAM file system, so every byte of pool is a byte of the machine's
// memory taken for the whole run (18 GiB of 23 once, which slowed the
// first writes).
func NVMeSize(written int64, engines int) string {
	const gib = 1 << 30
	share := written * 5 / 4 / int64(max(engines, 1))
	return fmt.Sprintf("%dGiB", (share+gib-1)/gib+1)
}
