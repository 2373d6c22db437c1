package mgmtsvc

import (
	"context"
	"strings"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// ContSetOwner changes a container's owner and/or owning group for an
// administrator, who need not be able to open the container: the pool is
// looked up here, and an engine has its pool service make the change
// (CONT_SET_OWNER), which finds the container by label or UUID and checks
// the names.
func (s *Service) ContSetOwner(ctx context.Context, req *mgmtpb.ContSetOwnerReq) (*mgmtpb.ContSetOwnerResp, error) {
	_, p, err := s.findPool(ctx, req.Sys, req.PoolId)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.ContId) == "" {
		return nil, grpcerr.Errorf(daos.ErrInval, "container set-owner: no container label or UUID given")
	}
	if req.OwnerUser == "" && req.OwnerGroup == "" {
		return nil, grpcerr.Errorf(daos.ErrInval, "container set-owner: give a new owner user and/or group")
	}
	ereq := &mgmtpb.ContSetOwnerReq{Sys: req.Sys, PoolId: p.UUID, ContId: strings.TrimSpace(req.ContId),
		OwnerUser: req.OwnerUser, OwnerGroup: req.OwnerGroup, SvcRanks: p.SvcReps}
	resp := &mgmtpb.ContSetOwnerResp{}
	what := "container set-owner: pool " + poolName(p.Label, p.UUID) + ", container " + ereq.ContId
	if err := s.callPool(ctx, what, drpc.MethodContSetOwner, ereq, resp); err != nil {
		return nil, grpcerr.ToStatus(err)
	}
	s.o.Logger.Info("container owner changed", "pool", p.UUID, "cont", ereq.ContId,
		"owner", req.OwnerUser, "group", req.OwnerGroup)
	return resp, nil
}

// poolName is how an error names a pool: its label, or its UUID when it
// has none.
func poolName(label, uuid string) string {
	if label != "" {
		return label
	}
	return uuid
}
