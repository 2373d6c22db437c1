package ctlsvc

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// SmdEngines queries the engines' device tables (*server.Server). Like
// UsageEngines, the service finds it on its Engines.
type SmdEngines interface {
	SmdQuery(ctx context.Context, q server.SmdQuery) []server.EngineSmd
}

// SmdQuery asks this host's engines (those of req.Ranks, or all) for
// their devices and pools, and keeps those with req.Uuid if given.
func (s *Service) SmdQuery(ctx context.Context, req *ctlpb.SmdQueryReq) (*ctlpb.SmdQueryResp, error) {
	se, ok := s.Engines.(SmdEngines)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "this server cannot query its engines' devices")
	}
	q := server.SmdQuery{Devices: !req.OmitDevices, Pools: !req.OmitPools, Health: req.IncludeBioHealth}
	if req.Ranks != "" {
		set, err := ranklist.Parse(req.Ranks)
		if err != nil {
			return nil, grpcerr.Errorf(daos.ErrInval, "ranks %q: %v", req.Ranks, err)
		}
		q.Ranks = map[uint32]bool{}
		for _, r := range set.Ranks() {
			q.Ranks[r] = true
		}
	}
	resp := &ctlpb.SmdQueryResp{}
	for _, e := range se.SmdQuery(ctx, q) {
		rs := &ctlpb.RankSmd{EngineIndex: uint32(e.Index), Rank: e.Rank, HasRank: e.HasRank, Status: e.Status, Error: e.Err}
		for _, d := range e.Devices {
			if req.Uuid == "" || d.Uuid == req.Uuid {
				rs.Devices = append(rs.Devices, deviceToPB(d))
			}
		}
		for _, p := range e.Pools {
			if req.Uuid == "" || p.Uuid == req.Uuid {
				rs.Pools = append(rs.Pools, &ctlpb.SmdPool{Uuid: p.Uuid, TgtIds: p.TgtIds, Blobs: p.Blobs, DevUuid: p.DevUuid})
			}
		}
		if e.Err != "" {
			s.log().Warn("engine SMD query failed", "engine", e.Index, "err", e.Err)
		}
		resp.Ranks = append(resp.Ranks, rs)
	}
	return resp, nil
}

func deviceToPB(d *enginepb.SmdDevice) *ctlpb.SmdDevice {
	out := &ctlpb.SmdDevice{Uuid: d.Uuid, TgtIds: d.TgtIds, State: d.State, TrAddr: d.TrAddr, Roles: d.Roles,
		Class: d.Class, Tier: d.Tier, Note: d.Note}
	if h := d.Health; h != nil {
		out.Health = &ctlpb.SmdHealth{TotalBytes: h.TotalBytes, AllocatedBytes: h.AllocatedBytes, FreeBytes: h.FreeBytes,
			UsedBytes: h.UsedBytes, Unavailable: h.Unavailable}
	}
	return out
}
