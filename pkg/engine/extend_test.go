package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// TestPoolExtend: dmg pool extend adds ranks to a pool: shards of the
// existing ranks' size on the new ranks, their targets in the pool map
// (UP: no rebuild yet), a new map version pushed to every engine, the
// pool query counting them. A rank already in the pool is refused without
// touching its shards; a failed extend removes the shards it made.
func TestPoolExtend(t *testing.T) {
	engines := startPoolEngines(t, 4)
	for _, e := range engines {
		e.dp.setMapSources(e.member.uris, nil)
	}
	e0 := engines[0]
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0, 1},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	svc := cr.SvcReps
	u, err := target.ParseUUID(testPool)
	require.NoError(t, err)
	pool := poolhost.UUID(u)

	query := func() *mgmtpb.PoolQueryResp {
		t.Helper()
		resp := &mgmtpb.PoolQueryResp{}
		callPool(t, engines[1], drpc.MethodPoolQuery, &mgmtpb.PoolQueryReq{Id: testPool, SvcRanks: svc}, resp)
		require.Zero(t, resp.Status)
		return resp
	}
	hasShards := func(r int) bool {
		_, err := engines[r].dp.targets[0].Shard(target.UUID(pool))
		return err == nil
	}
	extend := func(ranks ...uint32) *mgmtpb.PoolExtendResp {
		t.Helper()
		resp := &mgmtpb.PoolExtendResp{}
		callPool(t, engines[1], drpc.MethodPoolExtend, &mgmtpb.PoolExtendReq{Id: testPool, SvcRanks: svc, Ranks: ranks}, resp)
		return resp
	}
	q0 := query()
	require.Equal(t, uint32(4), q0.TotalTargets)

	// Already in the pool: refused, and its shards are untouched.
	resp := extend(1)
	assert.Equal(t, der(daos.ErrExist), resp.Status)
	assert.True(t, hasShards(1))
	resp = extend(2, 2)
	assert.NotZero(t, resp.Status, "a rank given twice")
	assert.False(t, hasShards(2))

	// Rank 9's engine is gone: rank 3's shards, made, are removed again
	// and the map does not change.
	dead, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: rpc.NewRegistry()})
	require.NoError(t, err)
	deadURI := dead.URI().String()
	dead.Close()
	engines[1].member.mu.Lock()
	engines[1].member.group[9] = deadURI
	engines[1].member.mu.Unlock()
	resp = extend(3, 9)
	assert.NotZero(t, resp.Status)
	assert.False(t, hasShards(3), "the failed extend's shards are removed")
	q := query()
	assert.Equal(t, q0.Version, q.Version)
	assert.Equal(t, uint32(4), q.TotalTargets)

	// Ranks 2 and 3 join.
	resp = extend(2, 3)
	require.Zero(t, resp.Status)
	assert.Equal(t, []uint64{64 << 20, 0}, resp.TierBytes, "each rank's share as the pool's ranks have it")
	assert.True(t, hasShards(2))
	assert.True(t, hasShards(3))
	space, err := e0.dp.pools.Space(context.Background(), pool, []uint32{3}, e0.member.uris())
	require.NoError(t, err)
	require.Len(t, space, 2)
	assert.Equal(t, uint64(32<<20), space[0].SCMTotal)
	q = query()
	assert.Equal(t, uint32(8), q.TotalTargets)
	assert.Equal(t, uint32(8), q.ActiveTargets)
	assert.Zero(t, q.DisabledTargets)
	assert.Greater(t, q.Version, q0.Version)
	tq := &mgmtpb.PoolQueryTargetResp{}
	callPool(t, e0, drpc.MethodPoolQueryTargets, &mgmtpb.PoolQueryTargetReq{Id: testPool, SvcRanks: svc, Rank: 3}, tq)
	require.Zero(t, tq.Status)
	require.Len(t, tq.Infos, 2)
	for _, in := range tq.Infos {
		assert.Equal(t, mgmtpb.PoolQueryTargetInfo_UP, in.State, "UP until a rebuild fills them")
		require.NotEmpty(t, in.Space)
	}
	// The new version reaches every engine of the pool, the new ones too.
	deadline := time.Now().Add(10 * time.Second)
	for r, e := range engines {
		for {
			v, ok := e.dp.pools.Maps().Version(pool)
			if ok && v == q.Version {
				break
			}
			require.True(t, time.Now().Before(deadline), "rank %d holds map version %d (%v), not %d", r, v, ok, q.Version)
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Extending again by a rank now in the pool is refused.
	assert.Equal(t, der(daos.ErrExist), extend(3).Status)
	assert.True(t, hasShards(3))
}
