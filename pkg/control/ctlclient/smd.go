package ctlclient

import (
	"context"

	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// SmdQuery asks every host for its engines' device tables and pools.
func (c *Client) SmdQuery(ctx context.Context, req *ctlpb.SmdQueryReq) []HostResult[*ctlpb.SmdQueryResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.SmdQueryResp, error) {
		return cl.SmdQuery(ctx, req)
	})
}
