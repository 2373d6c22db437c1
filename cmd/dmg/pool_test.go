package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// poolMS adds the pool calls to the fake management service.
type poolMS struct {
	*fakeMS
	create  *mgmtpb.PoolCreateResp
	query   *mgmtpb.PoolQueryResp
	queries map[string]*mgmtpb.PoolQueryResp // by pool id, when set
	getProp *mgmtpb.PoolGetPropResp
	acl     *mgmtpb.ACLResp
}

func (f *poolMS) PoolCreate(_ context.Context, r *mgmtpb.PoolCreateReq) (*mgmtpb.PoolCreateResp, error) {
	if err := f.record("PoolCreate", r); err != nil {
		return nil, err
	}
	return f.create, nil
}

func (f *poolMS) PoolDestroy(_ context.Context, r *mgmtpb.PoolDestroyReq) (*mgmtpb.PoolDestroyResp, error) {
	if err := f.record("PoolDestroy", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolDestroyResp{}, nil
}

func (f *poolMS) PoolEvict(_ context.Context, r *mgmtpb.PoolEvictReq) (*mgmtpb.PoolEvictResp, error) {
	if err := f.record("PoolEvict", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolEvictResp{}, nil
}

func (f *poolMS) PoolQuery(_ context.Context, r *mgmtpb.PoolQueryReq) (*mgmtpb.PoolQueryResp, error) {
	if err := f.record("PoolQuery", r); err != nil {
		return nil, err
	}
	if f.queries != nil {
		return f.queries[r.Id], nil
	}
	return f.query, nil
}

func (f *poolMS) PoolSetProp(_ context.Context, r *mgmtpb.PoolSetPropReq) (*mgmtpb.PoolSetPropResp, error) {
	if err := f.record("PoolSetProp", r); err != nil {
		return nil, err
	}
	return &mgmtpb.PoolSetPropResp{}, nil
}

func (f *poolMS) PoolGetProp(_ context.Context, r *mgmtpb.PoolGetPropReq) (*mgmtpb.PoolGetPropResp, error) {
	if err := f.record("PoolGetProp", r); err != nil {
		return nil, err
	}
	return f.getProp, nil
}

func (f *poolMS) PoolGetACL(_ context.Context, r *mgmtpb.GetACLReq) (*mgmtpb.ACLResp, error) {
	if err := f.record("PoolGetACL", r); err != nil {
		return nil, err
	}
	return f.acl, nil
}

func (f *poolMS) PoolOverwriteACL(_ context.Context, r *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	if err := f.record("PoolOverwriteACL", r); err != nil {
		return nil, err
	}
	return f.acl, nil
}

func (f *poolMS) PoolUpdateACL(_ context.Context, r *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	if err := f.record("PoolUpdateACL", r); err != nil {
		return nil, err
	}
	return f.acl, nil
}

func (f *poolMS) PoolDeleteACL(_ context.Context, r *mgmtpb.DeleteACLReq) (*mgmtpb.ACLResp, error) {
	if err := f.record("PoolDeleteACL", r); err != nil {
		return nil, err
	}
	return f.acl, nil
}

func newPoolEnv(t *testing.T) (*msEnv, *poolMS) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	pm := &poolMS{fakeMS: &fakeMS{reqs: map[string]proto.Message{}, addr: lis.Addr().String()}}
	mgmtpb.RegisterMgmtSvcServer(srv, pm)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cfg := filepath.Join(t.TempDir(), "daos_control.yml")
	yml := "name: testsys\nhostlist: ['" + lis.Addr().String() + "']\ntransport_config:\n  allow_insecure: true\n"
	require.NoError(t, os.WriteFile(cfg, []byte(yml), 0o600))
	return &msEnv{ms: pm.fakeMS, cfg: cfg}, pm
}

func TestPoolCreate(t *testing.T) {
	e, pm := newPoolEnv(t)
	pm.create = &mgmtpb.PoolCreateResp{SvcLdr: 1, SvcReps: []uint32{0, 1, 2}, TgtRanks: []uint32{0, 1, 2, 3},
		TierBytes: []uint64{1_500_000_000, 23_500_000_000}}

	out, errOut, rc := e.dmg(t, "pool", "create", "tank", "-z", "100GB", "-v", "3", "-r", "0-3",
		"-u", "bob", "-g", "staff@", "-P", "reclaim:disabled,rf:1")
	require.Equal(t, 0, rc, out+errOut)
	req := e.ms.req("PoolCreate").(*mgmtpb.PoolCreateReq)
	require.Equal(t, "testsys", req.Sys)
	require.True(t, system.IsUUID(req.Uuid), req.Uuid)
	require.Equal(t, uint64(100e9), req.TotalBytes)
	require.Equal(t, []float64{0.06, 0.94}, req.TierRatio)
	require.Equal(t, []uint32{0, 1, 2, 3}, req.Ranks)
	require.Equal(t, uint32(3), req.NumSvcReps)
	require.Equal(t, "bob@", req.User)
	require.Equal(t, "staff@", req.UserGroup)
	require.Len(t, req.Properties, 3)
	require.Equal(t, system.PoolPropLabel, req.Properties[0].Number)
	require.Equal(t, "tank", req.Properties[0].GetStrval())
	require.Equal(t, system.PoolPropReclaim, req.Properties[1].Number)
	require.Equal(t, uint64(0), req.Properties[1].GetNumval())
	require.Equal(t, system.PoolPropRedunFac, req.Properties[2].Number)
	require.Equal(t, uint64(1), req.Properties[2].GetNumval())
	for _, want := range []string{"Creating DAOS pool with automatic storage allocation: 100 GB total, 6%,94% tier ratio",
		"Pool created with 6.00%,94.00% storage tier ratio", "UUID                 : " + req.Uuid,
		"Service Leader       : 1", "Service Ranks        : [0-2]", "Storage Ranks        : [0-3]",
		"Total Size           : 100 GB", "Storage tier 0 (SCM) : 6.0 GB (1.5 GB / rank)",
		"Storage tier 1 (NVMe): 94 GB (24 GB / rank)"} {
		require.Contains(t, out, want)
	}

	// JSON: DAOS's shape.
	out, _, rc = e.dmg(t, "-j", "pool", "create", "tank", "-s", "1GiB", "-n", "10GiB", "-k", "4")
	require.Equal(t, 0, rc, out)
	var res map[string]any
	env := decodeEnv(t, out, &res)
	require.Equal(t, 0, env.Status)
	for _, k := range []string{"uuid", "svc_ldr", "svc_reps", "tgt_ranks", "tier_bytes", "mem_file_bytes", "md_on_ssd_active"} {
		require.Contains(t, res, k)
	}
	require.Len(t, res, 7)
	req = e.ms.req("PoolCreate").(*mgmtpb.PoolCreateReq)
	require.Equal(t, []uint64{1 << 30, 10 << 30}, req.TierBytes)
	require.Equal(t, uint32(4), req.NumRanks)
	require.Zero(t, req.TotalBytes)
	require.Equal(t, res["uuid"], req.Uuid)

	// The deprecated --label spelling works, with a note.
	_, errOut, rc = e.dmg(t, "pool", "create", "--label", "old", "-z", "10G", "-t", "10")
	require.Equal(t, 0, rc, errOut)
	require.Contains(t, errOut, "deprecated")
	req = e.ms.req("PoolCreate").(*mgmtpb.PoolCreateReq)
	require.Equal(t, "old", req.Properties[0].GetStrval())
	require.Equal(t, []float64{0.1, 0.9}, req.TierRatio)

	// MD-on-SSD sizing.
	_, errOut, rc = e.dmg(t, "pool", "create", "md", "--meta-size", "1GiB", "--data-size", "10GiB", "--mem-ratio", "50%")
	require.Equal(t, 0, rc, errOut)
	req = e.ms.req("PoolCreate").(*mgmtpb.PoolCreateReq)
	require.Equal(t, []uint64{1 << 30, 10 << 30}, req.TierBytes)
	require.Equal(t, float32(0.5), req.MemRatio)

	// Low SCM share warns.
	_, errOut, rc = e.dmg(t, "pool", "create", "low", "-z", "10G", "-t", "0.5,99.5")
	require.Equal(t, 0, rc, errOut)
	require.Contains(t, errOut, "WARNING")

	// An ACL file is read and checked.
	acl := filepath.Join(t.TempDir(), "acl")
	require.NoError(t, os.WriteFile(acl, []byte("# comment\nA::OWNER@:rw\n\nA:G:admins@:rwtT\n"), 0o600))
	_, errOut, rc = e.dmg(t, "pool", "create", "withacl", "-z", "10G", "-a", acl)
	require.Equal(t, 0, rc, errOut)
	req = e.ms.req("PoolCreate").(*mgmtpb.PoolCreateReq)
	require.Equal(t, []string{"A::OWNER@:rw", "A:G:admins@:rwtT"}, req.Acl)
}

func TestPoolCreateRefused(t *testing.T) {
	e, _ := newPoolEnv(t)
	e.ms.err = grpcerr.Errorf(daos.ErrNosys, "pool create: pool service not available in this engine build")
	out, errOut, rc := e.dmg(t, "-j", "pool", "create", "tank", "-z", "10G")
	require.Equal(t, 1, rc)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1010, env.Status)
	require.Contains(t, *env.Error, "pool service not available")
	require.Contains(t, errOut, "pool service not available")
	e.ms.err = nil

	requireRefusal(t, e, "pool", "create", "tank", "-z", "10G")
}

func TestPoolCreateFlagRules(t *testing.T) {
	e, _ := newPoolEnv(t)
	acl := filepath.Join(t.TempDir(), "bad.acl")
	require.NoError(t, os.WriteFile(acl, []byte("A::OWNER@:rwx\n"), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-z", "10G"}, "label"},
		{[]string{"a", "b", "-z", "10G"}, "one label"},
		{[]string{"tank", "--label", "tank", "-z", "10G"}, "not both"},
		{[]string{"bad label", "-z", "10G"}, "invalid label"},
		{[]string{"11111111-2222-3333-4444-555555555555", "-z", "10G"}, "may not be a UUID"},
		{[]string{strings.Repeat("x", 128), "-z", "10G"}, "longer than 127"},
		{[]string{"tank", "-z", "10G", "-P", "label:other"}, "do not also set it with -P label"},
		{[]string{"tank"}, "give the pool size"},
		{[]string{"tank", "-z", "10G", "-s", "1G"}, "-z/--size cannot be used with"},
		{[]string{"tank", "-z", "10G", "-n", "1G"}, "-z/--size cannot be used with"},
		{[]string{"tank", "-z", "10G", "--meta-size", "1G"}, "-z/--size cannot be used with"},
		{[]string{"tank", "-z", "10G", "--data-size", "1G"}, "-z/--size cannot be used with"},
		{[]string{"tank", "-z", "50%", "-k", "2"}, "cannot be used with -k/--nranks"},
		{[]string{"tank", "-z", "50%", "-t", "10,90"}, "cannot be used with -t/--tier-ratio"},
		{[]string{"tank", "-z", "10G", "-k", "2", "-r", "0-1"}, "-k/--nranks cannot be used with -r/--ranks"},
		{[]string{"tank", "-n", "10G"}, "--nvme-size needs --scm-size"},
		{[]string{"tank", "-s", "1G", "--meta-size", "1G"}, "cannot be mixed"},
		{[]string{"tank", "-s", "1G", "--mem-ratio", "50"}, "--mem-ratio applies"},
		{[]string{"tank", "-s", "1G", "-t", "10,90"}, "only with -z/--size"},
		{[]string{"tank", "--data-size", "10G"}, "--data-size needs --meta-size"},
		{[]string{"tank", "-z", "10G", "-v", "2"}, "must be odd"},
		{[]string{"tank", "-z", "10G", "-v", "11"}, "must be odd"},
		{[]string{"tank", "-z", "10G", "-v", "0"}, "must be odd"},
		{[]string{"tank", "-z", "10G", "-k", "0"}, "at least 1"},
		{[]string{"tank", "-z", "10G", "-r", "x"}, "-r/--ranks"},
		{[]string{"tank", "-z", "10G", "-t", "10,80"}, "add up to 100"},
		{[]string{"tank", "-z", "10G", "-t", "1,2,97"}, "at most two"},
		{[]string{"tank", "-z", "ten"}, "-z/--size"},
		{[]string{"tank", "-z", "0"}, "above 0"},
		{[]string{"tank", "-z", "150%"}, "percentage"},
		{[]string{"tank", "-z", "50%"}, "free space"},
		{[]string{"tank", "-s", "1MiB"}, "below the minimum"},
		{[]string{"tank", "-s", "1GiB", "-n", "100MiB"}, "below the minimum"},
		{[]string{"tank", "--meta-size", "1MiB"}, "below the minimum"},
		{[]string{"tank", "--meta-size", "1GiB", "--mem-ratio", "0"}, "--mem-ratio"},
		{[]string{"tank", "-z", "10G", "-P", "bogus:1"}, `unknown pool property "bogus"`},
		{[]string{"tank", "-z", "10G", "-P", "reclaim:sometimes"}, "invalid value"},
		{[]string{"tank", "-z", "10G", "-P", "svc_list:1"}, "read-only"},
		{[]string{"tank", "-z", "10G", "-P", "reclaim"}, "want key:value"},
		{[]string{"tank", "-z", "10G", "-a", acl}, "permissions"},
		{[]string{"tank", "-z", "10G", "-a", "/nonexistent/acl"}, "ACL file"},
	} {
		calls := e.ms.numCalls()
		out, errOut, rc := e.dmg(t, append([]string{"pool", "create"}, c.args...)...)
		require.Equal(t, 1, rc, "%v: %s", c.args, out)
		require.Contains(t, errOut, c.want, "%v", c.args)
		require.Equal(t, calls, e.ms.numCalls(), "%v reached the management service", c.args)
	}
	// The percentage refusal carries DER_NOSYS; an unknown property DER_INVAL.
	out, _, _ := e.dmg(t, "-j", "pool", "create", "tank", "-z", "50%")
	require.Equal(t, -1010, decodeEnv(t, out, nil).Status)
	out, _, _ = e.dmg(t, "-j", "pool", "create", "tank", "-z", "1G", "-P", "nope:1")
	require.Equal(t, -1003, decodeEnv(t, out, nil).Status)
	// create-only properties are fine at create.
	_, errOut, rc := e.dmg(t, "pool", "create", "tank", "-z", "10G", "-P", "perf_domain:group,ec_pda:1,rp_pda:2")
	require.Equal(t, 0, rc, errOut)
}

func TestPoolList(t *testing.T) {
	e, pm := newPoolEnv(t)
	e.ms.pools = &mgmtpb.ListPoolsResp{Pools: []*mgmtpb.ListPoolsResp_Pool{
		{Uuid: "22222222-2222-3333-4444-555555555555", Label: "zeta", SvcReps: []uint32{0}, State: "Ready"},
		{Uuid: "11111111-2222-3333-4444-555555555555", Label: "alpha", SvcReps: []uint32{1, 2, 3}, State: "Creating"},
	}}
	pm.query = &mgmtpb.PoolQueryResp{TotalTargets: 8, DisabledTargets: 1, Rebuild: &mgmtpb.PoolRebuildStatus{State: mgmtpb.PoolRebuildStatus_BUSY},
		TierStats: []*mgmtpb.StorageUsageStats{
			{Total: 6e9, Free: 3e9, Min: 3e8, Mean: 4e8, MediaType: mgmtpb.StorageMediaType_SCM},
			{Total: 94e9, Free: 47e9, Min: 5e9, Mean: 5e9, MediaType: mgmtpb.StorageMediaType_NVME}}}

	out, errOut, rc := e.dmg(t, "pool", "list")
	require.Equal(t, 0, rc, errOut)
	require.Contains(t, out, "Pool")
	require.Contains(t, out, "Imbalance")
	require.Contains(t, out, "100 GB")
	require.Contains(t, out, "1/8")
	require.Less(t, strings.Index(out, "alpha"), strings.Index(out, "zeta"))
	// Only the ready pool is queried.
	require.Equal(t, "22222222-2222-3333-4444-555555555555", e.ms.req("PoolQuery").(*mgmtpb.PoolQueryReq).Id)

	out, _, rc = e.dmg(t, "pool", "ls", "-v")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "SCM Imbalance")
	require.Contains(t, out, "[1-3]")
	require.Contains(t, out, "25%") // SCM imbalance of zeta
	require.Contains(t, out, "busy")

	e.ms.reset()
	out, _, rc = e.dmg(t, "pool", "list", "-n", "-v")
	require.Equal(t, 0, rc)
	require.Nil(t, e.ms.req("PoolQuery"))
	require.Contains(t, out, "SvcReps")

	out, _, rc = e.dmg(t, "-j", "pool", "list", "-r")
	require.Equal(t, 0, rc)
	var resp struct {
		Pools []poolListEntry `json:"pools"`
	}
	decodeEnv(t, out, &resp)
	require.Len(t, resp.Pools, 1)
	require.Equal(t, "zeta", resp.Pools[0].Label)
	require.Len(t, resp.Pools[0].Usage, 2)

	// A failed query is reported, not fatal.
	e.ms.reset()
	pm.query = &mgmtpb.PoolQueryResp{Status: -1010}
	out, _, rc = e.dmg(t, "pool", "list")
	require.Equal(t, 0, rc)
	require.Contains(t, out, `Query on pool "zeta" unsuccessful`)

	e.ms.pools = &mgmtpb.ListPoolsResp{}
	out, _, rc = e.dmg(t, "pool", "list")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "No pools in system")
	requireRefusal(t, e, "pool", "list")
}

func TestPoolQuery(t *testing.T) {
	e, pm := newPoolEnv(t)
	pm.query = &mgmtpb.PoolQueryResp{Uuid: "11111111-2222-3333-4444-555555555555", Label: "tank", TotalTargets: 8,
		ActiveTargets: 8, Version: 1, State: mgmtpb.PoolServiceState_Ready, EnabledRanks: "0-1",
		Rebuild:   &mgmtpb.PoolRebuildStatus{State: mgmtpb.PoolRebuildStatus_IDLE},
		TierStats: []*mgmtpb.StorageUsageStats{{Total: 6e9, Free: 6e9, Min: 75e7, Max: 75e7, Mean: 75e7}}}
	out, errOut, rc := e.dmg(t, "pool", "query", "tank", "-e")
	require.Equal(t, 0, rc, errOut)
	req := e.ms.req("PoolQuery").(*mgmtpb.PoolQueryReq)
	require.Equal(t, "tank", req.Id)
	require.Equal(t, uint64(queryMaskSpace|queryMaskRebuild|queryMaskEnginesEnabled|queryMaskEnginesDisabled|queryMaskEnginesDead), req.QueryMask)
	for _, want := range []string{"Pool 11111111-2222-3333-4444-555555555555, ntarget=8, disabled=0, leader=0, version=1, state=Ready",
		"- Enabled ranks: 0-1", "- Rebuild idle, 0 objs, 0 recs", "- Storage tier 0 (SCM):", "Total size: 6.0 GB"} {
		require.Contains(t, out, want)
	}
	out, _, rc = e.dmg(t, "pool", "query", "tank", "-t")
	require.Equal(t, 0, rc)
	require.NotContains(t, out, "Pool space info")
	require.Zero(t, e.ms.req("PoolQuery").(*mgmtpb.PoolQueryReq).QueryMask&queryMaskSpace)

	out, _, rc = e.dmg(t, "-j", "pool", "query", "tank")
	require.Equal(t, 0, rc)
	var js map[string]any
	decodeEnv(t, out, &js)
	require.Equal(t, "Ready", js["state"])
	require.Equal(t, "idle", js["rebuild"].(map[string]any)["state"])
	// tier_stats as DAOS's dmg prints them.
	ts := js["tier_stats"].([]any)
	require.Len(t, ts, 1)
	require.Equal(t, map[string]any{"media_type": "scm", "total": 6e9, "free": 6e9, "min": 75e7, "max": 75e7, "mean": 75e7}, ts[0])

	// The pool's self_heal is compared with the system's.
	e.ms.props = map[string]string{"self_heal": "exclude;pool_exclude"}
	pm.getProp = &mgmtpb.PoolGetPropResp{Properties: []*mgmtpb.PoolProperty{
		{Number: system.PoolPropSelfHeal, Value: &mgmtpb.PoolProperty_Numval{Numval: 3}}}}
	out, _, rc = e.dmg(t, "pool", "query", "tank")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "lacks pool_rebuild")
	require.NotContains(t, out, "lacks pool_exclude")
	e.ms.reset()
	out, _, rc = e.dmg(t, "pool", "query", "tank", "--no-self-heal-check")
	require.Equal(t, 0, rc)
	require.NotContains(t, out, "Note:")
	require.Nil(t, e.ms.req("PoolGetProp"))

	_, errOut, rc = e.dmg(t, "pool", "query", "bad label")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "invalid label")
	requireRefusal(t, e, "pool", "query", "tank")
}

func TestPoolDestroyEvict(t *testing.T) {
	e, _ := newPoolEnv(t)
	out, _, rc := e.dmg(t, "pool", "destroy", "tank", "-r", "-f")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Pool-destroy command succeeded")
	req := e.ms.req("PoolDestroy").(*mgmtpb.PoolDestroyReq)
	require.True(t, req.Recursive && req.Force)
	require.Equal(t, "tank", req.Id)

	out, _, rc = e.dmg(t, "pool", "evict", "tank")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Pool-evict command succeeded")
	require.Equal(t, "testsys", e.ms.req("PoolEvict").(*mgmtpb.PoolEvictReq).Sys)

	out, _, rc = e.dmg(t, "-j", "pool", "destroy", "tank")
	require.Equal(t, 0, rc)
	require.Equal(t, "null", string(decodeEnv(t, out, nil).Response))

	requireRefusal(t, e, "pool", "destroy", "tank")
	requireRefusal(t, e, "pool", "evict", "tank")
	_, _, rc = e.dmg(t, "pool", "destroy")
	require.Equal(t, 1, rc)
}

func TestPoolProps(t *testing.T) {
	e, pm := newPoolEnv(t)
	pm.getProp = &mgmtpb.PoolGetPropResp{Properties: []*mgmtpb.PoolProperty{
		{Number: system.PoolPropLabel, Value: &mgmtpb.PoolProperty_Strval{Strval: "tank"}},
		{Number: system.PoolPropReclaim, Value: &mgmtpb.PoolProperty_Numval{Numval: 1}},
		{Number: system.PoolPropSpaceRb, Value: &mgmtpb.PoolProperty_Numval{Numval: 5}},
	}}
	out, errOut, rc := e.dmg(t, "pool", "get-prop", "tank")
	require.Equal(t, 0, rc, errOut)
	require.Len(t, e.ms.req("PoolGetProp").(*mgmtpb.PoolGetPropReq).Properties, len(system.PoolPropNames()))
	require.Contains(t, out, "Pool tank properties:")
	require.Contains(t, out, "space reclaim strategy (reclaim)")
	require.Contains(t, out, "lazy")
	require.Contains(t, out, "5%")

	_, _, rc = e.dmg(t, "pool", "get-prop", "tank", "reclaim,rf")
	require.Equal(t, 0, rc)
	req := e.ms.req("PoolGetProp").(*mgmtpb.PoolGetPropReq)
	require.Equal(t, []uint32{system.PoolPropReclaim, system.PoolPropRedunFac},
		[]uint32{req.Properties[0].Number, req.Properties[1].Number})

	out, _, rc = e.dmg(t, "-j", "pool", "get-prop", "tank", "label")
	require.Equal(t, 0, rc)
	var props []poolPropJSON
	decodeEnv(t, out, &props)
	require.Equal(t, "label", props[0].Name)
	require.Equal(t, "tank", props[0].Value)

	_, errOut, rc = e.dmg(t, "pool", "get-prop", "tank", "bogus")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, `unknown pool property "bogus"`)

	out, errOut, rc = e.dmg(t, "pool", "set-prop", "tank", "reclaim:time,self_heal:exclude;rebuild,space_rb:10%")
	require.Equal(t, 0, rc, errOut)
	require.Contains(t, out, "pool set-prop succeeded")
	sreq := e.ms.req("PoolSetProp").(*mgmtpb.PoolSetPropReq)
	require.Len(t, sreq.Properties, 3)

	for _, bad := range []struct{ arg, want string }{
		{"perf_domain:group", "only be set when the pool is created"},
		{"ec_pda:1", "only be set when the pool is created"},
		{"rp_pda:1", "only be set when the pool is created"},
		{"svc_rf:1", "only be set when the pool is created"},
		{"global_version:2", "read-only"},
		{"nope:1", `unknown pool property "nope"`},
		{"rd_fac:9", "invalid value"},
		{"label:11111111-2222-3333-4444-555555555555", "UUID"},
	} {
		calls := e.ms.numCalls()
		out, errOut, rc := e.dmg(t, "-j", "pool", "set-prop", "tank", bad.arg)
		require.Equal(t, 1, rc, bad.arg)
		require.Contains(t, errOut, bad.want, bad.arg)
		require.Equal(t, -1003, decodeEnv(t, out, nil).Status, bad.arg)
		require.Equal(t, calls, e.ms.numCalls())
	}
	requireRefusal(t, e, "pool", "set-prop", "tank", "reclaim:lazy")
	requireRefusal(t, e, "pool", "get-prop", "tank")
}

func TestPoolACL(t *testing.T) {
	e, pm := newPoolEnv(t)
	pm.acl = &mgmtpb.ACLResp{ACL: &mgmtpb.AccessControlList{Entries: []string{"A::OWNER@:rw", "A:G:GROUP@:r"},
		OwnerUser: "bob@", OwnerGroup: "staff@"}}
	out, _, rc := e.dmg(t, "pool", "get-acl", "tank", "-v")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "# Owner: bob@\n# Owner-Group: staff@\n# Entries:\n")
	require.Contains(t, out, "# Allow OWNER@: Read Write\nA::OWNER@:rw\n")

	dir := t.TempDir()
	file := filepath.Join(dir, "acl.txt")
	out, _, rc = e.dmg(t, "pool", "get-acl", "tank", "-O", file)
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Wrote ACL to output file")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Contains(t, string(b), "A:G:GROUP@:r\n")
	_, errOut, rc := e.dmg(t, "pool", "get-acl", "tank", "-O", file)
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "already exists")
	_, _, rc = e.dmg(t, "pool", "get-acl", "tank", "-O", file, "-f")
	require.Equal(t, 0, rc)

	out, _, rc = e.dmg(t, "-j", "pool", "get-acl", "tank")
	require.Equal(t, 0, rc)
	var a aclJSON
	decodeEnv(t, out, &a)
	require.Equal(t, "bob@", a.OwnerUser)
	require.Len(t, a.Entries, 2)

	// The file written by get-acl is valid input for overwrite-acl.
	_, errOut, rc = e.dmg(t, "pool", "overwrite-acl", "tank", "-a", file)
	require.Equal(t, 0, rc, errOut)
	require.Equal(t, []string{"A::OWNER@:rw", "A:G:GROUP@:r"}, e.ms.req("PoolOverwriteACL").(*mgmtpb.ModifyACLReq).ACL)
	_, errOut, rc = e.dmg(t, "pool", "overwrite-acl", "tank")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "acl-file")

	_, errOut, rc = e.dmg(t, "pool", "update-acl", "tank", "-e", "A::alice@:r")
	require.Equal(t, 0, rc, errOut)
	require.Equal(t, []string{"A::alice@:r"}, e.ms.req("PoolUpdateACL").(*mgmtpb.ModifyACLReq).ACL)
	_, errOut, rc = e.dmg(t, "pool", "update-acl", "tank", "-e", "A::alice@:r", "-a", file)
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "not both")
	_, errOut, rc = e.dmg(t, "pool", "update-acl", "tank")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "-e/--entry")
	_, errOut, rc = e.dmg(t, "pool", "update-acl", "tank", "-e", "X::alice@:r")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "invalid ACE")

	_, _, rc = e.dmg(t, "pool", "delete-acl", "tank", "-p", "OWNER@")
	require.Equal(t, 0, rc)
	require.Equal(t, "OWNER@", e.ms.req("PoolDeleteACL").(*mgmtpb.DeleteACLReq).Principal)
	_, errOut, rc = e.dmg(t, "pool", "delete-acl", "tank")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "principal")

	requireRefusal(t, e, "pool", "get-acl", "tank")
	requireRefusal(t, e, "pool", "delete-acl", "tank", "-p", "OWNER@")
}
