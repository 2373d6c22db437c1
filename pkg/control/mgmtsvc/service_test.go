package mgmtsvc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// localReplica applies commands directly: a one-replica group that
// always leads (or never, when leader is false).
type localReplica struct {
	db     *system.Database
	mu     sync.Mutex
	leader bool
	addr   string // the leader's address it reports
}

func (l *localReplica) IsLeader() bool                { l.mu.Lock(); defer l.mu.Unlock(); return l.leader }
func (l *localReplica) Leader() string                { l.mu.Lock(); defer l.mu.Unlock(); return l.addr }
func (l *localReplica) Barrier(context.Context) error { return nil }
func (l *localReplica) Apply(_ context.Context, c *system.Command) (any, error) {
	if !l.IsLeader() {
		return nil, daos.Errorf(daos.ErrNotleader, "not leader")
	}
	if c.Time.IsZero() {
		c.Time = time.Now()
	}
	res := l.db.Apply(c)
	if err, ok := res.(error); ok {
		return nil, err
	}
	return res, nil
}

// fakeHosts plays the servers: engine states per address and a record of
// the rank operations asked.
type fakeHosts struct {
	mu      sync.Mutex
	engines map[string][]*ctlpb.EngineState
	down    map[string]bool
	ops     []string
	failOp  map[RankOp]uint32 // rank whose op fails
}

func (f *fakeHosts) HostSystemQuery(_ context.Context, addr string) (*ctlpb.HostSystemQueryResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[addr] {
		return nil, errors.New("connection refused")
	}
	return &ctlpb.HostSystemQueryResp{Engines: f.engines[addr]}, nil
}

func (f *fakeHosts) Ranks(_ context.Context, addr string, op RankOp, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, addr+" "+string(op)+" "+req.Ranks)
	if f.down[addr] {
		return nil, errors.New("connection refused")
	}
	rs, err := ranklist.Parse(req.Ranks)
	if err != nil {
		return nil, err
	}
	resp := &ctlpb.RanksResp{}
	for _, r := range rs.Ranks() {
		rr := &sharedpb.RankResult{Rank: r}
		if fr, ok := f.failOp[op]; ok && fr == r {
			rr.Errored, rr.Msg = true, "engine refused"
		}
		resp.Results = append(resp.Results, rr)
	}
	return resp, nil
}

func newTestService(t *testing.T) (*Service, *localReplica, *fakeHosts) {
	db := system.NewDatabase()
	rep := &localReplica{db: db, leader: true, addr: "h1:10001"}
	hosts := &fakeHosts{engines: map[string][]*ctlpb.EngineState{}, down: map[string]bool{}, failOp: map[RankOp]uint32{}}
	s := New(Options{System: "daos_server", Version: "2.9.100", Local: "h1:10001", Replicas: []string{"h1:10001"},
		DB: db, Hosts: hosts, Provider: "ofi+tcp", CrtTimeout: 60, Logger: slog.New(slog.DiscardHandler),
		ClientEnvVars: []string{"FI_UNIVERSE_SIZE=2048"},
		ProbeInterval: 10 * time.Millisecond, UnresponsiveAfter: 30 * time.Millisecond})
	s.SetReplica(rep)
	return s, rep, hosts
}

func joinAll(t *testing.T, s *Service, h *fakeHosts) {
	ctx := context.Background()
	for i, addr := range []string{"h1:10001", "h2:10001", "h3:10001"} {
		uuid := []string{"u0", "u1", "u2"}[i]
		resp, err := s.Join(ctx, &mgmtpb.JoinReq{Sys: "daos_server", Uuid: uuid, Rank: system.NilRank, Addr: addr,
			Uri: "tcp://" + addr, Nctxs: 2, SrvFaultDomain: "/h" + uuid, Incarnation: 1})
		require.NoError(t, err)
		assert.Equal(t, uint32(i), resp.Rank)
		h.engines[addr] = []*ctlpb.EngineState{{Index: 0, Uuid: uuid, State: "Ready"}}
	}
}

func TestJoinQueryAndAttachInfo(t *testing.T) {
	s, _, h := newTestService(t)
	ctx := context.Background()
	joinAll(t, s, h)

	_, err := s.Join(ctx, &mgmtpb.JoinReq{Sys: "other", Uuid: "x", Addr: "h9:1"})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrInval), "%v", err)

	q, err := s.SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
	require.NoError(t, err)
	require.Len(t, q.Members, 3)
	assert.Equal(t, "joined", q.Members[0].State)
	assert.Equal(t, []string{"ofi+tcp"}, q.Providers)

	q, err = s.SystemQuery(ctx, &mgmtpb.SystemQueryReq{Ranks: "1,7", Hosts: "h3,h8"})
	require.NoError(t, err)
	require.Len(t, q.Members, 2)
	assert.Equal(t, []uint32{1, 2}, []uint32{q.Members[0].Rank, q.Members[1].Rank})
	assert.Equal(t, "7", q.Absentranks)
	assert.Equal(t, "h8", q.Absenthosts)

	q, err = s.SystemQuery(ctx, &mgmtpb.SystemQueryReq{StateMask: uint32(system.StateExcluded)})
	require.NoError(t, err)
	assert.Empty(t, q.Members)
	_, err = s.SystemQuery(ctx, &mgmtpb.SystemQueryReq{Ranks: "x"})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrInval))

	ai, err := s.GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{Sys: "daos_server", AllRanks: true})
	require.NoError(t, err)
	require.Len(t, ai.RankUris, 3)
	assert.Equal(t, "tcp://h2:10001", ai.RankUris[1].Uri)
	assert.Equal(t, []uint32{0}, ai.MsRanks)
	assert.Equal(t, "ofi+tcp", ai.ClientNetHint.Provider)
	assert.Equal(t, uint32(60), ai.ClientNetHint.CrtTimeout)
	assert.Equal(t, []string{"FI_UNIVERSE_SIZE=2048"}, ai.ClientNetHint.EnvVars, "client_env_vars")
	assert.Equal(t, uint32(9), ai.BuildInfo.Minor)

	lq, err := s.LeaderQuery(ctx, &mgmtpb.LeaderQueryReq{})
	require.NoError(t, err)
	assert.Equal(t, "h1:10001", lq.CurrentLeader)
}

func TestExcludeAndClear(t *testing.T) {
	s, _, h := newTestService(t)
	ctx := context.Background()
	joinAll(t, s, h)
	resp, err := s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{Ranks: "1"})
	require.NoError(t, err)
	require.Len(t, resp.Results, 1)
	assert.Equal(t, "adminexcluded", resp.Results[0].State)
	assert.False(t, resp.Results[0].Errored)

	// An excluded rank cannot join, is left out of attach info.
	_, err = s.Join(ctx, &mgmtpb.JoinReq{Uuid: "u1", Rank: 1, Addr: "h2:10001"})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrNoPerm), "%v", err)
	ai, _ := s.GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{})
	assert.Len(t, ai.RankUris, 2)

	resp, err = s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{Ranks: "1", Clear: true})
	require.NoError(t, err)
	assert.Equal(t, "excluded", resp.Results[0].State)
	_, err = s.Join(ctx, &mgmtpb.JoinReq{Uuid: "u1", Rank: 1, Addr: "h2:10001", Incarnation: 2})
	require.NoError(t, err)

	_, err = s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrInval))
	_, err = s.SystemExclude(ctx, &mgmtpb.SystemExcludeReq{Ranks: "5"})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrNonexist))
}

func TestStopAndStart(t *testing.T) {
	s, _, h := newTestService(t)
	ctx := context.Background()
	joinAll(t, s, h)
	h.down["h3:10001"] = true
	resp, err := s.SystemStop(ctx, &mgmtpb.SystemStopReq{})
	require.NoError(t, err)
	require.Len(t, resp.Results, 3)
	assert.False(t, resp.Results[0].Errored)
	assert.Equal(t, "stopped", resp.Results[0].State)
	assert.Equal(t, "stop", resp.Results[0].Action)
	assert.True(t, resp.Results[2].Errored, "an unreachable server's rank stopped")
	assert.Contains(t, resp.Results[2].Msg, "h3:10001")
	m, _ := s.o.DB.Member(0)
	assert.Equal(t, system.StateStopped, m.State)
	m, _ = s.o.DB.Member(2)
	assert.Equal(t, system.StateJoined, m.State, "an unreachable rank's state changed (the probe decides)")

	// A failed preparation keeps the rank running unless forced.
	h.down["h3:10001"] = false
	h.failOp[RankPrep] = 2
	s.Join(ctx, &mgmtpb.JoinReq{Uuid: "u2", Rank: 2, Addr: "h3:10001", Incarnation: 2})
	h.ops = nil
	resp, err = s.SystemStop(ctx, &mgmtpb.SystemStopReq{Ranks: "2"})
	require.NoError(t, err)
	require.Len(t, resp.Results, 1)
	assert.True(t, resp.Results[0].Errored)
	assert.Equal(t, []string{"h3:10001 prep shutdown 2"}, h.ops)
	resp, err = s.SystemStop(ctx, &mgmtpb.SystemStopReq{Ranks: "2", Force: true})
	require.NoError(t, err)
	assert.False(t, resp.Results[0].Errored)

	h.ops = nil
	start, err := s.SystemStart(ctx, &mgmtpb.SystemStartReq{Ranks: "0-1"})
	require.NoError(t, err)
	require.Len(t, start.Results, 2)
	assert.ElementsMatch(t, []string{"h1:10001 start 0", "h2:10001 start 1"}, h.ops)
	assert.Equal(t, "start", start.Results[0].Action)
}

func TestClusterEvents(t *testing.T) {
	s, _, h := newTestService(t)
	ctx := context.Background()
	joinAll(t, s, h)
	ev := func(id, rank uint32, inc uint64) {
		_, err := s.ClusterEvent(ctx, &sharedpb.ClusterEventReq{Sequence: 4, Event: &sharedpb.RASEvent{Id: id, Rank: rank, Incarnation: inc, Msg: "m"}})
		require.NoError(t, err)
	}
	ev(RASEngineDied, 0, 0)
	m, _ := s.o.DB.Member(0)
	assert.Equal(t, system.StateErrored, m.State)
	ev(RASSwimRankDead, 1, 0)
	m, _ = s.o.DB.Member(1)
	assert.Equal(t, system.StateExcluded, m.State)

	_, err := s.SystemSetProp(ctx, &mgmtpb.SystemSetPropReq{Properties: map[string]string{"self_heal": "none"}})
	require.NoError(t, err)
	ev(RASSwimRankDead, 2, 0)
	m, _ = s.o.DB.Member(2)
	assert.Equal(t, system.StateJoined, m.State, "self_heal none still excluded")
	p, err := s.SystemGetProp(ctx, &mgmtpb.SystemGetPropReq{Keys: []string{"self_heal", "daos_system"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"self_heal": "none", "daos_system": "daos_server"}, p.Properties)
}

func TestProbeMarksDeadEnginesAndSilentServers(t *testing.T) {
	s, _, h := newTestService(t)
	joinAll(t, s, h)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	h.mu.Lock()
	h.engines["h2:10001"][0].State = "Errored"
	h.down["h3:10001"] = true
	h.mu.Unlock()
	state := func(r uint32) system.MemberState { m, _ := s.o.DB.Member(r); return m.State }
	deadline := time.Now().Add(5 * time.Second)
	for (state(1) != system.StateErrored || state(2) != system.StateUnresponsive) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, system.StateJoined, state(0))
	assert.Equal(t, system.StateErrored, state(1))
	assert.Equal(t, system.StateUnresponsive, state(2))
	m, _ := s.o.DB.Member(2)
	assert.Contains(t, m.Info, "has not answered")
	cancel()
	<-done
}

func TestAttrs(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	_, err := s.SystemSetAttr(ctx, &mgmtpb.SystemSetAttrReq{Attributes: map[string]string{"a": "1", "b": "2"}})
	require.NoError(t, err)
	_, err = s.SystemSetAttr(ctx, &mgmtpb.SystemSetAttrReq{Attributes: map[string]string{"b": ""}})
	require.NoError(t, err)
	got, err := s.SystemGetAttr(ctx, &mgmtpb.SystemGetAttrReq{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1"}, got.Attributes)
	_, err = s.SystemSetAttr(ctx, &mgmtpb.SystemSetAttrReq{Attributes: map[string]string{"x:y": "1"}})
	assert.Error(t, err)
	_, err = s.SystemGetAttr(ctx, &mgmtpb.SystemGetAttrReq{Keys: []string{"b"}})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrNonexist))
}

// TestForwarding runs two servers over gRPC: the follower forwards to the
// leader, and with no leader the call fails within LeaderWait.
func TestForwarding(t *testing.T) {
	lisA, _ := net.Listen("tcp", "127.0.0.1:0")
	lisB, _ := net.Listen("tcp", "127.0.0.1:0")
	a, b := lisA.Addr().String(), lisB.Addr().String()
	conns := NewConns(grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conns.Close()
	mk := func(local string, rep *localReplica) (*Service, *grpc.Server) {
		s := New(Options{System: "daos_server", Local: local, Replicas: []string{a, b}, DB: rep.db, Conns: conns,
			Hosts: &fakeHosts{}, Logger: slog.New(slog.DiscardHandler), LeaderWait: 300 * time.Millisecond})
		s.SetReplica(rep)
		gs := grpc.NewServer(grpc.UnaryInterceptor(s.Forwarder))
		mgmtpb.RegisterMgmtSvcServer(gs, s)
		return s, gs
	}
	repA := &localReplica{db: system.NewDatabase(), leader: true, addr: a}
	repB := &localReplica{db: system.NewDatabase(), addr: a}
	_, gsA := mk(a, repA)
	_, gsB := mk(b, repB)
	go gsA.Serve(lisA)
	go gsB.Serve(lisB)
	defer gsA.Stop()
	defer gsB.Stop()

	cc, err := grpc.NewClient(b, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer cc.Close()
	cl := mgmtpb.NewMgmtSvcClient(cc)
	ctx := context.Background()
	jr, err := cl.Join(ctx, &mgmtpb.JoinReq{Uuid: "u0", Rank: system.NilRank, Addr: b})
	require.NoError(t, err)
	assert.Equal(t, uint32(0), jr.Rank)
	assert.Len(t, repA.db.Members(), 1, "the join did not reach the leader")
	assert.Empty(t, repB.db.Members())

	// Refusals come back with their DER code through the hop.
	_, err = cl.SystemQuery(ctx, &mgmtpb.SystemQueryReq{Sys: "other"})
	assert.True(t, errors.Is(grpcerr.FromStatus(err), daos.ErrInval), "%v", err)

	// No leader anywhere: a clear error, in bounded time.
	repA.mu.Lock()
	repA.leader, repA.addr = false, ""
	repA.mu.Unlock()
	repB.mu.Lock()
	repB.addr = ""
	repB.mu.Unlock()
	start := time.Now()
	_, err = cl.SystemQuery(ctx, &mgmtpb.SystemQueryReq{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no management service leader")
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestProbeRecordsStoppedEngines(t *testing.T) {
	s, _, h := newTestService(t)
	joinAll(t, s, h)
	r := s.replica()
	h.mu.Lock()
	h.engines["h1:10001"][0].State = "Stopped"
	h.mu.Unlock()
	s.probe(context.Background(), r)
	m, _ := s.o.DB.Member(0)
	assert.Equal(t, system.StateStopped, m.State, "an engine stopped on purpose is not Errored")
	m, _ = s.o.DB.Member(1)
	assert.Equal(t, system.StateJoined, m.State)
}
