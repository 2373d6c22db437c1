package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/mgmtsvc"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

func (f *poolMS) PoolExclude(_ context.Context, r *mgmtpb.PoolExcludeReq) (*mgmtpb.PoolExcludeResp, error) {
	if err := f.record("PoolExclude", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolExcludeResp{}, nil
}

func (f *poolMS) PoolDrain(_ context.Context, r *mgmtpb.PoolDrainReq) (*mgmtpb.PoolDrainResp, error) {
	if err := f.record("PoolDrain", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolDrainResp{}, nil
}

func (f *poolMS) PoolReintegrate(_ context.Context, r *mgmtpb.PoolReintReq) (*mgmtpb.PoolReintResp, error) {
	if err := f.record("PoolReintegrate", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolReintResp{}, nil
}

func (f *poolMS) PoolExtend(_ context.Context, r *mgmtpb.PoolExtendReq) (*mgmtpb.PoolExtendResp, error) {
	if err := f.record("PoolExtend", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolExtendResp{}, nil
}

func (f *poolMS) PoolUpgrade(_ context.Context, r *mgmtpb.PoolUpgradeReq) (*mgmtpb.PoolUpgradeResp, error) {
	if err := f.record("PoolUpgrade", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolUpgradeResp{}, nil
}

func (f *poolMS) PoolQueryTarget(_ context.Context, r *mgmtpb.PoolQueryTargetReq) (*mgmtpb.PoolQueryTargetResp, error) {
	if err := f.record("PoolQueryTarget", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolQueryTargetResp{Infos: []*mgmtpb.PoolQueryTargetInfo{{Type: mgmtpb.PoolQueryTargetInfo_SSD,
		State: mgmtpb.PoolQueryTargetInfo_UP_IN, Space: []*mgmtpb.StorageTargetUsage{{Total: 2e9, Free: 1e9}}}}}, nil
}

func TestPoolMembership(t *testing.T) {
	e, _ := newPoolEnv(t)
	out, _, rc := e.dmg(t, "pool", "exclude", "tank", "--ranks", "1-2", "--target-idx", "0,3")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Exclude command succeeded")
	ex := e.ms.req("PoolExclude").(*mgmtpb.PoolExcludeReq)
	require.Equal(t, []uint32{1, 2}, ex.Ranks)
	require.Equal(t, []uint32{0, 3}, ex.TargetIdx)

	out, _, rc = e.dmg(t, "pool", "drain", "tank", "--ranks", "3")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Drain command succeeded")
	out, _, rc = e.dmg(t, "pool", "reint", "tank", "--ranks", "3")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Reintegration command succeeded")
	require.Equal(t, []uint32{3}, e.ms.req("PoolReintegrate").(*mgmtpb.PoolReintReq).Ranks)
	out, _, rc = e.dmg(t, "pool", "extend", "tank", "--ranks", "4-5")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Extend command succeeded")
	out, _, rc = e.dmg(t, "pool", "upgrade", "tank")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Pool-upgrade command succeeded")

	out, _, rc = e.dmg(t, "pool", "query-targets", "tank", "--rank", "1", "--target-idx", "0-1")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Target: type ssd, state up_in")
	qt := e.ms.req("PoolQueryTarget").(*mgmtpb.PoolQueryTargetReq)
	require.Equal(t, uint32(1), qt.Rank)
	require.Equal(t, []uint32{0, 1}, qt.Targets)

	for _, args := range [][]string{
		{"pool", "exclude", "tank"}, {"pool", "drain", "tank", "--ranks", "x"}, {"pool", "extend", "tank", "--target-idx", "1"},
		{"pool", "query-targets", "tank"}, {"pool", "exclude", "tank", "--ranks", "1", "--target-idx", "a"},
	} {
		calls := e.ms.numCalls()
		_, _, rc := e.dmg(t, args...)
		require.Equal(t, 1, rc, "%v", args)
		require.Equal(t, calls, e.ms.numCalls(), "%v", args)
	}
	requireRefusal(t, e, "pool", "exclude", "tank", "--ranks", "1")
	requireRefusal(t, e, "pool", "upgrade", "tank")
}

// memReplica is a one-replica raft stand-in for the in-process test.
type memReplica struct{ db *system.Database }

func (m memReplica) IsLeader() bool                { return true }
func (m memReplica) Leader() string                { return "" }
func (m memReplica) Barrier(context.Context) error { return nil }
func (m memReplica) Apply(_ context.Context, c *system.Command) (any, error) {
	res := m.db.Apply(c)
	if err, ok := res.(error); ok {
		return nil, err
	}
	return res, nil
}

// nosysEngine answers like this build's engine: every pool method's
// reply carries DER_NOSYS.
type nosysEngine struct{}

func (nosysEngine) CallEngine(context.Context, drpc.Method, []byte) ([]byte, error) {
	return proto.Marshal(&mgmtpb.PoolCreateResp{Status: int32(daos.ErrNosys.DerCode())})
}

// TestPoolThroughManagementService runs dmg against the real management
// service, whose engine has no pool service yet.
func TestPoolThroughManagementService(t *testing.T) {
	db := system.NewDatabase()
	for i, addr := range []string{"h1:10001", "h2:10001"} {
		res := db.Apply(&system.Command{Op: system.OpJoin, Join: &system.JoinRequest{UUID: []string{"u0", "u1"}[i],
			Rank: system.NilRank, Addr: addr, URI: "tcp://" + addr, Contexts: 2, FaultDomain: "/" + addr, Incarnation: 1}})
		_, refused := res.(error)
		require.False(t, refused, "%v", res)
	}
	svc := mgmtsvc.New(mgmtsvc.Options{System: "testsys", DB: db, Logger: slog.New(slog.DiscardHandler), PoolEngines: nosysEngine{}})
	svc.SetReplica(memReplica{db})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(srv, svc)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cfg := filepath.Join(t.TempDir(), "daos_control.yml")
	yml := "name: testsys\nhostlist: ['" + lis.Addr().String() + "']\ntransport_config:\n  allow_insecure: true\n"
	require.NoError(t, os.WriteFile(cfg, []byte(yml), 0o600))
	e := &msEnv{cfg: cfg}

	out, errOut, rc := e.dmg(t, "-j", "pool", "create", "tank", "-z", "20GB")
	require.Equal(t, 1, rc)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1010, env.Status)
	require.Contains(t, *env.Error, "pool service not available in this engine build")
	require.Contains(t, errOut, "pool service not available")
	require.Empty(t, db.Pools())

	out, _, rc = e.dmg(t, "pool", "list")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "No pools in system")
	out, _, rc = e.dmg(t, "system", "list-pools")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "No pools in system")

	out, _, rc = e.dmg(t, "-j", "pool", "query", "tank")
	require.Equal(t, 1, rc)
	env = decodeEnv(t, out, nil)
	require.Equal(t, -1005, env.Status)
	require.Contains(t, *env.Error, `pool "tank" not found`)

	_, errOut, rc = e.dmg(t, "pool", "create", "tank", "-z", "20GB", "-r", "7")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "rank 7 is not a member")
}

// TestSystemDrainReintegrate: ranks drained from the pools they are in,
// reintegrated into the pools that have them at all, and only those.
func TestSystemDrainReintegrate(t *testing.T) {
	e, pm := newPoolEnv(t)
	e.ms.query = members()
	e.ms.pools = &mgmtpb.ListPoolsResp{Pools: []*mgmtpb.ListPoolsResp_Pool{
		{Uuid: "11111111-1111-4111-8111-111111111111", Label: "tank"},
		{Uuid: "22222222-2222-4222-8222-222222222222", Label: "small"},
	}}
	pm.queries = map[string]*mgmtpb.PoolQueryResp{
		"11111111-1111-4111-8111-111111111111": {EnabledRanks: "0-3"},
		"22222222-2222-4222-8222-222222222222": {EnabledRanks: "0", DisabledRanks: "1"},
	}
	out, errOut, rc := e.dmg(t, "system", "drain", "--ranks", "2-3")
	require.Equal(t, 0, rc, out+errOut)
	require.Contains(t, out, "tank")
	require.NotContains(t, out, "small", "a pool without the ranks is left alone")
	d := e.ms.req("PoolDrain").(*mgmtpb.PoolDrainReq)
	require.Equal(t, "11111111-1111-4111-8111-111111111111", d.Id)
	require.Equal(t, []uint32{2, 3}, d.Ranks)

	out, errOut, rc = e.dmg(t, "-j", "system", "reint", "--ranks", "1")
	require.Equal(t, 0, rc, out+errOut)
	r := e.ms.req("PoolReintegrate").(*mgmtpb.PoolReintReq)
	require.Equal(t, "22222222-2222-4222-8222-222222222222", r.Id)
	require.Equal(t, []uint32{1}, r.Ranks)
	require.Contains(t, out, `"ranks": "1"`)

	_, errOut, rc = e.dmg(t, "system", "drain", "--ranks", "9")
	require.NotEqual(t, 0, rc)
	require.Contains(t, errOut, "rank 9 is not a member")
	_, errOut, rc = e.dmg(t, "system", "drain")
	require.NotEqual(t, 0, rc)
	require.Contains(t, errOut, "--ranks")
}
