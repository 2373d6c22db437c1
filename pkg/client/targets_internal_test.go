package client

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

func TestQueryTargets(t *testing.T) {
	ctx := context.Background()
	_, ro, m := svcPool(t)
	all, err := ro.QueryTargets(ctx, 1)
	require.NoError(t, err)
	require.Len(t, all, 4)
	for i, ti := range all {
		assert.Equal(t, poolsvc.TargetInfo{Rank: 1, Index: uint32(i), State: "UPIN"}, ti)
	}
	// An exclusion by the admin shows at once.
	c := &poolsvc.Command{Op: poolsvc.OpMapUpdate, MapOp: poolsvc.MapExclude,
		Targets: []placement.TargetRef{{Rank: 1, Index: 2}}, Time: time.Now().UTC()}
	b, _ := c.Encode()
	if err, ok := m.Apply(b).(error); ok {
		t.Fatal(err)
	}
	some, err := ro.QueryTargets(ctx, 1, 2, 0)
	require.NoError(t, err)
	assert.Equal(t, []poolsvc.TargetInfo{{Rank: 1, Index: 2, State: "DOWN"}, {Rank: 1, Index: 0, State: "UPIN"}}, some)
	_, err = ro.QueryTargets(ctx, 1, 4)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	assert.ErrorContains(t, err, "no target index 4")
	_, err = ro.QueryTargets(ctx, 9)
	assert.ErrorIs(t, err, daos.ErrNonexist)
}
