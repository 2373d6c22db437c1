package poolhost

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A map version pushed for a pool the engine holds no shard of (any peer
// can send OpMapDist) is not kept: each made-up pool stayed in the
// engine's versions for good.
func TestMapDistOfForeignPoolNotKept(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e := startEngine(t, 0, t.TempDir(), 0)
	defer e.stop()
	for i := 0; i < 100; i++ {
		resp := &MapDistResp{}
		require.NoError(t, e.ep.Call(ctx, e.ep.URI(), OpMapDist, &MapDistReq{Pool: UUID{0xf0, byte(i)}, Version: 9}, resp))
		assert.Zero(t, resp.Version)
	}
	e.host.maps.mu.RLock()
	n := len(e.host.maps.v)
	e.host.maps.mu.RUnlock()
	assert.Zero(t, n, "versions of pools without a shard here were kept")

	// A pool with shards here learns it.
	p := UUID{0x5a}
	_, err := e.host.tgtCreate(ctx, nil, &TgtCreateReq{Pool: p, SCMBytes: 64 << 20})
	require.NoError(t, err)
	resp := &MapDistResp{}
	require.NoError(t, e.ep.Call(ctx, e.ep.URI(), OpMapDist, &MapDistReq{Pool: p, Version: 9}, resp))
	assert.Equal(t, uint32(9), resp.Version)
	v, ok := e.host.Maps().Version(p)
	assert.True(t, ok)
	assert.Equal(t, uint32(9), v)
}
