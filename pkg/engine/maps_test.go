package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/object/objsrv"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// anyHandle lets every container handle write to container mapsCont
// (this test is about map versions, not handles).
type anyHandle struct{}

var mapsCont = objproto.UUID{0xc0}

func (anyHandle) ContHandle(context.Context, objproto.UUID, objproto.UUID) (objsrv.HandleInfo, error) {
	return objsrv.HandleInfo{Cont: mapsCont, Write: true}, nil
}

// TestStaleMapEndToEnd: three engines with their data planes as Run
// wires them and a real pool service (replicas on every engine). A
// client connected with the pool's first map does I/O; a target goes
// DOWN through the service (map version +1), which pushes the version to
// every engine; the client's next I/O is refused as stale by the engine,
// the client refreshes its map from the service and the I/O succeeds,
// and the client now holds the new version. An engine that lost its
// version serves a client with a newer map and learns the version from
// the service.
func TestStaleMapEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	const n = 3
	pool := poolhost.UUID{0x5a, 0x1e}
	group := map[uint32]string{}
	var dps []*dataPlane
	for r := uint32(0); r < n; r++ {
		cfg := &enginepb.EngineConfig{Targets: 2, ScmMount: t.TempDir(), Provider: "tcp", FabricIface: "127.0.0.1"}
		rank := r
		dp, err := startDataPlane(ctx, cfg, log, func() (uint32, bool) { return rank, true },
			func(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() }, anyHandle{}, nil)
		require.NoError(t, err)
		require.NoError(t, dp.ep.SetPeerKey(testPeerKey))
		t.Cleanup(func() { assert.NoError(t, dp.close()) })
		dps = append(dps, dp)
		group[r] = dp.ep.URI().String()
	}
	replicas := []string{group[0], group[1], group[2]}
	asked := make([]atomic.Int32, n)
	for i, dp := range dps {
		dp.setMapSources(func() map[uint32]string { return group }, func(context.Context, poolhost.UUID) ([]string, error) {
			asked[i].Add(1)
			return replicas, nil
		})
	}

	plan := poolhost.Plan{Pool: pool, Ranks: []uint32{0, 1, 2}, URIs: group, SCMBytes: []uint64{64 << 20, 64 << 20, 64 << 20},
		NVMeBytes: []uint64{0, 0, 0}, SvcRanks: []uint32{0, 1, 2},
		Init: func(targets map[uint32]uint32) ([]byte, error) {
			var specs []placement.RankSpec
			for r := uint32(0); r < n; r++ {
				specs = append(specs, placement.RankSpec{Rank: r, Targets: int(targets[r]), FaultPath: fmt.Sprintf("/node%d", r)})
			}
			return (&poolsvc.Command{Op: poolsvc.OpCreate, Time: time.Now().UTC(), Create: &poolsvc.CreateArgs{
				UUID: "5a1e0000-0000-0000-0000-000000000000", Label: "stale", Owner: "alice@", Group: "staff@",
				Ranks: specs, SvcRanks: []uint32{0, 1, 2}, Props: map[string]string{}}}).Encode()
		}}
	require.NoError(t, dps[0].pools.CreatePool(ctx, plan))

	// The test acts for engines (AdminApply): it holds their key.
	cep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, PeerKey: testPeerKey})
	require.NoError(t, err)
	t.Cleanup(func() { cep.Close() })
	svc := &poolhost.Client{EP: cep}
	readMap := func() *placement.PoolMap {
		t.Helper()
		body, _ := json.Marshal(poolsvc.Query{What: "map"})
		res, _, err := svc.AdminQueryLeader(ctx, pool, replicas, body)
		require.NoError(t, err)
		var mr poolsvc.MapReply
		require.NoError(t, json.Unmarshal(res, &mr))
		pm, err := placement.DecodePoolMap(mr.Map)
		require.NoError(t, err)
		return pm
	}
	waitEngines := func(want uint32) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, dp := range dps {
			for {
				v, ok := dp.maps.MapVersion(objproto.UUID(pool))
				if ok && v == want {
					break
				}
				require.True(t, time.Now().Before(deadline), "an engine holds map version %d (known %v), not %d", v, ok, want)
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	mapUpdate := func(ref placement.TargetRef) {
		t.Helper()
		body, err := (&poolsvc.Command{Op: poolsvc.OpMapUpdate, Time: time.Now().UTC(), MapOp: poolsvc.MapExclude,
			Targets: []placement.TargetRef{ref}}).Encode()
		require.NoError(t, err)
		_, err = svc.AdminApply(ctx, pool, replicas, body)
		require.NoError(t, err)
	}

	// The client connects: it holds the pool's first map.
	pm0 := readMap()
	waitEngines(pm0.Version())
	uris := map[uint32]fabric.URI{}
	for r, s := range group {
		u, err := fabric.ParseURI(s)
		require.NoError(t, err)
		uris[r] = u
	}
	var refreshes atomic.Int32
	view := client.NewPoolView(objproto.UUID(pool), pm0, uris, func(context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error) {
		refreshes.Add(1)
		return readMap(), uris, nil
	})
	c := &client.Container{Pool: view, UUID: mapsCont, Handle: objproto.UUID{0xc1}, IO: &objclient.Client{EP: cep, Clock: &hlc.Clock{}}}
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: 77}, placement.OTMultiHashed, placement.Name2ID("S1"), 0, pm0.Shape(0))
	require.NoError(t, err)
	o, err := c.Object(oid)
	require.NoError(t, err)
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 3}}
	_, err = o.Update(ctx, []byte("d"), iod, [][]byte{[]byte("one")}, 0)
	require.NoError(t, err)
	assert.Zero(t, refreshes.Load())

	// A target the object does not use goes DOWN: version +1, pushed to
	// every engine.
	l, err := o.Layout()
	require.NoError(t, err)
	shard := l.Group(0)[0]
	other := placement.TargetRef{Rank: (shard.Rank + 1) % n, Index: 0}
	mapUpdate(other)
	v1 := pm0.Version() + 1
	waitEngines(v1)
	assert.Equal(t, pm0.Version(), view.Map().Version(), "the client has not heard of it yet")

	// The client's next I/O is refused as stale, refreshed and retried.
	_, err = o.Update(ctx, []byte("d"), iod, [][]byte{[]byte("two")}, 0)
	require.NoError(t, err)
	assert.Equal(t, int32(1), refreshes.Load(), "the engine said DER_STALE once")
	assert.Equal(t, v1, view.Map().Version())
	buf := make([]byte, 3)
	_, err = o.Fetch(ctx, 0, []byte("d"), iod, [][]byte{buf}, 0)
	require.NoError(t, err)
	assert.Equal(t, "two", string(buf))
	assert.Equal(t, int32(1), refreshes.Load(), "no refresh once current")

	// A client that keeps its old map is refused cleanly.
	stale := &client.Container{Pool: client.NewPoolView(objproto.UUID(pool), pm0, uris, nil), UUID: mapsCont,
		Handle: objproto.UUID{0xc1}, IO: c.IO}
	so, err := stale.Object(oid)
	require.NoError(t, err)
	_, err = so.Fetch(ctx, 0, []byte("d"), iod, [][]byte{buf}, 0)
	assert.ErrorIs(t, err, daos.ErrStale)

	// The object's own target goes DOWN: the client refreshes again and
	// either finds the object elsewhere or fails cleanly.
	mapUpdate(placement.TargetRef{Rank: shard.Rank, Index: shard.Target})
	v2 := v1 + 1
	waitEngines(v2)
	_, err = o.Fetch(ctx, 0, []byte("d"), iod, [][]byte{buf}, 0)
	if err != nil {
		assert.False(t, errors.Is(err, daos.ErrStale), "still stale after refreshing: %v", err)
	}
	assert.Equal(t, int32(2), refreshes.Load())
	assert.Equal(t, v2, view.Map().Version())

	// An engine that lost its version (as after a restart) serves the
	// client's newer map and learns the version from the service.
	l, err = o.Layout()
	require.NoError(t, err)
	s := l.Group(0)[0]
	require.GreaterOrEqual(t, s.Target, 0)
	dps[s.Rank].pools.Maps().Forget(pool)
	before := asked[s.Rank].Load()
	_, err = o.Update(ctx, []byte("d"), iod, [][]byte{[]byte("new")}, 0)
	require.NoError(t, err)
	assert.Equal(t, int32(2), refreshes.Load(), "served without a refresh")
	waitEngines(v2)
	assert.Greater(t, asked[s.Rank].Load(), before, "the engine asked the service")

	// Telemetry: the leading replica's engine alone reports the pool
	// service's gauges, with the map version the engines hold.
	var reports []*enginepb.PoolService
	for deadline := time.Now().Add(10 * time.Second); ; {
		reports = reports[:0]
		for _, dp := range dps {
			reports = append(reports, dp.metrics().Services...)
		}
		// A loaded machine may be between leaders for a moment.
		if len(reports) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Len(t, reports, 1, "one leader reports the pool")
	assert.Equal(t, "5a1e0000-0000-0000-0000-000000000000", reports[0].Pool)
	assert.Equal(t, v2, reports[0].MapVersion)
	assert.Zero(t, reports[0].Handles, "nobody connected through the service")
	assert.Zero(t, reports[0].Containers)
}
