package hlc

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/daos-go/daos/pkg/daos"
)

func TestMonotonicAndCausal(t *testing.T) {
	frozen := time.Unix(1_800_000_000, 0)
	c := New(func() time.Time { return frozen })
	a, b := c.Now(), c.Now()
	assert.Greater(t, b, a, "same physical tick still advances")
	assert.Equal(t, frozen.UnixNano()&^logicalMask, int64(a&^logicalMask))

	// A stamp too far ahead is refused and does not move the clock.
	far := uint64(frozen.Add(time.Hour).UnixNano())
	assert.ErrorIs(t, c.Check(far), daos.ErrHlcSync)
	assert.Less(t, c.Update(far), far)
	assert.ErrorIs(t, c.Check(^uint64(0)-2), daos.ErrHlcSync)

	// A stamp from a clock running a little ahead moves this one past it.
	ahead := uint64(frozen.Add(500 * time.Millisecond).UnixNano())
	got := c.Update(ahead)
	assert.Greater(t, got, ahead)
	assert.Greater(t, c.Now(), got)
	// An old stamp changes nothing but still yields a fresh reading.
	assert.Greater(t, c.Update(5), got)
	assert.WithinDuration(t, frozen.Add(500*time.Millisecond), Time(c.Last()), time.Millisecond)
}

func TestConcurrentStampsAreUnique(t *testing.T) {
	var c Clock
	const n, per = 8, 2000
	out := make(chan uint64, n*per)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < per; j++ {
				out <- c.Now()
			}
		}()
	}
	wg.Wait()
	close(out)
	seen := map[uint64]bool{}
	for s := range out {
		if seen[s] {
			t.Fatalf("stamp %d given twice", s)
		}
		seen[s] = true
	}
}
