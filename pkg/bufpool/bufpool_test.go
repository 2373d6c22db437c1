package bufpool

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClasses(t *testing.T) {
	for n, want := range map[int][2]int{
		-1: {-1, 0}, 0: {-1, 0}, 1: {0, 1024}, 1024: {0, 1024}, 1025: {1, 1280}, 2048: {4, 2048},
		2049: {5, 2560}, 4096: {8, 4096}, 4228: {9, 5120}, 8192: {12, 8192}, Max: {24, Max}, Max + 1: {-1, 0},
	} {
		c, size := class(n)
		require.Equal(t, want, [2]int{c, size}, "size %d", n)
	}
	// Every class has one size, and sizes grow with classes.
	last := 0
	for n := 1; n <= Max; n++ {
		c, size := class(n)
		require.GreaterOrEqual(t, size, n)
		require.Less(t, c, numClasses)
		if size != last {
			require.Greater(t, size, last)
			cc, _ := class(size)
			require.Equal(t, c, cc)
			last = size
		}
	}
}

// TestPool: pooled buffers have their class's capacity and the asked
// length; only buffers of a class's exact capacity are taken back; sizes
// outside the classes are plain allocations.
func TestPool(t *testing.T) {
	var p Pool
	b := p.Get(4228)
	require.Len(t, b, 4228)
	require.Equal(t, 5120, cap(b))
	p.Put(b)
	c := p.Get(5000)
	require.Len(t, c, 5000)
	require.Equal(t, 5120, cap(c))

	big := p.Get(1 << 20)
	require.Len(t, big, 1<<20)
	p.Put(big)                     // ignored
	p.Put(make([]byte, 100, 3000)) // not a class's size: ignored
	d := p.Get(2000)
	require.Equal(t, 2048, cap(d))
}
