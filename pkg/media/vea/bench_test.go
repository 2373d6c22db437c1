package vea

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkReserveFree measures one value's life in steady state: reserve,
// publish and, later, free, on a device of 4 Mi blocks (16 GiB) half full
// of extents of 1 to 64 blocks, so the free space is fragmented.
func BenchmarkReserveFree(b *testing.B) {
	const total = 4 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	a := New(total)
	var live []Extent
	for a.UsedBlocks() < total/2 {
		e, err := a.Reserve(1 + rng.Uint64N(64))
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Publish(e); err != nil {
			b.Fatal(err)
		}
		live = append(live, e)
	}
	// Free every other extent so the free space starts out in pieces.
	kept := live[:0]
	for i, e := range live {
		if i%2 == 0 {
			kept = append(kept, e)
			continue
		}
		if err := a.Free(e); err != nil {
			b.Fatal(err)
		}
	}
	live = kept
	sizes := make([]uint64, 1024)
	for i := range sizes {
		sizes[i] = 1 + rng.Uint64N(64)
	}
	i := 0
	for b.Loop() {
		e, err := a.Reserve(sizes[i%len(sizes)])
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Publish(e); err != nil {
			b.Fatal(err)
		}
		j := rng.IntN(len(live))
		if err := a.Free(live[j]); err != nil {
			b.Fatal(err)
		}
		live[j] = e
		i++
	}
	b.ReportMetric(float64(a.byOff.Len()), "free-extents")
}
