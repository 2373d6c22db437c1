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
