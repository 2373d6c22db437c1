package server

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// SmdQuery says what to ask each engine for.
type SmdQuery struct {
	Devices, Pools, Health bool
	// Ranks limits the query to the engines of these ranks; nil: every
	// engine of this server.
	Ranks map[uint32]bool
}

// EngineSmd is one engine's device table and pools, or Err (with its DER
// code in Status).
type EngineSmd struct {
	Index   int
	Rank    uint32
	HasRank bool
	Devices []*enginepb.SmdDevice
	Pools   []*enginepb.SmdPool
	Status  int32
	Err     string
}

// SmdQuery asks the engines (all, or those of q.Ranks) for their device
// tables and pools over MGMT SMD_LIST_DEVS and SMD_LIST_POOLS. An engine
// that is not running is reported with an error, not skipped: its devices
// are still there, only unknown.
func (s *Server) SmdQuery(ctx context.Context, q SmdQuery) []EngineSmd {
	out := make([]EngineSmd, 0, len(s.instances))
	for _, in := range s.instances {
		info := in.info()
		if q.Ranks != nil && (!info.HasRank || !q.Ranks[info.Rank]) {
			continue
		}
		r := EngineSmd{Index: in.idx, Rank: info.Rank, HasRank: info.HasRank}
		if err := s.smdQuery(ctx, in, q, &r); err != nil {
			r.Status, r.Err = int32(daos.Code(err).DerCode()), err.Error()
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) smdQuery(ctx context.Context, in *instance, q SmdQuery, r *EngineSmd) error {
	in.mu.Lock()
	client, state := in.client, in.state
	in.mu.Unlock()
	if client == nil || state != StateReady {
		return daos.Errorf(daos.ErrUnreach, "engine %d%s is not running (state %s): its devices cannot be queried",
			in.idx, rankText(r), state)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	if q.Devices {
		resp := &enginepb.SmdDevResp{}
		if err := callEngine(ctx, client, drpc.MethodSmdListDevs, &enginepb.SmdDevReq{IncludeHealth: q.Health}, resp); err != nil {
			return fmt.Errorf("engine %d: list devices: %w", in.idx, err)
		}
		if resp.Status != 0 {
			r.Status, r.Err = resp.Status, fmt.Sprintf("engine %d: list devices: %s", in.idx, resp.Error)
			return nil
		}
		r.Devices = resp.Devices
	}
	if q.Pools {
		resp := &enginepb.SmdPoolResp{}
		if err := callEngine(ctx, client, drpc.MethodSmdListPools, &enginepb.SmdPoolReq{}, resp); err != nil {
			return fmt.Errorf("engine %d: list pools: %w", in.idx, err)
		}
		if resp.Status != 0 {
			r.Status, r.Err = resp.Status, fmt.Sprintf("engine %d: list pools: %s", in.idx, resp.Error)
			return nil
		}
		r.Pools = resp.Pools
	}
	return nil
}

func rankText(r *EngineSmd) string {
	if !r.HasRank {
		return ""
	}
	return fmt.Sprintf(" (rank %d)", r.Rank)
}

// callEngine makes one MGMT call and decodes its reply.
func callEngine(ctx context.Context, c *drpc.Client, method drpc.Method, req, resp proto.Message) error {
	body, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	raw, err := c.Call(ctx, drpc.ModuleMgmt, method, body)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	return nil
}
