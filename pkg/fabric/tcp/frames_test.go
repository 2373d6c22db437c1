package tcp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFrameClasses(t *testing.T) {
	for n, want := range map[int][2]int{
		-1: {-1, 0}, 0: {-1, 0}, 1: {0, 1024}, 1024: {0, 1024}, 1025: {1, 1280}, 2048: {4, 2048},
		2049: {5, 2560}, 4096: {8, 4096}, 4228: {9, 5120}, 8192: {12, 8192}, 64 << 10: {24, 64 << 10}, 64<<10 + 1: {-1, 0},
	} {
		c, size := frameClass(n)
		require.Equal(t, want, [2]int{c, size}, "size %d", n)
	}
	// Every class has one size, and sizes grow with classes.
	last := 0
	for n := 1; n <= 64<<10; n++ {
		c, size := frameClass(n)
		require.GreaterOrEqual(t, size, n)
		require.Less(t, c, numFrameClasses)
		if size != last {
			require.Greater(t, size, last)
			cc, _ := frameClass(size)
			require.Equal(t, c, cc)
			last = size
		}
	}
}

// TestFramePool: pooled frames have their class's capacity and the asked
// length; only buffers of a class's exact capacity are taken back; sizes
// outside the classes are plain allocations.
func TestFramePool(t *testing.T) {
	var p framePool
	b := p.get(4228)
	require.Len(t, b, 4228)
	require.Equal(t, 5120, cap(b))
	p.put(b)
	c := p.get(5000)
	require.Len(t, c, 5000)
	require.Equal(t, 5120, cap(c))

	big := p.get(1 << 20)
	require.Len(t, big, 1<<20)
	p.put(big)                     // ignored
	p.put(make([]byte, 100, 3000)) // not a class's size: ignored
	d := p.get(2000)
	require.Equal(t, 2048, cap(d))
}
