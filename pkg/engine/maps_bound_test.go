package engine

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Object I/O naming a pool the engine holds no shard of (any client can
// send it, before its handle is checked) must not make the engine ask a
// pool service about it nor remember it: every distinct pool UUID a
// client made up cost a server round trip and an entry kept for good.
func TestNewerMapOfForeignPoolIgnored(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	cfg := &enginepb.EngineConfig{Targets: 1, ScmMount: t.TempDir(), Provider: "tcp", FabricIface: "127.0.0.1"}
	dp, err := startDataPlane(ctx, cfg, log, func() (uint32, bool) { return 0, true },
		func(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() }, anyHandle{}, nil)
	require.NoError(t, err)
	require.NoError(t, dp.ep.SetPeerKey(testPeerKey))
	t.Cleanup(func() { assert.NoError(t, dp.close()) })
	var asked atomic.Int32
	dp.setMapSources(func() map[uint32]string { return nil }, func(context.Context, poolhost.UUID) ([]string, error) {
		asked.Add(1)
		return nil, nil
	})
	for i := 0; i < 1000; i++ {
		dp.maps.NewerMap(objproto.UUID{0xf0, byte(i >> 8), byte(i)}, 7)
	}
	time.Sleep(50 * time.Millisecond)
	assert.Zero(t, asked.Load(), "the engine asked about pools it holds nothing of")
	dp.maps.mu.Lock()
	n := len(dp.maps.asked)
	dp.maps.mu.Unlock()
	assert.Zero(t, n, "pools a client named are remembered")

	// A pool with a shard here is still asked about.
	pool := poolhost.UUID{0x5a}
	require.NoError(t, dp.targets[0].CreateShard(ctx, [16]byte(pool), 16<<20, 0))
	dp.maps.NewerMap(objproto.UUID(pool), 7)
	require.Eventually(t, func() bool { return asked.Load() == 1 }, 5*time.Second, 10*time.Millisecond)
}
