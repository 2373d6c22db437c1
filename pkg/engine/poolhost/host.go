// Package poolhost hosts pools on an engine: it creates and removes a
// pool's shards on the engine's targets, runs the engine's replica of a
// pool's service (pkg/rsvc with raft over the fabric) and answers the
// service's commands and reads, telling callers who leads when this
// replica does not. It also drives pool creation across engines: shards
// on every chosen rank, then service replicas on a few of them.
//
// A replica keeps its raft data in <scm_mount>/pools/<uuid>/rdb and its
// member list beside it, so an engine restarted reopens the services it
// hosted.
package poolhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rsvc"
)

// Service is a pool service's state machine with its reads.
type Service interface {
	rsvc.StateMachine
	// Query answers an engine's read from the leader's state.
	Query(q []byte) ([]byte, error)
	// ClientQuery answers a client's read, which acts through a handle
	// and sees what that handle's credential may see.
	ClientQuery(q []byte) ([]byte, error)
	// Admit checks a command a client sent directly and returns what to
	// apply (or refuses it): clients may only act through their handles.
	Admit(cmd []byte) ([]byte, error)
}

// Config wires a Host to its engine.
type Config struct {
	SCMDir  string
	Targets []*target.Target
	Mux     *rsvc.Mux
	// Self is the engine's rank (false until it has joined).
	Self func() (uint32, bool)
	// NewService makes an empty state machine for a pool.
	NewService func(pool UUID) Service
	Logger     *slog.Logger
	Timing     rsvc.Timing
	// MapOf reads a service's pool map version and ranks, for the
	// leader to push the version to those ranks' engines (mapdist.go);
	// nil: no distribution.
	MapOf func(Service) (version uint32, ranks []uint32, ok bool)
	// RankURIs is every rank's fabric URI (pushes go there).
	RankURIs func() map[uint32]string
	// MapDistInterval is how often a leader checks its pushes; 0: 500 ms.
	MapDistInterval time.Duration
	// Capacity is the engine's SCM and NVMe space (0: not known, not
	// checked); pool creates that would promise more than it fail with
	// DER_NOSPACE. nil: no check.
	Capacity func() (scm, nvme uint64, err error)
	// OnRevoke drops closed container handles of a pool from the
	// engine's handle cache (revoke.go); nil: the engine caches none.
	OnRevoke func(pool UUID, handles []UUID)
}

// Host is an engine's pool hosting.
type Host struct {
	cfg Config
	// createMu serialises shard creation behind the capacity check.
	createMu sync.Mutex

	mu       sync.Mutex
	svcs     map[UUID]*hosted
	starting map[UUID]bool
	closed   bool
	rpcEP    *rpc.Endpoint
	maps     MapVersions
}

type hosted struct {
	rep     *rsvc.Replica
	svc     Service
	members []Member
	tr      *rsvc.Transport
	dist    *distributor
}

// New makes a Host.
func New(cfg Config) *Host {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Host{cfg: cfg, svcs: map[UUID]*hosted{}}
}

// Register adds the hosting opcodes to reg. Those only engines send are
// internal: served only to sessions that proved the system's peer key,
// since their handlers trust the caller (OpPoolAdmin runs what the
// forwarding engine checked, OpTgtDestroy removes data at once, ...).
// Clients send only OpPoolApply and OpPoolQuery, whose commands and reads
// the pool service checks against the sender's handle itself.
func (h *Host) Register(reg *rpc.Registry) error {
	for _, op := range []struct {
		op       rpc.Opcode
		name     string
		h        rpc.Handler
		internal bool
	}{
		{OpTgtCreate, "pool_tgt_create", rpc.Handle(h.tgtCreate), true},
		{OpTgtDestroy, "pool_tgt_destroy", rpc.Handle(h.tgtDestroy), true},
		{OpSvcStart, "pool_svc_start", rpc.Handle(h.svcStart), true},
		{OpSvcStop, "pool_svc_stop", rpc.Handle(h.svcStop), true},
		{OpPoolApply, "pool_apply", rpc.Handle(h.apply), false},
		{OpPoolAdmin, "pool_admin", rpc.Handle(h.admin), true},
		{OpPoolQuery, "pool_query", rpc.Handle(h.clientQuery), false},
		{OpPoolAdminQuery, "pool_admin_query", rpc.Handle(h.query), true},
		{OpPoolSpace, "pool_space", rpc.Handle(h.space), false},
		{OpTgtQuery, "pool_tgt_query", rpc.Handle(h.tgtQuery), true},
		{OpMapDist, "pool_map_dist", rpc.Handle(h.mapDist), true},
		{OpMapVersion, "pool_map_version", rpc.Handle(h.mapVersion), true},
		{OpHdlRevoke, "pool_hdl_revoke", rpc.Handle(h.hdlRevoke), true},
	} {
		register := reg.Register
		if op.internal {
			register = reg.RegisterInternal
		}
		if err := register(op.op, op.name, op.h); err != nil {
			return fmt.Errorf("register pool hosting: %w", err)
		}
	}
	return nil
}

// SetEndpoint gives the Host its listening endpoint (calls to other
// engines go from it).
func (h *Host) SetEndpoint(ep *rpc.Endpoint) {
	h.mu.Lock()
	h.rpcEP = ep
	h.mu.Unlock()
}

func (h *Host) endpoint() (*rpc.Endpoint, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rpcEP == nil {
		return nil, daos.Errorf(daos.ErrUninit, "the engine is not serving the fabric yet")
	}
	return h.rpcEP, nil
}

func (h *Host) rdbDir(p UUID) string {
	return filepath.Join(h.cfg.SCMDir, "pools", target.UUID(p).String(), "rdb")
}

func (h *Host) tgtCreate(ctx context.Context, _ *rpc.Incoming, req *TgtCreateReq) (rpc.Message, error) {
	n := uint64(len(h.cfg.Targets))
	if n == 0 {
		return nil, daos.Errorf(daos.ErrInval, "this engine has no targets")
	}
	// Whole blocks of the devices' 4 KiB.
	scm, nvme := req.SCMBytes/n&^(blockSize-1), req.NVMeBytes/n&^(blockSize-1)
	if scm < MinSCMPerTarget {
		return nil, daos.Errorf(daos.ErrNospace, "pool %s: %d bytes of SCM over %d targets is %d per target, below the minimum of %d",
			target.UUID(req.Pool), req.SCMBytes, n, scm, MinSCMPerTarget)
	}
	// Checked and taken in one step, so that pools created at once do
	// not both fit into the same space.
	h.createMu.Lock()
	defer h.createMu.Unlock()
	if err := h.checkCapacity(req.Pool, scm*n, nvme*n); err != nil {
		return nil, err
	}
	for _, t := range h.cfg.Targets {
		if err := t.CreateShard(ctx, target.UUID(req.Pool), scm, nvme); err != nil {
			return nil, err
		}
	}
	return &TgtCreateResp{Targets: uint32(n)}, nil
}

// checkCapacity refuses a new pool's shards (scm and nvme bytes over all
// targets) when, with what the pools here already hold, they would
// promise more than the engine has. A retried create of shards that
// exist passes: their space is already counted.
func (h *Host) checkCapacity(p UUID, scm, nvme uint64) error {
	if h.cfg.Capacity == nil {
		return nil
	}
	capSCM, capNVMe, err := h.cfg.Capacity()
	if err != nil {
		return fmt.Errorf("pool %s: measure the engine's storage: %w", target.UUID(p), err)
	}
	var usedSCM, usedNVMe uint64
	for _, t := range h.cfg.Targets {
		if slices.Contains(t.Pools(), target.UUID(p)) {
			return nil
		}
		s, v := t.Allocated()
		usedSCM += s
		usedNVMe += v
	}
	if capSCM > 0 && usedSCM+scm > capSCM {
		return daos.Errorf(daos.ErrNospace, "pool %s: %d bytes of SCM asked of this engine, which has %d of %d left (pools here hold the rest)",
			target.UUID(p), scm, capSCM-min(usedSCM, capSCM), capSCM)
	}
	if nvme > 0 && capNVMe > 0 && usedNVMe+nvme > capNVMe {
		return daos.Errorf(daos.ErrNospace, "pool %s: %d bytes of NVMe asked of this engine, which has %d of %d left (pools here hold the rest)",
			target.UUID(p), nvme, capNVMe-min(usedNVMe, capNVMe), capNVMe)
	}
	return nil
}

// blockSize aligns each target's share.
const blockSize = 4096

// MinSCMPerTarget is the least SCM a target's shard gets (DAOS's 16 MiB).
const MinSCMPerTarget = 16 << 20

func (h *Host) tgtQuery(_ context.Context, _ *rpc.Incoming, req *PoolReq) (rpc.Message, error) {
	resp := &TgtQueryResp{}
	for _, t := range h.cfg.Targets {
		vp, err := t.Shard(target.UUID(req.Pool))
		if err != nil {
			return nil, err
		}
		sp := vp.Space()
		resp.Targets = append(resp.Targets, TargetSpace{SCMTotal: sp.SCMTotal, SCMFree: sp.SCMTotal - min(sp.SCMUsed, sp.SCMTotal),
			NVMeTotal: sp.NVMeTotal, NVMeFree: sp.NVMeTotal - min(sp.NVMeUsed, sp.NVMeTotal)})
	}
	return resp, nil
}

// rankSpaceTimeout bounds one rank's answer in SpaceOfLive: a hung rank
// must not hold a pool query for the caller's whole deadline.
const rankSpaceTimeout = 5 * time.Second

// SpaceOfLive asks every rank at once for the space of pool p's shards
// and reports those that did not answer as dead, as DAOS's pool query
// does for ranks that died and are not yet excluded; it fails only when
// none answers.
func (h *Host) SpaceOfLive(ctx context.Context, p UUID, ranks []uint32, uris map[uint32]string) (space []TargetSpace, dead []uint32, err error) {
	type answer struct {
		space []TargetSpace
		err   error
	}
	answers := make([]answer, len(ranks))
	var wg sync.WaitGroup
	for i, r := range ranks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ctx, rankSpaceTimeout)
			defer cancel()
			answers[i].space, answers[i].err = h.Space(rctx, p, []uint32{r}, uris)
		}()
	}
	wg.Wait()
	var errs []error
	for i, a := range answers {
		if a.err != nil {
			// Only a rank that cannot be reached is dead; one that
			// answers with an error (no shard of the pool, say) is a
			// fault to report.
			if ctx.Err() != nil || !unreachable(a.err) {
				return nil, nil, a.err
			}
			dead = append(dead, ranks[i])
			errs = append(errs, a.err)
			continue
		}
		space = append(space, a.space...)
	}
	if len(ranks) > 0 && len(dead) == len(ranks) {
		return nil, nil, errors.Join(errs...)
	}
	return space, dead, nil
}

// unreachable says err is a rank not answering: unreachable, timed out,
// or without a known address.
func unreachable(err error) bool {
	return errors.Is(err, daos.ErrUnreach) || errors.Is(err, daos.ErrTimedout) || errors.Is(err, context.DeadlineExceeded)
}

// Space asks every rank for the space of pool p's shards.
func (h *Host) Space(ctx context.Context, p UUID, ranks []uint32, uris map[uint32]string) ([]TargetSpace, error) {
	ep, err := h.endpoint()
	if err != nil {
		return nil, err
	}
	var out []TargetSpace
	for _, r := range ranks {
		s, ok := uris[r]
		if !ok {
			return nil, daos.Errorf(daos.ErrUnreach, "rank %d has no known address", r)
		}
		to, err := fabric.ParseURI(s)
		if err != nil {
			return nil, err
		}
		resp := &TgtQueryResp{}
		if err := ep.CallWith(ctx, to, OpTgtQuery, &PoolReq{Pool: p}, resp, rpc.CallOptions{Idempotent: true}); err != nil {
			return nil, fmt.Errorf("rank %d: %w", r, err)
		}
		out = append(out, resp.Targets...)
	}
	return out, nil
}

func (h *Host) tgtDestroy(ctx context.Context, _ *rpc.Incoming, req *PoolReq) (rpc.Message, error) {
	var errs []error
	for _, t := range h.cfg.Targets {
		errs = append(errs, t.DestroyShard(ctx, target.UUID(req.Pool)))
	}
	// The pool's directory goes too once nothing is left in it (the
	// service's data, if this engine hosted a replica, is removed by
	// SvcStop first).
	_ = os.Remove(filepath.Join(h.cfg.SCMDir, "pools", target.UUID(req.Pool).String()))
	h.maps.Forget(req.Pool)
	return nil, errors.Join(errs...)
}

func (h *Host) svcStart(_ context.Context, _ *rpc.Incoming, req *SvcStartReq) (rpc.Message, error) {
	return nil, h.startReplica(req.Pool, req.Self, req.Members, true)
}

// membersFile records a replica's members for restarts.
const membersFile = "members.json"

// startReplica opens (or, when it runs already, keeps) pool p's replica.
func (h *Host) startReplica(p UUID, self uint32, members []Member, record bool) error {
	// One start at a time per pool: a second one (a retried or
	// concurrent request) waits for the first and then finds it running,
	// instead of failing and sending its creator into cleanup.
	h.mu.Lock()
	for h.starting[p] {
		h.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		h.mu.Lock()
	}
	if _, ok := h.svcs[p]; ok {
		h.mu.Unlock()
		return nil
	}
	if h.starting == nil {
		h.starting = map[UUID]bool{}
	}
	h.starting[p] = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.starting, p)
		h.mu.Unlock()
	}()
	if mine, ok := h.cfg.Self(); ok && mine != self {
		return daos.Errorf(daos.ErrInval, "pool %s: asked to be rank %d's replica, this engine is rank %d", target.UUID(p), self, mine)
	}
	var me Member
	var rm []rsvc.Member
	for _, m := range members {
		id := strconv.FormatUint(uint64(m.Rank), 10)
		rm = append(rm, rsvc.Member{ID: id, Addr: m.URI})
		if m.Rank == self {
			me = m
		}
	}
	if me.URI == "" {
		return daos.Errorf(daos.ErrInval, "pool %s: rank %d is not one of the service's replicas", target.UUID(p), self)
	}
	dir := h.rdbDir(p)
	if record {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("pool %s service: %w", target.UUID(p), err)
		}
		b, _ := json.Marshal(struct {
			Self    uint32
			Members []Member
		}{self, members})
		if err := os.WriteFile(filepath.Join(dir, membersFile), b, 0o600); err != nil {
			return fmt.Errorf("pool %s service: %w", target.UUID(p), err)
		}
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return daos.Errorf(daos.ErrShutdown, "pool %s service: the engine is stopping", target.UUID(p))
	}
	tr, err := h.cfg.Mux.Transport(rsvc.GroupID(p))
	if err != nil {
		return fmt.Errorf("pool %s service: %w", target.UUID(p), err)
	}
	svc := h.cfg.NewService(p)
	rep, err := rsvc.Open(rsvc.Config{Dir: dir, DBFile: "rdb.db", Self: rsvc.Member{ID: strconv.FormatUint(uint64(self), 10), Addr: me.URI},
		Members: rm, Transport: tr, Machine: svc, Logger: h.cfg.Logger, Timing: h.cfg.Timing})
	if err != nil {
		tr.Close()
		return fmt.Errorf("pool %s service: %w", target.UUID(p), err)
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		rep.Close()
		tr.Close()
		return daos.Errorf(daos.ErrShutdown, "pool %s service: the engine is stopping", target.UUID(p))
	}
	s := &hosted{rep: rep, svc: svc, members: members, tr: tr}
	h.svcs[p] = s
	h.startDist(p, s)
	h.mu.Unlock()
	h.cfg.Logger.Info("pool service replica started", "pool", target.UUID(p).String(), "rank", self, "replicas", len(members))
	return nil
}

func (h *Host) svcStop(_ context.Context, _ *rpc.Incoming, req *PoolReq) (rpc.Message, error) {
	h.mu.Lock()
	s, ok := h.svcs[req.Pool]
	delete(h.svcs, req.Pool)
	h.mu.Unlock()
	if ok {
		s.dist.close()
		s.rep.Close()
		s.tr.Close()
	}
	if err := os.RemoveAll(h.rdbDir(req.Pool)); err != nil {
		return nil, fmt.Errorf("pool %s service: %w", target.UUID(req.Pool), err)
	}
	return nil, nil
}

// Reopen restarts the replicas this engine hosted before a restart.
func (h *Host) Reopen(self uint32) error {
	pools, err := os.ReadDir(filepath.Join(h.cfg.SCMDir, "pools"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range pools {
		u, err := target.ParseUUID(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(h.rdbDir(UUID(u)), membersFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		var rec struct {
			Self    uint32
			Members []Member
		}
		if err == nil {
			err = json.Unmarshal(b, &rec)
		}
		if err == nil && rec.Self != self {
			err = fmt.Errorf("it was hosted as rank %d, the engine is rank %d now", rec.Self, self)
		}
		if err == nil {
			err = h.startReplica(UUID(u), rec.Self, rec.Members, false)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reopen pool %s service: %w", u, err))
		}
	}
	return errors.Join(errs...)
}

// hasReplicaData tells whether pool p's replica data (its member list,
// written when it started and removed by SvcStop) is on this engine.
func (h *Host) hasReplicaData(p UUID) bool {
	_, err := os.Stat(filepath.Join(h.rdbDir(p), membersFile))
	return err == nil
}

// leading finds pool p's replica and says whether it leads; when it does
// not, resp says who does. NotHere is said only when this engine holds no
// replica data of the pool at all.
func (h *Host) leading(ctx context.Context, p UUID) (*hosted, *ServiceResp, error) {
	h.mu.Lock()
	s, ok := h.svcs[p]
	starting := h.starting[p]
	h.mu.Unlock()
	if !ok {
		if starting || h.hasReplicaData(p) {
			// A replica of it lives here but is not open (starting, or
			// not reopened yet after a restart): not "no such pool".
			return nil, &ServiceResp{NotLeader: true}, nil
		}
		return nil, &ServiceResp{NotHere: true, NotLeader: true}, nil
	}
	if !s.rep.IsLeader() {
		resp := &ServiceResp{NotLeader: true}
		if addr, id := s.rep.Leader(); addr != "" {
			r, _ := strconv.ParseUint(id, 10, 32)
			resp.LeaderKnown, resp.LeaderRank, resp.LeaderURI = true, uint32(r), addr
		}
		return nil, resp, nil
	}
	if err := s.rep.Barrier(ctx); err != nil {
		return nil, &ServiceResp{NotLeader: true}, nil
	}
	return s, nil, nil
}

// apply serves a client's command: the service admits it first.
func (h *Host) apply(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	return h.run(ctx, req, true)
}

// admin serves a command from an engine acting for the control plane or
// for a checked connect.
func (h *Host) admin(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	return h.run(ctx, req, false)
}

func (h *Host) run(ctx context.Context, req *ServiceReq, client bool) (rpc.Message, error) {
	s, redirect, err := h.leading(ctx, req.Pool)
	if err != nil || redirect != nil {
		return redirect, err
	}
	body := req.Body
	if client {
		if body, err = s.svc.Admit(body); err != nil {
			return nil, err
		}
	}
	res, err := s.rep.Apply(ctx, body)
	if errors.Is(err, rsvc.ErrNotLeader) {
		return &ServiceResp{NotLeader: true}, nil
	}
	if err != nil {
		return nil, err
	}
	s.dist.poke() // the command may have changed the pool map
	if c, ok := res.(Closer); ok {
		// Closed container handles stop working on every engine before
		// the sender hears the command succeeded (revoke.go).
		h.revoke(ctx, req.Pool, s, c.ClosedContHandles())
		res = c.Result()
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode pool service result: %w", err)
	}
	return &ServiceResp{Body: out}, nil
}

func (h *Host) query(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	return h.read(ctx, req, false)
}

func (h *Host) clientQuery(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	return h.read(ctx, req, true)
}

func (h *Host) read(ctx context.Context, req *ServiceReq, client bool) (rpc.Message, error) {
	s, redirect, err := h.leading(ctx, req.Pool)
	if err != nil || redirect != nil {
		return redirect, err
	}
	answer := s.svc.Query
	if client {
		answer = s.svc.ClientQuery
	}
	body, err := answer(req.Body)
	if err != nil {
		return nil, err
	}
	// The answer names its leader (this replica), which pool queries
	// report (svc_ldr, pi_leader).
	resp := &ServiceResp{Body: body}
	if addr, id := s.rep.Leader(); addr != "" {
		if r, err := strconv.ParseUint(id, 10, 32); err == nil {
			resp.LeaderKnown, resp.LeaderRank, resp.LeaderURI = true, uint32(r), addr
		}
	}
	return resp, nil
}

// Close stops every replica.
func (h *Host) Close() {
	h.mu.Lock()
	h.closed = true
	svcs := h.svcs
	h.svcs = map[UUID]*hosted{}
	h.mu.Unlock()
	for _, s := range svcs {
		s.dist.close()
		s.rep.Close()
		s.tr.Close()
	}
}

// Hosted lists the pools whose service has a replica here.
func (h *Host) Hosted() []UUID {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]UUID, 0, len(h.svcs))
	for p := range h.svcs {
		out = append(out, p)
	}
	return out
}

// cleanupTimeout bounds undoing a failed create.
const cleanupTimeout = 30 * time.Second
