package ctlsvc

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/logmask"
)

// LogMaskEngines changes the engines' log masks (*server.Server). Like
// UsageEngines, the service finds it on its Engines.
type LogMaskEngines interface {
	SetEngineLogMasks(ctx context.Context, req *enginepb.SetLogMasksReq) []server.EngineLogMasks
}

// SetEngineLogMasks forwards the masks to every engine of this host and
// reports each one's outcome. A bad mask is refused before any engine is
// called.
func (s *Service) SetEngineLogMasks(ctx context.Context, req *ctlpb.SetLogMasksReq) (*ctlpb.SetLogMasksResp, error) {
	le, ok := s.Engines.(LogMaskEngines)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "this server cannot set its engines' log masks")
	}
	if req.Masks != "" {
		if _, err := logmask.Parse(req.Masks); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	resp := &ctlpb.SetLogMasksResp{}
	for _, r := range le.SetEngineLogMasks(ctx, &enginepb.SetLogMasksReq{Masks: req.Masks, Streams: req.Streams, Subsystems: req.Subsystems}) {
		resp.Engines = append(resp.Engines, &ctlpb.EngineLogMasks{Index: uint32(r.Index), Status: r.Status, Error: r.Err,
			Masks: r.Masks, Streams: r.Streams, Subsystems: r.Subsystems})
		if r.Err != "" {
			s.log().Warn("engine log masks not set", "engine", r.Index, "err", r.Err)
		} else {
			s.log().Info("engine log masks set", "engine", r.Index, "masks", r.Masks, "streams", r.Streams, "subsystems", r.Subsystems)
		}
	}
	return resp, nil
}
