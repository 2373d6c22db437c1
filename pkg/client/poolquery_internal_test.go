package client

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

func TestEngineRanksClassifyAsDAOS(t *testing.T) {
	pm, err := placement.NewPoolMap([]placement.RankSpec{{Rank: 0, Targets: 2, FaultPath: "/n0"},
		{Rank: 1, Targets: 2, FaultPath: "/n1"}, {Rank: 2, Targets: 2, FaultPath: "/n2"}, {Rank: 3, Targets: 2, FaultPath: "/n3"}})
	require.NoError(t, err)
	assert.Equal(t, []uint32{0, 1, 2, 3}, engineRanks(pm, true))
	assert.Equal(t, []uint32{}, engineRanks(pm, false))

	// One target down disables its engine; a draining one does not.
	require.NoError(t, pm.Exclude(placement.TargetRef{Rank: 1, Index: 0}))
	require.NoError(t, pm.Drain(placement.TargetRef{Rank: 2, Index: 1}))
	require.NoError(t, pm.Exclude(placement.TargetRef{Rank: 3, Index: placement.AllTargets}))
	assert.Equal(t, []uint32{0, 2}, engineRanks(pm, true))
	assert.Equal(t, []uint32{1, 3}, engineRanks(pm, false))
}

func TestPoolPropsAndEngineRanksThroughTheService(t *testing.T) {
	ctx := context.Background()
	rw, ro, _ := svcPool(t)
	props, err := ro.Props(ctx)
	require.NoError(t, err)
	assert.Equal(t, poolsvc.Prop{Str: "tank"}, props["label"])
	assert.Contains(t, props, "svc_list")
	assert.Contains(t, props, "reclaim")

	en, err := rw.EngineRanks(ctx, true)
	require.NoError(t, err)
	assert.Equal(t, []uint32{0, 1}, en)
	dis, err := rw.EngineRanks(ctx, false)
	require.NoError(t, err)
	assert.Empty(t, dis)
}
