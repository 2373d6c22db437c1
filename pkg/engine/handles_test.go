package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// fakeService is a pool service's open container handles.
type fakeService struct {
	mu      sync.Mutex
	open    map[objproto.UUID]poolsvc.ContHandleReply
	fail    error // for every query, when set
	finds   int
	queries int
	gate    chan struct{} // when set, queries wait for it
}

func (f *fakeService) find(ctx context.Context, pool objproto.UUID) ([]uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds++
	return []uint32{0, 1, 2}, nil
}

func (f *fakeService) contHandle(ctx context.Context, pool objproto.UUID, ranks []uint32, h objproto.UUID) (*poolsvc.ContHandleReply, error) {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries++
	if f.fail != nil {
		return nil, f.fail
	}
	r, ok := f.open[h]
	if !ok {
		return nil, daos.Errorf(daos.ErrNoHdl, "no container handle")
	}
	return &r, nil
}

func (f *fakeService) set(h objproto.UUID, cont objproto.UUID, flags uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open[h] = poolsvc.ContHandleReply{Handle: &poolsvc.Handle{UUID: target.UUID(h).String(), Flags: flags}, Cont: target.UUID(cont).String()}
}

func (f *fakeService) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finds, f.queries
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFake() (*fakeService, *handleCache, *fakeClock) {
	f := &fakeService{open: map[objproto.UUID]poolsvc.ContHandleReply{}}
	c := newHandleCache(f)
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c.now = clk.now
	return f, c, clk
}

var (
	hPool = objproto.UUID{0xaa}
	hCont = objproto.UUID{0xcc, 1}
)

func TestHandleCacheTTL(t *testing.T) {
	f, c, clk := newFake()
	ctx := context.Background()
	rw, ro, ex := objproto.UUID{1}, objproto.UUID{2}, objproto.UUID{3}
	f.set(rw, hCont, poolsvc.FlagRW)
	f.set(ro, hCont, poolsvc.FlagRO|poolsvc.FlagForce)
	f.set(ex, hCont, poolsvc.FlagEX)
	for h, write := range map[objproto.UUID]bool{rw: true, ro: false, ex: true} {
		info, err := c.ContHandle(ctx, hPool, h)
		require.NoError(t, err)
		assert.Equal(t, hCont, info.Cont)
		assert.Equal(t, write, info.Write, "handle %x", h[0])
	}
	finds, queries := f.counts()
	assert.Equal(t, 1, finds, "the service's ranks are found once per pool")
	assert.Equal(t, 3, queries)

	// Closed at the service: still open here until the TTL runs out.
	f.mu.Lock()
	delete(f.open, rw)
	f.mu.Unlock()
	clk.add(handleTTL - time.Second)
	_, err := c.ContHandle(ctx, hPool, rw)
	require.NoError(t, err)
	_, queries = f.counts()
	assert.Equal(t, 3, queries, "a cached handle asked the service again")
	clk.add(2 * time.Second)
	_, err = c.ContHandle(ctx, hPool, rw)
	assert.True(t, errors.Is(err, daos.ErrNoHdl), "%v", err)
}

func TestHandleCacheNegative(t *testing.T) {
	f, c, clk := newFake()
	ctx := context.Background()
	h := objproto.UUID{9}
	_, err := c.ContHandle(ctx, hPool, h)
	assert.True(t, errors.Is(err, daos.ErrNoHdl), "%v", err)
	// Opened just after: refused for at most noHandleTTL.
	f.set(h, hCont, poolsvc.FlagRW)
	_, err = c.ContHandle(ctx, hPool, h)
	assert.True(t, errors.Is(err, daos.ErrNoHdl), "%v", err)
	clk.add(noHandleTTL)
	info, err := c.ContHandle(ctx, hPool, h)
	require.NoError(t, err)
	assert.Equal(t, hCont, info.Cont)
	assert.True(t, info.Write)

	// Failures to reach the service are not remembered at all, and the
	// service is looked for again.
	other := objproto.UUID{10}
	f.set(other, hCont, poolsvc.FlagRO)
	f.fail = daos.Errorf(daos.ErrTimedout, "no leader")
	_, err = c.ContHandle(ctx, hPool, other)
	assert.True(t, errors.Is(err, daos.ErrTimedout), "%v", err)
	f.fail = nil
	info, err = c.ContHandle(ctx, hPool, other)
	require.NoError(t, err)
	assert.False(t, info.Write)
	finds, _ := f.counts()
	assert.Equal(t, 2, finds)
}

func TestHandleCacheSharedLookupAndBound(t *testing.T) {
	f, c, _ := newFake()
	ctx := context.Background()
	h := objproto.UUID{5}
	f.set(h, hCont, poolsvc.FlagRW)
	f.gate = make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ContHandle(ctx, hPool, h)
			assert.NoError(t, err)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	_, queries := f.counts()
	assert.Equal(t, 1, queries, "concurrent checks of a new handle share one lookup")

	f.gate = nil
	for i := 0; i < maxHandles+100; i++ {
		_, _ = c.ContHandle(ctx, hPool, objproto.UUID{0xee, byte(i), byte(i >> 8)})
	}
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	assert.LessOrEqual(t, n, maxHandles)
}

// The cache hands on how the handle's container sums its data, and
// refuses a spec no engine could follow.
func TestHandleCacheCsumSpec(t *testing.T) {
	f, c, _ := newFake()
	ctx := context.Background()
	h, bad := objproto.UUID{20}, objproto.UUID{21}
	spec := csum.Spec{Type: csum.SHA256, ChunkBytes: 8192, ServerVerify: true}
	f.set(h, hCont, poolsvc.FlagRW)
	f.set(bad, hCont, poolsvc.FlagRW)
	f.mu.Lock()
	r := f.open[h]
	r.Csum = spec
	f.open[h] = r
	r = f.open[bad]
	r.Csum = csum.Spec{Type: csum.CRC32}
	f.open[bad] = r
	f.mu.Unlock()
	info, err := c.ContHandle(ctx, hPool, h)
	require.NoError(t, err)
	assert.Equal(t, spec, info.Csum)
	_, err = c.ContHandle(ctx, hPool, bad)
	assert.ErrorIs(t, err, daos.ErrProto)
}
