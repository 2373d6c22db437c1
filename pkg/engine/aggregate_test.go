package engine

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/vos"
)

// The aggregator keeps what snapshots and the window need, follows the
// pool's reclaim strategy, and leaves containers the service does not
// know alone.
func TestAggregatorFollowsReclaimAndSnapshots(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	pool := target.UUID{0xa9, 1}
	cont, stray := vos.ContainerID{0xc1}, vos.ContainerID{0xc2}
	var targets []*target.Target
	for i := range 2 {
		tg := target.New(target.Config{Index: i, SCMDir: t.TempDir(), LogMode: vos.LogFile})
		require.NoError(t, tg.CreateShard(ctx, pool, 16<<20, 0))
		t.Cleanup(func() { tg.Close() })
		targets = append(targets, tg)
	}
	epochAt := func(ago time.Duration) daos.Epoch { return daos.Epoch(hlc.Stamp(now.Add(-ago))) }
	oid := daos.ObjectID{Lo: 1}
	put := func(tg *target.Target, c vos.ContainerID, at daos.Epoch, v string) {
		t.Helper()
		vp, err := tg.Container(ctx, pool, c)
		require.NoError(t, err)
		iod := daos.IOD{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(v))}
		require.NoError(t, vp.Update(ctx, c, oid, at, []byte("d"), []daos.IOD{iod}, [][]byte{[]byte(v)}, vos.UpdateOptions{}))
	}
	get := func(tg *target.Target, c vos.ContainerID, at daos.Epoch) string {
		t.Helper()
		vp, err := tg.Shard(pool)
		require.NoError(t, err)
		res, err := vp.Fetch(ctx, c, oid, at, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1 << 20}}, vos.FetchOptions{})
		require.NoError(t, err)
		return string(res[0].Data)
	}
	// Versions 5, 4, 3 minutes ago and one just now, on both targets;
	// a snapshot at 4 minutes ago.
	for _, tg := range targets {
		put(tg, cont, epochAt(5*time.Minute), "old")
		put(tg, cont, epochAt(4*time.Minute), "snapped")
		put(tg, cont, epochAt(3*time.Minute), "latest-aggregatable")
		put(tg, cont, epochAt(time.Second), "fresh")
		put(tg, stray, epochAt(5*time.Minute), "s1")
		put(tg, stray, epochAt(4*time.Minute), "s2")
	}
	reply := &poolsvc.AggregationReply{Reclaim: poolsvc.ReclaimTime,
		Snapshots: map[string][]uint64{target.UUID(cont).String(): {uint64(epochAt(4 * time.Minute))}}}
	var policyErr error
	policy := func(_ context.Context, p target.UUID) (*poolsvc.AggregationReply, error) {
		require.Equal(t, pool, p)
		return reply, policyErr
	}
	a := newAggregator(targets, policy, AggregationOptions{Window: time.Minute}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.now = func() time.Time { return now }

	reply.Reclaim = poolsvc.ReclaimDisabled
	assert.Zero(t, a.pass(ctx).VersionsRemoved, "reclaim disabled")
	policyErr = errors.New("no leader")
	reply.Reclaim = poolsvc.ReclaimTime
	assert.Zero(t, a.pass(ctx).VersionsRemoved, "the service could not be read")
	policyErr = nil
	// A leader whose clock is behind this engine's: the window counts
	// from the leader's (snapshots are stamped by it), so the 5-minute
	// version, the newest below that boundary, stays.
	reply.Now = uint64(epochAt(210 * time.Second))
	assert.Zero(t, a.pass(ctx).VersionsRemoved, "boundary from the leader's clock")
	reply.Now = 0 // unknown: no bound from it

	st := a.pass(ctx)
	assert.Equal(t, uint64(2), st.VersionsRemoved, "the 5-minute version, on each target")
	assert.Equal(t, 2, st.containers, "the stray container is not the service's")
	for _, tg := range targets {
		assert.Equal(t, "snapped", get(tg, cont, epochAt(4*time.Minute)), "the snapshot's view stays")
		assert.Equal(t, "latest-aggregatable", get(tg, cont, epochAt(2*time.Minute)))
		assert.Equal(t, "fresh", get(tg, cont, daos.EpochMax))
		assert.Equal(t, "s1", get(tg, stray, epochAt(5*time.Minute)), "an unknown container is left alone")
		vp, _ := tg.Shard(pool)
		snaps, err := vp.Snapshots(cont)
		require.NoError(t, err)
		assert.Equal(t, []daos.Epoch{epochAt(4 * time.Minute)}, snaps)
	}

	// The snapshot is destroyed; the window moves past the fresh write.
	reply.Snapshots[target.UUID(cont).String()] = nil
	now = now.Add(2 * time.Minute)
	st = a.pass(ctx)
	assert.Equal(t, uint64(4), st.VersionsRemoved, "snapped and latest-aggregatable, on each target")
	st = a.pass(ctx)
	assert.Zero(t, st.VersionsRemoved)
	assert.Equal(t, 2, st.skipped, "settled: nothing left above the boundary")

	// Lazy: a target that ran operations since the last pass waits.
	reply.Reclaim = poolsvc.ReclaimLazy
	put(targets[0], cont, epochAt(-time.Second), "newer") // now is 2 minutes on
	put(targets[1], cont, epochAt(-time.Second), "newer")
	a.pass(ctx) // takes the targets' operation counts
	now = now.Add(2 * time.Minute)
	require.NoError(t, targets[0].Exec.Run(ctx, func(context.Context) error { return nil }))
	st = a.pass(ctx)
	assert.Equal(t, 1, st.containers, "only the idle target")
	assert.Equal(t, uint64(1), st.VersionsRemoved)
	st = a.pass(ctx)
	assert.Equal(t, uint64(1), st.VersionsRemoved, "target 0 is idle now")
}

func TestShortOfSpace(t *testing.T) {
	assert.False(t, shortOfSpace(vos.Space{}))
	assert.False(t, shortOfSpace(vos.Space{SCMTotal: 100, SCMUsed: 79}))
	assert.True(t, shortOfSpace(vos.Space{SCMTotal: 100, SCMUsed: 81}))
	assert.True(t, shortOfSpace(vos.Space{SCMTotal: 100, NVMeTotal: 100, NVMeUsed: 70, NVMeReserved: 15}))
	assert.True(t, shortOfSpace(vos.Space{SCMTotal: 100, SCMUsed: 200}))
}
