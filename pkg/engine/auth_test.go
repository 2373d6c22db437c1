package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// testPeerKey is the system's peer key of the tests' engines.
var testPeerKey = bytes.Repeat([]byte{0x5a}, 32)

func plainClient(t *testing.T, key []byte) *rpc.Endpoint {
	t.Helper()
	ep, err := rpc.Listen(context.Background(), rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, PeerKey: key})
	require.NoError(t, err)
	t.Cleanup(func() { ep.Close() })
	return ep
}

// An engine trusts other engines only once its server has handed it the
// system key with its rank (SET_RANK), as Run wires it.
func TestSetRankGivesPeerKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	cfg := &enginepb.EngineConfig{Targets: 1, ScmMount: t.TempDir(), Provider: "tcp", FabricIface: "127.0.0.1"}
	m := &membership{}
	dp, err := startDataPlane(ctx, cfg, log, m.self, func(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() }, anyHandle{}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, dp.close()) })
	m.onKey = dp.ep.SetPeerKey

	peer := plainClient(t, testPeerKey)
	tgtQuery := func() error {
		return peer.Call(ctx, dp.ep.URI(), poolhost.OpTgtQuery, &poolhost.PoolReq{Pool: poolhost.UUID{1}}, &poolhost.TgtQueryResp{})
	}
	err = tgtQuery()
	require.True(t, errors.Is(err, daos.ErrNoPerm), "before the join: %v", err)

	assert.Zero(t, call(t, m.setRank, &enginepb.SetRankReq{Rank: 2, SystemKey: testPeerKey}))
	err = tgtQuery()
	assert.False(t, errors.Is(err, daos.ErrNoPerm), "after the join: %v", err)
	assert.Equal(t, int32(daos.ErrInval.DerCode()), call(t, m.setRank, &enginepb.SetRankReq{Rank: 2, SystemKey: []byte("short")}))
	// A rejoin with the same key keeps the trust.
	assert.Zero(t, call(t, m.setRank, &enginepb.SetRankReq{Rank: 2, SystemKey: testPeerKey}))
	assert.False(t, errors.Is(tgtQuery(), daos.ErrNoPerm))
}

// A fabric client cannot act as an engine on a pool: its commands for the
// pool service leader, target destroys and map pushes are refused, and
// the pool stays as it was.
func TestClientCannotActAsEngine(t *testing.T) {
	engines := startPoolEngines(t, 2)
	e0 := engines[0]
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0, 1},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	u, err := target.ParseUUID(testPool)
	require.NoError(t, err)
	pool := poolhost.UUID(u)
	leader, err := fabric.ParseURI(e0.member.uris()[cr.SvcReps[0]])
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	relabel, err := (&poolsvc.Command{Op: poolsvc.OpSetProps, Time: time.Now().UTC(), Props: map[string]string{"label": "stolen"}}).Encode()
	require.NoError(t, err)
	cl := plainClient(t, nil)
	for _, e := range engines {
		to := e.dp.ep.URI()
		for _, c := range []struct {
			op  rpc.Opcode
			req rpc.Message
		}{
			{poolhost.OpPoolAdmin, &poolhost.ServiceReq{Pool: pool, Body: relabel}},
			{poolhost.OpTgtDestroy, &poolhost.PoolReq{Pool: pool}},
			{poolhost.OpSvcStop, &poolhost.PoolReq{Pool: pool}},
			{poolhost.OpMapDist, &poolhost.MapDistReq{Pool: pool, Version: 1 << 30}},
		} {
			err := cl.Call(ctx, to, c.op, c.req, &poolhost.ServiceResp{})
			assert.True(t, errors.Is(err, daos.ErrNoPerm), "%#x to %s: %v", c.op, to, err)
		}
	}
	_, err = (&poolhost.Client{EP: cl}).AdminApply(ctx, pool, []string{leader.String()}, relabel)
	assert.True(t, errors.Is(err, daos.ErrNoPerm), "%v", err)

	for _, e := range engines {
		for _, tg := range e.dp.targets {
			_, err := tg.Shard(target.UUID(pool))
			assert.NoError(t, err, "the pool's shards are gone")
		}
		v, _ := e.dp.pools.Maps().Version(pool)
		assert.Less(t, v, uint32(1<<30), "a client's map push was kept")
	}
	q := &mgmtpb.PoolQueryResp{}
	callPool(t, e0, drpc.MethodPoolQuery, &mgmtpb.PoolQueryReq{Id: testPool, SvcRanks: cr.SvcReps}, q)
	require.Zero(t, q.Status)
	assert.Equal(t, "tank", q.Label, "a client relabelled the pool")
}
