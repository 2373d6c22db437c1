package ctlclient

import (
	"context"

	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// SetEngineLogMasks asks every host to change its engines' log masks.
func (c *Client) SetEngineLogMasks(ctx context.Context, req *ctlpb.SetLogMasksReq) []HostResult[*ctlpb.SetLogMasksResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.SetLogMasksResp, error) {
		return cl.SetEngineLogMasks(ctx, req)
	})
}
