// Package iostats counts an engine's I/O per target and operation:
// calls, errors, bytes and a latency histogram, cheap enough to update on
// every request (a mutex per target) and read in one snapshot for
// telemetry.
package iostats

import (
	"sort"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// Bounds are the histogram's upper bounds: 10 µs to ~10 s, by 4x.
var Bounds = [nbounds]time.Duration{
	10 * time.Microsecond, 40 * time.Microsecond, 160 * time.Microsecond, 640 * time.Microsecond,
	2560 * time.Microsecond, 10240 * time.Microsecond, 40960 * time.Microsecond, 163840 * time.Microsecond,
	655360 * time.Microsecond, 2621440 * time.Microsecond, 10485760 * time.Microsecond,
}

const nbounds = 11

// histogram is a latency histogram over Bounds.
type histogram struct {
	count   uint64
	sum     time.Duration
	buckets [nbounds + 1]uint64
}

func (h *histogram) observe(d time.Duration) {
	h.count++
	h.sum += d
	h.buckets[sort.Search(len(Bounds), func(i int) bool { return d <= Bounds[i] })]++
}

// SizeClasses name the request size classes as DAOS's I/O latency
// metrics do: a class holds sizes up to its name, the last the larger.
var SizeClasses = [nsizes]string{"256B", "512B", "1KB", "2KB", "4KB", "8KB", "16KB", "32KB", "64KB", "128KB",
	"256KB", "512KB", "1MB", "2MB", "4MB", "GT4MB"}

const nsizes = 16

// sizeClass is the index of the class of n bytes (n > 0).
func sizeClass(n int64) int {
	c := 0
	for limit := int64(256); c < nsizes-1 && n > limit; limit *= 2 {
		c++
	}
	return c
}

type opStats struct {
	count, errors, bytes uint64
	sum                  time.Duration
	buckets              [nbounds + 1]uint64
	bySize               [nsizes]histogram
}

type targetStats struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

// Stats counts the I/O of an engine's targets.
type Stats struct {
	targets []targetStats
}

// New counts for n targets.
func New(n int) *Stats {
	s := &Stats{targets: make([]targetStats, n)}
	for i := range s.targets {
		s.targets[i].ops = map[string]*opStats{}
	}
	return s
}

// Observe records one call of op on target.
func (s *Stats) Observe(target uint32, op string, bytes int64, d time.Duration, err error) {
	if int(target) >= len(s.targets) {
		return // a request for a target this engine does not have
	}
	t := &s.targets[target]
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.ops[op]
	if o == nil {
		o = &opStats{}
		t.ops[op] = o
	}
	o.count++
	if err != nil {
		o.errors++
	}
	if bytes > 0 {
		o.bytes += uint64(bytes)
	}
	o.sum += d
	i := sort.Search(len(Bounds), func(i int) bool { return d <= Bounds[i] })
	o.buckets[i]++
	if bytes > 0 {
		o.bySize[sizeClass(bytes)].observe(d)
	}
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() (bounds []float64, ops []*enginepb.OpStats) {
	for _, b := range Bounds {
		bounds = append(bounds, b.Seconds())
	}
	for ti := range s.targets {
		t := &s.targets[ti]
		t.mu.Lock()
		names := make([]string, 0, len(t.ops))
		for name := range t.ops {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			o := t.ops[name]
			st := &enginepb.OpStats{Target: uint32(ti), Op: name, Count: o.count, Errors: o.errors,
				Bytes: o.bytes, LatencySumNs: uint64(o.sum.Nanoseconds()), Buckets: append([]uint64(nil), o.buckets[:]...)}
			for c := range o.bySize {
				if h := &o.bySize[c]; h.count > 0 {
					st.BySize = append(st.BySize, &enginepb.SizeLatency{Size: SizeClasses[c], Count: h.count,
						LatencySumNs: uint64(h.sum.Nanoseconds()), Buckets: append([]uint64(nil), h.buckets[:]...)})
				}
			}
			ops = append(ops, st)
		}
		t.mu.Unlock()
	}
	return bounds, ops
}
