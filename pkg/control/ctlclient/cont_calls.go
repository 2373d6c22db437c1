package ctlclient

import (
	"context"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
)

// ContSetOwner changes a container's owner and/or group through the
// management service, without opening the container.
func (m *Mgmt) ContSetOwner(ctx context.Context, req *mgmtpb.ContSetOwnerReq) (*mgmtpb.ContSetOwnerResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "container set-owner", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ContSetOwnerResp, error) {
		return c.ContSetOwner(ctx, req)
	})
}
