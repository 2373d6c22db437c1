package agentclient

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// ListPools asks the agent for the system's pool directory (the agent
// forwards it to the management service). Every pool is listed, whether
// or not this user may connect to it.
func (s *Session) ListPools(ctx context.Context) ([]*mgmtpb.ListPoolsResp_Pool, error) {
	resp := &mgmtpb.ListPoolsResp{}
	if err := s.call(ctx, drpc.ModuleMgmt, agent.MethodListPools, &mgmtpb.ListPoolsReq{Sys: s.Sys}, resp); err != nil {
		return nil, err
	}
	if resp.Status != 0 {
		return nil, fmt.Errorf("list pools of system %s: %w", s.Sys, daos.FromCode(int(resp.Status)))
	}
	return resp.Pools, nil
}
