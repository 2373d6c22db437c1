package engine

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

const testPool = "11111111-2222-3333-4444-555555555555"

// startPoolEngines runs n engines (ranks 0..n-1, two targets each) with
// their data planes and pool services, and knowing each other's
// addresses, as Run would set them up.
func startPoolEngines(t *testing.T, n int) []*Engine {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var engines []*Engine
	group := map[uint32]string{}
	for r := 0; r < n; r++ {
		cfg := &enginepb.EngineConfig{Targets: 2, ScmMount: t.TempDir(), Provider: "tcp", FabricIface: "127.0.0.1"}
		e := &Engine{opts: Options{Logger: log, PoolService: func(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() },
			PoolInit: testPoolInit}, cfg: cfg}
		e.member.rank, e.member.hasRank, e.member.up = uint32(r), true, true
		dp, err := startDataPlane(ctx, cfg, log, e.member.self, e.opts.PoolService, nil, nil)
		require.NoError(t, err)
		require.NoError(t, dp.ep.SetPeerKey(testPeerKey))
		t.Cleanup(func() { require.NoError(t, dp.close()) })
		e.dp = dp
		group[uint32(r)] = dp.ep.URI().String()
		engines = append(engines, e)
	}
	for _, e := range engines {
		e.member.group = group
	}
	return engines
}

// testPoolInit is daos_engine's first command: the pool as asked, owned
// by alice@.
func testPoolInit(req *mgmtpb.PoolCreateReq, ranks []placement.RankSpec, svc []uint32) ([]byte, error) {
	return (&poolsvc.Command{Op: poolsvc.OpCreate, Time: time.Now().UTC(), Create: &poolsvc.CreateArgs{UUID: req.Uuid,
		Label: "tank", Owner: req.User, Group: req.UserGroup, Ranks: ranks, SvcRanks: svc, Props: map[string]string{}}}).Encode()
}

// handler finds the method's handler as registerPool installs it.
func handler(t *testing.T, e *Engine, m drpc.Method) drpc.Handler {
	t.Helper()
	h, ok := e.poolAdminMethods()[m]
	require.True(t, ok, "method %d", m)
	return h
}

// callPool sends req to the engine's handler for m and decodes the reply
// into resp.
func callPool(t *testing.T, e *Engine, m drpc.Method, req, resp proto.Message) {
	t.Helper()
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	var h drpc.Handler
	switch m {
	case drpc.MethodPoolCreate:
		h = e.poolCreate
	case drpc.MethodPoolQuery:
		h = e.poolQuery
	default:
		h = handler(t, e, m)
	}
	out, err := h(context.Background(), body)
	require.NoError(t, err)
	require.NoError(t, proto.Unmarshal(out, resp))
}

func der(e daos.Errno) int32 { return int32(e.DerCode()) }

func TestPoolAdminMethods(t *testing.T) {
	engines := startPoolEngines(t, 2)
	e0, e1 := engines[0], engines[1]
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0, 1},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	svc := cr.SvcReps
	require.Equal(t, []uint32{0}, svc)

	query := func(e *Engine) *mgmtpb.PoolQueryResp {
		t.Helper()
		resp := &mgmtpb.PoolQueryResp{}
		callPool(t, e, drpc.MethodPoolQuery, &mgmtpb.PoolQueryReq{Id: testPool, SvcRanks: svc}, resp)
		require.Zero(t, resp.Status)
		return resp
	}
	getProps := func(e *Engine, names ...string) map[string]string {
		t.Helper()
		req := &mgmtpb.PoolGetPropReq{Id: testPool, SvcRanks: svc}
		for _, n := range names {
			d, err := system.LookupPoolProp(n)
			require.NoError(t, err)
			req.Properties = append(req.Properties, &mgmtpb.PoolProperty{Number: d.Number})
		}
		resp := &mgmtpb.PoolGetPropResp{}
		callPool(t, e, drpc.MethodPoolGetProp, req, resp)
		require.Zero(t, resp.Status)
		out := map[string]string{}
		for _, p := range resp.Properties {
			d, ok := system.PoolPropByNumber(p.Number)
			require.True(t, ok)
			out[d.Name] = d.Format(p)
		}
		return out
	}

	t.Run("props", func(t *testing.T) {
		all := getProps(e1) // through the engine that is not the service
		assert.Equal(t, "tank", all["label"])
		assert.Equal(t, "[0]", all["svc_list"])
		assert.Equal(t, map[string]string{"label": "tank"}, getProps(e0, "label"))

		set := func(name, value string) int32 {
			d, err := system.LookupPoolProp(name)
			require.NoError(t, err)
			p := &mgmtpb.PoolProperty{Number: d.Number}
			if d.String {
				p.Value = &mgmtpb.PoolProperty_Strval{Strval: value}
			} else {
				p.Value = &mgmtpb.PoolProperty_Numval{Numval: 1}
			}
			resp := &mgmtpb.PoolSetPropResp{}
			callPool(t, e1, drpc.MethodPoolSetProp, &mgmtpb.PoolSetPropReq{Id: testPool, SvcRanks: svc,
				Properties: []*mgmtpb.PoolProperty{p}}, resp)
			return resp.Status
		}
		require.Zero(t, set("label", "lake"))
		assert.Equal(t, map[string]string{"label": "lake"}, getProps(e0, "label"))
		assert.Equal(t, "lake", query(e0).Label)
		assert.Equal(t, der(daos.ErrInval), set("global_version", "")) // read-only
		assert.Equal(t, der(daos.ErrInval), set("ec_pda", ""))         // only at create
		require.Zero(t, set("rd_fac", ""))
		assert.Equal(t, "1", getProps(e0, "rd_fac")["rd_fac"])
	})

	acl := func(m drpc.Method, req proto.Message) *mgmtpb.ACLResp {
		t.Helper()
		resp := &mgmtpb.ACLResp{}
		callPool(t, e1, m, req, resp)
		return resp
	}
	t.Run("acl", func(t *testing.T) {
		got := acl(drpc.MethodPoolGetACL, &mgmtpb.GetACLReq{Id: testPool, SvcRanks: svc})
		require.Zero(t, got.Status)
		assert.Equal(t, poolsvc.DefaultPoolACL, got.ACL.Entries)
		assert.Equal(t, "alice@", got.ACL.OwnerUser)
		assert.Equal(t, "staff@", got.ACL.OwnerGroup)

		got = acl(drpc.MethodPoolUpdateACL, &mgmtpb.ModifyACLReq{Id: testPool, SvcRanks: svc, ACL: []string{"A::bob@:r"}})
		require.Zero(t, got.Status)
		assert.Contains(t, got.ACL.Entries, "A::bob@:r")
		got = acl(drpc.MethodPoolGetACL, &mgmtpb.GetACLReq{Id: testPool, SvcRanks: svc})
		assert.Contains(t, got.ACL.Entries, "A::bob@:r")

		got = acl(drpc.MethodPoolDeleteACL, &mgmtpb.DeleteACLReq{Id: testPool, SvcRanks: svc, Principal: "u:bob@"})
		require.Zero(t, got.Status)
		assert.Equal(t, poolsvc.DefaultPoolACL, got.ACL.Entries)
		got = acl(drpc.MethodPoolDeleteACL, &mgmtpb.DeleteACLReq{Id: testPool, SvcRanks: svc, Principal: "u:bob@"})
		assert.Equal(t, der(daos.ErrNonexist), got.Status)
		got = acl(drpc.MethodPoolUpdateACL, &mgmtpb.ModifyACLReq{Id: testPool, SvcRanks: svc, ACL: []string{"garbage"}})
		assert.Equal(t, der(daos.ErrInval), got.Status)

		got = acl(drpc.MethodPoolOverwriteACL, &mgmtpb.ModifyACLReq{Id: testPool, SvcRanks: svc, ACL: []string{"A::OWNER@:rw", "A::EVERYONE@:r"}})
		require.Zero(t, got.Status)
		assert.Equal(t, []string{"A::OWNER@:rw", "A::EVERYONE@:r"}, got.ACL.Entries)
	})

	t.Run("evict", func(t *testing.T) {
		a, ctx, cancel, err := e1.startAdmin(context.Background(), testPool, svc)
		require.NoError(t, err)
		defer cancel()
		handles := []string{"aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002", "aaaaaaaa-0000-0000-0000-000000000003"}
		for _, h := range handles {
			_, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpConnect, Handle: h, Flags: poolsvc.FlagRO,
				Cred: poolsvc.Cred{User: "alice@"}, Machine: "node1"})
			require.NoError(t, err)
		}
		info := func() poolsvc.PoolInfo {
			var info poolsvc.PoolInfo
			require.NoError(t, a.query(ctx, "info", &info))
			return info
		}
		require.Equal(t, 3, info().Handles)

		evict := func(req *mgmtpb.PoolEvictReq) *mgmtpb.PoolEvictResp {
			req.Id, req.SvcRanks = testPool, svc
			resp := &mgmtpb.PoolEvictResp{}
			callPool(t, e1, drpc.MethodPoolEvict, req, resp)
			return resp
		}
		r := evict(&mgmtpb.PoolEvictReq{Handles: []string{handles[0], "bbbbbbbb-0000-0000-0000-000000000000"}})
		require.Zero(t, r.Status)
		assert.Equal(t, int32(1), r.Count)
		assert.Equal(t, 2, info().Handles)
		r = evict(&mgmtpb.PoolEvictReq{Machine: "node2"})
		require.Zero(t, r.Status)
		assert.Zero(t, r.Count)
		r = evict(&mgmtpb.PoolEvictReq{})
		require.Zero(t, r.Status)
		assert.Equal(t, int32(2), r.Count)
		assert.Zero(t, info().Handles)
		var h poolsvc.Handle
		err = e1.serviceQuery(ctx, a.pool, svc, poolsvc.Query{What: "handle", ID: handles[1]}, &h)
		assert.Equal(t, daos.ErrNoHdl, daos.Code(err), "%v", err)
		assert.Equal(t, der(daos.ErrInval), evict(&mgmtpb.PoolEvictReq{Machine: "x", Handles: handles}).Status)
	})

	targets := func(rank uint32, idx ...uint32) *mgmtpb.PoolQueryTargetResp {
		t.Helper()
		resp := &mgmtpb.PoolQueryTargetResp{}
		callPool(t, e0, drpc.MethodPoolQueryTargets, &mgmtpb.PoolQueryTargetReq{Id: testPool, SvcRanks: svc, Rank: rank, Targets: idx}, resp)
		return resp
	}
	states := func(rank uint32) []mgmtpb.PoolQueryTargetInfo_TargetState {
		t.Helper()
		resp := targets(rank)
		require.Zero(t, resp.Status)
		var out []mgmtpb.PoolQueryTargetInfo_TargetState
		for _, in := range resp.Infos {
			out = append(out, in.State)
		}
		return out
	}
	t.Run("targets", func(t *testing.T) {
		q0 := query(e0)
		assert.Equal(t, uint32(4), q0.TotalTargets)
		assert.Zero(t, q0.DisabledTargets)
		resp := targets(1)
		require.Zero(t, resp.Status)
		require.Len(t, resp.Infos, 2)
		for _, in := range resp.Infos {
			assert.Equal(t, mgmtpb.PoolQueryTargetInfo_UP_IN, in.State)
			require.Len(t, in.Space, 2)
			assert.Equal(t, mgmtpb.StorageMediaType_SCM, in.Space[0].MediaType)
			assert.Equal(t, uint64(32<<20), in.Space[0].Total)
			assert.NotZero(t, in.Space[0].Free)
		}
		one := targets(1, 1)
		require.Zero(t, one.Status)
		assert.Len(t, one.Infos, 1)
		assert.Equal(t, der(daos.ErrNonexist), targets(1, 5).Status)
		assert.Equal(t, der(daos.ErrNonexist), targets(7).Status)

		ex := &mgmtpb.PoolExcludeResp{}
		callPool(t, e1, drpc.MethodPoolExclude, &mgmtpb.PoolExcludeReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{1}, TargetIdx: []uint32{0}}, ex)
		require.Zero(t, ex.Status)
		q1 := query(e0)
		assert.Equal(t, uint32(1), q1.DisabledTargets)
		assert.Equal(t, uint32(3), q1.ActiveTargets)
		assert.Greater(t, q1.Version, q0.Version)
		assert.Equal(t, mgmtpb.PoolServiceState_TargetsExcluded, q1.State)
		assert.Equal(t, []mgmtpb.PoolQueryTargetInfo_TargetState{mgmtpb.PoolQueryTargetInfo_DOWN, mgmtpb.PoolQueryTargetInfo_UP_IN}, states(1))

		dr := &mgmtpb.PoolDrainResp{}
		callPool(t, e1, drpc.MethodPoolDrain, &mgmtpb.PoolDrainReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{0}}, dr)
		require.Zero(t, dr.Status)
		assert.Equal(t, []uint32{0}, dr.DrainedRanks)
		assert.Equal(t, []mgmtpb.PoolQueryTargetInfo_TargetState{mgmtpb.PoolQueryTargetInfo_DRAIN, mgmtpb.PoolQueryTargetInfo_DRAIN}, states(0))

		// A drained target is not reintegrated before rebuild moved its
		// data: DAOS's map refuses it.
		re := &mgmtpb.PoolReintResp{}
		callPool(t, e1, drpc.MethodPoolReintegrate, &mgmtpb.PoolReintReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{0}}, re)
		assert.Equal(t, der(daos.ErrInval), re.Status, "reintegrate DRAIN")
		assert.Equal(t, uint32(0), re.FailedRank)

		re = &mgmtpb.PoolReintResp{}
		callPool(t, e1, drpc.MethodPoolReintegrate, &mgmtpb.PoolReintReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{1}}, re)
		require.Zero(t, re.Status)
		assert.Equal(t, []uint32{1}, re.ReintedRanks)
		q2 := query(e0)
		assert.Zero(t, q2.DisabledTargets)
		assert.Greater(t, q2.Version, q1.Version)
		// UP until a rebuild (not implemented) makes it UPIN.
		assert.Equal(t, []mgmtpb.PoolQueryTargetInfo_TargetState{mgmtpb.PoolQueryTargetInfo_UP, mgmtpb.PoolQueryTargetInfo_UP_IN}, states(1))

		ex = &mgmtpb.PoolExcludeResp{}
		callPool(t, e1, drpc.MethodPoolExclude, &mgmtpb.PoolExcludeReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{9}}, ex)
		assert.Equal(t, der(daos.ErrNonexist), ex.Status)
		ex = &mgmtpb.PoolExcludeResp{}
		callPool(t, e1, drpc.MethodPoolExclude, &mgmtpb.PoolExcludeReq{Id: testPool, SvcRanks: svc}, ex)
		assert.Equal(t, der(daos.ErrInval), ex.Status)
	})

	t.Run("refused", func(t *testing.T) {
		xr := &mgmtpb.PoolExtendResp{}
		// A rank already in the pool (extend itself: extend_test.go).
		callPool(t, e0, drpc.MethodPoolExtend, &mgmtpb.PoolExtendReq{Id: testPool, SvcRanks: svc, Ranks: []uint32{1}}, xr)
		assert.Equal(t, der(daos.ErrExist), xr.Status)
		// The pool has the latest layout: nothing to upgrade.
		ur := &mgmtpb.PoolUpgradeResp{}
		callPool(t, e0, drpc.MethodPoolUpgrade, &mgmtpb.PoolUpgradeReq{Id: testPool, SvcRanks: svc}, ur)
		assert.Zero(t, ur.Status)
		q := query(e0)
		assert.Equal(t, q.UpgradeLayoutVer, q.PoolLayoutVer)
		gr := &mgmtpb.PoolGetPropResp{}
		callPool(t, e0, drpc.MethodPoolGetProp, &mgmtpb.PoolGetPropReq{Id: "not-a-uuid"}, gr)
		assert.Equal(t, der(daos.ErrInval), gr.Status)
	})
}

// TestPoolDestroyResume: a destroy that fails part way (one rank out of
// reach) says it went past its point of no return; resumed with the
// pool's ranks once the rank is back, it removes every replica and shard
// without the pool service, which lost its quorum.
func TestPoolDestroyResume(t *testing.T) {
	engines := startPoolEngines(t, 3)
	e0 := engines[0]
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0, 1, 2},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 3, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	require.Len(t, cr.SvcReps, 3)

	destroy := func(req *mgmtpb.PoolDestroyReq) *mgmtpb.PoolDestroyResp {
		t.Helper()
		body, err := proto.Marshal(req)
		require.NoError(t, err)
		out, err := e0.poolDestroy(context.Background(), body)
		require.NoError(t, err)
		resp := &mgmtpb.PoolDestroyResp{}
		require.NoError(t, proto.Unmarshal(out, resp))
		return resp
	}
	// Rank 2 is out of reach for this engine.
	real := e0.member.group[2]
	e0.member.mu.Lock()
	e0.member.group[2] = "tcp://127.0.0.1:1"
	e0.member.mu.Unlock()
	resp := destroy(&mgmtpb.PoolDestroyReq{Id: testPool, SvcRanks: cr.SvcReps})
	require.Equal(t, der(daos.ErrUnreach), resp.Status)
	require.True(t, resp.Begun)
	for _, e := range engines[:2] {
		assert.Empty(t, e.dp.pools.Hosted(), "rank %d still hosts a replica", e.member.rank)
	}
	require.NotEmpty(t, engines[2].dp.pools.Hosted(), "the unreachable rank kept its replica")

	e0.member.mu.Lock()
	e0.member.group[2] = real
	e0.member.mu.Unlock()
	resp = destroy(&mgmtpb.PoolDestroyReq{Id: testPool, SvcRanks: cr.SvcReps, Resume: true, Ranks: []uint32{0, 1, 2}})
	require.Zero(t, resp.Status)
	for _, e := range engines {
		assert.Empty(t, e.dp.pools.Hosted(), "rank %d still hosts a replica", e.member.rank)
		for _, tg := range e.dp.targets {
			assert.Empty(t, tg.Pools(), "rank %d target %d still has a shard", e.member.rank, tg.Index())
		}
	}
	// Once more: nothing left, nothing to fail on.
	resp = destroy(&mgmtpb.PoolDestroyReq{Id: testPool, SvcRanks: cr.SvcReps, Resume: true, Ranks: []uint32{0, 1, 2}})
	require.Zero(t, resp.Status)
}

// TestPoolDestroyResumeOfLivePool: a resumed destroy (the management
// service found the pool Destroying: a concurrent destroy still checking,
// or one whose refusal could not be recorded) of a pool whose service
// answers and never began destroying keeps the service's checks: with a
// handle open and no force it is refused, and nothing is torn down.
func TestPoolDestroyResumeOfLivePool(t *testing.T) {
	engines := startPoolEngines(t, 1)
	e0 := engines[0]
	cr := &mgmtpb.PoolCreateResp{}
	callPool(t, e0, drpc.MethodPoolCreate, &mgmtpb.PoolCreateReq{Uuid: testPool, Ranks: []uint32{0},
		TierBytes: []uint64{64 << 20}, NumSvcReps: 1, User: "alice@", UserGroup: "staff@"}, cr)
	require.Zero(t, cr.Status)
	a, ctx, cancel, err := e0.startAdmin(context.Background(), testPool, cr.SvcReps)
	require.NoError(t, err)
	defer cancel()
	_, err = a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpConnect, Handle: "aaaaaaaa-0000-0000-0000-000000000001",
		Flags: poolsvc.FlagRW, Cred: poolsvc.Cred{User: "alice@"}, Machine: "node1"})
	require.NoError(t, err)

	body, err := proto.Marshal(&mgmtpb.PoolDestroyReq{Id: testPool, SvcRanks: cr.SvcReps, Resume: true, Ranks: []uint32{0}})
	require.NoError(t, err)
	out, err := e0.poolDestroy(context.Background(), body)
	require.NoError(t, err)
	resp := &mgmtpb.PoolDestroyResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	assert.Equal(t, der(daos.ErrBusy), resp.Status)
	assert.False(t, resp.Begun)
	assert.NotEmpty(t, e0.dp.pools.Hosted(), "the pool service was stopped")
	for _, tg := range e0.dp.targets {
		assert.NotEmpty(t, tg.Pools(), "target %d lost its shard", tg.Index())
	}
	var info poolsvc.PoolInfo
	require.NoError(t, a.query(ctx, "info", &info))
	assert.Equal(t, 1, info.Handles)
}
