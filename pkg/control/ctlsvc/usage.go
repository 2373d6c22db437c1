package ctlsvc

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/server"
)

// UsageEngines measures the engines' storage (*server.Server). The
// service finds it on its Engines, so that a supervisor without it still
// serves everything else.
type UsageEngines interface {
	StorageUsage(ctx context.Context) []server.EngineUsage
}

// StorageUsage reports the space of every engine's storage tiers on this
// host.
func (s *Service) StorageUsage(ctx context.Context, _ *ctlpb.StorageUsageReq) (*ctlpb.StorageUsageResp, error) {
	ue, ok := s.Engines.(UsageEngines)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "this server cannot measure its engines' storage")
	}
	resp := &ctlpb.StorageUsageResp{}
	for _, u := range ue.StorageUsage(ctx) {
		resp.Engines = append(resp.Engines, EngineUsageToPB(u))
	}
	return resp, nil
}

// EngineUsageToPB converts one engine's usage for the wire.
func EngineUsageToPB(u server.EngineUsage) *ctlpb.EngineUsage {
	e := &ctlpb.EngineUsage{
		Index: uint32(u.Index), Formatted: u.Formatted, Uuid: u.UUID, Rank: u.Rank, HasRank: u.HasRank,
		MdOnSsd: u.MDOnSSD, Pools: uint32(u.Pools), PoolsKnown: u.PoolsKnown, Note: u.Note, Error: u.Err,
	}
	if u.SCM != nil {
		e.Scm = tierToPB(*u.SCM)
	}
	for _, t := range u.NVMe {
		e.Nvme = append(e.Nvme, tierToPB(t))
	}
	return e
}

func tierToPB(t server.TierUsage) *ctlpb.TierUsage {
	return &ctlpb.TierUsage{
		Tier: uint32(t.Tier), Class: t.Class, Roles: t.Roles, Devices: t.Devices,
		TotalBytes: t.Total, FreeBytes: t.Free, FreeKnown: t.FreeKnown, Note: t.Note, Error: t.Err,
	}
}
