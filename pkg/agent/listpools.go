package agent

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// MethodListPools is MGMT's LIST_POOLS: a client asks the agent for the
// system's pool directory, which the agent forwards to the management
// service (daos pool list).
const MethodListPools drpc.Method = 214

// listPools forwards a ListPoolsReq for this agent's system to the
// management service. A refusal travels as the reply's status.
func (a *Agent) listPools(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.ListPoolsReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("list pools: %w: %v", drpc.ErrBadPayload, err)
	}
	if req.Sys != "" && req.Sys != a.cfg.Name {
		a.deps.Logger.Error(fmt.Sprintf("pool list refused: the client asks for system %q, but this agent serves system %q",
			req.Sys, a.cfg.Name))
		return proto.Marshal(&mgmtpb.ListPoolsResp{Status: derInval})
	}
	resp, err := ctlclient.MgmtCall(ctx, a.deps.Mgmt, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ListPoolsResp, error) {
		return c.ListPools(ctx, &mgmtpb.ListPoolsReq{Sys: a.cfg.Name})
	})
	if err != nil {
		a.deps.Logger.Error("list pools from the management service failed", "err", err)
		if code := daos.Code(err); code != daos.ErrUnknown {
			return proto.Marshal(&mgmtpb.ListPoolsResp{Status: int32(code.DerCode())})
		}
		return nil, fmt.Errorf("list pools: %w", err)
	}
	return proto.Marshal(resp)
}
