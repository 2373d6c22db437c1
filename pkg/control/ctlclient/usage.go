package ctlclient

import (
	"context"

	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// StorageUsage asks every host for the space of its engines' storage.
func (c *Client) StorageUsage(ctx context.Context) []HostResult[*ctlpb.StorageUsageResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.StorageUsageResp, error) {
		return cl.StorageUsage(ctx, &ctlpb.StorageUsageReq{})
	})
}
