package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// RAS event id of an engine that died (DAOS's RAS_ENGINE_DIED).
const rasEngineDied = 2

// joinLoop makes a ready engine a member of the system: it asks the
// management service to join (retrying while no leader answers, or while
// the service refuses, so an administrator can fix the cause), records
// the rank in the superblock, and tells the engine its rank and to set
// up. It gives up when the engine it was started for is gone.
func (s *Server) joinLoop(ctx context.Context, in *instance, inc uint64) {
	warned := false
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil || !in.readyAs(inc) {
			return
		}
		err := s.joinOnce(ctx, in, inc)
		if err == nil {
			return
		}
		if !warned || attempt%30 == 0 {
			s.log.Warn("engine has not joined the system yet; retrying", "engine", in.idx, "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.JoinRetry):
		}
	}
}

// readyAs tells whether the instance still runs the engine incarnation
// inc and is ready.
func (in *instance) readyAs(inc uint64) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.incarnation == inc && in.state == StateReady
}

func (s *Server) joinOnce(ctx context.Context, in *instance, inc uint64) error {
	path := in.storage.SuperblockPath()
	sb, err := superblock.Read(path)
	if err != nil {
		return fmt.Errorf("read superblock: %w", err)
	}
	in.mu.Lock()
	req := &mgmtpb.JoinReq{
		Sys: s.cfg.Name, Uuid: sb.UUID, Rank: ranklist.NilRank, Uri: in.uri, Nctxs: in.nctxs,
		Addr: s.opts.ControlAddr, SrvFaultDomain: sb.HostFaultDomain, Idx: uint32(in.idx), Incarnation: inc,
	}
	client := in.client
	in.mu.Unlock()
	if sb.ValidRank && sb.Rank != nil {
		req.Rank = *sb.Rank
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	resp, err := s.opts.MS.Join(cctx, req)
	cancel()
	if err != nil {
		return fmt.Errorf("join: %w", grpcerr.FromStatus(err))
	}
	if resp.Status != 0 {
		return fmt.Errorf("join: %w", daos.FromCode(int(resp.Status)))
	}
	if err := s.recordRank(in, inc, resp.Rank); err != nil {
		return err
	}
	if client == nil {
		return errors.New("the engine's dRPC connection is gone")
	}
	if err := s.engineCall(ctx, client, drpc.MethodSetRank, &enginepb.SetRankReq{
		Rank: resp.Rank, MapVersion: resp.MapVersion, PoolUuids: resp.PoolUuids, DataVersion: resp.DataVersion,
		SystemKey: resp.SystemKey,
	}); err != nil {
		return fmt.Errorf("set rank %d: %w", resp.Rank, err)
	}
	if err := s.engineCall(ctx, client, drpc.MethodSetUp, nil); err != nil {
		return fmt.Errorf("set up rank %d: %w", resp.Rank, err)
	}
	in.mu.Lock()
	if in.incarnation == inc {
		in.rank, in.hasRank, in.joined = resp.Rank, true, true
	}
	in.mu.Unlock()
	s.log.Info("engine joined the system", "engine", in.idx, "rank", resp.Rank, "map_version", resp.MapVersion)
	s.notifyJoined()
	return nil
}

// recordRank writes the assigned rank into the superblock, unless the
// engine this join was for is gone (a later process records its own).
func (s *Server) recordRank(in *instance, inc uint64, rank uint32) error {
	in.sbMu.Lock()
	defer in.sbMu.Unlock()
	if !in.readyAs(inc) {
		return errors.New("the engine this join was for is no longer running")
	}
	path := in.storage.SuperblockPath()
	sb, err := superblock.Read(path)
	if err != nil {
		return fmt.Errorf("read superblock: %w", err)
	}
	if sb.ValidRank && sb.Rank != nil && *sb.Rank == rank {
		return nil
	}
	sb.Rank, sb.ValidRank = &rank, true
	if err := superblock.Write(path, sb); err != nil {
		return fmt.Errorf("record rank %d in the superblock: %w", rank, err)
	}
	return nil
}

// engineCall makes a dRPC call to an engine that answers with a DaosResp.
func (s *Server) engineCall(ctx context.Context, client *drpc.Client, method drpc.Method, req proto.Message) error {
	var body []byte
	if req != nil {
		var err error
		if body, err = proto.Marshal(req); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	out, err := client.Call(ctx, drpc.ModuleMgmt, method, body)
	if err != nil {
		return err
	}
	resp := &enginepb.DaosResp{}
	if err := proto.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	if resp.Status != 0 {
		return daos.FromCode(int(resp.Status))
	}
	return nil
}

// notifyJoined wakes callers waiting for engines to join.
func (s *Server) notifyJoined() {
	s.mu.Lock()
	close(s.joinedCh)
	s.joinedCh = make(chan struct{})
	s.mu.Unlock()
}

// WaitJoined waits until engine idx has joined since it last started.
func (s *Server) WaitJoined(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	for {
		s.mu.Lock()
		ch := s.joinedCh
		s.mu.Unlock()
		in.mu.Lock()
		joined, state := in.joined, in.state
		in.mu.Unlock()
		if joined {
			return nil
		}
		// An Errored engine whose supervisor still runs is waiting to be
		// restarted; only one with no supervisor has given up.
		if state == StateAwaitFormat || (state == StateErrored && !in.supervised()) {
			return daos.Errorf(daos.ErrMisc, "engine %d is %s", idx, state)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return daos.Errorf(daos.ErrTimedout, "engine %d has not joined (state %s): %v", idx, state, ctx.Err())
		}
	}
}

// reportDeath tells the management service that an engine died, so its
// rank shows as Errored without waiting for the leader's probe.
func (s *Server) reportDeath(rank uint32, inc uint64, why string) {
	if s.opts.MS == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.CallTimeout)
	defer cancel()
	_, err := s.opts.MS.ClusterEvent(ctx, &sharedpb.ClusterEventReq{Event: &sharedpb.RASEvent{
		Id: rasEngineDied, Msg: "engine died: " + why, Timestamp: time.Now().Format(time.RFC3339Nano),
		Hostname: s.opts.ControlAddr, Rank: rank, Incarnation: inc, Type: 1, Severity: 1,
	}})
	if err != nil {
		s.log.Warn("could not report the engine's death to the management service", "rank", rank, "err", err)
	}
}

// watchMembership keeps this server's engines in step with the system:
// an engine the management service no longer counts as joined (the
// leader marked it Errored or Unresponsive while it was in fact alive,
// e.g. across a network blip or a leader change) joins again, and a new
// group map is sent to every joined engine.
func (s *Server) watchMembership(ctx context.Context) {
	t := time.NewTicker(s.opts.MembershipInterval)
	defer t.Stop()
	pushed := map[int]pushedMap{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.checkMembers(ctx)
		s.pushGroupMap(ctx, pushed)
	}
}

func (s *Server) joinedInstances() []*instance {
	var out []*instance
	for _, in := range s.instances {
		in.mu.Lock()
		if in.joined && in.state == StateReady {
			out = append(out, in)
		}
		in.mu.Unlock()
	}
	return out
}

func (s *Server) checkMembers(ctx context.Context) {
	joined := s.joinedInstances()
	if len(joined) == 0 {
		return
	}
	set := ranklist.Of()
	for _, in := range joined {
		in.mu.Lock()
		set.Add(in.rank)
		in.mu.Unlock()
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.MembershipInterval*2)
	resp, err := s.opts.MS.SystemQuery(cctx, &mgmtpb.SystemQueryReq{Sys: s.cfg.Name, Ranks: set.String()})
	cancel()
	if err != nil {
		if status.Code(err) != codes.Unavailable {
			s.log.Debug("membership check failed", "err", err)
		}
		return
	}
	// Engines the service counts out although they run, or no longer
	// knows at all (its database was lost), join again.
	lost := map[uint32]string{}
	if absent, err := ranklist.Parse(resp.Absentranks); err == nil {
		for _, r := range absent.Ranks() {
			lost[r] = "absent from the membership"
		}
	}
	for _, m := range resp.Members {
		switch m.State {
		case "errored", "unresponsive", "excluded":
			lost[m.Rank] = "listed as " + m.State
		}
	}
	for _, in := range joined {
		in.mu.Lock()
		why, isLost := lost[in.rank]
		for _, m := range resp.Members {
			if m.Rank == in.rank && m.Uuid != in.uuid {
				why, isLost = "listed with another engine's UUID", true
			}
		}
		mine := isLost && in.joined
		inc := in.incarnation
		var jctx context.Context
		if mine {
			in.joined = false
			in.cancelJoinLocked()
			jctx, in.joinCancel = context.WithCancel(ctx)
		}
		in.mu.Unlock()
		if mine {
			s.log.Warn("the management service has lost this engine ("+why+"); joining again",
				"engine", in.idx, "rank", in.rank)
			go s.joinLoop(jctx, in, inc)
		}
	}
}

// pushedMap is the last group map an engine incarnation received.
type pushedMap struct {
	incarnation uint64
	version     uint32
}

func (s *Server) pushGroupMap(ctx context.Context, pushed map[int]pushedMap) {
	joined := s.joinedInstances()
	if len(joined) == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.MembershipInterval*2)
	ai, err := s.opts.MS.GetAttachInfo(cctx, &mgmtpb.GetAttachInfoReq{Sys: s.cfg.Name, AllRanks: true})
	cancel()
	if err != nil {
		return
	}
	req := &enginepb.GroupUpdateReq{MapVersion: ai.MapVersion}
	for _, r := range ai.RankUris {
		req.Engines = append(req.Engines, &enginepb.GroupUpdateReq_Engine{Rank: r.Rank, Uri: r.Uri, Incarnation: r.Incarnation})
	}
	for _, in := range joined {
		in.mu.Lock()
		client, inc := in.client, in.incarnation
		in.mu.Unlock()
		key := pushedMap{inc, ai.MapVersion}
		if client == nil || pushed[in.idx] == key {
			continue
		}
		if err := s.engineCall(ctx, client, drpc.MethodGroupUpdate, req); err != nil {
			s.log.Warn("group map update failed", "engine", in.idx, "map_version", ai.MapVersion, "err", err)
			continue
		}
		pushed[in.idx] = key
	}
}
