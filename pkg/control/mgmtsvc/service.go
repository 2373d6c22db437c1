package mgmtsvc

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// Replica is the local raft replica (*msdb.Replica).
type Replica interface {
	IsLeader() bool
	Leader() string
	Apply(ctx context.Context, c *system.Command) (any, error)
	Barrier(ctx context.Context) error
}

// RankOp is a rank operation fanned out to servers.
type RankOp string

// Rank operations.
const (
	RankPrep  RankOp = "prep shutdown"
	RankStop  RankOp = "stop"
	RankStart RankOp = "start"
)

// Hosts reaches other servers' control services (*Conns).
type Hosts interface {
	HostSystemQuery(ctx context.Context, addr string) (*ctlpb.HostSystemQueryResp, error)
	Ranks(ctx context.Context, addr string, op RankOp, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error)
}

// Options configure a Service; zero durations take the defaults noted.
type Options struct {
	System   string
	Version  string
	Local    string   // this server's control address
	Replicas []string // mgmt_svc_replicas as host:port
	DB       *system.Database
	Hosts    Hosts
	Conns    *Conns // for forwarding calls to the leader
	Provider string
	// CrtTimeout is the clients' RPC timeout in seconds (attach info).
	CrtTimeout uint32
	// ClientEnvVars ("NAME=value", client_env_vars) go to clients in the
	// attach info; libdaos sets those the process has not set.
	ClientEnvVars []string
	Logger        *slog.Logger

	ProbeInterval     time.Duration // default 1 s
	UnresponsiveAfter time.Duration // default 3 s
	LeaderWait        time.Duration // default 5 s: how long a call waits for an election
	RankOpTimeout     time.Duration // default 30 s per host for stop/start

	// PoolEngines reaches pool services (the local engine); it may also
	// be set later with SetPoolEngines.
	PoolEngines PoolEngines
}

// Service implements mgmtpb.MgmtSvcServer.
type Service struct {
	mgmtpb.UnimplementedMgmtSvcServer
	o   Options
	rep atomic.Pointer[replicaBox]

	// barrier remembers that this leadership (barrierTerm) already waited
	// for the log to be applied, so reads after the first see everything.
	mu          sync.Mutex
	barrier     bool
	barrierTerm uint64
	lastSeen    map[string]time.Time
	down        map[string]bool // replica addresses failing probes

	// poolBusy holds the UUIDs of pool creates and destroys in flight on
	// this server (the value says which), so a destroy does not remove
	// a directory entry a create is still filling, nor two of them race,
	// and a repeat of a create waits for the first.
	poolBusy sync.Map
}

type replicaBox struct{ r Replica }

// New makes the service; SetReplica attaches the local replica when (and
// if) this server hosts one.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ProbeInterval, time.Second)
	def(&o.UnresponsiveAfter, 3*time.Second)
	def(&o.LeaderWait, 5*time.Second)
	def(&o.RankOpTimeout, 30*time.Second)
	return &Service{o: o, lastSeen: map[string]time.Time{}, down: map[string]bool{}}
}

// DB is the record this service reads (and its replica applies to).
func (s *Service) DB() *system.Database { return s.o.DB }

// SetReplica attaches (or, with nil, detaches) the local replica.
func (s *Service) SetReplica(r Replica) {
	if r == nil {
		s.rep.Store(nil)
		return
	}
	s.rep.Store(&replicaBox{r})
}

func (s *Service) replica() Replica {
	if b := s.rep.Load(); b != nil {
		return b.r
	}
	return nil
}

// leading returns the replica when it leads, after making sure its
// database has applied everything earlier leaders committed.
func (s *Service) leading(ctx context.Context) (Replica, error) {
	r := s.replica()
	if r == nil || !r.IsLeader() {
		return nil, grpcerr.ToStatus(daos.Errorf(daos.ErrNotleader, "this server is not the management service leader"))
	}
	term := termOf(r)
	s.mu.Lock()
	done := s.barrier && s.barrierTerm == term
	s.mu.Unlock()
	if !done {
		if err := r.Barrier(ctx); err != nil {
			return nil, grpcerr.ToStatus(err)
		}
		s.mu.Lock()
		s.barrier, s.barrierTerm = true, term
		s.mu.Unlock()
	}
	return r, nil
}

// termer is a replica that knows its raft term (*msdb.Replica): a
// leadership lost and regained between two calls has a new term, and
// needs a new barrier.
type termer interface{ Term() uint64 }

func termOf(r Replica) uint64 {
	if t, ok := r.(termer); ok {
		return t.Term()
	}
	return 0
}

// lostLeadership forgets per-leadership state.
func (s *Service) lostLeadership() {
	s.mu.Lock()
	s.barrier = false
	s.lastSeen = map[string]time.Time{}
	s.down = map[string]bool{}
	s.mu.Unlock()
}

func (s *Service) checkSys(sys string) error {
	if sys != "" && sys != s.o.System {
		return grpcerr.Errorf(daos.ErrInval, "the request is for system %q, this is system %q", sys, s.o.System)
	}
	return nil
}

func (s *Service) apply(ctx context.Context, r Replica, c *system.Command) (any, error) {
	res, err := r.Apply(ctx, c)
	if err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	return res, nil
}

// Join adds or readmits an engine.
func (s *Service) Join(ctx context.Context, req *mgmtpb.JoinReq) (*mgmtpb.JoinResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	res, err := s.apply(ctx, r, &system.Command{Op: system.OpJoin, Join: &system.JoinRequest{
		UUID: req.Uuid, Rank: req.Rank, Addr: req.Addr, Index: req.Idx, URI: req.Uri, Contexts: req.Nctxs,
		Secondary: req.SecondaryUris, SecondaryN: req.SecondaryNctxs, FaultDomain: req.SrvFaultDomain,
		Incarnation: req.Incarnation, CheckMode: req.CheckMode, Replace: req.Replace,
	}})
	if err != nil {
		return nil, err
	}
	jr := res.(*system.JoinResult)
	key, err := s.systemKey(ctx, r)
	if err != nil {
		return nil, err
	}
	s.o.Logger.Info("engine joined", "rank", jr.Member.Rank, "uuid", jr.Member.UUID, "addr", jr.Member.Addr,
		"new", jr.Created, "map_version", jr.MapVersion)
	resp := &mgmtpb.JoinResp{Rank: jr.Member.Rank, MapVersion: jr.MapVersion, FaultDomain: jr.Member.FaultDomain,
		DataVersion: s.o.DB.DataVersion(), SystemKey: key}
	if req.CheckMode {
		resp.State = mgmtpb.JoinResp_CHECK
	}
	for _, p := range s.o.DB.Pools() {
		resp.PoolUuids = append(resp.PoolUuids, p.UUID)
	}
	return resp, nil
}

// systemKey returns the system's peer key, making it first if the
// record has none yet (the first join of a new system). Every replica
// then holds the same bytes, persisted with the rest of the record.
func (s *Service) systemKey(ctx context.Context, r Replica) ([]byte, error) {
	if key := s.o.DB.SystemKey(); len(key) != 0 {
		return key, nil
	}
	key := make([]byte, system.SystemKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, grpcerr.ToStatus(fmt.Errorf("make the system key: %w", err))
	}
	if _, err := s.apply(ctx, r, &system.Command{Op: system.OpInitKey, Key: key}); err != nil {
		return nil, err
	}
	// A concurrent first join may have won: the record's key is the one.
	if key = s.o.DB.SystemKey(); len(key) == 0 {
		return nil, grpcerr.ToStatus(daos.Errorf(daos.ErrUninit, "the system key was set but is not in the record"))
	}
	return key, nil
}

// LeaderQuery names the leader and the replicas; DownReplicas are those
// the leader's probes cannot reach.
func (s *Service) LeaderQuery(ctx context.Context, req *mgmtpb.LeaderQueryReq) (*mgmtpb.LeaderQueryResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	resp := &mgmtpb.LeaderQueryResp{CurrentLeader: s.o.Local, Replicas: append([]string(nil), s.o.Replicas...)}
	s.mu.Lock()
	for _, a := range s.o.Replicas {
		if s.down[a] {
			resp.DownReplicas = append(resp.DownReplicas, a)
		}
	}
	s.mu.Unlock()
	return resp, nil
}

// hostMatches tells whether a member's control address is named by one
// of hosts (a host name or address, with or without the port).
func hostMatches(m *system.Member, host string) bool {
	return host == m.Addr || host == m.Host()
}

func memberToPB(m *system.Member) *mgmtpb.SystemMember {
	last := ""
	if !m.LastUpdate.IsZero() {
		last = m.LastUpdate.Format(time.RFC3339Nano)
	}
	return &mgmtpb.SystemMember{
		Addr: m.Addr, Uuid: m.UUID, Rank: m.Rank, Incarnation: m.Incarnation, State: m.State.JSONName(),
		FabricUri: m.URI, FabricContexts: m.Contexts, Info: m.Info, FaultDomain: m.FaultDomain,
		LastUpdate: last, SecondaryFabricUris: m.Secondary,
	}
}

// ListPools lists the pool directory.
func (s *Service) ListPools(ctx context.Context, req *mgmtpb.ListPoolsReq) (*mgmtpb.ListPoolsResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	resp := &mgmtpb.ListPoolsResp{DataVersion: s.o.DB.DataVersion()}
	for _, p := range s.o.DB.Pools() {
		resp.Pools = append(resp.Pools, &mgmtpb.ListPoolsResp_Pool{Uuid: p.UUID, Label: p.Label, SvcReps: p.SvcReps, State: p.State})
	}
	return resp, nil
}

// GetAttachInfo tells agents the ranks' fabric addresses.
func (s *Service) GetAttachInfo(ctx context.Context, req *mgmtpb.GetAttachInfoReq) (*mgmtpb.GetAttachInfoResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	resp := &mgmtpb.GetAttachInfoResp{
		Sys:         s.o.System,
		DataVersion: s.o.DB.DataVersion(),
		ClientNetHint: &mgmtpb.ClientNetHint{Provider: s.o.Provider, CrtTimeout: s.o.CrtTimeout, SrvSrxSet: -1,
			EnvVars: slices.Clone(s.o.ClientEnvVars)},
		BuildInfo: buildInfo(s.o.Version),
	}
	version, group := s.o.DB.GroupMap()
	resp.MapVersion = version
	inMap := map[uint32]bool{}
	for _, g := range group {
		inMap[g.Rank] = true
	}
	for _, m := range s.o.DB.Members() {
		if !inMap[m.Rank] {
			continue
		}
		resp.RankUris = append(resp.RankUris, &mgmtpb.GetAttachInfoResp_RankUri{Rank: m.Rank, Uri: m.URI, NumCtxs: m.Contexts,
			Incarnation: m.Incarnation})
		for _, rep := range s.o.Replicas {
			if rep == m.Addr {
				resp.MsRanks = append(resp.MsRanks, m.Rank)
				break
			}
		}
	}
	return resp, nil
}

func buildInfo(v string) *mgmtpb.BuildInfo {
	bi := &mgmtpb.BuildInfo{Tag: v}
	var maj, min, pat uint32
	if n, _ := fmt.Sscanf(v, "%d.%d.%d", &maj, &min, &pat); n == 3 {
		bi.Major, bi.Minor, bi.Patch = maj, min, pat
	}
	return bi
}

// SystemSetAttr sets attributes; an empty value deletes one.
func (s *Service) SystemSetAttr(ctx context.Context, req *mgmtpb.SystemSetAttrReq) (*mgmtpb.DaosResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	if len(req.Attributes) == 0 {
		return nil, grpcerr.Errorf(daos.ErrInval, "no attributes to set")
	}
	for k := range req.Attributes {
		if k == "" || len(k) > 255 || strings.ContainsAny(k, ":,") {
			return nil, grpcerr.Errorf(daos.ErrInval, "attribute name %q: must be 1-255 characters without : or ,", k)
		}
	}
	if _, err := s.apply(ctx, r, &system.Command{Op: system.OpSetAttrs, KV: req.Attributes}); err != nil {
		return nil, err
	}
	return &mgmtpb.DaosResp{}, nil
}

// SystemGetAttr returns attributes.
func (s *Service) SystemGetAttr(ctx context.Context, req *mgmtpb.SystemGetAttrReq) (*mgmtpb.SystemGetAttrResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	a, err := s.o.DB.Attrs(req.Keys)
	if err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	return &mgmtpb.SystemGetAttrResp{Attributes: a}, nil
}

// SystemSetProp sets system properties.
func (s *Service) SystemSetProp(ctx context.Context, req *mgmtpb.SystemSetPropReq) (*mgmtpb.DaosResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	if _, err := s.apply(ctx, r, &system.Command{Op: system.OpSetProps, KV: req.Properties}); err != nil {
		return nil, err
	}
	return &mgmtpb.DaosResp{}, nil
}

// SystemGetProp returns system properties with defaults.
func (s *Service) SystemGetProp(ctx context.Context, req *mgmtpb.SystemGetPropReq) (*mgmtpb.SystemGetPropResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	p, err := s.o.DB.Props(req.Keys, s.o.System, s.o.Version)
	if err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	return &mgmtpb.SystemGetPropResp{Properties: p}, nil
}

// SystemCleanup evicts a machine's pool handles. Pool handles live in
// pool services, which come with the engine's pool service; with no
// pools in the directory there is nothing to evict.
func (s *Service) SystemCleanup(ctx context.Context, req *mgmtpb.SystemCleanupReq) (*mgmtpb.SystemCleanupResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	if req.Machine == "" {
		return nil, grpcerr.Errorf(daos.ErrInval, "system cleanup: no machine name")
	}
	if pools := s.o.DB.Pools(); len(pools) > 0 {
		return nil, grpcerr.Errorf(daos.ErrNosys, "system cleanup: evicting handles from %d pools needs the pool service, which this build does not have yet", len(pools))
	}
	return &mgmtpb.SystemCleanupResp{}, nil
}
