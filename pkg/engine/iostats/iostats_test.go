package iostats

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestObserveAndSnapshot(t *testing.T) {
	s := New(2)
	s.Observe(1, "update", 4096, 30*time.Microsecond, nil)
	s.Observe(1, "update", 4096, 5*time.Millisecond, errors.New("x"))
	s.Observe(0, "fetch", 100, time.Minute, nil)
	s.Observe(7, "fetch", 1, time.Second, nil) // no such target: ignored
	bounds, ops := s.Snapshot()
	require.Len(t, bounds, len(Bounds))
	require.Len(t, ops, 2)
	f, u := ops[0], ops[1]
	assert.Equal(t, "fetch", f.Op)
	assert.Equal(t, uint32(0), f.Target)
	assert.Equal(t, uint64(1), f.Buckets[len(Bounds)], "a minute lands past the last bound")
	assert.Equal(t, "update", u.Op)
	assert.Equal(t, uint64(2), u.Count)
	assert.Equal(t, uint64(1), u.Errors)
	assert.Equal(t, uint64(8192), u.Bytes)
	assert.Equal(t, uint64(1), u.Buckets[1], "30 µs is in the 40 µs bucket")
	assert.Equal(t, uint64(1), u.Buckets[5], "5 ms is in the 10.24 ms bucket")
}

func TestSizeClasses(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{1, "256B"}, {256, "256B"}, {257, "512B"}, {4096, "4KB"}, {4097, "8KB"}, {1 << 20, "1MB"}, {4 << 20, "4MB"}, {4<<20 + 1, "GT4MB"}, {1 << 40, "GT4MB"}} {
		assert.Equal(t, c.want, SizeClasses[sizeClass(c.n)], "%d bytes", c.n)
	}
	s := New(1)
	s.Observe(0, "update", 4096, 30*time.Microsecond, nil)
	s.Observe(0, "update", 4000, 3*time.Millisecond, nil)
	s.Observe(0, "update", 1<<20, time.Millisecond, nil)
	s.Observe(0, "punch", 0, time.Millisecond, nil) // moves no data: no size class
	_, ops := s.Snapshot()
	require.Len(t, ops, 2)
	assert.Empty(t, ops[0].BySize, "punch")
	u := ops[1]
	require.Len(t, u.BySize, 2)
	assert.Equal(t, "4KB", u.BySize[0].Size)
	assert.Equal(t, uint64(2), u.BySize[0].Count)
	assert.Equal(t, uint64(3030000), u.BySize[0].LatencySumNs)
	assert.Equal(t, uint64(1), u.BySize[0].Buckets[1])
	assert.Equal(t, "1MB", u.BySize[1].Size)
	assert.Equal(t, uint64(1), u.BySize[1].Count)
}
