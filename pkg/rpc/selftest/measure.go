package selftest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Result is one measured test: per-call latencies and overall throughput.
type Result struct {
	Test     string  `json:"test"`
	Size     int64   `json:"size_bytes"`
	InFlight int     `json:"inflight"`
	Calls    int     `json:"calls"`
	MinUS    float64 `json:"min_us"`
	P50US    float64 `json:"p50_us"`
	P90US    float64 `json:"p90_us"`
	P99US    float64 `json:"p99_us"`
	MaxUS    float64 `json:"max_us"`
	// MBps is payload bytes moved per second, one way, in 10^6 bytes.
	MBps float64 `json:"mb_per_s"`
}

// summarise turns per-call durations and the wall time into a Result.
func summarise(test string, size int64, inflight int, lat []time.Duration, wall time.Duration) Result {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e3
	}
	r := Result{Test: test, Size: size, InFlight: inflight, Calls: len(lat),
		MinUS: pct(0), P50US: pct(0.5), P90US: pct(0.9), P99US: pct(0.99), MaxUS: pct(1)}
	if wall > 0 {
		r.MBps = float64(size) * float64(len(lat)) / wall.Seconds() / 1e6
	}
	return r
}

// run makes calls from inflight goroutines, reps calls in all, timing each.
func run(ctx context.Context, inflight, reps int, call func(ctx context.Context) error) ([]time.Duration, time.Duration, error) {
	inflight = max(1, min(inflight, reps))
	lat := make([]time.Duration, reps)
	var next int
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= reps || firstErr != nil
				mu.Unlock()
				if stop {
					return
				}
				t0 := time.Now()
				err := call(ctx)
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), firstErr
}

// Ping measures round trips of size-byte messages (each way) to the echo
// service at to, with inflight calls outstanding.
func Ping(ctx context.Context, ep *rpc.Endpoint, to fabric.URI, size int64, inflight, reps int) (Result, error) {
	req := &PingMsg{Data: make([]byte, size)}
	lat, wall, err := run(ctx, inflight, reps, func(ctx context.Context) error {
		var resp PingMsg
		if err := ep.Call(ctx, to, OpPing, req, &resp); err != nil {
			return err
		}
		if int64(len(resp.Data)) != size {
			return fmt.Errorf("ping of %d bytes came back with %d", size, len(resp.Data))
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("self-test ping of %d bytes: %w", size, err)
	}
	return summarise("rpc ping", size, inflight, lat, wall), nil
}

// Bulk measures transfers of size bytes between the caller's memory and
// the echo service: pulled by the server (ToServer) or pushed by it.
func Bulk(ctx context.Context, ep *rpc.Endpoint, to fabric.URI, dir rpc.BulkDir, size int64, inflight, reps int) (Result, error) {
	workers := max(1, min(inflight, reps))
	// One buffer per worker, registered per call as a client would; in
	// the endpoint's registrable memory where its provider has some, as
	// a DAOS self-test allocates registered buffers.
	bufs := make(chan []byte, workers)
	for i := 0; i < workers; i++ {
		b, err := newBuffer(ep, size)
		if err != nil {
			return Result{}, err
		}
		defer b.release()
		bufs <- b.b
	}
	op, name := OpPull, "bulk pull"
	if dir == rpc.FromServer {
		op, name = OpPush, "bulk push"
	}
	lat, wall, err := run(ctx, inflight, reps, func(ctx context.Context) error {
		buf := <-bufs
		defer func() { bufs <- buf }()
		b, err := ep.Expose([][]byte{buf}, dir)
		if err != nil {
			return err
		}
		var resp PushReply
		var out rpc.Message
		if dir == rpc.FromServer {
			out = &resp
		}
		err = ep.Call(ctx, to, op, &BulkMsg{Bulk: b.Desc()}, out)
		if ferr := b.Finish(resp.Inline); err == nil {
			err = ferr
		}
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("self-test %s of %d bytes: %w", name, size, err)
	}
	return summarise(name, size, inflight, lat, wall), nil
}
