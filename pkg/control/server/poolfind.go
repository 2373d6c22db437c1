package server

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// handlePoolFind answers SRV POOL_FIND_BYLABEL for an engine (a client
// connecting by label or UUID): the pool directory of the management
// service has the pool's UUID and service replicas.
func (s *Server) handlePoolFind(ctx context.Context, body []byte) ([]byte, error) {
	req := &enginepb.PoolFindReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	reply := func(err error) ([]byte, error) {
		return proto.Marshal(&enginepb.PoolFindResp{Status: int32(daos.Code(err).DerCode())})
	}
	if s.opts.MS == nil {
		return reply(daos.Errorf(daos.ErrNosys, "this server is not part of a system"))
	}
	if strings.TrimSpace(req.Label) == "" {
		return reply(daos.Errorf(daos.ErrInval, "no pool label or UUID given"))
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	resp, err := s.opts.MS.ListPools(ctx, &mgmtpb.ListPoolsReq{Sys: s.cfg.Name})
	if err != nil {
		return reply(grpcerr.FromStatus(err))
	}
	for _, p := range resp.Pools {
		if p.Label == req.Label || strings.EqualFold(p.Uuid, req.Label) {
			if p.State != "" && p.State != "Ready" && p.State != "TargetsExcluded" {
				return reply(daos.Errorf(daos.ErrBusy, "pool %q is %s", req.Label, p.State))
			}
			return proto.Marshal(&enginepb.PoolFindResp{Uuid: p.Uuid, Svcreps: p.SvcReps})
		}
	}
	return reply(daos.Errorf(daos.ErrNonexist, "pool %q", req.Label))
}
